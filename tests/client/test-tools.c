/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Tool calls (issue 4) through VpLiveSession against the in-process
 * emulator: the tools file, every handler kind, application answers and
 * deadlines, concurrency, cancellation that really stops the handlers,
 * the per-model differences, and a thousand calls of which none is lost.
 * What reached the service is read back from the emulator's record.
 * Every wait is bounded. */

#include "config.h"

#include <voxpipe.h>
#include <voxpipe-emulator.h>
#include <libsoup/soup.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Every wait is bounded; a hang fails the test instead of blocking CI. */
#define WAIT_MS 20000
#define MODEL_31 "gemini-3.1-flash-live-preview"
#define MODEL_25 "gemini-2.5-flash-native-audio-preview-12-2025"
#define MODEL_OPENAPI "gemini-2.0-flash-live-001"

/* The session's "warning" signals for missed deadlines. */
static gint n_deadline_warnings;

static void
on_warning (VpLiveSession * session, GError * error, gpointer user_data)
{
  if (g_error_matches (error, VP_ERROR, VP_ERROR_TIMEOUT)
      && strstr (error->message, "Nobody answered tool call") != NULL)
    g_atomic_int_inc (&n_deadline_warnings);
}

static gchar *
data_path (const gchar * name)
{
  const gchar *source = g_getenv ("VP_SOURCE_DIR");

  return g_build_filename (source ? source : VP_SOURCE_DIR, "tests", "data",
      name, NULL);
}

static gboolean
process_gone (GPid pid)
{
  return kill (pid, 0) != 0 && errno == ESRCH;
}

/* Waits up to @ms for @pid to be gone (killed and reaped). */
static gboolean
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

/* Reads the PID an exec handler wrote, waiting up to WAIT_MS for it. */
static GPid
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

/* A loopback HTTP server for the http handlers, on its own thread.
 *   /echo     200 {"temp": 21, "got": <the request body>}
 *   /fail     500
 *   /notjson  200 with an HTML body
 *   /slow     answers after 800 ms; counts requests in flight
 *   /hold     never answers; the test watches the client hang up */

typedef struct
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  GSocketService *service;
  GHashTable *sockets;          /* "address:port" of the client → GSocket */
  gchar *base;

  GMutex lock;
  GCond cond;
  /* under lock */
  gboolean ready;
  guint n_echo;
  gchar *last_method;
  gchar *last_type;
  gchar *last_body;
  guint in_flight;
  guint max_in_flight;
  guint n_slow_done;
  GPtrArray *held;              /* SoupServerMessage, paused */
  GPtrArray *held_sockets;      /* GSocket of each held request */
} HttpServer;

static HttpServer http;

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

static void
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

static void
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
static GSocket *
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
static gboolean
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

/* Collects the session's signals (emitted on the network thread) and
 * answers application calls from its own thread. */

typedef struct
{
  gchar *id;
  gchar *response;
  gint64 due_us;
} Job;

typedef struct
{
  GMutex lock;
  GCond cond;
  GPtrArray *events;            /* "name" or "name:detail" */
  GHashTable *started;          /* id → "name handler" */
  GHashTable *results;          /* id → GPtrArray of responses */
  GHashTable *cancelled;        /* id → count */
  GHashTable *answered_by;      /* id → the thread that answered */
  GError *error;

  /* The application: answers calls to tools named "app*" from its own
   * thread after app_delay_ms; "hold*" and "never*" are not answered. */
  VpLiveSession *session;
  guint app_delay_ms;
  GAsyncQueue *jobs;
  GThread *answerer;
} Recorder;

static void
recorder_add (Recorder * r, gchar * event)
{
  g_mutex_lock (&r->lock);
  g_ptr_array_add (r->events, event);
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

static void
on_setup_complete (VpLiveSession * s, Recorder * r)
{
  recorder_add (r, g_strdup ("setup-complete"));
}

static void
on_turn_complete (VpLiveSession * s, const gchar * reason, Recorder * r)
{
  recorder_add (r, g_strdup ("turn-complete"));
}

static void
on_interrupted (VpLiveSession * s, Recorder * r)
{
  recorder_add (r, g_strdup ("interrupted"));
}

static void
on_tool_started (VpLiveSession * s, const gchar * id, const gchar * name,
    const gchar * args, const gchar * handler, Recorder * r)
{
  g_mutex_lock (&r->lock);
  g_assert_false (g_hash_table_contains (r->started, id));
  g_hash_table_insert (r->started, g_strdup (id), g_strdup_printf ("%s %s",
          name, handler));
  g_mutex_unlock (&r->lock);
  recorder_add (r, g_strdup_printf ("tool-started:%s:%s:%s", id, name,
          handler));
}

static void
on_tool_call (VpLiveSession * s, const gchar * id, const gchar * name,
    const gchar * args, Recorder * r)
{
  recorder_add (r, g_strdup_printf ("tool-call:%s:%s:%s", id, name, args));
  if (g_str_has_prefix (name, "app")) {
    Job *job = g_new0 (Job, 1);
    job->id = g_strdup (id);
    job->response = g_strdup_printf ("{\"by\":\"app\",\"id\":\"%s\"}", id);
    job->due_us = g_get_monotonic_time () + r->app_delay_ms * 1000;
    g_async_queue_push (r->jobs, job);
  }
}

static void
on_tool_result (VpLiveSession * s, const gchar * id, const gchar * name,
    const gchar * response, Recorder * r)
{
  GPtrArray *list;

  g_mutex_lock (&r->lock);
  list = g_hash_table_lookup (r->results, id);
  if (list == NULL) {
    list = g_ptr_array_new_with_free_func (g_free);
    g_hash_table_insert (r->results, g_strdup (id), list);
  }
  g_ptr_array_add (list, g_strdup (response));
  g_mutex_unlock (&r->lock);
  recorder_add (r, g_strdup_printf ("tool-result:%s:%s", id, name));
}

static void
on_tool_call_cancelled (VpLiveSession * s, const gchar * id, Recorder * r)
{
  g_mutex_lock (&r->lock);
  g_hash_table_insert (r->cancelled, g_strdup (id),
      GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (r->cancelled,
                  id)) + 1));
  g_mutex_unlock (&r->lock);
  recorder_add (r, g_strdup_printf ("tool-call-cancelled:%s", id));
}

static void
on_end_call (VpLiveSession * s, Recorder * r)
{
  recorder_add (r, g_strdup ("end-call"));
}

static void
on_error (VpLiveSession * s, GError * error, Recorder * r)
{
  g_mutex_lock (&r->lock);
  if (r->error == NULL)
    r->error = g_error_copy (error);
  g_mutex_unlock (&r->lock);
  recorder_add (r, g_strdup_printf ("error:%s", error->message));
}

static void
on_closed (VpLiveSession * s, gint code, const gchar * reason, Recorder * r)
{
  recorder_add (r, g_strdup_printf ("closed:%d", code));
}

static gpointer
answerer_main (gpointer data)
{
  Recorder *r = data;

  for (;;) {
    Job *job = g_async_queue_pop (r->jobs);
    g_autoptr (GError) error = NULL;
    gint64 now = g_get_monotonic_time ();
    gboolean ok;

    if (job->id == NULL) {
      g_free (job);
      return NULL;
    }
    if (job->due_us > now)
      g_usleep (job->due_us - now);
    ok = vp_live_session_send_tool_response (r->session, job->id,
        job->response, &error);
    g_mutex_lock (&r->lock);
    if (ok)
      g_hash_table_insert (r->answered_by, g_strdup (job->id),
          g_thread_self ());
    g_mutex_unlock (&r->lock);
    recorder_add (r, g_strdup_printf ("answer-%s:%s", ok ? "ok" : "refused",
            job->id));
    g_free (job->id);
    g_free (job->response);
    g_free (job);
  }
}

static Recorder *
recorder_new (VpLiveSession * session)
{
  Recorder *r = g_new0 (Recorder, 1);

  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  r->events = g_ptr_array_new_with_free_func (g_free);
  r->started = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->results = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_ptr_array_unref);
  r->cancelled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->answered_by = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  r->session = session;
  r->jobs = g_async_queue_new ();
  r->answerer = g_thread_new ("test-app-answerer", answerer_main, r);

  g_signal_connect (session, "setup-complete",
      G_CALLBACK (on_setup_complete), r);
  g_signal_connect (session, "turn-complete", G_CALLBACK (on_turn_complete), r);
  g_signal_connect (session, "interrupted", G_CALLBACK (on_interrupted), r);
  g_signal_connect (session, "tool-started", G_CALLBACK (on_tool_started), r);
  g_signal_connect (session, "tool-call", G_CALLBACK (on_tool_call), r);
  g_signal_connect (session, "tool-result", G_CALLBACK (on_tool_result), r);
  g_signal_connect (session, "tool-call-cancelled",
      G_CALLBACK (on_tool_call_cancelled), r);
  g_signal_connect (session, "end-call", G_CALLBACK (on_end_call), r);
  g_signal_connect (session, "error", G_CALLBACK (on_error), r);
  g_signal_connect (session, "closed", G_CALLBACK (on_closed), r);
  g_signal_connect (session, "warning", G_CALLBACK (on_warning), NULL);
  return r;
}

static void
recorder_stop_answerer (Recorder * r)
{
  if (r->answerer == NULL)
    return;
  g_async_queue_push (r->jobs, g_new0 (Job, 1));
  g_thread_join (r->answerer);
  r->answerer = NULL;
}

static void
recorder_free (Recorder * r)
{
  recorder_stop_answerer (r);
  g_async_queue_unref (r->jobs);
  g_ptr_array_unref (r->events);
  g_hash_table_unref (r->started);
  g_hash_table_unref (r->results);
  g_hash_table_unref (r->cancelled);
  g_hash_table_unref (r->answered_by);
  g_clear_error (&r->error);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
  g_free (r);
}

static G_GNUC_NORETURN void
recorder_timed_out (Recorder * r, const gchar * what)
{
  GString *all = g_string_new (NULL);
  guint i;

  for (i = 0; i < r->events->len; i++)
    g_string_append_printf (all, " %s", (gchar *) r->events->pdata[i]);
  g_mutex_unlock (&r->lock);
  g_error ("timed out after %d ms waiting for %s; events:%s", WAIT_MS, what,
      all->str);
}

/* Waits until an event starting with @prefix was recorded at or after
 * index *@from; returns its index, and moves *@from past it. */
static gint
recorder_wait (Recorder * r, const gchar * prefix, guint * from)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  guint i = from ? *from : 0;

  g_mutex_lock (&r->lock);
  for (;;) {
    for (; i < r->events->len; i++) {
      if (g_str_has_prefix (g_ptr_array_index (r->events, i), prefix)) {
        g_mutex_unlock (&r->lock);
        if (from)
          *from = i + 1;
        return i;
      }
    }
    if (!g_cond_wait_until (&r->cond, &r->lock, deadline))
      recorder_timed_out (r, prefix);
  }
}

/* Waits until @n events starting with @prefix were recorded from index
 * @from on; returns their details (after the prefix), in order. */
static GPtrArray *
recorder_wait_n (Recorder * r, const gchar * prefix, guint from, guint n)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  guint i = from;

  g_mutex_lock (&r->lock);
  while (found->len < n) {
    for (; i < r->events->len && found->len < n; i++) {
      const gchar *event = g_ptr_array_index (r->events, i);
      if (g_str_has_prefix (event, prefix))
        g_ptr_array_add (found, g_strdup (event + strlen (prefix)));
    }
    if (found->len < n && !g_cond_wait_until (&r->cond, &r->lock, deadline)) {
      g_autofree gchar *what = g_strdup_printf ("%u × \"%s\"", n, prefix);
      recorder_timed_out (r, what);
    }
  }
  g_mutex_unlock (&r->lock);
  return found;
}

static guint
recorder_count (Recorder * r, const gchar * prefix)
{
  guint i, n = 0;

  g_mutex_lock (&r->lock);
  for (i = 0; i < r->events->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (r->events, i), prefix);
  g_mutex_unlock (&r->lock);
  return n;
}

/* A copy of event @i. */
static gchar *
recorder_event (Recorder * r, guint i)
{
  gchar *event;

  g_mutex_lock (&r->lock);
  event = g_strdup (g_ptr_array_index (r->events, i));
  g_mutex_unlock (&r->lock);
  return event;
}

static guint
recorder_mark (Recorder * r)
{
  guint n;

  g_mutex_lock (&r->lock);
  n = r->events->len;
  g_mutex_unlock (&r->lock);
  return n;
}

/* The one response of @id that tool-result reported, or NULL. */
static gchar *
recorder_dup_result (Recorder * r, const gchar * id)
{
  GPtrArray *list;
  gchar *response = NULL;

  g_mutex_lock (&r->lock);
  list = g_hash_table_lookup (r->results, id);
  if (list != NULL) {
    g_assert_cmpuint (list->len, ==, 1);
    response = g_strdup (g_ptr_array_index (list, 0));
  }
  g_mutex_unlock (&r->lock);
  return response;
}

/* The id of the first call of @name started at or after event @from. */
static gchar *
started_id (Recorder * r, const gchar * name, guint from)
{
  g_autofree gchar *needle = g_strdup_printf (":%s:", name);
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  guint i = from;

  g_mutex_lock (&r->lock);
  for (;;) {
    for (; i < r->events->len; i++) {
      const gchar *event = g_ptr_array_index (r->events, i);
      const gchar *at;
      if (g_str_has_prefix (event, "tool-started:")
          && (at = strstr (event + strlen ("tool-started:"), needle))) {
        const gchar *id = event + strlen ("tool-started:");
        gchar *copy = g_strndup (id, at - id);
        g_mutex_unlock (&r->lock);
        return copy;
      }
    }
    if (!g_cond_wait_until (&r->cond, &r->lock, deadline))
      recorder_timed_out (r, needle);
  }
}

/* The emulator's record: what the service received. */

static JsonNode *
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
static GPtrArray *
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
static GPtrArray *
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
static gchar *
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

static guint
record_count_for (VpEmulator * emulator, const gchar * id)
{
  g_autoptr (JsonNode) root = record_parse (emulator);
  g_autoptr (GPtrArray) entries = record_responses_for (root, id);

  return entries->len;
}

/* Sends @text and waits until the service received it: everything the
 * client sent before is in the record then (one connection, in order). */
static void
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
static JsonObject *
record_setup (VpEmulator * emulator)
{
  g_autoptr (JsonNode) root = record_parse (emulator);
  JsonObject *first = json_array_get_object_element (json_node_get_array
      (root), 0);
  JsonArray *messages = json_object_get_array_member (first, "messages");

  return json_object_ref (json_object_get_object_member
      (json_array_get_object_element (messages, 0), "setup"));
}

static JsonObject *
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

static void
assert_contains (const gchar * text, const gchar * words)
{
  if (text == NULL || strstr (text, words) == NULL)
    g_error ("\"%s\" lacks \"%s\"", text ? text : "(null)", words);
}

/* The fixture: an emulator on loopback and a session with tools. */

typedef struct
{
  VpEmulator *emulator;
  VpLiveSession *session;
  Recorder *r;
  GPtrArray *warnings;          /* what vp_tools_to_wire() left out */
  gchar *tmp;                   /* a scratch directory */
} Fixture;

/* Replaces @DATA@ (tests/data), @HTTP@ (the test server) and @TMP@. */
static gchar *
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

static void
fixture_set_up (Fixture * f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmp = g_dir_make_tmp ("voxpipe-tools-XXXXXX", &error);
  g_assert_no_error (error);
  f->warnings = g_ptr_array_new_with_free_func (g_free);
  f->emulator = vp_emulator_new ();
  f->session = vp_live_session_new ();
  f->r = recorder_new (f->session);
}

/* Starts the emulator with @scenario and connects a session on @model
 * with @tools (taken). */
static void
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
  recorder_wait (f->r, "setup-complete", NULL);
}

/* Starts the emulator with @scenario and connects a session on @model
 * with the tools of @tools_template (see expand()). */
static void
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

static void
fixture_tear_down (Fixture * f, gconstpointer data)
{
  g_autoptr (GDir) dir = g_dir_open (f->tmp, 0, NULL);
  const gchar *name;

  if (vp_live_session_get_state (f->session) != VP_SESSION_STATE_IDLE
      && recorder_count (f->r, "closed") == 0) {
    vp_live_session_close (f->session);
    recorder_wait (f->r, "closed", NULL);
  }
  recorder_stop_answerer (f->r);
  g_signal_handlers_disconnect_by_data (f->session, f->r);
  g_object_unref (f->session);
  vp_emulator_stop (f->emulator);
  g_object_unref (f->emulator);
  recorder_free (f->r);
  g_ptr_array_unref (f->warnings);

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree gchar *path = g_build_filename (f->tmp, name, NULL);
    g_unlink (path);
  }
  g_rmdir (f->tmp);
  g_free (f->tmp);
}

/* Sends @text as a user turn and waits for the end of the model's turn. */
static void
turn (Fixture * f, const gchar * text)
{
  guint at = recorder_mark (f->r);

  vp_live_session_send_text (f->session, text);
  recorder_wait (f->r, "turn-complete", &at);
}

/* The tools file */

static void
test_parse_every_field (void)
{
  g_autofree gchar *path = data_path ("tools-all.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (VpTools) tools = vp_tools_load (path, &error);
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autofree gchar *menu = g_build_filename (dir, "./menu.sh", NULL);
  const VpTool *t;

  g_assert_no_error (error);
  g_assert_cmpuint (tools->tools->len, ==, 5);
  g_assert_cmpstr (tools->origin, ==, path);

  t = vp_tools_lookup (tools, "check_availability");
  g_assert_nonnull (t);
  g_assert_cmpint (t->handler, ==, VP_TOOL_HANDLER_HTTP);
  g_assert_cmpstr (t->url, ==, "http://127.0.0.1:8080/availability");
  g_assert_cmpuint (t->timeout_ms, ==, 3000);
  g_assert_cmpstr (t->description, ==, "Free tables for a date and party size");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (t->parameters));

  t = vp_tools_lookup (tools, "get_menu");
  g_assert_cmpint (t->handler, ==, VP_TOOL_HANDLER_EXEC);
  /* "./menu.sh" is found next to the tools file. */
  g_assert_cmpstr (t->argv[0], ==, menu);
  g_assert_cmpstr (t->argv[1], ==, "--json");
  g_assert_null (t->argv[2]);
  g_assert_cmpuint (t->timeout_ms, ==, 2000);
  g_assert_null (t->parameters);

  t = vp_tools_lookup (tools, "opening_hours");
  g_assert_cmpint (t->handler, ==, VP_TOOL_HANDLER_RESULT);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object
          (t->result), "close"), ==, "23:00");
  g_assert_cmpuint (t->timeout_ms, ==, VP_TOOL_DEFAULT_TIMEOUT_MS);

  t = vp_tools_lookup (tools, "end_call");
  g_assert_cmpint (t->handler, ==, VP_TOOL_HANDLER_BUILTIN);
  g_assert_cmpstr (t->builtin, ==, "end-call");

  /* No handler: the application answers; enums in any case. */
  t = vp_tools_lookup (tools, "notify_kitchen");
  g_assert_cmpint (t->handler, ==, VP_TOOL_HANDLER_APP);
  g_assert_cmpstr (t->behavior, ==, "NON_BLOCKING");
  g_assert_cmpstr (t->scheduling, ==, "WHEN_IDLE");
  g_assert_cmpuint (t->timeout_ms, ==, 4000);

  g_assert_null (vp_tools_lookup (tools, "no_such_tool"));
}

typedef struct
{
  const gchar *json;
  const gchar *tool;            /* named in the message ("#2" for index) */
  const gchar *words;           /* the problem, in the message */
} BadCase;

static const BadCase bad_cases[] = {
  {"{\"tools\": [", NULL, "not valid JSON"},
  {"[]", NULL, "\"tools\" array"},
  {"{\"tools\": {}}", NULL, "\"tools\" array"},
  {"{\"tools\": [42]}", "#1", "not an object"},
  {"{\"tools\": [{\"name\": \"ok\"}, {\"name\": \"9lives\"}]}", "#2",
      "\"name\" must start with a letter"},
  {"{\"tools\": [{\"description\": \"no name\"}]}", "#1", "\"name\""},
  {"{\"tools\": [{\"name\": \"a b\"}]}", "#1", "\"name\""},
  {"{\"tools\": [{\"name\": \"dup\"}, {\"name\": \"dup\"}]}", "\"dup\"",
      "declared twice"},
  {"{\"tools\": [{\"name\": \"p\", \"parameters\": {\"type\": \"string\"}}]}",
      "\"p\"", "\"parameters\" must be a JSON Schema object"},
  {"{\"tools\": [{\"name\": \"p\", \"parameters\": [1]}]}", "\"p\"",
      "\"parameters\""},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": 3}]}", "\"h\"",
      "\"handler\" must be an object"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {}}]}", "\"h\"",
      "exactly one of"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"result\": 1, "
        "\"exec\": [\"x\"]}}]}", "\"h\"", "exactly one of"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"exec\": []}}]}", "\"h\"",
      "\"exec\" must be a non-empty array"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"exec\": \"ls -l\"}}]}",
      "\"h\"", "\"exec\" must be a non-empty array"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"exec\": [\"ls\", 3]}}]}",
      "\"h\"", "element 1 is not a string"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"http\": {}}}]}", "\"h\"",
      "needs {\"url\""},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"http\": \"http://x\"}}]}",
      "\"h\"", "needs {\"url\""},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"http\": {\"url\": "
        "\"ftp://x/y\"}}}]}", "\"h\"", "must start with http://"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"builtin\": \"hang-up\"}}]}",
      "\"h\"", "unknown builtin \"hang-up\""},
  {"{\"tools\": [{\"name\": \"t\", \"timeout-ms\": 0}]}", "\"t\"",
      "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"timeout-ms\": -5}]}", "\"t\"",
      "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"timeout-ms\": \"5s\"}]}", "\"t\"",
      "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"timeout-ms\": 1.5}]}", "\"t\"",
      "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"timeout-ms\": 9999999}]}", "\"t\"",
      "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"handler\": {\"result\": {}, "
        "\"timeout-ms\": 0}}]}", "\"t\"", "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"handler\": {\"http\": {\"url\": "
        "\"http://x\", \"timeout-ms\": false}}}]}", "\"t\"", "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"b\", \"behavior\": \"ASYNC\"}]}", "\"b\"",
      "\"behavior\" must be one of BLOCKING, NON_BLOCKING"},
  {"{\"tools\": [{\"name\": \"s\", \"scheduling\": \"LATER\"}]}", "\"s\"",
      "\"scheduling\" must be one of INTERRUPT, WHEN_IDLE, SILENT"},
  {"{\"tools\": [{\"name\": \"s\", \"scheduling\": 2}]}", "\"s\"",
      "\"scheduling\""},
  /* A misspelt key is an error, not ignored. */
  {"{\"tools\": [{\"name\": \"k\", \"timout-ms\": 500}]}", "\"k\"",
      "unknown key \"timout-ms\". The keys are \"name\", \"description\""},
  {"{\"tools\": [{\"name\": \"k\", \"handlr\": {\"result\": 1}}]}",
      "\"k\"", "unknown key \"handlr\""},
  {"{\"tools\": [{\"name\": \"k\", \"handler\": {\"resut\": 1}}]}",
      "\"k\"", "unknown key \"resut\" in \"handler\""},
  {"{\"tools\": [{\"name\": \"k\", \"handler\": {\"http\": {\"url\": "
        "\"http://x\", \"headers\": {}}}}]}", "\"k\"",
      "unknown key \"headers\" in \"http\". The keys are \"url\", "
        "\"timeout-ms\""},
};

static void
test_parse_bad_files (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad_cases); i++) {
    const BadCase *c = &bad_cases[i];
    g_autoptr (GError) error = NULL;
    g_autoptr (VpTools) tools = vp_tools_parse (c->json, -1,
        "/etc/voxpipe/bad.tools.json", &error);

    g_test_message ("bad tools file %u: %s", i, c->json);
    g_assert_null (tools);
    g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
    g_test_message ("  → %s", error->message);
    /* The file, the tool and the problem. */
    assert_contains (error->message, "/etc/voxpipe/bad.tools.json");
    if (c->tool != NULL)
      assert_contains (error->message, c->tool);
    assert_contains (error->message, c->words);
  }
}

static void
test_load_bad_files (void)
{
  static const struct
  {
    const gchar *file;
    const gchar *tool;
    const gchar *words;
  } files[] = {
    {"tools-bad-handler.json", "\"book_table\"", "exactly one of"},
    {"tools-bad-timeout.json", "\"get_menu\"", "\"timeout-ms\""},
    {"tools-bad-syntax.json", NULL, "not valid JSON"},
    {"no-such-file.tools.json", NULL, "Check the path"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree gchar *path = data_path (files[i].file);
    g_autoptr (GError) error = NULL;
    g_autoptr (VpTools) tools = vp_tools_load (path, &error);

    g_assert_null (tools);
    g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
    g_test_message ("%s → %s", files[i].file, error->message);
    assert_contains (error->message, path);
    if (files[i].tool != NULL)
      assert_contains (error->message, files[i].tool);
    assert_contains (error->message, files[i].words);
  }
}

/* Declarations reach setup: JSON Schema as it is, or the OpenAPI subset
 * for the models that only take that. */

#define SCHEMA_TOOLS \
  "{\"tools\": [{\"name\": \"get_weather\", \"description\": \"Weather\", " \
  "\"parameters\": {\"type\": \"object\", \"properties\": {" \
  "\"city\": {\"type\": \"string\", \"description\": \"City\"}, " \
  "\"days\": {\"type\": \"integer\", \"minimum\": 1}, " \
  "\"unit\": {\"type\": [\"string\", \"null\"]}}, " \
  "\"required\": [\"city\"], \"additionalProperties\": false}, " \
  "\"handler\": {\"result\": {\"tempC\": 21}}}]}"

#define WEATHER_SCENARIO \
  "{\"turns\": [{\"match\": {\"text\": [\"weather\"], \"in-order\": false}," \
  " \"calls\": [{\"name\": \"get_weather\", \"args\": {\"city\": \"Paris\"}}]}]}"

static void
test_wire_json_schema (Fixture * f, gconstpointer data)
{
  g_autoptr (JsonObject) setup = NULL;
  g_autoptr (JsonNode) expected = json_from_string ("{\"type\": \"object\", "
      "\"properties\": {\"city\": {\"type\": \"string\", \"description\": "
      "\"City\"}, \"days\": {\"type\": \"integer\", \"minimum\": 1}, "
      "\"unit\": {\"type\": [\"string\", \"null\"]}}, \"required\": "
      "[\"city\"], \"additionalProperties\": false}", NULL);
  JsonObject *decl;

  fixture_start (f, MODEL_31, WEATHER_SCENARIO, SCHEMA_TOOLS);
  setup = record_setup (f->emulator);
  decl = find_declaration (setup, "get_weather");
  g_assert_cmpstr (json_object_get_string_member (decl, "description"), ==,
      "Weather");
  /* Unchanged, lowercase types, every keyword. */
  g_assert_false (json_object_has_member (decl, "parameters"));
  g_assert_true (json_node_equal (json_object_get_member (decl,
              "parametersJsonSchema"), expected));
  g_assert_cmpuint (f->warnings->len, ==, 0);
}

static void
test_wire_openapi (Fixture * f, gconstpointer data)
{
  g_autoptr (JsonObject) setup = NULL;
  JsonObject *decl, *params, *props;

  fixture_start (f, MODEL_OPENAPI, WEATHER_SCENARIO, SCHEMA_TOOLS);
  setup = record_setup (f->emulator);
  decl = find_declaration (setup, "get_weather");
  g_assert_false (json_object_has_member (decl, "parametersJsonSchema"));
  params = json_object_get_object_member (decl, "parameters");
  g_assert_nonnull (params);
  g_assert_cmpstr (json_object_get_string_member (params, "type"), ==,
      "OBJECT");
  props = json_object_get_object_member (params, "properties");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member
          (props, "city"), "type"), ==, "STRING");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member
          (props, "city"), "description"), ==, "City");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member
          (props, "days"), "type"), ==, "INTEGER");
  /* ["string", "null"] is a nullable STRING. */
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member
          (props, "unit"), "type"), ==, "STRING");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member
          (props, "unit"), "nullable"));
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member
          (params, "required"), 0), ==, "city");
  /* A keyword the subset lacks is dropped. */
  g_assert_false (json_object_has_member (params, "additionalProperties"));

  /* And the call works on that model too. */
  turn (f, "weather please");
  g_assert_cmpuint (recorder_count (f->r, "tool-result:"), ==, 1);
}

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
  id = started_id (f->r, "get_weather", 0);
  g_assert_cmpuint (recorder_count (f->r, "tool-started:"), ==, 1);
  event = recorder_event (f->r, recorder_wait (f->r, "tool-started:", NULL));
  g_assert_true (g_str_has_suffix (event, ":get_weather:result"));
  /* A handled call is not asked of the application. */
  g_assert_cmpuint (recorder_count (f->r, "tool-call:"), ==, 0);

  sent = record_response_text (f->emulator, id);
  got = json_from_string (sent, NULL);
  expected_text = g_strdup_printf ("{\"id\": \"%s\", \"name\": "
      "\"get_weather\", \"response\": {\"output\": {\"tempC\": 21}}}", id);
  expected = json_from_string (expected_text, NULL);
  g_assert_true (json_node_equal (got, expected));
  reported = recorder_dup_result (f->r, id);
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

  id_ok = started_id (f->r, "h_ok", 0);
  id_status = started_id (f->r, "h_status", 0);
  id_html = started_id (f->r, "h_html", 0);
  id_refused = started_id (f->r, "h_refused", 0);

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
  id = started_id (f->r, "e_echo", 0);
  echo = record_response_text (f->emulator, id);
  sent = json_from_string (echo, NULL);
  output = json_object_get_object_member (json_object_get_object_member
      (json_node_get_object (sent), "response"), "output");
  g_assert_true (json_node_equal (json_object_get_member (output, "stdin"),
          args));
  g_assert_cmpstr (json_object_get_string_member (output, "arg"), ==,
      "first arg; $(not a shell)");

  g_free (id);
  id = started_id (f->r, "e_fail", 0);
  fail = record_response_text (f->emulator, id);
  assert_contains (fail, "\"response\":{\"error\":");
  assert_contains (fail, "exited with status 3");
  assert_contains (fail, "the database is locked");

  g_free (id);
  id = started_id (f->r, "e_text", 0);
  text = record_response_text (f->emulator, id);
  assert_contains (text, "\"response\":{\"error\":");
  assert_contains (text, "did not answer JSON");

  if (!valgrind) {
    g_free (id);
    id = started_id (f->r, "e_missing", 0);
    missing = record_response_text (f->emulator, id);
    assert_contains (missing, "\"response\":{\"error\":");
    assert_contains (missing, "could not start");
  } else {
    g_test_message ("under valgrind: a program that cannot start is not "
        "tried");
  }

  g_free (id);
  id = started_id (f->r, "e_deaf", 0);
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
  at = recorder_mark (f->r);
  vp_live_session_send_text (f->session, "the slow one");
  pid = wait_pid_file (pid_file);
  g_assert_cmpint (pid, >, 1);
  g_assert_false (process_gone (pid));

  recorder_wait (f->r, "tool-result:", &at);
  recorder_wait (f->r, "turn-complete", &at);
  id = started_id (f->r, "e_slow", 0);
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
  id = started_id (f->r, "rel_echo", 0);
  sent = record_response_text (f->emulator, id);
  assert_contains (sent, "\"output\":{\"stdin\":{\"x\":1},"
      "\"arg\":\"next to the file\"}");
}

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
  f->r->app_delay_ms = 700;
  at = recorder_mark (f->r);
  vp_live_session_send_text (f->session, "look it up");
  started = recorder_event (f->r, recorder_wait (f->r, "tool-started:", &at));
  asked = recorder_event (f->r, recorder_wait (f->r, "tool-call:", &at));
  asked_us = g_get_monotonic_time ();
  id = started_id (f->r, "app_lookup", 0);
  /* tool-started says who answers; tool-call asks the application. */
  g_assert_true (g_str_has_suffix (started, ":app_lookup:app"));
  g_assert_true (g_str_has_prefix (asked + strlen ("tool-call:"), id));
  assert_contains (asked, ":app_lookup:{\"key\":\"k1\"}");

  /* Nothing is sent for the app call until the app answers. */
  g_usleep (300 * 1000);
  g_assert_cmpuint (record_count_for (f->emulator, id), ==, 0);

  recorder_wait (f->r, "answer-ok:", &at);
  answered_us = g_get_monotonic_time ();
  recorder_wait (f->r, "turn-complete", &at);
  g_assert_cmpint (answered_us - asked_us, >=, 300 * 1000);

  /* Answered from the answerer's thread, not the test's or the
   * network's; and exactly that answer reached the service. */
  g_mutex_lock (&f->r->lock);
  thread = g_hash_table_lookup (f->r->answered_by, id);
  g_mutex_unlock (&f->r->lock);
  g_assert_true (thread == f->r->answerer);
  sent = record_response_text (f->emulator, id);
  expected = g_strdup_printf ("{\"id\":\"%s\",\"name\":\"app_lookup\","
      "\"response\":{\"output\":{\"by\":\"app\",\"id\":\"%s\"}}}", id, id);
  g_assert_cmpstr (sent, ==, expected);
  g_assert_cmpuint (recorder_count (f->r, "tool-result:"), ==, 1);
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
  gint warnings = g_atomic_int_get (&n_deadline_warnings);
  gint64 start;
  guint at;

  fixture_start (f, MODEL_31, scenario, APP_TOOLS);
  at = recorder_mark (f->r);
  start = g_get_monotonic_time ();
  vp_live_session_send_text (f->session, "ask the app");
  recorder_wait (f->r, "tool-result:", &at);
  id = started_id (f->r, "never_answered", 0);
  undeclared = started_id (f->r, "not_declared", 0);

  /* The tool's timeout-ms, then an error response with that id. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  sent = record_response_text (f->emulator, id);
  assert_contains (sent, "\"name\":\"never_answered\"");
  assert_contains (sent, "\"response\":{\"error\":");
  assert_contains (sent, "did not answer within 300 ms");
  reported = recorder_dup_result (f->r, id);
  assert_contains (reported, "\"error\"");
  g_assert_cmpint (g_atomic_int_get (&n_deadline_warnings), >, warnings);

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
  recorder_wait (f->r, "turn-complete", &at);
  g_assert_cmpuint (record_count_for (f->emulator, id), ==, 1);
  g_free (sent);
  sent = record_response_text (f->emulator, undeclared);
  assert_contains (sent, "\"response\":{\"output\":{\"ok\":1}}");
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
  at = recorder_mark (f->r);
  start = g_get_monotonic_time ();
  vp_live_session_send_text (f->session, "both please");
  g_ptr_array_unref (recorder_wait_n (f->r, "tool-result:", at, 2));
  elapsed = g_get_monotonic_time () - start;
  recorder_wait (f->r, "turn-complete", &at);

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
    g_autofree gchar *expected_id = started_id (f->r, name, 0);
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

  at = recorder_mark (f->r);
  vp_live_session_send_text (f->session, "four slow ones");
  g_ptr_array_unref (recorder_wait_n (f->r, "tool-result:", at, 4));
  recorder_wait (f->r, "turn-complete", &at);

  /* The four requests were at the server at the same time, and each
   * answer went back under its own id. */
  g_mutex_lock (&http.lock);
  max = http.max_in_flight;
  g_mutex_unlock (&http.lock);
  g_test_message ("requests in flight at once: %u", max);
  g_assert_cmpuint (max, ==, 4);
  g_assert_cmpuint (recorder_count (f->r, "tool-started:"), ==, 4);
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

  cancelled = recorder_wait_n (f->r, "tool-call-cancelled:", at, 3);

  /* The process is gone and the HTTP request was abandoned. */
  g_assert_true (wait_process_gone (pid, 5000));
  g_assert_true (http_wait_client_gone (sock, 5000));

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autofree gchar *id = started_id (f->r, names[i], 0);
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
  g_assert_cmpuint (recorder_count (f->r, "tool-result:"), ==, 0);
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

  at = recorder_mark (f->r);
  vp_live_session_send_text (f->session, "hold everything");
  g_ptr_array_unref (recorder_wait_n (f->r, "tool-started:", at, 3));
  pid = wait_pid_file (pid_file);
  sock = http_wait_held (held + 1);
  g_assert_false (process_gone (pid));
  g_assert_false (http_wait_client_gone (sock, 0));

  /* The user talks while the calls are pending. */
  vp_live_session_send_text (f->session, "no wait");
  recorder_wait (f->r, "interrupted", &at);
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

  at = recorder_mark (f->r);
  vp_live_session_send_text (f->session, "hold everything");
  g_ptr_array_unref (recorder_wait_n (f->r, "tool-started:", at, 3));
  pid = wait_pid_file (pid_file);
  sock = http_wait_held (held + 1);

  /* Push-to-talk pressed while the calls are pending. */
  vp_live_session_send_activity_start (f->session);
  recorder_wait (f->r, "interrupted", &at);
  vp_live_session_send_activity_end (f->session);
  check_cancelled (f, at, pid, sock);
}

/* Per model: NON_BLOCKING and scheduling */

static void
test_model_25_non_blocking (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"order\"]}, \"calls\": [{\"name\": \"notify_kitchen\", \"args\": {}}, "
      "{\"name\": \"log_visit\", \"args\": {}}]}]}";
  g_autofree gchar *path = data_path ("tools-non-blocking.json");
  g_autofree gchar *contents = NULL;
  g_autoptr (JsonObject) setup = NULL;
  g_autofree gchar *kitchen_id = NULL, *visit_id = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) kitchen = NULL, visit = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  fixture_start (f, MODEL_25, scenario, contents);
  g_assert_cmpuint (f->warnings->len, ==, 0);

  setup = record_setup (f->emulator);
  g_assert_cmpstr (json_object_get_string_member (find_declaration (setup,
              "notify_kitchen"), "behavior"), ==, "NON_BLOCKING");
  g_assert_cmpstr (json_object_get_string_member (find_declaration (setup,
              "log_visit"), "behavior"), ==, "NON_BLOCKING");

  turn (f, "place the order");
  kitchen_id = started_id (f->r, "notify_kitchen", 0);
  visit_id = started_id (f->r, "log_visit", 0);
  root = record_parse (f->emulator);
  kitchen = record_responses_for (root, kitchen_id);
  visit = record_responses_for (root, visit_id);
  g_assert_cmpuint (kitchen->len, ==, 1);
  g_assert_cmpuint (visit->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (kitchen,
              0), "scheduling"), ==, "WHEN_IDLE");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (visit,
              0), "scheduling"), ==, "SILENT");
}

static void
test_model_31_drops_non_blocking (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"order\"]}, \"calls\": [{\"name\": \"notify_kitchen\", \"args\": {}}, "
      "{\"name\": \"log_visit\", \"args\": {}}]}]}";
  g_autofree gchar *path = data_path ("tools-non-blocking.json");
  g_autofree gchar *contents = NULL;
  g_autoptr (JsonObject) setup = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  guint i;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  fixture_start (f, MODEL_31, scenario, contents);

  /* Reported, once per tool, naming the tool and what was left out. */
  for (i = 0; i < f->warnings->len; i++)
    g_test_message ("warning: %s", (gchar *) f->warnings->pdata[i]);
  g_assert_cmpuint (f->warnings->len, >=, 2);
  assert_contains (f->warnings->pdata[0], "notify_kitchen");
  assert_contains (f->warnings->pdata[0], "NON_BLOCKING");
  assert_contains (f->warnings->pdata[0], MODEL_31);

  setup = record_setup (f->emulator);
  g_assert_false (json_object_has_member (find_declaration (setup,
              "notify_kitchen"), "behavior"));
  g_assert_false (json_object_has_member (find_declaration (setup,
              "log_visit"), "behavior"));

  turn (f, "place the order");
  root = record_parse (f->emulator);
  entries = record_responses (root);
  g_assert_cmpuint (entries->len, ==, 2);
  for (i = 0; i < entries->len; i++)
    g_assert_false (json_object_has_member (g_ptr_array_index (entries, i),
            "scheduling"));
}

static void
test_model_31_scheduling_alone_warns (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VpTools) tools = vp_tools_parse ("{\"tools\": [{\"name\": "
      "\"quiet\", \"scheduling\": \"SILENT\"}]}", -1, "s.json", &error);
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonArray) wire = NULL;

  g_assert_no_error (error);
  wire = vp_tools_to_wire (tools, MODEL_31, warnings);
  g_assert_cmpuint (warnings->len, ==, 1);
  assert_contains (warnings->pdata[0], "quiet");
  assert_contains (warnings->pdata[0], "SILENT");

  g_ptr_array_set_size (warnings, 0);
  json_array_unref (g_steal_pointer (&wire));
  wire = vp_tools_to_wire (tools, MODEL_25, warnings);
  g_assert_cmpuint (warnings->len, ==, 0);
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
  id = started_id (f->r, "end_call", 0);
  g_assert_cmpuint (recorder_count (f->r, "end-call"), ==, 1);
  event = recorder_event (f->r, recorder_wait (f->r, "tool-started:", NULL));
  g_assert_true (g_str_has_suffix (event, ":end_call:builtin"));
  /* The model gets its answer, so it can finish the goodbye. */
  sent = record_response_text (f->emulator, id);
  assert_contains (sent, "\"response\":{\"output\":{\"ok\":true}}");
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
  guint at = recorder_mark (f->r);
  gint64 start = g_get_monotonic_time ();
  gint64 deadline;
  RoundTime *time;
  guint i;

  vp_live_session_send_text (f->session, round->word);
  started = recorder_wait_n (f->r, "tool-started:", at, round->n_calls);

  if (round->cancel) {
    /* Barge in while the calls are pending: the model's turn ends
     * (interrupted), then the fallback answers the interruption. */
    vp_live_session_send_text (f->session, "hush");
    recorder_wait (f->r, "interrupted", &at);
    recorder_wait (f->r, "turn-complete", &at);
    recorder_wait (f->r, "turn-complete", &at);
    for (i = 0; i < started->len; i++) {
      const gchar *event = g_ptr_array_index (started, i);
      if (strstr (event, ":hold_app:") != NULL)
        g_ptr_array_add (hold_app_ids, g_strndup (event, strchr (event,
                    ':') - event));
    }
  } else {
    recorder_wait (f->r, "turn-complete", &at);
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
  gint warnings = g_atomic_int_get (&n_deadline_warnings);

  fixture_start (f, MODEL_31, MANY_SCENARIO, MANY_TOOLS);
  f->r->app_delay_ms = 1;

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
  n_app_asked = recorder_count (f->r, "tool-call:");
  g_assert_cmpuint (n_app_asked, ==, by_app + timed_out + hold_app_ids->len);
  g_ptr_array_unref (recorder_wait_n (f->r, "answer-ok:", 0, by_app));
  g_assert_cmpuint (recorder_count (f->r, "answer-refused:"), ==, 0);
  for (i = 0; i < hold_app_ids->len; i++) {
    const gchar *id = g_ptr_array_index (hold_app_ids, i);
    g_autoptr (GError) error = NULL;

    g_assert_false (vp_live_session_send_tool_response (f->session, id,
            "{}", &error));
    g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
  }
  g_assert_cmpint (g_atomic_int_get (&n_deadline_warnings) - warnings, ==,
      timed_out);

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

  g_test_add_func ("/tools/file/every-field", test_parse_every_field);
  g_test_add_func ("/tools/file/bad", test_parse_bad_files);
  g_test_add_func ("/tools/file/bad-files", test_load_bad_files);
  g_test_add_func ("/tools/model/3.1-scheduling-alone-warns",
      test_model_31_scheduling_alone_warns);

#define ADD(name, func) \
  g_test_add ("/tools/" name, Fixture, NULL, fixture_set_up, func, \
      fixture_tear_down)
  ADD ("wire/json-schema", test_wire_json_schema);
  ADD ("wire/openapi-subset", test_wire_openapi);
  ADD ("handler/result", test_result_handler);
  ADD ("handler/http", test_http_handler);
  ADD ("handler/exec", test_exec_handler);
  ADD ("handler/exec-timeout-kills", test_exec_timeout_kills);
  ADD ("handler/exec-next-to-the-file", test_exec_next_to_file);
  ADD ("handler/end-call", test_end_call_builtin);
  ADD ("app/answers-later-from-thread", test_app_answers_later_from_thread);
  ADD ("app/deadline", test_app_deadline);
  ADD ("parallel/exec-overlap", test_parallel_exec);
  ADD ("parallel/http-four-at-once", test_parallel_http);
  ADD ("unknown-id-refused", test_unknown_id_refused);
  ADD ("cancel/text-barge-in", test_cancel_text_barge_in);
  ADD ("cancel/activity-start", test_cancel_activity_start);
  ADD ("model/2.5-non-blocking", test_model_25_non_blocking);
  ADD ("model/3.1-drops-non-blocking", test_model_31_drops_non_blocking);
  ADD ("no-call-lost", test_no_call_lost);
#undef ADD

  ret = g_test_run ();
  http_stop ();
  return ret;
}
