/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Connections (internal). */

#pragma once

#include "vp-emu-private.h"

G_BEGIN_DECLS

/* A connection on the upgraded WebSocket @ws, read through @gate.
 * @socket: (nullable): the TCP socket, for drops; @auth_ok: FALSE closes
 * 1007 at once, like the service. */
G_GNUC_INTERNAL void vp_emu_conn_open (VpEmulator * emu,
    SoupWebsocketConnection * ws, VpEmuGateStream * gate, GSocket * socket,
    const gchar * path, const gchar * api_version, gboolean auth_ok);

/* vp_emulator_stop(): closes every connection 1001 (drops stalled ones). */
G_GNUC_INTERNAL void vp_emu_conns_close_all (VpEmulator * emu);
G_GNUC_INTERNAL gboolean vp_emu_conns_all_closed (VpEmulator * emu);
/* The thread ends: whatever is still open goes now. */
G_GNUC_INTERNAL void vp_emu_conns_free_all (VpEmulator * emu);

G_END_DECLS
