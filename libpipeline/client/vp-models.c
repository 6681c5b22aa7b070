/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The model table and the checks made from it before connecting
 * (PROTOCOL.md §7.1–7.3).  Prices are USD per million tokens. */

#include "config.h"

#include "vp-models.h"
#include "vp-error.h"

#include <json-glib/json-glib.h>
#include <string.h>

static const gchar *const levels_31[] = {
  "MINIMAL", "LOW", "MEDIUM", "HIGH", NULL
};

static const gchar *const levels_38_thinking[] = { "LOW", "MEDIUM", "HIGH",
  NULL
};

/* 3.8's text rates are a gateway's listing and its audio and image rates
 * are not published: they are 3.1's until Google confirms them. */
#define PRICE_38(name) { name, 0.75, 3.00, 1.00, 4.50, 12.00 }
#define PRICE_25(name) { name, 0.50, 3.00, 3.00, 2.00, 12.00 }

#define MODEL_25(name) \
  { name, "2.5 Flash native audio", VP_MODEL_THINKING_BUDGET, NULL, FALSE, \
    TRUE, TRUE, VP_MODEL_PROACTIVE_OPTIONAL, TRUE, TRUE, PRICE_25 (name), \
    TRUE }

static const VpModel models[] = {
  {VP_MODEL_38, "3.8 Live", VP_MODEL_THINKING_NONE, NULL, TRUE, TRUE, TRUE,
      VP_MODEL_PROACTIVE_ALWAYS, FALSE, TRUE, PRICE_38 (VP_MODEL_38), FALSE},
  {VP_MODEL_38_THINKING, "3.8 Live extended thinking",
        VP_MODEL_THINKING_LEVEL, levels_38_thinking, TRUE, TRUE, TRUE,
        VP_MODEL_PROACTIVE_ALWAYS, FALSE, TRUE,
      PRICE_38 (VP_MODEL_38_THINKING), FALSE},
  {VP_MODEL_31, "3.1 Flash Live", VP_MODEL_THINKING_LEVEL, levels_31, FALSE,
        FALSE, FALSE, VP_MODEL_PROACTIVE_NONE, FALSE, FALSE,
      {VP_MODEL_31, 0.75, 3.00, 1.00, 4.50, 12.00}, TRUE},
  MODEL_25 ("gemini-2.5-flash-native-audio-preview-12-2025"),
  MODEL_25 ("gemini-2.5-flash-native-audio-preview-09-2025"),
  MODEL_25 ("gemini-2.5-flash-native-audio-latest"),
};

static const gchar *
strip_prefix (const gchar * model)
{
  if (model != NULL && g_str_has_prefix (model, "models/"))
    return model + strlen ("models/");
  return model;
}

const VpModel *
vp_model_lookup (const gchar * model)
{
  guint i;

  model = strip_prefix (model);
  for (i = 0; model != NULL && i < G_N_ELEMENTS (models); i++)
    if (g_str_equal (models[i].name, model))
      return &models[i];
  return NULL;
}

const VpModel *
vp_model_rules (const gchar * model)
{
  const VpModel *row = vp_model_lookup (model);

  return row != NULL ? row : &models[0];
}

const VpModel *
vp_models_list (guint * n_models)
{
  *n_models = G_N_ELEMENTS (models);
  return models;
}

gboolean
vp_model_call_is_non_blocking (const gchar * model, const gchar * behavior)
{
  const VpModel *row = vp_model_rules (model);

  if (!row->takes_behavior)
    return FALSE;
  if (behavior != NULL)
    return g_ascii_strcasecmp (behavior, "NON_BLOCKING") == 0;
  return row->non_blocking_default;
}

static gboolean
refuse (GError ** error, const VpModel * row, const gchar * setting,
    const gchar * fix)
{
  g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
      "Model %s (%s) does not take %s. %s", row->name, row->label, setting,
      fix);
  return FALSE;
}

/* A declaration asking for NON_BLOCKING on a model that has no such
 * thing: the service refuses the setup (1007). */
static const gchar *
non_blocking_declaration (JsonArray * tools)
{
  guint i, j;

  for (i = 0; tools != NULL && i < json_array_get_length (tools); i++) {
    JsonObject *tool = json_array_get_object_element (tools, i);
    JsonArray *decls = tool != NULL
        && json_object_has_member (tool, "functionDeclarations") ?
        json_object_get_array_member (tool, "functionDeclarations") : NULL;

    for (j = 0; decls != NULL && j < json_array_get_length (decls); j++) {
      JsonObject *decl = json_array_get_object_element (decls, j);
      const gchar *behavior = decl != NULL ?
          json_object_get_string_member_with_default (decl, "behavior",
          NULL) : NULL;

      if (behavior != NULL && g_ascii_strcasecmp (behavior, "BLOCKING") != 0)
        return json_object_get_string_member_with_default (decl, "name",
            "(no name)");
    }
  }
  return NULL;
}

gboolean
vp_model_check_setup (const VpSetupConfig * setup, GPtrArray * warnings,
    GError ** error)
{
  const VpModel *row = vp_model_lookup (setup->model);
  const gchar *function;

  if (row == NULL) {
    if (warnings != NULL)
      g_ptr_array_add (warnings, g_strdup_printf ("Model %s is not in "
              "Voxpipe's model table: it is sent as given, with %s's rules "
              "and prices. Check the name (docs/models.md lists the known "
              "models).", setup->model, models[0].name));
    row = &models[0];
  }

  if (setup->thinking_level != NULL) {
    if (row->thinking != VP_MODEL_THINKING_LEVEL)
      return refuse (error, row, "thinking-level "
          "(generationConfig.thinkingConfig.thinkingLevel)",
          row->thinking == VP_MODEL_THINKING_NONE ? "Leave thinking-level "
          "unset, or choose model=" VP_MODEL_38_THINKING " to set how much "
          "it thinks." : "Leave thinking-level unset (2.5 models take a "
          "thinking budget instead).");
    if (!g_strv_contains (row->thinking_levels, setup->thinking_level)) {
      g_autofree gchar *taken = g_strjoinv (", ",
          (gchar **) row->thinking_levels);
      g_autofree gchar *setting = g_strdup_printf ("thinking-level %s",
          setup->thinking_level);
      g_autofree gchar *fix = g_strdup_printf ("Choose one of %s, or leave "
          "thinking-level unset.", taken);
      return refuse (error, row, setting, fix);
    }
  }
  if ((setup->thinking_budget != G_MININT
          || setup->include_thoughts != VP_TRISTATE_UNSET)
      && row->thinking != VP_MODEL_THINKING_BUDGET)
    return refuse (error, row, "a thinking budget "
        "(generationConfig.thinkingConfig.thinkingBudget/includeThoughts)",
        row->thinking == VP_MODEL_THINKING_LEVEL ? "Set thinking-level "
        "instead." : "Leave the thinking configuration unset.");
  if (setup->enable_affective_dialog != VP_TRISTATE_UNSET
      && !row->affective_dialog)
    return refuse (error, row, "affective dialog "
        "(generationConfig.enableAffectiveDialog)",
        "Remove it: only the 2.5 native-audio models have it.");
  if (setup->proactive_audio != VP_TRISTATE_UNSET
      && row->proactive == VP_MODEL_PROACTIVE_NONE)
    return refuse (error, row, "proactive audio (proactivity)",
        "Remove proactivity: only the 2.5 native-audio and 3.8 models "
        "have it.");
  if (setup->proactive_audio == VP_TRISTATE_FALSE
      && row->proactive == VP_MODEL_PROACTIVE_ALWAYS)
    return refuse (error, row, "proactiveAudio: false (its proactive audio "
        "is always on)", "Remove proactivity from the setup.");
  if (!row->takes_behavior
      && (function = non_blocking_declaration (setup->tools)) != NULL) {
    g_autofree gchar *setting = g_strdup_printf ("non-blocking functions "
        "(the declaration of %s has behavior NON_BLOCKING)", function);
    return refuse (error, row, setting, "Remove behavior from the "
        "declaration (its calls are blocking), or choose model="
        VP_MODEL_38 ".");
  }
  return TRUE;
}

static gboolean
read_rate (JsonObject * object, const gchar * name, gdouble * rate,
    const gchar * path, const gchar * model, GError ** error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && (json_node_get_value_type (node) ==
          G_TYPE_DOUBLE || json_node_get_value_type (node) == G_TYPE_INT64)
      && json_node_get_double (node) >= 0) {
    *rate = json_node_get_double (node);
    return TRUE;
  }
  g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS, "price-file %s: \"%s\" "
      "of %s is not a number of USD per million tokens. Write it as a "
      "number such as 3.0.", path, name, model);
  return FALSE;
}

gboolean
vp_prices_load (const gchar * path, const gchar * model, VpPrice * price,
    GError ** error)
{
  static const gchar *const rates[] = { "text-in", "audio-in", "image-in",
    "text-out", "audio-out", NULL
  };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  const gchar *name = strip_prefix (model);
  JsonNode *root;
  JsonObject *rows, *row;
  GList *members, *l;

  *price = vp_model_rules (model)->price;
  if (!json_parser_load_from_file (parser, path, &local_error)) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS, "Cannot read "
        "price-file %s: %s. Give a JSON file of prices by model "
        "(docs/models.md).", path, local_error->message);
    return FALSE;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS, "price-file %s is not "
        "a JSON object. Write {\"%s\": {\"audio-in\": 3.0, …}}.", path, name);
    return FALSE;
  }
  rows = json_node_get_object (root);
  members = json_object_get_members (rows);
  for (l = members; l != NULL; l = l->next) {
    JsonNode *node = json_object_get_member (rows, l->data);
    GList *keys, *k;
    gboolean ok = JSON_NODE_HOLDS_OBJECT (node);

    for (keys = ok ? json_object_get_members (json_node_get_object (node)) :
        NULL, k = keys; ok && k != NULL; k = k->next)
      ok = g_strv_contains (rates, k->data);
    g_list_free (keys);
    if (!ok) {
      g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS, "price-file %s: the "
          "prices of %s must be an object with only text-in, audio-in, "
          "image-in, text-out and audio-out (USD per million tokens).", path,
          (const gchar *) l->data);
      g_list_free (members);
      return FALSE;
    }
  }
  g_list_free (members);

  if (!json_object_has_member (rows, name))
    return TRUE;
  row = json_object_get_object_member (rows, name);
  return read_rate (row, "text-in", &price->text_in, path, name, error)
      && read_rate (row, "audio-in", &price->audio_in, path, name, error)
      && read_rate (row, "image-in", &price->image_in, path, name, error)
      && read_rate (row, "text-out", &price->text_out, path, name, error)
      && read_rate (row, "audio-out", &price->audio_out, path, name, error);
}
