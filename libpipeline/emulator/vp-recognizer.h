/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator's ears (internal): pocketsphinx decoding one utterance
 * against a grammar made of the phrases the scenario expects. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VpRecognizer VpRecognizer;

/* Loads the en-us acoustic model and dictionary (about 0.2 s).  NULL with
 * @error when the model is not installed. */
G_GNUC_INTERNAL VpRecognizer *vp_recognizer_new (GError ** error);
G_GNUC_INTERNAL void vp_recognizer_free (VpRecognizer * recognizer);

/* Makes @phrases (lower case words, JSGF's "[optional]" and "(a | b)"
 * allowed) the grammar, unless it already is.  Phrases with a word the
 * dictionary does not know are left out; their text is added to
 * @dropped (if not NULL).  Returns FALSE when no phrase is left. */
G_GNUC_INTERNAL gboolean vp_recognizer_set_phrases (VpRecognizer *
    recognizer, const gchar * const *phrases, GPtrArray * dropped);

/* The words heard in S16LE mono @pcm at @rate (resampled to 16 kHz), or
 * NULL when nothing in the grammar was heard. */
G_GNUC_INTERNAL gchar *vp_recognizer_decode (VpRecognizer * recognizer,
    const guint8 * pcm, gsize n_bytes, guint rate);


G_END_DECLS
