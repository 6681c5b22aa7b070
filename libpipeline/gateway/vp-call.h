/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* One call: its own instance of the agent pipeline, with the call's audio
 * bound to ${mic} and ${speaker}; its state, its figures, its bus.  Used
 * on the gateway's main context. */

#pragma once

#include <gst/gst.h>

#include "vp-web-transport.h"

G_BEGIN_DECLS

typedef enum
{
  VP_CALL_RINGING,              /* negotiating */
  VP_CALL_TALKING,              /* connected */
  VP_CALL_ENDING,               /* its pipeline is stopping */
  VP_CALL_ENDED,
} VpCallState;

typedef struct _VpCall VpCall;

typedef struct
{
  /* The answer to the offer, or why there is none (the call then ends). */
  void (*answered) (VpCall * call, const gchar * answer_sdp,
      const GError * error, gpointer user_data);
  /* A geminilive/ event from the call's bus. */
  void (*event) (VpCall * call, const GstStructure * event,
      gpointer user_data);
  /* The call's pipeline is gone. */
  void (*ended) (VpCall * call, gpointer user_data);
} VpCallHooks;

typedef struct
{
  const gchar *description;     /* the agent, ${mic}/${speaker} bound */
  const gchar *record_dir;      /* NULL: no recording */
  guint peer_timeout_s;         /* no packet for that long: the peer is gone */
  guint setup_timeout_s;        /* not connected by then: the call ends */
  VpWebTransportConfig web;
} VpCallConfig;

VpCall *vp_call_new (const gchar * id, const VpCallConfig * config,
    VpWebOffer * offer, const VpCallHooks * hooks, gpointer user_data,
    GError ** error);
void vp_call_hang_up (VpCall * call, const gchar * reason, gboolean failed);
VpCall *vp_call_ref (VpCall * call);
void vp_call_unref (VpCall * call);

const gchar *vp_call_get_id (VpCall * call);
VpCallState vp_call_get_state (VpCall * call);
gboolean vp_call_in_turn (VpCall * call);
gdouble vp_call_get_cost (VpCall * call);
gboolean vp_call_failed (VpCall * call);
const gchar *vp_call_get_end_reason (VpCall * call);

gboolean vp_call_bind_description (const gchar * body, GHashTable * vars,
    gchar ** description, GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VpCall, vp_call_unref);

G_END_DECLS
