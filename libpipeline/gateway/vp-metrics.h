/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The gateway's figures, and their Prometheus text exposition.  Used on
 * the gateway's main context only: no lock. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VpMetrics VpMetrics;

VpMetrics *vp_metrics_new (void);
void vp_metrics_free (VpMetrics * metrics);

void vp_metrics_call_started (VpMetrics * metrics);
void vp_metrics_call_ended (VpMetrics * metrics, gboolean failed,
    gdouble cost_usd);
void vp_metrics_call_refused (VpMetrics * metrics, guint status);
void vp_metrics_turn (VpMetrics * metrics, gdouble latency_ms);
void vp_metrics_tool_call (VpMetrics * metrics);
void vp_metrics_interruption (VpMetrics * metrics);

/* @by_state: calls ringing, talking, ending. */
gchar *vp_metrics_render (VpMetrics * metrics, const guint by_state[3],
    gdouble active_cost_usd, gboolean draining);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VpMetrics, vp_metrics_free);

G_END_DECLS
