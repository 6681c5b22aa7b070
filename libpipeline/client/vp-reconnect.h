/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The reconnection policy of a session (internal): whether a lost
 * connection is tried again and after how long (capped exponential
 * backoff), and when a goAway or an update moves the session to a new
 * connection (at a turn boundary, or before the service's deadline).
 * Decisions only, on the network thread: the session opens, closes and
 * times the connections. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* On goAway, switch connections this long before the service's deadline
 * at the latest, if no turn boundary came first. */
#define VP_RECONNECT_ROLLOVER_MARGIN_MS 1000
/* How long to wait for the old socket's close handshake on a rollover. */
#define VP_RECONNECT_CLOSE_WAIT_MS 2000
/* A rollover at a turn boundary waits this long at most for the
 * sessionResumptionUpdate that follows turnComplete (never past the
 * goAway's deadline). */
#define VP_RECONNECT_HANDLE_WAIT_MS 1500
/* An update waits this long at most for a turn boundary. */
#define VP_RECONNECT_UPDATE_DEADLINE_MS 15000

typedef struct
{
  guint attempt;                /* reconnection attempts since the last success */
  gboolean was_ready;           /* a connection got setupComplete once */
  gboolean rollover_pending;    /* goAway came: switch at the turn boundary */
  gboolean update_waits_for_handle;     /* an update, before any handle */
} VpReconnect;

/* setupComplete on a connection.  TRUE when an earlier one had it too:
 * the session goes on ("reconnected") rather than starts. */
gboolean vp_reconnect_ready (VpReconnect * reconnect);

/* The connection was lost with *@error.  TRUE: try again after *@delay_ms
 * (the attempt is counted).  FALSE: the session ends with *@error, which
 * says so when the attempts ran out.  Only a session that was up, with
 * reconnection @allowed, retries, and only transient errors. */
gboolean vp_reconnect_retry (VpReconnect * reconnect, gboolean allowed,
    GError ** error, guint * delay_ms);

typedef enum
{
  VP_ROLLOVER_NONE,             /* not allowed, or one is pending already */
  VP_ROLLOVER_NOW,              /* at a turn boundary: switch now */
  VP_ROLLOVER_LATER,            /* at the next boundary, or at the deadline */
} VpRollover;

/* A goAway (@time_left_ms, -1 if unknown) or an update asks for a new
 * connection; @at_boundary: no reply and no tool call is due.  For
 * LATER, *@deadline_ms is when to switch at the latest. */
VpRollover vp_reconnect_rollover (VpReconnect * reconnect, gboolean allowed,
    gboolean at_boundary, gint64 time_left_ms, guint * deadline_ms);

/* A turn ended with no tool call due: whether the pending rollover
 * switches now. */
gboolean vp_reconnect_turn_ended (VpReconnect * reconnect);

/* The connection ended: nothing is pending on it any more. */
void vp_reconnect_connection_ended (VpReconnect * reconnect);

/* An update of a running session.  Without a handle, the new connection
 * would start a new conversation: FALSE, and it waits for the first
 * resumable handle (vp_reconnect_handle_arrived()). */
gboolean vp_reconnect_update (VpReconnect * reconnect, gboolean have_handle);

/* A resumable handle arrived: TRUE when an update waited for it. */
gboolean vp_reconnect_handle_arrived (VpReconnect * reconnect);

G_END_DECLS
