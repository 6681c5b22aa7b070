/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator at the wire level: a raw libsoup WebSocket client (not the
 * Voxpipe session client) and the protocol codec drive VpEmulator through
 * every behaviour of PROTOCOL.md §9 and every fault.  Every wait has a
 * time bound, so a missing message fails the test instead of hanging it. */

#include "config.h"

#include <voxpipe.h>
#include <voxpipe-emulator.h>
#include <libsoup/soup.h>
#include <glib/gstdio.h>

#include <math.h>
#include <string.h>

#define MODEL_31 "models/gemini-3.1-flash-live-preview"
#define MODEL_25 "models/gemini-2.5-flash-native-audio-preview-12-2025"
#define LIVE_PATH \
  "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
#define STEP_MS 10000           /* the longest any expected event may take */

#define BAD_KEY_REASON "API key not valid. Please pass a valid API key."
#define DEADLINE_REASON "Deadline expired before operation could complete."

/* ------------------------------------------------------------------------ */
/* A raw WebSocket client on the test's main context */

typedef struct
{
  gint type;                    /* SOUP_WEBSOCKET_DATA_TEXT / _BINARY */
  GBytes *data;
  VpServerMessage *msg;         /* NULL when the frame is not a server message */
} Frame;

typedef struct
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  gboolean connect_done;
  GError *connect_error;
  GPtrArray *frames;            /* Frame */
  guint next;                   /* first frame not yet consumed by a wait */
  gboolean closed;
  gushort close_code;
  gchar *close_reason;
} Client;

static void
frame_free (Frame * f)
{
  g_bytes_unref (f->data);
  if (f->msg)
    vp_server_message_free (f->msg);
  g_free (f);
}

static void
on_client_message (SoupWebsocketConnection * ws, gint type, GBytes * data,
    gpointer user_data)
{
  Client *c = user_data;
  Frame *f = g_new0 (Frame, 1);
  gsize n;
  const gchar *bytes = g_bytes_get_data (data, &n);

  f->type = type;
  f->data = g_bytes_ref (data);
  f->msg = vp_server_message_parse (bytes, n, NULL);
  g_ptr_array_add (c->frames, f);
}

static void
on_client_closed (SoupWebsocketConnection * ws, gpointer user_data)
{
  Client *c = user_data;

  c->closed = TRUE;
  c->close_code = soup_websocket_connection_get_close_code (ws);
  c->close_reason = g_strdup (soup_websocket_connection_get_close_data (ws));
}

static void
on_connected (GObject * source, GAsyncResult * result, gpointer user_data)
{
  Client *c = user_data;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source),
      result, &c->connect_error);
  if (c->ws != NULL) {
    soup_websocket_connection_set_max_incoming_payload_size (c->ws,
        64 * 1024 * 1024);
    g_signal_connect (c->ws, "message", G_CALLBACK (on_client_message), c);
    g_signal_connect (c->ws, "closed", G_CALLBACK (on_client_closed), c);
  }
  c->connect_done = TRUE;
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *@flag or @timeout_ms passed.  Returns
 * *@flag. */
static gboolean
wait_flag (gboolean * flag, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timeout, set_flag, &timed_out, NULL);
  g_source_attach (timeout, NULL);
  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);

  return *flag;
}

/* Lets the main context run for @ms. */
static void
pump (guint ms)
{
  gboolean never = FALSE;

  wait_flag (&never, ms);
}

/* Opens a WebSocket to @url (the path and query included) with an
 * optional extra request header.  Returns the client even when the
 * connection failed (see connect_error). */
static Client *
client_open_full (const gchar * url, const gchar * header, const gchar * value)
{
  Client *c = g_new0 (Client, 1);
  SoupMessage *msg;

  /* No proxy lookups: loopback only (and libproxy is noisy under
   * valgrind). */
  c->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  c->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) frame_free);
  msg = soup_message_new ("GET", url);
  g_assert_nonnull (msg);
  if (header != NULL)
    soup_message_headers_append (soup_message_get_request_headers (msg),
        header, value);
  soup_session_websocket_connect_async (c->session, msg, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, on_connected, c);
  g_object_unref (msg);
  g_assert_true (wait_flag (&c->connect_done, STEP_MS));

  return c;
}

static Client *
client_open (VpEmulator * emu, const gchar * path_and_query)
{
  gchar *base = vp_emulator_get_url (emu);
  gchar *url = g_strconcat (base, path_and_query ? path_and_query :
      LIVE_PATH "?key=test-key", NULL);
  Client *c = client_open_full (url, NULL, NULL);

  g_assert_no_error (c->connect_error);
  g_assert_nonnull (c->ws);
  g_free (url);
  g_free (base);

  return c;
}

static void
client_send (Client * c, const gchar * json)
{
  g_assert_nonnull (c->ws);
  g_assert_cmpint (soup_websocket_connection_get_state (c->ws), ==,
      SOUP_WEBSOCKET_STATE_OPEN);
  soup_websocket_connection_send_text (c->ws, json);
}

static void
client_send_take (Client * c, gchar * json)
{
  client_send (c, json);
  g_free (json);
}

static void
client_free (Client * c)
{
  if (c->ws != NULL) {
    if (soup_websocket_connection_get_state (c->ws) ==
        SOUP_WEBSOCKET_STATE_OPEN) {
      soup_websocket_connection_close (c->ws, 1000, NULL);
      wait_flag (&c->closed, 2000);
    }
    g_signal_handlers_disconnect_by_data (c->ws, c);
    g_object_unref (c->ws);
  }
  g_clear_error (&c->connect_error);
  g_ptr_array_unref (c->frames);
  g_object_unref (c->session);
  g_free (c->close_reason);
  g_free (c);
  /* Let libsoup finish its own teardown. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

typedef gboolean (*FramePredicate) (Frame * f);

static gboolean
find_from (Client * c, FramePredicate pred, guint * index)
{
  guint i;

  for (i = c->next; i < c->frames->len; i++) {
    if (pred (g_ptr_array_index (c->frames, i))) {
      *index = i;
      return TRUE;
    }
  }
  return FALSE;
}

/* Waits for the next frame matching @pred.  Returns its index, or -1. */
static gint
client_wait (Client * c, FramePredicate pred, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  guint index;

  while (!find_from (c, pred, &index)) {
    gint64 left = deadline - g_get_monotonic_time ();

    if (left <= 0 || c->closed)
      return find_from (c, pred, &index) ? (gint) index : -1;
    pump (MIN (left / 1000 + 1, 20));
  }
  c->next = index + 1;

  return (gint) index;
}

static Frame *
frame_at (Client * c, gint index)
{
  g_assert_cmpint (index, >=, 0);
  return g_ptr_array_index (c->frames, index);
}

static gboolean
client_wait_closed (Client * c, guint timeout_ms)
{
  return wait_flag (&c->closed, timeout_ms);
}

/* Predicates */

static gboolean
is_setup_complete (Frame * f)
{
  return f->msg && f->msg->setup_complete;
}

static gboolean
has_audio (Frame * f)
{
  return f->msg && f->msg->audio && f->msg->audio->len > 0;
}

static gboolean
is_turn_complete (Frame * f)
{
  return f->msg && f->msg->turn_complete;
}

static gboolean
is_generation_complete (Frame * f)
{
  return f->msg && f->msg->generation_complete;
}

static gboolean
is_tool_call (Frame * f)
{
  return f->msg && f->msg->function_calls && f->msg->function_calls->len > 0;
}

static gboolean
is_interrupted (Frame * f)
{
  return f->msg && f->msg->interrupted;
}

static gboolean
is_cancellation (Frame * f)
{
  return f->msg && f->msg->cancelled_ids != NULL;
}

static gboolean
is_go_away (Frame * f)
{
  return f->msg && f->msg->go_away;
}

static gboolean
is_resumable_update (Frame * f)
{
  return f->msg && f->msg->has_resumption_update && f->msg->resumable;
}

static gboolean
is_input_transcription (Frame * f)
{
  return f->msg && f->msg->input_transcription;
}

static gboolean
is_any (Frame * f)
{
  return TRUE;
}

/* Everything between frames @from (inclusive) and @to (exclusive). */
static gchar *
output_text (Client * c, guint from, guint to)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = from; i < to && i < c->frames->len; i++) {
    Frame *f = g_ptr_array_index (c->frames, i);

    if (f->msg && f->msg->output_transcription)
      g_string_append (s, f->msg->output_transcription);
  }
  return g_string_free (s, FALSE);
}

static GByteArray *
output_audio (Client * c, guint from, guint to)
{
  GByteArray *out = g_byte_array_new ();
  guint i, j;

  for (i = from; i < to && i < c->frames->len; i++) {
    Frame *f = g_ptr_array_index (c->frames, i);

    if (!has_audio (f))
      continue;
    g_assert_cmpuint (f->msg->audio_rate, ==, 24000);
    for (j = 0; j < f->msg->audio->len; j++) {
      gsize n;
      const guint8 *d = g_bytes_get_data (g_ptr_array_index (f->msg->audio,
              j), &n);

      g_byte_array_append (out, d, n);
    }
  }
  return out;
}

static gdouble
rms (const guint8 * data, gsize n_bytes)
{
  const gint16 *s = (const gint16 *) data;
  gsize n = n_bytes / 2, i;
  gdouble sum = 0;

  for (i = 0; i < n; i++)
    sum += (gdouble) s[i] * s[i];
  return n ? sqrt (sum / n) : 0;
}

/* ------------------------------------------------------------------------ */
/* Emulators and clients set up the common way */

static const gchar weather_scenario[] =
    "{\"name\":\"test\",\"turns\":["
    "{\"id\":\"greet\",\"match\":{\"in-order\":true},"
    "\"transcript\":\"Hello there.\","
    "\"say\":\"Good evening, this is the emulator speaking to you.\"},"
    "{\"id\":\"weather\",\"match\":{\"text\":\"weather\",\"in-order\":false},"
    "\"say\":\"Let me check.\","
    "\"calls\":[{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}}],"
    "\"then\":\"It is {{get_weather.output.tempC}} degrees and "
    "{{get_weather.sky}}.\"},"
    "{\"id\":\"story\",\"match\":{\"regex\":\"long\\\\s+story\","
    "\"in-order\":false},"
    "\"say\":\"Once upon a time a small pipeline carried voices across the "
    "world. Every morning it woke up, checked its buffers and listened for "
    "the first word of the day. It never dropped a single sample.\"},"
    "{\"id\":\"next-1\",\"match\":{\"text\":\"next\",\"in-order\":false},"
    "\"say\":\"Answer alpha.\"},"
    "{\"id\":\"next-2\",\"match\":{\"text\":\"next\",\"in-order\":false},"
    "\"say\":\"Answer bravo.\"}]," "\"fallback\":{\"say\":\"Sorry?\"}}";

static VpEmulator *
emulator_start (const gchar * first_property, ...)
{
  VpEmulator *emu = vp_emulator_new ();
  GError *error = NULL;
  va_list args;

  g_object_set (emu, "scenario", weather_scenario, "latency-ms", 20,
      "speech-rate", 50.0, "wait-for-playback", FALSE, NULL);
  if (first_property != NULL) {
    va_start (args, first_property);
    g_object_set_valist (G_OBJECT (emu), first_property, args);
    va_end (args);
  }
  g_assert_true (vp_emulator_start (emu, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (vp_emulator_get_port (emu), >, 0);

  return emu;
}

static void
emulator_free (VpEmulator * emu)
{
  vp_emulator_stop (emu);
  g_object_unref (emu);
}

static gchar *
setup_json (const gchar * model, const gchar * extra)
{
  return g_strdup_printf ("{\"setup\":{\"model\":\"%s\","
      "\"generationConfig\":{\"responseModalities\":[\"AUDIO\"]},"
      "\"inputAudioTranscription\":{},\"outputAudioTranscription\":{}%s%s}}",
      model, extra ? "," : "", extra ? extra : "");
}

/* Opens and sets up; the setupComplete is consumed. */
static Client *
client_ready (VpEmulator * emu, const gchar * model, const gchar * extra)
{
  Client *c = client_open (emu, NULL);
  gint i;

  client_send_take (c, setup_json (model, extra));
  i = client_wait (c, is_setup_complete, STEP_MS);
  g_assert_cmpint (i, >=, 0);

  return c;
}

static void
send_text (Client * c, const gchar * text)
{
  client_send_take (c, vp_protocol_build_realtime_text (text));
}

static GBytes *
speech (const gchar * text, guint rate)
{
  GError *error = NULL;
  GBytes *pcm = vp_speech_synthesize (text, NULL, rate, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pcm);
  return pcm;
}

/* Sends 16 kHz @pcm in 40 ms chunks (as fast as possible: the emulator's
 * VAD counts samples, not wall time), then @silence_ms of silence.
 * Returns the bytes sent. */
static gsize
send_audio (Client * c, GBytes * pcm, guint silence_ms)
{
  const gsize chunk = 16000 * 2 * 40 / 1000;
  gsize n = pcm ? g_bytes_get_size (pcm) : 0, off, sent = 0;
  const guint8 *data = pcm ? g_bytes_get_data (pcm, NULL) : NULL;
  guint8 zeros[16000 * 2 * 40 / 1000] = { 0, };
  guint i;

  for (off = 0; off < n; off += chunk) {
    gsize len = MIN (chunk, n - off);

    client_send_take (c, vp_protocol_build_realtime_audio (data + off, len,
            16000));
    sent += len;
  }
  for (i = 0; i < silence_ms / 40; i++) {
    client_send_take (c, vp_protocol_build_realtime_audio (zeros,
            sizeof (zeros), 16000));
    sent += sizeof (zeros);
  }

  return sent;
}

static void
assert_closed_with (Client * c, gushort code, const gchar * reason)
{
  g_assert_true (client_wait_closed (c, STEP_MS));
  g_assert_cmpuint (c->close_code, ==, code);
  if (reason != NULL)
    g_assert_cmpstr (c->close_reason, ==, reason);
  g_assert_cmpuint (strlen (c->close_reason ? c->close_reason : ""), <=, 123);
}

static JsonNode *
parse_record (VpEmulator * emu)
{
  gchar *record = vp_emulator_get_record (emu);
  JsonNode *root = json_from_string (record, NULL);

  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  g_free (record);
  return root;
}

static JsonObject *
record_connection (JsonNode * root, guint index)
{
  JsonArray *array = json_node_get_array (root);

  g_assert_cmpuint (index, <, json_array_get_length (array));
  return json_array_get_object_element (array, index);
}

/* ------------------------------------------------------------------------ */
/* Setup */

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

/* ------------------------------------------------------------------------ */
/* Authentication */

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

/* ------------------------------------------------------------------------ */
/* Turns */

static void
check_usage (Frame * tc, gsize audio_in_bytes, guint in_rate,
    gsize audio_out_bytes)
{
  const VpUsageMetadata *u = &tc->msg->usage;
  gint64 in_tokens = llround (32.0 * audio_in_bytes / 2 / in_rate);
  gint64 out_tokens = llround (25.0 * audio_out_bytes / 2 / 24000);

  g_assert_true (tc->msg->has_usage);
  g_assert_cmpint (u->prompt_audio_tokens, >=, in_tokens - 1);
  g_assert_cmpint (u->prompt_audio_tokens, <=, in_tokens + 1);
  g_assert_cmpint (u->response_audio_tokens, >=, out_tokens - 1);
  g_assert_cmpint (u->response_audio_tokens, <=, out_tokens + 1);
  g_assert_cmpint (u->prompt_tokens, >=, u->prompt_audio_tokens);
  g_assert_cmpint (u->response_tokens, >=, u->response_audio_tokens);
  g_assert_cmpint (u->total_tokens, ==, u->prompt_tokens + u->response_tokens);
}

static void
run_audio_turn (const gchar * model, gboolean packed)
{
  static const gchar say[] =
      "Good evening, this is the emulator speaking to you.";
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_ready (emu, model, NULL);
  GBytes *in = speech ("Hello, I would like a table for four please.", 16000);
  GBytes *expected = speech (say, 24000);
  GByteArray *audio;
  gchar *said;
  gsize sent;
  gint it, gc, tc, first_audio, i;
  gboolean saw_packed = FALSE, saw_split = FALSE;

  sent = send_audio (c, in, 1000);

  it = client_wait (c, is_input_transcription, STEP_MS);
  g_assert_cmpint (it, >=, 0);
  g_assert_cmpstr (frame_at (c, it)->msg->input_transcription, ==,
      "Hello there.");
  first_audio = client_wait (c, has_audio, STEP_MS);
  g_assert_cmpint (first_audio, >, it);
  gc = client_wait (c, is_generation_complete, STEP_MS);
  g_assert_cmpint (gc, >, first_audio);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >, gc);

  /* Real speech at 24 kHz: exactly espeak-ng's rendering of the reply. */
  audio = output_audio (c, first_audio, gc);
  g_assert_cmpuint (audio->len, ==, g_bytes_get_size (expected));
  g_assert_cmpmem (audio->data, audio->len, g_bytes_get_data (expected,
          NULL), g_bytes_get_size (expected));
  g_assert_cmpfloat (rms (audio->data, audio->len), >, 500.0);
  g_byte_array_unref (audio);
  audio = output_audio (c, gc, c->frames->len);
  g_assert_cmpuint (audio->len, ==, 0);
  g_byte_array_unref (audio);
  audio = output_audio (c, first_audio, gc);

  /* The transcription, in step with the audio, adds up to the reply. */
  said = output_text (c, first_audio, gc);
  g_assert_cmpstr (said, ==, say);
  for (i = first_audio; i < gc; i++) {
    Frame *f = frame_at (c, i);

    if (has_audio (f) && f->msg->output_transcription)
      saw_packed = TRUE;
    if (!has_audio (f) && f->msg && f->msg->output_transcription)
      saw_split = TRUE;
  }
  g_assert_true (packed ? saw_packed && !saw_split : saw_split && !saw_packed);

  check_usage (frame_at (c, tc), sent, 16000, audio->len);

  g_byte_array_unref (audio);
  g_free (said);
  g_bytes_unref (in);
  g_bytes_unref (expected);
  client_free (c);
  emulator_free (emu);
}

static void
test_audio_turn_31 (void)
{
  run_audio_turn (MODEL_31, TRUE);
}

static void
test_audio_turn_25 (void)
{
  run_audio_turn (MODEL_25, FALSE);
}

static void
test_audio_stream_end (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_ready (emu, MODEL_31, NULL);
  GBytes *in = speech ("Hello there.", 16000);

  /* No trailing silence: audioStreamEnd ends the segment at once. */
  send_audio (c, in, 0);
  pump (300);
  g_assert_cmpint (client_wait (c, is_input_transcription, 0), <, 0);
  client_send_take (c, vp_protocol_build_audio_stream_end ());
  g_assert_cmpint (client_wait (c, is_input_transcription, STEP_MS), >=, 0);
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >=, 0);

  g_bytes_unref (in);
  client_free (c);
  emulator_free (emu);
}

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
  in = speech ("Hello, do you have a table for four tomorrow at eight?", 16000);
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
test_text_mode (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_open (emu, NULL);
  gint tc, i;
  gboolean text = FALSE;

  client_send (c, "{\"setup\":{\"model\":\"models/gemini-2.0-flash-live-001\","
      "\"generationConfig\":{\"responseModalities\":[\"TEXT\"]}}}");
  g_assert_cmpint (client_wait (c, is_setup_complete, STEP_MS), >=, 0);
  send_text (c, "Tell me a long story.");
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >=, 0);
  for (i = 0; i < tc; i++) {
    Frame *f = frame_at (c, i);

    g_assert_false (has_audio (f));
    if (f->msg && f->msg->text && g_str_has_prefix (f->msg->text, "Once"))
      text = TRUE;
  }
  g_assert_true (text);
  g_assert_cmpint (frame_at (c, tc)->msg->usage.response_text_tokens, >, 0);

  client_free (c);
  emulator_free (emu);
}

/* ------------------------------------------------------------------------ */
/* Barge-in */

static void
check_interrupted_turn (Client * c, gint ii, gint tc)
{
  guint i;

  g_assert_cmpint (ii, >=, 0);
  g_assert_cmpint (tc, >, ii);
  for (i = 0; i < c->frames->len; i++)
    g_assert_false (is_generation_complete (frame_at (c, i)));
  /* Nothing of the old turn after interrupted. */
  for (i = ii + 1; i < c->frames->len; i++) {
    Frame *f = frame_at (c, i);

    g_assert_false (has_audio (f));
    g_assert_null (f->msg ? f->msg->output_transcription : NULL);
  }
}

static void
test_barge_in_speech (void)
{
  VpEmulator *emu = emulator_start ("speech-rate", 1.0, NULL);
  Client *c = client_ready (emu, MODEL_31, NULL);
  GBytes *in = speech ("Stop, stop, please stop talking now.", 16000);
  gint ii, tc;

  send_text (c, "Tell me a long story.");
  g_assert_cmpint (client_wait (c, has_audio, STEP_MS), >=, 0);
  send_audio (c, in, 0);
  ii = client_wait (c, is_interrupted, STEP_MS);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  /* The paced reply keeps going for seconds if not interrupted. */
  pump (500);
  check_interrupted_turn (c, ii, tc);
  g_assert_true (frame_at (c, tc)->msg->has_usage);

  g_bytes_unref (in);
  client_free (c);
  emulator_free (emu);
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

static void
test_no_interruption (void)
{
  VpEmulator *emu = emulator_start ("speech-rate", 5.0, NULL);
  Client *c = client_ready (emu, MODEL_31,
      "\"realtimeInputConfig\":{\"activityHandling\":\"NO_INTERRUPTION\"}");
  GBytes *in = speech ("Hello there.", 16000);
  gint gc, tc, it;

  send_text (c, "Tell me a long story.");
  g_assert_cmpint (client_wait (c, has_audio, STEP_MS), >=, 0);
  send_audio (c, in, 800);
  /* The story finishes, then the user's turn is answered. */
  gc = client_wait (c, is_generation_complete, STEP_MS);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (gc, >=, 0);
  g_assert_cmpint (tc, >, gc);
  c->next = 0;
  g_assert_cmpint (client_wait (c, is_interrupted, 0), <, 0);
  c->next = tc + 1;
  /* (the fallback: the in-order turns are behind the story's cursor) */
  it = client_wait (c, has_audio, STEP_MS);
  g_assert_cmpint (it, >, tc);
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >, it);

  g_bytes_unref (in);
  client_free (c);
  emulator_free (emu);
}

static void
test_manual_activity (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_ready (emu, MODEL_31,
      "\"realtimeInputConfig\":{\"automaticActivityDetection\":"
      "{\"disabled\":true}}");
  GBytes *in = speech ("Hello there.", 16000);

  /* Speech and silence without activity signals: no turn. */
  send_audio (c, in, 1000);
  pump (600);
  g_assert_cmpuint (c->frames->len, ==, 1);

  client_send_take (c, vp_protocol_build_activity_start ());
  send_audio (c, in, 0);
  pump (200);
  g_assert_cmpuint (c->frames->len, ==, 1);
  client_send_take (c, vp_protocol_build_activity_end ());
  g_assert_cmpint (client_wait (c, is_input_transcription, STEP_MS), >=, 0);
  g_assert_cmpint (client_wait (c, has_audio, STEP_MS), >=, 0);
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >=, 0);

  g_bytes_unref (in);
  client_free (c);
  emulator_free (emu);
}

/* Speech scaled to @gain (1/10 of espeak-ng's level is about -41 dBFS). */
static GBytes *
quiet_speech (const gchar * text, gdouble gain)
{
  GBytes *pcm = speech (text, 16000);
  gsize n, i;
  const gint16 *in = g_bytes_get_data (pcm, &n);
  gint16 *out = g_new (gint16, n / 2);

  for (i = 0; i < n / 2; i++)
    out[i] = (gint16) (in[i] * gain);
  g_bytes_unref (pcm);

  return g_bytes_new_take (out, n / 2 * 2);
}

static void
test_vad_settings (void)
{
  VpEmulator *emu = emulator_start ("latency-ms", 0, NULL);
  GBytes *quiet = quiet_speech ("Hello there, how are you?", 0.1);
  GBytes *loud = speech ("Hello there, how are you?", 16000);
  Client *c;

  /* Quiet speech starts a turn at the default (high) start sensitivity… */
  c = client_ready (emu, MODEL_31, NULL);
  send_audio (c, quiet, 800);
  g_assert_cmpint (client_wait (c, is_input_transcription, STEP_MS), >=, 0);
  client_free (c);

  /* …but not at START_SENSITIVITY_LOW. */
  c = client_ready (emu, MODEL_31, "\"realtimeInputConfig\":"
      "{\"automaticActivityDetection\":"
      "{\"startOfSpeechSensitivity\":\"START_SENSITIVITY_LOW\"}}");
  send_audio (c, quiet, 800);
  pump (500);
  g_assert_cmpint (client_wait (c, is_input_transcription, 0), <, 0);
  client_free (c);

  /* silenceDurationMs: 1 s of silence is not enough for 2000 ms. */
  c = client_ready (emu, MODEL_31, "\"realtimeInputConfig\":"
      "{\"automaticActivityDetection\":{\"silenceDurationMs\":2000}}");
  send_audio (c, loud, 1000);
  pump (500);
  g_assert_cmpint (client_wait (c, is_input_transcription, 0), <, 0);
  send_audio (c, NULL, 1200);
  g_assert_cmpint (client_wait (c, is_input_transcription, STEP_MS), >=, 0);
  client_free (c);

  /* prefixPaddingMs: speech shorter than the padding never starts a turn. */
  c = client_ready (emu, MODEL_31, "\"realtimeInputConfig\":"
      "{\"automaticActivityDetection\":{\"prefixPaddingMs\":5000}}");
  send_audio (c, loud, 1000);
  pump (500);
  g_assert_cmpint (client_wait (c, is_input_transcription, 0), <, 0);
  client_free (c);

  g_bytes_unref (quiet);
  g_bytes_unref (loud);
  emulator_free (emu);
}

/* ------------------------------------------------------------------------ */
/* Limits and resumption */

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

/* ------------------------------------------------------------------------ */
/* Faults */

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

/* ------------------------------------------------------------------------ */
/* Record, speech, life cycle */

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

static void
test_speech (void)
{
  GError *error = NULL;
  GBytes *a = speech ("The quick brown fox.", 16000);
  GBytes *b = speech ("The quick brown fox.", 48000);
  GBytes *c = speech ("The quick brown fox.", 16000);
  gchar *path, *contents;
  gsize len;
  gdouble ratio;

  /* Same duration at every rate. */
  ratio = (gdouble) g_bytes_get_size (b) / g_bytes_get_size (a);
  g_assert_cmpfloat (fabs (ratio - 3.0), <, 0.01);
  g_assert_true (g_bytes_equal (a, c));
  g_assert_cmpfloat (rms (g_bytes_get_data (b, NULL), g_bytes_get_size (b)),
      >, 500.0);

  g_assert_null (vp_speech_synthesize ("x", "no-such-voice", 16000, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (vp_speech_synthesize ("x", NULL, 100, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  path = g_build_filename (g_get_tmp_dir (), "vp-test-speech.wav", NULL);
  g_assert_true (vp_speech_write_wav (path, a, 16000, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, 44 + g_bytes_get_size (a));
  g_assert_cmpmem (contents, 4, "RIFF", 4);
  g_assert_cmpmem (contents + 8, 8, "WAVEfmt ", 8);
  g_assert_cmpuint (GUINT32_FROM_LE (*(guint32 *) (contents + 24)), ==, 16000);
  g_assert_cmpmem (contents + 44, len - 44, g_bytes_get_data (a, NULL),
      g_bytes_get_size (a));
  g_unlink (path);
  g_free (contents);
  g_free (path);

  g_bytes_unref (a);
  g_bytes_unref (b);
  g_bytes_unref (c);
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
  g_test_add_func ("/emulator/turn/audio-3.1", test_audio_turn_31);
  g_test_add_func ("/emulator/turn/audio-2.5", test_audio_turn_25);
  g_test_add_func ("/emulator/turn/audio-stream-end", test_audio_stream_end);
  g_test_add_func ("/emulator/turn/tool-call", test_tool_call);
  g_test_add_func ("/emulator/turn/receptionist", test_receptionist);
  g_test_add_func ("/emulator/turn/text-mode", test_text_mode);
  g_test_add_func ("/emulator/barge-in/speech", test_barge_in_speech);
  g_test_add_func ("/emulator/barge-in/tool-pending",
      test_barge_in_tool_pending);
  g_test_add_func ("/emulator/barge-in/no-interruption", test_no_interruption);
  g_test_add_func ("/emulator/barge-in/manual-activity", test_manual_activity);
  g_test_add_func ("/emulator/vad/settings", test_vad_settings);
  g_test_add_func ("/emulator/limits/go-away", test_go_away);
  g_test_add_func ("/emulator/limits/session", test_session_limit);
  g_test_add_func ("/emulator/resume/handle", test_resume);
  g_test_add_func ("/emulator/resume/unknown", test_resume_unknown);
  g_test_add_func ("/emulator/fault/close", test_fault_close);
  g_test_add_func ("/emulator/fault/drop", test_fault_drop);
  g_test_add_func ("/emulator/fault/stall", test_fault_stall);
  g_test_add_func ("/emulator/fault/malformed", test_fault_malformed);
  g_test_add_func ("/emulator/fault/oversized", test_fault_oversized);
  g_test_add_func ("/emulator/fault/text-frame", test_fault_text_frame);
  g_test_add_func ("/emulator/fault/go-away", test_fault_go_away);
  g_test_add_func ("/emulator/fault/no-setup-complete",
      test_fault_no_setup_complete);
  g_test_add_func ("/emulator/record", test_record);
  g_test_add_func ("/emulator/speech", test_speech);
  g_test_add_func ("/emulator/life-cycle", test_life_cycle);

  return g_test_run ();
}
