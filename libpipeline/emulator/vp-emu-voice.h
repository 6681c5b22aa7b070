/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The model's voice (internal). */

#pragma once

#include "vp-emu-private.h"

G_BEGIN_DECLS

/* @text as model audio (24 kHz); silence as long as the words when
 * espeak-ng cannot speak it, so the conversation goes on. */
G_GNUC_INTERNAL GBytes *vp_emu_voice_render (const gchar * text,
    const gchar * voice);
/* The words of @text, for the output transcription; no empty ones. */
G_GNUC_INTERNAL gchar **vp_emu_voice_words (const gchar * text,
    guint * n_words);

/* Renders @scenario's fixed sentences on a thread of its own. */
G_GNUC_INTERNAL VpEmuPrewarm *vp_emu_prewarm_start (VpEmuScenario *
    scenario);
/* Stops after the sentence being rendered and joins the thread. */
G_GNUC_INTERNAL void vp_emu_prewarm_stop (VpEmuPrewarm * prewarm);

G_END_DECLS
