/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* vp-protocol-client-check.c and vp-protocol-client-parse.c, the
 * emulator's side: everything the SDK sends is accepted, what we build
 * reads back to the same values, and unknown names, wrong types and bad
 * values are refused like the service refuses them. */

#include "vpt-codec.h"

#include <string.h>

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

/* Client messages, server side: spelling, unknown names, types, values */

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

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
  g_test_add_func ("/protocol/client/snake-case", test_client_snake_case);
  g_test_add_func ("/protocol/client/unknown-field", test_client_unknown_field);
  g_test_add_func ("/protocol/client/wrong-types", test_client_wrong_types);
  g_test_add_func ("/protocol/client/values", test_client_values);
  g_test_add_func ("/protocol/client/base64", test_client_base64);
  g_test_add_func ("/protocol/client/message-type", test_client_message_type);

  return g_test_run ();
}
