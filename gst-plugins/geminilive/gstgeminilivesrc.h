/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>

#include "gstgeminiliveshared.h"

G_BEGIN_DECLS

#define GST_TYPE_GEMINI_LIVE_SRC (gst_gemini_live_src_get_type ())
G_DECLARE_FINAL_TYPE (GstGeminiLiveSrc, gst_gemini_live_src, GST,
    GEMINI_LIVE_SRC, GstPushSrc)

struct _GstGeminiLiveSrc
{
  GstPushSrc parent;

  /* properties, under the object lock */
  gchar *session_name;
  guint period_ms;
  guint num_turns;

  /* set in start(), cleared in stop() */
  GstGeminiLiveShared *shared;

  gboolean flushing;            /* unlock() was called; under shared->lock */
  GstClockID clock_wait;        /* create()'s wait; under shared->lock */

  /* streaming thread */
  GstClockTime start_time;      /* running time of the first sample */
  guint64 n_samples;            /* samples output: the timestamps */
  gboolean idle;                /* the last buffer out was silence */
  guint64 first_sample_offset;  /* a turn's first sample is in the buffer
                                 * starting at this sample, or -1 */
  gint64 first_began_us;        /* when the user's turn before it ended */
  gboolean audio_pending;       /* the buffer create() made has model audio */
  guint audio_epoch;            /* the shared epoch when it was taken */
  GList *texts;                 /* GstGeminiLiveText leaving with the buffer
                                 * create() made */
  guint64 texts_base;           /* model samples played before that buffer */
  guint64 texts_end;            /* where the last of those texts ends */
  GstPad *text_pad;             /* the sometimes pad, while streaming */
};

G_END_DECLS
