/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator hears: spoken turns (espeak-ng) are recognised with
 * pocketsphinx, sent as inputTranscription and matched on what was said,
 * in any order; "hearing": "in-order" keeps the old order; the whole
 * clientContent turn is the input and a placeholder is not a new turn;
 * templates read a tool result given as a JSON string. */

#include "config.h"

#include "emu-test-client.h"

#include <string.h>

static gchar *
receptionist_path (void)
{
  const gchar *src = g_getenv ("VP_SOURCE_DIR");

  return g_build_filename (src ? src : VP_SOURCE_DIR, "pipelines",
      "receptionist.scenario.json", NULL);
}

static void
answer (Client * c, gint tci, const gchar * output)
{
  VpFunctionCall *call;
  VpFunctionResponse response = { 0, };

  call = g_ptr_array_index (frame_at (c, tci)->msg->function_calls, 0);
  response.id = call->id;
  response.name = call->name;
  response.response = json_from_string (output, NULL);
  client_send_take (c, vp_protocol_build_tool_response (&response, 1));
  json_node_unref (response.response);
}

static const gchar *
call_name (Client * c, gint tci)
{
  g_assert_cmpint (tci, >=, 0);
  return ((VpFunctionCall *) g_ptr_array_index (frame_at (c,
              tci)->msg->function_calls, 0))->name;
}

/* Speaks @text; returns the index of the turn's inputTranscription. */
static gint
say (Client * c, const gchar * text)
{
  GBytes *pcm = speech (text, 16000);
  gint64 start;
  gint ii;

  send_audio (c, pcm, 800);
  g_bytes_unref (pcm);
  start = g_get_monotonic_time ();
  ii = client_wait (c, is_input_transcription, STEP_MS);
  g_assert_cmpint (ii, >=, 0);
  /* A figure, not a check: the 800 ms of silence arrive at once. */
  g_test_message ("\"%s\" heard as \"%s\" %.0f ms after the audio was sent",
      text, frame_at (c, ii)->msg->input_transcription,
      (g_get_monotonic_time () - start) / 1000.0);

  return ii;
}

/* Four questions in an order that is not the scenario's, each answered
 * by its own turn, and what was heard is what was said. */
static void
test_hears_out_of_order (void)
{
  static const struct
  {
    const gchar *said, *tool;
  } turns[] = {
    {"What is on the menu?", "get_menu"},
    {"Please cancel my booking.", "cancel_booking"},
    {"Can I book a table for four?", "check_availability"},
    {"Yes please, book it under the name Ana.", "book_table"},
    {"Thank you, goodbye.", "end_call"},
  };
  gchar *path = receptionist_path ();
  VpEmulator *emu = emulator_start ("scenario-file", path, NULL);
  Client *c = client_ready (emu, MODEL_31, NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (turns); i++) {
    gint ii = say (c, turns[i].said), tci;

    /* Heard word for word, so sent as the scenario writes it. */
    g_assert_cmpstr (frame_at (c, ii)->msg->input_transcription, ==,
        turns[i].said);
    tci = client_wait (c, is_tool_call, STEP_MS);
    g_assert_cmpstr (call_name (c, tci), ==, turns[i].tool);
    answer (c, tci, "{\"output\":{\"ok\":true}}");
    g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >, tci);
  }

  client_free (c);
  emulator_free (emu);
  g_free (path);
}

/* Speech in none of the scenario's phrases gets the fallback. */
static void
test_unheard_gets_fallback (void)
{
  gchar *path = receptionist_path ();
  VpEmulator *emu = emulator_start ("scenario-file", path, NULL);
  Client *c = client_ready (emu, MODEL_31, NULL);
  GBytes *pcm = speech ("I would like to order a pizza.", 16000);
  gint tc;
  gchar *said;
  guint i;

  send_audio (c, pcm, 800);
  g_bytes_unref (pcm);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >=, 0);
  for (i = 0; i < (guint) tc; i++) {
    g_assert_false (is_tool_call (frame_at (c, i)));
    g_assert_false (is_input_transcription (frame_at (c, i)));
  }
  said = output_text (c, 0, tc);
  g_assert_true (g_str_has_prefix (said, "Sorry, I didn't catch that."));
  g_free (said);

  client_free (c);
  emulator_free (emu);
  g_free (path);
}

#define IN_ORDER_SCENARIO "{\"hearing\":\"in-order\",\"turns\":[" \
  "{\"id\":\"first\",\"transcript\":\"The first thing.\"," \
  "\"say\":\"One.\"}," \
  "{\"id\":\"menu\",\"transcript\":\"What is on the menu?\"," \
  "\"say\":\"Two.\"}]}"

/* "hearing": "in-order": the first spoken turn takes the first turn,
 * whatever was said, and its transcript is the scenario's. */
static void
test_in_order_when_asked (void)
{
  VpEmulator *emu = emulator_start ("scenario", IN_ORDER_SCENARIO, NULL);
  Client *c = client_ready (emu, MODEL_31, NULL);
  GBytes *pcm = speech ("What is on the menu?", 16000);
  gint ii, tc;
  gchar *said;

  send_audio (c, pcm, 800);
  g_bytes_unref (pcm);
  ii = client_wait (c, is_input_transcription, STEP_MS);
  g_assert_cmpint (ii, >=, 0);
  g_assert_cmpstr (frame_at (c, ii)->msg->input_transcription, ==,
      "The first thing.");
  tc = client_wait (c, is_turn_complete, STEP_MS);
  said = output_text (c, ii, tc);
  g_assert_cmpstr (said, ==, "One.");
  g_free (said);

  client_free (c);
  emulator_free (emu);
}

static void
test_bad_hearing_value (void)
{
  VpEmulator *emu = vp_emulator_new ();
  GError *error = NULL;

  g_object_set (emu, "scenario", "{\"hearing\":\"ears\",\"turns\":[]}", NULL);
  g_assert_false (vp_emulator_start (emu, &error));
  g_assert_nonnull (strstr (error->message, "\"hearing\" is \"recognise\""));
  g_clear_error (&error);
  g_object_unref (emu);
}

/* clientContent mid-session: on 2.5, which takes it (3.1 closes 1007:
 * the strict emulator, test-emulator-models.c). */
static gchar *
content_turn (const gchar * text, gboolean complete)
{
  return g_strdup_printf ("{\"clientContent\":{\"turns\":[{\"role\":\"user\","
      "\"parts\":[{\"text\":\"%s\"}]}],\"turnComplete\":%s}}", text,
      complete ? "true" : "false");
}

/* 16.6: typed input, then LiveKit's "." placeholder with turnComplete:
 * the whole turn is the input, and the placeholder is not answered. */
static void
test_whole_content_turn (void)
{
  gchar *path = receptionist_path ();
  VpEmulator *emu = emulator_start ("scenario-file", path, NULL);
  Client *c = client_ready (emu, MODEL_25, NULL);
  gint tci, tc;
  guint i;

  client_send_take (c, content_turn ("What is on the menu?", FALSE));
  client_send_take (c, content_turn (".", TRUE));
  tci = client_wait (c, is_tool_call, STEP_MS);
  g_assert_cmpstr (call_name (c, tci), ==, "get_menu");
  answer (c, tci, "{\"output\":{\"specials\":[\"risotto\"]}}");
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >, tci);
  for (i = 0; i < (guint) tc; i++)
    g_assert_false (is_interrupted (frame_at (c, i)));

  client_free (c);
  emulator_free (emu);
  g_free (path);
}

/* 16.6: a spoken turn, then the placeholder while the model answers: no
 * interruption, and the spoken turn's answer goes on. */
static void
test_placeholder_after_speech (void)
{
  gchar *path = receptionist_path ();
  VpEmulator *emu = emulator_start ("scenario-file", path, NULL);
  Client *c = client_ready (emu, MODEL_25, NULL);
  GBytes *pcm = speech ("What is on the menu?", 16000);
  gint ii, tci, tc;
  guint i;

  send_audio (c, pcm, 800);
  g_bytes_unref (pcm);
  client_send_take (c, content_turn (".", TRUE));
  ii = client_wait (c, is_input_transcription, STEP_MS);
  g_assert_cmpint (ii, >=, 0);
  g_assert_cmpstr (frame_at (c, ii)->msg->input_transcription, ==,
      "What is on the menu?");
  tci = client_wait (c, is_tool_call, STEP_MS);
  g_assert_cmpstr (call_name (c, tci), ==, "get_menu");
  answer (c, tci, "{\"output\":{\"specials\":[\"risotto\"]}}");
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >, tci);
  for (i = 0; i < (guint) tc; i++)
    g_assert_false (is_interrupted (frame_at (c, i)));
  /* And nothing answers the placeholder afterwards. */
  pump (1500);
  for (i = tc + 1; i < c->frames->len; i++)
    g_assert_false (has_audio (frame_at (c, i)));

  client_free (c);
  emulator_free (emu);
  g_free (path);
}

/* 16.7: a tool result given as a JSON string (LiveKit's plugin sends
 * {"output": "<json text>"}) is read as that JSON. */
static void
test_result_as_json_string (void)
{
  gchar *path = receptionist_path ();
  VpEmulator *emu = emulator_start ("scenario-file", path, NULL);
  Client *c = client_ready (emu, MODEL_31, NULL);
  gint tci, tc;
  gchar *said;

  send_text (c, "What is on the menu?");
  tci = client_wait (c, is_tool_call, STEP_MS);
  g_assert_cmpstr (call_name (c, tci), ==, "get_menu");
  answer (c, tci, "{\"output\":\"{\\\"specials\\\":[\\\"risotto\\\","
      "\\\"sea bass\\\"]}\"}");
  tc = client_wait (c, is_turn_complete, STEP_MS);
  said = output_text (c, tci, tc);
  g_assert_nonnull (strstr (said, "risotto and sea bass"));
  g_free (said);

  client_free (c);
  emulator_free (emu);
  g_free (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/emulator/hearing/out-of-order", test_hears_out_of_order);
  g_test_add_func ("/emulator/hearing/unheard-fallback",
      test_unheard_gets_fallback);
  g_test_add_func ("/emulator/hearing/in-order", test_in_order_when_asked);
  g_test_add_func ("/emulator/hearing/bad-value", test_bad_hearing_value);
  g_test_add_func ("/emulator/content/whole-turn", test_whole_content_turn);
  g_test_add_func ("/emulator/content/placeholder-after-speech",
      test_placeholder_after_speech);
  g_test_add_func ("/emulator/templates/json-string-result",
      test_result_as_json_string);

  return g_test_run ();
}
