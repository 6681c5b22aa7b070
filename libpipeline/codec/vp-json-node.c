/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Making json-glib nodes that take over a reference, and deep copies that
 * share nothing with their original.  Pure: no I/O, no state. */

#include "config.h"

#include "vp-json-node.h"

JsonNode *
vp_json_node_take_object (JsonObject * object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

JsonNode *
vp_json_node_take_array (JsonArray * array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

JsonNode *
vp_json_deep_copy (JsonNode * node)
{
  JsonNode *copy;

  if (node == NULL)
    return NULL;

  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:{
      JsonObject *object = json_object_new ();
      JsonObjectIter iter;
      const gchar *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (json_object_iter_next_ordered (&iter, &name, &member))
        json_object_set_member (object, name, vp_json_deep_copy (member));
      return vp_json_node_take_object (object);
    }
    case JSON_NODE_ARRAY:{
      JsonArray *array = json_node_get_array (node);
      guint i, n = json_array_get_length (array);
      JsonArray *array_copy = json_array_sized_new (n);

      for (i = 0; i < n; i++)
        json_array_add_element (array_copy,
            vp_json_deep_copy (json_array_get_element (array, i)));
      return vp_json_node_take_array (array_copy);
    }
    case JSON_NODE_VALUE:
      /* json_node_copy() would share the JsonValue. */
      copy = json_node_alloc ();
      switch (json_node_get_value_type (node)) {
        case G_TYPE_INT64:
          return json_node_init_int (copy, json_node_get_int (node));
        case G_TYPE_DOUBLE:
          return json_node_init_double (copy, json_node_get_double (node));
        case G_TYPE_BOOLEAN:
          return json_node_init_boolean (copy, json_node_get_boolean (node));
        case G_TYPE_STRING:
          return json_node_init_string (copy, json_node_get_string (node));
        default:
          return json_node_init_null (copy);
      }
    case JSON_NODE_NULL:
    default:
      return json_node_init_null (json_node_alloc ());
  }
}
