/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Every fault vp_emulator_inject_fault() can arm: close, drop, stall,
 * malformed and oversized frames, a text frame, an early goAway and a
 * setup never answered; each fires once. */

#include "config.h"

#include "emu-test-client.h"

static void
test_fault_close (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c;

  vp_emulator_inject_fault (emu, VP_EMULATOR_FAULT_CLOSE, 1, 4001, "boom", 0);
  c = client_ready (emu, MODEL_31, NULL);
  assert_closed_with (c, 4001, "boom");
  client_free (c);

  /* Once only. */
  c = client_ready (emu, MODEL_31, NULL);
  pump (200);
  g_assert_false (c->closed);
  client_free (c);

  /* After 0: right after the upgrade, before setup. */
  vp_emulator_inject_fault (emu, VP_EMULATOR_FAULT_CLOSE, 0, 1011,
      "You exceeded your current quota, please check your plan and billing "
      "details.", 0);
  c = client_open (emu, NULL);
  assert_closed_with (c, 1011, "You exceeded your current quota, please "
      "check your plan and billing details.");
  client_free (c);
  emulator_free (emu);
}

static void
test_fault_drop (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c;
  JsonNode *record;

  vp_emulator_inject_fault (emu, VP_EMULATOR_FAULT_DROP, 1, 0, NULL, 0);
  c = client_ready (emu, MODEL_31, NULL);
  g_assert_true (client_wait_closed (c, STEP_MS));
  /* No close frame came: libsoup reports no code. */
  g_assert_cmpuint (c->close_code, !=, 1000);
  g_assert_cmpuint (c->close_code, !=, 1011);
  client_free (c);

  record = parse_record (emu);
  g_assert_cmpint (json_object_get_int_member (record_connection (record,
              0), "closeCode"), ==, 1006);
  json_node_unref (record);
  emulator_free (emu);
}

static void
test_fault_stall (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c;
  guint n;

  vp_emulator_inject_fault (emu, VP_EMULATOR_FAULT_STALL, 1, 0, NULL, 0);
  c = client_ready (emu, MODEL_31, NULL);
  n = c->frames->len;
  send_text (c, "What is the weather in Paris?");
  pump (800);
  /* Silent, and the socket stays open. */
  g_assert_cmpuint (c->frames->len, ==, n);
  g_assert_false (c->closed);
  client_free (c);
  emulator_free (emu);
}

static void
test_fault_malformed (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c;
  Frame *f;
  gint i;

  vp_emulator_inject_fault (emu, VP_EMULATOR_FAULT_MALFORMED, 1, 0, NULL, 0);
  c = client_ready (emu, MODEL_31, NULL);
  i = client_wait (c, is_any, STEP_MS);
  f = frame_at (c, i);
  g_assert_cmpint (f->type, ==, SOUP_WEBSOCKET_DATA_BINARY);
  g_assert_null (f->msg);
  /* The conversation goes on. */
  send_text (c, "Tell me a long story.");
  g_assert_cmpint (client_wait (c, has_audio, STEP_MS), >, i);
  client_free (c);
  emulator_free (emu);
}

static void
test_fault_oversized (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c;
  Frame *f;
  gint i;

  vp_emulator_inject_fault (emu, VP_EMULATOR_FAULT_OVERSIZED, 1, 0, NULL, 0);
  c = client_ready (emu, MODEL_31, NULL);
  i = client_wait (c, is_any, STEP_MS);
  f = frame_at (c, i);
  g_assert_cmpuint (g_bytes_get_size (f->data), ==, 32 * 1024 * 1024);
  client_free (c);

  /* A client with a smaller limit refuses it (1009). */
  vp_emulator_inject_fault (emu, VP_EMULATOR_FAULT_OVERSIZED, 1, 0, NULL,
      2 * 1024 * 1024);
  c = client_open (emu, NULL);
  soup_websocket_connection_set_max_incoming_payload_size (c->ws, 1024 * 1024);
  client_send_take (c, setup_json (MODEL_31, NULL));
  g_assert_true (client_wait_closed (c, STEP_MS));
  g_assert_cmpint (client_wait (c, is_setup_complete, 0), >=, 0);
  client_free (c);
  emulator_free (emu);
}

static void
test_fault_text_frame (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c;
  gint i;

  vp_emulator_inject_fault (emu, VP_EMULATOR_FAULT_TEXT_FRAME, 0, 0, NULL, 0);
  c = client_open (emu, NULL);
  client_send_take (c, setup_json (MODEL_31, "\"sessionResumption\":{}"));
  i = client_wait (c, is_setup_complete, STEP_MS);
  g_assert_cmpint (frame_at (c, i)->type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  i = client_wait (c, is_any, STEP_MS);
  g_assert_cmpint (frame_at (c, i)->type, ==, SOUP_WEBSOCKET_DATA_BINARY);
  client_free (c);
  emulator_free (emu);
}

static void
test_fault_go_away (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c;
  gint i;

  vp_emulator_inject_fault (emu, VP_EMULATOR_FAULT_GO_AWAY, 1, 0, NULL, 300);
  c = client_ready (emu, MODEL_31, NULL);
  i = client_wait (c, is_go_away, STEP_MS);
  g_assert_cmpint (i, >=, 0);
  g_assert_cmpint (frame_at (c, i)->msg->go_away_time_left_ms, ==, 300);
  assert_closed_with (c, 1011, DEADLINE_REASON);
  client_free (c);
  emulator_free (emu);
}

static void
test_fault_no_setup_complete (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c;

  vp_emulator_inject_fault (emu, VP_EMULATOR_FAULT_NO_SETUP_COMPLETE, 0, 0,
      NULL, 0);
  c = client_open (emu, NULL);
  client_send_take (c, setup_json (MODEL_31, NULL));
  pump (600);
  g_assert_cmpuint (c->frames->len, ==, 0);
  g_assert_false (c->closed);
  client_free (c);

  /* Once only. */
  c = client_ready (emu, MODEL_31, NULL);
  client_free (c);
  emulator_free (emu);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/emulator/fault/close", test_fault_close);
  g_test_add_func ("/emulator/fault/drop", test_fault_drop);
  g_test_add_func ("/emulator/fault/stall", test_fault_stall);
  g_test_add_func ("/emulator/fault/malformed", test_fault_malformed);
  g_test_add_func ("/emulator/fault/oversized", test_fault_oversized);
  g_test_add_func ("/emulator/fault/text-frame", test_fault_text_frame);
  g_test_add_func ("/emulator/fault/go-away", test_fault_go_away);
  g_test_add_func ("/emulator/fault/no-setup-complete",
      test_fault_no_setup_complete);

  return g_test_run ();
}
