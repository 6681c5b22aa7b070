/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The bench of the tool-call tests (see the header). */

#include "config.h"

#include "tools-fixture.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

gchar *
data_path (const gchar * name)
{
  const gchar *source = g_getenv ("VP_SOURCE_DIR");

  return g_build_filename (source ? source : VP_SOURCE_DIR, "tests", "data",
      name, NULL);
}

gboolean
process_gone (GPid pid)
{
  return kill (pid, 0) != 0 && errno == ESRCH;
}

gboolean
wait_process_gone (GPid pid, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (!process_gone (pid)) {
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_usleep (10 * 1000);
  }
  return TRUE;
}

GPid
wait_pid_file (const gchar * path)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  g_autofree gchar *text = NULL;

  while (!g_file_get_contents (path, &text, NULL, NULL)) {
    if (g_get_monotonic_time () > deadline)
      g_error ("the handler never wrote %s", path);
    g_usleep (10 * 1000);
  }
  return (GPid) g_ascii_strtoll (text, NULL, 10);
}

HttpServer http;

static gboolean
slow_done (gpointer data)
{
  SoupServerMessage *msg = data;
  static const gchar body[] = "{\"slow\":true}";

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_STATIC, body, strlen (body));
  soup_server_message_unpause (msg);
  g_mutex_lock (&http.lock);
  http.in_flight--;
  http.n_slow_done++;
  g_cond_broadcast (&http.cond);
  g_mutex_unlock (&http.lock);
  return G_SOURCE_REMOVE;
}

static gchar *
address_key (GSocketAddress * address)
{
  g_autofree gchar *host = g_inet_address_to_string
      (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));

  return g_strdup_printf ("%s:%u", host, g_inet_socket_address_get_port
      (G_INET_SOCKET_ADDRESS (address)));
}

/* Connections are accepted here and handed to the server as streams:
 * libsoup 3.2's own listener leaks every accepted GSocket (valgrind would
 * blame this test), and so the test knows each request's socket. */
static gboolean
on_incoming (GSocketService * service, GSocketConnection * connection,
    GObject * source, gpointer user_data)
{
  g_autoptr (GSocketAddress) local =
      g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote =
      g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr (GError) error = NULL;

  g_hash_table_insert (http.sockets, address_key (remote),
      g_object_ref (g_socket_connection_get_socket (connection)));
  if (!soup_server_accept_iostream (http.server, G_IO_STREAM (connection),
          local, remote, &error))
    g_error ("cannot accept: %s", error->message);
  return TRUE;
}

static void
http_handler (SoupServer * server, SoupServerMessage * msg,
    const gchar * path, GHashTable * query, gpointer user_data)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) body = soup_message_body_flatten (request);
  const gchar *type =
      soup_message_headers_get_content_type
      (soup_server_message_get_request_headers (msg), NULL);


  if (g_str_equal (path, "/echo")) {
    gchar *answer = g_strdup_printf ("{\"temp\":21,\"got\":%.*s}",
        (gint) g_bytes_get_size (body),
        (const gchar *) g_bytes_get_data (body, NULL));

    g_mutex_lock (&http.lock);
    http.n_echo++;
    g_free (http.last_method);
    http.last_method = g_strdup (soup_server_message_get_method (msg));
    g_free (http.last_type);
    http.last_type = g_strdup (type);
    g_free (http.last_body);
    http.last_body = g_strndup (g_bytes_get_data (body, NULL),
        g_bytes_get_size (body));
    g_cond_broadcast (&http.cond);
    g_mutex_unlock (&http.lock);
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "application/json",
        SOUP_MEMORY_TAKE, answer, strlen (answer));
  } else if (g_str_equal (path, "/fail")) {
    static const gchar answer[] = "{\"error\":\"boom\"}";
    soup_server_message_set_status (msg, 500, NULL);
    soup_server_message_set_response (msg, "application/json",
        SOUP_MEMORY_STATIC, answer, strlen (answer));
  } else if (g_str_equal (path, "/notjson")) {
    static const gchar answer[] = "<html><body>Table 7</body></html>";
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC,
        answer, strlen (answer));
  } else if (g_str_equal (path, "/slow")) {
    GSource *source = g_timeout_source_new (800);

    g_mutex_lock (&http.lock);
    http.in_flight++;
    http.max_in_flight = MAX (http.max_in_flight, http.in_flight);
    g_cond_broadcast (&http.cond);
    g_mutex_unlock (&http.lock);
    soup_server_message_pause (msg);
    g_source_set_callback (source, slow_done, g_object_ref (msg),
        g_object_unref);
    g_source_attach (source, http.context);
    g_source_unref (source);
  } else if (g_str_equal (path, "/hold")) {
    g_autofree gchar *key = address_key (soup_server_message_get_remote_address
        (msg));
    GSocket *sock = g_hash_table_lookup (http.sockets, key);

    g_assert_nonnull (sock);
    soup_server_message_pause (msg);
    g_mutex_lock (&http.lock);
    g_ptr_array_add (http.held, g_object_ref (msg));
    g_ptr_array_add (http.held_sockets, g_object_ref (sock));
    g_cond_broadcast (&http.cond);
    g_mutex_unlock (&http.lock);
  } else {
    soup_server_message_set_status (msg, 404, NULL);
  }
}

static gpointer
http_thread (gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_main_context_push_thread_default (http.context);
  http.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (http.server, NULL, http_handler, NULL, NULL);
  http.service = g_socket_service_new ();
  g_signal_connect (http.service, "incoming", G_CALLBACK (on_incoming), NULL);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (http.service), any,
          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error))
    g_error ("cannot listen: %s", error->message);

  g_mutex_lock (&http.lock);
  http.base = g_strdup_printf ("http://127.0.0.1:%u",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  http.ready = TRUE;
  g_cond_broadcast (&http.cond);
  g_mutex_unlock (&http.lock);

  g_main_loop_run (http.loop);

  g_socket_service_stop (http.service);
  g_socket_listener_close (G_SOCKET_LISTENER (http.service));
  g_clear_object (&http.service);
  soup_server_disconnect (http.server);
  g_ptr_array_set_size (http.held, 0);
  g_ptr_array_set_size (http.held_sockets, 0);
  g_clear_object (&http.server);
  while (g_main_context_iteration (http.context, FALSE));
  g_main_context_pop_thread_default (http.context);
  return NULL;
}

void
http_start (void)
{
  g_mutex_init (&http.lock);
  g_cond_init (&http.cond);
  http.held = g_ptr_array_new_with_free_func (g_object_unref);
  http.held_sockets = g_ptr_array_new_with_free_func (g_object_unref);
  http.sockets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_object_unref);
  http.context = g_main_context_new ();
  http.loop = g_main_loop_new (http.context, FALSE);
  http.thread = g_thread_new ("test-http", http_thread, NULL);
  g_mutex_lock (&http.lock);
  while (!http.ready)
    g_cond_wait (&http.cond, &http.lock);
  g_mutex_unlock (&http.lock);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
http_stop (void)
{
  g_main_context_invoke (http.context, quit_loop, http.loop);
  g_thread_join (http.thread);
  g_main_loop_unref (http.loop);
  g_main_context_unref (http.context);
  g_ptr_array_unref (http.held);
  g_ptr_array_unref (http.held_sockets);
  g_hash_table_unref (http.sockets);
  g_free (http.base);
  g_free (http.last_method);
  g_free (http.last_type);
  g_free (http.last_body);
  g_mutex_clear (&http.lock);
  g_cond_clear (&http.cond);
}

/* Waits until the server holds @n requests on /hold; returns the socket
 * of the @n-th (a new reference). */
GSocket *
http_wait_held (guint n)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  GSocket *sock;

  g_mutex_lock (&http.lock);
  while (http.held_sockets->len < n) {
    if (!g_cond_wait_until (&http.cond, &http.lock, deadline))
      g_error ("the http handler never reached /hold");
  }
  sock = g_object_ref (g_ptr_array_index (http.held_sockets, n - 1));
  g_mutex_unlock (&http.lock);
  return sock;
}

/* Whether the client closed the connection of a held request: the socket
 * reads end-of-file (the paused server does not read it itself). */
gboolean
http_wait_client_gone (GSocket * sock, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  do {
    gchar byte;
    gssize n;

    if (g_socket_is_closed (sock))
      return TRUE;
    g_socket_condition_timed_wait (sock, G_IO_IN | G_IO_HUP | G_IO_ERR,
        MIN (ms, 50) * G_TIME_SPAN_MILLISECOND, NULL, NULL);
    n = recv (g_socket_get_fd (sock), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
      return TRUE;
  } while (g_get_monotonic_time () < deadline);
  return FALSE;
}

/* The application */

typedef struct
{
  gchar *id;
  gchar *response;
  gint64 due_us;
} Job;

static void
on_tool_call (VpLiveSession * s, const gchar * id, const gchar * name,
    const gchar * args, ToolsApp * app)
{
  if (g_str_has_prefix (name, "app")) {
    Job *job = g_new0 (Job, 1);
    job->id = g_strdup (id);
    job->response = g_strdup_printf ("{\"by\":\"app\",\"id\":\"%s\"}", id);
    job->due_us = g_get_monotonic_time () + app->delay_ms * 1000;
    g_async_queue_push (app->jobs, job);
  }
}

static gpointer
app_main (gpointer data)
{
  ToolsApp *app = data;

  for (;;) {
    Job *job = g_async_queue_pop (app->jobs);
    g_autoptr (GError) error = NULL;
    gint64 now = g_get_monotonic_time ();
    gboolean ok;

    if (job->id == NULL) {
      g_free (job);
      return NULL;
    }
    if (job->due_us > now)
      g_usleep (job->due_us - now);
    ok = vp_live_session_send_tool_response (app->session, job->id,
        job->response, &error);
    g_mutex_lock (&app->lock);
    if (ok)
      g_hash_table_insert (app->answered_by, g_strdup (job->id),
          g_thread_self ());
    g_mutex_unlock (&app->lock);
    vpt_recorder_add (app->r, g_strdup_printf ("answer-%s:%s",
            ok ? "ok" : "refused", job->id));
    g_free (job->id);
    g_free (job->response);
    g_free (job);
  }
}

/* Connected after the recorder: a call is recorded before it is
 * answered. */
static ToolsApp *
app_new (VpLiveSession * session, VptRecorder * r)
{
  ToolsApp *app = g_new0 (ToolsApp, 1);

  app->session = session;
  app->r = r;
  g_mutex_init (&app->lock);
  app->answered_by = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  app->jobs = g_async_queue_new ();
  app->thread = g_thread_new ("test-app-answerer", app_main, app);
  g_signal_connect (session, "tool-call", G_CALLBACK (on_tool_call), app);
  return app;
}

static void
app_stop (ToolsApp * app)
{
  if (app->thread == NULL)
    return;
  g_async_queue_push (app->jobs, g_new0 (Job, 1));
  g_thread_join (app->thread);
  app->thread = NULL;
}

static void
app_free (ToolsApp * app)
{
  app_stop (app);
  g_async_queue_unref (app->jobs);
  g_hash_table_unref (app->answered_by);
  g_mutex_clear (&app->lock);
  g_free (app);
}

/* The emulator's record: what the service received. */

JsonNode *
record_parse (VpEmulator * emulator)
{
  g_autofree gchar *text = vp_emulator_get_record (emulator);
  g_autoptr (GError) error = NULL;
  JsonNode *root = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  return root;
}

/* Every functionResponses entry of every connection, in order; borrowed
 * from @root. */
GPtrArray *
record_responses (JsonNode * root)
{
  GPtrArray *out = g_ptr_array_new ();
  JsonArray *connections = json_node_get_array (root);
  guint c, m, k;

  for (c = 0; c < json_array_get_length (connections); c++) {
    JsonArray *messages =
        json_object_get_array_member (json_array_get_object_element
        (connections, c), "messages");
    for (m = 0; m < json_array_get_length (messages); m++) {
      JsonObject *msg = json_array_get_object_element (messages, m);
      JsonObject *body;
      JsonArray *list;

      if (msg == NULL || !json_object_has_member (msg, "toolResponse"))
        continue;
      body = json_object_get_object_member (msg, "toolResponse");
      list = json_object_get_array_member (body, "functionResponses");
      for (k = 0; k < json_array_get_length (list); k++)
        g_ptr_array_add (out, json_array_get_object_element (list, k));
    }
  }
  return out;
}

/* The entries for @id (borrowed). */
GPtrArray *
record_responses_for (JsonNode * root, const gchar * id)
{
  g_autoptr (GPtrArray) all = record_responses (root);
  GPtrArray *out = g_ptr_array_new ();
  guint i;

  for (i = 0; i < all->len; i++) {
    JsonObject *entry = g_ptr_array_index (all, i);
    if (g_strcmp0 (json_object_get_string_member_with_default (entry, "id",
                NULL), id) == 0)
      g_ptr_array_add (out, entry);
  }
  return out;
}

/* The one toolResponse entry of @id in the record (asserts there is
 * exactly one), serialized. */
gchar *
record_response_text (VpEmulator * emulator, const gchar * id)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  g_autoptr (JsonNode) root = record_parse (emulator);
  g_autoptr (GPtrArray) entries = record_responses_for (root, id);
  g_autoptr (JsonNode) node = NULL;

  /* The service may not have read it yet. */
  while (entries->len == 0 && g_get_monotonic_time () < deadline) {
    g_usleep (10 * 1000);
    g_ptr_array_unref (entries);
    json_node_unref (root);
    root = record_parse (emulator);
    entries = record_responses_for (root, id);
  }
  if (entries->len != 1)
    g_error ("the record holds %u toolResponses for %s, not 1", entries->len,
        id);
  node = json_node_init_object (json_node_alloc (),
      g_ptr_array_index (entries, 0));
  return json_to_string (node, FALSE);
}

guint
record_count_for (VpEmulator * emulator, const gchar * id)
{
  g_autoptr (JsonNode) root = record_parse (emulator);
  g_autoptr (GPtrArray) entries = record_responses_for (root, id);

  return entries->len;
}

/* Sends @text and waits until the service received it: everything the
 * client sent before is in the record then (one connection, in order). */
void
record_sync (VpLiveSession * session, VpEmulator * emulator, const gchar * text)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  g_autofree gchar *needle = g_strdup_printf ("\"text\":\"%s\"", text);

  vp_live_session_send_text (session, text);
  for (;;) {
    g_autofree gchar *record = vp_emulator_get_record (emulator);
    if (strstr (record, needle) != NULL)
      return;
    if (g_get_monotonic_time () > deadline)
      g_error ("the service never received \"%s\"", text);
    g_usleep (10 * 1000);
  }
}

/* The setup of the first connection (a new reference). */
JsonObject *
record_setup (VpEmulator * emulator)
{
  g_autoptr (JsonNode) root = record_parse (emulator);
  JsonObject *first = json_array_get_object_element (json_node_get_array
      (root), 0);
  JsonArray *messages = json_object_get_array_member (first, "messages");

  return json_object_ref (json_object_get_object_member
      (json_array_get_object_element (messages, 0), "setup"));
}

JsonObject *
find_declaration (JsonObject * setup, const gchar * name)
{
  JsonArray *tools = json_object_get_array_member (setup, "tools");
  guint t, d;

  for (t = 0; tools != NULL && t < json_array_get_length (tools); t++) {
    JsonObject *tool = json_array_get_object_element (tools, t);
    JsonArray *decls = json_object_get_array_member (tool,
        "functionDeclarations");
    for (d = 0; decls != NULL && d < json_array_get_length (decls); d++) {
      JsonObject *decl = json_array_get_object_element (decls, d);
      if (g_strcmp0 (json_object_get_string_member (decl, "name"), name) == 0)
        return decl;
    }
  }
  g_error ("no declaration of %s in the setup", name);
}

void
assert_contains (const gchar * text, const gchar * words)
{
  if (text == NULL || strstr (text, words) == NULL)
    g_error ("\"%s\" lacks \"%s\"", text ? text : "(null)", words);
}

/* Replaces @DATA@ (tests/data), @HTTP@ (the test server) and @TMP@. */
gchar *
expand (Fixture * f, const gchar * template)
{
  GString *s = g_string_new (template);
  g_autofree gchar *data = data_path ("");

  if (g_str_has_suffix (data, "/"))
    data[strlen (data) - 1] = '\0';
  g_string_replace (s, "@DATA@", data, 0);
  g_string_replace (s, "@HTTP@", http.base, 0);
  g_string_replace (s, "@TMP@", f->tmp, 0);
  return g_string_free (s, FALSE);
}

void
fixture_set_up (Fixture * f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmp = g_dir_make_tmp ("voxpipe-tools-XXXXXX", &error);
  g_assert_no_error (error);
  f->warnings = g_ptr_array_new_with_free_func (g_free);
  f->emulator = vp_emulator_new ();
  f->session = vp_live_session_new ();
  f->r = vpt_recorder_new (f->session, WAIT_MS);
  f->app = app_new (f->session, f->r);
}

/* Starts the emulator with @scenario and connects a session on @model
 * with @tools (taken). */
void
fixture_start_tools (Fixture * f, const gchar * model,
    const gchar * scenario, VpTools * tools)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VpSetupConfig) setup = vp_setup_config_new ();
  g_autofree gchar *url = NULL;

  g_object_set (f->emulator, "scenario", scenario, "latency-ms", 0,
      "speech-rate", 50.0, "wait-for-playback", FALSE, NULL);
  g_assert_true (vp_emulator_start (f->emulator, &error));
  g_assert_no_error (error);
  url = vp_emulator_get_url (f->emulator);

  setup->model = g_strdup (model);
  setup->tools = vp_tools_to_wire (tools, model, f->warnings);
  vp_live_session_set_setup (f->session, setup);
  vp_live_session_set_tools (f->session, tools);
  g_object_set (f->session, "endpoint", url, "api-key", "test-key",
      "connect-timeout", 5000, "response-timeout", 10000, NULL);

  vp_live_session_connect (f->session);
  vpt_recorder_wait (f->r, "setup-complete", NULL);
}

/* Starts the emulator with @scenario and connects a session on @model
 * with the tools of @tools_template (see expand()). */
void
fixture_start (Fixture * f, const gchar * model, const gchar * scenario,
    const gchar * tools_template)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *tools_json = expand (f, tools_template);
  VpTools *tools = vp_tools_parse (tools_json, -1, "test.tools.json",
      &error);

  g_assert_no_error (error);
  fixture_start_tools (f, model, scenario, tools);
}

void
fixture_tear_down (Fixture * f, gconstpointer data)
{
  g_autoptr (GDir) dir = g_dir_open (f->tmp, 0, NULL);
  const gchar *name;

  if (vp_live_session_get_state (f->session) != VP_SESSION_STATE_IDLE
      && vpt_recorder_count (f->r, "closed") == 0) {
    vp_live_session_close (f->session);
    vpt_recorder_wait (f->r, "closed", NULL);
  }
  app_stop (f->app);
  g_signal_handlers_disconnect_by_data (f->session, f->app);
  vpt_recorder_disconnect (f->r);
  g_object_unref (f->session);
  vp_emulator_stop (f->emulator);
  g_object_unref (f->emulator);
  app_free (f->app);
  vpt_recorder_free (f->r);
  g_ptr_array_unref (f->warnings);

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *path = g_build_filename (f->tmp, name, NULL);
    g_unlink (path);
  }
  g_rmdir (f->tmp);
  g_free (f->tmp);
}

/* Sends @text as a user turn and waits for the end of the model's turn. */
void
turn (Fixture * f, const gchar * text)
{
  guint at = vpt_recorder_mark (f->r);

  vp_live_session_send_text (f->session, text);
  vpt_recorder_wait (f->r, "turn-complete", &at);
}


guint
deadline_warnings (Fixture * f)
{
  g_autofree gchar *pattern = g_strdup_printf ("warning:%d:Nobody answered "
      "tool call", VP_ERROR_TIMEOUT);

  return vpt_recorder_count (f->r, pattern);
}
