/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* endpoint=local: the in-process emulators, one per scenario file, shared
 * by every session of the process that names that scenario (a gateway's
 * calls, several pipelines of one application).  The client never starts
 * an emulator (it does not link it), so the plugin does, here. */

#pragma once

#include <gst/gst.h>
#include <voxpipe.h>

G_BEGIN_DECLS

/* Points @session at the emulator of @scenario (nullable: the built-in
 * one), starting it if no session uses it yet.  It stops once the last
 * session using it has closed.  FALSE with @error (GST_RESOURCE_ERROR)
 * when it cannot start. */
gboolean gst_gemini_live_local_attach (VpLiveSession * session,
    const gchar * scenario, GError ** error);

G_END_DECLS
