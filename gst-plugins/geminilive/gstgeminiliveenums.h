/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The enums of the configuration properties.  glib-mkenums registers
 * them (gstgeminiliveenumtypes.c.in): the GType is named after the
 * typedef, the nick comes from the value's name, and the description
 * gst-inspect-1.0 shows is the value's _TEXT macro below it. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  GST_GEMINI_LIVE_VAD_SERVER,
  GST_GEMINI_LIVE_VAD_CLIENT,
  GST_GEMINI_LIVE_VAD_MANUAL,
} GstGeminiLiveVad;

#define GST_GEMINI_LIVE_VAD_SERVER_TEXT "The service detects speech"
#define GST_GEMINI_LIVE_VAD_CLIENT_TEXT \
  "Upstream voice activity (GstAudioLevelMeta) starts and ends turns"
#define GST_GEMINI_LIVE_VAD_MANUAL_TEXT \
  "Push-to-talk with the activity-start/activity-end action signals"

typedef enum {
  GST_GEMINI_LIVE_SENSITIVITY_DEFAULT,
  GST_GEMINI_LIVE_SENSITIVITY_HIGH,
  GST_GEMINI_LIVE_SENSITIVITY_LOW,
} GstGeminiLiveSensitivity;

#define GST_GEMINI_LIVE_SENSITIVITY_DEFAULT_TEXT "The service's default"
#define GST_GEMINI_LIVE_SENSITIVITY_HIGH_TEXT "High"
#define GST_GEMINI_LIVE_SENSITIVITY_LOW_TEXT "Low"

typedef enum {
  GST_GEMINI_LIVE_ACTIVITY_HANDLING_INTERRUPTS,
  GST_GEMINI_LIVE_ACTIVITY_HANDLING_NO_INTERRUPTION,
} GstGeminiLiveActivityHandling;

#define GST_GEMINI_LIVE_ACTIVITY_HANDLING_INTERRUPTS_TEXT \
  "User speech interrupts the model (barge-in)"
#define GST_GEMINI_LIVE_ACTIVITY_HANDLING_NO_INTERRUPTION_TEXT \
  "The model finishes its turn whatever the user says"

typedef enum {
  GST_GEMINI_LIVE_THINKING_DEFAULT,
  GST_GEMINI_LIVE_THINKING_MINIMAL,
  GST_GEMINI_LIVE_THINKING_LOW,
  GST_GEMINI_LIVE_THINKING_MEDIUM,
  GST_GEMINI_LIVE_THINKING_HIGH,
} GstGeminiLiveThinking;

#define GST_GEMINI_LIVE_THINKING_DEFAULT_TEXT "The model's default"
#define GST_GEMINI_LIVE_THINKING_MINIMAL_TEXT "Minimal"
#define GST_GEMINI_LIVE_THINKING_LOW_TEXT "Low"
#define GST_GEMINI_LIVE_THINKING_MEDIUM_TEXT "Medium"
#define GST_GEMINI_LIVE_THINKING_HIGH_TEXT "High"

G_END_DECLS
