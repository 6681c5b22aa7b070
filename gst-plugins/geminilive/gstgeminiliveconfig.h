/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The session configuration properties, shared by geminilivesink and the
 * geminilive bin: one table of properties (gstgeminiliveconfig.c), one
 * struct, one conversion to the wire setup.  Also the read-only
 * statistics and the playback properties the elements have in common. */

#pragma once

#include <gst/gst.h>
#include <voxpipe.h>

#include "gstgeminiliveenums.h"

G_BEGIN_DECLS

/* Property ids, relative to the first id the element reserves: the rows
 * of the table. */
typedef enum {
  GST_GEMINI_LIVE_CONFIG_API_KEY,
  GST_GEMINI_LIVE_CONFIG_ENDPOINT,
  GST_GEMINI_LIVE_CONFIG_MODEL,
  GST_GEMINI_LIVE_CONFIG_VOICE,
  GST_GEMINI_LIVE_CONFIG_LANGUAGE_CODE,
  GST_GEMINI_LIVE_CONFIG_SYSTEM_INSTRUCTION,
  GST_GEMINI_LIVE_CONFIG_SYSTEM_INSTRUCTION_FILE,
  GST_GEMINI_LIVE_CONFIG_TOOLS_FILE,
  GST_GEMINI_LIVE_CONFIG_TEMPERATURE,
  GST_GEMINI_LIVE_CONFIG_THINKING_LEVEL,
  GST_GEMINI_LIVE_CONFIG_VAD,
  GST_GEMINI_LIVE_CONFIG_START_SENSITIVITY,
  GST_GEMINI_LIVE_CONFIG_END_SENSITIVITY,
  GST_GEMINI_LIVE_CONFIG_PREFIX_PADDING_MS,
  GST_GEMINI_LIVE_CONFIG_SILENCE_DURATION_MS,
  GST_GEMINI_LIVE_CONFIG_ACTIVITY_HANDLING,
  GST_GEMINI_LIVE_CONFIG_INPUT_TRANSCRIPTION,
  GST_GEMINI_LIVE_CONFIG_OUTPUT_TRANSCRIPTION,
  GST_GEMINI_LIVE_CONFIG_SESSION_RESUMPTION,
  GST_GEMINI_LIVE_CONFIG_RESUME_HANDLE,
  GST_GEMINI_LIVE_CONFIG_CONTEXT_COMPRESSION,
  GST_GEMINI_LIVE_CONFIG_TRIGGER_TOKENS,
  GST_GEMINI_LIVE_CONFIG_TARGET_TOKENS,
  GST_GEMINI_LIVE_CONFIG_RECONNECT,
  GST_GEMINI_LIVE_CONFIG_IDLE_TIMEOUT,
  GST_GEMINI_LIVE_CONFIG_SCENARIO,
  GST_GEMINI_LIVE_CONFIG_PRICE_FILE,
  GST_GEMINI_LIVE_CONFIG_N_PROPERTIES
} GstGeminiLiveConfigProperty;

typedef struct {
  gchar *api_key;
  gchar *endpoint;
  gchar *model;
  gchar *voice;
  gchar *language_code;
  gchar *system_instruction;
  gchar *system_instruction_file;
  gchar *tools_file;
  gdouble temperature;          /* < 0: the model's default */
  GstGeminiLiveThinking thinking_level;
  GstGeminiLiveVad vad;
  GstGeminiLiveSensitivity start_sensitivity;
  GstGeminiLiveSensitivity end_sensitivity;
  gint prefix_padding_ms;       /* < 0: the service's default */
  gint silence_duration_ms;     /* < 0: the service's default */
  GstGeminiLiveActivityHandling activity_handling;
  gboolean input_transcription;
  gboolean output_transcription;
  gboolean session_resumption;
  gchar *resume_handle;
  gboolean context_compression;
  gint64 trigger_tokens;        /* < 0: the service's default */
  gint64 target_tokens;
  gboolean reconnect;
  guint idle_timeout;           /* seconds; 0 = off */
  gchar *scenario;
  gchar *price_file;
} GstGeminiLiveConfig;

void gst_gemini_live_config_init (GstGeminiLiveConfig * config);
void gst_gemini_live_config_clear (GstGeminiLiveConfig * config);
void gst_gemini_live_config_copy (GstGeminiLiveConfig * dest,
    const GstGeminiLiveConfig * src);

/* Installs every configuration property on @klass with ids from
 * @first_id on. */
void gst_gemini_live_config_install_properties (GObjectClass * klass,
    guint first_id);
/* The read-only statistics of geminilivesink and the bin: last-latency,
 * cost, input-tokens, output-tokens, with ids from @first_id on. */
void gst_gemini_live_install_stats_properties (GObjectClass * klass,
    guint first_id);
/* The playback properties of geminilivesrc and the bin: period-ms and
 * num-turns, with ids from @first_id on. */
void gst_gemini_live_install_playback_properties (GObjectClass * klass,
    guint first_id);

/* Both return FALSE when @id is not a configuration property. */
gboolean gst_gemini_live_config_set_property (GstGeminiLiveConfig * config,
    guint id, const GValue * value);
gboolean gst_gemini_live_config_get_property (const GstGeminiLiveConfig *
    config, guint id, GValue * value);

/* The "update" action's settings (property name → value, strings are
 * deserialized) applied to @config; @klass has the properties.  FALSE
 * with @error at the first one a running session cannot take, or whose
 * value is invalid. */
gboolean gst_gemini_live_config_apply (GstGeminiLiveConfig * config,
    GObjectClass * klass, const GstStructure * settings, GError ** error);

/* The setup message for @config: reads the system instruction and tools
 * files.  @tools (out, nullable) gets the tools file's tools and handlers.
 * Errors name the file and the problem; @warnings (nullable) gets what the
 * model cannot take. */
VpSetupConfig *gst_gemini_live_config_to_setup (const GstGeminiLiveConfig *
    config, VpTools ** tools, GPtrArray * warnings, GError ** error);

G_END_DECLS
