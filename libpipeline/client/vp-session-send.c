/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* What the session is to send, from any thread: into the send queue, and
 * the network thread's writer (the session's flush, handed in at init)
 * invoked when the queue asks for it.  The public calls and the tool
 * answers both come through here. */

#include "config.h"

#include "vp-session-private.h"
#include "vp-error.h"

#define signals vp_live_session_signals

static gboolean
warn_dropped_audio (gpointer data)
{
  VpLiveSession *self = data;
  g_autoptr (GError) warning = g_error_new (VP_ERROR, VP_ERROR_NETWORK,
      "More than %d s of audio waited for a connection; the oldest audio "
      "was dropped.", MAX_PENDING_AUDIO_MS / 1000);

  g_signal_emit (self, signals[SIGNAL_WARNING], 0, warning);
  return G_SOURCE_REMOVE;
}

/* Takes @item.  Any thread.  One lock per message on the per-frame path:
 * queue it and decide the flush together. */
void
vp_live_session_enqueue (VpLiveSession * self, VpOutgoing * item)
{
  VpSendQueueResult result = VP_SEND_QUEUE_PUSHED;
  gboolean warn = FALSE, closed;

  g_mutex_lock (&self->lock);
  closed = self->state == VP_SESSION_STATE_CLOSED || self->close_requested;
  if (!closed) {
    result = vp_send_queue_push (&self->queue, g_steal_pointer (&item));
    if (result & VP_SEND_QUEUE_DROPPED_AUDIO) {
      warn = !self->dropped_audio_warned;
      self->dropped_audio_warned = TRUE;
    }
  }
  g_mutex_unlock (&self->lock);

  if (closed) {
    vp_outgoing_free (item);
    return;
  }
  if (warn)
    vp_net_thread_invoke (self->net, warn_dropped_audio, g_object_ref (self),
        g_object_unref);
  if (result & VP_SEND_QUEUE_SCHEDULE_FLUSH)
    vp_net_thread_invoke (self->net, self->flush,
        g_object_ref (self), g_object_unref);
}
