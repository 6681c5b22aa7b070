/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* HTTP on SoupServer (docs/calls.md):
 *   GET /, /call.css, /call.js   the call page (GResource, page/)
 *   POST /calls                  an SDP offer → 201, the answer, Location
 *   DELETE /calls/<id>           hang up → 204 (404 for no such call)
 *   GET /healthz, GET /metrics   operations (Prometheus text format)
 * A refusal is a status and one line saying why.  An offer waits for its
 * answer with the message paused (non-trickle: ICE gathering first). */

#include "config.h"

#include "vp-http.h"
#include "vp-gateway-resources.h"

#include <libsoup/soup.h>
#include <string.h>

#define RESOURCE_ROOT "/org/voxpipe/gateway/"
#define CALLS_PATH "/calls"
#define RETRY_AFTER_S "5"

struct _VpHttp
{
  VpGateway *gateway;
  SoupServer *server;
};

typedef struct
{
  VpHttp *http;
  SoupServerMessage *msg;
  gboolean in_handler;
  gboolean answered;
  gboolean paused;
} Pending;

static void
reply_text (SoupServerMessage * msg, guint status, const gchar * text)
{
  g_autofree gchar *line = g_strdup_printf ("%s\n", text);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8",
      SOUP_MEMORY_COPY, line, strlen (line));
}

static void
serve_resource (SoupServerMessage * msg, const gchar * name, const gchar * type)
{
  g_autofree gchar *path = g_strconcat (RESOURCE_ROOT, name, NULL);
  g_autoptr (GBytes) data = g_resources_lookup_data (path, 0, NULL);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  gsize size;
  const gchar *bytes;

  if (data == NULL) {
    reply_text (msg, 404, "not found");
    return;
  }
  bytes = g_bytes_get_data (data, &size);
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, bytes, size);
}

/* ------------------------------------------------------------------------ */
/* POST /calls */

static void
on_offer_reply (guint status, const gchar * text, const gchar * call_id,
    gpointer data)
{
  Pending *pending = data;
  SoupServerMessage *msg = pending->msg;
  SoupMessageHeaders *headers;

  if (pending->answered)
    return;
  pending->answered = TRUE;
  headers = soup_server_message_get_response_headers (msg);
  if (status == 201) {
    g_autofree gchar *location = g_strdup_printf (CALLS_PATH "/%s", call_id);

    soup_server_message_set_status (msg, 201, NULL);
    soup_message_headers_replace (headers, "Location", location);
    soup_server_message_set_response (msg, "application/sdp",
        SOUP_MEMORY_COPY, text, strlen (text));
  } else {
    if (status == 503)
      soup_message_headers_replace (headers, "Retry-After", RETRY_AFTER_S);
    reply_text (msg, status, text);
  }
  if (pending->paused)
    soup_server_message_unpause (msg);
}

static void
on_offer_finished (SoupServerMessage * msg, gpointer data)
{
  Pending *pending = data;

  /* Gone before its answer: the call it started has no one to talk to. */
  if (!pending->answered) {
    pending->answered = TRUE;
    vp_gateway_forget_reply (pending->http->gateway, pending);
  }
  g_free (pending);
}

static gboolean
is_sdp (SoupServerMessage * msg)
{
  const gchar *type = soup_message_headers_get_content_type
      (soup_server_message_get_request_headers (msg), NULL);

  return type != NULL && g_ascii_strcasecmp (type, "application/sdp") == 0;
}

static void
handle_offer (VpHttp * http, SoupServerMessage * msg)
{
  VpGateway *gw = http->gateway;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) bytes = NULL;
  gsize limit = vp_gateway_max_offer_bytes (gw);
  Pending *pending;
  gchar *text;
  gsize length;

  if (soup_server_message_get_status (msg) == 413)
    return;                     /* refused on its headers */
  if (!is_sdp (msg)) {
    vp_gateway_refused (gw, 415, "not application/sdp");
    reply_text (msg, 415, "an offer is sent as Content-Type: "
        "application/sdp");
    return;
  }
  bytes = soup_message_body_flatten (body);
  if (g_bytes_get_size (bytes) > limit) {
    vp_gateway_refused (gw, 413, "offer too large");
    reply_text (msg, 413, "the offer is larger than the limit "
        "(--max-offer-bytes)");
    return;
  }
  length = g_bytes_get_size (bytes);
  text = g_strndup (g_bytes_get_data (bytes, NULL), length);

  pending = g_new0 (Pending, 1);
  pending->http = http;
  pending->msg = msg;
  pending->in_handler = TRUE;
  g_signal_connect (msg, "finished", G_CALLBACK (on_offer_finished), pending);
  vp_gateway_offer (gw, text, length, on_offer_reply, pending);
  g_free (text);
  pending->in_handler = FALSE;
  if (!pending->answered) {
    pending->paused = TRUE;
    soup_server_message_pause (msg);
  }
}

/* An offer's size is known from its headers: refused before its body. */
static void
on_got_headers (SoupServerMessage * msg, gpointer data)
{
  VpHttp *http = data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  goffset length = soup_message_headers_get_content_length (headers);

  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") == 0
      && length > (goffset) vp_gateway_max_offer_bytes (http->gateway)) {
    vp_gateway_refused (http->gateway, 413, "offer too large");
    reply_text (msg, 413, "the offer is larger than the limit "
        "(--max-offer-bytes)");
  }
}

static void
on_request_started (SoupServer * server, SoupServerMessage * msg, gpointer data)
{
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers), data);
}

/* ------------------------------------------------------------------------ */

static void
handle (SoupServer * server, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  VpHttp *http = data;
  const gchar *method = soup_server_message_get_method (msg);
  gboolean get = g_str_equal (method, "GET") || g_str_equal (method, "HEAD");
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (g_str_equal (path, CALLS_PATH)) {
    if (g_str_equal (method, "POST")) {
      handle_offer (http, msg);
    } else if (g_str_equal (method, "OPTIONS")) {
      soup_message_headers_replace (headers, "Accept-Post", "application/sdp");
      soup_message_headers_replace (headers, "Allow", "POST, OPTIONS");
      soup_server_message_set_status (msg, 204, NULL);
    } else {
      soup_message_headers_replace (headers, "Allow", "POST, OPTIONS");
      reply_text (msg, 405, "POST an SDP offer here");
    }
  } else if (g_str_has_prefix (path, CALLS_PATH "/")) {
    const gchar *id = path + strlen (CALLS_PATH "/");

    if (g_str_equal (method, "DELETE")) {
      guint status = vp_gateway_hang_up (http->gateway, id);

      if (status == 204)
        soup_server_message_set_status (msg, 204, NULL);
      else
        reply_text (msg, 404, "no such call here (it ended, or it is on "
            "another gateway)");
    } else {
      soup_message_headers_replace (headers, "Allow", "DELETE");
      reply_text (msg, 405, "DELETE a call to hang up");
    }
  } else if (!get) {
    soup_message_headers_replace (headers, "Allow", "GET, HEAD");
    reply_text (msg, 405, "method not allowed");
  } else if (g_str_equal (path, "/healthz")) {
    if (vp_gateway_is_draining (http->gateway))
      reply_text (msg, 503, "draining");
    else
      reply_text (msg, 200, "ok");
  } else if (g_str_equal (path, "/metrics")) {
    g_autofree gchar *text = vp_gateway_render_metrics (http->gateway);

    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg,
        "text/plain; version=0.0.4; charset=utf-8", SOUP_MEMORY_COPY, text,
        strlen (text));
  } else if (g_str_equal (path, "/") || g_str_equal (path, "/index.html")) {
    serve_resource (msg, "index.html", "text/html; charset=utf-8");
  } else if (g_str_equal (path, "/call.css")) {
    serve_resource (msg, "call.css", "text/css; charset=utf-8");
  } else if (g_str_equal (path, "/call.js")) {
    serve_resource (msg, "call.js", "text/javascript; charset=utf-8");
  } else {
    reply_text (msg, 404, "not found");
  }
}

VpHttp *
vp_http_new (VpGateway * gateway, const gchar * host, guint port,
    const gchar * tls_cert, const gchar * tls_key, GError ** error)
{
  VpHttp *http = g_new0 (VpHttp, 1);
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GInetAddress) inet = NULL;
  SoupServerListenOptions flags = 0;

  /* The page is linked in: make sure the resource is registered. */
  g_resources_register (vp_gateway_get_resource ());
  http->gateway = gateway;
  http->server = soup_server_new ("server-header", "voxpipe-gateway/"
      VERSION " ", NULL);
  if (tls_cert != NULL) {
    GTlsCertificate *cert = g_tls_certificate_new_from_files (tls_cert,
        tls_key != NULL ? tls_key : tls_cert, error);

    if (cert == NULL) {
      vp_http_free (http);
      return NULL;
    }
    soup_server_set_tls_certificate (http->server, cert);
    g_object_unref (cert);
    flags |= SOUP_SERVER_LISTEN_HTTPS;
  }
  g_signal_connect (http->server, "request-started",
      G_CALLBACK (on_request_started), http);
  soup_server_add_handler (http->server, NULL, handle, http, NULL);

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    host = "127.0.0.1";
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "--web wants an IP address to bind, not \"%s\"", host);
    vp_http_free (http);
    return NULL;
  }
  address = g_inet_socket_address_new (inet, port);
  if (!soup_server_listen (http->server, address, flags, error)) {
    g_prefix_error (error, "cannot listen on %s:%u: ", host, port);
    vp_http_free (http);
    return NULL;
  }
  return http;
}

gchar *
vp_http_dup_url (VpHttp * http)
{
  GSList *uris = soup_server_get_uris (http->server);
  gchar *url = NULL;

  if (uris != NULL)
    url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}

void
vp_http_free (VpHttp * http)
{
  if (http->server != NULL) {
    soup_server_disconnect (http->server);
    g_object_unref (http->server);
  }
  g_free (http);
}
