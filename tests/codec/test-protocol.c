/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The Live protocol codec against the official SDK's wire samples
 * (tests/golden/, read from $VP_GOLDEN_DIR) and against itself. */

#include <voxpipe.h>

#include <string.h>

/* Helpers */

static gchar *
golden_path (const gchar * name)
{
  const gchar *dir = g_getenv ("VP_GOLDEN_DIR");

  if (dir == NULL)
    return NULL;
  return g_build_filename (dir, name, NULL);
}

/* Returns NULL (and marks the test skipped) when the golden directory is
 * unknown. */
static gchar *
load_golden (const gchar * name, gsize * length)
{
  g_autofree gchar *path = golden_path (name);
  g_autoptr (GError) error = NULL;
  gchar *contents = NULL;

  if (path == NULL) {
    g_test_skip ("VP_GOLDEN_DIR is not set");
    return NULL;
  }
  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  return contents;
}

static JsonNode *
parse_json (const gchar * text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* FALSE and the path of the first difference in @path. */
static gboolean
json_same (JsonNode * a, JsonNode * b, GString * path)
{
  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    return FALSE;

  switch (JSON_NODE_TYPE (a)) {
    case JSON_NODE_OBJECT:{
      JsonObject *oa = json_node_get_object (a);
      JsonObject *ob = json_node_get_object (b);
      JsonObjectIter iter;
      const gchar *name;
      JsonNode *member;
      gsize len = path->len;

      json_object_iter_init_ordered (&iter, oa);
      while (json_object_iter_next_ordered (&iter, &name, &member)) {
        g_string_append_printf (path, ".%s", name);
        if (!json_object_has_member (ob, name)
            || !json_same (member, json_object_get_member (ob, name), path))
          return FALSE;
        g_string_truncate (path, len);
      }
      json_object_iter_init_ordered (&iter, ob);
      while (json_object_iter_next_ordered (&iter, &name, &member)) {
        if (!json_object_has_member (oa, name)) {
          g_string_append_printf (path, ".%s", name);
          return FALSE;
        }
      }
      return TRUE;
    }
    case JSON_NODE_ARRAY:{
      JsonArray *aa = json_node_get_array (a);
      JsonArray *ab = json_node_get_array (b);
      guint i, n = json_array_get_length (aa);
      gsize len = path->len;

      if (n != json_array_get_length (ab)) {
        g_string_append (path, " (length)");
        return FALSE;
      }
      for (i = 0; i < n; i++) {
        g_string_append_printf (path, "[%u]", i);
        if (!json_same (json_array_get_element (aa, i),
                json_array_get_element (ab, i), path))
          return FALSE;
        g_string_truncate (path, len);
      }
      return TRUE;
    }
    case JSON_NODE_VALUE:
      return json_node_equal (a, b);
    case JSON_NODE_NULL:
    default:
      return TRUE;
  }
}

#define assert_same_json(built, expected) \
    assert_same_json_real (built, expected, G_STRLOC)

static void
assert_same_json_real (const gchar * built, const gchar * expected,
    const gchar * where)
{
  g_autoptr (JsonNode) a = NULL;
  g_autoptr (JsonNode) b = NULL;
  g_autoptr (GString) path = g_string_new ("$");

  g_assert_nonnull (built);
  a = parse_json (built);
  b = parse_json (expected);
  if (!json_same (a, b, path)) {
    g_test_message ("built:    %s", built);
    g_test_message ("expected: %s", expected);
    g_test_fail_printf ("%s: the JSON differs at %s", where, path->str);
  }
}

/* Builds must equal the golden as JSON and, since we follow the SDK's key
 * order and number format, byte for byte too. */
static void
check_golden (const gchar * name, const gchar * built)
{
  gsize length;
  g_autofree gchar *golden = load_golden (name, &length);

  if (golden == NULL)
    return;
  assert_same_json (built, golden);
  g_assert_cmpstr (built, ==, golden);
}

static GBytes *
golden_blob_data (const gchar * name, const gchar * pointer)
{
  g_autofree gchar *golden = load_golden (name, NULL);
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonPath) path = json_path_new ();
  g_autoptr (JsonNode) result = NULL;
  guchar *data;
  gsize length;

  if (golden == NULL)
    return NULL;
  root = parse_json (golden);
  g_assert_true (json_path_compile (path, pointer, NULL));
  result = json_path_match (path, root);
  data = g_base64_decode (json_array_get_string_element (json_node_get_array
          (result), 0), &length);
  return g_bytes_new_take (data, length);
}

static JsonArray *
tools_array (JsonNode * first_declaration, ...)
{
  JsonArray *tools = json_array_new ();
  JsonObject *tool = json_object_new ();
  JsonArray *declarations = json_array_new ();
  JsonNode *decl;
  va_list args;

  va_start (args, first_declaration);
  for (decl = first_declaration; decl != NULL; decl = va_arg (args, JsonNode *))
    json_array_add_element (declarations, decl);
  va_end (args);

  json_object_set_array_member (tool, "functionDeclarations", declarations);
  json_array_add_object_element (tools, tool);
  return tools;
}

static VpClientMessage *
parse_client_ok (const gchar * json)
{
  g_autoptr (GError) error = NULL;
  VpClientMessage *msg = vp_client_message_parse (json, strlen (json),
      &error);

  g_assert_no_error (error);
  g_assert_nonnull (msg);
  return msg;
}

static void
assert_client_error (const gchar * json, gint code, const gchar * message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VpClientMessage) msg = vp_client_message_parse (json,
      strlen (json), &error);

  g_assert_null (msg);
  g_assert_error (error, VP_PROTOCOL_ERROR, code);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
}

static VpServerMessage *
parse_server_ok (const gchar * json)
{
  g_autoptr (GError) error = NULL;
  VpServerMessage *msg = vp_server_message_parse (json, strlen (json),
      &error);

  g_assert_no_error (error);
  g_assert_nonnull (msg);
  return msg;
}

/* Golden client messages: built by us, compared with the SDK's bytes */

static VpSetupConfig *
golden_setup_config (void)
{
  VpSetupConfig *c = vp_setup_config_new ();
  g_autoptr (JsonNode) schema = parse_json ("{\"$schema\":"
      "\"http://json-schema.org/draft-07/schema#\",\"type\":\"object\","
      "\"properties\":{\"city\":{\"type\":\"string\",\"description\":"
      "\"City name\"},\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\","
      "\"fahrenheit\"]}},\"required\":[\"city\"],"
      "\"additionalProperties\":false}");

  c->model = g_strdup ("gemini-live-2.5-flash-preview");
  c->response_modality = g_strdup ("AUDIO");
  c->voice = g_strdup ("Puck");
  c->system_instruction = g_strdup ("You are a helpful voice assistant.");
  c->system_instruction_role = g_strdup ("user");
  c->tools = tools_array (vp_protocol_function_declaration ("get_weather",
          "Get the weather for a city", schema, FALSE, NULL),
      vp_protocol_function_declaration ("hang_up", "End the call", NULL,
          FALSE, NULL), NULL);
  c->session_resumption = TRUE;
  c->input_transcription = TRUE;
  c->output_transcription = TRUE;
  c->vad_disabled = VP_TRISTATE_FALSE;
  c->start_sensitivity = g_strdup ("START_SENSITIVITY_LOW");
  c->end_sensitivity = g_strdup ("END_SENSITIVITY_HIGH");
  c->prefix_padding_ms = 20;
  c->silence_duration_ms = 500;
  c->activity_handling = g_strdup ("START_OF_ACTIVITY_INTERRUPTS");
  c->turn_coverage = g_strdup ("TURN_INCLUDES_ONLY_ACTIVITY");
  c->context_compression = TRUE;
  return c;
}

static VpSetupConfig *
golden_jsonschema_config (void)
{
  VpSetupConfig *c = vp_setup_config_new ();
  g_autoptr (JsonNode) lookup = parse_json ("{\"type\":\"object\","
      "\"properties\":{\"q\":{\"type\":\"string\"},\"n\":{\"type\":"
      "\"integer\",\"minimum\":1,\"exclusiveMaximum\":100},\"tags\":{\"type\":"
      "\"array\",\"items\":{\"type\":\"string\"},\"uniqueItems\":true}},"
      "\"required\":[\"q\"],\"additionalProperties\":false}");
  g_autoptr (JsonNode) raw = parse_json ("{\"type\":\"object\","
      "\"properties\":{\"x\":{\"type\":\"number\"}}}");
  JsonObject *search = json_object_new ();

  c->model = g_strdup ("gemini-2.0-flash-live-001");
  c->response_modality = g_strdup ("AUDIO");
  c->temperature = 0.7;
  c->thinking_budget = 0;
  c->system_instruction = g_strdup ("sys as Content");
  c->tools = tools_array (vp_protocol_function_declaration ("lookup",
          "lowercase JSON schema", lookup, FALSE, "NON_BLOCKING"),
      vp_protocol_function_declaration ("raw", "parametersJsonSchema", raw,
          TRUE, NULL), NULL);
  json_object_set_object_member (search, "googleSearch", json_object_new ());
  json_array_add_object_element (c->tools, search);
  c->resume_handle = g_strdup ("handle-abc");
  c->vad_disabled = VP_TRISTATE_TRUE;
  return c;
}

static void
test_golden_setup (void)
{
  g_autoptr (VpSetupConfig) config = golden_setup_config ();
  g_autofree gchar *built = vp_protocol_build_setup (config);

  check_golden ("setup.json", built);
}

static void
test_golden_setup_jsonschema (void)
{
  g_autoptr (VpSetupConfig) config = golden_jsonschema_config ();
  g_autofree gchar *built = vp_protocol_build_setup (config);

  check_golden ("setup-jsonschema-tools.json", built);
}

static void
test_golden_livekit_setup (void)
{
  g_autoptr (VpSetupConfig) config = vp_setup_config_new ();
  g_autofree gchar *built = NULL;

  /* NULL modality means AUDIO, sent explicitly. */
  config->model = g_strdup ("gemini-2.5-flash-native-audio-preview-12-2025");
  config->voice = g_strdup ("Puck");
  config->system_instruction = g_strdup ("LK sys");
  config->session_resumption = TRUE;
  config->input_transcription = TRUE;
  config->output_transcription = TRUE;
  built = vp_protocol_build_setup (config);

  check_golden ("livekit-setup.json", built);
}

static void
test_golden_realtime_audio (void)
{
  g_autoptr (GBytes) pcm = golden_blob_data ("realtime-audio.json",
      "$.realtimeInput.audio.data");
  g_autofree gchar *built = NULL;
  gsize size;
  const guint8 *data;

  if (pcm == NULL)
    return;
  data = g_bytes_get_data (pcm, &size);
  built = vp_protocol_build_realtime_audio (data, size, 16000);
  check_golden ("realtime-audio.json", built);
}

static void
test_golden_realtime_video (void)
{
  g_autoptr (GBytes) jpeg = golden_blob_data ("realtime-video.json",
      "$.realtimeInput.video.data");
  g_autofree gchar *built = NULL;
  gsize size;
  const guint8 *data;

  if (jpeg == NULL)
    return;
  data = g_bytes_get_data (jpeg, &size);
  built = vp_protocol_build_realtime_video (data, size, "image/jpeg");
  check_golden ("realtime-video.json", built);
}

static void
test_golden_realtime_media_legacy (void)
{
  g_autoptr (GBytes) pcm = golden_blob_data ("realtime-media-legacy.json",
      "$.realtimeInput.mediaChunks[0].data");
  g_autofree gchar *built = NULL;
  gsize size;
  const guint8 *data;

  if (pcm == NULL)
    return;
  data = g_bytes_get_data (pcm, &size);
  built = vp_protocol_build_realtime_media_chunk (data, size,
      "audio/pcm;rate=16000");
  check_golden ("realtime-media-legacy.json", built);
}

static void
test_golden_realtime_text (void)
{
  g_autofree gchar *built = vp_protocol_build_realtime_text ("typed hello");

  check_golden ("realtime-text.json", built);
}

static void
test_golden_activity_start (void)
{
  g_autofree gchar *built = vp_protocol_build_activity_start ();

  check_golden ("activity-start.json", built);
}

static void
test_golden_activity_end (void)
{
  g_autofree gchar *built = vp_protocol_build_activity_end ();

  check_golden ("activity-end.json", built);
}

static void
test_golden_audio_stream_end (void)
{
  g_autofree gchar *built = vp_protocol_build_audio_stream_end ();

  check_golden ("audio-stream-end.json", built);
}

static JsonArray *
two_turns (void)
{
  g_autoptr (JsonNode) node = parse_json ("[{\"parts\":[{\"text\":"
      "\"Hello there\"}],\"role\":\"user\"},{\"parts\":[{\"text\":\"Hi!\"}],"
      "\"role\":\"model\"}]");

  return json_array_ref (json_node_get_array (node));
}

static void
test_golden_client_content (void)
{
  g_autoptr (JsonArray) turns = two_turns ();
  g_autofree gchar *built = vp_protocol_build_client_content (turns, TRUE);

  check_golden ("client-content.json", built);
}

static void
test_golden_client_content_string (void)
{
  g_autofree gchar *built =
      vp_protocol_build_client_content_text ("user", "Just a string turn",
      TRUE);
  g_autofree gchar *built_default =
      vp_protocol_build_client_content_text (NULL, "Just a string turn",
      TRUE);

  check_golden ("client-content-string.json", built);
  check_golden ("client-content-string.json", built_default);
}

static void
test_golden_client_content_empty (void)
{
  g_autofree gchar *built = vp_protocol_build_client_content (NULL, TRUE);

  check_golden ("client-content-empty.json", built);
}

static void
test_golden_context_update (void)
{
  g_autofree gchar *built = vp_protocol_build_context_update ("Be brief.",
      "user");

  check_golden ("context-update.json", built);
}

static void
test_golden_tool_response (void)
{
  g_autoptr (JsonNode) output =
      parse_json ("{\"output\":{\"temperature\":21,\"condition\":\"sunny\"}}");
  VpFunctionResponse response = {
    .id = (gchar *) "fc-123",
    .name = (gchar *) "get_weather",
    .response = output,
  };
  g_autofree gchar *built = vp_protocol_build_tool_response (&response, 1);

  check_golden ("tool-response.json", built);
}

static const gchar *const golden_client_files[] = {
  "setup.json", "setup-jsonschema-tools.json", "livekit-setup.json",
  "realtime-audio.json", "realtime-video.json", "realtime-text.json",
  "realtime-media-legacy.json", "activity-start.json", "activity-end.json",
  "audio-stream-end.json", "client-content.json",
  "client-content-string.json", "client-content-empty.json",
  "context-update.json", "tool-response.json", NULL
};

/* The emulator side must accept everything the SDK sends. */
static void
test_golden_client_parse (void)
{
  guint i;

  for (i = 0; golden_client_files[i] != NULL; i++) {
    gsize length;
    g_autofree gchar *golden = load_golden (golden_client_files[i], &length);
    g_autoptr (GError) error = NULL;
    g_autoptr (VpClientMessage) msg = NULL;

    if (golden == NULL)
      return;
    msg = vp_client_message_parse (golden, length, &error);
    g_assert_no_error (error);
    g_assert_nonnull (msg);
  }
}

static void
test_golden_client_values (void)
{
  g_autofree gchar *setup = load_golden ("setup.json", NULL);
  g_autofree gchar *jsonschema = NULL;
  g_autofree gchar *audio = NULL;
  g_autofree gchar *legacy = NULL;
  g_autofree gchar *content = NULL;
  g_autofree gchar *tool = NULL;
  g_autoptr (VpClientMessage) msg = NULL;
  g_autofree gchar *response = NULL;
  VpFunctionResponse *r;

  if (setup == NULL)
    return;

  msg = parse_client_ok (setup);
  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_SETUP);
  g_assert_cmpstr (msg->setup->model, ==,
      "models/gemini-live-2.5-flash-preview");
  g_assert_cmpstr (msg->setup->voice, ==, "Puck");
  g_assert_cmpstr (msg->setup->system_instruction_role, ==, "user");
  g_assert_cmpint (msg->setup->vad_disabled, ==, VP_TRISTATE_FALSE);
  g_assert_cmpint (msg->setup->silence_duration_ms, ==, 500);
  g_assert_true (msg->setup->context_compression);
  g_assert_true (msg->setup->session_resumption);
  g_assert_null (msg->setup->resume_handle);
  g_assert_cmpuint (json_array_get_length (msg->setup->tools), ==, 1);
  g_clear_pointer (&msg, vp_client_message_free);

  jsonschema = load_golden ("setup-jsonschema-tools.json", NULL);
  msg = parse_client_ok (jsonschema);
  g_assert_cmpfloat_with_epsilon (msg->setup->temperature, 0.7, 1e-9);
  g_assert_cmpint (msg->setup->thinking_budget, ==, 0);
  g_assert_cmpstr (msg->setup->resume_handle, ==, "handle-abc");
  g_assert_null (msg->setup->system_instruction_role);
  g_assert_cmpint (msg->setup->vad_disabled, ==, VP_TRISTATE_TRUE);
  g_assert_cmpuint (json_array_get_length (msg->setup->tools), ==, 2);
  g_clear_pointer (&msg, vp_client_message_free);

  audio = load_golden ("realtime-audio.json", NULL);
  msg = parse_client_ok (audio);
  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_REALTIME_INPUT);
  g_assert_nonnull (msg->audio);
  g_assert_cmpuint (g_bytes_get_size (msg->audio) % 2, ==, 0);
  g_assert_cmpuint (msg->audio_rate, ==, 16000);
  g_clear_pointer (&msg, vp_client_message_free);

  legacy = load_golden ("realtime-media-legacy.json", NULL);
  msg = parse_client_ok (legacy);
  g_assert_nonnull (msg->audio);
  g_assert_null (msg->video);
  g_clear_pointer (&msg, vp_client_message_free);

  content = load_golden ("client-content.json", NULL);
  msg = parse_client_ok (content);
  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_CLIENT_CONTENT);
  g_assert_cmpstr (msg->text, ==, "Hello there");
  g_assert_true (msg->turn_complete);
  assert_same_json (msg->turns_json, "[{\"parts\":[{\"text\":\"Hello there\"}]"
      ",\"role\":\"user\"},{\"parts\":[{\"text\":\"Hi!\"}],\"role\":\"model\"}]");
  g_clear_pointer (&msg, vp_client_message_free);

  tool = load_golden ("tool-response.json", NULL);
  msg = parse_client_ok (tool);
  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_TOOL_RESPONSE);
  g_assert_cmpuint (msg->function_responses->len, ==, 1);
  r = g_ptr_array_index (msg->function_responses, 0);
  g_assert_cmpstr (r->id, ==, "fc-123");
  g_assert_cmpstr (r->name, ==, "get_weather");
  response = json_to_string (r->response, FALSE);
  assert_same_json (response,
      "{\"output\":{\"temperature\":21,\"condition\":\"sunny\"}}");
  g_assert_null (r->scheduling);
  g_assert_cmpint (r->will_continue, ==, VP_TRISTATE_UNSET);
}

/* Round trips: build → vp_client_message_parse → the same values */

static VpSetupConfig *
full_config (void)
{
  VpSetupConfig *c = golden_setup_config ();

  g_free (c->model);
  c->model = g_strdup ("models/gemini-3.1-flash-live-preview");
  c->language_code = g_strdup ("en-US");
  c->temperature = 0.8;
  c->top_p = 0.95;
  c->top_k = 40;
  c->max_output_tokens = 1024;
  c->thinking_level = g_strdup ("LOW");
  c->thinking_budget = -1;
  c->include_thoughts = VP_TRISTATE_TRUE;
  c->media_resolution = g_strdup ("MEDIA_RESOLUTION_LOW");
  c->enable_affective_dialog = VP_TRISTATE_FALSE;
  c->proactive_audio = VP_TRISTATE_TRUE;
  c->resume_handle = g_strdup ("Cj0KOwo-handle_1");
  c->trigger_tokens = G_GINT64_CONSTANT (100000);
  c->target_tokens = G_GINT64_CONSTANT (50000);
  c->initial_history_in_client_content = VP_TRISTATE_TRUE;
  return c;
}

static void
assert_config_equal (const VpSetupConfig * a, const VpSetupConfig * b)
{
  g_autoptr (JsonNode) ta = NULL;
  g_autoptr (JsonNode) tb = NULL;

  g_assert_cmpstr (a->model, ==, b->model);
  g_assert_cmpstr (a->response_modality, ==, b->response_modality);
  g_assert_cmpstr (a->voice, ==, b->voice);
  g_assert_cmpstr (a->language_code, ==, b->language_code);
  g_assert_cmpstr (a->system_instruction, ==, b->system_instruction);
  g_assert_cmpstr (a->system_instruction_role, ==, b->system_instruction_role);
  g_assert_cmpfloat (a->temperature, ==, b->temperature);
  g_assert_cmpfloat (a->top_p, ==, b->top_p);
  g_assert_cmpint (a->top_k, ==, b->top_k);
  g_assert_cmpint (a->max_output_tokens, ==, b->max_output_tokens);
  g_assert_cmpstr (a->thinking_level, ==, b->thinking_level);
  g_assert_cmpint (a->thinking_budget, ==, b->thinking_budget);
  g_assert_cmpint (a->include_thoughts, ==, b->include_thoughts);
  g_assert_cmpstr (a->media_resolution, ==, b->media_resolution);
  g_assert_cmpint (a->enable_affective_dialog, ==, b->enable_affective_dialog);
  g_assert_cmpint (a->proactive_audio, ==, b->proactive_audio);
  g_assert_cmpint (a->vad_disabled, ==, b->vad_disabled);
  g_assert_cmpstr (a->start_sensitivity, ==, b->start_sensitivity);
  g_assert_cmpstr (a->end_sensitivity, ==, b->end_sensitivity);
  g_assert_cmpint (a->prefix_padding_ms, ==, b->prefix_padding_ms);
  g_assert_cmpint (a->silence_duration_ms, ==, b->silence_duration_ms);
  g_assert_cmpstr (a->activity_handling, ==, b->activity_handling);
  g_assert_cmpstr (a->turn_coverage, ==, b->turn_coverage);
  g_assert_cmpint (a->input_transcription, ==, b->input_transcription);
  g_assert_cmpint (a->output_transcription, ==, b->output_transcription);
  g_assert_cmpint (a->session_resumption, ==, b->session_resumption);
  g_assert_cmpstr (a->resume_handle, ==, b->resume_handle);
  g_assert_cmpint (a->context_compression, ==, b->context_compression);
  g_assert_cmpint (a->trigger_tokens, ==, b->trigger_tokens);
  g_assert_cmpint (a->target_tokens, ==, b->target_tokens);
  g_assert_cmpint (a->initial_history_in_client_content, ==,
      b->initial_history_in_client_content);

  g_assert_true ((a->tools == NULL) == (b->tools == NULL));
  if (a->tools != NULL) {
    ta = json_node_init_array (json_node_alloc (), a->tools);
    tb = json_node_init_array (json_node_alloc (), b->tools);
    g_assert_true (json_node_equal (ta, tb));
  }
}

static void
test_roundtrip_setup (void)
{
  g_autoptr (VpSetupConfig) config = full_config ();
  g_autofree gchar *built = vp_protocol_build_setup (config);
  g_autoptr (VpClientMessage) msg = parse_client_ok (built);
  g_autofree gchar *rebuilt = NULL;

  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_SETUP);
  assert_config_equal (msg->setup, config);

  /* Idempotent: what the emulator reads builds the same message. */
  rebuilt = vp_protocol_build_setup (msg->setup);
  g_assert_cmpstr (rebuilt, ==, built);
}

static void
test_roundtrip_setup_minimal (void)
{
  g_autoptr (VpSetupConfig) config = vp_setup_config_new ();
  g_autofree gchar *built = NULL;
  g_autoptr (VpClientMessage) msg = NULL;

  config->model = g_strdup ("tunedModels/my-model");
  config->response_modality = g_strdup ("TEXT");
  built = vp_protocol_build_setup (config);
  g_assert_cmpstr (built, ==, "{\"setup\":{\"model\":\"tunedModels/my-model\","
      "\"generationConfig\":{\"responseModalities\":[\"TEXT\"]}}}");
  msg = parse_client_ok (built);
  assert_config_equal (msg->setup, config);
}

static void
test_roundtrip_realtime (void)
{
  const guint8 pcm[] = { 0x00, 0x01, 0xfe, 0xff, 0x10, 0x20, 0x7f };
  const guint8 jpeg[] = { 0xff, 0xd8, 0xff, 0xd9 };
  g_autofree gchar *audio = vp_protocol_build_realtime_audio (pcm,
      sizeof (pcm), 24000);
  g_autofree gchar *video = vp_protocol_build_realtime_video (jpeg,
      sizeof (jpeg), "image/png");
  g_autofree gchar *chunk_audio = vp_protocol_build_realtime_media_chunk (pcm,
      sizeof (pcm), "audio/pcm");
  g_autofree gchar *chunk_image = vp_protocol_build_realtime_media_chunk (jpeg,
      sizeof (jpeg), "image/jpeg");
  g_autofree gchar *text =
      vp_protocol_build_realtime_text ("quote \" backslash \\ tab \t é ✓");
  g_autofree gchar *empty = vp_protocol_build_realtime_audio (NULL, 0, 0);
  g_autofree gchar *start = vp_protocol_build_activity_start ();
  g_autofree gchar *end = vp_protocol_build_activity_end ();
  g_autofree gchar *stream_end = vp_protocol_build_audio_stream_end ();
  VpClientMessage *msg;

  msg = parse_client_ok (audio);
  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_REALTIME_INPUT);
  g_assert_cmpmem (g_bytes_get_data (msg->audio, NULL),
      g_bytes_get_size (msg->audio), pcm, sizeof (pcm));
  g_assert_cmpuint (msg->audio_rate, ==, 24000);
  vp_client_message_free (msg);

  msg = parse_client_ok (video);
  g_assert_null (msg->audio);
  g_assert_cmpmem (g_bytes_get_data (msg->video, NULL),
      g_bytes_get_size (msg->video), jpeg, sizeof (jpeg));
  g_assert_cmpstr (msg->video_mime_type, ==, "image/png");
  vp_client_message_free (msg);

  /* Plain audio/pcm is 16 kHz. */
  msg = parse_client_ok (chunk_audio);
  g_assert_cmpmem (g_bytes_get_data (msg->audio, NULL),
      g_bytes_get_size (msg->audio), pcm, sizeof (pcm));
  g_assert_cmpuint (msg->audio_rate, ==, 16000);
  vp_client_message_free (msg);

  msg = parse_client_ok (chunk_image);
  g_assert_null (msg->audio);
  g_assert_cmpuint (g_bytes_get_size (msg->video), ==, sizeof (jpeg));
  g_assert_cmpstr (msg->video_mime_type, ==, "image/jpeg");
  vp_client_message_free (msg);

  msg = parse_client_ok (text);
  g_assert_cmpstr (msg->text, ==, "quote \" backslash \\ tab \t é ✓");
  vp_client_message_free (msg);

  msg = parse_client_ok (empty);
  g_assert_cmpuint (g_bytes_get_size (msg->audio), ==, 0);
  vp_client_message_free (msg);

  msg = parse_client_ok (start);
  g_assert_true (msg->activity_start);
  g_assert_false (msg->activity_end);
  vp_client_message_free (msg);

  msg = parse_client_ok (end);
  g_assert_true (msg->activity_end);
  g_assert_false (msg->activity_start);
  vp_client_message_free (msg);

  msg = parse_client_ok (stream_end);
  g_assert_true (msg->audio_stream_end);
  vp_client_message_free (msg);
}

static void
test_roundtrip_client_content (void)
{
  g_autoptr (JsonArray) turns = two_turns ();
  g_autofree gchar *built = vp_protocol_build_client_content (turns, FALSE);
  g_autofree gchar *text = vp_protocol_build_client_content_text ("model",
      "I said this", TRUE);
  g_autoptr (JsonNode) turns_node = json_node_init_array (json_node_alloc (),
      turns);
  g_autofree gchar *turns_json = json_to_string (turns_node, FALSE);
  VpClientMessage *msg;

  msg = parse_client_ok (built);
  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_CLIENT_CONTENT);
  g_assert_false (msg->turn_complete);
  assert_same_json (msg->turns_json, turns_json);
  g_assert_cmpstr (msg->text, ==, "Hello there");
  vp_client_message_free (msg);

  /* A model turn carries no user text. */
  msg = parse_client_ok (text);
  g_assert_true (msg->turn_complete);
  g_assert_null (msg->text);
  assert_same_json (msg->turns_json,
      "[{\"parts\":[{\"text\":\"I said this\"}],\"role\":\"model\"}]");
  vp_client_message_free (msg);
}

static void
test_roundtrip_context_update (void)
{
  g_autofree gchar *built = vp_protocol_build_context_update ("Be brief.\n"
      "Really.", NULL);
  g_autoptr (VpClientMessage) msg = parse_client_ok (built);

  g_assert_cmpstr (built, ==, "{\"contextUpdate\":{\"systemInstruction\":"
      "{\"parts\":[{\"text\":\"Be brief.\\nReally.\"}]}}}");
  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_CONTEXT_UPDATE);
  g_assert_cmpstr (msg->system_instruction, ==, "Be brief.\nReally.");
}

static void
test_roundtrip_tool_response (void)
{
  g_autoptr (JsonNode) out1 = parse_json ("{\"output\":{\"tempC\":21}}");
  g_autoptr (JsonNode) bare = parse_json ("\"just text\"");
  VpFunctionResponse responses[] = {
    {.id = (gchar *) "call-a1",.name = (gchar *) "get_weather",
          .response = out1,.scheduling = (gchar *) "WHEN_IDLE",
        .will_continue = VP_TRISTATE_TRUE},
    {.id = (gchar *) "call-a2",.name = (gchar *) "note",.response = bare,
        .will_continue = VP_TRISTATE_FALSE},
    {.id = (gchar *) "call-a3",.name = (gchar *) "empty",.response = NULL},
  };
  g_autofree gchar *built = vp_protocol_build_tool_response (responses, 3);
  g_autoptr (VpClientMessage) msg = parse_client_ok (built);
  VpFunctionResponse *r;
  g_autofree gchar *r0 = NULL, *r1 = NULL, *r2 = NULL;

  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_TOOL_RESPONSE);
  g_assert_cmpuint (msg->function_responses->len, ==, 3);

  r = g_ptr_array_index (msg->function_responses, 0);
  g_assert_cmpstr (r->id, ==, "call-a1");
  g_assert_cmpstr (r->name, ==, "get_weather");
  g_assert_cmpstr (r->scheduling, ==, "WHEN_IDLE");
  g_assert_cmpint (r->will_continue, ==, VP_TRISTATE_TRUE);
  r0 = json_to_string (r->response, FALSE);
  assert_same_json (r0, "{\"output\":{\"tempC\":21}}");

  /* A non-object response is wrapped as output. */
  r = g_ptr_array_index (msg->function_responses, 1);
  g_assert_cmpint (r->will_continue, ==, VP_TRISTATE_FALSE);
  g_assert_null (r->scheduling);
  r1 = json_to_string (r->response, FALSE);
  assert_same_json (r1, "{\"output\":\"just text\"}");

  r = g_ptr_array_index (msg->function_responses, 2);
  g_assert_cmpint (r->will_continue, ==, VP_TRISTATE_UNSET);
  r2 = json_to_string (r->response, FALSE);
  assert_same_json (r2, "{}");
}

static void
test_function_declaration (void)
{
  g_autoptr (JsonNode) schema = parse_json ("{"
      "\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
      "\"title\":\"Args\",\"type\":\"object\",\"additionalProperties\":false,"
      "\"properties\":{"
      "\"when\":{\"type\":\"string\",\"format\":\"date-time\","
      "\"default\":\"now\",\"example\":{\"type\":\"kept as is\"}},"
      "\"maybe\":{\"type\":[\"integer\",\"null\"],\"maximum\":9},"
      "\"opt\":{\"anyOf\":[{\"type\":\"string\",\"maxLength\":5},"
      "{\"type\":\"null\"}],\"description\":\"d\"},"
      "\"either\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"number\","
      "\"const\":3}]},"
      "\"list\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"type\":"
      "\"object\",\"properties\":{\"k\":{\"type\":\"boolean\"}},"
      "\"propertyOrdering\":[\"k\"],\"patternProperties\":{}}}"
      "},\"required\":[\"when\"]}");
  g_autoptr (JsonNode) decl = vp_protocol_function_declaration ("f",
      NULL, schema, FALSE, "BLOCKING");
  g_autoptr (JsonNode) raw = vp_protocol_function_declaration ("g",
      "as is", schema, TRUE, NULL);
  g_autofree gchar *decl_json = json_to_string (decl, FALSE);
  g_autofree gchar *raw_json = json_to_string (raw, FALSE);
  g_autofree gchar *schema_json = json_to_string (schema, FALSE);
  g_autofree gchar *expected_raw = NULL;

  assert_same_json (decl_json, "{\"name\":\"f\",\"behavior\":\"BLOCKING\","
      "\"parameters\":{\"title\":\"Args\",\"type\":\"OBJECT\","
      "\"properties\":{"
      "\"when\":{\"type\":\"STRING\",\"format\":\"date-time\","
      "\"default\":\"now\",\"example\":{\"type\":\"kept as is\"}},"
      "\"maybe\":{\"type\":\"INTEGER\",\"maximum\":9,\"nullable\":true},"
      "\"opt\":{\"description\":\"d\",\"type\":\"STRING\",\"maxLength\":5,"
      "\"nullable\":true},"
      "\"either\":{\"anyOf\":[{\"type\":\"STRING\"},{\"type\":\"NUMBER\"}]},"
      "\"list\":{\"type\":\"ARRAY\",\"minItems\":1,\"items\":{\"type\":"
      "\"OBJECT\",\"properties\":{\"k\":{\"type\":\"BOOLEAN\"}},"
      "\"propertyOrdering\":[\"k\"]}}" "},\"required\":[\"when\"]}}");

  expected_raw = g_strdup_printf ("{\"name\":\"g\",\"description\":\"as is\","
      "\"parametersJsonSchema\":%s}", schema_json);
  assert_same_json (raw_json, expected_raw);
}

/* Server messages, client side */

/* One JSON text per line: "obj" of server-replies-sent.jsonl, "json" of
 * sdk-onmessage-parsed.jsonl. */
static GPtrArray *
load_jsonl (const gchar * name, const gchar * member)
{
  g_autofree gchar *contents = load_golden (name, NULL);
  g_auto (GStrv) lines = NULL;
  GPtrArray *out;
  guint i;

  if (contents == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    JsonNode *line;

    if (*lines[i] == '\0')
      continue;
    line = parse_json (lines[i]);
    g_ptr_array_add (out, json_node_ref (json_object_get_member
            (json_node_get_object (line), member)));
    if (strcmp (member, "json") == 0)
      g_ptr_array_add (out, json_node_ref (line));
    json_node_unref (line);
  }
  return out;
}

static gchar *
base64_of_audio (const VpServerMessage * msg)
{
  GByteArray *all = g_byte_array_new ();
  gchar *b64;
  guint i;

  for (i = 0; i < msg->audio->len; i++) {
    gsize size;
    const guint8 *data = g_bytes_get_data (g_ptr_array_index (msg->audio, i),
        &size);

    g_byte_array_append (all, data, size);
  }
  b64 = g_base64_encode (all->data, all->len);
  g_byte_array_unref (all);
  return b64;
}

/* The 12 replies of the golden run, in order. */
static void
check_golden_reply (guint index, const VpServerMessage * msg)
{
  VpFunctionCall *call;

  switch (index) {
    case 0:
      g_assert_true (msg->setup_complete);
      g_assert_false (msg->has_server_content);
      break;
    case 1:
      g_assert_true (msg->has_server_content);
      g_assert_cmpstr (msg->input_transcription, ==, "what is the weather");
      g_assert_false (msg->input_transcription_finished);
      break;
    case 2:
      g_assert_cmpuint (msg->audio->len, ==, 1);
      g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (msg->audio, 0)),
          ==, 480);
      g_assert_cmpuint (msg->audio_rate, ==, 24000);
      g_assert_null (msg->text);
      break;
    case 3:
      g_assert_cmpstr (msg->output_transcription, ==, "Let me check.");
      break;
    case 4:
      g_assert_true (msg->generation_complete);
      g_assert_false (msg->turn_complete);
      break;
    case 5:
      g_assert_true (msg->turn_complete);
      g_assert_true (msg->has_usage);
      g_assert_cmpint (msg->usage.prompt_tokens, ==, 10);
      g_assert_cmpint (msg->usage.response_tokens, ==, 5);
      g_assert_cmpint (msg->usage.total_tokens, ==, 15);
      break;
    case 6:
      g_assert_nonnull (msg->function_calls);
      g_assert_cmpuint (msg->function_calls->len, ==, 1);
      call = g_ptr_array_index (msg->function_calls, 0);
      g_assert_cmpstr (call->id, ==, "fc-123");
      g_assert_cmpstr (call->name, ==, "get_weather");
      assert_same_json (call->args_json,
          "{\"city\":\"Paris\",\"unit\":\"celsius\"}");
      break;
    case 7:
      g_assert_cmpstr (msg->text, ==, "It is sunny.");
      g_assert_cmpuint (msg->audio->len, ==, 0);
      break;
    case 8:
      g_assert_true (msg->interrupted);
      g_assert_false (msg->turn_complete);
      break;
    case 9:
      g_assert_nonnull (msg->cancelled_ids);
      g_assert_cmpstr (msg->cancelled_ids[0], ==, "fc-999");
      g_assert_null (msg->cancelled_ids[1]);
      break;
    case 10:
      g_assert_true (msg->has_resumption_update);
      g_assert_cmpstr (msg->new_handle, ==, "handle-abc");
      g_assert_true (msg->resumable);
      g_assert_cmpint (msg->last_consumed_client_message_index, ==, -1);
      break;
    case 11:
      g_assert_true (msg->go_away);
      g_assert_cmpint (msg->go_away_time_left_ms, ==, 10000);
      break;
    default:
      g_assert_not_reached ();
  }
  g_assert_false (msg->has_error);
}

static void
test_server_golden_replies (void)
{
  g_autoptr (GPtrArray) replies = load_jsonl ("server-replies-sent.jsonl",
      "obj");
  guint i;

  if (replies == NULL)
    return;
  g_assert_cmpuint (replies->len, ==, 12);
  for (i = 0; i < replies->len; i++) {
    g_autofree gchar *json = json_to_string (g_ptr_array_index (replies, i),
        FALSE);
    g_autoptr (VpServerMessage) msg = parse_server_ok (json);

    check_golden_reply (i, msg);
  }
}

/* What the SDK's onmessage got, including its .data and .text getters. */
static void
test_server_golden_onmessage (void)
{
  g_autoptr (GPtrArray) lines = load_jsonl ("sdk-onmessage-parsed.jsonl",
      "json");
  guint i;

  if (lines == NULL)
    return;
  g_assert_cmpuint (lines->len, ==, 24);
  for (i = 0; i < lines->len; i += 2) {
    g_autofree gchar *json = json_to_string (g_ptr_array_index (lines, i),
        FALSE);
    JsonObject *line = json_node_get_object (g_ptr_array_index (lines, i + 1));
    g_autoptr (VpServerMessage) msg = parse_server_ok (json);

    check_golden_reply (i / 2, msg);
    if (json_object_has_member (line, "dataGetter")) {
      g_autofree gchar *b64 = base64_of_audio (msg);

      g_assert_cmpstr (b64, ==, json_object_get_string_member (line,
              "dataGetter"));
    }
    if (json_object_has_member (line, "textGetter"))
      g_assert_cmpstr (msg->text, ==, json_object_get_string_member (line,
              "textGetter"));
  }
}

static void
test_server_int64_and_durations (void)
{
  VpServerMessage *msg;

  msg = parse_server_ok ("{\"sessionResumptionUpdate\":{\"newHandle\":\"h\","
      "\"resumable\":true,\"lastConsumedClientMessageIndex\":"
      "\"123456789012\"}}");
  g_assert_cmpint (msg->last_consumed_client_message_index, ==,
      G_GINT64_CONSTANT (123456789012));
  vp_server_message_free (msg);

  msg = parse_server_ok ("{\"sessionResumptionUpdate\":"
      "{\"lastConsumedClientMessageIndex\":42}}");
  g_assert_cmpint (msg->last_consumed_client_message_index, ==, 42);
  vp_server_message_free (msg);

  msg = parse_server_ok ("{\"serverContent\":{\"turnComplete\":true},"
      "\"usageMetadata\":{\"promptTokenCount\":\"541\",\"totalTokenCount\":"
      "697.0}}");
  g_assert_cmpint (msg->usage.prompt_tokens, ==, 541);
  g_assert_cmpint (msg->usage.total_tokens, ==, 697);
  vp_server_message_free (msg);

  msg = parse_server_ok ("{\"goAway\":{\"timeLeft\":\"50s\"}}");
  g_assert_true (msg->go_away);
  g_assert_cmpint (msg->go_away_time_left_ms, ==, 50000);
  vp_server_message_free (msg);

  msg = parse_server_ok ("{\"goAway\":{\"timeLeft\":\"1.5s\"}}");
  g_assert_cmpint (msg->go_away_time_left_ms, ==, 1500);
  vp_server_message_free (msg);

  /* goAway without timeLeft, or with a bad one. */
  msg = parse_server_ok ("{\"goAway\":{}}");
  g_assert_true (msg->go_away);
  g_assert_cmpint (msg->go_away_time_left_ms, ==, -1);
  vp_server_message_free (msg);

  msg = parse_server_ok ("{\"goAway\":{\"timeLeft\":\"soon\"}}");
  g_assert_true (msg->go_away);
  g_assert_cmpint (msg->go_away_time_left_ms, ==, -1);
  vp_server_message_free (msg);
}

static void
test_server_absent_false (void)
{
  VpServerMessage *msg;

  /* A non-resumable update: both defaults are omitted on the wire. */
  msg = parse_server_ok ("{\"sessionResumptionUpdate\":{}}");
  g_assert_true (msg->has_resumption_update);
  g_assert_null (msg->new_handle);
  g_assert_false (msg->resumable);
  g_assert_cmpint (msg->last_consumed_client_message_index, ==, -1);
  vp_server_message_free (msg);

  msg = parse_server_ok ("{\"serverContent\":{}}");
  g_assert_true (msg->has_server_content);
  g_assert_false (msg->turn_complete);
  g_assert_false (msg->interrupted);
  g_assert_false (msg->generation_complete);
  g_assert_false (msg->waiting_for_input);
  g_assert_false (msg->has_usage);
  g_assert_null (msg->function_calls);
  g_assert_null (msg->cancelled_ids);
  g_assert_nonnull (msg->audio);
  g_assert_cmpuint (msg->audio->len, ==, 0);
  g_assert_cmpuint (msg->audio_rate, ==, 24000);
  vp_server_message_free (msg);

  msg = parse_server_ok ("{\"setupComplete\":{\"sessionId\":\"s-1\"}}");
  g_assert_true (msg->setup_complete);
  g_assert_cmpstr (msg->session_id, ==, "s-1");
  g_assert_false (msg->go_away);
  g_assert_false (msg->has_error);
  vp_server_message_free (msg);
}

static void
test_server_packing (void)
{
  /* 3.1 packs several audio parts, text, thoughts and the transcription
   * into one frame. */
  g_autoptr (VpServerMessage) msg = parse_server_ok ("{\"serverContent\":{"
      "\"modelTurn\":{\"parts\":["
      "{\"inlineData\":{\"mimeType\":\"audio/pcm;rate=16000\","
      "\"data\":\"AQID\"}},"
      "{\"text\":\"thinking...\",\"thought\":true},"
      "{\"inlineData\":{\"mimeType\":\"audio/pcm;rate=16000\","
      "\"data\":\"BAUG\"}},"
      "{\"text\":\"Sure, \"},{\"text\":\"it's\"},"
      "{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"iVBO\"}},"
      "{\"executableCode\":{\"code\":\"1+1\"}}]},"
      "\"outputTranscription\":{\"text\":\"Sure, it's\",\"finished\":true},"
      "\"inputTranscription\":{\"text\":\"hello\"},"
      "\"generationComplete\":true,\"turnComplete\":true,"
      "\"waitingForInput\":true,\"turnCompleteReason\":\"NEED_MORE_INPUT\","
      "\"groundingMetadata\":{\"webSearchQueries\":[\"q\"]}},"
      "\"usageMetadata\":{\"promptTokenCount\":412,\"responseTokenCount\":96,"
      "\"totalTokenCount\":508,\"thoughtsTokenCount\":7,"
      "\"toolUsePromptTokenCount\":3,\"cachedContentTokenCount\":2,"
      "\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":310},"
      "{\"modality\":\"AUDIO\",\"tokenCount\":100},{\"modality\":\"IMAGE\","
      "\"tokenCount\":1},{\"modality\":\"VIDEO\",\"tokenCount\":1}],"
      "\"responseTokensDetails\":[{\"modality\":\"AUDIO\",\"tokenCount\":90},"
      "{\"modality\":\"TEXT\",\"tokenCount\":6}]}}");
  const guint8 first[] = { 1, 2, 3 }, second[] = { 4, 5, 6 };

  g_assert_cmpuint (msg->audio->len, ==, 2);
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (msg->audio, 0), NULL),
      3, first, 3);
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (msg->audio, 1), NULL),
      3, second, 3);
  g_assert_cmpuint (msg->audio_rate, ==, 16000);
  g_assert_cmpstr (msg->text, ==, "Sure, it's");
  g_assert_cmpstr (msg->thought_text, ==, "thinking...");
  g_assert_cmpstr (msg->output_transcription, ==, "Sure, it's");
  g_assert_true (msg->output_transcription_finished);
  g_assert_cmpstr (msg->input_transcription, ==, "hello");
  g_assert_false (msg->input_transcription_finished);
  g_assert_true (msg->generation_complete);
  g_assert_true (msg->turn_complete);
  g_assert_true (msg->waiting_for_input);
  g_assert_cmpstr (msg->turn_complete_reason, ==, "NEED_MORE_INPUT");
  assert_same_json (msg->grounding_metadata_json,
      "{\"webSearchQueries\":[\"q\"]}");

  g_assert_true (msg->has_usage);
  g_assert_cmpint (msg->usage.prompt_tokens, ==, 412);
  g_assert_cmpint (msg->usage.response_tokens, ==, 96);
  g_assert_cmpint (msg->usage.total_tokens, ==, 508);
  g_assert_cmpint (msg->usage.thoughts_tokens, ==, 7);
  g_assert_cmpint (msg->usage.tool_use_prompt_tokens, ==, 3);
  g_assert_cmpint (msg->usage.cached_tokens, ==, 2);
  g_assert_cmpint (msg->usage.prompt_text_tokens, ==, 310);
  g_assert_cmpint (msg->usage.prompt_audio_tokens, ==, 100);
  g_assert_cmpint (msg->usage.prompt_image_tokens, ==, 1);
  g_assert_cmpint (msg->usage.prompt_video_tokens, ==, 1);
  g_assert_cmpint (msg->usage.response_audio_tokens, ==, 90);
  g_assert_cmpint (msg->usage.response_text_tokens, ==, 6);
}

static void
test_server_tool_call (void)
{
  VpServerMessage *msg;
  VpFunctionCall *call;

  msg = parse_server_ok ("{\"toolCall\":{\"functionCalls\":["
      "{\"id\":\"call-a1\",\"name\":\"get_weather\",\"args\":{\"city\":"
      "\"Paris\",\"n\":[1,2.5,true,null]}},"
      "{\"id\":\"call-a2\",\"name\":\"get_time\"},"
      "\"junk\","
      "{\"id\":\"call-a3\",\"name\":\"x\",\"args\":\"not an object\"}]}}");
  g_assert_cmpuint (msg->function_calls->len, ==, 3);
  call = g_ptr_array_index (msg->function_calls, 0);
  g_assert_cmpstr (call->args_json, ==,
      "{\"city\":\"Paris\",\"n\":[1,2.5,true,null]}");
  call = g_ptr_array_index (msg->function_calls, 1);
  g_assert_cmpstr (call->id, ==, "call-a2");
  g_assert_cmpstr (call->args_json, ==, "{}");
  call = g_ptr_array_index (msg->function_calls, 2);
  g_assert_cmpstr (call->args_json, ==, "{}");
  vp_server_message_free (msg);

  /* A toolCall without calls still says "toolCall". */
  msg = parse_server_ok ("{\"toolCall\":{}}");
  g_assert_nonnull (msg->function_calls);
  g_assert_cmpuint (msg->function_calls->len, ==, 0);
  vp_server_message_free (msg);

  msg =
      parse_server_ok ("{\"toolCallCancellation\":{\"ids\":[\"a\",7,\"b\"]}}");
  g_assert_cmpuint (g_strv_length (msg->cancelled_ids), ==, 2);
  g_assert_cmpstr (msg->cancelled_ids[1], ==, "b");
  vp_server_message_free (msg);

  /* turnComplete and toolCall in one frame: both are read. */
  msg = parse_server_ok ("{\"serverContent\":{\"turnComplete\":true},"
      "\"toolCall\":{\"functionCalls\":[{\"id\":\"1\",\"name\":\"f\"}]}}");
  g_assert_true (msg->turn_complete);
  g_assert_cmpuint (msg->function_calls->len, ==, 1);
  vp_server_message_free (msg);
}

static void
test_server_unknown_and_wrong_types (void)
{
  VpServerMessage *msg;

  msg = parse_server_ok ("{\"serverContent\":{\"turnComplete\":true,"
      "\"interactionStatus\":\"IDLE\",\"brandNew\":{\"x\":[1]}},"
      "\"somethingNew\":{\"a\":1},\"server_content_extra\":3}");
  g_assert_true (msg->turn_complete);
  g_assert_false (msg->has_error);
  vp_server_message_free (msg);

  /* Known fields of the wrong type are skipped, not fatal. */
  msg = parse_server_ok ("{\"serverContent\":{\"turnComplete\":\"yes\","
      "\"interrupted\":1,\"modelTurn\":{\"parts\":{\"text\":\"x\"}},"
      "\"outputTranscription\":{\"text\":5},\"inputTranscription\":\"hi\"},"
      "\"usageMetadata\":{\"promptTokenCount\":\"many\","
      "\"totalTokenCount\":-5,\"promptTokensDetails\":{}},"
      "\"goAway\":{\"timeLeft\":[1]},\"toolCallCancellation\":{\"ids\":\"a\"},"
      "\"sessionResumptionUpdate\":{\"newHandle\":7,\"resumable\":\"true\","
      "\"lastConsumedClientMessageIndex\":\"-x\"}}");
  g_assert_true (msg->has_server_content);
  g_assert_false (msg->turn_complete);
  g_assert_false (msg->interrupted);
  g_assert_null (msg->text);
  g_assert_null (msg->output_transcription);
  g_assert_null (msg->input_transcription);
  g_assert_cmpint (msg->usage.prompt_tokens, ==, 0);
  g_assert_cmpint (msg->usage.total_tokens, ==, 0);
  g_assert_cmpint (msg->go_away_time_left_ms, ==, -1);
  g_assert_nonnull (msg->cancelled_ids);
  g_assert_null (msg->cancelled_ids[0]);
  g_assert_null (msg->new_handle);
  g_assert_false (msg->resumable);
  g_assert_cmpint (msg->last_consumed_client_message_index, ==, -1);
  vp_server_message_free (msg);

  /* Bad base64 audio is dropped; URL-safe and unpadded are fine. */
  msg = parse_server_ok ("{\"serverContent\":{\"modelTurn\":{\"parts\":["
      "{\"inlineData\":{\"mimeType\":\"audio/pcm;rate=24000\",\"data\":"
      "\"!!!\"}},{\"inlineData\":{\"data\":\"-_8\"}}]}}}");
  g_assert_cmpuint (msg->audio->len, ==, 1);
  g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (msg->audio, 0)),
      ==, 2);
  vp_server_message_free (msg);

  /* null is "not set". */
  msg = parse_server_ok ("{\"serverContent\":null,\"setupComplete\":null}");
  g_assert_false (msg->has_server_content);
  g_assert_false (msg->setup_complete);
  vp_server_message_free (msg);
}

static void
test_server_errors (void)
{
  VpServerMessage *msg;

  msg = parse_server_ok ("{\"error\":{\"code\":429,\"message\":\"Resource "
      "has been exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}");
  g_assert_true (msg->has_error);
  g_assert_cmpint (msg->error_code, ==, 429);
  g_assert_cmpstr (msg->error_message, ==, "Resource has been exhausted");
  vp_server_message_free (msg);

  msg = parse_server_ok ("{\"code\":\"400\",\"status\":\"INVALID_ARGUMENT\"}");
  g_assert_true (msg->has_error);
  g_assert_cmpint (msg->error_code, ==, 400);
  g_assert_cmpstr (msg->error_message, ==, "INVALID_ARGUMENT");
  vp_server_message_free (msg);

  /* A stray "code" next to a known message is not an error. */
  msg = parse_server_ok ("{\"setupComplete\":{},\"code\":1}");
  g_assert_false (msg->has_error);
  vp_server_message_free (msg);

  msg = parse_server_ok ("{\"somethingElse\":{}}");
  g_assert_false (msg->has_error);
  vp_server_message_free (msg);
}

static void
test_server_voice_activity (void)
{
  VpServerMessage *msg;

  msg = parse_server_ok ("{\"voiceActivity\":{\"type\":\"ACTIVITY_START\","
      "\"audioOffset\":\"1.2s\"}}");
  g_assert_cmpstr (msg->voice_activity, ==, "ACTIVITY_START");
  vp_server_message_free (msg);

  msg = parse_server_ok ("{\"voiceActivity\":{\"voiceActivityType\":"
      "\"ACTIVITY_END\"}}");
  g_assert_cmpstr (msg->voice_activity, ==, "ACTIVITY_END");
  vp_server_message_free (msg);

  msg = parse_server_ok ("{\"voiceActivityDetectionSignal\":"
      "{\"vadSignalType\":\"VAD_SIGNAL_TYPE_EOS\"}}");
  g_assert_cmpstr (msg->voice_activity, ==, "VAD_SIGNAL_TYPE_EOS");
  vp_server_message_free (msg);
}

static void
assert_server_error (const gchar * data, gsize length, gint code,
    const gchar * fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VpServerMessage) msg = vp_server_message_parse (data, length,
      &error);

  g_assert_null (msg);
  g_assert_error (error, VP_PROTOCOL_ERROR, code);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_test_fail_printf ("\"%s\" does not say \"%s\"", error->message, fragment);
}

/* Long strings (the model's audio, long texts) take the parser's fast
 * path: what comes out must be what json-glib alone gives. */
static void
test_server_long_strings (void)
{
  g_autoptr (GString) json = g_string_new (NULL);
  g_autoptr (GString) long_text = g_string_new (NULL);
  g_autofree gchar *b64 = NULL;
  guint8 pcm[5760];
  VpServerMessage *msg;
  VpFunctionCall *call;
  guint i;

  for (i = 0; i < sizeof pcm; i++)
    pcm[i] = (guint8) (i * 7 + i / 256);
  b64 = g_base64_encode (pcm, sizeof pcm);

  /* Two audio parts, one text part with U+0001 escaped in it (which turns
   * the fast path off) and without. */
  for (i = 0; i < 2; i++) {
    g_string_printf (json, "{\"serverContent\":{\"modelTurn\":{\"parts\":["
        "{\"inlineData\":{\"mimeType\":\"audio/pcm;rate=24000\","
        "\"data\":\"%s\"}},{\"text\":\"%s\"},"
        "{\"inlineData\":{\"mimeType\":\"audio/pcm;rate=24000\","
        "\"data\":\"%s\"}}]}}}", b64, i == 0 ? "a\\u0001b" : "ab", b64);
    msg = parse_server_ok (json->str);
    g_assert_cmpuint (msg->audio->len, ==, 2);
    g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (msg->audio, 0),
            NULL), g_bytes_get_size (g_ptr_array_index (msg->audio, 0)),
        pcm, sizeof pcm);
    g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (msg->audio, 1),
            NULL), g_bytes_get_size (g_ptr_array_index (msg->audio, 1)),
        pcm, sizeof pcm);
    g_assert_cmpstr (msg->text, ==, i == 0 ? "a\001b" : "ab");
    vp_server_message_free (msg);
  }

  /* Non-ASCII text, and text with escapes. */
  for (i = 0; i < 200; i++)
    g_string_append (long_text, "é€");
  g_string_printf (json, "{\"serverContent\":{\"outputTranscription\":"
      "{\"text\":\"%s\"},\"modelTurn\":{\"parts\":[{\"text\":\"%s\\n%s\"}]}}}",
      long_text->str, long_text->str, long_text->str);
  msg = parse_server_ok (json->str);
  g_assert_cmpstr (msg->output_transcription, ==, long_text->str);
  g_string_insert_c (long_text, 0, '\n');
  g_string_prepend (long_text, msg->output_transcription);
  g_assert_cmpstr (msg->text, ==, long_text->str);
  vp_server_message_free (msg);

  /* Long member names, a repeated member (json-glib keeps the last), long
   * strings in arrays and nested objects. */
  g_string_printf (json, "{\"toolCall\":{\"functionCalls\":[{\"id\":\"1\","
      "\"name\":\"f\",\"args\":{\"%s\":\"%s1\",\"a\":\"%s2\",\"a\":\"%s3\","
      "\"b\":[\"%s4\",{\"c\":\"%s5\"},\"x\"]}}]}}", b64, b64, b64, b64, b64,
      b64);
  msg = parse_server_ok (json->str);
  call = g_ptr_array_index (msg->function_calls, 0);
  g_string_printf (json, "{\"%s\":\"%s1\",\"a\":\"%s3\",\"b\":[\"%s4\","
      "{\"c\":\"%s5\"},\"x\"]}", b64, b64, b64, b64, b64);
  g_assert_cmpstr (call->args_json, ==, json->str);
  vp_server_message_free (msg);

  /* Bad bytes inside a long string are still found. */
  g_string_printf (json, "{\"serverContent\":{\"modelTurn\":{\"parts\":["
      "{\"text\":\"%s\xff%s\"}]}}}", b64, b64);
  assert_server_error (json->str, json->len, VP_PROTOCOL_ERROR_MALFORMED,
      "not valid UTF-8");
  g_string_printf (json, "{\"serverContent\":{\"modelTurn\":{\"parts\":["
      "{\"text\":\"%s\t%s\"}]}}}", b64, b64);
  assert_server_error (json->str, json->len, VP_PROTOCOL_ERROR_MALFORMED,
      "holds a control character");
  g_string_printf (json, "{\"serverContent\":{\"modelTurn\":{\"parts\":["
      "{\"inlineData\":{\"mimeType\":\"audio/pcm;rate=24000\","
      "\"data\":\"%s\"}}]}}}", b64);
  g_string_truncate (json, json->len - 10);
  assert_server_error (json->str, json->len, VP_PROTOCOL_ERROR_MALFORMED,
      "unterminated");
}

static void
test_server_malformed (void)
{
  assert_server_error ("", 0, VP_PROTOCOL_ERROR_MALFORMED, "empty");
  assert_server_error ("   ", 3, VP_PROTOCOL_ERROR_MALFORMED, "whitespace");
  assert_server_error ("not json", 8, VP_PROTOCOL_ERROR_MALFORMED,
      "Invalid JSON payload received.");
  assert_server_error ("[1,2]", 5, VP_PROTOCOL_ERROR_MALFORMED,
      "an array, not a JSON object");
  assert_server_error ("\"x\"", 3, VP_PROTOCOL_ERROR_MALFORMED,
      "a string, not a JSON object");
  assert_server_error ("{\"a\":1", 6, VP_PROTOCOL_ERROR_MALFORMED, NULL);
  /* json-glib alone would take the second object (and leak the first). */
  assert_server_error ("{\"a\":1}{\"b\":2}", 14, VP_PROTOCOL_ERROR_MALFORMED,
      "Data follows");
  assert_server_error ("{\"a\":1} x", 9, VP_PROTOCOL_ERROR_MALFORMED,
      "Data follows");
  assert_server_error ("{\"a\":1}]", 8, VP_PROTOCOL_ERROR_MALFORMED,
      "Data follows");
  assert_server_error ("\xef\xbb\xbf{}", 5, VP_PROTOCOL_ERROR_MALFORMED,
      "not JSON");
  /* Full syntax check before json-glib (which leaks on some errors). */
  assert_server_error ("{/{/}{}", 7, VP_PROTOCOL_ERROR_MALFORMED,
      "Unexpected '/' at byte 1.");
  {
    const gchar *bad_syntax[] = { "{\"a\":01}", "{\"a\":1.}",
      "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":tru}",
      "{\"a\":[1,]}", "{,}", "{\"a\" 1}", "{\"a\":NaN}", "{\"a\":1,}",
      "{\"a\":[1 2]}", "{'a':1}", "{\"a\":+1}", "{\"a\":\"x\"",
      "{\"a\"}", "{\"a\":}", "{1:2}", "{\"a\":[}"
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (bad_syntax); i++)
      assert_server_error (bad_syntax[i], strlen (bad_syntax[i]),
          VP_PROTOCOL_ERROR_MALFORMED, "Invalid JSON payload received.");
  }
  {
    g_autoptr (VpServerMessage) msg = parse_server_ok ("{\"a\":-0.5e+10,"
        "\"b\":0,\"c\":1E5,\"d\":[],\"e\":{},\"f\":[true,false,null],"
        "\"g\":-0,\"h\":12.50E-3,\"i\":[[],[{}]], \"j\" : \"\" }");

    g_assert_false (msg->has_error);
  }
  /* Strings json-glib 1.6 would take (or leak on): checked first. */
  {
    const gchar *bad_strings[] = { "{\"a\":\"\\ud800\"}",
      "{\"a\":\"\\ud800x\"}", "{\"a\":\"\\ud800\\u0041\"}",
      "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud83d\\u[de00\"}",
      "{\"a\":\"\\u12\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\x01\"}",
      "{\"\\ud83d\\u\":1}", "{\"a\":\"\\"
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (bad_strings); i++)
      assert_server_error (bad_strings[i], strlen (bad_strings[i]),
          VP_PROTOCOL_ERROR_MALFORMED, "string");
  }
  {
    g_autoptr (VpServerMessage) msg = parse_server_ok ("{\"serverContent\":"
        "{\"modelTurn\":{\"parts\":[{\"text\":\"\\ud83d\\ude00 \\u00e9"
        "\\/\\b\\f\\n\\r\\t\\\"\\\\\"}]}}}");

    g_assert_cmpstr (msg->text, ==, "\xf0\x9f\x98\x80 \xc3\xa9/\b\f\n\r\t\"\\");
  }
  assert_server_error ("{\"a\":\"\xff\"}", 9, VP_PROTOCOL_ERROR_MALFORMED,
      "UTF-8");
  assert_server_error ("{\"a\":\"\0\"}", 9, VP_PROTOCOL_ERROR_MALFORMED,
      "UTF-8");
  /* JSON whitespace around the object is fine. */
  {
    g_autoptr (VpServerMessage) msg =
        parse_server_ok (" \r\n\t{\"setupComplete\":{}} \n");

    g_assert_true (msg->setup_complete);
  }
  /* Only @length bytes are read: no NUL terminator needed. */
  {
    g_autoptr (VpServerMessage) msg =
        vp_server_message_parse ("{\"setupComplete\":{}}garbage", 20, NULL);

    g_assert_nonnull (msg);
    g_assert_true (msg->setup_complete);
  }
}

static gchar *
nested (guint depth)
{
  GString *s = g_string_new ("{\"serverContent\":");
  guint i;

  for (i = 1; i < depth; i++)
    g_string_append (s, "{\"a\":");
  g_string_append (s, "1");
  for (i = 0; i < depth; i++)
    g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static void
test_limits (void)
{
  g_autofree gchar *ok = nested (VP_PROTOCOL_MAX_DEPTH);
  g_autofree gchar *deep = nested (VP_PROTOCOL_MAX_DEPTH + 1);
  g_autofree gchar *brackets = g_strnfill (100000, '[');
  g_autofree gchar *very_deep = g_strconcat ("{\"a\":", brackets, NULL);
  g_autofree gchar *brackets_in_string = NULL;
  gsize big_size = VP_PROTOCOL_MAX_MESSAGE_SIZE + 1;
  g_autofree gchar *big = g_malloc (big_size);
  g_autoptr (GError) error = NULL;
  VpServerMessage *msg;
  VpClientMessage *cmsg;

  msg = parse_server_ok (ok);
  vp_server_message_free (msg);

  assert_server_error (deep, strlen (deep), VP_PROTOCOL_ERROR_TOO_LARGE,
      "deeper");
  assert_server_error (very_deep, strlen (very_deep),
      VP_PROTOCOL_ERROR_TOO_LARGE, NULL);
  assert_client_error (very_deep, VP_PROTOCOL_ERROR_TOO_LARGE, NULL);

  /* Brackets inside strings do not count. */
  {
    g_autofree gchar *many = g_strnfill (1000, '{');

    brackets_in_string = g_strdup_printf ("{\"serverContent\":{\"modelTurn\":"
        "{\"parts\":[{\"text\":\"%s\\\"[[\"}]}}}", many);
  }
  msg = parse_server_ok (brackets_in_string);
  g_assert_true (g_str_has_prefix (msg->text, "{{{"));
  vp_server_message_free (msg);

  memset (big, ' ', big_size);
  big[0] = '{';
  big[big_size - 1] = '}';
  assert_server_error (big, big_size, VP_PROTOCOL_ERROR_TOO_LARGE, "limit");
  cmsg = vp_client_message_parse (big, big_size, &error);
  g_assert_null (cmsg);
  g_assert_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_TOO_LARGE);
}

/* Client messages, server side (the emulator) */

static void
test_client_snake_case (void)
{
  VpClientMessage *msg;

  /* The cookbook's raw style: snake_case everywhere. */
  msg = parse_client_ok ("{\"setup\":{\"model\":\"models/gemini-2.5-flash-"
      "native-audio-preview-09-2025\",\"generation_config\":{"
      "\"response_modalities\":[\"audio\"],\"speech_config\":{"
      "\"voice_config\":{\"prebuilt_voice_config\":{\"voice_name\":\"Kore\"}},"
      "\"language_code\":\"en-US\"},\"thinking_config\":{\"thinking_level\":"
      "\"minimal\",\"include_thoughts\":false},\"max_output_tokens\":\"256\","
      "\"top_k\":3,\"top_p\":\"0.5\",\"media_resolution\":"
      "\"media_resolution_high\",\"enable_affective_dialog\":true},"
      "\"system_instruction\":{\"parts\":[{\"text\":\"one\"},{\"text\":"
      "\"two\"}]},\"realtime_input_config\":{\"automatic_activity_detection\":"
      "{\"disabled\":\"true\",\"start_of_speech_sensitivity\":"
      "\"start_sensitivity_high\",\"prefix_padding_ms\":100,"
      "\"silence_duration_ms\":\"800\"},\"activity_handling\":"
      "\"no_interruption\",\"turn_coverage\":\"turn_includes_all_input\"},"
      "\"session_resumption\":{\"handle\":\"h1\",\"transparent\":false},"
      "\"context_window_compression\":{\"trigger_tokens\":\"25600\","
      "\"sliding_window\":{\"target_tokens\":12800}},"
      "\"input_audio_transcription\":{},\"output_audio_transcription\":{},"
      "\"proactivity\":{\"proactive_audio\":true},\"history_config\":{"
      "\"initial_history_in_client_content\":false},\"tools\":[{"
      "\"function_declarations\":[{\"name\":\"f\",\"parameters\":{\"type\":"
      "\"object\",\"any_key\":{\"x\":1}}}]},{\"google_search\":{}}]}}");
  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_SETUP);
  g_assert_cmpstr (msg->setup->response_modality, ==, "AUDIO");
  g_assert_cmpstr (msg->setup->voice, ==, "Kore");
  g_assert_cmpstr (msg->setup->language_code, ==, "en-US");
  g_assert_cmpstr (msg->setup->thinking_level, ==, "MINIMAL");
  g_assert_cmpint (msg->setup->include_thoughts, ==, VP_TRISTATE_FALSE);
  g_assert_cmpint (msg->setup->max_output_tokens, ==, 256);
  g_assert_cmpint (msg->setup->top_k, ==, 3);
  g_assert_cmpfloat (msg->setup->top_p, ==, 0.5);
  g_assert_cmpstr (msg->setup->media_resolution, ==, "MEDIA_RESOLUTION_HIGH");
  g_assert_cmpint (msg->setup->enable_affective_dialog, ==, VP_TRISTATE_TRUE);
  g_assert_cmpstr (msg->setup->system_instruction, ==, "one\ntwo");
  g_assert_cmpint (msg->setup->vad_disabled, ==, VP_TRISTATE_TRUE);
  g_assert_cmpstr (msg->setup->start_sensitivity, ==, "START_SENSITIVITY_HIGH");
  g_assert_null (msg->setup->end_sensitivity);
  g_assert_cmpint (msg->setup->prefix_padding_ms, ==, 100);
  g_assert_cmpint (msg->setup->silence_duration_ms, ==, 800);
  g_assert_cmpstr (msg->setup->activity_handling, ==, "NO_INTERRUPTION");
  g_assert_cmpstr (msg->setup->turn_coverage, ==, "TURN_INCLUDES_ALL_INPUT");
  g_assert_true (msg->setup->session_resumption);
  g_assert_cmpstr (msg->setup->resume_handle, ==, "h1");
  g_assert_true (msg->setup->context_compression);
  g_assert_cmpint (msg->setup->trigger_tokens, ==, 25600);
  g_assert_cmpint (msg->setup->target_tokens, ==, 12800);
  g_assert_true (msg->setup->input_transcription);
  g_assert_true (msg->setup->output_transcription);
  g_assert_cmpint (msg->setup->proactive_audio, ==, VP_TRISTATE_TRUE);
  g_assert_cmpint (msg->setup->initial_history_in_client_content, ==,
      VP_TRISTATE_FALSE);
  /* Tools come back normalised to camelCase; schemas as sent. */
  {
    g_autoptr (JsonNode) tools = json_node_init_array (json_node_alloc (),
        msg->setup->tools);
    g_autofree gchar *json = json_to_string (tools, FALSE);

    assert_same_json (json, "[{\"functionDeclarations\":[{\"name\":\"f\","
        "\"parameters\":{\"type\":\"object\",\"any_key\":{\"x\":1}}}]},"
        "{\"googleSearch\":{}}]");
  }
  vp_client_message_free (msg);

  msg = parse_client_ok ("{\"realtime_input\":{\"media_chunks\":[{"
      "\"mime_type\":\"audio/pcm\",\"data\":\"AAECAw==\"}]}}");
  g_assert_cmpuint (g_bytes_get_size (msg->audio), ==, 4);
  g_assert_cmpuint (msg->audio_rate, ==, 16000);
  vp_client_message_free (msg);

  msg = parse_client_ok ("{\"client_content\":{\"turns\":[{\"role\":\"user\","
      "\"parts\":[{\"text\":\"Hi\"},{\"inline_data\":{\"mime_type\":"
      "\"image/jpeg\",\"data\":\"/9j/\"}},{\"text\":\" there\"}]},"
      "{\"parts\":[{\"text\":\"no role means user\"}]}],"
      "\"turn_complete\":true}}");
  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_CLIENT_CONTENT);
  g_assert_cmpstr (msg->text, ==, "Hi there\nno role means user");
  g_assert_true (msg->turn_complete);
  g_assert_true (strstr (msg->turns_json, "\"inlineData\"") != NULL);
  vp_client_message_free (msg);

  msg = parse_client_ok ("{\"tool_response\":{\"function_responses\":[{"
      "\"id\":\"1\",\"name\":\"f\",\"response\":{\"any_thing\":1},"
      "\"scheduling\":\"silent\",\"will_continue\":true}]}}");
  g_assert_cmpuint (msg->function_responses->len, ==, 1);
  g_assert_cmpstr (((VpFunctionResponse *) g_ptr_array_index
          (msg->function_responses, 0))->scheduling, ==, "SILENT");
  vp_client_message_free (msg);

  msg = parse_client_ok ("{\"context_update\":{\"system_instruction\":{"
      "\"parts\":[{\"text\":\"new\"}],\"role\":\"user\"}}}");
  g_assert_cmpstr (msg->system_instruction, ==, "new");
  vp_client_message_free (msg);
}

static void
test_client_unknown_field (void)
{
  assert_client_error ("{\"setup\":{\"model\":\"models/m\","
      "\"responseModalities\":[\"AUDIO\"]}}", VP_PROTOCOL_ERROR_UNKNOWN_FIELD,
      "Invalid JSON payload received. Unknown name \"responseModalities\" at "
      "'setup': Cannot find field.");
  assert_client_error ("{\"setup\":{\"model\":\"m\",\"generation_config\":{"
      "\"responseModality\":[\"AUDIO\"]}}}", VP_PROTOCOL_ERROR_UNKNOWN_FIELD,
      "Invalid JSON payload received. Unknown name \"responseModality\" at "
      "'setup.generation_config': Cannot find field.");
  assert_client_error ("{\"setup\":{\"model\":\"m\",\"tools\":[{"
      "\"googleSearch\":{}},{\"functionDeclarations\":[{\"name\":\"f\","
      "\"params\":{}}]}]}}", VP_PROTOCOL_ERROR_UNKNOWN_FIELD,
      "Invalid JSON payload received. Unknown name \"params\" at "
      "'setup.tools[1].functionDeclarations[0]': Cannot find field.");
  assert_client_error ("{\"realtimeInput\":{\"audio\":{\"mimeType\":"
      "\"audio/pcm\",\"data\":\"\",\"rate\":16000}}}",
      VP_PROTOCOL_ERROR_UNKNOWN_FIELD,
      "Invalid JSON payload received. Unknown name \"rate\" at "
      "'realtimeInput.audio': Cannot find field.");
  assert_client_error ("{\"hello\":{}}", VP_PROTOCOL_ERROR_UNKNOWN_FIELD,
      "Invalid JSON payload received. Unknown name \"hello\": Cannot find "
      "field.");
  /* Mixed spellings inside one name are not proto names. */
  assert_client_error ("{\"setup\":{\"model\":\"m\",\"generation_Config\":{}}}",
      VP_PROTOCOL_ERROR_UNKNOWN_FIELD, NULL);
  assert_client_error ("{\"clientContent\":{\"turns\":[{\"parts\":[{"
      "\"text\":\"a\",\"bogus\":1}]}]}}", VP_PROTOCOL_ERROR_UNKNOWN_FIELD,
      "Invalid JSON payload received. Unknown name \"bogus\" at "
      "'clientContent.turns[0].parts[0]': Cannot find field.");
  /* The transcription config's newer keys are known. */
  {
    g_autoptr (VpClientMessage) msg = parse_client_ok ("{\"setup\":{"
        "\"model\":\"m\",\"inputAudioTranscription\":{\"languageCodes\":"
        "[\"en-US\"],\"word_timestamp\":true}}}");

    g_assert_true (msg->setup->input_transcription);
  }
}

static void
test_client_wrong_types (void)
{
  assert_client_error ("{\"setup\":{\"model\":\"m\",\"generationConfig\":{"
      "\"temperature\":\"hot\"}}}", VP_PROTOCOL_ERROR_MALFORMED,
      "Invalid value at 'setup.generationConfig.temperature' (TYPE_FLOAT), "
      "\"hot\"");
  assert_client_error ("{\"setup\":{\"model\":\"m\",\"generationConfig\":{"
      "\"responseModalities\":[\"AUIDO\"]}}}", VP_PROTOCOL_ERROR_MALFORMED,
      "Invalid value at 'setup.generationConfig.responseModalities[0]' "
      "(type.googleapis.com/google.ai.generativelanguage.v1beta."
      "GenerationConfig.Modality), \"AUIDO\"");
  assert_client_error ("{\"setup\":{\"model\":\"m\",\"generationConfig\":{"
      "\"responseModalities\":\"AUDIO\"}}}", VP_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_client_error ("{\"setup\":{\"model\":\"m\",\"tools\":{}}}",
      VP_PROTOCOL_ERROR_MALFORMED, "Invalid JSON payload received. Unknown "
      "name \"tools\" at 'setup': Proto field is repeating, cannot start "
      "object.");
  assert_client_error ("{\"setup\":{\"model\":[\"m\"]}}",
      VP_PROTOCOL_ERROR_MALFORMED, "Invalid JSON payload received. Unknown "
      "name \"model\" at 'setup': Proto field is not repeating, cannot start "
      "list.");
  assert_client_error ("{\"setup\":\"x\"}", VP_PROTOCOL_ERROR_MALFORMED,
      "Invalid value at 'setup' (type.googleapis.com/google.ai."
      "generativelanguage.v1beta.BidiGenerateContentSetup), \"x\"");
  assert_client_error ("{\"setup\":{\"model\":\"m\",\"generationConfig\":{"
      "\"topK\":2147483648}}}", VP_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_client_error ("{\"setup\":{\"model\":\"m\",\"generationConfig\":{"
      "\"topK\":1.5}}}", VP_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_client_error ("{\"setup\":{\"model\":\"m\",\"contextWindowCompression"
      "\":{\"triggerTokens\":true}}}", VP_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_client_error ("{\"realtimeInput\":{\"text\":5}}",
      VP_PROTOCOL_ERROR_MALFORMED,
      "Invalid value at 'realtimeInput.text' (TYPE_STRING), 5");
  assert_client_error ("{\"toolResponse\":{\"functionResponses\":[{\"id\":"
      "\"1\",\"response\":[1]}]}}", VP_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_client_error ("{\"clientContent\":{\"turns\":[null]}}",
      VP_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_client_error ("{\"setup\":{\"model\":\"m\",\"systemInstruction\":"
      "\"a string\"}}", VP_PROTOCOL_ERROR_MALFORMED, NULL);
}

static void
test_client_values (void)
{
  VpClientMessage *msg;

  /* Enums: any case, or the proto number. */
  msg = parse_client_ok ("{\"setup\":{\"model\":\"m\",\"generationConfig\":{"
      "\"responseModalities\":[1]},\"realtimeInputConfig\":{"
      "\"activityHandling\":\"Start_Of_Activity_Interrupts\"}}}");
  g_assert_cmpstr (msg->setup->response_modality, ==, "TEXT");
  g_assert_cmpstr (msg->setup->activity_handling, ==,
      "START_OF_ACTIVITY_INTERRUPTS");
  vp_client_message_free (msg);

  /* int64 as string or number, bools as strings, floats as strings. */
  msg = parse_client_ok ("{\"setup\":{\"model\":\"m\",\"generationConfig\":{"
      "\"temperature\":1,\"thinkingConfig\":{\"thinkingBudget\":\"-1\"}},"
      "\"contextWindowCompression\":{\"triggerTokens\":\"9007199254740993\"}}}");
  g_assert_cmpfloat (msg->setup->temperature, ==, 1.0);
  g_assert_cmpint (msg->setup->thinking_budget, ==, -1);
  g_assert_cmpint (msg->setup->trigger_tokens, ==,
      G_GINT64_CONSTANT (9007199254740993));
  g_assert_false (msg->setup->context_compression);
  vp_client_message_free (msg);

  /* null means not set. */
  msg = parse_client_ok ("{\"setup\":{\"model\":\"m\",\"generationConfig\":"
      "null,\"tools\":null},\"realtimeInput\":null}");
  g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_SETUP);
  g_assert_null (msg->setup->tools);
  vp_client_message_free (msg);

  /* Several realtime fields at once are allowed (not a oneof). */
  msg = parse_client_ok ("{\"realtimeInput\":{\"audio\":{\"mimeType\":"
      "\"audio/pcm;rate=8000\",\"data\":\"AAA\"},\"video\":{\"mimeType\":"
      "\"image/jpeg\",\"data\":\"/9j/2Q\"},\"text\":\"t\",\"activityEnd\":{}}}");
  g_assert_cmpuint (msg->audio_rate, ==, 8000);
  g_assert_cmpuint (g_bytes_get_size (msg->audio), ==, 2);
  g_assert_cmpuint (g_bytes_get_size (msg->video), ==, 4);
  g_assert_cmpstr (msg->text, ==, "t");
  g_assert_true (msg->activity_end);
  vp_client_message_free (msg);

  /* Schema objects are not checked key by key. */
  msg = parse_client_ok ("{\"setup\":{\"model\":\"m\",\"tools\":[{"
      "\"functionDeclarations\":[{\"name\":\"f\",\"parametersJsonSchema\":{"
      "\"$schema\":\"x\",\"additionalProperties\":false,\"oneOf\":[]},"
      "\"responseJsonSchema\":true,\"response\":{\"whatever\":[]}}]},"
      "{\"codeExecution\":{}},{\"urlContext\":{}},{\"googleMaps\":{\"x\":1}}],"
      "\"safetySettings\":[{\"category\":\"harm_category_harassment\","
      "\"threshold\":\"BLOCK_NONE\"}],\"explicitVadSignal\":false,"
      "\"avatarConfig\":{\"anything\":1}}}");
  g_assert_cmpuint (json_array_get_length (msg->setup->tools), ==, 4);
  vp_client_message_free (msg);
}

static void
test_client_base64 (void)
{
  const gchar *good[] = { "AAECAw==", "AAECAw", "AAEC/+8=", "AAEC_-8",
    "AAEC\\r\\nAw==", ""
  };
  const gchar *bad[] = { "AAECA", "AAE*", "AA==AA", "A===", "AAECAw===",
    "AAEC%w=="
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autofree gchar *json = g_strdup_printf ("{\"realtimeInput\":{\"audio\":"
        "{\"mimeType\":\"audio/pcm\",\"data\":\"%s\"}}}", good[i]);
    g_autoptr (VpClientMessage) msg = parse_client_ok (json);

    g_assert_nonnull (msg->audio);
  }
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree gchar *json = g_strdup_printf ("{\"realtimeInput\":{\"audio\":"
        "{\"mimeType\":\"audio/pcm\",\"data\":\"%s\"}}}", bad[i]);

    assert_client_error (json, VP_PROTOCOL_ERROR_INVALID_ARGUMENT, NULL);
  }
  {
    g_autoptr (VpClientMessage) msg = parse_client_ok ("{\"realtimeInput\":"
        "{\"audio\":{\"mimeType\":\"audio/pcm\",\"data\":\"_-8\"}}}");
    const guint8 expected[] = { 0xff, 0xef };

    g_assert_cmpmem (g_bytes_get_data (msg->audio, NULL),
        g_bytes_get_size (msg->audio), expected, 2);
  }
  assert_client_error ("{\"clientContent\":{\"turns\":[{\"parts\":[{"
      "\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"@@\"}}]}]}}",
      VP_PROTOCOL_ERROR_INVALID_ARGUMENT, "Request contains an invalid "
      "argument. Invalid value at 'clientContent.turns[0].parts[0]."
      "inlineData.data' (TYPE_BYTES): the data is not base64.");
}

static void
test_client_message_type (void)
{
  assert_client_error ("{}", VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
      "Request contains an invalid argument. The message sets none of "
      "setup, clientContent, realtimeInput, toolResponse and "
      "contextUpdate.");
  assert_client_error ("{\"clientContent\":{},\"realtime_input\":{}}",
      VP_PROTOCOL_ERROR_INVALID_ARGUMENT, NULL);
  assert_client_error ("[]", VP_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_client_error ("null", VP_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_client_error ("{\"setup\":", VP_PROTOCOL_ERROR_MALFORMED, NULL);
  assert_client_error ("{\"setup\":{}}", VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
      "Request contains an invalid argument. setup.model is required.");
  assert_client_error ("{\"realtimeInput\":{\"audio\":{\"mimeType\":"
      "\"image/jpeg\",\"data\":\"\"}}}", VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
      NULL);
  assert_client_error ("{\"realtimeInput\":{\"audio\":{\"data\":\"AAAA\"}}}",
      VP_PROTOCOL_ERROR_INVALID_ARGUMENT, NULL);
  assert_client_error ("{\"realtimeInput\":{\"video\":{\"mimeType\":"
      "\"audio/pcm\",\"data\":\"\"}}}", VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
      NULL);
  assert_client_error ("{\"realtimeInput\":{\"mediaChunks\":[{\"mimeType\":"
      "\"text/plain\",\"data\":\"\"}]}}", VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
      NULL);

  /* Each type on its own. */
  {
    g_autoptr (VpClientMessage) msg = parse_client_ok ("{\"toolResponse\":{}}");

    g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_TOOL_RESPONSE);
    g_assert_nonnull (msg->function_responses);
    g_assert_cmpuint (msg->function_responses->len, ==, 0);
  }
  {
    g_autoptr (VpClientMessage) msg =
        parse_client_ok ("{\"contextUpdate\":{}}");

    g_assert_cmpint (msg->type, ==, VP_CLIENT_MESSAGE_CONTEXT_UPDATE);
    g_assert_null (msg->system_instruction);
  }
}

/* Server builders → vp_server_message_parse */

static void
test_server_build_golden (void)
{
  g_autoptr (GPtrArray) replies = load_jsonl ("server-replies-sent.jsonl",
      "obj");
  g_autoptr (GBytes) pcm = NULL;
  VpUsageMetadata usage = {.prompt_tokens = 10,.response_tokens = 5,
    .total_tokens = 15
  };
  VpFunctionCall call = {.id = (gchar *) "fc-123",.name =
        (gchar *) "get_weather",.args_json =
        (gchar *) "{\"city\":\"Paris\",\"unit\":\"celsius\"}"
  };
  const gchar *const ids[] = { "fc-999", NULL };
  gchar *built[12];
  guint i;

  if (replies == NULL)
    return;

  {
    g_autofree gchar *audio_json = json_to_string (g_ptr_array_index (replies,
            2), FALSE);
    g_autoptr (VpServerMessage) msg = parse_server_ok (audio_json);

    pcm = g_bytes_ref (g_ptr_array_index (msg->audio, 0));
  }

  built[0] = vp_server_build_setup_complete ();
  built[1] = vp_server_build_input_transcription ("what is the weather", FALSE);
  built[2] = vp_server_build_audio (g_bytes_get_data (pcm, NULL),
      g_bytes_get_size (pcm), 24000, NULL);
  built[3] = vp_server_build_output_transcription ("Let me check.", FALSE);
  built[4] = vp_server_build_generation_complete ();
  built[5] = vp_server_build_turn_complete (&usage);
  built[6] = vp_server_build_tool_call (&call, 1);
  built[7] = vp_server_build_text ("It is sunny.");
  built[8] = vp_server_build_interrupted ();
  built[9] = vp_server_build_tool_call_cancellation (ids);
  built[10] = vp_server_build_resumption_update ("handle-abc", TRUE);
  built[11] = vp_server_build_go_away (10000);

  for (i = 0; i < 12; i++) {
    g_autofree gchar *expected = json_to_string (g_ptr_array_index (replies,
            i), FALSE);
    g_autoptr (VpServerMessage) msg = parse_server_ok (built[i]);

    assert_same_json (built[i], expected);
    check_golden_reply (i, msg);
    g_free (built[i]);
  }
}

static void
test_server_build_roundtrip (void)
{
  guint8 pcm[960];
  VpUsageMetadata usage = {
    .prompt_tokens = 412,.response_tokens = 96,.total_tokens = 508,
    .thoughts_tokens = 4,.tool_use_prompt_tokens = 0,.cached_tokens = 9,
    .prompt_text_tokens = 310,.prompt_audio_tokens = 102,
    .prompt_image_tokens = 0,.prompt_video_tokens = 5,
    .response_audio_tokens = 96,
  };
  VpUsageMetadata zero = { 0, };
  VpFunctionCall calls[] = {
    {.id = (gchar *) "call-a1",.name = (gchar *) "get_weather",
        .args_json = (gchar *) "{ \"city\" : \"Paris\" }"},
    {.id = (gchar *) "call-a2",.name = (gchar *) "get_time",.args_json = NULL},
  };
  const gchar *const ids[] = { "call-a1", "call-a2", NULL };
  gchar *json;
  VpServerMessage *msg;
  guint i;

  for (i = 0; i < sizeof (pcm); i++)
    pcm[i] = (guint8) (i * 7);

  json = vp_server_build_audio (pcm, sizeof (pcm), 0, "It's \"about\"");
  msg = parse_server_ok (json);
  g_assert_cmpuint (msg->audio->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (msg->audio, 0), NULL),
      sizeof (pcm), pcm, sizeof (pcm));
  g_assert_cmpuint (msg->audio_rate, ==, 24000);
  g_assert_cmpstr (msg->output_transcription, ==, "It's \"about\"");
  g_assert_true (strstr (json, "\"mimeType\":\"audio/pcm;rate=24000\"")
      != NULL);
  vp_server_message_free (msg);
  g_free (json);

  json = vp_server_build_input_transcription ("done", TRUE);
  g_assert_cmpstr (json, ==, "{\"serverContent\":{\"inputTranscription\":"
      "{\"text\":\"done\",\"finished\":true}}}");
  msg = parse_server_ok (json);
  g_assert_cmpstr (msg->input_transcription, ==, "done");
  g_assert_true (msg->input_transcription_finished);
  vp_server_message_free (msg);
  g_free (json);

  json = vp_server_build_output_transcription (NULL, TRUE);
  g_assert_cmpstr (json, ==, "{\"serverContent\":{\"outputTranscription\":"
      "{\"finished\":true}}}");
  msg = parse_server_ok (json);
  g_assert_null (msg->output_transcription);
  g_assert_true (msg->output_transcription_finished);
  vp_server_message_free (msg);
  g_free (json);

  json = vp_server_build_turn_complete (&usage);
  msg = parse_server_ok (json);
  g_assert_true (msg->turn_complete);
  g_assert_true (msg->has_usage);
  g_assert_cmpmem (&msg->usage, sizeof (usage), &usage, sizeof (usage));
  /* Counts are numbers; zeros are left out. */
  g_assert_true (strstr (json, "\"promptTokenCount\":412") != NULL);
  g_assert_null (strstr (json, "toolUsePromptTokenCount"));
  g_assert_null (strstr (json, "IMAGE"));
  vp_server_message_free (msg);
  g_free (json);

  json = vp_server_build_turn_complete (&zero);
  g_assert_cmpstr (json, ==, "{\"serverContent\":{\"turnComplete\":true},"
      "\"usageMetadata\":{}}");
  g_free (json);
  json = vp_server_build_turn_complete (NULL);
  g_assert_cmpstr (json, ==, "{\"serverContent\":{\"turnComplete\":true}}");
  msg = parse_server_ok (json);
  g_assert_false (msg->has_usage);
  vp_server_message_free (msg);
  g_free (json);

  json = vp_server_build_tool_call (calls, 2);
  msg = parse_server_ok (json);
  g_assert_cmpuint (msg->function_calls->len, ==, 2);
  g_assert_cmpstr (((VpFunctionCall *) g_ptr_array_index (msg->function_calls,
              0))->args_json, ==, "{\"city\":\"Paris\"}");
  g_assert_cmpstr (((VpFunctionCall *) g_ptr_array_index (msg->function_calls,
              1))->args_json, ==, "{}");
  vp_server_message_free (msg);
  g_free (json);

  /* Bad args are replaced by {} with a warning. */
  {
    VpFunctionCall bad = {.id = (gchar *) "x",.name = (gchar *) "f",
      .args_json = (gchar *) "[not json"
    };

    g_test_expect_message ("voxpipe", G_LOG_LEVEL_WARNING, "*f*");
    json = vp_server_build_tool_call (&bad, 1);
    g_test_assert_expected_messages ();
    g_assert_cmpstr (json, ==, "{\"toolCall\":{\"functionCalls\":[{\"id\":"
        "\"x\",\"name\":\"f\",\"args\":{}}]}}");
    g_free (json);
  }

  json = vp_server_build_tool_call_cancellation (ids);
  msg = parse_server_ok (json);
  g_assert_cmpstrv (msg->cancelled_ids, ids);
  vp_server_message_free (msg);
  g_free (json);

  json = vp_server_build_go_away (50000);
  g_assert_cmpstr (json, ==, "{\"goAway\":{\"timeLeft\":\"50s\"}}");
  g_free (json);
  json = vp_server_build_go_away (1500);
  g_assert_cmpstr (json, ==, "{\"goAway\":{\"timeLeft\":\"1.500s\"}}");
  msg = parse_server_ok (json);
  g_assert_cmpint (msg->go_away_time_left_ms, ==, 1500);
  vp_server_message_free (msg);
  g_free (json);

  json = vp_server_build_resumption_update (NULL, FALSE);
  g_assert_cmpstr (json, ==, "{\"sessionResumptionUpdate\":{}}");
  msg = parse_server_ok (json);
  g_assert_true (msg->has_resumption_update);
  g_assert_false (msg->resumable);
  g_assert_null (msg->new_handle);
  vp_server_message_free (msg);
  g_free (json);

  json = vp_server_build_text ("line\nbreak");
  msg = parse_server_ok (json);
  g_assert_cmpstr (msg->text, ==, "line\nbreak");
  vp_server_message_free (msg);
  g_free (json);
}

/* Small helpers */

static void
test_pcm_rate (void)
{
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm;rate=16000", 1),
      ==, 16000);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm; rate=8000",
          1), ==, 8000);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime
      ("audio/L16;channels=1;Rate=44100", 1), ==, 44100);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm", 24000), ==,
      24000);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime (NULL, 7), ==, 7);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm;rate=", 7),
      ==, 7);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm;rate=abc", 7),
      ==, 7);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm;rate=0", 7),
      ==, 7);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime
      ("audio/pcm;rate=99999999999", 7), ==, 7);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm;rated=5", 7),
      ==, 7);
}

static void
test_duration (void)
{
  g_assert_cmpint (vp_protocol_parse_duration_ms ("50s"), ==, 50000);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("1.5s"), ==, 1500);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("1.500s"), ==, 1500);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("0.000000001s"), ==, 0);
  g_assert_cmpint (vp_protocol_parse_duration_ms (".25s"), ==, 250);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("0s"), ==, 0);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("315576000000s"), ==,
      G_GINT64_CONSTANT (315576000000000));
  g_assert_cmpint (vp_protocol_parse_duration_ms ("50"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("-1s"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("s"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms (".s"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("1.0000000001s"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("5sx"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("99999999999999999999s"),
      ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms (""), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms (NULL), ==, -1);
}

static void
test_config_copy (void)
{
  g_autoptr (VpSetupConfig) config = full_config ();
  g_autoptr (VpSetupConfig) copy = vp_setup_config_copy (config);
  g_autoptr (VpSetupConfig) empty = vp_setup_config_new ();
  g_autoptr (VpSetupConfig) empty_copy = vp_setup_config_copy (empty);
  g_autofree gchar *a = vp_protocol_build_setup (config);
  g_autofree gchar *b = NULL;

  assert_config_equal (config, copy);
  assert_config_equal (empty, empty_copy);
  g_assert_true (config->tools != copy->tools);

  /* The copy is deep: changing it leaves the original alone. */
  json_array_add_object_element (copy->tools, json_object_new ());
  g_assert_cmpuint (json_array_get_length (config->tools), ==, 1);
  b = vp_protocol_build_setup (config);
  g_assert_cmpstr (a, ==, b);

  g_assert_cmpint (empty->thinking_budget, ==, G_MININT);
  g_assert_cmpint (empty->trigger_tokens, <, 0);
  g_assert_cmpfloat (empty->temperature, <, 0);
}

static void
test_build_escaping (void)
{
  g_autoptr (VpSetupConfig) config = vp_setup_config_new ();
  g_autofree gchar *setup = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr (VpClientMessage) msg = NULL;

  config->model = g_strdup ("m");
  config->system_instruction = g_strdup ("ctl \x01\x1f \"q\" \\ </script> "
      "\xe2\x80\xa8 bad \xff end");
  setup = vp_protocol_build_setup (config);
  g_assert_true (strstr (setup, "\\u0001\\u001f \\\"q\\\" \\\\ </script>")
      != NULL);
  msg = parse_client_ok (setup);
  /* Invalid UTF-8 is replaced, never sent. */
  g_assert_true (g_utf8_validate (msg->setup->system_instruction, -1, NULL));
  g_assert_true (g_str_has_suffix (msg->setup->system_instruction,
          "bad \xef\xbf\xbd end"));

  text = vp_protocol_build_realtime_text (NULL);
  g_assert_cmpstr (text, ==, "{\"realtimeInput\":{\"text\":\"\"}}");
}

static void
test_build_numbers (void)
{
  g_autoptr (VpSetupConfig) config = vp_setup_config_new ();
  g_autofree gchar *built = NULL;

  config->model = g_strdup ("models/m");
  config->temperature = 1.0;
  config->top_p = 0.1 + 0.2;
  config->trigger_tokens = G_GINT64_CONSTANT (9007199254740993);
  built = vp_protocol_build_setup (config);
  g_assert_cmpstr (built, ==, "{\"setup\":{\"model\":\"models/m\","
      "\"generationConfig\":{\"responseModalities\":[\"AUDIO\"],"
      "\"temperature\":1,\"topP\":0.30000000000000004},"
      "\"contextWindowCompression\":{\"triggerTokens\":9007199254740993,"
      "\"slidingWindow\":{}}}}");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/golden/setup", test_golden_setup);
  g_test_add_func ("/protocol/golden/setup-jsonschema-tools",
      test_golden_setup_jsonschema);
  g_test_add_func ("/protocol/golden/livekit-setup", test_golden_livekit_setup);
  g_test_add_func ("/protocol/golden/realtime-audio",
      test_golden_realtime_audio);
  g_test_add_func ("/protocol/golden/realtime-video",
      test_golden_realtime_video);
  g_test_add_func ("/protocol/golden/realtime-text", test_golden_realtime_text);
  g_test_add_func ("/protocol/golden/realtime-media-legacy",
      test_golden_realtime_media_legacy);
  g_test_add_func ("/protocol/golden/activity-start",
      test_golden_activity_start);
  g_test_add_func ("/protocol/golden/activity-end", test_golden_activity_end);
  g_test_add_func ("/protocol/golden/audio-stream-end",
      test_golden_audio_stream_end);
  g_test_add_func ("/protocol/golden/client-content",
      test_golden_client_content);
  g_test_add_func ("/protocol/golden/client-content-string",
      test_golden_client_content_string);
  g_test_add_func ("/protocol/golden/client-content-empty",
      test_golden_client_content_empty);
  g_test_add_func ("/protocol/golden/context-update",
      test_golden_context_update);
  g_test_add_func ("/protocol/golden/tool-response", test_golden_tool_response);
  g_test_add_func ("/protocol/golden/client-parse", test_golden_client_parse);
  g_test_add_func ("/protocol/golden/client-values", test_golden_client_values);

  g_test_add_func ("/protocol/roundtrip/setup", test_roundtrip_setup);
  g_test_add_func ("/protocol/roundtrip/setup-minimal",
      test_roundtrip_setup_minimal);
  g_test_add_func ("/protocol/roundtrip/realtime", test_roundtrip_realtime);
  g_test_add_func ("/protocol/roundtrip/client-content",
      test_roundtrip_client_content);
  g_test_add_func ("/protocol/roundtrip/context-update",
      test_roundtrip_context_update);
  g_test_add_func ("/protocol/roundtrip/tool-response",
      test_roundtrip_tool_response);
  g_test_add_func ("/protocol/build/function-declaration",
      test_function_declaration);
  g_test_add_func ("/protocol/build/escaping", test_build_escaping);
  g_test_add_func ("/protocol/build/numbers", test_build_numbers);

  g_test_add_func ("/protocol/server/golden-replies",
      test_server_golden_replies);
  g_test_add_func ("/protocol/server/golden-onmessage",
      test_server_golden_onmessage);
  g_test_add_func ("/protocol/server/int64-and-durations",
      test_server_int64_and_durations);
  g_test_add_func ("/protocol/server/absent-false", test_server_absent_false);
  g_test_add_func ("/protocol/server/packing", test_server_packing);
  g_test_add_func ("/protocol/server/tool-call", test_server_tool_call);
  g_test_add_func ("/protocol/server/long-strings", test_server_long_strings);
  g_test_add_func ("/protocol/server/unknown-and-wrong-types",
      test_server_unknown_and_wrong_types);
  g_test_add_func ("/protocol/server/errors", test_server_errors);
  g_test_add_func ("/protocol/server/voice-activity",
      test_server_voice_activity);
  g_test_add_func ("/protocol/server/malformed", test_server_malformed);
  g_test_add_func ("/protocol/limits", test_limits);

  g_test_add_func ("/protocol/client/snake-case", test_client_snake_case);
  g_test_add_func ("/protocol/client/unknown-field", test_client_unknown_field);
  g_test_add_func ("/protocol/client/wrong-types", test_client_wrong_types);
  g_test_add_func ("/protocol/client/values", test_client_values);
  g_test_add_func ("/protocol/client/base64", test_client_base64);
  g_test_add_func ("/protocol/client/message-type", test_client_message_type);

  g_test_add_func ("/protocol/server-build/golden", test_server_build_golden);
  g_test_add_func ("/protocol/server-build/roundtrip",
      test_server_build_roundtrip);

  g_test_add_func ("/protocol/misc/pcm-rate", test_pcm_rate);
  g_test_add_func ("/protocol/misc/duration", test_duration);
  g_test_add_func ("/protocol/misc/config-copy", test_config_copy);

  return g_test_run ();
}
