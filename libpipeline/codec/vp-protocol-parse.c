/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Server → client: reads one server frame into a VpServerMessage.
 *
 * Lenient like a client should be: unknown fields are ignored, known
 * fields of the wrong JSON type are skipped, int64 may be a number or a
 * string, and proto3's omitted defaults read as FALSE/0.  Only bytes that
 * are not a JSON object (or break the size and depth limits) are an
 * error.  snake_case names are read too, although the service writes
 * camelCase. */

#include "config.h"

#include "vp-protocol.h"
#include "vp-json-scan.h"
#include "vp-json-read.h"
#include "vp-json-write.h"
#include "vp-base64.h"

#include <string.h>

static gboolean
is_audio_mime (const gchar * mime_type)
{
  /* The Live API sends only audio inline; a missing type is audio too. */
  return mime_type == NULL || g_ascii_strncasecmp (mime_type, "audio/", 6) == 0;
}

static void
parse_model_turn (VpServerMessage * msg, JsonObject * turn)
{
  JsonArray *parts = vp_json_get_array (turn, "parts");
  GString *text_parts = NULL, *thought_parts = NULL;
  gboolean have_rate = FALSE;
  guint i, n;

  if (parts == NULL)
    return;

  n = json_array_get_length (parts);
  for (i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (parts, i);
    JsonObject *part, *inline_data;
    const gchar *text;

    if (!JSON_NODE_HOLDS_OBJECT (node))
      continue;
    part = json_node_get_object (node);

    inline_data = vp_json_get_object (part, "inlineData");
    if (inline_data != NULL) {
      const gchar *mime = vp_json_get_string (inline_data, "mimeType");
      const gchar *data = vp_json_get_string (inline_data, "data");
      GBytes *pcm;

      if (data != NULL && is_audio_mime (mime)
          && (pcm = vp_base64_decode (data, strlen (data))) != NULL) {
        if (g_bytes_get_size (pcm) > 0)
          g_ptr_array_add (msg->audio, pcm);
        else
          g_bytes_unref (pcm);
        if (!have_rate) {
          msg->audio_rate = vp_protocol_pcm_rate_from_mime (mime, 24000);
          have_rate = TRUE;
        }
      }
    }

    /* Joined without a separator, like the SDK's .text getter. */
    text = vp_json_get_string (part, "text");
    if (text != NULL) {
      GString **joined = vp_json_get_true (part, "thought") ?
          &thought_parts : &text_parts;

      if (*joined == NULL)
        *joined = g_string_new (NULL);
      g_string_append (*joined, text);
    }
  }

  if (text_parts != NULL)
    msg->text = g_string_free (text_parts, FALSE);
  if (thought_parts != NULL)
    msg->thought_text = g_string_free (thought_parts, FALSE);
}

static void
parse_transcription (JsonObject * object, gchar ** text, gboolean * finished)
{
  const gchar *t;

  if (object == NULL)
    return;

  t = vp_json_get_string (object, "text");
  if (t != NULL)
    *text = g_strdup (t);
  if (vp_json_get_true (object, "finished"))
    *finished = TRUE;
}

static void
parse_server_content (VpServerMessage * msg, JsonObject * content)
{
  JsonObject *turn = vp_json_get_object (content, "modelTurn");
  JsonNode *grounding;
  const gchar *reason;

  msg->has_server_content = TRUE;

  if (turn != NULL)
    parse_model_turn (msg, turn);

  parse_transcription (vp_json_get_object (content, "inputTranscription"),
      &msg->input_transcription, &msg->input_transcription_finished);
  parse_transcription (vp_json_get_object (content, "outputTranscription"),
      &msg->output_transcription, &msg->output_transcription_finished);

  msg->generation_complete = vp_json_get_true (content, "generationComplete");
  msg->turn_complete = vp_json_get_true (content, "turnComplete");
  msg->interrupted = vp_json_get_true (content, "interrupted");
  msg->waiting_for_input = vp_json_get_true (content, "waitingForInput");

  reason = vp_json_get_string (content, "turnCompleteReason");
  if (reason != NULL)
    msg->turn_complete_reason = g_strdup (reason);

  grounding = vp_json_get (content, "groundingMetadata");
  if (grounding != NULL && JSON_NODE_HOLDS_OBJECT (grounding))
    msg->grounding_metadata_json = vp_json_to_compact (grounding);
}

static gint64
token_count (JsonObject * object, const gchar * name)
{
  gint64 value;

  if (!vp_json_get_int64 (object, name, &value) || value < 0)
    return 0;
  return value;
}

/* promptTokensDetails: [{"modality": "AUDIO", "tokenCount": 131}, …] */
static void
parse_details (JsonArray * details, gint64 * text, gint64 * audio,
    gint64 * image, gint64 * video)
{
  guint i, n;

  if (details == NULL)
    return;

  n = json_array_get_length (details);
  for (i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (details, i);
    JsonObject *entry;
    const gchar *modality;
    gint64 count;

    if (!JSON_NODE_HOLDS_OBJECT (node))
      continue;
    entry = json_node_get_object (node);
    modality = vp_json_get_string (entry, "modality");
    count = token_count (entry, "tokenCount");
    if (modality == NULL)
      continue;

    if (g_ascii_strcasecmp (modality, "TEXT") == 0 && text != NULL)
      *text += count;
    else if (g_ascii_strcasecmp (modality, "AUDIO") == 0 && audio != NULL)
      *audio += count;
    else if (g_ascii_strcasecmp (modality, "IMAGE") == 0 && image != NULL)
      *image += count;
    else if (g_ascii_strcasecmp (modality, "VIDEO") == 0 && video != NULL)
      *video += count;
  }
}

static void
parse_usage (VpServerMessage * msg, JsonObject * usage)
{
  VpUsageMetadata *u = &msg->usage;
  JsonArray *response_details;

  msg->has_usage = TRUE;

  u->prompt_tokens = token_count (usage, "promptTokenCount");
  /* Vertex says candidates where the Gemini API says response. */
  u->response_tokens = vp_json_get (usage, "responseTokenCount") != NULL ?
      token_count (usage, "responseTokenCount") :
      token_count (usage, "candidatesTokenCount");
  u->total_tokens = token_count (usage, "totalTokenCount");
  u->thoughts_tokens = token_count (usage, "thoughtsTokenCount");
  u->tool_use_prompt_tokens = token_count (usage, "toolUsePromptTokenCount");
  u->cached_tokens = token_count (usage, "cachedContentTokenCount");

  parse_details (vp_json_get_array (usage, "promptTokensDetails"),
      &u->prompt_text_tokens, &u->prompt_audio_tokens,
      &u->prompt_image_tokens, &u->prompt_video_tokens);

  response_details = vp_json_get_array (usage, "responseTokensDetails");
  if (response_details == NULL)
    response_details = vp_json_get_array (usage, "candidatesTokensDetails");
  parse_details (response_details, &u->response_text_tokens,
      &u->response_audio_tokens, NULL, NULL);
}

static void
parse_tool_call (VpServerMessage * msg, JsonObject * tool_call)
{
  JsonArray *calls = vp_json_get_array (tool_call, "functionCalls");
  guint i, n;

  msg->function_calls =
      g_ptr_array_new_with_free_func ((GDestroyNotify) vp_function_call_free);
  if (calls == NULL)
    return;

  n = json_array_get_length (calls);
  for (i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (calls, i);
    JsonObject *object;
    JsonNode *args;
    VpFunctionCall *call;

    if (!JSON_NODE_HOLDS_OBJECT (node))
      continue;
    object = json_node_get_object (node);

    call = g_new0 (VpFunctionCall, 1);
    call->id = g_strdup (vp_json_get_string (object, "id"));
    call->name = g_strdup (vp_json_get_string (object, "name"));
    args = vp_json_get (object, "args");
    call->args_json = args != NULL && JSON_NODE_HOLDS_OBJECT (args) ?
        vp_json_to_compact (args) : g_strdup ("{}");
    g_ptr_array_add (msg->function_calls, call);
  }
}

static void
parse_cancellation (VpServerMessage * msg, JsonObject * cancellation)
{
  JsonArray *ids = vp_json_get_array (cancellation, "ids");
  GPtrArray *strv = g_ptr_array_new ();
  guint i, n = ids != NULL ? json_array_get_length (ids) : 0;

  for (i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (ids, i);

    if (JSON_NODE_HOLDS_VALUE (node)
        && json_node_get_value_type (node) == G_TYPE_STRING)
      g_ptr_array_add (strv, g_strdup (json_node_get_string (node)));
  }
  g_ptr_array_add (strv, NULL);
  msg->cancelled_ids = (gchar **) g_ptr_array_free (strv, FALSE);
}

static void
parse_go_away (VpServerMessage * msg, JsonObject * go_away)
{
  JsonNode *time_left = vp_json_get (go_away, "timeLeft");

  msg->go_away = TRUE;
  if (time_left == NULL || !JSON_NODE_HOLDS_VALUE (time_left))
    return;

  if (json_node_get_value_type (time_left) == G_TYPE_STRING) {
    msg->go_away_time_left_ms =
        vp_protocol_parse_duration_ms (json_node_get_string (time_left));
  } else if (json_node_get_value_type (time_left) != G_TYPE_BOOLEAN) {
    /* Not proto3 JSON, but a bare number of seconds is unambiguous. */
    gdouble seconds = json_node_get_double (time_left);

    if (seconds >= 0 && seconds < 1e12)
      msg->go_away_time_left_ms = (gint64) (seconds * 1000);
  }
}

static void
parse_resumption (VpServerMessage * msg, JsonObject * update)
{
  const gchar *handle = vp_json_get_string (update, "newHandle");
  gint64 index;

  msg->has_resumption_update = TRUE;
  /* Omitted (or empty) handle: keep the previous one. */
  if (handle != NULL && *handle != '\0')
    msg->new_handle = g_strdup (handle);
  msg->resumable = vp_json_get_true (update, "resumable");
  if (vp_json_get_int64 (update, "lastConsumedClientMessageIndex", &index)
      && index >= 0)
    msg->last_consumed_client_message_index = index;
}

static void
set_error (VpServerMessage * msg, JsonObject * object)
{
  const gchar *message = vp_json_get_string (object, "message");
  gint64 code;

  msg->has_error = TRUE;
  if (vp_json_get_int64 (object, "code", &code))
    msg->error_code = (gint) CLAMP (code, G_MININT, G_MAXINT);
  if (message == NULL)
    message = vp_json_get_string (object, "status");
  g_free (msg->error_message);
  msg->error_message = g_strdup (message);
}

/**
 * vp_server_message_parse: (skip)
 * @data: the bytes of one text frame from the server (no NUL needed)
 * @length: the number of bytes in @data
 * @error: return location for a #GError, or %NULL
 *
 * Reads one server message leniently, as a client should.  Skipped by
 * introspection: the session parses server messages and applications get
 * its signals (#VpLiveSession).
 *
 * Returns: the message, to free with vp_server_message_free(), or %NULL
 *   and a %VP_PROTOCOL_ERROR when @data is not a JSON object or breaks the
 *   size and depth limits.
 */
VpServerMessage *
vp_server_message_parse (const gchar * data, gsize length, GError ** error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *top, *object;
  JsonNode *node;
  VpServerMessage *msg;
  gboolean known = FALSE;

  root = vp_json_parse_object (data, length, error);
  if (root == NULL)
    return NULL;
  top = json_node_get_object (root);

  msg = g_new0 (VpServerMessage, 1);
  msg->audio = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  msg->audio_rate = 24000;
  msg->go_away_time_left_ms = -1;
  msg->last_consumed_client_message_index = -1;

  if ((object = vp_json_get_object (top, "setupComplete")) != NULL) {
    const gchar *session_id = vp_json_get_string (object, "sessionId");

    msg->setup_complete = TRUE;
    msg->session_id = g_strdup (session_id);
    known = TRUE;
  }
  if ((object = vp_json_get_object (top, "serverContent")) != NULL) {
    parse_server_content (msg, object);
    known = TRUE;
  }
  if ((object = vp_json_get_object (top, "usageMetadata")) != NULL) {
    parse_usage (msg, object);
    known = TRUE;
  }
  if ((object = vp_json_get_object (top, "toolCall")) != NULL) {
    parse_tool_call (msg, object);
    known = TRUE;
  }
  if ((object = vp_json_get_object (top, "toolCallCancellation")) != NULL) {
    parse_cancellation (msg, object);
    known = TRUE;
  }
  if ((object = vp_json_get_object (top, "goAway")) != NULL) {
    parse_go_away (msg, object);
    known = TRUE;
  }
  if ((object = vp_json_get_object (top, "sessionResumptionUpdate")) != NULL) {
    parse_resumption (msg, object);
    known = TRUE;
  }
  if ((object = vp_json_get_object (top, "voiceActivity")) != NULL) {
    const gchar *type = vp_json_get_string (object, "type");

    if (type == NULL)
      type = vp_json_get_string (object, "voiceActivityType");
    g_free (msg->voice_activity);
    msg->voice_activity = g_strdup (type);
    known = TRUE;
  }
  if ((object = vp_json_get_object (top,
              "voiceActivityDetectionSignal")) != NULL) {
    const gchar *type = vp_json_get_string (object, "vadSignalType");

    if (type != NULL) {
      g_free (msg->voice_activity);
      msg->voice_activity = g_strdup (type);
    }
    known = TRUE;
  }

  /* In-band errors: {"error": {...}}, or a flat {code, message, status}
   * in an object that is no known message (the Python SDK's fallback). */
  node = vp_json_get (top, "error");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node)) {
    set_error (msg, json_node_get_object (node));
  } else if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING) {
    msg->has_error = TRUE;
    msg->error_message = g_strdup (json_node_get_string (node));
  } else if (!known && (vp_json_get (top, "code") != NULL
          || vp_json_get_string (top, "message") != NULL)) {
    set_error (msg, top);
  }

  return msg;
}

void
vp_server_message_free (VpServerMessage * message)
{
  if (message == NULL)
    return;

  g_free (message->session_id);
  if (message->audio != NULL)
    g_ptr_array_unref (message->audio);
  g_free (message->text);
  g_free (message->thought_text);
  g_free (message->input_transcription);
  g_free (message->output_transcription);
  g_free (message->turn_complete_reason);
  g_free (message->grounding_metadata_json);
  if (message->function_calls != NULL)
    g_ptr_array_unref (message->function_calls);
  g_strfreev (message->cancelled_ids);
  g_free (message->new_handle);
  g_free (message->voice_activity);
  g_free (message->error_message);
  g_free (message);
}
