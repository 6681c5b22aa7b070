/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The front door: the listening socket (TCP_NODELAY, wss:// with a
 * certificate), the SoupServer's routing of the Live API paths, the
 * credential check and the WebSocket upgrade that hands each connection,
 * read through a gate stream, to vp-emu-conn. */

#include "config.h"

#include "vp-emu-server.h"
#include "vp-emu-conn.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

static gchar *
address_key (GSocketAddress * address)
{
  return address ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE
      (address)) : g_strdup ("");
}

typedef struct
{
  VpEmulator *emu;
  gchar *path;
  gchar *api_version;
  gboolean auth_ok;
  GSocket *socket;
} Upgrade;

static void
upgrade_free (gpointer data, GClosure * closure)
{
  Upgrade *u = data;

  g_free (u->path);
  g_free (u->api_version);
  g_clear_object (&u->socket);
  g_free (u);
}

static void
on_wrote_informational (SoupServerMessage * msg, gpointer user_data)
{
  Upgrade *u = user_data;
  GIOStream *base, *wrapped;
  VpEmuGateStream *gate;
  SoupWebsocketConnection *ws;
  SoupMessageHeaders *headers;

  if (soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS)
    return;

  g_object_ref (msg);
  base = soup_server_message_steal_connection (msg);
  gate = vp_emu_gate_stream_new (base);
  wrapped = g_simple_io_stream_new (G_INPUT_STREAM (gate),
      g_io_stream_get_output_stream (base));
  headers = soup_server_message_get_request_headers (msg);
  ws = soup_websocket_connection_new (wrapped, soup_server_message_get_uri
      (msg), SOUP_WEBSOCKET_CONNECTION_SERVER,
      soup_message_headers_get_one (headers, "Origin"), NULL, NULL);

  vp_emu_conn_open (u->emu, ws, gate, u->socket, u->path, u->api_version,
      u->auth_ok);

  g_object_unref (ws);
  g_object_unref (wrapped);
  g_object_unref (gate);
  g_object_unref (base);
  g_object_unref (msg);
}

/* Accepts /ws/google.ai.generativelanguage.{v1beta|v1alpha}.GenerativeService.
 * {BidiGenerateContent|BidiGenerateContentConstrained}, with any number of
 * leading slashes (the JS SDK sends "//ws/…"). */
static gboolean
parse_path (const gchar * path, gchar ** api_version)
{
  static const gchar prefix[] = "ws/google.ai.generativelanguage.";
  const gchar *p = path;
  const gchar *versions[] = { "v1beta", "v1alpha" };
  guint i;

  if (p == NULL || *p != '/')
    return FALSE;
  while (*p == '/')
    p++;
  if (!g_str_has_prefix (p, prefix))
    return FALSE;
  p += strlen (prefix);

  for (i = 0; i < G_N_ELEMENTS (versions); i++) {
    gsize len = strlen (versions[i]);

    if (strncmp (p, versions[i], len) == 0
        && (g_str_equal (p + len, ".GenerativeService.BidiGenerateContent")
            || g_str_equal (p + len,
                ".GenerativeService.BidiGenerateContentConstrained"))) {
      *api_version = g_strdup (versions[i]);
      return TRUE;
    }
  }

  return FALSE;
}

/* The credential: ?key=, ?access_token=, x-goog-api-key or
 * "Authorization: Token …".  Never logged. */
static gchar *
find_credential (SoupServerMessage * msg, GHashTable * query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const gchar *value;

  if (query != NULL) {
    value = g_hash_table_lookup (query, "key");
    if (value != NULL && *value != '\0')
      return g_strdup (value);
    value = g_hash_table_lookup (query, "access_token");
    if (value != NULL && *value != '\0')
      return g_strdup (value);
  }

  value = soup_message_headers_get_one (headers, "x-goog-api-key");
  if (value != NULL && *value != '\0')
    return g_strdup (value);

  value = soup_message_headers_get_one (headers, "Authorization");
  if (value != NULL && g_ascii_strncasecmp (value, "Token ", 6) == 0
      && value[6] != '\0')
    return g_strdup (value + 6);

  return NULL;
}

static void
not_found (SoupServerMessage * msg)
{
  static const gchar body[] = "Not found. The Voxpipe emulator serves "
      "WebSocket upgrades on "
      "/ws/google.ai.generativelanguage.v1beta.GenerativeService."
      "BidiGenerateContent\n";

  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
      body, strlen (body));
}

static void
server_callback (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  VpEmulator *emu = user_data;
  gchar *api_version = NULL, *credential, *api_key;
  gboolean auth_ok;
  Upgrade *u;
  GError *error = NULL;

  if (!parse_path (path, &api_version)) {
    g_debug ("emulator: HTTP %s %s: not a Live API path",
        soup_server_message_get_method (msg), path);
    not_found (msg);
    return;
  }

  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &error)) {
    gchar *body = g_strdup_printf ("This is a WebSocket endpoint: %s\n",
        error->message);

    g_debug ("emulator: HTTP %s %s: not a WebSocket upgrade",
        soup_server_message_get_method (msg), path);
    soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_TAKE,
        body, strlen (body));
    g_clear_error (&error);
    g_free (api_version);
    return;
  }

  credential = find_credential (msg, query);
  g_mutex_lock (&emu->lock);
  api_key = g_strdup (emu->api_key);
  g_mutex_unlock (&emu->lock);
  if (api_key != NULL && *api_key != '\0')
    auth_ok = credential != NULL && g_str_equal (credential, api_key);
  else
    auth_ok = credential != NULL && *credential != '\0';
  g_free (api_key);
  g_free (credential);

  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL)) {
    g_free (api_version);
    return;
  }

  u = g_new0 (Upgrade, 1);
  u->emu = emu;
  u->path = g_strdup (path);
  u->api_version = api_version;
  u->auth_ok = auth_ok;
  {
    gchar *key = address_key (soup_server_message_get_remote_address (msg));
    gpointer socket = NULL, stolen_key = NULL;

    g_hash_table_steal_extended (emu->sockets, key, &stolen_key, &socket);
    u->socket = socket;
    g_free (stolen_key);
    g_free (key);
  }
  g_signal_connect_data (msg, "wrote-informational",
      G_CALLBACK (on_wrote_informational), u, upgrade_free, 0);
}

static gboolean
on_incoming (GSocketService * service, GSocketConnection * connection,
    GObject * source, gpointer user_data)
{
  VpEmulator *emu = user_data;
  GSocketAddress *local, *remote;
  GTlsCertificate *certificate;
  GIOStream *stream;
  GHashTableIter iter;
  gpointer value;
  GError *error = NULL;

  /* Forget the sockets of requests that never upgraded. */
  g_hash_table_iter_init (&iter, emu->sockets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_socket_is_closed (value))
      g_hash_table_iter_remove (&iter);

  /* Like the service: small frames go out at once (no Nagle delay). */
  g_socket_set_option (g_socket_connection_get_socket (connection),
      IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  local = g_socket_connection_get_local_address (connection, NULL);
  remote = g_socket_connection_get_remote_address (connection, NULL);
  /* Kept so that faults and stop() can shut the TCP connection down. */
  g_hash_table_insert (emu->sockets, address_key (remote),
      g_object_ref (g_socket_connection_get_socket (connection)));

  g_mutex_lock (&emu->lock);
  certificate = emu->tls_certificate ? g_object_ref (emu->tls_certificate) :
      NULL;
  g_mutex_unlock (&emu->lock);
  /* wss://: the handshake happens on the first read. */
  if (certificate != NULL) {
    stream = g_tls_server_connection_new (G_IO_STREAM (connection),
        certificate, &error);
    g_object_unref (certificate);
    if (stream == NULL) {
      g_debug ("emulator: cannot start TLS: %s", error->message);
      g_clear_error (&error);
      g_clear_object (&local);
      g_clear_object (&remote);
      return TRUE;
    }
  } else {
    stream = g_object_ref (G_IO_STREAM (connection));
  }

  if (!soup_server_accept_iostream (emu->server, stream, local, remote, &error)) {
    g_debug ("emulator: cannot accept a connection: %s", error->message);
    g_clear_error (&error);
  }
  g_object_unref (stream);
  g_clear_object (&local);
  g_clear_object (&remote);

  return TRUE;
}

static guint
listen_on (VpEmulator * emu, const gchar * host, guint port, GError ** error)
{
  GInetAddress *address;
  GSocketAddress *socket_address;
  GSocket *socket;
  GError *err = NULL;
  gboolean ok;
  guint bound_port = 0;

  address = g_inet_address_new_from_string (host);
  if (address == NULL) {
    GResolver *resolver = g_resolver_get_default ();
    GList *addresses = g_resolver_lookup_by_name (resolver, host, NULL,
        &err), *l;

    g_object_unref (resolver);
    if (addresses == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND,
          "Cannot resolve the host \"%s\": %s. Give an address such as "
          "127.0.0.1.", host, err->message);
      g_clear_error (&err);
      return 0;
    }
    for (l = addresses; l != NULL && address == NULL; l = l->next)
      if (g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV4)
        address = g_object_ref (l->data);
    if (address == NULL)
      address = g_object_ref (addresses->data);
    g_resolver_free_addresses (addresses);
  }

  /* We accept connections ourselves and hand them to the server: libsoup
   * 3.2's own listener leaks every accepted GSocket, and its
   * soup_server_get_uris() the address it returns. */
  socket_address = g_inet_socket_address_new (address, port);
  socket = g_socket_new (g_inet_address_get_family (address),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err);
  ok = socket != NULL && g_socket_bind (socket, socket_address, TRUE, &err)
      && g_socket_listen (socket, &err)
      && g_socket_listener_add_socket (G_SOCKET_LISTENER (emu->service),
      socket, NULL, &err);
  g_object_unref (socket_address);
  g_object_unref (address);

  if (ok) {
    GSocketAddress *local = g_socket_get_local_address (socket, &err);

    ok = local != NULL;
    if (ok) {
      bound_port =
          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
      g_object_unref (local);
    }
  }
  g_clear_object (&socket);

  if (!ok) {
    g_set_error (error, err->domain, err->code,
        "Cannot listen on %s port %u: %s. Choose another port, or 0 for any "
        "free port.", host, port, err->message);
    g_clear_error (&err);
    return 0;
  }

  return bound_port;
}

guint
vp_emu_server_open (VpEmulator * emu, const gchar * host, guint port,
    GError ** error)
{
  emu->server = soup_server_new ("server-header", "voxpipe-emulator ", NULL);
  emu->service = g_socket_service_new ();
  emu->sockets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_object_unref);
  g_signal_connect (emu->service, "incoming", G_CALLBACK (on_incoming), emu);
  soup_server_add_handler (emu->server, NULL, server_callback, emu, NULL);

  return listen_on (emu, host, port, error);
}

void
vp_emu_server_stop (VpEmulator * emu)
{
  g_socket_service_stop (emu->service);
  g_socket_listener_close (G_SOCKET_LISTENER (emu->service));
  soup_server_disconnect (emu->server);
}

void
vp_emu_server_free (VpEmulator * emu)
{
  g_signal_handlers_disconnect_by_data (emu->service, emu);
  g_socket_service_stop (emu->service);
  g_socket_listener_close (G_SOCKET_LISTENER (emu->service));
  g_clear_object (&emu->service);
  soup_server_disconnect (emu->server);
  g_clear_object (&emu->server);
  g_clear_pointer (&emu->sockets, g_hash_table_unref);
}
