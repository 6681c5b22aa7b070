/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A refused automatic resume at the element level (issue 16.2): the
 * service fails (close 1011), geminilivesink resumes on its own, the
 * service has forgotten the handle (1008 "session not found").  The bus
 * gets a warning and geminilive/session state=context-lost, no error, and
 * the conversation goes on in the fresh session (seeded, restore-context). */

#include "config.h"

#include "vpt-common.h"

#include <string.h>

GST_START_TEST (test_context_lost)
{
  /* Handles are forgotten as soon as their connection ends. */
  VpEmulator *emulator = vpt_emulator_start (NULL, "handle-lifetime", 0,
      "latency-ms", 0, "wait-for-playback", FALSE, NULL);
  GstElement *pipeline = gst_parse_launch ("appsrc name=mic is-live=true "
      "format=time caps=audio/x-raw,format=S16LE,layout=interleaved,"
      "channels=1,rate=16000 ! geminilivesink name=agent restore-context=true "
      "geminilivesrc session=refused ! fakesink sync=false", NULL);
  GstElement *agent;
  VptEvents *events;
  GstMessage *message;
  gboolean warned = FALSE;

  fail_unless (pipeline != NULL);
  agent = gst_bin_get_by_name (GST_BIN (pipeline), "agent");
  vpt_configure_session (agent, emulator, "refused");
  events = vpt_events_new (agent);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (vpt_events_wait (events, "session:ready", 1, VPT_WAIT_MS));
  g_signal_emit_by_name (agent, "send-text", "hello");
  fail_unless (vpt_events_wait (events, "turn:complete", 1, VPT_WAIT_MS));

  vp_emulator_inject_fault (emulator, VP_EMULATOR_FAULT_CLOSE, 0, 1011,
      "Internal error occurred.", 0);
  g_signal_emit_by_name (agent, "send-text", "are you there");
  fail_unless (vpt_events_wait (events, "session:context-lost", 1,
          VPT_WAIT_MS));
  g_signal_emit_by_name (agent, "send-text", "hello again");
  fail_unless (vpt_events_wait (events, "turn:complete", 2, VPT_WAIT_MS));

  /* A warning that says so; no error. */
  while ((message = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipeline),
              GST_MESSAGE_WARNING | GST_MESSAGE_ERROR)) != NULL) {
    gchar *text = vpt_message_text (message);

    fail_if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR, "%s", text);
    if (strstr (text, "lost the conversation's context") != NULL)
      warned = TRUE;
    g_free (text);
    gst_message_unref (message);
  }
  fail_unless (warned);
  fail_unless_equals_int (vp_emulator_get_n_connections (emulator), 3);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  vpt_events_free (events);
  gst_object_unref (agent);
  gst_object_unref (pipeline);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

static Suite *
refused_resume_suite (void)
{
  Suite *s = suite_create ("refused-resume");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_context_lost);
  return s;
}

GST_CHECK_MAIN (refused_resume);
