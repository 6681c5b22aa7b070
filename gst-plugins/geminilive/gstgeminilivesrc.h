/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* geminilivesrc, the model's side of a session (gstgeminilivesrc.c). */

#pragma once

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_GEMINI_LIVE_SRC (gst_gemini_live_src_get_type ())
G_DECLARE_FINAL_TYPE (GstGeminiLiveSrc, gst_gemini_live_src, GST,
    GEMINI_LIVE_SRC, GstPushSrc)

G_END_DECLS
