/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The codec's JSON writer (vp-json-write.c).  Internal to the codec, not
 * installed. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Compact serialisation (like JSON.stringify: no spaces, shortest
 * round-trip doubles, members in insertion order). */
void vp_json_append_string (GString * out, const gchar * text);
void vp_json_append_double (GString * out, gdouble value);
void vp_json_append_node (GString * out, JsonNode * node);
gchar *vp_json_to_compact (JsonNode * node);

/* A short printable form of @node for error messages. */
gchar *vp_json_describe (JsonNode * node);
