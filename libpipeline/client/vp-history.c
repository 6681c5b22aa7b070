/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The bounded transcript of a conversation (vp-history.h): lines by
 * speaker, the oldest dropped once the total passes the bound, turned into
 * the clientContent turns that seed a fresh session (PROTOCOL.md G6). */

#include "config.h"

#include "vp-history.h"
#include "vp-protocol.h"

#include <json-glib/json-glib.h>
#include <string.h>

typedef struct
{
  gboolean user;
  GString *text;
} Line;

struct _VpHistory
{
  gsize max_chars;
  GQueue lines;                 /* Line, oldest first */
  gsize chars;
};

static void
line_free (Line * line)
{
  g_string_free (line->text, TRUE);
  g_free (line);
}

VpHistory *
vp_history_new (gsize max_chars)
{
  VpHistory *history = g_new0 (VpHistory, 1);

  history->max_chars = max_chars;
  g_queue_init (&history->lines);
  return history;
}

void
vp_history_free (VpHistory * history)
{
  if (history == NULL)
    return;
  g_queue_clear_full (&history->lines, (GDestroyNotify) line_free);
  g_free (history);
}

void
vp_history_add (VpHistory * history, gboolean user, const gchar * text)
{
  Line *last = g_queue_peek_tail (&history->lines);
  gsize length;

  if (text == NULL || *text == '\0')
    return;
  length = strlen (text);
  if (last == NULL || last->user != user) {
    last = g_new0 (Line, 1);
    last->user = user;
    last->text = g_string_new (NULL);
    g_queue_push_tail (&history->lines, last);
  }
  g_string_append (last->text, text);
  history->chars += length;

  /* The oldest lines go first; a single line longer than the bound keeps
   * its end. */
  while (history->chars > history->max_chars
      && g_queue_get_length (&history->lines) > 1) {
    Line *oldest = g_queue_pop_head (&history->lines);

    history->chars -= oldest->text->len;
    line_free (oldest);
  }
  if (history->chars > history->max_chars) {
    gsize cut = history->chars - history->max_chars;
    const gchar *keep = g_utf8_find_next_char (last->text->str + cut - 1,
        NULL);

    cut = keep ? (gsize) (keep - last->text->str) : last->text->len;
    g_string_erase (last->text, 0, cut);
    history->chars = last->text->len;
  }
}

gboolean
vp_history_is_empty (VpHistory * history)
{
  return g_queue_is_empty (&history->lines);
}

gchar *
vp_history_build_client_content (VpHistory * history)
{
  g_autoptr (JsonArray) turns = NULL;
  GList *l;

  if (vp_history_is_empty (history))
    return NULL;
  turns = json_array_new ();
  for (l = history->lines.head; l != NULL; l = l->next) {
    Line *line = l->data;
    JsonObject *content = json_object_new ();
    JsonArray *parts = json_array_new ();
    JsonObject *part = json_object_new ();

    json_object_set_string_member (part, "text", line->text->str);
    json_array_add_object_element (parts, part);
    json_object_set_string_member (content, "role", line->user ? "user" :
        "model");
    json_object_set_array_member (content, "parts", parts);
    json_array_add_object_element (turns, content);
  }
  return vp_protocol_build_client_content (turns, TRUE);
}
