/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Prometheus text exposition format 0.0.4: counters end in _total, the
 * turn latency is a histogram in seconds with cumulative buckets. */

#include "config.h"

#include "vp-metrics.h"

/* Voice-to-voice latency buckets, in seconds. */
static const gdouble latency_buckets[] = {
  0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0,
};

#define N_BUCKETS G_N_ELEMENTS (latency_buckets)

struct _VpMetrics
{
  guint64 calls_total;
  guint64 calls_failed;
  guint64 refused[6];           /* by reason, see refusal_reasons */
  guint64 turns;
  guint64 latency_counts[N_BUCKETS];
  guint64 latency_count;
  gdouble latency_sum;
  guint64 tool_calls;
  guint64 interruptions;
  gdouble ended_cost_usd;
};

static const struct
{
  guint status;
  const gchar *reason;
} refusal_reasons[] = {
  {400, "bad-offer"}, {413, "too-large"}, {415, "media-type"},
  {422, "no-audio"}, {503, "busy"}, {0, "other"},
};

VpMetrics *
vp_metrics_new (void)
{
  return g_new0 (VpMetrics, 1);
}

void
vp_metrics_free (VpMetrics * metrics)
{
  g_free (metrics);
}

void
vp_metrics_call_started (VpMetrics * metrics)
{
  metrics->calls_total++;
}

void
vp_metrics_call_ended (VpMetrics * metrics, gboolean failed, gdouble cost_usd)
{
  if (failed)
    metrics->calls_failed++;
  metrics->ended_cost_usd += cost_usd;
}

void
vp_metrics_call_refused (VpMetrics * metrics, guint status)
{
  guint i;

  for (i = 0; refusal_reasons[i].status != 0; i++)
    if (refusal_reasons[i].status == status)
      break;
  metrics->refused[i]++;
}

void
vp_metrics_turn (VpMetrics * metrics, gdouble latency_ms)
{
  gdouble seconds = latency_ms / 1000.0;
  guint i;

  metrics->turns++;
  if (latency_ms < 0)
    return;
  for (i = 0; i < N_BUCKETS; i++)
    if (seconds <= latency_buckets[i])
      metrics->latency_counts[i]++;
  metrics->latency_count++;
  metrics->latency_sum += seconds;
}

void
vp_metrics_tool_call (VpMetrics * metrics)
{
  metrics->tool_calls++;
}

void
vp_metrics_interruption (VpMetrics * metrics)
{
  metrics->interruptions++;
}

static void
header (GString * out, const gchar * name, const gchar * type,
    const gchar * help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
      name, type);
}

gchar *
vp_metrics_render (VpMetrics * m, const guint by_state[3],
    gdouble active_cost_usd, gboolean draining)
{
  static const gchar *states[] = { "ringing", "talking", "ending" };
  GString *out = g_string_new (NULL);
  gchar number[G_ASCII_DTOSTR_BUF_SIZE];
  guint i;

  header (out, "voxpipe_calls_active", "gauge",
      "Calls in progress, whatever their state.");
  g_string_append_printf (out, "voxpipe_calls_active %u\n",
      by_state[0] + by_state[1] + by_state[2]);
  header (out, "voxpipe_calls", "gauge", "Calls in progress, by state.");
  for (i = 0; i < G_N_ELEMENTS (states); i++)
    g_string_append_printf (out, "voxpipe_calls{state=\"%s\"} %u\n",
        states[i], by_state[i]);
  header (out, "voxpipe_calls_total", "counter", "Calls accepted.");
  g_string_append_printf (out, "voxpipe_calls_total %" G_GUINT64_FORMAT "\n",
      m->calls_total);
  header (out, "voxpipe_calls_failed_total", "counter",
      "Calls that ended on an error.");
  g_string_append_printf (out, "voxpipe_calls_failed_total %"
      G_GUINT64_FORMAT "\n", m->calls_failed);
  header (out, "voxpipe_calls_refused_total", "counter",
      "Offers refused, by reason.");
  for (i = 0; i < G_N_ELEMENTS (refusal_reasons); i++)
    g_string_append_printf (out, "voxpipe_calls_refused_total{reason=\"%s\"} %"
        G_GUINT64_FORMAT "\n", refusal_reasons[i].reason, m->refused[i]);
  header (out, "voxpipe_draining", "gauge",
      "1 while the gateway drains (SIGTERM): no new calls.");
  g_string_append_printf (out, "voxpipe_draining %d\n", draining ? 1 : 0);

  header (out, "voxpipe_turns_total", "counter", "Agent turns started.");
  g_string_append_printf (out, "voxpipe_turns_total %" G_GUINT64_FORMAT "\n",
      m->turns);
  header (out, "voxpipe_turn_latency_seconds", "histogram",
      "Voice-to-voice latency: end of the caller's speech to the agent's "
      "first sample.");
  for (i = 0; i < N_BUCKETS; i++)
    g_string_append_printf (out,
        "voxpipe_turn_latency_seconds_bucket{le=\"%s\"} %" G_GUINT64_FORMAT
        "\n", g_ascii_dtostr (number, sizeof number, latency_buckets[i]),
        m->latency_counts[i]);
  g_string_append_printf (out,
      "voxpipe_turn_latency_seconds_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT
      "\n", m->latency_count);
  g_string_append_printf (out, "voxpipe_turn_latency_seconds_sum %s\n",
      g_ascii_dtostr (number, sizeof number, m->latency_sum));
  g_string_append_printf (out, "voxpipe_turn_latency_seconds_count %"
      G_GUINT64_FORMAT "\n", m->latency_count);

  header (out, "voxpipe_tool_calls_total", "counter", "Tool calls made.");
  g_string_append_printf (out, "voxpipe_tool_calls_total %" G_GUINT64_FORMAT
      "\n", m->tool_calls);
  header (out, "voxpipe_interruptions_total", "counter",
      "Times a caller barged in.");
  g_string_append_printf (out, "voxpipe_interruptions_total %"
      G_GUINT64_FORMAT "\n", m->interruptions);
  header (out, "voxpipe_cost_usd_total", "counter",
      "Model cost of every call so far, in US dollars.");
  g_string_append_printf (out, "voxpipe_cost_usd_total %s\n",
      g_ascii_dtostr (number, sizeof number,
          m->ended_cost_usd + active_cost_usd));
  return g_string_free (out, FALSE);
}
