/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* One call (DESIGN.md §9).  Its pipeline is the agent's description with
 * ${mic} → "identity name=vp-mic" and ${speaker} → "identity
 * name=vp-speaker", placeholders (no thread of their own: a call has
 * enough) whose open pads the web transport links to webrtcbin in
 * the same pipeline.  The geminilive sessions get the call's id in their
 * names, so that calls never share one.
 *
 * Everything here runs on the main context: the bus watch, the timers,
 * the transport's reports.  Stopping the pipeline may block (webrtcbin,
 * the recording), so it runs in a worker thread; "ended" is reported back
 * on the main context once the pipeline is gone. */

#include "config.h"

#include "vp-call.h"
#include "vp-call-events.h"
#include "vp-call-recorder.h"
#include "vp-pipeline-file.h"

#include <gio/gio.h>
#include <string.h>

#define MIC_NAME "vp-mic"
#define SPEAKER_NAME "vp-speaker"
#define ANSWER_TIMEOUT_S 10
/* The agent's last words are sent before the call closes. */
#define PLAYOUT_MS 600
#define RECORD_FINISH_MS 3000

struct _VpCall
{
  gint refcount;
  gchar *id;
  VpCallState state;
  VpCallHooks hooks;
  gpointer user_data;
  guint peer_timeout_s;
  guint setup_timeout_s;

  GstElement *pipeline;
  GstBus *bus;
  VpWebTransport *transport;
  VpCallRecorder *recorder;
  gint64 created_us;
  gint64 connected_us;
  guint watchdog_id;
  guint answer_timeout_id;
  guint playout_id;
  gboolean answered;

  gboolean in_turn;
  gdouble cost_usd;
  gboolean failed;
  gchar *end_reason;
};

static void
call_log (VpCall * call, const gchar * format, ...)
G_GNUC_PRINTF (2, 3);

/* One line per call event, with the call's id. */
     static void call_log (VpCall * call, const gchar * format, ...)
{
  va_list args;
  g_autofree gchar *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_message ("call %s: %s", call->id, text);
}

gboolean
vp_call_bind_description (const gchar * body, GHashTable * vars,
    gchar ** description, GError ** error)
{
  g_hash_table_insert (vars, g_strdup ("mic"),
      g_strdup ("identity name=" MIC_NAME));
  g_hash_table_insert (vars, g_strdup ("speaker"),
      g_strdup ("identity name=" SPEAKER_NAME));
  *description = vp_pipeline_expand (body, vars, error);
  return *description != NULL;
}

VpCall *
vp_call_ref (VpCall * call)
{
  g_atomic_int_inc (&call->refcount);
  return call;
}

void
vp_call_unref (VpCall * call)
{
  if (!g_atomic_int_dec_and_test (&call->refcount))
    return;
  /* Only a call never started, or a gateway freed without its drain. */
  if (call->pipeline != NULL) {
    gst_element_set_state (call->pipeline, GST_STATE_NULL);
    gst_object_unref (call->pipeline);
  }
  if (call->bus != NULL) {
    gst_bus_remove_watch (call->bus);
    gst_object_unref (call->bus);
  }
  if (call->recorder != NULL)
    vp_call_recorder_free (call->recorder);
  if (call->transport != NULL)
    vp_web_transport_unref (call->transport);
  g_free (call->id);
  g_free (call->end_reason);
  g_free (call);
}

const gchar *
vp_call_get_id (VpCall * call)
{
  return call->id;
}

VpCallState
vp_call_get_state (VpCall * call)
{
  return call->state;
}

gboolean
vp_call_in_turn (VpCall * call)
{
  return call->in_turn;
}

gdouble
vp_call_get_cost (VpCall * call)
{
  return call->cost_usd;
}

gboolean
vp_call_failed (VpCall * call)
{
  return call->failed;
}

const gchar *
vp_call_get_end_reason (VpCall * call)
{
  return call->end_reason;
}

static void
send_json (VpCall * call, gchar * json)
{
  if (call->transport != NULL)
    vp_web_transport_send (call->transport, json);
  g_free (json);
}

/* ------------------------------------------------------------------------ */
/* The end */

static void
stop_in_thread (GTask * task, gpointer source, gpointer data,
    GCancellable * cancellable)
{
  VpCall *call = data;

  if (call->transport != NULL)
    vp_web_transport_flush (call->transport, 500);
  if (call->recorder != NULL
      && !vp_call_recorder_finish (call->recorder, RECORD_FINISH_MS))
    g_message ("call %s: the recording did not finish in time", call->id);
  gst_element_set_state (call->pipeline, GST_STATE_NULL);
  g_task_return_boolean (task, TRUE);
}

static void
on_stopped (GObject * source, GAsyncResult * result, gpointer data)
{
  VpCall *call = data;

  GstElement *webrtc = gst_bin_get_by_name (GST_BIN (call->pipeline),
      "vp-webrtc");

  if (webrtc != NULL) {
    g_signal_handlers_disconnect_matched (webrtc, G_SIGNAL_MATCH_DATA, 0, 0,
        NULL, NULL, call->transport);
    gst_object_unref (webrtc);
  }
  gst_object_unref (call->pipeline);
  call->pipeline = NULL;
  if (call->recorder != NULL)
    vp_call_recorder_free (call->recorder);
  call->recorder = NULL;
  if (call->transport != NULL)
    vp_web_transport_unref (call->transport);
  call->transport = NULL;
  call->state = VP_CALL_ENDED;
  call_log (call, "ended (%s)", call->end_reason);
  if (call->hooks.ended != NULL)
    call->hooks.ended (call, call->user_data);
  vp_call_unref (call);
}

static void
clear_source (guint * id)
{
  if (*id != 0)
    g_source_remove (*id);
  *id = 0;
}

/* Idempotent.  The page is told why, then the pipeline stops. */
void
vp_call_hang_up (VpCall * call, const gchar * reason, gboolean failed)
{
  g_autoptr (GTask) task = NULL;

  if (call->state >= VP_CALL_ENDING)
    return;
  call->state = VP_CALL_ENDING;
  call->failed = failed;
  call->end_reason = g_strdup (reason);
  clear_source (&call->watchdog_id);
  clear_source (&call->answer_timeout_id);
  clear_source (&call->playout_id);
  call_log (call, "hanging up: %s", reason);

  if (!call->answered && call->hooks.answered != NULL) {
    g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
        "the call ended before it was answered: %s", reason);
    call->answered = TRUE;
    call->hooks.answered (call, NULL, error, call->user_data);
  }
  send_json (call, vp_call_event_call (call->id, "ended", reason));
  if (call->transport != NULL)
    vp_web_transport_close (call->transport);
  gst_bus_remove_watch (call->bus);
  gst_object_unref (call->bus);
  call->bus = NULL;

  task = g_task_new (NULL, NULL, on_stopped, vp_call_ref (call));
  g_task_set_task_data (task, call, NULL);
  g_task_run_in_thread (task, stop_in_thread);
}

static gboolean
on_playout_done (gpointer data)
{
  VpCall *call = data;

  call->playout_id = 0;
  vp_call_hang_up (call, "the agent ended the call", FALSE);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* The bus */

static void
on_geminilive (VpCall * call, const GstStructure * s)
{
  const gchar *event = gst_structure_get_name (s) + strlen ("geminilive/");
  gchar *json = vp_call_event_from_structure (s);

  if (json == NULL)
    return;
  /* Transcripts come a few words at a time: logged at debug level. */
  if (g_str_equal (event, "transcript"))
    g_debug ("call %s: %s", call->id, json);
  else
    call_log (call, "%s", json);

  if (g_str_equal (event, "turn")) {
    const gchar *state = gst_structure_get_string (s, "state");

    if (g_strcmp0 (state, "started") == 0)
      call->in_turn = TRUE;
    else if (g_strcmp0 (state, "complete") == 0
        || g_strcmp0 (state, "interrupted") == 0)
      call->in_turn = FALSE;
  } else if (g_str_equal (event, "usage")) {
    gst_structure_get_double (s, "cost-usd", &call->cost_usd);
  }
  send_json (call, json);
  if (call->hooks.event != NULL)
    call->hooks.event (call, s, call->user_data);
}

/* webrtcbin's SCTP elements post an error when the peer closes its
 * connection (the page hung up, the tab closed): that call ended, it did
 * not fail. */
static gboolean
peer_went_away (GstMessage * message)
{
  GstElementFactory *factory;
  const gchar *name;

  if (!GST_IS_ELEMENT (message->src))
    return FALSE;
  factory = gst_element_get_factory (GST_ELEMENT (message->src));
  if (factory == NULL)
    return FALSE;
  name = gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory));
  return g_str_equal (name, "sctpenc") || g_str_equal (name, "sctpdec");
}

static gboolean
on_bus_message (GstBus * bus, GstMessage * message, gpointer data)
{
  VpCall *call = data;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ELEMENT:{
      const GstStructure *s = gst_message_get_structure (message);

      if (s != NULL && g_str_has_prefix (gst_structure_get_name (s),
              "geminilive/"))
        on_geminilive (call, s);
      break;
    }
    case GST_MESSAGE_ERROR:{
      g_autoptr (GError) error = NULL;
      g_autofree gchar *debug = NULL;
      g_autofree gchar *name = gst_object_get_path_string (message->src);
      g_autofree gchar *reason = NULL;

      gst_message_parse_error (message, &error, &debug);
      if (peer_went_away (message)) {
        vp_call_hang_up (call, "the peer closed the connection", FALSE);
        return G_SOURCE_REMOVE;
      }
      if (debug != NULL)
        g_strdelimit (debug, "\n", ' ');
      call_log (call, "failed: %s: %s%s%s%s", name, error->message,
          debug != NULL ? " (" : "", debug != NULL ? debug : "",
          debug != NULL ? ")" : "");
      reason = g_strdup_printf ("error: %s", error->message);
      vp_call_hang_up (call, reason, TRUE);
      return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_WARNING:{
      g_autoptr (GError) error = NULL;
      g_autofree gchar *name = gst_object_get_path_string (message->src);

      gst_message_parse_warning (message, &error, NULL);
      call_log (call, "warning: %s: %s", name, error->message);
      break;
    }
    case GST_MESSAGE_EOS:
      vp_call_hang_up (call, "the agent ended the call", FALSE);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency (GST_BIN (call->pipeline));
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* The agent's side reached EOS (its end-call tool, or num-turns): what it
 * said is on its way; the call closes a moment later. */
static gboolean
on_speaker_eos_idle (gpointer data)
{
  VpCall *call = data;

  if (call->state < VP_CALL_ENDING && call->playout_id == 0) {
    call_log (call, "the agent is done; closing after its last words");
    call->playout_id = g_timeout_add (PLAYOUT_MS, on_playout_done, call);
  }
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
on_speaker_event (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  VpCall *call = data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, on_speaker_eos_idle,
        vp_call_ref (call), (GDestroyNotify) vp_call_unref);
  return GST_PAD_PROBE_OK;
}

/* ------------------------------------------------------------------------ */
/* The transport's reports */

static gboolean
on_watchdog (gpointer data)
{
  VpCall *call = data;
  gint64 now = g_get_monotonic_time ();
  gint64 last;

  if (call->state == VP_CALL_RINGING) {
    if (now - call->created_us > call->setup_timeout_s * G_USEC_PER_SEC) {
      call->watchdog_id = 0;
      vp_call_hang_up (call, "the peer never connected", TRUE);
      return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
  }
  last = MAX (vp_web_transport_last_packet_us (call->transport),
      call->connected_us);
  if (call->peer_timeout_s > 0
      && now - last > call->peer_timeout_s * G_USEC_PER_SEC) {
    call->watchdog_id = 0;
    vp_call_hang_up (call, "the peer went silent (no audio)", FALSE);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static void
on_transport_state (const gchar * state, gpointer data)
{
  VpCall *call = data;

  if (call->state >= VP_CALL_ENDING)
    return;
  if (g_str_equal (state, "connected")) {
    if (call->state == VP_CALL_RINGING) {
      call->state = VP_CALL_TALKING;
      call->connected_us = g_get_monotonic_time ();
      call_log (call, "connected after %" G_GINT64_FORMAT " ms",
          (call->connected_us - call->created_us) / 1000);
      send_json (call, vp_call_event_call (call->id, "talking", NULL));
    }
  } else if (g_str_equal (state, "failed")) {
    vp_call_hang_up (call, "the connection failed", FALSE);
  } else if (g_str_equal (state, "closed")) {
    vp_call_hang_up (call, "the peer closed the connection", FALSE);
  } else if (g_str_equal (state, "channel-closed")) {
    vp_call_hang_up (call, "the peer went away (data channel closed)", FALSE);
  }
}

static gboolean
on_answer_timeout (gpointer data)
{
  VpCall *call = data;

  call->answer_timeout_id = 0;
  vp_call_hang_up (call, "no answer within the time (ICE gathering)", TRUE);
  return G_SOURCE_REMOVE;
}

static void
on_answer (const gchar * answer_sdp, const GError * error, gpointer data)
{
  VpCall *call = data;

  clear_source (&call->answer_timeout_id);
  if (call->answered)
    return;
  call->answered = TRUE;
  if (call->hooks.answered != NULL)
    call->hooks.answered (call, answer_sdp, error, call->user_data);
  if (error != NULL) {
    g_autofree gchar *reason = g_strdup_printf ("negotiation failed: %s",
        error->message);
    vp_call_hang_up (call, reason, TRUE);
  }
}

/* ------------------------------------------------------------------------ */
/* The start */

/* session=NAME → NAME-<call id>: the plugin finds sessions by name in the
 * process, and each call must have its own. */
static void
name_sessions (GstElement * pipeline, const gchar * id)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue item = G_VALUE_INIT;
  g_autofree gchar *suffix = g_strdup_printf ("-%s", id);

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *element = g_value_get_object (&item);
    GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS
        (element), "session");
    g_autofree gchar *name = NULL;

    if (pspec != NULL && pspec->value_type == G_TYPE_STRING) {
      g_object_get (element, "session", &name, NULL);
      /* A bin passes its name on to its children: rename once. */
      if (name != NULL && !g_str_has_suffix (name, suffix)) {
        g_autofree gchar *renamed = g_strconcat (name, suffix, NULL);
        g_object_set (element, "session", renamed, NULL);
      }
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}

static GstElement *
get_placeholder (GstElement * pipeline, const gchar * name,
    const gchar * variable, GError ** error)
{
  GstElement *element = gst_bin_get_by_name (GST_BIN (pipeline), name);

  if (element == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "the agent's description has no ${%s}: a served pipeline takes the "
        "call's audio from ${mic} and gives it to ${speaker}", variable);
  return element;
}

static void
fail_new (VpCall * call)
{
  vp_call_unref (call);
}

VpCall *
vp_call_new (const gchar * id, const VpCallConfig * config,
    VpWebOffer * offer, const VpCallHooks * hooks, gpointer user_data,
    GError ** error)
{
  VpCall *call = g_new0 (VpCall, 1);
  g_autoptr (GstElement) mic = NULL;
  g_autoptr (GstElement) speaker = NULL;
  g_autoptr (GstPad) speaker_src = NULL;
  GstElement *parsed;

  call->refcount = 1;
  call->id = g_strdup (id);
  call->state = VP_CALL_RINGING;
  call->hooks = *hooks;
  call->user_data = user_data;
  call->peer_timeout_s = config->peer_timeout_s;
  call->setup_timeout_s = MAX (config->setup_timeout_s, 1);
  call->created_us = g_get_monotonic_time ();

  parsed = gst_parse_launch_full (config->description, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (parsed == NULL) {
    fail_new (call);
    return NULL;
  }
  if (GST_IS_PIPELINE (parsed)) {
    call->pipeline = parsed;
  } else {
    call->pipeline = gst_pipeline_new (NULL);
    gst_bin_add (GST_BIN (call->pipeline), parsed);
  }
  {
    g_autofree gchar *name = g_strdup_printf ("call-%s", id);
    gst_object_set_name (GST_OBJECT (call->pipeline), name);
  }

  mic = get_placeholder (call->pipeline, MIC_NAME, "mic", error);
  speaker = mic != NULL ? get_placeholder (call->pipeline, SPEAKER_NAME,
      "speaker", error) : NULL;
  if (speaker == NULL) {
    fail_new (call);
    return NULL;
  }
  name_sessions (call->pipeline, id);

  call->transport = vp_web_transport_new (GST_BIN (call->pipeline), mic,
      speaker, offer, &config->web, g_main_context_default (),
      on_transport_state, call, error);
  if (call->transport == NULL) {
    fail_new (call);
    return NULL;
  }
  if (config->record_dir != NULL) {
    g_autofree gchar *file = g_strdup_printf ("call-%s.ogg", id);
    g_autofree gchar *path = g_build_filename (config->record_dir, file,
        NULL);

    call->recorder = vp_call_recorder_new (GST_BIN (call->pipeline),
        vp_web_transport_caller_tap (call->transport),
        vp_web_transport_agent_tap (call->transport), path, error);
    if (call->recorder == NULL) {
      fail_new (call);
      return NULL;
    }
    call_log (call, "recording to %s", path);
  }
  speaker_src = gst_element_get_static_pad (speaker, "src");
  gst_pad_add_probe (speaker_src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_speaker_event, call, NULL);

  call->bus = gst_element_get_bus (call->pipeline);
  gst_bus_add_watch (call->bus, on_bus_message, call);
  if (gst_element_set_state (call->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_autoptr (GstMessage) message = gst_bus_pop_filtered (call->bus,
        GST_MESSAGE_ERROR);
    g_autoptr (GError) why = NULL;

    if (message != NULL)
      gst_message_parse_error (message, &why, NULL);
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "the agent's pipeline could not start%s%s", why ? ": " : "",
        why ? why->message : "");
    gst_bus_remove_watch (call->bus);
    gst_object_unref (call->bus);
    call->bus = NULL;
    fail_new (call);
    return NULL;
  }

  call_log (call, "ringing (opus pt %u, %s, %u remote candidate%s dropped)",
      offer->opus_pt, offer->has_data_channel ? "events channel" :
      "no data channel", offer->candidates_dropped,
      offer->candidates_dropped == 1 ? "" : "s");
  call->answer_timeout_id = g_timeout_add_seconds (ANSWER_TIMEOUT_S,
      on_answer_timeout, call);
  call->watchdog_id = g_timeout_add_seconds (1, on_watchdog, call);
  vp_web_transport_answer (call->transport, g_steal_pointer (&offer->sdp),
      on_answer, call);
  return call;
}
