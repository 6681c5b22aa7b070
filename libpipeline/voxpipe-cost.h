/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* voxpipe cost: the cost calculator, and the per-call usage log it reads. */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* voxpipe cost …; @argv[0] is "cost". */
int vp_cost_main (int argc, char **argv);

/* Appends one call to the usage log @path: @model and the totals of the
 * last geminilive/usage message @usage (NULL: nothing was reported). */
gboolean vp_cost_log_call (const gchar * path, const gchar * model,
    const GstStructure * usage, GError ** error);

G_END_DECLS
