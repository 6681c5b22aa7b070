/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-geminilive
 * @title: geminilive
 * @see_also: geminilivesink, geminilivesrc
 *
 * Both sides of a Gemini Live session in one element: the user's audio
 * (any raw audio: it is converted and resampled inside) goes into the
 * `sink` pad, the model's voice comes out of the `src` pad
 * and its transcription out of the `text` pad.  Inside are a
 * geminilivesink and a geminilivesrc sharing a private session name.  It
 * has the sink's configuration properties, signals and messages, and the
 * src's playback properties.  The `text` pad has output only while the
 * element is PLAYING; as after a demuxer, put a `queue` after `src` or
 * `text` when both lead to sinks.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m filesrc location=question.wav ! wavparse ! \
 *     geminilive endpoint=local num-turns=1 ! \
 *     wavenc ! filesink location=reply.wav
 * ]|
 */

#include "config.h"

#include "gstgeminilivebin.h"
#include "gstgeminiliveelements.h"
#include "gstgeminiliveconfig.h"
#include "gstgeminilivesignals.h"
/* What the bin wraps. */
#include "gstgeminilivesink.h"

GST_DEBUG_CATEGORY_STATIC (gst_gemini_live_bin_debug);
#define GST_CAT_DEFAULT gst_gemini_live_bin_debug

struct _GstGeminiLiveBin
{
  GstBin parent;

  GstElement *sink;
  GstElement *src;
  GstPad *text;                 /* ghost of the src's sometimes text pad */
};

enum
{
  PROP_0,
  PROP_SESSION,
  PROP_PERIOD_MS,
  PROP_NUM_TURNS,
  PROP_LAST_LATENCY,
  PROP_COST,
  PROP_INPUT_TOKENS,
  PROP_OUTPUT_TOKENS,
  PROP_CONFIG_FIRST,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("audio/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format=S16LE, layout=interleaved, "
        "channels=1, rate=24000"));
static GstStaticPadTemplate text_template = GST_STATIC_PAD_TEMPLATE ("text",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("text/x-raw, format=utf8"));

G_DEFINE_TYPE (GstGeminiLiveBin, gst_gemini_live_bin, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (geminilive, "geminilive",
    GST_RANK_NONE, GST_TYPE_GEMINI_LIVE_BIN,
    gst_gemini_live_element_init (plugin));

static GstGeminiLiveShared *
lookup_shared (GstElement * element)
{
  return gst_gemini_live_sink_ref_shared (GST_GEMINI_LIVE_BIN (element)->sink);
}

/* The configuration lives in the inner sink. */
static gboolean
update (GstElement * element, const GstStructure * settings, GError ** error)
{
  return gst_gemini_live_sink_update (GST_GEMINI_LIVE_BIN (element)->sink,
      settings, error);
}

/* The inner element a property belongs to. */
static GObject *
property_owner (GstGeminiLiveBin * self, guint prop_id)
{
  switch (prop_id) {
    case PROP_PERIOD_MS:
    case PROP_NUM_TURNS:
      return G_OBJECT (self->src);
    default:
      return G_OBJECT (self->sink);
  }
}

static void
gst_gemini_live_bin_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstGeminiLiveBin *self = GST_GEMINI_LIVE_BIN (object);

  if (prop_id == PROP_SESSION) {
    g_object_set_property (G_OBJECT (self->sink), "session", value);
    g_object_set_property (G_OBJECT (self->src), "session", value);
    return;
  }
  g_object_set_property (property_owner (self, prop_id), pspec->name, value);
}

static void
gst_gemini_live_bin_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstGeminiLiveBin *self = GST_GEMINI_LIVE_BIN (object);

  if (prop_id == PROP_CONFIG_FIRST + GST_GEMINI_LIVE_CONFIG_API_KEY)
    return;                     /* write-only */
  g_object_get_property (property_owner (self, prop_id), pspec->name, value);
}

static void
on_src_pad_added (GstElement * src, GstPad * pad, GstGeminiLiveBin * self)
{
  if (g_str_equal (GST_PAD_NAME (pad), "text"))
    gst_ghost_pad_set_target (GST_GHOST_PAD (self->text), pad);
}

static void
gst_gemini_live_bin_init (GstGeminiLiveBin * self)
{
  static gint counter = 0;
  g_autofree gchar *session = g_strdup_printf ("geminilive-%d",
      g_atomic_int_add (&counter, 1));
  GstElement *convert, *resample;
  GstPadTemplate *templ;
  GstPad *pad;

  self->sink = gst_element_factory_make ("geminilivesink", "sink");
  /* Any raw audio in: the session takes S16LE mono at 8-48 kHz.  With
   * those caps already, both are passthrough. */
  convert = gst_element_factory_make ("audioconvert", "convert");
  resample = gst_element_factory_make ("audioresample", "resample");
  g_assert (convert != NULL && resample != NULL);
  self->src = gst_element_factory_make ("geminilivesrc", "src");
  g_assert (self->sink != NULL && self->src != NULL);
  g_object_set (self->sink, "session", session, NULL);
  g_object_set (self->src, "session", session, NULL);
  gst_gemini_live_sink_set_event_target (self->sink, GST_ELEMENT (self));
  gst_bin_add_many (GST_BIN (self), convert, resample, self->sink, self->src,
      NULL);
  gst_element_link_many (convert, resample, self->sink, NULL);
  /* A live src (NO_PREROLL) beside a sink that prerolls.  Without this,
   * when the sink prerolls between two of the bin's state changes, GstBin
   * drops its ASYNC_DONE ("nothing pending") while the parent still holds
   * the ASYNC_START the bin forwarded: the pipeline never reaches PLAYING,
   * and the sinks after the src wait in preroll for ever. */
  g_object_set (self, "async-handling", TRUE, NULL);

  pad = gst_element_get_static_pad (convert, "sink");
  gst_element_add_pad (GST_ELEMENT (self), gst_ghost_pad_new ("sink", pad));
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (self->src, "src");
  gst_element_add_pad (GST_ELEMENT (self), gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);
  /* geminilivesrc adds its text pad when it starts streaming. */
  templ = gst_static_pad_template_get (&text_template);
  self->text = gst_ghost_pad_new_no_target_from_template ("text", templ);
  gst_object_unref (templ);
  gst_element_add_pad (GST_ELEMENT (self), self->text);
  g_signal_connect (self->src, "pad-added", G_CALLBACK (on_src_pad_added),
      self);
}

static void
gst_gemini_live_bin_class_init (GstGeminiLiveBinClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_gemini_live_bin_debug, "geminilive", 0,
      "Gemini Live in one element");

  gobject_class->set_property = gst_gemini_live_bin_set_property;
  gobject_class->get_property = gst_gemini_live_bin_get_property;

  g_object_class_install_property (gobject_class, PROP_SESSION,
      g_param_spec_string ("session", "Session",
          "Session name; unique by default. Give the same name to a "
          "geminilivesrc elsewhere to play this session there too",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  gst_gemini_live_install_playback_properties (gobject_class, PROP_PERIOD_MS);
  gst_gemini_live_install_stats_properties (gobject_class, PROP_LAST_LATENCY);
  gst_gemini_live_config_install_properties (gobject_class, PROP_CONFIG_FIRST);

  gst_gemini_live_install_signals (element_class, lookup_shared, update);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class, &text_template);
  gst_element_class_set_static_metadata (element_class, "Gemini Live",
      "Filter/Audio/Network",
      "A Gemini Live voice agent in one element: user audio in, model "
      "voice out", "Voxpipe contributors");
}
