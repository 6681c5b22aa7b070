/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A call's recording, in the call's own pipeline:
 *
 *   caller tap ─► queue (leaky) ! convert/resample ! audiopanorama -1 ─┐
 *                                                                      audiomixer
 *   agent tap  ─► queue (leaky) ! convert/resample ! audiopanorama +1 ─┘
 *     ! audioconvert ! opusenc ! oggmux ! filesink
 *
 * The queues leak rather than block: a slow disk never holds up the call.
 * At the end EOS goes into the mixer's pads and the file is finished
 * before the pipeline stops, so the Ogg stream is complete. */

#include "config.h"

#include "vp-call-recorder.h"

struct _VpCallRecorder
{
  GstElement *mixer;
  GMutex lock;
  GCond cond;
  gboolean done;                /* under lock */
};

static GstElement *
make (GstBin * bin, const gchar * factory, GError ** error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL) {
    if (*error == NULL)
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
          "--record needs the GStreamer element %s", factory);
    return NULL;
  }
  gst_bin_add (bin, element);
  return element;
}

static gboolean
add_side (GstBin * bin, GstElement * tap, GstElement * mixer, gfloat pan,
    GError ** error)
{
  GstElement *queue = make (bin, "queue", error);
  GstElement *conv = make (bin, "audioconvert", error);
  GstElement *res = make (bin, "audioresample", error);
  GstElement *pano = make (bin, "audiopanorama", error);
  GstElement *caps = make (bin, "capsfilter", error);

  if (*error != NULL)
    return FALSE;
  g_object_set (queue, "leaky", 2, "max-size-time", (guint64) GST_SECOND,
      "max-size-buffers", 0, "max-size-bytes", 0, NULL);
  g_object_set (pano, "panorama", pan, NULL);
  g_object_set (caps, "caps",
      gst_caps_from_string ("audio/x-raw,format=S16LE,rate=48000,"
          "channels=2"), NULL);
  if (!gst_element_link_many (tap, queue, conv, res, pano, caps, mixer, NULL)) {
    g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "cannot link the recording");
    return FALSE;
  }
  return TRUE;
}

static GstPadProbeReturn
on_file_event (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  VpCallRecorder *recorder = data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    g_mutex_lock (&recorder->lock);
    recorder->done = TRUE;
    g_cond_broadcast (&recorder->cond);
    g_mutex_unlock (&recorder->lock);
  }
  return GST_PAD_PROBE_OK;
}

VpCallRecorder *
vp_call_recorder_new (GstBin * bin, GstElement * caller_tap,
    GstElement * agent_tap, const gchar * path, GError ** error)
{
  VpCallRecorder *recorder = g_new0 (VpCallRecorder, 1);
  GstElement *conv, *stereo, *enc, *mux, *sink;
  g_autoptr (GstPad) sink_pad = NULL;

  g_mutex_init (&recorder->lock);
  g_cond_init (&recorder->cond);
  recorder->mixer = make (bin, "audiomixer", error);
  conv = make (bin, "audioconvert", error);
  stereo = make (bin, "capsfilter", error);
  enc = make (bin, "opusenc", error);
  mux = make (bin, "oggmux", error);
  sink = make (bin, "filesink", error);
  if (*error != NULL) {
    vp_call_recorder_free (recorder);
    return NULL;
  }
  /* The caller's side starts when the peer connects, later than the
   * agent's: the mix starts with the first buffer of either. */
  gst_util_set_object_arg (G_OBJECT (recorder->mixer),
      "start-time-selection", "first");
  g_object_set (sink, "location", path, "async", FALSE, NULL);
  /* opusenc would take mono first, and the two sides would be mixed. */
  g_object_set (stereo, "caps",
      gst_caps_from_string ("audio/x-raw,channels=2"), NULL);
  if (!gst_element_link_many (recorder->mixer, conv, stereo, enc, mux, sink,
          NULL)
      || !add_side (bin, caller_tap, recorder->mixer, -1.0f, error)
      || !add_side (bin, agent_tap, recorder->mixer, 1.0f, error)) {
    if (*error == NULL)
      g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
          "cannot link the recording");
    vp_call_recorder_free (recorder);
    return NULL;
  }
  sink_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_file_event, recorder, NULL);
  return recorder;
}

/* Ends the file: EOS into every pad of the mixer, then waits (at most
 * @timeout_ms) for it to reach the file.  Not on a streaming thread. */
gboolean
vp_call_recorder_finish (VpCallRecorder * recorder, guint timeout_ms)
{
  gint64 deadline =
      g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  GstIterator *pads = gst_element_iterate_sink_pads (recorder->mixer);
  GValue item = G_VALUE_INIT;
  gboolean done;

  while (gst_iterator_next (pads, &item) == GST_ITERATOR_OK) {
    gst_pad_send_event (g_value_get_object (&item), gst_event_new_eos ());
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (pads);

  g_mutex_lock (&recorder->lock);
  while (!recorder->done)
    if (!g_cond_wait_until (&recorder->cond, &recorder->lock, deadline))
      break;
  done = recorder->done;
  g_mutex_unlock (&recorder->lock);
  return done;
}

/* After the pipeline has stopped. */
void
vp_call_recorder_free (VpCallRecorder * recorder)
{
  g_mutex_clear (&recorder->lock);
  g_cond_clear (&recorder->cond);
  g_free (recorder);
}
