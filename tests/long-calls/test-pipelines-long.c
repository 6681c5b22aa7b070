/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Calls that outlive pipelines (issue 5):
 *  - a stored resume-handle continues the same session in a new pipeline
 *    (a process restart), as the emulator's record confirms;
 *  - a running sink/src pair survives 1,000 random state changes and pad
 *    unlinks/relinks without a crash, a leak or a deadlock. */

#include "config.h"

#include <gst/gst.h>
#include <voxpipe.h>
#include <voxpipe-emulator.h>

#include <string.h>

#define WAIT_SECONDS 20

/* Runs the bus until a message satisfies @match, or fails. */
static GstMessage *
wait_message (GstElement * pipeline, gboolean (*match) (GstMessage *))
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  GstMessage *msg = NULL;

  while (g_get_monotonic_time () < deadline) {
    msg = gst_bus_timed_pop (bus, 100 * GST_MSECOND);
    if (msg == NULL)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      g_autoptr (GError) error = NULL;
      gst_message_parse_error (msg, &error, NULL);
      g_error ("pipeline error: %s", error->message);
    }
    if (match (msg))
      break;
    gst_message_unref (msg);
    msg = NULL;
  }
  gst_object_unref (bus);
  if (msg == NULL)
    g_error ("timed out after %d s waiting for a message", WAIT_SECONDS);
  return msg;
}

static gboolean
is_ready (GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  return s != NULL && gst_structure_has_name (s, "geminilive/session")
      && g_strcmp0 (gst_structure_get_string (s, "state"), "ready") == 0;
}

static gboolean
is_turn_complete (GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  return s != NULL && gst_structure_has_name (s, "geminilive/turn")
      && g_strcmp0 (gst_structure_get_string (s, "state"), "complete") == 0;
}

static GstElement *
call_pipeline (const gchar * url, const gchar * handle)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *description = g_strdup_printf ("audiotestsrc "
      "is-live=true wave=silence samplesperbuffer=320 ! audio/x-raw,"
      "format=S16LE,rate=16000,channels=1 ! geminilivesink name=agent "
      "session=call endpoint=%s api-key=test-key "
      "geminilivesrc session=call ! fakesink sync=true", url);
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstElement *agent;

  g_assert_no_error (error);
  agent = gst_bin_get_by_name (GST_BIN (pipeline), "agent");
  if (handle != NULL)
    g_object_set (agent, "resume-handle", handle, NULL);
  gst_object_unref (agent);
  return pipeline;
}

static gchar *
talk_once (GstElement * pipeline)
{
  GstElement *agent = gst_bin_get_by_name (GST_BIN (pipeline), "agent");
  gchar *handle = NULL;
  GstMessage *msg;

  msg = wait_message (pipeline, is_ready);
  gst_message_unref (msg);
  g_signal_emit_by_name (agent, "send-text", "Hello there.");
  msg = wait_message (pipeline, is_turn_complete);
  gst_message_unref (msg);
  /* The handle after the turn is resumable; an app stores it. */
  g_usleep (200 * G_TIME_SPAN_MILLISECOND);
  g_object_get (agent, "resume-handle", &handle, NULL);
  gst_object_unref (agent);
  return handle;
}

static void
test_stored_handle_resumes (void)
{
  g_autoptr (VpEmulator) emulator = vp_emulator_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) record = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *handle = NULL;
  g_autofree gchar *record_json = NULL;
  g_autofree gchar *handle2 = NULL;
  JsonArray *connections;
  JsonObject *first, *second;
  GstElement *pipeline;

  g_object_set (emulator, "latency-ms", 0, "speech-rate", 20.0,
      "wait-for-playback", FALSE, NULL);
  g_assert_true (vp_emulator_start (emulator, &error));
  url = vp_emulator_get_url (emulator);

  /* The first call, stopped as a process would be. */
  pipeline = call_pipeline (url, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  handle = talk_once (pipeline);
  g_assert_nonnull (handle);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);

  /* A new pipeline with the stored handle. */
  pipeline = call_pipeline (url, handle);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  handle2 = talk_once (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);

  record_json = vp_emulator_get_record (emulator);
  record = json_from_string (record_json, &error);
  g_assert_no_error (error);
  connections = json_node_get_array (record);
  g_assert_cmpuint (json_array_get_length (connections), ==, 2);
  first = json_array_get_object_element (connections, 0);
  second = json_array_get_object_element (connections, 1);
  /* The emulator says: the same session, resumed. */
  g_assert_false (json_object_get_boolean_member (first, "resumed"));
  g_assert_true (json_object_get_boolean_member (second, "resumed"));
  g_assert_cmpstr (json_object_get_string_member (first, "session"), ==,
      json_object_get_string_member (second, "session"));
  g_assert_nonnull (strstr (record_json, handle));
  g_assert_cmpstr (handle2, !=, handle);

  vp_emulator_stop (emulator);
}

/* 1,000 random state changes and pad unlinks/relinks on a running pair. */
static void
test_state_torture (void)
{
  g_autoptr (VpEmulator) emulator = vp_emulator_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *description = NULL;
  GstElement *pipeline, *agent, *player, *sink, *queue;
  GstPad *src_pad, *sink_pad;
  GRand *rand = g_rand_new_with_seed (20261124);
  static const GstState states[] = { GST_STATE_NULL, GST_STATE_READY,
    GST_STATE_PAUSED, GST_STATE_PLAYING
  };
  guint changes = 0, relinks = 0, texts = 0;

  g_object_set (emulator, "latency-ms", 0, "speech-rate", 50.0,
      "wait-for-playback", FALSE, NULL);
  g_assert_true (vp_emulator_start (emulator, &error));
  url = vp_emulator_get_url (emulator);

  description = g_strdup_printf ("audiotestsrc is-live=true "
      "samplesperbuffer=320 ! audio/x-raw,format=S16LE,rate=16000,channels=1"
      " ! geminilivesink name=agent session=torture endpoint=%s "
      "api-key=k geminilivesrc name=player session=torture ! queue "
      "name=queue ! fakesink name=out sync=false", url);
  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  agent = gst_bin_get_by_name (GST_BIN (pipeline), "agent");
  player = gst_bin_get_by_name (GST_BIN (pipeline), "player");
  queue = gst_bin_get_by_name (GST_BIN (pipeline), "queue");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  src_pad = gst_element_get_static_pad (player, "src");
  sink_pad = gst_element_get_static_pad (queue, "sink");

  while (changes < 1000) {
    switch (g_rand_int_range (rand, 0, 4)) {
      case 0:
      case 1:{
        GstState target = states[g_rand_int_range (rand, 0, 4)];
        /* Never waits on the network: async changes are not awaited. */
        gst_element_set_state (pipeline, target);
        changes++;
        break;
      }
      case 2:
        if (gst_pad_is_linked (src_pad))
          gst_pad_unlink (src_pad, sink_pad);
        else
          g_assert_cmpint (gst_pad_link (src_pad, sink_pad), ==,
              GST_PAD_LINK_OK);
        relinks++;
        break;
      case 3:
        g_signal_emit_by_name (agent, "send-text", "hello");
        texts++;
        break;
    }
    if (g_rand_int_range (rand, 0, 10) == 0)
      g_usleep (g_rand_int_range (rand, 0, 20) * G_TIME_SPAN_MILLISECOND);
  }

  if (!gst_pad_is_linked (src_pad))
    gst_pad_link (src_pad, sink_pad);
  /* It still works afterwards. */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_message_unref (wait_message (pipeline, is_ready));
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  g_test_message ("%u state changes, %u unlinks/relinks, %u texts",
      changes, relinks, texts);

  gst_object_unref (src_pad);
  gst_object_unref (sink_pad);
  gst_object_unref (agent);
  gst_object_unref (player);
  gst_object_unref (queue);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_rand_free (rand);
  vp_emulator_stop (emulator);
}

static gboolean
is_idle (GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  return s != NULL && gst_structure_has_name (s, "geminilive/idle");
}

static gboolean
is_still_there (GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  return s != NULL && gst_structure_has_name (s, "geminilive/transcript")
      && g_strcmp0 (gst_structure_get_string (s, "role"), "output") == 0
      && g_strrstr (gst_structure_get_string (s, "text"), "there") != NULL;
}

/* idle-timeout: after that much silence on both sides the model is asked
 * to check on the user, and it speaks. */
static void
test_idle_timeout (void)
{
  g_autoptr (VpEmulator) emulator = vp_emulator_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *description = NULL;
  GstElement *pipeline;
  GstMessage *msg;
  gint64 start;
  guint seconds = 0;

  g_object_set (emulator, "latency-ms", 0, "speech-rate", 20.0,
      "scenario", "{\"turns\":[{\"match\":{\"text\":[\"silent\"],"
      "\"in-order\":false},\"say\":\"Are you still there?\"}]}", NULL);
  g_assert_true (vp_emulator_start (emulator, &error));
  url = vp_emulator_get_url (emulator);
  description = g_strdup_printf ("audiotestsrc is-live=true wave=silence "
      "samplesperbuffer=320 ! audio/x-raw,format=S16LE,rate=16000,channels=1"
      " ! geminilivesink session=idle endpoint=%s api-key=k idle-timeout=2 "
      "geminilivesrc session=idle ! fakesink sync=true", url);
  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_message_unref (wait_message (pipeline, is_ready));
  start = g_get_monotonic_time ();
  msg = wait_message (pipeline, is_idle);
  gst_structure_get_uint (gst_message_get_structure (msg), "seconds", &seconds);
  gst_message_unref (msg);
  g_assert_cmpuint (seconds, ==, 2);
  /* Not before its time. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=,
      2 * G_USEC_PER_SEC - 100 * G_TIME_SPAN_MILLISECOND);
  gst_message_unref (wait_message (pipeline, is_still_there));

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  vp_emulator_stop (emulator);
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/long-calls/stored-handle-resumes",
      test_stored_handle_resumes);
  g_test_add_func ("/long-calls/state-torture", test_state_torture);
  g_test_add_func ("/long-calls/idle-timeout", test_idle_timeout);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
