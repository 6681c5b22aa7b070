/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VP_ERROR (vp_error_quark ())
GQuark vp_error_quark (void);

/**
 * VpError:
 * @VP_ERROR_AUTH: the API key or token was refused (close 1007 "API key not
 *   valid", 401/403).  Never retried.
 * @VP_ERROR_MODEL_NOT_FOUND: the model does not exist or cannot do Live
 *   (close 1008 "models/… is not found").  Never retried.
 * @VP_ERROR_INVALID_ARGUMENT: the service refused a field or value
 *   (close 1007 "Invalid JSON payload" / "invalid argument").  Never retried.
 * @VP_ERROR_SESSION_NOT_FOUND: the resumption handle is unknown or expired
 *   (close 1008 "session not found").
 * @VP_ERROR_QUOTA: quota or rate limit (close 1011 "exceeded your current
 *   quota" / "Resource has been exhausted").
 * @VP_ERROR_DEADLINE: the connection reached its lifetime (close 1011
 *   "Deadline expired").  Transient: reconnect with the resumption handle.
 * @VP_ERROR_SERVER: an internal server error (close 1011).  Transient.
 * @VP_ERROR_NETWORK: the connection could not be made or was lost without
 *   a close frame (1006).  Transient.
 * @VP_ERROR_TLS: the server's certificate could not be verified.
 * @VP_ERROR_PROTOCOL: the server sent something that is not the Live
 *   protocol (not JSON, oversized, unexpected).
 * @VP_ERROR_TIMEOUT: the server did not answer in time (no setupComplete,
 *   a stalled connection).  Transient.
 * @VP_ERROR_SETTINGS: a local setting is wrong (bad endpoint URL, no API
 *   key, plaintext ws:// to a remote host…).  Never retried.
 * @VP_ERROR_CLOSED: the server closed the connection normally or with a
 *   code not listed above.
 */
typedef enum {
  VP_ERROR_AUTH,
  VP_ERROR_MODEL_NOT_FOUND,
  VP_ERROR_INVALID_ARGUMENT,
  VP_ERROR_SESSION_NOT_FOUND,
  VP_ERROR_QUOTA,
  VP_ERROR_DEADLINE,
  VP_ERROR_SERVER,
  VP_ERROR_NETWORK,
  VP_ERROR_TLS,
  VP_ERROR_PROTOCOL,
  VP_ERROR_TIMEOUT,
  VP_ERROR_SETTINGS,
  VP_ERROR_CLOSED,
} VpError;

GError *vp_error_new_from_close (gushort close_code, const gchar * reason);
gboolean vp_error_is_transient (const GError * error);

G_END_DECLS
