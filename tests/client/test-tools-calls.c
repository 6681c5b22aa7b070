/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Tool calls (issue 4), their end: application answers from another
 * thread and the deadline for missing ones, unknown ids, cancellation
 * that really stops the handlers, and a thousand calls of which none is
 * lost or answered twice. */

#include "config.h"

#include "tools-fixture.h"

#include <string.h>

/* The application answers */

#define APP_TOOLS \
  "{\"tools\": [{\"name\": \"app_lookup\", \"timeout-ms\": 5000}, " \
  "{\"name\": \"never_answered\", \"timeout-ms\": 300}]}"

static void
test_app_answers_later_from_thread (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"look\"]}, \"calls\": [{\"name\": \"app_lookup\", \"args\": "
      "{\"key\": \"k1\"}}], \"then\": \"It is {{app_lookup.output.by}}.\"}]}";
  g_autofree gchar *id = NULL;
  g_autofree gchar *sent = NULL;
  g_autofree gchar *expected = NULL;
  g_autofree gchar *started = NULL;
  g_autofree gchar *asked = NULL;
  gpointer thread;
  gint64 asked_us, answered_us;
  guint at;

  fixture_start (f, MODEL_31, scenario, APP_TOOLS);
  f->app->delay_ms = 700;
  at = vpt_recorder_mark (f->r);
  vp_live_session_send_text (f->session, "look it up");
  started =
      vpt_recorder_event (f->r, vpt_recorder_wait (f->r, "tool-started:", &at));
  asked =
      vpt_recorder_event (f->r, vpt_recorder_wait (f->r, "tool-call:", &at));
  asked_us = g_get_monotonic_time ();
  id = vpt_recorder_started_id (f->r, "app_lookup", 0);
  /* tool-started says who answers; tool-call asks the application. */
  g_assert_true (g_str_has_suffix (started, ":app_lookup:app"));
  g_assert_true (g_str_has_prefix (asked + strlen ("tool-call:"), id));
  assert_contains (asked, ":app_lookup:{\"key\":\"k1\"}");

  /* Nothing is sent for the app call until the app answers. */
  g_usleep (300 * 1000);
  g_assert_cmpuint (record_count_for (f->emulator, id), ==, 0);

  vpt_recorder_wait (f->r, "answer-ok:", &at);
  answered_us = g_get_monotonic_time ();
  vpt_recorder_wait (f->r, "turn-complete", &at);
  g_assert_cmpint (answered_us - asked_us, >=, 300 * 1000);

  /* Answered from the answerer's thread, not the test's or the
   * network's; and exactly that answer reached the service. */
  g_mutex_lock (&f->app->lock);
  thread = g_hash_table_lookup (f->app->answered_by, id);
  g_mutex_unlock (&f->app->lock);
  g_assert_true (thread == f->app->thread);
  sent = record_response_text (f->emulator, id);
  expected = g_strdup_printf ("{\"id\":\"%s\",\"name\":\"app_lookup\","
      "\"response\":{\"output\":{\"by\":\"app\",\"id\":\"%s\"}}}", id, id);
  g_assert_cmpstr (sent, ==, expected);
  g_assert_cmpuint (vpt_recorder_count (f->r, "tool-result:"), ==, 1);
}

static void
test_app_deadline (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"ask\"]}, \"calls\": [{\"name\": \"never_answered\", \"args\": {}}, "
      "{\"name\": \"not_declared\", \"args\": {}}]}]}";
  g_autofree gchar *id = NULL;
  g_autofree gchar *sent = NULL;
  g_autofree gchar *reported = NULL;
  g_autofree gchar *undeclared = NULL;
  g_autoptr (GError) error = NULL;
  guint warnings = deadline_warnings (f);
  gint64 start;
  guint at;

  fixture_start (f, MODEL_31, scenario, APP_TOOLS);
  at = vpt_recorder_mark (f->r);
  start = g_get_monotonic_time ();
  vp_live_session_send_text (f->session, "ask the app");
  vpt_recorder_wait (f->r, "tool-result:", &at);
  id = vpt_recorder_started_id (f->r, "never_answered", 0);
  undeclared = vpt_recorder_started_id (f->r, "not_declared", 0);

  /* The tool's timeout-ms, then an error response with that id. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  sent = record_response_text (f->emulator, id);
  assert_contains (sent, "\"name\":\"never_answered\"");
  assert_contains (sent, "\"response\":{\"error\":");
  assert_contains (sent, "did not answer within 300 ms");
  reported = vpt_recorder_dup_result (f->r, id);
  assert_contains (reported, "\"error\"");
  g_assert_cmpint (deadline_warnings (f), >, warnings);

  /* A late answer is refused and not sent. */
  g_assert_false (vp_live_session_send_tool_response (f->session, id,
          "{\"output\": {\"late\": true}}", &error));
  g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
  assert_contains (error->message, id);
  g_clear_error (&error);

  /* A call to a tool the file does not declare goes to the application
   * too (default timeout); answer it now so the turn ends. */
  g_assert_true (vp_live_session_send_tool_response (f->session, undeclared,
          "{\"ok\": 1}", &error));
  g_assert_no_error (error);
  vpt_recorder_wait (f->r, "turn-complete", &at);
  g_assert_cmpuint (record_count_for (f->emulator, id), ==, 1);
  g_free (sent);
  sent = record_response_text (f->emulator, undeclared);
  assert_contains (sent, "\"response\":{\"output\":{\"ok\":1}}");
}

/* Nothing connected to tool-call (gst-launch, a bus-only program): a call
 * without a handler is answered at once with an error, not after the
 * deadline, and "tool-started" says nobody answers it. */
static void
test_nobody_listens (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"ask\"]}, \"calls\": [{\"name\": \"not_declared\", \"args\": "
      "{}}, {\"name\": \"app_lookup\", \"args\": {}}]}]}";
  g_autofree gchar *undeclared = NULL;
  g_autofree gchar *declared = NULL;
  g_autofree gchar *sent = NULL;
  g_autofree gchar *started = NULL;
  guint at, tool_call;

  fixture_start (f, MODEL_31, scenario, APP_TOOLS);
  /* GLib disconnects by id only together with the handler's data. */
  tool_call = g_signal_lookup ("tool-call", VP_TYPE_LIVE_SESSION);
  g_assert_cmpuint (g_signal_handlers_disconnect_matched (f->session,
          G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_DATA, tool_call, 0, NULL, NULL,
          f->app), ==, 1);
  g_assert_cmpuint (g_signal_handlers_disconnect_matched (f->session,
          G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_DATA, tool_call, 0, NULL, NULL,
          f->r), ==, 1);
  at = vpt_recorder_mark (f->r);
  vp_live_session_send_text (f->session, "ask the app");
  vpt_recorder_wait (f->r, "turn-complete", &at);
  undeclared = vpt_recorder_started_id (f->r, "not_declared", 0);
  declared = vpt_recorder_started_id (f->r, "app_lookup", 0);

  g_mutex_lock (&f->r->lock);
  started = g_strdup (g_hash_table_lookup (f->r->started, undeclared));
  g_mutex_unlock (&f->r->lock);
  g_assert_cmpstr (started, ==, "not_declared none");
  sent = record_response_text (f->emulator, undeclared);
  assert_contains (sent, "\"response\":{\"error\":\"The function "
      "not_declared is not available here");
  g_free (sent);
  /* A declared tool without a handler (5 s deadline) alike. */
  sent = record_response_text (f->emulator, declared);
  assert_contains (sent, "app_lookup is not available here");
  g_assert_cmpuint (vpt_recorder_count (f->r, "tool-call:"), ==, 0);
  g_assert_cmpuint (deadline_warnings (f), ==, 0);
}

static void
test_unknown_id_refused (Fixture * f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) entries = NULL;

  fixture_start (f, MODEL_31, WEATHER_SCENARIO, SCHEMA_TOOLS);

  g_assert_false (vp_live_session_send_tool_response (f->session,
          "fc-no-such-call", "{\"output\": {}}", &error));
  g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
  assert_contains (error->message, "fc-no-such-call");
  assert_contains (error->message, "not pending");
  g_clear_error (&error);

  /* Not JSON: refused before anything else. */
  g_assert_false (vp_live_session_send_tool_response (f->session,
          "fc-no-such-call", "{output", &error));
  g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
  assert_contains (error->message, "not valid JSON");
  g_clear_error (&error);

  /* A turn after them: had anything been sent, it would be in the record
   * before this turn's answer. */
  turn (f, "weather");
  root = record_parse (f->emulator);
  entries = record_responses (root);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (entries,
              0), "name"), ==, "get_weather");
}

/* Cancellation stops the handlers */

#define HOLD_TOOLS \
  "{\"tools\": [" \
  "{\"name\": \"hold_exec\", \"handler\": {\"exec\": " \
  "[\"@DATA@/tool-sleep.sh\", \"@TMP@/pid\", \"30\"]}}," \
  "{\"name\": \"hold_http\", \"handler\": {\"http\": {\"url\": \"@HTTP@/hold\"}}}," \
  "{\"name\": \"hold_app\"}]}"

#define HOLD_SCENARIO \
  "{\"turns\": [{\"match\": {\"text\": [\"hold\"], \"in-order\": false}, " \
  "\"calls\": [{\"name\": \"hold_exec\", \"args\": {}}, " \
  "{\"name\": \"hold_http\", \"args\": {}}, " \
  "{\"name\": \"hold_app\", \"args\": {}}], \"then\": \"Done.\"}], " \
  "\"fallback\": {\"say\": \"Okay.\"}}"

static void
check_cancelled (Fixture * f, guint at, GPid pid, GSocket * sock)
{
  const gchar *names[] = { "hold_exec", "hold_http", "hold_app" };
  g_autoptr (GPtrArray) cancelled = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  guint i;

  cancelled = vpt_recorder_wait_n (f->r, "tool-call-cancelled:", at, 3);

  /* The process is gone and the HTTP request was abandoned. */
  g_assert_true (wait_process_gone (pid, 5000));
  g_assert_true (http_wait_client_gone (sock, 5000));

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autofree gchar *id = vpt_recorder_started_id (f->r, names[i], 0);
    g_autoptr (GError) error = NULL;

    g_assert_true (g_ptr_array_find_with_equal_func (cancelled, id,
            g_str_equal, NULL));
    /* A late answer is refused, with a clear error. */
    g_assert_false (vp_live_session_send_tool_response (f->session, id,
            "{\"output\": {\"late\": true}}", &error));
    g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
    assert_contains (error->message, id);
    assert_contains (error->message, "cancelled");
  }

  /* Let any late result have its chance, then one more turn as a marker:
   * nothing of the cancelled calls reached the service. */
  g_usleep (300 * 1000);
  record_sync (f->session, f->emulator, "marker");
  root = record_parse (f->emulator);
  entries = record_responses (root);
  g_assert_cmpuint (entries->len, ==, 0);
  g_assert_cmpuint (vpt_recorder_count (f->r, "tool-result:"), ==, 0);
}

static void
test_cancel_text_barge_in (Fixture * f, gconstpointer data)
{
  g_autofree gchar *pid_file = NULL;
  g_autoptr (GSocket) sock = NULL;
  guint at, held;
  GPid pid;

  fixture_start (f, MODEL_31, HOLD_SCENARIO, HOLD_TOOLS);
  pid_file = g_build_filename (f->tmp, "pid", NULL);
  g_mutex_lock (&http.lock);
  held = http.held_sockets->len;
  g_mutex_unlock (&http.lock);

  at = vpt_recorder_mark (f->r);
  vp_live_session_send_text (f->session, "hold everything");
  g_ptr_array_unref (vpt_recorder_wait_n (f->r, "tool-started:", at, 3));
  pid = wait_pid_file (pid_file);
  sock = http_wait_held (held + 1);
  g_assert_false (process_gone (pid));
  g_assert_false (http_wait_client_gone (sock, 0));

  /* The user talks while the calls are pending. */
  vp_live_session_send_text (f->session, "no wait");
  vpt_recorder_wait (f->r, "interrupted", &at);
  check_cancelled (f, at, pid, sock);
}

static void
test_cancel_activity_start (Fixture * f, gconstpointer data)
{
  g_autofree gchar *pid_file = NULL;
  g_autoptr (GSocket) sock = NULL;
  guint at, held;
  GPid pid;

  fixture_start (f, MODEL_31, HOLD_SCENARIO, HOLD_TOOLS);
  pid_file = g_build_filename (f->tmp, "pid", NULL);
  g_mutex_lock (&http.lock);
  held = http.held_sockets->len;
  g_mutex_unlock (&http.lock);

  at = vpt_recorder_mark (f->r);
  vp_live_session_send_text (f->session, "hold everything");
  g_ptr_array_unref (vpt_recorder_wait_n (f->r, "tool-started:", at, 3));
  pid = wait_pid_file (pid_file);
  sock = http_wait_held (held + 1);

  /* Push-to-talk pressed while the calls are pending. */
  vp_live_session_send_activity_start (f->session);
  vpt_recorder_wait (f->r, "interrupted", &at);
  vp_live_session_send_activity_end (f->session);
  check_cancelled (f, at, pid, sock);
}

/* No call lost: a thousand calls of every kind */

#define MANY_TOOLS \
  "{\"tools\": [" \
  "{\"name\": \"r_fixed\", \"handler\": {\"result\": {\"v\": 1}}}," \
  "{\"name\": \"e_echo\", \"handler\": {\"exec\": " \
  "[\"@DATA@/tool-echo.sh\", \"many\"]}}," \
  "{\"name\": \"h_echo\", \"handler\": {\"http\": {\"url\": \"@HTTP@/echo\"}}}," \
  "{\"name\": \"app_thread\"}," \
  "{\"name\": \"never\", \"timeout-ms\": 200}," \
  "{\"name\": \"hold_app\"}," \
  "{\"name\": \"hold_exec\", \"handler\": {\"exec\": [\"@DATA@/tool-hang.sh\"]}}," \
  "{\"name\": \"hold_http\", \"handler\": {\"http\": {\"url\": \"@HTTP@/hold\"}}}" \
  "]}"

#define CALL(name) "{\"name\": \"" name "\", \"args\": {\"k\": \"" name "\"}}"

#define MANY_SCENARIO \
  "{\"turns\": [" \
  "{\"id\": \"mix\", \"match\": {\"text\": [\"kilo\"], \"in-order\": false}, " \
  "\"calls\": [" CALL ("r_fixed") "," CALL ("e_echo") "," CALL ("h_echo") "," \
  CALL ("app_thread") "]}," \
  "{\"id\": \"wide\", \"match\": {\"text\": [\"lima\"], \"in-order\": false}, " \
  "\"calls\": [" CALL ("r_fixed") "," CALL ("r_fixed") "," CALL ("e_echo") "," \
  CALL ("e_echo") "," CALL ("h_echo") "," CALL ("h_echo") "," \
  CALL ("app_thread") "," CALL ("app_thread") "]}," \
  "{\"id\": \"one-r\", \"match\": {\"text\": [\"oscar-r\"], \"in-order\": false}, " \
  "\"calls\": [" CALL ("r_fixed") "]}," \
  "{\"id\": \"one-e\", \"match\": {\"text\": [\"oscar-e\"], \"in-order\": false}, " \
  "\"calls\": [" CALL ("e_echo") "]}," \
  "{\"id\": \"one-h\", \"match\": {\"text\": [\"oscar-h\"], \"in-order\": false}, " \
  "\"calls\": [" CALL ("h_echo") "]}," \
  "{\"id\": \"one-a\", \"match\": {\"text\": [\"oscar-a\"], \"in-order\": false}, " \
  "\"calls\": [" CALL ("app_thread") "]}," \
  "{\"id\": \"late\", \"match\": {\"text\": [\"tango\"], \"in-order\": false}, " \
  "\"calls\": [" CALL ("never") "," CALL ("never") "," CALL ("r_fixed") "]}," \
  "{\"id\": \"drop\", \"match\": {\"text\": [\"zulu\"], \"in-order\": false}, " \
  "\"calls\": [" CALL ("r_fixed") "," CALL ("hold_app") "," \
  CALL ("hold_exec") "," CALL ("hold_http") "]}" \
  "], \"fallback\": {\"say\": \"Okay.\"}}"

typedef struct
{
  const gchar *word;
  guint n_calls;
  gboolean cancel;
} Round;

typedef struct
{
  guint n;
  gint64 total_us;
} RoundTime;

static const Round round_mix = { "kilo", 4, FALSE };
static const Round round_wide = { "lima", 8, FALSE };
static const Round round_one_r = { "oscar-r", 1, FALSE };
static const Round round_one_e = { "oscar-e", 1, FALSE };
static const Round round_one_h = { "oscar-h", 1, FALSE };
static const Round round_one_a = { "oscar-a", 1, FALSE };
static const Round round_late = { "tango", 3, FALSE };
static const Round round_drop = { "zulu", 4, TRUE };

/* 35 calls: every kind, alone and in parallel, timeouts and barge-ins. */
static const Round *const cycle[] = {
  &round_wide, &round_mix, &round_drop, &round_wide, &round_one_r,
  &round_one_e, &round_one_h, &round_one_a, &round_mix, &round_late,
};

#define N_CALLS 1000

static void
run_round (Fixture * f, const Round * round, GPtrArray * hold_app_ids,
    GHashTable * times)
{
  g_autoptr (GPtrArray) started = NULL;
  guint at = vpt_recorder_mark (f->r);
  gint64 start = g_get_monotonic_time ();
  gint64 deadline;
  RoundTime *time;
  guint i;

  vp_live_session_send_text (f->session, round->word);
  started = vpt_recorder_wait_n (f->r, "tool-started:", at, round->n_calls);

  if (round->cancel) {
    /* Barge in while the calls are pending: the model's turn ends
     * (interrupted), then the fallback answers the interruption. */
    vp_live_session_send_text (f->session, "hush");
    vpt_recorder_wait (f->r, "interrupted", &at);
    vpt_recorder_wait (f->r, "turn-complete", &at);
    vpt_recorder_wait (f->r, "turn-complete", &at);
    for (i = 0; i < started->len; i++) {
      const gchar *event = g_ptr_array_index (started, i);
      if (strstr (event, ":hold_app:") != NULL)
        g_ptr_array_add (hold_app_ids, g_strndup (event, strchr (event,
                    ':') - event));
    }
  } else {
    vpt_recorder_wait (f->r, "turn-complete", &at);
  }

  /* Every call of the round ended, once.  An answer queued just before
   * the cancellation came is sent (and reported) right after it: wait. */
  deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  g_mutex_lock (&f->r->lock);
  for (i = 0; i < started->len; i++) {
    const gchar *event = g_ptr_array_index (started, i);
    g_autofree gchar *id = g_strndup (event, strchr (event, ':') - event);
    GPtrArray *results;
    guint n;

    for (;;) {
      results = g_hash_table_lookup (f->r->results, id);
      n = (results ? results->len : 0) +
          GPOINTER_TO_UINT (g_hash_table_lookup (f->r->cancelled, id));
      if (n > 0 || !g_cond_wait_until (&f->r->cond, &f->r->lock, deadline))
        break;
    }
    if (n != 1)
      g_error ("call %s (%s) ended %u times", id, event, n);
  }
  g_mutex_unlock (&f->r->lock);

  time = g_hash_table_lookup (times, round->word);
  if (time == NULL) {
    time = g_new0 (RoundTime, 1);
    g_hash_table_insert (times, (gpointer) round->word, time);
  }
  time->n++;
  time->total_us += g_get_monotonic_time () - start;
}

static void
test_no_call_lost (Fixture * f, gconstpointer data)
{
  g_autoptr (GPtrArray) hold_app_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GHashTable) in_record = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) times = g_hash_table_new_full (g_str_hash,
      g_str_equal, NULL, g_free);
  GHashTableIter iter;
  gpointer key, value;
  guint n_calls = 0, n_rounds = 0, i;
  guint by_result = 0, by_exec = 0, by_http = 0, by_app = 0, timed_out = 0;
  guint cancelled = 0, errors = 0, n_app_asked;
  gint64 start = g_get_monotonic_time ();
  guint warnings = deadline_warnings (f);

  fixture_start (f, MODEL_31, MANY_SCENARIO, MANY_TOOLS);
  f->app->delay_ms = 1;

  while (n_calls < N_CALLS) {
    const Round *round = cycle[n_rounds % G_N_ELEMENTS (cycle)];

    /* Fill up to exactly N_CALLS with single calls at the end. */
    if (n_calls + round->n_calls > N_CALLS)
      round = &round_one_r;
    run_round (f, round, hold_app_ids, times);
    n_calls += round->n_calls;
    n_rounds++;
  }

  /* The client: every call started once and ended exactly once. */
  g_mutex_lock (&f->r->lock);
  g_assert_cmpuint (g_hash_table_size (f->r->started), ==, N_CALLS);
  g_hash_table_iter_init (&iter, f->r->started);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    GPtrArray *results = g_hash_table_lookup (f->r->results, key);
    guint n_cancelled = GPOINTER_TO_UINT (g_hash_table_lookup
        (f->r->cancelled, key));
    const gchar *handler = strchr (value, ' ') + 1;

    if ((results ? results->len : 0) + n_cancelled != 1)
      g_error ("call %s (%s) was answered %u times and cancelled %u times",
          (gchar *) key, (gchar *) value, results ? results->len : 0,
          n_cancelled);
    if (n_cancelled) {
      cancelled++;
      continue;
    }
    if (strstr (g_ptr_array_index (results, 0), "did not answer within"))
      timed_out++;
    else if (strstr (g_ptr_array_index (results, 0), "\"error\""))
      errors++;
    else if (g_str_equal (handler, "result"))
      by_result++;
    else if (g_str_equal (handler, "exec"))
      by_exec++;
    else if (g_str_equal (handler, "http"))
      by_http++;
    else if (g_str_equal (handler, "app"))
      by_app++;
  }
  /* Nothing ended that had not started. */
  g_hash_table_iter_init (&iter, f->r->results);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_true (g_hash_table_contains (f->r->started, key));
  g_hash_table_iter_init (&iter, f->r->cancelled);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_true (g_hash_table_contains (f->r->started, key));
  g_mutex_unlock (&f->r->lock);

  /* The service: exactly one toolResponse for every answered id, with its
   * name and the answer the client reported; none for a cancelled one. */
  root = record_parse (f->emulator);
  entries = record_responses (root);
  for (i = 0; i < entries->len; i++) {
    JsonObject *entry = g_ptr_array_index (entries, i);
    const gchar *id = json_object_get_string_member (entry, "id");
    g_autoptr (JsonNode) reported = NULL;
    GPtrArray *results;
    const gchar *started;

    if (!g_hash_table_add (in_record, (gpointer) id))
      g_error ("the record holds two toolResponses for %s", id);
    g_mutex_lock (&f->r->lock);
    results = g_hash_table_lookup (f->r->results, id);
    started = g_hash_table_lookup (f->r->started, id);
    g_assert_nonnull (results);
    g_assert_nonnull (started);
    g_assert_true (g_str_has_prefix (started, json_object_get_string_member
            (entry, "name")));
    g_assert_cmpint (started[strlen (json_object_get_string_member (entry,
                    "name"))], ==, ' ');
    reported = json_from_string (g_ptr_array_index (results, 0), NULL);
    g_mutex_unlock (&f->r->lock);
    g_assert_true (json_node_equal (reported, json_object_get_member (entry,
                "response")));
  }
  g_mutex_lock (&f->r->lock);
  g_assert_cmpuint (g_hash_table_size (in_record), ==,
      g_hash_table_size (f->r->results));
  g_mutex_unlock (&f->r->lock);

  /* The application was asked exactly for its calls, and a late answer
   * to a cancelled one is refused. */
  n_app_asked = vpt_recorder_count (f->r, "tool-call:");
  g_assert_cmpuint (n_app_asked, ==, by_app + timed_out + hold_app_ids->len);
  g_ptr_array_unref (vpt_recorder_wait_n (f->r, "answer-ok:", 0, by_app));
  g_assert_cmpuint (vpt_recorder_count (f->r, "answer-refused:"), ==, 0);
  for (i = 0; i < hold_app_ids->len; i++) {
    const gchar *id = g_ptr_array_index (hold_app_ids, i);
    g_autoptr (GError) error = NULL;

    g_assert_false (vp_live_session_send_tool_response (f->session, id,
            "{}", &error));
    g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
  }
  g_assert_cmpint (deadline_warnings (f) - warnings, ==, timed_out);

  g_test_message ("%u calls in %u rounds, %.1f s: answered by result %u, "
      "exec %u, http %u, app (other thread) %u; timed out %u; cancelled %u; "
      "other errors %u; toolResponses in the record %u",
      N_CALLS, n_rounds, (g_get_monotonic_time () - start) / 1e6,
      by_result, by_exec, by_http, by_app, timed_out, cancelled, errors,
      g_hash_table_size (in_record));
  g_hash_table_iter_init (&iter, times);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_test_message ("  %u rounds \"%s\": %.1f ms each", ((RoundTime *)
            value)->n, (gchar *) key, ((RoundTime *) value)->total_us / 1e3 /
        ((RoundTime *) value)->n);
  g_assert_cmpuint (by_result + by_exec + by_http + by_app + timed_out +
      cancelled + errors, ==, N_CALLS);
  g_assert_cmpuint (errors, ==, 0);
  g_assert_cmpuint (by_result, >, 0);
  g_assert_cmpuint (by_exec, >, 0);
  g_assert_cmpuint (by_http, >, 0);
  g_assert_cmpuint (by_app, >, 0);
  g_assert_cmpuint (timed_out, >, 0);
  g_assert_cmpuint (cancelled, >, 0);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  http_start ();

  ADD_TOOLS_TEST ("app/answers-later-from-thread",
      test_app_answers_later_from_thread);
  ADD_TOOLS_TEST ("app/deadline", test_app_deadline);
  ADD_TOOLS_TEST ("app/nobody-listens", test_nobody_listens);
  ADD_TOOLS_TEST ("unknown-id-refused", test_unknown_id_refused);
  ADD_TOOLS_TEST ("cancel/text-barge-in", test_cancel_text_barge_in);
  ADD_TOOLS_TEST ("cancel/activity-start", test_cancel_activity_start);
  ADD_TOOLS_TEST ("no-call-lost", test_no_call_lost);

  ret = g_test_run ();
  http_stop ();
  return ret;
}
