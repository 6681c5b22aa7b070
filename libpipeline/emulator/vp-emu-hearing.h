/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Hearing the user (internal): the audio of each connection's user turn,
 * and the ear, one thread for the process that recognises a turn with
 * vp-recognizer.c and hands the words back on the emulator's thread. */

#pragma once

#include "vp-emu-private.h"

G_BEGIN_DECLS

/* @heard: the words, or NULL when nothing in the grammar was heard;
 * @ok: FALSE when the ear cannot recognise (no model): match in order;
 * @spent_ms: from the end of the turn to now (waiting and decoding). */
typedef void (*VpEmuHeardFunc) (Conn * c, const gchar * heard, gboolean ok,
    gint64 spent_ms);

/* Loads the recognizer and @scenario's grammar ahead of the first turn
 * (the model takes about 0.2 s), off the calling thread. */
G_GNUC_INTERNAL void vp_emu_hearing_prepare (VpEmuScenario * scenario);

/* Keeps @pcm (S16LE mono at @rate) while the user's turn may be on, and
 * a short lead-in before it. */
G_GNUC_INTERNAL void vp_emu_hearing_listen (Conn * c, const guint8 * pcm,
    gsize n_bytes, guint rate);
/* activityStart: the turn's audio starts now. */
G_GNUC_INTERNAL void vp_emu_hearing_restart (Conn * c);
/* Sends the turn's audio to the ear; @func is called on the emulator's
 * thread.  FALSE (and nothing is called) when the scenario matches audio
 * in order. */
G_GNUC_INTERNAL gboolean vp_emu_hearing_recognise (Conn * c,
    VpEmuHeardFunc func);
/* The connection goes: its pending result is dropped. */
G_GNUC_INTERNAL void vp_emu_hearing_clear (Conn * c);

G_END_DECLS
