/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* vp-protocol-build.c: every client message we build equals, as JSON and
 * byte for byte, what the official SDK sends (tests/golden/, read from
 * $VP_GOLDEN_DIR); function declarations; escaping and numbers. */

#include "vpt-codec.h"

#include <string.h>

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
  g_test_add_func ("/protocol/build/function-declaration",
      test_function_declaration);
  g_test_add_func ("/protocol/build/escaping", test_build_escaping);
  g_test_add_func ("/protocol/build/numbers", test_build_numbers);

  return g_test_run ();
}
