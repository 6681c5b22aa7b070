/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The transport: one libsoup WebSocket connection.  The URL from the
 * endpoint (PROTOCOL.md §1.1), the key in its header or the token in the
 * query, the upgrade, TCP no-delay, the frame limit, sending, closing
 * (with a bounded wait for the close handshake), and libsoup's failures
 * and close codes turned into Voxpipe errors that say what to do.
 *
 * Lifetime: the owner holds one reference and a connect in progress
 * another, so that a connect cancelled by vp_transport_free() finishes on
 * a live struct.  Every callback is the last thing a handler does: the
 * owner may free the transport in it.  Network thread only. */

#include "config.h"

#include "vp-transport.h"
#include "vp-error.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

struct _VpTransport
{
  guint refcount;
  const VpTransportCallbacks *callbacks;        /* NULL once the owner let go */
  gpointer user_data;
  SoupMessage *msg;             /* the upgrade request, while connecting */
  GCancellable *cancellable;    /* the connect in progress */
  SoupWebsocketConnection *ws;
  GError *ws_error;             /* what libsoup reported before closing */
  /* vp_transport_close_and_wait() */
  GSource *wait;
  void (*done) (gpointer data);
  gpointer done_data;
};

static void
transport_unref (VpTransport * self)
{
  if (--self->refcount > 0)
    return;
  g_clear_object (&self->msg);
  g_free (self);
}

static gboolean
host_is_loopback (const gchar * host)
{
  g_autoptr (GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

gboolean
vp_transport_is_loopback (const gchar * url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  return uri != NULL && host_is_loopback (g_uri_get_host (uri));
}

/* Builds the service URL from the endpoint (PROTOCOL.md §1.1). */
static GUri *
build_uri (const gchar * endpoint, const gchar * api_version,
    const gchar * api_key, GError ** error)
{
  g_autoptr (GUri) base = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *query = NULL;
  const gchar *scheme, *method;
  gboolean token = g_str_has_prefix (api_key, "auth_tokens/");

  base = g_uri_parse (endpoint, G_URI_FLAGS_ENCODED, NULL);
  if (base == NULL || g_uri_get_host (base) == NULL) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "The endpoint \"%s\" is not a URL. Use wss://host, ws://127.0.0.1:PORT "
        "or \"local\" for the built-in emulator.", endpoint);
    return NULL;
  }

  scheme = g_uri_get_scheme (base);
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    scheme = "wss";
  else if (g_ascii_strcasecmp (scheme, "http") == 0)
    scheme = "ws";

  if (g_ascii_strcasecmp (scheme, "wss") != 0
      && g_ascii_strcasecmp (scheme, "ws") != 0) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "The endpoint \"%s\" has scheme \"%s\". Use wss:// (or ws:// on "
        "loopback).", endpoint, scheme);
    return NULL;
  }

  /* The key would travel in clear text: only on this machine. */
  if (g_ascii_strcasecmp (scheme, "ws") == 0
      && !host_is_loopback (g_uri_get_host (base))) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "The endpoint \"%s\" is plain ws:// to another machine, which would "
        "send the API key unencrypted. Use wss://.", endpoint);
    return NULL;
  }

  method = token ? "BidiGenerateContentConstrained" : "BidiGenerateContent";
  if (g_uri_get_path (base)[0] == '\0' || g_str_equal (g_uri_get_path (base),
          "/"))
    path = g_strdup_printf ("/ws/google.ai.generativelanguage.%s."
        "GenerativeService.%s", api_version, method);
  else
    path = g_strdup (g_uri_get_path (base));

  if (token) {
    g_autofree gchar *escaped = g_uri_escape_string (api_key, "/", FALSE);
    query = g_strdup_printf ("access_token=%s", escaped);
  }

  return g_uri_build (G_URI_FLAGS_ENCODED, scheme, NULL,
      g_uri_get_host (base), g_uri_get_port (base), path, query, NULL);
}

static GError *
error_from_connect (SoupMessage * msg, GError * error)
{
  guint status = soup_message_get_status (msg);
  g_autofree gchar *url = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;

  url = g_uri_to_string_partial (soup_message_get_uri (msg),
      G_URI_HIDE_QUERY | G_URI_HIDE_PASSWORD);

  if (error->domain == G_TLS_ERROR
      || soup_message_get_tls_peer_certificate_errors (msg) != 0)
    return g_error_new (VP_ERROR, VP_ERROR_TLS,
        "Could not verify the TLS certificate of %s (%s). Check the "
        "system's CA certificates and clock; Voxpipe never turns "
        "verification off.", url, error->message);

  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    return g_error_new (VP_ERROR, VP_ERROR_AUTH,
        "The service refused the API key (HTTP %u). Set a valid key in "
        "GEMINI_API_KEY or the api-key property.", status);

  if (status >= 300)
    return g_error_new (VP_ERROR, VP_ERROR_SETTINGS,
        "%s answered HTTP %u %s instead of a WebSocket upgrade. Check the "
        "endpoint and api-version.", url, status,
        soup_status_get_phrase (status));

  return g_error_new (VP_ERROR, VP_ERROR_NETWORK,
      "Could not connect to %s: %s. Check the endpoint and the network.",
      url, error->message);
}

/* Small frames (20 ms of audio, a tool response) must not wait for Nagle's
 * algorithm: up to 40 ms each on Linux. */
static void
set_no_delay (GIOStream * stream)
{
  g_autoptr (GIOStream) base = NULL;

  if (G_IS_TLS_CONNECTION (stream)) {
    g_object_get (stream, "base-io-stream", &base, NULL);
    stream = base;
  }
  if (G_IS_SOCKET_CONNECTION (stream))
    g_socket_set_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION
            (stream)), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

static void
on_ws_message (SoupWebsocketConnection * ws, gint type, GBytes * message,
    gpointer user_data)
{
  VpTransport *self = user_data;
  gsize size;
  const gchar *data = g_bytes_get_data (message, &size);

  self->callbacks->message (self, data, size, self->user_data);
}

static void
on_ws_error (SoupWebsocketConnection * ws, GError * error, gpointer user_data)
{
  VpTransport *self = user_data;

  /* libsoup closes the connection after this; "closed" reports it. */
  g_debug ("connection %p: websocket error: %s", self, error->message);
  g_clear_error (&self->ws_error);
  self->ws_error = g_error_copy (error);
}

static void
on_ws_closed (SoupWebsocketConnection * ws, gpointer user_data)
{
  VpTransport *self = user_data;

  self->callbacks->closed (self, self->user_data);
}

static void
on_connected (GObject * source, GAsyncResult * result, gpointer user_data)
{
  VpTransport *self = user_data;
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws;
  GError *vp_error;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
      &error);
  if (self->callbacks == NULL) {
    /* The owner let go meanwhile. */
    if (ws != NULL) {
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (ws);
    }
    transport_unref (self);
    return;
  }

  g_clear_object (&self->cancellable);
  if (ws == NULL) {
    vp_error = error_from_connect (self->msg, error);
    g_clear_object (&self->msg);
    transport_unref (self);     /* the owner's reference remains */
    if (vp_error != NULL)
      self->callbacks->failed (self, vp_error, self->user_data);
    return;
  }

  g_clear_object (&self->msg);
  self->ws = ws;
  set_no_delay (soup_websocket_connection_get_io_stream (ws));
  soup_websocket_connection_set_max_incoming_payload_size (ws,
      VP_TRANSPORT_MAX_INCOMING_PAYLOAD);
  /* The service's pongs can take 30 s: no keepalive pings (PROTOCOL §1.5). */
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), self);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), self);
  transport_unref (self);       /* the owner's reference remains */
  self->callbacks->opened (self, self->user_data);
}

gboolean
vp_transport_check_endpoint (const gchar * endpoint, const gchar * key,
    GError ** error)
{
  g_autoptr (GUri) uri = NULL;

  if (endpoint == NULL) {
    g_set_error_literal (error, VP_ERROR, VP_ERROR_SETTINGS,
        "No endpoint. Set it to wss://host, ws://127.0.0.1:PORT or \"local\" "
        "for the built-in emulator.");
    return FALSE;
  }
  uri = build_uri (endpoint, "v1beta", key, error);
  return uri != NULL;
}

VpTransport *
vp_transport_connect (SoupSession * soup, const gchar * endpoint,
    const gchar * api_version, const gchar * key,
    const VpTransportCallbacks * callbacks, gpointer user_data, GError ** error)
{
  g_autoptr (GUri) uri = NULL;
  g_autofree gchar *url = NULL;
  VpTransport *self;

  uri = build_uri (endpoint, api_version, key, error);
  if (uri == NULL)
    return NULL;

  self = g_new0 (VpTransport, 1);
  self->refcount = 2;           /* the owner's and the connect's */
  self->callbacks = callbacks;
  self->user_data = user_data;
  self->msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  if (!g_str_has_prefix (key, "auth_tokens/"))
    soup_message_headers_replace (soup_message_get_request_headers
        (self->msg), "x-goog-api-key", key);

  url = g_uri_to_string_partial (uri, G_URI_HIDE_QUERY);
  g_debug ("connection %p: connecting to %s", self, url);

  self->cancellable = g_cancellable_new ();
  soup_session_websocket_connect_async (soup, self->msg, NULL, NULL,
      G_PRIORITY_DEFAULT, self->cancellable, on_connected, self);
  return self;
}

gboolean
vp_transport_is_open (VpTransport * self)
{
  return self->ws != NULL && soup_websocket_connection_get_state (self->ws)
      == SOUP_WEBSOCKET_STATE_OPEN;
}

gboolean
vp_transport_send (VpTransport * self, const gchar * json)
{
  if (!vp_transport_is_open (self))
    return FALSE;
  soup_websocket_connection_send_text (self->ws, json);
  return TRUE;
}

void
vp_transport_close (VpTransport * self)
{
  if (vp_transport_is_open (self))
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
        NULL);
}

void
vp_transport_abort (VpTransport * self)
{
  if (self->ws != NULL)
    g_io_stream_close (soup_websocket_connection_get_io_stream (self->ws),
        NULL, NULL);
}

/* Ends the wait of vp_transport_close_and_wait(); runs @done last. */
static void
wait_over (VpTransport * self)
{
  void (*done) (gpointer data) = self->done;

  self->done = NULL;
  if (self->wait != NULL) {
    g_source_destroy (self->wait);
    g_clear_pointer (&self->wait, g_source_unref);
  }
  g_signal_handlers_disconnect_by_data (self->ws, self);
  done (self->done_data);
}

static void
on_wait_closed (SoupWebsocketConnection * ws, gpointer user_data)
{
  wait_over (user_data);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  wait_over (user_data);
  return G_SOURCE_REMOVE;
}

void
vp_transport_close_and_wait (VpTransport * self, GMainContext * context,
    guint wait_ms, void (*done) (gpointer data), gpointer data)
{
  g_return_if_fail (vp_transport_is_open (self));

  self->callbacks = NULL;
  g_signal_handlers_disconnect_by_data (self->ws, self);
  self->done = done;
  self->done_data = data;
  g_signal_connect (self->ws, "closed", G_CALLBACK (on_wait_closed), self);
  self->wait = g_timeout_source_new (wait_ms);
  g_source_set_callback (self->wait, on_wait_timeout, self, NULL);
  g_source_set_static_name (self->wait, "voxpipe-close-wait");
  g_source_attach (self->wait, context);
  soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

void
vp_transport_free (VpTransport * self)
{
  if (self == NULL)
    return;
  self->callbacks = NULL;
  self->done = NULL;
  if (self->wait != NULL) {
    g_source_destroy (self->wait);
    g_clear_pointer (&self->wait, g_source_unref);
  }
  if (self->cancellable != NULL) {
    g_cancellable_cancel (self->cancellable);
    g_clear_object (&self->cancellable);
  }
  if (self->ws != NULL) {
    g_signal_handlers_disconnect_by_data (self->ws, self);
    if (soup_websocket_connection_get_state (self->ws) ==
        SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
          NULL);
    g_clear_object (&self->ws);
  }
  g_clear_error (&self->ws_error);
  transport_unref (self);
}

gushort
vp_transport_get_close_code (VpTransport * self)
{
  return self->ws ? soup_websocket_connection_get_close_code (self->ws) : 0;
}

const gchar *
vp_transport_get_close_reason (VpTransport * self)
{
  return self->ws ? soup_websocket_connection_get_close_data (self->ws) : NULL;
}

GError *
vp_transport_dup_close_error (VpTransport * self)
{
  gushort code = vp_transport_get_close_code (self);
  const gchar *reason = vp_transport_get_close_reason (self);

  /* Whatever the code: an error; transient ones reconnect. */
  if (self->ws_error != NULL && self->ws_error->domain == SOUP_WEBSOCKET_ERROR
      && (code == 0 || code == SOUP_WEBSOCKET_CLOSE_ABNORMAL
          || code == self->ws_error->code))
    return g_error_new (VP_ERROR, VP_ERROR_PROTOCOL,
        "The service broke the WebSocket protocol: %s (frames are "
        "limited to %d bytes). Check the endpoint.",
        self->ws_error->message, VP_TRANSPORT_MAX_INCOMING_PAYLOAD);
  if (code == 0 || code == SOUP_WEBSOCKET_CLOSE_ABNORMAL)
    return vp_error_new_from_close (SOUP_WEBSOCKET_CLOSE_ABNORMAL, reason);
  if (code == SOUP_WEBSOCKET_CLOSE_TOO_BIG)
    return g_error_new (VP_ERROR, VP_ERROR_PROTOCOL,
        "The service sent a frame larger than %d bytes (close %u). This "
        "is not the Live API protocol; check the endpoint.",
        VP_TRANSPORT_MAX_INCOMING_PAYLOAD, code);
  return vp_error_new_from_close (code, reason);
}
