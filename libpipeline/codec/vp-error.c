/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Turns a WebSocket close (code + reason, PROTOCOL.md §6) into a GError that
 * says what happened and what to do.  Pure: no I/O, no state. */

#include "config.h"

#include "vp-error.h"

#include <string.h>

/* Not G_DEFINE_QUARK (): indent would put spaces into its bare name. */
GQuark
vp_error_quark (void)
{
  return g_quark_from_static_string ("vp-error-quark");
}

static gboolean
contains (const gchar * haystack, const gchar * needle)
{
  return haystack != NULL && strstr (haystack, needle) != NULL;
}

GError *
vp_error_new_from_close (gushort close_code, const gchar * reason)
{
  const gchar *why = (reason != NULL && *reason != '\0') ? reason : "no reason";

  if (contains (reason, "API key") || contains (reason, "api key")
      || contains (reason, "PERMISSION_DENIED")
      || contains (reason, "UNAUTHENTICATED"))
    return g_error_new (VP_ERROR, VP_ERROR_AUTH,
        "The service refused the API key (close %u: %s). Set a valid key in "
        "GEMINI_API_KEY (or the api-key property); keys come from "
        "https://aistudio.google.com/apikey.", close_code, why);

  if (close_code == 1008 && contains (reason, "session not found"))
    return g_error_new (VP_ERROR, VP_ERROR_SESSION_NOT_FOUND,
        "The resumption handle is unknown or expired (close %u: %s). Clear "
        "resume-handle to start a new session; handles live 2 hours.",
        close_code, why);

  if (close_code == 1008 && (contains (reason, "not found")
          || contains (reason, "not supported for")))
    return g_error_new (VP_ERROR, VP_ERROR_MODEL_NOT_FOUND,
        "The model does not exist or does not support the Live API "
        "(close %u: %s). Set model to a Live model such as "
        "gemini-3.8-live.", close_code, why);

  if (contains (reason, "quota") || contains (reason, "exhausted")
      || contains (reason, "RESOURCE_EXHAUSTED"))
    return g_error_new (VP_ERROR, VP_ERROR_QUOTA,
        "The service refused the session for quota or rate limits "
        "(close %u: %s). Check the plan and billing of the key's project, "
        "or lower the number of concurrent sessions.", close_code, why);

  if (contains (reason, "Deadline expired")
      || contains (reason, "DEADLINE_EXCEEDED"))
    return g_error_new (VP_ERROR, VP_ERROR_DEADLINE,
        "The connection reached its time limit (close %u: %s). Enable "
        "session-resumption so the session continues on a new connection.",
        close_code, why);

  switch (close_code) {
    case 1007:
      return g_error_new (VP_ERROR, VP_ERROR_INVALID_ARGUMENT,
          "The service refused a setting or message (close %u: %s). Check "
          "the field named in the reason against the model's supported "
          "features.", close_code, why);
    case 1008:
      return g_error_new (VP_ERROR, VP_ERROR_INVALID_ARGUMENT,
          "The service refused the request by policy (close %u: %s). Check "
          "that the model supports the features and tools in use.",
          close_code, why);
    case 1009:
      return g_error_new (VP_ERROR, VP_ERROR_PROTOCOL,
          "A message was too large for the other side (close %u: %s). "
          "Send smaller audio or video chunks.", close_code, why);
    case 1011:
    case 1012:
    case 1013:
    case 1014:
      return g_error_new (VP_ERROR, VP_ERROR_SERVER,
          "The service had an internal error (close %u: %s). This is "
          "usually transient: reconnect, with the resumption handle if "
          "there is one.", close_code, why);
    case 1006:
      return g_error_new (VP_ERROR, VP_ERROR_NETWORK,
          "The connection was lost without a close frame (close 1006). "
          "Check the network; the session can reconnect.");
    default:
      return g_error_new (VP_ERROR, VP_ERROR_CLOSED,
          "The service closed the connection (close %u: %s).", close_code, why);
  }
}

gboolean
vp_error_is_transient (const GError * error)
{
  if (error == NULL || error->domain != VP_ERROR)
    return FALSE;

  switch (error->code) {
    case VP_ERROR_DEADLINE:
    case VP_ERROR_SERVER:
    case VP_ERROR_NETWORK:
    case VP_ERROR_TIMEOUT:
      return TRUE;
    default:
      return FALSE;
  }
}
