/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-geminilivesink
 * @title: geminilivesink
 * @see_also: geminilivesrc, geminilive
 *
 * Sends the user's audio (and optionally JPEG video frames on the
 * `video` request pad, at most one per second) to a Gemini Live session.
 * It holds the session's configuration and opens the session when it
 * starts, without blocking the state change; the geminilivesrc with the
 * same #GstGeminiLiveSink:session name plays what the model says.
 *
 * Every server event is a signal and an element message named
 * `geminilive/<event>`: `session` (state, handle), `transcript` (role,
 * text, finished), `turn` (state, latency-ms), `interrupted`
 * (dropped-samples), `tool-call` (id, name, args), `tool-call-cancelled`
 * (id), `go-away` (time-left-ms), `usage` (tokens, audio seconds,
 * cost-usd).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m filesrc location=question.wav ! wavparse ! audioconvert ! \
 *     audioresample ! geminilivesink session=s endpoint=local \
 *     geminilivesrc session=s num-turns=1 ! wavenc ! filesink location=reply.wav
 * ]| One question from a file, the reply to a file, against the built-in
 * emulator.
 */

#include "config.h"

#include "gstgeminilivesink.h"
#include "gstgeminiliveelements.h"
#include "gstgeminiliveconfig.h"
#include "gstgeminiliveshared.h"
#include "gstgeminilivesignals.h"

#include <gst/base/gstadapter.h>
#include <gst/base/gstbasesink.h>
#include <gst/audio/audio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_gemini_live_sink_debug);
#define GST_CAT_DEFAULT gst_gemini_live_sink_debug

#define DEFAULT_SESSION "default"
/* A sample above this counts as speech for the latency clock (-30 dBFS). */
#define SPEECH_LEVEL 1024
/* A gap in the microphone this long pauses the stream (audioStreamEnd). */
#define MIC_PAUSE (3 * GST_SECOND)
/* vad=client: audio kept before the activity starts, so the first
 * syllable is not cut. */
#define PREROLL_MS 300
/* vad=client: how long voice must stay off before the turn ends, when
 * silence-duration-ms is -1.  webrtcdsp's detector turns off in the pause
 * after a comma ("Hello, do you have…"): ending there would split one
 * question into two turns, the first answered and then interrupted. */
#define CLIENT_HANGOVER_MS 600
#define VIDEO_INTERVAL GST_SECOND

struct _GstGeminiLiveSink
{
  GstBaseSink parent;

  /* properties, under the object lock */
  gchar *session_name;
  GstGeminiLiveConfig config;
  gdouble last_latency_ms;      /* of the last session, once it stopped */
  GstElement *event_target;     /* not reffed: itself or its bin */

  /* set in start(), cleared in stop() */
  GstGeminiLiveShared *shared;
  VpLiveSession *session;

  /* streaming thread */
  GstAudioInfo info;
  gboolean in_speech;           /* vad=client: inside an activity */
  gboolean voice_on;            /* vad=client: webrtcdsp's last state */
  gsize quiet_samples;          /* vad=client: voice off so long, in speech */
  GstAdapter *preroll;          /* vad=client: audio kept before activity */
  gboolean stream_paused;       /* audioStreamEnd sent, no audio since */
  gboolean heard_speech;        /* speech since the last turn end mark */
  GstClockTime next_expected;   /* end of the last buffer, for gaps */
  gint upstream_live;           /* atomic: from the last LATENCY query */

  /* video pad, its streaming thread */
  GstPad *video_pad;
  GstSegment video_segment;
  GstClockTime last_video_running_time;
};

enum
{
  PROP_0,
  PROP_SESSION,
  PROP_LAST_LATENCY,
  PROP_COST,
  PROP_INPUT_TOKENS,
  PROP_OUTPUT_TOKENS,
  PROP_CONFIG_FIRST,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format=S16LE, layout=interleaved, "
        "channels=1, rate=16000; "
        "audio/x-raw, format=S16LE, layout=interleaved, channels=1, "
        "rate=[8000, 48000]"));

static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video",
    GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS ("image/jpeg"));

G_DEFINE_TYPE (GstGeminiLiveSink, gst_gemini_live_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (geminilivesink, "geminilivesink",
    GST_RANK_NONE, GST_TYPE_GEMINI_LIVE_SINK,
    gst_gemini_live_element_init (plugin));

void
gst_gemini_live_sink_set_event_target (GstElement * element,
    GstElement * target)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (element);

  GST_OBJECT_LOCK (self);
  self->event_target = target;
  GST_OBJECT_UNLOCK (self);
}

GstGeminiLiveShared *
gst_gemini_live_sink_ref_shared (GstElement * element)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (element);
  GstGeminiLiveShared *shared = NULL;

  GST_OBJECT_LOCK (self);
  if (self->shared != NULL)
    shared = gst_gemini_live_shared_ref (self->shared);
  GST_OBJECT_UNLOCK (self);
  return shared;
}

/* The "update" action: @settings (property name → value) on top of the
 * current configuration, sent to the running session, which applies it on
 * a new connection that resumes the conversation. */
gboolean
gst_gemini_live_sink_update (GstElement * element,
    const GstStructure * settings, GError ** error)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (element);
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (VpSetupConfig) setup = NULL;
  GstGeminiLiveConfig config, old;
  VpLiveSession *session = NULL;
  VpTools *tools = NULL;
  gboolean ok = FALSE;
  guint i;

  GST_OBJECT_LOCK (self);
  if (self->session != NULL)
    session = g_object_ref (self->session);
  gst_gemini_live_config_copy (&config, &self->config);
  GST_OBJECT_UNLOCK (self);

  if (session == NULL) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "update: the element is not started; set it to PAUSED or PLAYING "
        "first.");
    goto done;
  }
  if (!gst_gemini_live_config_apply (&config, G_OBJECT_GET_CLASS (self),
          settings, error))
    goto done;

  setup = gst_gemini_live_config_to_setup (&config, &tools, warnings, error);
  if (setup == NULL)
    goto done;
  for (i = 0; i < warnings->len; i++)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("%s",
            (gchar *) warnings->pdata[i]), (NULL));
  if (!vp_live_session_update (session, setup, tools, error))
    goto done;

  /* The properties read back what the session now uses. */
  GST_OBJECT_LOCK (self);
  old = self->config;
  self->config = config;
  GST_OBJECT_UNLOCK (self);
  config = old;
  ok = TRUE;

done:
  gst_gemini_live_config_clear (&config);
  g_clear_object (&session);
  return ok;
}

/* Attaches to the shared session at NULL→READY; never waits for the
 * network.  Not GstBaseSink's start(): when that fails, the base class
 * posts a second error ("some element failed to post a proper error
 * message") after ours.  What makes the session impossible and can be
 * known here (no key, a bad endpoint, refused settings) fails the state
 * change with one error, so the pipeline never reaches PLAYING. */
static gboolean
gst_gemini_live_sink_open (GstGeminiLiveSink * self)
{
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (VpSetupConfig) setup = NULL;
  VpTools *tools = NULL;
  GstGeminiLiveConfig config;
  GstGeminiLiveShared *shared;
  GstElement *target;
  g_autofree gchar *name = NULL;
  VpLiveSession *session;
  guint i;

  GST_OBJECT_LOCK (self);
  name = g_strdup (self->session_name);
  gst_gemini_live_config_copy (&config, &self->config);
  target = self->event_target ? self->event_target : GST_ELEMENT (self);
  GST_OBJECT_UNLOCK (self);

  setup = gst_gemini_live_config_to_setup (&config, &tools, warnings, &error);
  if (setup == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
        (NULL));
    gst_gemini_live_config_clear (&config);
    return FALSE;
  }
  for (i = 0; i < warnings->len; i++)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("%s",
            (gchar *) warnings->pdata[i]), (NULL));

  shared = gst_gemini_live_shared_acquire (name);
  if (!gst_gemini_live_shared_claim (shared, GST_ELEMENT (self))) {
    gst_gemini_live_shared_release (shared);
    GST_ELEMENT_ERROR (self, RESOURCE, BUSY,
        ("Session \"%s\" already has a geminilivesink. Give each "
            "geminilivesink its own session name.", name), (NULL));
    gst_gemini_live_config_clear (&config);
    vp_tools_free (tools);
    return FALSE;
  }

  session = vp_live_session_new ();
  vp_live_session_set_setup (session, setup);
  if (config.price_file != NULL) {
    VpPrice price;

    if (!vp_prices_load (config.price_file, config.model, &price, &error)) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
          (NULL));
      g_object_unref (session);
      gst_gemini_live_shared_release (shared);
      gst_gemini_live_config_clear (&config);
      vp_tools_free (tools);
      return FALSE;
    }
    vp_live_session_set_prices (session, &price);
  }
  /* Declared handlers answer their calls inside the session. */
  vp_live_session_set_tools (session, tools);
  g_object_set (session, "endpoint", config.endpoint, "reconnect",
      config.reconnect, "restore-context", config.restore_context, NULL);
  if (config.api_key != NULL)
    g_object_set (session, "api-key", config.api_key, NULL);
  /* endpoint=local is the emulator on loopback: nothing to check. */
  if (g_strcmp0 (config.endpoint, "local") != 0
      && !vp_live_session_check (session, &error)) {
    if (g_error_matches (error, VP_ERROR, VP_ERROR_AUTH))
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED, ("%s",
              error->message), (NULL));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
          (NULL));
    g_object_unref (session);
    gst_gemini_live_shared_release (shared);
    gst_gemini_live_config_clear (&config);
    return FALSE;
  }
  /* The shared state resolves endpoint=local. */
  if (!gst_gemini_live_shared_open (shared, target, session, config.scenario,
          &error)) {
    GST_WARNING_OBJECT (self, "error: %s", error->message);
    gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
        error->domain, error->code, g_strdup (error->message), NULL,
        __FILE__, GST_FUNCTION, __LINE__);
    g_object_unref (session);
    gst_gemini_live_shared_release (shared);
    gst_gemini_live_config_clear (&config);
    return FALSE;
  }
  gst_gemini_live_config_clear (&config);

  GST_OBJECT_LOCK (self);
  self->shared = shared;
  self->session = session;
  GST_OBJECT_UNLOCK (self);

  self->in_speech = FALSE;
  self->voice_on = FALSE;
  self->quiet_samples = 0;
  self->stream_paused = FALSE;
  self->heard_speech = FALSE;
  self->next_expected = GST_CLOCK_TIME_NONE;
  self->last_video_running_time = GST_CLOCK_TIME_NONE;
  gst_adapter_clear (self->preroll);

  GST_INFO_OBJECT (self, "opening session \"%s\"", name);
  vp_live_session_connect (session);
  return TRUE;
}

static gboolean
gst_gemini_live_sink_stop (GstBaseSink * sink)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (sink);
  GstGeminiLiveShared *shared;
  VpLiveSession *session;

  GST_OBJECT_LOCK (self);
  shared = g_steal_pointer (&self->shared);
  session = g_steal_pointer (&self->session);
  /* last-latency keeps reading the session's last turn. */
  if (shared != NULL)
    gst_gemini_live_shared_get_last_latency (shared, &self->last_latency_ms);
  GST_OBJECT_UNLOCK (self);

  if (shared != NULL) {
    gst_gemini_live_shared_close (shared);
    gst_gemini_live_shared_release (shared);
  }
  g_clear_object (&session);
  return TRUE;
}

static GstStateChangeReturn
gst_gemini_live_sink_change_state (GstElement * element,
    GstStateChange transition)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY
      && !gst_gemini_live_sink_open (self))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (gst_gemini_live_sink_parent_class)->change_state
      (element, transition);
  /* The base class failed after we opened: stop() will not run. */
  if (ret == GST_STATE_CHANGE_FAILURE
      && transition == GST_STATE_CHANGE_NULL_TO_READY)
    gst_gemini_live_sink_stop (GST_BASE_SINK (self));
  return ret;
}

/* A live microphone delivers each frame when it happens: send it at once.
 * Waiting on the clock (sync) would hold every frame back by the
 * pipeline's latency (geminilivesrc's period plus the speaker sink's
 * buffer, tens of milliseconds) before it leaves for the service.  Only a
 * non-live upstream (a file) is paced by the clock.  The pipeline asks
 * every sink for its latency when it goes to PLAYING: that answer says
 * whether upstream is live. */
static gboolean
gst_gemini_live_sink_element_query (GstElement * element, GstQuery * query)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (element);
  gboolean ret, live = FALSE, upstream_live = FALSE;

  ret = GST_ELEMENT_CLASS (gst_gemini_live_sink_parent_class)->query
      (element, query);
  if (ret && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY
      && gst_base_sink_query_latency (GST_BASE_SINK (self), &live,
          &upstream_live, NULL, NULL)) {
    if (upstream_live != g_atomic_int_get (&self->upstream_live))
      GST_DEBUG_OBJECT (self, "upstream is %slive: %s", upstream_live ? "" :
          "not ", upstream_live ? "frames are sent as they come" :
          "frames are paced by the clock");
    g_atomic_int_set (&self->upstream_live, upstream_live);
  }
  return ret;
}

static void
gst_gemini_live_sink_get_times (GstBaseSink * sink, GstBuffer * buffer,
    GstClockTime * start, GstClockTime * end)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (sink);
  GstBaseSinkClass *parent =
      GST_BASE_SINK_CLASS (gst_gemini_live_sink_parent_class);

  /* No times: GstBaseSink renders the buffer without waiting. */
  if (g_atomic_int_get (&self->upstream_live))
    return;
  if (parent->get_times != NULL) {
    parent->get_times (sink, buffer, start, end);
  } else if (GST_BUFFER_PTS_IS_VALID (buffer)) {
    *start = GST_BUFFER_PTS (buffer);
    if (GST_BUFFER_DURATION_IS_VALID (buffer))
      *end = *start + GST_BUFFER_DURATION (buffer);
  }
}

static gboolean
gst_gemini_live_sink_set_caps (GstBaseSink * sink, GstCaps * caps)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (sink);

  if (!gst_audio_info_from_caps (&self->info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Cannot use caps %"
            GST_PTR_FORMAT ". Put audioconvert ! audioresample in front.",
            caps), (NULL));
    return FALSE;
  }
  return TRUE;
}

/* Caps the pad refuses never reach set_caps: the pad's own check fails
 * the CAPS event and upstream reports a bare "not-negotiated".  A probe
 * sees the event first and says which caps it takes and how to get
 * them; the error names this element, so it comes first. */
static GstPadProbeReturn
check_caps_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (data);
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  g_autoptr (GstCaps) template = NULL;
  g_autofree gchar *given = NULL;
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  template = gst_pad_get_pad_template_caps (pad);
  if (gst_caps_can_intersect (caps, template))
    return GST_PAD_PROBE_OK;

  given = gst_caps_to_string (caps);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("geminilivesink takes "
          "audio/x-raw, format=S16LE, layout=interleaved, channels=1, "
          "rate=8000 to 48000 (16000 is best), and was given %s. Put "
          "audioconvert ! audioresample in front of it (the geminilive "
          "element converts by itself).", given), (NULL));
  return GST_PAD_PROBE_OK;
}

/* Time of the last speech sample in @samples, or -1. */
static gint64
last_speech_time (const gint16 * samples, gsize n, guint rate, gboolean live)
{
  gsize i = n;

  while (i > 0) {
    i--;
    if (ABS ((gint) samples[i]) > SPEECH_LEVEL) {
      /* Paced by the clock, a buffer renders at its first sample's time;
       * after a live source it renders as it arrives, when its last
       * sample was captured. */
      if (live)
        return g_get_monotonic_time () - (gint64) ((n - 1 - i) *
            G_USEC_PER_SEC / rate);
      return g_get_monotonic_time () + (gint64) (i * G_USEC_PER_SEC / rate);
    }
  }
  return -1;
}

static void
send_audio (GstGeminiLiveSink * self, const gint16 * samples, gsize n)
{
  vp_live_session_send_audio (self->session, samples, n,
      GST_AUDIO_INFO_RATE (&self->info));
  self->stream_paused = FALSE;
}

static void
send_adapter (GstGeminiLiveSink * self, GstAdapter * adapter)
{
  gsize size = gst_adapter_available (adapter);

  if (size >= 2) {
    const gint16 *samples = gst_adapter_map (adapter, size);
    send_audio (self, samples, size / 2);
    gst_adapter_unmap (adapter);
  }
  gst_adapter_clear (adapter);
}

/* vad=client: GstAudioLevelMeta.voice_activity edges become
 * activityStart/activityEnd, with a short pre-roll. */
static void
render_client_vad (GstGeminiLiveSink * self, GstBuffer * buffer,
    const gint16 * samples, gsize n)
{
  GstAudioLevelMeta *meta = gst_buffer_get_audio_level_meta (buffer);
  /* webrtcdsp marks only the buffers where voice starts or stops: a
   * buffer without the meta continues the current state. */
  gsize keep = PREROLL_MS * GST_AUDIO_INFO_RATE (&self->info) / 1000 * 2;
  gint hangover_ms;

  GST_OBJECT_LOCK (self);
  hangover_ms = self->config.silence_duration_ms;
  GST_OBJECT_UNLOCK (self);
  if (hangover_ms < 0)
    hangover_ms = CLIENT_HANGOVER_MS;

  if (meta != NULL)
    self->voice_on = meta->voice_activity;

  if (self->voice_on) {
    self->quiet_samples = 0;
    if (!self->in_speech) {
      GST_DEBUG_OBJECT (self, "voice activity starts");
      self->in_speech = TRUE;
      vp_live_session_send_activity_start (self->session);
      send_adapter (self, self->preroll);
    }
  } else if (self->in_speech) {
    send_audio (self, samples, n);
    self->quiet_samples += n;
    if (self->quiet_samples * 1000 >= (gsize) hangover_ms *
        GST_AUDIO_INFO_RATE (&self->info)) {
      GST_DEBUG_OBJECT (self, "voice activity ends (%d ms without voice)",
          hangover_ms);
      self->in_speech = FALSE;
      vp_live_session_send_activity_end (self->session);
    }
    return;
  }

  if (self->in_speech) {
    send_audio (self, samples, n);
  } else {
    gsize size;
    gst_adapter_push (self->preroll, gst_buffer_ref (buffer));
    size = gst_adapter_available (self->preroll);
    if (size > keep)
      gst_adapter_flush (self->preroll, size - keep);
  }
}

static void
pause_stream (GstGeminiLiveSink * self)
{
  GstGeminiLiveVad vad;

  GST_OBJECT_LOCK (self);
  vad = self->config.vad;
  GST_OBJECT_UNLOCK (self);

  if (self->session == NULL || self->stream_paused)
    return;
  if (vad == GST_GEMINI_LIVE_VAD_SERVER) {
    GST_DEBUG_OBJECT (self, "microphone paused: audioStreamEnd");
    vp_live_session_send_audio_stream_end (self->session);
  } else if (vad == GST_GEMINI_LIVE_VAD_CLIENT && self->in_speech) {
    self->in_speech = FALSE;
    vp_live_session_send_activity_end (self->session);
  }
  self->stream_paused = TRUE;
}

/* idle-timeout: the user said nothing for a while; let the model ask
 * whether they are still there (it decides how, or to stay quiet). */
static void
prompt_idle_user (GstGeminiLiveSink * self, guint seconds)
{
  g_autofree gchar *prompt = g_strdup_printf ("(The user has been silent "
      "for %u seconds. If the conversation is not over, check briefly "
      "whether they are still there.)", seconds);

  GST_INFO_OBJECT (self, "user silent for %u s: prompting the model", seconds);
  vp_live_session_send_text (self->session, prompt);
  gst_gemini_live_shared_post (self->shared,
      gst_structure_new ("geminilive/idle", "seconds", G_TYPE_UINT, seconds,
          NULL));
}

static GstFlowReturn
gst_gemini_live_sink_render (GstBaseSink * sink, GstBuffer * buffer)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (sink);
  GstGeminiLiveVad vad;
  guint idle_timeout;
  GstMapInfo map;
  gint64 speech_us;
  gsize n;

  if (GST_AUDIO_INFO_RATE (&self->info) == 0)
    return GST_FLOW_NOT_NEGOTIATED;
  /* The conversation is over and played out: EOS upstream, so a live
   * source (a GstBaseSrc) sends EOS and the whole pipeline ends. */
  if (gst_gemini_live_shared_is_over (self->shared)) {
    GST_INFO_OBJECT (self, "conversation over: EOS upstream");
    return GST_FLOW_EOS;
  }

  /* A long gap in the microphone pauses the stream. */
  if (GST_BUFFER_PTS_IS_VALID (buffer)
      && GST_CLOCK_TIME_IS_VALID (self->next_expected)
      && GST_BUFFER_PTS (buffer) > self->next_expected + MIC_PAUSE)
    pause_stream (self);
  if (GST_BUFFER_PTS_IS_VALID (buffer) && GST_BUFFER_DURATION_IS_VALID (buffer))
    self->next_expected = GST_BUFFER_PTS (buffer) +
        GST_BUFFER_DURATION (buffer);

  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP)
      && gst_buffer_get_size (buffer) == 0)
    return GST_FLOW_OK;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_FLOW_ERROR;
  n = map.size / 2;

  speech_us = last_speech_time ((const gint16 *) map.data, n,
      GST_AUDIO_INFO_RATE (&self->info),
      g_atomic_int_get (&self->upstream_live));
  if (speech_us > 0)
    gst_gemini_live_shared_mark_turn_end (self->shared, speech_us);

  GST_OBJECT_LOCK (self);
  vad = self->config.vad;
  idle_timeout = self->config.idle_timeout;
  GST_OBJECT_UNLOCK (self);

  if (idle_timeout > 0 && gst_gemini_live_shared_idle_due (self->shared,
          g_get_monotonic_time (), idle_timeout))
    prompt_idle_user (self, idle_timeout);

  if (vad == GST_GEMINI_LIVE_VAD_CLIENT)
    render_client_vad (self, buffer, (const gint16 *) map.data, n);
  else
    send_audio (self, (const gint16 *) map.data, n);

  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_OK;
}

static gboolean
gst_gemini_live_sink_event (GstBaseSink * sink, GstEvent * event)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (sink);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      /* The microphone is done: let the service end the turn now. */
      pause_stream (self);
      break;
    case GST_EVENT_GAP:{
      GstClockTime duration;
      gst_event_parse_gap (event, NULL, &duration);
      if (GST_CLOCK_TIME_IS_VALID (duration) && duration >= MIC_PAUSE)
        pause_stream (self);
      break;
    }
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (gst_gemini_live_sink_parent_class)->event (sink,
      event);
}

/* The video request pad: JPEG frames, throttled to the model's 1 fps. */

static GstFlowReturn
video_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (parent);
  GstClockTime running_time;
  VpLiveSession *session = NULL;
  GstMapInfo map;

  running_time = gst_segment_to_running_time (&self->video_segment,
      GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  if (GST_CLOCK_TIME_IS_VALID (running_time)
      && GST_CLOCK_TIME_IS_VALID (self->last_video_running_time)
      && running_time < self->last_video_running_time + VIDEO_INTERVAL) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }

  GST_OBJECT_LOCK (self);
  if (self->session != NULL)
    session = g_object_ref (self->session);
  GST_OBJECT_UNLOCK (self);
  if (session == NULL) {
    gst_buffer_unref (buffer);
    return GST_FLOW_FLUSHING;
  }

  if (gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    if (map.size > 0) {
      GST_LOG_OBJECT (self, "video frame of %" G_GSIZE_FORMAT " bytes at %"
          GST_TIME_FORMAT, map.size, GST_TIME_ARGS (running_time));
      vp_live_session_send_video (session, map.data, map.size, "image/jpeg");
      self->last_video_running_time = running_time;
    }
    gst_buffer_unmap (buffer, &map);
  }
  g_object_unref (session);
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static gboolean
video_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &self->video_segment);
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_segment_init (&self->video_segment, GST_FORMAT_TIME);
      self->last_video_running_time = GST_CLOCK_TIME_NONE;
      break;
    default:
      break;
  }
  /* The video stream's EOS is not the element's: the audio pad's is. */
  gst_event_unref (event);
  return TRUE;
}

static GstPad *
gst_gemini_live_sink_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (element);
  GstPad *pad;

  GST_OBJECT_LOCK (self);
  if (self->video_pad != NULL) {
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "only one video pad per session");
    return NULL;
  }
  GST_OBJECT_UNLOCK (self);

  pad = gst_pad_new_from_template (templ, "video");
  gst_pad_set_chain_function (pad, video_chain);
  gst_pad_set_event_function (pad, video_event);
  GST_PAD_SET_PROXY_CAPS (pad);
  gst_segment_init (&self->video_segment, GST_FORMAT_TIME);
  self->last_video_running_time = GST_CLOCK_TIME_NONE;

  GST_OBJECT_LOCK (self);
  self->video_pad = pad;
  GST_OBJECT_UNLOCK (self);

  gst_pad_set_active (pad, TRUE);
  gst_element_add_pad (element, pad);
  return pad;
}

static void
gst_gemini_live_sink_release_pad (GstElement * element, GstPad * pad)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (element);

  GST_OBJECT_LOCK (self);
  if (self->video_pad == pad)
    self->video_pad = NULL;
  GST_OBJECT_UNLOCK (self);

  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
}

/* Properties */

static void
gst_gemini_live_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SESSION:
      g_free (self->session_name);
      self->session_name = g_value_dup_string (value);
      if (self->session_name == NULL)
        self->session_name = g_strdup (DEFAULT_SESSION);
      break;
    default:
      if (prop_id < PROP_CONFIG_FIRST
          || !gst_gemini_live_config_set_property (&self->config,
              prop_id - PROP_CONFIG_FIRST, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_gemini_live_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (object);
  g_autoptr (VpUsage) usage = NULL;
  VpLiveSession *session;

  GST_OBJECT_LOCK (self);
  session = self->session ? g_object_ref (self->session) : NULL;
  switch (prop_id) {
    case PROP_SESSION:
      g_value_set_string (value, self->session_name);
      break;
    case PROP_LAST_LATENCY:{
      /* The shared state has it while a session runs. */
      gdouble latency_ms = self->last_latency_ms;
      if (self->shared != NULL)
        gst_gemini_live_shared_get_last_latency (self->shared, &latency_ms);
      g_value_set_double (value, latency_ms);
      break;
    }
    case PROP_COST:
    case PROP_INPUT_TOKENS:
    case PROP_OUTPUT_TOKENS:
      usage = session ? vp_live_session_get_usage (session) : NULL;
      if (prop_id == PROP_COST)
        g_value_set_double (value, usage ? usage->cost_usd : 0);
      else if (prop_id == PROP_INPUT_TOKENS)
        g_value_set_int64 (value, usage ? usage->input_tokens : 0);
      else
        g_value_set_int64 (value, usage ? usage->output_tokens : 0);
      break;
    case PROP_CONFIG_FIRST + GST_GEMINI_LIVE_CONFIG_RESUME_HANDLE:
      if (session != NULL)
        g_value_take_string (value,
            vp_live_session_dup_resume_handle (session));
      if (g_value_get_string (value) == NULL)
        g_value_set_string (value, self->config.resume_handle);
      break;
    default:
      if (prop_id < PROP_CONFIG_FIRST
          || !gst_gemini_live_config_get_property (&self->config,
              prop_id - PROP_CONFIG_FIRST, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
  g_clear_object (&session);
}

static void
gst_gemini_live_sink_finalize (GObject * object)
{
  GstGeminiLiveSink *self = GST_GEMINI_LIVE_SINK (object);

  g_free (self->session_name);
  gst_gemini_live_config_clear (&self->config);
  g_object_unref (self->preroll);

  G_OBJECT_CLASS (gst_gemini_live_sink_parent_class)->finalize (object);
}

static void
gst_gemini_live_sink_init (GstGeminiLiveSink * self)
{
  self->session_name = g_strdup (DEFAULT_SESSION);
  gst_gemini_live_config_init (&self->config);
  self->last_latency_ms = -1;
  self->preroll = gst_adapter_new ();
  gst_audio_info_init (&self->info);

  /* Paced like a microphone when fed from a file. */
  gst_base_sink_set_sync (GST_BASE_SINK (self), TRUE);
  gst_pad_add_probe (GST_BASE_SINK_PAD (self),
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, check_caps_probe, self, NULL);
}

static void
gst_gemini_live_sink_class_init (GstGeminiLiveSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *base_sink_class = GST_BASE_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_gemini_live_sink_debug, "geminilivesink", 0,
      "Gemini Live microphone side");

  gobject_class->set_property = gst_gemini_live_sink_set_property;
  gobject_class->get_property = gst_gemini_live_sink_get_property;
  gobject_class->finalize = gst_gemini_live_sink_finalize;

  g_object_class_install_property (gobject_class, PROP_SESSION,
      g_param_spec_string ("session", "Session",
          "Name shared with the geminilivesrc that plays this session",
          DEFAULT_SESSION, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  gst_gemini_live_install_stats_properties (gobject_class, PROP_LAST_LATENCY);
  gst_gemini_live_config_install_properties (gobject_class, PROP_CONFIG_FIRST);

  gst_gemini_live_install_signals (element_class,
      gst_gemini_live_sink_ref_shared, gst_gemini_live_sink_update);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &video_template);
  gst_element_class_set_static_metadata (element_class,
      "Gemini Live sink", "Sink/Audio/Network",
      "Sends the user's audio and video to a Gemini Live session",
      "Voxpipe contributors");

  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_gemini_live_sink_request_new_pad);
  element_class->release_pad =
      GST_DEBUG_FUNCPTR (gst_gemini_live_sink_release_pad);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_gemini_live_sink_change_state);
  base_sink_class->stop = GST_DEBUG_FUNCPTR (gst_gemini_live_sink_stop);
  base_sink_class->set_caps = GST_DEBUG_FUNCPTR (gst_gemini_live_sink_set_caps);
  base_sink_class->render = GST_DEBUG_FUNCPTR (gst_gemini_live_sink_render);
  base_sink_class->get_times =
      GST_DEBUG_FUNCPTR (gst_gemini_live_sink_get_times);
  element_class->query = GST_DEBUG_FUNCPTR (gst_gemini_live_sink_element_query);
  base_sink_class->event = GST_DEBUG_FUNCPTR (gst_gemini_live_sink_event);
}
