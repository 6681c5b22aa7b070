/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* --record: a call as Ogg/Opus, stereo, the caller left, the agent right. */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _VpCallRecorder VpCallRecorder;

VpCallRecorder *vp_call_recorder_new (GstBin * bin, GstElement * caller_tap,
    GstElement * agent_tap, const gchar * path, GError ** error);
gboolean vp_call_recorder_finish (VpCallRecorder * recorder,
    guint timeout_ms);
void vp_call_recorder_free (VpCallRecorder * recorder);

G_END_DECLS
