/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The playout queue of model audio (gstgeminiliveplayout.c) on its own,
 * with no session and no element: what a period takes and what is due
 * with it, barge-in dropping every queued sample at once, the end of the
 * stream, and the src's waits on a test clock (ended early by model audio
 * when nothing is queued, and by flushing). */

#include "config.h"

#include <gst/check/gstcheck.h>
#include <gst/check/gsttestclock.h>

#include "gstgeminiliveplayout.h"

#define PERIOD 480

static GBytes *
pcm_new (guint samples)
{
  return g_bytes_new_take (g_malloc0 (samples * 2), samples * 2);
}

/* A request at sample @due with the clock at @position. */
static GstGeminiLivePlayoutRequest
request_at (GstClock * clock, guint64 due, guint64 position, gboolean idle)
{
  GstGeminiLivePlayoutRequest request = { PERIOD, 0, idle, due, position,
    clock, 0
  };

  return request;
}

GST_START_TEST (test_take_with_what_is_due)
{
  GstGeminiLivePlayout *playout = gst_gemini_live_playout_new ();
  GstGeminiLivePlayoutWaiter waiter = GST_GEMINI_LIVE_PLAYOUT_WAITER_INIT;
  GstGeminiLivePeriod period = { 0 };
  GstGeminiLivePlayoutRequest request;
  GstClock *clock = gst_test_clock_new ();
  GstGeminiLiveText *text;

  gst_gemini_live_playout_begin (playout);
  gst_gemini_live_playout_push_text (playout, "Hello");
  gst_gemini_live_playout_push_audio (playout, pcm_new (600), 42);
  gst_gemini_live_playout_push_text (playout, "there");
  gst_gemini_live_playout_push_audio (playout, pcm_new (400), 43);

  /* The first period: the turn starts in it, with the first text. */
  request = request_at (clock, 0, 0, TRUE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_AUDIO);
  fail_unless_equals_int (gst_buffer_get_size (period.audio), PERIOD * 2);
  fail_unless (period.turn_start);
  /* The turn's start is the first audio's: 43 is the same turn. */
  fail_unless_equals_int64 (period.began_us, 42);
  fail_unless_equals_int (g_list_length (period.texts), 1);
  text = period.texts->data;
  fail_unless_equals_string (text->text, "Hello");
  fail_unless_equals_uint64 (text->position, 0);
  fail_unless_equals_uint64 (period.texts_base, 0);
  fail_unless_equals_uint64 (period.texts_end, 600);
  gst_gemini_live_period_clear (&period);
  fail_unless (period.audio == NULL && period.texts == NULL);

  /* The second: no turn start, the second text (due at sample 600). */
  request = request_at (clock, PERIOD, PERIOD, FALSE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_AUDIO);
  fail_unless_equals_int (gst_buffer_get_size (period.audio), PERIOD * 2);
  fail_if (period.turn_start);
  fail_unless_equals_int (g_list_length (period.texts), 1);
  fail_unless_equals_uint64 (period.texts_base, PERIOD);
  fail_unless_equals_uint64 (period.texts_end, 1000);
  gst_gemini_live_period_clear (&period);

  /* What is left, less than a period. */
  request = request_at (clock, 2 * PERIOD, 2 * PERIOD, FALSE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_AUDIO);
  fail_unless_equals_int (gst_buffer_get_size (period.audio), 40 * 2);
  fail_unless (period.texts == NULL);
  gst_gemini_live_period_clear (&period);

  /* Nothing queued: silence once its period has passed. */
  request = request_at (clock, 1000, 1000 + PERIOD, FALSE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_SILENCE);

  /* The next turn has its own start. */
  gst_gemini_live_playout_end_turn (playout, TRUE);
  gst_gemini_live_playout_push_audio (playout, pcm_new (10), 77);
  request = request_at (clock, 1480, 1480, TRUE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_AUDIO);
  fail_unless (period.turn_start);
  fail_unless_equals_int64 (period.began_us, 77);
  gst_gemini_live_period_clear (&period);

  gst_object_unref (clock);
  gst_gemini_live_playout_free (playout);
}

GST_END_TEST;

GST_START_TEST (test_barge_in_drops_everything)
{
  GstGeminiLivePlayout *playout = gst_gemini_live_playout_new ();
  GstGeminiLivePlayoutWaiter waiter = GST_GEMINI_LIVE_PLAYOUT_WAITER_INIT;
  GstGeminiLivePeriod period = { 0 };
  GstGeminiLivePlayoutRequest request;
  GstClock *clock = gst_test_clock_new ();
  guint epoch;

  gst_gemini_live_playout_begin (playout);
  gst_gemini_live_playout_push_audio (playout, pcm_new (5 * PERIOD), 1);
  gst_gemini_live_playout_push_text (playout, "old turn");
  gst_gemini_live_playout_push_audio (playout, pcm_new (PERIOD), 1);

  request = request_at (clock, 0, 0, TRUE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_AUDIO);
  epoch = period.epoch;
  fail_if (gst_gemini_live_playout_is_stale (playout, epoch));

  /* Every queued sample goes at once; the period already taken is stale. */
  fail_unless_equals_uint64 (gst_gemini_live_playout_clear (playout),
      5 * PERIOD);
  fail_unless (gst_gemini_live_playout_is_stale (playout, epoch));
  gst_gemini_live_period_clear (&period);
  request = request_at (clock, PERIOD, 2 * PERIOD, FALSE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_SILENCE);

  /* The new turn's audio starts a turn, with nothing of the old one. */
  gst_gemini_live_playout_push_audio (playout, pcm_new (PERIOD), 2);
  request = request_at (clock, 2 * PERIOD, 2 * PERIOD, TRUE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_AUDIO);
  fail_unless (period.turn_start);
  fail_unless_equals_int64 (period.began_us, 2);
  fail_unless (period.texts == NULL);
  fail_if (gst_gemini_live_playout_is_stale (playout, period.epoch));
  gst_gemini_live_period_clear (&period);

  gst_object_unref (clock);
  gst_gemini_live_playout_free (playout);
}

GST_END_TEST;

GST_START_TEST (test_end_of_stream)
{
  GstGeminiLivePlayout *playout = gst_gemini_live_playout_new ();
  GstGeminiLivePlayoutWaiter waiter = GST_GEMINI_LIVE_PLAYOUT_WAITER_INIT;
  GstGeminiLivePeriod period = { 0 };
  GstGeminiLivePlayoutRequest request;
  GstClock *clock = gst_test_clock_new ();

  /* num-turns: an interrupted turn does not count. */
  gst_gemini_live_playout_begin (playout);
  request = request_at (clock, 0, PERIOD, FALSE);
  request.num_turns = 1;
  gst_gemini_live_playout_end_turn (playout, FALSE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_SILENCE);
  gst_gemini_live_playout_end_turn (playout, TRUE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_EOS);

  /* A new session: no turn played. */
  gst_gemini_live_playout_begin (playout);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_SILENCE);

  /* The end: what is queued plays first. */
  request.num_turns = 0;
  gst_gemini_live_playout_push_audio (playout, pcm_new (PERIOD), 0);
  gst_gemini_live_playout_end (playout, FALSE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_AUDIO);
  gst_gemini_live_period_clear (&period);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_EOS);

  /* The end with drop: nothing more plays. */
  gst_gemini_live_playout_begin (playout);
  gst_gemini_live_playout_push_audio (playout, pcm_new (PERIOD), 0);
  gst_gemini_live_playout_end (playout, TRUE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_EOS);

  gst_object_unref (clock);
  gst_gemini_live_playout_free (playout);
}

GST_END_TEST;

typedef struct
{
  GstGeminiLivePlayout *playout;
  GstGeminiLivePlayoutWaiter *waiter;
} WaitData;

static gpointer
wait_thread (gpointer user_data)
{
  WaitData *data = user_data;

  gst_gemini_live_playout_wait (data->playout, data->waiter);
  return NULL;
}

GST_START_TEST (test_waits)
{
  GstGeminiLivePlayout *playout = gst_gemini_live_playout_new ();
  GstGeminiLivePlayoutWaiter waiter = GST_GEMINI_LIVE_PLAYOUT_WAITER_INIT;
  GstGeminiLivePeriod period = { 0 };
  GstGeminiLivePlayoutRequest request;
  GstClock *clock = gst_test_clock_new ();
  GstTestClock *test_clock = GST_TEST_CLOCK (clock);
  WaitData data = { playout, &waiter };
  GstClockID pending = NULL;
  GThread *thread;

  gst_gemini_live_playout_begin (playout);

  /* Idle: the wait is for the end of the silence period, rounded up. */
  request = request_at (clock, 0, 0, TRUE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_WAIT);
  thread = g_thread_new ("wait", wait_thread, &data);
  gst_test_clock_wait_for_next_pending_id (test_clock, &pending);
  fail_unless_equals_uint64 (gst_clock_id_get_time (pending),
      gst_util_uint64_scale_ceil (PERIOD, GST_SECOND, GST_GEMINI_LIVE_RATE));
  gst_clock_id_unref (pending);
  /* Model audio ends it without the clock moving. */
  gst_gemini_live_playout_push_audio (playout, pcm_new (2 * PERIOD), 0);
  g_thread_join (thread);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_AUDIO);
  gst_gemini_live_period_clear (&period);

  /* Queued audio not due yet: audio does not end that wait, flushing does. */
  request = request_at (clock, PERIOD, 0, FALSE);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_WAIT);
  thread = g_thread_new ("wait", wait_thread, &data);
  gst_test_clock_wait_for_next_pending_id (test_clock, &pending);
  fail_unless_equals_uint64 (gst_clock_id_get_time (pending),
      gst_util_uint64_scale_ceil (PERIOD, GST_SECOND, GST_GEMINI_LIVE_RATE));
  gst_clock_id_unref (pending);
  gst_gemini_live_playout_push_audio (playout, pcm_new (PERIOD), 0);
  fail_unless (gst_test_clock_peek_id_count (test_clock) == 1);
  gst_gemini_live_playout_set_flushing (playout, &waiter, TRUE);
  g_thread_join (thread);
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_FLUSHING);
  gst_gemini_live_playout_set_flushing (playout, &waiter, FALSE);

  /* The clock reaching the sample ends it too. */
  fail_unless_equals_int (gst_gemini_live_playout_next (playout, &waiter,
          &request, &period), GST_GEMINI_LIVE_PLAYOUT_WAIT);
  thread = g_thread_new ("wait", wait_thread, &data);
  fail_unless (gst_test_clock_crank (test_clock));
  g_thread_join (thread);

  gst_object_unref (clock);
  gst_gemini_live_playout_free (playout);
}

GST_END_TEST;

static Suite *
playout_suite (void)
{
  Suite *s = suite_create ("playout");
  TCase *tc = tcase_create ("queue");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_take_with_what_is_due);
  tcase_add_test (tc, test_barge_in_drops_everything);
  tcase_add_test (tc, test_end_of_stream);
  tcase_add_test (tc, test_waits);
  return s;
}

GST_CHECK_MAIN (playout);
