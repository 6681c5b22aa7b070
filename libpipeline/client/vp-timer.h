/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A one-shot timer that is re-armed often (internal): the session's
 * connect/response timer, moved by every server message. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VpTimer VpTimer;

/* A disarmed timer on @context that runs @func (@data) when it fires;
 * @func returns G_SOURCE_CONTINUE: the timer lasts until freed. */
VpTimer *vp_timer_new (GMainContext * context, const gchar * name,
    GSourceFunc func, gpointer data);
/* Fires once, @ms from now; 0 disarms.  On the thread of its context. */
void vp_timer_arm (VpTimer * timer, guint ms);
void vp_timer_free (VpTimer * timer);

G_END_DECLS
