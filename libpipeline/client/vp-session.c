/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:vp-session
 * @title: VpLiveSession
 * @short_description: one conversation with a Gemini Live model
 *
 * The session client.  Public calls build their message on the caller's
 * thread (the codec is pure) and queue it; the shared network thread
 * writes the queue once the service has answered setup.  Everything the
 * service sends comes back as a signal emitted on the network thread.
 *
 * Locking: `lock` protects the fields marked [L].  It is never held while
 * emitting a signal or calling into libsoup.  Fields marked [N] are only
 * touched on the network thread.
 */

#include "config.h"

#include "vp-session.h"
#include "vp-error.h"
#include "vp-enum-types.h"
#include "vp-net-thread.h"
#include "vp-tool-runner.h"

#include <libsoup/soup.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#define DEFAULT_API_VERSION "v1beta"
#define DEFAULT_CONNECT_TIMEOUT_MS 15000
#define DEFAULT_RESPONSE_TIMEOUT_MS 30000
/* Audio held while not connected; beyond it the oldest is dropped. */
#define MAX_PENDING_AUDIO_MS 60000
/* Largest server frame we take; the service stays well under 1 MiB. */
#define MAX_INCOMING_PAYLOAD (16 * 1024 * 1024)
/* Reconnection after a transient failure: capped exponential backoff. */
#define RECONNECT_FIRST_DELAY_MS 250
#define RECONNECT_MAX_DELAY_MS 8000
#define RECONNECT_MAX_ATTEMPTS 8
/* On goAway, switch connections this long before the service's deadline
 * at the latest, if no turn boundary came first. */
#define ROLLOVER_MARGIN_MS 1000
/* How long to wait for the old socket's close handshake on a rollover. */
#define ROLLOVER_CLOSE_WAIT_MS 2000
/* An update waits this long at most for a turn boundary. */
#define UPDATE_DEADLINE_MS 15000

struct _VpLiveSession
{
  GObject parent;

  GMutex lock;

  /* configuration [L] */
  gchar *endpoint;
  gchar *api_key;
  gchar *api_version;
  guint connect_timeout_ms;
  guint response_timeout_ms;
  gboolean reconnect;
  VpSetupConfig *setup;

  /* state [L] */
  VpSessionState state;
  GQueue outgoing;              /* Outgoing, waiting for the connection */
  guint64 pending_audio_us;     /* audio in outgoing, in microseconds */
  gboolean flush_scheduled;
  gboolean close_requested;
  GHashTable *pending_calls;    /* id → PendingCall: not answered yet */
  VpTools *tools;               /* declared tools and their handlers */
  GPtrArray *retired_tools;     /* replaced, kept for handlers still running */
  VpUsage usage;
  VpUsageMetadata last_report;
  gchar *resume_handle;
  gboolean dropped_audio_warned;

  /* network thread [N] */
  VpNetThread *net;
  SoupWebsocketConnection *ws;
  GError *ws_error;             /* what libsoup reported before closing */
  GCancellable *cancellable;
  GSource *timeout_source;
  gboolean setup_complete;
  gboolean expecting_reply;     /* the service owes us a response */
  guint64 turn_audio_us;        /* model audio received in this turn */
  gboolean generation_complete; /* turnComplete follows after playback */
  gboolean failed;              /* an error was already reported */
  gboolean holds_connection_ref;        /* a reference for the connection's life */
  gchar *url;                   /* resolved endpoint (the emulator's for "local") */
  gchar *key;                   /* resolved API key; never logged */
  gboolean was_ready;           /* a connection got setupComplete once */
  gboolean setup_complete_resumed;      /* this connection's setup had a handle */
  guint attempt;                /* reconnection attempts since the last success */
  GSource *reconnect_source;    /* the next attempt, after backoff */
  gboolean rollover_pending;    /* goAway came: switch at the turn boundary */
  gboolean update_waits_for_handle;     /* an update, before any handle */
  GSource *rollover_source;     /* … or at this deadline */
  SoupWebsocketConnection *old_ws;      /* closing, before the next connection */
  GSource *old_ws_wait;
};

/* A queued client message. */
typedef struct
{
  gchar *json;
  guint64 audio_us;             /* audio duration, 0 for other messages */
  gboolean wants_reply;         /* the service owes a reply to it */
  /* a tool response: reported by "tool-result" once sent */
  gchar *tool_id;
  gchar *tool_name;
  gchar *tool_response;
} Outgoing;

static void
outgoing_free (Outgoing * item)
{
  g_free (item->json);
  g_free (item->tool_id);
  g_free (item->tool_name);
  g_free (item->tool_response);
  g_free (item);
}

/* A tool call the service waits for. */
typedef struct
{
  gchar *name;
  const VpTool *tool;           /* NULL when not declared in the tools */
  GCancellable *cancellable;    /* stops a running handler */
  GSource *timeout;             /* the application's deadline */
} PendingCall;

static void
pending_call_free (PendingCall * call)
{
  if (call->timeout != NULL) {
    g_source_destroy (call->timeout);
    g_source_unref (call->timeout);
  }
  g_clear_object (&call->cancellable);
  g_free (call->name);
  g_free (call);
}

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

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (VpLiveSession, vp_live_session, G_TYPE_OBJECT);

static void schedule_flush (VpLiveSession * self);
static void fail (VpLiveSession * self, GError * error);
static void connection_lost (VpLiveSession * self, GError * error);
static void open_connection (VpLiveSession * self);

/* State */

static void
set_state (VpLiveSession * self, VpSessionState state)
{
  gboolean changed;

  g_mutex_lock (&self->lock);
  changed = self->state != state;
  self->state = state;
  g_mutex_unlock (&self->lock);

  if (changed) {
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, state);
  }
}

VpSessionState
vp_live_session_get_state (VpLiveSession * self)
{
  VpSessionState state;

  g_return_val_if_fail (VP_IS_LIVE_SESSION (self), VP_SESSION_STATE_CLOSED);

  g_mutex_lock (&self->lock);
  state = self->state;
  g_mutex_unlock (&self->lock);
  return state;
}

/* Timeouts [N] */

static gboolean
on_timeout (gpointer data)
{
  VpLiveSession *self = data;
  GError *error;

  if (!self->setup_complete)
    error = g_error_new (VP_ERROR, VP_ERROR_TIMEOUT,
        "The service did not answer setup within %u ms. Check that the "
        "endpoint is a Live API server, or raise connect-timeout.",
        self->connect_timeout_ms);
  else
    error = g_error_new (VP_ERROR, VP_ERROR_TIMEOUT,
        "The service went silent for %u ms while a reply was due: the "
        "connection stalled. Raise response-timeout if the model is that "
        "slow.", self->response_timeout_ms);

  /* The source stays (disarmed) until teardown_connection(), which
   * connection_lost() has usually run already. */
  connection_lost (self, error);
  return G_SOURCE_CONTINUE;
}

/* The connect/response timer is one GSource per connection, moved with
 * g_source_set_ready_time(): it is re-armed by every server message
 * (several a second per session), and making a new timeout source each
 * time cost an allocation and the network context's lock twice. */
static gboolean
timer_dispatch (GSource * source, GSourceFunc callback, gpointer data)
{
  g_source_set_ready_time (source, -1); /* one-shot until re-armed */
  return callback (data);
}

static GSourceFuncs timer_funcs = { NULL, NULL, timer_dispatch, NULL,
  NULL, NULL
};

static void
arm_timeout (VpLiveSession * self, guint ms)
{
  if (ms == 0) {
    if (self->timeout_source != NULL)
      g_source_set_ready_time (self->timeout_source, -1);
    return;
  }

  if (self->timeout_source == NULL) {
    self->timeout_source = g_source_new (&timer_funcs, sizeof (GSource));
    g_source_set_callback (self->timeout_source, on_timeout, self, NULL);
    g_source_set_static_name (self->timeout_source, "voxpipe-session-timeout");
    g_source_attach (self->timeout_source,
        vp_net_thread_get_context (self->net));
  }
  g_source_set_ready_time (self->timeout_source,
      g_get_monotonic_time () + (gint64) ms * 1000);
}

static void
disarm_timeout (VpLiveSession * self)
{
  arm_timeout (self, 0);
}

/* Called whenever the service proves alive or owes us nothing. */
static void
update_response_timeout (VpLiveSession * self)
{
  guint ms = self->response_timeout_ms;

  /* After generationComplete the service waits for its audio to play out
   * before turnComplete. */
  if (self->generation_complete && ms > 0)
    ms += self->turn_audio_us / 1000;

  if (self->setup_complete && self->expecting_reply && ms > 0)
    arm_timeout (self, ms);
  else if (self->setup_complete)
    disarm_timeout (self);
}

/* Closing [N] */

static void
clear_source (GSource ** source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

static void
drop_old_ws (VpLiveSession * self)
{
  clear_source (&self->old_ws_wait);
  if (self->old_ws != NULL) {
    g_signal_handlers_disconnect_by_data (self->old_ws, self);
    g_clear_object (&self->old_ws);
  }
}

/* Ends the current connection, not the session. */
static void
teardown_connection (VpLiveSession * self)
{
  clear_source (&self->timeout_source);
  clear_source (&self->rollover_source);
  clear_source (&self->reconnect_source);
  drop_old_ws (self);
  self->rollover_pending = FALSE;
  self->setup_complete = FALSE;
  self->expecting_reply = FALSE;
  self->turn_audio_us = 0;
  self->generation_complete = FALSE;
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
}

static void
cancel_pending_calls (VpLiveSession * self)
{
  GHashTableIter iter;
  PendingCall *call;
  GHashTable *calls;

  g_mutex_lock (&self->lock);
  calls = g_steal_pointer (&self->pending_calls);
  self->pending_calls = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, (GDestroyNotify) pending_call_free);
  g_mutex_unlock (&self->lock);

  g_hash_table_iter_init (&iter, calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) & call)) {
    if (call->cancellable != NULL)
      g_cancellable_cancel (call->cancellable);
  }
  g_hash_table_unref (calls);
}

static void
finish_closed (VpLiveSession * self, gushort code, const gchar * reason)
{
  gboolean release = self->holds_connection_ref;

  self->holds_connection_ref = FALSE;
  teardown_connection (self);
  /* The session is over: running handlers stop, deadlines go. */
  cancel_pending_calls (self);
  set_state (self, VP_SESSION_STATE_CLOSED);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, (gint) code, reason);
  if (release)
    g_object_unref (self);      /* may finalize: nothing after this */
}

/* Reports @error (taking it) once, then closes. */
static void
fail (VpLiveSession * self, GError * error)
{
  gushort code = 0;
  g_autofree gchar *reason = NULL;

  if (self->failed) {
    g_error_free (error);
    return;
  }
  self->failed = TRUE;

  g_debug ("session %p: %s", self, error->message);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
  if (self->ws != NULL) {
    code = soup_websocket_connection_get_close_code (self->ws);
    reason = g_strdup (soup_websocket_connection_get_close_data (self->ws));
  }
  g_error_free (error);
  finish_closed (self, code, reason);
}

/* Reconnecting [N] */

static gboolean
on_reconnect_due (gpointer data)
{
  VpLiveSession *self = data;

  g_clear_pointer (&self->reconnect_source, g_source_unref);
  open_connection (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (VpLiveSession * self, guint delay_ms)
{
  clear_source (&self->reconnect_source);
  self->reconnect_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->reconnect_source, on_reconnect_due, self, NULL);
  g_source_set_static_name (self->reconnect_source, "voxpipe-reconnect");
  g_source_attach (self->reconnect_source,
      vp_net_thread_get_context (self->net));
}

/* The connection failed (takes @error).  A session that was up reconnects
 * with its latest handle after a transient failure; anything else, or too
 * many attempts, ends it with the error.  Auth and settings errors are
 * never retried. */
static void
connection_lost (VpLiveSession * self, GError * error)
{
  gboolean reconnect;
  guint delay_ms;

  g_mutex_lock (&self->lock);
  reconnect = self->reconnect && !self->close_requested;
  g_mutex_unlock (&self->lock);

  if (!reconnect || !self->was_ready || !vp_error_is_transient (error)
      || self->attempt >= RECONNECT_MAX_ATTEMPTS) {
    if (self->attempt >= RECONNECT_MAX_ATTEMPTS) {
      GError *last = g_error_new (error->domain, error->code,
          "%s (gave up after %u reconnection attempts)", error->message,
          self->attempt);
      g_error_free (error);
      error = last;
    }
    fail (self, error);
    return;
  }

  delay_ms = MIN (RECONNECT_MAX_DELAY_MS,
      RECONNECT_FIRST_DELAY_MS << MIN (self->attempt, 16));
  self->attempt++;
  g_debug ("session %p: %s; reconnecting in %u ms (attempt %u)", self,
      error->message, delay_ms, self->attempt);
  g_signal_emit (self, signals[SIGNAL_WARNING], 0, error);

  /* A stalled peer will not answer a close handshake: cut the TCP
   * connection so that the service frees the session for resumption. */
  if (g_error_matches (error, VP_ERROR, VP_ERROR_TIMEOUT) && self->ws != NULL)
    g_io_stream_close (soup_websocket_connection_get_io_stream (self->ws),
        NULL, NULL);
  g_error_free (error);

  teardown_connection (self);
  set_state (self, VP_SESSION_STATE_RECONNECTING);
  schedule_reconnect (self, delay_ms);
}

static gboolean
on_old_ws_wait_over (gpointer data)
{
  VpLiveSession *self = data;

  g_clear_pointer (&self->old_ws_wait, g_source_unref);
  drop_old_ws (self);
  open_connection (self);
  return G_SOURCE_REMOVE;
}

static void
on_old_ws_closed (SoupWebsocketConnection * ws, gpointer data)
{
  VpLiveSession *self = data;

  drop_old_ws (self);
  open_connection (self);
}

/* goAway: close this connection ourselves (the service refuses to resume
 * a session whose old socket is still open), then open the next with the
 * latest handle.  Queued input waits and goes to the new connection. */
static void
rollover (VpLiveSession * self)
{
  SoupWebsocketConnection *ws = g_steal_pointer (&self->ws);

  g_debug ("session %p: rolling over to a new connection", self);
  teardown_connection (self);
  set_state (self, VP_SESSION_STATE_RECONNECTING);

  if (ws == NULL || soup_websocket_connection_get_state (ws) !=
      SOUP_WEBSOCKET_STATE_OPEN) {
    if (ws != NULL) {
      g_signal_handlers_disconnect_by_data (ws, self);
      g_object_unref (ws);
    }
    open_connection (self);
    return;
  }

  g_signal_handlers_disconnect_by_data (ws, self);
  self->old_ws = ws;
  g_signal_connect (ws, "closed", G_CALLBACK (on_old_ws_closed), self);
  self->old_ws_wait = g_timeout_source_new (ROLLOVER_CLOSE_WAIT_MS);
  g_source_set_callback (self->old_ws_wait, on_old_ws_wait_over, self, NULL);
  g_source_attach (self->old_ws_wait, vp_net_thread_get_context (self->net));
  soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static gboolean
on_rollover_deadline (gpointer data)
{
  VpLiveSession *self = data;

  g_clear_pointer (&self->rollover_source, g_source_unref);
  rollover (self);
  return G_SOURCE_REMOVE;
}

static gboolean
calls_pending (VpLiveSession * self)
{
  gboolean pending;

  g_mutex_lock (&self->lock);
  pending = g_hash_table_size (self->pending_calls) > 0;
  g_mutex_unlock (&self->lock);
  return pending;
}

static void
schedule_rollover (VpLiveSession * self, gint64 time_left_ms)
{
  gboolean reconnect;
  gint64 deadline_ms;

  g_mutex_lock (&self->lock);
  reconnect = self->reconnect && !self->close_requested;
  g_mutex_unlock (&self->lock);
  if (!reconnect || self->rollover_pending)
    return;

  /* At a turn boundary now, or at the next one, or before the deadline. */
  if (!self->expecting_reply && !calls_pending (self)) {
    rollover (self);
    return;
  }
  self->rollover_pending = TRUE;
  deadline_ms = time_left_ms < 0 ? 10000 : time_left_ms - ROLLOVER_MARGIN_MS;
  self->rollover_source = g_timeout_source_new (MAX (0, deadline_ms));
  g_source_set_callback (self->rollover_source, on_rollover_deadline, self,
      NULL);
  g_source_attach (self->rollover_source,
      vp_net_thread_get_context (self->net));
}

/* Incoming [N] */

/* Tool calls.  Each call ends exactly once: answered (by its handler, by
 * the application, or with an error at its deadline) or cancelled. */

static gboolean deliver_tool_response (VpLiveSession * self,
    const gchar * id, JsonNode * response, GError ** error);

static JsonNode *
error_node (const gchar * message)
{
  JsonObject *object = json_object_new ();
  JsonNode *node;

  json_object_set_string_member (object, "error", message);
  node = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);
  return node;
}

typedef struct
{
  VpLiveSession *self;
  gchar *id;
} CallRef;

static void
call_ref_free (CallRef * ref)
{
  g_object_unref (ref->self);
  g_free (ref->id);
  g_free (ref);
}

static CallRef *
call_ref_new (VpLiveSession * self, const gchar * id)
{
  CallRef *ref = g_new0 (CallRef, 1);

  ref->self = g_object_ref (self);
  ref->id = g_strdup (id);
  return ref;
}

static gboolean
on_app_deadline (gpointer user_data)
{
  CallRef *ref = user_data;
  g_autoptr (JsonNode) response = NULL;
  g_autofree gchar *message = NULL;
  g_autofree gchar *call_name = NULL;
  guint timeout_ms = VP_TOOL_DEFAULT_TIMEOUT_MS;
  PendingCall *call;

  g_mutex_lock (&ref->self->lock);
  call = g_hash_table_lookup (ref->self->pending_calls, ref->id);
  if (call != NULL && call->tool != NULL)
    timeout_ms = call->tool->timeout_ms;
  if (call != NULL)
    call_name = g_strdup (call->name);
  if (call != NULL)
    g_clear_pointer (&call->timeout, g_source_unref);
  g_mutex_unlock (&ref->self->lock);

  if (call == NULL)
    return G_SOURCE_REMOVE;

  {
    g_autoptr (GError) warning = g_error_new (VP_ERROR, VP_ERROR_TIMEOUT,
        "Nobody answered tool call %s (%s) within %u ms; the model gets an "
        "error. Answer tool calls with tool-response, or give the tool a "
        "handler.", ref->id, call_name, timeout_ms);
    g_signal_emit (ref->self, signals[SIGNAL_WARNING], 0, warning);
  }
  message = g_strdup_printf ("The application did not answer within %u ms.",
      timeout_ms);
  response = error_node (message);
  deliver_tool_response (ref->self, ref->id, response, NULL);
  return G_SOURCE_REMOVE;
}

static void
on_handler_done (GObject * source, GAsyncResult * result, gpointer user_data)
{
  CallRef *ref = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *json = vp_tool_run_finish (result, &error);

  if (json != NULL) {
    g_autoptr (JsonNode) node = json_from_string (json, NULL);
    if (node != NULL)
      deliver_tool_response (ref->self, ref->id, node, NULL);
  }
  /* Cancelled: the call was already reported cancelled; nothing to send. */
  call_ref_free (ref);
}

static const gchar *
handler_name (const VpTool * tool)
{
  switch (tool ? tool->handler : VP_TOOL_HANDLER_APP) {
    case VP_TOOL_HANDLER_HTTP:
      return "http";
    case VP_TOOL_HANDLER_EXEC:
      return "exec";
    case VP_TOOL_HANDLER_RESULT:
      return "result";
    case VP_TOOL_HANDLER_BUILTIN:
      return "builtin";
    case VP_TOOL_HANDLER_APP:
    default:
      return "app";
  }
}

static void
start_tool_calls (VpLiveSession * self, GPtrArray * calls)
{
  GMainContext *context = vp_net_thread_get_context (self->net);
  guint i;

  for (i = 0; i < calls->len; i++) {
    VpFunctionCall *fc = g_ptr_array_index (calls, i);
    PendingCall *call = g_new0 (PendingCall, 1);
    gboolean by_app;

    call->name = g_strdup (fc->name);
    g_mutex_lock (&self->lock);
    call->tool = vp_tools_lookup (self->tools, fc->name);
    by_app = call->tool == NULL || call->tool->handler == VP_TOOL_HANDLER_APP;
    if (by_app) {
      call->timeout = g_timeout_source_new (call->tool ?
          call->tool->timeout_ms : VP_TOOL_DEFAULT_TIMEOUT_MS);
      g_source_set_callback (call->timeout, on_app_deadline,
          call_ref_new (self, fc->id), (GDestroyNotify) call_ref_free);
      g_source_set_static_name (call->timeout, "voxpipe-tool-deadline");
      g_source_attach (call->timeout, context);
    } else {
      call->cancellable = g_cancellable_new ();
    }
    g_hash_table_replace (self->pending_calls, g_strdup (fc->id), call);
    g_mutex_unlock (&self->lock);

    g_signal_emit (self, signals[SIGNAL_TOOL_STARTED], 0, fc->id, fc->name,
        fc->args_json, handler_name (call->tool));
  }

  /* Handlers start together: parallel calls run concurrently. */
  for (i = 0; i < calls->len; i++) {
    VpFunctionCall *fc = g_ptr_array_index (calls, i);
    const VpTool *tool = NULL;
    GCancellable *cancellable = NULL;
    PendingCall *call;

    g_mutex_lock (&self->lock);
    call = g_hash_table_lookup (self->pending_calls, fc->id);
    if (call != NULL && call->cancellable != NULL) {
      tool = call->tool;
      cancellable = g_object_ref (call->cancellable);
    }
    g_mutex_unlock (&self->lock);

    if (tool != NULL) {
      vp_tool_run_async (tool, fc->args_json,
          vp_net_thread_get_soup_session (self->net), cancellable,
          on_handler_done, call_ref_new (self, fc->id));
      g_object_unref (cancellable);
    } else if (call != NULL) {
      g_signal_emit (self, signals[SIGNAL_TOOL_CALL], 0, fc->id, fc->name,
          fc->args_json);
    }
  }
}

static void
cancel_tool_calls (VpLiveSession * self, gchar ** ids)
{
  guint i;

  for (i = 0; ids[i] != NULL; i++) {
    PendingCall *call = NULL;
    g_autofree gchar *key = NULL;

    g_mutex_lock (&self->lock);
    g_hash_table_steal_extended (self->pending_calls, ids[i],
        (gpointer *) & key, (gpointer *) & call);
    g_mutex_unlock (&self->lock);

    if (call == NULL)
      continue;
    /* Stop the handler for real; its late result is dropped. */
    if (call->cancellable != NULL)
      g_cancellable_cancel (call->cancellable);
    pending_call_free (call);
    g_signal_emit (self, signals[SIGNAL_TOOL_CALL_CANCELLED], 0, ids[i]);
  }
}

static void
handle_usage (VpLiveSession * self, const VpUsageMetadata * report)
{
  VpUsage *usage;
  const VpPrice *price;

  g_mutex_lock (&self->lock);
  price = vp_price_lookup (self->setup->model);
  vp_usage_add_report (&self->usage, &self->last_report, report, price);
  usage = vp_usage_copy (&self->usage);
  g_mutex_unlock (&self->lock);

  g_signal_emit (self, signals[SIGNAL_USAGE], 0, usage);
  vp_usage_free (usage);
}

static void
dispatch (VpLiveSession * self, VpServerMessage * msg)
{
  guint i;

  if (msg->has_error) {
    fail (self, g_error_new (VP_ERROR, VP_ERROR_SERVER,
            "The service reported error %d: %s. Check the request; "
            "reconnect if it is transient.", msg->error_code,
            msg->error_message ? msg->error_message : "no message"));
    return;
  }

  if (msg->setup_complete && !self->setup_complete) {
    gboolean again = self->was_ready;

    self->setup_complete = TRUE;
    self->was_ready = TRUE;
    self->attempt = 0;
    disarm_timeout (self);
    set_state (self, VP_SESSION_STATE_READY);
    if (again)
      g_signal_emit (self, signals[SIGNAL_RECONNECTED], 0,
          self->setup_complete_resumed);
    else
      g_signal_emit (self, signals[SIGNAL_SETUP_COMPLETE], 0);
    schedule_flush (self);
  }

  if (msg->has_server_content) {
    /* Transcription first: it names the audio that follows in the frame. */
    if (msg->input_transcription != NULL || msg->input_transcription_finished)
      g_signal_emit (self, signals[SIGNAL_INPUT_TRANSCRIPTION], 0,
          msg->input_transcription ? msg->input_transcription : "",
          msg->input_transcription_finished);
    if (msg->output_transcription != NULL || msg->output_transcription_finished)
      g_signal_emit (self, signals[SIGNAL_OUTPUT_TRANSCRIPTION], 0,
          msg->output_transcription ? msg->output_transcription : "",
          msg->output_transcription_finished);
    if (msg->interrupted) {
      self->expecting_reply = TRUE;     /* turnComplete still to come */
      g_signal_emit (self, signals[SIGNAL_INTERRUPTED], 0);
    }
    for (i = 0; msg->audio != NULL && i < msg->audio->len; i++) {
      GBytes *pcm = g_ptr_array_index (msg->audio, i);
      self->turn_audio_us += g_bytes_get_size (pcm) / 2 * G_USEC_PER_SEC /
          MAX (msg->audio_rate, 1);
      g_signal_emit (self, signals[SIGNAL_AUDIO], 0, pcm, msg->audio_rate);
    }
    if (msg->text != NULL)
      g_signal_emit (self, signals[SIGNAL_TEXT], 0, msg->text);
    if ((msg->audio != NULL && msg->audio->len > 0) || msg->text != NULL)
      self->expecting_reply = TRUE;     /* a model turn is under way */
    if (msg->generation_complete) {
      self->generation_complete = TRUE;
      g_signal_emit (self, signals[SIGNAL_GENERATION_COMPLETE], 0);
    }
  }

  if (msg->cancelled_ids != NULL)
    cancel_tool_calls (self, msg->cancelled_ids);

  if (msg->has_usage)
    handle_usage (self, &msg->usage);

  if (msg->turn_complete || (msg->has_server_content && msg->interrupted)) {
    self->turn_audio_us = 0;
    self->generation_complete = FALSE;
  }
  if (msg->turn_complete) {
    self->expecting_reply = FALSE;
    g_signal_emit (self, signals[SIGNAL_TURN_COMPLETE], 0,
        msg->turn_complete_reason);
  }

  if (msg->function_calls != NULL && msg->function_calls->len > 0) {
    /* The model now waits for us, not the other way round. */
    self->expecting_reply = FALSE;
    start_tool_calls (self, msg->function_calls);
  }

  if (msg->has_resumption_update) {
    if (msg->resumable && msg->new_handle != NULL) {
      g_mutex_lock (&self->lock);
      g_free (self->resume_handle);
      self->resume_handle = g_strdup (msg->new_handle);
      g_mutex_unlock (&self->lock);
      g_object_notify_by_pspec (G_OBJECT (self),
          properties[PROP_RESUME_HANDLE]);
    }
    g_signal_emit (self, signals[SIGNAL_RESUMPTION_UPDATE], 0,
        msg->new_handle, msg->resumable);
    if (self->update_waits_for_handle && msg->resumable
        && msg->new_handle != NULL) {
      self->update_waits_for_handle = FALSE;
      schedule_rollover (self, UPDATE_DEADLINE_MS);
    }
  }

  if (msg->voice_activity != NULL)
    g_signal_emit (self, signals[SIGNAL_VOICE_ACTIVITY], 0,
        msg->voice_activity);

  if (msg->go_away) {
    g_signal_emit (self, signals[SIGNAL_GO_AWAY], 0, msg->go_away_time_left_ms);
    schedule_rollover (self, msg->go_away_time_left_ms);
  } else if (self->rollover_pending && msg->turn_complete
      && !calls_pending (self)) {
    /* The turn boundary the pending rollover waited for. */
    rollover (self);
  }
}

static void
on_ws_message (SoupWebsocketConnection * ws, gint type, GBytes * message,
    gpointer user_data)
{
  VpLiveSession *self = user_data;
  g_autoptr (VpServerMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  gsize size;
  const gchar *data = g_bytes_get_data (message, &size);

  /* Text and binary frames carry the same JSON (PROTOCOL.md §1.5). */
  msg = vp_server_message_parse (data, size, &error);
  if (msg == NULL) {
    GError *warning = g_error_new (VP_ERROR, VP_ERROR_PROTOCOL,
        "Ignored a server frame of %" G_GSIZE_FORMAT " bytes that is not a "
        "Live API message: %s", size, error->message);
    g_signal_emit (self, signals[SIGNAL_WARNING], 0, warning);
    g_error_free (warning);
    return;
  }

  if (g_signal_has_handler_pending (self, signals[SIGNAL_SERVER_MESSAGE], 0,
          FALSE)) {
    g_autofree gchar *json = g_strndup (data, size);
    g_signal_emit (self, signals[SIGNAL_SERVER_MESSAGE], 0, json);
  }

  g_object_ref (self);
  dispatch (self, msg);
  if (!self->failed)
    update_response_timeout (self);
  g_object_unref (self);
}

static void
on_ws_closed (SoupWebsocketConnection * ws, gpointer user_data)
{
  VpLiveSession *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (ws);
  g_autofree gchar *reason =
      g_strdup (soup_websocket_connection_get_close_data (ws));
  gboolean requested;

  g_mutex_lock (&self->lock);
  requested = self->close_requested;
  g_mutex_unlock (&self->lock);

  g_debug ("session %p: closed %u (%s)", self, code, reason ? reason : "");

  if (requested || self->failed) {
    if (!self->failed)
      finish_closed (self, code, reason);
    return;
  }

  /* Unexpected: an error, whatever the code; transient ones reconnect. */
  if (self->ws_error != NULL && self->ws_error->domain == SOUP_WEBSOCKET_ERROR
      && (code == 0 || code == SOUP_WEBSOCKET_CLOSE_ABNORMAL
          || code == self->ws_error->code))
    connection_lost (self, g_error_new (VP_ERROR, VP_ERROR_PROTOCOL,
            "The service broke the WebSocket protocol: %s (frames are "
            "limited to %d bytes). Check the endpoint.",
            self->ws_error->message, MAX_INCOMING_PAYLOAD));
  else if (code == 0 || code == SOUP_WEBSOCKET_CLOSE_ABNORMAL)
    connection_lost (self,
        vp_error_new_from_close (SOUP_WEBSOCKET_CLOSE_ABNORMAL, reason));
  else if (code == SOUP_WEBSOCKET_CLOSE_TOO_BIG)
    connection_lost (self, g_error_new (VP_ERROR, VP_ERROR_PROTOCOL,
            "The service sent a frame larger than %d bytes (close %u). This "
            "is not the Live API protocol; check the endpoint.",
            MAX_INCOMING_PAYLOAD, code));
  else
    connection_lost (self, vp_error_new_from_close (code, reason));
}

static void
on_ws_error (SoupWebsocketConnection * ws, GError * error, gpointer user_data)
{
  VpLiveSession *self = user_data;

  /* libsoup closes the connection after this; "closed" reports it. */
  g_debug ("session %p: websocket error: %s", self, error->message);
  g_clear_error (&self->ws_error);
  self->ws_error = g_error_copy (error);
}

/* Outgoing [N] */

static gboolean
flush_outgoing (gpointer data)
{
  VpLiveSession *self = data;
  GQueue batch = G_QUEUE_INIT;
  Outgoing *item;

  g_mutex_lock (&self->lock);
  self->flush_scheduled = FALSE;
  if (self->ws != NULL && self->setup_complete) {
    batch = self->outgoing;
    g_queue_init (&self->outgoing);
    self->pending_audio_us = 0;
  }
  g_mutex_unlock (&self->lock);

  while ((item = g_queue_pop_head (&batch)) != NULL) {
    if (soup_websocket_connection_get_state (self->ws) ==
        SOUP_WEBSOCKET_STATE_OPEN) {
      soup_websocket_connection_send_text (self->ws, item->json);
      if (item->wants_reply) {
        self->expecting_reply = TRUE;
        update_response_timeout (self);
      }
      if (item->tool_id != NULL)
        g_signal_emit (self, signals[SIGNAL_TOOL_RESULT], 0, item->tool_id,
            item->tool_name, item->tool_response);
    }
    outgoing_free (item);
  }
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (VpLiveSession * self)
{
  gboolean schedule;

  g_mutex_lock (&self->lock);
  schedule = !self->flush_scheduled && self->net != NULL;
  self->flush_scheduled = TRUE;
  g_mutex_unlock (&self->lock);

  if (schedule)
    vp_net_thread_invoke (self->net, flush_outgoing, g_object_ref (self),
        g_object_unref);
}

static gboolean
warn_dropped_audio (gpointer data)
{
  VpLiveSession *self = data;
  g_autoptr (GError) warning = g_error_new (VP_ERROR, VP_ERROR_NETWORK,
      "More than %d s of audio waited for a connection; the oldest audio "
      "was dropped.", MAX_PENDING_AUDIO_MS / 1000);

  g_signal_emit (self, signals[SIGNAL_WARNING], 0, warning);
  return G_SOURCE_REMOVE;
}

/* Takes @json.  Audio (@audio_us > 0) is what may be dropped, oldest
 * first, when too much piles up while not connected. */
static void
enqueue_item (VpLiveSession * self, Outgoing * item)
{
  guint64 audio_us = item->audio_us;
  gboolean warn = FALSE, closed, schedule = FALSE;

  /* One lock per message on the per-frame path: queue it and decide the
   * flush together. */
  g_mutex_lock (&self->lock);
  closed = self->state == VP_SESSION_STATE_CLOSED || self->close_requested;
  if (!closed) {
    schedule = !self->flush_scheduled;
    self->flush_scheduled = TRUE;
    g_queue_push_tail (&self->outgoing, g_steal_pointer (&item));
    self->pending_audio_us += audio_us;
    while (self->pending_audio_us > MAX_PENDING_AUDIO_MS * 1000ull) {
      GList *l;
      Outgoing *old = NULL;

      for (l = self->outgoing.head; l != NULL; l = l->next) {
        old = l->data;
        if (old->audio_us > 0)
          break;
      }
      if (l == NULL)
        break;
      self->pending_audio_us -= old->audio_us;
      outgoing_free (old);
      g_queue_delete_link (&self->outgoing, l);
      warn = !self->dropped_audio_warned;
      self->dropped_audio_warned = TRUE;
    }
  }
  g_mutex_unlock (&self->lock);

  if (closed) {
    outgoing_free (item);
    return;
  }
  if (warn)
    vp_net_thread_invoke (self->net, warn_dropped_audio, g_object_ref (self),
        g_object_unref);
  if (schedule)
    vp_net_thread_invoke (self->net, flush_outgoing, g_object_ref (self),
        g_object_unref);
}

static void
enqueue (VpLiveSession * self, gchar * json, guint64 audio_us,
    gboolean wants_reply)
{
  Outgoing *item = g_new0 (Outgoing, 1);

  item->json = json;
  item->audio_us = audio_us;
  item->wants_reply = wants_reply;
  enqueue_item (self, item);
}

void
vp_live_session_send_audio (VpLiveSession * self, const gint16 * samples,
    gsize n_samples, guint rate)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));
  g_return_if_fail (rate >= 8000 && rate <= 48000);
  g_return_if_fail (samples != NULL || n_samples == 0);

  if (n_samples == 0)
    return;
  enqueue (self, vp_protocol_build_realtime_audio ((const guint8 *) samples,
          n_samples * sizeof (gint16), rate),
      MAX (1, n_samples * G_USEC_PER_SEC / rate), FALSE);
}

void
vp_live_session_send_video (VpLiveSession * self, const guint8 * data,
    gsize n_bytes, const gchar * mime_type)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));
  g_return_if_fail (data != NULL && n_bytes > 0);

  enqueue (self, vp_protocol_build_realtime_video (data, n_bytes,
          mime_type ? mime_type : "image/jpeg"), 0, FALSE);
}

void
vp_live_session_send_text (VpLiveSession * self, const gchar * text)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));
  g_return_if_fail (text != NULL);

  enqueue (self, vp_protocol_build_realtime_text (text), 0, TRUE);
}

void
vp_live_session_send_client_content (VpLiveSession * self,
    const gchar * role, const gchar * text, gboolean turn_complete)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));
  g_return_if_fail (text != NULL);

  enqueue (self, vp_protocol_build_client_content_text (role ? role : "user",
          text, turn_complete), 0, turn_complete);
}

void
vp_live_session_send_activity_start (VpLiveSession * self)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));
  enqueue (self, vp_protocol_build_activity_start (), 0, FALSE);
}

void
vp_live_session_send_activity_end (VpLiveSession * self)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));
  enqueue (self, vp_protocol_build_activity_end (), 0, TRUE);
}

void
vp_live_session_send_audio_stream_end (VpLiveSession * self)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));
  enqueue (self, vp_protocol_build_audio_stream_end (), 0, FALSE);
}

/* Sends the one answer of call @id; FALSE if it is not pending. */
static gboolean
deliver_tool_response (VpLiveSession * self, const gchar * id,
    JsonNode * response, GError ** error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  VpFunctionResponse wire = { 0, };
  PendingCall *call = NULL;
  g_autofree gchar *key = NULL;
  gboolean end_call, non_blocking;
  Outgoing *item;

  g_mutex_lock (&self->lock);
  g_hash_table_steal_extended (self->pending_calls, id, (gpointer *) & key,
      (gpointer *) & call);
  non_blocking = vp_model_supports_non_blocking (self->setup->model);
  g_mutex_unlock (&self->lock);

  if (call == NULL) {
    g_set_error (&local_error, VP_ERROR, VP_ERROR_SETTINGS,
        "Tool call %s is not pending: it was already answered, cancelled, "
        "or never made. The response was dropped.", id);
    g_debug ("%s", local_error->message);
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }

  wire.id = (gchar *) id;
  wire.name = call->name;
  wire.response = response;
  if (non_blocking && call->tool != NULL)
    wire.scheduling = call->tool->scheduling;
  end_call = call->tool != NULL
      && call->tool->handler == VP_TOOL_HANDLER_BUILTIN
      && g_strcmp0 (call->tool->builtin, "end-call") == 0;

  item = g_new0 (Outgoing, 1);
  item->json = vp_protocol_build_tool_response (&wire, 1);
  item->wants_reply = TRUE;
  item->tool_id = g_strdup (id);
  item->tool_name = g_strdup (call->name);
  json_generator_set_root (generator, response);
  item->tool_response = json_generator_to_data (generator, NULL);
  pending_call_free (call);

  enqueue_item (self, item);
  if (end_call)
    g_signal_emit (self, signals[SIGNAL_END_CALL], 0);
  return TRUE;
}

gboolean
vp_live_session_send_tool_response (VpLiveSession * self, const gchar * id,
    const gchar * response_json, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (JsonNode) response = NULL;
  JsonNode *root;

  g_return_val_if_fail (VP_IS_LIVE_SESSION (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  parser = json_parser_new_immutable ();
  if (response_json == NULL
      || !json_parser_load_from_data (parser, response_json, -1,
          &parse_error) || json_parser_get_root (parser) == NULL) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "The response to tool call %s is not valid JSON (%s). Answer with a "
        "JSON object such as {\"output\": {…}} or {\"error\": \"…\"}.", id,
        parse_error ? parse_error->message : "no text");
    return FALSE;
  }

  root = json_parser_get_root (parser);
  if (JSON_NODE_HOLDS_OBJECT (root)
      && (json_object_has_member (json_node_get_object (root), "output")
          || json_object_has_member (json_node_get_object (root), "error"))) {
    response = json_node_ref (root);
  } else {
    JsonObject *wrap = json_object_new ();
    json_object_set_member (wrap, "output", json_node_ref (root));
    response = json_node_init_object (json_node_alloc (), wrap);
    json_object_unref (wrap);
  }
  return deliver_tool_response (self, id, response, error);
}

/* Under the lock.  Running handlers point into the old tools: they stay
 * until the session goes. */
static void
replace_tools (VpLiveSession * self, VpTools * tools)
{
  if (self->tools != NULL)
    g_ptr_array_add (self->retired_tools, self->tools);
  self->tools = tools;
}

static gboolean
rollover_for_update (gpointer data)
{
  VpLiveSession *self = data;
  gboolean have_handle;

  g_mutex_lock (&self->lock);
  have_handle = self->resume_handle != NULL;
  g_mutex_unlock (&self->lock);

  /* Without a handle the new connection would start a new conversation:
   * wait for the first resumable handle. */
  if (!have_handle)
    self->update_waits_for_handle = TRUE;
  else if (self->ws != NULL && self->setup_complete)
    schedule_rollover (self, UPDATE_DEADLINE_MS);
  return G_SOURCE_REMOVE;
}

gboolean
vp_live_session_update (VpLiveSession * self, const VpSetupConfig * setup,
    VpTools * tools, GError ** error)
{
  g_autoptr (VpTools) owned_tools = tools;
  gboolean ready;

  g_return_val_if_fail (VP_IS_LIVE_SESSION (self), FALSE);
  g_return_val_if_fail (setup != NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (g_strcmp0 (setup->model, self->setup->model) != 0) {
    g_mutex_unlock (&self->lock);
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "A session cannot change its model (%s) on the way. Start a new "
        "session for %s.", self->setup->model, setup->model);
    return FALSE;
  }
  if (!self->setup->session_resumption) {
    g_mutex_unlock (&self->lock);
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "Updating a running session needs session resumption (the new "
        "settings go to a new connection that resumes the conversation). "
        "Turn session-resumption on.");
    return FALSE;
  }
  vp_setup_config_free (self->setup);
  self->setup = vp_setup_config_copy (setup);
  self->setup->session_resumption = TRUE;
  if (owned_tools != NULL)
    replace_tools (self, g_steal_pointer (&owned_tools));
  ready = self->state == VP_SESSION_STATE_READY;
  g_mutex_unlock (&self->lock);

  /* The service takes a setup only on a new connection. */
  if (ready)
    vp_net_thread_invoke (self->net, rollover_for_update,
        g_object_ref (self), g_object_unref);
  return TRUE;
}

void
vp_live_session_set_tools (VpLiveSession * self, VpTools * tools)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));

  g_mutex_lock (&self->lock);
  replace_tools (self, tools);
  g_mutex_unlock (&self->lock);
}

/* Connecting [N] */

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

static gboolean
host_is_loopback_url (const gchar * url)
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
error_from_connect (SoupMessage * msg, GError * error, const gchar * url)
{
  guint status = soup_message_get_status (msg);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;

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

typedef struct
{
  VpLiveSession *self;
  SoupMessage *msg;
} Connecting;

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
on_connected (GObject * source, GAsyncResult * result, gpointer user_data)
{
  Connecting *connecting = user_data;
  VpLiveSession *self = connecting->self;
  SoupMessage *msg = connecting->msg;
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws;
  VpSetupConfig *setup;
  gchar *json;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
      &error);
  if (ws == NULL) {
    g_autofree gchar *url = NULL;
    GError *vp_error;

    url = g_uri_to_string_partial (soup_message_get_uri (msg),
        G_URI_HIDE_QUERY | G_URI_HIDE_PASSWORD);
    vp_error = error_from_connect (msg, error, url);
    if (vp_error != NULL)
      connection_lost (self, vp_error);
    goto done;
  }

  g_clear_object (&self->cancellable);
  self->ws = ws;
  set_no_delay (soup_websocket_connection_get_io_stream (ws));
  soup_websocket_connection_set_max_incoming_payload_size (ws,
      MAX_INCOMING_PAYLOAD);
  /* The service's pongs can take 30 s: no keepalive pings (PROTOCOL §1.5). */
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), self);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), self);

  g_mutex_lock (&self->lock);
  setup = vp_setup_config_copy (self->setup);
  /* A new connection of a session that was up resumes it. */
  if (self->was_ready && setup->session_resumption
      && self->resume_handle != NULL) {
    g_free (setup->resume_handle);
    setup->resume_handle = g_strdup (self->resume_handle);
  }
  self->setup_complete_resumed = setup->resume_handle != NULL;
  g_mutex_unlock (&self->lock);

  /* setup is first and alone; everything else waits for setupComplete. */
  json = vp_protocol_build_setup (setup);
  soup_websocket_connection_send_text (ws, json);
  g_free (json);
  vp_setup_config_free (setup);

  arm_timeout (self, self->connect_timeout_ms);

done:
  g_object_unref (connecting->msg);
  g_object_unref (connecting->self);
  g_free (connecting);
}

static const gchar *
default_api_key (void)
{
  const gchar *key = g_getenv ("GEMINI_API_KEY");

  if (key == NULL || *key == '\0')
    key = g_getenv ("GOOGLE_API_KEY");
  return (key != NULL && *key != '\0') ? key : NULL;
}

static gboolean
start_connect (gpointer data)
{
  VpLiveSession *self = data;
  g_autofree gchar *endpoint = NULL;
  g_autofree gchar *api_key = NULL;
  g_autoptr (GError) error = NULL;

  /* Until "closed", the connection keeps the session alive. */
  g_object_ref (self);
  self->holds_connection_ref = TRUE;

  g_mutex_lock (&self->lock);
  endpoint = g_strdup (self->endpoint);
  api_key = g_strdup (self->api_key ? self->api_key : default_api_key ());
  g_mutex_unlock (&self->lock);

  /* The client never starts the emulator: the elements and the programs
   * resolve "local" one floor up and hand the session its URL. */
  if (g_strcmp0 (endpoint, "local") == 0) {
    fail (self, g_error_new (VP_ERROR, VP_ERROR_SETTINGS,
            "The endpoint \"local\" names the built-in emulator, which the "
            "geminilive elements and the voxpipe programs start. An "
            "application using libvoxpipe alone starts a VpEmulator "
            "(libvoxpipe-emulator-1.0) or voxpipe-emulator and gives the "
            "session its ws:// URL (see examples/demo-client.c)."));
    return G_SOURCE_REMOVE;
  }

  /* The emulator on loopback takes any key: none is needed there. */
  if (api_key == NULL && host_is_loopback_url (endpoint))
    api_key = g_strdup ("local-emulator");

  if (api_key == NULL) {
    fail (self, g_error_new (VP_ERROR, VP_ERROR_AUTH,
            "No API key. Set GEMINI_API_KEY (or the api-key property), or use "
            "endpoint=local for the built-in emulator."));
    return G_SOURCE_REMOVE;
  }

  self->url = g_steal_pointer (&endpoint);
  self->key = g_steal_pointer (&api_key);
  open_connection (self);
  return G_SOURCE_REMOVE;
}

/* Opens one WebSocket connection of the session. */
static void
open_connection (VpLiveSession * self)
{
  g_autofree gchar *api_version = NULL;
  g_autofree gchar *url = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) error = NULL;
  SoupMessage *msg;
  Connecting *connecting;

  g_mutex_lock (&self->lock);
  api_version = g_strdup (self->api_version);
  g_mutex_unlock (&self->lock);

  uri = build_uri (self->url, api_version, self->key, &error);
  if (uri == NULL) {
    fail (self, g_steal_pointer (&error));
    return;
  }

  msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  if (!g_str_has_prefix (self->key, "auth_tokens/"))
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "x-goog-api-key", self->key);

  url = g_uri_to_string_partial (uri, G_URI_HIDE_QUERY);
  g_debug ("session %p: connecting to %s", self, url);

  self->cancellable = g_cancellable_new ();
  arm_timeout (self, self->connect_timeout_ms);

  connecting = g_new0 (Connecting, 1);
  connecting->self = g_object_ref (self);
  connecting->msg = msg;
  soup_session_websocket_connect_async (vp_net_thread_get_soup_session
      (self->net), msg, NULL, NULL, G_PRIORITY_DEFAULT, self->cancellable,
      on_connected, connecting);
}

void
vp_live_session_connect (VpLiveSession * self)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));

  g_mutex_lock (&self->lock);
  if (self->state != VP_SESSION_STATE_IDLE) {
    g_mutex_unlock (&self->lock);
    g_warning ("Voxpipe session %p: connect() called twice; ignored.", self);
    return;
  }
  g_mutex_unlock (&self->lock);

  set_state (self, VP_SESSION_STATE_CONNECTING);
  vp_net_thread_invoke (self->net, start_connect, g_object_ref (self),
      g_object_unref);
}

static gboolean
do_close (gpointer data)
{
  VpLiveSession *self = data;

  if (self->ws != NULL && soup_websocket_connection_get_state (self->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN) {
    /* Send what is queued first: the last words and tool results. */
    flush_outgoing (self);
    disarm_timeout (self);
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
        NULL);
    /* "closed" finishes the job. */
  } else if (vp_live_session_get_state (self) != VP_SESSION_STATE_CLOSED) {
    finish_closed (self, 0, NULL);
  }
  return G_SOURCE_REMOVE;
}

void
vp_live_session_close (VpLiveSession * self)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));

  g_mutex_lock (&self->lock);
  if (self->close_requested || self->state == VP_SESSION_STATE_CLOSED) {
    g_mutex_unlock (&self->lock);
    return;
  }
  self->close_requested = TRUE;
  g_mutex_unlock (&self->lock);

  vp_net_thread_invoke (self->net, do_close, g_object_ref (self),
      g_object_unref);
}

/* Configuration */

void
vp_live_session_set_setup (VpLiveSession * self, const VpSetupConfig * config)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));
  g_return_if_fail (config != NULL);

  g_mutex_lock (&self->lock);
  vp_setup_config_free (self->setup);
  self->setup = vp_setup_config_copy (config);
  if (self->setup->model == NULL)
    self->setup->model = g_strdup (VP_DEFAULT_MODEL);
  g_mutex_unlock (&self->lock);
}

VpSetupConfig *
vp_live_session_dup_setup (VpLiveSession * self)
{
  VpSetupConfig *copy;

  g_return_val_if_fail (VP_IS_LIVE_SESSION (self), NULL);

  g_mutex_lock (&self->lock);
  copy = vp_setup_config_copy (self->setup);
  g_mutex_unlock (&self->lock);
  return copy;
}

VpUsage *
vp_live_session_get_usage (VpLiveSession * self)
{
  VpUsage *usage;

  g_return_val_if_fail (VP_IS_LIVE_SESSION (self), NULL);

  g_mutex_lock (&self->lock);
  usage = vp_usage_copy (&self->usage);
  g_mutex_unlock (&self->lock);
  return usage;
}

gchar *
vp_live_session_dup_resume_handle (VpLiveSession * self)
{
  gchar *handle;

  g_return_val_if_fail (VP_IS_LIVE_SESSION (self), NULL);

  g_mutex_lock (&self->lock);
  handle = g_strdup (self->resume_handle);
  g_mutex_unlock (&self->lock);
  return handle;
}

VpLiveSession *
vp_live_session_new (void)
{
  return g_object_new (VP_TYPE_LIVE_SESSION, NULL);
}

static void
replace_string (VpLiveSession * self, gchar ** field, const GValue * value)
{
  g_mutex_lock (&self->lock);
  g_free (*field);
  *field = g_value_dup_string (value);
  g_mutex_unlock (&self->lock);
}

static void
vp_live_session_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  VpLiveSession *self = VP_LIVE_SESSION (object);

  switch (prop_id) {
    case PROP_ENDPOINT:
      replace_string (self, &self->endpoint, value);
      if (self->endpoint == NULL)
        self->endpoint = g_strdup (VP_DEFAULT_ENDPOINT);
      break;
    case PROP_API_KEY:
      replace_string (self, &self->api_key, value);
      if (self->api_key != NULL && *self->api_key == '\0')
        g_clear_pointer (&self->api_key, g_free);
      break;
    case PROP_API_VERSION:
      replace_string (self, &self->api_version, value);
      if (self->api_version == NULL)
        self->api_version = g_strdup (DEFAULT_API_VERSION);
      break;
    case PROP_MODEL:
      replace_string (self, &self->setup->model, value);
      if (self->setup->model == NULL)
        self->setup->model = g_strdup (VP_DEFAULT_MODEL);
      break;
    case PROP_VOICE:
      replace_string (self, &self->setup->voice, value);
      break;
    case PROP_SYSTEM_INSTRUCTION:
      replace_string (self, &self->setup->system_instruction, value);
      break;
    case PROP_CONNECT_TIMEOUT:
      self->connect_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_RESPONSE_TIMEOUT:
      self->response_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_RECONNECT:
      g_mutex_lock (&self->lock);
      self->reconnect = g_value_get_boolean (value);
      g_mutex_unlock (&self->lock);
      break;
    case PROP_RESUME_HANDLE:
      replace_string (self, &self->resume_handle, value);
      g_mutex_lock (&self->lock);
      g_free (self->setup->resume_handle);
      self->setup->resume_handle = g_strdup (self->resume_handle);
      if (self->resume_handle != NULL)
        self->setup->session_resumption = TRUE;
      g_mutex_unlock (&self->lock);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
vp_live_session_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  VpLiveSession *self = VP_LIVE_SESSION (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_ENDPOINT:
      g_value_set_string (value, self->endpoint);
      break;
    case PROP_API_VERSION:
      g_value_set_string (value, self->api_version);
      break;
    case PROP_MODEL:
      g_value_set_string (value, self->setup->model);
      break;
    case PROP_VOICE:
      g_value_set_string (value, self->setup->voice);
      break;
    case PROP_SYSTEM_INSTRUCTION:
      g_value_set_string (value, self->setup->system_instruction);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, self->connect_timeout_ms);
      break;
    case PROP_RESPONSE_TIMEOUT:
      g_value_set_uint (value, self->response_timeout_ms);
      break;
    case PROP_RECONNECT:
      g_value_set_boolean (value, self->reconnect);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_RESUME_HANDLE:
      g_value_set_string (value, self->resume_handle);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
vp_live_session_dispose (GObject * object)
{
  VpLiveSession *self = VP_LIVE_SESSION (object);

  /* Every callback on the network thread holds a reference, so nothing
   * runs there any more; what is left is only a connection to drop. */
  teardown_connection (self);

  G_OBJECT_CLASS (vp_live_session_parent_class)->dispose (object);
}

static void
vp_live_session_finalize (GObject * object)
{
  VpLiveSession *self = VP_LIVE_SESSION (object);

  g_queue_clear_full (&self->outgoing, (GDestroyNotify) outgoing_free);
  g_hash_table_unref (self->pending_calls);
  vp_tools_free (self->tools);
  g_ptr_array_unref (self->retired_tools);
  g_free (self->endpoint);
  g_free (self->api_key);
  g_free (self->api_version);
  g_free (self->resume_handle);
  g_free (self->url);
  g_free (self->key);
  vp_setup_config_free (self->setup);
  g_mutex_clear (&self->lock);
  vp_net_thread_unref (self->net);

  G_OBJECT_CLASS (vp_live_session_parent_class)->finalize (object);
}

static void
vp_live_session_init (VpLiveSession * self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->outgoing);
  self->endpoint = g_strdup (VP_DEFAULT_ENDPOINT);
  self->api_version = g_strdup (DEFAULT_API_VERSION);
  self->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  self->response_timeout_ms = DEFAULT_RESPONSE_TIMEOUT_MS;
  self->reconnect = TRUE;
  self->setup = vp_setup_config_new ();
  self->setup->model = g_strdup (VP_DEFAULT_MODEL);
  self->pending_calls = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, (GDestroyNotify) pending_call_free);
  self->retired_tools = g_ptr_array_new_with_free_func ((GDestroyNotify)
      vp_tools_free);
  self->net = vp_net_thread_ref ();
}

static void
vp_live_session_class_init (VpLiveSessionClass * klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->set_property = vp_live_session_set_property;
  object_class->get_property = vp_live_session_get_property;
  object_class->dispose = vp_live_session_dispose;
  object_class->finalize = vp_live_session_finalize;

  properties[PROP_ENDPOINT] = g_param_spec_string ("endpoint", "Endpoint",
      "Service URL: wss://…, or ws:// on loopback (an emulator)",
      VP_DEFAULT_ENDPOINT, rw);
  properties[PROP_API_KEY] = g_param_spec_string ("api-key", "API key",
      "API key or ephemeral token (auth_tokens/…); default from "
      "GEMINI_API_KEY or GOOGLE_API_KEY. Write-only: never read back or "
      "logged", NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_VERSION] = g_param_spec_string ("api-version",
      "API version", "v1beta or v1alpha", DEFAULT_API_VERSION, rw);
  properties[PROP_MODEL] = g_param_spec_string ("model", "Model",
      "Live model name", VP_DEFAULT_MODEL, rw);
  properties[PROP_VOICE] = g_param_spec_string ("voice", "Voice",
      "Prebuilt voice name (Puck, Kore, …); NULL for the model's default",
      NULL, rw);
  properties[PROP_SYSTEM_INSTRUCTION] =
      g_param_spec_string ("system-instruction", "System instruction",
      "Instructions for the model", NULL, rw);
  properties[PROP_CONNECT_TIMEOUT] = g_param_spec_uint ("connect-timeout",
      "Connect timeout", "Milliseconds to wait for the connection and "
      "setupComplete (0 = forever)", 0, G_MAXUINT,
      DEFAULT_CONNECT_TIMEOUT_MS, rw);
  properties[PROP_RESPONSE_TIMEOUT] = g_param_spec_uint ("response-timeout",
      "Response timeout", "Milliseconds of server silence, while a reply "
      "is due, after which the connection counts as stalled (0 = never)",
      0, G_MAXUINT, DEFAULT_RESPONSE_TIMEOUT_MS, rw);
  properties[PROP_RECONNECT] = g_param_spec_boolean ("reconnect",
      "Reconnect", "After goAway or a transient failure, continue on a new "
      "connection with the latest resumption handle", TRUE, rw);
  properties[PROP_STATE] = g_param_spec_enum ("state", "State",
      "Connection state", VP_TYPE_SESSION_STATE, VP_SESSION_STATE_IDLE,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RESUME_HANDLE] = g_param_spec_string ("resume-handle",
      "Resume handle", "Latest resumable handle (read); a stored handle to "
      "resume from (write, before connect)", NULL, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * VpLiveSession::state-changed:
   * @state: the new #VpSessionState
   */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, VP_TYPE_SESSION_STATE);
  /**
   * VpLiveSession::setup-complete:
   *
   * The service accepted setup; queued input is now sent.
   */
  signals[SIGNAL_SETUP_COMPLETE] = g_signal_new ("setup-complete",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  /**
   * VpLiveSession::audio:
   * @pcm: S16LE mono samples
   * @rate: their sample rate (24000)
   */
  signals[SIGNAL_AUDIO] = g_signal_new ("audio", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
      G_TYPE_BYTES, G_TYPE_UINT);
  /**
   * VpLiveSession::text:
   * @text: model text (TEXT modality)
   */
  signals[SIGNAL_TEXT] = g_signal_new ("text", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * VpLiveSession::input-transcription:
   * @text: a piece of what the user said
   * @finished: the transcription of this user turn is complete
   */
  signals[SIGNAL_INPUT_TRANSCRIPTION] = g_signal_new ("input-transcription",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  /**
   * VpLiveSession::output-transcription:
   * @text: a piece of what the model says, near its audio
   * @finished: the transcription of this model turn is complete
   */
  signals[SIGNAL_OUTPUT_TRANSCRIPTION] = g_signal_new ("output-transcription",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[SIGNAL_GENERATION_COMPLETE] = g_signal_new ("generation-complete",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  /**
   * VpLiveSession::turn-complete:
   * @reason: (nullable): turnCompleteReason, if the service gave one
   */
  signals[SIGNAL_TURN_COMPLETE] = g_signal_new ("turn-complete",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * VpLiveSession::interrupted:
   *
   * The user barged in: drop every queued sample of the current model turn.
   */
  signals[SIGNAL_INTERRUPTED] = g_signal_new ("interrupted",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  /**
   * VpLiveSession::tool-call:
   * @id: call id, to pass to vp_live_session_send_tool_response() before
   *   the tool's timeout (else the model gets an error)
   * @name: function name
   * @args: arguments as a JSON object
   */
  signals[SIGNAL_TOOL_CALL] = g_signal_new ("tool-call",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * VpLiveSession::tool-started:
   * @id: call id
   * @name: function name
   * @args: arguments as a JSON object
   * @handler: who answers: "app" (then "tool-call" follows), "http",
   *   "exec", "result" or "builtin"
   *
   * Every tool call, whoever answers it.
   */
  signals[SIGNAL_TOOL_STARTED] = g_signal_new ("tool-started",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
      G_TYPE_STRING);
  /**
   * VpLiveSession::tool-result:
   * @id: call id
   * @name: function name
   * @response: the response sent to the model, JSON ({"output": …} or
   *   {"error": …})
   *
   * A call was answered and the answer is on its way to the service.
   */
  signals[SIGNAL_TOOL_RESULT] = g_signal_new ("tool-result",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * VpLiveSession::end-call:
   *
   * The model called the builtin end-call tool: finish playing its
   * goodbye, then stop.
   */
  signals[SIGNAL_END_CALL] = g_signal_new ("end-call",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  /**
   * VpLiveSession::tool-call-cancelled:
   * @id: a pending call the service cancelled (barge-in); its result,
   *   if any, will be refused
   */
  signals[SIGNAL_TOOL_CALL_CANCELLED] = g_signal_new ("tool-call-cancelled",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * VpLiveSession::go-away:
   * @time_left_ms: milliseconds before the service closes the connection
   *   (-1 if not given)
   */
  signals[SIGNAL_GO_AWAY] = g_signal_new ("go-away",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * VpLiveSession::resumption-update:
   * @handle: (nullable): new handle
   * @resumable: whether the session can be resumed from here
   */
  signals[SIGNAL_RESUMPTION_UPDATE] = g_signal_new ("resumption-update",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  /**
   * VpLiveSession::usage:
   * @usage: session totals, with cost
   */
  signals[SIGNAL_USAGE] = g_signal_new ("usage", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, VP_TYPE_USAGE);
  signals[SIGNAL_VOICE_ACTIVITY] = g_signal_new ("voice-activity",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * VpLiveSession::server-message:
   * @json: every server message, as received
   */
  signals[SIGNAL_SERVER_MESSAGE] = g_signal_new ("server-message",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * VpLiveSession::warning:
   * @error: a problem the session survived (an unreadable frame)
   */
  signals[SIGNAL_WARNING] = g_signal_new ("warning",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_ERROR);
  /**
   * VpLiveSession::error:
   * @error: why the session ended (#VP_ERROR domain); "closed" follows
   */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  /**
   * VpLiveSession::reconnected:
   * @resumed: TRUE when the new connection resumed the session with a
   *   handle (the model kept its context); FALSE when it started afresh
   *
   * The session continues on a new connection, after goAway or a
   * transient failure.  Queued input was sent on it.
   */
  signals[SIGNAL_RECONNECTED] = g_signal_new ("reconnected",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /**
   * VpLiveSession::closed:
   * @code: WebSocket close code (0 if none)
   * @reason: (nullable): close reason
   */
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT,
      G_TYPE_STRING);
}
