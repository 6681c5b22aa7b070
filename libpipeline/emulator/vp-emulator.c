/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:vp-emulator
 * @title: VpEmulator
 * @short_description: a local Gemini Live service
 *
 * #VpEmulator speaks the Live API wire protocol (PROTOCOL.md §9) on
 * loopback, so demos and tests run offline with no API key.  A scenario
 * (docs/emulator.md) decides what the emulated model says and which tools
 * it calls; speech is real audio from espeak-ng.
 *
 * Threads: the emulator owns one thread with its own #GMainContext (pushed
 * as thread-default) on which the #SoupServer and every connection live.
 * The public functions may be called from any thread: properties and the
 * record are guarded by one mutex, and vp_emulator_stop() closes every
 * connection, joins the thread and iterates the context dry.  Never call
 * vp_emulator_stop() from the emulator's own thread (nothing of the
 * emulator calls back into the application, so this does not happen by
 * accident).
 */


/* The public object: its properties, the thread it serves on (start, stop,
 * the grace for close frames) and the functions of vp-emulator.h.  The
 * work is in the vp-emu-*.c files (vp-emu-private.h draws their arrows). */

#include "config.h"

#include "vp-emu-private.h"
#include "vp-emu-conn.h"
#include "vp-emu-faults.h"
#include "vp-emu-hearing.h"
#include "vp-emu-record.h"
#include "vp-emu-server.h"
#include "vp-emu-sessions.h"
#include "vp-emu-voice.h"

#include <string.h>

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT 0
#define DEFAULT_TIME_SCALE 1.0
#define DEFAULT_CONNECTION_LIFETIME 600
#define DEFAULT_GO_AWAY_NOTICE 60
#define DEFAULT_SESSION_LIMIT 900
#define DEFAULT_HANDLE_LIFETIME 7200
#define DEFAULT_LATENCY_MS 300
#define DEFAULT_SPEECH_RATE 4.0
#define DEFAULT_CHUNK_MS 120
#define DEFAULT_WAIT_FOR_PLAYBACK TRUE
#define DEFAULT_STRICT TRUE
#define DEFAULT_RECORD_LIMIT (64 * 1024 * 1024)

/* How long vp_emulator_stop() waits for clients to answer close frames. */
#define STOP_GRACE_MS 200

static const gchar *const default_models[] = {
  "gemini-3.8-live",
  "gemini-3.8-live-extended-thinking",
  "gemini-3.1-flash-live-preview",
  "gemini-2.5-flash-native-audio-preview-12-2025",
  "gemini-2.5-flash-native-audio-preview-09-2025",
  "gemini-2.5-flash-native-audio-latest",
  "gemini-live-2.5-flash-preview",
  "gemini-2.0-flash-live-001",
  NULL
};

enum
{
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_API_KEY,
  PROP_SCENARIO_FILE,
  PROP_SCENARIO,
  PROP_TIME_SCALE,
  PROP_CONNECTION_LIFETIME,
  PROP_GO_AWAY_NOTICE,
  PROP_SESSION_LIMIT,
  PROP_HANDLE_LIFETIME,
  PROP_LATENCY_MS,
  PROP_SPEECH_RATE,
  PROP_CHUNK_MS,
  PROP_MODELS,
  PROP_WAIT_FOR_PLAYBACK,
  PROP_STRICT,
  PROP_RECORD_LIMIT,
  PROP_TLS_CERTIFICATE,
  PROP_URL,
  N_PROPERTIES
};

static GParamSpec *properties[N_PROPERTIES];

G_DEFINE_TYPE (VpEmulator, vp_emulator, G_TYPE_OBJECT);

/* ------------------------------------------------------------------------ */
/* The thread */

static gboolean
stop_when_closed (gpointer data)
{
  VpEmulator *emu = data;

  if (!vp_emu_conns_all_closed (emu))
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (emu->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
stop_grace_over (gpointer data)
{
  VpEmulator *emu = data;

  g_main_loop_quit (emu->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
stop_in_thread (gpointer data)
{
  VpEmulator *emu = data;

  vp_emu_server_stop (emu);
  vp_emu_conns_close_all (emu);

  emu->stop_poll_source = g_timeout_source_new (10);
  g_source_set_callback (emu->stop_poll_source, stop_when_closed, emu, NULL);
  g_source_attach (emu->stop_poll_source, emu->context);

  emu->stop_source = g_timeout_source_new (STOP_GRACE_MS);
  g_source_set_callback (emu->stop_source, stop_grace_over, emu, NULL);
  g_source_attach (emu->stop_source, emu->context);

  return G_SOURCE_REMOVE;
}

static void
iterate_dry (GMainContext * context)
{
  guint i;

  /* Bounded, in case something keeps re-arming itself. */
  for (i = 0; i < 10000 && g_main_context_pending (context); i++)
    g_main_context_iteration (context, FALSE);
}

static gpointer
emulator_thread (gpointer data)
{
  VpEmulator *emu = data;
  gchar *host;
  guint port, bound_port;
  GError *error = NULL;

  g_main_context_push_thread_default (emu->context);

  g_mutex_lock (&emu->lock);
  host = g_strdup (emu->host ? emu->host : DEFAULT_HOST);
  port = emu->port;
  g_mutex_unlock (&emu->lock);

  vp_emu_sessions_init (emu);
  bound_port = vp_emu_server_open (emu, host, port, &error);

  g_mutex_lock (&emu->lock);
  emu->start_error = error;
  if (bound_port != 0) {
    emu->bound_port = bound_port;
    g_free (emu->bound_host);
    emu->bound_host = g_strdup (host);
  }
  emu->thread_ready = TRUE;
  g_cond_broadcast (&emu->cond);
  g_mutex_unlock (&emu->lock);

  if (bound_port != 0) {
    g_debug ("emulator: listening on ws://%s:%u", host, bound_port);
    g_main_loop_run (emu->loop);
  }

  /* Whatever is still open goes now. */
  vp_emu_clear_source (&emu->stop_source);
  vp_emu_clear_source (&emu->stop_poll_source);
  vp_emu_conns_free_all (emu);
  vp_emu_server_free (emu);
  vp_emu_sessions_clear (emu);

  iterate_dry (emu->context);
  g_main_context_pop_thread_default (emu->context);
  g_free (host);

  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Public API */

VpEmulator *
vp_emulator_new (void)
{
  return g_object_new (VP_TYPE_EMULATOR, NULL);
}

static VpEmuScenario *
load_scenario (const gchar * file, const gchar * json, GError ** error)
{
  if (file != NULL && *file != '\0')
    return vp_emu_scenario_load_file (file, error);
  if (json != NULL && *json != '\0')
    return vp_emu_scenario_load_data (json, -1, "the scenario property", error);
  return vp_emu_scenario_new_builtin ();
}

gboolean
vp_emulator_start (VpEmulator * self, GError ** error)
{
  VpEmuScenario *scenario;
  gchar *file, *json;
  GError *err = NULL;

  g_return_val_if_fail (VP_IS_EMULATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (self->running || self->thread != NULL) {
    g_mutex_unlock (&self->lock);
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
        "The emulator is already running; stop it first.");
    return FALSE;
  }
  file = g_strdup (self->scenario_file);
  json = g_strdup (self->scenario_json);
  g_mutex_unlock (&self->lock);

  scenario = load_scenario (file, json, error);
  g_free (file);
  g_free (json);
  if (scenario == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  if (self->scenario)
    vp_emu_scenario_unref (self->scenario);
  self->scenario = scenario;
  self->thread_ready = FALSE;
  g_clear_error (&self->start_error);
  g_mutex_unlock (&self->lock);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("vp-emulator", emulator_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->thread_ready)
    g_cond_wait (&self->cond, &self->lock);
  err = self->start_error;
  self->start_error = NULL;
  self->running = err == NULL;
  g_mutex_unlock (&self->lock);

  if (err != NULL) {
    g_thread_join (self->thread);
    self->thread = NULL;
    iterate_dry (self->context);
    g_clear_pointer (&self->loop, g_main_loop_unref);
    g_clear_pointer (&self->context, g_main_context_unref);
    g_propagate_error (error, err);
    return FALSE;
  }

  /* The first turns should not wait for espeak-ng, nor for the
   * recognizer's model. */
  self->prewarm = vp_emu_prewarm_start (scenario);
  vp_emu_hearing_prepare (scenario);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);

  return TRUE;
}

void
vp_emulator_stop (VpEmulator * self)
{
  g_return_if_fail (VP_IS_EMULATOR (self));

  g_mutex_lock (&self->lock);
  if (!self->running) {
    g_mutex_unlock (&self->lock);
    return;
  }
  self->running = FALSE;
  g_mutex_unlock (&self->lock);

  {
    /* Always through the loop: the emulator thread owns the server. */
    GSource *source = g_idle_source_new ();

    g_source_set_callback (source, stop_in_thread, self, NULL);
    g_source_attach (source, self->context);
    g_source_unref (source);
  }
  g_thread_join (self->thread);
  self->thread = NULL;
  iterate_dry (self->context);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  g_clear_pointer (&self->prewarm, vp_emu_prewarm_stop);

  g_mutex_lock (&self->lock);
  self->bound_port = 0;
  g_mutex_unlock (&self->lock);
}

guint
vp_emulator_get_port (VpEmulator * self)
{
  guint port;

  g_return_val_if_fail (VP_IS_EMULATOR (self), 0);

  g_mutex_lock (&self->lock);
  port = self->running ? self->bound_port : self->port;
  g_mutex_unlock (&self->lock);

  return port;
}

gchar *
vp_emulator_get_url (VpEmulator * self)
{
  const gchar *scheme;
  gchar *url, *host;
  guint port;

  g_return_val_if_fail (VP_IS_EMULATOR (self), NULL);

  g_mutex_lock (&self->lock);
  host = g_strdup (self->running && self->bound_host ? self->bound_host :
      (self->host ? self->host : DEFAULT_HOST));
  port = self->running ? self->bound_port : self->port;
  g_mutex_unlock (&self->lock);

  if (g_str_equal (host, "0.0.0.0")) {
    g_free (host);
    host = g_strdup ("127.0.0.1");
  } else if (g_str_equal (host, "::")) {
    g_free (host);
    host = g_strdup ("::1");
  }

  g_mutex_lock (&self->lock);
  scheme = self->tls_certificate ? "wss" : "ws";
  g_mutex_unlock (&self->lock);

  if (strchr (host, ':') != NULL)
    url = g_strdup_printf ("%s://[%s]:%u", scheme, host, port);
  else
    url = g_strdup_printf ("%s://%s:%u", scheme, host, port);
  g_free (host);

  return url;
}

void
vp_emulator_inject_fault (VpEmulator * self, VpEmulatorFault fault,
    guint after_messages, gushort close_code, const gchar * reason,
    gint64 argument)
{
  g_return_if_fail (VP_IS_EMULATOR (self));

  vp_emu_faults_arm (self, fault, after_messages, close_code, reason, argument);
}

gchar *
vp_emulator_get_record (VpEmulator * self)
{
  g_return_val_if_fail (VP_IS_EMULATOR (self), NULL);

  return vp_emu_record_to_json (self);
}

void
vp_emulator_set_trace_func (VpEmulator * self, VpEmulatorTraceFunc func,
    gpointer user_data)
{
  g_return_if_fail (VP_IS_EMULATOR (self));

  g_mutex_lock (&self->lock);
  if (self->running)
    g_warning ("vp_emulator_set_trace_func: the emulator is running; set "
        "the trace function before vp_emulator_start().");
  else {
    self->trace_func = func;
    self->trace_data = user_data;
  }
  g_mutex_unlock (&self->lock);
}

guint
vp_emulator_get_n_connections (VpEmulator * self)
{
  g_return_val_if_fail (VP_IS_EMULATOR (self), 0);

  return vp_emu_record_n_connections (self);
}

/* ------------------------------------------------------------------------ */
/* GObject */

static void
vp_emulator_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  VpEmulator *self = VP_EMULATOR (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_HOST:
      g_free (self->host);
      self->host = g_value_dup_string (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_API_KEY:
      g_free (self->api_key);
      self->api_key = g_value_dup_string (value);
      break;
    case PROP_SCENARIO_FILE:
      g_free (self->scenario_file);
      self->scenario_file = g_value_dup_string (value);
      break;
    case PROP_SCENARIO:
      g_free (self->scenario_json);
      self->scenario_json = g_value_dup_string (value);
      break;
    case PROP_TIME_SCALE:
      self->time_scale = g_value_get_double (value);
      break;
    case PROP_CONNECTION_LIFETIME:
      self->connection_lifetime = g_value_get_uint (value);
      break;
    case PROP_GO_AWAY_NOTICE:
      self->go_away_notice = g_value_get_uint (value);
      break;
    case PROP_SESSION_LIMIT:
      self->session_limit = g_value_get_uint (value);
      break;
    case PROP_HANDLE_LIFETIME:
      self->handle_lifetime = g_value_get_uint (value);
      break;
    case PROP_LATENCY_MS:
      self->latency_ms = g_value_get_uint (value);
      break;
    case PROP_SPEECH_RATE:
      self->speech_rate = g_value_get_double (value);
      break;
    case PROP_CHUNK_MS:
      self->chunk_ms = g_value_get_uint (value);
      break;
    case PROP_MODELS:
      g_strfreev (self->models);
      self->models = g_value_dup_boxed (value);
      if (self->models == NULL)
        self->models = g_strdupv ((gchar **) default_models);
      break;
    case PROP_WAIT_FOR_PLAYBACK:
      self->wait_for_playback = g_value_get_boolean (value);
      break;
    case PROP_STRICT:
      self->strict = g_value_get_boolean (value);
      break;
    case PROP_RECORD_LIMIT:
      self->record_limit = g_value_get_uint64 (value);
      break;
    case PROP_TLS_CERTIFICATE:
      g_clear_object (&self->tls_certificate);
      self->tls_certificate = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
vp_emulator_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  VpEmulator *self = VP_EMULATOR (object);

  if (prop_id == PROP_PORT) {
    g_value_set_uint (value, vp_emulator_get_port (self));
    return;
  }
  if (prop_id == PROP_URL) {
    g_value_take_string (value, vp_emulator_get_url (self));
    return;
  }

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_API_KEY:
      g_value_set_string (value, self->api_key);
      break;
    case PROP_SCENARIO_FILE:
      g_value_set_string (value, self->scenario_file);
      break;
    case PROP_SCENARIO:
      g_value_set_string (value, self->scenario_json);
      break;
    case PROP_TIME_SCALE:
      g_value_set_double (value, self->time_scale);
      break;
    case PROP_CONNECTION_LIFETIME:
      g_value_set_uint (value, self->connection_lifetime);
      break;
    case PROP_GO_AWAY_NOTICE:
      g_value_set_uint (value, self->go_away_notice);
      break;
    case PROP_SESSION_LIMIT:
      g_value_set_uint (value, self->session_limit);
      break;
    case PROP_HANDLE_LIFETIME:
      g_value_set_uint (value, self->handle_lifetime);
      break;
    case PROP_LATENCY_MS:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_SPEECH_RATE:
      g_value_set_double (value, self->speech_rate);
      break;
    case PROP_CHUNK_MS:
      g_value_set_uint (value, self->chunk_ms);
      break;
    case PROP_MODELS:
      g_value_set_boxed (value, self->models);
      break;
    case PROP_WAIT_FOR_PLAYBACK:
      g_value_set_boolean (value, self->wait_for_playback);
      break;
    case PROP_STRICT:
      g_value_set_boolean (value, self->strict);
      break;
    case PROP_RECORD_LIMIT:
      g_value_set_uint64 (value, self->record_limit);
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, self->tls_certificate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
vp_emulator_finalize (GObject * object)
{
  VpEmulator *self = VP_EMULATOR (object);

  vp_emulator_stop (self);

  g_free (self->host);
  g_clear_object (&self->tls_certificate);
  g_free (self->api_key);
  g_free (self->scenario_file);
  g_free (self->scenario_json);
  g_strfreev (self->models);
  g_free (self->bound_host);
  vp_emu_faults_clear (self);
  if (self->scenario)
    vp_emu_scenario_unref (self->scenario);
  json_array_unref (self->record);
  g_clear_error (&self->start_error);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (vp_emulator_parent_class)->finalize (object);
}

static void
vp_emulator_class_init (VpEmulatorClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = vp_emulator_set_property;
  gobject_class->get_property = vp_emulator_get_property;
  gobject_class->finalize = vp_emulator_finalize;

  /**
   * VpEmulator:host:
   *
   * The address to bind.  Loopback by default: the emulator accepts any
   * key, so do not expose it to a network without #VpEmulator:api-key.
   */
  properties[PROP_HOST] = g_param_spec_string ("host", "Host",
      "Address to listen on", DEFAULT_HOST, rw);

  /**
   * VpEmulator:port:
   *
   * The TCP port; 0 picks a free one.  Reads back the bound port while
   * running.
   */
  properties[PROP_PORT] = g_param_spec_uint ("port", "Port",
      "TCP port to listen on (0 = any free port; the bound port while "
      "running)", 0, 65535, DEFAULT_PORT, rw);

  /**
   * VpEmulator:api-key:
   *
   * When set, only this key or token is accepted; otherwise any non-empty
   * one is.  A refused key completes the upgrade, then closes 1007.
   */
  properties[PROP_API_KEY] = g_param_spec_string ("api-key", "API key",
      "The only key (or auth_tokens/ token) accepted; NULL accepts any "
      "non-empty key", NULL, rw);

  /**
   * VpEmulator:scenario-file:
   *
   * A scenario JSON file (docs/emulator.md), loaded by vp_emulator_start().
   * Takes precedence over #VpEmulator:scenario.
   */
  properties[PROP_SCENARIO_FILE] = g_param_spec_string ("scenario-file",
      "Scenario file", "Path of the scenario JSON file that decides what "
      "the model says", NULL, rw);

  /**
   * VpEmulator:scenario:
   *
   * A scenario as a JSON string, for tests that keep it inline.
   */
  properties[PROP_SCENARIO] = g_param_spec_string ("scenario", "Scenario",
      "The scenario as a JSON string (used when scenario-file is unset)",
      NULL, rw);

  /**
   * VpEmulator:time-scale:
   *
   * How much faster than real time the connection lifetime, the goAway
   * notice, the session limit and handle expiry run.  Audio is not scaled.
   */
  properties[PROP_TIME_SCALE] = g_param_spec_double ("time-scale",
      "Time scale", "Speed-up of connection, session and handle clocks "
      "(60 makes 10 minutes last 10 s)", 0.001, 1000000.0,
      DEFAULT_TIME_SCALE, rw);

  /**
   * VpEmulator:connection-lifetime:
   *
   * Seconds (service time) before the server closes a connection with 1011
   * "Deadline expired…"; 0 for no limit.
   */
  properties[PROP_CONNECTION_LIFETIME] =
      g_param_spec_uint ("connection-lifetime", "Connection lifetime",
      "Seconds before a connection is closed 1011 (0 = unlimited)", 0,
      G_MAXUINT, DEFAULT_CONNECTION_LIFETIME, rw);

  /**
   * VpEmulator:go-away-notice:
   *
   * Seconds (service time) between goAway and the end of the connection.
   */
  properties[PROP_GO_AWAY_NOTICE] = g_param_spec_uint ("go-away-notice",
      "goAway notice", "Seconds of notice goAway gives before the "
      "connection ends", 0, G_MAXUINT, DEFAULT_GO_AWAY_NOTICE, rw);

  /**
   * VpEmulator:session-limit:
   *
   * Seconds (service time) a session may last without context window
   * compression (capped at 120 once video was sent); 0 for no limit.
   */
  properties[PROP_SESSION_LIMIT] = g_param_spec_uint ("session-limit",
      "Session limit", "Seconds a session lasts without "
      "contextWindowCompression (120 with video; 0 = unlimited)", 0,
      G_MAXUINT, DEFAULT_SESSION_LIMIT, rw);

  /**
   * VpEmulator:handle-lifetime:
   *
   * Seconds (service time) a resumption handle stays valid after its
   * session's last connection closed.
   */
  properties[PROP_HANDLE_LIFETIME] = g_param_spec_uint ("handle-lifetime",
      "Handle lifetime", "Seconds a resumption handle stays valid after "
      "the session's connection closed", 0, G_MAXUINT,
      DEFAULT_HANDLE_LIFETIME, rw);

  /**
   * VpEmulator:latency-ms:
   *
   * Think time from the end of the user's turn (and from a tool response)
   * to the first model audio.  A scenario turn can override it.
   */
  properties[PROP_LATENCY_MS] = g_param_spec_uint ("latency-ms",
      "Latency", "Milliseconds from the end of the user's turn to the first "
      "model audio", 0, 600000, DEFAULT_LATENCY_MS, rw);

  /**
   * VpEmulator:speech-rate:
   *
   * How many times faster than real time model audio is sent, like the
   * service's bursts; 1.0 paces it.
   */
  properties[PROP_SPEECH_RATE] = g_param_spec_double ("speech-rate",
      "Speech rate", "How many times faster than real time model audio is "
      "sent (1.0 = paced)", 0.1, 1000.0, DEFAULT_SPEECH_RATE, rw);

  /**
   * VpEmulator:chunk-ms:
   *
   * Model audio per frame, in milliseconds.
   */
  properties[PROP_CHUNK_MS] = g_param_spec_uint ("chunk-ms", "Chunk",
      "Milliseconds of model audio per frame", 40, 320, DEFAULT_CHUNK_MS, rw);

  /**
   * VpEmulator:models:
   *
   * The models that exist; setup with another closes 1008.
   */
  properties[PROP_MODELS] = g_param_spec_boxed ("models", "Models",
      "Model ids that exist (without \"models/\"); others close 1008",
      G_TYPE_STRV, rw);

  /**
   * VpEmulator:wait-for-playback:
   *
   * Send turnComplete only when the client could have played the audio it
   * was sent (the service does this); FALSE sends it right after
   * generationComplete.
   */
  properties[PROP_WAIT_FOR_PLAYBACK] =
      g_param_spec_boolean ("wait-for-playback", "Wait for playback",
      "Hold turnComplete until the sent audio could have played",
      DEFAULT_WAIT_FOR_PLAYBACK, rw);

  /**
   * VpEmulator:strict:
   *
   * Play the service's refusals where its documentation was relaxed
   * later: on 3.1 Flash Live, a clientContent that does not seed history
   * at the start (historyConfig.initialHistoryInClientContent) closes the
   * connection with 1007 "Request contains an invalid argument.", as the
   * service does.  FALSE accepts it, as a later model page says.
   */
  properties[PROP_STRICT] =
      g_param_spec_boolean ("strict", "Strict",
      "Refuse what the service refuses though a later doc allows it (3.1: "
      "clientContent except history seeding at the start closes 1007)",
      DEFAULT_STRICT, rw);

  /**
   * VpEmulator:record-limit:
   *
   * Bytes of client messages kept in the record; later messages are kept
   * as their size only.  0 keeps no record at all: vp_emulator_get_record()
   * is then empty, and only the connection count grows.
   */
  properties[PROP_RECORD_LIMIT] = g_param_spec_uint64 ("record-limit",
      "Record limit", "Bytes of client messages kept in the record (0: no "
      "record at all, only the connection count)",
      0, G_MAXUINT64, DEFAULT_RECORD_LIMIT, rw);

  /**
   * VpEmulator:tls-certificate:
   *
   * With a certificate (and its key), the emulator serves wss:// — for
   * testing that clients verify certificates.
   */
  properties[PROP_TLS_CERTIFICATE] = g_param_spec_object ("tls-certificate",
      "TLS certificate", "Serve wss:// with this certificate and key",
      G_TYPE_TLS_CERTIFICATE, rw);

  /**
   * VpEmulator:url:
   *
   * "ws://HOST:PORT" (or wss://), usable as a session endpoint.
   */
  properties[PROP_URL] = g_param_spec_string ("url", "URL",
      "The WebSocket URL of the running emulator", NULL,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (gobject_class, N_PROPERTIES, properties);
}

static void
vp_emulator_init (VpEmulator * self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);

  self->host = g_strdup (DEFAULT_HOST);
  self->port = DEFAULT_PORT;
  self->time_scale = DEFAULT_TIME_SCALE;
  self->connection_lifetime = DEFAULT_CONNECTION_LIFETIME;
  self->go_away_notice = DEFAULT_GO_AWAY_NOTICE;
  self->session_limit = DEFAULT_SESSION_LIMIT;
  self->handle_lifetime = DEFAULT_HANDLE_LIFETIME;
  self->latency_ms = DEFAULT_LATENCY_MS;
  self->speech_rate = DEFAULT_SPEECH_RATE;
  self->chunk_ms = DEFAULT_CHUNK_MS;
  self->wait_for_playback = DEFAULT_WAIT_FOR_PLAYBACK;
  self->strict = DEFAULT_STRICT;
  self->record_limit = DEFAULT_RECORD_LIMIT;
  self->models = g_strdupv ((gchar **) default_models);
  self->record = json_array_new ();
}
