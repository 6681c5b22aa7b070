/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* An input stream that can be frozen, for the stall fault (internal).
 * libsoup reads the WebSocket through it; stalling removes the socket's
 * source from it, so libsoup stops reading (and so stops answering pings)
 * while the socket stays open. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _VpEmuGateStream VpEmuGateStream;

/* Declared by hand rather than with G_DECLARE_FINAL_TYPE so that the type
 * stays internal (no exported symbol, nothing for the GIR). */
G_GNUC_INTERNAL GType vp_emu_gate_stream_get_type (void);
#define VP_TYPE_EMU_GATE_STREAM (vp_emu_gate_stream_get_type ())
#define VP_EMU_GATE_STREAM(obj) (G_TYPE_CHECK_INSTANCE_CAST ((obj), \
      VP_TYPE_EMU_GATE_STREAM, VpEmuGateStream))

/* Reads @base_io's input; closing closes all of @base_io. */
G_GNUC_INTERNAL VpEmuGateStream *vp_emu_gate_stream_new (GIOStream *
    base_io);
G_GNUC_INTERNAL GIOStream *vp_emu_gate_stream_get_base (VpEmuGateStream *
    self);
/* From now on reads would block and no source ever fires. */
G_GNUC_INTERNAL void vp_emu_gate_stream_stall (VpEmuGateStream * self);

G_END_DECLS
