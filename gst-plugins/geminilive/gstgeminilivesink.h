/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasesink.h>
#include <gst/audio/audio.h>

#include "gstgeminiliveconfig.h"
#include "gstgeminiliveshared.h"

G_BEGIN_DECLS

#define GST_TYPE_GEMINI_LIVE_SINK (gst_gemini_live_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstGeminiLiveSink, gst_gemini_live_sink, GST,
    GEMINI_LIVE_SINK, GstBaseSink)

struct _GstGeminiLiveSink
{
  GstBaseSink parent;

  /* properties, under the object lock */
  gchar *session_name;
  GstGeminiLiveConfig config;
  gdouble last_latency_ms;
  GstElement *event_target;     /* not reffed: itself or its bin */

  /* set in start(), cleared in stop() */
  GstGeminiLiveShared *shared;
  VpLiveSession *session;

  /* streaming thread */
  GstAudioInfo info;
  gboolean in_speech;           /* vad=client: inside an activity */
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

G_END_DECLS
