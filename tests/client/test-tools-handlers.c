/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Tool calls (issue 4), the declared handlers: result, http, exec
 * (argv, stdin, failures, the timeout that kills), end-call, and parallel
 * calls that really run at the same time.  What reached the service is
 * read back from the emulator's record. */

#include "config.h"

#include "tools-fixture.h"

#include <string.h>

/* Handlers */

static void
test_result_handler (Fixture * f, gconstpointer data)
{
  g_autofree gchar *id = NULL;
  g_autofree gchar *sent = NULL;
  g_autofree gchar *reported = NULL;
  g_autofree gchar *expected_text = NULL;
  g_autofree gchar *event = NULL;
  g_autoptr (JsonNode) expected = NULL;
  g_autoptr (JsonNode) got = NULL;

  fixture_start (f, MODEL_31, WEATHER_SCENARIO, SCHEMA_TOOLS);
  turn (f, "what is the weather?");
  id = vpt_recorder_started_id (f->r, "get_weather", 0);
  g_assert_cmpuint (vpt_recorder_count (f->r, "tool-started:"), ==, 1);
  event =
      vpt_recorder_event (f->r, vpt_recorder_wait (f->r, "tool-started:",
          NULL));
  g_assert_true (g_str_has_suffix (event, ":get_weather:result"));
  /* A handled call is not asked of the application. */
  g_assert_cmpuint (vpt_recorder_count (f->r, "tool-call:"), ==, 0);

  sent = record_response_text (f->emulator, id);
  got = json_from_string (sent, NULL);
  expected_text = g_strdup_printf ("{\"id\": \"%s\", \"name\": "
      "\"get_weather\", \"response\": {\"output\": {\"tempC\": 21}}}", id);
  expected = json_from_string (expected_text, NULL);
  g_assert_true (json_node_equal (got, expected));
  reported = vpt_recorder_dup_result (f->r, id);
  assert_contains (reported, "\"tempC\":21");
}

#define HTTP_TOOLS \
  "{\"tools\": [" \
  "{\"name\": \"h_ok\", \"handler\": {\"http\": {\"url\": \"@HTTP@/echo\"}}}," \
  "{\"name\": \"h_status\", \"handler\": {\"http\": {\"url\": \"@HTTP@/fail\"}}}," \
  "{\"name\": \"h_html\", \"handler\": {\"http\": {\"url\": \"@HTTP@/notjson\"}}}," \
  "{\"name\": \"h_refused\", \"handler\": {\"http\": {\"url\": " \
  "\"http://127.0.0.1:9/nobody\"}}}]}"

static void
test_http_handler (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"book\"]}, \"calls\": ["
      "{\"name\": \"h_ok\", \"args\": {\"date\": \"tomorrow\", "
      "\"party_size\": 4, \"note\": \"caf\\u00e9 \\\"window\\\"\"}},"
      "{\"name\": \"h_status\", \"args\": {}},"
      "{\"name\": \"h_html\", \"args\": {}},"
      "{\"name\": \"h_refused\", \"args\": {}}]}]}";
  g_autofree gchar *ok = NULL, *status = NULL, *html = NULL, *refused = NULL;
  g_autofree gchar *id_ok = NULL, *id_status = NULL, *id_html = NULL;
  g_autofree gchar *id_refused = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) args = NULL;
  g_autoptr (JsonNode) sent = NULL;
  JsonObject *output;

  fixture_start (f, MODEL_31, scenario, HTTP_TOOLS);
  g_mutex_lock (&http.lock);
  http.n_echo = 0;
  g_mutex_unlock (&http.lock);
  turn (f, "book a table");

  id_ok = vpt_recorder_started_id (f->r, "h_ok", 0);
  id_status = vpt_recorder_started_id (f->r, "h_status", 0);
  id_html = vpt_recorder_started_id (f->r, "h_html", 0);
  id_refused = vpt_recorder_started_id (f->r, "h_refused", 0);

  /* The server got the arguments as a JSON POST. */
  g_mutex_lock (&http.lock);
  g_assert_cmpuint (http.n_echo, ==, 1);
  g_assert_cmpstr (http.last_method, ==, "POST");
  g_assert_cmpstr (http.last_type, ==, "application/json");
  body = json_from_string (http.last_body, NULL);
  g_mutex_unlock (&http.lock);
  args = json_from_string ("{\"date\": \"tomorrow\", \"party_size\": 4, "
      "\"note\": \"caf\\u00e9 \\\"window\\\"\"}", NULL);
  g_assert_true (json_node_equal (body, args));

  /* Its JSON answer is the output, as the service received it. */
  ok = record_response_text (f->emulator, id_ok);
  sent = json_from_string (ok, NULL);
  output = json_object_get_object_member (json_object_get_object_member
      (json_node_get_object (sent), "response"), "output");
  g_assert_cmpint (json_object_get_int_member (output, "temp"), ==, 21);
  g_assert_true (json_node_equal (json_object_get_member (output, "got"),
          args));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object
          (sent), "name"), ==, "h_ok");

  /* Failures are answers too: an error the model can speak about. */
  status = record_response_text (f->emulator, id_status);
  assert_contains (status, "\"response\":{\"error\":");
  assert_contains (status, "HTTP 500");
  html = record_response_text (f->emulator, id_html);
  assert_contains (html, "\"response\":{\"error\":");
  assert_contains (html, "did not answer JSON");
  refused = record_response_text (f->emulator, id_refused);
  assert_contains (refused, "\"response\":{\"error\":");
  assert_contains (refused, "could not reach");
}

#define EXEC_TOOLS \
  "{\"tools\": [" \
  "{\"name\": \"e_echo\", \"handler\": {\"exec\": " \
  "[\"@DATA@/tool-echo.sh\", \"first arg; $(not a shell)\"]}}," \
  "{\"name\": \"e_fail\", \"handler\": {\"exec\": [\"@DATA@/tool-fail.sh\"]}}," \
  "{\"name\": \"e_text\", \"handler\": {\"exec\": [\"@DATA@/tool-not-json.sh\"]}}," \
  "{\"name\": \"e_missing\", \"handler\": {\"exec\": [\"@DATA@/no-such-tool\"]}}," \
  "{\"name\": \"e_deaf\", \"handler\": {\"exec\": " \
  "[\"@DATA@/tool-ignore-stdin.sh\"]}}]}"

static void
test_exec_handler (Fixture * f, gconstpointer data)
{
  /* e_deaf gets 1 MiB of arguments it never reads: the write to its stdin
   * fails, which must neither kill us (SIGPIPE) nor lose its answer. */
  g_autofree gchar *big = g_strnfill (1 << 20, 'x');
  /* Under valgrind, the child of a failed exec exits under valgrind too
   * and reports the parent's memory as its leaks: leave that case out. */
  gboolean valgrind = strstr (g_getenv ("LD_PRELOAD") ?
      g_getenv ("LD_PRELOAD") : "", "vgpreload") != NULL;
  g_autofree gchar *scenario = g_strdup_printf ("{\"turns\": [{\"match\": "
      "{\"text\": [\"menu\"]}, \"calls\": ["
      "{\"name\": \"e_echo\", \"args\": {\"dish\": \"risotto\", \"n\": 2}},"
      "{\"name\": \"e_fail\", \"args\": {}},"
      "{\"name\": \"e_text\", \"args\": {}},%s"
      "{\"name\": \"e_deaf\", \"args\": {\"blob\": \"%s\"}}]}]}",
      valgrind ? "" : "{\"name\": \"e_missing\", \"args\": {}},", big);
  g_autofree gchar *echo = NULL, *fail = NULL, *text = NULL;
  g_autofree gchar *missing = NULL, *deaf = NULL;
  g_autofree gchar *id = NULL;
  g_autoptr (JsonNode) sent = NULL;
  g_autoptr (JsonNode) args = json_from_string ("{\"dish\": \"risotto\", "
      "\"n\": 2}", NULL);
  JsonObject *output;

  fixture_start (f, MODEL_31, scenario, EXEC_TOOLS);
  turn (f, "what is on the menu");

  /* The args on stdin; argv passed as it is, no shell. */
  g_free (id);
  id = vpt_recorder_started_id (f->r, "e_echo", 0);
  echo = record_response_text (f->emulator, id);
  sent = json_from_string (echo, NULL);
  output = json_object_get_object_member (json_object_get_object_member
      (json_node_get_object (sent), "response"), "output");
  g_assert_true (json_node_equal (json_object_get_member (output, "stdin"),
          args));
  g_assert_cmpstr (json_object_get_string_member (output, "arg"), ==,
      "first arg; $(not a shell)");

  g_free (id);
  id = vpt_recorder_started_id (f->r, "e_fail", 0);
  fail = record_response_text (f->emulator, id);
  assert_contains (fail, "\"response\":{\"error\":");
  assert_contains (fail, "exited with status 3");
  assert_contains (fail, "the database is locked");

  g_free (id);
  id = vpt_recorder_started_id (f->r, "e_text", 0);
  text = record_response_text (f->emulator, id);
  assert_contains (text, "\"response\":{\"error\":");
  assert_contains (text, "did not answer JSON");

  if (!valgrind) {
    g_free (id);
    id = vpt_recorder_started_id (f->r, "e_missing", 0);
    missing = record_response_text (f->emulator, id);
    assert_contains (missing, "\"response\":{\"error\":");
    assert_contains (missing, "could not start");
  } else {
    g_test_message ("under valgrind: a program that cannot start is not "
        "tried");
  }

  g_free (id);
  id = vpt_recorder_started_id (f->r, "e_deaf", 0);
  deaf = record_response_text (f->emulator, id);
  assert_contains (deaf, "\"response\":{\"output\":{\"ignored\":true}}");
}

static void
test_exec_timeout_kills (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"slow\"]}, \"calls\": [{\"name\": \"e_slow\", \"args\": {}}]}]}";
  g_autofree gchar *pid_file = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *sent = NULL;
  guint at;
  GPid pid;

  fixture_start (f, MODEL_31, scenario, "{\"tools\": [{\"name\": \"e_slow\", "
      "\"handler\": {\"exec\": [\"@DATA@/tool-sleep.sh\", \"@TMP@/pid\", "
      "\"30\"], \"timeout-ms\": 400}}]}");
  pid_file = g_build_filename (f->tmp, "pid", NULL);
  at = vpt_recorder_mark (f->r);
  vp_live_session_send_text (f->session, "the slow one");
  pid = wait_pid_file (pid_file);
  g_assert_cmpint (pid, >, 1);
  g_assert_false (process_gone (pid));

  vpt_recorder_wait (f->r, "tool-result:", &at);
  vpt_recorder_wait (f->r, "turn-complete", &at);
  id = vpt_recorder_started_id (f->r, "e_slow", 0);
  sent = record_response_text (f->emulator, id);
  assert_contains (sent, "\"response\":{\"error\":");
  assert_contains (sent, "did not finish within 400 ms");
  /* The process was killed, not left running. */
  g_assert_true (wait_process_gone (pid, 5000));
}

static void
test_exec_next_to_file (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"rel\"]}, \"calls\": [{\"name\": \"rel_echo\", \"args\": "
      "{\"x\": 1}}]}]}";
  g_autofree gchar *path = data_path ("tools-relative.json");
  g_autofree gchar *cwd = g_get_current_dir ();
  g_autofree gchar *data_dir = g_path_get_dirname (path);
  g_autofree gchar *id = NULL;
  g_autofree gchar *sent = NULL;
  g_autoptr (GError) error = NULL;
  VpTools *tools = vp_tools_load (path, &error);

  /* The test runs elsewhere: "./tool-echo.sh" is the file's neighbour. */
  g_assert_no_error (error);
  g_assert_cmpstr (cwd, !=, data_dir);
  fixture_start_tools (f, MODEL_31, scenario, tools);
  turn (f, "relative");
  id = vpt_recorder_started_id (f->r, "rel_echo", 0);
  sent = record_response_text (f->emulator, id);
  assert_contains (sent, "\"output\":{\"stdin\":{\"x\":1},"
      "\"arg\":\"next to the file\"}");
}

/* Concurrency, ids and names */

static void
test_parallel_exec (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"both\"]}, \"calls\": [{\"name\": \"slow_a\", \"args\": {\"n\": 1}}, "
      "{\"name\": \"slow_b\", \"args\": {\"n\": 2}}]}]}";
  g_autofree gchar *log = NULL;
  g_autofree gchar *log_path = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  gint64 start, elapsed;
  guint i, at;

  fixture_start (f, MODEL_31, scenario, "{\"tools\": ["
      "{\"name\": \"slow_a\", \"handler\": {\"exec\": "
      "[\"@DATA@/tool-overlap.sh\", \"@TMP@/log\", \"a\", \"1\"]}},"
      "{\"name\": \"slow_b\", \"handler\": {\"exec\": "
      "[\"@DATA@/tool-overlap.sh\", \"@TMP@/log\", \"b\", \"1\"]}}]}");
  at = vpt_recorder_mark (f->r);
  start = g_get_monotonic_time ();
  vp_live_session_send_text (f->session, "both please");
  g_ptr_array_unref (vpt_recorder_wait_n (f->r, "tool-result:", at, 2));
  elapsed = g_get_monotonic_time () - start;
  vpt_recorder_wait (f->r, "turn-complete", &at);

  /* Both started before either finished. */
  log_path = g_build_filename (f->tmp, "log", NULL);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  lines = g_strsplit (g_strstrip (log), "\n", -1);
  g_test_message ("handler log: %s; both answered after %" G_GINT64_FORMAT
      " ms", g_strdelimit (log, "\n", ','), elapsed / 1000);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_true (g_str_has_prefix (lines[0], "start "));
  g_assert_true (g_str_has_prefix (lines[1], "start "));
  g_assert_true (g_str_has_prefix (lines[2], "end "));
  g_assert_true (g_str_has_prefix (lines[3], "end "));
  /* One after the other would take two seconds at least. */
  g_assert_cmpint (elapsed, <, 2 * G_USEC_PER_SEC);

  /* Each response went back with its call's exact id and name. */
  root = record_parse (f->emulator);
  entries = record_responses (root);
  g_assert_cmpuint (entries->len, ==, 2);
  for (i = 0; i < entries->len; i++) {
    JsonObject *entry = g_ptr_array_index (entries, i);
    const gchar *id = json_object_get_string_member (entry, "id");
    const gchar *name = json_object_get_string_member (entry, "name");
    g_autofree gchar *expected_id = vpt_recorder_started_id (f->r, name, 0);
    const gchar *tag = g_str_equal (name, "slow_a") ? "a" : "b";

    g_assert_cmpstr (id, ==, expected_id);
    g_assert_cmpstr (json_object_get_string_member
        (json_object_get_object_member (json_object_get_object_member (entry,
                    "response"), "output"), "done"), ==, tag);
  }
}

static void
test_parallel_http (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"four\"]}, \"calls\": [{\"name\": \"h_slow\", \"args\": {\"n\": 1}}, "
      "{\"name\": \"h_slow\", \"args\": {\"n\": 2}}, "
      "{\"name\": \"h_slow\", \"args\": {\"n\": 3}}, "
      "{\"name\": \"h_slow\", \"args\": {\"n\": 4}}]}]}";
  guint at, max;

  fixture_start (f, MODEL_31, scenario, "{\"tools\": [{\"name\": \"h_slow\", "
      "\"handler\": {\"http\": {\"url\": \"@HTTP@/slow\"}, "
      "\"timeout-ms\": 5000}}]}");
  g_mutex_lock (&http.lock);
  http.max_in_flight = 0;
  g_mutex_unlock (&http.lock);

  at = vpt_recorder_mark (f->r);
  vp_live_session_send_text (f->session, "four slow ones");
  g_ptr_array_unref (vpt_recorder_wait_n (f->r, "tool-result:", at, 4));
  vpt_recorder_wait (f->r, "turn-complete", &at);

  /* The four requests were at the server at the same time, and each
   * answer went back under its own id. */
  g_mutex_lock (&http.lock);
  max = http.max_in_flight;
  g_mutex_unlock (&http.lock);
  g_test_message ("requests in flight at once: %u", max);
  g_assert_cmpuint (max, ==, 4);
  g_assert_cmpuint (vpt_recorder_count (f->r, "tool-started:"), ==, 4);
  {
    g_autoptr (JsonNode) root = record_parse (f->emulator);
    g_autoptr (GPtrArray) entries = record_responses (root);
    g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
    guint i;

    g_assert_cmpuint (entries->len, ==, 4);
    for (i = 0; i < entries->len; i++) {
      JsonObject *entry = g_ptr_array_index (entries, i);
      const gchar *id = json_object_get_string_member (entry, "id");
      g_autofree gchar *started = NULL;
      g_autofree gchar *response = json_to_string (json_object_get_member
          (entry, "response"), FALSE);

      g_mutex_lock (&f->r->lock);
      started = g_strdup (g_hash_table_lookup (f->r->started, id));
      g_mutex_unlock (&f->r->lock);
      g_assert_cmpstr (started, ==, "h_slow http");
      g_assert_cmpstr (json_object_get_string_member (entry, "name"), ==,
          "h_slow");
      assert_contains (response, "\"slow\":true");
      g_assert_true (g_hash_table_add (ids, (gpointer) id));
    }
  }
}

static void
test_end_call_builtin (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"bye\"]}, \"say\": \"Goodbye!\", \"calls\": [{\"name\": "
      "\"end_call\", \"args\": {\"reason\": \"done\"}}]}]}";
  g_autofree gchar *id = NULL;
  g_autofree gchar *sent = NULL;
  g_autofree gchar *event = NULL;

  fixture_start (f, MODEL_31, scenario, "{\"tools\": [{\"name\": "
      "\"end_call\", \"handler\": {\"builtin\": \"end-call\"}}]}");
  turn (f, "bye");
  id = vpt_recorder_started_id (f->r, "end_call", 0);
  g_assert_cmpuint (vpt_recorder_count (f->r, "end-call"), ==, 1);
  event =
      vpt_recorder_event (f->r, vpt_recorder_wait (f->r, "tool-started:",
          NULL));
  g_assert_true (g_str_has_suffix (event, ":end_call:builtin"));
  /* The model gets its answer, so it can finish the goodbye. */
  sent = record_response_text (f->emulator, id);
  assert_contains (sent, "\"response\":{\"output\":{\"ok\":true}}");
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  http_start ();

  ADD_TOOLS_TEST ("handler/result", test_result_handler);
  ADD_TOOLS_TEST ("handler/http", test_http_handler);
  ADD_TOOLS_TEST ("handler/exec", test_exec_handler);
  ADD_TOOLS_TEST ("handler/exec-timeout-kills", test_exec_timeout_kills);
  ADD_TOOLS_TEST ("handler/exec-next-to-the-file", test_exec_next_to_file);
  ADD_TOOLS_TEST ("handler/end-call", test_end_call_builtin);
  ADD_TOOLS_TEST ("parallel/exec-overlap", test_parallel_exec);
  ADD_TOOLS_TEST ("parallel/http-four-at-once", test_parallel_http);

  ret = g_test_run ();
  http_stop ();
  return ret;
}
