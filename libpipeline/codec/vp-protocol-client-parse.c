/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Reads what a client sends into a VpClientMessage, the way the service
 * does (the emulator's side).  Step 1 (vp-protocol-client-check.c) has
 * checked every name and type and normalised the tree; step 2, here,
 * reads its values (camelCase names only), decodes the media and refuses
 * what is well-formed but not allowed (no model, a bad mime type). */

#include "config.h"

#include "vp-protocol.h"
#include "vp-protocol-client-check.h"
#include "vp-json-scan.h"
#include "vp-json-read.h"
#include "vp-json-write.h"
#include "vp-json-node.h"
#include "vp-base64.h"

#include <string.h>

static JsonObject *
get_object (JsonObject * object, const gchar * name)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ?
      json_node_get_object (node) : NULL;
}

static JsonArray *
get_array (JsonObject * object, const gchar * name)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ?
      json_node_get_array (node) : NULL;
}

static gchar *
dup_string (JsonObject * object, const gchar * name)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  return node != NULL && vp_json_node_holds_type (node, G_TYPE_STRING) ?
      g_strdup (json_node_get_string (node)) : NULL;
}

static gboolean
get_number (JsonObject * object, const gchar * name, gint64 * value)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  return node != NULL && vp_json_node_get_int64 (node, value);
}

static void
get_double (JsonObject * object, const gchar * name, gdouble * value)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  if (node != NULL && vp_json_node_holds_type (node, G_TYPE_DOUBLE))
    *value = json_node_get_double (node);
}

static VpTristate
get_tristate (JsonObject * object, const gchar * name)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  if (node == NULL || !vp_json_node_holds_type (node, G_TYPE_BOOLEAN))
    return VP_TRISTATE_UNSET;
  return json_node_get_boolean (node) ? VP_TRISTATE_TRUE : VP_TRISTATE_FALSE;
}

static gboolean
get_true (JsonObject * object, const gchar * name)
{
  return get_tristate (object, name) == VP_TRISTATE_TRUE;
}

/* The text parts of @content, joined by @separator; NULL if none. */
static gchar *
content_text (JsonObject * content, const gchar * separator)
{
  JsonArray *parts = get_array (content, "parts");
  GString *text = NULL;
  guint i, n = parts != NULL ? json_array_get_length (parts) : 0;

  for (i = 0; i < n; i++) {
    JsonObject *part = json_array_get_object_element (parts, i);
    JsonNode *node = json_object_get_member (part, "text");

    if (node == NULL)
      continue;
    if (text == NULL)
      text = g_string_new (NULL);
    else
      g_string_append (text, separator);
    g_string_append (text, json_node_get_string (node));
  }

  return text != NULL ? g_string_free (text, FALSE) : NULL;
}

static gboolean
read_setup (VpClientMessage * msg, JsonObject * setup, GError ** error)
{
  VpSetupConfig *config = vp_setup_config_new ();
  JsonObject *gen, *object, *aad;
  JsonArray *array;
  gint64 number;

  msg->setup = config;

  config->model = dup_string (setup, "model");
  if (config->model == NULL || *config->model == '\0') {
    g_set_error_literal (error, VP_PROTOCOL_ERROR,
        VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
        "Request contains an invalid argument. setup.model is required.");
    return FALSE;
  }

  gen = get_object (setup, "generationConfig");
  array = get_array (gen, "responseModalities");
  if (array != NULL && json_array_get_length (array) > 0)
    config->response_modality =
        g_strdup (json_array_get_string_element (array, 0));
  get_double (gen, "temperature", &config->temperature);
  get_double (gen, "topP", &config->top_p);
  if (get_number (gen, "topK", &number))
    config->top_k = (gint) number;
  if (get_number (gen, "maxOutputTokens", &number))
    config->max_output_tokens = (gint) number;
  config->media_resolution = dup_string (gen, "mediaResolution");
  config->enable_affective_dialog = get_tristate (gen, "enableAffectiveDialog");

  object = get_object (gen, "speechConfig");
  config->language_code = dup_string (object, "languageCode");
  object = get_object (get_object (object, "voiceConfig"),
      "prebuiltVoiceConfig");
  config->voice = dup_string (object, "voiceName");

  object = get_object (gen, "thinkingConfig");
  config->thinking_level = dup_string (object, "thinkingLevel");
  if (get_number (object, "thinkingBudget", &number))
    config->thinking_budget = (gint) number;
  config->include_thoughts = get_tristate (object, "includeThoughts");

  object = get_object (setup, "systemInstruction");
  if (object != NULL) {
    config->system_instruction = content_text (object, "\n");
    if (config->system_instruction == NULL)
      config->system_instruction = g_strdup ("");
    config->system_instruction_role = dup_string (object, "role");
  }

  array = get_array (setup, "tools");
  if (array != NULL)
    config->tools = json_array_ref (array);

  object = get_object (setup, "realtimeInputConfig");
  aad = get_object (object, "automaticActivityDetection");
  config->vad_disabled = get_tristate (aad, "disabled");
  config->start_sensitivity = dup_string (aad, "startOfSpeechSensitivity");
  config->end_sensitivity = dup_string (aad, "endOfSpeechSensitivity");
  if (get_number (aad, "prefixPaddingMs", &number))
    config->prefix_padding_ms = (gint) number;
  if (get_number (aad, "silenceDurationMs", &number))
    config->silence_duration_ms = (gint) number;
  config->activity_handling = dup_string (object, "activityHandling");
  config->turn_coverage = dup_string (object, "turnCoverage");

  config->input_transcription =
      get_object (setup, "inputAudioTranscription") != NULL;
  config->output_transcription =
      get_object (setup, "outputAudioTranscription") != NULL;

  object = get_object (setup, "sessionResumption");
  config->session_resumption = object != NULL;
  config->resume_handle = dup_string (object, "handle");

  object = get_object (setup, "contextWindowCompression");
  if (get_number (object, "triggerTokens", &number))
    config->trigger_tokens = number;
  config->context_compression = get_object (object, "slidingWindow") != NULL;
  if (get_number (get_object (object, "slidingWindow"), "targetTokens",
          &number))
    config->target_tokens = number;

  config->proactive_audio =
      get_tristate (get_object (setup, "proactivity"), "proactiveAudio");
  config->initial_history_in_client_content =
      get_tristate (get_object (setup, "historyConfig"),
      "initialHistoryInClientContent");

  return TRUE;
}

static gboolean
mime_has_prefix (const gchar * mime_type, const gchar * prefix)
{
  return mime_type != NULL
      && g_ascii_strncasecmp (mime_type, prefix, strlen (prefix)) == 0;
}

static GBytes *
decode_blob (JsonObject * blob, const gchar * where, GError ** error)
{
  JsonNode *data = json_object_get_member (blob, "data");
  const gchar *text = data != NULL ? json_node_get_string (data) : "";
  GBytes *bytes = vp_base64_decode (text, strlen (text));

  /* Already checked by step 1. */
  if (bytes == NULL)
    g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
        "Request contains an invalid argument. %s.data is not base64.", where);
  return bytes;
}

static gboolean
read_audio (VpClientMessage * msg, JsonObject * blob, const gchar * where,
    GError ** error)
{
  g_autofree gchar *mime = dup_string (blob, "mimeType");

  if (!mime_has_prefix (mime, "audio/")) {
    g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
        "Request contains an invalid argument. %s.mimeType must be audio/*, "
        "got \"%s\".", where, mime != NULL ? mime : "");
    return FALSE;
  }
  msg->audio = decode_blob (blob, where, error);
  msg->audio_rate = vp_protocol_pcm_rate_from_mime (mime, 16000);
  return msg->audio != NULL;
}

static gboolean
read_video (VpClientMessage * msg, JsonObject * blob, const gchar * where,
    GError ** error)
{
  g_autofree gchar *mime = dup_string (blob, "mimeType");

  if (!mime_has_prefix (mime, "image/") && !mime_has_prefix (mime, "video/")) {
    g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
        "Request contains an invalid argument. %s.mimeType must be image/*, "
        "got \"%s\".", where, mime != NULL ? mime : "");
    return FALSE;
  }
  msg->video = decode_blob (blob, where, error);
  msg->video_mime_type = g_steal_pointer (&mime);
  return msg->video != NULL;
}

static gboolean
read_realtime_input (VpClientMessage * msg, JsonObject * input, GError ** error)
{
  JsonObject *blob;
  JsonArray *chunks;
  JsonNode *text;

  if ((blob = get_object (input, "audio")) != NULL
      && !read_audio (msg, blob, "realtimeInput.audio", error))
    return FALSE;
  if ((blob = get_object (input, "video")) != NULL
      && !read_video (msg, blob, "realtimeInput.video", error))
    return FALSE;

  /* Deprecated mediaChunks: the service uses only the first chunk; we take
   * the first of each kind, so an audio + image pair is not lost. */
  chunks = get_array (input, "mediaChunks");
  if (chunks != NULL) {
    guint i, n = json_array_get_length (chunks);

    for (i = 0; i < n; i++) {
      JsonObject *chunk = json_array_get_object_element (chunks, i);
      g_autofree gchar *mime = dup_string (chunk, "mimeType");
      g_autofree gchar *where = NULL;

      where = g_strdup_printf ("realtimeInput.mediaChunks[%u]", i);
      if (mime_has_prefix (mime, "audio/")) {
        if (msg->audio == NULL && !read_audio (msg, chunk, where, error))
          return FALSE;
      } else if (mime_has_prefix (mime, "image/")
          || mime_has_prefix (mime, "video/")) {
        if (msg->video == NULL && !read_video (msg, chunk, where, error))
          return FALSE;
      } else {
        g_set_error (error, VP_PROTOCOL_ERROR,
            VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
            "Request contains an invalid argument. %s.mimeType \"%s\" is "
            "not supported.", where, mime != NULL ? mime : "");
        return FALSE;
      }
    }
  }

  text = json_object_get_member (input, "text");
  if (text != NULL)
    msg->text = g_strdup (json_node_get_string (text));
  msg->activity_start = get_object (input, "activityStart") != NULL;
  msg->activity_end = get_object (input, "activityEnd") != NULL;
  msg->audio_stream_end = get_true (input, "audioStreamEnd");

  return TRUE;
}

static void
read_client_content (VpClientMessage * msg, JsonObject * content)
{
  JsonNode *turns = json_object_get_member (content, "turns");

  msg->turn_complete = get_true (content, "turnComplete");
  if (turns == NULL)
    return;

  msg->turns_json = vp_json_to_compact (turns);

  /* The user's words: parts of a turn joined, turns one per line. */
  {
    JsonArray *array = json_node_get_array (turns);
    guint i, n = json_array_get_length (array);
    GString *text = NULL;

    for (i = 0; i < n; i++) {
      JsonObject *turn = json_array_get_object_element (array, i);
      JsonNode *role = json_object_get_member (turn, "role");
      g_autofree gchar *turn_text = NULL;

      if (role != NULL && strcmp (json_node_get_string (role), "user") != 0)
        continue;
      turn_text = content_text (turn, "");
      if (turn_text == NULL)
        continue;
      if (text == NULL)
        text = g_string_new (NULL);
      else
        g_string_append_c (text, '\n');
      g_string_append (text, turn_text);
    }
    if (text != NULL)
      msg->text = g_string_free (text, FALSE);
  }
}

static void
read_tool_response (VpClientMessage * msg, JsonObject * tool_response)
{
  JsonArray *list = get_array (tool_response, "functionResponses");
  guint i, n = list != NULL ? json_array_get_length (list) : 0;

  msg->function_responses = g_ptr_array_new_with_free_func ((GDestroyNotify)
      vp_function_response_free);

  for (i = 0; i < n; i++) {
    JsonObject *entry = json_array_get_object_element (list, i);
    VpFunctionResponse *response = g_new0 (VpFunctionResponse, 1);
    JsonNode *node = json_object_get_member (entry, "response");

    response->id = dup_string (entry, "id");
    response->name = dup_string (entry, "name");
    if (node != NULL)
      response->response = vp_json_deep_copy (node);
    response->scheduling = dup_string (entry, "scheduling");
    response->will_continue = get_tristate (entry, "willContinue");
    g_ptr_array_add (msg->function_responses, response);
  }
}

/**
 * vp_client_message_parse: (skip)
 * @data: the bytes of one text frame from a client (no NUL needed)
 * @length: the number of bytes in @data
 * @error: return location for a #GError, or %NULL
 *
 * Reads one client message strictly, as the service does: unknown names,
 * wrong JSON types and bad values are refused with the service's wording.
 * Skipped by introspection: the emulator parses what clients send and
 * applications never see a #VpClientMessage.
 *
 * Returns: the message, to free with vp_client_message_free(), or %NULL
 *   and a %VP_PROTOCOL_ERROR.
 */
VpClientMessage *
vp_client_message_parse (const gchar * data, gsize length, GError ** error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (VpClientMessage) msg = NULL;
  VpClientMessageType type;

  root = vp_json_parse_object (data, length, error);
  if (root == NULL)
    return NULL;

  body = vp_protocol_client_check (json_node_get_object (root), &type, error);
  if (body == NULL)
    return NULL;

  msg = g_new0 (VpClientMessage, 1);
  msg->type = type;

  switch (msg->type) {
    case VP_CLIENT_MESSAGE_SETUP:
      if (!read_setup (msg, body, error))
        return NULL;
      break;
    case VP_CLIENT_MESSAGE_REALTIME_INPUT:
      if (!read_realtime_input (msg, body, error))
        return NULL;
      break;
    case VP_CLIENT_MESSAGE_CLIENT_CONTENT:
      read_client_content (msg, body);
      break;
    case VP_CLIENT_MESSAGE_TOOL_RESPONSE:
      read_tool_response (msg, body);
      break;
    case VP_CLIENT_MESSAGE_CONTEXT_UPDATE:{
      JsonObject *instruction = get_object (body, "systemInstruction");

      if (instruction != NULL) {
        msg->system_instruction = content_text (instruction, "\n");
        if (msg->system_instruction == NULL)
          msg->system_instruction = g_strdup ("");
      }
      break;
    }
  }

  return g_steal_pointer (&msg);
}

void
vp_client_message_free (VpClientMessage * message)
{
  if (message == NULL)
    return;

  vp_setup_config_free (message->setup);
  if (message->audio != NULL)
    g_bytes_unref (message->audio);
  if (message->video != NULL)
    g_bytes_unref (message->video);
  g_free (message->video_mime_type);
  g_free (message->text);
  g_free (message->turns_json);
  if (message->function_responses != NULL)
    g_ptr_array_unref (message->function_responses);
  g_free (message->system_instruction);
  g_free (message);
}
