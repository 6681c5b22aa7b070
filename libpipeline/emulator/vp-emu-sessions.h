/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Sessions, resumption handles and usage (internal). */

#pragma once

#include "vp-emu-private.h"

G_BEGIN_DECLS

/* The tables of sessions and handles, for the emulator's thread. */
G_GNUC_INTERNAL void vp_emu_sessions_init (VpEmulator * emu);
G_GNUC_INTERNAL void vp_emu_sessions_clear (VpEmulator * emu);

/* A new session for @setup; its system instruction and tools count as
 * prompt text. */
G_GNUC_INTERNAL Session *vp_emu_sessions_create (VpEmulator * emu,
    const VpSetupConfig * setup);
/* The session @handle names, for @c to resume; NULL with the close code
 * and reason when it cannot be resumed. */
G_GNUC_INTERNAL Session *vp_emu_sessions_resume (Conn * c,
    const gchar * handle, gushort * code, const gchar ** reason);
/* @c no longer holds its session; its handles start to expire. */
G_GNUC_INTERNAL void vp_emu_session_release (Conn * c);

/* Sends sessionResumptionUpdate (when the client asked for resumption),
 * with a new handle when @resumable. */
G_GNUC_INTERNAL void vp_emu_sessions_send_update (Conn * c,
    gboolean resumable);

/* The session's cumulative usageMetadata. */
G_GNUC_INTERNAL void vp_emu_session_usage (Session * s, VpUsageMetadata * u);

G_END_DECLS
