/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The one network thread of the process (internal).  Every session's
 * WebSocket lives on its GMainContext, never the application's. */

#pragma once

#include <glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _VpNetThread VpNetThread;

/* Returns the shared thread, starting it on first use. */
VpNetThread *vp_net_thread_ref (void);
/* Stops the thread when the last reference goes. */
void vp_net_thread_unref (VpNetThread * thread);

GMainContext *vp_net_thread_get_context (VpNetThread * thread);
/* The SoupSession of the thread; use it only on the thread. */
SoupSession *vp_net_thread_get_soup_session (VpNetThread * thread);

/* Runs @func on the thread, soon (never inline). */
void vp_net_thread_invoke (VpNetThread * thread, GSourceFunc func,
    gpointer data, GDestroyNotify notify);

G_END_DECLS
