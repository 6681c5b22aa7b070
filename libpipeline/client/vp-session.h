/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>
#include "vp-protocol.h"
#include "vp-usage.h"
#include "vp-tools.h"

G_BEGIN_DECLS

/**
 * VpSessionState:
 * @VP_SESSION_STATE_IDLE: not connected yet
 * @VP_SESSION_STATE_CONNECTING: opening the WebSocket, sending setup
 * @VP_SESSION_STATE_READY: setupComplete received; audio flows
 * @VP_SESSION_STATE_RECONNECTING: moving to a new connection
 * @VP_SESSION_STATE_CLOSED: closed, by request or by an error
 */
typedef enum {
  VP_SESSION_STATE_IDLE,
  VP_SESSION_STATE_CONNECTING,
  VP_SESSION_STATE_READY,
  VP_SESSION_STATE_RECONNECTING,
  VP_SESSION_STATE_CLOSED,
} VpSessionState;



#define VP_DEFAULT_MODEL "gemini-3.8-live"   /* VP_MODEL_38 */
#define VP_DEFAULT_ENDPOINT "wss://generativelanguage.googleapis.com"

#define VP_TYPE_LIVE_SESSION (vp_live_session_get_type ())
G_DECLARE_FINAL_TYPE (VpLiveSession, vp_live_session, VP, LIVE_SESSION,
    GObject)

/**
 * VpLiveSession:
 *
 * One conversation with a Live model over one WebSocket.  Every public
 * function is thread-safe and returns at once: messages are queued and
 * written by the Voxpipe network thread, which all sessions of the process
 * share.  Signals are emitted on that network thread; handlers must not
 * block (hand work off, and answer tool calls with
 * vp_live_session_send_tool_response() from any thread, later).
 *
 * Before vp_live_session_connect(), set the configuration through
 * properties ("endpoint", "api-key", "model", "voice", …) or through
 * vp_live_session_set_setup().
 */
VpLiveSession *vp_live_session_new (void);

/* Replaces the setup configuration (copied).  Only before connect. */
void vp_live_session_set_setup (VpLiveSession * self,
    const VpSetupConfig * config);
/* Returns: (transfer full): a copy of the setup configuration. */
VpSetupConfig *vp_live_session_dup_setup (VpLiveSession * self);

/**
 * vp_live_session_set_tools:
 * @tools: (transfer full) (nullable): declared tools and their handlers
 *
 * Calls to tools with a handler are answered by it; the others are
 * emitted as "tool-call" and must be answered by the application within
 * the tool's timeout.  Does not change setup.tools (see vp_tools_to_wire()).
 */
void vp_live_session_set_tools (VpLiveSession * self, VpTools * tools);

/**
 * vp_live_session_update:
 * @setup: the new setup (system instruction, tools, voice…); the model
 *   cannot change
 * @tools: (transfer full) (nullable): new tool handlers; NULL keeps them
 *
 * Applies new settings to a running session.  The service takes a setup
 * only on a new connection, so the session switches to one at the next
 * turn boundary (as on goAway), resuming the conversation with its handle.
 * Needs session resumption.
 */
gboolean vp_live_session_update (VpLiveSession * self,
    const VpSetupConfig * setup, VpTools * tools, GError ** error);

/**
 * vp_live_session_check:
 *
 * The checks vp_live_session_connect() makes before it touches the
 * network: an endpoint it can use and a key for it (none is needed on
 * loopback).  Call it to refuse at once what could only fail later as
 * "error".  Does not block.
 *
 * Returns: FALSE and @error (VP_ERROR_AUTH, VP_ERROR_SETTINGS) when the
 * session cannot start.
 */
gboolean vp_live_session_check (VpLiveSession * self, GError ** error);

/* Starts connecting.  Progress and failure come as signals ("state-changed",
 * "setup-complete", "error"). */
void vp_live_session_connect (VpLiveSession * self);
/* Closes the connection (code 1000) and stops. */
void vp_live_session_close (VpLiveSession * self);

VpSessionState vp_live_session_get_state (VpLiveSession * self);

/* Queue input.  Before setupComplete, input is held and sent after it. */
void vp_live_session_send_audio (VpLiveSession * self, const gint16 * samples,
    gsize n_samples, guint rate);
void vp_live_session_send_video (VpLiveSession * self, const guint8 * data,
    gsize n_bytes, const gchar * mime_type);
void vp_live_session_send_text (VpLiveSession * self, const gchar * text);
void vp_live_session_send_client_content (VpLiveSession * self,
    const gchar * role, const gchar * text, gboolean turn_complete);
void vp_live_session_send_activity_start (VpLiveSession * self);
void vp_live_session_send_activity_end (VpLiveSession * self);
void vp_live_session_send_audio_stream_end (VpLiveSession * self);

/**
 * vp_live_session_send_tool_response:
 * @id: the call id from "tool-call"
 * @response_json: a JSON object: {"output": …} or {"error": …}; any other
 *   object is wrapped as {"output": object}
 * @error: set when @id is not pending (unknown, answered or cancelled) or
 *   the JSON is invalid; nothing is sent then
 */
gboolean vp_live_session_send_tool_response (VpLiveSession * self,
    const gchar * id, const gchar * response_json, GError ** error);

/**
 * vp_live_session_send_tool_response_scheduled:
 * @id: the call id from "tool-call"
 * @response_json: as for vp_live_session_send_tool_response()
 * @scheduling: (nullable): how the model uses the result of a
 *   non-blocking call: "INTERRUPT", "WHEN_IDLE" or "SILENT" (any case,
 *   "-" for "_"); %NULL for the tool's default, then the model's
 * @error: set when @id is not pending, the JSON is invalid or
 *   @scheduling is none of those; nothing is sent then
 *
 * Models without scheduling (3.1) and blocking calls get the response
 * without it.
 */
gboolean vp_live_session_send_tool_response_scheduled (VpLiveSession * self,
    const gchar * id, const gchar * response_json, const gchar * scheduling,
    GError ** error);

/**
 * vp_live_session_call_is_non_blocking:
 * @name: a function name
 *
 * Returns: whether a call of @name runs non-blocking (the model keeps
 *   talking while it runs), from its declared behavior and the model
 */
gboolean vp_live_session_call_is_non_blocking (VpLiveSession * self,
    const gchar * name);

/**
 * vp_live_session_set_prices:
 * @price: (nullable): the USD per million tokens the meter uses instead of
 *   the model table's (contracted rates, see vp_prices_load()); %NULL for
 *   the table's
 */
void vp_live_session_set_prices (VpLiveSession * self, const VpPrice * price);

/* Returns: (transfer full): totals so far. */
VpUsage *vp_live_session_get_usage (VpLiveSession * self);
/* Returns: (transfer full) (nullable): the latest resumable handle. */
gchar *vp_live_session_dup_resume_handle (VpLiveSession * self);

G_END_DECLS
