/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The cost meter.  Prices are USD per million tokens, from the model
 * table (vp-models.c). */

#include "config.h"

#include "vp-usage.h"
#include "vp-models.h"

#include <string.h>

/* Audio token rates the service bills (DESIGN.md §6). */
#define AUDIO_IN_TOKENS_PER_SECOND 32.0
#define AUDIO_OUT_TOKENS_PER_SECOND 25.0

const VpPrice *
vp_price_lookup (const gchar * model)
{
  return &vp_model_rules (model)->price;
}

gdouble
vp_usage_cost_usd (const VpUsageMetadata * usage, const VpPrice * price)
{
  /* Tokens without a modality breakdown are billed as text. */
  gint64 in_other = MAX (0, usage->prompt_tokens - usage->prompt_audio_tokens
      - usage->prompt_image_tokens - usage->prompt_video_tokens
      - usage->prompt_text_tokens);
  gint64 out_other = MAX (0, usage->response_tokens
      - usage->response_audio_tokens - usage->response_text_tokens);
  gdouble usd = 0;

  usd += (usage->prompt_text_tokens + in_other) * price->text_in;
  usd += usage->prompt_audio_tokens * price->audio_in;
  usd += (usage->prompt_image_tokens + usage->prompt_video_tokens)
      * price->image_in;
  usd += (usage->response_text_tokens + out_other) * price->text_out;
  usd += usage->response_audio_tokens * price->audio_out;
  /* Thinking is billed as text output. */
  usd += usage->thoughts_tokens * price->text_out;
  return usd / 1e6;
}

G_DEFINE_BOXED_TYPE (VpUsage, vp_usage, vp_usage_copy, vp_usage_free);

VpUsage *
vp_usage_copy (const VpUsage * usage)
{
  return g_memdup2 (usage, sizeof (VpUsage));
}

void
vp_usage_free (VpUsage * usage)
{
  g_free (usage);
}

static void
subtract (VpUsageMetadata * out, const VpUsageMetadata * a,
    const VpUsageMetadata * b)
{
  /* A report lower than the previous one means the counter restarted
   * (a new connection without our knowledge): count it whole. */
  gboolean restarted = a->total_tokens < b->total_tokens;
#define DIFF(f) out->f = restarted ? a->f : MAX (0, a->f - b->f)
  DIFF (prompt_tokens);
  DIFF (response_tokens);
  DIFF (total_tokens);
  DIFF (thoughts_tokens);
  DIFF (tool_use_prompt_tokens);
  DIFF (cached_tokens);
  DIFF (prompt_text_tokens);
  DIFF (prompt_audio_tokens);
  DIFF (prompt_image_tokens);
  DIFF (prompt_video_tokens);
  DIFF (response_text_tokens);
  DIFF (response_audio_tokens);
#undef DIFF
}

void
vp_usage_add_report (VpUsage * total, VpUsageMetadata * last_report,
    const VpUsageMetadata * report, const VpPrice * price)
{
  VpUsageMetadata delta;

  subtract (&delta, report, last_report);
  *last_report = *report;

  total->input_tokens += delta.prompt_tokens;
  total->output_tokens += delta.response_tokens;
  total->input_audio_tokens += delta.prompt_audio_tokens;
  total->output_audio_tokens += delta.response_audio_tokens;
  total->input_text_tokens += delta.prompt_text_tokens;
  total->output_text_tokens += delta.response_text_tokens;
  total->thoughts_tokens += delta.thoughts_tokens;
  total->input_video_tokens += delta.prompt_video_tokens
      + delta.prompt_image_tokens;
  total->input_audio_seconds =
      total->input_audio_tokens / AUDIO_IN_TOKENS_PER_SECOND;
  total->output_audio_seconds =
      total->output_audio_tokens / AUDIO_OUT_TOKENS_PER_SECOND;
  total->cost_usd += vp_usage_cost_usd (&delta, price);
}
