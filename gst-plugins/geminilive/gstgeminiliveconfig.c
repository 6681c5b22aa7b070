/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gstgeminiliveconfig.h"

#include <string.h>

#define DEFAULT_MODEL VP_DEFAULT_MODEL
#define DEFAULT_ENDPOINT VP_DEFAULT_ENDPOINT

GType
gst_gemini_live_vad_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_GEMINI_LIVE_VAD_SERVER, "The service detects speech", "server"},
    {GST_GEMINI_LIVE_VAD_CLIENT,
          "Upstream voice activity (GstAudioLevelMeta) starts and ends turns",
        "client"},
    {GST_GEMINI_LIVE_VAD_MANUAL,
          "Push-to-talk with the activity-start/activity-end action signals",
        "manual"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstGeminiLiveVad",
            values));
  return type;
}

GType
gst_gemini_live_sensitivity_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_GEMINI_LIVE_SENSITIVITY_DEFAULT, "The service's default", "default"},
    {GST_GEMINI_LIVE_SENSITIVITY_HIGH, "High", "high"},
    {GST_GEMINI_LIVE_SENSITIVITY_LOW, "Low", "low"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstGeminiLiveSensitivity", values));
  return type;
}

GType
gst_gemini_live_activity_handling_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_GEMINI_LIVE_ACTIVITY_HANDLING_INTERRUPTS,
        "User speech interrupts the model (barge-in)", "interrupts"},
    {GST_GEMINI_LIVE_ACTIVITY_HANDLING_NO_INTERRUPTION,
          "The model finishes its turn whatever the user says",
        "no-interruption"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstGeminiLiveActivityHandling", values));
  return type;
}

GType
gst_gemini_live_thinking_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_GEMINI_LIVE_THINKING_DEFAULT, "The model's default", "default"},
    {GST_GEMINI_LIVE_THINKING_MINIMAL, "Minimal", "minimal"},
    {GST_GEMINI_LIVE_THINKING_LOW, "Low", "low"},
    {GST_GEMINI_LIVE_THINKING_MEDIUM, "Medium", "medium"},
    {GST_GEMINI_LIVE_THINKING_HIGH, "High", "high"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstGeminiLiveThinking", values));
  return type;
}

void
gst_gemini_live_config_init (GstGeminiLiveConfig * config)
{
  memset (config, 0, sizeof (*config));
  config->endpoint = g_strdup (DEFAULT_ENDPOINT);
  config->model = g_strdup (DEFAULT_MODEL);
  config->temperature = -1.0;
  config->prefix_padding_ms = -1;
  config->silence_duration_ms = -1;
  config->input_transcription = TRUE;
  config->output_transcription = TRUE;
  config->session_resumption = TRUE;
  config->context_compression = TRUE;
  config->trigger_tokens = -1;
  config->target_tokens = -1;
  config->reconnect = TRUE;
}

void
gst_gemini_live_config_clear (GstGeminiLiveConfig * config)
{
  g_free (config->api_key);
  g_free (config->endpoint);
  g_free (config->model);
  g_free (config->voice);
  g_free (config->language_code);
  g_free (config->system_instruction);
  g_free (config->system_instruction_file);
  g_free (config->tools_file);
  g_free (config->resume_handle);
  g_free (config->scenario);
  memset (config, 0, sizeof (*config));
}

void
gst_gemini_live_config_copy (GstGeminiLiveConfig * dest,
    const GstGeminiLiveConfig * src)
{
  *dest = *src;
  dest->api_key = g_strdup (src->api_key);
  dest->endpoint = g_strdup (src->endpoint);
  dest->model = g_strdup (src->model);
  dest->voice = g_strdup (src->voice);
  dest->language_code = g_strdup (src->language_code);
  dest->system_instruction = g_strdup (src->system_instruction);
  dest->system_instruction_file = g_strdup (src->system_instruction_file);
  dest->tools_file = g_strdup (src->tools_file);
  dest->resume_handle = g_strdup (src->resume_handle);
  dest->scenario = g_strdup (src->scenario);
}

void
gst_gemini_live_config_install_properties (GObjectClass * klass, guint first_id)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  GParamSpec *specs[GST_GEMINI_LIVE_CONFIG_N_PROPERTIES];
  guint i;

  specs[GST_GEMINI_LIVE_CONFIG_API_KEY] = g_param_spec_string ("api-key",
      "API key",
      "Gemini API key or ephemeral token (auth_tokens/…). Default: "
      "GEMINI_API_KEY or GOOGLE_API_KEY from the environment. Write-only: it "
      "is never read back, logged or posted", NULL,
      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  specs[GST_GEMINI_LIVE_CONFIG_ENDPOINT] =
      g_param_spec_string ("endpoint", "Endpoint",
      "Live API server: Google's (default), \"local\" for the "
      "built-in emulator, or any ws:// (loopback only) or wss:// URL",
      DEFAULT_ENDPOINT, rw);
  specs[GST_GEMINI_LIVE_CONFIG_MODEL] =
      g_param_spec_string ("model", "Model", "Live model name", DEFAULT_MODEL,
      rw);
  specs[GST_GEMINI_LIVE_CONFIG_VOICE] =
      g_param_spec_string ("voice", "Voice",
      "Prebuilt voice (Puck, Kore, Aoede, …); NULL for the model's "
      "default", NULL, rw);
  specs[GST_GEMINI_LIVE_CONFIG_LANGUAGE_CODE] =
      g_param_spec_string ("language-code", "Language code",
      "BCP-47 language of the model's speech (en-US, …); NULL for automatic",
      NULL, rw);
  specs[GST_GEMINI_LIVE_CONFIG_SYSTEM_INSTRUCTION] =
      g_param_spec_string ("system-instruction", "System instruction",
      "What the model is and how it behaves", NULL, rw);
  specs[GST_GEMINI_LIVE_CONFIG_SYSTEM_INSTRUCTION_FILE] =
      g_param_spec_string ("system-instruction-file", "System instruction file",
      "UTF-8 text file with the system "
      "instruction (used when system-instruction is not set)", NULL, rw);
  specs[GST_GEMINI_LIVE_CONFIG_TOOLS_FILE] =
      g_param_spec_string ("tools-file", "Tools file",
      "JSON file declaring the tools and their handlers " "(docs/tools.md)",
      NULL, rw);
  specs[GST_GEMINI_LIVE_CONFIG_TEMPERATURE] =
      g_param_spec_double ("temperature", "Temperature",
      "Sampling temperature; -1 for the model's default", -1.0, 2.0, -1.0, rw);
  specs[GST_GEMINI_LIVE_CONFIG_THINKING_LEVEL] =
      g_param_spec_enum ("thinking-level", "Thinking level",
      "How much the model thinks before it speaks (3.1 models)",
      gst_gemini_live_thinking_get_type (), GST_GEMINI_LIVE_THINKING_DEFAULT,
      rw);
  specs[GST_GEMINI_LIVE_CONFIG_VAD] =
      g_param_spec_enum ("vad", "VAD", "Who decides when the user speaks",
      gst_gemini_live_vad_get_type (), GST_GEMINI_LIVE_VAD_SERVER, rw);
  specs[GST_GEMINI_LIVE_CONFIG_START_SENSITIVITY] =
      g_param_spec_enum ("start-sensitivity", "Start sensitivity",
      "Server VAD: how readily speech starts a turn",
      gst_gemini_live_sensitivity_get_type (),
      GST_GEMINI_LIVE_SENSITIVITY_DEFAULT, rw);
  specs[GST_GEMINI_LIVE_CONFIG_END_SENSITIVITY] =
      g_param_spec_enum ("end-sensitivity", "End sensitivity",
      "Server VAD: how readily silence ends a turn",
      gst_gemini_live_sensitivity_get_type (),
      GST_GEMINI_LIVE_SENSITIVITY_DEFAULT, rw);
  specs[GST_GEMINI_LIVE_CONFIG_PREFIX_PADDING_MS] =
      g_param_spec_int ("prefix-padding-ms", "Prefix padding",
      "Server VAD: milliseconds of speech needed to start a turn; -1 for the "
      "service's default", -1, 10000, -1, rw);
  specs[GST_GEMINI_LIVE_CONFIG_SILENCE_DURATION_MS] =
      g_param_spec_int ("silence-duration-ms", "Silence duration",
      "Server VAD: milliseconds of silence that end a turn; -1 for the "
      "service's default", -1, 10000, -1, rw);
  specs[GST_GEMINI_LIVE_CONFIG_ACTIVITY_HANDLING] =
      g_param_spec_enum ("activity-handling", "Activity handling",
      "Whether user speech interrupts the model",
      gst_gemini_live_activity_handling_get_type (),
      GST_GEMINI_LIVE_ACTIVITY_HANDLING_INTERRUPTS, rw);
  specs[GST_GEMINI_LIVE_CONFIG_INPUT_TRANSCRIPTION] =
      g_param_spec_boolean ("input-transcription", "Input transcription",
      "Ask the service to transcribe the user", TRUE, rw);
  specs[GST_GEMINI_LIVE_CONFIG_OUTPUT_TRANSCRIPTION] =
      g_param_spec_boolean ("output-transcription", "Output transcription",
      "Ask the service to transcribe the model", TRUE, rw);
  specs[GST_GEMINI_LIVE_CONFIG_SESSION_RESUMPTION] =
      g_param_spec_boolean ("session-resumption", "Session resumption",
      "Ask for resumption handles so the call survives reconnections", TRUE,
      rw);
  specs[GST_GEMINI_LIVE_CONFIG_RESUME_HANDLE] =
      g_param_spec_string ("resume-handle", "Resume handle",
      "Read: the latest resumable handle (store it to resume after a "
      "restart). Write: a stored handle to resume from at start", NULL,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  specs[GST_GEMINI_LIVE_CONFIG_CONTEXT_COMPRESSION] =
      g_param_spec_boolean ("context-compression", "Context compression",
      "Sliding-window context compression, so sessions outlast 15 minutes",
      TRUE, rw);
  specs[GST_GEMINI_LIVE_CONFIG_TRIGGER_TOKENS] =
      g_param_spec_int64 ("trigger-tokens", "Trigger tokens",
      "Compress the context when it reaches this many tokens; -1 for the "
      "service's default (80 % of the context window)", -1, G_MAXINT64, -1, rw);
  specs[GST_GEMINI_LIVE_CONFIG_TARGET_TOKENS] =
      g_param_spec_int64 ("target-tokens", "Target tokens",
      "Compress the context down to this many tokens; -1 for the service's "
      "default (half the trigger)", -1, G_MAXINT64, -1, rw);
  specs[GST_GEMINI_LIVE_CONFIG_RECONNECT] =
      g_param_spec_boolean ("reconnect", "Reconnect",
      "Reconnect after transient failures and goAway", TRUE, rw);
  specs[GST_GEMINI_LIVE_CONFIG_IDLE_TIMEOUT] =
      g_param_spec_uint ("idle-timeout", "Idle timeout",
      "Prompt the model after this many seconds of user silence (\"are you "
      "still there?\"); 0 = never", 0, 3600, 0,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  specs[GST_GEMINI_LIVE_CONFIG_SCENARIO] =
      g_param_spec_string ("scenario", "Scenario",
      "Emulator scenario file (with endpoint=local)", NULL, rw);

  for (i = 0; i < GST_GEMINI_LIVE_CONFIG_N_PROPERTIES; i++)
    g_object_class_install_property (klass, first_id + i, specs[i]);
}

void
gst_gemini_live_install_stats_properties (GObjectClass * klass, guint first_id)
{
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  g_object_class_install_property (klass, first_id,
      g_param_spec_double ("last-latency", "Last latency",
          "Voice-to-voice latency of the last turn in milliseconds (-1: none "
          "yet)", -1, G_MAXDOUBLE, -1, ro));
  g_object_class_install_property (klass, first_id + 1,
      g_param_spec_double ("cost", "Cost",
          "Cost of the session so far in USD, from the service's usage "
          "reports", 0, G_MAXDOUBLE, 0, ro));
  g_object_class_install_property (klass, first_id + 2,
      g_param_spec_int64 ("input-tokens", "Input tokens",
          "Tokens the model has read so far", 0, G_MAXINT64, 0, ro));
  g_object_class_install_property (klass, first_id + 3,
      g_param_spec_int64 ("output-tokens", "Output tokens",
          "Tokens the model has produced so far", 0, G_MAXINT64, 0, ro));
}

void
gst_gemini_live_install_playback_properties (GObjectClass * klass,
    guint first_id)
{
  g_object_class_install_property (klass, first_id,
      g_param_spec_uint ("period-ms", "Period",
          "Milliseconds of audio per output buffer at most (also the latency)",
          5, 200, 20,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (klass, first_id + 1,
      g_param_spec_uint ("num-turns", "Number of turns",
          "End the stream (EOS) after this many complete model turns have "
          "played; 0 = never (until the session ends)", 0, G_MAXUINT, 0,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
}

static void
set_string (gchar ** field, const GValue * value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
  if (*field != NULL && **field == '\0')
    g_clear_pointer (field, g_free);
}

gboolean
gst_gemini_live_config_set_property (GstGeminiLiveConfig * c, guint id,
    const GValue * value)
{
  switch (id) {
    case GST_GEMINI_LIVE_CONFIG_API_KEY:
      set_string (&c->api_key, value);
      break;
    case GST_GEMINI_LIVE_CONFIG_ENDPOINT:
      set_string (&c->endpoint, value);
      if (c->endpoint == NULL)
        c->endpoint = g_strdup (DEFAULT_ENDPOINT);
      break;
    case GST_GEMINI_LIVE_CONFIG_MODEL:
      set_string (&c->model, value);
      if (c->model == NULL)
        c->model = g_strdup (DEFAULT_MODEL);
      break;
    case GST_GEMINI_LIVE_CONFIG_VOICE:
      set_string (&c->voice, value);
      break;
    case GST_GEMINI_LIVE_CONFIG_LANGUAGE_CODE:
      set_string (&c->language_code, value);
      break;
    case GST_GEMINI_LIVE_CONFIG_SYSTEM_INSTRUCTION:
      set_string (&c->system_instruction, value);
      break;
    case GST_GEMINI_LIVE_CONFIG_SYSTEM_INSTRUCTION_FILE:
      set_string (&c->system_instruction_file, value);
      break;
    case GST_GEMINI_LIVE_CONFIG_TOOLS_FILE:
      set_string (&c->tools_file, value);
      break;
    case GST_GEMINI_LIVE_CONFIG_TEMPERATURE:
      c->temperature = g_value_get_double (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_THINKING_LEVEL:
      c->thinking_level = g_value_get_enum (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_VAD:
      c->vad = g_value_get_enum (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_START_SENSITIVITY:
      c->start_sensitivity = g_value_get_enum (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_END_SENSITIVITY:
      c->end_sensitivity = g_value_get_enum (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_PREFIX_PADDING_MS:
      c->prefix_padding_ms = g_value_get_int (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_SILENCE_DURATION_MS:
      c->silence_duration_ms = g_value_get_int (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_ACTIVITY_HANDLING:
      c->activity_handling = g_value_get_enum (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_INPUT_TRANSCRIPTION:
      c->input_transcription = g_value_get_boolean (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_OUTPUT_TRANSCRIPTION:
      c->output_transcription = g_value_get_boolean (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_SESSION_RESUMPTION:
      c->session_resumption = g_value_get_boolean (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_RESUME_HANDLE:
      set_string (&c->resume_handle, value);
      break;
    case GST_GEMINI_LIVE_CONFIG_CONTEXT_COMPRESSION:
      c->context_compression = g_value_get_boolean (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_TRIGGER_TOKENS:
      c->trigger_tokens = g_value_get_int64 (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_TARGET_TOKENS:
      c->target_tokens = g_value_get_int64 (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_RECONNECT:
      c->reconnect = g_value_get_boolean (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_IDLE_TIMEOUT:
      c->idle_timeout = g_value_get_uint (value);
      break;
    case GST_GEMINI_LIVE_CONFIG_SCENARIO:
      set_string (&c->scenario, value);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

gboolean
gst_gemini_live_config_get_property (const GstGeminiLiveConfig * c, guint id,
    GValue * value)
{
  switch (id) {
    case GST_GEMINI_LIVE_CONFIG_API_KEY:
      /* Write-only: never handed out. */
      break;
    case GST_GEMINI_LIVE_CONFIG_ENDPOINT:
      g_value_set_string (value, c->endpoint);
      break;
    case GST_GEMINI_LIVE_CONFIG_MODEL:
      g_value_set_string (value, c->model);
      break;
    case GST_GEMINI_LIVE_CONFIG_VOICE:
      g_value_set_string (value, c->voice);
      break;
    case GST_GEMINI_LIVE_CONFIG_LANGUAGE_CODE:
      g_value_set_string (value, c->language_code);
      break;
    case GST_GEMINI_LIVE_CONFIG_SYSTEM_INSTRUCTION:
      g_value_set_string (value, c->system_instruction);
      break;
    case GST_GEMINI_LIVE_CONFIG_SYSTEM_INSTRUCTION_FILE:
      g_value_set_string (value, c->system_instruction_file);
      break;
    case GST_GEMINI_LIVE_CONFIG_TOOLS_FILE:
      g_value_set_string (value, c->tools_file);
      break;
    case GST_GEMINI_LIVE_CONFIG_TEMPERATURE:
      g_value_set_double (value, c->temperature);
      break;
    case GST_GEMINI_LIVE_CONFIG_THINKING_LEVEL:
      g_value_set_enum (value, c->thinking_level);
      break;
    case GST_GEMINI_LIVE_CONFIG_VAD:
      g_value_set_enum (value, c->vad);
      break;
    case GST_GEMINI_LIVE_CONFIG_START_SENSITIVITY:
      g_value_set_enum (value, c->start_sensitivity);
      break;
    case GST_GEMINI_LIVE_CONFIG_END_SENSITIVITY:
      g_value_set_enum (value, c->end_sensitivity);
      break;
    case GST_GEMINI_LIVE_CONFIG_PREFIX_PADDING_MS:
      g_value_set_int (value, c->prefix_padding_ms);
      break;
    case GST_GEMINI_LIVE_CONFIG_SILENCE_DURATION_MS:
      g_value_set_int (value, c->silence_duration_ms);
      break;
    case GST_GEMINI_LIVE_CONFIG_ACTIVITY_HANDLING:
      g_value_set_enum (value, c->activity_handling);
      break;
    case GST_GEMINI_LIVE_CONFIG_INPUT_TRANSCRIPTION:
      g_value_set_boolean (value, c->input_transcription);
      break;
    case GST_GEMINI_LIVE_CONFIG_OUTPUT_TRANSCRIPTION:
      g_value_set_boolean (value, c->output_transcription);
      break;
    case GST_GEMINI_LIVE_CONFIG_SESSION_RESUMPTION:
      g_value_set_boolean (value, c->session_resumption);
      break;
    case GST_GEMINI_LIVE_CONFIG_RESUME_HANDLE:
      g_value_set_string (value, c->resume_handle);
      break;
    case GST_GEMINI_LIVE_CONFIG_CONTEXT_COMPRESSION:
      g_value_set_boolean (value, c->context_compression);
      break;
    case GST_GEMINI_LIVE_CONFIG_TRIGGER_TOKENS:
      g_value_set_int64 (value, c->trigger_tokens);
      break;
    case GST_GEMINI_LIVE_CONFIG_TARGET_TOKENS:
      g_value_set_int64 (value, c->target_tokens);
      break;
    case GST_GEMINI_LIVE_CONFIG_RECONNECT:
      g_value_set_boolean (value, c->reconnect);
      break;
    case GST_GEMINI_LIVE_CONFIG_IDLE_TIMEOUT:
      g_value_set_uint (value, c->idle_timeout);
      break;
    case GST_GEMINI_LIVE_CONFIG_SCENARIO:
      g_value_set_string (value, c->scenario);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

static const gchar *
sensitivity_wire (GstGeminiLiveSensitivity s, gboolean start)
{
  switch (s) {
    case GST_GEMINI_LIVE_SENSITIVITY_HIGH:
      return start ? "START_SENSITIVITY_HIGH" : "END_SENSITIVITY_HIGH";
    case GST_GEMINI_LIVE_SENSITIVITY_LOW:
      return start ? "START_SENSITIVITY_LOW" : "END_SENSITIVITY_LOW";
    default:
      return NULL;
  }
}

static const gchar *
thinking_wire (GstGeminiLiveThinking level)
{
  switch (level) {
    case GST_GEMINI_LIVE_THINKING_MINIMAL:
      return "MINIMAL";
    case GST_GEMINI_LIVE_THINKING_LOW:
      return "LOW";
    case GST_GEMINI_LIVE_THINKING_MEDIUM:
      return "MEDIUM";
    case GST_GEMINI_LIVE_THINKING_HIGH:
      return "HIGH";
    default:
      return NULL;
  }
}

VpSetupConfig *
gst_gemini_live_config_to_setup (const GstGeminiLiveConfig * c,
    VpTools ** tools_out, GPtrArray * warnings, GError ** error)
{
  g_autoptr (VpSetupConfig) setup = vp_setup_config_new ();

  setup->model = g_strdup (c->model);
  setup->voice = g_strdup (c->voice);
  setup->language_code = g_strdup (c->language_code);
  setup->temperature = c->temperature;
  setup->thinking_level = g_strdup (thinking_wire (c->thinking_level));

  if (c->system_instruction != NULL) {
    setup->system_instruction = g_strdup (c->system_instruction);
  } else if (c->system_instruction_file != NULL) {
    g_autoptr (GError) read_error = NULL;
    gchar *text = NULL;

    if (!g_file_get_contents (c->system_instruction_file, &text, NULL,
            &read_error)) {
      g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
          "Cannot read system-instruction-file: %s. Give the path of a "
          "UTF-8 text file.", read_error->message);
      return NULL;
    }
    if (!g_utf8_validate (text, -1, NULL)) {
      g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
          "system-instruction-file %s is not UTF-8 text. Save it as UTF-8.",
          c->system_instruction_file);
      g_free (text);
      return NULL;
    }
    setup->system_instruction = g_strstrip (text);
  }

  if (c->tools_file != NULL) {
    g_autoptr (VpTools) tools = vp_tools_load (c->tools_file, error);

    if (tools == NULL)
      return NULL;
    setup->tools = vp_tools_to_wire (tools, c->model, warnings);
    if (tools_out != NULL)
      *tools_out = g_steal_pointer (&tools);
  }

  switch (c->vad) {
    case GST_GEMINI_LIVE_VAD_SERVER:
      setup->start_sensitivity =
          g_strdup (sensitivity_wire (c->start_sensitivity, TRUE));
      setup->end_sensitivity =
          g_strdup (sensitivity_wire (c->end_sensitivity, FALSE));
      setup->prefix_padding_ms = c->prefix_padding_ms;
      setup->silence_duration_ms = c->silence_duration_ms;
      break;
    case GST_GEMINI_LIVE_VAD_CLIENT:
    case GST_GEMINI_LIVE_VAD_MANUAL:
      setup->vad_disabled = VP_TRISTATE_TRUE;
      break;
  }
  if (c->activity_handling == GST_GEMINI_LIVE_ACTIVITY_HANDLING_NO_INTERRUPTION)
    setup->activity_handling = g_strdup ("NO_INTERRUPTION");

  setup->input_transcription = c->input_transcription;
  setup->output_transcription = c->output_transcription;
  setup->session_resumption = c->session_resumption || c->resume_handle;
  setup->resume_handle = g_strdup (c->resume_handle);
  setup->context_compression = c->context_compression;
  setup->trigger_tokens = c->trigger_tokens;
  setup->target_tokens = c->target_tokens;

  return g_steal_pointer (&setup);
}
