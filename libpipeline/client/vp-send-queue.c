/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The send queue: items in, batches out, the oldest audio dropped beyond
 * the budget.  Callers hold their lock around every call (see the
 * header); nothing here blocks, calls out or allocates beyond the item's
 * link. */

#include "config.h"

#include "vp-send-queue.h"

VpOutgoing *
vp_outgoing_new (gchar * json, guint64 audio_us, gboolean wants_reply)
{
  VpOutgoing *item = g_new0 (VpOutgoing, 1);

  item->json = json;
  item->audio_us = audio_us;
  item->wants_reply = wants_reply;
  return item;
}

void
vp_outgoing_free (VpOutgoing * item)
{
  g_free (item->json);
  g_free (item->tool_id);
  g_free (item->tool_name);
  g_free (item->tool_response);
  g_free (item);
}

void
vp_send_queue_init (VpSendQueue * queue, guint64 max_audio_us)
{
  g_queue_init (&queue->items);
  queue->audio_us = 0;
  queue->max_audio_us = max_audio_us;
  queue->flush_scheduled = FALSE;
}

void
vp_send_queue_clear (VpSendQueue * queue)
{
  g_queue_clear_full (&queue->items, (GDestroyNotify) vp_outgoing_free);
  queue->audio_us = 0;
}

/* Only audio may be dropped: a lost text or tool response would change
 * the conversation. */
static gboolean
drop_oldest_audio (VpSendQueue * queue)
{
  GList *l;

  for (l = queue->items.head; l != NULL; l = l->next) {
    VpOutgoing *old = l->data;

    if (old->audio_us > 0) {
      queue->audio_us -= old->audio_us;
      vp_outgoing_free (old);
      g_queue_delete_link (&queue->items, l);
      return TRUE;
    }
  }
  return FALSE;
}

VpSendQueueResult
vp_send_queue_push (VpSendQueue * queue, VpOutgoing * item)
{
  VpSendQueueResult result = VP_SEND_QUEUE_PUSHED;

  if (vp_send_queue_want_flush (queue))
    result |= VP_SEND_QUEUE_SCHEDULE_FLUSH;
  g_queue_push_tail (&queue->items, item);
  queue->audio_us += item->audio_us;
  while (queue->audio_us > queue->max_audio_us && drop_oldest_audio (queue))
    result |= VP_SEND_QUEUE_DROPPED_AUDIO;
  return result;
}

gboolean
vp_send_queue_want_flush (VpSendQueue * queue)
{
  gboolean schedule = !queue->flush_scheduled;

  queue->flush_scheduled = TRUE;
  return schedule;
}

void
vp_send_queue_take (VpSendQueue * queue, GQueue * batch)
{
  queue->flush_scheduled = FALSE;
  if (batch == NULL)
    return;
  *batch = queue->items;
  g_queue_init (&queue->items);
  queue->audio_us = 0;
}
