/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The plugin's elements, for plugin_init, and the once-only init each of
 * them runs when it is registered. */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (geminilivesink);
GST_ELEMENT_REGISTER_DECLARE (geminilivesrc);
GST_ELEMENT_REGISTER_DECLARE (geminilive);

void gst_gemini_live_element_init (GstPlugin * plugin);

G_END_DECLS
