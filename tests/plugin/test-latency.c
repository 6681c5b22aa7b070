/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The voice-to-voice latency of each turn (issue 16.4): measured from the
 * end of the user's speech as the service saw it, so never negative, even
 * when the model replies while the user's audio still streams (here a
 * file-like source paced by the clock, in one-second buffers of tone, and
 * text turns the emulator answers at once). */

#include "config.h"

#include "vpt-common.h"

#include <math.h>

#define SR 16000
#define BUFFER_MS 100
#define N_BUFFERS 400
#define N_TURNS 3
#define MIC_CAPS "audio/x-raw,format=S16LE,layout=interleaved,channels=1," \
  "rate=16000"

/* @ms of a 440 Hz tone from @offset_ms: speech to the sink's meter. */
static GstBuffer *
tone (guint offset_ms, guint ms)
{
  guint n = SR * ms / 1000, i;
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, n * 2, NULL);
  GstMapInfo map;
  gint16 *samples;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  samples = (gint16 *) map.data;
  for (i = 0; i < n; i++)
    samples[i] = (gint16) (8000 * sin (2 * G_PI * 440 * i / SR));
  gst_buffer_unmap (buffer, &map);
  GST_BUFFER_PTS (buffer) = offset_ms * GST_MSECOND;
  GST_BUFFER_DURATION (buffer) = ms * GST_MSECOND;
  return buffer;
}

typedef struct
{
  GMutex lock;
  GArray *latencies;            /* of every started turn, as posted */
} Turns;

static void
on_turn (GstElement * agent, const gchar * state, gdouble latency_ms,
    Turns * turns)
{
  if (g_strcmp0 (state, "started") != 0)
    return;
  g_mutex_lock (&turns->lock);
  g_array_append_val (turns->latencies, latency_ms);
  g_mutex_unlock (&turns->lock);
}

GST_START_TEST (test_latency_never_negative)
{
  /* Think time longer than a buffer: the sink renders speech between the
   * text and the reply. */
  VpEmulator *emulator = vpt_emulator_start (NULL, "latency-ms", 300, NULL);
  g_autofree gchar *launch = g_strdup_printf ("appsrc name=mic format=time "
      "caps=%s ! geminilivesink name=agent vad=manual "
      "geminilivesrc session=latency ! fakesink sync=true", MIC_CAPS);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *agent, *mic;
  VptEvents *events;
  GstFlowReturn flow;
  Turns turns;
  guint i;

  fail_unless (pipeline != NULL);
  agent = gst_bin_get_by_name (GST_BIN (pipeline), "agent");
  mic = gst_bin_get_by_name (GST_BIN (pipeline), "mic");
  vpt_configure_session (agent, emulator, "latency");
  events = vpt_events_new (agent);
  g_mutex_init (&turns.lock);
  turns.latencies = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_signal_connect (agent, "turn", G_CALLBACK (on_turn), &turns);
  /* The user talks on through every turn. */
  for (i = 0; i < N_BUFFERS; i++)
    g_signal_emit_by_name (mic, "push-buffer", tone (i * BUFFER_MS,
            BUFFER_MS), &flow);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (vpt_events_wait (events, "session:ready", 1, VPT_WAIT_MS));

  for (i = 0; i < N_TURNS; i++) {
    g_signal_emit_by_name (agent, "send-text", "hello");
    fail_unless (vpt_events_wait (events, "turn:complete", i + 1, VPT_WAIT_MS));
  }
  fail_unless (vpt_events_wait (events, "turn:started", N_TURNS, VPT_WAIT_MS));

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_mutex_lock (&turns.lock);
  fail_unless (turns.latencies->len >= N_TURNS);
  for (i = 0; i < turns.latencies->len; i++) {
    gdouble latency = g_array_index (turns.latencies, gdouble, i);

    g_print ("turn %u: latency %.1f ms\n", i, latency);
    fail_unless (latency >= 0, "turn %u: latency %.1f ms", i, latency);
    fail_unless (latency < 10000, "turn %u: latency %.1f ms", i, latency);
  }
  g_mutex_unlock (&turns.lock);
  g_array_unref (turns.latencies);
  g_mutex_clear (&turns.lock);
  vpt_events_free (events);
  gst_object_unref (mic);
  gst_object_unref (agent);
  gst_object_unref (pipeline);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

static Suite *
latency_suite (void)
{
  Suite *s = suite_create ("latency");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_latency_never_negative);
  return s;
}

GST_CHECK_MAIN (latency);
