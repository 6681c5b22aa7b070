/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The WebRTC transport of one call: webrtcbin in the call's pipeline, the
 * offer/answer (non-trickle), Opus both ways, the events' data channel. */

#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include "vp-web-offer.h"

G_BEGIN_DECLS

typedef struct _VpWebTransport VpWebTransport;

typedef struct
{
  const gchar *stun_server;     /* stun://host:port, or NULL */
  const gchar *turn_server;     /* turn(s)://user:pass@host:port, or NULL */
  const gchar *local_address;   /* gather only on this address; NULL: all */
  gboolean loopback_only;       /* drop remote candidates off loopback */
  guint opus_complexity;        /* opusenc's 0-10 for the agent's voice */
} VpWebTransportConfig;

/* On the context given to vp_web_transport_new(). */
typedef void (*VpWebTransportAnswerFunc) (const gchar * answer_sdp,
    const GError * error, gpointer user_data);
/* "connected", "failed", "closed", "channel-closed", "peer-silent" */
typedef void (*VpWebTransportStateFunc) (const gchar * state,
    gpointer user_data);

VpWebTransport *vp_web_transport_new (GstBin * pipeline, GstElement * mic,
    GstElement * speaker, const VpWebOffer * offer,
    const VpWebTransportConfig * config, GMainContext * context,
    VpWebTransportStateFunc state_func, gpointer user_data, GError ** error);
void vp_web_transport_answer (VpWebTransport * transport,
    GstSDPMessage * offer, VpWebTransportAnswerFunc func, gpointer user_data);
void vp_web_transport_send (VpWebTransport * transport, const gchar * json);
gint64 vp_web_transport_last_packet_us (VpWebTransport * transport);
GstElement *vp_web_transport_caller_tap (VpWebTransport * transport);
GstElement *vp_web_transport_agent_tap (VpWebTransport * transport);
void vp_web_transport_flush (VpWebTransport * transport, guint timeout_ms);
void vp_web_transport_close (VpWebTransport * transport);
void vp_web_transport_unref (VpWebTransport * transport);

G_END_DECLS
