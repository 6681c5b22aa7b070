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
 */

/* The session's state machine, on the network thread: a connection's
 * life (connect, setup, timeouts, loss, reconnection, rollover, close),
 * the dispatch of server messages to signals and the flush of queued
 * input (the tool calls' signals and answers are in vp-session-tools.c).
 * Its public calls are in vp-session-api.c, its properties and signals in
 * vp-session-class.c.  The parts it drives
 * know nothing of it: the transport (vp-transport.c), the send queue
 * (vp-send-queue.c), the tool-call table (vp-tool-calls.c), the
 * reconnection policy (vp-reconnect.c) and the re-armed timer
 * (vp-timer.c).
 *
 * Locking: `lock` protects the fields marked [L] (vp-session-private.h).
 * It is never held while emitting a signal or calling into libsoup or
 * the tool-call table (which has its own). */

#include "config.h"

#include "vp-session-private.h"
#include "vp-error.h"
#include "vp-json.h"
#include "vp-models.h"

#include <string.h>


G_DEFINE_FINAL_TYPE (VpLiveSession, vp_live_session, G_TYPE_OBJECT);

#define properties vp_live_session_properties
#define signals vp_live_session_signals

static void schedule_flush (VpLiveSession * self);
static gboolean flush_outgoing (gpointer data);
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

/* Whether a lost or ending connection may be followed by another. */
static gboolean
may_reconnect (VpLiveSession * self)
{
  gboolean reconnect;

  g_mutex_lock (&self->lock);
  reconnect = self->reconnect && !self->close_requested;
  g_mutex_unlock (&self->lock);
  return reconnect;
}

/* Whether this session asks the service for resumption handles. */
static gboolean
session_resumes (VpLiveSession * self)
{
  gboolean resumes;

  g_mutex_lock (&self->lock);
  resumes = self->setup->session_resumption;
  g_mutex_unlock (&self->lock);
  return resumes;
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
        g_atomic_int_get (&self->connect_timeout_ms));
  else
    error = g_error_new (VP_ERROR, VP_ERROR_TIMEOUT,
        "The service went silent for %u ms while a reply was due: the "
        "connection stalled. Raise response-timeout if the model is that "
        "slow.", g_atomic_int_get (&self->response_timeout_ms));

  /* The timer stays (disarmed) until teardown_connection(), which
   * connection_lost() has usually run already. */
  connection_lost (self, error);
  return G_SOURCE_CONTINUE;
}

static void
arm_timeout (VpLiveSession * self, guint ms)
{
  if (self->timer == NULL) {
    if (ms == 0)
      return;
    self->timer = vp_timer_new (vp_net_thread_get_context (self->net),
        "voxpipe-session-timeout", on_timeout, self);
  }
  vp_timer_arm (self->timer, ms);
}

/* Called whenever the service proves alive or owes us nothing. */
static void
update_response_timeout (VpLiveSession * self)
{
  guint ms = g_atomic_int_get (&self->response_timeout_ms);

  /* After generationComplete the service waits for its audio to play out
   * before turnComplete. */
  if (self->generation_complete && ms > 0)
    ms += self->turn_audio_us / 1000;

  if (self->setup_complete && self->expecting_reply && ms > 0)
    arm_timeout (self, ms);
  else if (self->setup_complete)
    arm_timeout (self, 0);
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

/* Ends the current connection, not the session. */
static void
teardown_connection (VpLiveSession * self)
{
  g_clear_pointer (&self->timer, vp_timer_free);
  clear_source (&self->rollover_source);
  clear_source (&self->handle_wait_source);
  self->handle_owed = FALSE;
  clear_source (&self->reconnect_source);
  g_clear_pointer (&self->old_transport, vp_transport_free);
  vp_reconnect_connection_ended (&self->reconnection);
  self->setup_complete = FALSE;
  self->expecting_reply = FALSE;
  self->turn_audio_us = 0;
  self->generation_complete = FALSE;
  /* Cancels a connect in progress, closes an open connection. */
  g_clear_pointer (&self->transport, vp_transport_free);
}

static void
finish_closed (VpLiveSession * self, gushort code, const gchar * reason)
{
  gboolean release = self->holds_connection_ref;

  self->holds_connection_ref = FALSE;
  teardown_connection (self);
  /* The session is over: running handlers stop, deadlines go. */
  vp_tool_calls_cancel_all (self->calls);
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
  if (self->transport != NULL) {
    code = vp_transport_get_close_code (self->transport);
    reason = g_strdup (vp_transport_get_close_reason (self->transport));
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

static GSource *
attach_timeout (VpLiveSession * self, guint ms, GSourceFunc func,
    const gchar * name)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_set_static_name (source, name);
  g_source_attach (source, vp_net_thread_get_context (self->net));
  return source;
}

/* The connection failed (takes @error).  A session that was up reconnects
 * with its latest handle after a transient failure; anything else, or too
 * many attempts, ends it with the error (vp-reconnect.c decides). */
/* The service refused to resume with a handle Voxpipe read itself (it
 * expired, or the service lost the session): rather than end the call,
 * start a fresh session, say that the model lost the context, and seed
 * it with the transcripts when asked (restore-context). */
static gboolean
start_fresh_session (VpLiveSession * self, const GError * error)
{
  g_autoptr (GError) warning = NULL;
  gboolean restore;

  if (!g_error_matches (error, VP_ERROR, VP_ERROR_SESSION_NOT_FOUND)
      || !self->resumed_by_us || !may_reconnect (self))
    return FALSE;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->resume_handle, g_free);
  g_clear_pointer (&self->setup->resume_handle, g_free);
  restore = self->restore_context;
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESUME_HANDLE]);

  self->restore_pending = restore && !vp_history_is_empty (self->history);
  warning = g_error_new (VP_ERROR, VP_ERROR_SESSION_NOT_FOUND,
      "The service no longer knows this session (its resumption handle "
      "expired or is unknown), so a new session was started and the model "
      "lost the conversation's context%s.", self->restore_pending ?
      "; it gets the transcripts so far as its first content" :
      ". Set restore-context to seed the new session with the transcripts");
  g_debug ("session %p: %s", self, warning->message);
  g_signal_emit (self, signals[SIGNAL_WARNING], 0, warning);

  teardown_connection (self);
  set_state (self, VP_SESSION_STATE_RECONNECTING);
  open_connection (self);
  return TRUE;
}

static void
connection_lost (VpLiveSession * self, GError * error)
{
  guint delay_ms;

  if (start_fresh_session (self, error)) {
    g_error_free (error);
    return;
  }
  if (!vp_reconnect_retry (&self->reconnection, may_reconnect (self),
          &error, &delay_ms)) {
    fail (self, error);
    return;
  }

  g_debug ("session %p: %s; reconnecting in %u ms (attempt %u)", self,
      error->message, delay_ms, self->reconnection.attempt);
  g_signal_emit (self, signals[SIGNAL_WARNING], 0, error);

  /* A stalled peer will not answer a close handshake: cut the TCP
   * connection so that the service frees the session for resumption. */
  if (g_error_matches (error, VP_ERROR, VP_ERROR_TIMEOUT)
      && self->transport != NULL)
    vp_transport_abort (self->transport);
  g_error_free (error);

  teardown_connection (self);
  set_state (self, VP_SESSION_STATE_RECONNECTING);
  self->reconnect_source = attach_timeout (self, delay_ms, on_reconnect_due,
      "voxpipe-reconnect");
}

static void
on_old_transport_closed (gpointer data)
{
  VpLiveSession *self = data;

  g_clear_pointer (&self->old_transport, vp_transport_free);
  open_connection (self);
}

/* goAway: close this connection ourselves (the service refuses to resume
 * a session whose old socket is still open), then open the next with the
 * latest handle.  Queued input waits and goes to the new connection. */
static void
rollover (VpLiveSession * self)
{
  VpTransport *transport = g_steal_pointer (&self->transport);

  g_debug ("session %p: rolling over to a new connection", self);
  teardown_connection (self);
  set_state (self, VP_SESSION_STATE_RECONNECTING);

  if (transport == NULL || !vp_transport_is_open (transport)) {
    vp_transport_free (transport);
    open_connection (self);
    return;
  }

  self->old_transport = transport;
  vp_transport_close_and_wait (transport,
      vp_net_thread_get_context (self->net), VP_RECONNECT_CLOSE_WAIT_MS,
      on_old_transport_closed, self);
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
on_handle_wait_over (gpointer data)
{
  VpLiveSession *self = data;

  g_clear_pointer (&self->handle_wait_source, g_source_unref);
  g_debug ("session %p: no handle followed the turn; resuming from the "
      "newest one read", self);
  rollover (self);
  return G_SOURCE_REMOVE;
}

/* At a turn boundary: roll over once the handle that follows the turn
 * is read (the service sends sessionResumptionUpdate right after
 * turnComplete; resuming from an older handle loses that turn), within
 * VP_RECONNECT_HANDLE_WAIT_MS and @time_left_ms (-1: a deadline is armed
 * already), then with the newest resumable handle read. */
static void
rollover_at_boundary (VpLiveSession * self, gint64 time_left_ms)
{
  gint64 wait_ms = VP_RECONNECT_HANDLE_WAIT_MS;

  if (self->handle_wait_source != NULL)
    return;
  if (time_left_ms >= 0)
    wait_ms = MIN (wait_ms, time_left_ms - VP_RECONNECT_ROLLOVER_MARGIN_MS);
  if (!self->handle_owed || wait_ms <= 0) {
    rollover (self);
    return;
  }
  g_debug ("session %p: rollover waits up to %" G_GINT64_FORMAT " ms for "
      "the turn's handle", self, wait_ms);
  self->handle_wait_source = attach_timeout (self, (guint) wait_ms,
      on_handle_wait_over, "voxpipe-rollover-handle");
}

/* At a turn boundary now, or at the next one, or before the deadline. */
static void
schedule_rollover (VpLiveSession * self, gint64 time_left_ms)
{
  gboolean at_boundary = !self->expecting_reply
      && !vp_tool_calls_any_pending (self->calls);
  guint deadline_ms;

  switch (vp_reconnect_rollover (&self->reconnection, may_reconnect (self),
          at_boundary, time_left_ms, &deadline_ms)) {
    case VP_ROLLOVER_NOW:
      rollover_at_boundary (self, time_left_ms);
      break;
    case VP_ROLLOVER_LATER:
      self->rollover_source = attach_timeout (self, deadline_ms,
          on_rollover_deadline, "voxpipe-rollover");
      break;
    case VP_ROLLOVER_NONE:
    default:
      break;
  }
}

/* Incoming [N] */

static void
handle_usage (VpLiveSession * self, const VpUsageMetadata * report)
{
  VpUsage *usage;
  const VpPrice *price;

  g_mutex_lock (&self->lock);
  price = self->price_override != NULL ? self->price_override :
      vp_price_lookup (self->setup->model);
  vp_usage_add_report (&self->usage, &self->last_report, report, price);
  usage = vp_usage_copy (&self->usage);
  g_mutex_unlock (&self->lock);

  g_signal_emit (self, signals[SIGNAL_USAGE], 0, usage);
  vp_usage_free (usage);
}

static void
handle_setup_complete (VpLiveSession * self)
{
  gboolean again = vp_reconnect_ready (&self->reconnection);

  self->setup_complete = TRUE;
  arm_timeout (self, 0);
  set_state (self, VP_SESSION_STATE_READY);
  if (again)
    g_signal_emit (self, signals[SIGNAL_RECONNECTED], 0,
        self->setup_complete_resumed);
  else
    g_signal_emit (self, signals[SIGNAL_SETUP_COMPLETE], 0);
  /* First, before any queued input. */
  if (self->restore_pending && self->transport != NULL) {
    g_autofree gchar *history = vp_history_build_client_content (self->history);

    if (history != NULL)
      vp_transport_send (self->transport, history);
  }
  self->restore_pending = FALSE;
  schedule_flush (self);
}

static void
handle_server_content (VpLiveSession * self, VpServerMessage * msg)
{
  guint i;

  /* Transcription first: it names the audio that follows in the frame. */
  vp_history_add (self->history, TRUE, msg->input_transcription);
  vp_history_add (self->history, FALSE, msg->output_transcription);
  if (msg->input_transcription != NULL || msg->input_transcription_finished)
    g_signal_emit (self, signals[SIGNAL_INPUT_TRANSCRIPTION], 0,
        msg->input_transcription ? msg->input_transcription : "",
        msg->input_transcription_finished);
  if (msg->output_transcription != NULL || msg->output_transcription_finished)
    g_signal_emit (self, signals[SIGNAL_OUTPUT_TRANSCRIPTION], 0,
        msg->output_transcription ? msg->output_transcription : "",
        msg->output_transcription_finished);
  if (msg->interrupted) {
    self->expecting_reply = TRUE;       /* turnComplete still to come */
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
    self->expecting_reply = TRUE;       /* a model turn is under way */
  if (msg->generation_complete) {
    self->generation_complete = TRUE;
    g_signal_emit (self, signals[SIGNAL_GENERATION_COMPLETE], 0);
  }
}

static void
handle_resumption_update (VpLiveSession * self, VpServerMessage * msg)
{
  gboolean awaited = FALSE;

  if (msg->resumable && msg->new_handle != NULL) {
    g_mutex_lock (&self->lock);
    g_free (self->resume_handle);
    self->resume_handle = g_strdup (msg->new_handle);
    g_mutex_unlock (&self->lock);
    self->handle_owed = FALSE;
    awaited = self->handle_wait_source != NULL;
    clear_source (&self->handle_wait_source);
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESUME_HANDLE]);
  }
  g_signal_emit (self, signals[SIGNAL_RESUMPTION_UPDATE], 0,
      msg->new_handle, msg->resumable);
  /* The handle the rollover waited for. */
  if (awaited) {
    rollover (self);
    return;
  }
  if (msg->resumable && msg->new_handle != NULL
      && vp_reconnect_handle_arrived (&self->reconnection))
    schedule_rollover (self, VP_RECONNECT_UPDATE_DEADLINE_MS);
}

static void
dispatch (VpLiveSession * self, VpServerMessage * msg)
{
  if (msg->has_error) {
    fail (self, g_error_new (VP_ERROR, VP_ERROR_SERVER,
            "The service reported error %d: %s. Check the request; "
            "reconnect if it is transient.", msg->error_code,
            msg->error_message ? msg->error_message : "no message"));
    return;
  }

  if (msg->setup_complete && !self->setup_complete)
    handle_setup_complete (self);

  if (msg->has_server_content)
    handle_server_content (self, msg);

  if (msg->cancelled_ids != NULL)
    vp_live_session_cancel_tool_calls (self, msg->cancelled_ids);

  if (msg->has_usage)
    handle_usage (self, &msg->usage);

  if (msg->turn_complete || (msg->has_server_content && msg->interrupted)) {
    self->turn_audio_us = 0;
    self->generation_complete = FALSE;
  }
  if (msg->turn_complete) {
    self->expecting_reply = FALSE;
    /* The service sends the handle that includes this turn next. */
    self->handle_owed = session_resumes (self);
    g_signal_emit (self, signals[SIGNAL_TURN_COMPLETE], 0,
        msg->turn_complete_reason);
  }

  if (msg->function_calls != NULL && msg->function_calls->len > 0) {
    /* The model now waits for us, not the other way round. */
    self->expecting_reply = FALSE;
    vp_live_session_start_tool_calls (self, msg->function_calls);
  }

  if (msg->has_resumption_update)
    handle_resumption_update (self, msg);

  if (msg->voice_activity != NULL)
    g_signal_emit (self, signals[SIGNAL_VOICE_ACTIVITY], 0,
        msg->voice_activity);

  if (msg->go_away) {
    g_signal_emit (self, signals[SIGNAL_GO_AWAY], 0, msg->go_away_time_left_ms);
    schedule_rollover (self, msg->go_away_time_left_ms);
  } else if (msg->turn_complete && vp_reconnect_turn_ended
      (&self->reconnection) && !vp_tool_calls_any_pending (self->calls)) {
    /* The turn boundary the pending rollover waited for (its deadline
     * stays armed). */
    rollover_at_boundary (self, -1);
  }
}

/* The transport's reports [N] */

static void
on_transport_opened (VpTransport * transport, gpointer user_data)
{
  VpLiveSession *self = user_data;
  VpSetupConfig *setup;
  gchar *json;

  g_mutex_lock (&self->lock);
  setup = vp_setup_config_copy (self->setup);
  /* A new connection of a session that was up resumes it. */
  self->resumed_by_us = self->reconnection.was_ready
      && setup->session_resumption && self->resume_handle != NULL;
  if (self->resumed_by_us) {
    g_free (setup->resume_handle);
    setup->resume_handle = g_strdup (self->resume_handle);
  }
  g_mutex_unlock (&self->lock);
  self->setup_complete_resumed = setup->resume_handle != NULL;
  /* A fresh session seeded with the history (PROTOCOL.md G6). */
  if (self->restore_pending)
    setup->initial_history_in_client_content = VP_TRISTATE_TRUE;

  /* setup is first and alone; everything else waits for setupComplete. */
  json = vp_protocol_build_setup (setup);
  vp_transport_send (transport, json);
  g_free (json);
  vp_setup_config_free (setup);

  arm_timeout (self, g_atomic_int_get (&self->connect_timeout_ms));
}

static void
on_transport_message (VpTransport * transport, const gchar * data,
    gsize size, gpointer user_data)
{
  VpLiveSession *self = user_data;
  g_autoptr (VpServerMessage) msg = NULL;
  g_autoptr (GError) error = NULL;

  msg = vp_server_message_parse (data, size, &error);
  if (msg == NULL) {
    g_autoptr (GError) warning = g_error_new (VP_ERROR, VP_ERROR_PROTOCOL,
        "Ignored a server frame of %" G_GSIZE_FORMAT " bytes that is not a "
        "Live API message: %s", size, error->message);
    g_signal_emit (self, signals[SIGNAL_WARNING], 0, warning);
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
on_transport_failed (VpTransport * transport, GError * error,
    gpointer user_data)
{
  connection_lost (user_data, error);
}

static void
on_transport_closed (VpTransport * transport, gpointer user_data)
{
  VpLiveSession *self = user_data;
  gushort code = vp_transport_get_close_code (transport);
  g_autofree gchar *reason =
      g_strdup (vp_transport_get_close_reason (transport));
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
  connection_lost (self, vp_transport_dup_close_error (transport));
}

static const VpTransportCallbacks transport_callbacks = {
  on_transport_opened,
  on_transport_message,
  on_transport_failed,
  on_transport_closed,
};

/* Outgoing */

/* [N] */
static gboolean
flush_outgoing (gpointer data)
{
  VpLiveSession *self = data;
  GQueue batch = G_QUEUE_INIT;
  VpOutgoing *item;

  g_mutex_lock (&self->lock);
  vp_send_queue_take (&self->queue, self->transport != NULL
      && self->setup_complete ? &batch : NULL);
  g_mutex_unlock (&self->lock);

  while ((item = g_queue_pop_head (&batch)) != NULL) {
    if (self->transport != NULL
        && vp_transport_send (self->transport, item->json)) {
      if (item->wants_reply) {
        self->expecting_reply = TRUE;
        update_response_timeout (self);
      }
      if (item->tool_id != NULL)
        g_signal_emit (self, signals[SIGNAL_TOOL_RESULT], 0, item->tool_id,
            item->tool_name, item->tool_response);
    }
    vp_outgoing_free (item);
  }
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (VpLiveSession * self)
{
  gboolean schedule;

  g_mutex_lock (&self->lock);
  schedule = vp_send_queue_want_flush (&self->queue);
  g_mutex_unlock (&self->lock);

  if (schedule)
    vp_net_thread_invoke (self->net, flush_outgoing,
        g_object_ref (self), g_object_unref);
}

/* Updates */

/* [N] */
gboolean
vp_live_session_net_update (gpointer data)
{
  VpLiveSession *self = data;
  gboolean have_handle;

  g_mutex_lock (&self->lock);
  have_handle = self->resume_handle != NULL;
  g_mutex_unlock (&self->lock);

  /* Without a handle the new connection would start a new conversation:
   * wait for the first resumable handle. */
  if (vp_reconnect_update (&self->reconnection, have_handle)
      && self->transport != NULL && self->setup_complete)
    schedule_rollover (self, VP_RECONNECT_UPDATE_DEADLINE_MS);
  return G_SOURCE_REMOVE;
}

/* Connecting [N] */

static const gchar *
default_api_key (void)
{
  const gchar *key = g_getenv ("GEMINI_API_KEY");

  if (key == NULL || *key == '\0')
    key = g_getenv ("GOOGLE_API_KEY");
  return (key != NULL && *key != '\0') ? key : NULL;
}

/* The checks a connection passes before the network (the endpoint, the
 * key): the key to send, or NULL and why the session cannot start. */
gchar *
vp_live_session_resolve_key (const gchar * endpoint, const gchar * api_key,
    GError ** error)
{
  g_autofree gchar *key = NULL;

  /* The client never starts the emulator: the elements and the programs
   * resolve "local" one floor up and hand the session its URL. */
  if (g_strcmp0 (endpoint, "local") == 0) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "The endpoint \"local\" names the built-in emulator, which the "
        "geminilive elements and the voxpipe programs start. An "
        "application using libvoxpipe alone starts a VpEmulator "
        "(libvoxpipe-emulator-1.0) or voxpipe-emulator and gives the "
        "session its ws:// URL (see examples/demo-client.c).");
    return NULL;
  }

  key = g_strdup (api_key ? api_key : default_api_key ());
  /* The emulator on loopback takes any key: none is needed there. */
  if (key == NULL && endpoint != NULL && vp_transport_is_loopback (endpoint))
    key = g_strdup ("local-emulator");

  if (key == NULL) {
    g_set_error (error, VP_ERROR, VP_ERROR_AUTH,
        "No API key. Set GEMINI_API_KEY (or the api-key property), or use "
        "endpoint=local for the built-in emulator.");
    return NULL;
  }
  if (!vp_transport_check_endpoint (endpoint, key, error))
    return NULL;
  return g_steal_pointer (&key);
}

gboolean
vp_live_session_net_connect (gpointer data)
{
  VpLiveSession *self = data;
  g_autofree gchar *endpoint = NULL;
  g_autofree gchar *api_key = NULL;
  GError *error = NULL;

  /* Until "closed", the connection keeps the session alive. */
  g_object_ref (self);
  self->holds_connection_ref = TRUE;

  g_mutex_lock (&self->lock);
  endpoint = g_strdup (self->endpoint);
  api_key = vp_live_session_resolve_key (self->endpoint, self->api_key, &error);
  g_mutex_unlock (&self->lock);

  if (api_key == NULL) {
    fail (self, error);
    return G_SOURCE_REMOVE;
  }

  /* What the model does not take is refused before connecting. */
  {
    g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
    GError *check_error = NULL;
    gboolean ok;
    guint i;

    g_mutex_lock (&self->lock);
    ok = vp_model_check_setup (self->setup, warnings, &check_error);
    g_mutex_unlock (&self->lock);
    for (i = 0; i < warnings->len; i++) {
      g_autoptr (GError) warning = g_error_new_literal (VP_ERROR,
          VP_ERROR_SETTINGS, g_ptr_array_index (warnings, i));
      g_signal_emit (self, signals[SIGNAL_WARNING], 0, warning);
    }
    if (!ok) {
      fail (self, check_error);
      return G_SOURCE_REMOVE;
    }
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
  GError *error = NULL;

  g_mutex_lock (&self->lock);
  api_version = g_strdup (self->api_version);
  g_mutex_unlock (&self->lock);

  self->transport = vp_transport_connect (vp_net_thread_get_soup_session
      (self->net), self->url, api_version, self->key, &transport_callbacks,
      self, &error);
  if (self->transport == NULL) {
    fail (self, error);
    return;
  }
  arm_timeout (self, g_atomic_int_get (&self->connect_timeout_ms));
}

/* [N] */
gboolean
vp_live_session_net_close (gpointer data)
{
  VpLiveSession *self = data;

  if (self->transport != NULL && vp_transport_is_open (self->transport)) {
    /* Send what is queued first: the last words and tool results. */
    flush_outgoing (self);
    arm_timeout (self, 0);
    vp_transport_close (self->transport);
    /* "closed" finishes the job. */
  } else {
    gboolean closed;

    g_mutex_lock (&self->lock);
    closed = self->state == VP_SESSION_STATE_CLOSED;
    g_mutex_unlock (&self->lock);
    if (!closed)
      finish_closed (self, 0, NULL);
  }
  return G_SOURCE_REMOVE;
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

  vp_send_queue_clear (&self->queue);
  vp_tool_calls_free (self->calls);
  vp_history_free (self->history);
  g_free (self->endpoint);
  g_free (self->api_key);
  g_free (self->api_version);
  g_free (self->resume_handle);
  g_free (self->price_override);
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
  /* No other thread sees the object yet: no lock needed. */
  g_mutex_init (&self->lock);
  self->net = vp_net_thread_ref ();
  self->flush = flush_outgoing;
  self->calls =
      vp_tool_calls_new (G_OBJECT (self), &vp_live_session_tool_calls_callbacks,
      vp_net_thread_get_context (self->net),
      vp_net_thread_get_soup_session (self->net));
  vp_send_queue_init (&self->queue, MAX_PENDING_AUDIO_MS * 1000ull);
  self->history = vp_history_new (VP_HISTORY_MAX_CHARS);
  self->endpoint = g_strdup (VP_DEFAULT_ENDPOINT);
  self->api_version = g_strdup (VP_SESSION_DEFAULT_API_VERSION);
  self->connect_timeout_ms = VP_SESSION_DEFAULT_CONNECT_TIMEOUT_MS;
  self->response_timeout_ms = VP_SESSION_DEFAULT_RESPONSE_TIMEOUT_MS;
  self->reconnect = TRUE;
  self->setup = vp_setup_config_new ();
  self->setup->model = g_strdup (VP_DEFAULT_MODEL);
}

static void
vp_live_session_class_init (VpLiveSessionClass * klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vp_live_session_dispose;
  object_class->finalize = vp_live_session_finalize;
  vp_live_session_class_install (object_class);
}
