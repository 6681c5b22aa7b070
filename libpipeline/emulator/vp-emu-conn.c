/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Connections: one per upgraded WebSocket, with the emulator's settings
 * copied when it opens; the client's messages in order (the setup
 * handshake: model, resumption, the VAD's settings; realtimeInput through
 * the VAD; clientContent; toolResponse), each handed to the model's turn;
 * the close from either side, and the free.  It fills the hooks the wire
 * layer calls. */

#include "config.h"

#include "vp-emu-conn.h"
#include "vp-emu-models.h"
#include "vp-emu-faults.h"
#include "vp-emu-hearing.h"
#include "vp-emu-limits.h"
#include "vp-emu-record.h"
#include "vp-emu-sessions.h"
#include "vp-emu-turn.h"
#include "vp-emu-wire.h"

#include <string.h>

#define MAX_INCOMING_PAYLOAD (16 * 1024 * 1024)

/* usageMetadata rates for video frames (DESIGN.md §6) */
#define VIDEO_FRAME_TOKENS 258
#define VIDEO_FRAME_TOKENS_LOW 66

/* The wire layer's way back up: faults after each message, and an end to
 * the turn and every timer when the connection stops working. */
static void
conn_stop (Conn * c)
{
  vp_emu_turn_reset (c);
  vp_emu_limits_stop (c);
  vp_emu_faults_stop (c);
}

static const VpEmuConnHooks conn_hooks = {
  .sent = vp_emu_faults_check,
  .stop = conn_stop,
};

static gchar *
strip_models_prefix (const gchar * model)
{
  if (model == NULL)
    return g_strdup ("");
  if (g_str_has_prefix (model, "models/"))
    return g_strdup (model + strlen ("models/"));
  return g_strdup (model);
}


static void
on_vad_event (VpEmulatorVadEvent event, gdouble position_ms, gpointer user_data)
{
  Conn *c = user_data;

  if (c->closing || c->stalled)
    return;

  if (event == VP_EMULATOR_VAD_START) {
    conn_log (c, "VAD: speech starts at %.0f ms", position_ms);
    vp_emu_turn_user_activity (c, FALSE);
  } else {
    conn_log (c, "VAD: speech ends at %.0f ms", position_ms);
    vp_emu_turn_user_end (c, NULL, TRUE);
  }
}

static gboolean
handle_setup (Conn * c, VpClientMessage * msg)
{
  VpEmulator *emu = c->emu;
  VpSetupConfig *setup = msg->setup;
  gchar *model, *reason;
  const VpEmuModel *rules;
  const gchar *refusal, *why = NULL;
  Session *session = NULL;
  gboolean resumed = FALSE, known = FALSE;
  guint i;

  if (c->setup_done) {
    vp_emu_wire_close (c, 1007, VP_EMU_REASON_SECOND_SETUP);
    return FALSE;
  }

  model = strip_models_prefix (setup->model);
  for (i = 0; c->models != NULL && c->models[i] != NULL; i++)
    known |= g_strcmp0 (model, c->models[i]) == 0;
  if (!known) {
    reason = g_strdup_printf ("models/%s is not found for API version %s, "
        "or is not supported for bidiGenerateContent. Call ListModels to see "
        "the list of available models and their supported methods.", model,
        c->api_version);
    vp_emu_wire_close (c, 1008, reason);
    g_free (reason);
    g_free (model);
    return FALSE;
  }

  rules = vp_emu_model_rules (model);
  refusal = vp_emu_model_refusal (rules, setup, &why);
  if (refusal != NULL) {
    conn_log (c, "setup refused: %s does not take %s", model, why);
    vp_emu_wire_close (c, 1007, refusal);
    g_free (model);
    return FALSE;
  }

  if (setup->resume_handle != NULL && *setup->resume_handle != '\0') {
    gushort code;

    session = vp_emu_sessions_resume (c, setup->resume_handle, &code, &refusal);
    if (session == NULL) {
      vp_emu_wire_close (c, code, refusal);
      g_free (model);
      return FALSE;
    }
    resumed = TRUE;
  }

  if (session == NULL)
    session = vp_emu_sessions_create (emu, setup);

  session->active = c;
  session->ended_us = 0;
  c->session = session;
  c->setup = vp_setup_config_copy (setup);
  c->setup_done = TRUE;
  c->packed = rules->packed;
  c->seeding_only = rules->seeding_only && c->strict;
  c->model = rules;
  c->text_mode = g_strcmp0 (setup->response_modality, "TEXT") == 0;
  c->resumption = setup->session_resumption || setup->resume_handle != NULL;
  c->vad_disabled = setup->vad_disabled == VP_TRISTATE_TRUE;
  c->no_interruption = setup->activity_handling != NULL
      && g_ascii_strcasecmp (setup->activity_handling, "NO_INTERRUPTION") == 0;
  c->history_phase = setup->initial_history_in_client_content ==
      VP_TRISTATE_TRUE;
  c->vad = vp_emulator_vad_new (setup->start_sensitivity,
      setup->end_sensitivity, setup->prefix_padding_ms,
      setup->silence_duration_ms);

  conn_log (c, "setup: model %s, session %s%s, VAD %s", model, session->id,
      resumed ? " (resumed)" : "", c->vad_disabled ? "off (manual)" : "on");

  vp_emu_record_setup (c, session->id, resumed, model);
  g_free (model);

  if (vp_emu_faults_at_setup (c))
    return TRUE;

  vp_emu_wire_send (c, vp_server_build_setup_complete ());
  vp_emu_sessions_send_update (c, TRUE);
  vp_emu_limits_schedule_session (c);

  return TRUE;
}

static void
handle_realtime_input (Conn * c, VpClientMessage * msg)
{
  Session *s = c->session;

  if (msg->audio != NULL || msg->video != NULL || msg->text != NULL
      || msg->activity_start || msg->activity_end || msg->audio_stream_end)
    c->history_phase = FALSE;

  if (msg->activity_start) {
    conn_log (c, "activityStart");
    c->manual_activity = TRUE;
    vp_emulator_vad_flush (c->vad);
    vp_emu_hearing_restart (c);
    vp_emu_turn_user_activity (c, FALSE);
  }

  if (msg->audio != NULL) {
    gsize n;
    const guint8 *pcm = g_bytes_get_data (msg->audio, &n);
    guint rate = msg->audio_rate ? msg->audio_rate : 16000;

    s->audio_in_s += (gdouble) (n / 2) / rate;
    vp_emu_record_add_int (c, "audioBytes", n);
    vp_emu_hearing_listen (c, pcm, n, rate);
    if (!c->vad_disabled && !c->manual_activity)
      vp_emulator_vad_process (c->vad, pcm, n, rate, on_vad_event, c);
  }

  if (msg->video != NULL && !c->closing) {
    gboolean low = c->setup->media_resolution != NULL
        && g_str_has_suffix (c->setup->media_resolution, "LOW");

    s->video_tokens += low ? VIDEO_FRAME_TOKENS_LOW : VIDEO_FRAME_TOKENS;
    if (!s->video) {
      s->video = TRUE;
      conn_log (c, "video: the session limit is now %u s",
          MIN (c->session_limit, VP_EMU_VIDEO_SESSION_LIMIT));
      vp_emu_limits_schedule_session (c);
    }
  }

  if (msg->audio_stream_end && !c->closing) {
    conn_log (c, "audioStreamEnd");
    if (!c->vad_disabled && vp_emulator_vad_flush (c->vad))
      vp_emu_turn_user_end (c, NULL, TRUE);
  }

  if (msg->activity_end && !c->closing) {
    conn_log (c, "activityEnd");
    if (c->manual_activity) {
      c->manual_activity = FALSE;
      vp_emu_turn_user_end (c, NULL, TRUE);
    }
  }

  if (msg->text != NULL && !c->closing) {
    conn_log (c, "text: %s", msg->text);
    s->text_in_tokens += vp_emu_text_tokens (msg->text);
    vp_emu_turn_user_activity (c, FALSE);
    vp_emu_turn_user_end (c, msg->text, FALSE);
  }
}

/* A turn of no words ("." from LiveKit's generate_reply): it only says
 * "your turn", so it is never answered as what the user said. */
static gboolean
is_placeholder (const gchar * text)
{
  const gchar *p;

  for (p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_isalnum (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static void
handle_client_content (Conn * c, VpClientMessage * msg)
{
  gchar *text;
  gboolean audio_open;

  if (msg->turns_json != NULL)
    c->session->text_in_tokens += vp_emu_text_tokens (msg->turns_json);

  /* Strict 3.1: only history seeding at the start, as the service. */
  if (c->seeding_only && !c->history_phase) {
    conn_log (c, "clientContent refused: this model takes it only to seed "
        "history at the start (historyConfig.initialHistoryInClientContent)");
    vp_emu_wire_close (c, 1007, VP_EMU_REASON_INVALID_ARGUMENT);
    return;
  }

  /* The user's turn is every clientContent up to turnComplete. */
  if (msg->text != NULL && !is_placeholder (msg->text)) {
    if (c->turn_text == NULL)
      c->turn_text = g_string_new (NULL);
    else
      g_string_append_c (c->turn_text, '\n');
    g_string_append (c->turn_text, msg->text);
  }

  if (!msg->turn_complete)
    return;

  text = c->turn_text != NULL ? g_string_free (c->turn_text, FALSE) : NULL;
  c->turn_text = NULL;

  if (c->history_phase) {
    /* 3.1 history seeding: context only, no answer. */
    conn_log (c, "clientContent: history");
    c->history_phase = FALSE;
    g_free (text);
    return;
  }

  audio_open = c->manual_activity || (!c->vad_disabled
      && vp_emulator_vad_in_speech (c->vad));

  if (text != NULL) {
    conn_log (c, "clientContent: %s", text);
    /* clientContent interrupts whatever the model is doing. */
    vp_emu_turn_user_activity (c, TRUE);
    vp_emu_turn_user_end (c, text, FALSE);
  } else if (audio_open) {
    /* The words are the audio since the activity started. */
    conn_log (c, "clientContent ends the audio turn");
    c->manual_activity = FALSE;
    vp_emulator_vad_flush (c->vad);
    vp_emu_turn_user_end (c, NULL, TRUE);
  } else if (msg->text != NULL && (c->gen.state != GEN_IDLE
          || !g_queue_is_empty (&c->hear_jobs))) {
    conn_log (c, "clientContent: a placeholder while the model answers "
        "(not a new turn)");
  } else {
    /* An empty turn: the model's turn, the next in order. */
    conn_log (c, "clientContent: %s", msg->text ? "a placeholder" :
        "(no text)");
    vp_emu_turn_user_activity (c, TRUE);
    vp_emu_turn_user_end (c, NULL, FALSE);
  }
  g_free (text);
}

static void
handle_tool_response (Conn * c, VpClientMessage * msg)
{
  if (msg->function_responses == NULL)
    return;

  vp_emu_record_add_int (c, "toolResponses", msg->function_responses->len);
  vp_emu_turn_tool_responses (c, msg->function_responses);
}

static void
on_message (SoupWebsocketConnection * ws, gint type, GBytes * message,
    gpointer user_data)
{
  Conn *c = user_data;
  gsize length;
  const gchar *data = g_bytes_get_data (message, &length);
  VpClientMessage *msg;
  GError *error = NULL;

  if (G_UNLIKELY (c->emu->trace_func != NULL))
    c->emu->trace_func (c->id, FALSE, data, length, g_get_monotonic_time (),
        c->emu->trace_data);

  if (c->stalled || c->closed)
    return;

  vp_emu_record_message (c, data, length);

  if (c->closing)
    return;

  msg = vp_client_message_parse (data, length, &error);
  if (msg == NULL) {
    conn_log (c, "refused a message: %s", error->message);
    vp_emu_wire_close (c, 1007, error->message);
    g_clear_error (&error);
    return;
  }

  if (!c->setup_done && msg->type != VP_CLIENT_MESSAGE_SETUP) {
    vp_emu_wire_close (c, 1007, VP_EMU_REASON_NOT_FIRST);
    vp_client_message_free (msg);
    return;
  }

  switch (msg->type) {
    case VP_CLIENT_MESSAGE_SETUP:
      handle_setup (c, msg);
      break;
    case VP_CLIENT_MESSAGE_REALTIME_INPUT:
      handle_realtime_input (c, msg);
      break;
    case VP_CLIENT_MESSAGE_CLIENT_CONTENT:
      handle_client_content (c, msg);
      break;
    case VP_CLIENT_MESSAGE_TOOL_RESPONSE:
      handle_tool_response (c, msg);
      break;
    case VP_CLIENT_MESSAGE_CONTEXT_UPDATE:
      conn_log (c, "contextUpdate (kept for the record only)");
      break;
    default:
      break;
  }

  vp_client_message_free (msg);
}

static void
conn_free (Conn * c)
{
  conn_stop (c);
  vp_emu_hearing_clear (c);
  vp_emu_turn_clear (c);
  if (c->turn_text != NULL)
    g_string_free (c->turn_text, TRUE);
  vp_emu_clear_source (&c->free_source);

  if (c->ws != NULL) {
    g_signal_handlers_disconnect_by_data (c->ws, c);
    g_object_unref (c->ws);
  }
  g_clear_object (&c->gate);
  g_clear_object (&c->socket);
  g_free (c->path);
  g_free (c->api_version);
  json_object_unref (c->record);
  g_strfreev (c->models);
  if (c->scenario)
    vp_emu_scenario_unref (c->scenario);
  if (c->setup)
    vp_setup_config_free (c->setup);
  if (c->vad)
    vp_emulator_vad_free (c->vad);
  g_free (c);
}

static gboolean
conn_free_idle (gpointer data)
{
  Conn *c = data;

  c->emu->conns = g_list_remove (c->emu->conns, c);
  conn_free (c);

  return G_SOURCE_REMOVE;
}

static void
on_closed (SoupWebsocketConnection * ws, gpointer user_data)
{
  Conn *c = user_data;
  gushort code = soup_websocket_connection_get_close_code (ws);
  const gchar *data = soup_websocket_connection_get_close_data (ws);

  if (c->closed)
    return;
  c->closed = TRUE;
  c->closing = TRUE;

  if (c->close_code_sent < 0 && !c->dropped) {
    /* The client closed (or vanished). */
    vp_emu_record_closed (c, code != 0 ? code : 1006, data != NULL
        && *data != '\0' ? data : NULL, "client");
  }
  conn_log (c, "closed (client code %u)", code);

  conn_stop (c);
  vp_emu_session_release (c);

  /* Not from inside libsoup's signal emission. */
  c->free_source = g_idle_source_new ();
  g_source_set_callback (c->free_source, conn_free_idle, c, NULL);
  g_source_attach (c->free_source, c->emu->context);
}

static void
on_error (SoupWebsocketConnection * ws, GError * error, gpointer user_data)
{
  Conn *c = user_data;

  conn_log (c, "WebSocket error: %s", error->message);
}

void
vp_emu_conn_open (VpEmulator * emu, SoupWebsocketConnection * ws,
    VpEmuGateStream * gate, GSocket * socket, const gchar * path,
    const gchar * api_version, gboolean auth_ok)
{
  Conn *c = g_new0 (Conn, 1);

  c->emu = emu;
  c->id = ++emu->next_conn_id;
  c->hooks = &conn_hooks;
  c->ws = g_object_ref (ws);
  c->gate = g_object_ref (gate);
  c->socket = socket ? g_object_ref (socket) : NULL;
  c->path = g_strdup (path);
  c->api_version = g_strdup (api_version);
  c->auth_ok = auth_ok;
  c->close_code_sent = -1;
  vp_emu_turn_init (c);

  g_mutex_lock (&emu->lock);
  c->time_scale = emu->time_scale;
  c->connection_lifetime = emu->connection_lifetime;
  c->go_away_notice = emu->go_away_notice;
  c->session_limit = emu->session_limit;
  c->handle_lifetime = emu->handle_lifetime;
  c->latency_ms = emu->latency_ms;
  c->speech_rate = emu->speech_rate;
  c->chunk_ms = emu->chunk_ms;
  c->wait_for_playback = emu->wait_for_playback;
  c->strict = emu->strict;
  c->models = g_strdupv (emu->models);
  c->scenario = vp_emu_scenario_ref (emu->scenario);
  g_mutex_unlock (&emu->lock);
  vp_emu_record_open (c);

  emu->conns = g_list_append (emu->conns, c);

  soup_websocket_connection_set_max_incoming_payload_size (ws,
      MAX_INCOMING_PAYLOAD);
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), c);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), c);
  g_signal_connect (ws, "error", G_CALLBACK (on_error), c);

  conn_log (c, "open on %s", path);

  if (!auth_ok) {
    vp_emu_wire_close (c, 1007, VP_EMU_REASON_BAD_KEY);
    return;
  }

  vp_emu_limits_start (c);
  vp_emu_faults_check (c);
}


void
vp_emu_conns_close_all (VpEmulator * emu)
{
  GList *l;

  for (l = emu->conns; l != NULL; l = l->next) {
    Conn *c = l->data;

    if (c->stalled)
      vp_emu_wire_drop (c);
    else
      vp_emu_wire_close (c, 1001, VP_EMU_REASON_SHUTDOWN);
  }
}

gboolean
vp_emu_conns_all_closed (VpEmulator * emu)
{
  GList *l;

  for (l = emu->conns; l != NULL; l = l->next) {
    Conn *c = l->data;

    if (!c->closed)
      return FALSE;
  }
  return TRUE;
}

void
vp_emu_conns_free_all (VpEmulator * emu)
{
  GList *l;

  for (l = emu->conns; l != NULL; l = l->next) {
    Conn *c = l->data;

    g_signal_handlers_disconnect_by_data (c->ws, c);
    if (c->session != NULL && c->session->active == c)
      c->session->active = NULL;
    if (!c->closed)
      vp_emu_wire_abort (c);
    conn_free (c);
  }
  g_list_free (emu->conns);
  emu->conns = NULL;
}
