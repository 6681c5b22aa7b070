/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Limits and resumption: goAway before the connection lifetime ends, the
 * session limit (lifted by compression, 120 s with video), resuming with
 * a handle, and handles that are unknown or expired. */

#include "config.h"

#include "emu-test-client.h"

static void
test_go_away (void)
{
  /* 600 s at 600x: the connection lasts 1 s, goAway 0.1 s before. */
  VpEmulator *emu = emulator_start ("time-scale", 600.0, NULL);
  gint64 start = g_get_monotonic_time (), elapsed;
  Client *c = client_ready (emu, MODEL_31, NULL);
  gint gi;

  gi = client_wait (c, is_go_away, STEP_MS);
  g_assert_cmpint (gi, >=, 0);
  g_assert_cmpint (frame_at (c, gi)->msg->go_away_time_left_ms, ==, 100);
  assert_closed_with (c, 1011, DEADLINE_REASON);
  elapsed = (g_get_monotonic_time () - start) / 1000;
  g_assert_cmpint (elapsed, >=, 900);
  g_assert_cmpint (elapsed, <, 5000);

  client_free (c);
  emulator_free (emu);
}

static void
test_session_limit (void)
{
  /* 50 s at 100x: 0.5 s sessions, connections unlimited. */
  VpEmulator *emu = emulator_start ("time-scale", 100.0,
      "session-limit", 50, "connection-lifetime", 0, NULL);
  Client *c = client_ready (emu, MODEL_31, "\"sessionResumption\":{}");
  gint i;
  gchar *handle, *extra;

  i = client_wait (c, is_resumable_update, STEP_MS);
  handle = g_strdup (frame_at (c, i)->msg->new_handle);
  assert_closed_with (c, 1011, NULL);
  g_assert_true (g_str_has_prefix (c->close_reason, "Session time limit"));
  client_free (c);

  /* The session is over: its handles are gone. */
  extra = g_strdup_printf ("\"sessionResumption\":{\"handle\":\"%s\"}", handle);
  c = client_open (emu, NULL);
  client_send_take (c, setup_json (MODEL_31, extra));
  assert_closed_with (c, 1008, "BidiGenerateContent session not found");
  client_free (c);
  g_free (extra);
  g_free (handle);

  /* Context compression lifts the limit. */
  c = client_ready (emu, MODEL_31, "\"contextWindowCompression\":"
      "{\"slidingWindow\":{}}");
  pump (900);
  g_assert_false (c->closed);
  client_free (c);
  emulator_free (emu);

  /* Video brings the limit down to 120 s (0.12 s at 1000x). */
  emu = emulator_start ("time-scale", 1000.0, "session-limit", 900,
      "connection-lifetime", 0, NULL);
  c = client_ready (emu, MODEL_31, NULL);
  client_send (c, "{\"realtimeInput\":{\"video\":{\"mimeType\":"
      "\"image/jpeg\",\"data\":\"/9j/2Q==\"}}}");
  assert_closed_with (c, 1011, NULL);
  client_free (c);
  emulator_free (emu);
}

static gchar *
text_turn (Client * c, const gchar * text)
{
  gint from, tc;

  send_text (c, text);
  from = c->next;
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >=, 0);
  return output_text (c, from, tc);
}

static void
test_resume (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_ready (emu, MODEL_31, "\"sessionResumption\":{}");
  Client *c2;
  gchar *said, *handle, *extra;
  gint i, from;
  guint j;
  gint64 prompt1;
  JsonNode *record;
  JsonObject *r1, *r2;

  g_assert_cmpint (client_wait (c, is_resumable_update, STEP_MS), >=, 0);
  from = c->next;
  said = text_turn (c, "Next question, please.");
  g_assert_cmpstr (said, ==, "Answer alpha.");
  g_free (said);
  /* Never a resumable handle while the model works. */
  for (j = from; j < c->next; j++) {
    Frame *f = frame_at (c, j);

    if (f->msg && f->msg->has_resumption_update)
      g_assert_false (f->msg->resumable);
  }
  prompt1 = frame_at (c, c->next - 1)->msg->usage.prompt_tokens;
  i = client_wait (c, is_resumable_update, STEP_MS);
  g_assert_cmpint (i, >=, 0);
  handle = g_strdup (frame_at (c, i)->msg->new_handle);
  extra = g_strdup_printf ("\"sessionResumption\":{\"handle\":\"%s\"}", handle);

  /* Resuming while the old socket is open is refused. */
  c2 = client_open (emu, NULL);
  client_send_take (c2, setup_json (MODEL_31, extra));
  assert_closed_with (c2, 1011, NULL);
  client_free (c2);

  client_free (c);

  /* Resumed: the conversation goes on where it was. */
  c = client_open (emu, NULL);
  client_send_take (c, setup_json (MODEL_31, extra));
  g_assert_cmpint (client_wait (c, is_setup_complete, STEP_MS), >=, 0);
  said = text_turn (c, "Next question, please.");
  g_assert_cmpstr (said, ==, "Answer bravo.");
  g_free (said);
  g_assert_cmpint (frame_at (c, c->next - 1)->msg->usage.prompt_tokens, >,
      prompt1);
  client_free (c);

  record = parse_record (emu);
  r1 = record_connection (record, 0);
  r2 = record_connection (record, 2);
  g_assert_false (json_object_get_boolean_member (r1, "resumed"));
  g_assert_true (json_object_get_boolean_member (r2, "resumed"));
  g_assert_cmpstr (json_object_get_string_member (r1, "session"), ==,
      json_object_get_string_member (r2, "session"));
  g_assert_cmpint (json_object_get_int_member (record_connection (record,
              1), "closeCode"), ==, 1011);
  json_node_unref (record);

  g_free (extra);
  g_free (handle);
  emulator_free (emu);
}

static void
test_resume_unknown (void)
{
  VpEmulator *emu = emulator_start ("handle-lifetime", 1, "time-scale",
      10.0, NULL);
  Client *c = client_open (emu, NULL);
  gchar *handle, *extra;
  gint i;

  client_send_take (c, setup_json (MODEL_31,
          "\"sessionResumption\":{\"handle\":\"no-such-handle\"}"));
  assert_closed_with (c, 1008, "BidiGenerateContent session not found");
  client_free (c);

  /* A handle expires handle-lifetime (scaled) after its session closed. */
  c = client_ready (emu, MODEL_31, "\"sessionResumption\":{}");
  i = client_wait (c, is_resumable_update, STEP_MS);
  handle = g_strdup (frame_at (c, i)->msg->new_handle);
  client_free (c);
  pump (400);
  extra = g_strdup_printf ("\"sessionResumption\":{\"handle\":\"%s\"}", handle);
  c = client_open (emu, NULL);
  client_send_take (c, setup_json (MODEL_31, extra));
  assert_closed_with (c, 1008, "BidiGenerateContent session not found");
  client_free (c);

  g_free (extra);
  g_free (handle);
  emulator_free (emu);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/emulator/limits/go-away", test_go_away);
  g_test_add_func ("/emulator/limits/session", test_session_limit);
  g_test_add_func ("/emulator/resume/handle", test_resume);
  g_test_add_func ("/emulator/resume/unknown", test_resume_unknown);

  return g_test_run ();
}
