/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The one description of the signals' arguments and the bus messages'
 * fields.  GObject keeps no argument names (gst-inspect-1.0 prints arg0,
 * arg1…), so this table becomes element metadata that gst-inspect-1.0
 * prints ("Signal-args", "Messages"), and tools/gen-element-docs copies
 * gst-inspect-1.0 into docs/elements.md. */

#include "config.h"

#include "gstgeminilivedocs.h"

typedef struct
{
  const gchar *name;
  const gchar *type;
  const gchar *meaning;
} Arg;

typedef struct
{
  const gchar *name;
  const gchar *what;
  Arg args[4];
  const gchar *returns;
} Signal;

typedef struct
{
  const gchar *name;
  const gchar *what;
  Arg fields[12];
} Message;

static const Signal signals[] = {
  {"tool-call", "the model calls a tool that has no handler in the tools "
        "file; emitted on Voxpipe's network thread: do not block, answer "
        "now or later from any thread with tool-response",
        {{"id", "gchararray", "the call's id, for tool-response"},
            {"name", "gchararray", "the function's name"},
          {"args", "gchararray", "its arguments, a JSON object"}}, NULL},
  {"tool-call-cancelled", "the model no longer wants a call (the user "
        "barged in); a late answer to it is dropped",
      {{"id", "gchararray", "the call's id"}}, NULL},
  {"transcript", "a piece of what was said, as it is recognised",
        {{"role", "gchararray", "\"input\" (the user) or \"output\" (the "
                    "model)"},
            {"text", "gchararray", "the piece of text"},
          {"finished", "gboolean", "TRUE once this role's transcript of "
                  "the turn is complete (then text may be empty)"}}, NULL},
  {"turn", "the model's turn moves on",
        {{"state", "gchararray", "\"started\" (its first sample left "
                    "geminilivesrc), \"generated\", \"complete\" or "
                    "\"interrupted\""},
          {"latency_ms", "gdouble", "with \"started\": voice-to-voice "
                  "latency in ms, from the end of the user's speech; -1 "
                  "otherwise"}}, NULL},
  {"interrupted", "the user barged in; the model's queued audio was "
        "dropped", {{NULL}}, NULL},
  {"go-away", "the service will close this connection (the session moves "
        "to a new one when reconnect is on)",
      {{"time_left_ms", "gint64", "milliseconds before it closes"}}, NULL},
  {"session", "the connection's state changed",
        {{"state", "gchararray", "\"connecting\", \"ready\", "
                    "\"reconnecting\", \"resumed\" (a new connection goes on "
                    "with the conversation) or \"closed\""},
          {"handle", "gchararray", "the latest resumption handle, or "
                  "NULL"}}, NULL},
  {"usage", "the service reported usage",
      {{"usage", "GstStructure", "the session's totals: the fields of "
                    "the geminilive/usage message"}}, NULL},
  {"send-text", "action: sends text as the user's input",
      {{"text", "gchararray", "what the user types"}}, NULL},
  {"tool-response", "action: answers a tool call, from any thread",
        {{"id", "gchararray", "the call's id from tool-call"},
            {"response", "gchararray", "JSON: {\"output\": …} or "
                  "{\"error\": …}; anything else is sent as the output"}},
      "FALSE (nothing sent) when the id is not pending or the JSON is "
        "invalid"},
  {"activity-start", "action: the user starts talking (vad=manual, "
        "push-to-talk)", {{NULL}}, NULL},
  {"activity-end", "action: the user stops talking (vad=manual)",
      {{NULL}}, NULL},
  {"update", "action: changes the running session's settings at the next "
        "turn boundary (needs session-resumption)",
        {{"settings", "GstStructure", "new values by property name "
                    "(system-instruction, tools-file, voice, …); NULL "
                    "re-reads the current ones"}},
      "FALSE (with a warning saying why) when nothing could change"},
};

static const Message messages[] = {
  {"geminilive/session", "as the session signal",
        {{"state", "gchararray", "connecting, ready, reconnecting, resumed, "
                    "closed"},
          {"handle", "gchararray", "the latest resumption handle, or "
                  "NULL"}}},
  {"geminilive/transcript", "as the transcript signal",
        {{"role", "gchararray", "input or output"},
            {"text", "gchararray", "the piece of text"},
          {"finished", "gboolean", "the role's transcript of the turn is "
                  "complete"}}},
  {"geminilive/turn", "as the turn signal",
        {{"state", "gchararray", "started, generated, complete, "
                    "interrupted"},
          {"latency-ms", "gdouble", "voice-to-voice latency with started, "
                  "else -1"}}},
  {"geminilive/interrupted", "the user barged in",
      {{"dropped-samples", "guint64", "queued model samples dropped"}}},
  {"geminilive/tool-call", "every tool call, whoever answers it",
        {{"id", "gchararray", "the call's id"},
            {"name", "gchararray", "the function's name"},
            {"args", "gchararray", "its arguments, JSON"},
          {"handler", "gchararray", "who answers: the tools file's handler "
                  "kind, or the application"}}},
  {"geminilive/tool-result", "every answer, as it is sent",
        {{"id", "gchararray", "the call's id"},
            {"name", "gchararray", "the function's name"},
          {"response", "gchararray", "the answer, JSON"}}},
  {"geminilive/tool-call-cancelled", "as the tool-call-cancelled signal",
      {{"id", "gchararray", "the call's id"}}},
  {"geminilive/go-away", "as the go-away signal",
      {{"time-left-ms", "gint64", "milliseconds before the close"}}},
  {"geminilive/usage", "the session's totals so far",
        {{"input-tokens", "gint64", "tokens read"},
            {"output-tokens", "gint64", "tokens produced"},
            {"input-audio-tokens", "gint64", "of which audio"},
            {"input-text-tokens", "gint64", "of which text"},
            {"output-audio-tokens", "gint64", "of which audio"},
            {"output-text-tokens", "gint64", "of which text"},
            {"input-audio-seconds", "gdouble", "user audio sent"},
            {"output-audio-seconds", "gdouble", "model audio received"},
          {"cost-usd", "gdouble", "the cost so far, in US dollars"}}},
  {"geminilive/idle", "idle-timeout prompted the model",
      {{"seconds", "guint", "the user's silence"}}},
};

/* gst-inspect-1.0 prints a metadata value as it is, after a 2-space
 * indent and the key: continuation lines line up under the value. */
#define INDENT "\n                           "

static gchar *
describe_signals (void)
{
  GString *out = g_string_new (NULL);
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (signals); i++) {
    const Signal *s = &signals[i];

    if (i > 0)
      g_string_append (out, INDENT);
    g_string_append_printf (out, "\"%s\" (", s->name);
    for (j = 0; j < G_N_ELEMENTS (s->args) && s->args[j].name; j++)
      g_string_append_printf (out, "%s%s %s", j ? ", " : "",
          s->args[j].type, s->args[j].name);
    g_string_append_printf (out, "): %s", s->what);
    for (j = 0; j < G_N_ELEMENTS (s->args) && s->args[j].name; j++)
      g_string_append_printf (out, INDENT "    %s: %s", s->args[j].name,
          s->args[j].meaning);
    if (s->returns != NULL)
      g_string_append_printf (out, INDENT "    returns: %s", s->returns);
  }
  return g_string_free (out, FALSE);
}

static gchar *
describe_messages (void)
{
  GString *out = g_string_new ("element messages, posted by the element; "
      "each signal is also posted as one:");
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (messages); i++) {
    const Message *m = &messages[i];

    g_string_append_printf (out, INDENT "%s: %s", m->name, m->what);
    for (j = 0; j < G_N_ELEMENTS (m->fields) && m->fields[j].name; j++)
      g_string_append_printf (out, INDENT "    %s (%s): %s",
          m->fields[j].name, m->fields[j].type, m->fields[j].meaning);
  }
  return g_string_free (out, FALSE);
}

void
gst_gemini_live_docs_add_metadata (GstElementClass * klass)
{
  g_autofree gchar *described_signals = describe_signals ();
  g_autofree gchar *described_messages = describe_messages ();

  gst_element_class_add_metadata (klass, "signal-args", described_signals);
  gst_element_class_add_metadata (klass, "messages", described_messages);
}
