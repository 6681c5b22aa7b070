/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fault injection (internal; vp_emulator_inject_fault()). */

#pragma once

#include "vp-emu-private.h"

G_BEGIN_DECLS

/* Arms a fault (replacing the armed one); any thread. */
G_GNUC_INTERNAL void vp_emu_faults_arm (VpEmulator * emu,
    VpEmulatorFault kind, guint after, gushort code, const gchar * reason,
    gint64 argument);
G_GNUC_INTERNAL void vp_emu_faults_clear (VpEmulator * emu);

/* Fires the armed fault when @c reached its trigger point: at the open
 * and after each message sent. */
G_GNUC_INTERNAL void vp_emu_faults_check (Conn * c);
/* At setup: takes a no-setup-complete fault and silences @c.  Returns
 * TRUE when it did. */
G_GNUC_INTERNAL gboolean vp_emu_faults_at_setup (Conn * c);
G_GNUC_INTERNAL void vp_emu_faults_stop (Conn * c);

G_END_DECLS
