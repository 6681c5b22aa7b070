/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A recorder of a VpLiveSession's signals for the client tests (GLib and
 * libvoxpipe only).  Signals come on the network thread; the test waits
 * for them, each wait bounded.
 *
 * Every signal becomes an event string, in order:
 *   setup-complete, reconnected:resumed|new,
 *   audio:RATE, text, input-transcription, output-transcription,
 *   generation-complete, turn-complete, interrupted, usage,
 *   tool-started:ID:NAME:HANDLER, tool-call:ID:NAME:ARGS,
 *   tool-result:ID:NAME, tool-call-cancelled:ID, end-call,
 *   go-away:MS, resumption-update:resumable|not-resumable,
 *   warning:CODE:MESSAGE, error:CODE:MESSAGE (CODE: the VP_ERROR code,
 *   -1 for another domain), closed:CODE.
 * A test may add its own (vpt_recorder_add()).
 *
 * A pattern matches an event that starts with it; "*" in a pattern
 * matches any run of characters ("tool-call:*:get_menu:"). */

#pragma once

#include <voxpipe.h>

G_BEGIN_DECLS

typedef struct
{
  VpLiveSession *session;       /* not a reference */
  guint wait_ms;                /* the bound of every wait */

  GMutex lock;
  GCond cond;                   /* broadcast on every event */
  /* under lock */
  GPtrArray *events;
  GError *error;                /* the first "error" */
  GString *output_text;
  GString *input_text;
  GByteArray *audio;            /* every "audio", S16 */
  GPtrArray *tool_calls;        /* "id\nname\nargs" of every "tool-call" */
  GHashTable *started;          /* id → "name handler"; each starts once */
  GHashTable *results;          /* id → GPtrArray of "tool-result" responses */
  GHashTable *cancelled;        /* id → how many "tool-call-cancelled" */
  VpUsage *usage;               /* the latest "usage" */
  gint close_code;              /* -1 until "closed" */
} VptRecorder;

VptRecorder *vpt_recorder_new (VpLiveSession * session, guint wait_ms);
/* Stops recording (before the session goes). */
void vpt_recorder_disconnect (VptRecorder * recorder);
void vpt_recorder_free (VptRecorder * recorder);

/* Records @event (taken). */
void vpt_recorder_add (VptRecorder * recorder, gchar * event);

/* Waits for an event matching @pattern at or after index *@from (0
 * without @from); returns its index and moves *@from past it.  A timeout
 * fails the test, listing the events. */
gint vpt_recorder_wait (VptRecorder * recorder, const gchar * pattern,
    guint * from);
/* Waits for @n events matching @pattern from index @from on; returns
 * them, without @pattern's text when it has no "*". */
GPtrArray *vpt_recorder_wait_n (VptRecorder * recorder,
    const gchar * pattern, guint from, guint n);
gboolean vpt_recorder_has (VptRecorder * recorder, const gchar * pattern);
guint vpt_recorder_count (VptRecorder * recorder, const gchar * pattern);
/* The number of events so far. */
guint vpt_recorder_mark (VptRecorder * recorder);
/* A copy of event @i. */
gchar *vpt_recorder_event (VptRecorder * recorder, guint i);

/* The one response "tool-result" reported for @id (asserts there was at
 * most one), or NULL. */
gchar *vpt_recorder_dup_result (VptRecorder * recorder, const gchar * id);
/* Waits for the first call of @name started at or after event @from;
 * returns its id. */
gchar *vpt_recorder_started_id (VptRecorder * recorder, const gchar * name,
    guint from);

G_END_DECLS
