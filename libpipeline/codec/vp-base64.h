/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Strict base64 (vp-base64.c).  Internal to the codec, not installed. */

#pragma once

#include <glib.h>

/* Standard or URL-safe alphabet, padding optional, ASCII whitespace
 * skipped; anything else is an error (g_base64_decode() would silently
 * skip it). */
gboolean vp_base64_valid (const gchar * text, gsize length);
GBytes *vp_base64_decode (const gchar * text, gsize length);
void vp_base64_append (GString * out, const guint8 * data, gsize length);
