/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Bytes to a json-glib tree under the protocol's limits (vp-json-scan.c).
 * Internal to the codec, not installed.  C only, so no G_BEGIN_DECLS. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

typedef enum
{
  VP_JSON_SCAN_OK,
  VP_JSON_SCAN_NOT_OBJECT,
  VP_JSON_SCAN_TOO_DEEP,
  VP_JSON_SCAN_TRAILING,
  VP_JSON_SCAN_BAD_STRING,
  VP_JSON_SCAN_SYNTAX,
} VpJsonScan;

/* Checks that @data is one JSON object, nothing else, at most @max_depth
 * deep; @error_offset: (out) (optional): where it went wrong. */
VpJsonScan vp_json_scan (const gchar * data, gsize length, guint max_depth,
    gsize * error_offset);

/* The object in @data, or NULL and a VP_PROTOCOL_ERROR: size, depth,
 * UTF-8 and syntax are checked before json-glib sees the bytes. */
JsonNode *vp_json_parse_object (const gchar * data, gsize length,
    GError ** error);
