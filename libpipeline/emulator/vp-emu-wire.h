/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The low wire layer of a connection (internal). */

#pragma once

#include "vp-emu-private.h"

G_BEGIN_DECLS

G_GNUC_INTERNAL gboolean vp_emu_wire_is_open (Conn * c);
/* Sends a server message (a binary frame unless a fault asked for text)
 * and counts it; takes @json.  Nothing goes out once the connection
 * closes, stalls or was silenced. */
G_GNUC_INTERNAL void vp_emu_wire_send (Conn * c, gchar * json);
/* Sends bytes as they are, neither counted nor traced (faults). */
G_GNUC_INTERNAL void vp_emu_wire_send_raw (Conn * c, const gchar * data,
    gsize length);
/* The next message goes as a text frame. */
G_GNUC_INTERNAL void vp_emu_wire_next_as_text (Conn * c);
/* From now on nothing is sent (the socket stays open). */
G_GNUC_INTERNAL void vp_emu_wire_silence (Conn * c);

/* Closes with @code and @reason (cut to 123 bytes).  Once only. */
G_GNUC_INTERNAL void vp_emu_wire_close (Conn * c, gushort code,
    const gchar * reason);
/* Ends the TCP connection without a close frame. */
G_GNUC_INTERNAL void vp_emu_wire_drop (Conn * c);
/* Stops reading and sending, and the work above, with the socket open. */
G_GNUC_INTERNAL void vp_emu_wire_stall (Conn * c);
/* Shuts the socket at once (the emulator's thread is ending). */
G_GNUC_INTERNAL void vp_emu_wire_abort (Conn * c);

G_END_DECLS
