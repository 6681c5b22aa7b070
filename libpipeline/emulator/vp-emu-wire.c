/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The low wire layer of a connection: writes server messages (the trace,
 * the frame kind, the count faults trigger on), closes with a code and a
 * reason cut to what a close frame holds, drops the TCP connection and
 * stalls the input.  It calls nothing above it except through the
 * connection's hooks (VpEmuConnHooks). */

#include "config.h"

#include "vp-emu-wire.h"
#include "vp-emu-record.h"

#include <string.h>

#define MAX_CLOSE_REASON 123

gboolean
vp_emu_wire_is_open (Conn * c)
{
  return soup_websocket_connection_get_state (c->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN;
}

/* Close reasons are at most 123 bytes on the wire (RFC 6455), cut on a
 * character boundary. */
static gchar *
truncate_reason (const gchar * reason)
{
  gsize len;
  const gchar *end;

  if (reason == NULL)
    return g_strdup ("");
  len = strlen (reason);
  if (len <= MAX_CLOSE_REASON)
    return g_strdup (reason);

  end = reason + MAX_CLOSE_REASON;
  if (!g_utf8_validate (reason, MAX_CLOSE_REASON, NULL)) {
    const gchar *valid_end;

    g_utf8_validate (reason, MAX_CLOSE_REASON, &valid_end);
    end = valid_end;
  }
  return g_strndup (reason, end - reason);
}

static const gchar *
describe_json (const gchar * json)
{
  /* The first key names the message; enough for the log. */
  if (g_str_has_prefix (json, "{\"serverContent\":{\"modelTurn\""))
    return "audio";
  return json;
}

void
vp_emu_wire_send (Conn * c, gchar * json)
{
  gint64 now_us = 0;
  gsize len;

  if (json == NULL)
    return;
  if (c->closing || c->stalled || c->silent || !vp_emu_wire_is_open (c)) {
    g_free (json);
    return;
  }

  len = strlen (json);
  /* Timed before the write; reported after it, so the trace does not
   * delay the message it measures. */
  if (G_UNLIKELY (c->emu->trace_func != NULL))
    now_us = g_get_monotonic_time ();
  if (c->next_text_frame) {
    c->next_text_frame = FALSE;
    soup_websocket_connection_send_text (c->ws, json);
  } else {
    soup_websocket_connection_send_binary (c->ws, json, len);
  }
  if (G_UNLIKELY (c->emu->trace_func != NULL))
    c->emu->trace_func (c->id, TRUE, json, len, now_us, c->emu->trace_data);
  c->n_sent++;

  if (len > 200)
    conn_log (c, "sent #%u %s (%" G_GSIZE_FORMAT " bytes)", c->n_sent,
        describe_json (json), len);
  else
    conn_log (c, "sent #%u %s", c->n_sent, json);
  g_free (json);

  c->hooks->sent (c);
}

void
vp_emu_wire_send_raw (Conn * c, const gchar * data, gsize length)
{
  soup_websocket_connection_send_binary (c->ws, data, length);
}

void
vp_emu_wire_next_as_text (Conn * c)
{
  c->next_text_frame = TRUE;
}

void
vp_emu_wire_silence (Conn * c)
{
  c->silent = TRUE;
}

void
vp_emu_wire_close (Conn * c, gushort code, const gchar * reason)
{
  gchar *reason_cut;

  if (c->closing)
    return;

  c->closing = TRUE;
  c->close_code_sent = code;
  reason_cut = truncate_reason (reason);
  conn_log (c, "closing %u \"%s\"", code, reason_cut);
  vp_emu_record_closed (c, code, reason_cut, "server");

  c->hooks->stop (c);

  if (vp_emu_wire_is_open (c))
    soup_websocket_connection_close (c->ws, code, reason_cut);
  g_free (reason_cut);
}

void
vp_emu_wire_drop (Conn * c)
{
  if (c->closed)
    return;

  c->closing = TRUE;
  c->dropped = TRUE;
  c->hooks->stop (c);
  vp_emu_record_closed (c, 1006, NULL, "server");

  if (c->socket != NULL)
    g_socket_shutdown (c->socket, TRUE, TRUE, NULL);
  else
    g_io_stream_close (vp_emu_gate_stream_get_base (c->gate), NULL, NULL);
}

void
vp_emu_wire_stall (Conn * c)
{
  c->stalled = TRUE;
  c->hooks->stop (c);
  vp_emu_gate_stream_stall (c->gate);
}

void
vp_emu_wire_abort (Conn * c)
{
  if (c->socket != NULL)
    g_socket_shutdown (c->socket, TRUE, TRUE, NULL);
  g_io_stream_close (vp_emu_gate_stream_get_base (c->gate), NULL, NULL);
}
