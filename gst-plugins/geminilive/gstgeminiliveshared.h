/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* What geminilivesink and geminilivesrc share through their "session"
 * name, like interaudiosink/src share a surface: the VpLiveSession, the
 * model audio waiting to be played, and the turn bookkeeping.  The sink
 * owns the configuration and opens the session; the elements only attach
 * and detach.  Events from the service become element signals and
 * geminilive/<event> messages on the owner's event target. */

#pragma once

#include <gst/gst.h>
#include <gst/base/gstadapter.h>
#include <voxpipe.h>

G_BEGIN_DECLS

#define GST_GEMINI_LIVE_RATE 24000

typedef struct _GstGeminiLiveShared GstGeminiLiveShared;

struct _GstGeminiLiveShared
{
  gchar *name;

  GMutex lock;
  /* Everything below is protected by lock. */
  VpLiveSession *session;
  GstElement *owner;            /* the configuring sink; not reffed */
  GstElement *target;           /* where signals and messages go; not reffed */

  GstAdapter *playout;          /* model audio, S16LE mono 24 kHz */
  guint64 samples_in;           /* total samples ever queued */
  GQueue texts;                 /* GstGeminiLiveText waiting for their audio */
  guint epoch;                  /* bumped by each barge-in: audio the src
                                 * took before it must not leave */
  GstClockID idle_wait;         /* the src's clock wait while it has no
                                 * model audio: news unschedules it */

  gint64 turn_began_us;         /* when the user's turn ended (monotonic) */
  gboolean turn_has_audio;      /* the model's turn has sent audio */
  GQueue turn_starts;           /* GstGeminiLiveTurnStart, not played yet */
  guint turns_complete;
  gboolean turn_interrupted;    /* the coming turnComplete ends an interrupted turn */
  gint64 last_activity_us;      /* either side spoke or a turn ended */
  gboolean model_busy;          /* between the model's first audio and turnComplete */
  guint calls_pending;          /* tool calls not answered yet */
  gboolean was_ready;           /* setupComplete came at least once */
  gboolean conversation_over;   /* end-call or closed: drain, then EOS */
  gboolean end_after_turn;      /* end-call: over when this turn completes */
};

/* A model turn whose first sample, @position, has not left the src yet;
 * @began_us: when the user's turn ended, or 0. */
typedef struct
{
  guint64 position;
  gint64 began_us;
} GstGeminiLiveTurnStart;

/* Output transcription due when sample @position leaves the src. */
typedef struct
{
  guint64 position;
  gchar *text;
} GstGeminiLiveText;

GstGeminiLiveShared *gst_gemini_live_shared_acquire (const gchar * name);
void gst_gemini_live_shared_release (GstGeminiLiveShared * shared);

/* Attaches @owner as the configuring element: connects the session's
 * signals.  @target receives signals and messages (the owner itself, or
 * the geminilive bin around it). */
void gst_gemini_live_shared_open (GstGeminiLiveShared * shared,
    GstElement * owner, GstElement * target, VpLiveSession * session);
/* Detaches the owner and closes the session.  Returns at once. */
void gst_gemini_live_shared_close (GstGeminiLiveShared * shared);

/* The user's turn ended now (last speech sample, or text sent): the
 * voice-to-voice clock starts. */
/* Whether the user and the model have both been silent for
 * @idle_seconds (and no tool runs); when TRUE the silence clock restarts. */
gboolean gst_gemini_live_shared_idle_due (GstGeminiLiveShared * shared,
    gint64 now_us, guint idle_seconds);

void gst_gemini_live_shared_mark_turn_end (GstGeminiLiveShared * shared,
    gint64 when_us);

/* Called by the src when the first model sample of a turn leaves it;
 * @began_us from the turn's GstGeminiLiveTurnStart. */
void gst_gemini_live_shared_report_first_sample (GstGeminiLiveShared *
    shared, gint64 began_us, gint64 when_us);

/* Called with the lock held when model audio arrives or the stream may
 * end: an idle src stops waiting for the end of its silence. */
void gst_gemini_live_shared_wake_player (GstGeminiLiveShared * shared);

/* Posts geminilive/@name with @structure's fields and emits the matching
 * signal is the caller's job; this only posts. */
void gst_gemini_live_shared_post (GstGeminiLiveShared * shared,
    GstStructure * structure);

G_END_DECLS
