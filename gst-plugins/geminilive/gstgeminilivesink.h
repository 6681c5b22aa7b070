/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* geminilivesink, the user's side of a session (gstgeminilivesink.c), and
 * what the geminilive bin calls on the sink it wraps. */

#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasesink.h>

#include "gstgeminiliveshared.h"

G_BEGIN_DECLS

#define GST_TYPE_GEMINI_LIVE_SINK (gst_gemini_live_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstGeminiLiveSink, gst_gemini_live_sink, GST,
    GEMINI_LIVE_SINK, GstBaseSink)

/* For the geminilive bin, which wraps a geminilivesink: */

/* Signals and messages go to @target (the bin) instead of the sink. */
void gst_gemini_live_sink_set_event_target (GstElement * sink,
    GstElement * target);
/* The shared state of the started sink, reffed, or NULL. */
GstGeminiLiveShared *gst_gemini_live_sink_ref_shared (GstElement * sink);
/* The "update" action: @settings (nullable) on top of the configuration,
 * sent to the running session. */
gboolean gst_gemini_live_sink_update (GstElement * sink,
    const GstStructure * settings, GError ** error);

G_END_DECLS
