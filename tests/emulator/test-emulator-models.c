/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Each model's rules (issue 15.4, 16.5): what 3.8 and 3.1 refuse, with
 * the service's 1007; 3.8's non-blocking calls (the filler, the turn
 * ending at once, the results spoken as INTERRUPT, WHEN_IDLE or SILENT
 * say, a silent result read by a later turn); the strict 3.1 emulator's
 * clientContent. */

#include "config.h"

#include "emu-test-client.h"

#include <string.h>

#define MODEL_38 "models/gemini-3.8-live"
#define MODEL_38_THINKING "models/gemini-3.8-live-extended-thinking"
#define REFUSED "Request contains an invalid argument."

static const gchar scenario[] =
    "{\"name\":\"models\",\"turns\":["
    "{\"id\":\"weather\",\"match\":{\"text\":\"weather\",\"in-order\":false},"
    "\"say\":\"Let me check.\","
    "\"calls\":[{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}}],"
    "\"filler\":\"While I look, anything else?\","
    "\"then\":\"It is {{get_weather.output.tempC}} degrees.\"},"
    "{\"id\":\"story\",\"match\":{\"text\":\"story\",\"in-order\":false},"
    "\"say\":\"Once upon a time a small pipeline carried voices across the "
    "world. Every morning it woke up and listened for the first word.\"},"
    "{\"id\":\"remind\",\"match\":{\"text\":\"remind\",\"in-order\":false},"
    "\"say\":\"It was {{get_weather.output.tempC|unknown}} degrees.\"}],"
    "\"fallback\":{\"say\":\"Sorry?\"}}";

static VpEmulator *
start (void)
{
  /* Slow enough that the story is still being told when a result comes,
   * on a loaded machine too. */
  return emulator_start ("scenario", scenario, "speech-rate", 5.0, NULL);
}

static void
refused (VpEmulator * emu, const gchar * model, const gchar * extra)
{
  Client *c = client_open (emu, NULL);

  client_send_take (c, setup_json (model, extra));
  assert_closed_with (c, 1007, REFUSED);
  g_assert_cmpint (client_wait (c, is_setup_complete, 0), <, 0);
  client_free (c);
}

static void
test_refusals (void)
{
  VpEmulator *emu = start ();
  Client *c;

  /* 3.8: no thinking, proactive audio always on, no affective dialog. */
  refused (emu, MODEL_38, "\"generationConfig\":{\"responseModalities\":"
      "[\"AUDIO\"],\"thinkingConfig\":{\"thinkingLevel\":\"LOW\"}}");
  refused (emu, MODEL_38, "\"proactivity\":{\"proactiveAudio\":false}");
  refused (emu, MODEL_38, "\"generationConfig\":{\"responseModalities\":"
      "[\"AUDIO\"],\"enableAffectiveDialog\":true}");
  /* 3.8 extended thinking takes low to high, not minimal. */
  refused (emu, MODEL_38_THINKING, "\"generationConfig\":"
      "{\"responseModalities\":[\"AUDIO\"],\"thinkingConfig\":"
      "{\"thinkingLevel\":\"MINIMAL\"}}");
  /* 3.1: no NON_BLOCKING. */
  refused (emu, MODEL_31, "\"tools\":[{\"functionDeclarations\":[{\"name\":"
      "\"get_weather\",\"behavior\":\"NON_BLOCKING\"}]}]");

  /* What they do take. */
  client_free (client_ready (emu, MODEL_38,
          "\"proactivity\":{\"proactiveAudio\":true}"));
  client_free (client_ready (emu, MODEL_38_THINKING,
          "\"generationConfig\":{\"responseModalities\":[\"AUDIO\"],"
          "\"thinkingConfig\":{\"thinkingLevel\":\"HIGH\"}}"));
  c = client_ready (emu, MODEL_25, "\"tools\":[{\"functionDeclarations\":"
      "[{\"name\":\"get_weather\",\"behavior\":\"NON_BLOCKING\"}]}]");
  client_free (c);
  emulator_free (emu);
}

static void
respond (Client * c, VpFunctionCall * call, const gchar * scheduling)
{
  VpFunctionResponse response = { 0, };

  response.id = call->id;
  response.name = call->name;
  response.scheduling = (gchar *) scheduling;
  response.response = json_from_string ("{\"output\":{\"tempC\":21}}", NULL);
  client_send_take (c, vp_protocol_build_tool_response (&response, 1));
  json_node_unref (response.response);
}

/* Asks for the weather on 3.8: the call, the filler and the end of the
 * turn come without waiting for the result.  Returns the call. */
static VpFunctionCall *
ask_weather (Client * c)
{
  gint tci, tc;
  gchar *said;

  send_text (c, "What is the weather in Paris?");
  tci = client_wait (c, is_tool_call, STEP_MS);
  g_assert_cmpint (tci, >=, 0);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >, tci);
  said = output_text (c, 0, tci);
  g_assert_cmpstr (said, ==, "Let me check.");
  g_free (said);
  said = output_text (c, tci, tc);
  g_assert_nonnull (strstr (said, "While I look, anything else?"));
  g_free (said);
  return g_ptr_array_index (frame_at (c, tci)->msg->function_calls, 0);
}

static void
test_38_when_idle (void)
{
  VpEmulator *emu = start ();
  Client *c = client_ready (emu, MODEL_38, NULL);
  VpFunctionCall *call = ask_weather (c);
  gint from, sc, tc, rc, rtc;
  gchar *said;

  /* It keeps listening: a new turn is answered while the call runs. */
  from = c->next;
  send_text (c, "Tell me a story.");
  sc = client_wait (c, has_audio, STEP_MS);
  g_assert_cmpint (sc, >=, from);
  /* The result arrives while the story is told: it waits for its end. */
  respond (c, call, "WHEN_IDLE");
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >, sc);
  said = output_text (c, from, tc);
  g_assert_nonnull (strstr (said, "Once upon a time"));
  g_assert_null (strstr (said, "21 degrees"));
  g_free (said);
  for (rc = from; rc < tc; rc++)
    g_assert_false (is_interrupted (frame_at (c, rc)));

  rtc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (rtc, >, tc);
  said = output_text (c, tc, rtc);
  g_assert_nonnull (strstr (said, "It is 21 degrees."));
  g_free (said);

  client_free (c);
  emulator_free (emu);
}

static void
test_38_interrupt (void)
{
  VpEmulator *emu = start ();
  Client *c = client_ready (emu, MODEL_38, NULL);
  VpFunctionCall *call = ask_weather (c);
  gint from, sc, ic, tc, rtc;
  gchar *said;

  from = c->next;
  send_text (c, "Tell me a story.");
  sc = client_wait (c, has_audio, STEP_MS);
  g_assert_cmpint (sc, >=, from);
  respond (c, call, "INTERRUPT");
  /* The story is cut, and the result spoken at once. */
  ic = client_wait (c, is_interrupted, STEP_MS);
  g_assert_cmpint (ic, >, sc);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >, ic);
  rtc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (rtc, >, tc);
  said = output_text (c, from, ic);
  g_assert_null (strstr (said, "first word"));
  g_free (said);
  said = output_text (c, tc, rtc);
  g_assert_nonnull (strstr (said, "It is 21 degrees."));
  g_free (said);

  client_free (c);
  emulator_free (emu);
}

static void
test_38_silent (void)
{
  VpEmulator *emu = start ();
  Client *c = client_ready (emu, MODEL_38, NULL);
  VpFunctionCall *call = ask_weather (c);
  guint before;
  gint tc;
  gchar *said;

  respond (c, call, "SILENT");
  before = c->frames->len;
  pump (400);
  /* Nothing is spoken: the result is context only... */
  for (guint i = before; i < c->frames->len; i++)
    g_assert_false (has_audio (frame_at (c, i)));
  /* ... that a later turn reads. */
  send_text (c, "Remind me of the weather.");
  tc = client_wait (c, is_turn_complete, STEP_MS);
  said = output_text (c, before, tc);
  g_assert_cmpstr (said, ==, "It was 21 degrees.");
  g_free (said);

  client_free (c);
  emulator_free (emu);
}

/* A declaration that says BLOCKING keeps 3.8 waiting, as 3.1 does. */
static void
test_38_blocking_declared (void)
{
  VpEmulator *emu = start ();
  Client *c = client_ready (emu, MODEL_38, "\"tools\":[{"
      "\"functionDeclarations\":[{\"name\":\"get_weather\","
      "\"behavior\":\"BLOCKING\"}]}]");
  gint tci;

  send_text (c, "What is the weather in Paris?");
  tci = client_wait (c, is_tool_call, STEP_MS);
  g_assert_cmpint (tci, >=, 0);
  pump (300);
  g_assert_cmpint (client_wait (c, is_turn_complete, 0), <, 0);
  respond (c, g_ptr_array_index (frame_at (c, tci)->msg->function_calls, 0),
      NULL);
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >, tci);

  client_free (c);
  emulator_free (emu);
}

static gchar *
client_content (const gchar * role, const gchar * text, gboolean complete)
{
  return vp_protocol_build_client_content_text (role, text, complete);
}

static void
test_31_strict_client_content (void)
{
  VpEmulator *emu = start ();
  Client *c;

  /* At connect without historyConfig: refused. */
  c = client_ready (emu, MODEL_31, NULL);
  client_send_take (c, client_content ("user", "My name is Ana.", TRUE));
  assert_closed_with (c, 1007, REFUSED);
  client_free (c);

  /* Mid-session, after the seeding: refused. */
  c = client_ready (emu, MODEL_31, "\"historyConfig\":"
      "{\"initialHistoryInClientContent\":true}");
  client_send_take (c, client_content ("user", "My name is Ana.", FALSE));
  client_send_take (c, client_content ("model", "Hello Ana.", TRUE));
  send_text (c, "hello");
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >=, 0);
  client_send_take (c, client_content ("user", "What is my name?", TRUE));
  assert_closed_with (c, 1007, REFUSED);
  client_free (c);

  /* 3.8 takes it for the whole session. */
  c = client_ready (emu, MODEL_38, NULL);
  client_send_take (c, client_content ("user", "hello", TRUE));
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >=, 0);
  client_free (c);
  emulator_free (emu);

  /* strict=false: as the later model page says. */
  emu = emulator_start ("scenario", scenario, "strict", FALSE, NULL);
  c = client_ready (emu, MODEL_31, NULL);
  client_send_take (c, client_content ("user", "hello", TRUE));
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >=, 0);
  g_assert_false (c->closed);
  client_free (c);
  emulator_free (emu);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/emulator/models/refusals", test_refusals);
  g_test_add_func ("/emulator/models/38-when-idle", test_38_when_idle);
  g_test_add_func ("/emulator/models/38-interrupt", test_38_interrupt);
  g_test_add_func ("/emulator/models/38-silent", test_38_silent);
  g_test_add_func ("/emulator/models/38-blocking-declared",
      test_38_blocking_declared);
  g_test_add_func ("/emulator/models/31-strict-client-content",
      test_31_strict_client_content);
  return g_test_run ();
}
