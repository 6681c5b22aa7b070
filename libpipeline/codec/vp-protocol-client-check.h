/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Step 1 of vp_client_message_parse() (vp-protocol-client-check.c).
 * Internal to the codec, not installed. */

#pragma once

#include "vp-protocol.h"

/* Checks @message (a client message, as parsed) against the proto's
 * fields and returns a normalised copy of the one member it sets (setup,
 * realtimeInput…), whose kind goes to @type: camelCase names only,
 * UPPERCASE enum names, numbers as numbers, strings shared with @message.
 * NULL and a VP_PROTOCOL_ERROR worded like the service's otherwise. */
JsonObject *vp_protocol_client_check (JsonObject * message,
    VpClientMessageType * type, GError ** error);
