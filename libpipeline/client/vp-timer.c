/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The re-armed timer is one GSource moved with g_source_set_ready_time():
 * it is re-armed by every server message (several a second per session),
 * and making a new timeout source each time cost an allocation and the
 * network context's lock twice. */

#include "config.h"

#include "vp-timer.h"

struct _VpTimer
{
  GSource source;
};

static gboolean
timer_dispatch (GSource * source, GSourceFunc callback, gpointer data)
{
  g_source_set_ready_time (source, -1); /* one-shot until re-armed */
  return callback (data);
}

static GSourceFuncs timer_funcs = { NULL, NULL, timer_dispatch, NULL,
  NULL, NULL
};

VpTimer *
vp_timer_new (GMainContext * context, const gchar * name, GSourceFunc func,
    gpointer data)
{
  GSource *source = g_source_new (&timer_funcs, sizeof (VpTimer));

  g_source_set_callback (source, func, data, NULL);
  g_source_set_static_name (source, name);
  g_source_attach (source, context);
  return (VpTimer *) source;
}

void
vp_timer_arm (VpTimer * timer, guint ms)
{
  g_source_set_ready_time (&timer->source, ms == 0 ? -1 :
      g_get_monotonic_time () + (gint64) ms * 1000);
}

void
vp_timer_free (VpTimer * timer)
{
  g_source_destroy (&timer->source);
  g_source_unref (&timer->source);
}
