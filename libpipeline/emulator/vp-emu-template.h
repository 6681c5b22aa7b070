/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The scenario's templates, filled from tool results (docs/emulator.md). */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Fills "{{path}}" and "{{path|default}}" placeholders.  The first path
 * segment is a tool name (its latest response object in @results) or
 * "input" (the user's text).  Returns a new string. */
G_GNUC_INTERNAL
    gchar * vp_emu_template_render (const gchar * template,
    JsonObject * results, const gchar * input);
/* Renders every string in @args; a string that is exactly one placeholder
 * takes the value's JSON type.  Returns a new node. */
G_GNUC_INTERNAL
    JsonNode * vp_emu_template_render_args (JsonNode * args,
    JsonObject * results, const gchar * input);

/* A tool's response as templates read it (a new node): a string member
 * that holds a JSON object or array ({"output": "<json text>"}, as
 * LiveKit's plugin sends) is that JSON. */
G_GNUC_INTERNAL JsonNode *vp_emu_template_read_result (JsonNode * response);

G_END_DECLS
