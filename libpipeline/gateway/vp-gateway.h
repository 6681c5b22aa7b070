/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* voxpipe serve: the call table, its limit, and the drain on SIGTERM
 * (DESIGN.md §9, docs/calls.md).  Everything runs on the main context. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const gchar *pipeline_file;
  const gchar *const *defines;  /* NAME=VALUE */
  const gchar *host;            /* bind address; loopback by default */
  guint max_calls;
  const gchar *stun_server;
  const gchar *turn_server;
  const gchar *record_dir;
  guint drain_grace_s;
  guint peer_timeout_s;
  guint opus_complexity;        /* 0-10 */
  gsize max_offer_bytes;
} VpGatewayOptions;

typedef struct _VpGateway VpGateway;

VpGateway *vp_gateway_new (const VpGatewayOptions * options, GError ** error);
void vp_gateway_drain (VpGateway * gateway, GSourceFunc done,
    gpointer user_data);
void vp_gateway_free (VpGateway * gateway);

/* For the doors that take calls in (vp-http.c): they depend on the gateway,
 * never the other way round. */
typedef void (*VpGatewayReply) (guint status, const gchar * text,
    const gchar * call_id, gpointer user_data);
void vp_gateway_offer (VpGateway * gateway, const gchar * body, gsize length,
    VpGatewayReply reply, gpointer user_data);
void vp_gateway_forget_reply (VpGateway * gateway, gpointer user_data);
guint vp_gateway_hang_up (VpGateway * gateway, const gchar * id);
void vp_gateway_refused (VpGateway * gateway, guint status,
    const gchar * reason);
gchar *vp_gateway_render_metrics (VpGateway * gateway);
gboolean vp_gateway_is_draining (VpGateway * gateway);
gsize vp_gateway_max_offer_bytes (VpGateway * gateway);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VpGateway, vp_gateway_free);

G_END_DECLS
