/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The front door: listening, TLS and the WebSocket upgrade (internal). */

#pragma once

#include "vp-emu-private.h"

G_BEGIN_DECLS

/* On the emulator's thread: the server, and the socket listening on
 * @host:@port.  Returns the bound port, or 0 with @error set (then
 * vp_emu_server_free() still has to run). */
G_GNUC_INTERNAL guint vp_emu_server_open (VpEmulator * emu,
    const gchar * host, guint port, GError ** error);
/* vp_emulator_stop(): no new connections or requests. */
G_GNUC_INTERNAL void vp_emu_server_stop (VpEmulator * emu);
G_GNUC_INTERNAL void vp_emu_server_free (VpEmulator * emu);

G_END_DECLS
