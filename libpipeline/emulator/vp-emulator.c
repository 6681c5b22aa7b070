/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:vp-emulator
 * @title: VpEmulator
 * @short_description: a local Gemini Live service
 *
 * #VpEmulator speaks the Live API wire protocol (PROTOCOL.md §9) on
 * loopback, so demos and tests run offline with no API key.  A scenario
 * (docs/emulator.md) decides what the emulated model says and which tools
 * it calls; speech is real audio from espeak-ng.
 *
 * Threads: the emulator owns one thread with its own #GMainContext (pushed
 * as thread-default) on which the #SoupServer and every connection live.
 * The public functions may be called from any thread: properties and the
 * record are guarded by one mutex, and vp_emulator_stop() closes every
 * connection, joins the thread and iterates the context dry.  Never call
 * vp_emulator_stop() from the emulator's own thread (nothing of the
 * emulator calls back into the application, so this does not happen by
 * accident).
 */

#include "config.h"

#include "vp-emulator.h"
#include "vp-emulator-scenario.h"
#include "vp-emulator-vad.h"
#include "vp-protocol.h"
#include "vp-speech.h"

#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT 0
#define DEFAULT_TIME_SCALE 1.0
#define DEFAULT_CONNECTION_LIFETIME 600
#define DEFAULT_GO_AWAY_NOTICE 60
#define DEFAULT_SESSION_LIMIT 900
#define DEFAULT_HANDLE_LIFETIME 7200
#define DEFAULT_LATENCY_MS 300
#define DEFAULT_SPEECH_RATE 4.0
#define DEFAULT_CHUNK_MS 120
#define DEFAULT_WAIT_FOR_PLAYBACK TRUE
#define DEFAULT_RECORD_LIMIT (64 * 1024 * 1024)

/* A session that sent video is capped at this (PROTOCOL.md §5). */
#define VIDEO_SESSION_LIMIT 120

#define OUTPUT_RATE 24000
#define MAX_INCOMING_PAYLOAD (16 * 1024 * 1024)
#define DEFAULT_OVERSIZED (32 * 1024 * 1024)
#define MAX_CLOSE_REASON 123

/* usageMetadata rates (DESIGN.md §6) */
#define AUDIO_IN_TOKENS_PER_S 32.0
#define AUDIO_OUT_TOKENS_PER_S 25.0
#define VIDEO_FRAME_TOKENS 258
#define VIDEO_FRAME_TOKENS_LOW 66

/* How long vp_emulator_stop() waits for clients to answer close frames. */
#define STOP_GRACE_MS 200

#define REASON_BAD_KEY "API key not valid. Please pass a valid API key."
#define REASON_SESSION_NOT_FOUND "BidiGenerateContent session not found"
#define REASON_DEADLINE "Deadline expired before operation could complete."
#define REASON_SESSION_LIMIT "Session time limit reached. Enable " \
  "contextWindowCompression for longer sessions."
#define REASON_SESSION_IN_USE "Internal error occurred. The session is " \
  "still open on another connection; close it before resuming."
#define REASON_NOT_FIRST "Request contains an invalid argument. The first " \
  "message must be setup."
#define REASON_SECOND_SETUP "Request contains an invalid argument. setup " \
  "may be sent only once per connection."
#define REASON_SHUTDOWN "The emulator is shutting down."

static const gchar *const default_models[] = {
  "gemini-3.1-flash-live-preview",
  "gemini-2.5-flash-native-audio-preview-12-2025",
  "gemini-2.5-flash-native-audio-preview-09-2025",
  "gemini-2.5-flash-native-audio-latest",
  "gemini-live-2.5-flash-preview",
  "gemini-2.0-flash-live-001",
  NULL
};

/* ------------------------------------------------------------------------ */
/* An input stream that can be frozen.  libsoup reads the WebSocket through
 * it; the stall fault removes the socket's source from it, so libsoup
 * stops reading (and so stops answering pings) while the socket stays
 * open. */

/* Declared by hand rather than with G_DECLARE_FINAL_TYPE so that the type
 * stays private to this file (no exported symbol, nothing for the GIR). */
typedef struct _VpEmuGateStream VpEmuGateStream;
typedef struct
{
  GInputStreamClass parent_class;
} VpEmuGateStreamClass;

static GType vp_emu_gate_stream_get_type (void);
#define VP_TYPE_EMU_GATE_STREAM (vp_emu_gate_stream_get_type ())
#define VP_EMU_GATE_STREAM(obj) (G_TYPE_CHECK_INSTANCE_CAST ((obj), \
      VP_TYPE_EMU_GATE_STREAM, VpEmuGateStream))

struct _VpEmuGateStream
{
  GInputStream parent;

  GInputStream *base;
  GIOStream *base_io;
  gboolean stalled;
  /* The socket sources behind the sources handed out; destroying them
   * freezes the parents.  (Only children are kept: the parents hold a
   * reference on this stream.) */
  GPtrArray *children;
};

static void vp_emu_gate_stream_pollable_init (GPollableInputStreamInterface *
    iface);

G_DEFINE_TYPE_WITH_CODE (VpEmuGateStream, vp_emu_gate_stream,
    G_TYPE_INPUT_STREAM,
    G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
        vp_emu_gate_stream_pollable_init));

static gssize
gate_read (GInputStream * stream, void *buffer, gsize count,
    GCancellable * cancellable, GError ** error)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (stream);

  if (self->stalled) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
        "The emulator stalled this connection.");
    return -1;
  }
  return g_input_stream_read (self->base, buffer, count, cancellable, error);
}

static gboolean
gate_close (GInputStream * stream, GCancellable * cancellable, GError ** error)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (stream);

  return g_io_stream_close (self->base_io, cancellable, error);
}

/* Closing is quick and local; do it at once rather than in a worker
 * thread (the default), so the socket is only touched from our thread. */
static void
gate_close_async (GInputStream * stream, int io_priority,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);
  GError *error = NULL;

  if (gate_close (stream, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static gboolean
gate_close_finish (GInputStream * stream, GAsyncResult * result,
    GError ** error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
gate_can_poll (GPollableInputStream * stream)
{
  return TRUE;
}

static gboolean
gate_is_readable (GPollableInputStream * stream)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (stream);

  return !self->stalled
      && g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM
      (self->base));
}

static GSource *
gate_create_source (GPollableInputStream * stream, GCancellable * cancellable)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (stream);
  GSource *child, *source;
  guint i;

  if (self->stalled)
    return g_pollable_source_new_full (stream, NULL, cancellable);

  /* Forget the children of sources libsoup is done with. */
  for (i = self->children->len; i > 0; i--)
    if (g_source_is_destroyed (g_ptr_array_index (self->children, i - 1)))
      g_ptr_array_remove_index_fast (self->children, i - 1);

  child = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM
      (self->base), NULL);
  source = g_pollable_source_new_full (stream, child, cancellable);
  g_ptr_array_add (self->children, child);

  return source;
}

static gssize
gate_read_nonblocking (GPollableInputStream * stream, void *buffer,
    gsize count, GError ** error)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (stream);

  if (self->stalled) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
        "The emulator stalled this connection.");
    return -1;
  }
  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM
      (self->base), buffer, count, NULL, error);
}

static void
vp_emu_gate_stream_pollable_init (GPollableInputStreamInterface * iface)
{
  iface->can_poll = gate_can_poll;
  iface->is_readable = gate_is_readable;
  iface->create_source = gate_create_source;
  iface->read_nonblocking = gate_read_nonblocking;
}

static void
vp_emu_gate_stream_finalize (GObject * object)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (object);

  g_ptr_array_unref (self->children);
  g_object_unref (self->base_io);

  G_OBJECT_CLASS (vp_emu_gate_stream_parent_class)->finalize (object);
}

static void
vp_emu_gate_stream_class_init (VpEmuGateStreamClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  gobject_class->finalize = vp_emu_gate_stream_finalize;
  stream_class->read_fn = gate_read;
  stream_class->close_fn = gate_close;
  stream_class->close_async = gate_close_async;
  stream_class->close_finish = gate_close_finish;
}

static void
vp_emu_gate_stream_init (VpEmuGateStream * self)
{
  self->children = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_source_unref);
}

static VpEmuGateStream *
gate_stream_new (GIOStream * base_io)
{
  VpEmuGateStream *self = g_object_new (VP_TYPE_EMU_GATE_STREAM, NULL);

  self->base_io = g_object_ref (base_io);
  self->base = g_io_stream_get_input_stream (base_io);

  return self;
}

static void
gate_stream_stall (VpEmuGateStream * self)
{
  guint i;

  self->stalled = TRUE;
  for (i = 0; i < self->children->len; i++)
    g_source_destroy (g_ptr_array_index (self->children, i));
}

/* ------------------------------------------------------------------------ */
/* Sessions (what a resumption handle names) */

typedef struct _Conn Conn;

typedef struct
{
  gchar *id;                    /* "s-N" */
  guint cursor;                 /* next scenario turn, in order */
  guint n_handles;
  gint64 start_us;
  gint64 ended_us;              /* when its last connection closed; 0 while open */
  gboolean video;
  gboolean terminated;          /* hit the session limit */
  Conn *active;

  /* cumulative usage inputs */
  gdouble audio_in_s;
  gdouble audio_out_s;
  gint64 text_in_tokens;
  gint64 text_out_tokens;
  gint64 video_tokens;

  JsonObject *results;          /* tool name → latest response object */
} Session;

static void
session_free (Session * s)
{
  g_free (s->id);
  json_object_unref (s->results);
  g_free (s);
}

/* ------------------------------------------------------------------------ */
/* Connections */

typedef enum
{
  GEN_IDLE,
  GEN_THINKING,
  GEN_SPEAKING,
  GEN_TOOL_WAIT,
  GEN_PLAYOUT,
} GenState;

typedef enum
{
  STEP_SAY,
  STEP_CALLS,
  STEP_THEN,
  STEP_FINISH,
} GenStep;

typedef struct
{
  GenState state;
  GenStep step;
  VpEmuScenarioTurn *turn;      /* borrowed from the connection's scenario */
  gchar *input;                 /* the user's text or the turn's transcript */
  GSource *source;

  /* the speech being sent */
  GBytes *pcm;
  gsize offset;
  gchar **words;
  guint n_words;
  guint words_done;
  gint64 speech_start_us;
  guint chunks_sent;
  gint64 playback_end_us;

  GPtrArray *pending_ids;       /* gchar* */
  GPtrArray *pending_names;     /* gchar* */
} Gen;

struct _Conn
{
  VpEmulator *emu;
  guint id;

  SoupWebsocketConnection *ws;
  VpEmuGateStream *gate;
  GSocket *socket;
  gchar *path;
  gchar *api_version;
  gboolean auth_ok;
  JsonObject *record;           /* also in the emulator's record array */

  /* settings, copied when the connection opens */
  gdouble time_scale;
  guint connection_lifetime;
  guint go_away_notice;
  guint session_limit;
  guint handle_lifetime;
  guint latency_ms;
  gdouble speech_rate;
  guint chunk_ms;
  gboolean wait_for_playback;
  gchar **models;
  VpEmuScenario *scenario;

  /* from setup */
  gboolean setup_done;
  VpSetupConfig *setup;
  gboolean packed;              /* 3.1: audio and transcription in one frame */
  gboolean text_mode;
  gboolean resumption;
  gboolean vad_disabled;
  gboolean no_interruption;
  gboolean history_phase;
  Session *session;
  VpEmulatorVad *vad;

  /* user side */
  gboolean manual_activity;     /* between activityStart and activityEnd */
  gboolean queued;              /* a user turn waits for the model's turn to end */
  gchar *queued_text;
  gboolean queued_audio;

  Gen gen;
  guint next_call;

  /* wire state */
  guint n_sent;
  gboolean closing;
  gboolean closed;
  gboolean stalled;
  gboolean silent;              /* no-setup-complete: send nothing */
  gboolean dropped;
  gboolean next_text_frame;
  gint close_code_sent;         /* -1: the server did not close */

  GSource *go_away_source;
  GSource *lifetime_source;
  GSource *session_source;
  GSource *fault_source;
  GSource *free_source;
};

typedef struct
{
  VpEmulatorFault kind;
  guint after;
  gushort code;
  gchar *reason;
  gint64 argument;
} Fault;

enum
{
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_API_KEY,
  PROP_SCENARIO_FILE,
  PROP_SCENARIO,
  PROP_TIME_SCALE,
  PROP_CONNECTION_LIFETIME,
  PROP_GO_AWAY_NOTICE,
  PROP_SESSION_LIMIT,
  PROP_HANDLE_LIFETIME,
  PROP_LATENCY_MS,
  PROP_SPEECH_RATE,
  PROP_CHUNK_MS,
  PROP_MODELS,
  PROP_WAIT_FOR_PLAYBACK,
  PROP_RECORD_LIMIT,
  PROP_TLS_CERTIFICATE,
  PROP_URL,
  N_PROPERTIES
};

static GParamSpec *properties[N_PROPERTIES];

struct _VpEmulator
{
  GObject parent;

  GMutex lock;

  /* properties, under lock */
  gchar *host;
  guint port;
  gchar *api_key;
  gchar *scenario_file;
  gchar *scenario_json;
  gdouble time_scale;
  guint connection_lifetime;
  guint go_away_notice;
  guint session_limit;
  guint handle_lifetime;
  guint latency_ms;
  gdouble speech_rate;
  guint chunk_ms;
  gchar **models;
  gboolean wait_for_playback;
  guint64 record_limit;
  GTlsCertificate *tls_certificate;     /* set: serve wss:// */

  /* under lock */
  gboolean running;
  guint bound_port;
  gchar *bound_host;
  VpEmuScenario *scenario;
  Fault fault;
  JsonArray *record;
  guint64 record_bytes;
  guint n_connections;

  /* start/stop */
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GCond cond;
  gboolean thread_ready;
  GError *start_error;
  GThread *prewarm_thread;
  gint prewarm_stop;

  /* set only while stopped: read without the lock on the thread */
  VpEmulatorTraceFunc trace_func;
  gpointer trace_data;

  /* the emulator thread's own */
  SoupServer *server;
  GSocketService *service;
  GHashTable *sockets;          /* remote address → GSocket, until upgraded */
  GList *conns;
  GHashTable *sessions;         /* id → Session */
  GHashTable *handles;          /* handle → Session (borrowed) */
  guint next_conn_id;
  guint next_session_id;
  GSource *stop_source;
  GSource *stop_poll_source;
};

G_DEFINE_TYPE (VpEmulator, vp_emulator, G_TYPE_OBJECT);

static void conn_send (Conn * c, gchar * json);
static void conn_close (Conn * c, gushort code, const gchar * reason);
static void conn_drop (Conn * c);
static void gen_advance (Conn * c);
static void gen_reset (Conn * c);
static void start_generation (Conn * c, const gchar * text, gboolean audio);

/* ------------------------------------------------------------------------ */
/* Helpers */

/* Every log line names the connection; the key is never logged. */
#define conn_log(c, format, ...) \
  g_debug ("emulator: conn %u: " format, (c)->id, ##__VA_ARGS__)

static void
clear_source (GSource ** source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

static GSource *
conn_timeout (Conn * c, gint64 ms, GSourceFunc func)
{
  GSource *source;

  ms = CLAMP (ms, 0, G_MAXUINT);
  source = g_timeout_source_new ((guint) ms);
  g_source_set_callback (source, func, c, NULL);
  g_source_attach (source, c->emu->context);

  return source;
}

/* @seconds of service time in real milliseconds. */
static gint64
scaled_ms (Conn * c, gdouble seconds)
{
  return (gint64) llround (seconds * 1000.0 / c->time_scale);
}

static gboolean
ws_open (Conn * c)
{
  return soup_websocket_connection_get_state (c->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN;
}

static gint64
text_tokens (const gchar * text)
{
  if (text == NULL)
    return 0;
  return (g_utf8_strlen (text, -1) + 3) / 4;
}

/* Close reasons are at most 123 bytes on the wire (RFC 6455), cut on a
 * character boundary. */
static gchar *
truncate_reason (const gchar * reason)
{
  gsize len;
  const gchar *end;

  if (reason == NULL)
    return g_strdup ("");
  len = strlen (reason);
  if (len <= MAX_CLOSE_REASON)
    return g_strdup (reason);

  end = reason + MAX_CLOSE_REASON;
  if (!g_utf8_validate (reason, MAX_CLOSE_REASON, NULL)) {
    const gchar *valid_end;

    g_utf8_validate (reason, MAX_CLOSE_REASON, &valid_end);
    end = valid_end;
  }
  return g_strndup (reason, end - reason);
}

static gchar *
strip_models_prefix (const gchar * model)
{
  if (model == NULL)
    return g_strdup ("");
  if (g_str_has_prefix (model, "models/"))
    return g_strdup (model + strlen ("models/"));
  return g_strdup (model);
}

static gboolean
model_is_31 (const gchar * id)
{
  return g_str_has_prefix (id, "gemini-3");
}

/* ------------------------------------------------------------------------ */
/* The record */

static void
record_add_int (Conn * c, const gchar * key, gint64 delta)
{
  g_mutex_lock (&c->emu->lock);
  json_object_set_int_member (c->record, key,
      json_object_get_int_member_with_default (c->record, key, 0) + delta);
  g_mutex_unlock (&c->emu->lock);
}

/* Keeps the client's message as it arrived: as JSON when it parses, else
 * as a string.  Past the record limit only the size is kept. */
static void
record_message (Conn * c, const gchar * data, gsize length)
{
  VpEmulator *emu = c->emu;
  JsonNode *node = NULL;
  gboolean keep;

  g_mutex_lock (&emu->lock);
  keep = emu->record_bytes + length <= emu->record_limit;
  if (keep)
    emu->record_bytes += length;
  g_mutex_unlock (&emu->lock);

  if (keep) {
    JsonParser *parser = json_parser_new_immutable ();

    if (length <= VP_PROTOCOL_MAX_MESSAGE_SIZE
        && json_parser_load_from_data (parser, data, length, NULL)
        && json_parser_get_root (parser) != NULL)
      node = json_node_copy (json_parser_get_root (parser));
    g_object_unref (parser);

    if (node == NULL) {
      gchar *text = g_utf8_make_valid (data, MIN (length, 4096));

      node = json_node_init_string (json_node_alloc (), text);
      g_free (text);
    }
  } else {
    JsonObject *elided = json_object_new ();

    json_object_set_int_member (elided, "elidedBytes", length);
    node = json_node_init_object (json_node_alloc (), elided);
    json_object_unref (elided);
  }

  g_mutex_lock (&emu->lock);
  json_array_add_element (json_object_get_array_member (c->record,
          "messages"), node);
  g_mutex_unlock (&emu->lock);
}

/* ------------------------------------------------------------------------ */
/* Usage */

static void
session_usage (Session * s, VpUsageMetadata * u)
{
  memset (u, 0, sizeof (*u));
  u->prompt_audio_tokens = llround (s->audio_in_s * AUDIO_IN_TOKENS_PER_S);
  u->prompt_text_tokens = s->text_in_tokens;
  u->prompt_video_tokens = s->video_tokens;
  u->response_audio_tokens = llround (s->audio_out_s * AUDIO_OUT_TOKENS_PER_S);
  u->response_text_tokens = s->text_out_tokens;
  u->prompt_tokens = u->prompt_audio_tokens + u->prompt_text_tokens +
      u->prompt_video_tokens;
  u->response_tokens = u->response_audio_tokens + u->response_text_tokens;
  u->total_tokens = u->prompt_tokens + u->response_tokens;
}

/* ------------------------------------------------------------------------ */
/* Faults */

static gboolean
fault_go_away_expired (gpointer data)
{
  Conn *c = data;

  clear_source (&c->fault_source);
  conn_log (c, "fault: goAway time is up");
  conn_close (c, 1011, REASON_DEADLINE);

  return G_SOURCE_REMOVE;
}

static void
send_oversized (Conn * c, gint64 size)
{
  static const gchar head[] =
      "{\"serverContent\":{\"modelTurn\":{\"parts\":[{\"text\":\"";
  static const gchar tail[] = "\"}]}}}";
  gsize n, fill;
  gchar *frame;

  n = size > 0 ? (gsize) size : DEFAULT_OVERSIZED;
  n = MAX (n, sizeof (head) + sizeof (tail));
  frame = g_malloc (n);
  fill = n - (sizeof (head) - 1) - (sizeof (tail) - 1);
  memcpy (frame, head, sizeof (head) - 1);
  memset (frame + sizeof (head) - 1, 'x', fill);
  memcpy (frame + sizeof (head) - 1 + fill, tail, sizeof (tail) - 1);

  conn_log (c, "fault: sending an oversized frame of %" G_GSIZE_FORMAT
      " bytes", n);
  soup_websocket_connection_send_binary (c->ws, frame, n);
  g_free (frame);
}

static void
fire_fault (Conn * c, Fault * f)
{
  static const gchar malformed[] = "\xff\xfe this is not JSON {\"serverCont";

  if (!ws_open (c))
    return;

  switch (f->kind) {
    case VP_EMULATOR_FAULT_CLOSE:
      conn_log (c, "fault: close %u", f->code);
      conn_close (c, f->code, f->reason ? f->reason : "");
      break;
    case VP_EMULATOR_FAULT_DROP:
      conn_log (c, "fault: dropping the TCP connection");
      conn_drop (c);
      break;
    case VP_EMULATOR_FAULT_STALL:
      conn_log (c, "fault: stalling");
      c->stalled = TRUE;
      gen_reset (c);
      clear_source (&c->go_away_source);
      clear_source (&c->lifetime_source);
      clear_source (&c->session_source);
      clear_source (&c->fault_source);
      gate_stream_stall (c->gate);
      /* The session is lost with this connection: a client that gives up
       * on it may resume on a new one. */
      if (c->session != NULL && c->session->active == c) {
        c->session->active = NULL;
        c->session->ended_us = g_get_monotonic_time ();
      }
      c->session = NULL;
      break;
    case VP_EMULATOR_FAULT_MALFORMED:
      conn_log (c, "fault: sending a frame that is not JSON");
      soup_websocket_connection_send_binary (c->ws, malformed,
          sizeof (malformed) - 1);
      break;
    case VP_EMULATOR_FAULT_OVERSIZED:
      send_oversized (c, f->argument);
      break;
    case VP_EMULATOR_FAULT_TEXT_FRAME:
      conn_log (c, "fault: the next message goes as a text frame");
      c->next_text_frame = TRUE;
      break;
    case VP_EMULATOR_FAULT_GO_AWAY:{
      gint64 ms = MAX (f->argument, 0);

      conn_log (c, "fault: goAway with %" G_GINT64_FORMAT " ms left", ms);
      clear_source (&c->fault_source);
      c->fault_source = conn_timeout (c, ms, fault_go_away_expired);
      conn_send (c, vp_server_build_go_away (ms));
      break;
    }
    case VP_EMULATOR_FAULT_NO_SETUP_COMPLETE:
    case VP_EMULATOR_FAULT_NONE:
    default:
      break;
  }
}

/* Takes the armed fault if @c reached its trigger point. */
static gboolean
take_fault (Conn * c, gboolean at_setup, Fault * out)
{
  VpEmulator *emu = c->emu;
  gboolean take;

  g_mutex_lock (&emu->lock);
  take = emu->fault.kind != VP_EMULATOR_FAULT_NONE
      && c->n_sent >= emu->fault.after
      && (emu->fault.kind == VP_EMULATOR_FAULT_NO_SETUP_COMPLETE) == at_setup;
  if (take) {
    *out = emu->fault;
    memset (&emu->fault, 0, sizeof (emu->fault));
  }
  g_mutex_unlock (&emu->lock);

  return take;
}

static void
check_fault (Conn * c)
{
  Fault f;

  if (c->closing || c->stalled)
    return;
  if (take_fault (c, FALSE, &f)) {
    fire_fault (c, &f);
    g_free (f.reason);
  }
}

/* ------------------------------------------------------------------------ */
/* Sending and closing */

static const gchar *
describe_json (const gchar * json)
{
  /* The first key names the message; enough for the log. */
  if (g_str_has_prefix (json, "{\"serverContent\":{\"modelTurn\""))
    return "audio";
  return json;
}

static void
conn_send (Conn * c, gchar * json)
{
  gint64 now_us = 0;
  gsize len;

  if (json == NULL)
    return;
  if (c->closing || c->stalled || c->silent || !ws_open (c)) {
    g_free (json);
    return;
  }

  len = strlen (json);
  /* Timed before the write; reported after it, so the trace does not
   * delay the message it measures. */
  if (G_UNLIKELY (c->emu->trace_func != NULL))
    now_us = g_get_monotonic_time ();
  if (c->next_text_frame) {
    c->next_text_frame = FALSE;
    soup_websocket_connection_send_text (c->ws, json);
  } else {
    soup_websocket_connection_send_binary (c->ws, json, len);
  }
  if (G_UNLIKELY (c->emu->trace_func != NULL))
    c->emu->trace_func (c->id, TRUE, json, len, now_us, c->emu->trace_data);
  c->n_sent++;

  if (len > 200)
    conn_log (c, "sent #%u %s (%" G_GSIZE_FORMAT " bytes)", c->n_sent,
        describe_json (json), len);
  else
    conn_log (c, "sent #%u %s", c->n_sent, json);
  g_free (json);

  check_fault (c);
}

static void
conn_stop_timers (Conn * c)
{
  clear_source (&c->go_away_source);
  clear_source (&c->lifetime_source);
  clear_source (&c->session_source);
  clear_source (&c->fault_source);
}

static void
conn_close (Conn * c, gushort code, const gchar * reason)
{
  gchar *reason_cut;

  if (c->closing)
    return;

  c->closing = TRUE;
  c->close_code_sent = code;
  reason_cut = truncate_reason (reason);
  conn_log (c, "closing %u \"%s\"", code, reason_cut);

  g_mutex_lock (&c->emu->lock);
  json_object_set_int_member (c->record, "closeCode", code);
  json_object_set_string_member (c->record, "closeReason", reason_cut);
  json_object_set_string_member (c->record, "closedBy", "server");
  g_mutex_unlock (&c->emu->lock);

  gen_reset (c);
  conn_stop_timers (c);

  if (ws_open (c))
    soup_websocket_connection_close (c->ws, code, reason_cut);
  g_free (reason_cut);
}

/* Ends the TCP connection without a close frame. */
static void
conn_drop (Conn * c)
{
  if (c->closed)
    return;

  c->closing = TRUE;
  c->dropped = TRUE;
  gen_reset (c);
  conn_stop_timers (c);

  g_mutex_lock (&c->emu->lock);
  json_object_set_int_member (c->record, "closeCode", 1006);
  json_object_set_string_member (c->record, "closedBy", "server");
  g_mutex_unlock (&c->emu->lock);

  if (c->socket != NULL)
    g_socket_shutdown (c->socket, TRUE, TRUE, NULL);
  else
    g_io_stream_close (c->gate->base_io, NULL, NULL);
}

/* ------------------------------------------------------------------------ */
/* Sessions and handles */

static gint64
handle_expiry_us (Conn * c, Session * s)
{
  return s->ended_us + scaled_ms (c, c->handle_lifetime) * 1000;
}

static void
prune_sessions (VpEmulator * emu, Conn * c)
{
  GHashTableIter iter;
  gpointer key, value;
  gint64 now = g_get_monotonic_time ();
  GPtrArray *dead = g_ptr_array_new ();
  guint i;

  g_hash_table_iter_init (&iter, emu->sessions);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    Session *s = value;

    if (s->active == NULL && s->ended_us > 0
        && (s->terminated || now > handle_expiry_us (c, s)))
      g_ptr_array_add (dead, s);
  }

  for (i = 0; i < dead->len; i++) {
    Session *s = g_ptr_array_index (dead, i);

    g_hash_table_iter_init (&iter, emu->handles);
    while (g_hash_table_iter_next (&iter, &key, &value))
      if (value == s)
        g_hash_table_iter_remove (&iter);
    g_hash_table_remove (emu->sessions, s->id);
  }
  g_ptr_array_unref (dead);
}

static Session *
session_new (VpEmulator * emu)
{
  Session *s = g_new0 (Session, 1);

  s->id = g_strdup_printf ("s-%u", ++emu->next_session_id);
  s->start_us = g_get_monotonic_time ();
  s->results = json_object_new ();
  g_hash_table_insert (emu->sessions, s->id, s);

  return s;
}

static void
send_resumption_update (Conn * c, gboolean resumable)
{
  gchar *handle = NULL;

  if (!c->resumption || c->session == NULL)
    return;

  if (resumable) {
    Session *s = c->session;

    prune_sessions (c->emu, c);
    handle = g_strdup_printf ("h-%s-%u-%08x", s->id, ++s->n_handles,
        g_random_int ());
    g_hash_table_insert (c->emu->handles, g_strdup (handle), s);
  }

  conn_send (c, vp_server_build_resumption_update (handle, resumable));
  g_free (handle);
}

static gboolean
session_limit_reached (gpointer data)
{
  Conn *c = data;

  clear_source (&c->session_source);
  conn_log (c, "session %s reached its time limit", c->session->id);
  c->session->terminated = TRUE;
  conn_close (c, 1011, REASON_SESSION_LIMIT);

  return G_SOURCE_REMOVE;
}

static void
schedule_session_limit (Conn * c)
{
  guint limit;
  gint64 deadline_us, now = g_get_monotonic_time ();

  clear_source (&c->session_source);
  if (c->session == NULL || c->setup == NULL || c->closing || c->stalled)
    return;
  if (c->setup->context_compression || c->session_limit == 0)
    return;

  limit = c->session_limit;
  if (c->session->video)
    limit = MIN (limit, VIDEO_SESSION_LIMIT);

  deadline_us = c->session->start_us + scaled_ms (c, limit) * 1000;
  c->session_source = conn_timeout (c, MAX (0, (deadline_us - now) / 1000),
      session_limit_reached);
}

/* ------------------------------------------------------------------------ */
/* The model's turn */

static void
gen_reset (Conn * c)
{
  Gen *g = &c->gen;

  clear_source (&g->source);
  g_clear_pointer (&g->input, g_free);
  g_clear_pointer (&g->pcm, g_bytes_unref);
  g_clear_pointer (&g->words, g_strfreev);
  g_ptr_array_set_size (g->pending_ids, 0);
  g_ptr_array_set_size (g->pending_names, 0);
  g->turn = NULL;
  g->state = GEN_IDLE;
  g->step = STEP_SAY;
  g->offset = 0;
  g->n_words = 0;
  g->words_done = 0;
  g->chunks_sent = 0;
  g->playback_end_us = 0;
}

static gboolean
think_done (gpointer data)
{
  Conn *c = data;

  clear_source (&c->gen.source);
  gen_advance (c);

  return G_SOURCE_REMOVE;
}

static void
think (Conn * c)
{
  Gen *g = &c->gen;
  gint64 ms = g->turn && g->turn->latency_ms >= 0 ? g->turn->latency_ms :
      (gint64) c->latency_ms;

  g->state = GEN_THINKING;
  clear_source (&g->source);
  g->source = conn_timeout (c, ms, think_done);
}

static gsize
chunk_bytes (Conn * c)
{
  return (gsize) OUTPUT_RATE *2 * c->chunk_ms / 1000;
}

/* Sends the next chunk of the current speech.  Returns FALSE when the
 * speech is over. */
static gboolean
send_chunk (Conn * c)
{
  Gen *g = &c->gen;
  gsize total = g_bytes_get_size (g->pcm), n;
  const guint8 *pcm = g_bytes_get_data (g->pcm, NULL);
  guint words_end;
  GString *piece;
  gint64 now = g_get_monotonic_time ();
  gdouble seconds;

  if (g->offset >= total)
    return FALSE;

  n = MIN (chunk_bytes (c), total - g->offset);

  /* The words of this chunk, in proportion to its time. */
  if (g->offset + n >= total)
    words_end = g->n_words;
  else
    words_end = (guint) ((guint64) g->n_words * (g->offset + n) / total);
  piece = g_string_new (NULL);
  for (; g->words_done < words_end; g->words_done++) {
    /* Words are space-separated across chunks and across the turn's
     * speeches ("Let me check." then "We have…"), like the service's. */
    if (g->words_done > 0 || (g->step == STEP_FINISH && g->turn != NULL
            && g->turn->say != NULL))
      g_string_append_c (piece, ' ');
    g_string_append (piece, g->words[g->words_done]);
  }

  if (c->packed) {
    conn_send (c, vp_server_build_audio (pcm + g->offset, n, OUTPUT_RATE,
            c->setup->output_transcription && piece->len > 0 ? piece->str :
            NULL));
  } else {
    conn_send (c, vp_server_build_audio (pcm + g->offset, n, OUTPUT_RATE,
            NULL));
    if (c->setup->output_transcription && piece->len > 0)
      conn_send (c, vp_server_build_output_transcription (piece->str, FALSE));
  }
  g_string_free (piece, TRUE);

  /* Sending can fire a fault that ends this turn (a stall takes the
   * session away, a close or drop ends the connection). */
  if (c->stalled || c->closing || c->session == NULL)
    return FALSE;

  seconds = (gdouble) n / 2 / OUTPUT_RATE;
  c->session->audio_out_s += seconds;
  g->playback_end_us = MAX (g->playback_end_us, now) +
      (gint64) (seconds * G_USEC_PER_SEC);
  g->offset += n;
  g->chunks_sent++;

  return g->offset < total;
}

static gboolean
chunk_due (gpointer data)
{
  Conn *c = data;
  Gen *g = &c->gen;
  gdouble interval_us;
  gint64 due_us, now;

  clear_source (&g->source);

  if (!send_chunk (c) || c->closing || c->stalled) {
    if (!c->closing && !c->stalled)
      gen_advance (c);
    return G_SOURCE_REMOVE;
  }

  /* Pace from the start, so timer slack does not add up. */
  interval_us = (gdouble) c->chunk_ms * 1000.0 / c->speech_rate;
  due_us = g->speech_start_us + (gint64) (interval_us * g->chunks_sent);
  now = g_get_monotonic_time ();
  g->source = conn_timeout (c, MAX (0, (due_us - now) / 1000), chunk_due);

  return G_SOURCE_REMOVE;
}

static void
start_speech (Conn * c, const gchar * text)
{
  Gen *g = &c->gen;
  GError *error = NULL;

  if (text == NULL || *text == '\0') {
    gen_advance (c);
    return;
  }

  if (c->text_mode) {
    conn_log (c, "says (text): %s", text);
    c->session->text_out_tokens += text_tokens (text);
    conn_send (c, vp_server_build_text (text));
    if (!c->closing && !c->stalled)
      gen_advance (c);
    return;
  }

  g_clear_pointer (&g->pcm, g_bytes_unref);
  g->pcm = vp_speech_synthesize (text, c->scenario->voice, OUTPUT_RATE, &error);
  if (g->pcm == NULL) {
    /* Keep the conversation going: silence as long as the words. */
    g_warning ("emulator: cannot speak \"%s\": %s", text, error->message);
    g_clear_error (&error);
    g->pcm = g_bytes_new_take (g_malloc0 (OUTPUT_RATE * 2 / 4 *
            MAX (1, (gsize) text_tokens (text))),
        OUTPUT_RATE * 2 / 4 * MAX (1, (gsize) text_tokens (text)));
  }

  conn_log (c, "says (%.2f s): %s",
      (gdouble) g_bytes_get_size (g->pcm) / 2 / OUTPUT_RATE, text);

  g_clear_pointer (&g->words, g_strfreev);
  g->words = g_strsplit_set (text, " \t\n\r", -1);
  {
    /* Drop empty words (runs of spaces). */
    guint i, j;

    for (i = 0, j = 0; g->words[i] != NULL; i++) {
      if (*g->words[i] != '\0')
        g->words[j++] = g->words[i];
      else
        g_free (g->words[i]);
    }
    g->words[j] = NULL;
    g->n_words = j;
  }
  g->words_done = 0;
  g->offset = 0;
  g->chunks_sent = 0;
  g->speech_start_us = g_get_monotonic_time ();
  g->state = GEN_SPEAKING;

  chunk_due (c);
}

static void
send_tool_call (Conn * c)
{
  Gen *g = &c->gen;
  GPtrArray *calls = g->turn->calls;
  VpFunctionCall *fc = g_new0 (VpFunctionCall, calls->len);
  gchar *json;
  guint i;

  for (i = 0; i < calls->len; i++) {
    VpEmuScenarioCall *call = g_ptr_array_index (calls, i);
    JsonNode *args = vp_emu_scenario_render_args (call->args,
        c->session->results, g->input);

    fc[i].id = g_strdup_printf ("fc-%u-%u", c->id, ++c->next_call);
    fc[i].name = g_strdup (call->name);
    fc[i].args_json = json_to_string (args, FALSE);
    json_node_unref (args);
    g_ptr_array_add (g->pending_ids, g_strdup (fc[i].id));
    g_ptr_array_add (g->pending_names, g_strdup (fc[i].name));
    conn_log (c, "calls %s %s(%s)", fc[i].id, fc[i].name, fc[i].args_json);
  }

  json = vp_server_build_tool_call (fc, calls->len);
  c->session->text_out_tokens += text_tokens (json);
  g->state = GEN_TOOL_WAIT;
  conn_send (c, json);

  for (i = 0; i < calls->len; i++) {
    g_free (fc[i].id);
    g_free (fc[i].name);
    g_free (fc[i].args_json);
  }
  g_free (fc);
}

static void
complete_turn (Conn * c)
{
  VpUsageMetadata usage;

  session_usage (c->session, &usage);
  gen_reset (c);
  conn_send (c, vp_server_build_turn_complete (&usage));
  send_resumption_update (c, TRUE);

  /* A user turn that ended while the model spoke (NO_INTERRUPTION). */
  if (c->queued && !c->closing && !c->stalled) {
    gchar *text = c->queued_text;

    c->queued = FALSE;
    c->queued_text = NULL;
    start_generation (c, text, c->queued_audio);
    g_free (text);
  }
}

static gboolean
playout_done (gpointer data)
{
  Conn *c = data;

  clear_source (&c->gen.source);
  complete_turn (c);

  return G_SOURCE_REMOVE;
}

static void
finish_generation (Conn * c)
{
  Gen *g = &c->gen;
  gint64 now = g_get_monotonic_time ();

  conn_send (c, vp_server_build_generation_complete ());
  if (c->closing || c->stalled)
    return;

  /* Like the service, turnComplete waits until the client could have
   * played the audio it was sent. */
  if (c->wait_for_playback && g->playback_end_us > now) {
    g->state = GEN_PLAYOUT;
    g->source = conn_timeout (c, (g->playback_end_us - now) / 1000,
        playout_done);
    return;
  }

  complete_turn (c);
}

static void
gen_advance (Conn * c)
{
  Gen *g = &c->gen;
  VpEmuScenarioTurn *turn = g->turn;
  gchar *text;

  if (turn == NULL || c->closing || c->stalled)
    return;

  switch (g->step) {
    case STEP_SAY:
      g->step = STEP_CALLS;
      if (turn->say != NULL) {
        text = vp_emu_scenario_render (turn->say, c->session->results,
            g->input);
        start_speech (c, text);
        g_free (text);
        return;
      }
      /* fall through */
    case STEP_CALLS:
      g->step = STEP_THEN;
      if (turn->calls->len > 0) {
        send_tool_call (c);
        return;
      }
      /* fall through */
    case STEP_THEN:
      g->step = STEP_FINISH;
      if (turn->then != NULL) {
        text = vp_emu_scenario_render (turn->then, c->session->results,
            g->input);
        start_speech (c, text);
        g_free (text);
        return;
      }
      /* fall through */
    case STEP_FINISH:
    default:
      finish_generation (c);
      return;
  }
}

static void
start_generation (Conn * c, const gchar * text, gboolean audio)
{
  Gen *g = &c->gen;
  Session *s = c->session;
  gint index;

  gen_reset (c);

  if (text != NULL)
    index = vp_emu_scenario_match_text (c->scenario, text, s->cursor);
  else
    index = vp_emu_scenario_match_in_order (c->scenario, s->cursor);

  if (index >= 0) {
    g->turn = g_ptr_array_index (c->scenario->turns, index);
    s->cursor = index + 1;
  } else {
    g->turn = c->scenario->fallback;
  }
  g->input = g_strdup (text != NULL ? text : g->turn->transcript);

  conn_log (c, "user turn (%s%s%s) → scenario %s%s%s", audio ? "audio" :
      "text", text ? ": " : "", text ? text : "", index >= 0 ? "turn " :
      "fallback", index >= 0 ? (g->turn->id ? g->turn->id : "") : "",
      index >= 0 && !g->turn->id ? "(no id)" : "");

  if (audio && c->setup->input_transcription && g->turn->transcript != NULL)
    conn_send (c, vp_server_build_input_transcription (g->turn->transcript,
            FALSE));

  /* Not resumable while the model works. */
  send_resumption_update (c, FALSE);

  if (c->closing || c->stalled)
    return;

  g->step = STEP_SAY;
  think (c);
}

static gboolean
gen_active (Conn * c)
{
  return c->gen.state != GEN_IDLE;
}

/* The user barged in: stop the model's turn at once. */
static void
interrupt_generation (Conn * c)
{
  Gen *g = &c->gen;
  VpUsageMetadata usage;

  conn_log (c, "interrupted");
  clear_source (&g->source);
  conn_send (c, vp_server_build_interrupted ());

  if (g->pending_ids->len > 0) {
    gchar **ids = g_new0 (gchar *, g->pending_ids->len + 1);
    guint i;

    for (i = 0; i < g->pending_ids->len; i++)
      ids[i] = g_ptr_array_index (g->pending_ids, i);
    conn_send (c, vp_server_build_tool_call_cancellation ((const gchar *
                const *) ids));
    g_free (ids);
  }

  session_usage (c->session, &usage);
  gen_reset (c);
  conn_send (c, vp_server_build_turn_complete (&usage));
  send_resumption_update (c, TRUE);
}

/* Start of user activity: speech (VAD), activityStart or text. */
static void
user_activity_start (Conn * c, gboolean force)
{
  if (!gen_active (c))
    return;
  if (c->no_interruption && !force) {
    conn_log (c, "user activity while the model speaks "
        "(NO_INTERRUPTION: not interrupting)");
    return;
  }
  interrupt_generation (c);
}

/* End of the user's turn: respond, or queue when the model is still on
 * its own turn (NO_INTERRUPTION). */
static void
user_turn_end (Conn * c, const gchar * text, gboolean audio)
{
  if (c->closing || c->stalled)
    return;

  if (gen_active (c)) {
    c->queued = TRUE;
    g_free (c->queued_text);
    c->queued_text = g_strdup (text);
    c->queued_audio = audio;
    return;
  }
  start_generation (c, text, audio);
}

/* ------------------------------------------------------------------------ */
/* Client messages */

static void
on_vad_event (VpEmulatorVadEvent event, gdouble position_ms, gpointer user_data)
{
  Conn *c = user_data;

  if (c->closing || c->stalled)
    return;

  if (event == VP_EMULATOR_VAD_START) {
    conn_log (c, "VAD: speech starts at %.0f ms", position_ms);
    user_activity_start (c, FALSE);
  } else {
    conn_log (c, "VAD: speech ends at %.0f ms", position_ms);
    user_turn_end (c, NULL, TRUE);
  }
}

static gboolean
handle_setup (Conn * c, VpClientMessage * msg)
{
  VpEmulator *emu = c->emu;
  VpSetupConfig *setup = msg->setup;
  gchar *model, *reason;
  Session *session = NULL;
  gboolean resumed = FALSE, known = FALSE;
  Fault f;
  guint i;

  if (c->setup_done) {
    conn_close (c, 1007, REASON_SECOND_SETUP);
    return FALSE;
  }

  model = strip_models_prefix (setup->model);
  for (i = 0; c->models != NULL && c->models[i] != NULL; i++)
    known |= g_strcmp0 (model, c->models[i]) == 0;
  if (!known) {
    reason = g_strdup_printf ("models/%s is not found for API version %s, "
        "or is not supported for bidiGenerateContent. Call ListModels to see "
        "the list of available models and their supported methods.", model,
        c->api_version);
    conn_close (c, 1008, reason);
    g_free (reason);
    g_free (model);
    return FALSE;
  }

  if (setup->resume_handle != NULL && *setup->resume_handle != '\0') {
    session = g_hash_table_lookup (emu->handles, setup->resume_handle);
    /* A connection that is already closing no longer holds it. */
    if (session != NULL && session->active != NULL
        && !session->active->closing && ws_open (session->active)) {
      conn_log (c, "resuming session %s that is still open on conn %u",
          session->id, session->active->id);
      conn_close (c, 1011, REASON_SESSION_IN_USE);
      g_free (model);
      return FALSE;
    }
    if (session == NULL || session->terminated
        || g_get_monotonic_time () > handle_expiry_us (c, session)) {
      conn_close (c, 1008, REASON_SESSION_NOT_FOUND);
      g_free (model);
      return FALSE;
    }
    resumed = TRUE;
  }

  if (session == NULL) {
    session = session_new (emu);
    session->text_in_tokens += text_tokens (setup->system_instruction);
    if (setup->tools != NULL) {
      JsonNode *node = json_node_init_array (json_node_alloc (),
          setup->tools);
      gchar *tools = json_to_string (node, FALSE);

      session->text_in_tokens += text_tokens (tools);
      g_free (tools);
      json_node_unref (node);
    }
  }

  session->active = c;
  session->ended_us = 0;
  c->session = session;
  c->setup = vp_setup_config_copy (setup);
  c->setup_done = TRUE;
  c->packed = model_is_31 (model);
  c->text_mode = g_strcmp0 (setup->response_modality, "TEXT") == 0;
  c->resumption = setup->session_resumption || setup->resume_handle != NULL;
  c->vad_disabled = setup->vad_disabled == VP_TRISTATE_TRUE;
  c->no_interruption = setup->activity_handling != NULL
      && g_ascii_strcasecmp (setup->activity_handling, "NO_INTERRUPTION") == 0;
  c->history_phase = setup->initial_history_in_client_content ==
      VP_TRISTATE_TRUE;
  c->vad = vp_emulator_vad_new (setup->start_sensitivity,
      setup->end_sensitivity, setup->prefix_padding_ms,
      setup->silence_duration_ms);

  conn_log (c, "setup: model %s, session %s%s, VAD %s", model, session->id,
      resumed ? " (resumed)" : "", c->vad_disabled ? "off (manual)" : "on");

  g_mutex_lock (&emu->lock);
  json_object_set_string_member (c->record, "session", session->id);
  json_object_set_boolean_member (c->record, "resumed", resumed);
  json_object_set_string_member (c->record, "model", model);
  g_mutex_unlock (&emu->lock);
  g_free (model);

  if (take_fault (c, TRUE, &f)) {
    conn_log (c, "fault: never answering setup");
    c->silent = TRUE;
    g_free (f.reason);
    return TRUE;
  }

  conn_send (c, vp_server_build_setup_complete ());
  send_resumption_update (c, TRUE);
  schedule_session_limit (c);

  return TRUE;
}

static void
handle_realtime_input (Conn * c, VpClientMessage * msg)
{
  Session *s = c->session;

  if (msg->audio != NULL || msg->video != NULL || msg->text != NULL
      || msg->activity_start || msg->activity_end || msg->audio_stream_end)
    c->history_phase = FALSE;

  if (msg->activity_start) {
    conn_log (c, "activityStart");
    c->manual_activity = TRUE;
    vp_emulator_vad_flush (c->vad);
    user_activity_start (c, FALSE);
  }

  if (msg->audio != NULL) {
    gsize n;
    const guint8 *pcm = g_bytes_get_data (msg->audio, &n);
    guint rate = msg->audio_rate ? msg->audio_rate : 16000;

    s->audio_in_s += (gdouble) (n / 2) / rate;
    record_add_int (c, "audioBytes", n);
    if (!c->vad_disabled && !c->manual_activity)
      vp_emulator_vad_process (c->vad, pcm, n, rate, on_vad_event, c);
  }

  if (msg->video != NULL && !c->closing) {
    gboolean low = c->setup->media_resolution != NULL
        && g_str_has_suffix (c->setup->media_resolution, "LOW");

    s->video_tokens += low ? VIDEO_FRAME_TOKENS_LOW : VIDEO_FRAME_TOKENS;
    if (!s->video) {
      s->video = TRUE;
      conn_log (c, "video: the session limit is now %u s",
          MIN (c->session_limit, VIDEO_SESSION_LIMIT));
      schedule_session_limit (c);
    }
  }

  if (msg->audio_stream_end && !c->closing) {
    conn_log (c, "audioStreamEnd");
    if (!c->vad_disabled && vp_emulator_vad_flush (c->vad))
      user_turn_end (c, NULL, TRUE);
  }

  if (msg->activity_end && !c->closing) {
    conn_log (c, "activityEnd");
    if (c->manual_activity) {
      c->manual_activity = FALSE;
      user_turn_end (c, NULL, TRUE);
    }
  }

  if (msg->text != NULL && !c->closing) {
    conn_log (c, "text: %s", msg->text);
    s->text_in_tokens += text_tokens (msg->text);
    user_activity_start (c, FALSE);
    user_turn_end (c, msg->text, FALSE);
  }
}

static void
handle_client_content (Conn * c, VpClientMessage * msg)
{
  if (msg->turns_json != NULL)
    c->session->text_in_tokens += text_tokens (msg->turns_json);

  if (!msg->turn_complete)
    return;

  if (c->history_phase) {
    /* 3.1 history seeding: context only, no answer. */
    conn_log (c, "clientContent: history");
    c->history_phase = FALSE;
    return;
  }

  conn_log (c, "clientContent: %s", msg->text ? msg->text : "(no text)");
  /* clientContent interrupts whatever the model is doing. */
  user_activity_start (c, TRUE);
  user_turn_end (c, msg->text, FALSE);
}

static void
handle_tool_response (Conn * c, VpClientMessage * msg)
{
  Gen *g = &c->gen;
  guint i, j;

  if (msg->function_responses == NULL)
    return;

  record_add_int (c, "toolResponses", msg->function_responses->len);

  for (i = 0; i < msg->function_responses->len; i++) {
    VpFunctionResponse *r = g_ptr_array_index (msg->function_responses, i);
    gboolean found = FALSE;

    if (r->response != NULL) {
      gchar *json = json_to_string (r->response, FALSE);

      c->session->text_in_tokens += text_tokens (json);
      g_free (json);
    }

    for (j = 0; g->state == GEN_TOOL_WAIT && j < g->pending_ids->len; j++) {
      if (g_strcmp0 (g_ptr_array_index (g->pending_ids, j), r->id) == 0) {
        const gchar *name = g_ptr_array_index (g->pending_names, j);

        JsonNode *value = r->response ? json_node_copy (r->response) :
            json_node_new (JSON_NODE_OBJECT);

        if (r->response == NULL)
          json_node_take_object (value, json_object_new ());
        json_object_set_member (c->session->results, name, value);
        g_ptr_array_remove_index (g->pending_ids, j);
        g_ptr_array_remove_index (g->pending_names, j);
        found = TRUE;
        break;
      }
    }
    conn_log (c, "toolResponse %s %s%s", r->id ? r->id : "(no id)",
        r->name ? r->name : "", found ? "" : " (not pending: ignored)");
  }

  if (g->state == GEN_TOOL_WAIT && g->pending_ids->len == 0) {
    if (g->turn->then != NULL)
      think (c);
    else
      gen_advance (c);
  }
}

static void
on_message (SoupWebsocketConnection * ws, gint type, GBytes * message,
    gpointer user_data)
{
  Conn *c = user_data;
  gsize length;
  const gchar *data = g_bytes_get_data (message, &length);
  VpClientMessage *msg;
  GError *error = NULL;

  if (G_UNLIKELY (c->emu->trace_func != NULL))
    c->emu->trace_func (c->id, FALSE, data, length, g_get_monotonic_time (),
        c->emu->trace_data);

  if (c->stalled || c->closed)
    return;

  record_message (c, data, length);

  if (c->closing)
    return;

  msg = vp_client_message_parse (data, length, &error);
  if (msg == NULL) {
    conn_log (c, "refused a message: %s", error->message);
    conn_close (c, 1007, error->message);
    g_clear_error (&error);
    return;
  }

  if (!c->setup_done && msg->type != VP_CLIENT_MESSAGE_SETUP) {
    conn_close (c, 1007, REASON_NOT_FIRST);
    vp_client_message_free (msg);
    return;
  }

  switch (msg->type) {
    case VP_CLIENT_MESSAGE_SETUP:
      handle_setup (c, msg);
      break;
    case VP_CLIENT_MESSAGE_REALTIME_INPUT:
      handle_realtime_input (c, msg);
      break;
    case VP_CLIENT_MESSAGE_CLIENT_CONTENT:
      handle_client_content (c, msg);
      break;
    case VP_CLIENT_MESSAGE_TOOL_RESPONSE:
      handle_tool_response (c, msg);
      break;
    case VP_CLIENT_MESSAGE_CONTEXT_UPDATE:
      conn_log (c, "contextUpdate (kept for the record only)");
      break;
    default:
      break;
  }

  vp_client_message_free (msg);
}

/* ------------------------------------------------------------------------ */
/* Connection lifetime */

static gboolean
lifetime_over (gpointer data)
{
  Conn *c = data;

  clear_source (&c->lifetime_source);
  conn_log (c, "connection lifetime is over");
  conn_close (c, 1011, REASON_DEADLINE);

  return G_SOURCE_REMOVE;
}

static gboolean
go_away_due (gpointer data)
{
  Conn *c = data;
  gint64 left_ms;

  clear_source (&c->go_away_source);
  left_ms = scaled_ms (c, MIN (c->go_away_notice, c->connection_lifetime));
  conn_send (c, vp_server_build_go_away (left_ms));

  return G_SOURCE_REMOVE;
}

static void
conn_free (Conn * c)
{
  gen_reset (c);
  conn_stop_timers (c);
  clear_source (&c->free_source);
  g_ptr_array_unref (c->gen.pending_ids);
  g_ptr_array_unref (c->gen.pending_names);

  if (c->ws != NULL) {
    g_signal_handlers_disconnect_by_data (c->ws, c);
    g_object_unref (c->ws);
  }
  g_clear_object (&c->gate);
  g_clear_object (&c->socket);
  g_free (c->path);
  g_free (c->api_version);
  json_object_unref (c->record);
  g_strfreev (c->models);
  if (c->scenario)
    vp_emu_scenario_unref (c->scenario);
  if (c->setup)
    vp_setup_config_free (c->setup);
  if (c->vad)
    vp_emulator_vad_free (c->vad);
  g_free (c->queued_text);
  g_free (c);
}

static gboolean
conn_free_idle (gpointer data)
{
  Conn *c = data;

  c->emu->conns = g_list_remove (c->emu->conns, c);
  conn_free (c);

  return G_SOURCE_REMOVE;
}

static void
on_closed (SoupWebsocketConnection * ws, gpointer user_data)
{
  Conn *c = user_data;
  gushort code = soup_websocket_connection_get_close_code (ws);
  const gchar *data = soup_websocket_connection_get_close_data (ws);

  if (c->closed)
    return;
  c->closed = TRUE;
  c->closing = TRUE;

  if (c->close_code_sent < 0 && !c->dropped) {
    /* The client closed (or vanished). */
    g_mutex_lock (&c->emu->lock);
    json_object_set_int_member (c->record, "closeCode",
        code != 0 ? code : 1006);
    if (data != NULL && *data != '\0')
      json_object_set_string_member (c->record, "closeReason", data);
    json_object_set_string_member (c->record, "closedBy", "client");
    g_mutex_unlock (&c->emu->lock);
  }
  conn_log (c, "closed (client code %u)", code);

  gen_reset (c);
  conn_stop_timers (c);
  if (c->session != NULL && c->session->active == c) {
    c->session->active = NULL;
    c->session->ended_us = g_get_monotonic_time ();
  }

  /* Not from inside libsoup's signal emission. */
  c->free_source = g_idle_source_new ();
  g_source_set_callback (c->free_source, conn_free_idle, c, NULL);
  g_source_attach (c->free_source, c->emu->context);
}

static void
on_error (SoupWebsocketConnection * ws, GError * error, gpointer user_data)
{
  Conn *c = user_data;

  conn_log (c, "WebSocket error: %s", error->message);
}

static void
conn_open (VpEmulator * emu, SoupWebsocketConnection * ws,
    VpEmuGateStream * gate, GSocket * socket, const gchar * path,
    const gchar * api_version, gboolean auth_ok)
{
  Conn *c = g_new0 (Conn, 1);
  JsonObject *record = json_object_new ();

  c->emu = emu;
  c->id = ++emu->next_conn_id;
  c->ws = g_object_ref (ws);
  c->gate = g_object_ref (gate);
  c->socket = socket ? g_object_ref (socket) : NULL;
  c->path = g_strdup (path);
  c->api_version = g_strdup (api_version);
  c->auth_ok = auth_ok;
  c->close_code_sent = -1;
  c->gen.pending_ids = g_ptr_array_new_with_free_func (g_free);
  c->gen.pending_names = g_ptr_array_new_with_free_func (g_free);

  json_object_set_int_member (record, "connection", c->id);
  json_object_set_string_member (record, "path", path);
  json_object_set_null_member (record, "session");
  json_object_set_boolean_member (record, "resumed", FALSE);
  json_object_set_null_member (record, "closeCode");
  json_object_set_array_member (record, "messages", json_array_new ());
  json_object_set_int_member (record, "audioBytes", 0);
  json_object_set_int_member (record, "toolResponses", 0);
  c->record = json_object_ref (record);

  g_mutex_lock (&emu->lock);
  c->time_scale = emu->time_scale;
  c->connection_lifetime = emu->connection_lifetime;
  c->go_away_notice = emu->go_away_notice;
  c->session_limit = emu->session_limit;
  c->handle_lifetime = emu->handle_lifetime;
  c->latency_ms = emu->latency_ms;
  c->speech_rate = emu->speech_rate;
  c->chunk_ms = emu->chunk_ms;
  c->wait_for_playback = emu->wait_for_playback;
  c->models = g_strdupv (emu->models);
  c->scenario = vp_emu_scenario_ref (emu->scenario);
  json_array_add_object_element (emu->record, record);
  emu->n_connections++;
  g_mutex_unlock (&emu->lock);

  emu->conns = g_list_append (emu->conns, c);

  soup_websocket_connection_set_max_incoming_payload_size (ws,
      MAX_INCOMING_PAYLOAD);
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), c);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), c);
  g_signal_connect (ws, "error", G_CALLBACK (on_error), c);

  conn_log (c, "open on %s", path);

  if (!auth_ok) {
    conn_close (c, 1007, REASON_BAD_KEY);
    return;
  }

  if (c->connection_lifetime > 0) {
    gint64 lifetime_ms = scaled_ms (c, c->connection_lifetime);
    gint64 notice_ms = scaled_ms (c, MIN (c->go_away_notice,
            c->connection_lifetime));

    c->lifetime_source = conn_timeout (c, lifetime_ms, lifetime_over);
    c->go_away_source = conn_timeout (c, lifetime_ms - notice_ms, go_away_due);
  }

  check_fault (c);
}

/* ------------------------------------------------------------------------ */
/* HTTP: the upgrade */

static gchar *
address_key (GSocketAddress * address)
{
  return address ? g_socket_connectable_to_string (G_SOCKET_CONNECTABLE
      (address)) : g_strdup ("");
}

typedef struct
{
  VpEmulator *emu;
  gchar *path;
  gchar *api_version;
  gboolean auth_ok;
  GSocket *socket;
} Upgrade;

static void
upgrade_free (gpointer data, GClosure * closure)
{
  Upgrade *u = data;

  g_free (u->path);
  g_free (u->api_version);
  g_clear_object (&u->socket);
  g_free (u);
}

static void
on_wrote_informational (SoupServerMessage * msg, gpointer user_data)
{
  Upgrade *u = user_data;
  GIOStream *base, *wrapped;
  VpEmuGateStream *gate;
  SoupWebsocketConnection *ws;
  SoupMessageHeaders *headers;

  if (soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS)
    return;

  g_object_ref (msg);
  base = soup_server_message_steal_connection (msg);
  gate = gate_stream_new (base);
  wrapped = g_simple_io_stream_new (G_INPUT_STREAM (gate),
      g_io_stream_get_output_stream (base));
  headers = soup_server_message_get_request_headers (msg);
  ws = soup_websocket_connection_new (wrapped, soup_server_message_get_uri
      (msg), SOUP_WEBSOCKET_CONNECTION_SERVER,
      soup_message_headers_get_one (headers, "Origin"), NULL, NULL);

  conn_open (u->emu, ws, gate, u->socket, u->path, u->api_version, u->auth_ok);

  g_object_unref (ws);
  g_object_unref (wrapped);
  g_object_unref (gate);
  g_object_unref (base);
  g_object_unref (msg);
}

/* Accepts /ws/google.ai.generativelanguage.{v1beta|v1alpha}.GenerativeService.
 * {BidiGenerateContent|BidiGenerateContentConstrained}, with any number of
 * leading slashes (the JS SDK sends "//ws/…"). */
static gboolean
parse_path (const gchar * path, gchar ** api_version)
{
  static const gchar prefix[] = "ws/google.ai.generativelanguage.";
  const gchar *p = path;
  const gchar *versions[] = { "v1beta", "v1alpha" };
  guint i;

  if (p == NULL || *p != '/')
    return FALSE;
  while (*p == '/')
    p++;
  if (!g_str_has_prefix (p, prefix))
    return FALSE;
  p += strlen (prefix);

  for (i = 0; i < G_N_ELEMENTS (versions); i++) {
    gsize len = strlen (versions[i]);

    if (strncmp (p, versions[i], len) == 0
        && (g_str_equal (p + len, ".GenerativeService.BidiGenerateContent")
            || g_str_equal (p + len,
                ".GenerativeService.BidiGenerateContentConstrained"))) {
      *api_version = g_strdup (versions[i]);
      return TRUE;
    }
  }

  return FALSE;
}

/* The credential: ?key=, ?access_token=, x-goog-api-key or
 * "Authorization: Token …".  Never logged. */
static gchar *
find_credential (SoupServerMessage * msg, GHashTable * query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const gchar *value;

  if (query != NULL) {
    value = g_hash_table_lookup (query, "key");
    if (value != NULL && *value != '\0')
      return g_strdup (value);
    value = g_hash_table_lookup (query, "access_token");
    if (value != NULL && *value != '\0')
      return g_strdup (value);
  }

  value = soup_message_headers_get_one (headers, "x-goog-api-key");
  if (value != NULL && *value != '\0')
    return g_strdup (value);

  value = soup_message_headers_get_one (headers, "Authorization");
  if (value != NULL && g_ascii_strncasecmp (value, "Token ", 6) == 0
      && value[6] != '\0')
    return g_strdup (value + 6);

  return NULL;
}

static void
not_found (SoupServerMessage * msg)
{
  static const gchar body[] = "Not found. The Voxpipe emulator serves "
      "WebSocket upgrades on "
      "/ws/google.ai.generativelanguage.v1beta.GenerativeService."
      "BidiGenerateContent\n";

  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
      body, strlen (body));
}

static void
server_callback (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  VpEmulator *emu = user_data;
  gchar *api_version = NULL, *credential, *api_key;
  gboolean auth_ok;
  Upgrade *u;
  GError *error = NULL;

  if (!parse_path (path, &api_version)) {
    g_debug ("emulator: HTTP %s %s: not a Live API path",
        soup_server_message_get_method (msg), path);
    not_found (msg);
    return;
  }

  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &error)) {
    gchar *body = g_strdup_printf ("This is a WebSocket endpoint: %s\n",
        error->message);

    g_debug ("emulator: HTTP %s %s: not a WebSocket upgrade",
        soup_server_message_get_method (msg), path);
    soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_TAKE,
        body, strlen (body));
    g_clear_error (&error);
    g_free (api_version);
    return;
  }

  credential = find_credential (msg, query);
  g_mutex_lock (&emu->lock);
  api_key = g_strdup (emu->api_key);
  g_mutex_unlock (&emu->lock);
  if (api_key != NULL && *api_key != '\0')
    auth_ok = credential != NULL && g_str_equal (credential, api_key);
  else
    auth_ok = credential != NULL && *credential != '\0';
  g_free (api_key);
  g_free (credential);

  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL)) {
    g_free (api_version);
    return;
  }

  u = g_new0 (Upgrade, 1);
  u->emu = emu;
  u->path = g_strdup (path);
  u->api_version = api_version;
  u->auth_ok = auth_ok;
  {
    gchar *key = address_key (soup_server_message_get_remote_address (msg));
    gpointer socket = NULL, stolen_key = NULL;

    g_hash_table_steal_extended (emu->sockets, key, &stolen_key, &socket);
    u->socket = socket;
    g_free (stolen_key);
    g_free (key);
  }
  g_signal_connect_data (msg, "wrote-informational",
      G_CALLBACK (on_wrote_informational), u, upgrade_free, 0);
}

/* ------------------------------------------------------------------------ */
/* The thread */

static gboolean
on_incoming (GSocketService * service, GSocketConnection * connection,
    GObject * source, gpointer user_data)
{
  VpEmulator *emu = user_data;
  GSocketAddress *local, *remote;
  GTlsCertificate *certificate;
  GIOStream *stream;
  GHashTableIter iter;
  gpointer value;
  GError *error = NULL;

  /* Forget the sockets of requests that never upgraded. */
  g_hash_table_iter_init (&iter, emu->sockets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_socket_is_closed (value))
      g_hash_table_iter_remove (&iter);

  /* Like the service: small frames go out at once (no Nagle delay). */
  g_socket_set_option (g_socket_connection_get_socket (connection),
      IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  local = g_socket_connection_get_local_address (connection, NULL);
  remote = g_socket_connection_get_remote_address (connection, NULL);
  /* Kept so that faults and stop() can shut the TCP connection down. */
  g_hash_table_insert (emu->sockets, address_key (remote),
      g_object_ref (g_socket_connection_get_socket (connection)));

  g_mutex_lock (&emu->lock);
  certificate = emu->tls_certificate ? g_object_ref (emu->tls_certificate) :
      NULL;
  g_mutex_unlock (&emu->lock);
  /* wss://: the handshake happens on the first read. */
  if (certificate != NULL) {
    stream = g_tls_server_connection_new (G_IO_STREAM (connection),
        certificate, &error);
    g_object_unref (certificate);
    if (stream == NULL) {
      g_debug ("emulator: cannot start TLS: %s", error->message);
      g_clear_error (&error);
      g_clear_object (&local);
      g_clear_object (&remote);
      return TRUE;
    }
  } else {
    stream = g_object_ref (G_IO_STREAM (connection));
  }

  if (!soup_server_accept_iostream (emu->server, stream, local, remote, &error)) {
    g_debug ("emulator: cannot accept a connection: %s", error->message);
    g_clear_error (&error);
  }
  g_object_unref (stream);
  g_clear_object (&local);
  g_clear_object (&remote);

  return TRUE;
}

static gboolean
listen_on (VpEmulator * emu, const gchar * host, guint port, GError ** error)
{
  GInetAddress *address;
  GSocketAddress *socket_address;
  GSocket *socket;
  GError *err = NULL;
  gboolean ok;

  address = g_inet_address_new_from_string (host);
  if (address == NULL) {
    GResolver *resolver = g_resolver_get_default ();
    GList *addresses = g_resolver_lookup_by_name (resolver, host, NULL,
        &err), *l;

    g_object_unref (resolver);
    if (addresses == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND,
          "Cannot resolve the host \"%s\": %s. Give an address such as "
          "127.0.0.1.", host, err->message);
      g_clear_error (&err);
      return FALSE;
    }
    for (l = addresses; l != NULL && address == NULL; l = l->next)
      if (g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV4)
        address = g_object_ref (l->data);
    if (address == NULL)
      address = g_object_ref (addresses->data);
    g_resolver_free_addresses (addresses);
  }

  /* We accept connections ourselves and hand them to the server: libsoup
   * 3.2's own listener leaks every accepted GSocket, and its
   * soup_server_get_uris() the address it returns. */
  socket_address = g_inet_socket_address_new (address, port);
  socket = g_socket_new (g_inet_address_get_family (address),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err);
  ok = socket != NULL && g_socket_bind (socket, socket_address, TRUE, &err)
      && g_socket_listen (socket, &err)
      && g_socket_listener_add_socket (G_SOCKET_LISTENER (emu->service),
      socket, NULL, &err);
  g_object_unref (socket_address);
  g_object_unref (address);

  if (ok) {
    GSocketAddress *local = g_socket_get_local_address (socket, &err);

    ok = local != NULL;
    if (ok) {
      emu->bound_port =
          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
      g_object_unref (local);
    }
  }
  g_clear_object (&socket);

  if (!ok) {
    g_set_error (error, err->domain, err->code,
        "Cannot listen on %s port %u: %s. Choose another port, or 0 for any "
        "free port.", host, port, err->message);
    g_clear_error (&err);
    return FALSE;
  }

  return TRUE;
}

static gboolean
stop_when_closed (gpointer data)
{
  VpEmulator *emu = data;
  GList *l;

  for (l = emu->conns; l != NULL; l = l->next) {
    Conn *c = l->data;

    if (!c->closed)
      return G_SOURCE_CONTINUE;
  }
  g_main_loop_quit (emu->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
stop_grace_over (gpointer data)
{
  VpEmulator *emu = data;

  g_main_loop_quit (emu->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
stop_in_thread (gpointer data)
{
  VpEmulator *emu = data;
  GList *l;

  g_socket_service_stop (emu->service);
  g_socket_listener_close (G_SOCKET_LISTENER (emu->service));
  soup_server_disconnect (emu->server);

  for (l = emu->conns; l != NULL; l = l->next) {
    Conn *c = l->data;

    if (c->stalled)
      conn_drop (c);
    else
      conn_close (c, 1001, REASON_SHUTDOWN);
  }

  emu->stop_poll_source = g_timeout_source_new (10);
  g_source_set_callback (emu->stop_poll_source, stop_when_closed, emu, NULL);
  g_source_attach (emu->stop_poll_source, emu->context);

  emu->stop_source = g_timeout_source_new (STOP_GRACE_MS);
  g_source_set_callback (emu->stop_source, stop_grace_over, emu, NULL);
  g_source_attach (emu->stop_source, emu->context);

  return G_SOURCE_REMOVE;
}

static void
iterate_dry (GMainContext * context)
{
  guint i;

  /* Bounded, in case something keeps re-arming itself. */
  for (i = 0; i < 10000 && g_main_context_pending (context); i++)
    g_main_context_iteration (context, FALSE);
}

static gpointer
emulator_thread (gpointer data)
{
  VpEmulator *emu = data;
  gchar *host;
  guint port;
  GError *error = NULL;
  gboolean ok;
  GList *l;

  g_main_context_push_thread_default (emu->context);

  g_mutex_lock (&emu->lock);
  host = g_strdup (emu->host ? emu->host : DEFAULT_HOST);
  port = emu->port;
  g_mutex_unlock (&emu->lock);

  emu->server = soup_server_new ("server-header", "voxpipe-emulator ", NULL);
  emu->service = g_socket_service_new ();
  emu->sockets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_object_unref);
  g_signal_connect (emu->service, "incoming", G_CALLBACK (on_incoming), emu);
  soup_server_add_handler (emu->server, NULL, server_callback, emu, NULL);
  emu->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) session_free);
  emu->handles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  ok = listen_on (emu, host, port, &error);

  g_mutex_lock (&emu->lock);
  emu->start_error = error;
  if (ok) {
    g_free (emu->bound_host);
    emu->bound_host = g_strdup (host);
  }
  emu->thread_ready = TRUE;
  g_cond_broadcast (&emu->cond);
  g_mutex_unlock (&emu->lock);

  if (ok) {
    g_debug ("emulator: listening on ws://%s:%u", host, emu->bound_port);
    g_main_loop_run (emu->loop);
  }

  /* Whatever is still open goes now. */
  clear_source (&emu->stop_source);
  clear_source (&emu->stop_poll_source);
  for (l = emu->conns; l != NULL; l = l->next) {
    Conn *c = l->data;

    g_signal_handlers_disconnect_by_data (c->ws, c);
    if (c->session != NULL && c->session->active == c)
      c->session->active = NULL;
    if (!c->closed) {
      if (c->socket != NULL)
        g_socket_shutdown (c->socket, TRUE, TRUE, NULL);
      g_io_stream_close (c->gate->base_io, NULL, NULL);
    }
    conn_free (c);
  }
  g_list_free (emu->conns);
  emu->conns = NULL;

  g_signal_handlers_disconnect_by_data (emu->service, emu);
  g_socket_service_stop (emu->service);
  g_socket_listener_close (G_SOCKET_LISTENER (emu->service));
  g_clear_object (&emu->service);
  soup_server_disconnect (emu->server);
  g_clear_object (&emu->server);
  g_clear_pointer (&emu->sockets, g_hash_table_unref);
  g_clear_pointer (&emu->handles, g_hash_table_unref);
  g_clear_pointer (&emu->sessions, g_hash_table_unref);

  iterate_dry (emu->context);
  g_main_context_pop_thread_default (emu->context);
  g_free (host);

  return NULL;
}

/* Renders the scenario's fixed sentences in the background, so the first
 * turns do not wait for espeak-ng. */
static gpointer
prewarm_thread (gpointer data)
{
  VpEmulator *emu = data;
  VpEmuScenario *scenario;
  GPtrArray *texts;
  guint i;

  g_mutex_lock (&emu->lock);
  scenario = vp_emu_scenario_ref (emu->scenario);
  g_mutex_unlock (&emu->lock);

  texts = vp_emu_scenario_static_texts (scenario);
  for (i = 0; i < texts->len && !g_atomic_int_get (&emu->prewarm_stop); i++) {
    GBytes *pcm = vp_speech_synthesize (g_ptr_array_index (texts, i),
        scenario->voice, OUTPUT_RATE, NULL);

    if (pcm != NULL)
      g_bytes_unref (pcm);
  }

  g_ptr_array_unref (texts);
  vp_emu_scenario_unref (scenario);

  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Public API */

VpEmulator *
vp_emulator_new (void)
{
  return g_object_new (VP_TYPE_EMULATOR, NULL);
}

static VpEmuScenario *
load_scenario (const gchar * file, const gchar * json, GError ** error)
{
  if (file != NULL && *file != '\0')
    return vp_emu_scenario_load_file (file, error);
  if (json != NULL && *json != '\0')
    return vp_emu_scenario_load_data (json, -1, "the scenario property", error);
  return vp_emu_scenario_new_builtin ();
}

gboolean
vp_emulator_start (VpEmulator * self, GError ** error)
{
  VpEmuScenario *scenario;
  gchar *file, *json;
  GError *err = NULL;

  g_return_val_if_fail (VP_IS_EMULATOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (self->running || self->thread != NULL) {
    g_mutex_unlock (&self->lock);
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
        "The emulator is already running; stop it first.");
    return FALSE;
  }
  file = g_strdup (self->scenario_file);
  json = g_strdup (self->scenario_json);
  g_mutex_unlock (&self->lock);

  scenario = load_scenario (file, json, error);
  g_free (file);
  g_free (json);
  if (scenario == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  if (self->scenario)
    vp_emu_scenario_unref (self->scenario);
  self->scenario = scenario;
  self->thread_ready = FALSE;
  g_clear_error (&self->start_error);
  g_mutex_unlock (&self->lock);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("vp-emulator", emulator_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->thread_ready)
    g_cond_wait (&self->cond, &self->lock);
  err = self->start_error;
  self->start_error = NULL;
  self->running = err == NULL;
  g_mutex_unlock (&self->lock);

  if (err != NULL) {
    g_thread_join (self->thread);
    self->thread = NULL;
    iterate_dry (self->context);
    g_clear_pointer (&self->loop, g_main_loop_unref);
    g_clear_pointer (&self->context, g_main_context_unref);
    g_propagate_error (error, err);
    return FALSE;
  }

  g_atomic_int_set (&self->prewarm_stop, 0);
  self->prewarm_thread = g_thread_new ("vp-emulator-speech", prewarm_thread,
      self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);

  return TRUE;
}

void
vp_emulator_stop (VpEmulator * self)
{
  g_return_if_fail (VP_IS_EMULATOR (self));

  g_mutex_lock (&self->lock);
  if (!self->running) {
    g_mutex_unlock (&self->lock);
    return;
  }
  self->running = FALSE;
  g_mutex_unlock (&self->lock);

  {
    /* Always through the loop: the emulator thread owns the server. */
    GSource *source = g_idle_source_new ();

    g_source_set_callback (source, stop_in_thread, self, NULL);
    g_source_attach (source, self->context);
    g_source_unref (source);
  }
  g_thread_join (self->thread);
  self->thread = NULL;
  iterate_dry (self->context);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  if (self->prewarm_thread != NULL) {
    g_atomic_int_set (&self->prewarm_stop, 1);
    g_thread_join (self->prewarm_thread);
    self->prewarm_thread = NULL;
  }

  g_mutex_lock (&self->lock);
  self->bound_port = 0;
  g_mutex_unlock (&self->lock);
}

guint
vp_emulator_get_port (VpEmulator * self)
{
  guint port;

  g_return_val_if_fail (VP_IS_EMULATOR (self), 0);

  g_mutex_lock (&self->lock);
  port = self->running ? self->bound_port : self->port;
  g_mutex_unlock (&self->lock);

  return port;
}

gchar *
vp_emulator_get_url (VpEmulator * self)
{
  const gchar *scheme;
  gchar *url, *host;
  guint port;

  g_return_val_if_fail (VP_IS_EMULATOR (self), NULL);

  g_mutex_lock (&self->lock);
  host = g_strdup (self->running && self->bound_host ? self->bound_host :
      (self->host ? self->host : DEFAULT_HOST));
  port = self->running ? self->bound_port : self->port;
  g_mutex_unlock (&self->lock);

  if (g_str_equal (host, "0.0.0.0")) {
    g_free (host);
    host = g_strdup ("127.0.0.1");
  } else if (g_str_equal (host, "::")) {
    g_free (host);
    host = g_strdup ("::1");
  }

  g_mutex_lock (&self->lock);
  scheme = self->tls_certificate ? "wss" : "ws";
  g_mutex_unlock (&self->lock);

  if (strchr (host, ':') != NULL)
    url = g_strdup_printf ("%s://[%s]:%u", scheme, host, port);
  else
    url = g_strdup_printf ("%s://%s:%u", scheme, host, port);
  g_free (host);

  return url;
}

void
vp_emulator_inject_fault (VpEmulator * self, VpEmulatorFault fault,
    guint after_messages, gushort close_code, const gchar * reason,
    gint64 argument)
{
  g_return_if_fail (VP_IS_EMULATOR (self));

  g_mutex_lock (&self->lock);
  g_free (self->fault.reason);
  self->fault.kind = fault;
  self->fault.after = after_messages;
  self->fault.code = close_code;
  self->fault.reason = g_strdup (reason);
  self->fault.argument = argument;
  g_mutex_unlock (&self->lock);
}

gchar *
vp_emulator_get_record (VpEmulator * self)
{
  JsonNode *root;
  gchar *json;

  g_return_val_if_fail (VP_IS_EMULATOR (self), NULL);

  g_mutex_lock (&self->lock);
  root = json_node_init_array (json_node_alloc (), self->record);
  json = json_to_string (root, FALSE);
  json_node_unref (root);
  g_mutex_unlock (&self->lock);

  return json;
}

void
vp_emulator_set_trace_func (VpEmulator * self, VpEmulatorTraceFunc func,
    gpointer user_data)
{
  g_return_if_fail (VP_IS_EMULATOR (self));

  g_mutex_lock (&self->lock);
  if (self->running)
    g_warning ("vp_emulator_set_trace_func: the emulator is running; set "
        "the trace function before vp_emulator_start().");
  else {
    self->trace_func = func;
    self->trace_data = user_data;
  }
  g_mutex_unlock (&self->lock);
}

guint
vp_emulator_get_n_connections (VpEmulator * self)
{
  guint n;

  g_return_val_if_fail (VP_IS_EMULATOR (self), 0);

  g_mutex_lock (&self->lock);
  n = self->n_connections;
  g_mutex_unlock (&self->lock);

  return n;
}

/* ------------------------------------------------------------------------ */
/* GObject */

static void
vp_emulator_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  VpEmulator *self = VP_EMULATOR (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_HOST:
      g_free (self->host);
      self->host = g_value_dup_string (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_API_KEY:
      g_free (self->api_key);
      self->api_key = g_value_dup_string (value);
      break;
    case PROP_SCENARIO_FILE:
      g_free (self->scenario_file);
      self->scenario_file = g_value_dup_string (value);
      break;
    case PROP_SCENARIO:
      g_free (self->scenario_json);
      self->scenario_json = g_value_dup_string (value);
      break;
    case PROP_TIME_SCALE:
      self->time_scale = g_value_get_double (value);
      break;
    case PROP_CONNECTION_LIFETIME:
      self->connection_lifetime = g_value_get_uint (value);
      break;
    case PROP_GO_AWAY_NOTICE:
      self->go_away_notice = g_value_get_uint (value);
      break;
    case PROP_SESSION_LIMIT:
      self->session_limit = g_value_get_uint (value);
      break;
    case PROP_HANDLE_LIFETIME:
      self->handle_lifetime = g_value_get_uint (value);
      break;
    case PROP_LATENCY_MS:
      self->latency_ms = g_value_get_uint (value);
      break;
    case PROP_SPEECH_RATE:
      self->speech_rate = g_value_get_double (value);
      break;
    case PROP_CHUNK_MS:
      self->chunk_ms = g_value_get_uint (value);
      break;
    case PROP_MODELS:
      g_strfreev (self->models);
      self->models = g_value_dup_boxed (value);
      if (self->models == NULL)
        self->models = g_strdupv ((gchar **) default_models);
      break;
    case PROP_WAIT_FOR_PLAYBACK:
      self->wait_for_playback = g_value_get_boolean (value);
      break;
    case PROP_RECORD_LIMIT:
      self->record_limit = g_value_get_uint64 (value);
      break;
    case PROP_TLS_CERTIFICATE:
      g_clear_object (&self->tls_certificate);
      self->tls_certificate = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
vp_emulator_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  VpEmulator *self = VP_EMULATOR (object);

  if (prop_id == PROP_PORT) {
    g_value_set_uint (value, vp_emulator_get_port (self));
    return;
  }
  if (prop_id == PROP_URL) {
    g_value_take_string (value, vp_emulator_get_url (self));
    return;
  }

  g_mutex_lock (&self->lock);
  switch (prop_id) {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_API_KEY:
      g_value_set_string (value, self->api_key);
      break;
    case PROP_SCENARIO_FILE:
      g_value_set_string (value, self->scenario_file);
      break;
    case PROP_SCENARIO:
      g_value_set_string (value, self->scenario_json);
      break;
    case PROP_TIME_SCALE:
      g_value_set_double (value, self->time_scale);
      break;
    case PROP_CONNECTION_LIFETIME:
      g_value_set_uint (value, self->connection_lifetime);
      break;
    case PROP_GO_AWAY_NOTICE:
      g_value_set_uint (value, self->go_away_notice);
      break;
    case PROP_SESSION_LIMIT:
      g_value_set_uint (value, self->session_limit);
      break;
    case PROP_HANDLE_LIFETIME:
      g_value_set_uint (value, self->handle_lifetime);
      break;
    case PROP_LATENCY_MS:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_SPEECH_RATE:
      g_value_set_double (value, self->speech_rate);
      break;
    case PROP_CHUNK_MS:
      g_value_set_uint (value, self->chunk_ms);
      break;
    case PROP_MODELS:
      g_value_set_boxed (value, self->models);
      break;
    case PROP_WAIT_FOR_PLAYBACK:
      g_value_set_boolean (value, self->wait_for_playback);
      break;
    case PROP_RECORD_LIMIT:
      g_value_set_uint64 (value, self->record_limit);
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, self->tls_certificate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
vp_emulator_finalize (GObject * object)
{
  VpEmulator *self = VP_EMULATOR (object);

  vp_emulator_stop (self);

  g_free (self->host);
  g_clear_object (&self->tls_certificate);
  g_free (self->api_key);
  g_free (self->scenario_file);
  g_free (self->scenario_json);
  g_strfreev (self->models);
  g_free (self->bound_host);
  g_free (self->fault.reason);
  if (self->scenario)
    vp_emu_scenario_unref (self->scenario);
  json_array_unref (self->record);
  g_clear_error (&self->start_error);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (vp_emulator_parent_class)->finalize (object);
}

static void
vp_emulator_class_init (VpEmulatorClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = vp_emulator_set_property;
  gobject_class->get_property = vp_emulator_get_property;
  gobject_class->finalize = vp_emulator_finalize;

  /**
   * VpEmulator:host:
   *
   * The address to bind.  Loopback by default: the emulator accepts any
   * key, so do not expose it to a network without #VpEmulator:api-key.
   */
  properties[PROP_HOST] = g_param_spec_string ("host", "Host",
      "Address to listen on", DEFAULT_HOST, rw);

  /**
   * VpEmulator:port:
   *
   * The TCP port; 0 picks a free one.  Reads back the bound port while
   * running.
   */
  properties[PROP_PORT] = g_param_spec_uint ("port", "Port",
      "TCP port to listen on (0 = any free port; the bound port while "
      "running)", 0, 65535, DEFAULT_PORT, rw);

  /**
   * VpEmulator:api-key:
   *
   * When set, only this key or token is accepted; otherwise any non-empty
   * one is.  A refused key completes the upgrade, then closes 1007.
   */
  properties[PROP_API_KEY] = g_param_spec_string ("api-key", "API key",
      "The only key (or auth_tokens/ token) accepted; NULL accepts any "
      "non-empty key", NULL, rw);

  /**
   * VpEmulator:scenario-file:
   *
   * A scenario JSON file (docs/emulator.md), loaded by vp_emulator_start().
   * Takes precedence over #VpEmulator:scenario.
   */
  properties[PROP_SCENARIO_FILE] = g_param_spec_string ("scenario-file",
      "Scenario file", "Path of the scenario JSON file that decides what "
      "the model says", NULL, rw);

  /**
   * VpEmulator:scenario:
   *
   * A scenario as a JSON string, for tests that keep it inline.
   */
  properties[PROP_SCENARIO] = g_param_spec_string ("scenario", "Scenario",
      "The scenario as a JSON string (used when scenario-file is unset)",
      NULL, rw);

  /**
   * VpEmulator:time-scale:
   *
   * How much faster than real time the connection lifetime, the goAway
   * notice, the session limit and handle expiry run.  Audio is not scaled.
   */
  properties[PROP_TIME_SCALE] = g_param_spec_double ("time-scale",
      "Time scale", "Speed-up of connection, session and handle clocks "
      "(60 makes 10 minutes last 10 s)", 0.001, 1000000.0,
      DEFAULT_TIME_SCALE, rw);

  /**
   * VpEmulator:connection-lifetime:
   *
   * Seconds (service time) before the server closes a connection with 1011
   * "Deadline expired…"; 0 for no limit.
   */
  properties[PROP_CONNECTION_LIFETIME] =
      g_param_spec_uint ("connection-lifetime", "Connection lifetime",
      "Seconds before a connection is closed 1011 (0 = unlimited)", 0,
      G_MAXUINT, DEFAULT_CONNECTION_LIFETIME, rw);

  /**
   * VpEmulator:go-away-notice:
   *
   * Seconds (service time) between goAway and the end of the connection.
   */
  properties[PROP_GO_AWAY_NOTICE] = g_param_spec_uint ("go-away-notice",
      "goAway notice", "Seconds of notice goAway gives before the "
      "connection ends", 0, G_MAXUINT, DEFAULT_GO_AWAY_NOTICE, rw);

  /**
   * VpEmulator:session-limit:
   *
   * Seconds (service time) a session may last without context window
   * compression (capped at 120 once video was sent); 0 for no limit.
   */
  properties[PROP_SESSION_LIMIT] = g_param_spec_uint ("session-limit",
      "Session limit", "Seconds a session lasts without "
      "contextWindowCompression (120 with video; 0 = unlimited)", 0,
      G_MAXUINT, DEFAULT_SESSION_LIMIT, rw);

  /**
   * VpEmulator:handle-lifetime:
   *
   * Seconds (service time) a resumption handle stays valid after its
   * session's last connection closed.
   */
  properties[PROP_HANDLE_LIFETIME] = g_param_spec_uint ("handle-lifetime",
      "Handle lifetime", "Seconds a resumption handle stays valid after "
      "the session's connection closed", 0, G_MAXUINT,
      DEFAULT_HANDLE_LIFETIME, rw);

  /**
   * VpEmulator:latency-ms:
   *
   * Think time from the end of the user's turn (and from a tool response)
   * to the first model audio.  A scenario turn can override it.
   */
  properties[PROP_LATENCY_MS] = g_param_spec_uint ("latency-ms",
      "Latency", "Milliseconds from the end of the user's turn to the first "
      "model audio", 0, 600000, DEFAULT_LATENCY_MS, rw);

  /**
   * VpEmulator:speech-rate:
   *
   * How many times faster than real time model audio is sent, like the
   * service's bursts; 1.0 paces it.
   */
  properties[PROP_SPEECH_RATE] = g_param_spec_double ("speech-rate",
      "Speech rate", "How many times faster than real time model audio is "
      "sent (1.0 = paced)", 0.1, 1000.0, DEFAULT_SPEECH_RATE, rw);

  /**
   * VpEmulator:chunk-ms:
   *
   * Model audio per frame, in milliseconds.
   */
  properties[PROP_CHUNK_MS] = g_param_spec_uint ("chunk-ms", "Chunk",
      "Milliseconds of model audio per frame", 40, 320, DEFAULT_CHUNK_MS, rw);

  /**
   * VpEmulator:models:
   *
   * The models that exist; setup with another closes 1008.
   */
  properties[PROP_MODELS] = g_param_spec_boxed ("models", "Models",
      "Model ids that exist (without \"models/\"); others close 1008",
      G_TYPE_STRV, rw);

  /**
   * VpEmulator:wait-for-playback:
   *
   * Send turnComplete only when the client could have played the audio it
   * was sent (the service does this); FALSE sends it right after
   * generationComplete.
   */
  properties[PROP_WAIT_FOR_PLAYBACK] =
      g_param_spec_boolean ("wait-for-playback", "Wait for playback",
      "Hold turnComplete until the sent audio could have played",
      DEFAULT_WAIT_FOR_PLAYBACK, rw);

  /**
   * VpEmulator:record-limit:
   *
   * Bytes of client messages kept in the record; later messages are kept
   * as their size only.
   */
  properties[PROP_RECORD_LIMIT] = g_param_spec_uint64 ("record-limit",
      "Record limit", "Bytes of client messages kept in the record",
      0, G_MAXUINT64, DEFAULT_RECORD_LIMIT, rw);

  /**
   * VpEmulator:tls-certificate:
   *
   * With a certificate (and its key), the emulator serves wss:// — for
   * testing that clients verify certificates.
   */
  properties[PROP_TLS_CERTIFICATE] = g_param_spec_object ("tls-certificate",
      "TLS certificate", "Serve wss:// with this certificate and key",
      G_TYPE_TLS_CERTIFICATE, rw);

  /**
   * VpEmulator:url:
   *
   * "ws://HOST:PORT" (or wss://), usable as a session endpoint.
   */
  properties[PROP_URL] = g_param_spec_string ("url", "URL",
      "The WebSocket URL of the running emulator", NULL,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (gobject_class, N_PROPERTIES, properties);
}

static void
vp_emulator_init (VpEmulator * self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);

  self->host = g_strdup (DEFAULT_HOST);
  self->port = DEFAULT_PORT;
  self->time_scale = DEFAULT_TIME_SCALE;
  self->connection_lifetime = DEFAULT_CONNECTION_LIFETIME;
  self->go_away_notice = DEFAULT_GO_AWAY_NOTICE;
  self->session_limit = DEFAULT_SESSION_LIMIT;
  self->handle_lifetime = DEFAULT_HANDLE_LIFETIME;
  self->latency_ms = DEFAULT_LATENCY_MS;
  self->speech_rate = DEFAULT_SPEECH_RATE;
  self->chunk_ms = DEFAULT_CHUNK_MS;
  self->wait_for_playback = DEFAULT_WAIT_FOR_PLAYBACK;
  self->record_limit = DEFAULT_RECORD_LIMIT;
  self->models = g_strdupv ((gchar **) default_models);
  self->record = json_array_new ();
}
