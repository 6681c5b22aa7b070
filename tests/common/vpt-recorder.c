/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The recorder of a session's signals shared by the client tests: every
 * signal an event string, and the details the tests check kept beside
 * (see the header). */

#include "config.h"

#include "vpt-recorder.h"

#include <string.h>

void
vpt_recorder_add (VptRecorder * r, gchar * event)
{
  g_mutex_lock (&r->lock);
  g_ptr_array_add (r->events, event);
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

static gint
error_code (const GError * error)
{
  return error->domain == VP_ERROR ? error->code : -1;
}

static void
on_setup_complete (VpLiveSession * s, VptRecorder * r)
{
  vpt_recorder_add (r, g_strdup ("setup-complete"));
}

static void
on_reconnected (VpLiveSession * s, gboolean resumed, VptRecorder * r)
{
  vpt_recorder_add (r, g_strdup_printf ("reconnected:%s",
          resumed ? "resumed" : "new"));
}

static void
on_audio (VpLiveSession * s, GBytes * pcm, guint rate, VptRecorder * r)
{
  g_mutex_lock (&r->lock);
  g_byte_array_append (r->audio, g_bytes_get_data (pcm, NULL),
      g_bytes_get_size (pcm));
  g_mutex_unlock (&r->lock);
  vpt_recorder_add (r, g_strdup_printf ("audio:%u", rate));
}

static void
on_text (VpLiveSession * s, const gchar * text, VptRecorder * r)
{
  vpt_recorder_add (r, g_strdup ("text"));
}

static void
on_input_transcription (VpLiveSession * s, const gchar * text,
    gboolean finished, VptRecorder * r)
{
  g_mutex_lock (&r->lock);
  g_string_append (r->input_text, text);
  g_mutex_unlock (&r->lock);
  vpt_recorder_add (r, g_strdup ("input-transcription"));
}

static void
on_output_transcription (VpLiveSession * s, const gchar * text,
    gboolean finished, VptRecorder * r)
{
  g_mutex_lock (&r->lock);
  g_string_append (r->output_text, text);
  g_mutex_unlock (&r->lock);
  vpt_recorder_add (r, g_strdup ("output-transcription"));
}

static void
on_generation_complete (VpLiveSession * s, VptRecorder * r)
{
  vpt_recorder_add (r, g_strdup ("generation-complete"));
}

static void
on_turn_complete (VpLiveSession * s, const gchar * reason, VptRecorder * r)
{
  vpt_recorder_add (r, g_strdup ("turn-complete"));
}

static void
on_interrupted (VpLiveSession * s, VptRecorder * r)
{
  vpt_recorder_add (r, g_strdup ("interrupted"));
}

static void
on_usage (VpLiveSession * s, VpUsage * usage, VptRecorder * r)
{
  g_mutex_lock (&r->lock);
  g_clear_pointer (&r->usage, vp_usage_free);
  r->usage = vp_usage_copy (usage);
  g_mutex_unlock (&r->lock);
  vpt_recorder_add (r, g_strdup ("usage"));
}

static void
on_tool_started (VpLiveSession * s, const gchar * id, const gchar * name,
    const gchar * args, const gchar * handler, VptRecorder * r)
{
  g_mutex_lock (&r->lock);
  g_assert_false (g_hash_table_contains (r->started, id));
  g_hash_table_insert (r->started, g_strdup (id), g_strdup_printf ("%s %s",
          name, handler));
  g_mutex_unlock (&r->lock);
  vpt_recorder_add (r, g_strdup_printf ("tool-started:%s:%s:%s", id, name,
          handler));
}

static void
on_tool_call (VpLiveSession * s, const gchar * id, const gchar * name,
    const gchar * args, VptRecorder * r)
{
  g_mutex_lock (&r->lock);
  g_ptr_array_add (r->tool_calls, g_strdup_printf ("%s\n%s\n%s", id, name,
          args));
  g_mutex_unlock (&r->lock);
  vpt_recorder_add (r, g_strdup_printf ("tool-call:%s:%s:%s", id, name, args));
}

static void
on_tool_result (VpLiveSession * s, const gchar * id, const gchar * name,
    const gchar * response, VptRecorder * r)
{
  GPtrArray *list;

  g_mutex_lock (&r->lock);
  list = g_hash_table_lookup (r->results, id);
  if (list == NULL) {
    list = g_ptr_array_new_with_free_func (g_free);
    g_hash_table_insert (r->results, g_strdup (id), list);
  }
  g_ptr_array_add (list, g_strdup (response));
  g_mutex_unlock (&r->lock);
  vpt_recorder_add (r, g_strdup_printf ("tool-result:%s:%s", id, name));
}

static void
on_tool_call_cancelled (VpLiveSession * s, const gchar * id, VptRecorder * r)
{
  g_mutex_lock (&r->lock);
  g_hash_table_insert (r->cancelled, g_strdup (id),
      GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (r->cancelled,
                  id)) + 1));
  g_mutex_unlock (&r->lock);
  vpt_recorder_add (r, g_strdup_printf ("tool-call-cancelled:%s", id));
}

static void
on_end_call (VpLiveSession * s, VptRecorder * r)
{
  vpt_recorder_add (r, g_strdup ("end-call"));
}

static void
on_go_away (VpLiveSession * s, gint64 time_left_ms, VptRecorder * r)
{
  vpt_recorder_add (r, g_strdup_printf ("go-away:%" G_GINT64_FORMAT,
          time_left_ms));
}

static void
on_resumption_update (VpLiveSession * s, const gchar * handle,
    gboolean resumable, VptRecorder * r)
{
  vpt_recorder_add (r, g_strdup_printf ("resumption-update:%s",
          resumable ? "resumable" : "not-resumable"));
}

static void
on_warning (VpLiveSession * s, GError * error, VptRecorder * r)
{
  vpt_recorder_add (r, g_strdup_printf ("warning:%d:%s", error_code (error),
          error->message));
}

static void
on_error (VpLiveSession * s, GError * error, VptRecorder * r)
{
  g_mutex_lock (&r->lock);
  if (r->error == NULL)
    r->error = g_error_copy (error);
  g_mutex_unlock (&r->lock);
  vpt_recorder_add (r, g_strdup_printf ("error:%d:%s", error_code (error),
          error->message));
}

static void
on_closed (VpLiveSession * s, gint code, const gchar * reason, VptRecorder * r)
{
  g_mutex_lock (&r->lock);
  r->close_code = code;
  g_mutex_unlock (&r->lock);
  vpt_recorder_add (r, g_strdup_printf ("closed:%d", code));
}

VptRecorder *
vpt_recorder_new (VpLiveSession * session, guint wait_ms)
{
  static const struct
  {
    const gchar *signal;
    GCallback handler;
  } handlers[] = {
    {"setup-complete", G_CALLBACK (on_setup_complete)},
    {"reconnected", G_CALLBACK (on_reconnected)},
    {"audio", G_CALLBACK (on_audio)},
    {"text", G_CALLBACK (on_text)},
    {"input-transcription", G_CALLBACK (on_input_transcription)},
    {"output-transcription", G_CALLBACK (on_output_transcription)},
    {"generation-complete", G_CALLBACK (on_generation_complete)},
    {"turn-complete", G_CALLBACK (on_turn_complete)},
    {"interrupted", G_CALLBACK (on_interrupted)},
    {"usage", G_CALLBACK (on_usage)},
    {"tool-started", G_CALLBACK (on_tool_started)},
    {"tool-call", G_CALLBACK (on_tool_call)},
    {"tool-result", G_CALLBACK (on_tool_result)},
    {"tool-call-cancelled", G_CALLBACK (on_tool_call_cancelled)},
    {"end-call", G_CALLBACK (on_end_call)},
    {"go-away", G_CALLBACK (on_go_away)},
    {"resumption-update", G_CALLBACK (on_resumption_update)},
    {"warning", G_CALLBACK (on_warning)},
    {"error", G_CALLBACK (on_error)},
    {"closed", G_CALLBACK (on_closed)},
  };
  VptRecorder *r = g_new0 (VptRecorder, 1);
  guint i;

  r->session = session;
  r->wait_ms = wait_ms;
  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  r->events = g_ptr_array_new_with_free_func (g_free);
  r->output_text = g_string_new (NULL);
  r->input_text = g_string_new (NULL);
  r->audio = g_byte_array_new ();
  r->tool_calls = g_ptr_array_new_with_free_func (g_free);
  r->started = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r->results = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_ptr_array_unref);
  r->cancelled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->close_code = -1;

  for (i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_connect (session, handlers[i].signal, handlers[i].handler, r);
  return r;
}

void
vpt_recorder_disconnect (VptRecorder * r)
{
  g_signal_handlers_disconnect_by_data (r->session, r);
}

void
vpt_recorder_free (VptRecorder * r)
{
  g_ptr_array_unref (r->events);
  g_clear_error (&r->error);
  g_string_free (r->output_text, TRUE);
  g_string_free (r->input_text, TRUE);
  g_byte_array_unref (r->audio);
  g_ptr_array_unref (r->tool_calls);
  g_hash_table_unref (r->started);
  g_hash_table_unref (r->results);
  g_hash_table_unref (r->cancelled);
  g_clear_pointer (&r->usage, vp_usage_free);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
  g_free (r);
}

/* A compiled pattern: a prefix, or a glob when it has a "*". */
typedef struct
{
  const gchar *prefix;
  GPatternSpec *glob;
} Pattern;

static void
pattern_init (Pattern * p, const gchar * pattern)
{
  p->prefix = pattern;
  p->glob = NULL;
  if (strchr (pattern, '*') != NULL) {
    g_autofree gchar *glob = g_strconcat (pattern, "*", NULL);
    p->glob = g_pattern_spec_new (glob);
  }
}

static gboolean
pattern_match (const Pattern * p, const gchar * event)
{
  return p->glob ? g_pattern_spec_match_string (p->glob, event) :
      g_str_has_prefix (event, p->prefix);
}

static void
pattern_clear (Pattern * p)
{
  g_clear_pointer (&p->glob, g_pattern_spec_free);
}

/* With the lock held: fails the test, listing the events. */
static G_GNUC_NORETURN void
timed_out (VptRecorder * r, const gchar * what)
{
  GString *all = g_string_new (NULL);
  guint i;

  for (i = 0; i < r->events->len; i++)
    g_string_append_printf (all, " %s", (gchar *) r->events->pdata[i]);
  g_mutex_unlock (&r->lock);
  g_error ("timed out after %u ms waiting for %s; events:%s", r->wait_ms,
      what, all->str);
}

static gint64
deadline (VptRecorder * r)
{
  return g_get_monotonic_time () + r->wait_ms * G_TIME_SPAN_MILLISECOND;
}

gint
vpt_recorder_wait (VptRecorder * r, const gchar * pattern, guint * from)
{
  gint64 end = deadline (r);
  guint i = from ? *from : 0;
  Pattern p;

  pattern_init (&p, pattern);
  g_mutex_lock (&r->lock);
  for (;;) {
    for (; i < r->events->len; i++) {
      if (pattern_match (&p, g_ptr_array_index (r->events, i))) {
        g_mutex_unlock (&r->lock);
        pattern_clear (&p);
        if (from)
          *from = i + 1;
        return i;
      }
    }
    if (!g_cond_wait_until (&r->cond, &r->lock, end)) {
      g_autofree gchar *what = g_strdup_printf ("\"%s\"", pattern);
      timed_out (r, what);
    }
  }
}

GPtrArray *
vpt_recorder_wait_n (VptRecorder * r, const gchar * pattern, guint from,
    guint n)
{
  gint64 end = deadline (r);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  gsize skip;
  guint i = from;
  Pattern p;

  pattern_init (&p, pattern);
  skip = p.glob ? 0 : strlen (pattern);
  g_mutex_lock (&r->lock);
  while (found->len < n) {
    for (; i < r->events->len && found->len < n; i++) {
      const gchar *event = g_ptr_array_index (r->events, i);
      if (pattern_match (&p, event))
        g_ptr_array_add (found, g_strdup (event + skip));
    }
    if (found->len < n && !g_cond_wait_until (&r->cond, &r->lock, end)) {
      g_autofree gchar *what = g_strdup_printf ("%u × \"%s\"", n, pattern);
      timed_out (r, what);
    }
  }
  g_mutex_unlock (&r->lock);
  pattern_clear (&p);
  return found;
}

guint
vpt_recorder_count (VptRecorder * r, const gchar * pattern)
{
  guint i, n = 0;
  Pattern p;

  pattern_init (&p, pattern);
  g_mutex_lock (&r->lock);
  for (i = 0; i < r->events->len; i++)
    n += pattern_match (&p, g_ptr_array_index (r->events, i));
  g_mutex_unlock (&r->lock);
  pattern_clear (&p);
  return n;
}

gboolean
vpt_recorder_has (VptRecorder * r, const gchar * pattern)
{
  return vpt_recorder_count (r, pattern) > 0;
}

guint
vpt_recorder_mark (VptRecorder * r)
{
  guint n;

  g_mutex_lock (&r->lock);
  n = r->events->len;
  g_mutex_unlock (&r->lock);
  return n;
}

gchar *
vpt_recorder_event (VptRecorder * r, guint i)
{
  gchar *event;

  g_mutex_lock (&r->lock);
  event = g_strdup (g_ptr_array_index (r->events, i));
  g_mutex_unlock (&r->lock);
  return event;
}

gchar *
vpt_recorder_dup_result (VptRecorder * r, const gchar * id)
{
  GPtrArray *list;
  gchar *response = NULL;

  g_mutex_lock (&r->lock);
  list = g_hash_table_lookup (r->results, id);
  if (list != NULL) {
    g_assert_cmpuint (list->len, ==, 1);
    response = g_strdup (g_ptr_array_index (list, 0));
  }
  g_mutex_unlock (&r->lock);
  return response;
}

gchar *
vpt_recorder_started_id (VptRecorder * r, const gchar * name, guint from)
{
  g_autofree gchar *needle = g_strdup_printf (":%s:", name);
  gint64 end = deadline (r);
  guint i = from;

  g_mutex_lock (&r->lock);
  for (;;) {
    for (; i < r->events->len; i++) {
      const gchar *event = g_ptr_array_index (r->events, i);
      const gchar *at;
      if (g_str_has_prefix (event, "tool-started:")
          && (at = strstr (event + strlen ("tool-started:"), needle))) {
        const gchar *id = event + strlen ("tool-started:");
        gchar *copy = g_strndup (id, at - id);
        g_mutex_unlock (&r->lock);
        return copy;
      }
    }
    if (!g_cond_wait_until (&r->cond, &r->lock, end))
      timed_out (r, needle);
  }
}
