/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The reconnection policy: backoff and rollover decisions (see the
 * header).  Auth and settings errors are never retried
 * (vp_error_is_transient()). */

#include "config.h"

#include "vp-reconnect.h"
#include "vp-error.h"

#define RECONNECT_FIRST_DELAY_MS 250
#define RECONNECT_MAX_DELAY_MS 8000
#define RECONNECT_MAX_ATTEMPTS 8
/* goAway without a time left: switch within this. */
#define ROLLOVER_DEFAULT_DEADLINE_MS 10000

gboolean
vp_reconnect_ready (VpReconnect * reconnect)
{
  gboolean again = reconnect->was_ready;

  reconnect->was_ready = TRUE;
  reconnect->attempt = 0;
  return again;
}

gboolean
vp_reconnect_retry (VpReconnect * reconnect, gboolean allowed,
    GError ** error, guint * delay_ms)
{
  if (!allowed || !reconnect->was_ready || !vp_error_is_transient (*error)
      || reconnect->attempt >= RECONNECT_MAX_ATTEMPTS) {
    if (reconnect->attempt >= RECONNECT_MAX_ATTEMPTS) {
      GError *last = g_error_new ((*error)->domain, (*error)->code,
          "%s (gave up after %u reconnection attempts)", (*error)->message,
          reconnect->attempt);
      g_error_free (*error);
      *error = last;
    }
    return FALSE;
  }

  *delay_ms = MIN (RECONNECT_MAX_DELAY_MS,
      RECONNECT_FIRST_DELAY_MS << MIN (reconnect->attempt, 16));
  reconnect->attempt++;
  return TRUE;
}

VpRollover
vp_reconnect_rollover (VpReconnect * reconnect, gboolean allowed,
    gboolean at_boundary, gint64 time_left_ms, guint * deadline_ms)
{
  gint64 deadline;

  if (!allowed || reconnect->rollover_pending)
    return VP_ROLLOVER_NONE;
  if (at_boundary)
    return VP_ROLLOVER_NOW;

  reconnect->rollover_pending = TRUE;
  deadline = time_left_ms < 0 ? ROLLOVER_DEFAULT_DEADLINE_MS :
      time_left_ms - VP_RECONNECT_ROLLOVER_MARGIN_MS;
  *deadline_ms = (guint) CLAMP (deadline, 0, G_MAXUINT);
  return VP_ROLLOVER_LATER;
}

gboolean
vp_reconnect_turn_ended (VpReconnect * reconnect)
{
  return reconnect->rollover_pending;
}

void
vp_reconnect_connection_ended (VpReconnect * reconnect)
{
  reconnect->rollover_pending = FALSE;
}

gboolean
vp_reconnect_update (VpReconnect * reconnect, gboolean have_handle)
{
  if (!have_handle)
    reconnect->update_waits_for_handle = TRUE;
  return have_handle;
}

gboolean
vp_reconnect_handle_arrived (VpReconnect * reconnect)
{
  gboolean waited = reconnect->update_waits_for_handle;

  reconnect->update_waits_for_handle = FALSE;
  return waited;
}
