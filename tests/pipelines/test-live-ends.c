/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A live call ends (issue 16.8): with a live microphone (a silent
 * audiotestsrc is-live=true), the turns done (num-turns) or the agent
 * hanging up (the builtin end-call) end the WHOLE pipeline: EOS reaches
 * every sink, the voxpipe runner prints its summary and exits 0, and
 * gst-launch-1.0 exits 0 after EOS.  The user's silence starts the turn
 * (idle-timeout).  A hang is caught by --timeout and timeout(1). */

#include "config.h"

#include <gio/gio.h>
#include <string.h>

static gchar *
data_path (const gchar * name)
{
  const gchar *source = g_getenv ("VP_SOURCE_DIR");

  return g_build_filename (source ? source : VP_SOURCE_DIR, "tests", "data",
      name, NULL);
}

/* Runs @argv to its end; its exit status, with what it printed. */
static gint
run (const gchar * const *argv, gchar ** out, gchar ** err)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = g_subprocess_newv (argv,
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, out,
          err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static void
assert_contains (const gchar * text, const gchar * words, const gchar * err)
{
  if (text == NULL || strstr (text, words) == NULL)
    g_error ("\"%s\" is not in the output:\n%s\n%s", words, text, err);
}

/* The runner, num-turns=1: the reply played, the pipeline ends. */
static void
test_runner_num_turns (void)
{
  const gchar *argv[] = { g_getenv ("VP_RUNNER"), "--timeout", "40", "--",
    "audiotestsrc", "is-live=true", "wave=silence", "!", "geminilivesink",
    "session=ends-turns", "endpoint=local", "idle-timeout=1",
    "geminilivesrc", "session=ends-turns", "num-turns=1", "!", "fakesink",
    NULL
  };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status;

  g_assert_nonnull (argv[0]);
  status = run (argv, &out, &err);
  g_test_message ("runner: status %d\n%s\n%s", status, out, err);
  g_assert_cmpint (status, ==, 0);
  assert_contains (out, "--- summary ---", err);
  assert_contains (out, "turns: 1 complete", err);
}

/* gst-launch-1.0, the agent hangs up: EOS, status 0. */
static void
test_gst_launch_end_call (void)
{
  g_autofree gchar *tools = data_path ("tools-end-call.json");
  g_autofree gchar *scenario = data_path ("end-call-idle.scenario.json");
  g_autofree gchar *tools_arg = g_strdup_printf ("tools-file=%s", tools);
  g_autofree gchar *scenario_arg = g_strdup_printf ("scenario=%s", scenario);
  const gchar *argv[] = { "timeout", "40", "gst-launch-1.0", "-m",
    "audiotestsrc", "is-live=true", "wave=silence", "!", "geminilivesink",
    "session=ends-bye", "endpoint=local", "idle-timeout=1", tools_arg,
    scenario_arg, "geminilivesrc", "session=ends-bye", "!", "fakesink",
    "sync=true", NULL
  };
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status;

  status = run (argv, &out, &err);
  g_test_message ("gst-launch-1.0: status %d\n%s", status, err);
  g_assert_cmpint (status, ==, 0);
  assert_contains (out, "handler=(string)builtin", err);
  assert_contains (out, "Got EOS from element", err);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/live-ends/runner-num-turns", test_runner_num_turns);
  g_test_add_func ("/live-ends/gst-launch-end-call", test_gst_launch_end_call);
  return g_test_run ();
}
