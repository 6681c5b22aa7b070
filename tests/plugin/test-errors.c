/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Errors (DESIGN.md §3): each failure ends in one GStreamer error with the
 * right domain and code, a message that says what to do, and never the
 * key, in any message on the bus. */

#include "config.h"

#include "vpt-common.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#define TURN_SCENARIO "{\"name\": \"errors\", \"turns\": [{\"id\": \"long\", " \
  "\"match\": {\"text\": [\"talk\"]}, \"say\": \"This is a long answer, " \
  "long enough for the connection to fail while it is being spoken, one " \
  "word after another.\"}]}"

typedef struct
{
  GstElement *pipeline;
  GstElement *sink;
  VptEvents *events;
} Run;

/* A live microphone (silence) into the sink, the src to a fakesink. */
static Run
run_new (void)
{
  Run run;
  GError *error = NULL;

  run.pipeline = gst_parse_launch ("audiotestsrc is-live=true wave=silence "
      "samplesperbuffer=320 ! audio/x-raw,rate=16000,channels=1 ! "
      "geminilivesink name=sink session=errors "
      "geminilivesrc session=errors ! fakesink", &error);
  fail_unless (run.pipeline != NULL, "%s", error ? error->message : "");
  run.sink = gst_bin_get_by_name (GST_BIN (run.pipeline), "sink");
  run.events = vpt_events_new (run.sink);
  return run;
}

static void
run_free (Run * run)
{
  gint64 t = g_get_monotonic_time ();

  fail_unless_equals_int (gst_element_set_state (run->pipeline,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - t < 2 * G_TIME_SPAN_SECOND,
      "stopping after the error took too long");
  vpt_events_free (run->events);
  gst_object_unref (run->sink);
  gst_object_unref (run->pipeline);
}

/* Waits for the error; checks its code, that its message says @hint and
 * what to do, and that no message on the bus holds the key. */
static void
expect_error (Run * run, GQuark domain, gint code, const gchar * hint)
{
  GstMessage *message;
  GError *error = NULL;
  gchar *debug = NULL, *text;
  const gchar *verbs[] = { "Set ", "Check ", "Use ", "use ", "set ",
    "check ", "reconnect", "Give "
  };
  gboolean says_what_to_do = FALSE;
  guint i;

  message = vpt_bus_wait (run->pipeline, GST_MESSAGE_ERROR, VPT_WAIT_MS);
  fail_unless (message != NULL, "no error within %d ms", VPT_WAIT_MS);
  gst_message_parse_error (message, &error, &debug);
  GST_INFO ("error: %s (%s)", error->message, debug);
  fail_unless (error->domain == domain, "domain %s, wanted %s",
      g_quark_to_string (error->domain), g_quark_to_string (domain));
  fail_unless_equals_int (error->code, code);
  fail_unless (strstr (error->message, hint) != NULL,
      "\"%s\" does not mention \"%s\"", error->message, hint);
  for (i = 0; i < G_N_ELEMENTS (verbs); i++)
    says_what_to_do |= strstr (error->message, verbs[i]) != NULL;
  fail_unless (says_what_to_do, "\"%s\" does not say what to do",
      error->message);
  fail_if (strstr (error->message, VPT_SECRET_KEY) != NULL);
  fail_if (debug != NULL && strstr (debug, VPT_SECRET_KEY) != NULL);
  /* The element comes first: apps act on the first error. */
  fail_unless (GST_MESSAGE_SRC (message) == GST_OBJECT (run->sink));
  g_error_free (error);
  g_free (debug);
  gst_message_unref (message);

  /* Nothing else on the bus carries the key either, and no second error
   * contradicts the first (GstBaseSink's "failed to post a proper error
   * message"). */
  while ((message = vpt_bus_wait (run->pipeline, GST_MESSAGE_ANY, 0))) {
    text = vpt_message_text (message);
    fail_if (strstr (text, VPT_SECRET_KEY) != NULL, "the key in %s", text);
    fail_if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR,
        "a second error: %s", text);
    g_free (text);
    gst_message_unref (message);
  }
}

GST_START_TEST (test_bad_key)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, "api-key",
      "the-right-key", NULL);
  Run run = run_new ();

  vpt_configure_session (run.sink, emulator, NULL);
  gst_element_set_state (run.pipeline, GST_STATE_PLAYING);
  expect_error (&run, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED,
      "GEMINI_API_KEY");
  /* Never retried. */
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_int (vp_emulator_get_n_connections (emulator), 1);
  run_free (&run);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

GST_START_TEST (test_no_key)
{
  Run run = run_new ();

  /* Google's endpoint and no key anywhere: the state change fails,
   * before any network, so the pipeline never plays without a session. */
  fail_unless_equals_int (gst_element_set_state (run.pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  expect_error (&run, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED,
      "GEMINI_API_KEY");
  run_free (&run);
}

GST_END_TEST;

GST_START_TEST (test_unknown_model)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, NULL);
  Run run = run_new ();

  vpt_configure_session (run.sink, emulator, NULL);
  g_object_set (run.sink, "model", "gemini-0.1-no-such-model", NULL);
  gst_element_set_state (run.pipeline, GST_STATE_PLAYING);
  expect_error (&run, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "model");
  run_free (&run);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

/* The emulator closes (or drops) the connection while the model speaks. */
static void
check_closed_mid_turn (VpEmulatorFault fault, gushort code,
    const gchar * reason, GstResourceError expected, const gchar * hint)
{
  VpEmulator *emulator = vpt_emulator_start (TURN_SCENARIO, "speech-rate",
      1.0, "latency-ms", 50, NULL);
  Run run = run_new ();

  vpt_configure_session (run.sink, emulator, NULL);
  /* A connection lost for good: no reconnection. */
  g_object_set (run.sink, "reconnect", FALSE, NULL);
  gst_element_set_state (run.pipeline, GST_STATE_PLAYING);
  fail_unless (vpt_events_wait (run.events, "session:ready", 1, VPT_WAIT_MS));
  /* setupComplete, a resumption update, the turn's update, then audio:
   * the fault fires after the third audio frame. */
  vp_emulator_inject_fault (emulator, fault, 6, code, reason, 0);
  g_signal_emit_by_name (run.sink, "send-text", "Talk to me.");
  expect_error (&run, GST_RESOURCE_ERROR, expected, hint);
  /* It was mid-turn: the model had started and not finished. */
  fail_unless (vpt_events_count (run.events, "transcript:output") > 0);
  fail_unless_equals_int (vpt_events_count (run.events, "turn:complete"), 0);
  run_free (&run);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_START_TEST (test_closed_mid_turn)
{
  check_closed_mid_turn (VP_EMULATOR_FAULT_CLOSE, 1011,
      "Internal error occurred.", GST_RESOURCE_ERROR_READ, "1011");
}

GST_END_TEST;

GST_START_TEST (test_dropped_mid_turn)
{
  check_closed_mid_turn (VP_EMULATOR_FAULT_DROP, 0, NULL,
      GST_RESOURCE_ERROR_READ, "1006");
}

GST_END_TEST;

/* With reconnect (the default) the same failure is a warning, and the
 * session goes on on a new connection. */
GST_START_TEST (test_closed_mid_turn_reconnects)
{
  VpEmulator *emulator = vpt_emulator_start (TURN_SCENARIO, "speech-rate",
      1.0, "latency-ms", 50, NULL);
  Run run = run_new ();
  GstMessage *message;
  GError *error = NULL;
  gchar *debug = NULL;

  vpt_configure_session (run.sink, emulator, NULL);
  gst_element_set_state (run.pipeline, GST_STATE_PLAYING);
  fail_unless (vpt_events_wait (run.events, "session:ready", 1, VPT_WAIT_MS));
  vp_emulator_inject_fault (emulator, VP_EMULATOR_FAULT_CLOSE, 6, 1011,
      "Internal error occurred.", 0);
  g_signal_emit_by_name (run.sink, "send-text", "Talk to me.");

  message = vpt_bus_wait (run.pipeline, GST_MESSAGE_WARNING |
      GST_MESSAGE_ERROR, VPT_WAIT_MS);
  fail_unless (message != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (message), GST_MESSAGE_WARNING);
  gst_message_parse_warning (message, &error, &debug);
  fail_unless (strstr (error->message, "1011") != NULL);
  fail_if (strstr (error->message, VPT_SECRET_KEY) != NULL);
  fail_if (debug != NULL && strstr (debug, VPT_SECRET_KEY) != NULL);
  g_clear_error (&error);
  g_free (debug);
  gst_message_unref (message);

  fail_unless (vpt_events_wait (run.events, "session:reconnecting", 1,
          VPT_WAIT_MS));
  fail_unless (vpt_events_wait (run.events, "session:ready", 2, VPT_WAIT_MS));
  fail_unless (vpt_events_wait (run.events, "session:resumed", 1, VPT_WAIT_MS));
  fail_unless_equals_int (vp_emulator_get_n_connections (emulator), 2);
  message = vpt_bus_wait (run.pipeline, GST_MESSAGE_ERROR, 300);
  fail_unless (message == NULL, "an error after a recovered failure");
  run_free (&run);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

/* Out of quota: the key is fine, the service is busy. */
GST_START_TEST (test_quota)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, NULL);
  Run run = run_new ();

  vp_emulator_inject_fault (emulator, VP_EMULATOR_FAULT_CLOSE, 0, 1011,
      "You exceeded your current quota, please check your plan.", 0);
  vpt_configure_session (run.sink, emulator, NULL);
  gst_element_set_state (run.pipeline, GST_STATE_PLAYING);
  expect_error (&run, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY, "quota");
  run_free (&run);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

GST_START_TEST (test_unreachable)
{
  GSocketListener *listener = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  gchar *url;
  Run run;

  /* A port nobody listens on. */
  g_socket_listener_close (listener);
  g_object_unref (listener);
  url = g_strdup_printf ("ws://127.0.0.1:%u", port);

  run = run_new ();
  g_object_set (run.sink, "endpoint", url, "api-key", VPT_SECRET_KEY, NULL);
  gst_element_set_state (run.pipeline, GST_STATE_PLAYING);
  expect_error (&run, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_OPEN_READ_WRITE, "connect");
  run_free (&run);
  g_free (url);
}

GST_END_TEST;

/* Plain ws:// to another machine would send the key in clear: refused at
 * the state change, before any network. */
GST_START_TEST (test_cleartext_endpoint)
{
  Run run = run_new ();

  g_object_set (run.sink, "endpoint", "ws://192.0.2.1:9000", "api-key",
      VPT_SECRET_KEY, NULL);
  fail_unless_equals_int (gst_element_set_state (run.pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  expect_error (&run, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "wss://");
  run_free (&run);
}

GST_END_TEST;

/* The bin without a key: one error, from inside it, and no PLAYING. */
GST_START_TEST (test_bin_no_key)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch ("audiotestsrc is-live=true ! "
      "geminilive name=agent endpoint=wss://generativelanguage.googleapis.com"
      " ! fakesink", &error);
  GstMessage *message;
  GError *posted = NULL;

  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (gst_element_set_state (pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  message = vpt_bus_wait (pipeline, GST_MESSAGE_ERROR, VPT_WAIT_MS);
  fail_unless (message != NULL);
  gst_message_parse_error (message, &posted, NULL);
  fail_unless (strstr (posted->message, "GEMINI_API_KEY") != NULL, "%s",
      posted->message);
  g_clear_error (&posted);
  gst_message_unref (message);
  message = vpt_bus_wait (pipeline, GST_MESSAGE_ERROR, 200);
  fail_unless (message == NULL, "a second error");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* Caps the sink cannot take: its own error first, naming the caps it
 * takes and the elements to add, not upstream's bare not-negotiated. */
GST_START_TEST (test_caps_refused)
{
  g_autofree gchar *dir = g_dir_make_tmp ("vpt-caps-XXXXXX", NULL);
  g_autofree gchar *wav = g_build_filename (dir, "stereo.wav", NULL);
  g_autofree gchar *launch = NULL;
  GError *error = NULL;
  GstElement *pipeline;
  GstElement *sink;
  GstMessage *message;
  GError *posted = NULL;

  /* A stereo 44.1 kHz WAV: wavparse sends its caps as they are. */
  launch = g_strdup_printf ("audiotestsrc num-buffers=10 ! "
      "audio/x-raw,format=S16LE,channels=2,rate=44100 ! wavenc ! "
      "filesink location=%s", wav);
  pipeline = gst_parse_launch (launch, &error);
  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = vpt_bus_wait (pipeline, GST_MESSAGE_EOS | GST_MESSAGE_ERROR,
      VPT_WAIT_MS);
  fail_unless (message != NULL
      && GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS);
  gst_message_unref (message);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_free (launch);

  launch = g_strdup_printf ("filesrc location=%s ! wavparse ! "
      "geminilivesink name=sink endpoint=local", wav);
  pipeline = gst_parse_launch (launch, &error);
  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = vpt_bus_wait (pipeline, GST_MESSAGE_ERROR, VPT_WAIT_MS);
  fail_unless (message != NULL);
  fail_unless (GST_MESSAGE_SRC (message) == GST_OBJECT (sink));
  gst_message_parse_error (message, &posted, NULL);
  fail_unless (g_error_matches (posted, GST_CORE_ERROR,
          GST_CORE_ERROR_NEGOTIATION), "%s", posted->message);
  fail_unless (strstr (posted->message, "audioconvert ! audioresample")
      != NULL, "%s", posted->message);
  fail_unless (strstr (posted->message, "channels=1") != NULL, "%s",
      posted->message);
  fail_unless (strstr (posted->message, "rate=(int)44100") != NULL, "%s",
      posted->message);
  g_clear_error (&posted);
  gst_message_unref (message);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_unlink (wav);
  g_rmdir (dir);
}

GST_END_TEST;

/* Local settings fail the state change itself. */
GST_START_TEST (test_bad_tools_file)
{
  Run run = run_new ();

  g_object_set (run.sink, "endpoint", "local", "tools-file",
      "/nonexistent/tools.json", NULL);
  fail_unless_equals_int (gst_element_set_state (run.pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  expect_error (&run, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "tools.json");
  run_free (&run);
}

GST_END_TEST;

static Suite *
errors_suite (void)
{
  Suite *s = suite_create ("errors");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_bad_key);
  tcase_add_test (tc, test_no_key);
  tcase_add_test (tc, test_unknown_model);
  tcase_add_test (tc, test_closed_mid_turn);
  tcase_add_test (tc, test_dropped_mid_turn);
  tcase_add_test (tc, test_closed_mid_turn_reconnects);
  tcase_add_test (tc, test_quota);
  tcase_add_test (tc, test_unreachable);
  tcase_add_test (tc, test_bad_tools_file);
  tcase_add_test (tc, test_cleartext_endpoint);
  tcase_add_test (tc, test_bin_no_key);
  tcase_add_test (tc, test_caps_refused);
  return s;
}

GST_CHECK_MAIN (errors);
