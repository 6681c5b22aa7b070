/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The record: one JSON object per connection with every client message as
 * it arrived (up to record-limit bytes), the session, the close and the
 * counters tests assert on.  Written on the emulator's thread, read from
 * any thread by vp_emulator_get_record(), always under the emulator's
 * lock. */

#include "config.h"

#include "vp-emu-record.h"

void
vp_emu_record_open (Conn * c)
{
  VpEmulator *emu = c->emu;
  JsonObject *record = json_object_new ();

  json_object_set_int_member (record, "connection", c->id);
  json_object_set_string_member (record, "path", c->path);
  json_object_set_null_member (record, "session");
  json_object_set_boolean_member (record, "resumed", FALSE);
  json_object_set_null_member (record, "closeCode");
  json_object_set_array_member (record, "messages", json_array_new ());
  json_object_set_int_member (record, "audioBytes", 0);
  json_object_set_int_member (record, "toolResponses", 0);
  c->record = json_object_ref (record);

  /* With record-limit 0 nothing records: the connection keeps its own
   * counters and the emulator no entry for it, so a long-lived emulator
   * (endpoint=local behind a gateway) does not grow by one per call. */
  g_mutex_lock (&emu->lock);
  if (emu->record_limit > 0)
    json_array_add_object_element (emu->record, record);
  else
    json_object_unref (record);
  emu->n_connections++;
  g_mutex_unlock (&emu->lock);
}

void
vp_emu_record_add_int (Conn * c, const gchar * key, gint64 delta)
{
  g_mutex_lock (&c->emu->lock);
  json_object_set_int_member (c->record, key,
      json_object_get_int_member_with_default (c->record, key, 0) + delta);
  g_mutex_unlock (&c->emu->lock);
}

/* Keeps the client's message as it arrived: as JSON when it parses, else
 * as a string.  Past the record limit only counters grow (elidedMessages,
 * elidedBytes), so memory stays flat when nothing records (limit 0). */
void
vp_emu_record_message (Conn * c, const gchar * data, gsize length)
{
  VpEmulator *emu = c->emu;
  JsonParser *parser;
  JsonNode *node = NULL;
  gboolean keep;

  g_mutex_lock (&emu->lock);
  keep = emu->record_bytes + length <= emu->record_limit;
  if (keep) {
    emu->record_bytes += length;
  } else {
    json_object_set_int_member (c->record, "elidedMessages",
        json_object_get_int_member_with_default (c->record,
            "elidedMessages", 0) + 1);
    json_object_set_int_member (c->record, "elidedBytes",
        json_object_get_int_member_with_default (c->record,
            "elidedBytes", 0) + length);
  }
  g_mutex_unlock (&emu->lock);
  if (!keep)
    return;

  parser = json_parser_new_immutable ();
  if (length <= VP_PROTOCOL_MAX_MESSAGE_SIZE
      && json_parser_load_from_data (parser, data, length, NULL)
      && json_parser_get_root (parser) != NULL)
    node = json_node_copy (json_parser_get_root (parser));
  g_object_unref (parser);

  if (node == NULL) {
    gchar *text = g_utf8_make_valid (data, MIN (length, 4096));

    node = json_node_init_string (json_node_alloc (), text);
    g_free (text);
  }

  g_mutex_lock (&emu->lock);
  json_array_add_element (json_object_get_array_member (c->record,
          "messages"), node);
  g_mutex_unlock (&emu->lock);
}

void
vp_emu_record_setup (Conn * c, const gchar * session, gboolean resumed,
    const gchar * model)
{
  g_mutex_lock (&c->emu->lock);
  json_object_set_string_member (c->record, "session", session);
  json_object_set_boolean_member (c->record, "resumed", resumed);
  json_object_set_string_member (c->record, "model", model);
  g_mutex_unlock (&c->emu->lock);
}

void
vp_emu_record_closed (Conn * c, gint code, const gchar * reason,
    const gchar * by)
{
  g_mutex_lock (&c->emu->lock);
  json_object_set_int_member (c->record, "closeCode", code);
  if (reason != NULL)
    json_object_set_string_member (c->record, "closeReason", reason);
  json_object_set_string_member (c->record, "closedBy", by);
  g_mutex_unlock (&c->emu->lock);
}

gchar *
vp_emu_record_to_json (VpEmulator * emu)
{
  JsonNode *root;
  gchar *json;

  g_mutex_lock (&emu->lock);
  root = json_node_init_array (json_node_alloc (), emu->record);
  json = json_to_string (root, FALSE);
  json_node_unref (root);
  g_mutex_unlock (&emu->lock);

  return json;
}

guint
vp_emu_record_n_connections (VpEmulator * emu)
{
  guint n;

  g_mutex_lock (&emu->lock);
  n = emu->n_connections;
  g_mutex_unlock (&emu->lock);

  return n;
}
