/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gst/gst.h>
#include "gstgeminiliveshared.h"

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (geminilivesink);
GST_ELEMENT_REGISTER_DECLARE (geminilivesrc);
GST_ELEMENT_REGISTER_DECLARE (geminilive);

void gst_gemini_live_element_init (GstPlugin * plugin);

/* Finds the shared state behind @element (reffed), or NULL when it is
 * not started. */
typedef GstGeminiLiveShared *(*GstGeminiLiveSharedLookup) (GstElement *
    element);

/* Installs the event signals and the action signals that geminilivesink
 * and the geminilive bin both have. */
void gst_gemini_live_install_signals (GstElementClass * klass,
    GstGeminiLiveSharedLookup lookup);

/* geminilivesink */
void gst_gemini_live_sink_set_event_target (GstElement * sink,
    GstElement * target);
void gst_gemini_live_sink_set_last_latency (GstElement * sink,
    gdouble latency_ms);
GstGeminiLiveShared *gst_gemini_live_sink_ref_shared (GstElement * sink);
gboolean gst_gemini_live_sink_update (GstElement * sink,
    const GstStructure * settings, GError ** error);

G_END_DECLS
