/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Bus events as JSON.  A geminilive/<event> element message becomes
 * {"type": "<event>", <its fields, named as on the bus>}; the gateway's
 * own "call" event says how the call stands.  docs/calls.md lists them. */

#include "config.h"

#include "vp-call-events.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define PREFIX "geminilive/"

static void
add_value (JsonBuilder * builder, const GValue * value)
{
  GType type = G_VALUE_TYPE (value);

  if (type == G_TYPE_STRING) {
    const gchar *s = g_value_get_string (value);
    json_builder_add_string_value (builder, s != NULL ? s : "");
  } else if (type == G_TYPE_BOOLEAN) {
    json_builder_add_boolean_value (builder, g_value_get_boolean (value));
  } else if (type == G_TYPE_INT) {
    json_builder_add_int_value (builder, g_value_get_int (value));
  } else if (type == G_TYPE_UINT) {
    json_builder_add_int_value (builder, g_value_get_uint (value));
  } else if (type == G_TYPE_INT64) {
    json_builder_add_int_value (builder, g_value_get_int64 (value));
  } else if (type == G_TYPE_UINT64) {
    json_builder_add_int_value (builder, (gint64) g_value_get_uint64 (value));
  } else if (type == G_TYPE_DOUBLE) {
    json_builder_add_double_value (builder, g_value_get_double (value));
  } else if (type == G_TYPE_FLOAT) {
    json_builder_add_double_value (builder, g_value_get_float (value));
  } else {
    g_autofree gchar *text = gst_value_serialize (value);
    json_builder_add_string_value (builder, text != NULL ? text : "");
  }
}

static gboolean
add_field (GQuark field, const GValue * value, gpointer user_data)
{
  JsonBuilder *builder = user_data;

  json_builder_set_member_name (builder, g_quark_to_string (field));
  add_value (builder, value);
  return TRUE;
}

static gchar *
finish (JsonBuilder * builder)
{
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* NULL for a message that is not a geminilive event. */
gchar *
vp_call_event_from_structure (const GstStructure * s)
{
  const gchar *name = gst_structure_get_name (s);
  g_autoptr (JsonBuilder) builder = NULL;

  if (!g_str_has_prefix (name, PREFIX) || name[strlen (PREFIX)] == '\0')
    return NULL;
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, name + strlen (PREFIX));
  gst_structure_foreach (s, add_field, builder);
  return finish (builder);
}

/* {"type": "call", "id": …, "state": "ringing|talking|ended",
 *  "reason": … (only when ended)} */
gchar *
vp_call_event_call (const gchar * id, const gchar * state, const gchar * reason)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "call");
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, state);
  if (reason != NULL) {
    json_builder_set_member_name (builder, "reason");
    json_builder_add_string_value (builder, reason);
  }
  return finish (builder);
}
