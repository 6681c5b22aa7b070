/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The session's tool calls, on the network thread: the table
 * (vp-tool-calls.c) decides who answers and when, the session emits
 * "tool-started", "tool-call" and the deadline's warning, and answers at
 * once a call nobody can answer; and each call's one answer, from any
 * thread, sent with the scheduling its model takes. */

#include "config.h"

#include "vp-session-private.h"
#include "vp-error.h"
#include "vp-json.h"
#include "vp-models.h"

#define signals vp_live_session_signals

static void
on_tool_answered (GObject * owner, const gchar * id, JsonNode * response)
{
  vp_live_session_deliver_tool_response (VP_LIVE_SESSION (owner), id, response,
      NULL);
}

static void
on_tool_missed (GObject * owner, const gchar * id, const gchar * name,
    guint timeout_ms)
{
  VpLiveSession *self = VP_LIVE_SESSION (owner);
  g_autoptr (GError) warning = g_error_new (VP_ERROR, VP_ERROR_TIMEOUT,
      "Nobody answered tool call %s (%s) within %u ms; the model gets an "
      "error. Answer tool calls with tool-response, or give the tool a "
      "handler.", id, name, timeout_ms);
  g_autofree gchar *message = g_strdup_printf ("The application did not "
      "answer within %u ms.", timeout_ms);
  JsonObject *object = json_object_new ();
  g_autoptr (JsonNode) response = NULL;

  g_signal_emit (self, signals[SIGNAL_WARNING], 0, warning);
  json_object_set_string_member (object, "error", message);
  response = vp_json_node_take_object (object);
  vp_live_session_deliver_tool_response (self, id, response, NULL);
}

const VpToolCallsCallbacks vp_live_session_tool_calls_callbacks = {
  on_tool_answered,
  on_tool_missed,
};

/* A call for the application when nobody connected to "tool-call": it
 * gets its error now, not after the deadline (no dead air). */
static void
answer_unhandled (VpLiveSession * self, const VpFunctionCall * fc)
{
  g_autoptr (GError) warning = g_error_new (VP_ERROR, VP_ERROR_SETTINGS,
      "Tool call %s (%s) has no handler and nothing is connected to "
      "tool-call: it was answered at once with an error. Give the tool a "
      "handler in the tools file, or connect to tool-call.", fc->id, fc->name);
  g_autofree gchar *message = g_strdup_printf ("The function %s is not "
      "available here: nothing answers it. Tell the user you cannot do "
      "that now.", fc->name);
  JsonObject *object = json_object_new ();
  g_autoptr (JsonNode) response = NULL;

  g_signal_emit (self, signals[SIGNAL_WARNING], 0, warning);
  json_object_set_string_member (object, "error", message);
  response = vp_json_node_take_object (object);
  vp_live_session_deliver_tool_response (self, fc->id, response, NULL);
}

void
vp_live_session_start_tool_calls (VpLiveSession * self, GPtrArray * calls)
{
  gboolean listens = g_signal_has_handler_pending (self,
      signals[SIGNAL_TOOL_CALL], 0, TRUE);
  guint i;

  for (i = 0; i < calls->len; i++) {
    VpFunctionCall *fc = g_ptr_array_index (calls, i);
    const gchar *handler = vp_tool_calls_add (self->calls, fc);
    gboolean unhandled = !listens && g_str_equal (handler, "app");

    g_signal_emit (self, signals[SIGNAL_TOOL_STARTED], 0, fc->id, fc->name,
        fc->args_json, unhandled ? "none" : handler);
    if (unhandled)
      answer_unhandled (self, fc);
  }

  /* Handlers start together: parallel calls run concurrently. */
  for (i = 0; i < calls->len; i++) {
    VpFunctionCall *fc = g_ptr_array_index (calls, i);

    if (vp_tool_calls_run (self->calls, fc))
      g_signal_emit (self, signals[SIGNAL_TOOL_CALL], 0, fc->id, fc->name,
          fc->args_json);
  }
}

void
vp_live_session_cancel_tool_calls (VpLiveSession * self, gchar ** ids)
{
  guint i;

  for (i = 0; ids[i] != NULL; i++) {
    if (vp_tool_calls_cancel (self->calls, ids[i]))
      g_signal_emit (self, signals[SIGNAL_TOOL_CALL_CANCELLED], 0, ids[i]);
  }
}

/* Sends the one answer of call @id; FALSE if it is not pending.  Any
 * thread. */
gboolean
vp_live_session_deliver_tool_response (VpLiveSession * self, const gchar * id,
    JsonNode * response, GError ** error)
{
  return vp_live_session_deliver_tool_response_full (self, id, response, NULL,
      error);
}

gboolean
vp_live_session_deliver_tool_response_full (VpLiveSession * self,
    const gchar * id, JsonNode * response, const gchar * scheduling,
    GError ** error)
{
  VpFunctionResponse wire = { 0, };
  VpToolCallEnd end = { 0, };
  gboolean non_blocking, takes_scheduling;
  VpOutgoing *item;

  if (!vp_tool_calls_end (self->calls, id, &end)) {
    g_autoptr (GError) local_error = g_error_new (VP_ERROR,
        VP_ERROR_SETTINGS, "Tool call %s is not pending: it was already "
        "answered, cancelled, or never made. The response was dropped.", id);
    g_debug ("%s", local_error->message);
    g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }

  /* Scheduling means something only to a non-blocking call. */
  g_mutex_lock (&self->lock);
  takes_scheduling = vp_model_rules (self->setup->model)->takes_scheduling;
  non_blocking = vp_model_call_is_non_blocking (self->setup->model,
      end.behavior);
  g_mutex_unlock (&self->lock);

  wire.id = (gchar *) id;
  wire.name = end.name;
  wire.response = response;
  if (takes_scheduling && non_blocking)
    wire.scheduling = scheduling != NULL ? (gchar *) scheduling :
        end.scheduling;

  item = vp_outgoing_new (vp_protocol_build_tool_response (&wire, 1), 0, TRUE);
  item->tool_id = g_strdup (id);
  item->tool_name = g_steal_pointer (&end.name);
  item->tool_response = vp_json_to_compact (response);
  vp_live_session_enqueue (self, item);
  if (end.end_call)
    g_signal_emit (self, signals[SIGNAL_END_CALL], 0);
  vp_tool_call_end_clear (&end);
  return TRUE;
}
