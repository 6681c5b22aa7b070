/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gstgeminiliveshared.h"
#include "gstgeminiliveelements.h"

#include <gst/audio/audio.h>

GST_DEBUG_CATEGORY_EXTERN (gst_gemini_live_debug);
#define GST_CAT_DEFAULT gst_gemini_live_debug

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
    entry->shared.playout = gst_adapter_new ();
    g_queue_init (&entry->shared.texts);
    g_queue_init (&entry->shared.turn_starts);
    registry = g_list_prepend (registry, entry);
  }
  entry->refcount++;
  G_UNLOCK (registry);

  return &entry->shared;
}

static void
text_free (GstGeminiLiveText * text)
{
  g_free (text->text);
  g_free (text);
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
  g_object_unref (shared->playout);
  g_queue_clear_full (&shared->texts, (GDestroyNotify) text_free);
  g_queue_clear_full (&shared->turn_starts, g_free);
  g_mutex_clear (&shared->lock);
  g_free (shared->name);
  g_free (entry);
}

static gpointer
shared_ref (GstGeminiLiveShared * shared)
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

void
gst_gemini_live_shared_post (GstGeminiLiveShared * shared,
    GstStructure * structure)
{
  GstElement *target = ref_target (shared);

  if (target == NULL) {
    gst_structure_free (structure);
    return;
  }
  gst_element_post_message (target,
      gst_message_new_element (GST_OBJECT (target), structure));
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
  GstElement *target = ref_target (shared);
  g_autofree gchar *handle = NULL;

  if (target == NULL)
    return;
  handle = vp_live_session_dup_resume_handle (session);
  g_signal_emit_by_name (target, "session", state, handle);
  gst_element_post_message (target,
      gst_message_new_element (GST_OBJECT (target),
          gst_structure_new ("geminilive/session", "state", G_TYPE_STRING,
              state, "handle", G_TYPE_STRING, handle, NULL)));
  gst_object_unref (target);
}

static void
on_state_changed (VpLiveSession * session, VpSessionState state,
    GstGeminiLiveShared * shared)
{
  if (!lock_current (shared, session))
    return;
  if (state == VP_SESSION_STATE_READY)
    shared->was_ready = TRUE;
  if (state == VP_SESSION_STATE_CLOSED)
    shared->conversation_over = TRUE;
  g_mutex_unlock (&shared->lock);
  emit_session (shared, session, state_name (state));
}

/* After a reconnection: "ready" came with the state; "resumed" says the
 * conversation went on where it was (DESIGN.md §3). */
static void
on_reconnected (VpLiveSession * session, gboolean resumed,
    GstGeminiLiveShared * shared)
{
  if (resumed)
    emit_session (shared, session, "resumed");
}

void
gst_gemini_live_shared_wake_player (GstGeminiLiveShared * shared)
{
  if (shared->idle_wait != NULL)
    gst_clock_id_unschedule (shared->idle_wait);
}

static void
on_audio (VpLiveSession * session, GBytes * pcm, guint rate,
    GstGeminiLiveShared * shared)
{
  if (rate != GST_GEMINI_LIVE_RATE) {
    GST_WARNING ("session %s: dropping model audio at %u Hz; the service "
        "speaks at 24000 Hz", shared->name, rate);
    return;
  }

  if (!lock_current (shared, session))
    return;
  shared->last_activity_us = g_get_monotonic_time ();
  shared->model_busy = TRUE;
  if (!shared->turn_has_audio) {
    /* The turn's first sample: the src reports it when it plays. */
    GstGeminiLiveTurnStart *start = g_new0 (GstGeminiLiveTurnStart, 1);
    start->position = shared->samples_in;
    start->began_us = shared->turn_began_us;
    g_queue_push_tail (&shared->turn_starts, start);
    shared->turn_has_audio = TRUE;
  }
  gst_adapter_push (shared->playout, gst_buffer_new_wrapped_bytes (pcm));
  shared->samples_in += g_bytes_get_size (pcm) / 2;
  gst_gemini_live_shared_wake_player (shared);
  g_mutex_unlock (&shared->lock);
}

static void
emit_transcript (GstGeminiLiveShared * shared, const gchar * role,
    const gchar * text, gboolean finished)
{
  GstElement *target = ref_target (shared);

  if (target == NULL)
    return;
  g_signal_emit_by_name (target, "transcript", role, text, finished);
  gst_element_post_message (target,
      gst_message_new_element (GST_OBJECT (target),
          gst_structure_new ("geminilive/transcript", "role", G_TYPE_STRING,
              role, "text", G_TYPE_STRING, text, "finished", G_TYPE_BOOLEAN,
              finished, NULL)));
  gst_object_unref (target);
}

static void
on_input_transcription (VpLiveSession * session, const gchar * text,
    gboolean finished, GstGeminiLiveShared * shared)
{
  emit_transcript (shared, "input", text, finished);
}

static void
on_output_transcription (VpLiveSession * session, const gchar * text,
    gboolean finished, GstGeminiLiveShared * shared)
{
  GstGeminiLiveText *item;

  if (!lock_current (shared, session))
    return;
  if (*text != '\0') {
    /* It names the audio that follows it: due when that audio plays. */
    item = g_new0 (GstGeminiLiveText, 1);
    item->text = g_strdup (text);
    item->position = shared->samples_in;
    g_queue_push_tail (&shared->texts, item);
  }
  g_mutex_unlock (&shared->lock);
  emit_transcript (shared, "output", text, finished);
}

static void
emit_turn (GstGeminiLiveShared * shared, const gchar * state,
    gdouble latency_ms)
{
  GstElement *target = ref_target (shared);

  if (target == NULL)
    return;
  g_signal_emit_by_name (target, "turn", state, latency_ms);
  gst_element_post_message (target,
      gst_message_new_element (GST_OBJECT (target),
          gst_structure_new ("geminilive/turn", "state", G_TYPE_STRING, state,
              "latency-ms", G_TYPE_DOUBLE, latency_ms, NULL)));
  gst_object_unref (target);
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
  if (!lock_current (shared, session))
    return;
  /* An interrupted turn's turnComplete does not finish a turn, and the
   * user's turn that interrupted it is still to be answered. */
  if (!shared->turn_interrupted) {
    shared->turns_complete++;
    shared->turn_began_us = 0;
  }
  if (shared->end_after_turn)
    shared->conversation_over = TRUE;
  shared->turn_interrupted = FALSE;
  shared->turn_has_audio = FALSE;
  shared->model_busy = FALSE;
  shared->last_activity_us = g_get_monotonic_time ();
  g_mutex_unlock (&shared->lock);
  emit_turn (shared, "complete", -1);
}

static void
on_interrupted (VpLiveSession * session, GstGeminiLiveShared * shared)
{
  GstElement *target;
  guint64 dropped;

  /* Barge-in: nothing of the old turn may leave the src after this. */
  if (!lock_current (shared, session))
    return;
  dropped = gst_adapter_available (shared->playout) / 2;
  gst_adapter_clear (shared->playout);
  g_queue_clear_full (&shared->texts, (GDestroyNotify) text_free);
  g_queue_clear_full (&shared->turn_starts, g_free);
  shared->turn_has_audio = FALSE;
  shared->turn_interrupted = TRUE;
  shared->epoch++;
  g_mutex_unlock (&shared->lock);

  GST_INFO ("session %s: interrupted, dropped %" G_GUINT64_FORMAT
      " queued samples", shared->name, dropped);

  target = ref_target (shared);
  if (target == NULL)
    return;
  g_signal_emit_by_name (target, "interrupted");
  gst_element_post_message (target,
      gst_message_new_element (GST_OBJECT (target),
          gst_structure_new ("geminilive/interrupted", "dropped-samples",
              G_TYPE_UINT64, dropped, NULL)));
  gst_object_unref (target);
  emit_turn (shared, "interrupted", -1);
}

static void
on_tool_call (VpLiveSession * session, const gchar * id, const gchar * name,
    const gchar * args, GstGeminiLiveShared * shared)
{
  GstElement *target = ref_target (shared);

  /* Only calls the application must answer; geminilive/tool-call was
   * posted for every call by on_tool_started(). */
  if (target == NULL)
    return;
  g_signal_emit_by_name (target, "tool-call", id, name, args);
  gst_object_unref (target);
}

static void
call_done (GstGeminiLiveShared * shared)
{
  g_mutex_lock (&shared->lock);
  if (shared->calls_pending > 0)
    shared->calls_pending--;
  g_mutex_unlock (&shared->lock);
}

/* Every call, whoever answers it, is visible on the bus. */
static void
on_tool_started (VpLiveSession * session, const gchar * id,
    const gchar * name, const gchar * args, const gchar * handler,
    GstGeminiLiveShared * shared)
{
  g_mutex_lock (&shared->lock);
  shared->calls_pending++;
  g_mutex_unlock (&shared->lock);
  gst_gemini_live_shared_post (shared,
      gst_structure_new ("geminilive/tool-call", "id", G_TYPE_STRING, id,
          "name", G_TYPE_STRING, name, "args", G_TYPE_STRING, args,
          "handler", G_TYPE_STRING, handler, NULL));
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
  GstElement *target;

  call_done (shared);
  target = ref_target (shared);

  if (target == NULL)
    return;
  g_signal_emit_by_name (target, "tool-call-cancelled", id);
  gst_element_post_message (target,
      gst_message_new_element (GST_OBJECT (target),
          gst_structure_new ("geminilive/tool-call-cancelled", "id",
              G_TYPE_STRING, id, NULL)));
  gst_object_unref (target);
}

static void
on_go_away (VpLiveSession * session, gint64 time_left_ms,
    GstGeminiLiveShared * shared)
{
  GstElement *target = ref_target (shared);

  if (target == NULL)
    return;
  g_signal_emit_by_name (target, "go-away", time_left_ms);
  gst_element_post_message (target,
      gst_message_new_element (GST_OBJECT (target),
          gst_structure_new ("geminilive/go-away", "time-left-ms",
              G_TYPE_INT64, time_left_ms, NULL)));
  gst_object_unref (target);
}

static void
on_resumption_update (VpLiveSession * session, const gchar * handle,
    gboolean resumable, GstGeminiLiveShared * shared)
{
  GstElement *target;

  if (!resumable || handle == NULL)
    return;
  target = ref_target (shared);
  if (target == NULL)
    return;
  g_object_notify (G_OBJECT (target), "resume-handle");
  gst_object_unref (target);
}

static void
on_usage (VpLiveSession * session, VpUsage * usage,
    GstGeminiLiveShared * shared)
{
  GstElement *target = ref_target (shared);
  GstStructure *s;

  if (target == NULL)
    return;
  s = gst_structure_new ("geminilive/usage",
      "input-tokens", G_TYPE_INT64, usage->input_tokens,
      "output-tokens", G_TYPE_INT64, usage->output_tokens,
      "input-audio-tokens", G_TYPE_INT64, usage->input_audio_tokens,
      "output-audio-tokens", G_TYPE_INT64, usage->output_audio_tokens,
      "input-text-tokens", G_TYPE_INT64, usage->input_text_tokens,
      "output-text-tokens", G_TYPE_INT64, usage->output_text_tokens,
      "input-audio-seconds", G_TYPE_DOUBLE, usage->input_audio_seconds,
      "output-audio-seconds", G_TYPE_DOUBLE, usage->output_audio_seconds,
      "cost-usd", G_TYPE_DOUBLE, usage->cost_usd, NULL);
  g_signal_emit_by_name (target, "usage", s);
  gst_element_post_message (target,
      gst_message_new_element (GST_OBJECT (target), s));
  g_object_notify (G_OBJECT (target), "cost");
  gst_object_unref (target);
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

void
gst_gemini_live_shared_open (GstGeminiLiveShared * shared,
    GstElement * owner, GstElement * target, VpLiveSession * session)
{
  g_mutex_lock (&shared->lock);
  g_set_object (&shared->session, session);
  shared->owner = owner;
  shared->target = target;
  shared->conversation_over = FALSE;
  shared->end_after_turn = FALSE;
  shared->turns_complete = 0;
  shared->turn_interrupted = FALSE;
  shared->was_ready = FALSE;
  shared->last_activity_us = 0;
  shared->model_busy = FALSE;
  shared->calls_pending = 0;
  shared->turn_began_us = 0;
  shared->turn_has_audio = FALSE;
  g_mutex_unlock (&shared->lock);

#define CONNECT(signal, handler) \
  g_signal_connect_data (session, signal, G_CALLBACK (handler), \
      shared_ref (shared), shared_unref_closure, 0)
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
}

void
gst_gemini_live_shared_close (GstGeminiLiveShared * shared)
{
  VpLiveSession *session;

  g_mutex_lock (&shared->lock);
  session = g_steal_pointer (&shared->session);
  shared->owner = NULL;
  shared->target = NULL;
  shared->conversation_over = TRUE;
  gst_adapter_clear (shared->playout);
  g_queue_clear_full (&shared->texts, (GDestroyNotify) text_free);
  g_queue_clear_full (&shared->turn_starts, g_free);
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
  GstElement *owner;

  if (began_us > 0)
    latency_ms = (when_us - began_us) / 1000.0;
  g_mutex_lock (&shared->lock);
  owner = shared->owner ? gst_object_ref (shared->owner) : NULL;
  g_mutex_unlock (&shared->lock);

  if (owner != NULL) {
    gst_gemini_live_sink_set_last_latency (owner, latency_ms);
    gst_object_unref (owner);
  }
  emit_turn (shared, "started", latency_ms);
}
