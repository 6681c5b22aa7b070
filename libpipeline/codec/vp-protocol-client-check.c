/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Step 1 of reading a client message the way the service does (the
 * emulator's side): the proto's fields as tables (PROTOCOL.md §2), and a
 * walk over the message that checks every member name and JSON type
 * against them.  It accepts the camelCase and the snake_case spelling,
 * int64 as a number or a string and enums in any case, refuses unknown
 * names with the service's wording, and produces a normalised copy
 * (camelCase names, UPPERCASE enums, numbers as numbers) that step 2
 * (vp-protocol-client-parse.c) reads without caring about spelling.
 * Strings are shared between the two trees, not copied. */

#include "config.h"

#include "vp-protocol-client-check.h"
#include "vp-json-read.h"
#include "vp-json-write.h"
#include "vp-json-node.h"
#include "vp-base64.h"

#include <math.h>
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

/* The walk: every member checked, the normalised copy built */

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
  if (vp_json_node_holds_type (node, G_TYPE_STRING)) {
    g_autofree gchar *upper = g_ascii_strup (json_node_get_string (node), -1);

    if (field->values == NULL || g_strv_contains (field->values, upper))
      return json_node_init_string (json_node_alloc (), upper);
  } else if (!vp_json_node_holds_type (node, G_TYPE_BOOLEAN)
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
  if (vp_json_node_holds_type (node, G_TYPE_INT64)
      || vp_json_node_holds_type (node, G_TYPE_DOUBLE))
    return json_node_init_double (json_node_alloc (),
        json_node_get_double (node));

  if (vp_json_node_holds_type (node, G_TYPE_STRING)) {
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
      if (vp_json_node_holds_type (node, G_TYPE_STRING))
        return json_node_copy (node);
      break;
    case K_BOOL:
      if (vp_json_node_holds_type (node, G_TYPE_BOOLEAN))
        return json_node_copy (node);
      if (vp_json_node_holds_type (node, G_TYPE_STRING)) {
        const gchar *text = json_node_get_string (node);

        if (strcmp (text, "true") == 0 || strcmp (text, "false") == 0)
          return json_node_init_boolean (json_node_alloc (),
              strcmp (text, "true") == 0);
      }
      break;
    case K_INT32:
    case K_INT64:
      if (!vp_json_node_holds_type (node, G_TYPE_BOOLEAN)
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
      if (vp_json_node_holds_type (node, G_TYPE_STRING)) {
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

JsonObject *
vp_protocol_client_check (JsonObject * message, VpClientMessageType * type,
    GError ** error)
{
  g_autoptr (GString) path = g_string_new (NULL);
  g_autoptr (JsonObject) top = NULL;
  const Field *field, *found = NULL;

  top = normalise_message (&client_message, message, path, error);
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

  *type = (VpClientMessageType) (found - client_message_fields);
  return json_object_ref (json_object_get_object_member (top, found->name));
}
