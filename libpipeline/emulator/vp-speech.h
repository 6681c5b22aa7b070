/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Real speech for the emulator and for test fixtures: espeak-ng renders
 * the text, GStreamer's audio resampler brings it to the asked rate. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * vp_speech_synthesize:
 * @text: what to say (plain text)
 * @voice: (nullable): an espeak-ng voice name such as "en-us"; NULL for "en-us"
 * @rate: output sample rate in Hz (8000–48000)
 * @error: return location for a #GError
 *
 * Renders @text as S16LE mono PCM at @rate.  Thread-safe (espeak-ng itself
 * is not; calls are serialised).  Results are cached per (text, voice, rate).
 *
 * Returns: (transfer full): the PCM, or NULL with @error set (espeak-ng
 *   missing its data, unknown voice…).
 */
GBytes *vp_speech_synthesize (const gchar * text, const gchar * voice,
    guint rate, GError ** error);

/* Writes S16LE mono PCM as a 44-byte-header WAV file. */
gboolean vp_speech_write_wav (const gchar * path, GBytes * pcm, guint rate,
    GError ** error);

G_END_DECLS
