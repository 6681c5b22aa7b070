/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The signals of the session-owning elements (geminilivesink and the
 * geminilive bin): the event signals the shared state emits, and the
 * action signals, which reach the session through the shared state. */

#include "config.h"

#include "gstgeminilivesignals.h"
#include "gstgeminilivedocs.h"

/* What install_signals() was given for a class. */
typedef struct
{
  GstGeminiLiveSharedLookup lookup;
  GstGeminiLiveUpdate update;
} Handlers;

static GQuark
handlers_quark (void)
{
  return g_quark_from_static_string ("gst-gemini-live-signal-handlers");
}

static const Handlers *
handlers_of (GstElement * element)
{
  return g_type_get_qdata (G_TYPE_FROM_INSTANCE (element), handlers_quark ());
}

/* Returns the session behind @element, reffed, or NULL with a warning
 * naming the action. */
static VpLiveSession *
ref_session (GstElement * element, const gchar * action,
    GstGeminiLiveShared ** shared_out)
{
  GstGeminiLiveShared *shared = handlers_of (element)->lookup (element);
  VpLiveSession *session = NULL;

  if (shared != NULL)
    session = gst_gemini_live_shared_ref_session (shared);
  if (session == NULL)
    GST_WARNING_OBJECT (element, "%s: the element is not started; set it to "
        "PAUSED or PLAYING first", action);

  if (shared_out != NULL && session != NULL)
    *shared_out = shared;
  else if (shared != NULL)
    gst_gemini_live_shared_release (shared);
  return session;
}

static void
send_text (GstElement * element, const gchar * text)
{
  GstGeminiLiveShared *shared = NULL;
  VpLiveSession *session = ref_session (element, "send-text", &shared);

  if (session == NULL || text == NULL)
    return;
  gst_gemini_live_shared_mark_turn_end (shared, g_get_monotonic_time ());
  vp_live_session_send_text (session, text);
  g_object_unref (session);
  gst_gemini_live_shared_release (shared);
}

static gboolean
tool_response_scheduled (GstElement * element, const gchar * id,
    const gchar * response_json, const gchar * scheduling)
{
  VpLiveSession *session = ref_session (element, "tool-response", NULL);
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (session == NULL || id == NULL)
    return FALSE;
  ok = vp_live_session_send_tool_response_scheduled (session, id,
      response_json, scheduling, &error);
  if (!ok)
    GST_WARNING_OBJECT (element, "tool-response: %s", error->message);
  g_object_unref (session);
  return ok;
}

static gboolean
tool_response (GstElement * element, const gchar * id,
    const gchar * response_json)
{
  return tool_response_scheduled (element, id, response_json, NULL);
}

static void
activity_start (GstElement * element)
{
  VpLiveSession *session = ref_session (element, "activity-start", NULL);

  if (session == NULL)
    return;
  vp_live_session_send_activity_start (session);
  g_object_unref (session);
}

static void
activity_end (GstElement * element)
{
  GstGeminiLiveShared *shared = NULL;
  VpLiveSession *session = ref_session (element, "activity-end", &shared);

  if (session == NULL)
    return;
  gst_gemini_live_shared_mark_turn_end (shared, g_get_monotonic_time ());
  vp_live_session_send_activity_end (session);
  g_object_unref (session);
  gst_gemini_live_shared_release (shared);
}

static gboolean
update (GstElement * element, const GstStructure * settings)
{
  g_autoptr (GError) error = NULL;
  gboolean ok;

  /* The configuration lives in the sink (the bin's inner one). */
  ok = handlers_of (element)->update (element, settings, &error);
  if (!ok)
    GST_WARNING_OBJECT (element, "%s", error->message);
  return ok;
}

void
gst_gemini_live_install_signals (GstElementClass * klass,
    GstGeminiLiveSharedLookup lookup, GstGeminiLiveUpdate update_handler)
{
  GType type = G_TYPE_FROM_CLASS (klass);
  Handlers *handlers = g_new (Handlers, 1);

  /* Once per class, for the life of the process, like the class. */
  handlers->lookup = lookup;
  handlers->update = update_handler;
  g_type_set_qdata (type, handlers_quark (), handlers);
  /* The arguments' names and meanings, for gst-inspect-1.0. */
  gst_gemini_live_docs_add_metadata (klass);

  /**
   * GstGeminiLiveSink::tool-call:
   * @element: the element
   * @id: the call's id; answer it with #GstGeminiLiveSink::tool-response
   * @name: the function's name
   * @args: the arguments, a JSON object
   *
   * The model calls a tool that has no handler in the tools file.  Also
   * posted as the element message `geminilive/tool-call`.  Emitted from
   * Voxpipe's network thread: do not block; answer now or later, from any
   * thread.  When nothing is connected to it, such a call is answered at
   * once with an error (its message says `handler` `none`).
   */
  g_signal_new ("tool-call", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstGeminiLiveSink::tool-call-cancelled:
   * @element: the element
   * @id: a call the model no longer wants (the user barged in); a late
   *   answer to it is dropped
   */
  g_signal_new ("tool-call-cancelled", type, G_SIGNAL_RUN_LAST, 0, NULL,
      NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * GstGeminiLiveSink::transcript:
   * @element: the element
   * @role: "input" (the user) or "output" (the model)
   * @text: a piece of the transcript
   * @finished: whether this role's transcript of the turn is complete
   */
  g_signal_new ("transcript", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN);
  /**
   * GstGeminiLiveSink::turn:
   * @element: the element
   * @state: "started" (the model's first sample left geminilivesrc),
   *   "generated", "complete", "interrupted", or "continues" (the turn
   *   ended while a non-blocking tool call it started runs: the answer
   *   goes on in the turn that speaks the result, which ends "complete")
   * @latency_ms: with "started": voice-to-voice latency in milliseconds,
   *   from the end of the user's speech; -1 otherwise
   */
  g_signal_new ("turn", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_DOUBLE);
  /**
   * GstGeminiLiveSink::interrupted:
   * @element: the element
   *
   * The user barged in; the model's queued audio was dropped.
   */
  g_signal_new ("interrupted", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 0);
  /**
   * GstGeminiLiveSink::go-away:
   * @element: the element
   * @time_left_ms: the service closes this connection in so many ms
   */
  g_signal_new ("go-away", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_INT64);
  /**
   * GstGeminiLiveSink::session:
   * @element: the element
   * @state: "connecting", "ready", "reconnecting", "resumed" (after
   *   "ready" on a new connection that continues the conversation),
   *   "context-lost" (after "ready" on a new connection that could not:
   *   the service refused the resume, see restore-context) or "closed"
   * @handle: (nullable): the latest resumption handle
   */
  g_signal_new ("session", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstGeminiLiveSink::usage:
   * @element: the element
   * @usage: session totals: input-tokens, output-tokens, *-audio-tokens,
   *   *-text-tokens, input-audio-seconds, output-audio-seconds, cost-usd,
   *   thoughts-tokens (thinking, billed as text output), input-video-tokens
   *   (video frames and images read)
   */
  g_signal_new ("usage", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, GST_TYPE_STRUCTURE);

  /**
   * GstGeminiLiveSink::send-text:
   * @element: the element
   * @text: what the user types
   *
   * Action signal: sends text as user input (realtimeInput.text).
   */
  g_signal_new_class_handler ("send-text", type,
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (send_text), NULL, NULL,
      NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * GstGeminiLiveSink::tool-response:
   * @element: the element
   * @id: the call's id from #GstGeminiLiveSink::tool-call
   * @response: JSON: {"output": …} or {"error": …}; anything else is sent
   *   as the output
   *
   * Action signal: answers a tool call, from any thread, at any time.
   *
   * Returns: FALSE when the id is not pending (answered, cancelled or
   *   unknown) or the JSON is invalid; nothing is sent then.
   */
  g_signal_new_class_handler ("tool-response", type,
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (tool_response), NULL,
      NULL, NULL, G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstGeminiLiveSink::tool-response-scheduled:
   * @element: the element
   * @id: the call's id from #GstGeminiLiveSink::tool-call
   * @response: JSON, as for #GstGeminiLiveSink::tool-response
   * @scheduling: (nullable): what the model does with a non-blocking
   *   call's result: "interrupt" (cut the current reply and speak it),
   *   "when-idle" (speak it when the reply ends) or "silent" (context
   *   only); NULL for the tool's default, then the model's (when-idle)
   *
   * Action signal: answers a tool call with its scheduling.  Blocking
   * calls and models without scheduling (3.1) get the answer without it.
   *
   * Returns: FALSE when the id is not pending, the JSON is invalid or the
   *   scheduling is none of the three; nothing is sent then.
   */
  g_signal_new_class_handler ("tool-response-scheduled", type,
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (tool_response_scheduled), NULL, NULL, NULL, G_TYPE_BOOLEAN,
      3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstGeminiLiveSink::activity-start:
   * @element: the element
   *
   * Action signal: the user starts talking (vad=manual, push-to-talk).
   */
  g_signal_new_class_handler ("activity-start", type,
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (activity_start), NULL,
      NULL, NULL, G_TYPE_NONE, 0);
  /**
   * GstGeminiLiveSink::activity-end:
   * @element: the element
   *
   * Action signal: the user stops talking (vad=manual, push-to-talk).
   */
  g_signal_new_class_handler ("activity-end", type,
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (activity_end), NULL,
      NULL, NULL, G_TYPE_NONE, 0);
  /**
   * GstGeminiLiveSink::update:
   * @element: the element
   * @settings: (nullable): new values of configuration properties, by
   *   property name: system-instruction, system-instruction-file,
   *   tools-file, voice, language-code, temperature, thinking-level, the
   *   VAD settings, the transcriptions, context compression; NULL re-reads
   *   the current ones (a changed file)
   *
   * Action signal: changes the instructions, tools or voice of the running
   * session.  The service takes new settings only on a new connection, so
   * the session moves to one at the next turn boundary and resumes the
   * conversation there (session-resumption must be on; the model, the
   * endpoint and the key cannot change).  The properties read back the new
   * values.
   *
   * Returns: FALSE (with a warning saying why) when the element is not
   *   started, a setting is unknown or not changeable, a value or a file
   *   is invalid, or resumption is off; nothing changes then.
   */
  g_signal_new_class_handler ("update", type,
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (update), NULL, NULL,
      NULL, G_TYPE_BOOLEAN, 1, GST_TYPE_STRUCTURE);
}
