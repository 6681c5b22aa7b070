/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The model's turn on a connection (internal). */

#pragma once

#include "vp-emu-private.h"

G_BEGIN_DECLS

G_GNUC_INTERNAL void vp_emu_turn_init (Conn * c);
/* Ends the model's turn where it is: no timer left, nothing sent. */
G_GNUC_INTERNAL void vp_emu_turn_reset (Conn * c);
/* Frees the turn's state (the connection goes). */
G_GNUC_INTERNAL void vp_emu_turn_clear (Conn * c);

/* Start of user activity: speech (VAD), activityStart or text.  Barges
 * in on the model's turn, unless NO_INTERRUPTION and not @force. */
G_GNUC_INTERNAL void vp_emu_turn_user_activity (Conn * c, gboolean force);
/* End of the user's turn (@text NULL for audio): respond, or queue when
 * the model is still on its own turn (NO_INTERRUPTION). */
G_GNUC_INTERNAL void vp_emu_turn_user_end (Conn * c, const gchar * text,
    gboolean audio);
/* The client's VpFunctionResponses: the pending calls they answer, and
 * the rest of the turn once none is left. */
G_GNUC_INTERNAL void vp_emu_turn_tool_responses (Conn * c,
    GPtrArray * responses);

G_END_DECLS
