/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* vp-protocol-server-build.c: the server messages the emulator writes
 * equal the golden run's replies as JSON, and read back through
 * vp_server_message_parse() to what was built. */

#include "vpt-codec.h"

#include <string.h>

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/server-build/golden", test_server_build_golden);
  g_test_add_func ("/protocol/server-build/roundtrip",
      test_server_build_roundtrip);

  return g_test_run ();
}
