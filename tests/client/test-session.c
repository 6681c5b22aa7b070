/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* VpLiveSession against the in-process emulator: every flow and every
 * fault the emulator can inject ends in the documented signal or GError,
 * within a time bound. */

#include "config.h"

#include <voxpipe.h>
#include <voxpipe-emulator.h>
#include "vpt-recorder.h"

#include <math.h>
#include <string.h>

/* Every wait is bounded; a hang fails the test instead of blocking CI. */
#define WAIT_MS 15000
#define SECRET_KEY "AIzaSy-test-secret-0123456789abcdef"

/* A test fixture: an emulator on loopback and a session pointed at it. */
typedef struct
{
  VpEmulator *emulator;
  VpLiveSession *session;
  VptRecorder *recorder;
} Fixture;

static gchar *
scenario_path (void)
{
  return g_build_filename (g_getenv ("VP_SOURCE_DIR") ? g_getenv
      ("VP_SOURCE_DIR") : VP_SOURCE_DIR, "pipelines",
      "receptionist.scenario.json", NULL);
}

static void
fixture_set_up (Fixture * f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *scenario = scenario_path ();
  g_autofree gchar *url = NULL;
  g_autoptr (VpSetupConfig) setup = vp_setup_config_new ();

  f->emulator = vp_emulator_new ();
  g_object_set (f->emulator, "scenario-file", scenario, "latency-ms", 50,
      "speech-rate", 20.0, NULL);
  g_assert_true (vp_emulator_start (f->emulator, &error));
  g_assert_no_error (error);

  url = vp_emulator_get_url (f->emulator);
  f->session = vp_live_session_new ();
  setup->model = g_strdup (VP_DEFAULT_MODEL);
  setup->input_transcription = TRUE;
  setup->output_transcription = TRUE;
  setup->session_resumption = TRUE;
  vp_live_session_set_setup (f->session, setup);
  g_object_set (f->session, "endpoint", url, "api-key", SECRET_KEY,
      "connect-timeout", 5000, "response-timeout", 15000, NULL);
  f->recorder = vpt_recorder_new (f->session, WAIT_MS);
}

static void
fixture_close (Fixture * f)
{
  if (vp_live_session_get_state (f->session) != VP_SESSION_STATE_CLOSED
      || !vpt_recorder_has (f->recorder, "closed")) {
    vp_live_session_close (f->session);
    vpt_recorder_wait (f->recorder, "closed", NULL);
  }
}

static void
fixture_tear_down (Fixture * f, gconstpointer data)
{
  fixture_close (f);
  vpt_recorder_disconnect (f->recorder);
  g_object_unref (f->session);
  vp_emulator_stop (f->emulator);
  g_object_unref (f->emulator);
  vpt_recorder_free (f->recorder);
}

static void
connect_and_wait (Fixture * f)
{
  vp_live_session_connect (f->session);
  vpt_recorder_wait (f->recorder, "setup-complete", NULL);
  g_assert_cmpint (vp_live_session_get_state (f->session), ==,
      VP_SESSION_STATE_READY);
}

/* Sends @text as 16 kHz speech followed by silence, in 20 ms frames. */
static void
speak (VpLiveSession * session, const gchar * text, guint silence_ms)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) pcm = vp_speech_synthesize (text, "en-us", 16000, &error);
  const gint16 *samples;
  gsize n, i;
  gint16 silence[320] = { 0, };

  g_assert_no_error (error);
  samples = g_bytes_get_data (pcm, &n);
  n /= 2;
  for (i = 0; i < n; i += 320)
    vp_live_session_send_audio (session, samples + i, MIN (320, n - i), 16000);
  for (i = 0; i < silence_ms / 20; i++)
    vp_live_session_send_audio (session, silence, 320, 16000);
}

static gdouble
rms (const GByteArray * audio)
{
  const gint16 *s = (const gint16 *) audio->data;
  gsize n = audio->len / 2, i;
  gdouble sum = 0;

  for (i = 0; i < n; i++)
    sum += (gdouble) s[i] * s[i];
  return n ? sqrt (sum / n) : 0;
}

/* Flows */

static void
test_setup_complete (Fixture * f, gconstpointer data)
{
  g_autofree gchar *handle = NULL;

  connect_and_wait (f);
  /* Resumption was asked for: the first handle comes after setup. */
  vpt_recorder_wait (f->recorder, "resumption-update:resumable", NULL);
  handle = vp_live_session_dup_resume_handle (f->session);
  g_assert_nonnull (handle);
  fixture_close (f);
  g_assert_cmpint (f->recorder->close_code, ==, 1000);
  g_assert_null (f->recorder->error);
}

static void
test_audio_turn (Fixture * f, gconstpointer data)
{
  guint at = 0;

  connect_and_wait (f);
  speak (f->session, "Can I book a table for four?", 1500);

  vpt_recorder_wait (f->recorder, "input-transcription", &at);
  vpt_recorder_wait (f->recorder, "audio:24000", &at);
  vpt_recorder_wait (f->recorder, "tool-call:*:check_availability:", &at);
  /* The model speaks before the tool call and waits for the answer. */
  g_assert_cmpuint (f->recorder->audio->len, >, 24000 / 10 * 2);
  g_assert_cmpfloat (rms (f->recorder->audio), >, 300);
  g_assert_cmpuint (f->recorder->input_text->len, >, 0);
}

static void
answer_first_call (Fixture * f, const gchar * response)
{
  g_auto (GStrv) parts = NULL;
  g_autoptr (GError) error = NULL;

  g_mutex_lock (&f->recorder->lock);
  parts = g_strsplit (g_ptr_array_index (f->recorder->tool_calls, 0), "\n", 3);
  g_mutex_unlock (&f->recorder->lock);
  g_assert_true (vp_live_session_send_tool_response (f->session, parts[0],
          response, &error));
  g_assert_no_error (error);

  /* A second answer to the same id is refused, and says why. */
  g_assert_false (vp_live_session_send_tool_response (f->session, parts[0],
          response, &error));
  g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
  g_assert_nonnull (strstr (error->message, "not pending"));
}

static void
test_tool_call_round_trip (Fixture * f, gconstpointer data)
{
  guint at = 0;

  connect_and_wait (f);
  vp_live_session_send_text (f->session,
      "Do you have a table for four tomorrow at eight?");
  vpt_recorder_wait (f->recorder, "tool-call:*:check_availability:", &at);
  g_assert_cmpuint (f->recorder->tool_calls->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (f->recorder->tool_calls, 0),
          "party_size"));

  answer_first_call (f, "{\"output\":{\"available\":true,\"time\":\"21:15\","
      "\"table\":7}}");
  /* 3.8: the call is non-blocking, so the turn that made it ends (before
   * or after the answer), then a turn of its own speaks the result. */
  vpt_recorder_wait (f->recorder, "turn-complete", &at);
  vpt_recorder_wait (f->recorder, "generation-complete", &at);
  vpt_recorder_wait (f->recorder, "turn-complete", &at);
  vpt_recorder_wait (f->recorder, "usage", NULL);

  /* The reply was built from our answer. */
  g_assert_nonnull (strstr (f->recorder->output_text->str, "21:15"));
  g_assert_cmpint (f->recorder->usage->output_audio_tokens, >, 0);
  g_assert_cmpfloat (f->recorder->usage->cost_usd, >, 0);
}

static void
test_barge_in (Fixture * f, gconstpointer data)
{
  guint at = 0;

  g_object_set (f->emulator, "speech-rate", 1.0, NULL);
  connect_and_wait (f);
  vp_live_session_send_text (f->session,
      "Do you have a table for four tomorrow at eight?");
  vpt_recorder_wait (f->recorder, "audio", &at);
  /* The user talks over the model. */
  speak (f->session, "Wait, actually make that five people.", 0);
  vpt_recorder_wait (f->recorder, "interrupted", &at);
  vpt_recorder_wait (f->recorder, "turn-complete", &at);
  g_assert_false (vpt_recorder_has (f->recorder, "generation-complete"));
}

static void
test_tool_call_cancelled (Fixture * f, gconstpointer data)
{
  guint at = 0;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) parts = NULL;
  g_autoptr (VpSetupConfig) setup = vp_live_session_dup_setup (f->session);

  /* 3.1: a blocking call, which a barge-in cancels (3.8's non-blocking
   * calls run on). */
  g_free (setup->model);
  setup->model = g_strdup (VP_MODEL_31);
  vp_live_session_set_setup (f->session, setup);
  connect_and_wait (f);
  vp_live_session_send_text (f->session,
      "Do you have a table for four tomorrow at eight?");
  vpt_recorder_wait (f->recorder, "tool-call:*:check_availability:", &at);
  /* Barge in while the call is pending. */
  vp_live_session_send_activity_start (f->session);
  speak (f->session, "No wait, never mind.", 0);
  vpt_recorder_wait (f->recorder, "tool-call-cancelled:", &at);

  /* A late result for a cancelled call is refused, not sent. */
  g_mutex_lock (&f->recorder->lock);
  parts = g_strsplit (g_ptr_array_index (f->recorder->tool_calls, 0), "\n", 3);
  g_mutex_unlock (&f->recorder->lock);
  g_assert_false (vp_live_session_send_tool_response (f->session, parts[0],
          "{\"output\":{}}", &error));
  g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
}

static void
test_manual_activity (Fixture * f, gconstpointer data)
{
  g_autoptr (VpSetupConfig) setup = vp_live_session_dup_setup (f->session);
  guint at = 0;

  setup->vad_disabled = VP_TRISTATE_TRUE;
  vp_live_session_set_setup (f->session, setup);
  connect_and_wait (f);

  vp_live_session_send_activity_start (f->session);
  speak (f->session, "Can I book a table for four?", 0);
  vp_live_session_send_activity_end (f->session);
  vpt_recorder_wait (f->recorder, "audio:24000", &at);
  vpt_recorder_wait (f->recorder, "tool-call:*:check_availability:", &at);
}

/* Errors */

static void
expect_error (Fixture * f, gint code, const gchar * words)
{
  vpt_recorder_wait (f->recorder, "error:", NULL);
  vpt_recorder_wait (f->recorder, "closed", NULL);
  g_assert_error (f->recorder->error, VP_ERROR, code);
  if (words != NULL && strstr (f->recorder->error->message, words) == NULL)
    g_error ("error message \"%s\" lacks \"%s\"",
        f->recorder->error->message, words);
  /* Never the key, whatever went wrong. */
  g_assert_null (strstr (f->recorder->error->message, SECRET_KEY));
  g_assert_cmpint (vp_live_session_get_state (f->session), ==,
      VP_SESSION_STATE_CLOSED);
}

static void
test_bad_key (Fixture * f, gconstpointer data)
{
  g_autofree gchar *url = NULL;

  /* Restart the emulator so that it knows one key only. */
  vp_emulator_stop (f->emulator);
  g_object_set (f->emulator, "api-key", "the-right-key", NULL);
  g_assert_true (vp_emulator_start (f->emulator, NULL));
  url = vp_emulator_get_url (f->emulator);
  g_object_set (f->session, "endpoint", url, NULL);

  vp_live_session_connect (f->session);
  expect_error (f, VP_ERROR_AUTH, "GEMINI_API_KEY");
  g_assert_cmpint (f->recorder->close_code, ==, 1007);
}

static void
test_unknown_model (Fixture * f, gconstpointer data)
{
  g_object_set (f->session, "model", "gemini-0.1-nonexistent", NULL);
  vp_live_session_connect (f->session);
  expect_error (f, VP_ERROR_MODEL_NOT_FOUND, "model");
  g_assert_cmpint (f->recorder->close_code, ==, 1008);
}

static void
test_unreachable (Fixture * f, gconstpointer data)
{
  g_autofree gchar *url = NULL;

  /* A port nobody listens on: the emulator's, once stopped. */
  url = vp_emulator_get_url (f->emulator);
  vp_emulator_stop (f->emulator);
  g_object_set (f->session, "endpoint", url, NULL);
  vp_live_session_connect (f->session);
  expect_error (f, VP_ERROR_NETWORK, "Could not connect");
}

static void
test_plain_ws_remote_refused (Fixture * f, gconstpointer data)
{
  g_object_set (f->session, "endpoint", "ws://192.0.2.1:9/", NULL);
  vp_live_session_connect (f->session);
  expect_error (f, VP_ERROR_SETTINGS, "wss://");
}

static void
test_no_key (Fixture * f, gconstpointer data)
{
  g_object_set (f->session, "api-key", NULL,
      "endpoint", "wss://generativelanguage.googleapis.com", NULL);
  vp_live_session_connect (f->session);
  expect_error (f, VP_ERROR_AUTH, "GEMINI_API_KEY");
}

/* Faults */

typedef struct
{
  const gchar *name;
  VpEmulatorFault fault;
  guint after;
  gushort code;
  const gchar *reason;
  gint64 argument;
  gboolean reconnect;
  gint expected_error;          /* -1: the session survives */
  const gchar *words;           /* in the error, or the event that shows it */
} FaultCase;

#define ASK "Do you have a table for four tomorrow at eight?"

static void
test_fault (Fixture * f, gconstpointer data)
{
  const FaultCase *c = data;
  guint at = 0;

  g_object_set (f->session, "reconnect", c->reconnect, NULL);
  /* Only the stall needs a short stall timer; slow (sanitizer) runs must
   * not mistake a busy emulator for one. */
  if (c->fault == VP_EMULATOR_FAULT_STALL)
    g_object_set (f->session, "response-timeout", 2000, NULL);
  vp_emulator_inject_fault (f->emulator, c->fault, c->after, c->code,
      c->reason, c->argument);
  vp_live_session_connect (f->session);

  if (c->fault != VP_EMULATOR_FAULT_NO_SETUP_COMPLETE
      && !(c->fault == VP_EMULATOR_FAULT_CLOSE && c->after == 0)) {
    vpt_recorder_wait (f->recorder, "setup-complete", &at);
    vp_live_session_send_text (f->session, ASK);
  }

  if (c->expected_error >= 0) {
    expect_error (f, c->expected_error, c->words);
    if (c->fault == VP_EMULATOR_FAULT_GO_AWAY)
      g_assert_true (vpt_recorder_has (f->recorder, "go-away:"));
    return;
  }

  /* Survived: the event that shows how, then a working conversation. */
  if (c->words != NULL)
    vpt_recorder_wait (f->recorder, c->words, &at);
  if (g_str_has_prefix (c->words ? c->words : "", "reconnected")) {
    g_assert_true (vpt_recorder_has (f->recorder, "reconnected:resumed"));
    /* The turn in flight may be lost with its connection; ask again. */
    vp_live_session_send_text (f->session, ASK);
  }
  vpt_recorder_wait (f->recorder, "tool-call:*:check_availability:", &at);
  g_assert_null (f->recorder->error);
  g_assert_cmpint (vp_live_session_get_state (f->session), ==,
      VP_SESSION_STATE_READY);
}

static const FaultCase fault_cases[] = {
  {"close-1011-mid-turn/recovers", VP_EMULATOR_FAULT_CLOSE, 3, 1011,
      "Internal error occurred.", 0, TRUE, -1, "reconnected"},
  {"close-1011-mid-turn/no-reconnect", VP_EMULATOR_FAULT_CLOSE, 3, 1011,
        "Internal error occurred.", 0, FALSE, VP_ERROR_SERVER,
      "Internal error occurred."},
  {"close-quota-at-open", VP_EMULATOR_FAULT_CLOSE, 0, 1011,
      "You exceeded your current quota, please check your plan and billing "
        "details.", 0, TRUE, VP_ERROR_QUOTA, "quota"},
  {"close-1007-mid-turn", VP_EMULATOR_FAULT_CLOSE, 3, 1007,
        "Request contains an invalid argument.", 0, TRUE,
      VP_ERROR_INVALID_ARGUMENT, "invalid argument"},
  {"close-1008-mid-turn", VP_EMULATOR_FAULT_CLOSE, 3, 1008,
      "models/gemini-3.1-flash-live-preview is not found for API version "
        "v1beta", 0, TRUE, VP_ERROR_MODEL_NOT_FOUND, "model"},
  {"drop-tcp/recovers", VP_EMULATOR_FAULT_DROP, 3, 0, NULL, 0, TRUE, -1,
      "reconnected"},
  {"drop-tcp/no-reconnect", VP_EMULATOR_FAULT_DROP, 3, 0, NULL, 0, FALSE,
      VP_ERROR_NETWORK, "1006"},
  {"stall/recovers", VP_EMULATOR_FAULT_STALL, 3, 0, NULL, 0, TRUE, -1,
      "reconnected"},
  {"stall/no-reconnect", VP_EMULATOR_FAULT_STALL, 3, 0, NULL, 0, FALSE,
      VP_ERROR_TIMEOUT, "silent"},
  {"malformed-frame", VP_EMULATOR_FAULT_MALFORMED, 2, 0, NULL, 0, TRUE, -1,
      "warning:"},
  {"oversized-frame", VP_EMULATOR_FAULT_OVERSIZED, 2, 0, NULL, 0, FALSE,
      VP_ERROR_PROTOCOL, "WebSocket protocol"},
  {"text-frame", VP_EMULATOR_FAULT_TEXT_FRAME, 1, 0, NULL, 0, TRUE, -1, NULL},
  {"go-away/rolls-over", VP_EMULATOR_FAULT_GO_AWAY, 2, 0, NULL, 1000, TRUE,
      -1, "reconnected"},
  /* The same faults at other points of a turn: right after the first
   * handle, in the middle of the model's audio, and around the tool call. */
  {"close-1011/at-2", VP_EMULATOR_FAULT_CLOSE, 2, 1011,
      "Internal error occurred.", 0, TRUE, -1, "reconnected"},
  {"close-1011/at-6", VP_EMULATOR_FAULT_CLOSE, 6, 1011,
      "Internal error occurred.", 0, TRUE, -1, "reconnected"},
  {"close-1011/at-10", VP_EMULATOR_FAULT_CLOSE, 10, 1011,
      "Internal error occurred.", 0, TRUE, -1, "reconnected"},
  {"drop-tcp/at-2", VP_EMULATOR_FAULT_DROP, 2, 0, NULL, 0, TRUE, -1,
      "reconnected"},
  {"drop-tcp/at-6", VP_EMULATOR_FAULT_DROP, 6, 0, NULL, 0, TRUE, -1,
      "reconnected"},
  {"drop-tcp/at-10", VP_EMULATOR_FAULT_DROP, 10, 0, NULL, 0, TRUE, -1,
      "reconnected"},
  {"stall/at-6", VP_EMULATOR_FAULT_STALL, 6, 0, NULL, 0, TRUE, -1,
      "reconnected"},
  {"malformed-frame/at-6", VP_EMULATOR_FAULT_MALFORMED, 6, 0, NULL, 0, TRUE,
      -1, "warning:"},
  {"text-frame/at-6", VP_EMULATOR_FAULT_TEXT_FRAME, 6, 0, NULL, 0, TRUE, -1,
      NULL},
  {"go-away/at-6", VP_EMULATOR_FAULT_GO_AWAY, 6, 0, NULL, 1000, TRUE, -1,
      "reconnected"},
  {"go-away/at-10", VP_EMULATOR_FAULT_GO_AWAY, 10, 0, NULL, 1000, TRUE, -1,
      "reconnected"},
  {"oversized-frame/at-6", VP_EMULATOR_FAULT_OVERSIZED, 6, 0, NULL, 0, FALSE,
      VP_ERROR_PROTOCOL, "WebSocket protocol"},
  {"go-away/no-reconnect", VP_EMULATOR_FAULT_GO_AWAY, 2, 0, NULL, 1000, FALSE,
      VP_ERROR_DEADLINE, "Deadline expired"},
  {"no-setup-complete", VP_EMULATOR_FAULT_NO_SETUP_COMPLETE, 0, 0, NULL, 0,
      TRUE, VP_ERROR_TIMEOUT, "setup"},
};

/* An ephemeral token goes to the constrained endpoint as access_token,
 * never in a header (PROTOCOL.md §1.3). */
static void
test_ephemeral_token (Fixture * f, gconstpointer data)
{
  g_autofree gchar *record = NULL;
  g_autofree gchar *url = NULL;

  /* The emulator accepts only this token, where the service takes it. */
  vp_emulator_stop (f->emulator);
  g_object_set (f->emulator, "api-key", "auth_tokens/test-token-123", NULL);
  g_assert_true (vp_emulator_start (f->emulator, NULL));
  url = vp_emulator_get_url (f->emulator);
  g_object_set (f->session, "endpoint", url,
      "api-key", "auth_tokens/test-token-123", NULL);
  connect_and_wait (f);
  record = vp_emulator_get_record (f->emulator);
  g_assert_nonnull (strstr (record,
          "GenerativeService.BidiGenerateContentConstrained"));
  /* The record keeps no query string: the token is not in it either. */
  g_assert_null (strstr (record, "test-token-123"));
}

/* New instructions reach the service on a new connection that resumes the
 * conversation. */
static void
test_update (Fixture * f, gconstpointer data)
{
  g_autoptr (VpSetupConfig) setup = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) record = NULL;
  g_autofree gchar *json = NULL;
  JsonArray *connections;
  JsonObject *second;
  guint at = 0;

  /* Asked for at once: the update waits for the first resumable handle,
   * so that the new connection continues this conversation. */
  connect_and_wait (f);

  setup = vp_live_session_dup_setup (f->session);
  g_free (setup->system_instruction);
  setup->system_instruction = g_strdup ("Speak like a pirate.");
  g_assert_true (vp_live_session_update (f->session, setup, NULL, &error));
  g_assert_no_error (error);
  vpt_recorder_wait (f->recorder, "reconnected:resumed", &at);

  /* The model cannot change on the way. */
  g_free (setup->model);
  setup->model = g_strdup ("gemini-2.5-flash-native-audio-preview-12-2025");
  g_assert_false (vp_live_session_update (f->session, setup, NULL, &error));
  g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);

  json = vp_emulator_get_record (f->emulator);
  record = json_from_string (json, NULL);
  connections = json_node_get_array (record);
  g_assert_cmpuint (json_array_get_length (connections), ==, 2);
  second = json_array_get_object_element (connections, 1);
  g_assert_true (json_object_get_boolean_member (second, "resumed"));
  g_assert_cmpstr (json_object_get_string_member (second, "session"), ==,
      json_object_get_string_member (json_array_get_object_element
          (connections, 0), "session"));
  g_assert_nonnull (strstr (json, "Speak like a pirate."));
}

/* One network thread for every session of the process (DESIGN.md §2). */

static guint
count_threads (const gchar * name)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const gchar *task;
  guint n = 0;

  while (dir != NULL && (task = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *path = g_strdup_printf ("/proc/self/task/%s/comm",
        task);
    g_autofree gchar *comm = NULL;
    if (g_file_get_contents (path, &comm, NULL, NULL)
        && g_str_equal (g_strstrip (comm), name))
      n++;
  }
  return n;
}

static void
test_one_network_thread (Fixture * f, gconstpointer data)
{
  g_autofree gchar *url = vp_emulator_get_url (f->emulator);
  VpLiveSession *sessions[20];
  VptRecorder *recorders[20];
  guint i;

  connect_and_wait (f);
  for (i = 0; i < G_N_ELEMENTS (sessions); i++) {
    sessions[i] = vp_live_session_new ();
    g_object_set (sessions[i], "endpoint", url, "api-key", SECRET_KEY, NULL);
    recorders[i] = vpt_recorder_new (sessions[i], WAIT_MS);
    vp_live_session_connect (sessions[i]);
  }
  for (i = 0; i < G_N_ELEMENTS (sessions); i++)
    vpt_recorder_wait (recorders[i], "setup-complete", NULL);

  /* 21 live sessions, one thread. */
  g_assert_cmpuint (count_threads ("voxpipe-net"), ==, 1);

  for (i = 0; i < G_N_ELEMENTS (sessions); i++) {
    vp_live_session_close (sessions[i]);
    vpt_recorder_wait (recorders[i], "closed", NULL);
    vpt_recorder_disconnect (recorders[i]);
    g_object_unref (sessions[i]);
    vpt_recorder_free (recorders[i]);
  }
}

/* The key never reaches any log, even with every debug output on.  The
 * test runs this program again with the key and all debugging enabled,
 * and searches everything it printed. */

static int
run_with_key_and_debug (void)
{
  Fixture f = { 0, };

  fixture_set_up (&f, NULL);
  connect_and_wait (&f);
  vp_live_session_send_text (f.session, "Do you have a table for four?");
  vpt_recorder_wait (f.recorder, "tool-call:", NULL);
  fixture_tear_down (&f, NULL);

  /* And a refused key, which is when clients tend to print it. */
  fixture_set_up (&f, NULL);
  g_object_set (f.session, "model", "no-such-model", NULL);
  vp_live_session_connect (f.session);
  vpt_recorder_wait (f.recorder, "closed", NULL);
  g_printerr ("%s\n", f.recorder->error ? f.recorder->error->message : "");
  fixture_tear_down (&f, NULL);
  return 0;
}

static void
test_key_never_logged (void)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) child = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *output = NULL;
  g_autofree gchar *self_path = g_file_read_link ("/proc/self/exe", NULL);

  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_setenv (launcher, "GST_DEBUG", "*:9", TRUE);
  g_subprocess_launcher_setenv (launcher, "SOUP_DEBUG", "all", TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, self_path,
      "--run-with-key", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (child));

  /* The run really logged (so the search means something) … */
  g_assert_nonnull (strstr (output, "connecting to ws://127.0.0.1"));
  g_assert_nonnull (strstr (output, "not found"));
  /* … and the key is nowhere, whole or in part. */
  g_assert_null (strstr (output, SECRET_KEY));
  g_assert_null (strstr (output, "0123456789abcdef"));
}

int
main (int argc, char **argv)
{
  guint i;

  if (argc > 1 && g_str_equal (argv[1], "--run-with-key"))
    return run_with_key_and_debug ();

  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/session/" name, Fixture, NULL, fixture_set_up, func, \
      fixture_tear_down)
  ADD ("setup-complete", test_setup_complete);
  ADD ("audio-turn", test_audio_turn);
  ADD ("tool-call-round-trip", test_tool_call_round_trip);
  ADD ("barge-in", test_barge_in);
  ADD ("tool-call-cancelled", test_tool_call_cancelled);
  ADD ("manual-activity", test_manual_activity);
  ADD ("one-network-thread", test_one_network_thread);
  ADD ("update", test_update);
  ADD ("ephemeral-token", test_ephemeral_token);
  ADD ("error/bad-key", test_bad_key);
  ADD ("error/unknown-model", test_unknown_model);
  ADD ("error/unreachable", test_unreachable);
  ADD ("error/plain-ws-remote", test_plain_ws_remote_refused);
  ADD ("error/no-key", test_no_key);
#undef ADD

  for (i = 0; i < G_N_ELEMENTS (fault_cases); i++) {
    g_autofree gchar *path = g_strdup_printf ("/session/fault/%s",
        fault_cases[i].name);
    g_test_add (path, Fixture, &fault_cases[i], fixture_set_up, test_fault,
        fixture_tear_down);
  }

  g_test_add_func ("/session/key-never-logged", test_key_never_logged);

  return g_test_run ();
}
