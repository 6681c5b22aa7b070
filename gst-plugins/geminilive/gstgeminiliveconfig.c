/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The configuration properties as one table: per property its name, its
 * GParamSpec, its field in GstGeminiLiveConfig, the setup field it feeds
 * and when it may change.  Installing, setting, getting, copying, the
 * "update" action and the setup message all walk the table. */

#include "config.h"

#include "gstgeminiliveconfig.h"
#include "gstgeminiliveenumtypes.h"

#include <string.h>

#define DEFAULT_MODEL VP_DEFAULT_MODEL
#define DEFAULT_ENDPOINT VP_DEFAULT_ENDPOINT

typedef enum
{
  KIND_STRING,
  KIND_BOOLEAN,
  KIND_INT,
  KIND_UINT,
  KIND_INT64,
  KIND_DOUBLE,
  KIND_ENUM,                    /* stored as a gint */
} Kind;

/* When a property may change. */
typedef enum
{
  AT_START,                     /* in NULL or READY: a setting of the connection */
  BY_UPDATE,                    /* in NULL or READY, or on a running session
                                 * with the "update" action */
  ANY_TIME,                     /* in any state; by "update" too */
} Change;

/* The setup field, when to_setup() does not copy the value as it is. */
#define DERIVED -1              /* to_setup() computes the wire value */
#define NOT_SENT -2             /* the session's or the element's setting */

typedef GType (*GstGeminiLiveGetType) (void);

typedef struct
{
  const gchar *name;
  const gchar *nick;
  const gchar *blurb;
  Kind kind;
  GstGeminiLiveGetType enum_type;
  gint64 min, max, def;         /* BOOLEAN, INT, UINT, INT64, ENUM */
  gdouble dmin, dmax, ddef;     /* DOUBLE */
  const gchar *sdef;            /* STRING; also what NULL or "" become */
  gsize field;                  /* in GstGeminiLiveConfig */
  gssize setup;                 /* in VpSetupConfig, same C type; or
                                 * DERIVED, NOT_SENT */
  Change change;
  gboolean write_only;
} Property;

#define FIELD(f) G_STRUCT_OFFSET (GstGeminiLiveConfig, f)
#define SETUP(f) G_STRUCT_OFFSET (VpSetupConfig, f)

#define STRING(name, nick, blurb, def, f, setup, change) \
  { name, nick, blurb, KIND_STRING, NULL, 0, 0, 0, 0, 0, 0, def, FIELD (f), \
    setup, change, FALSE }
#define SECRET(name, nick, blurb, f, change) \
  { name, nick, blurb, KIND_STRING, NULL, 0, 0, 0, 0, 0, 0, NULL, FIELD (f), \
    NOT_SENT, change, TRUE }
#define NUMBER(kind, name, nick, blurb, min, max, def, f, setup, change) \
  { name, nick, blurb, kind, NULL, min, max, def, 0, 0, 0, NULL, FIELD (f), \
    setup, change, FALSE }
#define BOOLEAN(name, nick, blurb, def, f, setup, change) \
  NUMBER (KIND_BOOLEAN, name, nick, blurb, FALSE, TRUE, def, f, setup, change)
#define DOUBLE(name, nick, blurb, min, max, def, f, setup, change) \
  { name, nick, blurb, KIND_DOUBLE, NULL, 0, 0, 0, min, max, def, NULL, \
    FIELD (f), setup, change, FALSE }
#define ENUM(name, nick, blurb, type, def, f, setup, change) \
  { name, nick, blurb, KIND_ENUM, type, 0, 0, def, 0, 0, 0, NULL, FIELD (f), \
    setup, change, FALSE }

static const Property properties[GST_GEMINI_LIVE_CONFIG_N_PROPERTIES] = {
  [GST_GEMINI_LIVE_CONFIG_API_KEY] = SECRET ("api-key", "API key",
      "Gemini API key or ephemeral token (auth_tokens/…). Default: "
      "GEMINI_API_KEY or GOOGLE_API_KEY from the environment. Write-only: it "
      "is never read back, logged or posted", api_key, AT_START),
  [GST_GEMINI_LIVE_CONFIG_ENDPOINT] = STRING ("endpoint", "Endpoint",
      "Live API server: Google's (default), \"local\" for the "
      "built-in emulator, or any ws:// (loopback only) or wss:// URL",
      DEFAULT_ENDPOINT, endpoint, NOT_SENT, AT_START),
  [GST_GEMINI_LIVE_CONFIG_MODEL] = STRING ("model", "Model",
      "Live model: gemini-3.8-live (default), "
      "gemini-3.8-live-extended-thinking, gemini-3.1-flash-live-preview or "
      "a 2.5 native-audio model (docs/models.md). A setting the model does "
      "not take is refused at start; an unknown name is sent as given, "
      "with a warning and 3.8's rules", DEFAULT_MODEL, model, SETUP (model),
      AT_START),
  [GST_GEMINI_LIVE_CONFIG_VOICE] = STRING ("voice", "Voice",
      "Prebuilt voice (Puck, Kore, Aoede, …); NULL for the model's "
      "default", NULL, voice, SETUP (voice), BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_LANGUAGE_CODE] = STRING ("language-code",
      "Language code",
      "BCP-47 language of the model's speech (en-US, …); NULL for automatic",
      NULL, language_code, SETUP (language_code), BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_SYSTEM_INSTRUCTION] = STRING ("system-instruction",
      "System instruction", "What the model is and how it behaves", NULL,
      system_instruction, DERIVED, BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_SYSTEM_INSTRUCTION_FILE] =
      STRING ("system-instruction-file", "System instruction file",
      "UTF-8 text file with the system "
      "instruction (used when system-instruction is not set)", NULL,
      system_instruction_file, DERIVED, BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_TOOLS_FILE] = STRING ("tools-file", "Tools file",
      "JSON file declaring the tools and their handlers " "(docs/tools.md)",
      NULL, tools_file, DERIVED, BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_TEMPERATURE] = DOUBLE ("temperature", "Temperature",
      "Sampling temperature; -1 for the model's default", -1.0, 2.0, -1.0,
      temperature, SETUP (temperature), BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_THINKING_LEVEL] = ENUM ("thinking-level",
      "Thinking level",
      "How much the model thinks before it speaks: 3.1 Flash Live and "
      "3.8 Live extended thinking (low, medium, high) only; refused on "
      "gemini-3.8-live",
      gst_gemini_live_thinking_get_type, GST_GEMINI_LIVE_THINKING_DEFAULT,
      thinking_level, DERIVED, BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_VAD] = ENUM ("vad", "VAD",
      "Who decides when the user speaks", gst_gemini_live_vad_get_type,
      GST_GEMINI_LIVE_VAD_SERVER, vad, DERIVED, BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_START_SENSITIVITY] = ENUM ("start-sensitivity",
      "Start sensitivity", "Server VAD: how readily speech starts a turn",
      gst_gemini_live_sensitivity_get_type,
      GST_GEMINI_LIVE_SENSITIVITY_DEFAULT, start_sensitivity, DERIVED,
      BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_END_SENSITIVITY] = ENUM ("end-sensitivity",
      "End sensitivity", "Server VAD: how readily silence ends a turn",
      gst_gemini_live_sensitivity_get_type,
      GST_GEMINI_LIVE_SENSITIVITY_DEFAULT, end_sensitivity, DERIVED,
      BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_PREFIX_PADDING_MS] = NUMBER (KIND_INT,
      "prefix-padding-ms", "Prefix padding",
      "Server VAD: milliseconds of speech needed to start a turn; -1 for the "
      "service's default", -1, 10000, -1, prefix_padding_ms, DERIVED,
      BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_SILENCE_DURATION_MS] = NUMBER (KIND_INT,
      "silence-duration-ms", "Silence duration",
      "Milliseconds of silence that end a turn: the service's VAD (-1: its "
      "default) or, with vad=client, how long voice must stay off (-1: 600 "
      "ms; shorter splits a question at its pauses)", -1, 10000, -1,
      silence_duration_ms, DERIVED,
      BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_ACTIVITY_HANDLING] = ENUM ("activity-handling",
      "Activity handling", "Whether user speech interrupts the model",
      gst_gemini_live_activity_handling_get_type,
      GST_GEMINI_LIVE_ACTIVITY_HANDLING_INTERRUPTS, activity_handling,
      DERIVED, BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_INPUT_TRANSCRIPTION] = BOOLEAN
      ("input-transcription", "Input transcription",
      "Ask the service to transcribe the user", TRUE, input_transcription,
      SETUP (input_transcription), BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_OUTPUT_TRANSCRIPTION] = BOOLEAN
      ("output-transcription", "Output transcription",
      "Ask the service to transcribe the model", TRUE, output_transcription,
      SETUP (output_transcription), BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_SESSION_RESUMPTION] = BOOLEAN ("session-resumption",
      "Session resumption",
      "Ask for resumption handles so the call survives reconnections", TRUE,
      session_resumption, DERIVED, AT_START),
  [GST_GEMINI_LIVE_CONFIG_RESUME_HANDLE] = STRING ("resume-handle",
      "Resume handle",
      "Read: the latest resumable handle (store it to resume after a "
      "restart). Write: a stored handle to resume from at start", NULL,
      resume_handle, SETUP (resume_handle), AT_START),
  [GST_GEMINI_LIVE_CONFIG_CONTEXT_COMPRESSION] = BOOLEAN
      ("context-compression", "Context compression",
      "Sliding-window context compression, so sessions outlast 15 minutes",
      TRUE, context_compression, SETUP (context_compression), BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_TRIGGER_TOKENS] = NUMBER (KIND_INT64,
      "trigger-tokens", "Trigger tokens",
      "Compress the context when it reaches this many tokens; -1 for the "
      "service's default (80 % of the context window)", -1, G_MAXINT64, -1,
      trigger_tokens, SETUP (trigger_tokens), BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_TARGET_TOKENS] = NUMBER (KIND_INT64,
      "target-tokens", "Target tokens",
      "Compress the context down to this many tokens; -1 for the service's "
      "default (half the trigger)", -1, G_MAXINT64, -1, target_tokens,
      SETUP (target_tokens), BY_UPDATE),
  [GST_GEMINI_LIVE_CONFIG_RECONNECT] = BOOLEAN ("reconnect", "Reconnect",
      "Reconnect after transient failures and goAway", TRUE, reconnect,
      NOT_SENT, AT_START),
  [GST_GEMINI_LIVE_CONFIG_RESTORE_CONTEXT] = BOOLEAN ("restore-context",
      "Restore context",
      "When the service refuses an automatic resume (expired handle) and a "
      "fresh session starts, seed it with the transcripts so far (the last "
      "4000 characters)", FALSE, restore_context, NOT_SENT, AT_START),
  [GST_GEMINI_LIVE_CONFIG_IDLE_TIMEOUT] = NUMBER (KIND_UINT, "idle-timeout",
      "Idle timeout",
      "Prompt the model after this many seconds of user silence (\"are you "
      "still there?\"); 0 = never", 0, 3600, 0, idle_timeout, NOT_SENT,
      ANY_TIME),
  [GST_GEMINI_LIVE_CONFIG_SCENARIO] = STRING ("scenario", "Scenario",
      "Emulator scenario file (with endpoint=local)", NULL, scenario,
      NOT_SENT, AT_START),
  [GST_GEMINI_LIVE_CONFIG_PRICE_FILE] = STRING ("price-file", "Price file",
      "JSON file of your own prices by model, USD per million tokens "
      "({\"gemini-3.8-live\": {\"audio-in\": 3.0, …}}; docs/models.md), "
      "used for cost instead of the built-in table", NULL, price_file,
      NOT_SENT, AT_START),
};

/* Enums are stored as gint. */
G_STATIC_ASSERT (sizeof (GstGeminiLiveVad) == sizeof (gint));

#define MEMBER(config, p, type) G_STRUCT_MEMBER (type, config, (p)->field)

void
gst_gemini_live_config_init (GstGeminiLiveConfig * config)
{
  guint i;

  memset (config, 0, sizeof (*config));
  for (i = 0; i < G_N_ELEMENTS (properties); i++) {
    const Property *p = &properties[i];
    switch (p->kind) {
      case KIND_STRING:
        MEMBER (config, p, gchar *) = g_strdup (p->sdef);
        break;
      case KIND_BOOLEAN:
      case KIND_INT:
      case KIND_ENUM:
        MEMBER (config, p, gint) = p->def;
        break;
      case KIND_UINT:
        MEMBER (config, p, guint) = p->def;
        break;
      case KIND_INT64:
        MEMBER (config, p, gint64) = p->def;
        break;
      case KIND_DOUBLE:
        MEMBER (config, p, gdouble) = p->ddef;
        break;
    }
  }
}

void
gst_gemini_live_config_clear (GstGeminiLiveConfig * config)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (properties); i++)
    if (properties[i].kind == KIND_STRING)
      g_free (MEMBER (config, &properties[i], gchar *));
  memset (config, 0, sizeof (*config));
}

void
gst_gemini_live_config_copy (GstGeminiLiveConfig * dest,
    const GstGeminiLiveConfig * src)
{
  guint i;

  *dest = *src;
  for (i = 0; i < G_N_ELEMENTS (properties); i++)
    if (properties[i].kind == KIND_STRING)
      MEMBER (dest, &properties[i], gchar *) =
          g_strdup (MEMBER (src, &properties[i], gchar *));
}

static GParamSpec *
param_spec_new (const Property * p)
{
  GParamFlags flags = G_PARAM_STATIC_STRINGS | (p->write_only ?
      G_PARAM_WRITABLE : G_PARAM_READWRITE) | (p->change == ANY_TIME ?
      GST_PARAM_MUTABLE_PLAYING : GST_PARAM_MUTABLE_READY);

  switch (p->kind) {
    case KIND_STRING:
      return g_param_spec_string (p->name, p->nick, p->blurb, p->sdef, flags);
    case KIND_BOOLEAN:
      return g_param_spec_boolean (p->name, p->nick, p->blurb, p->def, flags);
    case KIND_INT:
      return g_param_spec_int (p->name, p->nick, p->blurb, p->min, p->max,
          p->def, flags);
    case KIND_UINT:
      return g_param_spec_uint (p->name, p->nick, p->blurb, p->min, p->max,
          p->def, flags);
    case KIND_INT64:
      return g_param_spec_int64 (p->name, p->nick, p->blurb, p->min, p->max,
          p->def, flags);
    case KIND_DOUBLE:
      return g_param_spec_double (p->name, p->nick, p->blurb, p->dmin,
          p->dmax, p->ddef, flags);
    case KIND_ENUM:
      return g_param_spec_enum (p->name, p->nick, p->blurb, p->enum_type (),
          p->def, flags);
  }
  g_assert_not_reached ();
}

void
gst_gemini_live_config_install_properties (GObjectClass * klass, guint first_id)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (properties); i++)
    g_object_class_install_property (klass, first_id + i,
        param_spec_new (&properties[i]));
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
          "reports and the model's prices (or price-file). 3.8 Live's "
          "audio and image rates are not confirmed by Google: 3.1's are "
          "used", 0, G_MAXDOUBLE, 0, ro));
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

gboolean
gst_gemini_live_config_set_property (GstGeminiLiveConfig * config, guint id,
    const GValue * value)
{
  const Property *p;

  if (id >= G_N_ELEMENTS (properties))
    return FALSE;
  p = &properties[id];
  switch (p->kind) {
    case KIND_STRING:{
      gchar **field = &MEMBER (config, p, gchar *);
      g_free (*field);
      *field = g_value_dup_string (value);
      /* NULL and "" mean the default. */
      if (*field != NULL && **field == '\0')
        g_clear_pointer (field, g_free);
      if (*field == NULL)
        *field = g_strdup (p->sdef);
      break;
    }
    case KIND_BOOLEAN:
      MEMBER (config, p, gboolean) = g_value_get_boolean (value);
      break;
    case KIND_INT:
      MEMBER (config, p, gint) = g_value_get_int (value);
      break;
    case KIND_UINT:
      MEMBER (config, p, guint) = g_value_get_uint (value);
      break;
    case KIND_INT64:
      MEMBER (config, p, gint64) = g_value_get_int64 (value);
      break;
    case KIND_DOUBLE:
      MEMBER (config, p, gdouble) = g_value_get_double (value);
      break;
    case KIND_ENUM:
      MEMBER (config, p, gint) = g_value_get_enum (value);
      break;
  }
  return TRUE;
}

gboolean
gst_gemini_live_config_get_property (const GstGeminiLiveConfig * config,
    guint id, GValue * value)
{
  const Property *p;

  if (id >= G_N_ELEMENTS (properties))
    return FALSE;
  p = &properties[id];
  /* Write-only: never handed out. */
  if (p->write_only)
    return TRUE;
  switch (p->kind) {
    case KIND_STRING:
      g_value_set_string (value, MEMBER (config, p, gchar *));
      break;
    case KIND_BOOLEAN:
      g_value_set_boolean (value, MEMBER (config, p, gboolean));
      break;
    case KIND_INT:
      g_value_set_int (value, MEMBER (config, p, gint));
      break;
    case KIND_UINT:
      g_value_set_uint (value, MEMBER (config, p, guint));
      break;
    case KIND_INT64:
      g_value_set_int64 (value, MEMBER (config, p, gint64));
      break;
    case KIND_DOUBLE:
      g_value_set_double (value, MEMBER (config, p, gdouble));
      break;
    case KIND_ENUM:
      g_value_set_enum (value, MEMBER (config, p, gint));
      break;
  }
  return TRUE;
}

typedef struct
{
  GstGeminiLiveConfig *config;
  GObjectClass *klass;
  GError **error;
} ApplyData;

static gboolean
apply_field (GQuark field_id, const GValue * value, gpointer user_data)
{
  ApplyData *data = user_data;
  const gchar *name = g_quark_to_string (field_id);
  GParamSpec *pspec = NULL;
  GValue converted = G_VALUE_INIT;
  gboolean ok;
  guint id;

  for (id = 0; id < G_N_ELEMENTS (properties); id++)
    if (g_str_equal (properties[id].name, name))
      break;
  if (id < G_N_ELEMENTS (properties) && properties[id].change != AT_START)
    pspec = g_object_class_find_property (data->klass, name);
  if (pspec == NULL) {
    g_set_error (data->error, VP_ERROR, VP_ERROR_SETTINGS,
        "update: \"%s\" is not a setting a running session can change. "
        "Change system-instruction(-file), tools-file, voice, "
        "language-code, temperature, thinking-level, the VAD settings or "
        "the transcriptions; stop the pipeline to change the others.", name);
    return FALSE;
  }

  g_value_init (&converted, pspec->value_type);
  if (G_VALUE_HOLDS_STRING (value) && pspec->value_type != G_TYPE_STRING)
    ok = gst_value_deserialize (&converted, g_value_get_string (value));
  else
    ok = g_value_transform (value, &converted);
  ok = ok && !g_param_value_validate (pspec, &converted);
  if (ok)
    gst_gemini_live_config_set_property (data->config, id, &converted);
  else
    g_set_error (data->error, VP_ERROR, VP_ERROR_SETTINGS,
        "update: the value of \"%s\" is not a valid %s.", name,
        g_type_name (pspec->value_type));
  g_value_unset (&converted);
  return ok;
}

gboolean
gst_gemini_live_config_apply (GstGeminiLiveConfig * config,
    GObjectClass * klass, const GstStructure * settings, GError ** error)
{
  ApplyData data = { config, klass, error };

  return settings == NULL || gst_structure_foreach (settings, apply_field,
      &data);
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
  guint i;

  /* The values sent as they are. */
  for (i = 0; i < G_N_ELEMENTS (properties); i++) {
    const Property *p = &properties[i];
    gpointer to;

    if (p->setup < 0)
      continue;
    to = G_STRUCT_MEMBER_P (setup, p->setup);
    switch (p->kind) {
      case KIND_STRING:
        *(gchar **) to = g_strdup (MEMBER (c, p, gchar *));
        break;
      case KIND_BOOLEAN:
      case KIND_INT:
      case KIND_UINT:
      case KIND_ENUM:
        *(gint *) to = MEMBER (c, p, gint);
        break;
      case KIND_INT64:
        *(gint64 *) to = MEMBER (c, p, gint64);
        break;
      case KIND_DOUBLE:
        *(gdouble *) to = MEMBER (c, p, gdouble);
        break;
    }
  }

  /* The DERIVED ones. */
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

  setup->session_resumption = c->session_resumption || c->resume_handle;

  /* Refused at start, before connecting; the session warns of an
   * unknown model. */
  if (!vp_model_check_setup (setup, NULL, error))
    return NULL;

  return g_steal_pointer (&setup);
}
