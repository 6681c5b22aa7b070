/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The session's GObject interface: its properties (how each is stored,
 * and under which lock) and its signals, with their documentation.  It
 * touches only the instance's fields; the behaviour is vp-session.c's. */

#include "config.h"

#include "vp-session-private.h"
#include "vp-enum-types.h"

GParamSpec *vp_live_session_properties[N_PROPS];
guint vp_live_session_signals[N_SIGNALS];

#define properties vp_live_session_properties
#define signals vp_live_session_signals

/* Under the lock.  A NULL value gives @fallback. */
static void
replace_string (gchar ** field, const GValue * value, const gchar * fallback)
{
  g_free (*field);
  *field = g_value_dup_string (value);
  if (*field == NULL)
    *field = g_strdup (fallback);
}

static void
vp_live_session_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  VpLiveSession *self = VP_LIVE_SESSION (object);

  /* The timeouts are atomic: the network thread reads them without the
   * lock on every server message. */
  switch (prop_id) {
    case PROP_CONNECT_TIMEOUT:
      g_atomic_int_set (&self->connect_timeout_ms, g_value_get_uint (value));
      return;
    case PROP_RESPONSE_TIMEOUT:
      g_atomic_int_set (&self->response_timeout_ms, g_value_get_uint (value));
      return;
    default:
      break;
  }

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_ENDPOINT:
      replace_string (&self->endpoint, value, VP_DEFAULT_ENDPOINT);
      break;
    case PROP_API_KEY:
      replace_string (&self->api_key, value, NULL);
      if (self->api_key != NULL && *self->api_key == '\0')
        g_clear_pointer (&self->api_key, g_free);
      break;
    case PROP_API_VERSION:
      replace_string (&self->api_version, value,
          VP_SESSION_DEFAULT_API_VERSION);
      break;
    case PROP_MODEL:
      replace_string (&self->setup->model, value, VP_DEFAULT_MODEL);
      break;
    case PROP_VOICE:
      replace_string (&self->setup->voice, value, NULL);
      break;
    case PROP_SYSTEM_INSTRUCTION:
      replace_string (&self->setup->system_instruction, value, NULL);
      break;
    case PROP_RECONNECT:
      self->reconnect = g_value_get_boolean (value);
      break;
    case PROP_RESUME_HANDLE:
      replace_string (&self->resume_handle, value, NULL);
      g_free (self->setup->resume_handle);
      self->setup->resume_handle = g_strdup (self->resume_handle);
      if (self->resume_handle != NULL)
        self->setup->session_resumption = TRUE;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
vp_live_session_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  VpLiveSession *self = VP_LIVE_SESSION (object);

  switch (prop_id) {
    case PROP_CONNECT_TIMEOUT:
      g_value_set_uint (value, g_atomic_int_get (&self->connect_timeout_ms));
      return;
    case PROP_RESPONSE_TIMEOUT:
      g_value_set_uint (value, g_atomic_int_get (&self->response_timeout_ms));
      return;
    default:
      break;
  }

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
install_properties (GObjectClass * object_class)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->set_property = vp_live_session_set_property;
  object_class->get_property = vp_live_session_get_property;

  properties[PROP_ENDPOINT] = g_param_spec_string ("endpoint", "Endpoint",
      "Service URL: wss://…, or ws:// on loopback (an emulator)",
      VP_DEFAULT_ENDPOINT, rw);
  properties[PROP_API_KEY] = g_param_spec_string ("api-key", "API key",
      "API key or ephemeral token (auth_tokens/…); default from "
      "GEMINI_API_KEY or GOOGLE_API_KEY. Write-only: never read back or "
      "logged", NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_VERSION] = g_param_spec_string ("api-version",
      "API version", "v1beta or v1alpha", VP_SESSION_DEFAULT_API_VERSION, rw);
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
      VP_SESSION_DEFAULT_CONNECT_TIMEOUT_MS, rw);
  properties[PROP_RESPONSE_TIMEOUT] = g_param_spec_uint ("response-timeout",
      "Response timeout", "Milliseconds of server silence, while a reply "
      "is due, after which the connection counts as stalled (0 = never)",
      0, G_MAXUINT, VP_SESSION_DEFAULT_RESPONSE_TIMEOUT_MS, rw);
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
}

static void
install_signals (GObjectClass * klass)
{
  /**
   * VpLiveSession::state-changed:
   * @session: the session
   * @state: the new #VpSessionState
   */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, VP_TYPE_SESSION_STATE);
  /**
   * VpLiveSession::setup-complete:
   * @session: the session
   *
   * The service accepted setup; queued input is now sent.
   */
  signals[SIGNAL_SETUP_COMPLETE] = g_signal_new ("setup-complete",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  /**
   * VpLiveSession::audio:
   * @session: the session
   * @pcm: S16LE mono samples
   * @rate: their sample rate (24000)
   */
  signals[SIGNAL_AUDIO] = g_signal_new ("audio", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
      G_TYPE_BYTES, G_TYPE_UINT);
  /**
   * VpLiveSession::text:
   * @session: the session
   * @text: model text (TEXT modality)
   */
  signals[SIGNAL_TEXT] = g_signal_new ("text", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * VpLiveSession::input-transcription:
   * @session: the session
   * @text: a piece of what the user said
   * @finished: the transcription of this user turn is complete
   */
  signals[SIGNAL_INPUT_TRANSCRIPTION] = g_signal_new ("input-transcription",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  /**
   * VpLiveSession::output-transcription:
   * @session: the session
   * @text: a piece of what the model says, near its audio
   * @finished: the transcription of this model turn is complete
   */
  signals[SIGNAL_OUTPUT_TRANSCRIPTION] = g_signal_new ("output-transcription",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  /**
   * VpLiveSession::generation-complete:
   * @session: the session
   *
   * The model has generated its whole turn; "turn-complete" follows once
   * its audio has played out.
   */
  signals[SIGNAL_GENERATION_COMPLETE] = g_signal_new ("generation-complete",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  /**
   * VpLiveSession::turn-complete:
   * @session: the session
   * @reason: (nullable): turnCompleteReason, if the service gave one
   */
  signals[SIGNAL_TURN_COMPLETE] = g_signal_new ("turn-complete",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * VpLiveSession::interrupted:
   * @session: the session
   *
   * The user barged in: drop every queued sample of the current model turn.
   */
  signals[SIGNAL_INTERRUPTED] = g_signal_new ("interrupted",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  /**
   * VpLiveSession::tool-call:
   * @session: the session
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
   * @session: the session
   * @id: call id
   * @name: function name
   * @args: arguments as a JSON object
   * @handler: who answers: "app" (then "tool-call" follows), "http",
   *   "exec", "result", "builtin", or "none" (no handler and nothing
   *   connected to "tool-call": answered at once with an error)
   *
   * Every tool call, whoever answers it.
   */
  signals[SIGNAL_TOOL_STARTED] = g_signal_new ("tool-started",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
      G_TYPE_STRING);
  /**
   * VpLiveSession::tool-result:
   * @session: the session
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
   * @session: the session
   *
   * The model called the builtin end-call tool: finish playing its
   * goodbye, then stop.
   */
  signals[SIGNAL_END_CALL] = g_signal_new ("end-call",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  /**
   * VpLiveSession::tool-call-cancelled:
   * @session: the session
   * @id: a pending call the service cancelled (barge-in); its result,
   *   if any, will be refused
   */
  signals[SIGNAL_TOOL_CALL_CANCELLED] = g_signal_new ("tool-call-cancelled",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * VpLiveSession::go-away:
   * @session: the session
   * @time_left_ms: milliseconds before the service closes the connection
   *   (-1 if not given)
   */
  signals[SIGNAL_GO_AWAY] = g_signal_new ("go-away",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * VpLiveSession::resumption-update:
   * @session: the session
   * @handle: (nullable): new handle
   * @resumable: whether the session can be resumed from here
   */
  signals[SIGNAL_RESUMPTION_UPDATE] = g_signal_new ("resumption-update",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  /**
   * VpLiveSession::usage:
   * @session: the session
   * @usage: session totals, with cost
   */
  signals[SIGNAL_USAGE] = g_signal_new ("usage", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, VP_TYPE_USAGE);
  /**
   * VpLiveSession::voice-activity:
   * @session: the session
   * @activity: what the service's voice activity detection saw
   *   (voiceActivity's type)
   */
  signals[SIGNAL_VOICE_ACTIVITY] = g_signal_new ("voice-activity",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * VpLiveSession::server-message:
   * @session: the session
   * @json: every server message, as received
   */
  signals[SIGNAL_SERVER_MESSAGE] = g_signal_new ("server-message",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * VpLiveSession::warning:
   * @session: the session
   * @error: a problem the session survived (an unreadable frame)
   */
  signals[SIGNAL_WARNING] = g_signal_new ("warning",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_ERROR);
  /**
   * VpLiveSession::error:
   * @session: the session
   * @error: why the session ended (#VP_ERROR domain); "closed" follows
   */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  /**
   * VpLiveSession::reconnected:
   * @session: the session
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
   * @session: the session
   * @code: WebSocket close code (0 if none)
   * @reason: (nullable): close reason
   */
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT,
      G_TYPE_STRING);
}

void
vp_live_session_class_install (GObjectClass * object_class)
{
  install_properties (object_class);
  install_signals (object_class);
}
