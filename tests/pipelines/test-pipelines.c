/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The ready pipelines (pipelines/NAME.pipeline) are data, tested like
 * code: each parses and reaches PLAYING (files and fakesinks stand in for
 * the microphone and the speaker); file-roundtrip, receptionist and video
 * complete a conversation with the built-in emulator (endpoint=local) and
 * write a reply with speech in it; the voxpipe runner prints the
 * conversation, ends on EOS with status 0, and on Ctrl-C sends EOS. */

#include "config.h"

#include "vpt-common.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

static const gchar *
pipelines_dir (void)
{
  const gchar *dir = g_getenv ("VP_PIPELINES_DIR");

  fail_unless (dir != NULL, "VP_PIPELINES_DIR is not set");
  return dir;
}

/* The runner's rules, for the test: "# default name=value" lines, ${name}
 * variables, @overrides first. */
static gchar *
load (const gchar * name, GHashTable * overrides)
{
  g_autofree gchar *path = g_build_filename (pipelines_dir (), name, NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr (GHashTable) vars = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, g_free);
  g_auto (GStrv) lines = NULL;
  GString *body = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key, value;
  gboolean changed = TRUE;
  guint i, rounds = 0;

  fail_unless (g_file_get_contents (path, &contents, NULL, NULL),
      "cannot read %s", path);
  g_hash_table_iter_init (&iter, overrides);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (vars, g_strdup (key), g_strdup (value));

  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    gchar *line = g_strstrip (lines[i]);

    if (g_str_has_prefix (line, "# default ")) {
      gchar *eq = strchr (line, '=');
      g_autofree gchar *var = NULL;

      fail_unless (eq != NULL, "%s: bad default line %s", name, line);
      var = g_strstrip (g_strndup (line + 10, eq - line - 10));
      if (!g_hash_table_contains (vars, var))
        g_hash_table_insert (vars, g_steal_pointer (&var),
            g_strdup (g_strstrip (eq + 1)));
    } else if (*line != '#' && *line != '\0') {
      g_string_append_printf (body, "%s ", line);
    }
  }

  /* ${name} → value, until nothing changes. */
  while (changed) {
    changed = FALSE;
    fail_unless (++rounds < 10, "%s: variables loop", name);
    g_hash_table_iter_init (&iter, vars);
    while (g_hash_table_iter_next (&iter, &key, &value)) {
      g_autofree gchar *ref = g_strdup_printf ("${%s}", (gchar *) key);
      gchar *found;

      while ((found = strstr (body->str, ref)) != NULL) {
        gssize pos = found - body->str;
        g_string_erase (body, pos, strlen (ref));
        g_string_insert (body, pos, value);
        changed = TRUE;
      }
    }
  }
  fail_if (strstr (body->str, "${") != NULL, "%s: a variable has no value: "
      "%s", name, body->str);
  return g_string_free (body, FALSE);
}

static GHashTable *
stand_ins (const gchar * output)
{
  GHashTable *vars = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (vars, "pipelines", (gpointer) pipelines_dir ());
  g_hash_table_insert (vars, "caller_question",
      (gpointer) g_getenv ("VP_CALLER_QUESTION"));
  g_hash_table_insert (vars, "output", (gpointer) output);
  /* No audio device here. */
  g_hash_table_insert (vars, "mic", "audiotestsrc is-live=true wave=silence");
  g_hash_table_insert (vars, "speaker", "fakesink");
  return vars;
}

static GstElement *
launch (const gchar * name, const gchar * output)
{
  g_autoptr (GHashTable) vars = stand_ins (output);
  g_autofree gchar *description = load (name, vars);
  GError *error = NULL;
  GstElement *pipeline;

  pipeline = gst_parse_launch_full (description, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &error);
  fail_unless (pipeline != NULL, "%s does not parse: %s\n%s", name,
      error ? error->message : "?", description);
  return pipeline;
}

static void
fail_on_error (GstElement * pipeline, const gchar * name, guint timeout_ms)
{
  GstMessage *message = vpt_bus_wait (pipeline, GST_MESSAGE_ERROR,
      timeout_ms);

  if (message != NULL) {
    gchar *text = vpt_message_text (message);
    fail ("%s: %s", name, text);
    g_free (text);
  }
}

GST_START_TEST (test_every_pipeline_plays)
{
  const gchar *required[] = { "file-roundtrip.pipeline", "live-mic.pipeline",
    "receptionist.pipeline", "video.pipeline"
  };
  g_autofree gchar *dir = g_dir_make_tmp ("vpt-pipelines-XXXXXX", NULL);
  g_autofree gchar *output = g_build_filename (dir, "out.wav", NULL);
  GDir *listing = g_dir_open (pipelines_dir (), 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const gchar *entry;
  guint i;

  fail_unless (listing != NULL);
  while ((entry = g_dir_read_name (listing)) != NULL)
    if (g_str_has_suffix (entry, ".pipeline"))
      g_ptr_array_add (names, g_strdup (entry));
  g_dir_close (listing);
  for (i = 0; i < G_N_ELEMENTS (required); i++)
    fail_unless (g_ptr_array_find_with_equal_func (names, required[i],
            g_str_equal, NULL), "pipelines/%s is missing", required[i]);

  for (i = 0; i < names->len; i++) {
    const gchar *name = g_ptr_array_index (names, i);
    GstElement *pipeline = launch (name, output);
    GstStateChangeReturn ret;
    GstState state;

    GST_INFO ("%s", name);
    ret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
    fail_if (ret == GST_STATE_CHANGE_FAILURE, "%s cannot start", name);
    ret = gst_element_get_state (pipeline, &state, NULL, 15 * GST_SECOND);
    fail_unless_equals_int (ret, GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (state, GST_STATE_PLAYING);
    /* It stays up: no error in its first second. */
    fail_on_error (pipeline, name, 1000);
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (pipeline);
  }

  g_ptr_array_unref (names);
  g_unlink (output);
  g_rmdir (dir);
}

GST_END_TEST;

/* Runs @name to EOS; returns the geminilive messages seen, as
 * "event:detail" strings. */
static GPtrArray *
converse (const gchar * name, const gchar * output)
{
  GstElement *pipeline = launch (name, output);
  GPtrArray *seen = g_ptr_array_new_with_free_func (g_free);
  gint64 end = g_get_monotonic_time () + 90 * G_TIME_SPAN_SECOND;
  GstMessage *message;
  gboolean eos = FALSE;

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  while (!eos && g_get_monotonic_time () < end) {
    const GstStructure *s;

    message = vpt_bus_wait (pipeline, GST_MESSAGE_EOS | GST_MESSAGE_ERROR |
        GST_MESSAGE_ELEMENT, 1000);
    if (message == NULL)
      continue;
    s = gst_message_get_structure (message);
    switch (GST_MESSAGE_TYPE (message)) {
      case GST_MESSAGE_ERROR:{
        gchar *text = vpt_message_text (message);
        fail ("%s: %s", name, text);
        g_free (text);
        break;
      }
      case GST_MESSAGE_EOS:
        eos = TRUE;
        break;
      default:
        if (g_str_has_prefix (gst_structure_get_name (s), "geminilive/")) {
          const gchar *event = gst_structure_get_name (s) + 11;
          const gchar *detail = gst_structure_get_string (s, "state");
          gint64 tokens = 0;

          if (detail == NULL)
            detail = gst_structure_get_string (s, "name");
          if (g_str_equal (event, "usage")) {
            gst_structure_get_int64 (s, "input-tokens", &tokens);
            g_ptr_array_add (seen, g_strdup_printf ("usage:%" G_GINT64_FORMAT,
                    tokens));
          } else if (g_str_equal (event, "turn")
              && g_str_equal (detail, "started")) {
            gdouble latency = -1;

            gst_structure_get_double (s, "latency-ms", &latency);
            g_ptr_array_add (seen, g_strdup (latency >= 0 ?
                    "turn:started-with-latency" : "turn:started"));
          } else {
            g_ptr_array_add (seen, g_strdup_printf ("%s:%s", event,
                    detail ? detail : ""));
          }
        }
        break;
    }
    gst_message_unref (message);
  }
  fail_unless (eos, "%s: no EOS within 90 s", name);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
  return seen;
}

static gboolean
saw (GPtrArray * seen, const gchar * event)
{
  return g_ptr_array_find_with_equal_func (seen, event, g_str_equal, NULL);
}

static void
check_reply (const gchar * output)
{
  gdouble seconds, rms = vpt_wav_rms (output, &seconds);

  fail_unless (rms >= 0, "%s is not a wav", output);
  fail_unless (seconds > 1.0, "a reply of %.2f s", seconds);
  fail_unless (rms > 300, "the reply has no speech (RMS %.0f)", rms);
}

static void
check_conversation (const gchar * name, const gchar * const *events)
{
  g_autofree gchar *dir = g_dir_make_tmp ("vpt-conversation-XXXXXX", NULL);
  g_autofree gchar *output = g_build_filename (dir, "reply.wav", NULL);
  GPtrArray *seen = converse (name, output);
  guint i;

  check_reply (output);
  fail_unless (saw (seen, "session:ready"));
  fail_unless (saw (seen, "turn:started-with-latency"),
      "%s: no voice-to-voice latency", name);
  fail_unless (saw (seen, "turn:complete"));
  for (i = 0; events != NULL && events[i] != NULL; i++)
    fail_unless (saw (seen, events[i]), "%s: no %s", name, events[i]);

  g_ptr_array_unref (seen);
  g_unlink (output);
  g_rmdir (dir);
}

GST_START_TEST (test_file_roundtrip_conversation)
{
  check_conversation ("file-roundtrip.pipeline", NULL);
}

GST_END_TEST;

GST_START_TEST (test_receptionist_conversation)
{
  const gchar *events[] = { "tool-call:check_availability",
    "tool-result:check_availability", NULL
  };

  check_conversation ("receptionist.pipeline", events);
}

GST_END_TEST;

GST_START_TEST (test_video_conversation)
{
  g_autofree gchar *dir = g_dir_make_tmp ("vpt-video-XXXXXX", NULL);
  g_autofree gchar *output = g_build_filename (dir, "reply.wav", NULL);
  GPtrArray *seen = converse ("video.pipeline", output);
  gint64 max_tokens = 0;
  guint i;

  check_reply (output);
  fail_unless (saw (seen, "turn:started-with-latency"));
  /* The frames reached the model: 258 tokens each, on top of 3 s of
   * audio at 32 tokens/s. */
  for (i = 0; i < seen->len; i++) {
    const gchar *e = g_ptr_array_index (seen, i);

    if (g_str_has_prefix (e, "usage:"))
      max_tokens = MAX (max_tokens, g_ascii_strtoll (e + 6, NULL, 10));
  }
  fail_unless (max_tokens > 3 * 32 + 258, "input tokens %" G_GINT64_FORMAT,
      max_tokens);

  g_ptr_array_unref (seen);
  g_unlink (output);
  g_rmdir (dir);
}

GST_END_TEST;

/* The voxpipe runner */

static const gchar *
runner (void)
{
  const gchar *path = g_getenv ("VP_RUNNER");

  fail_unless (path != NULL, "VP_RUNNER is not set");
  return path;
}

static GSubprocess *
spawn (const gchar * const *argv)
{
  GError *error = NULL;
  GSubprocess *process = g_subprocess_newv (argv,
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
      &error);

  fail_unless (process != NULL, "%s", error ? error->message : "");
  return process;
}

static gint
finish (GSubprocess * process, gchar ** out, gchar ** err)
{
  GError *error = NULL;

  fail_unless (g_subprocess_communicate_utf8 (process, NULL, NULL, out, err,
          &error), "%s", error ? error->message : "");
  fail_unless (g_subprocess_get_if_exited (process), "the runner crashed");
  return g_subprocess_get_exit_status (process);
}

GST_START_TEST (test_runner_receptionist)
{
  g_autofree gchar *dir = g_dir_make_tmp ("vpt-runner-XXXXXX", NULL);
  g_autofree gchar *output = g_build_filename (dir, "reply.wav", NULL);
  g_autofree gchar *file = g_build_filename (pipelines_dir (),
      "receptionist.pipeline", NULL);
  g_autofree gchar *define = g_strdup_printf ("output=%s", output);
  const gchar *argv[] = { runner (), "-f", file, "-D", define, "--timeout",
    "90", NULL
  };
  const gchar *expected[] = {
    "voxpipe: Bella Vista",
    "session: ready",
    "caller: Can I book a table for four?",
    "turn 1: voice-to-voice latency ",
    "tool call: check_availability(",
    "tool answer: check_availability -> ",
    "agent: Let me check. [a tool runs on]",
    /* 3.8: check_availability is non-blocking; its result in turn 2. */
    "agent: We have a table for four",
    "--- summary ---",
    "turns: 1 complete",
    "voice-to-voice latency: p50 ",
    "tool calls: 1",
    "audio: ",
    "tokens: ",
    "cost: $",
  };
  GSubprocess *process = spawn (argv);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status = finish (process, &out, &err);
  guint i;

  fail_unless_equals_int (status, 0);
  for (i = 0; i < G_N_ELEMENTS (expected); i++)
    fail_unless (strstr (out, expected[i]) != NULL,
        "\"%s\" is not in the output:\n%s\n%s", expected[i], out, err);
  check_reply (output);

  g_object_unref (process);
  g_unlink (output);
  g_rmdir (dir);
}

GST_END_TEST;

/* ./bootstrap demo: a whole call (ask, confirm, goodbye) heard by the
 * emulator, the table booked in $BELLA_DB, the call ended by end_call. */
GST_START_TEST (test_runner_whole_call)
{
  g_autofree gchar *dir = g_dir_make_tmp ("vpt-call-XXXXXX", NULL);
  g_autofree gchar *output = g_build_filename (dir, "reply.wav", NULL);
  g_autofree gchar *db = g_build_filename (dir, "bella.db", NULL);
  g_autofree gchar *file = g_build_filename (pipelines_dir (),
      "receptionist.pipeline", NULL);
  g_autofree gchar *tools = g_build_filename (pipelines_dir (), "tools",
      "bella-tools", NULL);
  g_autofree gchar *define = g_strdup_printf ("output=%s", output);
  g_autofree gchar *input = g_strdup_printf ("input=%s",
      g_getenv ("VP_CALLER_CALL"));
  const gchar *argv[] = { runner (), "-f", file, "-D", input, "-D",
    "turns=0", "-D", define, "--timeout", "100", NULL
  };
  const gchar *bookings_argv[] = { tools, "--bookings", NULL };
  /* In this order. */
  const gchar *expected[] = {
    "caller: Can I book a table for four?",
    "tool call: check_availability(",
    /* 3.8: check_availability runs on while the model's turn ends, and
     * the result comes in a turn of its own. */
    "agent: Let me check. [a tool runs on]",
    "agent: We have a table for four at 20:00 tomorrow. Shall I book it?",
    "caller: Yes please, book it under the name Ana.",
    "tool call: book_table(",
    "\"name\":\"Ana\"",
    "agent: Booking it now. You're all set. Your booking number is BV-",
    "caller: Thank you, goodbye.",
    "tool call: end_call(",
    "agent: Thank you for calling Bella Vista. Goodbye!",
    "--- summary ---",
    "turns: 3 complete",
    "tool calls: 3",
  };
  GSubprocess *process;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *listed = NULL;
  g_autofree gchar *listed_err = NULL;
  const gchar *at;
  guint i;

  fail_unless (g_getenv ("VP_CALLER_CALL") != NULL, "VP_CALLER_CALL is "
      "not set");
  g_setenv ("BELLA_DB", db, TRUE);
  process = spawn (argv);
  fail_unless_equals_int (finish (process, &out, &err), 0);
  g_object_unref (process);
  for (i = 0, at = out; i < G_N_ELEMENTS (expected); i++) {
    const gchar *found = strstr (at, expected[i]);

    fail_unless (found != NULL, "\"%s\" is not in the output (after what "
        "came before):\n%s\n%s", expected[i], out, err);
    at = found + strlen (expected[i]);
  }
  /* The caller hung up only after the goodbye: no barge-in on the way. */
  fail_unless (strstr (out, "barged in") == NULL, "%s", out);
  check_reply (output);

  /* The booking is in the database, as the demo prints it. */
  process = spawn (bookings_argv);
  fail_unless_equals_int (finish (process, &listed, &listed_err), 0);
  g_object_unref (process);
  fail_unless (g_regex_match_simple ("^booking BV-[0-9]{4}: tomorrow at "
          "20:00, 4 people, name Ana, table [0-9]+$", g_strstrip (listed), 0,
          0), "the booking is not in %s: %s", db, listed);

  g_unlink (output);
  g_unlink (db);
  g_rmdir (dir);
}

GST_END_TEST;

/* Ctrl-C: EOS, the summary, status 0. */
GST_START_TEST (test_runner_ctrl_c)
{
  g_autofree gchar *file = g_build_filename (pipelines_dir (),
      "live-mic.pipeline", NULL);
  const gchar *argv[] = { runner (), "-f", file, "-D",
    "mic=audiotestsrc is-live=true wave=silence", "-D", "speaker=fakesink",
    "--timeout", "60", NULL
  };
  GSubprocess *process = spawn (argv);
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  gint status;

  g_usleep (3 * G_TIME_SPAN_SECOND);
  g_subprocess_send_signal (process, SIGINT);
  status = finish (process, &out, &err);
  fail_unless_equals_int (status, 0);
  fail_unless (strstr (out, "session: ready") != NULL, "%s\n%s", out, err);
  fail_unless (strstr (out, "--- summary ---") != NULL, "%s\n%s", out, err);
  fail_unless (strstr (err, "EOS") != NULL, "%s", err);
  g_object_unref (process);
}

GST_END_TEST;

GST_START_TEST (test_runner_usage)
{
  const gchar *unknown[] = { runner (), "-q", "--", "audiotestsrc",
    "num-buffers=${n}", "!", "fakesink", NULL
  };
  const gchar *defined[] = { runner (), "-q", "-D", "n=5", "--",
    "audiotestsrc", "num-buffers=${n}", "!", "fakesink", NULL
  };
  const gchar *timeout[] = { runner (), "-q", "--timeout", "1", "--",
    "audiotestsrc", "is-live=true", "!", "fakesink", NULL
  };
  GSubprocess *process;
  gchar *out, *err;
  gint64 t;

  /* A variable without a value says how to give it one. */
  process = spawn (unknown);
  fail_unless_equals_int (finish (process, &out, &err), 1);
  fail_unless (strstr (err, "-D n=VALUE") != NULL, "%s", err);
  g_free (out);
  g_free (err);
  g_object_unref (process);

  /* With it, the pipeline runs to EOS; --quiet prints only the summary. */
  process = spawn (defined);
  fail_unless_equals_int (finish (process, &out, &err), 0);
  fail_unless (g_str_has_prefix (out, "--- summary ---"), "%s", out);
  g_free (out);
  g_free (err);
  g_object_unref (process);

  /* --timeout ends a pipeline that would run forever, with an error. */
  t = g_get_monotonic_time ();
  process = spawn (timeout);
  fail_unless_equals_int (finish (process, &out, &err), 1);
  fail_unless (g_get_monotonic_time () - t < 10 * G_TIME_SPAN_SECOND);
  fail_unless (strstr (err, "--timeout") != NULL, "%s", err);
  g_free (out);
  g_free (err);
  g_object_unref (process);
}

GST_END_TEST;

static Suite *
pipelines_suite (void)
{
  Suite *s = suite_create ("pipelines");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 150);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_every_pipeline_plays);
  tcase_add_test (tc, test_file_roundtrip_conversation);
  tcase_add_test (tc, test_receptionist_conversation);
  tcase_add_test (tc, test_video_conversation);
  tcase_add_test (tc, test_runner_receptionist);
  tcase_add_test (tc, test_runner_whole_call);
  tcase_add_test (tc, test_runner_ctrl_c);
  tcase_add_test (tc, test_runner_usage);
  return s;
}

GST_CHECK_MAIN (pipelines);
