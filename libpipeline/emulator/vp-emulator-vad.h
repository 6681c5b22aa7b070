/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator's server-side voice activity detection (internal).
 *
 * Speech is audio energy: each 10 ms frame's RMS level in dBFS is compared
 * with a threshold picked from the setup's sensitivities.  A start of
 * speech commits after prefixPaddingMs of consecutive speech frames, an
 * end after silenceDurationMs of consecutive quiet frames.  Time is
 * counted in samples, never on the wall clock, so a client may send audio
 * faster than real time. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS
/* Defaults when the setup leaves the values out (the real service does
 * not document its own). */
#define VP_EMULATOR_VAD_DEFAULT_PREFIX_MS 20
#define VP_EMULATOR_VAD_DEFAULT_SILENCE_MS 500
/* Speech thresholds in dBFS per start sensitivity; unspecified is HIGH,
 * as on the Gemini API. */
#define VP_EMULATOR_VAD_START_HIGH_DB (-45.0)
#define VP_EMULATOR_VAD_START_LOW_DB (-32.0)
/* END_SENSITIVITY_HIGH ends speech more readily: frames up to this many
 * dB above the start threshold already count as silence. */
#define VP_EMULATOR_VAD_END_HIGH_OFFSET_DB 6.0
    typedef enum
{
  VP_EMULATOR_VAD_START,
  VP_EMULATOR_VAD_END,
} VpEmulatorVadEvent;

typedef struct _VpEmulatorVad VpEmulatorVad;

/* @position_ms: the stream time (in ms of audio received so far) at which
 * the edge was committed. */
typedef void (*VpEmulatorVadFunc) (VpEmulatorVadEvent event,
    gdouble position_ms, gpointer user_data);

/* @start_sensitivity, @end_sensitivity: wire enum strings or NULL;
 * @prefix_padding_ms, @silence_duration_ms: < 0 for the defaults. */
G_GNUC_INTERNAL
    VpEmulatorVad * vp_emulator_vad_new (const gchar * start_sensitivity,
    const gchar * end_sensitivity, gint prefix_padding_ms,
    gint silence_duration_ms);
G_GNUC_INTERNAL void vp_emulator_vad_free (VpEmulatorVad * vad);

/* Feeds S16LE mono PCM at @rate and calls @func for every committed edge,
 * in order (one buffer may hold both a start and an end). */
G_GNUC_INTERNAL
    void vp_emulator_vad_process (VpEmulatorVad * vad, const guint8 * pcm,
    gsize n_bytes, guint rate, VpEmulatorVadFunc func, gpointer user_data);

/* Ends an open speech segment at once (audioStreamEnd).  Returns TRUE if
 * one was open. */
G_GNUC_INTERNAL gboolean vp_emulator_vad_flush (VpEmulatorVad * vad);

G_GNUC_INTERNAL gboolean vp_emulator_vad_in_speech (VpEmulatorVad * vad);

/* Level of the last complete frame, in dBFS (for logs and tests). */
G_GNUC_INTERNAL gdouble vp_emulator_vad_last_level (VpEmulatorVad * vad);

/* Energy threshold in dBFS that counts as speech. */
G_GNUC_INTERNAL gdouble vp_emulator_vad_threshold_db (VpEmulatorVad * vad);

/* RMS level in dBFS of S16LE @pcm (-120 for digital silence). */
G_GNUC_INTERNAL
    gdouble vp_emulator_level_db (const guint8 * pcm, gsize n_bytes);

G_END_DECLS
