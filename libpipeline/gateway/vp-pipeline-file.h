/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* .pipeline files: a gst-launch description with ${name} variables and
 * "# default name=value" lines.  Shared by the voxpipe runner and the
 * gateway (voxpipe serve), which binds ${mic} and ${speaker} per call. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vp_pipeline_vars_add (GHashTable * vars, const gchar * assignment,
    gboolean replace);
void vp_pipeline_vars_add_builtins (GHashTable * vars);
gchar *vp_pipeline_expand (const gchar * text, GHashTable * vars,
    GError ** error);
gchar *vp_pipeline_expand_used (const gchar * text, GHashTable * vars,
    GHashTable * used, GError ** error);
gchar *vp_pipeline_file_load (const gchar * path, GHashTable * vars,
    gchar ** description, GError ** error);
gboolean vp_pipeline_have_geminilive (void);
void vp_pipeline_ensure_geminilive (void);

G_END_DECLS
