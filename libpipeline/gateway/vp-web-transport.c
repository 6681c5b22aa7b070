/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* One call's WebRTC transport (DESIGN.md §9, docs/calls.md):
 *
 *   webrtcbin ─► rtpopusdepay ! opusdec ! 16 kHz mono
 *                ! tee (caller tap) ─► vp-mic … the agent
 *   the agent … vp-speaker ─► audioconvert ! audioresample ! 48 kHz mono
 *                ! tee (agent tap) ! opusenc ! rtpopuspay pt=<offer>
 *                ─► webrtcbin
 *
 * Opus decodes at 16 kHz natively: the caller is decoded at the model's
 * input rate, so nothing resamples it on the way in.
 *
 * Non-trickle: the answer is handed back when ICE gathering is complete,
 * with every candidate in it.  Serving loopback, the ICE agent gathers on
 * the bind address alone and the offer's candidates off loopback are
 * dropped before webrtcbin sees them, so no packet leaves the machine.
 * webrtcbin's signals come from its own threads; what they tell the call
 * goes through the call's main context. */

#include "config.h"

#include "vp-web-transport.h"

#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#define MAX_PENDING_EVENTS 2000
#define JITTER_LATENCY_MS 60

struct _VpWebTransport
{
  gint refcount;
  GMainContext *context;
  VpWebTransportStateFunc state_func;
  gpointer user_data;

  GstElement *webrtc;           /* owned by the pipeline */
  GstElement *depay;
  GstElement *caller_tap;
  GstElement *agent_tap;
  GstElement *mic;

  VpWebTransportAnswerFunc answer_func;
  gpointer answer_data;
  gboolean answered;            /* under lock */

  GMutex lock;
  GstWebRTCDataChannel *channel;        /* under lock */
  gboolean channel_open;        /* under lock */
  GQueue pending;               /* JSON waiting for the channel, under lock */
  gboolean closed;              /* under lock */
  gboolean linked;              /* under lock */
  gint64 last_packet_us;        /* under lock */
  GstWebRTCPeerConnectionState last_state;      /* under lock */
};

/* ------------------------------------------------------------------------ */
/* Lifetime and the main context */

static VpWebTransport *
transport_ref (VpWebTransport * t)
{
  g_atomic_int_inc (&t->refcount);
  return t;
}

void
vp_web_transport_unref (VpWebTransport * t)
{
  if (!g_atomic_int_dec_and_test (&t->refcount))
    return;
  g_queue_clear_full (&t->pending, g_free);
  if (t->channel != NULL)
    g_object_unref (t->channel);
  g_mutex_clear (&t->lock);
  g_main_context_unref (t->context);
  g_free (t);
}

typedef struct
{
  VpWebTransport *transport;
  gchar *state;
  gchar *answer;
  GError *error;
} Report;

static void
report_free (Report * report)
{
  vp_web_transport_unref (report->transport);
  g_free (report->state);
  g_free (report->answer);
  g_clear_error (&report->error);
  g_free (report);
}

static gboolean
is_closed (VpWebTransport * t)
{
  gboolean closed;

  g_mutex_lock (&t->lock);
  closed = t->closed;
  g_mutex_unlock (&t->lock);
  return closed;
}

static gboolean
deliver_state (gpointer data)
{
  Report *report = data;
  VpWebTransport *t = report->transport;

  if (!is_closed (t) && t->state_func != NULL)
    t->state_func (report->state, t->user_data);
  return G_SOURCE_REMOVE;
}

static void
post_state (VpWebTransport * t, const gchar * state)
{
  Report *report = g_new0 (Report, 1);

  report->transport = transport_ref (t);
  report->state = g_strdup (state);
  g_main_context_invoke_full (t->context, G_PRIORITY_DEFAULT, deliver_state,
      report, (GDestroyNotify) report_free);
}

static gboolean
deliver_answer (gpointer data)
{
  Report *report = data;
  VpWebTransport *t = report->transport;

  if (!is_closed (t) && t->answer_func != NULL)
    t->answer_func (report->answer, report->error, t->answer_data);
  return G_SOURCE_REMOVE;
}

/* Once: the answer, or why there is none. */
static void
post_answer (VpWebTransport * t, gchar * answer, GError * error)
{
  Report *report;

  g_mutex_lock (&t->lock);
  if (t->answered) {
    g_mutex_unlock (&t->lock);
    g_free (answer);
    g_clear_error (&error);
    return;
  }
  t->answered = TRUE;
  g_mutex_unlock (&t->lock);

  report = g_new0 (Report, 1);
  report->transport = transport_ref (t);
  report->answer = answer;
  report->error = error;
  g_main_context_invoke_full (t->context, G_PRIORITY_DEFAULT, deliver_answer,
      report, (GDestroyNotify) report_free);
}

/* ------------------------------------------------------------------------ */
/* Negotiation (webrtcbin's threads) */

static void
deliver_local_description (VpWebTransport * t)
{
  GstWebRTCSessionDescription *desc = NULL;

  g_object_get (t->webrtc, "local-description", &desc, NULL);
  if (desc == NULL) {
    post_answer (t, NULL, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
            "webrtcbin has no local description"));
    return;
  }
  post_answer (t, gst_sdp_message_as_text (desc->sdp), NULL);
  gst_webrtc_session_description_free (desc);
}

static void
on_gathering_state (GstElement * webrtc, GParamSpec * pspec, gpointer data)
{
  VpWebTransport *t = data;
  GstWebRTCICEGatheringState state;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    deliver_local_description (t);
}

static gboolean
promise_failed (GstPromise * promise, const gchar * what, VpWebTransport * t)
{
  const GstStructure *reply;
  g_autoptr (GError) error = NULL;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED) {
    post_answer (t, NULL, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
            "webrtcbin did not %s", what));
    return TRUE;
  }
  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_has_field (reply, "error")) {
    gst_structure_get (reply, "error", G_TYPE_ERROR, &error, NULL);
    post_answer (t, NULL, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
            "webrtcbin could not %s: %s", what,
            error != NULL ? error->message : "no reason given"));
    return TRUE;
  }
  return FALSE;
}

static void
on_local_set (GstPromise * promise, gpointer data)
{
  VpWebTransport *t = data;
  GstWebRTCICEGatheringState state;

  if (!promise_failed (promise, "take its answer", t)) {
    g_object_get (t->webrtc, "ice-gathering-state", &state, NULL);
    if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
      deliver_local_description (t);
  }
  gst_promise_unref (promise);
}

static void
on_answer_created (GstPromise * promise, gpointer data)
{
  VpWebTransport *t = data;
  GstWebRTCSessionDescription *answer = NULL;

  if (promise_failed (promise, "create an answer", t)) {
    gst_promise_unref (promise);
    return;
  }
  gst_structure_get (gst_promise_get_reply (promise), "answer",
      GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref (promise);
  if (answer == NULL) {
    post_answer (t, NULL, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
            "webrtcbin made no answer"));
    return;
  }
  g_signal_emit_by_name (t->webrtc, "set-local-description", answer,
      gst_promise_new_with_change_func (on_local_set, transport_ref (t),
          (GDestroyNotify) vp_web_transport_unref));
  gst_webrtc_session_description_free (answer);
}

static void
on_remote_set (GstPromise * promise, gpointer data)
{
  VpWebTransport *t = data;

  if (!promise_failed (promise, "take the offer", t))
    g_signal_emit_by_name (t->webrtc, "create-answer", NULL,
        gst_promise_new_with_change_func (on_answer_created,
            transport_ref (t), (GDestroyNotify) vp_web_transport_unref));
  gst_promise_unref (promise);
}

/* Takes @offer.  @func runs once on the context, with the answer. */
void
vp_web_transport_answer (VpWebTransport * t, GstSDPMessage * offer,
    VpWebTransportAnswerFunc func, gpointer user_data)
{
  GstWebRTCSessionDescription *desc =
      gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, offer);

  t->answer_func = func;
  t->answer_data = user_data;
  g_signal_emit_by_name (t->webrtc, "set-remote-description", desc,
      gst_promise_new_with_change_func (on_remote_set, transport_ref (t),
          (GDestroyNotify) vp_web_transport_unref));
  gst_webrtc_session_description_free (desc);
}

/* ------------------------------------------------------------------------ */
/* Media and connection (webrtcbin's threads) */

static GstPadProbeReturn
on_packet (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  VpWebTransport *t = data;

  g_mutex_lock (&t->lock);
  t->last_packet_us = g_get_monotonic_time ();
  g_mutex_unlock (&t->lock);
  return GST_PAD_PROBE_OK;
}

static void
on_pad_added (GstElement * webrtc, GstPad * pad, gpointer data)
{
  VpWebTransport *t = data;
  g_autoptr (GstPad) sink = NULL;
  gboolean linked;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  g_mutex_lock (&t->lock);
  linked = t->linked;
  t->linked = TRUE;
  g_mutex_unlock (&t->lock);
  if (linked) {
    GST_INFO ("a second incoming stream (%s) is not used", GST_PAD_NAME (pad));
    return;
  }
  sink = gst_element_get_static_pad (t->depay, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    GST_WARNING ("cannot link the caller's audio (%s)", GST_PAD_NAME (pad));
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, on_packet, t, NULL);
}

static void
on_connection_state (GstElement * webrtc, GParamSpec * pspec, gpointer data)
{
  VpWebTransport *t = data;
  GstWebRTCPeerConnectionState state;
  const gchar *name = NULL;

  g_object_get (webrtc, "connection-state", &state, NULL);
  g_mutex_lock (&t->lock);
  if (state == t->last_state) {
    g_mutex_unlock (&t->lock);
    return;
  }
  t->last_state = state;
  g_mutex_unlock (&t->lock);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
    name = "connected";
  else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED)
    name = "failed";
  else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED)
    name = "closed";
  if (name != NULL)
    post_state (t, name);
}

/* ------------------------------------------------------------------------ */
/* The events' data channel */

static void
unref_closure (gpointer data, GClosure * closure)
{
  vp_web_transport_unref (data);
}

/* On the main context, like every send: the events keep their order, and
 * no lock of ours is held while the channel takes its own. */
static gboolean
open_on_main (gpointer data)
{
  Report *report = data;
  VpWebTransport *t = report->transport;
  GstWebRTCDataChannel *channel = NULL;
  GQueue pending = G_QUEUE_INIT;
  gchar *json;

  g_mutex_lock (&t->lock);
  if (!t->closed && t->channel != NULL) {
    t->channel_open = TRUE;
    channel = g_object_ref (t->channel);
    pending = t->pending;
    g_queue_init (&t->pending);
  }
  g_mutex_unlock (&t->lock);
  if (channel == NULL)
    return G_SOURCE_REMOVE;
  while ((json = g_queue_pop_head (&pending)) != NULL) {
    gst_webrtc_data_channel_send_string_full (channel, json, NULL);
    g_free (json);
  }
  g_object_unref (channel);
  return G_SOURCE_REMOVE;
}

static void
on_channel_open (GstWebRTCDataChannel * channel, gpointer data)
{
  VpWebTransport *t = data;
  Report *report = g_new0 (Report, 1);

  report->transport = transport_ref (t);
  g_main_context_invoke_full (t->context, G_PRIORITY_DEFAULT, open_on_main,
      report, (GDestroyNotify) report_free);
}

static void
on_channel_close (GstWebRTCDataChannel * channel, gpointer data)
{
  VpWebTransport *t = data;
  gboolean was_open;

  g_mutex_lock (&t->lock);
  was_open = channel == t->channel && t->channel_open && !t->closed;
  t->channel_open = FALSE;
  g_mutex_unlock (&t->lock);
  /* The page went away (its tab closed): the call ends. */
  if (was_open)
    post_state (t, "channel-closed");
}

static void
on_data_channel (GstElement * webrtc, GstWebRTCDataChannel * channel,
    gpointer data)
{
  VpWebTransport *t = data;
  GstWebRTCDataChannelState state;

  g_mutex_lock (&t->lock);
  if (t->channel != NULL || t->closed) {
    g_mutex_unlock (&t->lock);
    return;
  }
  t->channel = g_object_ref (channel);
  g_mutex_unlock (&t->lock);

  g_signal_connect_data (channel, "on-open", G_CALLBACK (on_channel_open),
      transport_ref (t), unref_closure, 0);
  g_signal_connect_data (channel, "on-close", G_CALLBACK (on_channel_close),
      transport_ref (t), unref_closure, 0);
  g_object_get (channel, "ready-state", &state, NULL);
  if (state == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN)
    on_channel_open (channel, t);
}

/* On the main context: sent now, or when the channel opens. */
void
vp_web_transport_send (VpWebTransport * t, const gchar * json)
{
  GstWebRTCDataChannel *channel = NULL;

  g_mutex_lock (&t->lock);
  if (t->closed) {
    g_mutex_unlock (&t->lock);
    return;
  }
  if (t->channel_open)
    channel = g_object_ref (t->channel);
  else if (g_queue_get_length (&t->pending) < MAX_PENDING_EVENTS)
    g_queue_push_tail (&t->pending, g_strdup (json));
  g_mutex_unlock (&t->lock);
  if (channel != NULL) {
    gst_webrtc_data_channel_send_string_full (channel, json, NULL);
    g_object_unref (channel);
  }
}

/* ------------------------------------------------------------------------ */
/* Building */

static GstElement *
add (GstBin * bin, const gchar * factory, const gchar * name, GError ** error)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element == NULL) {
    if (error != NULL && *error == NULL)
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
          "the GStreamer element %s is missing (install %s)", factory,
          g_str_has_prefix (factory, "webrtc") ? "gstreamer1.0-plugins-bad "
          "and gstreamer1.0-nice" : "gstreamer1.0-plugins-base/good/bad");
    return NULL;
  }
  gst_bin_add (bin, element);
  return element;
}

static GstElement *
add_caps (GstBin * bin, const gchar * name, GstCaps * caps)
{
  GstElement *filter = gst_element_factory_make ("capsfilter", name);

  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_bin_add (bin, filter);
  return filter;
}

static gboolean
configure_ice (VpWebTransport * t, const VpWebTransportConfig * config,
    GError ** error)
{
  GObject *ice = NULL;
  gboolean added = FALSE;

  g_object_get (t->webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL) {
    g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "webrtcbin has no ICE agent (install gstreamer1.0-nice)");
    return FALSE;
  }
  /* Media over UDP only; TCP candidates would open listening ports. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "ice-tcp"))
    g_object_set (ice, "ice-tcp", FALSE, NULL);
  if (config->local_address != NULL) {
    /* One address given: the agent gathers there and nowhere else. */
    g_signal_emit_by_name (ice, "add-local-ip-address",
        config->local_address, &added);
    if (!added) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "the ICE agent refused the address %s", config->local_address);
      g_object_unref (ice);
      return FALSE;
    }
  }
  g_object_unref (ice);
  return TRUE;
}

VpWebTransport *
vp_web_transport_new (GstBin * bin, GstElement * mic, GstElement * speaker,
    const VpWebOffer * offer, const VpWebTransportConfig * config,
    GMainContext * context, VpWebTransportStateFunc state_func,
    gpointer user_data, GError ** error)
{
  VpWebTransport *t = g_new0 (VpWebTransport, 1);
  GstElement *dec, *dcaps, *aconv, *ares, *acaps, *enc, *pay, *rtpcaps;
  g_autoptr (GstPad) webrtc_sink = NULL;
  g_autoptr (GstPad) pay_src = NULL;
  GstWebRTCRTPTransceiver *transceiver = NULL;
  GstCaps *codec;

  t->refcount = 1;
  t->context = g_main_context_ref (context);
  t->state_func = state_func;
  t->user_data = user_data;
  t->mic = mic;
  t->last_state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  g_mutex_init (&t->lock);
  g_queue_init (&t->pending);

  t->webrtc = add (bin, "webrtcbin", "vp-webrtc", error);
  t->depay = add (bin, "rtpopusdepay", "vp-caller-depay", error);
  dec = add (bin, "opusdec", "vp-caller-dec", error);
  t->caller_tap = add (bin, "tee", "vp-caller-tap", error);
  aconv = add (bin, "audioconvert", "vp-agent-convert", error);
  ares = add (bin, "audioresample", "vp-agent-resample", error);
  enc = add (bin, "opusenc", "vp-agent-enc", error);
  pay = add (bin, "rtpopuspay", "vp-agent-pay", error);
  if (error != NULL && *error != NULL) {
    vp_web_transport_unref (t);
    return NULL;
  }
  dcaps = add_caps (bin, "vp-caller-caps",
      gst_caps_from_string ("audio/x-raw,rate=16000,channels=1"));
  acaps = add_caps (bin, "vp-agent-caps",
      gst_caps_from_string ("audio/x-raw,rate=48000,channels=1"));
  t->agent_tap = add (bin, "tee", "vp-agent-tap", NULL);
  codec = gst_caps_new_simple ("application/x-rtp",
      "media", G_TYPE_STRING, "audio", "encoding-name", G_TYPE_STRING, "OPUS",
      "clock-rate", G_TYPE_INT, 48000, "payload", G_TYPE_INT,
      (gint) offer->opus_pt, NULL);
  rtpcaps = add_caps (bin, "vp-agent-rtpcaps", gst_caps_copy (codec));

  g_object_set (t->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE,
      "latency", JITTER_LATENCY_MS, NULL);
  if (config->stun_server != NULL)
    g_object_set (t->webrtc, "stun-server", config->stun_server, NULL);
  if (config->turn_server != NULL)
    g_object_set (t->webrtc, "turn-server", config->turn_server, NULL);
  if (!configure_ice (t, config, error)) {
    gst_caps_unref (codec);
    vp_web_transport_unref (t);
    return NULL;
  }
  /* The receiver is allowed to wait: a lost packet is concealed. */
  g_object_set (dec, "plc", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "audio-type", "voice");
  g_object_set (enc, "bitrate", 32000, "complexity", config->opus_complexity,
      NULL);
  g_object_set (pay, "pt", offer->opus_pt, NULL);

  if (!gst_element_link_many (t->depay, dec, dcaps, t->caller_tap, mic, NULL)
      || !gst_element_link_many (speaker, aconv, ares, acaps, t->agent_tap,
          enc, pay, rtpcaps, NULL)) {
    g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "cannot link the call's audio to ${mic} and ${speaker}");
    gst_caps_unref (codec);
    vp_web_transport_unref (t);
    return NULL;
  }

  /* The transceiver for the offer's audio: ours, sending and receiving,
   * with the offer's payload type. */
  webrtc_sink = gst_element_request_pad_simple (t->webrtc, "sink_%u");
  pay_src = gst_element_get_static_pad (rtpcaps, "src");
  if (webrtc_sink == NULL || gst_pad_link (pay_src, webrtc_sink) !=
      GST_PAD_LINK_OK) {
    g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "cannot link the agent's audio to webrtcbin");
    gst_caps_unref (codec);
    vp_web_transport_unref (t);
    return NULL;
  }
  g_object_get (webrtc_sink, "transceiver", &transceiver, NULL);
  if (transceiver != NULL) {
    g_object_set (transceiver, "direction",
        GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV, "codec-preferences",
        codec, NULL);
    gst_object_unref (transceiver);
  }
  gst_caps_unref (codec);

  g_signal_connect (t->webrtc, "pad-added", G_CALLBACK (on_pad_added), t);
  g_signal_connect (t->webrtc, "on-data-channel",
      G_CALLBACK (on_data_channel), t);
  g_signal_connect (t->webrtc, "notify::ice-gathering-state",
      G_CALLBACK (on_gathering_state), t);
  g_signal_connect (t->webrtc, "notify::connection-state",
      G_CALLBACK (on_connection_state), t);
  return t;
}

gint64
vp_web_transport_last_packet_us (VpWebTransport * t)
{
  gint64 when;

  g_mutex_lock (&t->lock);
  when = t->last_packet_us;
  g_mutex_unlock (&t->lock);
  return when;
}

GstElement *
vp_web_transport_caller_tap (VpWebTransport * t)
{
  return t->caller_tap;
}

GstElement *
vp_web_transport_agent_tap (VpWebTransport * t)
{
  return t->agent_tap;
}

/* Not on the main context: waits (at most @timeout_ms) until what was sent
 * on the events channel has left, so the page hears why the call ends
 * before the connection goes. */
void
vp_web_transport_flush (VpWebTransport * t, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  GstWebRTCDataChannel *channel = NULL;
  guint64 buffered = 0;

  g_mutex_lock (&t->lock);
  if (t->channel != NULL && t->channel_open)
    channel = g_object_ref (t->channel);
  g_mutex_unlock (&t->lock);
  if (channel == NULL)
    return;
  do {
    g_object_get (channel, "buffered-amount", &buffered, NULL);
    if (buffered == 0)
      break;
    g_usleep (10 * 1000);
  } while (g_get_monotonic_time () < deadline);
  /* Out of SCTP's queue is not yet through DTLS and ICE. */
  g_usleep (150 * 1000);
  g_object_unref (channel);
}

/* Before the pipeline stops: nothing more reaches the call. */
void
vp_web_transport_close (VpWebTransport * t)
{
  g_mutex_lock (&t->lock);
  t->closed = TRUE;
  g_queue_clear_full (&t->pending, g_free);
  g_mutex_unlock (&t->lock);
}
