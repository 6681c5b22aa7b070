/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The session's instance struct and entry points, shared by its three
 * files (internal): vp-session-api.c (the public calls) → vp-session.c
 * (the network thread's side) → vp-session-class.c (the properties and
 * signals); the arrows run that way only.
 *
 * Field tags say who may touch a field:
 *   [I] set in init (before any other thread sees the object), then
 *       only read, from any thread;
 *   [L] under `lock`, from any thread;
 *   [A] atomic: written with g_atomic_int_set() from any thread, read
 *       with g_atomic_int_get() on the network thread;
 *   [N] the network thread only (and dispose, when nothing runs there
 *       for the session any more). */

#pragma once

#include "vp-session.h"
#include "vp-net-thread.h"
#include "vp-reconnect.h"
#include "vp-send-queue.h"
#include "vp-timer.h"
#include "vp-tool-calls.h"
#include "vp-history.h"
#include "vp-transport.h"

G_BEGIN_DECLS

/* Audio held while not connected; beyond it the oldest is dropped. */
#define MAX_PENDING_AUDIO_MS 60000


#define VP_SESSION_DEFAULT_API_VERSION "v1beta"
#define VP_SESSION_DEFAULT_CONNECT_TIMEOUT_MS 15000
#define VP_SESSION_DEFAULT_RESPONSE_TIMEOUT_MS 30000

struct _VpLiveSession
{
  GObject parent;

  GMutex lock;
  GSourceFunc flush;            /* [I] writes the queue on the network
                                 * thread (vp-session.c's, given at init) */

  /* the parts [I] */
  VpNetThread *net;
  VpToolCalls *calls;           /* its own lock */

  /* configuration [L] */
  gchar *endpoint;
  gchar *api_key;
  gchar *api_version;
  gboolean reconnect;
  gboolean restore_context;     /* a fresh session gets the history */
  VpSetupConfig *setup;
  /* configuration [A]: read by every server message, so no lock */
  guint connect_timeout_ms;
  guint response_timeout_ms;

  /* state [L] */
  VpSessionState state;
  VpSendQueue queue;            /* input, waiting for the connection */
  gboolean dropped_audio_warned;
  gboolean close_requested;
  VpUsage usage;
  VpUsageMetadata last_report;
  VpPrice *price_override;      /* NULL: the model table's */
  gchar *resume_handle;

  /* network thread [N] */
  VpTransport *transport;       /* the connection */
  VpTransport *old_transport;   /* closing, before the next connection */
  VpTimer *timer;               /* connect/response timer of the connection */
  VpReconnect reconnection;
  GSource *reconnect_source;    /* the next attempt, after backoff */
  GSource *rollover_source;     /* a pending rollover's deadline */
  GSource *handle_wait_source;  /* a rollover waiting for the turn's handle */
  gboolean handle_owed;         /* a turn completed, its handle not read yet */
  gboolean setup_complete;
  gboolean setup_complete_resumed;      /* this connection's setup had a handle */
  gboolean resumed_by_us;       /* ... one Voxpipe read, not the user's */
  gboolean restore_pending;     /* a fresh session: send the history first */
  VpHistory *history;           /* the transcripts so far, bounded */
  gboolean expecting_reply;     /* the service owes us a response */
  guint64 turn_audio_us;        /* model audio received in this turn */
  gboolean generation_complete; /* turnComplete follows after playback */
  gboolean failed;              /* an error was already reported */
  gboolean holds_connection_ref;        /* a reference for the connection's life */
  gchar *url;                   /* the endpoint being used */
  gchar *key;                   /* the API key being used; never logged */
};

enum
{
  PROP_0,
  PROP_ENDPOINT,
  PROP_API_KEY,
  PROP_API_VERSION,
  PROP_MODEL,
  PROP_VOICE,
  PROP_SYSTEM_INSTRUCTION,
  PROP_CONNECT_TIMEOUT,
  PROP_RESPONSE_TIMEOUT,
  PROP_RECONNECT,
  PROP_STATE,
  PROP_RESUME_HANDLE,
  PROP_RESTORE_CONTEXT,
  N_PROPS
};

enum
{
  SIGNAL_STATE_CHANGED,
  SIGNAL_SETUP_COMPLETE,
  SIGNAL_AUDIO,
  SIGNAL_TEXT,
  SIGNAL_INPUT_TRANSCRIPTION,
  SIGNAL_OUTPUT_TRANSCRIPTION,
  SIGNAL_GENERATION_COMPLETE,
  SIGNAL_TURN_COMPLETE,
  SIGNAL_INTERRUPTED,
  SIGNAL_TOOL_CALL,
  SIGNAL_TOOL_STARTED,
  SIGNAL_TOOL_RESULT,
  SIGNAL_TOOL_CALL_CANCELLED,
  SIGNAL_END_CALL,
  SIGNAL_GO_AWAY,
  SIGNAL_RESUMPTION_UPDATE,
  SIGNAL_USAGE,
  SIGNAL_VOICE_ACTIVITY,
  SIGNAL_SERVER_MESSAGE,
  SIGNAL_WARNING,
  SIGNAL_ERROR,
  SIGNAL_CLOSED,
  SIGNAL_RECONNECTED,
  N_SIGNALS
};

/* vp-session.c, for vp-session-api.c.  Any thread: */
/* Queues @item (taken) and schedules its flush. */
/* vp-session-send.c: any thread. */
void vp_live_session_enqueue (VpLiveSession * self, VpOutgoing * item);
/* Sends the one answer of call @id; FALSE (and @error) if not pending. */
gboolean vp_live_session_deliver_tool_response (VpLiveSession * self,
    const gchar * id, JsonNode * response, GError ** error);
/* The key for @endpoint (NULL: the environment's), or NULL and @error
 * when no connection can start: no key, a bad endpoint.  No network. */
gchar *vp_live_session_resolve_key (const gchar * endpoint,
    const gchar * api_key, GError ** error);
/* The same with the application's @scheduling (wire value, or NULL). */
gboolean vp_live_session_deliver_tool_response_full (VpLiveSession * self,
    const gchar * id, JsonNode * response, const gchar * scheduling,
    GError ** error);
/* On the network thread, through vp_net_thread_invoke() with a reference
 * as @data: connect(), close(), and an update of a running session. */
gboolean vp_live_session_net_connect (gpointer data);
gboolean vp_live_session_net_close (gpointer data);
gboolean vp_live_session_net_update (gpointer data);

/* vp-session-tools.c, on the network thread: the calls of a toolCall
 * message (VpFunctionCall), a toolCallCancellation's ids, and the table's
 * callbacks. */
void vp_live_session_start_tool_calls (VpLiveSession * self,
    GPtrArray * calls);
void vp_live_session_cancel_tool_calls (VpLiveSession * self, gchar ** ids);
extern const VpToolCallsCallbacks vp_live_session_tool_calls_callbacks;

/* vp-session-class.c: filled by vp_live_session_class_install(). */
extern GParamSpec *vp_live_session_properties[N_PROPS];
extern guint vp_live_session_signals[N_SIGNALS];

/* Installs the properties (with their set/get) and the signals. */
void vp_live_session_class_install (GObjectClass * object_class);

G_END_DECLS
