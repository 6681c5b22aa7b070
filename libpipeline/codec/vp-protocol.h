/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The Live wire protocol codec.  Pure functions: bytes in, structs out,
 * structs in, compact JSON out.  No I/O, no threads, no global state, so
 * every function here can be unit tested and fuzzed.
 *
 * Client side: vp_protocol_build_*() builds what a client sends and
 * vp_server_message_parse() reads what the server sends.
 * Server side (the emulator): vp_client_message_parse() reads what a client
 * sends, leniently (camelCase and snake_case, enums in any case, int64 as
 * number or string) but rejecting unknown fields like the real service, and
 * vp_server_build_*() builds what the server sends. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define VP_PROTOCOL_ERROR (vp_protocol_error_quark ())
GQuark vp_protocol_error_quark (void);

/**
 * VpProtocolError:
 * @VP_PROTOCOL_ERROR_MALFORMED: not UTF-8 JSON, or not a JSON object, or a
 *   field has the wrong JSON type.  Message mirrors the service:
 *   "Invalid JSON payload received. …", or for a wrong type or enum value
 *   "Invalid value at 'setup.generation_config.temperature' (TYPE_FLOAT), \"hot\""
 * @VP_PROTOCOL_ERROR_UNKNOWN_FIELD: a field name the protocol does not have.
 *   Message: "Invalid JSON payload received. Unknown name \"x\" at 'setup': Cannot find field."
 * @VP_PROTOCOL_ERROR_INVALID_ARGUMENT: well-formed but not allowed (no
 *   message type, two message types at once, bad base64, bad mime type…).
 *   Message: "Request contains an invalid argument." plus detail.
 * @VP_PROTOCOL_ERROR_TOO_LARGE: the input exceeds VP_PROTOCOL_MAX_MESSAGE_SIZE
 *   or VP_PROTOCOL_MAX_DEPTH.
 */
typedef enum {
  VP_PROTOCOL_ERROR_MALFORMED,
  VP_PROTOCOL_ERROR_UNKNOWN_FIELD,
  VP_PROTOCOL_ERROR_INVALID_ARGUMENT,
  VP_PROTOCOL_ERROR_TOO_LARGE,
} VpProtocolError;

/* Inputs larger or deeper than this are refused before parsing
 * (json-glib 1.6 has no depth limit of its own). */
#define VP_PROTOCOL_MAX_MESSAGE_SIZE (16 * 1024 * 1024)
#define VP_PROTOCOL_MAX_DEPTH 64

/* A boolean setting that may also be absent from the wire. */
typedef enum {
  VP_TRISTATE_UNSET = 0,
  VP_TRISTATE_FALSE,
  VP_TRISTATE_TRUE,
} VpTristate;

/**
 * VpSetupConfig:
 *
 * Everything the `setup` message can carry (PROTOCOL.md §2.1).  Unset
 * values are left out of the wire message: NULL strings, negative numbers
 * (except @thinking_budget, see below), %VP_TRISTATE_UNSET, FALSE for the
 * "presence" booleans.  Wire enums are kept as their wire strings
 * ("START_SENSITIVITY_LOW"); the parser upper-cases them.
 */
typedef struct {
  gchar *model;                 /* "gemini-3.1-flash-live-preview"; "models/" is added when missing */
  gchar *response_modality;     /* "AUDIO" or "TEXT"; NULL means "AUDIO" */
  gchar *voice;                 /* prebuiltVoiceConfig.voiceName */
  gchar *language_code;         /* speechConfig.languageCode */
  gchar *system_instruction;    /* text; NULL for none */
  gchar *system_instruction_role;       /* "user" or NULL (no role on the wire) */
  gdouble temperature;          /* < 0: unset */
  gdouble top_p;                /* < 0: unset */
  gint top_k;                   /* < 0: unset */
  gint max_output_tokens;       /* < 0: unset */
  gchar *thinking_level;        /* "MINIMAL" | "LOW" | "MEDIUM" | "HIGH" (3.1) */
  gint thinking_budget;         /* G_MININT: unset; -1 automatic; 0 off (2.5) */
  VpTristate include_thoughts;
  gchar *media_resolution;      /* "MEDIA_RESOLUTION_LOW" … */
  VpTristate enable_affective_dialog;   /* 2.5 only */
  VpTristate proactive_audio;   /* 2.5 only: proactivity.proactiveAudio */

  /* setup.tools exactly as on the wire: an array of Tool objects, each with
   * functionDeclarations / googleSearch / …  Build function declarations
   * with vp_protocol_function_declaration().  NULL for none. */
  JsonArray *tools;

  /* realtimeInputConfig */
  VpTristate vad_disabled;      /* automaticActivityDetection.disabled */
  gchar *start_sensitivity;     /* "START_SENSITIVITY_HIGH" | "START_SENSITIVITY_LOW" */
  gchar *end_sensitivity;       /* "END_SENSITIVITY_HIGH" | "END_SENSITIVITY_LOW" */
  gint prefix_padding_ms;       /* < 0: unset */
  gint silence_duration_ms;     /* < 0: unset */
  gchar *activity_handling;     /* "START_OF_ACTIVITY_INTERRUPTS" | "NO_INTERRUPTION" */
  gchar *turn_coverage;         /* "TURN_INCLUDES_ONLY_ACTIVITY" | … */

  gboolean input_transcription; /* inputAudioTranscription: {} */
  gboolean output_transcription;        /* outputAudioTranscription: {} */
  gboolean session_resumption;  /* sessionResumption: {} (turns on updates) */
  gchar *resume_handle;         /* sessionResumption.handle; implies session_resumption */
  gboolean context_compression; /* contextWindowCompression.slidingWindow */
  gint64 trigger_tokens;        /* < 0: unset (server default 80 % of context); sent as a JSON number */
  gint64 target_tokens;         /* < 0: unset (server default trigger / 2) */
  VpTristate initial_history_in_client_content; /* historyConfig (3.1) */
} VpSetupConfig;

/* Returns a config with every field unset (numbers at their "unset" value). */
#define VP_TYPE_SETUP_CONFIG (vp_setup_config_get_type ())
GType vp_setup_config_get_type (void);
VpSetupConfig *vp_setup_config_new (void);
VpSetupConfig *vp_setup_config_copy (const VpSetupConfig * config);
void vp_setup_config_free (VpSetupConfig * config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VpSetupConfig, vp_setup_config_free)

/**
 * vp_protocol_function_declaration:
 * @name: function name
 * @description: (nullable): what it does, for the model
 * @json_schema: (nullable): the parameters as JSON Schema (lowercase types)
 * @as_json_schema: TRUE to send @json_schema unchanged as
 *   `parametersJsonSchema`; FALSE to convert it to the OpenAPI subset and
 *   send it as `parameters` (types upper-cased: "object" → "OBJECT";
 *   keywords the subset lacks are dropped)
 * @behavior: (nullable): "NON_BLOCKING" or "BLOCKING"; NULL leaves it out
 *
 * Returns: (transfer full): a FunctionDeclaration object node.
 */
JsonNode *vp_protocol_function_declaration (const gchar * name,
    const gchar * description, JsonNode * json_schema,
    gboolean as_json_schema, const gchar * behavior);

/* Client → server messages.  Each returns newly allocated compact JSON,
 * byte-compatible in content with what the official SDK sends
 * (../shared/live-api/golden/). */
gchar *vp_protocol_build_setup (const VpSetupConfig * config);
gchar *vp_protocol_build_realtime_audio (const guint8 * pcm, gsize n_bytes,
    guint rate);
gchar *vp_protocol_build_realtime_video (const guint8 * data, gsize n_bytes,
    const gchar * mime_type);
/* Deprecated mediaChunks form, still sent by some clients (LiveKit). */
gchar *vp_protocol_build_realtime_media_chunk (const guint8 * data,
    gsize n_bytes, const gchar * mime_type);
gchar *vp_protocol_build_realtime_text (const gchar * text);
gchar *vp_protocol_build_activity_start (void);
gchar *vp_protocol_build_activity_end (void);
gchar *vp_protocol_build_audio_stream_end (void);
/* @turns: (nullable): array of Content objects ({role, parts}). */
gchar *vp_protocol_build_client_content (JsonArray * turns,
    gboolean turn_complete);
/* One text turn: {"turns":[{"parts":[{"text":…}],"role":role}], …} */
gchar *vp_protocol_build_client_content_text (const gchar * role,
    const gchar * text, gboolean turn_complete);
gchar *vp_protocol_build_context_update (const gchar * system_instruction,
    const gchar * role);

typedef struct {
  gchar *id;
  gchar *name;
  JsonNode *response;           /* an object: {"output": …} or {"error": …} */
  gchar *scheduling;            /* NULL, "SILENT", "WHEN_IDLE", "INTERRUPT" */
  VpTristate will_continue;
} VpFunctionResponse;

void vp_function_response_free (VpFunctionResponse * response);

gchar *vp_protocol_build_tool_response (const VpFunctionResponse * responses,
    guint n_responses);

/* Server → client, parsed. */

typedef struct {
  gint64 prompt_tokens;
  gint64 response_tokens;
  gint64 total_tokens;
  gint64 thoughts_tokens;
  gint64 tool_use_prompt_tokens;
  gint64 cached_tokens;
  /* promptTokensDetails by modality */
  gint64 prompt_text_tokens;
  gint64 prompt_audio_tokens;
  gint64 prompt_image_tokens;
  gint64 prompt_video_tokens;
  /* responseTokensDetails by modality */
  gint64 response_text_tokens;
  gint64 response_audio_tokens;
} VpUsageMetadata;

typedef struct {
  gchar *id;
  gchar *name;
  gchar *args_json;             /* compact JSON object; "{}" when absent */
} VpFunctionCall;

void vp_function_call_free (VpFunctionCall * call);

/**
 * VpServerMessage:
 *
 * One server frame.  A frame may carry several things at once (3.1 packs
 * audio and transcription; usageMetadata rides with turnComplete), so
 * every field is independent.  Proto3 JSON leaves false/zero out; they
 * read as FALSE/0 here.  Unknown fields are ignored.
 */
typedef struct {
  gboolean setup_complete;
  gchar *session_id;            /* setupComplete.sessionId, if any */

  gboolean has_server_content;
  GPtrArray *audio;             /* GBytes of decoded PCM, one per inlineData audio part, in order; never NULL */
  guint audio_rate;             /* from mimeType "audio/pcm;rate=N"; 24000 if absent */
  gchar *text;                  /* text parts (not thoughts) joined; NULL if none */
  gchar *thought_text;          /* parts with thought: true, joined */
  gchar *input_transcription;
  gboolean input_transcription_finished;
  gchar *output_transcription;
  gboolean output_transcription_finished;
  gboolean generation_complete;
  gboolean turn_complete;
  gboolean interrupted;
  gboolean waiting_for_input;
  gchar *turn_complete_reason;
  gchar *grounding_metadata_json;

  GPtrArray *function_calls;    /* VpFunctionCall; NULL when no toolCall */
  gchar **cancelled_ids;        /* toolCallCancellation.ids; NULL when absent */

  gboolean go_away;
  gint64 go_away_time_left_ms;  /* -1 when not given */

  gboolean has_resumption_update;
  gchar *new_handle;            /* NULL: keep the previous handle */
  gboolean resumable;
  gint64 last_consumed_client_message_index;    /* -1 when absent */

  gboolean has_usage;
  VpUsageMetadata usage;

  gchar *voice_activity;        /* "ACTIVITY_START" / "ACTIVITY_END" / VAD signal type */

  /* An in-band error object ({"error":{code,message,status}} or flat). */
  gboolean has_error;
  gint error_code;
  gchar *error_message;
} VpServerMessage;

VpServerMessage *vp_server_message_parse (const gchar * data, gsize length,
    GError ** error);
void vp_server_message_free (VpServerMessage * message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VpServerMessage, vp_server_message_free)

/* Parses "audio/pcm;rate=16000" → 16000; @fallback when no rate. */
guint vp_protocol_pcm_rate_from_mime (const gchar * mime_type, guint fallback);
/* Parses a proto3 Duration ("50s", "1.5s") → milliseconds, -1 on error. */
gint64 vp_protocol_parse_duration_ms (const gchar * duration);

/* Server side: what a client sent (the emulator uses these). */

typedef enum {
  VP_CLIENT_MESSAGE_SETUP,
  VP_CLIENT_MESSAGE_REALTIME_INPUT,
  VP_CLIENT_MESSAGE_CLIENT_CONTENT,
  VP_CLIENT_MESSAGE_TOOL_RESPONSE,
  VP_CLIENT_MESSAGE_CONTEXT_UPDATE,
} VpClientMessageType;

typedef struct {
  VpClientMessageType type;

  VpSetupConfig *setup;         /* SETUP; model as sent ("models/…"); tools as on the wire with
                                 * field names in camelCase and enums upper-cased (schemas untouched) */

  /* REALTIME_INPUT (several may be set; mediaChunks map to audio/video) */
  GBytes *audio;                /* decoded PCM */
  guint audio_rate;             /* from the mime type; 16000 for plain audio/pcm */
  GBytes *video;
  gchar *video_mime_type;
  gchar *text;                  /* realtimeInput.text, or the user text of clientContent turns joined */
  gboolean activity_start;
  gboolean activity_end;
  gboolean audio_stream_end;

  /* CLIENT_CONTENT */
  gchar *turns_json;            /* the turns array, compact JSON; NULL when absent */
  gboolean turn_complete;

  /* TOOL_RESPONSE */
  GPtrArray *function_responses;        /* VpFunctionResponse */

  /* CONTEXT_UPDATE */
  gchar *system_instruction;
} VpClientMessage;

VpClientMessage *vp_client_message_parse (const gchar * data, gsize length,
    GError ** error);
void vp_client_message_free (VpClientMessage * message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VpClientMessage, vp_client_message_free)

/* Server → client messages, as the service writes them: proto3 JSON,
 * camelCase, defaults left out, int64 as strings, durations as "Ns". */
gchar *vp_server_build_setup_complete (void);
/* One serverContent frame with an audio part and, optionally, the output
 * transcription that goes with it (3.1 packing). */
gchar *vp_server_build_audio (const guint8 * pcm, gsize n_bytes, guint rate,
    const gchar * output_transcription);
gchar *vp_server_build_text (const gchar * text);
gchar *vp_server_build_input_transcription (const gchar * text,
    gboolean finished);
gchar *vp_server_build_output_transcription (const gchar * text,
    gboolean finished);
gchar *vp_server_build_generation_complete (void);
/* @usage: (nullable): cumulative usage, sent alongside. */
gchar *vp_server_build_turn_complete (const VpUsageMetadata * usage);
gchar *vp_server_build_interrupted (void);
gchar *vp_server_build_tool_call (const VpFunctionCall * calls,
    guint n_calls);
gchar *vp_server_build_tool_call_cancellation (const gchar * const *ids);
gchar *vp_server_build_go_away (gint64 time_left_ms);
/* @handle: (nullable); resumable FALSE and NULL handle give {} as on the wire. */
gchar *vp_server_build_resumption_update (const gchar * handle,
    gboolean resumable);

G_END_DECLS
