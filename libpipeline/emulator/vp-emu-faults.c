/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fault injection: the one armed fault (under the emulator's lock), taken
 * by the first connection that reaches its trigger point, and what each
 * fault does to that connection through the wire layer. */

#include "config.h"

#include "vp-emu-faults.h"
#include "vp-emu-sessions.h"
#include "vp-emu-wire.h"

#include <string.h>

#define DEFAULT_OVERSIZED (32 * 1024 * 1024)

void
vp_emu_faults_arm (VpEmulator * emu, VpEmulatorFault kind, guint after,
    gushort code, const gchar * reason, gint64 argument)
{
  g_mutex_lock (&emu->lock);
  g_free (emu->fault.reason);
  emu->fault.kind = kind;
  emu->fault.after = after;
  emu->fault.code = code;
  emu->fault.reason = g_strdup (reason);
  emu->fault.argument = argument;
  g_mutex_unlock (&emu->lock);
}

void
vp_emu_faults_clear (VpEmulator * emu)
{
  g_clear_pointer (&emu->fault.reason, g_free);
  memset (&emu->fault, 0, sizeof (emu->fault));
}

static gboolean
fault_go_away_expired (gpointer data)
{
  Conn *c = data;

  vp_emu_clear_source (&c->fault_source);
  conn_log (c, "fault: goAway time is up");
  vp_emu_wire_close (c, 1011, VP_EMU_REASON_DEADLINE);

  return G_SOURCE_REMOVE;
}

static void
send_oversized (Conn * c, gint64 size)
{
  static const gchar head[] =
      "{\"serverContent\":{\"modelTurn\":{\"parts\":[{\"text\":\"";
  static const gchar tail[] = "\"}]}}}";
  gsize n, fill;
  gchar *frame;

  n = size > 0 ? (gsize) size : DEFAULT_OVERSIZED;
  n = MAX (n, sizeof (head) + sizeof (tail));
  frame = g_malloc (n);
  fill = n - (sizeof (head) - 1) - (sizeof (tail) - 1);
  memcpy (frame, head, sizeof (head) - 1);
  memset (frame + sizeof (head) - 1, 'x', fill);
  memcpy (frame + sizeof (head) - 1 + fill, tail, sizeof (tail) - 1);

  conn_log (c, "fault: sending an oversized frame of %" G_GSIZE_FORMAT
      " bytes", n);
  vp_emu_wire_send_raw (c, frame, n);
  g_free (frame);
}

static void
fire_fault (Conn * c, Fault * f)
{
  static const gchar malformed[] = "\xff\xfe this is not JSON {\"serverCont";

  if (!vp_emu_wire_is_open (c))
    return;

  switch (f->kind) {
    case VP_EMULATOR_FAULT_CLOSE:
      conn_log (c, "fault: close %u", f->code);
      vp_emu_wire_close (c, f->code, f->reason ? f->reason : "");
      break;
    case VP_EMULATOR_FAULT_DROP:
      conn_log (c, "fault: dropping the TCP connection");
      vp_emu_wire_drop (c);
      break;
    case VP_EMULATOR_FAULT_STALL:
      conn_log (c, "fault: stalling");
      vp_emu_wire_stall (c);
      /* The session is lost with this connection: a client that gives up
       * on it may resume on a new one. */
      vp_emu_session_release (c);
      c->session = NULL;
      break;
    case VP_EMULATOR_FAULT_MALFORMED:
      conn_log (c, "fault: sending a frame that is not JSON");
      vp_emu_wire_send_raw (c, malformed, sizeof (malformed) - 1);
      break;
    case VP_EMULATOR_FAULT_OVERSIZED:
      send_oversized (c, f->argument);
      break;
    case VP_EMULATOR_FAULT_TEXT_FRAME:
      conn_log (c, "fault: the next message goes as a text frame");
      vp_emu_wire_next_as_text (c);
      break;
    case VP_EMULATOR_FAULT_GO_AWAY:{
      gint64 ms = MAX (f->argument, 0);

      conn_log (c, "fault: goAway with %" G_GINT64_FORMAT " ms left", ms);
      vp_emu_clear_source (&c->fault_source);
      c->fault_source = vp_emu_conn_timeout (c, ms, fault_go_away_expired);
      vp_emu_wire_send (c, vp_server_build_go_away (ms));
      break;
    }
    case VP_EMULATOR_FAULT_NO_SETUP_COMPLETE:
    case VP_EMULATOR_FAULT_NONE:
    default:
      break;
  }
}

/* Takes the armed fault if @c reached its trigger point. */
static gboolean
take_fault (Conn * c, gboolean at_setup, Fault * out)
{
  VpEmulator *emu = c->emu;
  gboolean take;

  g_mutex_lock (&emu->lock);
  take = emu->fault.kind != VP_EMULATOR_FAULT_NONE
      && c->n_sent >= emu->fault.after
      && (emu->fault.kind == VP_EMULATOR_FAULT_NO_SETUP_COMPLETE) == at_setup;
  if (take) {
    *out = emu->fault;
    memset (&emu->fault, 0, sizeof (emu->fault));
  }
  g_mutex_unlock (&emu->lock);

  return take;
}

void
vp_emu_faults_check (Conn * c)
{
  Fault f;

  if (c->closing || c->stalled)
    return;
  if (take_fault (c, FALSE, &f)) {
    fire_fault (c, &f);
    g_free (f.reason);
  }
}

gboolean
vp_emu_faults_at_setup (Conn * c)
{
  Fault f;

  if (!take_fault (c, TRUE, &f))
    return FALSE;

  conn_log (c, "fault: never answering setup");
  vp_emu_wire_silence (c);
  g_free (f.reason);

  return TRUE;
}

void
vp_emu_faults_stop (Conn * c)
{
  vp_emu_clear_source (&c->fault_source);
}
