/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* geminilivesrc in a GstHarness on its test clock: a live source of
 * 24 kHz S16LE mono, timestamped from a sample counter, paced by the
 * clock, GAP silence in fixed periods when the model is quiet, the LATENCY
 * answer; model audio that arrives while it is quiet leaves without
 * waiting for the clock; model audio that arrives much faster than real
 * time all comes out, sample for sample; the text pad carries the transcription with the
 * timestamps of its audio; num-turns ends the stream. */

#include "config.h"

#include "vpt-common.h"

#include <gst/base/gstbasesrc.h>

#include <string.h>

#define RATE 24000

/* The model's reply in these tests. */
#define REPLY "Hello there. This reply arrives much faster than real time."
#define SCENARIO "{\"name\": \"fast\", \"turns\": [{\"id\": \"hello\", " \
  "\"match\": {\"text\": [\"hello\"]}, \"say\": \"" REPLY "\"}]}"

static GstHarness *
src_harness (const gchar * session, guint period_ms, guint num_turns)
{
  GstElement *src = gst_element_factory_make ("geminilivesrc", NULL);
  GstHarness *h;

  fail_unless (src != NULL, "geminilivesrc not found: is "
      "GST_PLUGIN_PATH_1_0 set to the build's gst-plugins directory?");
  g_object_set (src, "session", session, "period-ms", period_ms,
      "num-turns", num_turns, NULL);
  h = gst_harness_new_with_element (src, NULL, "src");
  gst_harness_use_testclock (h);
  gst_object_unref (src);
  return h;
}

/* Lets the src's next clock wait pass.  FALSE when it is not waiting
 * (it ended the stream). */
static gboolean
crank (GstHarness * h)
{
  GstTestClock *clock = gst_harness_get_testclock (h);
  gboolean waiting;

  waiting = gst_test_clock_timed_wait_for_multiple_pending_ids (clock, 1,
      5000, NULL);
  if (waiting)
    gst_test_clock_crank (clock);
  gst_object_unref (clock);
  return waiting;
}

static GstBuffer *
pull (GstHarness * h)
{
  GstBuffer *buffer;

  fail_unless (crank (h), "the src does not wait for the clock");
  buffer = gst_harness_pull (h);
  fail_unless (buffer != NULL);
  return buffer;
}

static gboolean
is_silent (GstBuffer * buffer)
{
  GstMapInfo map;
  gboolean silent = TRUE;
  gsize i;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  for (i = 0; i < map.size && silent; i++)
    silent = map.data[i] == 0;
  gst_buffer_unmap (buffer, &map);
  return silent;
}

/* Quiet model: GAP silence in fixed periods, timestamps from a counter. */
static void
check_silence (guint period_ms)
{
  GstHarness *h = src_harness ("lonely", period_ms, 0);
  guint period = RATE * period_ms / 1000, i;
  GstClockTime first_pts = GST_CLOCK_TIME_NONE;
  GstCaps *caps, *expected;

  fail_unless (gst_base_src_is_live (GST_BASE_SRC (h->element)));
  gst_harness_play (h);

  for (i = 0; i < 100; i++) {
    GstBuffer *buffer = pull (h);

    fail_unless_equals_int (gst_buffer_get_size (buffer), period * 2);
    fail_unless (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP));
    fail_unless (is_silent (buffer));
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buffer), i * period);
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (buffer),
        (i + 1) * period);
    if (i == 0) {
      first_pts = GST_BUFFER_PTS (buffer);
      fail_unless (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT));
    }
    /* No rounding drift: exactly the sample count. */
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer) - first_pts,
        gst_util_uint64_scale (i * period, GST_SECOND, RATE));
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (buffer),
        gst_util_uint64_scale ((i + 1) * period, GST_SECOND, RATE) -
        gst_util_uint64_scale (i * period, GST_SECOND, RATE));
    gst_buffer_unref (buffer);
  }

  caps = gst_pad_get_current_caps (h->sinkpad);
  expected = gst_caps_from_string ("audio/x-raw, format=S16LE, "
      "layout=interleaved, channels=1, rate=24000");
  fail_unless (gst_caps_is_equal (caps, expected));
  gst_caps_unref (caps);
  gst_caps_unref (expected);
  gst_harness_teardown (h);
}

GST_START_TEST (test_silence_in_fixed_periods)
{
  check_silence (20);
  check_silence (10);
  check_silence (50);
}

GST_END_TEST;

/* Each period waits for its time on the pipeline clock. */
GST_START_TEST (test_paced_by_clock)
{
  GstHarness *h = src_harness ("paced", 20, 0);
  GstTestClock *clock = gst_harness_get_testclock (h);
  GstClockTime first_time = GST_CLOCK_TIME_NONE;
  GstClockID id;
  guint i;

  gst_harness_play (h);
  for (i = 0; i < 10; i++) {
    GstBuffer *buffer;

    gst_test_clock_wait_for_next_pending_id (clock, &id);
    if (i == 0)
      first_time = gst_clock_id_get_time (id);
    fail_unless_equals_uint64 (gst_clock_id_get_time (id) - first_time,
        i * 20 * GST_MSECOND);
    gst_clock_id_unref (id);
    /* Nothing leaves before the clock gets there. */
    fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
    gst_test_clock_crank (clock);
    buffer = gst_harness_pull (h);
    gst_buffer_unref (buffer);
  }
  gst_object_unref (clock);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_latency_query)
{
  GstHarness *h = src_harness ("latency", 20, 0);
  GstPad *pad = gst_element_get_static_pad (h->element, "src");
  GstQuery *query = gst_query_new_latency ();
  GstClockTime min, max;
  gboolean live;
  GstBuffer *buffer;

  gst_harness_play (h);
  buffer = pull (h);
  gst_buffer_unref (buffer);

  fail_unless (gst_pad_query (pad, query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_unless (live);
  fail_unless_equals_uint64 (min, 20 * GST_MSECOND);
  /* Model audio is queued without bound, never dropped. */
  fail_unless_equals_uint64 (max, GST_CLOCK_TIME_NONE);
  gst_query_unref (query);
  fail_unless_equals_uint64 (gst_harness_query_latency (h), 20 * GST_MSECOND);

  gst_object_unref (pad);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Text pad: collected by a pad of the test, linked on pad-added. */
typedef struct
{
  GMutex lock;
  GString *text;
  GArray *pts;
  gboolean eos;
} TextSink;

static GstFlowReturn
text_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  TextSink *t = g_object_get_data (G_OBJECT (pad), "text-sink");
  GstMapInfo map;
  GstClockTime pts = GST_BUFFER_PTS (buffer);

  fail_unless (GST_CLOCK_TIME_IS_VALID (pts));
  fail_unless (GST_BUFFER_DURATION_IS_VALID (buffer));
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_mutex_lock (&t->lock);
  g_string_append_len (t->text, (const gchar *) map.data, map.size);
  g_array_append_val (t->pts, pts);
  g_mutex_unlock (&t->lock);
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static gboolean
text_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  TextSink *t = g_object_get_data (G_OBJECT (pad), "text-sink");

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    g_mutex_lock (&t->lock);
    t->eos = TRUE;
    g_mutex_unlock (&t->lock);
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;

    gst_event_parse_caps (event, &caps);
    fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
            "text/x-raw"));
  }
  gst_event_unref (event);
  return TRUE;
}

static void
on_pad_added (GstElement * src, GstPad * pad, GstPad * text_sink)
{
  if (g_str_equal (GST_PAD_NAME (pad), "text"))
    fail_unless_equals_int (gst_pad_link (pad, text_sink), GST_PAD_LINK_OK);
}

/* The model's audio arrives at 20x real time while the pipeline plays
 * nothing: it is all queued, then all of it comes out, in order, then
 * the stream ends after the turn (num-turns=1). */
GST_START_TEST (test_fast_audio_all_out)
{
  VpEmulator *emulator = vpt_emulator_start (SCENARIO, "speech-rate", 20.0,
      "wait-for-playback", FALSE, "latency-ms", 50, "chunk-ms", 120, NULL);
  GstElement *sink = gst_element_factory_make ("geminilivesink", NULL);
  GstHarness *h = src_harness ("fast", 20, 1);
  GstPad *text_pad = gst_pad_new ("textsink", GST_PAD_SINK);
  TextSink text = { 0, };
  VptEvents *events;
  GByteArray *out = g_byte_array_new ();
  g_autoptr (GBytes) reply = vpt_speech (REPLY, RATE);
  GArray *got, *want;
  GstClockTime first_audio_pts = GST_CLOCK_TIME_NONE;
  GstEvent *event;
  gboolean eos = FALSE;
  gdouble latency;
  GstClockTime silence_pts = GST_CLOCK_TIME_NONE;
  gboolean more;
  guint i, gaps = 0;

  g_mutex_init (&text.lock);
  text.text = g_string_new (NULL);
  text.pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  g_object_set_data (G_OBJECT (text_pad), "text-sink", &text);
  gst_pad_set_chain_function (text_pad, text_chain);
  gst_pad_set_event_function (text_pad, text_event);
  gst_pad_set_active (text_pad, TRUE);
  g_signal_connect (h->element, "pad-added", G_CALLBACK (on_pad_added),
      text_pad);

  vpt_configure_session (sink, emulator, "fast");
  g_object_set (sink, "async", FALSE, NULL);
  events = vpt_events_new (sink);
  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  gst_harness_play (h);
  fail_unless (vpt_events_wait (events, "session:ready", 1, VPT_WAIT_MS));

  for (i = 0; i < 5; i++) {
    GstBuffer *buffer = pull (h);
    fail_unless (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP));
    if (i == 0)
      silence_pts = GST_BUFFER_PTS (buffer);
    gst_buffer_unref (buffer);
  }

  g_signal_emit_by_name (sink, "send-text", "hello");
  /* The whole reply arrives while the src waits for the clock. */
  fail_unless (vpt_events_wait (events, "turn:complete", 1, VPT_WAIT_MS));
  /* Its first period left without waiting for the clock (the src was
   * silent): the clock has not moved since the fifth silence. */
  for (i = 0; i < 5000 && gst_harness_buffers_in_queue (h) == 0; i++)
    g_usleep (1000);
  fail_unless (gst_harness_buffers_in_queue (h) > 0,
      "model audio waited for a period boundary");

  /* The first period leaves as soon as the reply arrives; the rest, one
   * period per clock wait. */
  do {
    GPtrArray *pushed = g_ptr_array_new_with_free_func ((GDestroyNotify)
        gst_buffer_unref);

    more = vpt_src_step (h, pushed);
    for (i = 0; i < pushed->len; i++) {
      GstBuffer *buffer = g_ptr_array_index (pushed, i);
      GstMapInfo map;

      if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP)) {
        /* (the one made before the reply arrived is silence) */
        if (GST_CLOCK_TIME_IS_VALID (first_audio_pts))
          gaps++;
      } else {
        if (!GST_CLOCK_TIME_IS_VALID (first_audio_pts))
          first_audio_pts = GST_BUFFER_PTS (buffer);
        gst_buffer_map (buffer, &map, GST_MAP_READ);
        g_byte_array_append (out, map.data, map.size);
        gst_buffer_unmap (buffer, &map);
      }
    }
    g_ptr_array_unref (pushed);
    fail_unless (out->len < 60 * RATE * 2, "the stream does not end");
  } while (more);
  fail_unless_equals_uint64 (first_audio_pts, silence_pts + 100 * GST_MSECOND);
  /* No silence in the middle: it was all queued. */
  fail_unless_equals_int (gaps, 0);

  /* num-turns=1: EOS once the turn has played. */
  while ((event = gst_harness_try_pull_event (h)) != NULL) {
    eos |= GST_EVENT_TYPE (event) == GST_EVENT_EOS;
    gst_event_unref (event);
  }
  fail_unless (eos, "no EOS after num-turns");

  /* Every sample of the reply, once, in order. */
  want = vpt_nonzero (g_bytes_get_data (reply, NULL),
      g_bytes_get_size (reply) / 2);
  got = vpt_nonzero ((const gint16 *) out->data, out->len / 2);
  fail_unless_equals_int (got->len, want->len);
  fail_unless (memcmp (got->data, want->data, want->len * 2) == 0);
  fail_unless (out->len / 2 - g_bytes_get_size (reply) / 2 < RATE / 50);

  /* The turn started when its first sample left, with its latency. */
  fail_unless_equals_int (vpt_events_count (events, "turn:started"), 1);
  g_object_get (sink, "last-latency", &latency, NULL);
  fail_unless (latency >= 0);

  /* The transcription, timestamped like the audio it names. */
  g_mutex_lock (&text.lock);
  fail_unless_equals_string (g_strstrip (text.text->str), REPLY);
  fail_unless (text.pts->len > 3);
  for (i = 0; i < text.pts->len; i++) {
    GstClockTime pts = g_array_index (text.pts, GstClockTime, i);

    /* Each piece came with a 120 ms chunk of audio: it starts with it. */
    fail_unless (pts >= first_audio_pts);
    fail_unless (pts < first_audio_pts + gst_util_uint64_scale (out->len / 2,
            GST_SECOND, RATE));
    fail_unless_equals_uint64 ((pts - first_audio_pts) % (120 * GST_MSECOND),
        0);
    if (i > 0)
      fail_unless (pts > g_array_index (text.pts, GstClockTime, i - 1));
  }
  fail_unless (text.eos);
  g_mutex_unlock (&text.lock);

  g_array_unref (got);
  g_array_unref (want);
  g_byte_array_unref (out);
  gst_harness_teardown (h);
  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  vpt_events_free (events);
  gst_object_unref (sink);
  gst_pad_set_active (text_pad, FALSE);
  gst_object_unref (text_pad);
  g_string_free (text.text, TRUE);
  g_array_unref (text.pts);
  g_mutex_clear (&text.lock);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

/* The text pad comes and goes with streaming. */
GST_START_TEST (test_text_pad_sometimes)
{
  GstElement *src = gst_element_factory_make ("geminilivesrc", NULL);
  GstPadTemplate *templ =
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (src),
      "text");
  GstHarness *h;
  GstBuffer *buffer;
  GstPad *pad;

  fail_unless (templ != NULL);
  fail_unless_equals_int (GST_PAD_TEMPLATE_PRESENCE (templ), GST_PAD_SOMETIMES);
  fail_unless (gst_element_get_static_pad (src, "text") == NULL);

  g_object_set (src, "session", "text-pad", NULL);
  h = gst_harness_new_with_element (src, NULL, "src");
  gst_harness_use_testclock (h);
  gst_harness_play (h);
  buffer = pull (h);
  gst_buffer_unref (buffer);
  pad = gst_element_get_static_pad (src, "text");
  fail_unless (pad != NULL);
  gst_object_unref (pad);

  fail_unless_equals_int (gst_element_set_state (src, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_element_get_static_pad (src, "text") == NULL);

  gst_harness_teardown (h);
  gst_object_unref (src);
}

GST_END_TEST;

static Suite *
geminilivesrc_suite (void)
{
  Suite *s = suite_create ("geminilivesrc");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_silence_in_fixed_periods);
  tcase_add_test (tc, test_paced_by_clock);
  tcase_add_test (tc, test_latency_query);
  tcase_add_test (tc, test_fast_audio_all_out);
  tcase_add_test (tc, test_text_pad_sometimes);
  return s;
}

GST_CHECK_MAIN (geminilivesrc);
