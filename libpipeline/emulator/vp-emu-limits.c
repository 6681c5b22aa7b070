/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The service's clocks on a connection, on the time scale: the connection
 * lifetime with its goAway notice, and the session time limit (120 s once
 * video was sent; none with context window compression). */

#include "config.h"

#include "vp-emu-limits.h"
#include "vp-emu-wire.h"

static gboolean
lifetime_over (gpointer data)
{
  Conn *c = data;

  vp_emu_clear_source (&c->lifetime_source);
  conn_log (c, "connection lifetime is over");
  vp_emu_wire_close (c, 1011, VP_EMU_REASON_DEADLINE);

  return G_SOURCE_REMOVE;
}

static gboolean
go_away_due (gpointer data)
{
  Conn *c = data;
  gint64 left_ms;

  vp_emu_clear_source (&c->go_away_source);
  left_ms = vp_emu_scaled_ms (c, MIN (c->go_away_notice,
          c->connection_lifetime));
  vp_emu_wire_send (c, vp_server_build_go_away (left_ms));

  return G_SOURCE_REMOVE;
}

void
vp_emu_limits_start (Conn * c)
{
  gint64 lifetime_ms, notice_ms;

  if (c->connection_lifetime == 0)
    return;

  lifetime_ms = vp_emu_scaled_ms (c, c->connection_lifetime);
  notice_ms = vp_emu_scaled_ms (c, MIN (c->go_away_notice,
          c->connection_lifetime));
  c->lifetime_source = vp_emu_conn_timeout (c, lifetime_ms, lifetime_over);
  c->go_away_source = vp_emu_conn_timeout (c, lifetime_ms - notice_ms,
      go_away_due);
}

static gboolean
session_limit_reached (gpointer data)
{
  Conn *c = data;

  vp_emu_clear_source (&c->session_source);
  conn_log (c, "session %s reached its time limit", c->session->id);
  c->session->terminated = TRUE;
  vp_emu_wire_close (c, 1011, VP_EMU_REASON_SESSION_LIMIT);

  return G_SOURCE_REMOVE;
}

void
vp_emu_limits_schedule_session (Conn * c)
{
  guint limit;
  gint64 deadline_us, now = g_get_monotonic_time ();

  vp_emu_clear_source (&c->session_source);
  if (c->session == NULL || c->setup == NULL || c->closing || c->stalled)
    return;
  if (c->setup->context_compression || c->session_limit == 0)
    return;

  limit = c->session_limit;
  if (c->session->video)
    limit = MIN (limit, VP_EMU_VIDEO_SESSION_LIMIT);

  deadline_us = c->session->start_us + vp_emu_scaled_ms (c, limit) * 1000;
  c->session_source = vp_emu_conn_timeout (c, MAX (0,
          (deadline_us - now) / 1000), session_limit_reached);
}

void
vp_emu_limits_stop (Conn * c)
{
  vp_emu_clear_source (&c->go_away_source);
  vp_emu_clear_source (&c->lifetime_source);
  vp_emu_clear_source (&c->session_source);
}
