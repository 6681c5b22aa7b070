/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The tool-call table of a session (internal): every call the service
 * waits for, by id, with what answers it, until it ends exactly once:
 * answered (by its declared handler, run here, or by the application
 * within the tool's deadline) or cancelled.  Its functions return what
 * happened and the owner emits the signals; only a handler's answer and a
 * missed deadline come back by callback.  Thread-safe: it has its own
 * lock, never held while calling out. */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>
#include "vp-protocol.h"
#include "vp-tools.h"

G_BEGIN_DECLS

typedef struct _VpToolCalls VpToolCalls;

/* On the thread of the table's context.  The owner is kept alive while a
 * handler runs or a deadline waits. */
typedef struct
{
  /* The handler of call @id answered @response (not after a cancel). */
  void (*answered) (GObject * owner, const gchar * id, JsonNode * response);
  /* Nobody answered call @id (@name) within @timeout_ms. */
  void (*missed) (GObject * owner, const gchar * id, const gchar * name,
      guint timeout_ms);
} VpToolCallsCallbacks;

/* Handlers and deadlines run on @context; http handlers use @soup. */
VpToolCalls *vp_tool_calls_new (GObject * owner,
    const VpToolCallsCallbacks * callbacks, GMainContext * context,
    SoupSession * soup);
void vp_tool_calls_free (VpToolCalls * calls);

/* Calls from now on are answered by @tools' handlers (taken; NULL: by
 * the application).  Replaced tools stay for the handlers still running. */
void vp_tool_calls_set_tools (VpToolCalls * calls, VpTools * tools);

/* Takes call @call into the table (and arms the application's deadline).
 * Returns who answers it: "app", "http", "exec", "result" or "builtin". */
const gchar *vp_tool_calls_add (VpToolCalls * calls,
    const VpFunctionCall * call);
/* Starts the handler of @call.  TRUE when the application answers it and
 * the call is still pending: the owner asks it ("tool-call"). */
gboolean vp_tool_calls_run (VpToolCalls * calls, const VpFunctionCall * call);

/* How a call ended, for its response. */
typedef struct
{
  gchar *name;
  gchar *scheduling;            /* the tool's, or NULL */
  gchar *behavior;              /* the tool's, or NULL (the model's default) */
  gboolean end_call;            /* the builtin end-call */
} VpToolCallEnd;

void vp_tool_call_end_clear (VpToolCallEnd * end);

/* Takes call @id out of the table to send its answer.  FALSE when it is
 * not pending (answered, cancelled, or never made). */
gboolean vp_tool_calls_end (VpToolCalls * calls, const gchar * id,
    VpToolCallEnd * end);
/* The service cancelled call @id: its handler stops for real (a late
 * result is dropped).  FALSE when it was not pending. */
gboolean vp_tool_calls_cancel (VpToolCalls * calls, const gchar * id);
/* The session is over: every handler stops, every deadline goes. */
void vp_tool_calls_cancel_all (VpToolCalls * calls);

gboolean vp_tool_calls_any_pending (VpToolCalls * calls);

/* The declared behavior of tool @name ("BLOCKING", "NON_BLOCKING"), or
 * NULL when not said or not declared. */
gchar *vp_tool_calls_dup_behavior (VpToolCalls * calls, const gchar * name);

G_END_DECLS
