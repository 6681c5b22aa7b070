/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Voxpipe's side of the benchmarks (docs/performance.md).  Every session is
 * a real pipeline: geminilivesink fed with 20 ms frames of 16 kHz audio,
 * and geminilivesrc ! fakesink sync=true (with a queue before the fakesink
 * outside the scale run, standing in for a speaker's ring buffer).  One ticker thread makes the
 * 20 ms frames of every session, on an absolute CLOCK_MONOTONIC schedule,
 * like the SDK client's one tick.  Prints one JSON object on stdout.
 *
 *   bench-voxpipe overhead --sessions S --seconds D --scenario FILE
 *     In-process emulator (shared clock).  Input: buffer entering
 *     geminilivesink (pad probe) -> emulator receiving its realtimeInput
 *     (emulator trace).  Output: emulator writing a model audio message ->
 *     the first sample of it pushed by geminilivesrc (pad probe).  The
 *     emulator sends 40 ms chunks at half speed, so that each one finds the
 *     playout queue empty: its first sample is then the first sample of a
 *     buffer, and the time measured is the framework's, not queueing.
 *
 *   bench-voxpipe latency --turns T --scenario FILE
 *     In-process emulator, think time 0.  Three sessions at once: voice-to-
 *     voice with server VAD, voice-to-voice with manual activity, and
 *     barge-in.
 *
 *   bench-voxpipe scale --url URL --sessions N --warmup S --window S
 *     N sessions against an emulator in another process.  The mic is an
 *     appsrc (is-live, do-timestamp) per session, pushed by the ticker.
 *     Reports CPU and RSS of this process and the ticker's schedule; the
 *     input-frame lateness comes from the emulator's trace (tests/bench/run
 *     joins them).
 *
 *   bench-voxpipe floor --sessions N --warmup S --window S
 *     The scale run's pipelines with no Voxpipe in them and no network: the
 *     same appsrc, pushed by the same ticker, into a fakesink (for
 *     geminilivesink), and a live audiotestsrc of silence in 20 ms buffers
 *     into fakesink sync=true (for geminilivesrc and its sink).  What two
 *     live streaming threads per session cost GStreamer alone.
 *
 *   bench-voxpipe parse --seconds S
 *     vp_server_message_parse() of the model audio message the scale run's
 *     emulator sends (120 ms of 24 kHz audio, vp_server_build_audio()), in a
 *     loop: the codec's share of every model audio message.
 */

#include <voxpipe.h>
#include <voxpipe-emulator.h>
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "bench-trace.h"

static inline gint64
now_us_raw (void)
{
  return g_get_monotonic_time ();
}

#include <dlfcn.h>
#include <sys/socket.h>

/* ------------------------------------------------------------------ */
/* When each frame is written to its socket (scale).  The program exports
 * send() (export_dynamic), so GIO's send() calls come here first: a
 * record of the time, the socket and the size, then libc's send().  Only
 * the network thread writes the sessions' sockets. */

typedef struct
{
  gint fd;
  gint64 time_us;
} SendRecord;

static gint send_trace_on;
static GArray *send_records;    /* SendRecord; frames (> 500 bytes) only */
static GArray *send_fds;        /* gint: sockets in the order first written */
static GMutex send_lock;

ssize_t send (int fd, const void *buf, size_t len, int flags);

ssize_t
send (int fd, const void *buf, size_t len, int flags)
{
  static ssize_t (*real_send) (int, const void *, size_t, int);
  ssize_t r;

  if (G_UNLIKELY (real_send == NULL))
    real_send = dlsym (RTLD_NEXT, "send");
  r = real_send (fd, buf, len, flags);
  if (g_atomic_int_get (&send_trace_on) && r > 0) {
    g_mutex_lock (&send_lock);
    if (send_fds != NULL) {
      guint i;
      for (i = 0; i < send_fds->len; i++)
        if (g_array_index (send_fds, gint, i) == fd)
          break;
      if (i == send_fds->len)
        g_array_append_val (send_fds, fd);
      if (len > 500) {
        SendRecord rec = { fd, now_us_raw () };
        g_array_append_val (send_records, rec);
      }
    }
    g_mutex_unlock (&send_lock);
  }
  return r;
}

#define FRAME_SAMPLES 320       /* 20 ms at 16 kHz */
#define FRAME_US 20000
#define OUT_PERIOD 480          /* geminilivesrc's 20 ms at 24 kHz */

static const gchar *mode;
static gint n_sessions = 1;
static gdouble seconds = 10, warmup_s = 3, window_s = 10;
static gint n_turns = 100;
static gint period_ms = 0;      /* geminilivesrc period-ms; 0: its default */
static gchar *url_opt, *scenario_file;
static gint16 zeros[FRAME_SAMPLES];
static gint16 tone[FRAME_SAMPLES];

typedef enum
{
  ROLE_PLAIN,                   /* overhead and scale */
  ROLE_V2V_SERVER,
  ROLE_V2V_MANUAL,
  ROLE_BARGE,
} Role;

typedef enum
{
  PH_GAP,
  PH_SPEAK,
  PH_WAIT,
  PH_BARGE_START,
  PH_BARGE_WAIT_AUDIO,
  PH_BARGE_PLAYING,
  PH_BARGE_WAIT_REPLY,
} Phase;

typedef struct
{
  guint index;
  Role role;
  GstElement *pipeline, *sink, *src, *appsrc;
  GstPad *feed;                 /* our pad into geminilivesink (not scale) */
  GstSegment segment;
  guint64 frames;               /* pushed so far */
  gint ready;                   /* atomic */
  gint turns_complete;          /* atomic */

  /* overhead */
  GArray *t_in;                 /* gint64: buffer entering the sink */
  GArray *t_out;                /* gint64: non-GAP buffer pushed by the src */
  gint64 last_in;               /* sink probe, last buffer */

  /* floor: frames that reached the fakesink standing for geminilivesink */
  guint64 floor_frames;

  /* latency: the ticker's state machine */
  Phase phase;
  gint countdown;
  gint turn;                    /* atomic: current turn index */
  gint awaiting_first;          /* atomic */
  gint64 *t_last;               /* per turn: last speech frame entered */
  guint64 *last_frame;          /* per turn: its frame index */
  gint64 *t_first;              /* per turn: first model sample out */
  gint64 wait_started;
  gint complete_at_start;
  gint64 last_nongap;           /* atomic via g_atomic_pointer? see below */
  gint nongap_count;            /* atomic */
  gint nongap_at_start;
} Sess;

static Sess **sessions;
static gint stop_ticker;
static gint64 t0_us;
static GArray *tick_late;       /* gint64: ticker wake-up lateness, scale */
static gint64 window_start_us, window_end_us;

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static int
cmp64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static gdouble
pct (GArray * a, gdouble p)
{
  guint i;

  if (a->len == 0)
    return -1;
  qsort (a->data, a->len, sizeof (gint64), cmp64);
  i = (guint) ceil (p / 100.0 * a->len) - 1;
  if (i >= a->len)
    i = a->len - 1;
  return (gdouble) g_array_index (a, gint64, i);
}

/* ------------------------------------------------------------------ */
/* Sessions */

static GstBusSyncReply
bus_sync (GstBus * bus, GstMessage * msg, gpointer data)
{
  Sess *s = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gst_message_parse_error (msg, &err, NULL);
    fprintf (stderr, "bench-voxpipe: session %u: %s\n", s->index, err->message);
    g_error_free (err);
  }
  return GST_BUS_DROP;
}

static void
on_session (GstElement * sink, const gchar * state, const gchar * handle,
    Sess * s)
{
  if (g_str_equal (state, "ready"))
    g_atomic_int_set (&s->ready, 1);
}

static void
send_text (Sess * s, const gchar * text)
{
  g_signal_emit_by_name (s->sink, "send-text", text);
}

static void
on_turn (GstElement * sink, const gchar * state, gdouble latency, Sess * s)
{
  if (!g_str_equal (state, "complete"))
    return;
  g_atomic_int_inc (&s->turns_complete);
  /* overhead and scale: keep the model talking */
  if (s->role == ROLE_PLAIN)
    send_text (s, "go");
}

static GstPadProbeReturn
sink_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Sess *s = data;
  gint64 t = now_us ();

  s->last_in = t;
  if (s->t_in != NULL)
    g_array_append_val (s->t_in, t);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
src_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Sess *s = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  gint64 t;

  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP))
    return GST_PAD_PROBE_OK;
  t = now_us ();
  if (s->t_out != NULL)
    g_array_append_val (s->t_out, t);
  s->last_nongap = t;
  g_atomic_int_inc (&s->nongap_count);
  if (g_atomic_int_compare_and_exchange (&s->awaiting_first, 1, 0))
    s->t_first[g_atomic_int_get (&s->turn)] = t;
  return GST_PAD_PROBE_OK;
}

static void
push_feed (Sess * s, const gint16 * samples)
{
  GstBuffer *buffer = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
      (gpointer) samples, FRAME_SAMPLES * 2, 0, FRAME_SAMPLES * 2, NULL,
      NULL);

  if (s->appsrc != NULL) {
    gst_app_src_push_buffer (GST_APP_SRC (s->appsrc), buffer);
  } else {
    GST_BUFFER_PTS (buffer) = s->frames * 20 * GST_MSECOND;
    GST_BUFFER_DURATION (buffer) = 20 * GST_MSECOND;
    gst_pad_push (s->feed, buffer);
  }
  s->frames++;
}

static Sess *
session_new (guint index, Role role, const gchar * url, gboolean scale)
{
  Sess *s = g_new0 (Sess, 1);
  g_autofree gchar *name = g_strdup_printf ("bench-%u", index);
  GstElement *fakesink;
  GstPad *pad;
  GstBus *bus;
  GstCaps *caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING,
      "S16LE", "layout", G_TYPE_STRING, "interleaved", "channels", G_TYPE_INT,
      1, "rate", G_TYPE_INT, 16000, NULL);

  s->index = index;
  s->role = role;
  s->pipeline = gst_pipeline_new (NULL);
  s->sink = gst_element_factory_make ("geminilivesink", NULL);
  s->src = gst_element_factory_make ("geminilivesrc", NULL);
  fakesink = gst_element_factory_make ("fakesink", NULL);
  g_assert (s->sink && s->src && fakesink);
  /* The same minimal setup the SDK client sends: audio out, nothing else. */
  g_object_set (s->sink, "session", name, "endpoint", url, "api-key",
      "bench", "input-transcription", FALSE, "output-transcription", FALSE,
      "session-resumption", FALSE, "context-compression", FALSE, NULL);
  g_object_set (s->src, "session", name, NULL);
  if (period_ms > 0)
    g_object_set (s->src, "period-ms", (guint) period_ms, NULL);
  g_object_set (fakesink, "sync", TRUE, NULL);
  if (role == ROLE_V2V_MANUAL)
    gst_util_set_object_arg (G_OBJECT (s->sink), "vad", "manual");
  if (role == ROLE_V2V_SERVER)
    g_object_set (s->sink, "silence-duration-ms", 200, NULL);

  gst_bin_add_many (GST_BIN (s->pipeline), s->sink, s->src, fakesink, NULL);
  if (scale) {
    gst_element_link (s->src, fakesink);
  } else {
    /* A speaker takes audio ahead of its time into its ring buffer; a
     * fakesink holds the streaming thread in its clock wait (the pipeline
     * latency) instead, and model audio would wait for that to end.  The
     * queue stands in for the ring buffer. */
    GstElement *queue = gst_element_factory_make ("queue", NULL);
    gst_bin_add (GST_BIN (s->pipeline), queue);
    gst_element_link_many (s->src, queue, fakesink, NULL);
  }
  if (scale) {
    s->appsrc = gst_element_factory_make ("appsrc", NULL);
    g_object_set (s->appsrc, "is-live", TRUE, "format", GST_FORMAT_TIME,
        "do-timestamp", TRUE, "caps", caps, NULL);
    gst_bin_add (GST_BIN (s->pipeline), s->appsrc);
    gst_element_link (s->appsrc, s->sink);
  } else {
    /* Frames go straight from the ticker into geminilivesink. */
    g_object_set (s->sink, "sync", FALSE, "async", FALSE, NULL);
    s->feed = gst_pad_new ("feed", GST_PAD_SRC);
    gst_pad_set_active (s->feed, TRUE);
    pad = gst_element_get_static_pad (s->sink, "sink");
    gst_pad_link (s->feed, pad);
    gst_object_unref (pad);
  }
  gst_caps_unref (caps);

  if (!scale) {
    pad = gst_element_get_static_pad (s->sink, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, sink_probe, s, NULL);
    gst_object_unref (pad);
  }
  pad = gst_element_get_static_pad (s->src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, src_probe, s, NULL);
  gst_object_unref (pad);

  g_signal_connect (s->sink, "session", G_CALLBACK (on_session), s);
  g_signal_connect (s->sink, "turn", G_CALLBACK (on_turn), s);
  bus = gst_element_get_bus (s->pipeline);
  gst_bus_set_sync_handler (bus, bus_sync, s, NULL);
  gst_object_unref (bus);
  return s;
}

/* floor: frames reaching the sink that stands for geminilivesink, with
 * their lateness against the ticker's schedule. */
static GMutex floor_lock;
static GArray *floor_late;

static GstPadProbeReturn
floor_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Sess *s = data;
  gint64 due = t0_us + (gint64) s->floor_frames++ * FRAME_US;
  gint64 late = now_us () - due;

  if (due >= window_start_us && due < window_end_us) {
    g_mutex_lock (&floor_lock);
    g_array_append_val (floor_late, late);
    g_mutex_unlock (&floor_lock);
  }
  return GST_PAD_PROBE_OK;
}

static Sess *
floor_session_new (guint index)
{
  Sess *s = g_new0 (Sess, 1);
  GError *error = NULL;
  GstElement *mic_sink;
  GstPad *pad;

  s->index = index;
  s->role = ROLE_PLAIN;
  s->pipeline = gst_parse_launch ("appsrc name=mic is-live=true format=time "
      "do-timestamp=true caps=audio/x-raw,format=S16LE,layout=interleaved,"
      "channels=1,rate=16000 ! fakesink name=micsink sync=false async=false "
      "audiotestsrc is-live=true wave=silence samplesperbuffer=480 "
      "! audio/x-raw,format=S16LE,channels=1,rate=24000 "
      "! fakesink sync=true", &error);
  if (s->pipeline == NULL)
    g_error ("floor pipeline: %s", error->message);
  s->appsrc = gst_bin_get_by_name (GST_BIN (s->pipeline), "mic");
  gst_object_unref (s->appsrc);
  mic_sink = gst_bin_get_by_name (GST_BIN (s->pipeline), "micsink");
  pad = gst_element_get_static_pad (mic_sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, floor_probe, s, NULL);
  gst_object_unref (pad);
  gst_object_unref (mic_sink);
  s->ready = 1;
  return s;
}

static gboolean
session_start (Sess * s)
{
  gint64 deadline = now_us () + 20 * G_USEC_PER_SEC;

  gst_element_set_state (s->pipeline, GST_STATE_PLAYING);
  if (s->feed != NULL) {
    GstCaps *caps = gst_caps_new_simple ("audio/x-raw", "format",
        G_TYPE_STRING, "S16LE", "layout", G_TYPE_STRING, "interleaved",
        "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT, 16000, NULL);
    gst_pad_push_event (s->feed, gst_event_new_stream_start ("bench"));
    gst_pad_push_event (s->feed, gst_event_new_caps (caps));
    gst_caps_unref (caps);
    gst_segment_init (&s->segment, GST_FORMAT_TIME);
    gst_pad_push_event (s->feed, gst_event_new_segment (&s->segment));
  }
  while (!g_atomic_int_get (&s->ready)) {
    if (now_us () > deadline)
      return FALSE;
    g_usleep (1000);
  }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The ticker: one thread, every session, every 20 ms */

typedef void (*TickFunc) (Sess * s, gint64 now);

static void
sleep_until (gint64 t_us)
{
  struct timespec ts = { t_us / G_USEC_PER_SEC, (t_us % G_USEC_PER_SEC) * 1000
  };
  while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0);
}

/* The ticker's period.  The latency run makes it 20.1 ms: the microphone's
 * frames then slide against geminilivesrc's 20 ms periods (by 5 ms a turn),
 * so that the ends of the turns fall at every phase of the speaker's
 * period, as a user's do.  With both on one 20 ms grid every turn would
 * wait the same part of a period. */
static gint64 tick_us = FRAME_US;

static gpointer
ticker (gpointer data)
{
  TickFunc func = data;
  guint64 k;

  for (k = 0; !g_atomic_int_get (&stop_ticker); k++) {
    gint64 due = t0_us + (gint64) k * tick_us, late;
    gint i;

    sleep_until (due);
    late = now_us () - due;
    if (tick_late != NULL && due >= window_start_us && due < window_end_us)
      g_array_append_val (tick_late, late);
    for (i = 0; i < n_sessions; i++)
      func (sessions[i], due);
  }
  return NULL;
}

/* The overhead run: session i's frames are due i/S of a period after
 * session 0's, as independent calls are, so that no frame waits behind
 * another session's in the emulator (which handles one message at a
 * time).  sdk-bench.mjs staggers its sessions the same way. */
static gpointer
ticker_staggered (gpointer data)
{
  TickFunc func = data;
  guint64 k;

  for (k = 0; !g_atomic_int_get (&stop_ticker); k++) {
    gint i;

    for (i = 0; i < n_sessions; i++) {
      gint64 due = t0_us + (gint64) k * FRAME_US + i * FRAME_US / n_sessions;
      sleep_until (due);
      func (sessions[i], due);
    }
  }
  return NULL;
}

static void
tick_plain (Sess * s, gint64 now)
{
  push_feed (s, zeros);
}

static void
tick_latency (Sess * s, gint64 now)
{
  gint turn = g_atomic_int_get (&s->turn);

  if (turn >= n_turns) {
    push_feed (s, zeros);
    return;
  }

  switch (s->phase) {
    case PH_GAP:
      push_feed (s, zeros);
      if (--s->countdown <= 0) {
        s->phase = PH_SPEAK;
        s->countdown = 15;      /* 300 ms of speech */
      }
      break;
    case PH_SPEAK:
      if (s->countdown == 15 && s->role == ROLE_V2V_MANUAL)
        g_signal_emit_by_name (s->sink, "activity-start");
      push_feed (s, tone);
      if (--s->countdown <= 0) {
        /* The last speech sample entered geminilivesink just now. */
        s->t_last[turn] = s->last_in;
        s->last_frame[turn] = s->frames - 1;
        g_atomic_int_set (&s->awaiting_first, 1);
        if (s->role == ROLE_V2V_MANUAL)
          g_signal_emit_by_name (s->sink, "activity-end");
        s->phase = PH_WAIT;
        s->wait_started = now;
        s->complete_at_start = g_atomic_int_get (&s->turns_complete);
      }
      break;
    case PH_WAIT:
      push_feed (s, zeros);
      /* The reply played out: its turn is complete and the src is quiet. */
      if ((g_atomic_int_get (&s->turns_complete) > s->complete_at_start
              && !g_atomic_int_get (&s->awaiting_first)
              && now - s->last_nongap > 100000)
          || now - s->wait_started > 10 * G_USEC_PER_SEC) {
        if (g_atomic_int_compare_and_exchange (&s->awaiting_first, 1, 0))
          s->t_first[turn] = -1;        /* no reply: the turn is lost */
        g_atomic_int_inc (&s->turn);
        s->phase = PH_GAP;
        s->countdown = 10;
      }
      break;
    case PH_BARGE_START:
      push_feed (s, zeros);
      if (--s->countdown <= 0) {
        send_text (s, "go");
        s->nongap_at_start = g_atomic_int_get (&s->nongap_count);
        s->phase = PH_BARGE_WAIT_AUDIO;
        s->wait_started = now;
      }
      break;
    case PH_BARGE_WAIT_AUDIO:
      push_feed (s, zeros);
      if (g_atomic_int_get (&s->nongap_count) > s->nongap_at_start) {
        s->phase = PH_BARGE_PLAYING;
        s->countdown = 5 + g_random_int_range (0, 11);  /* 100-300 ms */
      } else if (now - s->wait_started > 10 * G_USEC_PER_SEC) {
        s->phase = PH_BARGE_START;
        s->countdown = 10;
      }
      break;
    case PH_BARGE_PLAYING:
      push_feed (s, zeros);
      if (--s->countdown <= 0) {
        s->complete_at_start = g_atomic_int_get (&s->turns_complete);
        send_text (s, "stop");
        s->phase = PH_BARGE_WAIT_REPLY;
        s->wait_started = now;
      }
      break;
    case PH_BARGE_WAIT_REPLY:
      push_feed (s, zeros);
      /* The interrupted turn's turnComplete, then the reply's. */
      if ((g_atomic_int_get (&s->turns_complete) >= s->complete_at_start + 2
              && now - s->last_nongap > 100000)
          || now - s->wait_started > 10 * G_USEC_PER_SEC) {
        g_atomic_int_inc (&s->turn);
        s->phase = PH_BARGE_START;
        s->countdown = 5;
      }
      break;
  }
}

/* ------------------------------------------------------------------ */
/* Analysis of the in-process runs */

/* The trace's records of connection @conn (1-based) of @kind. */
static GArray *
records_of (BenchTrace * trace, guint conn, gchar kind)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (BenchTraceRecord));
  guint i;

  for (i = 0; i < trace->records->len; i++) {
    BenchTraceRecord *r = &g_array_index (trace->records, BenchTraceRecord, i);
    if (r->conn == conn && r->kind == kind)
      g_array_append_val (out, *r);
  }
  return out;
}

static void
print_stats (GString * out, const gchar * name, GArray * values)
{
  g_string_append_printf (out, "\"%s\":{\"n\":%u,\"p50\":%.0f,\"p95\":%.0f,"
      "\"p99\":%.0f,\"max\":%.0f}", name, values->len, pct (values, 50),
      pct (values, 95), pct (values, 99), pct (values, 100));
}

static VpEmulator *
start_emulator (BenchTrace * trace, gdouble speech_rate, guint chunk_ms)
{
  VpEmulator *emulator = vp_emulator_new ();
  GError *error = NULL;

  g_object_set (emulator, "latency-ms", 0, "speech-rate", speech_rate,
      "chunk-ms", chunk_ms, "connection-lifetime", 0, "session-limit", 0,
      "record-limit", (guint64) 0, "scenario-file", scenario_file, NULL);
  vp_emulator_set_trace_func (emulator, bench_trace_func, trace);
  if (!vp_emulator_start (emulator, &error))
    g_error ("emulator: %s", error->message);
  return emulator;
}

static void
stop_sessions (void)
{
  gint i;

  for (i = 0; i < n_sessions; i++) {
    gst_element_set_state (sessions[i]->pipeline, GST_STATE_NULL);
  }
}

static void
create_sessions (const gchar * url, gboolean scale, Role (*role_of) (gint))
{
  gint i;

  sessions = g_new0 (Sess *, n_sessions);
  for (i = 0; i < n_sessions; i++)
    sessions[i] = session_new (i, role_of ? role_of (i) : ROLE_PLAIN, url,
        scale);
}

/* One at a time, so that the emulator numbers the connections in order. */
static gint
start_sessions (void)
{
  gint i, ready = 0;

  for (i = 0; i < n_sessions; i++) {
    if (session_start (sessions[i]))
      ready++;
    else
      fprintf (stderr, "bench-voxpipe: session %d not ready after 20 s\n", i);
  }
  return ready;
}

static gint64
next_tick (void)
{
  gint64 t = now_us () + 50000;
  return t - t % FRAME_US;
}

static int
run_overhead (void)
{
  BenchTrace *trace = bench_trace_new (FALSE);
  VpEmulator *emulator = start_emulator (trace, 0.5, 40);
  g_autofree gchar *url = vp_emulator_get_url (emulator);
  GArray *lat_in = g_array_new (FALSE, FALSE, sizeof (gint64));
  GArray *lat_out = g_array_new (FALSE, FALSE, sizeof (gint64));
  GString *json = g_string_new ("{");
  guint bad_out = 0, count_mismatch = 0, ready;
  guint out_period = period_ms > 0 ? 24 * period_ms : OUT_PERIOD;
  GThread *thread;
  gint i;

  create_sessions (url, FALSE, NULL);
  for (i = 0; i < n_sessions; i++) {
    sessions[i]->t_in = g_array_sized_new (FALSE, FALSE, sizeof (gint64),
        (guint) (seconds * 60));
    sessions[i]->t_out = g_array_sized_new (FALSE, FALSE, sizeof (gint64),
        (guint) (seconds * 60));
  }
  ready = start_sessions ();
  for (i = 0; i < n_sessions; i++)
    send_text (sessions[i], "go");

  t0_us = next_tick ();
  thread = g_thread_new ("ticker", ticker_staggered, tick_plain);
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  g_atomic_int_set (&stop_ticker, 1);
  g_thread_join (thread);
  g_usleep (300000);
  stop_sessions ();
  vp_emulator_stop (emulator);

  for (i = 0; i < n_sessions; i++) {
    Sess *s = sessions[i];
    GArray *a = records_of (trace, i + 1, 'A');
    GArray *o = records_of (trace, i + 1, 'O');
    guint k, pos = 0;

    /* Input: the k-th frame into the sink is the k-th audio message. */
    if (a->len != s->t_in->len)
      count_mismatch++;
    for (k = 0; k < MIN (a->len, s->t_in->len); k++) {
      gint64 d = g_array_index (a, BenchTraceRecord, k).time_us -
          g_array_index (s->t_in, gint64, k);
      g_array_append_val (lat_in, d);
    }
    /* Output: each message starts a buffer, and fills ceil(n / period). */
    for (k = 0; k < o->len && pos < s->t_out->len; k++) {
      BenchTraceRecord *r = &g_array_index (o, BenchTraceRecord, k);
      gint64 d = g_array_index (s->t_out, gint64, pos) - r->time_us;
      if (d < 0 || d > G_USEC_PER_SEC)
        bad_out++;
      else
        g_array_append_val (lat_out, d);
      pos += (r->n + out_period - 1) / out_period;
    }
    g_array_unref (a);
    g_array_unref (o);
  }

  g_string_append_printf (json, "\"mode\":\"overhead\",\"sessions\":%d,"
      "\"ready\":%u,\"seconds\":%.1f,\"count_mismatch\":%u,\"bad_out\":%u,",
      n_sessions, ready, seconds, count_mismatch, bad_out);
  print_stats (json, "in_us", lat_in);
  g_string_append_c (json, ',');
  print_stats (json, "out_us", lat_out);
  g_string_append_c (json, '}');
  printf ("%s\n", json->str);
  return 0;
}

static Role
latency_role (gint i)
{
  return i == 0 ? ROLE_V2V_SERVER : i == 1 ? ROLE_V2V_MANUAL : ROLE_BARGE;
}

static int
run_latency (void)
{
  BenchTrace *trace = bench_trace_new (FALSE);
  VpEmulator *emulator = start_emulator (trace, 4.0, 120);
  g_autofree gchar *url = vp_emulator_get_url (emulator);
  GString *json = g_string_new ("{\"mode\":\"latency\",");
  GThread *thread;
  gint i, r;

  n_sessions = 3;
  create_sessions (url, FALSE, latency_role);
  for (i = 0; i < n_sessions; i++) {
    Sess *s = sessions[i];
    s->t_last = g_new0 (gint64, n_turns + 1);
    s->last_frame = g_new0 (guint64, n_turns + 1);
    s->t_first = g_new0 (gint64, n_turns + 1);
    s->phase = s->role == ROLE_BARGE ? PH_BARGE_START : PH_GAP;
    s->countdown = 10;
    if (s->role == ROLE_BARGE)
      s->t_out = g_array_new (FALSE, FALSE, sizeof (gint64));
  }
  start_sessions ();

  t0_us = next_tick ();
  tick_us = FRAME_US + 100;
  thread = g_thread_new ("ticker", ticker, tick_latency);
  {
    gint64 deadline = now_us () + (gint64) n_turns * 3 * G_USEC_PER_SEC + 30 *
        G_USEC_PER_SEC;
    while (now_us () < deadline) {
      gboolean done = TRUE;
      for (i = 0; i < n_sessions; i++)
        done = done && g_atomic_int_get (&sessions[i]->turn) >= n_turns;
      if (done)
        break;
      g_usleep (100000);
    }
  }
  g_atomic_int_set (&stop_ticker, 1);
  g_thread_join (thread);
  g_usleep (200000);
  stop_sessions ();
  vp_emulator_stop (emulator);

  for (r = 0; r < 2; r++) {
    Sess *s = sessions[r];
    GArray *a = records_of (trace, r + 1, 'A');
    GArray *o = records_of (trace, r + 1, 'O');
    GArray *v2v = g_array_new (FALSE, FALSE, sizeof (gint64));
    GArray *share = g_array_new (FALSE, FALSE, sizeof (gint64));
    GArray *over = g_array_new (FALSE, FALSE, sizeof (gint64));
    guint lost = 0;
    gint t;

    for (t = 0; t < MIN (n_turns, g_atomic_int_get (&s->turn)); t++) {
      gint64 recv, first_write = -1;
      guint k;

      if (s->t_first[t] <= 0 || s->last_frame[t] >= a->len) {
        lost++;
        continue;
      }
      recv = g_array_index (a, BenchTraceRecord, s->last_frame[t]).time_us;
      for (k = 0; k < o->len; k++) {
        gint64 w = g_array_index (o, BenchTraceRecord, k).time_us;
        if (w > recv) {
          first_write = w;
          break;
        }
      }
      if (first_write < 0) {
        lost++;
        continue;
      }
      {
        gint64 v = s->t_first[t] - s->t_last[t];
        gint64 sh = first_write - recv;
        gint64 ov = v - sh;
        g_array_append_val (v2v, v);
        g_array_append_val (share, sh);
        g_array_append_val (over, ov);
      }
    }
    g_string_append_printf (json, "\"%s\":{\"lost\":%u,", r == 0 ? "server" :
        "manual", lost);
    print_stats (json, "v2v_us", v2v);
    g_string_append_c (json, ',');
    print_stats (json, "emulator_us", share);
    g_string_append_c (json, ',');
    print_stats (json, "overhead_us", over);
    g_string_append (json, "},");
  }

  {
    Sess *s = sessions[2];
    GArray *ints = records_of (trace, 3, 'I');
    GArray *o = records_of (trace, 3, 'O');
    GArray *barge = g_array_new (FALSE, FALSE, sizeof (gint64));
    guint k, j;

    for (k = 0; k < ints->len; k++) {
      gint64 ti = g_array_index (ints, BenchTraceRecord, k).time_us;
      gint64 next_o = G_MAXINT64, last_old = -1, d;
      for (j = 0; j < o->len; j++) {
        gint64 w = g_array_index (o, BenchTraceRecord, j).time_us;
        if (w > ti) {
          next_o = w;
          break;
        }
      }
      /* Every buffer pushed before the next turn's audio came is old. */
      for (j = 0; j < s->t_out->len; j++) {
        gint64 p = g_array_index (s->t_out, gint64, j);
        if (p < next_o)
          last_old = p;
      }
      d = MAX (0, last_old - ti);
      g_array_append_val (barge, d);
    }
    print_stats (json, "barge_us", barge);
  }
  g_string_append_c (json, '}');
  printf ("%s\n", json->str);
  return 0;
}

static glong
rss_kb (void)
{
  gchar *status = NULL, *line;
  glong kb = -1;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  if (line != NULL)
    kb = strtol (line + 6, NULL, 10);
  g_free (status);
  return kb;
}

static gdouble
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Starts the ticker on the next period boundary; the window is measured
 * after the warm-up. */
static GThread *
start_window_ticker (void)
{
  t0_us = next_tick ();
  window_start_us = t0_us + (gint64) (warmup_s * G_USEC_PER_SEC);
  window_end_us = window_start_us + (gint64) (window_s * G_USEC_PER_SEC);
  return g_thread_new ("ticker", ticker, tick_plain);
}

/* The RSS baseline: GStreamer and the plugins of the elements loaded (the
 * source standing for the speaker's side, appsrc, fakesink), no session. */
static glong
rss_baseline (const gchar * speaker_src)
{
  const gchar *factories[] = { speaker_src, "appsrc", "fakesink" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (factories); i++) {
    GstElement *probe = gst_element_factory_make (factories[i], NULL);
    gst_object_unref (probe);
  }
  return rss_kb ();
}

static int
run_scale (void)
{
  glong rss_base, rss_end;
  gdouble cpu0, cpu1;
  gint64 w0, w1;
  gint ready, i, turns = 0, nongap0 = 0, nongap1 = 0;
  GArray *send_late = g_array_new (FALSE, FALSE, sizeof (gint64));
  GThread *thread;

  rss_base = rss_baseline ("geminilivesrc");

  tick_late = g_array_new (FALSE, FALSE, sizeof (gint64));
  send_records = g_array_sized_new (FALSE, FALSE, sizeof (SendRecord),
      (guint) (n_sessions * (warmup_s + window_s + 2) * 50));
  send_fds = g_array_new (FALSE, FALSE, sizeof (gint));
  /* Sessions connect one at a time: the order of the sockets' first
   * writes (the upgrade requests) is the sessions' order. */
  g_atomic_int_set (&send_trace_on, 1);
  create_sessions (url_opt, TRUE, NULL);
  ready = start_sessions ();
  for (i = 0; i < n_sessions; i++)
    send_text (sessions[i], "go");

  thread = start_window_ticker ();

  sleep_until (window_start_us);
  cpu0 = cpu_seconds ();
  w0 = now_us ();
  for (i = 0; i < n_sessions; i++)
    nongap0 += g_atomic_int_get (&sessions[i]->nongap_count);
  sleep_until (window_end_us);
  cpu1 = cpu_seconds ();
  w1 = now_us ();
  rss_end = rss_kb ();
  for (i = 0; i < n_sessions; i++) {
    nongap1 += g_atomic_int_get (&sessions[i]->nongap_count);
    turns += g_atomic_int_get (&sessions[i]->turns_complete);
  }
  g_atomic_int_set (&stop_ticker, 1);
  g_thread_join (thread);
  g_atomic_int_set (&send_trace_on, 0);

  /* Send lateness: the k-th frame written to a session's socket was due
   * at t0 + k periods. */
  g_mutex_lock (&send_lock);
  {
    GHashTable *index = g_hash_table_new (NULL, NULL);
    guint64 *count = g_new0 (guint64, send_fds->len);
    guint j;

    for (j = 0; j < send_fds->len; j++)
      g_hash_table_insert (index, GINT_TO_POINTER (g_array_index (send_fds,
                  gint, j)), GUINT_TO_POINTER (j + 1));
    for (j = 0; j < send_records->len; j++) {
      SendRecord *rec = &g_array_index (send_records, SendRecord, j);
      guint which = GPOINTER_TO_UINT (g_hash_table_lookup (index,
              GINT_TO_POINTER (rec->fd)));
      gint64 due;
      if (which == 0)
        continue;
      due = t0_us + (gint64) count[which - 1]++ * FRAME_US;
      if (due >= window_start_us && due < window_end_us) {
        gint64 late = rec->time_us - due;
        g_array_append_val (send_late, late);
      }
    }
    g_free (count);
    g_hash_table_unref (index);
  }
  g_mutex_unlock (&send_lock);

  printf ("{\"mode\":\"scale\",\"client\":\"voxpipe\",\"sessions\":%d,"
      "\"ready\":%d,\"t0_us\":%" G_GINT64_FORMAT ",\"window_start_us\":%"
      G_GINT64_FORMAT ",\"window_end_us\":%" G_GINT64_FORMAT ","
      "\"cpu_s\":%.4f,\"wall_s\":%.4f,\"rss_base_kb\":%ld,\"rss_kb\":%ld,"
      "\"tick_late_p99_us\":%.0f,\"model_audio_s\":%.2f,\"turns\":%d,"
      "\"send_late_n\":%u,\"send_late_p50_us\":%.0f,"
      "\"send_late_p99_us\":%.0f}\n",
      n_sessions, ready, t0_us, window_start_us, window_end_us, cpu1 - cpu0,
      (w1 - w0) / 1e6, rss_base, rss_end, pct (tick_late, 99),
      (nongap1 - nongap0) * (period_ms > 0 ? period_ms : 20) / 1000.0, turns,
      send_late->len, pct (send_late, 50), pct (send_late, 99));
  fflush (stdout);
  /* Tearing down hundreds of pipelines tells nothing: leave. */
  _exit (0);
}

static int
run_floor (void)
{
  glong rss_base, rss_end;
  gdouble cpu0, cpu1;
  gint64 w0, w1;
  gint i;
  GThread *thread;

  rss_base = rss_baseline ("audiotestsrc");

  tick_late = g_array_new (FALSE, FALSE, sizeof (gint64));
  floor_late = g_array_new (FALSE, FALSE, sizeof (gint64));
  sessions = g_new0 (Sess *, n_sessions);
  for (i = 0; i < n_sessions; i++) {
    sessions[i] = floor_session_new (i);
    gst_element_set_state (sessions[i]->pipeline, GST_STATE_PLAYING);
  }

  thread = start_window_ticker ();

  sleep_until (window_start_us);
  cpu0 = cpu_seconds ();
  w0 = now_us ();
  sleep_until (window_end_us);
  cpu1 = cpu_seconds ();
  w1 = now_us ();
  rss_end = rss_kb ();
  g_atomic_int_set (&stop_ticker, 1);
  g_thread_join (thread);

  g_mutex_lock (&floor_lock);
  printf ("{\"mode\":\"floor\",\"sessions\":%d,\"cpu_s\":%.4f,"
      "\"wall_s\":%.4f,\"rss_base_kb\":%ld,\"rss_kb\":%ld,"
      "\"tick_late_p99_us\":%.0f,\"late_n\":%u,\"late_p50_us\":%.0f,"
      "\"late_p99_us\":%.0f}\n", n_sessions, cpu1 - cpu0, (w1 - w0) / 1e6,
      rss_base, rss_end, pct (tick_late, 99), floor_late->len,
      pct (floor_late, 50), pct (floor_late, 99));
  g_mutex_unlock (&floor_lock);
  fflush (stdout);
  _exit (0);
}

static int
run_parse (void)
{
  guint8 pcm[120 * 24 * 2];     /* 120 ms of 24 kHz S16LE */
  g_autofree gchar *json = NULL;
  gsize length, i;
  guint64 messages = 0;
  gint64 start, end;

  for (i = 0; i < sizeof pcm; i++)
    pcm[i] = (guint8) (i * 7 + i / 256);
  json = vp_server_build_audio (pcm, sizeof pcm, 24000, NULL);
  length = strlen (json);

  start = now_us ();
  end = start + (gint64) (seconds * G_USEC_PER_SEC);
  do {
    VpServerMessage *msg = vp_server_message_parse (json, length, NULL);

    g_assert (msg != NULL && msg->audio->len == 1);
    vp_server_message_free (msg);
    messages++;
  } while (now_us () < end);

  printf ("{\"mode\":\"parse\",\"bytes\":%" G_GSIZE_FORMAT ",\"messages\":%"
      G_GUINT64_FORMAT ",\"us_per_message\":%.2f}\n", length, messages,
      (gdouble) (now_us () - start) / messages);
  return 0;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    {"sessions", 0, 0, G_OPTION_ARG_INT, &n_sessions, "sessions", "N"},
    {"seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "duration", "S"},
    {"warmup", 0, 0, G_OPTION_ARG_DOUBLE, &warmup_s, "scale warm-up", "S"},
    {"window", 0, 0, G_OPTION_ARG_DOUBLE, &window_s, "scale window", "S"},
    {"turns", 0, 0, G_OPTION_ARG_INT, &n_turns, "latency turns", "N"},
    {"period-ms", 0, 0, G_OPTION_ARG_INT, &period_ms,
        "geminilivesrc period (default: the element's)", "MS"},
    {"url", 0, 0, G_OPTION_ARG_STRING, &url_opt, "emulator URL", "URL"},
    {"scenario", 0, 0, G_OPTION_ARG_FILENAME, &scenario_file, "scenario",
        "FILE"},
    {NULL}
  };
  GOptionContext *context =
      g_option_context_new ("overhead|latency|scale|floor|parse");
  GError *error = NULL;
  gint i;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2) {
    fprintf (stderr, "bench-voxpipe: %s\n", error ? error->message :
        "give a mode: overhead, latency, scale, floor or parse");
    return 2;
  }
  gst_init (NULL, NULL);
  for (i = 0; i < FRAME_SAMPLES; i++)
    tone[i] = (gint16) (10000 * sin (2 * G_PI * 440 * i / 16000.0));
  /* Keep every sample of the tone above the speech level. */
  for (i = 0; i < FRAME_SAMPLES; i++)
    if (ABS (tone[i]) < 2000)
      tone[i] = tone[i] < 0 ? -2000 : 2000;

  mode = argv[1];
  if (g_str_equal (mode, "overhead"))
    return run_overhead ();
  if (g_str_equal (mode, "latency"))
    return run_latency ();
  if (g_str_equal (mode, "scale") && url_opt != NULL)
    return run_scale ();
  if (g_str_equal (mode, "floor"))
    return run_floor ();
  if (g_str_equal (mode, "parse"))
    return run_parse ();
  fprintf (stderr, "bench-voxpipe: unknown mode %s (or scale without --url)\n",
      mode);
  return 2;
}
