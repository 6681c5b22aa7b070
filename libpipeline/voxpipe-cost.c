/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* voxpipe cost: estimates a workload from the model table's prices and the
 * token rates the meter uses, or sums a usage log of recorded calls (one
 * JSON object a line, written by `voxpipe --usage-log`).  The same price
 * table and the same formula as the meter (vp-usage.c), so the figures
 * agree with what the elements report. */

#include "config.h"

#include "voxpipe-cost.h"

#include <voxpipe.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2

/* The meter's rates (vp-usage.c) and the service's per frame (§4). */
#define AUDIO_IN_TOKENS_PER_SECOND 32.0
#define AUDIO_OUT_TOKENS_PER_SECOND 25.0
#define VIDEO_TOKENS_PER_FRAME 258.0

/* The usage fields a log line keeps, as the usage message names them. */
static const gchar *const fields[] = {
  "input-tokens", "output-tokens", "input-audio-tokens", "output-audio-tokens",
  "input-text-tokens", "output-text-tokens", "input-video-tokens",
  "thoughts-tokens", NULL
};

gboolean
vp_cost_log_call (const gchar * path, const gchar * model,
    const GstStructure * usage, GError ** error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *stamp = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  FILE *out;
  guint i;

  stamp = g_date_time_format_iso8601 (now);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, stamp);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, model);
  for (i = 0; fields[i] != NULL; i++) {
    gint64 value = 0;

    if (usage != NULL)
      gst_structure_get_int64 (usage, fields[i], &value);
    json_builder_set_member_name (b, fields[i]);
    json_builder_add_int_value (b, value);
  }
  {
    gdouble in_s = 0, out_s = 0, cost = 0;

    if (usage != NULL) {
      gst_structure_get_double (usage, "input-audio-seconds", &in_s);
      gst_structure_get_double (usage, "output-audio-seconds", &out_s);
      gst_structure_get_double (usage, "cost-usd", &cost);
    }
    json_builder_set_member_name (b, "input-audio-seconds");
    json_builder_add_double_value (b, in_s);
    json_builder_set_member_name (b, "output-audio-seconds");
    json_builder_add_double_value (b, out_s);
    json_builder_set_member_name (b, "cost-usd");
    json_builder_add_double_value (b, cost);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  line = json_to_string (root, FALSE);

  out = fopen (path, "a");
  if (out == NULL) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "Cannot append to the usage log %s: %s. Give a writable file.", path,
        g_strerror (errno));
    return FALSE;
  }
  fprintf (out, "%s\n", line);
  fclose (out);
  return TRUE;
}

static gboolean
load_price (const gchar * model, const gchar * price_file, VpPrice * price)
{
  g_autoptr (GError) error = NULL;

  if (price_file == NULL) {
    *price = *vp_price_lookup (model);
    return TRUE;
  }
  if (vp_prices_load (price_file, model, price, &error))
    return TRUE;
  fprintf (stderr, "voxpipe cost: %s\n", error->message);
  return FALSE;
}

static void
print_prices (const gchar * model, const VpPrice * price, gboolean own)
{
  const VpModel *row = vp_model_lookup (model);

  printf ("model %s%s: USD per million tokens: text in %.2f, audio in %.2f, "
      "image/video in %.2f, text out %.2f, audio out %.2f%s\n", model,
      row == NULL ? " (not in the model table: 3.8's prices)" : "",
      price->text_in, price->audio_in, price->image_in, price->text_out,
      price->audio_out, own ? " (price file)" :
      (vp_model_rules (model)->audio_price_confirmed ? "" :
          "; the audio and image rates are not confirmed by Google"));
}

static gint64
member_int (JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_int (n) : 0;
}

/* The meter's formula on a call's totals. */
static gdouble
call_cost (JsonObject * o, const VpPrice * price)
{
  VpUsageMetadata u = { 0, };

  u.prompt_tokens = member_int (o, "input-tokens");
  u.response_tokens = member_int (o, "output-tokens");
  u.prompt_audio_tokens = member_int (o, "input-audio-tokens");
  u.prompt_text_tokens = member_int (o, "input-text-tokens");
  u.prompt_video_tokens = member_int (o, "input-video-tokens");
  u.response_audio_tokens = member_int (o, "output-audio-tokens");
  u.response_text_tokens = member_int (o, "output-text-tokens");
  u.thoughts_tokens = member_int (o, "thoughts-tokens");
  return vp_usage_cost_usd (&u, price);
}

static int
sum_log (const gchar * path, const gchar * price_file)
{
  g_autofree gchar *text = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  gdouble total = 0, metered = 0, seconds = 0;
  guint i, calls = 0;

  if (!g_file_get_contents (path, &text, NULL, &error)) {
    fprintf (stderr, "voxpipe cost: cannot read the usage log: %s. Write "
        "one with voxpipe --usage-log FILE.\n", error->message);
    return EXIT_FAILURE;
  }
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    g_autoptr (JsonNode) node = NULL;
    JsonObject *o;
    const gchar *model;
    VpPrice price;
    gdouble cost;

    if (*g_strstrip (lines[i]) == '\0')
      continue;
    node = json_from_string (lines[i], NULL);
    if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
      fprintf (stderr, "voxpipe cost: %s:%u is not a JSON object: a usage "
          "log has one call a line, as voxpipe --usage-log writes it.\n",
          path, i + 1);
      return EXIT_FAILURE;
    }
    o = json_node_get_object (node);
    model = json_object_get_string_member_with_default (o, "model",
        VP_DEFAULT_MODEL);
    if (!load_price (model, price_file, &price))
      return EXIT_FAILURE;
    cost = call_cost (o, &price);
    calls++;
    total += cost;
    metered += json_object_get_double_member_with_default (o, "cost-usd", 0);
    seconds += MAX (json_object_get_double_member_with_default (o,
            "input-audio-seconds", 0), 0);
    printf ("call %u: %s, %" G_GINT64_FORMAT " tokens in (%" G_GINT64_FORMAT
        " audio, %" G_GINT64_FORMAT " video), %" G_GINT64_FORMAT
        " out (%" G_GINT64_FORMAT " audio, %" G_GINT64_FORMAT " thinking): "
        "$%.6f\n", calls, model, member_int (o, "input-tokens"),
        member_int (o, "input-audio-tokens"), member_int (o,
            "input-video-tokens"), member_int (o, "output-tokens"),
        member_int (o, "output-audio-tokens"), member_int (o,
            "thoughts-tokens"), cost);
  }
  printf ("calls: %u\n", calls);
  printf ("cost: $%.6f (the meter said $%.6f)\n", total, metered);
  if (calls > 0)
    printf ("per call: $%.6f\n", total / calls);
  return EXIT_SUCCESS;
}

int
vp_cost_main (int argc, char **argv)
{
  g_autofree gchar *from = NULL, *model = NULL, *price_file = NULL;
  gdouble calls_per_day = 100, minutes = 3, user_talk = 0.5, agent_talk = 0.4;
  gint days = 30;
  gboolean video = FALSE, client_vad = FALSE;
  GOptionEntry entries[] = {
    {"from", 0, 0, G_OPTION_ARG_FILENAME, &from,
          "Sum the usage log FILE of recorded calls (voxpipe --usage-log)",
        "FILE"},
    {"model", 'm', 0, G_OPTION_ARG_STRING, &model,
        "The model (default " VP_DEFAULT_MODEL ")", "MODEL"},
    {"price-file", 0, 0, G_OPTION_ARG_FILENAME, &price_file,
        "Your own prices (docs/models.md)", "FILE"},
    {"calls-per-day", 0, 0, G_OPTION_ARG_DOUBLE, &calls_per_day,
        "Calls a day (default 100)", "N"},
    {"minutes", 0, 0, G_OPTION_ARG_DOUBLE, &minutes,
        "Minutes a call (default 3)", "M"},
    {"user-talk", 0, 0, G_OPTION_ARG_DOUBLE, &user_talk,
        "Share of the call the caller talks, 0 to 1 (default 0.5)", "SHARE"},
    {"agent-talk", 0, 0, G_OPTION_ARG_DOUBLE, &agent_talk,
        "Share of the call the agent talks, 0 to 1 (default 0.4)", "SHARE"},
    {"client-vad", 0, 0, G_OPTION_ARG_NONE, &client_vad,
        "Only the caller's speech is sent (vad=client); by default the "
          "microphone streams the whole call and silence is billed", NULL},
    {"video", 0, 0, G_OPTION_ARG_NONE, &video,
        "A camera sends one frame a second", NULL},
    {"days", 0, 0, G_OPTION_ARG_INT, &days,
        "Days in the month (default 30)", "DAYS"},
    {NULL}
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  gdouble call_s, in_s, audio_in, audio_out, video_in, usd_in, usd_out,
      usd_video, per_call;
  VpPrice price;

  g_option_context_set_summary (context, "Estimates what calls cost, from "
      "the same price table and token rates as the meter,\nor sums the "
      "usage of recorded calls (--from).");
  g_option_context_set_description (context, "Examples:\n"
      "  voxpipe cost --calls-per-day 500 --minutes 4\n"
      "  voxpipe -f pipelines/receptionist.pipeline --usage-log calls.jsonl\n"
      "  voxpipe cost --from calls.jsonl");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "voxpipe cost: %s (see voxpipe cost --help)\n",
        error->message);
    return EXIT_USAGE;
  }
  if (from != NULL)
    return sum_log (from, price_file);

  if (calls_per_day < 0 || minutes < 0 || days < 0 || user_talk < 0
      || user_talk > 1 || agent_talk < 0 || agent_talk > 1) {
    fprintf (stderr, "voxpipe cost: the counts must be positive and the "
        "shares between 0 and 1 (see voxpipe cost --help)\n");
    return EXIT_USAGE;
  }
  if (model == NULL)
    model = g_strdup (VP_DEFAULT_MODEL);
  if (!load_price (model, price_file, &price))
    return EXIT_FAILURE;

  call_s = minutes * 60;
  in_s = client_vad ? call_s * user_talk : call_s;
  audio_in = in_s * AUDIO_IN_TOKENS_PER_SECOND;
  audio_out = call_s * agent_talk * AUDIO_OUT_TOKENS_PER_SECOND;
  video_in = video ? call_s * VIDEO_TOKENS_PER_FRAME : 0;
  usd_in = audio_in * price.audio_in / 1e6;
  usd_out = audio_out * price.audio_out / 1e6;
  usd_video = video_in * price.image_in / 1e6;
  per_call = usd_in + usd_out + usd_video;

  print_prices (model, &price, price_file != NULL);
  printf ("audio in: %.0f s x %.0f tokens/s = %.0f tokens x $%.2f/M = "
      "$%.6f%s\n", in_s, AUDIO_IN_TOKENS_PER_SECOND, audio_in,
      price.audio_in, usd_in, client_vad ? " (the caller's speech only)" :
      " (the whole call: silence is billed)");
  printf ("audio out: %.0f s x %.0f tokens/s = %.0f tokens x $%.2f/M = "
      "$%.6f\n", call_s * agent_talk, AUDIO_OUT_TOKENS_PER_SECOND,
      audio_out, price.audio_out, usd_out);
  if (video)
    printf ("video in: %.0f frames x %.0f tokens = %.0f tokens x $%.2f/M = "
        "$%.6f\n", call_s, VIDEO_TOKENS_PER_FRAME, video_in, price.image_in,
        usd_video);
  printf ("per call: $%.6f\n", per_call);
  printf ("per day: %.0f calls x $%.6f = $%.2f\n", calls_per_day, per_call,
      calls_per_day * per_call);
  printf ("per month: %d days x $%.2f = $%.2f\n", days,
      calls_per_day * per_call, days * calls_per_day * per_call);
  printf ("not counted: the text of the system instruction and tools, and "
      "the context the service bills again on every turn (docs/models.md)\n");
  return EXIT_SUCCESS;
}
