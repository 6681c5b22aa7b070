/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Sessions, what a resumption handle names: the tables of sessions and
 * handles on the emulator's thread, handle expiry (handle-lifetime after
 * the session's last connection closed), resuming, the resumption updates,
 * and the session's cumulative usageMetadata (DESIGN.md §6). */

#include "config.h"

#include "vp-emu-sessions.h"
#include "vp-emu-wire.h"

#include <string.h>

/* usageMetadata rates (DESIGN.md §6) */
#define AUDIO_IN_TOKENS_PER_S 32.0
#define AUDIO_OUT_TOKENS_PER_S 25.0

static void
session_free (Session * s)
{
  g_free (s->id);
  json_object_unref (s->results);
  g_free (s);
}

void
vp_emu_sessions_init (VpEmulator * emu)
{
  emu->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) session_free);
  emu->handles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
vp_emu_sessions_clear (VpEmulator * emu)
{
  g_clear_pointer (&emu->handles, g_hash_table_unref);
  g_clear_pointer (&emu->sessions, g_hash_table_unref);
}

static gint64
handle_expiry_us (Conn * c, Session * s)
{
  return s->ended_us + vp_emu_scaled_ms (c, c->handle_lifetime) * 1000;
}

static void
prune_sessions (VpEmulator * emu, Conn * c)
{
  GHashTableIter iter;
  gpointer key, value;
  gint64 now = g_get_monotonic_time ();
  GPtrArray *dead = g_ptr_array_new ();
  guint i;

  g_hash_table_iter_init (&iter, emu->sessions);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    Session *s = value;

    if (s->active == NULL && s->ended_us > 0
        && (s->terminated || now > handle_expiry_us (c, s)))
      g_ptr_array_add (dead, s);
  }

  for (i = 0; i < dead->len; i++) {
    Session *s = g_ptr_array_index (dead, i);

    g_hash_table_iter_init (&iter, emu->handles);
    while (g_hash_table_iter_next (&iter, &key, &value))
      if (value == s)
        g_hash_table_iter_remove (&iter);
    g_hash_table_remove (emu->sessions, s->id);
  }
  g_ptr_array_unref (dead);
}

Session *
vp_emu_sessions_create (VpEmulator * emu, const VpSetupConfig * setup)
{
  Session *s = g_new0 (Session, 1);

  s->id = g_strdup_printf ("s-%u", ++emu->next_session_id);
  s->start_us = g_get_monotonic_time ();
  s->results = json_object_new ();
  g_hash_table_insert (emu->sessions, s->id, s);

  s->text_in_tokens += vp_emu_text_tokens (setup->system_instruction);
  if (setup->tools != NULL) {
    JsonNode *node = json_node_init_array (json_node_alloc (), setup->tools);
    gchar *tools = json_to_string (node, FALSE);

    s->text_in_tokens += vp_emu_text_tokens (tools);
    g_free (tools);
    json_node_unref (node);
  }

  return s;
}

Session *
vp_emu_sessions_resume (Conn * c, const gchar * handle, gushort * code,
    const gchar ** reason)
{
  Session *session = g_hash_table_lookup (c->emu->handles, handle);

  /* A connection that is already closing no longer holds it. */
  if (session != NULL && session->active != NULL
      && !session->active->closing && vp_emu_wire_is_open (session->active)) {
    conn_log (c, "resuming session %s that is still open on conn %u",
        session->id, session->active->id);
    *code = 1011;
    *reason = VP_EMU_REASON_SESSION_IN_USE;
    return NULL;
  }
  if (session == NULL || session->terminated
      || g_get_monotonic_time () > handle_expiry_us (c, session)) {
    *code = 1008;
    *reason = VP_EMU_REASON_SESSION_NOT_FOUND;
    return NULL;
  }

  return session;
}

void
vp_emu_session_release (Conn * c)
{
  if (c->session != NULL && c->session->active == c) {
    c->session->active = NULL;
    c->session->ended_us = g_get_monotonic_time ();
  }
}

void
vp_emu_sessions_send_update (Conn * c, gboolean resumable)
{
  gchar *handle = NULL;

  if (!c->resumption || c->session == NULL)
    return;

  if (resumable) {
    Session *s = c->session;

    prune_sessions (c->emu, c);
    handle = g_strdup_printf ("h-%s-%u-%08x", s->id, ++s->n_handles,
        g_random_int ());
    g_hash_table_insert (c->emu->handles, g_strdup (handle), s);
  }

  vp_emu_wire_send (c, vp_server_build_resumption_update (handle, resumable));
  g_free (handle);
}

void
vp_emu_session_usage (Session * s, VpUsageMetadata * u)
{
  memset (u, 0, sizeof (*u));
  u->prompt_audio_tokens = llround (s->audio_in_s * AUDIO_IN_TOKENS_PER_S);
  u->prompt_text_tokens = s->text_in_tokens;
  u->prompt_video_tokens = s->video_tokens;
  u->response_audio_tokens = llround (s->audio_out_s * AUDIO_OUT_TOKENS_PER_S);
  u->response_text_tokens = s->text_out_tokens;
  u->prompt_tokens = u->prompt_audio_tokens + u->prompt_text_tokens +
      u->prompt_video_tokens;
  u->response_tokens = u->response_audio_tokens + u->response_text_tokens;
  u->total_tokens = u->prompt_tokens + u->response_tokens;
}
