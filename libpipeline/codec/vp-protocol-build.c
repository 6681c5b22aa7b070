/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Client → server messages, as the official JS SDK writes them
 * (tests/golden/): compact JSON, camelCase, the SDK's key order. */

#include "config.h"

#include "vp-protocol.h"
#include "vp-json-node.h"
#include "vp-json-write.h"
#include "vp-base64.h"

#include <string.h>

/* {"parts":[{"text":…}],"role":…}; no role member when @role is NULL. */
static JsonObject *
text_content (const gchar * text, const gchar * role)
{
  JsonObject *content = json_object_new ();
  JsonObject *part = json_object_new ();
  JsonArray *parts = json_array_new ();

  json_object_set_string_member (part, "text", text != NULL ? text : "");
  json_array_add_object_element (parts, part);
  json_object_set_array_member (content, "parts", parts);
  if (role != NULL)
    json_object_set_string_member (content, "role", role);

  return content;
}

static gchar *
object_to_message (const gchar * type, JsonObject * body)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *top = json_object_new ();

  json_object_set_object_member (top, type, body);
  json_node_take_object (node, top);
  return vp_json_to_compact (node);
}

static void
set_tristate (JsonObject * object, const gchar * name, VpTristate value)
{
  if (value != VP_TRISTATE_UNSET)
    json_object_set_boolean_member (object, name, value == VP_TRISTATE_TRUE);
}

static JsonObject *
generation_config (const VpSetupConfig * config)
{
  JsonObject *gen = json_object_new ();
  JsonArray *modalities = json_array_new ();

  /* Always explicit: the default differs between API docs and proto. */
  json_array_add_string_element (modalities,
      config->response_modality != NULL ? config->response_modality : "AUDIO");
  json_object_set_array_member (gen, "responseModalities", modalities);

  if (config->temperature >= 0)
    json_object_set_double_member (gen, "temperature", config->temperature);
  if (config->top_p >= 0)
    json_object_set_double_member (gen, "topP", config->top_p);
  if (config->top_k >= 0)
    json_object_set_int_member (gen, "topK", config->top_k);
  if (config->max_output_tokens >= 0)
    json_object_set_int_member (gen, "maxOutputTokens",
        config->max_output_tokens);
  if (config->media_resolution != NULL)
    json_object_set_string_member (gen, "mediaResolution",
        config->media_resolution);

  if (config->voice != NULL || config->language_code != NULL) {
    JsonObject *speech = json_object_new ();

    if (config->voice != NULL) {
      JsonObject *voice = json_object_new ();
      JsonObject *prebuilt = json_object_new ();

      json_object_set_string_member (prebuilt, "voiceName", config->voice);
      json_object_set_object_member (voice, "prebuiltVoiceConfig", prebuilt);
      json_object_set_object_member (speech, "voiceConfig", voice);
    }
    if (config->language_code != NULL)
      json_object_set_string_member (speech, "languageCode",
          config->language_code);
    json_object_set_object_member (gen, "speechConfig", speech);
  }

  if (config->thinking_level != NULL || config->thinking_budget != G_MININT
      || config->include_thoughts != VP_TRISTATE_UNSET) {
    JsonObject *thinking = json_object_new ();

    set_tristate (thinking, "includeThoughts", config->include_thoughts);
    if (config->thinking_budget != G_MININT)
      json_object_set_int_member (thinking, "thinkingBudget",
          config->thinking_budget);
    if (config->thinking_level != NULL)
      json_object_set_string_member (thinking, "thinkingLevel",
          config->thinking_level);
    json_object_set_object_member (gen, "thinkingConfig", thinking);
  }

  set_tristate (gen, "enableAffectiveDialog", config->enable_affective_dialog);

  return gen;
}

static JsonObject *
realtime_input_config (const VpSetupConfig * config)
{
  JsonObject *ric = json_object_new ();

  if (config->vad_disabled != VP_TRISTATE_UNSET
      || config->start_sensitivity != NULL || config->end_sensitivity != NULL
      || config->prefix_padding_ms >= 0 || config->silence_duration_ms >= 0) {
    JsonObject *aad = json_object_new ();

    set_tristate (aad, "disabled", config->vad_disabled);
    if (config->start_sensitivity != NULL)
      json_object_set_string_member (aad, "startOfSpeechSensitivity",
          config->start_sensitivity);
    if (config->end_sensitivity != NULL)
      json_object_set_string_member (aad, "endOfSpeechSensitivity",
          config->end_sensitivity);
    if (config->prefix_padding_ms >= 0)
      json_object_set_int_member (aad, "prefixPaddingMs",
          config->prefix_padding_ms);
    if (config->silence_duration_ms >= 0)
      json_object_set_int_member (aad, "silenceDurationMs",
          config->silence_duration_ms);
    json_object_set_object_member (ric, "automaticActivityDetection", aad);
  }
  if (config->activity_handling != NULL)
    json_object_set_string_member (ric, "activityHandling",
        config->activity_handling);
  if (config->turn_coverage != NULL)
    json_object_set_string_member (ric, "turnCoverage", config->turn_coverage);

  return ric;
}

gchar *
vp_protocol_build_setup (const VpSetupConfig * config)
{
  JsonObject *setup;
  JsonObject *ric;

  g_return_val_if_fail (config != NULL, NULL);

  setup = json_object_new ();

  /* Members in the order of the SDK's converter (liveConnectConfigToMldev). */
  if (config->model != NULL) {
    if (g_str_has_prefix (config->model, "models/")
        || g_str_has_prefix (config->model, "tunedModels/"))
      json_object_set_string_member (setup, "model", config->model);
    else {
      g_autofree gchar *model = g_strconcat ("models/", config->model, NULL);

      json_object_set_string_member (setup, "model", model);
    }
  }

  json_object_set_object_member (setup, "generationConfig",
      generation_config (config));

  if (config->system_instruction != NULL)
    json_object_set_object_member (setup, "systemInstruction",
        text_content (config->system_instruction,
            config->system_instruction_role));

  if (config->tools != NULL && json_array_get_length (config->tools) > 0)
    json_object_set_array_member (setup, "tools",
        json_array_ref (config->tools));

  if (config->session_resumption || config->resume_handle != NULL) {
    JsonObject *resumption = json_object_new ();

    if (config->resume_handle != NULL)
      json_object_set_string_member (resumption, "handle",
          config->resume_handle);
    json_object_set_object_member (setup, "sessionResumption", resumption);
  }

  if (config->input_transcription)
    json_object_set_object_member (setup, "inputAudioTranscription",
        json_object_new ());
  if (config->output_transcription)
    json_object_set_object_member (setup, "outputAudioTranscription",
        json_object_new ());

  ric = realtime_input_config (config);
  if (json_object_get_size (ric) > 0)
    json_object_set_object_member (setup, "realtimeInputConfig", ric);
  else
    json_object_unref (ric);

  if (config->context_compression || config->trigger_tokens >= 0
      || config->target_tokens >= 0) {
    JsonObject *compression = json_object_new ();
    JsonObject *window = json_object_new ();

    /* triggerTokens and targetTokens are int64: proto3 JSON would print
     * them as strings, but the SDK passes numbers through and the service
     * accepts both, so we send numbers like the SDK does. */
    if (config->trigger_tokens >= 0)
      json_object_set_int_member (compression, "triggerTokens",
          config->trigger_tokens);
    if (config->target_tokens >= 0)
      json_object_set_int_member (window, "targetTokens",
          config->target_tokens);
    json_object_set_object_member (compression, "slidingWindow", window);
    json_object_set_object_member (setup, "contextWindowCompression",
        compression);
  }

  if (config->proactive_audio != VP_TRISTATE_UNSET) {
    JsonObject *proactivity = json_object_new ();

    set_tristate (proactivity, "proactiveAudio", config->proactive_audio);
    json_object_set_object_member (setup, "proactivity", proactivity);
  }

  if (config->initial_history_in_client_content != VP_TRISTATE_UNSET) {
    JsonObject *history = json_object_new ();

    set_tristate (history, "initialHistoryInClientContent",
        config->initial_history_in_client_content);
    json_object_set_object_member (setup, "historyConfig", history);
  }

  return object_to_message ("setup", setup);
}

/* JSON Schema → the OpenAPI subset of the Gemini Schema. */

static const gchar *const schema_keywords[] = {
  "type", "format", "description", "nullable", "enum", "properties",
  "required", "items", "minimum", "maximum", "minItems", "maxItems",
  "minLength", "maxLength", "pattern", "anyOf", "propertyOrdering",
  "default", "title", "example", NULL
};

static JsonNode *schema_to_openapi (JsonNode * schema, guint depth);

static gboolean
is_null_type (JsonNode * node)
{
  return JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING
      && g_ascii_strcasecmp (json_node_get_string (node), "null") == 0;
}

static JsonNode *
upper_string_node (const gchar * text)
{
  g_autofree gchar *upper = g_ascii_strup (text, -1);

  return json_node_init_string (json_node_alloc (), upper);
}

/* "type": "object" → "OBJECT"; ["string", "null"] → "STRING" + nullable. */
static JsonNode *
convert_type (JsonNode * type, gboolean * nullable)
{
  if (JSON_NODE_HOLDS_VALUE (type)
      && json_node_get_value_type (type) == G_TYPE_STRING)
    return upper_string_node (json_node_get_string (type));

  if (JSON_NODE_HOLDS_ARRAY (type)) {
    JsonArray *types = json_node_get_array (type);
    guint i, n = json_array_get_length (types);
    JsonNode *first = NULL;

    for (i = 0; i < n; i++) {
      JsonNode *t = json_array_get_element (types, i);

      if (is_null_type (t))
        *nullable = TRUE;
      else if (first == NULL && JSON_NODE_HOLDS_VALUE (t)
          && json_node_get_value_type (t) == G_TYPE_STRING)
        first = t;
    }
    if (first != NULL)
      return upper_string_node (json_node_get_string (first));
    if (*nullable)
      return upper_string_node ("null");
  }

  return NULL;
}

static JsonNode *
convert_properties (JsonNode * properties, guint depth)
{
  JsonObject *out;
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (properties))
    return NULL;

  out = json_object_new ();
  json_object_iter_init_ordered (&iter, json_node_get_object (properties));
  while (json_object_iter_next_ordered (&iter, &name, &member)) {
    JsonNode *converted = schema_to_openapi (member, depth + 1);

    if (converted != NULL)
      json_object_set_member (out, name, converted);
  }
  return vp_json_node_take_object (out);
}

/* anyOf: converts each branch; {"type":"null"} branches become nullable. */
static JsonNode *
convert_any_of (JsonNode * any_of, guint depth, gboolean * nullable)
{
  JsonArray *in, *out;
  guint i, n;

  if (!JSON_NODE_HOLDS_ARRAY (any_of))
    return NULL;

  in = json_node_get_array (any_of);
  n = json_array_get_length (in);
  out = json_array_new ();
  for (i = 0; i < n; i++) {
    JsonNode *branch = json_array_get_element (in, i);
    JsonNode *converted;

    if (JSON_NODE_HOLDS_OBJECT (branch)) {
      JsonObject *b = json_node_get_object (branch);
      JsonNode *t = json_object_get_member (b, "type");

      if (json_object_get_size (b) == 1 && t != NULL && is_null_type (t)) {
        *nullable = TRUE;
        continue;
      }
    }
    converted = schema_to_openapi (branch, depth + 1);
    if (converted != NULL)
      json_array_add_element (out, converted);
  }
  return vp_json_node_take_array (out);
}

static JsonNode *
schema_to_openapi (JsonNode * schema, guint depth)
{
  JsonObject *in, *out;
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *member;
  gboolean nullable = FALSE;

  if (schema == NULL || !JSON_NODE_HOLDS_OBJECT (schema)
      || depth > VP_PROTOCOL_MAX_DEPTH)
    return NULL;

  in = json_node_get_object (schema);
  out = json_object_new ();
  json_object_iter_init_ordered (&iter, in);
  while (json_object_iter_next_ordered (&iter, &name, &member)) {
    JsonNode *converted = NULL;

    if (strcmp (name, "type") == 0)
      converted = convert_type (member, &nullable);
    else if (strcmp (name, "properties") == 0)
      converted = convert_properties (member, depth);
    else if (strcmp (name, "items") == 0)
      /* A tuple ("items": [...]) has no equivalent: keep its first type. */
      converted = schema_to_openapi (JSON_NODE_HOLDS_ARRAY (member)
          && json_array_get_length (json_node_get_array (member)) > 0 ?
          json_array_get_element (json_node_get_array (member), 0) : member,
          depth + 1);
    else if (strcmp (name, "anyOf") == 0)
      converted = convert_any_of (member, depth, &nullable);
    else if (g_strv_contains (schema_keywords, name))
      converted = vp_json_deep_copy (member);

    if (converted != NULL)
      json_object_set_member (out, name, converted);
  }

  /* anyOf: [X, null] collapses to X with nullable, as the SDKs do. */
  if (json_object_has_member (out, "anyOf")) {
    JsonArray *branches = json_object_get_array_member (out, "anyOf");

    if (json_array_get_length (branches) == 1
        && JSON_NODE_HOLDS_OBJECT (json_array_get_element (branches, 0))) {
      JsonObject *only = json_array_get_object_element (branches, 0);

      json_object_ref (only);
      json_object_remove_member (out, "anyOf");
      json_object_iter_init_ordered (&iter, only);
      while (json_object_iter_next_ordered (&iter, &name, &member))
        if (!json_object_has_member (out, name))
          json_object_set_member (out, name, vp_json_deep_copy (member));
      json_object_unref (only);
    } else if (json_array_get_length (branches) == 0) {
      json_object_remove_member (out, "anyOf");
    }
  }
  if (nullable && !json_object_has_member (out, "nullable"))
    json_object_set_boolean_member (out, "nullable", TRUE);

  return vp_json_node_take_object (out);
}

JsonNode *
vp_protocol_function_declaration (const gchar * name,
    const gchar * description, JsonNode * json_schema,
    gboolean as_json_schema, const gchar * behavior)
{
  JsonObject *decl;
  JsonNode *parameters = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  decl = json_object_new ();
  json_object_set_string_member (decl, "name", name);
  if (description != NULL)
    json_object_set_string_member (decl, "description", description);
  if (behavior != NULL)
    json_object_set_string_member (decl, "behavior", behavior);

  if (json_schema != NULL && as_json_schema)
    json_object_set_member (decl, "parametersJsonSchema",
        vp_json_deep_copy (json_schema));
  else if (json_schema != NULL
      && (parameters = schema_to_openapi (json_schema, 0)) != NULL)
    json_object_set_member (decl, "parameters", parameters);

  return vp_json_node_take_object (decl);
}

/* realtimeInput: GString and direct formatting, no JSON tree.  Audio is
 * the hot path (50 messages a second per session) and base64 needs no
 * escaping. */

static GString *
blob_message_start (const gchar * prefix, gsize n_bytes)
{
  GString *out = g_string_sized_new (strlen (prefix) + n_bytes / 3 * 4 + 96);

  g_string_append (out, prefix);
  return out;
}

gchar *
vp_protocol_build_realtime_audio (const guint8 * pcm, gsize n_bytes, guint rate)
{
  GString *out;

  g_return_val_if_fail (pcm != NULL || n_bytes == 0, NULL);

  out = blob_message_start ("{\"realtimeInput\":{\"audio\":{\"data\":\"",
      n_bytes);
  vp_base64_append (out, pcm, n_bytes);
  if (rate > 0)
    g_string_append_printf (out, "\",\"mimeType\":\"audio/pcm;rate=%u\"}}}",
        rate);
  else
    g_string_append (out, "\",\"mimeType\":\"audio/pcm\"}}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_protocol_build_realtime_video (const guint8 * data, gsize n_bytes,
    const gchar * mime_type)
{
  GString *out;

  g_return_val_if_fail (data != NULL || n_bytes == 0, NULL);

  out = blob_message_start ("{\"realtimeInput\":{\"video\":{\"data\":\"",
      n_bytes);
  vp_base64_append (out, data, n_bytes);
  g_string_append (out, "\",\"mimeType\":");
  vp_json_append_string (out, mime_type != NULL ? mime_type : "image/jpeg");
  g_string_append (out, "}}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_protocol_build_realtime_media_chunk (const guint8 * data, gsize n_bytes,
    const gchar * mime_type)
{
  GString *out;

  g_return_val_if_fail (data != NULL || n_bytes == 0, NULL);
  g_return_val_if_fail (mime_type != NULL, NULL);

  out = blob_message_start
      ("{\"realtimeInput\":{\"mediaChunks\":[{\"data\":\"", n_bytes);
  vp_base64_append (out, data, n_bytes);
  g_string_append (out, "\",\"mimeType\":");
  vp_json_append_string (out, mime_type);
  g_string_append (out, "}]}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_protocol_build_realtime_text (const gchar * text)
{
  GString *out = g_string_new ("{\"realtimeInput\":{\"text\":");

  vp_json_append_string (out, text);
  g_string_append (out, "}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_protocol_build_activity_start (void)
{
  return g_strdup ("{\"realtimeInput\":{\"activityStart\":{}}}");
}

gchar *
vp_protocol_build_activity_end (void)
{
  return g_strdup ("{\"realtimeInput\":{\"activityEnd\":{}}}");
}

gchar *
vp_protocol_build_audio_stream_end (void)
{
  return g_strdup ("{\"realtimeInput\":{\"audioStreamEnd\":true}}");
}

gchar *
vp_protocol_build_client_content (JsonArray * turns, gboolean turn_complete)
{
  GString *out = g_string_new ("{\"clientContent\":{");

  if (turns != NULL) {
    g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (),
        turns);

    g_string_append (out, "\"turns\":");
    vp_json_append_node (out, node);
    g_string_append_c (out, ',');
  }
  /* Sent even when false, like the SDK (false is how some clients
   * interrupt generation). */
  g_string_append (out, turn_complete ?
      "\"turnComplete\":true}}" : "\"turnComplete\":false}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_protocol_build_client_content_text (const gchar * role,
    const gchar * text, gboolean turn_complete)
{
  g_autoptr (JsonArray) turns = json_array_new ();

  json_array_add_object_element (turns,
      text_content (text, role != NULL ? role : "user"));
  return vp_protocol_build_client_content (turns, turn_complete);
}

gchar *
vp_protocol_build_context_update (const gchar * system_instruction,
    const gchar * role)
{
  JsonObject *update = json_object_new ();

  json_object_set_object_member (update, "systemInstruction",
      text_content (system_instruction, role));
  return object_to_message ("contextUpdate", update);
}

gchar *
vp_protocol_build_tool_response (const VpFunctionResponse * responses,
    guint n_responses)
{
  JsonObject *body = json_object_new ();
  JsonArray *list = json_array_new ();
  guint i;

  g_return_val_if_fail (responses != NULL || n_responses == 0, NULL);

  for (i = 0; i < n_responses; i++) {
    const VpFunctionResponse *r = &responses[i];
    JsonObject *entry = json_object_new ();

    if (r->id != NULL)
      json_object_set_string_member (entry, "id", r->id);
    if (r->name != NULL)
      json_object_set_string_member (entry, "name", r->name);

    /* response is a Struct on the wire: wrap anything else as output. */
    if (r->response != NULL && JSON_NODE_HOLDS_OBJECT (r->response)) {
      json_object_set_member (entry, "response",
          vp_json_deep_copy (r->response));
    } else if (r->response != NULL) {
      JsonObject *wrapped = json_object_new ();

      json_object_set_member (wrapped, "output",
          vp_json_deep_copy (r->response));
      json_object_set_object_member (entry, "response", wrapped);
    } else {
      json_object_set_object_member (entry, "response", json_object_new ());
    }

    if (r->scheduling != NULL)
      json_object_set_string_member (entry, "scheduling", r->scheduling);
    set_tristate (entry, "willContinue", r->will_continue);
    json_array_add_object_element (list, entry);
  }
  json_object_set_array_member (body, "functionResponses", list);

  return object_to_message ("toolResponse", body);
}
