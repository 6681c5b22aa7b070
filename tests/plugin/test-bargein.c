/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Barge-in, proved from the audio samples: the model tells a long story
 * (sent 4x faster than real time, so seconds of it wait in the src), the
 * user interrupts (by text, or push-to-talk), and every sample that leaves
 * geminilivesrc after the interrupted message is the new reply's; none is
 * the story's.  The emulator's speech is espeak-ng, so the test renders
 * both replies itself and compares sample by sample.
 *
 * The src runs on a test clock and the test stops cranking it before the
 * barge-in, so the src is waiting for the clock to play the next period of
 * the story when the barge-in comes: that period must not leave either. */

#include "config.h"

#include "vpt-common.h"

#include <string.h>

#define RATE 24000

#define STORY "Once upon a time, in a small village by the sea, there lived " \
  "an old fisherman who told the longest stories anyone had ever heard, " \
  "and every evening the children gathered to listen until the stars came out."
#define STOPPED "Okay, I stopped."
#define SCENARIO "{\"name\": \"barge-in\", \"turns\": [" \
  "{\"id\": \"story\", \"match\": {\"text\": [\"story\"]}, \"say\": \"" \
  STORY "\"}, " \
  "{\"id\": \"stop\", \"match\": {\"text\": [\"stop\"]}, \"say\": \"" \
  STOPPED "\"}]}"

/* Lets one clock wait pass; appends the samples that left to @out unless
 * GAP.  @gap: nothing but silence left. */
static gboolean
pull_into (GstHarness * h, GByteArray * out, gboolean * gap)
{
  GPtrArray *pushed = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  gboolean waiting = vpt_src_step (h, pushed);
  guint i;

  *gap = TRUE;
  for (i = 0; i < pushed->len; i++) {
    GstBuffer *buffer = g_ptr_array_index (pushed, i);
    GstMapInfo map;

    gst_buffer_map (buffer, &map, GST_MAP_READ);
    if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP)) {
      gsize j;
      for (j = 0; j < map.size; j++)
        fail_unless (map.data[j] == 0, "a GAP buffer with sound");
    } else {
      g_byte_array_append (out, map.data, map.size);
      *gap = FALSE;
    }
    gst_buffer_unmap (buffer, &map);
  }
  g_ptr_array_unref (pushed);
  return waiting;
}

/* Takes what the src pushed without a clock wait. */
static void
drain_into (GstHarness * h, GByteArray * out)
{
  GstBuffer *buffer;

  while ((buffer = gst_harness_try_pull (h)) != NULL) {
    GstMapInfo map;

    gst_buffer_map (buffer, &map, GST_MAP_READ);
    if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP))
      g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buffer, &map);
    gst_buffer_unref (buffer);
  }
}

static GArray *
nonzero_bytes (GByteArray * bytes)
{
  return vpt_nonzero ((const gint16 *) bytes->data, bytes->len / 2);
}

static GArray *
nonzero_speech (const gchar * text)
{
  g_autoptr (GBytes) pcm = vpt_speech (text, RATE);

  return vpt_nonzero (g_bytes_get_data (pcm, NULL), g_bytes_get_size (pcm) / 2);
}

typedef enum
{
  BARGE_IN_TEXT,
  BARGE_IN_PUSH_TO_TALK,
} BargeIn;

static void
check_barge_in (BargeIn how)
{
  VpEmulator *emulator = vpt_emulator_start (SCENARIO, "speech-rate", 4.0,
      "latency-ms", 100, NULL);
  GstElement *sink = gst_element_factory_make ("geminilivesink", NULL);
  GstElement *src = gst_element_factory_make ("geminilivesrc", NULL);
  GstHarness *h;
  VptEvents *events;
  GByteArray *before = g_byte_array_new (), *after = g_byte_array_new ();
  GArray *story = nonzero_speech (STORY), *stopped = nonzero_speech (STOPPED);
  GArray *got;
  gboolean gap;
  guint periods = 0;

  vpt_configure_session (sink, emulator, "barge-in");
  g_object_set (sink, "async", FALSE, NULL);
  if (how == BARGE_IN_PUSH_TO_TALK)
    gst_util_set_object_arg (G_OBJECT (sink), "vad", "manual");
  g_object_set (src, "session", "barge-in", "num-turns", 1, NULL);
  h = gst_harness_new_with_element (src, NULL, "src");
  gst_harness_use_testclock (h);
  events = vpt_events_new (sink);

  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  gst_harness_play (h);
  fail_unless (vpt_events_wait (events, "session:ready", 1, VPT_WAIT_MS));

  /* The story starts. */
  g_signal_emit_by_name (sink, "send-text", "Tell me a story.");
  do {
    fail_unless (pull_into (h, before, &gap));
    fail_unless (++periods < 1000, "the story never started");
  } while (gap);
  /* Half a second of it plays; then the src stops being cranked, waiting
   * to play the next period of the story, and more arrives meanwhile. */
  while (before->len < RATE / 2 * 2) {
    fail_unless (pull_into (h, before, &gap));
    if (gap)
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);  /* it is on its way */
    fail_unless (++periods < 2000, "the story stalled");
  }
  g_usleep (500 * G_TIME_SPAN_MILLISECOND);
  drain_into (h, before);
  fail_unless_equals_int (vpt_events_count (events, "interrupted"), 0);

  /* Barge-in. */
  if (how == BARGE_IN_TEXT) {
    g_signal_emit_by_name (sink, "send-text", "Stop, please.");
  } else {
    g_signal_emit_by_name (sink, "activity-start");
    g_usleep (100 * G_TIME_SPAN_MILLISECOND);
    g_signal_emit_by_name (sink, "activity-end");
  }
  fail_unless (vpt_events_wait (events, "interrupted", 1, VPT_WAIT_MS));

  /* Everything from now on left the src after the interrupted message.
   * num-turns=1: the stream ends after the new reply (the interrupted
   * turn does not count). */
  periods = 0;
  while (pull_into (h, after, &gap))
    fail_unless (++periods < 3000, "the stream does not end");

  /* Before: the story, from its start, and only part of it. */
  got = nonzero_bytes (before);
  fail_unless (got->len > RATE / 4);
  fail_unless (got->len < story->len / 2, "the story was not interrupted");
  fail_unless (memcmp (got->data, story->data, got->len * 2) == 0,
      "what played before the barge-in is not the story");
  g_array_unref (got);

  /* After: exactly the new reply, sample for sample; not one sample of
   * the story. */
  got = nonzero_bytes (after);
  fail_unless_equals_int (got->len, stopped->len);
  fail_unless (memcmp (got->data, stopped->data, stopped->len * 2) == 0,
      "audio of the interrupted turn left the src after the barge-in");
  g_array_unref (got);

  fail_unless_equals_int (vpt_events_count (events, "turn:interrupted"), 1);

  gst_harness_teardown (h);
  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  vpt_events_free (events);
  gst_object_unref (sink);
  gst_object_unref (src);
  g_byte_array_unref (before);
  g_byte_array_unref (after);
  g_array_unref (story);
  g_array_unref (stopped);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_START_TEST (test_barge_in_by_text)
{
  check_barge_in (BARGE_IN_TEXT);
}

GST_END_TEST;

GST_START_TEST (test_barge_in_by_push_to_talk)
{
  check_barge_in (BARGE_IN_PUSH_TO_TALK);
}

GST_END_TEST;

static Suite *
bargein_suite (void)
{
  Suite *s = suite_create ("barge-in");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_barge_in_by_text);
  tcase_add_test (tc, test_barge_in_by_push_to_talk);
  return s;
}

GST_CHECK_MAIN (bargein);
