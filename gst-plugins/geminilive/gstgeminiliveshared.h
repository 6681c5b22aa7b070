/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* What geminilivesink and geminilivesrc share through their "session"
 * name, like interaudiosink/src share a surface: the VpLiveSession (and,
 * for endpoint=local, the emulator it talks to), the playout queue of
 * model audio, and the turn bookkeeping.  The sink claims the name and
 * opens the session; the src attaches to play it.  Events from the service
 * become element signals and geminilive/<event> messages on the owner's
 * event target. */

#pragma once

#include <gst/gst.h>
#include <voxpipe.h>

#include "gstgeminiliveplayout.h"

G_BEGIN_DECLS

typedef struct _GstGeminiLiveShared GstGeminiLiveShared;

/* Once, before any other call: registers the debug category. */
void gst_gemini_live_shared_init (void);

/* The shared state of @name, created on first use; release each. */
GstGeminiLiveShared *gst_gemini_live_shared_acquire (const gchar * name);
/* Another reference to @shared. */
GstGeminiLiveShared *gst_gemini_live_shared_ref (GstGeminiLiveShared *
    shared);
void gst_gemini_live_shared_release (GstGeminiLiveShared * shared);

/* The model's audio waiting to be played; lives as long as @shared. */
GstGeminiLivePlayout *gst_gemini_live_shared_get_playout (GstGeminiLiveShared
    * shared);

/* Makes @owner the configuring element of the name: FALSE when another
 * element has it.  gst_gemini_live_shared_close() gives it up. */
gboolean gst_gemini_live_shared_claim (GstGeminiLiveShared * shared,
    GstElement * owner);
/* Connects the signals of @session, configured by the owner: @target
 * receives signals and messages (the owner itself, or the geminilive bin
 * around it).  The endpoint "local" is resolved here: @session is pointed
 * at the process's emulator of @scenario (nullable), started if needed
 * (gstgeminilivelocal.h).  Returns FALSE with @error (in
 * GST_RESOURCE_ERROR) when the emulator cannot start; the claim is given
 * up then. */
gboolean gst_gemini_live_shared_open (GstGeminiLiveShared * shared,
    GstElement * target, VpLiveSession * session, const gchar * scenario,
    GError ** error);
/* Detaches the owner and closes the session.  Returns at once. */
void gst_gemini_live_shared_close (GstGeminiLiveShared * shared);

/* The open session, reffed, or NULL. */
VpLiveSession *gst_gemini_live_shared_ref_session (GstGeminiLiveShared *
    shared);

/* The user's turn ended at @when_us (last speech sample, or text sent):
 * the voice-to-voice clock starts. */
void gst_gemini_live_shared_mark_turn_end (GstGeminiLiveShared * shared,
    gint64 when_us);
/* Whether the user and the model have both been silent for
 * @idle_seconds (and no tool runs); when TRUE the silence clock restarts. */
gboolean gst_gemini_live_shared_idle_due (GstGeminiLiveShared * shared,
    gint64 now_us, guint idle_seconds);
/* Called by the src when the first model sample of a turn leaves it;
 * @began_us from its GstGeminiLivePeriod. */
void gst_gemini_live_shared_report_first_sample (GstGeminiLiveShared *
    shared, gint64 began_us, gint64 when_us);
/* The voice-to-voice latency of the open session's last turn; FALSE when
 * no turn started yet. */
gboolean gst_gemini_live_shared_get_last_latency (GstGeminiLiveShared *
    shared, gdouble * latency_ms);

/* The src played the conversation out (num-turns, end-call, the session
 * closed): the sink then ends its stream too (GST_FLOW_EOS upstream). */
void gst_gemini_live_shared_end_conversation (GstGeminiLiveShared * shared);
gboolean gst_gemini_live_shared_is_over (GstGeminiLiveShared * shared);

/* Posts @structure (owned) as an element message of the event target. */
void gst_gemini_live_shared_post (GstGeminiLiveShared * shared,
    GstStructure * structure);

G_END_DECLS
