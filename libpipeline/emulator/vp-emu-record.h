/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The record of what clients sent (internal; vp_emulator_get_record()). */

#pragma once

#include "vp-emu-private.h"

G_BEGIN_DECLS

/* Adds @c's entry to the record and counts the connection. */
G_GNUC_INTERNAL void vp_emu_record_open (Conn * c);
/* Keeps a client message as it arrived (only its size past the limit). */
G_GNUC_INTERNAL void vp_emu_record_message (Conn * c, const gchar * data,
    gsize length);
G_GNUC_INTERNAL void vp_emu_record_add_int (Conn * c, const gchar * key,
    gint64 delta);
G_GNUC_INTERNAL void vp_emu_record_setup (Conn * c, const gchar * session,
    gboolean resumed, const gchar * model);
/* @reason: NULL for none; @by: "server" or "client" */
G_GNUC_INTERNAL void vp_emu_record_closed (Conn * c, gint code,
    const gchar * reason, const gchar * by);

/* The whole record as JSON; any thread. */
G_GNUC_INTERNAL gchar *vp_emu_record_to_json (VpEmulator * emu);
G_GNUC_INTERNAL guint vp_emu_record_n_connections (VpEmulator * emu);

G_END_DECLS
