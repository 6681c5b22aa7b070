/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The playout queue of model audio (gstgeminiliveplayout.h): its one
 * owner.
 *
 * Locking: everything below is under playout->lock.  Lock order: the
 * shared state's lock → this one (the network thread appends while it
 * holds the shared state's lock, so that a closed session's late audio
 * cannot land after close()); geminilivesrc takes only this one, once to
 * decide what it outputs (and arm its wait) and once after its wait.
 * Nothing is held while posting, pushing or emitting: under this lock the
 * clock is only told to unschedule a wait. */

#include "config.h"

#include "gstgeminiliveplayout.h"

#include <gst/base/gstadapter.h>

struct _GstGeminiLivePlayout
{
  GMutex lock;
  GstAdapter *audio;            /* model audio, S16LE mono 24 kHz */
  guint64 samples_in;           /* total samples ever queued */
  GQueue texts;                 /* GstGeminiLiveText waiting for their audio */
  GQueue turn_starts;           /* TurnStart, not played yet */
  gboolean turn_open;           /* the current turn has queued audio */
  guint epoch;                  /* bumped by each barge-in: audio a src
                                 * took before it must not leave */
  guint turns_played;           /* turns complete, not interrupted */
  gboolean ended;               /* no more audio comes */
  GstClockID idle_wait;         /* a src's wait while nothing is queued:
                                 * audio unschedules it */
};

/* A model turn whose first sample, @position, has not left the src yet;
 * @began_us: when the user's turn ended, or 0. */
typedef struct
{
  guint64 position;
  gint64 began_us;
} TurnStart;

void
gst_gemini_live_text_free (GstGeminiLiveText * text)
{
  g_free (text->text);
  g_free (text);
}

void
gst_gemini_live_period_clear (GstGeminiLivePeriod * period)
{
  gst_clear_buffer (&period->audio);
  g_list_free_full (g_steal_pointer (&period->texts),
      (GDestroyNotify) gst_gemini_live_text_free);
}

GstGeminiLivePlayout *
gst_gemini_live_playout_new (void)
{
  GstGeminiLivePlayout *playout = g_new0 (GstGeminiLivePlayout, 1);

  g_mutex_init (&playout->lock);
  playout->audio = gst_adapter_new ();
  g_queue_init (&playout->texts);
  g_queue_init (&playout->turn_starts);
  return playout;
}

/* With the lock held. */
static void
drop_queued (GstGeminiLivePlayout * playout)
{
  gst_adapter_clear (playout->audio);
  g_queue_clear_full (&playout->texts,
      (GDestroyNotify) gst_gemini_live_text_free);
  g_queue_clear_full (&playout->turn_starts, g_free);
}

void
gst_gemini_live_playout_free (GstGeminiLivePlayout * playout)
{
  drop_queued (playout);
  g_object_unref (playout->audio);
  g_mutex_clear (&playout->lock);
  g_free (playout);
}

/* The producer side */

void
gst_gemini_live_playout_begin (GstGeminiLivePlayout * playout)
{
  g_mutex_lock (&playout->lock);
  playout->ended = FALSE;
  playout->turns_played = 0;
  playout->turn_open = FALSE;
  g_mutex_unlock (&playout->lock);
}

void
gst_gemini_live_playout_push_audio (GstGeminiLivePlayout * playout,
    GBytes * pcm, gint64 began_us)
{
  g_mutex_lock (&playout->lock);
  if (!playout->turn_open) {
    /* The turn's first sample: the src reports it when it plays. */
    TurnStart *start = g_new (TurnStart, 1);
    start->position = playout->samples_in;
    start->began_us = began_us;
    g_queue_push_tail (&playout->turn_starts, start);
    playout->turn_open = TRUE;
  }
  gst_adapter_push (playout->audio, gst_buffer_new_wrapped_bytes (pcm));
  playout->samples_in += g_bytes_get_size (pcm) / 2;
  /* An idle src plays it now, not at the end of its silence. */
  if (playout->idle_wait != NULL)
    gst_clock_id_unschedule (playout->idle_wait);
  g_mutex_unlock (&playout->lock);
}

void
gst_gemini_live_playout_push_text (GstGeminiLivePlayout * playout,
    const gchar * text)
{
  GstGeminiLiveText *item = g_new (GstGeminiLiveText, 1);

  item->text = g_strdup (text);
  g_mutex_lock (&playout->lock);
  /* It names the audio that follows it: due when that audio plays. */
  item->position = playout->samples_in;
  g_queue_push_tail (&playout->texts, item);
  g_mutex_unlock (&playout->lock);
}

void
gst_gemini_live_playout_end_turn (GstGeminiLivePlayout * playout,
    gboolean played)
{
  g_mutex_lock (&playout->lock);
  if (played)
    playout->turns_played++;
  playout->turn_open = FALSE;
  g_mutex_unlock (&playout->lock);
}

guint64
gst_gemini_live_playout_clear (GstGeminiLivePlayout * playout)
{
  guint64 dropped;

  g_mutex_lock (&playout->lock);
  dropped = gst_adapter_available (playout->audio) / 2;
  drop_queued (playout);
  playout->turn_open = FALSE;
  playout->epoch++;
  g_mutex_unlock (&playout->lock);
  return dropped;
}

void
gst_gemini_live_playout_end (GstGeminiLivePlayout * playout, gboolean drop)
{
  g_mutex_lock (&playout->lock);
  playout->ended = TRUE;
  if (drop)
    drop_queued (playout);
  g_mutex_unlock (&playout->lock);
}

/* The consumer side */

/* Takes up to @size samples of audio, and what is due within them; with
 * the lock held. */
static void
take (GstGeminiLivePlayout * playout, guint size, GstGeminiLivePeriod * period)
{
  gsize available = gst_adapter_available (playout->audio) / 2;
  guint64 taken = MIN (available, size);
  guint64 consumed_before = playout->samples_in - available;

  period->audio = gst_adapter_take_buffer (playout->audio, taken * 2);
  period->epoch = playout->epoch;
  period->turn_start = FALSE;
  while (!g_queue_is_empty (&playout->turn_starts)) {
    TurnStart *start = g_queue_peek_head (&playout->turn_starts);
    if (start->position >= consumed_before + taken)
      break;
    if (!period->turn_start)
      period->began_us = start->began_us;
    period->turn_start = TRUE;
    g_free (g_queue_pop_head (&playout->turn_starts));
  }
  period->texts = NULL;
  while (!g_queue_is_empty (&playout->texts)) {
    GstGeminiLiveText *text = g_queue_peek_head (&playout->texts);
    if (text->position >= consumed_before + taken)
      break;
    period->texts = g_list_append (period->texts,
        g_queue_pop_head (&playout->texts));
  }
  period->texts_base = consumed_before;
  period->texts_end = g_queue_is_empty (&playout->texts) ?
      playout->samples_in :
      ((GstGeminiLiveText *) g_queue_peek_head (&playout->texts))->position;
}

GstGeminiLivePlayoutNext
gst_gemini_live_playout_next (GstGeminiLivePlayout * playout,
    GstGeminiLivePlayoutWaiter * waiter,
    const GstGeminiLivePlayoutRequest * request, GstGeminiLivePeriod * period)
{
  GstGeminiLivePlayoutNext next = GST_GEMINI_LIVE_PLAYOUT_WAIT;
  guint64 wake = request->due;
  gboolean wakeable = FALSE;

  g_mutex_lock (&playout->lock);
  if (waiter->flushing) {
    next = GST_GEMINI_LIVE_PLAYOUT_FLUSHING;
  } else if (gst_adapter_available (playout->audio) > 0) {
    /* Queued audio leaves as the clock reaches it, or at once after
     * silence. */
    if (request->idle || request->position >= request->due) {
      take (playout, request->period, period);
      next = GST_GEMINI_LIVE_PLAYOUT_AUDIO;
    }
  } else if (playout->ended || (request->num_turns > 0
          && playout->turns_played >= request->num_turns)) {
    next = GST_GEMINI_LIVE_PLAYOUT_EOS;
  } else {
    /* Silence leaves when its period has passed; audio ends the wait. */
    wake = request->due + request->period;
    if (request->position >= wake)
      next = GST_GEMINI_LIVE_PLAYOUT_SILENCE;
    wakeable = TRUE;
  }

  if (next == GST_GEMINI_LIVE_PLAYOUT_WAIT) {
    /* Rounded up: the wait ends once the clock has reached the sample. */
    waiter->wait = gst_clock_new_single_shot_id (request->clock,
        request->origin + gst_util_uint64_scale_ceil (wake, GST_SECOND,
            GST_GEMINI_LIVE_RATE));
    if (wakeable)
      playout->idle_wait = waiter->wait;
  }
  g_mutex_unlock (&playout->lock);
  return next;
}

void
gst_gemini_live_playout_wait (GstGeminiLivePlayout * playout,
    GstGeminiLivePlayoutWaiter * waiter)
{
  /* Only this thread writes waiter->wait; unlock() reads it locked. */
  GstClockID id = waiter->wait;

  gst_clock_id_wait (id, NULL);

  g_mutex_lock (&playout->lock);
  waiter->wait = NULL;
  if (playout->idle_wait == id)
    playout->idle_wait = NULL;
  g_mutex_unlock (&playout->lock);
  gst_clock_id_unref (id);
}

void
gst_gemini_live_playout_set_flushing (GstGeminiLivePlayout * playout,
    GstGeminiLivePlayoutWaiter * waiter, gboolean flushing)
{
  g_mutex_lock (&playout->lock);
  waiter->flushing = flushing;
  if (flushing && waiter->wait != NULL)
    gst_clock_id_unschedule (waiter->wait);
  g_mutex_unlock (&playout->lock);
}

gboolean
gst_gemini_live_playout_is_stale (GstGeminiLivePlayout * playout, guint epoch)
{
  gboolean stale;

  g_mutex_lock (&playout->lock);
  stale = playout->epoch != epoch;
  g_mutex_unlock (&playout->lock);
  return stale;
}
