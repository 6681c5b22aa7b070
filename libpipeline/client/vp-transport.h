/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* One WebSocket connection to a Live endpoint (internal), and the only
 * libsoup WebSocket code of the client.  It reports through callbacks and
 * knows nothing of sessions.  Network thread only. */

#pragma once

#include <glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Largest server frame we take; the service stays well under 1 MiB. */
#define VP_TRANSPORT_MAX_INCOMING_PAYLOAD (16 * 1024 * 1024)

typedef struct _VpTransport VpTransport;

/* Each callback may free the transport. */
typedef struct
{
  /* The WebSocket is open: send setup. */
  void (*opened) (VpTransport * transport, gpointer user_data);
  /* A frame, text or binary: they carry the same JSON (PROTOCOL.md §1.5). */
  void (*message) (VpTransport * transport, const gchar * data, gsize size,
      gpointer user_data);
  /* The upgrade failed; @error (taken) says why and what to do. */
  void (*failed) (VpTransport * transport, GError * error,
      gpointer user_data);
  /* The open connection closed, by either side (close code and reason:
   * vp_transport_get_close_code(); what it means unasked:
   * vp_transport_dup_close_error()). */
  void (*closed) (VpTransport * transport, gpointer user_data);
} VpTransportCallbacks;

/* Starts connecting to @endpoint (wss://…, or ws:// on loopback) with @key
 * (an API key, or an ephemeral token "auth_tokens/…").  NULL with @error
 * when the endpoint cannot be used. */
VpTransport *vp_transport_connect (SoupSession * soup,
    const gchar * endpoint, const gchar * api_version, const gchar * key,
    const VpTransportCallbacks * callbacks, gpointer user_data,
    GError ** error);

gboolean vp_transport_is_open (VpTransport * transport);
/* Sends a text frame; FALSE (nothing sent) when not open. */
gboolean vp_transport_send (VpTransport * transport, const gchar * json);

/* Starts the close handshake (1000); "closed" follows. */
void vp_transport_close (VpTransport * transport);
/* Cuts the TCP connection: a stalled peer answers no close handshake. */
void vp_transport_abort (VpTransport * transport);

/* Closes (1000) and reports nothing more, except @done, once: when the
 * close handshake ended or after @wait_ms, whichever is first.  @done may
 * free the transport; freeing it before cancels @done. */
void vp_transport_close_and_wait (VpTransport * transport,
    GMainContext * context, guint wait_ms, void (*done) (gpointer data),
    gpointer data);

/* Cancels a connect in progress, closes an open connection (1000), and
 * reports nothing more. */
void vp_transport_free (VpTransport * transport);

/* The close code (0 if none) and reason of the connection. */
gushort vp_transport_get_close_code (VpTransport * transport);
const gchar *vp_transport_get_close_reason (VpTransport * transport);
/* Returns: (transfer full): the close as a failure, for a close the
 * client did not ask for. */
GError *vp_transport_dup_close_error (VpTransport * transport);

/* Whether a connection to @endpoint with @key can be tried (a URL, wss://
 * or ws:// on loopback); FALSE and @error otherwise. */
gboolean vp_transport_check_endpoint (const gchar * endpoint,
    const gchar * key, GError ** error);

/* Whether @url's host is this machine (where ws:// and no key are fine). */
gboolean vp_transport_is_loopback (const gchar * url);

G_END_DECLS
