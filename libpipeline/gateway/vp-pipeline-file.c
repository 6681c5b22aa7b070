/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* .pipeline files and their variables (see vp-pipeline-file.h). */

#include "config.h"

#include "vp-pipeline-file.h"

#include <gst/gst.h>
#include <string.h>

#define MAX_EXPANSION_DEPTH 8

#ifndef VP_PLUGIN_BUILD_DIR
#define VP_PLUGIN_BUILD_DIR NULL
#endif
#ifndef VP_PLUGIN_INSTALL_DIR
#define VP_PLUGIN_INSTALL_DIR NULL
#endif
#ifndef VP_PIPELINES_INSTALL_DIR
#define VP_PIPELINES_INSTALL_DIR NULL
#endif
#ifndef VP_CALLER_QUESTION
#define VP_CALLER_QUESTION NULL
#endif

static gboolean
valid_name (const gchar * name)
{
  const gchar *p;

  if (name == NULL || !(g_ascii_isalpha (*name) || *name == '_'))
    return FALSE;
  for (p = name + 1; *p != '\0'; p++)
    if (!(g_ascii_isalnum (*p) || *p == '_' || *p == '-'))
      return FALSE;
  return TRUE;
}

/* Parses "name=value" into @vars.  Returns FALSE for a bad name. */
gboolean
vp_pipeline_vars_add (GHashTable * vars, const gchar * assignment,
    gboolean replace)
{
  const gchar *eq = strchr (assignment, '=');
  g_autofree gchar *name = NULL;

  if (eq == NULL)
    return FALSE;
  name = g_strstrip (g_strndup (assignment, eq - assignment));
  if (!valid_name (name))
    return FALSE;
  if (replace || !g_hash_table_contains (vars, name))
    g_hash_table_insert (vars, g_steal_pointer (&name),
        g_strstrip (g_strdup (eq + 1)));
  return TRUE;
}

static gchar *
default_pipelines_dir (void)
{
  const gchar *env = g_getenv ("VP_PIPELINES_DIR");
  g_autofree gchar *source = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  source = g_build_filename (VP_SOURCE_DIR, "pipelines", NULL);
  if (g_file_test (source, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&source);
  if (VP_PIPELINES_INSTALL_DIR != NULL)
    return g_strdup (VP_PIPELINES_INSTALL_DIR);
  return g_strdup ("pipelines");
}

static gchar *
default_caller_question (void)
{
  const gchar *env = g_getenv ("VP_CALLER_QUESTION");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (VP_CALLER_QUESTION != NULL
      && g_file_test (VP_CALLER_QUESTION, G_FILE_TEST_EXISTS))
    return g_strdup (VP_CALLER_QUESTION);
  if (VP_PIPELINES_INSTALL_DIR != NULL)
    return g_build_filename (VP_PIPELINES_INSTALL_DIR, "caller-question.wav",
        NULL);
  return g_strdup ("caller-question.wav");
}

/* ${pipelines} and ${caller_question}, unless already set. */
void
vp_pipeline_vars_add_builtins (GHashTable * vars)
{
  if (!g_hash_table_contains (vars, "pipelines"))
    g_hash_table_insert (vars, g_strdup ("pipelines"),
        default_pipelines_dir ());
  if (!g_hash_table_contains (vars, "caller_question"))
    g_hash_table_insert (vars, g_strdup ("caller_question"),
        default_caller_question ());
}

static gchar *
expand (const gchar * text, GHashTable * vars, GHashTable * used, guint depth,
    GError ** error)
{
  GString *out = g_string_new (NULL);
  const gchar *p = text;

  if (depth > MAX_EXPANSION_DEPTH) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "variables refer to each other in a loop (in \"%s\")", text);
    return g_string_free (out, TRUE);
  }

  while (*p != '\0') {
    const gchar *start = strstr (p, "${"), *end;
    g_autofree gchar *name = NULL;
    const gchar *value;
    gchar *expanded;

    if (start == NULL) {
      g_string_append (out, p);
      break;
    }
    g_string_append_len (out, p, start - p);
    end = strchr (start + 2, '}');
    if (end == NULL) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "\"${\" without a closing \"}\" in \"%s\"", text);
      return g_string_free (out, TRUE);
    }
    name = g_strndup (start + 2, end - start - 2);
    if (used != NULL)
      g_hash_table_add (used, g_strdup (name));
    value = g_hash_table_lookup (vars, name);
    if (value == NULL) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "the variable ${%s} has no value; give one with -D %s=VALUE",
          name, name);
      return g_string_free (out, TRUE);
    }
    expanded = expand (value, vars, used, depth + 1, error);
    if (expanded == NULL)
      return g_string_free (out, TRUE);
    g_string_append (out, expanded);
    g_free (expanded);
    p = end + 1;
  }
  return g_string_free (out, FALSE);
}

/* Replaces every ${name} in @text.  Values may hold variables too. */
gchar *
vp_pipeline_expand (const gchar * text, GHashTable * vars, GError ** error)
{
  return expand (text, vars, NULL, 0, error);
}

/* The same, adding each variable's name it expands to @used (a set). */
gchar *
vp_pipeline_expand_used (const gchar * text, GHashTable * vars,
    GHashTable * used, GError ** error)
{
  return expand (text, vars, used, 0, error);
}

/* Reads a .pipeline file: defaults go to @vars (without replacing what
 * is already set), the description to @description.  Returns the body. */
gchar *
vp_pipeline_file_load (const gchar * path, GHashTable * vars,
    gchar ** description, GError ** error)
{
  g_autofree gchar *contents = NULL;
  g_auto (GStrv) lines = NULL;
  GString *body = g_string_new (NULL);
  guint i;

  if (!g_file_get_contents (path, &contents, NULL, error)) {
    g_string_free (body, TRUE);
    return NULL;
  }

  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    gchar *line = g_strstrip (lines[i]);

    if (*line == '#') {
      gchar *comment = g_strchug (line + 1);

      if (g_str_has_prefix (comment, "default ")) {
        if (!vp_pipeline_vars_add (vars, comment + strlen ("default "), FALSE)) {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
              "%s:%u: \"# default\" wants name=value, got \"%s\"", path,
              i + 1, comment + strlen ("default "));
          g_string_free (body, TRUE);
          return NULL;
        }
      } else if (g_str_has_prefix (comment, "describe:")
          && description != NULL) {
        g_free (*description);
        *description = g_strdup (g_strstrip (comment + strlen ("describe:")));
      }
      continue;
    }
    if (*line == '\0')
      continue;
    /* A trailing backslash continues the line, as in a shell. */
    if (g_str_has_suffix (line, "\\"))
      line[strlen (line) - 1] = '\0';
    if (body->len > 0)
      g_string_append_c (body, ' ');
    g_string_append (body, line);
  }

  if (body->len == 0) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "%s holds no pipeline description", path);
    g_string_free (body, TRUE);
    return NULL;
  }
  return g_string_free (body, FALSE);
}

gboolean
vp_pipeline_have_geminilive (void)
{
  GstPluginFeature *feature =
      gst_registry_lookup_feature (gst_registry_get (), "geminilivesink");

  if (feature == NULL)
    return FALSE;
  gst_object_unref (feature);
  return TRUE;
}

/* Like gst-launch-1.0, voxpipe uses GST_PLUGIN_PATH (meson devenv sets
 * it); when the plugin is not found there, it looks in this build's
 * gst-plugins directory, then where it is installed. */
void
vp_pipeline_ensure_geminilive (void)
{
  const gchar *dirs[] = { VP_PLUGIN_BUILD_DIR, VP_PLUGIN_INSTALL_DIR };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (dirs) && !vp_pipeline_have_geminilive (); i++) {
    if (dirs[i] == NULL || !g_file_test (dirs[i], G_FILE_TEST_IS_DIR))
      continue;
    GST_INFO ("geminilive not in the registry; scanning %s", dirs[i]);
    gst_registry_scan_path (gst_registry_get (), dirs[i]);
  }
}
