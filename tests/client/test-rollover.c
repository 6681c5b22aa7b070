/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A goAway around a turn (issue 16.1), against a small scripted Live
 * server written here from PROTOCOL.md (not the emulator): the service
 * sends the handle that includes a turn in the sessionResumptionUpdate
 * right after turnComplete.  In every order goAway, the turn's end and
 * that update can come in, the next connection must resume with the
 * newest resumable handle read, waiting for the turn's own within a bound
 * and never past the goAway's time left.  The handle the second
 * connection's setup carries is the proof. */

#include "config.h"

#include <voxpipe.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define WAIT_S 20

#define SETUP_COMPLETE "{\"setupComplete\":{}}"
#define UPDATE(h) "{\"sessionResumptionUpdate\":{\"newHandle\":\"" h "\"," \
  "\"resumable\":true}}"
#define GO_AWAY(left) "{\"goAway\":{\"timeLeft\":\"" left "\"}}"
#define CONTENT "{\"serverContent\":{\"modelTurn\":{\"parts\":[{\"text\":" \
  "\"Hello there.\"}]}}}"
#define TURN_COMPLETE "{\"serverContent\":{\"turnComplete\":true}}"

typedef struct
{
  const gchar *message;
  guint delay_ms;               /* after the one before */
} Step;

typedef struct
{
  const Step *script;           /* sent when the user's text arrives */
  SoupServer *server;
  GSocketService *service;      /* accepts for the server (see on_incoming) */
  GPtrArray *connections;       /* SoupWebsocketConnection */
  gchar *second_handle;         /* the second setup's resumption handle */
  gboolean second_setup;
  gboolean scripted;
  const Step *next;
  guint step_id;                /* the next step's timeout, or 0 */
} Server;

static void send_script (Server * s);

static gboolean
on_step_due (gpointer data)
{
  Server *s = data;
  SoupWebsocketConnection *first = g_ptr_array_index (s->connections, 0);

  s->step_id = 0;
  if (soup_websocket_connection_get_state (first) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (first, s->next->message);
  s->next++;
  send_script (s);
  return G_SOURCE_REMOVE;
}

/* Sends the script from s->next on, each step after its delay. */
static void
send_script (Server * s)
{
  SoupWebsocketConnection *first = g_ptr_array_index (s->connections, 0);

  while (s->next->message != NULL && s->next->delay_ms == 0) {
    if (soup_websocket_connection_get_state (first) ==
        SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_send_text (first, s->next->message);
    s->next++;
  }
  if (s->next->message != NULL)
    s->step_id = g_timeout_add (s->next->delay_ms, on_step_due, s);
}

static gchar *
setup_handle (const gchar * text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root, *setup, *resumption;

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  setup = json_object_get_object_member (root, "setup");
  if (setup == NULL || !json_object_has_member (setup, "sessionResumption"))
    return g_strdup ("(none)");
  resumption = json_object_get_object_member (setup, "sessionResumption");
  if (!json_object_has_member (resumption, "handle"))
    return g_strdup ("(none)");
  return g_strdup (json_object_get_string_member (resumption, "handle"));
}

static void
on_message (SoupWebsocketConnection * ws, gint type, GBytes * bytes, Server * s)
{
  g_autofree gchar *text = g_strndup (g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes));
  gboolean first = ws == g_ptr_array_index (s->connections, 0);


  if (strstr (text, "\"setup\"") != NULL) {
    if (first) {
      soup_websocket_connection_send_text (ws, SETUP_COMPLETE);
      soup_websocket_connection_send_text (ws, UPDATE ("h1"));
    } else if (!s->second_setup) {
      s->second_setup = TRUE;
      s->second_handle = setup_handle (text);
      soup_websocket_connection_send_text (ws, SETUP_COMPLETE);
    }
  } else if (first && !s->scripted && strstr (text, "realtimeInput")) {
    s->scripted = TRUE;
    s->next = s->script;
    send_script (s);
  }
}

static void
on_websocket (SoupServer * server, SoupServerMessage * msg, const char *path,
    SoupWebsocketConnection * ws, gpointer data)
{
  Server *s = data;

  g_ptr_array_add (s->connections, g_object_ref (ws));
  g_signal_connect (ws, "message", G_CALLBACK (on_message), s);
}

/* Connections are accepted here and handed to the server as streams:
 * libsoup 3.2's own listener leaks every accepted GSocket (as in
 * tools-fixture.c and the emulator). */
static gboolean
on_incoming (GSocketService * service, GSocketConnection * connection,
    GObject * source, gpointer data)
{
  Server *s = data;
  g_autoptr (GSocketAddress) local =
      g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote =
      g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr (GError) error = NULL;

  if (!soup_server_accept_iostream (s->server, G_IO_STREAM (connection),
          local, remote, &error))
    g_error ("cannot accept: %s", error->message);
  return TRUE;
}

/* The session's state changes on its network thread: poll it. */
static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer data)
{
  g_error ("no second connection within %d s", WAIT_S);
  return G_SOURCE_REMOVE;
}

/* Runs @script against a session; returns the handle the next
 * connection resumed with. */
static gchar *
resumed_with (const Step * script)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VpSetupConfig) setup = vp_setup_config_new ();
  g_autofree gchar *url = NULL;
  Server s = { 0, };
  VpLiveSession *session;
  g_autoptr (GInetAddress) loopback = NULL;
  g_autoptr (GSocketAddress) wanted = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  guint timeout, tick, i;
  gchar *handle;

  s.script = script;
  s.connections = g_ptr_array_new_with_free_func (g_object_unref);
  s.server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (s.server, NULL, NULL, NULL,
      on_websocket, &s, NULL);
  s.service = g_socket_service_new ();
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  wanted = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER
          (s.service), wanted, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
          NULL, &bound, &error));
  g_assert_no_error (error);
  g_signal_connect (s.service, "incoming", G_CALLBACK (on_incoming), &s);
  url = g_strdup_printf ("ws://127.0.0.1:%u/",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  session = vp_live_session_new ();
  setup->model = g_strdup (VP_DEFAULT_MODEL);
  setup->session_resumption = TRUE;
  vp_live_session_set_setup (session, setup);
  g_object_set (session, "endpoint", url, "api-key", "test-key",
      "connect-timeout", 5000, NULL);
  vp_live_session_connect (session);

  timeout = g_timeout_add_seconds (WAIT_S, on_timeout, NULL);
  tick = g_timeout_add (10, on_tick, NULL);
  while (s.connections->len == 0
      || vp_live_session_get_state (session) != VP_SESSION_STATE_READY)
    g_main_context_iteration (NULL, TRUE);
  vp_live_session_send_text (session, "hello");
  while (!s.second_setup)
    g_main_context_iteration (NULL, TRUE);
  vp_live_session_close (session);
  g_object_unref (session);
  /* The server's side closes too, and its main-context work is run, so
   * nothing of it outlives this function (the sanitizers' leak check). */
  if (s.step_id != 0)
    g_source_remove (s.step_id);
  for (i = 0; i < s.connections->len; i++) {
    SoupWebsocketConnection *ws = g_ptr_array_index (s.connections, i);

    g_signal_handlers_disconnect_by_data (ws, &s);
    if (soup_websocket_connection_get_state (ws) != SOUP_WEBSOCKET_STATE_CLOSED)
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  }
  for (i = 0; i < s.connections->len; i++) {
    SoupWebsocketConnection *ws = g_ptr_array_index (s.connections, i);

    while (soup_websocket_connection_get_state (ws) !=
        SOUP_WEBSOCKET_STATE_CLOSED)
      g_main_context_iteration (NULL, TRUE);
  }
  g_source_remove (timeout);
  g_source_remove (tick);
  g_socket_service_stop (s.service);
  g_socket_listener_close (G_SOCKET_LISTENER (s.service));
  g_object_unref (s.service);
  soup_server_disconnect (s.server);
  g_object_unref (s.server);
  g_ptr_array_unref (s.connections);
  while (g_main_context_iteration (NULL, FALSE));
  handle = s.second_handle;
  g_test_message ("resumed with %s", handle);
  return handle;
}

static void
check (const Step * script, const gchar * expected)
{
  g_autofree gchar *handle = resumed_with (script);

  g_assert_cmpstr (handle, ==, expected);
}

/* goAway mid-turn, then the turn ends, then its handle. */
static void
test_go_away_turn_handle (void)
{
  static const Step script[] = { {GO_AWAY ("20s")}, {CONTENT},
  {TURN_COMPLETE}, {UPDATE ("h2")}, {NULL}
  };
  check (script, "h2");
}

/* The handle comes late after turnComplete: still waited for. */
static void
test_go_away_turn_late_handle (void)
{
  static const Step script[] = { {GO_AWAY ("20s")}, {CONTENT},
  {TURN_COMPLETE}, {UPDATE ("h2"), 300}, {NULL}
  };
  check (script, "h2");
}

/* goAway right after turnComplete, before the turn's handle. */
static void
test_turn_go_away_handle (void)
{
  static const Step script[] = { {CONTENT}, {TURN_COMPLETE},
  {GO_AWAY ("20s")}, {UPDATE ("h2")}, {NULL}
  };
  check (script, "h2");
}

/* The handle before goAway: no wait needed. */
static void
test_turn_handle_go_away (void)
{
  static const Step script[] = { {CONTENT}, {TURN_COMPLETE},
  {UPDATE ("h2")}, {GO_AWAY ("20s")}, {NULL}
  };
  check (script, "h2");
}

/* goAway mid-turn, the handle before turnComplete: the newest read. */
static void
test_go_away_handle_turn (void)
{
  static const Step script[] = { {GO_AWAY ("20s")}, {CONTENT},
  {UPDATE ("h2")}, {TURN_COMPLETE}, {NULL}
  };
  check (script, "h2");
}

/* No handle follows the turn: the bound ends the wait, with the newest
 * handle read. */
static void
test_no_handle_follows (void)
{
  static const Step script[] = { {GO_AWAY ("20s")}, {CONTENT},
  {TURN_COMPLETE}, {NULL}
  };
  check (script, "h1");
}

/* A handle that would come after the goAway's time left is not waited
 * for: the switch happens before the service's deadline. */
static void
test_never_past_time_left (void)
{
  static const Step script[] = { {GO_AWAY ("1.5s")}, {CONTENT},
  {TURN_COMPLETE}, {UPDATE ("h2"), 5000}, {NULL}
  };
  check (script, "h1");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rollover/go-away-turn-handle", test_go_away_turn_handle);
  g_test_add_func ("/rollover/go-away-turn-late-handle",
      test_go_away_turn_late_handle);
  g_test_add_func ("/rollover/turn-go-away-handle", test_turn_go_away_handle);
  g_test_add_func ("/rollover/turn-handle-go-away", test_turn_handle_go_away);
  g_test_add_func ("/rollover/go-away-handle-turn", test_go_away_handle_turn);
  g_test_add_func ("/rollover/no-handle-follows", test_no_handle_follows);
  g_test_add_func ("/rollover/never-past-time-left", test_never_past_time_left);
  return g_test_run ();
}
