/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Adds the signals' arguments and the bus messages' fields, by name and
 * meaning, to @klass's metadata (shown by gst-inspect-1.0). */
void gst_gemini_live_docs_add_metadata (GstElementClass * klass);

G_END_DECLS
