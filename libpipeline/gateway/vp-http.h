/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The gateway's HTTP server on SoupServer: the call page, the WHIP-shaped
 * endpoint (POST /calls, DELETE /calls/<id>), /healthz and /metrics. */

#pragma once

#include "vp-gateway.h"

G_BEGIN_DECLS

typedef struct _VpHttp VpHttp;

VpHttp *vp_http_new (VpGateway * gateway, const gchar * host, guint port,
    const gchar * tls_cert, const gchar * tls_key, GError ** error);
gchar *vp_http_dup_url (VpHttp * http);
void vp_http_free (VpHttp * http);

G_END_DECLS
