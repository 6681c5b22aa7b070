/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator tests' client: a raw libsoup WebSocket client on the test's
 * main context, predicates on its frames, and an emulator and clients set
 * up the common way (see emu-test-client.h). */

#include "config.h"

#include "emu-test-client.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* A raw WebSocket client on the test's main context */

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
gboolean
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
void
pump (guint ms)
{
  gboolean never = FALSE;

  wait_flag (&never, ms);
}

/* Opens a WebSocket to @url (the path and query included) with an
 * optional extra request header.  Returns the client even when the
 * connection failed (see connect_error). */
Client *
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

Client *
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

void
client_send (Client * c, const gchar * json)
{
  g_assert_nonnull (c->ws);
  g_assert_cmpint (soup_websocket_connection_get_state (c->ws), ==,
      SOUP_WEBSOCKET_STATE_OPEN);
  soup_websocket_connection_send_text (c->ws, json);
}

void
client_send_take (Client * c, gchar * json)
{
  client_send (c, json);
  g_free (json);
}

void
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
gint
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

Frame *
frame_at (Client * c, gint index)
{
  g_assert_cmpint (index, >=, 0);
  return g_ptr_array_index (c->frames, index);
}

gboolean
client_wait_closed (Client * c, guint timeout_ms)
{
  return wait_flag (&c->closed, timeout_ms);
}

/* Predicates */

gboolean
is_setup_complete (Frame * f)
{
  return f->msg && f->msg->setup_complete;
}

gboolean
has_audio (Frame * f)
{
  return f->msg && f->msg->audio && f->msg->audio->len > 0;
}

gboolean
is_turn_complete (Frame * f)
{
  return f->msg && f->msg->turn_complete;
}

gboolean
is_generation_complete (Frame * f)
{
  return f->msg && f->msg->generation_complete;
}

gboolean
is_tool_call (Frame * f)
{
  return f->msg && f->msg->function_calls && f->msg->function_calls->len > 0;
}

gboolean
is_interrupted (Frame * f)
{
  return f->msg && f->msg->interrupted;
}

gboolean
is_cancellation (Frame * f)
{
  return f->msg && f->msg->cancelled_ids != NULL;
}

gboolean
is_go_away (Frame * f)
{
  return f->msg && f->msg->go_away;
}

gboolean
is_resumable_update (Frame * f)
{
  return f->msg && f->msg->has_resumption_update && f->msg->resumable;
}

gboolean
is_input_transcription (Frame * f)
{
  return f->msg && f->msg->input_transcription;
}

gboolean
is_any (Frame * f)
{
  return TRUE;
}

/* Everything between frames @from (inclusive) and @to (exclusive). */
gchar *
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

GByteArray *
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

gdouble
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

VpEmulator *
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

void
emulator_free (VpEmulator * emu)
{
  vp_emulator_stop (emu);
  g_object_unref (emu);
}

gchar *
setup_json (const gchar * model, const gchar * extra)
{
  return g_strdup_printf ("{\"setup\":{\"model\":\"%s\","
      "\"generationConfig\":{\"responseModalities\":[\"AUDIO\"]},"
      "\"inputAudioTranscription\":{},\"outputAudioTranscription\":{}%s%s}}",
      model, extra ? "," : "", extra ? extra : "");
}

/* Opens and sets up; the setupComplete is consumed. */
Client *
client_ready (VpEmulator * emu, const gchar * model, const gchar * extra)
{
  Client *c = client_open (emu, NULL);
  gint i;

  client_send_take (c, setup_json (model, extra));
  i = client_wait (c, is_setup_complete, STEP_MS);
  g_assert_cmpint (i, >=, 0);

  return c;
}

void
send_text (Client * c, const gchar * text)
{
  client_send_take (c, vp_protocol_build_realtime_text (text));
}

GBytes *
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
gsize
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

void
assert_closed_with (Client * c, gushort code, const gchar * reason)
{
  g_assert_true (client_wait_closed (c, STEP_MS));
  g_assert_cmpuint (c->close_code, ==, code);
  if (reason != NULL)
    g_assert_cmpstr (c->close_reason, ==, reason);
  g_assert_cmpuint (strlen (c->close_reason ? c->close_reason : ""), <=, 123);
}

JsonNode *
parse_record (VpEmulator * emu)
{
  gchar *record = vp_emulator_get_record (emu);
  JsonNode *root = json_from_string (record, NULL);

  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  g_free (record);
  return root;
}

JsonObject *
record_connection (JsonNode * root, guint index)
{
  JsonArray *array = json_node_get_array (root);

  g_assert_cmpuint (index, <, json_array_get_length (array));
  return json_array_get_object_element (array, index);
}

/* ------------------------------------------------------------------------ */
/* Setup */
