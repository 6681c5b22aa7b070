/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-geminilivesrc
 * @title: geminilivesrc
 * @see_also: geminilivesink, geminilive
 *
 * Plays what the model of a Gemini Live session says: a live source of
 * 24 kHz mono S16LE audio, timed by the pipeline clock, with a latency of
 * one period (#GstGeminiLiveSrc:period-ms).  When the model is quiet it
 * outputs silence flagged GAP, a period at a time, so that echo
 * cancellers, mixers and encoders downstream see a steady stream.  Model
 * audio that arrives while it is quiet leaves at once, not at the next
 * period boundary; audio that arrives faster than real time is queued,
 * never dropped, and leaves a period at a time as the clock reaches it.
 * When the user barges in, the queued audio of the interrupted turn is
 * dropped at once, without flushing the pipeline: at most one period of it
 * is downstream.
 *
 * The `text` pad carries the model's output transcription as UTF-8 text
 * buffers, timestamped with the audio they describe (for subtitles).  It
 * is a sometimes pad: it appears when the element starts streaming (in
 * PLAYING) and goes away when it stops; gst-launch-1.0 links it by name
 * (`geminilivesrc.text ! queue ! …`), applications link it in
 * #GstElement::pad-added.  Both pads are pushed from one streaming thread,
 * so, as after a demuxer, put a `queue` after one of them when both lead
 * to sinks.
 *
 * The session is configured and opened by the geminilivesink with the
 * same #GstGeminiLiveSrc:session name.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 autoaudiosrc ! audioconvert ! audioresample ! \
 *     geminilivesink session=s endpoint=local \
 *     geminilivesrc session=s ! audioconvert ! autoaudiosink
 * ]| Talk to the built-in emulator.
 */

#include "config.h"

#include "gstgeminilivesrc.h"
#include "gstgeminiliveelements.h"
#include "gstgeminiliveconfig.h"
#include "gstgeminiliveshared.h"
#include "gstgeminiliveplayout.h"

#include <gst/audio/audio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_gemini_live_src_debug);
#define GST_CAT_DEFAULT gst_gemini_live_src_debug

#define DEFAULT_SESSION "default"
#define DEFAULT_PERIOD_MS 20
#define DEFAULT_NUM_TURNS 0
#define RATE GST_GEMINI_LIVE_RATE

struct _GstGeminiLiveSrc
{
  GstPushSrc parent;

  /* properties, under the object lock */
  gchar *session_name;
  guint period_ms;
  guint num_turns;

  /* set in start(), cleared in stop() */
  GstGeminiLiveShared *shared;
  GstGeminiLivePlayout *playout;        /* the shared state's */
  GstGeminiLivePlayoutWaiter waiter;    /* the playout's to touch */

  /* streaming thread */
  GstClockTime start_time;      /* running time of the first sample */
  guint64 n_samples;            /* samples output: the timestamps */
  gboolean idle;                /* the last buffer out was silence */
  guint64 first_sample_offset;  /* a turn's first sample is in the buffer
                                 * starting at this sample, or -1 */
  gint64 first_began_us;        /* when the user's turn before it ended */
  gboolean audio_pending;       /* the buffer create() made has model audio */
  GstGeminiLivePeriod taken;    /* what is due with it (its texts) */
  GstPad *text_pad;             /* the sometimes pad, while streaming */
};

enum
{
  PROP_0,
  PROP_SESSION,
  PROP_PERIOD_MS,
  PROP_NUM_TURNS,
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format=S16LE, layout=interleaved, "
        "channels=1, rate=24000"));

static GstStaticPadTemplate text_template = GST_STATIC_PAD_TEMPLATE ("text",
    GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS ("text/x-raw, format=utf8"));

G_DEFINE_TYPE (GstGeminiLiveSrc, gst_gemini_live_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (geminilivesrc, "geminilivesrc",
    GST_RANK_NONE, GST_TYPE_GEMINI_LIVE_SRC,
    gst_gemini_live_element_init (plugin));

static gboolean
gst_gemini_live_src_start (GstBaseSrc * src)
{
  GstGeminiLiveSrc *self = GST_GEMINI_LIVE_SRC (src);
  g_autofree gchar *name = NULL;

  GST_OBJECT_LOCK (self);
  name = g_strdup (self->session_name);
  GST_OBJECT_UNLOCK (self);

  self->shared = gst_gemini_live_shared_acquire (name);
  self->playout = gst_gemini_live_shared_get_playout (self->shared);
  self->waiter =
      (GstGeminiLivePlayoutWaiter) GST_GEMINI_LIVE_PLAYOUT_WAITER_INIT;
  self->n_samples = 0;
  self->start_time = GST_CLOCK_TIME_NONE;
  self->idle = TRUE;
  self->first_sample_offset = G_MAXUINT64;
  GST_INFO_OBJECT (self, "playing session \"%s\"", name);
  return TRUE;
}

static gboolean
gst_gemini_live_src_stop (GstBaseSrc * src)
{
  GstGeminiLiveSrc *self = GST_GEMINI_LIVE_SRC (src);

  self->playout = NULL;
  g_clear_pointer (&self->shared, gst_gemini_live_shared_release);
  gst_gemini_live_period_clear (&self->taken);
  return TRUE;
}

static guint
period_samples (GstGeminiLiveSrc * self)
{
  guint ms;

  GST_OBJECT_LOCK (self);
  ms = self->period_ms;
  GST_OBJECT_UNLOCK (self);
  return RATE * ms / 1000;
}

static gboolean
gst_gemini_live_src_query (GstBaseSrc * src, GstQuery * query)
{
  GstGeminiLiveSrc *self = GST_GEMINI_LIVE_SRC (src);

  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    GstClockTime period = gst_util_uint64_scale (period_samples (self),
        GST_SECOND, RATE);
    /* One period before a sample can leave; the queue has no bound. */
    gst_query_set_latency (query, TRUE, period, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return GST_BASE_SRC_CLASS (gst_gemini_live_src_parent_class)->query (src,
      query);
}

/* The text pad is a sometimes pad, added once the audio pad has sent its
 * stream-start: GstBaseSrc cannot make a stream-id for an element with
 * two source pads. */
static void
text_pad_add (GstGeminiLiveSrc * self)
{
  g_autofree gchar *stream_id = NULL;
  GstEvent *audio_start, *event;
  GstSegment segment;
  GstCaps *caps;
  GstPad *pad;
  guint group_id;

  pad = gst_pad_new_from_static_template (&text_template, "text");
  gst_pad_use_fixed_caps (pad);
  gst_pad_set_active (pad, TRUE);
  self->text_pad = gst_object_ref (pad);
  gst_element_add_pad (GST_ELEMENT (self), pad);
  gst_element_no_more_pads (GST_ELEMENT (self));

  stream_id = gst_pad_create_stream_id (pad, GST_ELEMENT (self), "text");
  event = gst_event_new_stream_start (stream_id);
  audio_start = gst_pad_get_sticky_event (GST_BASE_SRC_PAD (self),
      GST_EVENT_STREAM_START, 0);
  if (audio_start != NULL) {
    if (gst_event_parse_group_id (audio_start, &group_id))
      gst_event_set_group_id (event, group_id);
    gst_event_unref (audio_start);
  }
  gst_pad_push_event (pad, event);
  caps = gst_static_pad_template_get_caps (&text_template);
  gst_pad_push_event (pad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (pad, gst_event_new_segment (&segment));
}

static void
text_pad_remove (GstGeminiLiveSrc * self)
{
  GstPad *pad = g_steal_pointer (&self->text_pad);

  if (pad == NULL)
    return;
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (GST_ELEMENT (self), pad);
  gst_object_unref (pad);
}

static GstBuffer *
silence_new (guint samples)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, samples * 2, NULL);

  gst_buffer_memset (buffer, 0, 0, samples * 2);
  GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_GAP);
  return buffer;
}

/* Running time of sample @index (since the first).  The waits for a
 * sample round up instead (gst_gemini_live_playout_next()). */
static GstClockTime
time_of (GstGeminiLiveSrc * self, guint64 index)
{
  return self->start_time + gst_util_uint64_scale (index, GST_SECOND, RATE);
}

/* Sample index (since the first) the clock is at. */
static guint64
position_now (GstGeminiLiveSrc * self, GstClock * clock, GstClockTime base_time)
{
  GstClockTime now = gst_clock_get_time (clock);

  if (now < base_time + self->start_time)
    return 0;
  return gst_util_uint64_scale (now - base_time - self->start_time, RATE,
      GST_SECOND);
}

/* Paced like a capture source with a period of latency: silence leaves
 * when its period has passed.  Model audio that arrives while the src is
 * silent leaves at once, timestamped where the silence ended, so it is not
 * held to a period boundary and still reaches the sink within the latency;
 * the audio queued behind it leaves as the clock reaches it, a period at a
 * time, so that a barge-in finds at most one period downstream.  The waits
 * are our own (no get_times() for GstBaseSrc): model audio ends an idle
 * wait early. */
static GstFlowReturn
gst_gemini_live_src_create (GstPushSrc * src, GstBuffer ** out)
{
  GstGeminiLiveSrc *self = GST_GEMINI_LIVE_SRC (src);
  GstGeminiLivePlayoutRequest request;
  GstGeminiLivePlayoutNext next;
  GstBuffer *buffer = NULL;
  GstClockTime base_time, pts;
  GstClock *clock;
  guint64 samples;

  if (G_UNLIKELY (self->text_pad == NULL))
    text_pad_add (self);
  /* Texts of a buffer that never left (flushing). */
  if (G_UNLIKELY (self->taken.texts != NULL))
    gst_gemini_live_period_clear (&self->taken);
  self->audio_pending = FALSE;

  request.period = period_samples (self);
  GST_OBJECT_LOCK (self);
  request.num_turns = self->num_turns;
  GST_OBJECT_UNLOCK (self);

  clock = gst_element_get_clock (GST_ELEMENT (self));
  if (clock == NULL)
    clock = gst_system_clock_obtain ();
  base_time = gst_element_get_base_time (GST_ELEMENT (self));
  if (!GST_CLOCK_TIME_IS_VALID (self->start_time)) {
    GstClockTime now = gst_clock_get_time (clock);
    self->start_time = now > base_time ? now - base_time : 0;
  }
  request.idle = self->idle;
  request.due = self->n_samples;
  request.clock = clock;
  request.origin = base_time + self->start_time;

  do {
    request.position = position_now (self, clock, base_time);
    next = gst_gemini_live_playout_next (self->playout, &self->waiter,
        &request, &self->taken);
    if (next == GST_GEMINI_LIVE_PLAYOUT_WAIT) {
      GST_LOG_OBJECT (self, "waiting after sample %" G_GUINT64_FORMAT,
          self->n_samples);
      gst_gemini_live_playout_wait (self->playout, &self->waiter);
    }
  } while (next == GST_GEMINI_LIVE_PLAYOUT_WAIT);
  gst_object_unref (clock);

  switch (next) {
    case GST_GEMINI_LIVE_PLAYOUT_AUDIO:
      buffer = g_steal_pointer (&self->taken.audio);
      self->audio_pending = TRUE;
      if (self->taken.turn_start) {
        self->first_sample_offset = self->n_samples;
        self->first_began_us = self->taken.began_us;
      }
      break;
    case GST_GEMINI_LIVE_PLAYOUT_SILENCE:
      buffer = silence_new (request.period);
      break;
    case GST_GEMINI_LIVE_PLAYOUT_EOS:
      GST_INFO_OBJECT (self, "conversation over: EOS");
      gst_gemini_live_shared_end_conversation (self->shared);
      gst_pad_push_event (self->text_pad, gst_event_new_eos ());
      return GST_FLOW_EOS;
    default:
      return GST_FLOW_FLUSHING;
  }

  self->idle = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP);

  /* Timestamps from a sample counter: no rounding drift. */
  samples = gst_buffer_get_size (buffer) / 2;
  pts = time_of (self, self->n_samples);
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) =
      time_of (self, self->n_samples + samples) - pts;
  GST_BUFFER_OFFSET (buffer) = self->n_samples;
  GST_BUFFER_OFFSET_END (buffer) = self->n_samples + samples;
  if (self->n_samples == 0)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
  self->n_samples += samples;

  *out = buffer;
  return GST_FLOW_OK;
}

/* Ends the wait in create(), for a state change or a flush. */
static gboolean
gst_gemini_live_src_unlock (GstBaseSrc * src)
{
  GstGeminiLiveSrc *self = GST_GEMINI_LIVE_SRC (src);

  if (self->playout != NULL)
    gst_gemini_live_playout_set_flushing (self->playout, &self->waiter, TRUE);
  return TRUE;
}

static gboolean
gst_gemini_live_src_unlock_stop (GstBaseSrc * src)
{
  GstGeminiLiveSrc *self = GST_GEMINI_LIVE_SRC (src);

  if (self->playout != NULL)
    gst_gemini_live_playout_set_flushing (self->playout, &self->waiter, FALSE);
  return TRUE;
}

/* Output transcription due within @buffer, timestamped like it: its PTS
 * is final only now. */
static void
push_texts (GstGeminiLiveSrc * self, GstBuffer * buffer)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstGeminiLivePeriod *taken = &self->taken;
  GList *texts = g_steal_pointer (&taken->texts), *l;

  if (texts == NULL) {
    if (gst_pad_is_linked (self->text_pad))
      gst_pad_push_event (self->text_pad, gst_event_new_gap (pts,
              GST_BUFFER_DURATION (buffer)));
    return;
  }

  for (l = texts; l != NULL; l = l->next) {
    GstGeminiLiveText *text = l->data;
    guint64 offset = text->position > taken->texts_base ?
        text->position - taken->texts_base : 0;
    guint64 end = MAX (taken->texts_end, text->position + 1);
    GstBuffer *tb = gst_buffer_new_memdup (text->text, strlen (text->text));

    GST_BUFFER_PTS (tb) = pts + gst_util_uint64_scale (offset, GST_SECOND,
        RATE);
    GST_BUFFER_DURATION (tb) = gst_util_uint64_scale (end - text->position,
        GST_SECOND, RATE);
    gst_pad_push (self->text_pad, tb);
  }
  g_list_free_full (texts, (GDestroyNotify) gst_gemini_live_text_free);
}

/* Whether the user barged in since create() took the model audio of the
 * buffer that is leaving now (it waited for the clock meanwhile). */
static gboolean
audio_is_stale (GstGeminiLiveSrc * self)
{
  if (!self->audio_pending)
    return FALSE;
  self->audio_pending = FALSE;
  return gst_gemini_live_playout_is_stale (self->playout, self->taken.epoch);
}

/* Runs as each audio buffer leaves: the voice-to-voice clock stops when
 * the turn's first sample leaves, and the transcription goes with it.
 * Audio of an interrupted turn leaves as silence. */
static GstPadProbeReturn
on_buffer_out (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstGeminiLiveSrc *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (G_UNLIKELY (audio_is_stale (self))) {
    GST_DEBUG_OBJECT (self, "barge-in: the buffer at %" G_GUINT64_FORMAT
        " leaves as silence", GST_BUFFER_OFFSET (buffer));
    buffer = gst_buffer_make_writable (buffer);
    gst_buffer_memset (buffer, 0, 0, gst_buffer_get_size (buffer));
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_GAP);
    GST_PAD_PROBE_INFO_DATA (info) = buffer;
    self->first_sample_offset = G_MAXUINT64;
    gst_gemini_live_period_clear (&self->taken);
  }

  /* The buffer holding the turn's first sample. */
  if (G_UNLIKELY (self->first_sample_offset != G_MAXUINT64)
      && GST_BUFFER_OFFSET (buffer) == self->first_sample_offset) {
    self->first_sample_offset = G_MAXUINT64;
    gst_gemini_live_shared_report_first_sample (self->shared,
        self->first_began_us, g_get_monotonic_time ());
  }
  if (self->text_pad != NULL)
    push_texts (self, buffer);
  return GST_PAD_PROBE_OK;
}

static GstStateChangeReturn
gst_gemini_live_src_change_state (GstElement * element,
    GstStateChange transition)
{
  GstGeminiLiveSrc *self = GST_GEMINI_LIVE_SRC (element);
  GstStateChangeReturn ret;

  ret = GST_ELEMENT_CLASS (gst_gemini_live_src_parent_class)->change_state
      (element, transition);
  /* The streaming thread is gone: the next start adds a new text pad. */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    text_pad_remove (self);
  return ret;
}

static void
gst_gemini_live_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstGeminiLiveSrc *self = GST_GEMINI_LIVE_SRC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SESSION:
      g_free (self->session_name);
      self->session_name = g_value_dup_string (value);
      if (self->session_name == NULL)
        self->session_name = g_strdup (DEFAULT_SESSION);
      break;
    case PROP_PERIOD_MS:
      self->period_ms = g_value_get_uint (value);
      break;
    case PROP_NUM_TURNS:
      self->num_turns = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_gemini_live_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstGeminiLiveSrc *self = GST_GEMINI_LIVE_SRC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SESSION:
      g_value_set_string (value, self->session_name);
      break;
    case PROP_PERIOD_MS:
      g_value_set_uint (value, self->period_ms);
      break;
    case PROP_NUM_TURNS:
      g_value_set_uint (value, self->num_turns);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_gemini_live_src_finalize (GObject * object)
{
  GstGeminiLiveSrc *self = GST_GEMINI_LIVE_SRC (object);

  g_free (self->session_name);
  G_OBJECT_CLASS (gst_gemini_live_src_parent_class)->finalize (object);
}

static void
gst_gemini_live_src_init (GstGeminiLiveSrc * self)
{
  GstBaseSrc *base = GST_BASE_SRC (self);

  self->session_name = g_strdup (DEFAULT_SESSION);
  self->period_ms = DEFAULT_PERIOD_MS;
  self->num_turns = DEFAULT_NUM_TURNS;

  gst_base_src_set_live (base, TRUE);
  gst_base_src_set_format (base, GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp (base, FALSE);

  gst_pad_add_probe (GST_BASE_SRC_PAD (self), GST_PAD_PROBE_TYPE_BUFFER,
      on_buffer_out, self, NULL);
}

static void
gst_gemini_live_src_class_init (GstGeminiLiveSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *base_src_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *push_src_class = GST_PUSH_SRC_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_gemini_live_src_debug, "geminilivesrc", 0,
      "Gemini Live speaker side");

  gobject_class->set_property = gst_gemini_live_src_set_property;
  gobject_class->get_property = gst_gemini_live_src_get_property;
  gobject_class->finalize = gst_gemini_live_src_finalize;

  g_object_class_install_property (gobject_class, PROP_SESSION,
      g_param_spec_string ("session", "Session",
          "Name shared with the geminilivesink that opens the session",
          DEFAULT_SESSION, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  gst_gemini_live_install_playback_properties (gobject_class, PROP_PERIOD_MS);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class, &text_template);
  gst_element_class_set_static_metadata (element_class,
      "Gemini Live source", "Source/Audio/Network",
      "Plays what the model of a Gemini Live session says",
      "Voxpipe contributors");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_gemini_live_src_change_state);
  base_src_class->start = GST_DEBUG_FUNCPTR (gst_gemini_live_src_start);
  base_src_class->stop = GST_DEBUG_FUNCPTR (gst_gemini_live_src_stop);
  base_src_class->unlock = GST_DEBUG_FUNCPTR (gst_gemini_live_src_unlock);
  base_src_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_gemini_live_src_unlock_stop);
  base_src_class->query = GST_DEBUG_FUNCPTR (gst_gemini_live_src_query);
  push_src_class->create = GST_DEBUG_FUNCPTR (gst_gemini_live_src_create);
}
