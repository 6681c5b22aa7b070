/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The public calls of VpLiveSession.  Any thread, and they return at
 * once: they take the lock, build their message on the caller's thread
 * (the codec is pure) and hand the rest to the network thread through
 * vp-session.c's entry points (vp-session-private.h). */

#include "config.h"

#include "vp-session-private.h"
#include "vp-error.h"
#include "vp-models.h"

#define properties vp_live_session_properties
#define signals vp_live_session_signals

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

static void
enqueue (VpLiveSession * self, gchar * json, guint64 audio_us,
    gboolean wants_reply)
{
  vp_live_session_enqueue (self, vp_outgoing_new (json, audio_us, wants_reply));
}

/**
 * vp_live_session_send_audio:
 * @self: the session
 * @samples: (array length=n_samples): S16 mono samples, native endian
 * @n_samples: how many
 * @rate: their sample rate, 8000 to 48000
 *
 * Queues microphone audio.
 */
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

/**
 * vp_live_session_send_video:
 * @self: the session
 * @data: (array length=n_bytes): one encoded frame
 * @n_bytes: its size
 * @mime_type: (nullable): its type; %NULL for "image/jpeg"
 *
 * Queues a video frame.
 */
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

/**
 * vp_live_session_send_client_content:
 * @self: the session
 * @role: (nullable): "user" (the default) or "model"
 * @text: the turn's text
 * @turn_complete: whether the model answers now
 *
 * Queues a conversation turn as text.  On a model that takes clientContent
 * only to seed history at the start (3.1 Flash Live), a turn queued before
 * connect seeds the history (historyConfig is set for it), a user turn
 * later goes as realtimeInput text, and anything else is not sent (the
 * service would close the connection with 1007).
 */
void
vp_live_session_send_client_content (VpLiveSession * self,
    const gchar * role, const gchar * text, gboolean turn_complete)
{
  gboolean anytime, before_connect;
  g_autofree gchar *model = NULL;

  g_return_if_fail (VP_IS_LIVE_SESSION (self));
  g_return_if_fail (text != NULL);

  g_mutex_lock (&self->lock);
  model = g_strdup (self->setup->model);
  anytime = vp_model_rules (model)->client_content_anytime;
  before_connect = self->state == VP_SESSION_STATE_IDLE;
  if (!anytime && before_connect)
    self->setup->initial_history_in_client_content = VP_TRISTATE_TRUE;
  g_mutex_unlock (&self->lock);

  if (!anytime && !before_connect) {
    if (g_strcmp0 (role ? role : "user", "user") == 0 && turn_complete) {
      enqueue (self, vp_protocol_build_realtime_text (text), 0, TRUE);
      return;
    }
    g_warning ("Voxpipe session %p: %s takes clientContent only to seed "
        "history before the conversation; this %s turn was not sent (the "
        "service would close the connection with 1007). Send history "
        "before connect, or user text with turn_complete.", self, model,
        role ? role : "user");
    return;
  }

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

gboolean
vp_live_session_send_tool_response (VpLiveSession * self, const gchar * id,
    const gchar * response_json, GError ** error)
{
  return vp_live_session_send_tool_response_scheduled (self, id,
      response_json, NULL, error);
}

/* "when-idle" → "WHEN_IDLE"; NULL when it is none of the three. */
static gchar *
scheduling_wire (const gchar * scheduling)
{
  static const gchar *const values[] = { "INTERRUPT", "WHEN_IDLE", "SILENT",
    NULL
  };
  gchar *wire = g_ascii_strup (scheduling, -1);

  g_strdelimit (wire, "-", '_');
  if (!g_strv_contains (values, wire))
    g_clear_pointer (&wire, g_free);
  return wire;
}

gboolean
vp_live_session_send_tool_response_scheduled (VpLiveSession * self,
    const gchar * id, const gchar * response_json, const gchar * scheduling,
    GError ** error)
{
  g_autofree gchar *wire_scheduling = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (JsonNode) response = NULL;

  g_return_val_if_fail (VP_IS_LIVE_SESSION (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (scheduling != NULL && *scheduling != '\0'
      && (wire_scheduling = scheduling_wire (scheduling)) == NULL) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "The scheduling \"%s\" of the response to tool call %s is not one "
        "of interrupt, when-idle or silent. Give one of them, or none for "
        "the tool's default.", scheduling, id);
    return FALSE;
  }

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

  response = vp_tool_response_wrap (json_parser_get_root (parser));
  return vp_live_session_deliver_tool_response_full (self, id, response,
      wire_scheduling, error);
}

gboolean
vp_live_session_call_is_non_blocking (VpLiveSession * self, const gchar * name)
{
  g_autofree gchar *behavior = NULL;
  g_autofree gchar *model = NULL;

  g_return_val_if_fail (VP_IS_LIVE_SESSION (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  behavior = vp_tool_calls_dup_behavior (self->calls, name);
  g_mutex_lock (&self->lock);
  model = g_strdup (self->setup->model);
  g_mutex_unlock (&self->lock);
  return vp_model_call_is_non_blocking (model, behavior);
}

void
vp_live_session_set_prices (VpLiveSession * self, const VpPrice * price)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->price_override, g_free);
  if (price != NULL)
    self->price_override = g_memdup2 (price, sizeof (VpPrice));
  g_mutex_unlock (&self->lock);
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
  ready = self->state == VP_SESSION_STATE_READY;
  g_mutex_unlock (&self->lock);

  if (owned_tools != NULL)
    vp_tool_calls_set_tools (self->calls, g_steal_pointer (&owned_tools));

  /* The service takes a setup only on a new connection. */
  if (ready)
    vp_net_thread_invoke (self->net, vp_live_session_net_update,
        g_object_ref (self), g_object_unref);
  return TRUE;
}

void
vp_live_session_set_tools (VpLiveSession * self, VpTools * tools)
{
  g_return_if_fail (VP_IS_LIVE_SESSION (self));

  vp_tool_calls_set_tools (self->calls, tools);
}

gboolean
vp_live_session_check (VpLiveSession * self, GError ** error)
{
  g_autofree gchar *key = NULL;

  g_return_val_if_fail (VP_IS_LIVE_SESSION (self), FALSE);

  g_mutex_lock (&self->lock);
  key = vp_live_session_resolve_key (self->endpoint, self->api_key, error);
  g_mutex_unlock (&self->lock);
  return key != NULL;
}

void
vp_live_session_connect (VpLiveSession * self)
{
  gboolean idle;

  g_return_if_fail (VP_IS_LIVE_SESSION (self));

  /* Checked and changed under one lock: a second connect() loses. */
  g_mutex_lock (&self->lock);
  idle = self->state == VP_SESSION_STATE_IDLE;
  if (idle)
    self->state = VP_SESSION_STATE_CONNECTING;
  g_mutex_unlock (&self->lock);

  if (!idle) {
    g_warning ("Voxpipe session %p: connect() called twice; ignored.", self);
    return;
  }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0,
      VP_SESSION_STATE_CONNECTING);
  vp_net_thread_invoke (self->net, vp_live_session_net_connect,
      g_object_ref (self), g_object_unref);
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

  vp_net_thread_invoke (self->net, vp_live_session_net_close,
      g_object_ref (self), g_object_unref);
}

/* Configuration */

/**
 * vp_live_session_set_setup:
 * @self: the session
 * @config: the setup configuration (copied)
 *
 * Replaces the setup configuration.  Only before connect.
 */
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

/**
 * vp_live_session_dup_setup:
 * @self: the session
 *
 * Returns: (transfer full): a copy of the setup configuration
 */
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

/**
 * vp_live_session_get_usage:
 * @self: the session
 *
 * Returns: (transfer full): the session's totals so far
 */
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

/**
 * vp_live_session_dup_resume_handle:
 * @self: the session
 *
 * Returns: (transfer full) (nullable): the latest resumable handle
 */
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

/**
 * vp_live_session_new:
 *
 * Returns: (transfer full): a new session, not connected
 */
VpLiveSession *
vp_live_session_new (void)
{
  return g_object_new (VP_TYPE_LIVE_SESSION, NULL);
}
