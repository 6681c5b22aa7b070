/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* 100 NULL->PLAYING->NULL cycles of a geminilivesink + geminilivesrc pair
 * sharing a session: stopped while connecting, right after PLAYING, when
 * ready, in the middle of a reply.  No state change may hang or fail, no
 * error may be posted, and afterwards no socket or thread is left behind.
 * The memory is checked by hand under valgrind:
 *   CK_FORK=no meson test -C build --setup=valgrind cycles */

#include "config.h"

#include "vpt-common.h"

#include <glib/gstdio.h>
#include <string.h>

#define CYCLES 100
#define STATE_CHANGE_LIMIT (2 * G_TIME_SPAN_SECOND)

static guint
count_dir (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

static GstElement *
make_named_pair (const gchar * endpoint, const gchar * session)
{
  g_autofree gchar *launch = g_strdup_printf ("audiotestsrc is-live=true "
      "wave=silence samplesperbuffer=320 ! "
      "audio/x-raw,rate=16000,channels=1 ! geminilivesink name=sink "
      "session=%s endpoint=%s api-key=%s "
      "geminilivesrc session=%s ! fakesink sync=true", session, endpoint,
      VPT_SECRET_KEY, session);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (launch, &error);

  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  return pipeline;
}

static GstElement *
make_pair (const gchar * endpoint)
{
  return make_named_pair (endpoint, "cycle");
}

/* The threads of this process named @name. */
static guint
count_threads (const gchar * name)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  const gchar *task;
  guint n = 0;

  while ((task = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *path = g_strdup_printf ("/proc/self/task/%s/comm", task);
    g_autofree gchar *comm = NULL;

    if (g_file_get_contents (path, &comm, NULL, NULL)
        && g_strcmp0 (g_strstrip (comm), name) == 0)
      n++;
  }
  g_dir_close (dir);
  return n;
}

static void
set_state_bounded (GstElement * pipeline, GstState state)
{
  gint64 t = g_get_monotonic_time ();
  GstStateChangeReturn ret = gst_element_set_state (pipeline, state);

  fail_if (ret == GST_STATE_CHANGE_FAILURE, "to %s failed",
      gst_element_state_get_name (state));
  if (ret == GST_STATE_CHANGE_ASYNC)
    ret = gst_element_get_state (pipeline, NULL, NULL, 5 * GST_SECOND);
  fail_if (ret == GST_STATE_CHANGE_FAILURE || ret == GST_STATE_CHANGE_ASYNC,
      "to %s did not complete", gst_element_state_get_name (state));
  fail_unless (g_get_monotonic_time () - t < STATE_CHANGE_LIMIT,
      "to %s took %" G_GINT64_FORMAT " ms", gst_element_state_get_name
      (state), (g_get_monotonic_time () - t) / 1000);
}

static void
run_cycles (const gchar * endpoint, guint cycles)
{
  guint i;

  for (i = 0; i < cycles; i++) {
    GstElement *pipeline = make_pair (endpoint);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
    VptEvents *events = vpt_events_new (sink);
    GstMessage *message;

    set_state_bounded (pipeline, GST_STATE_PLAYING);
    switch (i % 4) {
      case 0:                  /* at once: still connecting */
        break;
      case 1:
        g_usleep (g_random_int_range (0, 30) * G_TIME_SPAN_MILLISECOND);
        break;
      case 2:                  /* ready */
        fail_unless (vpt_events_wait (events, "session:ready", 1, VPT_WAIT_MS));
        break;
      case 3:                  /* while the model answers */
        fail_unless (vpt_events_wait (events, "session:ready", 1, VPT_WAIT_MS));
        g_signal_emit_by_name (sink, "send-text", "hello");
        fail_unless (vpt_events_wait (events, "transcript:output", 1,
                VPT_WAIT_MS));
        break;
    }
    set_state_bounded (pipeline, GST_STATE_NULL);

    message = vpt_bus_wait (pipeline, GST_MESSAGE_ERROR, 0);
    if (message != NULL) {
      gchar *text = vpt_message_text (message);
      fail ("cycle %u: %s", i, text);
      g_free (text);
    }
    vpt_events_free (events);
    gst_object_unref (sink);
    gst_object_unref (pipeline);
  }
}

/* Waits until the count of @path entries drops to @limit. */
static gboolean
settles (const gchar * path, guint limit)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  while (count_dir (path) > limit) {
    if (g_get_monotonic_time () > end)
      return FALSE;
    g_usleep (50 * G_TIME_SPAN_MILLISECOND);
  }
  return TRUE;
}

/* Waits until no thread named @name is left. */
static gboolean
settles_threads (const gchar * name)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  while (count_threads (name) > 0) {
    if (g_get_monotonic_time () > end)
      return FALSE;
    g_usleep (50 * G_TIME_SPAN_MILLISECOND);
  }
  return TRUE;
}

GST_START_TEST (test_cycles)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, "wait-for-playback", FALSE,
      "latency-ms", 20, NULL);
  g_autofree gchar *url = vp_emulator_get_url (emulator);
  guint fds, threads;

  /* One cycle first, so one-time resources (the network thread, espeak,
   * GIO modules) are not counted as leaks. */
  run_cycles (url, 1);
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  fds = count_dir ("/proc/self/fd");
  threads = count_dir ("/proc/self/task");

  run_cycles (url, CYCLES);

  fail_unless (settles ("/proc/self/fd", fds + 2),
      "%u file descriptors open after %u cycles, %u before",
      count_dir ("/proc/self/fd"), CYCLES, fds);
  fail_unless (settles ("/proc/self/task", threads + 2),
      "%u threads after %u cycles, %u before", count_dir ("/proc/self/task"),
      CYCLES, threads);
  fail_unless (vp_emulator_get_n_connections (emulator) >= CYCLES / 2);

  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

/* The same with endpoint=local: an emulator started and stopped inside the
 * session, every cycle. */
GST_START_TEST (test_cycles_local)
{
  guint fds;

  run_cycles ("local", 1);
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  fds = count_dir ("/proc/self/fd");
  run_cycles ("local", 20);
  fail_unless (settles ("/proc/self/fd", fds + 2),
      "%u file descriptors open after the cycles, %u before",
      count_dir ("/proc/self/fd"), fds);
}

GST_END_TEST;

/* Two pipelines of one process on endpoint=local (a gateway's calls): one
 * emulator serves both, each conversation its own, and it stops with the
 * last of them. */
GST_START_TEST (test_local_shared)
{
  GstElement *one = make_named_pair ("local", "first");
  GstElement *two = make_named_pair ("local", "second");
  GstElement *sinks[2] = {
    gst_bin_get_by_name (GST_BIN (one), "sink"),
    gst_bin_get_by_name (GST_BIN (two), "sink"),
  };
  VptEvents *events[2] = { vpt_events_new (sinks[0]),
    vpt_events_new (sinks[1])
  };
  guint i;

  fail_unless_equals_int (count_threads ("vp-emulator"), 0);
  set_state_bounded (one, GST_STATE_PLAYING);
  set_state_bounded (two, GST_STATE_PLAYING);
  for (i = 0; i < 2; i++) {
    fail_unless (vpt_events_wait (events[i], "session:ready", 1, VPT_WAIT_MS));
    g_signal_emit_by_name (sinks[i], "send-text", "hello");
  }
  for (i = 0; i < 2; i++)
    fail_unless (vpt_events_wait (events[i], "transcript:output", 1,
            VPT_WAIT_MS), "pipeline %u got no answer", i);
  fail_unless_equals_int (count_threads ("vp-emulator"), 1);

  set_state_bounded (one, GST_STATE_NULL);
  fail_unless_equals_int (count_threads ("vp-emulator"), 1);
  set_state_bounded (two, GST_STATE_NULL);
  fail_unless (settles_threads ("vp-emulator"),
      "the emulator still runs after its last session closed");

  for (i = 0; i < 2; i++) {
    vpt_events_free (events[i]);
    gst_object_unref (sinks[i]);
  }
  gst_object_unref (one);
  gst_object_unref (two);
}

GST_END_TEST;

static Suite *
cycles_suite (void)
{
  Suite *s = suite_create ("cycles");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 240);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_cycles);
  tcase_add_test (tc, test_cycles_local);
  tcase_add_test (tc, test_local_shared);
  return s;
}

GST_CHECK_MAIN (cycles);
