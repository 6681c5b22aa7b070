/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator at the wire level: the handshake (binary frames, the SDK's
 * setup byte for byte, snake_case, paths, keys and tokens), the closes
 * for what the service refuses, the record and the emulator's life cycle. */

#include "config.h"

#include "emu-test-client.h"

#include <string.h>

static void
test_setup_binary (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_open (emu, "/" LIVE_PATH "?key=test-key"); /* "//ws/…" */
  Frame *f;
  gint i;

  client_send_take (c, setup_json (MODEL_31, "\"sessionResumption\":{}"));
  i = client_wait (c, is_any, STEP_MS);
  f = frame_at (c, i);
  g_assert_true (is_setup_complete (f));
  g_assert_cmpint (f->type, ==, SOUP_WEBSOCKET_DATA_BINARY);
  g_assert_cmpmem (g_bytes_get_data (f->data, NULL),
      g_bytes_get_size (f->data), "{\"setupComplete\":{}}", 20);

  /* Asked for resumption: a resumable handle right after. */
  i = client_wait (c, is_any, STEP_MS);
  f = frame_at (c, i);
  g_assert_true (is_resumable_update (f));
  g_assert_nonnull (f->msg->new_handle);
  g_assert_cmpint (f->type, ==, SOUP_WEBSOCKET_DATA_BINARY);

  client_free (c);
  emulator_free (emu);
}

static void
test_setup_golden (void)
{
  VpEmulator *emu = emulator_start (NULL);
  const gchar *dir = g_getenv ("VP_GOLDEN_DIR");
  gchar *path, *contents = NULL;
  Client *c;

  if (dir == NULL) {
    g_test_skip ("VP_GOLDEN_DIR is not set");
    emulator_free (emu);
    return;
  }
  /* The official SDK's setup, byte for byte. */
  path = g_build_filename (dir, "setup.json", NULL);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  c = client_open (emu, NULL);
  client_send (c, contents);
  g_assert_cmpint (client_wait (c, is_setup_complete, STEP_MS), >=, 0);

  client_free (c);
  g_free (contents);
  g_free (path);
  emulator_free (emu);
}

static void
test_setup_snake_case (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_open (emu, NULL);

  client_send (c, "{\"setup\":{\"model\":\"" MODEL_31 "\","
      "\"generation_config\":{\"response_modalities\":[\"audio\"]},"
      "\"input_audio_transcription\":{},"
      "\"realtime_input_config\":{\"automatic_activity_detection\":"
      "{\"disabled\":true}}}}");
  g_assert_cmpint (client_wait (c, is_setup_complete, STEP_MS), >=, 0);

  client_free (c);
  emulator_free (emu);
}

static void
test_setup_unknown_field (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_open (emu, NULL);

  client_send (c, "{\"setup\":{\"model\":\"" MODEL_31 "\","
      "\"responseModalities\":[\"AUDIO\"]}}");
  assert_closed_with (c, 1007, "Invalid JSON payload received. Unknown name "
      "\"responseModalities\" at 'setup': Cannot find field.");
  g_assert_cmpint (client_wait (c, is_setup_complete, 0), <, 0);

  client_free (c);
  emulator_free (emu);
}

static void
test_setup_unknown_model (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_open (emu, NULL);

  client_send_take (c, setup_json ("models/gemini-0-nope", NULL));
  g_assert_true (client_wait_closed (c, STEP_MS));
  g_assert_cmpuint (c->close_code, ==, 1008);
  /* The real reason is longer than a close frame allows: cut at 123. */
  g_assert_cmpuint (strlen (c->close_reason), ==, 123);
  g_assert_true (g_str_has_prefix (c->close_reason,
          "models/gemini-0-nope is not found for API version v1beta, or is "
          "not supported for bidiGenerateContent. Call ListMod"));
  client_free (c);

  /* The version in the reason is the one of the path. */
  c = client_open (emu, "/ws/google.ai.generativelanguage.v1alpha."
      "GenerativeService.BidiGenerateContent?key=k");
  client_send_take (c, setup_json ("gemini-0-nope", NULL));
  g_assert_true (client_wait_closed (c, STEP_MS));
  g_assert_cmpuint (c->close_code, ==, 1008);
  g_assert_true (g_str_has_prefix (c->close_reason,
          "models/gemini-0-nope is not found for API version v1alpha"));
  client_free (c);

  emulator_free (emu);
}

static void
test_setup_models_property (void)
{
  const gchar *models[] = { "my-model", NULL };
  VpEmulator *emu = emulator_start ("models", models, NULL);
  Client *c;

  c = client_ready (emu, "models/my-model", NULL);
  client_free (c);

  c = client_open (emu, NULL);
  client_send_take (c, setup_json (MODEL_31, NULL));
  assert_closed_with (c, 1008, NULL);
  client_free (c);

  emulator_free (emu);
}

static void
test_message_before_setup (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_open (emu, NULL);

  send_text (c, "hello");
  assert_closed_with (c, 1007, NULL);
  g_assert_true (g_str_has_prefix (c->close_reason,
          "Request contains an invalid argument."));
  client_free (c);

  /* A second setup is refused too. */
  c = client_ready (emu, MODEL_31, NULL);
  client_send_take (c, setup_json (MODEL_31, NULL));
  assert_closed_with (c, 1007, NULL);
  client_free (c);

  emulator_free (emu);
}

static void
test_malformed_client (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_open (emu, NULL);
  gsize big = 17 * 1024 * 1024;
  gchar *huge;

  client_send (c, "this is not JSON");
  assert_closed_with (c, 1007, NULL);
  g_assert_true (g_str_has_prefix (c->close_reason,
          "Invalid JSON payload received."));
  client_free (c);

  /* Binary frames are read like text ones. */
  c = client_open (emu, NULL);
  {
    gchar *setup = setup_json (MODEL_31, NULL);

    soup_websocket_connection_send_binary (c->ws, setup, strlen (setup));
    g_free (setup);
  }
  g_assert_cmpint (client_wait (c, is_setup_complete, STEP_MS), >=, 0);
  /* A frame over the 16 MiB limit: libsoup refuses it with 1009. */
  huge = g_malloc (big + 1);
  memset (huge, ' ', big);
  huge[big] = '\0';
  huge[0] = '{';
  huge[big - 1] = '}';
  client_send (c, huge);
  g_free (huge);
  /* libsoup drops such a connection (no close frame, or 1009). */
  g_assert_true (client_wait_closed (c, STEP_MS));
  g_assert_true (c->close_code == 0 || c->close_code == 1009);
  client_free (c);

  /* The emulator is still there. */
  c = client_ready (emu, MODEL_31, NULL);
  client_free (c);
  emulator_free (emu);
}

static void
test_paths (void)
{
  VpEmulator *emu = emulator_start (NULL);
  gchar *base = vp_emulator_get_url (emu), *url;
  Client *c;

  /* Ephemeral tokens use the Constrained method on v1alpha. */
  c = client_open (emu, "/ws/google.ai.generativelanguage.v1alpha."
      "GenerativeService.BidiGenerateContentConstrained"
      "?access_token=auth_tokens/abc");
  client_send_take (c, setup_json (MODEL_31, NULL));
  g_assert_cmpint (client_wait (c, is_setup_complete, STEP_MS), >=, 0);
  client_free (c);

  /* Anything else is not found. */
  url = g_strconcat (base, "/ws/something.else?key=k", NULL);
  c = client_open_full (url, NULL, NULL);
  g_assert_nonnull (c->connect_error);
  g_assert_null (c->ws);
  client_free (c);
  g_free (url);

  g_free (base);
  emulator_free (emu);
}

static void
test_auth (void)
{
  VpEmulator *emu = emulator_start ("api-key", "right-key", NULL);
  gchar *base = vp_emulator_get_url (emu), *url;
  Client *c;

  /* A wrong key completes the upgrade, then closes 1007. */
  c = client_open (emu, LIVE_PATH "?key=wrong-key");
  client_send_take (c, setup_json (MODEL_31, NULL));
  assert_closed_with (c, 1007, BAD_KEY_REASON);
  g_assert_cmpint (client_wait (c, is_setup_complete, 0), <, 0);
  client_free (c);

  /* No key at all: the same. */
  c = client_open (emu, LIVE_PATH);
  assert_closed_with (c, 1007, BAD_KEY_REASON);
  client_free (c);

  /* The right key, by query and by header (the Python SDK). */
  c = client_open (emu, LIVE_PATH "?key=right-key");
  client_send_take (c, setup_json (MODEL_31, NULL));
  g_assert_cmpint (client_wait (c, is_setup_complete, STEP_MS), >=, 0);
  client_free (c);

  url = g_strconcat (base, LIVE_PATH, NULL);
  c = client_open_full (url, "x-goog-api-key", "right-key");
  g_assert_nonnull (c->ws);
  client_send_take (c, setup_json (MODEL_31, NULL));
  g_assert_cmpint (client_wait (c, is_setup_complete, STEP_MS), >=, 0);
  client_free (c);

  c = client_open_full (url, "x-goog-api-key", "wrong-key");
  g_assert_nonnull (c->ws);
  assert_closed_with (c, 1007, BAD_KEY_REASON);
  client_free (c);
  g_free (url);
  emulator_free (emu);

  /* Tokens: ?access_token= and "Authorization: Token …". */
  emu = emulator_start ("api-key", "auth_tokens/t1", NULL);
  g_free (base);
  base = vp_emulator_get_url (emu);
  url = g_strconcat (base, "/ws/google.ai.generativelanguage.v1alpha."
      "GenerativeService.BidiGenerateContentConstrained", NULL);
  c = client_open_full (url, "Authorization", "Token auth_tokens/t1");
  g_assert_nonnull (c->ws);
  client_send_take (c, setup_json (MODEL_31, NULL));
  g_assert_cmpint (client_wait (c, is_setup_complete, STEP_MS), >=, 0);
  client_free (c);
  c = client_open_full (url, "Authorization", "Token auth_tokens/t2");
  g_assert_nonnull (c->ws);
  assert_closed_with (c, 1007, BAD_KEY_REASON);
  client_free (c);

  g_free (url);
  g_free (base);
  emulator_free (emu);
}

static void
test_record (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_ready (emu, MODEL_31, NULL);
  GBytes *in = speech ("Hello there.", 16000);
  gsize sent;
  JsonNode *record;
  JsonObject *r, *first;
  JsonArray *messages;

  sent = send_audio (c, in, 800);
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >=, 0);
  client_free (c);
  pump (100);

  g_assert_cmpuint (vp_emulator_get_n_connections (emu), ==, 1);
  record = parse_record (emu);
  r = record_connection (record, 0);
  g_assert_cmpint (json_object_get_int_member (r, "connection"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (r, "session"), ==, "s-1");
  g_assert_false (json_object_get_boolean_member (r, "resumed"));
  g_assert_cmpint (json_object_get_int_member (r, "closeCode"), ==, 1000);
  g_assert_cmpint (json_object_get_int_member (r, "audioBytes"), ==, sent);
  g_assert_cmpint (json_object_get_int_member (r, "toolResponses"), ==, 0);
  messages = json_object_get_array_member (r, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==,
      1 + (sent + 1279) / 1280);
  first = json_array_get_object_element (messages, 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member
          (first, "setup"), "model"), ==, MODEL_31);
  g_assert_true (json_object_has_member (json_array_get_object_element
          (messages, 1), "realtimeInput"));
  json_node_unref (record);

  g_bytes_unref (in);
  emulator_free (emu);
}

static gpointer
poke_from_thread (gpointer data)
{
  VpEmulator *emu = data;
  guint i;

  for (i = 0; i < 50; i++) {
    gchar *record = vp_emulator_get_record (emu);

    g_free (record);
    g_object_set (emu, "latency-ms", 10 + i, NULL);
    vp_emulator_get_n_connections (emu);
  }
  return NULL;
}

static void
test_life_cycle (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c;
  GThread *thread;
  GError *error = NULL;
  guint port;
  VpEmulator *other;

  /* The public API from another thread while a client talks. */
  c = client_ready (emu, MODEL_31, NULL);
  thread = g_thread_new ("poke", poke_from_thread, emu);
  send_text (c, "Tell me a long story.");
  g_assert_cmpint (client_wait (c, has_audio, STEP_MS), >=, 0);
  g_thread_join (thread);

  /* stop() closes open connections (1001) and is idempotent. */
  vp_emulator_stop (emu);
  vp_emulator_stop (emu);
  g_assert_true (client_wait_closed (c, STEP_MS));
  g_assert_cmpuint (c->close_code, ==, 1001);
  client_free (c);

  /* It starts again. */
  g_assert_true (vp_emulator_start (emu, &error));
  g_assert_no_error (error);
  port = vp_emulator_get_port (emu);
  c = client_ready (emu, MODEL_31, NULL);
  client_free (c);

  /* A port in use is an error that says what to do. */
  other = vp_emulator_new ();
  g_object_set (other, "port", port, NULL);
  g_assert_false (vp_emulator_start (other, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "port"));
  g_clear_error (&error);
  g_object_unref (other);

  /* A bad scenario too. */
  other = vp_emulator_new ();
  g_object_set (other, "scenario", "{\"turns\":[{\"sey\":\"typo\"}]}", NULL);
  g_assert_false (vp_emulator_start (other, &error));
  g_assert_nonnull (strstr (error->message, "sey"));
  g_clear_error (&error);
  g_object_set (other, "scenario", NULL, "scenario-file", "/nonexistent", NULL);
  g_assert_false (vp_emulator_start (other, &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent"));
  g_clear_error (&error);
  g_object_unref (other);

  emulator_free (emu);

  /* Dropping the last reference stops it too. */
  emu = emulator_start (NULL);
  c = client_ready (emu, MODEL_31, NULL);
  g_object_unref (emu);
  g_assert_true (client_wait_closed (c, STEP_MS));
  client_free (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/emulator/setup/binary-frames", test_setup_binary);
  g_test_add_func ("/emulator/setup/sdk-golden", test_setup_golden);
  g_test_add_func ("/emulator/setup/snake-case", test_setup_snake_case);
  g_test_add_func ("/emulator/setup/unknown-field", test_setup_unknown_field);
  g_test_add_func ("/emulator/setup/unknown-model", test_setup_unknown_model);
  g_test_add_func ("/emulator/setup/models-property",
      test_setup_models_property);
  g_test_add_func ("/emulator/setup/not-first", test_message_before_setup);
  g_test_add_func ("/emulator/setup/malformed-client", test_malformed_client);
  g_test_add_func ("/emulator/setup/paths", test_paths);
  g_test_add_func ("/emulator/auth", test_auth);
  g_test_add_func ("/emulator/record", test_record);
  g_test_add_func ("/emulator/life-cycle", test_life_cycle);

  return g_test_run ();
}
