/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A call's events as JSON, one object per event, for the page's data
 * channel and the gateway's log (schema: docs/calls.md). */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

gchar *vp_call_event_from_structure (const GstStructure * s);
gchar *vp_call_event_call (const gchar * id, const gchar * state,
    const gchar * reason);

G_END_DECLS
