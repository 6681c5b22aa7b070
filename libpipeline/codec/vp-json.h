/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Internal JSON helpers shared by the codec files (not installed).
 * Pure: no I/O, no global state.  C only, so no G_BEGIN_DECLS. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Parsing with the protocol's limits (size, depth, UTF-8). */
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
JsonNode *vp_json_parse_object (const gchar * data, gsize length,
    GError ** error);

/* Names: @camel is the proto3 JSON name ("turnComplete"); the original
 * proto name ("turn_complete") matches too. */
gboolean vp_json_name_matches (const gchar * wire, const gchar * camel);
JsonNode *vp_json_get (JsonObject * object, const gchar * camel);
JsonObject *vp_json_get_object (JsonObject * object, const gchar * camel);
JsonArray *vp_json_get_array (JsonObject * object, const gchar * camel);
const gchar *vp_json_get_string (JsonObject * object, const gchar * camel);
gboolean vp_json_get_true (JsonObject * object, const gchar * camel);
gboolean vp_json_get_int64 (JsonObject * object, const gchar * camel,
    gint64 * value);

/* Numbers: int64 may come as a JSON number or a decimal string. */
gboolean vp_json_node_get_int64 (JsonNode * node, gint64 * value);
gboolean vp_json_parse_int64 (const gchar * text, gint64 * value);

/* Compact serialisation (like JSON.stringify: no spaces, shortest
 * round-trip doubles, members in insertion order). */
void vp_json_append_string (GString * out, const gchar * text);
void vp_json_append_double (GString * out, gdouble value);
void vp_json_append_node (GString * out, JsonNode * node);
gchar *vp_json_to_compact (JsonNode * node);

/* New nodes that take over the caller's reference (json_node_init_object()
 * adds one). */
JsonNode *vp_json_node_take_object (JsonObject * object);
JsonNode *vp_json_node_take_array (JsonArray * array);
JsonNode *vp_json_deep_copy (JsonNode * node);

/* A short printable form of @node for error messages. */
gchar *vp_json_describe (JsonNode * node);

/* Base64: standard or URL-safe alphabet, padding optional, ASCII
 * whitespace skipped; anything else is an error (g_base64_decode() would
 * silently skip it). */
gboolean vp_base64_valid (const gchar * text, gsize length);
GBytes *vp_base64_decode (const gchar * text, gsize length);
void vp_base64_append (GString * out, const guint8 * data, gsize length);
