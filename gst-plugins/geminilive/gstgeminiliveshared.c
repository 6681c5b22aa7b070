/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The shared state behind a session name (gstgeminiliveshared.h): the
 * registry of names, the session's lifetime (and the emulator's for
 * endpoint=local), and the session's events turned into element signals
 * and geminilive/<event> messages.
 *
 * Locking: shared->lock protects the fields tagged below.  Lock order:
 * object lock → shared->lock → the playout queue's lock → the session's.
 * shared->lock is not held while posting, emitting or calling the
 * session: events take a reference to their target under it, then act.
 * The network thread queues model audio while it holds shared->lock, so
 * that a closed session's late audio cannot land after close(). */

#include "config.h"

#include "gstgeminiliveshared.h"
#include "gstgeminilivelocal.h"


GST_DEBUG_CATEGORY_STATIC (gst_gemini_live_debug);
#define GST_CAT_DEFAULT gst_gemini_live_debug

void
gst_gemini_live_shared_init (void)
{
  GST_DEBUG_CATEGORY_INIT (gst_gemini_live_debug, "geminilivesession", 0,
      "Gemini Live session shared by the geminilive elements");
}

struct _GstGeminiLiveShared
{
  gchar *name;
  GstGeminiLivePlayout *playout;        /* its own lock */

  GMutex lock;
  /* Everything below is protected by lock. */
  VpLiveSession *session;
  GstElement *owner;            /* the configuring sink; not reffed */
  GstElement *target;           /* where signals and messages go; not reffed */

  gint64 turn_began_us;         /* when the user's turn ended (monotonic) */
  gboolean turn_interrupted;    /* the coming turnComplete ends an interrupted turn */
  gint64 last_activity_us;      /* either side spoke or a turn ended */
  gboolean model_busy;          /* between the model's first audio and turnComplete */
  guint calls_pending;          /* tool calls not answered yet */
  gboolean turn_awaits_result;  /* the turn started a non-blocking call */
  gboolean was_ready;           /* setupComplete came at least once */
  gboolean end_after_turn;      /* end-call: over when this turn completes */
  gboolean over;                /* the src played the conversation out */
  gboolean has_latency;         /* a turn of this session started */
  /* Text since the role's last finished=TRUE (see finish_transcripts()). */
  gboolean transcript_open[2];  /* input, output */
  gdouble last_latency_ms;      /* its voice-to-voice latency, or -1 */
};

/* name → shared state, like interaudio's surface list. */
G_LOCK_DEFINE_STATIC (registry);
static GList *registry;

typedef struct
{
  GstGeminiLiveShared shared;
  gint refcount;                /* under registry */
} SharedEntry;

GstGeminiLiveShared *
gst_gemini_live_shared_acquire (const gchar * name)
{
  SharedEntry *entry = NULL;
  GList *l;

  G_LOCK (registry);
  for (l = registry; l != NULL; l = l->next) {
    SharedEntry *e = l->data;
    if (g_str_equal (e->shared.name, name)) {
      entry = e;
      break;
    }
  }
  if (entry == NULL) {
    entry = g_new0 (SharedEntry, 1);
    entry->shared.name = g_strdup (name);
    g_mutex_init (&entry->shared.lock);
    entry->shared.playout = gst_gemini_live_playout_new ();
    registry = g_list_prepend (registry, entry);
  }
  entry->refcount++;
  G_UNLOCK (registry);

  return &entry->shared;
}

void
gst_gemini_live_shared_release (GstGeminiLiveShared * shared)
{
  SharedEntry *entry = (SharedEntry *) shared;

  G_LOCK (registry);
  if (--entry->refcount > 0) {
    G_UNLOCK (registry);
    return;
  }
  registry = g_list_remove (registry, entry);
  G_UNLOCK (registry);

  g_clear_object (&shared->session);
  gst_gemini_live_playout_free (shared->playout);
  g_mutex_clear (&shared->lock);
  g_free (shared->name);
  g_free (entry);
}

GstGeminiLiveShared *
gst_gemini_live_shared_ref (GstGeminiLiveShared * shared)
{
  G_LOCK (registry);
  ((SharedEntry *) shared)->refcount++;
  G_UNLOCK (registry);
  return shared;
}

static void
shared_unref_closure (gpointer data, GClosure * closure)
{
  gst_gemini_live_shared_release (data);
}

GstGeminiLivePlayout *
gst_gemini_live_shared_get_playout (GstGeminiLiveShared * shared)
{
  return shared->playout;
}

VpLiveSession *
gst_gemini_live_shared_ref_session (GstGeminiLiveShared * shared)
{
  VpLiveSession *session = NULL;

  g_mutex_lock (&shared->lock);
  if (shared->session != NULL)
    session = g_object_ref (shared->session);
  g_mutex_unlock (&shared->lock);
  return session;
}

/* Returns the event target, reffed, or NULL once the owner detached.
 * Session signals arrive on Voxpipe's network thread and may race with
 * the owner's stop(); this is what keeps that safe. */
static GstElement *
ref_target (GstGeminiLiveShared * shared)
{
  GstElement *target = NULL;

  g_mutex_lock (&shared->lock);
  if (shared->target != NULL)
    target = gst_object_ref (shared->target);
  g_mutex_unlock (&shared->lock);
  return target;
}

/* Emits @signal (nullable) on the event target with the arguments that
 * follow, then posts @message (nullable, owned) as its element message
 * geminilive/<event>: every event the application sees goes through here. */
static void
emit (GstGeminiLiveShared * shared, GstStructure * message,
    const gchar * signal, ...)
{
  GstElement *target = ref_target (shared);
  va_list args;

  if (target == NULL) {
    if (message != NULL)
      gst_structure_free (message);
    return;
  }
  if (signal != NULL) {
    va_start (args, signal);
    g_signal_emit_valist (target, g_signal_lookup (signal,
            G_OBJECT_TYPE (target)), 0, args);
    va_end (args);
  }
  if (message != NULL)
    gst_element_post_message (target,
        gst_message_new_element (GST_OBJECT (target), message));
  gst_object_unref (target);
}

void
gst_gemini_live_shared_post (GstGeminiLiveShared * shared,
    GstStructure * structure)
{
  emit (shared, structure, NULL);
}

/* Tells the event target that @property changed. */
static void
notify (GstGeminiLiveShared * shared, const gchar * property)
{
  GstElement *target = ref_target (shared);

  if (target == NULL)
    return;
  g_object_notify (G_OBJECT (target), property);
  gst_object_unref (target);
}

/* Session events → signals + messages */

/* Takes the lock if @session is the one open, for a handler that changes
 * the shared state.  The handlers are disconnected when the session
 * closes, but an emission already under way on the network thread may
 * still run after the next session (same name) opened. */
static gboolean
lock_current (GstGeminiLiveShared * shared, VpLiveSession * session)
{
  g_mutex_lock (&shared->lock);
  if (shared->session == session)
    return TRUE;
  g_mutex_unlock (&shared->lock);
  return FALSE;
}

static const gchar *
state_name (VpSessionState state)
{
  switch (state) {
    case VP_SESSION_STATE_IDLE:
      return "idle";
    case VP_SESSION_STATE_CONNECTING:
      return "connecting";
    case VP_SESSION_STATE_READY:
      return "ready";
    case VP_SESSION_STATE_RECONNECTING:
      return "reconnecting";
    case VP_SESSION_STATE_CLOSED:
    default:
      return "closed";
  }
}

static void
emit_session (GstGeminiLiveShared * shared, VpLiveSession * session,
    const gchar * state)
{
  g_autofree gchar *handle = vp_live_session_dup_resume_handle (session);

  emit (shared, gst_structure_new ("geminilive/session", "state",
          G_TYPE_STRING, state, "handle", G_TYPE_STRING, handle, NULL),
      "session", state, handle);
}

static void
on_state_changed (VpLiveSession * session, VpSessionState state,
    GstGeminiLiveShared * shared)
{
  if (!lock_current (shared, session))
    return;
  if (state == VP_SESSION_STATE_READY)
    shared->was_ready = TRUE;
  /* The src plays what is queued, then ends. */
  if (state == VP_SESSION_STATE_CLOSED)
    gst_gemini_live_playout_end (shared->playout, FALSE);
  g_mutex_unlock (&shared->lock);
  emit_session (shared, session, state_name (state));
}

/* After a reconnection: "ready" came with the state; "resumed" says the
 * conversation went on where it was (DESIGN.md §3), "context-lost" that
 * the model starts again without it (a refused resume). */
static void
on_reconnected (VpLiveSession * session, gboolean resumed,
    GstGeminiLiveShared * shared)
{
  emit_session (shared, session, resumed ? "resumed" : "context-lost");
}

static void
on_audio (VpLiveSession * session, GBytes * pcm, guint rate,
    GstGeminiLiveShared * shared)
{
  gint64 now_us, began_us;

  if (rate != GST_GEMINI_LIVE_RATE) {
    GST_WARNING ("session %s: dropping model audio at %u Hz; the service "
        "speaks at 24000 Hz", shared->name, rate);
    return;
  }

  if (!lock_current (shared, session))
    return;
  now_us = g_get_monotonic_time ();
  /* The user's speech ended, as the service saw it, no later than its
   * reply came: speech still streaming then (a source paced by the clock
   * marks times ahead of it) is not part of this turn, and the latency is
   * never negative. */
  began_us = MIN (shared->turn_began_us, now_us);
  shared->last_activity_us = now_us;
  shared->model_busy = TRUE;
  gst_gemini_live_playout_push_audio (shared->playout, pcm, began_us);
  g_mutex_unlock (&shared->lock);
}

static void
emit_transcript (GstGeminiLiveShared * shared, const gchar * role,
    const gchar * text, gboolean finished)
{
  emit (shared, gst_structure_new ("geminilive/transcript", "role",
          G_TYPE_STRING, role, "text", G_TYPE_STRING, text, "finished",
          G_TYPE_BOOLEAN, finished, NULL), "transcript", role, text, finished);
}

/* Notes whether @role (0 input, 1 output) has text not yet finished. */
static void
track_transcript (GstGeminiLiveShared * shared, guint role,
    const gchar * text, gboolean finished)
{
  g_mutex_lock (&shared->lock);
  if (finished)
    shared->transcript_open[role] = FALSE;
  else if (text != NULL && *text != '\0')
    shared->transcript_open[role] = TRUE;
  g_mutex_unlock (&shared->lock);
}

/* The service marks a transcript finished only sometimes (some models,
 * not after every turn): at the turn's end, each role with text still
 * open gets an empty piece with finished=TRUE, so applications can rely
 * on it to end a line. */
static void
finish_transcripts (GstGeminiLiveShared * shared, gboolean input)
{
  static const gchar *roles[] = { "input", "output" };
  gboolean open[2] = { FALSE, FALSE };
  guint i;

  g_mutex_lock (&shared->lock);
  /* After a barge-in the user's words belong to the coming turn. */
  for (i = input ? 0 : 1; i < 2; i++) {
    open[i] = shared->transcript_open[i];
    shared->transcript_open[i] = FALSE;
  }
  g_mutex_unlock (&shared->lock);
  for (i = 0; i < 2; i++)
    if (open[i])
      emit_transcript (shared, roles[i], "", TRUE);
}

static void
on_input_transcription (VpLiveSession * session, const gchar * text,
    gboolean finished, GstGeminiLiveShared * shared)
{
  track_transcript (shared, 0, text, finished);
  emit_transcript (shared, "input", text, finished);
}

static void
on_output_transcription (VpLiveSession * session, const gchar * text,
    gboolean finished, GstGeminiLiveShared * shared)
{
  if (!lock_current (shared, session))
    return;
  if (*text != '\0')
    gst_gemini_live_playout_push_text (shared->playout, text);
  g_mutex_unlock (&shared->lock);
  track_transcript (shared, 1, text, finished);
  emit_transcript (shared, "output", text, finished);
}

static void
emit_turn (GstGeminiLiveShared * shared, const gchar * state,
    gdouble latency_ms)
{
  emit (shared, gst_structure_new ("geminilive/turn", "state", G_TYPE_STRING,
          state, "latency-ms", G_TYPE_DOUBLE, latency_ms, NULL),
      "turn", state, latency_ms);
}

static void
on_generation_complete (VpLiveSession * session, GstGeminiLiveShared * shared)
{
  emit_turn (shared, "generated", -1);
}

static void
on_turn_complete (VpLiveSession * session, const gchar * reason,
    GstGeminiLiveShared * shared)
{
  gboolean interrupted, continues;

  if (!lock_current (shared, session))
    return;
  interrupted = shared->turn_interrupted;
  continues = shared->turn_awaits_result && !shared->turn_interrupted;
  /* An interrupted turn's turnComplete does not finish a turn, and the
   * user's turn that interrupted it is still to be answered. */
  if (!shared->turn_interrupted)
    shared->turn_began_us = 0;
  /* A turn that started a non-blocking call is not a whole answer: the
   * turn that speaks the result is (num-turns counts that one). */
  gst_gemini_live_playout_end_turn (shared->playout, !shared->turn_interrupted
      && !shared->turn_awaits_result);
  shared->turn_awaits_result = FALSE;
  if (shared->end_after_turn)
    gst_gemini_live_playout_end (shared->playout, FALSE);
  shared->turn_interrupted = FALSE;
  shared->model_busy = FALSE;
  shared->last_activity_us = g_get_monotonic_time ();
  g_mutex_unlock (&shared->lock);
  /* A turn that continues (the answer goes on in the turn that speaks
   * the result) keeps its transcripts open. */
  if (!continues)
    finish_transcripts (shared, !interrupted);
  /* "continues": the answer goes on in the turn that speaks the result. */
  emit_turn (shared, continues ? "continues" : "complete", -1);
}

static void
on_interrupted (VpLiveSession * session, GstGeminiLiveShared * shared)
{
  guint64 dropped;

  /* Barge-in: nothing of the old turn may leave the src after this. */
  if (!lock_current (shared, session))
    return;
  dropped = gst_gemini_live_playout_clear (shared->playout);
  shared->turn_interrupted = TRUE;
  g_mutex_unlock (&shared->lock);

  GST_INFO ("session %s: interrupted, dropped %" G_GUINT64_FORMAT
      " queued samples", shared->name, dropped);

  emit (shared, gst_structure_new ("geminilive/interrupted",
          "dropped-samples", G_TYPE_UINT64, dropped, NULL), "interrupted");
  finish_transcripts (shared, FALSE);
  emit_turn (shared, "interrupted", -1);
}

static void
on_tool_call (VpLiveSession * session, const gchar * id, const gchar * name,
    const gchar * args, GstGeminiLiveShared * shared)
{
  /* Only calls the application must answer; geminilive/tool-call was
   * posted for every call by on_tool_started(). */
  emit (shared, NULL, "tool-call", id, name, args);
}

static void
call_done (GstGeminiLiveShared * shared)
{
  g_mutex_lock (&shared->lock);
  if (shared->calls_pending > 0)
    shared->calls_pending--;
  g_mutex_unlock (&shared->lock);
}

/* Whether an application connected to "tool-call" on the event target:
 * under gst-launch nobody did, and nobody will answer. */
static gboolean
app_listens (GstGeminiLiveShared * shared)
{
  GstElement *target = ref_target (shared);
  gboolean listens;

  if (target == NULL)
    return FALSE;
  listens = g_signal_has_handler_pending (target,
      g_signal_lookup ("tool-call", G_OBJECT_TYPE (target)), 0, TRUE);
  gst_object_unref (target);
  return listens;
}

/* A call nobody can answer gets its error now, not after the deadline:
 * the model speaks around it instead of ten seconds of dead air. */
static void
answer_unhandled (GstGeminiLiveShared * shared, VpLiveSession * session,
    const gchar * id, const gchar * name)
{
  GstElement *target = ref_target (shared);
  g_autofree gchar *text = g_strdup_printf ("The function %s is not "
      "available here: nothing answers it. Tell the user you cannot do "
      "that now.", name);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *response = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  response = json_to_string (root, FALSE);

  if (target != NULL) {
    GST_ELEMENT_WARNING (target, RESOURCE, SETTINGS, ("Tool call %s (%s) has "
            "no handler and no application is connected to tool-call: it "
            "was answered at once with an error. Give the tool a handler in "
            "tools-file, or connect to the tool-call signal.", id, name),
        ("session %s", shared->name));
    gst_object_unref (target);
  }
  vp_live_session_send_tool_response (session, id, response, NULL);
}

/* Every call, whoever answers it, is visible on the bus. */
static void
on_tool_started (VpLiveSession * session, const gchar * id,
    const gchar * name, const gchar * args, const gchar * handler,
    GstGeminiLiveShared * shared)
{
  gboolean unhandled = g_strcmp0 (handler, "app") == 0 && !app_listens (shared);

  /* A builtin (end-call) has no result to speak. */
  gboolean non_blocking = g_strcmp0 (handler, "builtin") != 0
      && vp_live_session_call_is_non_blocking (session, name);

  g_mutex_lock (&shared->lock);
  shared->calls_pending++;
  /* Its result is spoken in a turn of its own, which ends this answer. */
  shared->turn_awaits_result |= non_blocking;
  g_mutex_unlock (&shared->lock);
  gst_gemini_live_shared_post (shared,
      gst_structure_new ("geminilive/tool-call", "id", G_TYPE_STRING, id,
          "name", G_TYPE_STRING, name, "args", G_TYPE_STRING, args,
          "handler", G_TYPE_STRING, unhandled ? "none" : handler, NULL));
  if (unhandled)
    answer_unhandled (shared, session, id, name);
}

static void
on_tool_result (VpLiveSession * session, const gchar * id,
    const gchar * name, const gchar * response, GstGeminiLiveShared * shared)
{
  call_done (shared);
  gst_gemini_live_shared_post (shared,
      gst_structure_new ("geminilive/tool-result", "id", G_TYPE_STRING, id,
          "name", G_TYPE_STRING, name, "response", G_TYPE_STRING, response,
          NULL));
}

static void
on_end_call (VpLiveSession * session, GstGeminiLiveShared * shared)
{
  /* The goodbye is spoken after the tool answer: end with the turn. */
  if (!lock_current (shared, session))
    return;
  shared->end_after_turn = TRUE;
  g_mutex_unlock (&shared->lock);
  GST_INFO ("session %s: the model ends the call", shared->name);
}

static void
on_tool_call_cancelled (VpLiveSession * session, const gchar * id,
    GstGeminiLiveShared * shared)
{
  call_done (shared);
  emit (shared, gst_structure_new ("geminilive/tool-call-cancelled", "id",
          G_TYPE_STRING, id, NULL), "tool-call-cancelled", id);
}

static void
on_go_away (VpLiveSession * session, gint64 time_left_ms,
    GstGeminiLiveShared * shared)
{
  emit (shared, gst_structure_new ("geminilive/go-away", "time-left-ms",
          G_TYPE_INT64, time_left_ms, NULL), "go-away", time_left_ms);
}

static void
on_resumption_update (VpLiveSession * session, const gchar * handle,
    gboolean resumable, GstGeminiLiveShared * shared)
{
  if (resumable && handle != NULL)
    notify (shared, "resume-handle");
}

static void
on_usage (VpLiveSession * session, VpUsage * usage,
    GstGeminiLiveShared * shared)
{
  GstStructure *s = gst_structure_new ("geminilive/usage",
      "input-tokens", G_TYPE_INT64, usage->input_tokens,
      "output-tokens", G_TYPE_INT64, usage->output_tokens,
      "input-audio-tokens", G_TYPE_INT64, usage->input_audio_tokens,
      "output-audio-tokens", G_TYPE_INT64, usage->output_audio_tokens,
      "input-text-tokens", G_TYPE_INT64, usage->input_text_tokens,
      "output-text-tokens", G_TYPE_INT64, usage->output_text_tokens,
      "input-audio-seconds", G_TYPE_DOUBLE, usage->input_audio_seconds,
      "output-audio-seconds", G_TYPE_DOUBLE, usage->output_audio_seconds,
      "cost-usd", G_TYPE_DOUBLE, usage->cost_usd,
      "thoughts-tokens", G_TYPE_INT64, usage->thoughts_tokens,
      "input-video-tokens", G_TYPE_INT64, usage->input_video_tokens, NULL);

  emit (shared, s, "usage", s);
  notify (shared, "cost");
}

static void
on_warning (VpLiveSession * session, GError * error,
    GstGeminiLiveShared * shared)
{
  GstElement *target = ref_target (shared);

  if (target == NULL)
    return;
  GST_ELEMENT_WARNING (target, RESOURCE, READ, ("%s", error->message),
      ("session %s", shared->name));
  gst_object_unref (target);
}

static void
on_error (VpLiveSession * session, GError * error, GstGeminiLiveShared * shared)
{
  GstElement *target = ref_target (shared);
  gboolean connected;

  if (target == NULL)
    return;

  g_mutex_lock (&shared->lock);
  connected = shared->was_ready;
  g_mutex_unlock (&shared->lock);
  GST_DEBUG_OBJECT (target, "session %s failed: %s", shared->name,
      error->message);

  /* DESIGN.md §3: bad key → NOT_AUTHORIZED, bad settings → SETTINGS,
   * a connection lost for good → READ. */
  switch (error->code) {
    case VP_ERROR_AUTH:
      GST_ELEMENT_ERROR (target, RESOURCE, NOT_AUTHORIZED,
          ("%s", error->message), ("session %s", shared->name));
      break;
    case VP_ERROR_QUOTA:
      /* The key is good; the service is out of quota or rate-limited. */
      GST_ELEMENT_ERROR (target, RESOURCE, BUSY,
          ("%s", error->message), ("session %s", shared->name));
      break;
    case VP_ERROR_MODEL_NOT_FOUND:
    case VP_ERROR_INVALID_ARGUMENT:
    case VP_ERROR_SETTINGS:
    case VP_ERROR_SESSION_NOT_FOUND:
      GST_ELEMENT_ERROR (target, RESOURCE, SETTINGS,
          ("%s", error->message), ("session %s", shared->name));
      break;
    case VP_ERROR_NETWORK:
    case VP_ERROR_TLS:
      if (!connected) {
        GST_ELEMENT_ERROR (target, RESOURCE, OPEN_READ_WRITE,
            ("%s", error->message), ("session %s", shared->name));
        break;
      }
      /* fall through */
    default:
      GST_ELEMENT_ERROR (target, RESOURCE, READ,
          ("%s", error->message), ("session %s", shared->name));
      break;
  }
  gst_object_unref (target);
}

gboolean
gst_gemini_live_shared_claim (GstGeminiLiveShared * shared, GstElement * owner)
{
  gboolean claimed;

  g_mutex_lock (&shared->lock);
  claimed = shared->owner == NULL;
  if (claimed)
    shared->owner = owner;
  g_mutex_unlock (&shared->lock);
  return claimed;
}

gboolean
gst_gemini_live_shared_open (GstGeminiLiveShared * shared,
    GstElement * target, VpLiveSession * session, const gchar * scenario,
    GError ** error)
{
  g_autofree gchar *endpoint = NULL;

  g_object_get (session, "endpoint", &endpoint, NULL);
  if (g_strcmp0 (endpoint, "local") == 0
      && !gst_gemini_live_local_attach (session, scenario, error)) {
    g_mutex_lock (&shared->lock);
    shared->owner = NULL;
    g_mutex_unlock (&shared->lock);
    return FALSE;
  }

  g_mutex_lock (&shared->lock);
  g_set_object (&shared->session, session);
  shared->target = target;
  shared->end_after_turn = FALSE;
  shared->over = FALSE;
  shared->turn_interrupted = FALSE;
  shared->was_ready = FALSE;
  shared->last_activity_us = 0;
  shared->model_busy = FALSE;
  shared->calls_pending = 0;
  shared->turn_began_us = 0;
  shared->has_latency = FALSE;
  gst_gemini_live_playout_begin (shared->playout);
  g_mutex_unlock (&shared->lock);

#define CONNECT(signal, handler) \
  g_signal_connect_data (session, signal, G_CALLBACK (handler), \
      gst_gemini_live_shared_ref (shared), shared_unref_closure, 0)
  CONNECT ("state-changed", on_state_changed);
  CONNECT ("reconnected", on_reconnected);
  CONNECT ("audio", on_audio);
  CONNECT ("input-transcription", on_input_transcription);
  CONNECT ("output-transcription", on_output_transcription);
  CONNECT ("generation-complete", on_generation_complete);
  CONNECT ("turn-complete", on_turn_complete);
  CONNECT ("interrupted", on_interrupted);
  CONNECT ("tool-call", on_tool_call);
  CONNECT ("tool-started", on_tool_started);
  CONNECT ("tool-result", on_tool_result);
  CONNECT ("end-call", on_end_call);
  CONNECT ("tool-call-cancelled", on_tool_call_cancelled);
  CONNECT ("go-away", on_go_away);
  CONNECT ("resumption-update", on_resumption_update);
  CONNECT ("usage", on_usage);
  CONNECT ("warning", on_warning);
  CONNECT ("error", on_error);
#undef CONNECT
  return TRUE;
}

void
gst_gemini_live_shared_close (GstGeminiLiveShared * shared)
{
  VpLiveSession *session;

  g_mutex_lock (&shared->lock);
  session = g_steal_pointer (&shared->session);
  shared->owner = NULL;
  shared->target = NULL;
  gst_gemini_live_playout_end (shared->playout, TRUE);
  g_mutex_unlock (&shared->lock);

  if (session != NULL) {
    /* Its late events ("closed"…) must not reach the next session of
     * this name; an emission under way finds no target, or lock_current()
     * refuses it. */
    g_signal_handlers_disconnect_by_data (session, shared);
    vp_live_session_close (session);
    g_object_unref (session);
  }
}

void
gst_gemini_live_shared_mark_turn_end (GstGeminiLiveShared * shared,
    gint64 when_us)
{
  g_mutex_lock (&shared->lock);
  shared->turn_began_us = when_us;
  shared->last_activity_us = MAX (shared->last_activity_us, when_us);
  g_mutex_unlock (&shared->lock);
}

gboolean
gst_gemini_live_shared_idle_due (GstGeminiLiveShared * shared, gint64 now_us,
    guint idle_seconds)
{
  gboolean due;

  g_mutex_lock (&shared->lock);
  /* Silence on both sides: not while the model talks or a tool runs. */
  if (shared->last_activity_us == 0 && shared->was_ready)
    shared->last_activity_us = now_us;
  due = idle_seconds > 0 && shared->was_ready && !shared->model_busy
      && shared->calls_pending == 0 && shared->last_activity_us > 0
      && now_us - shared->last_activity_us >=
      (gint64) idle_seconds *G_USEC_PER_SEC;
  if (due)
    shared->last_activity_us = now_us;
  g_mutex_unlock (&shared->lock);
  return due;
}

void
gst_gemini_live_shared_report_first_sample (GstGeminiLiveShared * shared,
    gint64 began_us, gint64 when_us)
{
  gdouble latency_ms = -1;

  if (began_us > 0)
    latency_ms = (when_us - began_us) / 1000.0;
  g_mutex_lock (&shared->lock);
  if (shared->owner != NULL) {
    shared->last_latency_ms = latency_ms;
    shared->has_latency = TRUE;
  }
  g_mutex_unlock (&shared->lock);
  emit_turn (shared, "started", latency_ms);
}

gboolean
gst_gemini_live_shared_get_last_latency (GstGeminiLiveShared * shared,
    gdouble * latency_ms)
{
  gboolean has_latency;

  g_mutex_lock (&shared->lock);
  has_latency = shared->has_latency;
  if (has_latency)
    *latency_ms = shared->last_latency_ms;
  g_mutex_unlock (&shared->lock);
  return has_latency;
}

void
gst_gemini_live_shared_end_conversation (GstGeminiLiveShared * shared)
{
  g_mutex_lock (&shared->lock);
  shared->over = TRUE;
  g_mutex_unlock (&shared->lock);
}

gboolean
gst_gemini_live_shared_is_over (GstGeminiLiveShared * shared)
{
  gboolean over;

  g_mutex_lock (&shared->lock);
  over = shared->over;
  g_mutex_unlock (&shared->lock);
  return over;
}
