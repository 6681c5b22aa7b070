/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The scenario's templates: "{{tool.path|default}}" placeholders filled
 * from the tools' results and the user's input, in the model's lines and
 * in the arguments of the calls it makes.  See docs/emulator.md. */

#include "config.h"

#include "vp-emu-template.h"

#include <string.h>

/* Follows @segments from @node.  Returns a borrowed node, or NULL. */
static JsonNode *
walk (JsonNode * node, gchar ** segments)
{
  guint i;

  for (i = 0; node != NULL && segments[i] != NULL; i++) {
    if (JSON_NODE_HOLDS_OBJECT (node)) {
      node = json_object_get_member (json_node_get_object (node), segments[i]);
    } else if (JSON_NODE_HOLDS_ARRAY (node)) {
      JsonArray *array = json_node_get_array (node);
      gchar *end = NULL;
      guint64 index = g_ascii_strtoull (segments[i], &end, 10);

      if (end == segments[i] || *end != '\0'
          || index >= json_array_get_length (array))
        node = NULL;
      else
        node = json_array_get_element (array, (guint) index);
    } else {
      node = NULL;
    }
  }

  return node;
}

/* Looks a placeholder path up.  "tool.a.b" is looked up in the tool's
 * response object, and when that has no "a", in its "output" object, so
 * "{{get_weather.tempC}}" and "{{get_weather.output.tempC}}" both work.
 * Returns a borrowed node, or NULL. */
static JsonNode *
lookup_path (const gchar * path, JsonObject * results, JsonNode * input_node)
{
  gchar **segments = g_strsplit (path, ".", -1);
  JsonNode *root = NULL, *node = NULL;

  if (segments[0] == NULL || *segments[0] == '\0')
    goto out;

  if (g_strcmp0 (segments[0], "input") == 0) {
    node = segments[1] == NULL ? input_node : NULL;
    goto out;
  }

  if (results != NULL)
    root = json_object_get_member (results, segments[0]);
  if (root == NULL)
    goto out;

  node = walk (root, segments + 1);
  if (node == NULL && segments[1] != NULL && JSON_NODE_HOLDS_OBJECT (root)) {
    JsonNode *output = json_object_get_member (json_node_get_object (root),
        "output");

    if (output != NULL && g_strcmp0 (segments[1], "output") != 0)
      node = walk (output, segments + 1);
  }

out:
  g_strfreev (segments);
  return node;
}

static void
append_scalar (GString * out, JsonNode * node)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  switch (json_node_get_value_type (node)) {
    case G_TYPE_STRING:
      g_string_append (out, json_node_get_string (node));
      break;
    case G_TYPE_INT64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT,
          json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      g_string_append (out, g_ascii_formatd (buf, sizeof (buf), "%.15g",
              json_node_get_double (node)));
      break;
    case G_TYPE_BOOLEAN:
      g_string_append (out, json_node_get_boolean (node) ? "yes" : "no");
      break;
    default:
      break;
  }
}

/* Strings and numbers as themselves, arrays of scalars as a spoken list
 * ("a, b and c"), anything else as compact JSON. */
static void
append_value (GString * out, JsonNode * node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return;

  if (JSON_NODE_HOLDS_VALUE (node)) {
    append_scalar (out, node);
    return;
  }

  if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);
    guint i, n = json_array_get_length (array);
    gboolean scalars = TRUE;

    for (i = 0; i < n; i++)
      scalars &= JSON_NODE_HOLDS_VALUE (json_array_get_element (array, i));

    if (scalars) {
      for (i = 0; i < n; i++) {
        if (i > 0)
          g_string_append (out, i + 1 == n ? " and " : ", ");
        append_scalar (out, json_array_get_element (array, i));
      }
      return;
    }
  }

  {
    gchar *json = json_to_string (node, FALSE);

    g_string_append (out, json);
    g_free (json);
  }
}

static JsonNode *
new_input_node (const gchar * input)
{
  return input ? json_node_init_string (json_node_alloc (), input) : NULL;
}

/* Finds the next "{{…}}" from @p.  Returns the start or NULL. */
static const gchar *
find_placeholder (const gchar * p, const gchar ** inner_start,
    const gchar ** inner_end, const gchar ** after)
{
  const gchar *open = strstr (p, "{{"), *close;

  if (open == NULL)
    return NULL;
  close = strstr (open + 2, "}}");
  if (close == NULL)
    return NULL;

  *inner_start = open + 2;
  *inner_end = close;
  *after = close + 2;
  return open;
}

/* Resolves one placeholder's inner text ("path|default"). */
static JsonNode *
resolve (const gchar * inner, gsize len, JsonObject * results,
    JsonNode * input_node, gchar ** default_out)
{
  gchar *spec = g_strndup (inner, len), *bar, *path;
  JsonNode *node;

  bar = strchr (spec, '|');
  if (bar != NULL) {
    *bar = '\0';
    *default_out = g_strdup (bar + 1);
  }
  path = g_strstrip (spec);
  node = lookup_path (path, results, input_node);
  g_free (spec);

  return node;
}

gchar *
vp_emu_template_render (const gchar * template, JsonObject * results,
    const gchar * input)
{
  GString *out;
  const gchar *p, *open, *inner_start, *inner_end, *after;
  JsonNode *input_node;

  if (template == NULL)
    return NULL;

  input_node = new_input_node (input);
  out = g_string_new (NULL);
  p = template;

  while ((open = find_placeholder (p, &inner_start, &inner_end,
              &after)) != NULL) {
    gchar *def = NULL;
    JsonNode *node;
    gsize before;

    g_string_append_len (out, p, open - p);
    before = out->len;
    node = resolve (inner_start, inner_end - inner_start, results,
        input_node, &def);
    append_value (out, node);
    if (out->len == before && def != NULL)
      g_string_append (out, def);
    if (out->len == before)
      g_debug ("emulator: template placeholder {{%.*s}} has no value",
          (int) (inner_end - inner_start), inner_start);
    g_free (def);
    p = after;
  }
  g_string_append (out, p);

  if (input_node)
    json_node_unref (input_node);

  return g_string_free (out, FALSE);
}

static JsonNode *
render_node (JsonNode * node, JsonObject * results, const gchar * input,
    JsonNode * input_node)
{
  JsonNode *json_node;

  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *in = json_node_get_object (node), *out = json_object_new ();
    GList *members = json_object_get_members (in), *l;

    for (l = members; l != NULL; l = l->next)
      json_object_set_member (out, l->data,
          render_node (json_object_get_member (in, l->data), results, input,
              input_node));
    g_list_free (members);
    json_node = json_node_new (JSON_NODE_OBJECT);
    json_node_take_object (json_node, out);
    return json_node;
  }

  if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *in = json_node_get_array (node), *out = json_array_new ();
    guint i;

    for (i = 0; i < json_array_get_length (in); i++)
      json_array_add_element (out,
          render_node (json_array_get_element (in, i), results, input,
              input_node));
    json_node = json_node_new (JSON_NODE_ARRAY);
    json_node_take_array (json_node, out);
    return json_node;
  }

  if (JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING) {
    const gchar *s = json_node_get_string (node);
    const gchar *open, *inner_start, *inner_end, *after;

    /* Exactly one placeholder: keep the value's type. */
    open = find_placeholder (s, &inner_start, &inner_end, &after);
    if (open == s && *after == '\0') {
      gchar *def = NULL;
      JsonNode *value = resolve (inner_start, inner_end - inner_start,
          results, input_node, &def);

      if (value != NULL && !JSON_NODE_HOLDS_NULL (value)) {
        g_free (def);
        return json_node_copy (value);
      }
      if (def != NULL) {
        JsonNode *fallback = json_node_init_string (json_node_alloc (), def);

        g_free (def);
        return fallback;
      }
    }

    {
      gchar *rendered = vp_emu_template_render (s, results, input);
      JsonNode *out = json_node_init_string (json_node_alloc (), rendered);

      g_free (rendered);
      return out;
    }
  }

  return json_node_copy (node);
}

JsonNode *
vp_emu_template_render_args (JsonNode * args, JsonObject * results,
    const gchar * input)
{
  JsonNode *input_node, *out;

  if (args == NULL) {
    out = json_node_new (JSON_NODE_OBJECT);
    json_node_take_object (out, json_object_new ());
    return out;
  }

  input_node = new_input_node (input);
  out = render_node (args, results, input, input_node);
  if (input_node)
    json_node_unref (input_node);

  return out;
}

JsonNode *
vp_emu_template_read_result (JsonNode * response)
{
  JsonNode *copy = json_node_copy (response);
  JsonObject *object;
  GList *members, *l;

  if (!JSON_NODE_HOLDS_OBJECT (copy))
    return copy;

  object = json_node_get_object (copy);
  members = json_object_get_members (object);
  for (l = members; l != NULL; l = l->next) {
    JsonNode *member = json_object_get_member (object, l->data);
    const gchar *text;
    JsonNode *parsed;

    if (!JSON_NODE_HOLDS_VALUE (member)
        || json_node_get_value_type (member) != G_TYPE_STRING)
      continue;
    text = json_node_get_string (member);
    while (g_ascii_isspace (*text))
      text++;
    if (*text != '{' && *text != '[')
      continue;
    parsed = json_from_string (text, NULL);
    if (parsed != NULL && (JSON_NODE_HOLDS_OBJECT (parsed)
            || JSON_NODE_HOLDS_ARRAY (parsed)))
      json_object_set_member (object, l->data, parsed);
    else if (parsed != NULL)
      json_node_unref (parsed);
  }
  g_list_free (members);

  return copy;
}
