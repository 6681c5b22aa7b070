/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The signals that geminilivesink and the geminilive bin both have: the
 * event signals and the action signals. */

#pragma once

#include <gst/gst.h>

#include "gstgeminiliveshared.h"

G_BEGIN_DECLS

/* Finds the shared state behind @element (reffed), or NULL when it is
 * not started. */
typedef GstGeminiLiveShared *(*GstGeminiLiveSharedLookup) (GstElement *
    element);

/* The "update" action's work: applies @settings (nullable) to the running
 * session of @element; FALSE with @error saying why not. */
typedef gboolean (*GstGeminiLiveUpdate) (GstElement * element,
    const GstStructure * settings, GError ** error);

/* Installs the signals on @klass; its action signals find the session
 * with @lookup and hand "update" to @update. */
void gst_gemini_live_install_signals (GstElementClass * klass,
    GstGeminiLiveSharedLookup lookup, GstGeminiLiveUpdate update);

G_END_DECLS
