/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The playout queue: the model's audio waiting to be played, between the
 * session's network thread, which appends to it (and clears it on
 * barge-in) through the shared state, and geminilivesrc, which takes it a
 * period at a time.  With the audio it holds what is due with it (output
 * transcription, turn starts), the barge-in epoch, the turns played to
 * completion, the end of the stream, and the clock waits of the srcs that
 * play it.  Nothing else touches these. */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* What the queue holds: S16LE mono at the service's rate. */
#define GST_GEMINI_LIVE_RATE 24000

typedef struct _GstGeminiLivePlayout GstGeminiLivePlayout;

/* Output transcription due when sample @position leaves the src. */
typedef struct
{
  guint64 position;
  gchar *text;
} GstGeminiLiveText;

void gst_gemini_live_text_free (GstGeminiLiveText * text);

/* One src's clock waits.  The src keeps it; only the functions below
 * touch it, under the queue's lock. */
typedef struct
{
  gboolean flushing;            /* unlock() was called */
  GstClockID wait;              /* create()'s wait, or NULL; written
                                 * only by the src's streaming thread */
} GstGeminiLivePlayoutWaiter;

/* A waiter neither flushing nor waiting, for start(). */
#define GST_GEMINI_LIVE_PLAYOUT_WAITER_INIT { FALSE, NULL }

/* Where the src is, for _next() to decide: sample @due leaves next, the
 * clock is at sample @position, and sample i is due at clock time
 * @origin + i / GST_GEMINI_LIVE_RATE. */
typedef struct
{
  guint period;                 /* samples per buffer at most */
  guint num_turns;              /* EOS after this many turns; 0: never */
  gboolean idle;                /* the last buffer out was silence: queued
                                 * audio may leave at once */
  guint64 due;
  guint64 position;
  GstClock *clock;
  GstClockTime origin;
} GstGeminiLivePlayoutRequest;

/* One period of model audio taken by the src, with what is due in it. */
typedef struct
{
  GstBuffer *audio;             /* the src takes it */
  guint epoch;                  /* for gst_gemini_live_playout_is_stale() */
  gboolean turn_start;          /* a turn's first sample is in @audio */
  gint64 began_us;              /* with @turn_start: when the user's turn
                                 * before it ended, or 0 */
  GList *texts;                 /* GstGeminiLiveText due within @audio */
  guint64 texts_base;           /* model samples played before @audio */
  guint64 texts_end;            /* where the last of @texts ends */
} GstGeminiLivePeriod;

/* Frees the texts (and the audio, if still there); @period is empty. */
void gst_gemini_live_period_clear (GstGeminiLivePeriod * period);

typedef enum
{
  GST_GEMINI_LIVE_PLAYOUT_AUDIO,        /* the period is filled */
  GST_GEMINI_LIVE_PLAYOUT_SILENCE,      /* nothing queued, silence is due */
  GST_GEMINI_LIVE_PLAYOUT_WAIT, /* a wait is armed: call _wait() */
  GST_GEMINI_LIVE_PLAYOUT_EOS,  /* the stream is over and drained */
  GST_GEMINI_LIVE_PLAYOUT_FLUSHING,
} GstGeminiLivePlayoutNext;

GstGeminiLivePlayout *gst_gemini_live_playout_new (void);
void gst_gemini_live_playout_free (GstGeminiLivePlayout * playout);

/* The producer side, from the shared state. */

/* A new session plays into the queue: no turn played, not ended. */
void gst_gemini_live_playout_begin (GstGeminiLivePlayout * playout);
/* Queues @pcm (24 kHz); the first audio of a turn starts it, with
 * @began_us (when the user's turn ended, or 0).  Wakes an idle src. */
void gst_gemini_live_playout_push_audio (GstGeminiLivePlayout * playout,
    GBytes * pcm, gint64 began_us);
/* Output transcription of the audio that follows it. */
void gst_gemini_live_playout_push_text (GstGeminiLivePlayout * playout,
    const gchar * text);
/* The model's turn is over (the next audio starts another); @played: it
 * counts for num-turns (it was not interrupted). */
void gst_gemini_live_playout_end_turn (GstGeminiLivePlayout * playout,
    gboolean played);
/* Barge-in: drops every queued sample and what is due with them at once;
 * audio a src took before must not leave.  Returns the samples dropped. */
guint64 gst_gemini_live_playout_clear (GstGeminiLivePlayout * playout);
/* No more audio comes: the srcs end once they have played what is queued
 * or, with @drop, at once. */
void gst_gemini_live_playout_end (GstGeminiLivePlayout * playout,
    gboolean drop);

/* The consumer side, from geminilivesrc's streaming thread. */

/* Decides what @waiter's src outputs next and, for AUDIO, fills @period.
 * For WAIT it armed a wait on @request's clock, ended early by model
 * audio when nothing is queued, and by _set_flushing(). */
GstGeminiLivePlayoutNext gst_gemini_live_playout_next (GstGeminiLivePlayout *
    playout, GstGeminiLivePlayoutWaiter * waiter,
    const GstGeminiLivePlayoutRequest * request,
    GstGeminiLivePeriod * period);
/* Waits out the wait _next() armed.  Holds nothing meanwhile. */
void gst_gemini_live_playout_wait (GstGeminiLivePlayout * playout,
    GstGeminiLivePlayoutWaiter * waiter);
/* unlock()/unlock_stop(): ends @waiter's wait, and _next() says FLUSHING
 * until it is unset. */
void gst_gemini_live_playout_set_flushing (GstGeminiLivePlayout * playout,
    GstGeminiLivePlayoutWaiter * waiter, gboolean flushing);
/* Whether a barge-in came since the period of @epoch was taken. */
gboolean gst_gemini_live_playout_is_stale (GstGeminiLivePlayout * playout,
    guint epoch);

G_END_DECLS
