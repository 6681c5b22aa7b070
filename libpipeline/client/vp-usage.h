/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Cost from usage metadata (DESIGN.md §7).  The service reports usage
 * cumulatively, so the meter keeps the latest totals per connection and
 * never adds a report twice. */

#pragma once

#include <glib-object.h>
#include "vp-protocol.h"

G_BEGIN_DECLS

/* USD per million tokens, by direction and modality. */
typedef struct {
  const gchar *model;
  gdouble text_in;
  gdouble audio_in;
  gdouble image_in;
  gdouble text_out;
  gdouble audio_out;
} VpPrice;

/**
 * vp_price_lookup:
 * @model: (nullable): a model name ("models/" prefix optional)
 *
 * Unknown models get 3.8 Live's prices (the model table's rules).
 *
 * Returns: (transfer none): the price of @model, static
 */
const VpPrice *vp_price_lookup (const gchar * model);

/**
 * vp_usage_cost_usd: (method)
 * @usage: usage totals, as the service reports them
 * @price: the price table
 *
 * The cost of @usage at @price.  A method of #VpUsageMetadata in
 * bindings (UsageMetadata.usage_cost_usd()), so that it hides no field of
 * #VpUsage (cost_usd).
 *
 * Returns: the cost in USD
 */
gdouble vp_usage_cost_usd (const VpUsageMetadata * usage,
    const VpPrice * price);

#define VP_TYPE_USAGE (vp_usage_get_type ())

/**
 * VpUsage:
 *
 * Session totals, across every connection of the session.
 * @thoughts_tokens counts thinking (billed as text output);
 * @input_video_tokens the video frames and images read.
 */
typedef struct {
  gint64 input_tokens;
  gint64 output_tokens;
  gint64 input_audio_tokens;
  gint64 output_audio_tokens;
  gint64 input_text_tokens;
  gint64 output_text_tokens;
  gdouble input_audio_seconds;
  gdouble output_audio_seconds;
  gdouble cost_usd;
  gint64 thoughts_tokens;
  gint64 input_video_tokens;
} VpUsage;

GType vp_usage_get_type (void);
VpUsage *vp_usage_copy (const VpUsage * usage);
void vp_usage_free (VpUsage * usage);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VpUsage, vp_usage_free)

/* Folds one cumulative report into @total.  @last_report holds the
 * previous report of the session and is updated; it is kept across
 * connections, and a report lower than it means the count restarted. */
void vp_usage_add_report (VpUsage * total, VpUsageMetadata * last_report,
    const VpUsageMetadata * report, const VpPrice * price);

G_END_DECLS
