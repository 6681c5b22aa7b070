/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* vp-protocol-parse.c: server messages read on the client side, from the
 * golden run's replies and what the SDK's onmessage got, to int64s,
 * packing, tool calls, unknown fields and in-band errors. */

#include "vpt-codec.h"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/server/golden-replies",
      test_server_golden_replies);
  g_test_add_func ("/protocol/server/golden-onmessage",
      test_server_golden_onmessage);
  g_test_add_func ("/protocol/server/int64-and-durations",
      test_server_int64_and_durations);
  g_test_add_func ("/protocol/server/absent-false", test_server_absent_false);
  g_test_add_func ("/protocol/server/packing", test_server_packing);
  g_test_add_func ("/protocol/server/tool-call", test_server_tool_call);
  g_test_add_func ("/protocol/server/unknown-and-wrong-types",
      test_server_unknown_and_wrong_types);
  g_test_add_func ("/protocol/server/errors", test_server_errors);
  g_test_add_func ("/protocol/server/voice-activity",
      test_server_voice_activity);

  return g_test_run ();
}
