/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Reading values out of a json-glib tree the proto3 JSON way
 * (vp-json-read.c).  Internal to the codec, not installed. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

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

/* TRUE when @node is a value of @type (G_TYPE_STRING, G_TYPE_BOOLEAN…).
 * Inline: the client parser asks it of every member. */
static inline gboolean
vp_json_node_holds_type (JsonNode * node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == type;
}
