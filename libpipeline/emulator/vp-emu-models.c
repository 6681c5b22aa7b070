/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Each model's rules as the service plays them: what setup it refuses
 * (1007 "Request contains an invalid argument.", the service's wording),
 * whether its calls are non-blocking, whether clientContent is only for
 * seeding history (3.1, strict). */

#include "config.h"

#include "vp-emu-models.h"

#include <string.h>

static const VpEmuModel models[] = {
  /* 3.8 extended thinking before 3.8: the longer prefix first. */
  {"gemini-3.8-live-extended-thinking", TRUE, FALSE, TRUE, TRUE, TRUE, FALSE,
      TRUE, FALSE, TRUE},
  {"gemini-3.8-live", FALSE, FALSE, TRUE, TRUE, TRUE, FALSE, TRUE, FALSE,
      TRUE},
  {"gemini-3.1", TRUE, TRUE, FALSE, FALSE, FALSE, TRUE, TRUE, TRUE, TRUE},
  /* 2.5 and older: everything, one part per frame. */
  {"", TRUE, TRUE, FALSE, TRUE, FALSE, FALSE, FALSE, FALSE, FALSE},
};

const VpEmuModel *
vp_emu_model_rules (const gchar * model)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (models); i++)
    if (g_str_has_prefix (model, models[i].prefix))
      return &models[i];
  return &models[G_N_ELEMENTS (models) - 1];
}

static const gchar *
declared_behavior (const VpSetupConfig * setup, const gchar * name,
    gboolean * any_non_blocking)
{
  const gchar *found = NULL;
  guint i, j;

  for (i = 0; setup->tools != NULL && i < json_array_get_length (setup->tools);
      i++) {
    JsonObject *tool = json_array_get_object_element (setup->tools, i);
    JsonArray *decls = tool != NULL
        && json_object_has_member (tool, "functionDeclarations") ?
        json_object_get_array_member (tool, "functionDeclarations") : NULL;

    for (j = 0; decls != NULL && j < json_array_get_length (decls); j++) {
      JsonObject *decl = json_array_get_object_element (decls, j);
      const gchar *behavior = decl == NULL ? NULL :
          json_object_get_string_member_with_default (decl, "behavior", NULL);

      if (behavior != NULL && any_non_blocking != NULL
          && g_ascii_strcasecmp (behavior, "NON_BLOCKING") == 0)
        *any_non_blocking = TRUE;
      if (name != NULL && decl != NULL && g_strcmp0 (name,
              json_object_get_string_member_with_default (decl, "name",
                  NULL)) == 0)
        found = behavior;
    }
  }
  return found;
}

const gchar *
vp_emu_model_refusal (const VpEmuModel * rules, const VpSetupConfig * setup,
    const gchar ** why)
{
  gboolean non_blocking = FALSE;
  gboolean thinking = setup->thinking_level != NULL
      || setup->thinking_budget != G_MININT
      || setup->include_thoughts != VP_TRISTATE_UNSET;

  declared_behavior (setup, NULL, &non_blocking);
  if (thinking && !rules->thinking_config)
    *why = "thinkingConfig on a model without thinking";
  else if (setup->thinking_level != NULL && !rules->minimal_thinking
      && g_ascii_strcasecmp (setup->thinking_level, "MINIMAL") == 0)
    *why = "thinkingLevel MINIMAL";
  else if (setup->proactive_audio == VP_TRISTATE_FALSE
      && rules->proactive_always)
    *why = "proactiveAudio false (always on)";
  else if (setup->proactive_audio != VP_TRISTATE_UNSET
      && rules->refuses_proactivity)
    *why = "proactivity";
  else if (setup->enable_affective_dialog != VP_TRISTATE_UNSET
      && rules->refuses_affective)
    *why = "enableAffectiveDialog";
  else if (non_blocking && !rules->takes_non_blocking)
    *why = "a NON_BLOCKING function";
  else
    return NULL;
  return VP_EMU_REASON_INVALID_ARGUMENT;
}

gboolean
vp_emu_model_call_non_blocking (const VpEmuModel * rules,
    const VpSetupConfig * setup, const gchar * name)
{
  const gchar *behavior = declared_behavior (setup, name, NULL);

  if (behavior != NULL)
    return g_ascii_strcasecmp (behavior, "NON_BLOCKING") == 0;
  return rules->non_blocking_default;
}
