/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The codec's JSON writer: compact output like JSON.stringify (no spaces,
 * shortest round-trip doubles, members in insertion order), and a short
 * printable form of a value for error messages.  Pure: no I/O, no state. */

#include "config.h"

#include "vp-json-write.h"

#include <math.h>
#include <string.h>

void
vp_json_append_string (GString * out, const gchar * text)
{
  g_autofree gchar *valid = NULL;
  const gchar *run, *p;

  if (text == NULL)
    text = "";
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);

  g_string_append_c (out, '"');
  for (run = p = text; *p != '\0'; p++) {
    guchar c = *p;

    if (c >= 0x20 && c != '"' && c != '\\')
      continue;

    g_string_append_len (out, run, p - run);
    run = p + 1;
    switch (c) {
      case '"':
        g_string_append (out, "\\\"");
        break;
      case '\\':
        g_string_append (out, "\\\\");
        break;
      case '\b':
        g_string_append (out, "\\b");
        break;
      case '\f':
        g_string_append (out, "\\f");
        break;
      case '\n':
        g_string_append (out, "\\n");
        break;
      case '\r':
        g_string_append (out, "\\r");
        break;
      case '\t':
        g_string_append (out, "\\t");
        break;
      default:
        g_string_append_printf (out, "\\u%04x", c);
        break;
    }
  }
  g_string_append_len (out, run, p - run);
  g_string_append_c (out, '"');
}

void
vp_json_append_double (GString * out, gdouble value)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
  gchar format[8];
  gint precision;

  /* JSON has no NaN or Infinity; JSON.stringify writes null. */
  if (!isfinite (value)) {
    g_string_append (out, "null");
    return;
  }
  if (value == 0.0) {
    g_string_append_c (out, '0');
    return;
  }

  /* The shortest form that reads back as the same double, so 0.7 stays
   * "0.7" instead of "0.69999999999999996". */
  for (precision = 1; precision <= 17; precision++) {
    g_snprintf (format, sizeof (format), "%%.%dg", precision);
    g_ascii_formatd (buf, sizeof (buf), format, value);
    if (g_ascii_strtod (buf, NULL) == value)
      break;
  }
  g_string_append (out, buf);
}

void
vp_json_append_node (GString * out, JsonNode * node)
{
  if (node == NULL) {
    g_string_append (out, "null");
    return;
  }

  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:{
      JsonObjectIter iter;
      const gchar *name;
      JsonNode *member;
      gboolean first = TRUE;

      g_string_append_c (out, '{');
      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (json_object_iter_next_ordered (&iter, &name, &member)) {
        if (!first)
          g_string_append_c (out, ',');
        first = FALSE;
        vp_json_append_string (out, name);
        g_string_append_c (out, ':');
        vp_json_append_node (out, member);
      }
      g_string_append_c (out, '}');
      break;
    }
    case JSON_NODE_ARRAY:{
      JsonArray *array = json_node_get_array (node);
      guint i, n = json_array_get_length (array);

      g_string_append_c (out, '[');
      for (i = 0; i < n; i++) {
        if (i > 0)
          g_string_append_c (out, ',');
        vp_json_append_node (out, json_array_get_element (array, i));
      }
      g_string_append_c (out, ']');
      break;
    }
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node)) {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT,
              json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          vp_json_append_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ?
              "true" : "false");
          break;
        case G_TYPE_STRING:
          vp_json_append_string (out, json_node_get_string (node));
          break;
        default:
          g_string_append (out, "null");
          break;
      }
      break;
    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
  }
}

gchar *
vp_json_to_compact (JsonNode * node)
{
  GString *out = g_string_new (NULL);

  vp_json_append_node (out, node);
  return g_string_free (out, FALSE);
}

gchar *
vp_json_describe (JsonNode * node)
{
  g_autofree gchar *text = vp_json_to_compact (node);
  const gsize max = 48;
  const gchar *cut;

  if (strlen (text) <= max)
    return g_steal_pointer (&text);

  /* Cut on a character boundary. */
  cut = g_utf8_find_prev_char (text, text + max + 1);
  return g_strdup_printf ("%.*s...", (gint) (cut - text), text);
}
