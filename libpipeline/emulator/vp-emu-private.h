/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator's shared data (internal, not installed): the emulator
 * object, a connection (Conn), a session, the model's turn and the armed
 * fault, each field tagged with the file that owns it, plus the small
 * helpers every file uses.  The files call each other one way only, each
 * calling only files below it:
 *
 *   vp-emulator.c         the object, its properties, thread, start/stop
 *   vp-emu-server.c       listening, TLS, the upgrade → conn
 *   vp-emu-conn.c         a connection and the client's messages
 *   vp-emu-faults.c       fault injection → sessions, wire
 *   vp-emu-turn.c         the model's turn → hearing, sessions, voice, wire
 *   vp-emu-hearing.c      the user turn's audio, the ear's thread → recognizer
 *   vp-emu-limits.c       lifetime, goAway, session limit → wire
 *   vp-emu-sessions.c     sessions, handles, usage → wire
 *   vp-emu-voice.c        speech hand-off, prewarm → vp-speech.c
 *   vp-emu-wire.c         send, close, drop, stall → record, gate-stream
 *   vp-emu-record.c       the record
 *   vp-emu-gate-stream.c  the input stream the stall fault freezes
 *
 * The wire layer reaches back up only through the VpEmuConnHooks a
 * connection carries (filled by vp-emu-conn.c). */

#pragma once

#include "vp-emulator.h"
#include "vp-emulator-scenario.h"
#include "vp-emulator-vad.h"
#include "vp-emu-gate-stream.h"
#include "vp-protocol.h"

#include <math.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Model audio: S16LE mono at this rate (PROTOCOL.md §4). */
#define VP_EMU_OUTPUT_RATE 24000

/* The service's own words, for the closes clients match on. */
#define VP_EMU_REASON_BAD_KEY "API key not valid. Please pass a valid API key."
#define VP_EMU_REASON_SESSION_NOT_FOUND "BidiGenerateContent session not found"
#define VP_EMU_REASON_DEADLINE \
  "Deadline expired before operation could complete."
#define VP_EMU_REASON_SESSION_LIMIT "Session time limit reached. Enable " \
  "contextWindowCompression for longer sessions."
#define VP_EMU_REASON_SESSION_IN_USE "Internal error occurred. The session " \
  "is still open on another connection; close it before resuming."
#define VP_EMU_REASON_NOT_FIRST "Request contains an invalid argument. The " \
  "first message must be setup."
#define VP_EMU_REASON_SECOND_SETUP "Request contains an invalid argument. " \
  "setup may be sent only once per connection."
#define VP_EMU_REASON_SHUTDOWN "The emulator is shutting down."

typedef struct _Conn Conn;
typedef struct _VpEmuModel VpEmuModel;  /* vp-emu-models.h */
typedef struct _VpEmuAsync VpEmuAsync;  /* vp-emu-turn.c */

/* A session: what a resumption handle names (vp-emu-sessions.c).  The
 * usage inputs are added to by whoever sees the tokens go by. */
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

/* The model's turn (vp-emu-turn.c) */

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
  gint64 heard_ms;              /* think time already spent hearing */
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
  gboolean non_blocking;        /* the turn's calls run on: filler, no wait */
} Gen;

/* What the wire layer calls above itself, so that it never names those
 * layers (the table is vp-emu-conn.c's). */
typedef struct
{
  /* After each server message: a fault may trigger on the count. */
  void (*sent) (Conn * c);
  /* The connection stops working (close, drop or stall): end the model's
   * turn and stop every timer. */
  void (*stop) (Conn * c);
} VpEmuConnHooks;

/* A connection.  It lives on the emulator's thread; only the record is
 * shared, under the emulator's lock. */
struct _Conn
{
  VpEmulator *emu;
  guint id;
  const VpEmuConnHooks *hooks;

  /* wire (vp-emu-wire.c); the flags are read by every layer */
  SoupWebsocketConnection *ws;
  VpEmuGateStream *gate;
  GSocket *socket;
  guint n_sent;
  gboolean closing;
  gboolean closed;
  gboolean stalled;
  gboolean silent;              /* no-setup-complete: send nothing */
  gboolean dropped;
  gboolean next_text_frame;
  gint close_code_sent;         /* -1: the server did not close */

  /* record (vp-emu-record.c), under the emulator's lock; also in the
   * emulator's record array */
  JsonObject *record;

  /* connection (vp-emu-conn.c): the upgrade, and settings copied when it
   * opened */
  gchar *path;
  gchar *api_version;
  gboolean auth_ok;
  gdouble time_scale;
  guint connection_lifetime;
  guint go_away_notice;
  guint session_limit;
  guint handle_lifetime;
  guint latency_ms;
  gdouble speech_rate;
  guint chunk_ms;
  gboolean wait_for_playback;
  gboolean strict;
  gchar **models;
  VpEmuScenario *scenario;

  /* from setup (vp-emu-conn.c) */
  gboolean setup_done;
  VpSetupConfig *setup;
  gboolean packed;              /* 3.x: audio and transcription in one frame */
  gboolean seeding_only;        /* strict 3.1: clientContent only seeds history */
  const VpEmuModel *model;      /* the model's rules */
  gboolean text_mode;
  gboolean resumption;
  gboolean vad_disabled;
  gboolean no_interruption;
  gboolean history_phase;
  gboolean manual_activity;     /* between activityStart and activityEnd */
  Session *session;             /* (vp-emu-sessions.c hands it out) */
  VpEmulatorVad *vad;

  /* hearing (vp-emu-hearing.c): the user turn's audio, and the turns
   * the ear has not answered yet */
  GByteArray *heard;
  guint heard_rate;
  GQueue hear_jobs;

  /* the model's turn (vp-emu-turn.c) */
  Gen gen;
  guint next_call;
  gboolean queued;              /* a user turn waits for the model's turn to end */
  gchar *queued_text;
  gboolean queued_audio;
  gboolean queued_heard;        /* queued_text is what the ear heard */
  GString *turn_text;           /* (vp-emu-conn.c) clientContent text of
                                 * the turn so far */
  GPtrArray *async_calls;       /* VpEmuAsync: non-blocking calls running */
  GQueue idle_results;          /* VpEmuAsync answered WHEN_IDLE, waiting for
                                 * the model's turn to end */

  /* limits (vp-emu-limits.c) */
  GSource *go_away_source;
  GSource *lifetime_source;
  GSource *session_source;

  /* faults (vp-emu-faults.c) */
  GSource *fault_source;

  /* (vp-emu-conn.c) freed from an idle after the close */
  GSource *free_source;
};

/* The armed fault (vp-emu-faults.c) */
typedef struct
{
  VpEmulatorFault kind;
  guint after;
  gushort code;
  gchar *reason;
  gint64 argument;
} Fault;

typedef struct _VpEmuPrewarm VpEmuPrewarm;

struct _VpEmulator
{
  GObject parent;

  GMutex lock;

  /* properties, under lock (vp-emulator.c) */
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
  gboolean strict;
  guint64 record_limit;
  GTlsCertificate *tls_certificate;     /* set: serve wss:// */

  /* under lock */
  gboolean running;             /* (vp-emulator.c) */
  guint bound_port;             /* (vp-emulator.c) */
  gchar *bound_host;            /* (vp-emulator.c) */
  VpEmuScenario *scenario;      /* (vp-emulator.c) */
  Fault fault;                  /* (vp-emu-faults.c) */
  JsonArray *record;            /* (vp-emu-record.c) */
  guint64 record_bytes;         /* (vp-emu-record.c) */
  guint n_connections;          /* (vp-emu-record.c) */

  /* set by start and stop (vp-emulator.c) while the thread is not
   * running; the thread only reads context and loop */
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GCond cond;
  gboolean thread_ready;
  GError *start_error;
  VpEmuPrewarm *prewarm;

  /* set only while stopped: read without the lock on the thread */
  VpEmulatorTraceFunc trace_func;
  gpointer trace_data;

  /* the emulator thread's own */
  SoupServer *server;           /* (vp-emu-server.c) */
  GSocketService *service;      /* (vp-emu-server.c) */
  GHashTable *sockets;          /* (vp-emu-server.c) remote address → GSocket, until upgraded */
  GList *conns;                 /* (vp-emu-conn.c) */
  GHashTable *sessions;         /* (vp-emu-sessions.c) id → Session */
  GHashTable *handles;          /* (vp-emu-sessions.c) handle → Session (borrowed) */
  guint next_conn_id;           /* (vp-emu-conn.c) */
  guint next_session_id;        /* (vp-emu-sessions.c) */
  GSource *stop_source;         /* (vp-emulator.c) */
  GSource *stop_poll_source;    /* (vp-emulator.c) */
};

/* Every log line names the connection; the key is never logged. */
#define conn_log(c, format, ...) \
  g_debug ("emulator: conn %u: " format, (c)->id, ##__VA_ARGS__)

static inline void
vp_emu_clear_source (GSource ** source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

/* A timer on the emulator's context that calls @func with @c. */
static inline GSource *
vp_emu_conn_timeout (Conn * c, gint64 ms, GSourceFunc func)
{
  GSource *source;

  ms = CLAMP (ms, 0, G_MAXUINT);
  source = g_timeout_source_new ((guint) ms);
  g_source_set_callback (source, func, c, NULL);
  g_source_attach (source, c->emu->context);

  return source;
}

/* @seconds of service time in real milliseconds. */
static inline gint64
vp_emu_scaled_ms (Conn * c, gdouble seconds)
{
  return (gint64) llround (seconds * 1000.0 / c->time_scale);
}

/* Text tokens, as the service counts them: about four characters each. */
static inline gint64
vp_emu_text_tokens (const gchar * text)
{
  if (text == NULL)
    return 0;
  return (g_utf8_strlen (text, -1) + 3) / 4;
}

G_END_DECLS
