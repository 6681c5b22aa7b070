/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Making and copying json-glib nodes (vp-json-node.c).  Internal to the
 * codec, not installed. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* New nodes that take over the caller's reference (json_node_init_object()
 * adds one). */
JsonNode *vp_json_node_take_object (JsonObject * object);
JsonNode *vp_json_node_take_array (JsonArray * array);

/* A copy that shares nothing with @node (json_node_copy() shares values). */
JsonNode *vp_json_deep_copy (JsonNode * node);
