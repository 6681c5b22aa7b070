/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Reads values out of a json-glib tree the proto3 JSON way: a camelCase
 * name also finds its snake_case spelling, null reads as absent, int64
 * comes as a number or a decimal string.  Pure: no I/O, no state. */

#include "config.h"

#include "vp-json-read.h"

#include <math.h>
#include <string.h>

gboolean
vp_json_name_matches (const gchar * wire, const gchar * camel)
{
  const gchar *c;

  if (strcmp (wire, camel) == 0)
    return TRUE;

  /* "turnComplete" also answers to its proto name "turn_complete". */
  for (c = camel; *c != '\0'; c++) {
    if (g_ascii_isupper (*c)) {
      if (*wire++ != '_')
        return FALSE;
      if (*wire++ != g_ascii_tolower (*c))
        return FALSE;
    } else if (*wire++ != *c) {
      return FALSE;
    }
  }

  return *wire == '\0';
}

JsonNode *
vp_json_get (JsonObject * object, const gchar * camel)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;

  node = json_object_get_member (object, camel);
  if (node == NULL) {
    gchar snake[64];
    gsize i = 0;
    const gchar *c;
    gboolean has_upper = FALSE;

    for (c = camel; *c != '\0' && i + 2 < sizeof (snake); c++) {
      if (g_ascii_isupper (*c)) {
        snake[i++] = '_';
        snake[i++] = g_ascii_tolower (*c);
        has_upper = TRUE;
      } else {
        snake[i++] = *c;
      }
    }
    if (!has_upper || *c != '\0')
      return NULL;
    snake[i] = '\0';
    node = json_object_get_member (object, snake);
  }

  /* proto3 JSON: null means "not set". */
  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    return NULL;

  return node;
}

JsonObject *
vp_json_get_object (JsonObject * object, const gchar * camel)
{
  JsonNode *node = vp_json_get (object, camel);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ?
      json_node_get_object (node) : NULL;
}

JsonArray *
vp_json_get_array (JsonObject * object, const gchar * camel)
{
  JsonNode *node = vp_json_get (object, camel);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ?
      json_node_get_array (node) : NULL;
}

const gchar *
vp_json_get_string (JsonObject * object, const gchar * camel)
{
  JsonNode *node = vp_json_get (object, camel);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING ?
      json_node_get_string (node) : NULL;
}

gboolean
vp_json_get_true (JsonObject * object, const gchar * camel)
{
  JsonNode *node = vp_json_get (object, camel);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_BOOLEAN
      && json_node_get_boolean (node);
}

gboolean
vp_json_get_int64 (JsonObject * object, const gchar * camel, gint64 * value)
{
  JsonNode *node = vp_json_get (object, camel);

  return node != NULL && vp_json_node_get_int64 (node, value);
}

gboolean
vp_json_parse_int64 (const gchar * text, gint64 * value)
{
  gint64 v;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, G_MININT64,
          G_MAXINT64, &v, NULL))
    return FALSE;
  *value = v;
  return TRUE;
}

gboolean
vp_json_node_get_int64 (JsonNode * node, gint64 * value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      *value = json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:{
      gdouble d = json_node_get_double (node);

      /* 9.2e18 is the first double past G_MAXINT64. */
      if (d != floor (d) || d < -9.2e18 || d > 9.2e18)
        return FALSE;
      *value = (gint64) d;
      return TRUE;
    }
    case G_TYPE_STRING:
      return vp_json_parse_int64 (json_node_get_string (node), value);
    default:
      return FALSE;
  }
}
