/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The send queue of a session (internal): client messages waiting for the
 * network thread, and the audio budget that drops the oldest audio when
 * too much piles up while not connected.  It returns items and says what
 * happened; it never calls back.  It has no lock of its own: its owner
 * holds one around every call, so that queueing a 20 ms frame and
 * deciding its flush cost one lock. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A queued client message. */
typedef struct
{
  gchar *json;
  guint64 audio_us;             /* audio duration, 0 for other messages */
  gboolean wants_reply;         /* the service owes a reply to it */
  /* a tool response: reported by "tool-result" once sent */
  gchar *tool_id;
  gchar *tool_name;
  gchar *tool_response;
} VpOutgoing;

/* Takes @json. */
VpOutgoing *vp_outgoing_new (gchar * json, guint64 audio_us,
    gboolean wants_reply);
void vp_outgoing_free (VpOutgoing * item);

typedef struct
{
  GQueue items;                 /* VpOutgoing, oldest first */
  guint64 audio_us;             /* audio in items, in microseconds */
  guint64 max_audio_us;
  gboolean flush_scheduled;     /* a flush will run: no need for another */
} VpSendQueue;

typedef enum
{
  VP_SEND_QUEUE_PUSHED = 0,
  /* no flush was due: the owner must schedule one */
  VP_SEND_QUEUE_SCHEDULE_FLUSH = 1 << 0,
  /* older audio was dropped to stay within the budget */
  VP_SEND_QUEUE_DROPPED_AUDIO = 1 << 1,
} VpSendQueueResult;

void vp_send_queue_init (VpSendQueue * queue, guint64 max_audio_us);
void vp_send_queue_clear (VpSendQueue * queue);

/* Queues @item (taken); beyond the budget, the oldest audio goes. */
VpSendQueueResult vp_send_queue_push (VpSendQueue * queue, VpOutgoing * item);

/* Marks a flush as due; TRUE when none was, so the caller schedules it. */
gboolean vp_send_queue_want_flush (VpSendQueue * queue);

/* The flush runs: the next push schedules another.  With @batch, every
 * queued item moves to it (the caller sends and frees them). */
void vp_send_queue_take (VpSendQueue * queue, GQueue * batch);

G_END_DECLS
