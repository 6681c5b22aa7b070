/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The service's clocks on a connection (internal). */

#pragma once

#include "vp-emu-private.h"

G_BEGIN_DECLS

/* A session that sent video is capped at this (PROTOCOL.md §5). */
#define VP_EMU_VIDEO_SESSION_LIMIT 120

/* The connection lifetime and its goAway notice, from the open. */
G_GNUC_INTERNAL void vp_emu_limits_start (Conn * c);
/* (Re)arms the session limit: after setup, and when video first comes. */
G_GNUC_INTERNAL void vp_emu_limits_schedule_session (Conn * c);
G_GNUC_INTERNAL void vp_emu_limits_stop (Conn * c);

G_END_DECLS
