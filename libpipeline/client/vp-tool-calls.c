/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The tool-call table: each call ends exactly once, answered or
 * cancelled, whoever answers it and whichever comes first.  Ending a call
 * takes it out of the table under the lock, so a second answer, a late
 * handler result or an answer to a cancelled call finds nothing.
 *
 * Locking: `lock` protects the fields marked [L]; it is never held while
 * calling back or starting a handler.  Fields marked [I] are set in
 * vp_tool_calls_new() and never change. */

#include "config.h"

#include "vp-tool-calls.h"
#include "vp-tool-runner.h"

struct _VpToolCalls
{
  GObject *owner;               /* [I] not a reference: it owns the table */
  const VpToolCallsCallbacks *callbacks;        /* [I] */
  GMainContext *context;        /* [I] */
  SoupSession *soup;            /* [I] used on the context's thread only */

  GMutex lock;
  GHashTable *pending;          /* [L] id → PendingCall: not ended yet */
  VpTools *tools;               /* [L] declared tools and their handlers */
  GPtrArray *retired;           /* [L] replaced, for handlers still running */
};

/* A call the service waits for. */
typedef struct
{
  gchar *name;
  const VpTool *tool;           /* NULL when not declared in the tools */
  GCancellable *cancellable;    /* stops a running handler */
  GSource *deadline;            /* the application's */
} PendingCall;

static void
pending_call_free (PendingCall * call)
{
  if (call->deadline != NULL) {
    g_source_destroy (call->deadline);
    g_source_unref (call->deadline);
  }
  g_clear_object (&call->cancellable);
  g_free (call->name);
  g_free (call);
}

/* A running handler or a deadline: it keeps the owner (and so the table)
 * alive. */
typedef struct
{
  VpToolCalls *calls;
  gchar *id;
} CallRef;

static CallRef *
call_ref_new (VpToolCalls * calls, const gchar * id)
{
  CallRef *ref = g_new0 (CallRef, 1);

  ref->calls = calls;
  ref->id = g_strdup (id);
  g_object_ref (calls->owner);
  return ref;
}

static void
call_ref_free (CallRef * ref)
{
  GObject *owner = ref->calls->owner;

  g_free (ref->id);
  g_free (ref);
  g_object_unref (owner);       /* may free the table */
}

static const gchar *
handler_name (const VpTool * tool)
{
  switch (tool ? tool->handler : VP_TOOL_HANDLER_APP) {
    case VP_TOOL_HANDLER_HTTP:
      return "http";
    case VP_TOOL_HANDLER_EXEC:
      return "exec";
    case VP_TOOL_HANDLER_RESULT:
      return "result";
    case VP_TOOL_HANDLER_BUILTIN:
      return "builtin";
    case VP_TOOL_HANDLER_APP:
    default:
      return "app";
  }
}

VpToolCalls *
vp_tool_calls_new (GObject * owner, const VpToolCallsCallbacks * callbacks,
    GMainContext * context, SoupSession * soup)
{
  VpToolCalls *calls = g_new0 (VpToolCalls, 1);

  calls->owner = owner;
  calls->callbacks = callbacks;
  calls->context = context;
  calls->soup = soup;
  g_mutex_init (&calls->lock);
  calls->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) pending_call_free);
  calls->retired = g_ptr_array_new_with_free_func ((GDestroyNotify)
      vp_tools_free);
  return calls;
}

void
vp_tool_calls_free (VpToolCalls * calls)
{
  g_hash_table_unref (calls->pending);
  vp_tools_free (calls->tools);
  g_ptr_array_unref (calls->retired);
  g_mutex_clear (&calls->lock);
  g_free (calls);
}

void
vp_tool_calls_set_tools (VpToolCalls * calls, VpTools * tools)
{
  g_mutex_lock (&calls->lock);
  /* Running handlers point into the old tools: they stay until the
   * table goes. */
  if (calls->tools != NULL)
    g_ptr_array_add (calls->retired, calls->tools);
  calls->tools = tools;
  g_mutex_unlock (&calls->lock);
}

static gboolean
on_deadline (gpointer user_data)
{
  CallRef *ref = user_data;
  VpToolCalls *calls = ref->calls;
  g_autofree gchar *name = NULL;
  guint timeout_ms = VP_TOOL_DEFAULT_TIMEOUT_MS;
  PendingCall *call;

  g_mutex_lock (&calls->lock);
  call = g_hash_table_lookup (calls->pending, ref->id);
  if (call != NULL) {
    if (call->tool != NULL)
      timeout_ms = call->tool->timeout_ms;
    name = g_strdup (call->name);
    /* This source is ending: the call must not destroy it. */
    g_clear_pointer (&call->deadline, g_source_unref);
  }
  g_mutex_unlock (&calls->lock);

  if (call != NULL)
    calls->callbacks->missed (calls->owner, ref->id, name, timeout_ms);
  return G_SOURCE_REMOVE;
}

static void
on_handler_done (GObject * source, GAsyncResult * result, gpointer user_data)
{
  CallRef *ref = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) response = vp_tool_run_finish (result, &error);

  /* Cancelled: the call was already reported cancelled; nothing to send. */
  if (response != NULL)
    ref->calls->callbacks->answered (ref->calls->owner, ref->id, response);
  call_ref_free (ref);
}

const gchar *
vp_tool_calls_add (VpToolCalls * calls, const VpFunctionCall * fc)
{
  PendingCall *call = g_new0 (PendingCall, 1);
  const gchar *handler;

  call->name = g_strdup (fc->name);
  g_mutex_lock (&calls->lock);
  call->tool = vp_tools_lookup (calls->tools, fc->name);
  if (call->tool == NULL || call->tool->handler == VP_TOOL_HANDLER_APP) {
    call->deadline = g_timeout_source_new (call->tool ?
        call->tool->timeout_ms : VP_TOOL_DEFAULT_TIMEOUT_MS);
    g_source_set_callback (call->deadline, on_deadline,
        call_ref_new (calls, fc->id), (GDestroyNotify) call_ref_free);
    g_source_set_static_name (call->deadline, "voxpipe-tool-deadline");
    g_source_attach (call->deadline, calls->context);
  } else {
    call->cancellable = g_cancellable_new ();
  }
  handler = handler_name (call->tool);
  g_hash_table_replace (calls->pending, g_strdup (fc->id), call);
  g_mutex_unlock (&calls->lock);
  return handler;
}

gboolean
vp_tool_calls_run (VpToolCalls * calls, const VpFunctionCall * fc)
{
  const VpTool *tool = NULL;
  GCancellable *cancellable = NULL;
  gboolean pending;
  PendingCall *call;

  g_mutex_lock (&calls->lock);
  call = g_hash_table_lookup (calls->pending, fc->id);
  pending = call != NULL;
  if (call != NULL && call->cancellable != NULL) {
    tool = call->tool;
    cancellable = g_object_ref (call->cancellable);
  }
  g_mutex_unlock (&calls->lock);

  if (tool == NULL)
    return pending;
  vp_tool_run_async (tool, fc->args_json, calls->soup, cancellable,
      on_handler_done, call_ref_new (calls, fc->id));
  g_object_unref (cancellable);
  return FALSE;
}

void
vp_tool_call_end_clear (VpToolCallEnd * end)
{
  g_clear_pointer (&end->name, g_free);
  g_clear_pointer (&end->scheduling, g_free);
  g_clear_pointer (&end->behavior, g_free);
}

gboolean
vp_tool_calls_end (VpToolCalls * calls, const gchar * id, VpToolCallEnd * end)
{
  g_autofree gchar *key = NULL;
  PendingCall *call = NULL;
  const VpTool *tool;

  g_mutex_lock (&calls->lock);
  g_hash_table_steal_extended (calls->pending, id, (gpointer *) & key,
      (gpointer *) & call);
  g_mutex_unlock (&calls->lock);
  if (call == NULL)
    return FALSE;

  /* The tool outlives the call: replaced tools are retired, not freed. */
  tool = call->tool;
  end->name = g_steal_pointer (&call->name);
  end->scheduling = g_strdup (tool ? tool->scheduling : NULL);
  end->behavior = g_strdup (tool ? tool->behavior : NULL);
  end->end_call = tool != NULL && tool->handler == VP_TOOL_HANDLER_BUILTIN
      && g_strcmp0 (tool->builtin, "end-call") == 0;
  pending_call_free (call);
  return TRUE;
}

gboolean
vp_tool_calls_cancel (VpToolCalls * calls, const gchar * id)
{
  g_autofree gchar *key = NULL;
  PendingCall *call = NULL;

  g_mutex_lock (&calls->lock);
  g_hash_table_steal_extended (calls->pending, id, (gpointer *) & key,
      (gpointer *) & call);
  g_mutex_unlock (&calls->lock);
  if (call == NULL)
    return FALSE;

  if (call->cancellable != NULL)
    g_cancellable_cancel (call->cancellable);
  pending_call_free (call);
  return TRUE;
}

void
vp_tool_calls_cancel_all (VpToolCalls * calls)
{
  GHashTableIter iter;
  PendingCall *call;
  GHashTable *pending;

  g_mutex_lock (&calls->lock);
  pending = g_steal_pointer (&calls->pending);
  calls->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) pending_call_free);
  g_mutex_unlock (&calls->lock);

  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) & call)) {
    if (call->cancellable != NULL)
      g_cancellable_cancel (call->cancellable);
  }
  g_hash_table_unref (pending);
}

gboolean
vp_tool_calls_any_pending (VpToolCalls * calls)
{
  gboolean pending;

  g_mutex_lock (&calls->lock);
  pending = g_hash_table_size (calls->pending) > 0;
  g_mutex_unlock (&calls->lock);
  return pending;
}

gchar *
vp_tool_calls_dup_behavior (VpToolCalls * calls, const gchar * name)
{
  const VpTool *tool;
  gchar *behavior;

  g_mutex_lock (&calls->lock);
  tool = vp_tools_lookup (calls->tools, name);
  behavior = g_strdup (tool ? tool->behavior : NULL);
  g_mutex_unlock (&calls->lock);
  return behavior;
}
