/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Runs declared tool handlers (internal to libvoxpipe). */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>
#include "vp-tools.h"

G_BEGIN_DECLS

/* Runs @tool's handler on the thread-default context.  @tool must outlive
 * the call.  Cancelling @cancellable stops it (an exec process is killed,
 * an HTTP request aborted) and the result is a G_IO_ERROR_CANCELLED error. */
void vp_tool_run_async (const VpTool * tool, const gchar * args_json,
    SoupSession * soup, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data);

/* Returns: (transfer full): the response ({"output": …} or {"error": …}:
 * failures and timeouts are answers too), or NULL with @error when
 * cancelled. */
JsonNode *vp_tool_run_finish (GAsyncResult * result, GError ** error);

G_END_DECLS
