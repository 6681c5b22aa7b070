/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The server side of the codec, for the emulator: reads what a client
 * sends the way the service does, and writes what the service sends.
 *
 * Reading happens in two steps.  A table-driven walk over the message
 * (the proto's fields, PROTOCOL.md §2) checks every member name and JSON
 * type, accepts the camelCase and the snake_case spelling, int64 as a
 * number or a string and enums in any case, and refuses unknown names with
 * the service's wording.  It produces a normalised copy (camelCase names,
 * UPPERCASE enums, numbers as numbers) from which the second step reads
 * the values without caring about spelling.  Strings are shared between
 * the two trees, not copied.
 *
 * Writing follows proto3 JSON like the service: camelCase, default values
 * left out, Durations as "50s", token counts (int32) as numbers. */

#include "config.h"

#include "vp-protocol.h"
#include "vp-json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TYPE_URL "type.googleapis.com/google.ai.generativelanguage.v1beta."

typedef enum
{
  K_STRING,
  K_BOOL,
  K_INT32,
  K_INT64,
  K_FLOAT,
  K_ENUM,
  K_BYTES,
  K_MESSAGE,
  K_STRUCT,                     /* google.protobuf.Struct: any object, keys unchecked */
  K_VALUE,                      /* google.protobuf.Value: any JSON */
} Kind;

typedef struct _Message Message;

typedef struct
{
  const gchar *name;            /* the proto3 JSON name; snake_case matches too */
  Kind kind;
  gboolean repeated;
  const Message *message;       /* K_MESSAGE */
  const gchar *const *values;   /* K_ENUM, in proto number order; NULL: any */
  const gchar *type;            /* K_ENUM type, for messages */
} Field;

struct _Message
{
  const gchar *type;
  const Field *fields;
};

#define FIELD(n, k) { .name = n, .kind = k }
#define REPEATED(n, k) { .name = n, .kind = k, .repeated = TRUE }
#define MESSAGE(n, m) { .name = n, .kind = K_MESSAGE, .message = &m }
#define MESSAGES(n, m) { .name = n, .kind = K_MESSAGE, .repeated = TRUE, \
    .message = &m }
#define ENUM(n, v, t) { .name = n, .kind = K_ENUM, .values = v, .type = t }
#define ENUMS(n, v, t) { .name = n, .kind = K_ENUM, .repeated = TRUE, \
    .values = v, .type = t }
#define END { .name = NULL }

/* Enums */

static const gchar *const modality_values[] = {
  "MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO", NULL
};

static const gchar *const start_sensitivity_values[] = {
  "START_SENSITIVITY_UNSPECIFIED", "START_SENSITIVITY_HIGH",
  "START_SENSITIVITY_LOW", NULL
};

static const gchar *const end_sensitivity_values[] = {
  "END_SENSITIVITY_UNSPECIFIED", "END_SENSITIVITY_HIGH",
  "END_SENSITIVITY_LOW", NULL
};

static const gchar *const activity_handling_values[] = {
  "ACTIVITY_HANDLING_UNSPECIFIED", "START_OF_ACTIVITY_INTERRUPTS",
  "NO_INTERRUPTION", NULL
};

static const gchar *const turn_coverage_values[] = {
  "TURN_COVERAGE_UNSPECIFIED", "TURN_INCLUDES_ONLY_ACTIVITY",
  "TURN_INCLUDES_ALL_INPUT", "TURN_INCLUDES_AUDIO_ACTIVITY_AND_ALL_VIDEO",
  NULL
};

static const gchar *const media_resolution_values[] = {
  "MEDIA_RESOLUTION_UNSPECIFIED", "MEDIA_RESOLUTION_LOW",
  "MEDIA_RESOLUTION_MEDIUM", "MEDIA_RESOLUTION_HIGH", NULL
};

static const gchar *const thinking_level_values[] = {
  "THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH", NULL
};

static const gchar *const behavior_values[] = {
  "UNSPECIFIED", "BLOCKING", "NON_BLOCKING", NULL
};

static const gchar *const scheduling_values[] = {
  "SCHEDULING_UNSPECIFIED", "SILENT", "WHEN_IDLE", "INTERRUPT", NULL
};

/* Messages (PROTOCOL.md §2; the names of the published proto and the SDK
 * types).  Objects whose shape we are unsure of are K_STRUCT: accepted
 * without checking their keys, so a valid client is never refused. */

static const Field blob_fields[] = {
  FIELD ("mimeType", K_STRING),
  FIELD ("data", K_BYTES),
  FIELD ("displayName", K_STRING),
  END
};

static const Message blob_message = { "Blob", blob_fields };

static const Field file_data_fields[] = {
  FIELD ("mimeType", K_STRING),
  FIELD ("fileUri", K_STRING),
  FIELD ("displayName", K_STRING),
  END
};

static const Message file_data_message = { "FileData", file_data_fields };

static const Field part_fields[] = {
  FIELD ("text", K_STRING),
  MESSAGE ("inlineData", blob_message),
  MESSAGE ("fileData", file_data_message),
  FIELD ("functionCall", K_STRUCT),
  FIELD ("functionResponse", K_STRUCT),
  FIELD ("executableCode", K_STRUCT),
  FIELD ("codeExecutionResult", K_STRUCT),
  FIELD ("thought", K_BOOL),
  FIELD ("thoughtSignature", K_BYTES),
  FIELD ("videoMetadata", K_STRUCT),
  FIELD ("partMetadata", K_STRUCT),
  FIELD ("mediaResolution", K_VALUE),
  END
};

static const Message part_message = { "Part", part_fields };

static const Field content_fields[] = {
  MESSAGES ("parts", part_message),
  FIELD ("role", K_STRING),
  END
};

static const Message content_message = { "Content", content_fields };

static const Field prebuilt_voice_fields[] = {
  FIELD ("voiceName", K_STRING),
  END
};

static const Message prebuilt_voice_message =
    { "PrebuiltVoiceConfig", prebuilt_voice_fields };

static const Field voice_fields[] = {
  MESSAGE ("prebuiltVoiceConfig", prebuilt_voice_message),
  FIELD ("replicatedVoiceConfig", K_STRUCT),
  END
};

static const Message voice_message = { "VoiceConfig", voice_fields };

static const Field speech_fields[] = {
  MESSAGE ("voiceConfig", voice_message),
  FIELD ("languageCode", K_STRING),
  FIELD ("multiSpeakerVoiceConfig", K_STRUCT),
  END
};

static const Message speech_message = { "SpeechConfig", speech_fields };

static const Field thinking_fields[] = {
  FIELD ("includeThoughts", K_BOOL),
  FIELD ("thinkingBudget", K_INT32),
  ENUM ("thinkingLevel", thinking_level_values, "ThinkingConfig.ThinkingLevel"),
  END
};

static const Message thinking_message = { "ThinkingConfig", thinking_fields };

static const Field generation_fields[] = {
  FIELD ("candidateCount", K_INT32),
  REPEATED ("stopSequences", K_STRING),
  FIELD ("maxOutputTokens", K_INT32),
  FIELD ("temperature", K_FLOAT),
  FIELD ("topP", K_FLOAT),
  FIELD ("topK", K_INT32),
  FIELD ("seed", K_INT32),
  FIELD ("presencePenalty", K_FLOAT),
  FIELD ("frequencyPenalty", K_FLOAT),
  FIELD ("responseLogprobs", K_BOOL),
  FIELD ("logprobs", K_INT32),
  FIELD ("responseMimeType", K_STRING),
  FIELD ("responseSchema", K_STRUCT),
  FIELD ("responseJsonSchema", K_VALUE),
  ENUMS ("responseModalities", modality_values, "GenerationConfig.Modality"),
  MESSAGE ("speechConfig", speech_message),
  MESSAGE ("thinkingConfig", thinking_message),
  ENUM ("mediaResolution", media_resolution_values,
      "GenerationConfig.MediaResolution"),
  FIELD ("enableAffectiveDialog", K_BOOL),
  FIELD ("translationConfig", K_STRUCT),
  FIELD ("enableEnhancedCivicAnswers", K_BOOL),
  FIELD ("routingConfig", K_STRUCT),
  FIELD ("audioTimestamp", K_BOOL),
  END
};

static const Message generation_message =
    { "GenerationConfig", generation_fields };

static const Field function_declaration_fields[] = {
  FIELD ("name", K_STRING),
  FIELD ("description", K_STRING),
  ENUM ("behavior", behavior_values, "FunctionDeclaration.Behavior"),
  FIELD ("parameters", K_STRUCT),
  FIELD ("parametersJsonSchema", K_VALUE),
  FIELD ("response", K_STRUCT),
  FIELD ("responseJsonSchema", K_VALUE),
  END
};

static const Message function_declaration_message =
    { "FunctionDeclaration", function_declaration_fields };

static const Field tool_fields[] = {
  MESSAGES ("functionDeclarations", function_declaration_message),
  FIELD ("googleSearch", K_STRUCT),
  FIELD ("googleSearchRetrieval", K_STRUCT),
  FIELD ("codeExecution", K_STRUCT),
  FIELD ("urlContext", K_STRUCT),
  FIELD ("googleMaps", K_STRUCT),
  FIELD ("computerUse", K_STRUCT),
  FIELD ("fileSearch", K_STRUCT),
  END
};

static const Message tool_message = { "Tool", tool_fields };

static const Field activity_detection_fields[] = {
  FIELD ("disabled", K_BOOL),
  ENUM ("startOfSpeechSensitivity", start_sensitivity_values,
      "StartSensitivity"),
  ENUM ("endOfSpeechSensitivity", end_sensitivity_values, "EndSensitivity"),
  FIELD ("prefixPaddingMs", K_INT32),
  FIELD ("silenceDurationMs", K_INT32),
  END
};

static const Message activity_detection_message =
    { "RealtimeInputConfig.AutomaticActivityDetection",
  activity_detection_fields
};

static const Field realtime_config_fields[] = {
  MESSAGE ("automaticActivityDetection", activity_detection_message),
  ENUM ("activityHandling", activity_handling_values,
      "RealtimeInputConfig.ActivityHandling"),
  ENUM ("turnCoverage", turn_coverage_values,
      "RealtimeInputConfig.TurnCoverage"),
  END
};

static const Message realtime_config_message =
    { "RealtimeInputConfig", realtime_config_fields };

static const Field resumption_fields[] = {
  FIELD ("handle", K_STRING),
  FIELD ("transparent", K_BOOL),
  END
};

static const Message resumption_message =
    { "SessionResumptionConfig", resumption_fields };

static const Field sliding_window_fields[] = {
  FIELD ("targetTokens", K_INT64),
  END
};

static const Message sliding_window_message =
    { "ContextWindowCompressionConfig.SlidingWindow", sliding_window_fields };

static const Field compression_fields[] = {
  FIELD ("triggerTokens", K_INT64),
  MESSAGE ("slidingWindow", sliding_window_message),
  END
};

static const Message compression_message =
    { "ContextWindowCompressionConfig", compression_fields };

/* Newer SDK fields whose types we do not know for sure: names checked,
 * values not. */
static const Field transcription_fields[] = {
  FIELD ("languageCodes", K_VALUE),
  FIELD ("customVocabulary", K_VALUE),
  FIELD ("wordTimestamp", K_VALUE),
  FIELD ("diarization", K_VALUE),
  FIELD ("languageHints", K_VALUE),
  FIELD ("languageAuto", K_VALUE),
  FIELD ("adaptationPhrases", K_VALUE),
  END
};

static const Message transcription_message =
    { "AudioTranscriptionConfig", transcription_fields };

static const Field proactivity_fields[] = {
  FIELD ("proactiveAudio", K_BOOL),
  END
};

static const Message proactivity_message =
    { "ProactivityConfig", proactivity_fields };

static const Field history_fields[] = {
  FIELD ("initialHistoryInClientContent", K_BOOL),
  END
};

static const Message history_message = { "HistoryConfig", history_fields };

static const Field safety_fields[] = {
  ENUM ("category", NULL, "HarmCategory"),
  ENUM ("threshold", NULL, "SafetySetting.HarmBlockThreshold"),
  END
};

static const Message safety_message = { "SafetySetting", safety_fields };

static const Field setup_fields[] = {
  FIELD ("model", K_STRING),
  MESSAGE ("generationConfig", generation_message),
  MESSAGE ("systemInstruction", content_message),
  MESSAGES ("tools", tool_message),
  MESSAGE ("realtimeInputConfig", realtime_config_message),
  MESSAGE ("sessionResumption", resumption_message),
  MESSAGE ("contextWindowCompression", compression_message),
  MESSAGE ("inputAudioTranscription", transcription_message),
  MESSAGE ("outputAudioTranscription", transcription_message),
  MESSAGE ("proactivity", proactivity_message),
  MESSAGE ("historyConfig", history_message),
  MESSAGES ("safetySettings", safety_message),
  FIELD ("explicitVadSignal", K_BOOL),
  FIELD ("avatarConfig", K_STRUCT),
  END
};

static const Message setup_message =
    { "BidiGenerateContentSetup", setup_fields };

static const Field client_content_fields[] = {
  MESSAGES ("turns", content_message),
  FIELD ("turnComplete", K_BOOL),
  END
};

static const Message client_content_message =
    { "BidiGenerateContentClientContent", client_content_fields };

static const Field no_fields[] = {
  END
};

static const Message activity_start_message =
    { "BidiGenerateContentRealtimeInput.ActivityStart", no_fields };

static const Message activity_end_message =
    { "BidiGenerateContentRealtimeInput.ActivityEnd", no_fields };

static const Field realtime_input_fields[] = {
  MESSAGES ("mediaChunks", blob_message),
  MESSAGE ("audio", blob_message),
  FIELD ("audioStreamEnd", K_BOOL),
  MESSAGE ("video", blob_message),
  FIELD ("text", K_STRING),
  MESSAGE ("activityStart", activity_start_message),
  MESSAGE ("activityEnd", activity_end_message),
  END
};

static const Message realtime_input_message =
    { "BidiGenerateContentRealtimeInput", realtime_input_fields };

static const Field function_response_part_fields[] = {
  MESSAGE ("inlineData", blob_message),
  MESSAGE ("fileData", file_data_message),
  END
};

static const Message function_response_part_message =
    { "FunctionResponsePart", function_response_part_fields };

static const Field function_response_fields[] = {
  FIELD ("id", K_STRING),
  FIELD ("name", K_STRING),
  FIELD ("response", K_STRUCT),
  FIELD ("willContinue", K_BOOL),
  ENUM ("scheduling", scheduling_values, "FunctionResponse.Scheduling"),
  MESSAGES ("parts", function_response_part_message),
  END
};

static const Message function_response_message =
    { "FunctionResponse", function_response_fields };

static const Field tool_response_fields[] = {
  MESSAGES ("functionResponses", function_response_message),
  END
};

static const Message tool_response_message =
    { "BidiGenerateContentToolResponse", tool_response_fields };

static const Field context_update_fields[] = {
  MESSAGE ("systemInstruction", content_message),
  END
};

static const Message context_update_message =
    { "BidiGenerateContentContextUpdate", context_update_fields };

/* The oneof of BidiGenerateContentClientMessage, in VpClientMessageType
 * order. */
static const Field client_message_fields[] = {
  MESSAGE ("setup", setup_message),
  MESSAGE ("realtimeInput", realtime_input_message),
  MESSAGE ("clientContent", client_content_message),
  MESSAGE ("toolResponse", tool_response_message),
  MESSAGE ("contextUpdate", context_update_message),
  END
};

static const Message client_message =
    { "BidiGenerateContentClientMessage", client_message_fields };

/* Step 1: check and normalise */

static void
set_invalid_value (GError ** error, GString * path, const gchar * type,
    JsonNode * node)
{
  g_autofree gchar *value = vp_json_describe (node);

  g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_MALFORMED,
      "Invalid value at '%s' (%s), %s", path->str, type, value);
}

static void
set_cannot_start (GError ** error, const gchar * name, const gchar * parent,
    gboolean repeated)
{
  if (*parent != '\0')
    g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_MALFORMED,
        "Invalid JSON payload received. Unknown name \"%s\" at '%s': Proto "
        "field is %s.", name, parent, repeated ?
        "repeating, cannot start object" : "not repeating, cannot start list");
  else
    g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_MALFORMED,
        "Invalid JSON payload received. Unknown name \"%s\": Proto field "
        "is %s.", name, repeated ?
        "repeating, cannot start object" : "not repeating, cannot start list");
}

static const gchar *
scalar_type (Kind kind)
{
  switch (kind) {
    case K_STRING:
      return "TYPE_STRING";
    case K_BOOL:
      return "TYPE_BOOL";
    case K_INT32:
      return "TYPE_INT32";
    case K_INT64:
      return "TYPE_INT64";
    case K_FLOAT:
      return "TYPE_FLOAT";
    case K_BYTES:
      return "TYPE_BYTES";
    case K_STRUCT:
      return "type.googleapis.com/google.protobuf.Struct";
    default:
      return "TYPE_MESSAGE";
  }
}

/* The type named in "Invalid value" messages. */
static gchar *
field_type (const Field * field)
{
  if (field->kind == K_MESSAGE)
    return g_strconcat (TYPE_URL, field->message->type, NULL);
  if (field->kind == K_ENUM)
    return g_strconcat (TYPE_URL, field->type, NULL);
  return g_strdup (scalar_type (field->kind));
}

static gboolean
holds_type (JsonNode * node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == type;
}

static JsonObject *normalise_message (const Message * message,
    JsonObject * in, GString * path, GError ** error);

static JsonNode *
normalise_enum (const Field * field, JsonNode * node, GString * path,
    GError ** error)
{
  g_autofree gchar *type = field_type (field);
  gint64 number;

  /* proto3 JSON takes the name (any case here, as the service seems to)
   * or the number. */
  if (holds_type (node, G_TYPE_STRING)) {
    g_autofree gchar *upper = g_ascii_strup (json_node_get_string (node), -1);

    if (field->values == NULL || g_strv_contains (field->values, upper))
      return json_node_init_string (json_node_alloc (), upper);
  } else if (!holds_type (node, G_TYPE_BOOLEAN)
      && vp_json_node_get_int64 (node, &number)) {
    if (field->values == NULL && number >= 0 && number <= G_MAXINT32)
      return json_node_init_int (json_node_alloc (), number);
    if (field->values != NULL && number >= 0
        && number < g_strv_length ((gchar **) field->values))
      return json_node_init_string (json_node_alloc (), field->values[number]);
  }

  set_invalid_value (error, path, type, node);
  return NULL;
}

static JsonNode *
normalise_float (JsonNode * node)
{
  if (holds_type (node, G_TYPE_INT64) || holds_type (node, G_TYPE_DOUBLE))
    return json_node_init_double (json_node_alloc (),
        json_node_get_double (node));

  if (holds_type (node, G_TYPE_STRING)) {
    const gchar *text = json_node_get_string (node);
    gchar *end = NULL;
    gdouble value;

    if (strcmp (text, "NaN") == 0)
      value = NAN;
    else if (strcmp (text, "Infinity") == 0)
      value = INFINITY;
    else if (strcmp (text, "-Infinity") == 0)
      value = -INFINITY;
    else if (*text != '\0' && !g_ascii_isspace (*text)) {
      value = g_ascii_strtod (text, &end);
      if (end == NULL || *end != '\0' || !isfinite (value))
        return NULL;
    } else
      return NULL;
    return json_node_init_double (json_node_alloc (), value);
  }

  return NULL;
}

static JsonNode *
normalise_value (const Field * field, JsonNode * node, GString * path,
    GError ** error)
{
  gint64 number;

  switch (field->kind) {
    case K_STRING:
      if (holds_type (node, G_TYPE_STRING))
        return json_node_copy (node);
      break;
    case K_BOOL:
      if (holds_type (node, G_TYPE_BOOLEAN))
        return json_node_copy (node);
      if (holds_type (node, G_TYPE_STRING)) {
        const gchar *text = json_node_get_string (node);

        if (strcmp (text, "true") == 0 || strcmp (text, "false") == 0)
          return json_node_init_boolean (json_node_alloc (),
              strcmp (text, "true") == 0);
      }
      break;
    case K_INT32:
    case K_INT64:
      if (!holds_type (node, G_TYPE_BOOLEAN)
          && vp_json_node_get_int64 (node, &number)
          && (field->kind == K_INT64
              || (number >= G_MININT32 && number <= G_MAXINT32)))
        return json_node_init_int (json_node_alloc (), number);
      break;
    case K_FLOAT:{
      JsonNode *value = normalise_float (node);

      if (value != NULL)
        return value;
      break;
    }
    case K_ENUM:
      return normalise_enum (field, node, path, error);
    case K_BYTES:
      if (holds_type (node, G_TYPE_STRING)) {
        const gchar *text = json_node_get_string (node);

        if (vp_base64_valid (text, strlen (text)))
          return json_node_copy (node);
        g_set_error (error, VP_PROTOCOL_ERROR,
            VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
            "Request contains an invalid argument. Invalid value at '%s' "
            "(TYPE_BYTES): the data is not base64.", path->str);
        return NULL;
      }
      break;
    case K_MESSAGE:
      if (JSON_NODE_HOLDS_OBJECT (node)) {
        JsonObject *object = normalise_message (field->message,
            json_node_get_object (node), path, error);

        if (object == NULL)
          return NULL;
        return vp_json_node_take_object (object);
      } else {
        g_autofree gchar *type = field_type (field);

        set_invalid_value (error, path, type, node);
        return NULL;
      }
    case K_STRUCT:
      if (JSON_NODE_HOLDS_OBJECT (node))
        return json_node_copy (node);
      break;
    case K_VALUE:
      return json_node_copy (node);
  }

  set_invalid_value (error, path, scalar_type (field->kind), node);
  return NULL;
}

static const Field *
find_field (const Message * message, const gchar * name)
{
  const Field *field;

  for (field = message->fields; field->name != NULL; field++)
    if (vp_json_name_matches (name, field->name))
      return field;
  return NULL;
}

static JsonNode *
normalise_member (const Field * field, const gchar * name, JsonNode * node,
    GString * path, GError ** error)
{
  gsize parent_len = path->len;
  JsonNode *result = NULL;

  /* A list where one value belongs (or the reverse) is a parse error. */
  if (field->repeated && JSON_NODE_HOLDS_OBJECT (node)) {
    set_cannot_start (error, name, path->str, TRUE);
    return NULL;
  }
  if (!field->repeated && JSON_NODE_HOLDS_ARRAY (node)
      && field->kind != K_VALUE) {
    set_cannot_start (error, name, path->str, FALSE);
    return NULL;
  }

  if (path->len > 0)
    g_string_append_c (path, '.');
  g_string_append (path, name);

  if (field->repeated && !JSON_NODE_HOLDS_ARRAY (node)) {
    g_autofree gchar *type = field_type (field);

    set_invalid_value (error, path, type, node);
  } else if (field->repeated) {
    JsonArray *in = json_node_get_array (node);
    guint i, n = json_array_get_length (in);
    JsonArray *out = json_array_sized_new (n);
    gsize len = path->len;

    for (i = 0; i < n; i++) {
      JsonNode *element = json_array_get_element (in, i);
      JsonNode *value;

      g_string_append_printf (path, "[%u]", i);
      if (JSON_NODE_HOLDS_NULL (element) || JSON_NODE_HOLDS_ARRAY (element)) {
        g_autofree gchar *type = field_type (field);

        set_invalid_value (error, path, type, element);
        value = NULL;
      } else {
        value = normalise_value (field, element, path, error);
      }
      if (value == NULL) {
        json_array_unref (out);
        goto done;
      }
      json_array_add_element (out, value);
      g_string_truncate (path, len);
    }
    result = vp_json_node_take_array (out);
  } else {
    result = normalise_value (field, node, path, error);
  }

done:
  g_string_truncate (path, parent_len);
  return result;
}

static JsonObject *
normalise_message (const Message * message, JsonObject * in, GString * path,
    GError ** error)
{
  JsonObject *out = json_object_new ();
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *node;

  json_object_iter_init_ordered (&iter, in);
  while (json_object_iter_next_ordered (&iter, &name, &node)) {
    const Field *field = find_field (message, name);
    JsonNode *value;

    if (field == NULL) {
      if (path->len > 0)
        g_set_error (error, VP_PROTOCOL_ERROR,
            VP_PROTOCOL_ERROR_UNKNOWN_FIELD,
            "Invalid JSON payload received. Unknown name \"%s\" at '%s': "
            "Cannot find field.", name, path->str);
      else
        g_set_error (error, VP_PROTOCOL_ERROR,
            VP_PROTOCOL_ERROR_UNKNOWN_FIELD,
            "Invalid JSON payload received. Unknown name \"%s\": Cannot "
            "find field.", name);
      json_object_unref (out);
      return NULL;
    }

    /* proto3 JSON: null is the default value, as if absent. */
    if (JSON_NODE_HOLDS_NULL (node))
      continue;

    value = normalise_member (field, name, node, path, error);
    if (value == NULL) {
      json_object_unref (out);
      return NULL;
    }
    json_object_set_member (out, field->name, value);
  }

  return out;
}

/* Step 2: read the normalised tree (camelCase names only) */

static JsonObject *
get_object (JsonObject * object, const gchar * name)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ?
      json_node_get_object (node) : NULL;
}

static JsonArray *
get_array (JsonObject * object, const gchar * name)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ?
      json_node_get_array (node) : NULL;
}

static gchar *
dup_string (JsonObject * object, const gchar * name)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  return node != NULL && holds_type (node, G_TYPE_STRING) ?
      g_strdup (json_node_get_string (node)) : NULL;
}

static gboolean
get_number (JsonObject * object, const gchar * name, gint64 * value)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  return node != NULL && vp_json_node_get_int64 (node, value);
}

static void
get_double (JsonObject * object, const gchar * name, gdouble * value)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  if (node != NULL && holds_type (node, G_TYPE_DOUBLE))
    *value = json_node_get_double (node);
}

static VpTristate
get_tristate (JsonObject * object, const gchar * name)
{
  JsonNode *node = object != NULL ?
      json_object_get_member (object, name) : NULL;

  if (node == NULL || !holds_type (node, G_TYPE_BOOLEAN))
    return VP_TRISTATE_UNSET;
  return json_node_get_boolean (node) ? VP_TRISTATE_TRUE : VP_TRISTATE_FALSE;
}

static gboolean
get_true (JsonObject * object, const gchar * name)
{
  return get_tristate (object, name) == VP_TRISTATE_TRUE;
}

/* The text parts of @content, joined by @separator; NULL if none. */
static gchar *
content_text (JsonObject * content, const gchar * separator)
{
  JsonArray *parts = get_array (content, "parts");
  GString *text = NULL;
  guint i, n = parts != NULL ? json_array_get_length (parts) : 0;

  for (i = 0; i < n; i++) {
    JsonObject *part = json_array_get_object_element (parts, i);
    JsonNode *node = json_object_get_member (part, "text");

    if (node == NULL)
      continue;
    if (text == NULL)
      text = g_string_new (NULL);
    else
      g_string_append (text, separator);
    g_string_append (text, json_node_get_string (node));
  }

  return text != NULL ? g_string_free (text, FALSE) : NULL;
}

static gboolean
read_setup (VpClientMessage * msg, JsonObject * setup, GError ** error)
{
  VpSetupConfig *config = vp_setup_config_new ();
  JsonObject *gen, *object, *aad;
  JsonArray *array;
  gint64 number;

  msg->setup = config;

  config->model = dup_string (setup, "model");
  if (config->model == NULL || *config->model == '\0') {
    g_set_error_literal (error, VP_PROTOCOL_ERROR,
        VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
        "Request contains an invalid argument. setup.model is required.");
    return FALSE;
  }

  gen = get_object (setup, "generationConfig");
  array = get_array (gen, "responseModalities");
  if (array != NULL && json_array_get_length (array) > 0)
    config->response_modality =
        g_strdup (json_array_get_string_element (array, 0));
  get_double (gen, "temperature", &config->temperature);
  get_double (gen, "topP", &config->top_p);
  if (get_number (gen, "topK", &number))
    config->top_k = (gint) number;
  if (get_number (gen, "maxOutputTokens", &number))
    config->max_output_tokens = (gint) number;
  config->media_resolution = dup_string (gen, "mediaResolution");
  config->enable_affective_dialog = get_tristate (gen, "enableAffectiveDialog");

  object = get_object (gen, "speechConfig");
  config->language_code = dup_string (object, "languageCode");
  object = get_object (get_object (object, "voiceConfig"),
      "prebuiltVoiceConfig");
  config->voice = dup_string (object, "voiceName");

  object = get_object (gen, "thinkingConfig");
  config->thinking_level = dup_string (object, "thinkingLevel");
  if (get_number (object, "thinkingBudget", &number))
    config->thinking_budget = (gint) number;
  config->include_thoughts = get_tristate (object, "includeThoughts");

  object = get_object (setup, "systemInstruction");
  if (object != NULL) {
    config->system_instruction = content_text (object, "\n");
    if (config->system_instruction == NULL)
      config->system_instruction = g_strdup ("");
    config->system_instruction_role = dup_string (object, "role");
  }

  array = get_array (setup, "tools");
  if (array != NULL)
    config->tools = json_array_ref (array);

  object = get_object (setup, "realtimeInputConfig");
  aad = get_object (object, "automaticActivityDetection");
  config->vad_disabled = get_tristate (aad, "disabled");
  config->start_sensitivity = dup_string (aad, "startOfSpeechSensitivity");
  config->end_sensitivity = dup_string (aad, "endOfSpeechSensitivity");
  if (get_number (aad, "prefixPaddingMs", &number))
    config->prefix_padding_ms = (gint) number;
  if (get_number (aad, "silenceDurationMs", &number))
    config->silence_duration_ms = (gint) number;
  config->activity_handling = dup_string (object, "activityHandling");
  config->turn_coverage = dup_string (object, "turnCoverage");

  config->input_transcription =
      get_object (setup, "inputAudioTranscription") != NULL;
  config->output_transcription =
      get_object (setup, "outputAudioTranscription") != NULL;

  object = get_object (setup, "sessionResumption");
  config->session_resumption = object != NULL;
  config->resume_handle = dup_string (object, "handle");

  object = get_object (setup, "contextWindowCompression");
  if (get_number (object, "triggerTokens", &number))
    config->trigger_tokens = number;
  config->context_compression = get_object (object, "slidingWindow") != NULL;
  if (get_number (get_object (object, "slidingWindow"), "targetTokens",
          &number))
    config->target_tokens = number;

  config->proactive_audio =
      get_tristate (get_object (setup, "proactivity"), "proactiveAudio");
  config->initial_history_in_client_content =
      get_tristate (get_object (setup, "historyConfig"),
      "initialHistoryInClientContent");

  return TRUE;
}

static gboolean
mime_has_prefix (const gchar * mime_type, const gchar * prefix)
{
  return mime_type != NULL
      && g_ascii_strncasecmp (mime_type, prefix, strlen (prefix)) == 0;
}

static GBytes *
decode_blob (JsonObject * blob, const gchar * where, GError ** error)
{
  JsonNode *data = json_object_get_member (blob, "data");
  const gchar *text = data != NULL ? json_node_get_string (data) : "";
  GBytes *bytes = vp_base64_decode (text, strlen (text));

  /* Already checked by step 1. */
  if (bytes == NULL)
    g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
        "Request contains an invalid argument. %s.data is not base64.", where);
  return bytes;
}

static gboolean
read_audio (VpClientMessage * msg, JsonObject * blob, const gchar * where,
    GError ** error)
{
  g_autofree gchar *mime = dup_string (blob, "mimeType");

  if (!mime_has_prefix (mime, "audio/")) {
    g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
        "Request contains an invalid argument. %s.mimeType must be audio/*, "
        "got \"%s\".", where, mime != NULL ? mime : "");
    return FALSE;
  }
  msg->audio = decode_blob (blob, where, error);
  msg->audio_rate = vp_protocol_pcm_rate_from_mime (mime, 16000);
  return msg->audio != NULL;
}

static gboolean
read_video (VpClientMessage * msg, JsonObject * blob, const gchar * where,
    GError ** error)
{
  g_autofree gchar *mime = dup_string (blob, "mimeType");

  if (!mime_has_prefix (mime, "image/") && !mime_has_prefix (mime, "video/")) {
    g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
        "Request contains an invalid argument. %s.mimeType must be image/*, "
        "got \"%s\".", where, mime != NULL ? mime : "");
    return FALSE;
  }
  msg->video = decode_blob (blob, where, error);
  msg->video_mime_type = g_steal_pointer (&mime);
  return msg->video != NULL;
}

static gboolean
read_realtime_input (VpClientMessage * msg, JsonObject * input, GError ** error)
{
  JsonObject *blob;
  JsonArray *chunks;
  JsonNode *text;

  if ((blob = get_object (input, "audio")) != NULL
      && !read_audio (msg, blob, "realtimeInput.audio", error))
    return FALSE;
  if ((blob = get_object (input, "video")) != NULL
      && !read_video (msg, blob, "realtimeInput.video", error))
    return FALSE;

  /* Deprecated mediaChunks: the service uses only the first chunk; we take
   * the first of each kind, so an audio + image pair is not lost. */
  chunks = get_array (input, "mediaChunks");
  if (chunks != NULL) {
    guint i, n = json_array_get_length (chunks);

    for (i = 0; i < n; i++) {
      JsonObject *chunk = json_array_get_object_element (chunks, i);
      g_autofree gchar *mime = dup_string (chunk, "mimeType");
      g_autofree gchar *where = NULL;

      where = g_strdup_printf ("realtimeInput.mediaChunks[%u]", i);
      if (mime_has_prefix (mime, "audio/")) {
        if (msg->audio == NULL && !read_audio (msg, chunk, where, error))
          return FALSE;
      } else if (mime_has_prefix (mime, "image/")
          || mime_has_prefix (mime, "video/")) {
        if (msg->video == NULL && !read_video (msg, chunk, where, error))
          return FALSE;
      } else {
        g_set_error (error, VP_PROTOCOL_ERROR,
            VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
            "Request contains an invalid argument. %s.mimeType \"%s\" is "
            "not supported.", where, mime != NULL ? mime : "");
        return FALSE;
      }
    }
  }

  text = json_object_get_member (input, "text");
  if (text != NULL)
    msg->text = g_strdup (json_node_get_string (text));
  msg->activity_start = get_object (input, "activityStart") != NULL;
  msg->activity_end = get_object (input, "activityEnd") != NULL;
  msg->audio_stream_end = get_true (input, "audioStreamEnd");

  return TRUE;
}

static void
read_client_content (VpClientMessage * msg, JsonObject * content)
{
  JsonNode *turns = json_object_get_member (content, "turns");

  msg->turn_complete = get_true (content, "turnComplete");
  if (turns == NULL)
    return;

  msg->turns_json = vp_json_to_compact (turns);

  /* The user's words: parts of a turn joined, turns one per line. */
  {
    JsonArray *array = json_node_get_array (turns);
    guint i, n = json_array_get_length (array);
    GString *text = NULL;

    for (i = 0; i < n; i++) {
      JsonObject *turn = json_array_get_object_element (array, i);
      JsonNode *role = json_object_get_member (turn, "role");
      g_autofree gchar *turn_text = NULL;

      if (role != NULL && strcmp (json_node_get_string (role), "user") != 0)
        continue;
      turn_text = content_text (turn, "");
      if (turn_text == NULL)
        continue;
      if (text == NULL)
        text = g_string_new (NULL);
      else
        g_string_append_c (text, '\n');
      g_string_append (text, turn_text);
    }
    if (text != NULL)
      msg->text = g_string_free (text, FALSE);
  }
}

static void
read_tool_response (VpClientMessage * msg, JsonObject * tool_response)
{
  JsonArray *list = get_array (tool_response, "functionResponses");
  guint i, n = list != NULL ? json_array_get_length (list) : 0;

  msg->function_responses = g_ptr_array_new_with_free_func ((GDestroyNotify)
      vp_function_response_free);

  for (i = 0; i < n; i++) {
    JsonObject *entry = json_array_get_object_element (list, i);
    VpFunctionResponse *response = g_new0 (VpFunctionResponse, 1);
    JsonNode *node = json_object_get_member (entry, "response");

    response->id = dup_string (entry, "id");
    response->name = dup_string (entry, "name");
    if (node != NULL)
      response->response = vp_json_deep_copy (node);
    response->scheduling = dup_string (entry, "scheduling");
    response->will_continue = get_tristate (entry, "willContinue");
    g_ptr_array_add (msg->function_responses, response);
  }
}

VpClientMessage *
vp_client_message_parse (const gchar * data, gsize length, GError ** error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonObject) top = NULL;
  g_autoptr (GString) path = NULL;
  g_autoptr (VpClientMessage) msg = NULL;
  const Field *field, *found = NULL;
  JsonObject *body;

  root = vp_json_parse_object (data, length, error);
  if (root == NULL)
    return NULL;

  path = g_string_new (NULL);
  top = normalise_message (&client_message, json_node_get_object (root),
      path, error);
  if (top == NULL)
    return NULL;

  /* Exactly one member of the oneof. */
  for (field = client_message_fields; field->name != NULL; field++) {
    if (!json_object_has_member (top, field->name))
      continue;
    if (found != NULL) {
      g_set_error (error, VP_PROTOCOL_ERROR,
          VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
          "Request contains an invalid argument. The message sets both %s "
          "and %s; a message carries exactly one of setup, clientContent, "
          "realtimeInput, toolResponse and contextUpdate.", found->name,
          field->name);
      return NULL;
    }
    found = field;
  }
  if (found == NULL) {
    g_set_error_literal (error, VP_PROTOCOL_ERROR,
        VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
        "Request contains an invalid argument. The message sets none of "
        "setup, clientContent, realtimeInput, toolResponse and "
        "contextUpdate.");
    return NULL;
  }

  msg = g_new0 (VpClientMessage, 1);
  msg->type = (VpClientMessageType) (found - client_message_fields);
  body = json_object_get_object_member (top, found->name);

  switch (msg->type) {
    case VP_CLIENT_MESSAGE_SETUP:
      if (!read_setup (msg, body, error))
        return NULL;
      break;
    case VP_CLIENT_MESSAGE_REALTIME_INPUT:
      if (!read_realtime_input (msg, body, error))
        return NULL;
      break;
    case VP_CLIENT_MESSAGE_CLIENT_CONTENT:
      read_client_content (msg, body);
      break;
    case VP_CLIENT_MESSAGE_TOOL_RESPONSE:
      read_tool_response (msg, body);
      break;
    case VP_CLIENT_MESSAGE_CONTEXT_UPDATE:{
      JsonObject *instruction = get_object (body, "systemInstruction");

      if (instruction != NULL) {
        msg->system_instruction = content_text (instruction, "\n");
        if (msg->system_instruction == NULL)
          msg->system_instruction = g_strdup ("");
      }
      break;
    }
  }

  return g_steal_pointer (&msg);
}

void
vp_client_message_free (VpClientMessage * message)
{
  if (message == NULL)
    return;

  vp_setup_config_free (message->setup);
  if (message->audio != NULL)
    g_bytes_unref (message->audio);
  if (message->video != NULL)
    g_bytes_unref (message->video);
  g_free (message->video_mime_type);
  g_free (message->text);
  g_free (message->turns_json);
  if (message->function_responses != NULL)
    g_ptr_array_unref (message->function_responses);
  g_free (message->system_instruction);
  g_free (message);
}

/* Server → client messages */

gchar *
vp_server_build_setup_complete (void)
{
  return g_strdup ("{\"setupComplete\":{}}");
}

gchar *
vp_server_build_audio (const guint8 * pcm, gsize n_bytes, guint rate,
    const gchar * output_transcription)
{
  GString *out;

  g_return_val_if_fail (pcm != NULL || n_bytes == 0, NULL);

  /* Hot path for the emulator: formatted directly, no JSON tree. */
  out = g_string_sized_new (n_bytes / 3 * 4 + 160);
  g_string_append_printf (out, "{\"serverContent\":{\"modelTurn\":{\"parts\":"
      "[{\"inlineData\":{\"mimeType\":\"audio/pcm;rate=%u\",\"data\":\"",
      rate > 0 ? rate : 24000);
  vp_base64_append (out, pcm, n_bytes);
  g_string_append (out, "\"}}]}");
  if (output_transcription != NULL && *output_transcription != '\0') {
    g_string_append (out, ",\"outputTranscription\":{\"text\":");
    vp_json_append_string (out, output_transcription);
    g_string_append_c (out, '}');
  }
  g_string_append (out, "}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_server_build_text (const gchar * text)
{
  GString *out = g_string_new ("{\"serverContent\":{\"modelTurn\":"
      "{\"parts\":[{\"text\":");

  vp_json_append_string (out, text);
  g_string_append (out, "}]}}}");

  return g_string_free (out, FALSE);
}

static gchar *
build_transcription (const gchar * member, const gchar * text,
    gboolean finished)
{
  GString *out = g_string_new ("{\"serverContent\":{");

  g_string_append_printf (out, "\"%s\":{", member);
  /* proto3 JSON leaves out the empty string and false. */
  if (text != NULL && *text != '\0') {
    g_string_append (out, "\"text\":");
    vp_json_append_string (out, text);
  }
  if (finished)
    g_string_append (out, text != NULL && *text != '\0' ?
        ",\"finished\":true" : "\"finished\":true");
  g_string_append (out, "}}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_server_build_input_transcription (const gchar * text, gboolean finished)
{
  return build_transcription ("inputTranscription", text, finished);
}

gchar *
vp_server_build_output_transcription (const gchar * text, gboolean finished)
{
  return build_transcription ("outputTranscription", text, finished);
}

gchar *
vp_server_build_generation_complete (void)
{
  return g_strdup ("{\"serverContent\":{\"generationComplete\":true}}");
}

static void
append_count (GString * out, const gchar * name, gint64 count)
{
  if (count <= 0)
    return;
  if (out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
  g_string_append_printf (out, "\"%s\":%" G_GINT64_FORMAT, name, count);
}

static void
append_details (GString * out, const gchar * name, gint64 text,
    gint64 audio, gint64 image, gint64 video)
{
  const gchar *modalities[] = { "TEXT", "AUDIO", "IMAGE", "VIDEO" };
  gint64 counts[] = { text, audio, image, video };
  gboolean first = TRUE;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (counts); i++) {
    if (counts[i] <= 0)
      continue;
    if (first) {
      if (out->str[out->len - 1] != '{')
        g_string_append_c (out, ',');
      g_string_append_printf (out, "\"%s\":[", name);
    } else {
      g_string_append_c (out, ',');
    }
    first = FALSE;
    g_string_append_printf (out, "{\"modality\":\"%s\",\"tokenCount\":%"
        G_GINT64_FORMAT "}", modalities[i], counts[i]);
  }
  if (!first)
    g_string_append_c (out, ']');
}

gchar *
vp_server_build_turn_complete (const VpUsageMetadata * usage)
{
  GString *out = g_string_new ("{\"serverContent\":{\"turnComplete\":true}");

  /* Token counts are int32 in the proto, so JSON numbers; zeros are
   * left out like every proto3 default. */
  if (usage != NULL) {
    g_string_append (out, ",\"usageMetadata\":{");
    append_count (out, "promptTokenCount", usage->prompt_tokens);
    append_count (out, "cachedContentTokenCount", usage->cached_tokens);
    append_count (out, "responseTokenCount", usage->response_tokens);
    append_count (out, "toolUsePromptTokenCount",
        usage->tool_use_prompt_tokens);
    append_count (out, "thoughtsTokenCount", usage->thoughts_tokens);
    append_count (out, "totalTokenCount", usage->total_tokens);
    append_details (out, "promptTokensDetails", usage->prompt_text_tokens,
        usage->prompt_audio_tokens, usage->prompt_image_tokens,
        usage->prompt_video_tokens);
    append_details (out, "responseTokensDetails",
        usage->response_text_tokens, usage->response_audio_tokens, 0, 0);
    g_string_append_c (out, '}');
  }
  g_string_append_c (out, '}');

  return g_string_free (out, FALSE);
}

gchar *
vp_server_build_interrupted (void)
{
  return g_strdup ("{\"serverContent\":{\"interrupted\":true}}");
}

gchar *
vp_server_build_tool_call (const VpFunctionCall * calls, guint n_calls)
{
  GString *out;
  guint i;

  g_return_val_if_fail (calls != NULL || n_calls == 0, NULL);

  out = g_string_new ("{\"toolCall\":{\"functionCalls\":[");
  for (i = 0; i < n_calls; i++) {
    const VpFunctionCall *call = &calls[i];
    g_autoptr (JsonNode) args = NULL;

    if (i > 0)
      g_string_append_c (out, ',');
    g_string_append_c (out, '{');
    if (call->id != NULL) {
      g_string_append (out, "\"id\":");
      vp_json_append_string (out, call->id);
      g_string_append_c (out, ',');
    }
    if (call->name != NULL) {
      g_string_append (out, "\"name\":");
      vp_json_append_string (out, call->name);
      g_string_append_c (out, ',');
    }

    /* Re-serialised so a bad args_json cannot break the frame. */
    if (call->args_json != NULL) {
      g_autoptr (GError) error = NULL;

      args = vp_json_parse_object (call->args_json, strlen (call->args_json),
          &error);
      if (args == NULL)
        g_warning ("Tool call %s: args are not a JSON object (%s); sending {}",
            call->name != NULL ? call->name : "(unnamed)", error->message);
    }
    g_string_append (out, "\"args\":");
    if (args != NULL)
      vp_json_append_node (out, args);
    else
      g_string_append (out, "{}");
    g_string_append_c (out, '}');
  }
  g_string_append (out, "]}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_server_build_tool_call_cancellation (const gchar * const *ids)
{
  GString *out = g_string_new ("{\"toolCallCancellation\":{");
  guint i;

  if (ids != NULL && ids[0] != NULL) {
    g_string_append (out, "\"ids\":[");
    for (i = 0; ids[i] != NULL; i++) {
      if (i > 0)
        g_string_append_c (out, ',');
      vp_json_append_string (out, ids[i]);
    }
    g_string_append_c (out, ']');
  }
  g_string_append (out, "}}");

  return g_string_free (out, FALSE);
}

gchar *
vp_server_build_go_away (gint64 time_left_ms)
{
  gint64 ms = MAX (time_left_ms, 0);

  /* proto3 Duration: whole seconds as "50s", else 3 fractional digits. */
  if (ms % 1000 == 0)
    return g_strdup_printf ("{\"goAway\":{\"timeLeft\":\"%" G_GINT64_FORMAT
        "s\"}}", ms / 1000);
  return g_strdup_printf ("{\"goAway\":{\"timeLeft\":\"%" G_GINT64_FORMAT
      ".%03ds\"}}", ms / 1000, (gint) (ms % 1000));
}

gchar *
vp_server_build_resumption_update (const gchar * handle, gboolean resumable)
{
  GString *out = g_string_new ("{\"sessionResumptionUpdate\":{");

  if (handle != NULL && *handle != '\0') {
    g_string_append (out, "\"newHandle\":");
    vp_json_append_string (out, handle);
  }
  if (resumable)
    g_string_append (out, handle != NULL && *handle != '\0' ?
        ",\"resumable\":true" : "\"resumable\":true");
  g_string_append (out, "}}");

  return g_string_free (out, FALSE);
}
