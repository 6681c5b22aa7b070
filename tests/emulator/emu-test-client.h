/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* What every emulator test uses: a raw libsoup WebSocket client (not the
 * Voxpipe session client) on the test's main context, predicates on the
 * frames it received, and an emulator and clients set up the common way.
 * Every wait has a time bound, so a missing message fails the test
 * instead of hanging it. */

#pragma once

#include <voxpipe.h>
#include <voxpipe-emulator.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define MODEL_31 "models/gemini-3.1-flash-live-preview"
#define MODEL_25 "models/gemini-2.5-flash-native-audio-preview-12-2025"
#define LIVE_PATH \
  "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
#define STEP_MS 10000           /* the longest any expected event may take */

#define BAD_KEY_REASON "API key not valid. Please pass a valid API key."
#define DEADLINE_REASON "Deadline expired before operation could complete."

typedef struct
{
  gint type;                    /* SOUP_WEBSOCKET_DATA_TEXT / _BINARY */
  GBytes *data;
  VpServerMessage *msg;         /* NULL when the frame is not a server message */
} Frame;

typedef struct
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  gboolean connect_done;
  GError *connect_error;
  GPtrArray *frames;            /* Frame */
  guint next;                   /* first frame not yet consumed by a wait */
  gboolean closed;
  gushort close_code;
  gchar *close_reason;
} Client;

typedef gboolean (*FramePredicate) (Frame * f);

/* The main context */
gboolean wait_flag (gboolean * flag, guint timeout_ms);
void pump (guint ms);

/* The client */
Client *client_open_full (const gchar * url, const gchar * header,
    const gchar * value);
Client *client_open (VpEmulator * emu, const gchar * path_and_query);
void client_send (Client * c, const gchar * json);
void client_send_take (Client * c, gchar * json);
void client_free (Client * c);
gint client_wait (Client * c, FramePredicate pred, guint timeout_ms);
Frame *frame_at (Client * c, gint index);
gboolean client_wait_closed (Client * c, guint timeout_ms);

/* Predicates */
gboolean is_setup_complete (Frame * f);
gboolean has_audio (Frame * f);
gboolean is_turn_complete (Frame * f);
gboolean is_generation_complete (Frame * f);
gboolean is_tool_call (Frame * f);
gboolean is_interrupted (Frame * f);
gboolean is_cancellation (Frame * f);
gboolean is_go_away (Frame * f);
gboolean is_resumable_update (Frame * f);
gboolean is_input_transcription (Frame * f);
gboolean is_any (Frame * f);

/* What the model said between two frames */
gchar *output_text (Client * c, guint from, guint to);
GByteArray *output_audio (Client * c, guint from, guint to);
gdouble rms (const guint8 * data, gsize n_bytes);

/* Set up the common way.  Properties as for g_object_set(), NULL-ended
 * (emulator_start (NULL) for none). */
VpEmulator *emulator_start (const gchar * first_property, ...);
void emulator_free (VpEmulator * emu);
gchar *setup_json (const gchar * model, const gchar * extra);
Client *client_ready (VpEmulator * emu, const gchar * model,
    const gchar * extra);
void send_text (Client * c, const gchar * text);
GBytes *speech (const gchar * text, guint rate);
gsize send_audio (Client * c, GBytes * pcm, guint silence_ms);
void assert_closed_with (Client * c, gushort code, const gchar * reason);
JsonNode *parse_record (VpEmulator * emu);
JsonObject *record_connection (JsonNode * root, guint index);

G_END_DECLS
