/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Server -> client messages, as the service writes them (the emulator's
 * side): proto3 JSON, camelCase, default values left out, Durations as
 * "50s", token counts (int32) as numbers.  The audio frame, the emulator's
 * hot path, is formatted directly, without a JSON tree. */

#include "config.h"

#include "vp-protocol.h"
#include "vp-json-scan.h"
#include "vp-json-write.h"
#include "vp-base64.h"

#include <string.h>

gchar *
vp_server_build_setup_complete (void)
{
  return g_strdup ("{\"setupComplete\":{}}");
}

gchar *
vp_server_build_audio (const guint8 * pcm, gsize n_bytes, guint rate,
    const gchar * output_transcription)
{
  GString *out;

  g_return_val_if_fail (pcm != NULL || n_bytes == 0, NULL);

  /* Hot path for the emulator: formatted directly, no JSON tree. */
  out = g_string_sized_new (n_bytes / 3 * 4 + 160);
  g_string_append_printf (out, "{\"serverContent\":{\"modelTurn\":{\"parts\":"
      "[{\"inlineData\":{\"mimeType\":\"audio/pcm;rate=%u\",\"data\":\"",
      rate > 0 ? rate : 24000);
  vp_base64_append (out, pcm, n_bytes);
  g_string_append (out, "\"}}]}");
  if (output_transcription != NULL && *output_transcription != '\0') {
    g_string_append (out, ",\"outputTranscription\":{\"text\":");
    vp_json_append_string (out, output_transcription);
    g_string_append_c (out, '}');
  }
  g_string_append (out, "}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_server_build_text (const gchar * text)
{
  GString *out = g_string_new ("{\"serverContent\":{\"modelTurn\":"
      "{\"parts\":[{\"text\":");

  vp_json_append_string (out, text);
  g_string_append (out, "}]}}}");

  return g_string_free (out, FALSE);
}

static gchar *
build_transcription (const gchar * member, const gchar * text,
    gboolean finished)
{
  GString *out = g_string_new ("{\"serverContent\":{");

  g_string_append_printf (out, "\"%s\":{", member);
  /* proto3 JSON leaves out the empty string and false. */
  if (text != NULL && *text != '\0') {
    g_string_append (out, "\"text\":");
    vp_json_append_string (out, text);
  }
  if (finished)
    g_string_append (out, text != NULL && *text != '\0' ?
        ",\"finished\":true" : "\"finished\":true");
  g_string_append (out, "}}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_server_build_input_transcription (const gchar * text, gboolean finished)
{
  return build_transcription ("inputTranscription", text, finished);
}

gchar *
vp_server_build_output_transcription (const gchar * text, gboolean finished)
{
  return build_transcription ("outputTranscription", text, finished);
}

gchar *
vp_server_build_generation_complete (void)
{
  return g_strdup ("{\"serverContent\":{\"generationComplete\":true}}");
}

static void
append_count (GString * out, const gchar * name, gint64 count)
{
  if (count <= 0)
    return;
  if (out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
  g_string_append_printf (out, "\"%s\":%" G_GINT64_FORMAT, name, count);
}

static void
append_details (GString * out, const gchar * name, gint64 text,
    gint64 audio, gint64 image, gint64 video)
{
  const gchar *modalities[] = { "TEXT", "AUDIO", "IMAGE", "VIDEO" };
  gint64 counts[] = { text, audio, image, video };
  gboolean first = TRUE;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (counts); i++) {
    if (counts[i] <= 0)
      continue;
    if (first) {
      if (out->str[out->len - 1] != '{')
        g_string_append_c (out, ',');
      g_string_append_printf (out, "\"%s\":[", name);
    } else {
      g_string_append_c (out, ',');
    }
    first = FALSE;
    g_string_append_printf (out, "{\"modality\":\"%s\",\"tokenCount\":%"
        G_GINT64_FORMAT "}", modalities[i], counts[i]);
  }
  if (!first)
    g_string_append_c (out, ']');
}

gchar *
vp_server_build_turn_complete (const VpUsageMetadata * usage)
{
  GString *out = g_string_new ("{\"serverContent\":{\"turnComplete\":true}");

  /* Token counts are int32 in the proto, so JSON numbers; zeros are
   * left out like every proto3 default. */
  if (usage != NULL) {
    g_string_append (out, ",\"usageMetadata\":{");
    append_count (out, "promptTokenCount", usage->prompt_tokens);
    append_count (out, "cachedContentTokenCount", usage->cached_tokens);
    append_count (out, "responseTokenCount", usage->response_tokens);
    append_count (out, "toolUsePromptTokenCount",
        usage->tool_use_prompt_tokens);
    append_count (out, "thoughtsTokenCount", usage->thoughts_tokens);
    append_count (out, "totalTokenCount", usage->total_tokens);
    append_details (out, "promptTokensDetails", usage->prompt_text_tokens,
        usage->prompt_audio_tokens, usage->prompt_image_tokens,
        usage->prompt_video_tokens);
    append_details (out, "responseTokensDetails",
        usage->response_text_tokens, usage->response_audio_tokens, 0, 0);
    g_string_append_c (out, '}');
  }
  g_string_append_c (out, '}');

  return g_string_free (out, FALSE);
}

gchar *
vp_server_build_interrupted (void)
{
  return g_strdup ("{\"serverContent\":{\"interrupted\":true}}");
}

gchar *
vp_server_build_tool_call (const VpFunctionCall * calls, guint n_calls)
{
  GString *out;
  guint i;

  g_return_val_if_fail (calls != NULL || n_calls == 0, NULL);

  out = g_string_new ("{\"toolCall\":{\"functionCalls\":[");
  for (i = 0; i < n_calls; i++) {
    const VpFunctionCall *call = &calls[i];
    g_autoptr (JsonNode) args = NULL;

    if (i > 0)
      g_string_append_c (out, ',');
    g_string_append_c (out, '{');
    if (call->id != NULL) {
      g_string_append (out, "\"id\":");
      vp_json_append_string (out, call->id);
      g_string_append_c (out, ',');
    }
    if (call->name != NULL) {
      g_string_append (out, "\"name\":");
      vp_json_append_string (out, call->name);
      g_string_append_c (out, ',');
    }

    /* Re-serialised so a bad args_json cannot break the frame. */
    if (call->args_json != NULL) {
      g_autoptr (GError) error = NULL;

      args = vp_json_parse_object (call->args_json, strlen (call->args_json),
          &error);
      if (args == NULL)
        g_warning ("Tool call %s: args are not a JSON object (%s); sending {}",
            call->name != NULL ? call->name : "(unnamed)", error->message);
    }
    g_string_append (out, "\"args\":");
    if (args != NULL)
      vp_json_append_node (out, args);
    else
      g_string_append (out, "{}");
    g_string_append_c (out, '}');
  }
  g_string_append (out, "]}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_server_build_tool_call_cancellation (const gchar * const *ids)
{
  GString *out = g_string_new ("{\"toolCallCancellation\":{");
  guint i;

  if (ids != NULL && ids[0] != NULL) {
    g_string_append (out, "\"ids\":[");
    for (i = 0; ids[i] != NULL; i++) {
      if (i > 0)
        g_string_append_c (out, ',');
      vp_json_append_string (out, ids[i]);
    }
    g_string_append_c (out, ']');
  }
  g_string_append (out, "}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_server_build_go_away (gint64 time_left_ms)
{
  gint64 ms = MAX (time_left_ms, 0);

  /* proto3 Duration: whole seconds as "50s", else 3 fractional digits. */
  if (ms % 1000 == 0)
    return g_strdup_printf ("{\"goAway\":{\"timeLeft\":\"%" G_GINT64_FORMAT
        "s\"}}", ms / 1000);
  return g_strdup_printf ("{\"goAway\":{\"timeLeft\":\"%" G_GINT64_FORMAT
      ".%03ds\"}}", ms / 1000, (gint) (ms % 1000));
}

gchar *
vp_server_build_resumption_update (const gchar * handle, gboolean resumable)
{
  GString *out = g_string_new ("{\"sessionResumptionUpdate\":{");

  if (handle != NULL && *handle != '\0') {
    g_string_append (out, "\"newHandle\":");
    vp_json_append_string (out, handle);
  }
  if (resumable)
    g_string_append (out, handle != NULL && *handle != '\0' ?
        ",\"resumable\":true" : "\"resumable\":true");
  g_string_append (out, "}}");

  return g_string_free (out, FALSE);
}
