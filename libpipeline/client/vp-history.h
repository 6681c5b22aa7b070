/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The conversation so far, as the transcripts said it (internal): kept
 * within a size bound, oldest lines dropped first, so that a fresh
 * session (the service forgot the old one) can be seeded with it.  Not
 * thread-safe: one owner thread. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Characters of transcript kept at most. */
#define VP_HISTORY_MAX_CHARS 4000

typedef struct _VpHistory VpHistory;

VpHistory *vp_history_new (gsize max_chars);
void vp_history_free (VpHistory * history);

/* A transcript fragment: @user TRUE for the user's words, FALSE for the
 * model's.  Fragments of the same speaker join one line. */
void vp_history_add (VpHistory * history, gboolean user, const gchar * text);
gboolean vp_history_is_empty (VpHistory * history);
/* The clientContent message that seeds a session with the lines, as
 * alternating user and model turns (turnComplete true), or NULL when
 * empty. */
gchar *vp_history_build_client_content (VpHistory * history);

G_END_DECLS
