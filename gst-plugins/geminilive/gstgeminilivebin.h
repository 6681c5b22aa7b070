/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* geminilive, both sides of a session in one bin (gstgeminilivebin.c). */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_GEMINI_LIVE_BIN (gst_gemini_live_bin_get_type ())
G_DECLARE_FINAL_TYPE (GstGeminiLiveBin, gst_gemini_live_bin, GST,
    GEMINI_LIVE_BIN, GstBin)

G_END_DECLS
