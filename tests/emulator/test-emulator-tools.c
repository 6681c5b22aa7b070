/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Tool calls: the call and its response continuing the turn, the shipped
 * receptionist scenario with the tools' contract, and barge-in while a
 * call is pending (toolCallCancellation). */

#include "config.h"

#include "emu-test-client.h"

#include <string.h>

static void
test_tool_call (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_ready (emu, MODEL_31, NULL);
  VpFunctionCall *call;
  VpFunctionResponse response = { 0, };
  gint tci, tc, gc, i;
  gchar *said;
  JsonNode *record;

  send_text (c, "What is the weather in Paris?");
  tci = client_wait (c, is_tool_call, STEP_MS);
  g_assert_cmpint (tci, >=, 0);
  call = g_ptr_array_index (frame_at (c, tci)->msg->function_calls, 0);
  g_assert_cmpstr (call->name, ==, "get_weather");
  g_assert_true (g_str_has_prefix (call->id, "fc-"));
  g_assert_cmpstr (call->args_json, ==, "{\"city\":\"Paris\"}");

  /* "Let me check." came first, and nothing ended the turn. */
  said = output_text (c, 0, tci);
  g_assert_cmpstr (said, ==, "Let me check.");
  g_free (said);
  for (i = 0; i < tci; i++) {
    g_assert_false (is_turn_complete (frame_at (c, i)));
    g_assert_false (is_generation_complete (frame_at (c, i)));
  }

  /* The model waits for the response. */
  pump (300);
  g_assert_cmpuint (c->frames->len, ==, (guint) tci + 1);

  response.id = call->id;
  response.name = call->name;
  response.response = json_from_string ("{\"output\":{\"tempC\":21,"
      "\"sky\":\"clear\"}}", NULL);
  client_send_take (c, vp_protocol_build_tool_response (&response, 1));
  json_node_unref (response.response);

  gc = client_wait (c, is_generation_complete, STEP_MS);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (gc, >, tci);
  g_assert_cmpint (tc, >, gc);
  said = output_text (c, tci, gc);
  /* It continues the turn's first sentence, so it starts with a space. */
  g_assert_cmpstr (said, ==, " It is 21 degrees and clear.");
  g_free (said);
  g_assert_true (frame_at (c, tc)->msg->has_usage);
  g_assert_cmpint (frame_at (c, tc)->msg->usage.prompt_text_tokens, >, 0);

  client_free (c);

  record = parse_record (emu);
  g_assert_cmpint (json_object_get_int_member (record_connection (record,
              0), "toolResponses"), ==, 1);
  json_node_unref (record);
  emulator_free (emu);
}

/* The shipped receptionist scenario, with the tools' contract. */
static void
answer_call (Client * c, gint tci, const gchar * name, const gchar * output)
{
  VpFunctionCall *call;
  VpFunctionResponse response = { 0, };

  g_assert_cmpint (tci, >=, 0);
  call = g_ptr_array_index (frame_at (c, tci)->msg->function_calls, 0);
  g_assert_cmpstr (call->name, ==, name);
  response.id = call->id;
  response.name = call->name;
  response.response = json_from_string (output, NULL);
  client_send_take (c, vp_protocol_build_tool_response (&response, 1));
  json_node_unref (response.response);
}

static gchar *
text_turn_with_call (Client * c, const gchar * text, const gchar * name,
    const gchar * output, gchar ** args)
{
  gint tci, tc;
  gchar *said;

  send_text (c, text);
  tci = client_wait (c, is_tool_call, STEP_MS);
  g_assert_cmpint (tci, >=, 0);
  if (args)
    *args = g_strdup (((VpFunctionCall *)
            g_ptr_array_index (frame_at (c, tci)->msg->function_calls,
                0))->args_json);
  answer_call (c, tci, name, output);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >, tci);
  said = output_text (c, tci, tc);

  return said;
}

static void
test_receptionist (void)
{
  const gchar *src = g_getenv ("VP_SOURCE_DIR");
  gchar *path = g_build_filename (src ? src : VP_SOURCE_DIR, "pipelines",
      "receptionist.scenario.json", NULL);
  VpEmulator *emu = emulator_start ("scenario-file", path, NULL);
  Client *c = client_ready (emu, MODEL_31, NULL);
  gchar *said, *args = NULL;
  GBytes *in;
  gint tci;

  said = text_turn_with_call (c,
      "Do you have a table for four tomorrow at eight?",
      "check_availability",
      "{\"output\":{\"available\":true,\"time\":\"21:15\"}}", &args);
  g_assert_nonnull (strstr (args, "\"party_size\":4"));
  g_assert_nonnull (strstr (said, "21:15"));
  g_assert_nonnull (strstr (said, "Shall I book it?"));
  g_free (said);
  g_free (args);

  said = text_turn_with_call (c, "Yes please, book it.", "book_table",
      "{\"output\":{\"booking_id\":\"BV-1042\",\"status\":\"confirmed\"}}",
      &args);
  /* The booking uses the time the availability check returned. */
  g_assert_nonnull (strstr (args, "21:15"));
  g_assert_nonnull (strstr (said, "BV-1042"));
  g_free (said);
  g_free (args);

  said = text_turn_with_call (c, "What is on the menu tonight?", "get_menu",
      "{\"output\":{\"specials\":[\"risotto\",\"sea bass\"]}}", NULL);
  g_assert_nonnull (strstr (said, "risotto and sea bass"));
  g_free (said);

  said = text_turn_with_call (c, "Please cancel my booking.",
      "cancel_booking", "{\"output\":{\"cancelled\":true}}", &args);
  g_assert_nonnull (strstr (args, "BV-1042"));
  g_free (said);
  g_free (args);

  said = text_turn_with_call (c, "That's all, goodbye.", "end_call",
      "{\"output\":{\"ok\":true}}", NULL);
  g_free (said);
  client_free (c);

  /* Spoken turns go in order: table, booking, goodbye. */
  c = client_ready (emu, MODEL_31, NULL);
  in = speech ("Can I book a table for four?", 16000);
  send_audio (c, in, 800);
  g_bytes_unref (in);
  g_assert_cmpint (client_wait (c, is_input_transcription, STEP_MS), >=, 0);
  tci = client_wait (c, is_tool_call, STEP_MS);
  answer_call (c, tci, "check_availability",
      "{\"output\":{\"available\":true,\"time\":\"20:00\"}}");
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >, tci);
  in = speech ("Yes please, book it under the name Ana.", 16000);
  send_audio (c, in, 800);
  g_bytes_unref (in);
  tci = client_wait (c, is_tool_call, STEP_MS);
  answer_call (c, tci, "book_table", "{\"output\":{\"booking_id\":\"B7\"}}");
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >, tci);
  in = speech ("Thank you, goodbye.", 16000);
  send_audio (c, in, 800);
  g_bytes_unref (in);
  tci = client_wait (c, is_tool_call, STEP_MS);
  answer_call (c, tci, "end_call", "{\"output\":{}}");
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >, tci);

  client_free (c);
  emulator_free (emu);
  g_free (path);
}

static void
test_barge_in_tool_pending (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_ready (emu, MODEL_31,
      "\"realtimeInputConfig\":{\"automaticActivityDetection\":"
      "{\"disabled\":true}}");
  VpFunctionCall *call;
  gint tci, ii, ci, tc;

  send_text (c, "What is the weather in Paris?");
  tci = client_wait (c, is_tool_call, STEP_MS);
  g_assert_cmpint (tci, >=, 0);
  call = g_ptr_array_index (frame_at (c, tci)->msg->function_calls, 0);

  client_send_take (c, vp_protocol_build_activity_start ());
  ii = client_wait (c, is_interrupted, STEP_MS);
  ci = client_wait (c, is_cancellation, STEP_MS);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  /* interrupted, toolCallCancellation, turnComplete, in this order. */
  g_assert_cmpint (ii, ==, tci + 1);
  g_assert_cmpint (ci, ==, ii + 1);
  g_assert_cmpint (tc, ==, ci + 1);
  g_assert_cmpuint (g_strv_length (frame_at (c, ci)->msg->cancelled_ids), ==,
      1);
  g_assert_cmpstr (frame_at (c, ci)->msg->cancelled_ids[0], ==, call->id);

  /* While the user's activity is open the model stays silent. */
  pump (400);
  g_assert_cmpuint (c->frames->len, ==, (guint) tc + 1);
  client_send_take (c, vp_protocol_build_activity_end ());
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >, tc);

  client_free (c);
  emulator_free (emu);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/emulator/turn/tool-call", test_tool_call);
  g_test_add_func ("/emulator/turn/receptionist", test_receptionist);
  g_test_add_func ("/emulator/barge-in/tool-pending",
      test_barge_in_tool_pending);

  return g_test_run ();
}
