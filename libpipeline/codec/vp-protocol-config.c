/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* VpSetupConfig and the small value helpers of the codec. */

#include "config.h"

#include "vp-protocol.h"
#include "vp-json-node.h"

#include <string.h>

/* Not G_DEFINE_QUARK (): indent would put spaces into its bare name. */
GQuark
vp_protocol_error_quark (void)
{
  return g_quark_from_static_string ("vp-protocol-error-quark");
}

G_DEFINE_BOXED_TYPE (VpSetupConfig, vp_setup_config, vp_setup_config_copy,
    vp_setup_config_free);

VpSetupConfig *
vp_setup_config_new (void)
{
  VpSetupConfig *config = g_new0 (VpSetupConfig, 1);

  config->temperature = -1.0;
  config->top_p = -1.0;
  config->top_k = -1;
  config->max_output_tokens = -1;
  /* -1 and 0 are meaningful budgets ("automatic", "off"). */
  config->thinking_budget = G_MININT;
  config->prefix_padding_ms = -1;
  config->silence_duration_ms = -1;
  config->trigger_tokens = -1;
  config->target_tokens = -1;

  return config;
}

VpSetupConfig *
vp_setup_config_copy (const VpSetupConfig * config)
{
  VpSetupConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = g_memdup2 (config, sizeof (VpSetupConfig));
  copy->model = g_strdup (config->model);
  copy->response_modality = g_strdup (config->response_modality);
  copy->voice = g_strdup (config->voice);
  copy->language_code = g_strdup (config->language_code);
  copy->system_instruction = g_strdup (config->system_instruction);
  copy->system_instruction_role = g_strdup (config->system_instruction_role);
  copy->thinking_level = g_strdup (config->thinking_level);
  copy->media_resolution = g_strdup (config->media_resolution);
  copy->start_sensitivity = g_strdup (config->start_sensitivity);
  copy->end_sensitivity = g_strdup (config->end_sensitivity);
  copy->activity_handling = g_strdup (config->activity_handling);
  copy->turn_coverage = g_strdup (config->turn_coverage);
  copy->resume_handle = g_strdup (config->resume_handle);

  /* A deep copy, so the two configs can be changed independently. */
  copy->tools = NULL;
  if (config->tools != NULL) {
    JsonNode *node = json_node_new (JSON_NODE_ARRAY);
    JsonNode *node_copy;

    json_node_set_array (node, config->tools);
    node_copy = vp_json_deep_copy (node);
    copy->tools = json_array_ref (json_node_get_array (node_copy));
    json_node_unref (node_copy);
    json_node_unref (node);
  }

  return copy;
}

void
vp_setup_config_free (VpSetupConfig * config)
{
  if (config == NULL)
    return;

  g_free (config->model);
  g_free (config->response_modality);
  g_free (config->voice);
  g_free (config->language_code);
  g_free (config->system_instruction);
  g_free (config->system_instruction_role);
  g_free (config->thinking_level);
  g_free (config->media_resolution);
  g_free (config->start_sensitivity);
  g_free (config->end_sensitivity);
  g_free (config->activity_handling);
  g_free (config->turn_coverage);
  g_free (config->resume_handle);
  if (config->tools != NULL)
    json_array_unref (config->tools);
  g_free (config);
}

void
vp_function_response_free (VpFunctionResponse * response)
{
  if (response == NULL)
    return;

  g_free (response->id);
  g_free (response->name);
  if (response->response != NULL)
    json_node_unref (response->response);
  g_free (response->scheduling);
  g_free (response);
}

void
vp_function_call_free (VpFunctionCall * call)
{
  if (call == NULL)
    return;

  g_free (call->id);
  g_free (call->name);
  g_free (call->args_json);
  g_free (call);
}

guint
vp_protocol_pcm_rate_from_mime (const gchar * mime_type, guint fallback)
{
  const gchar *p;

  if (mime_type == NULL)
    return fallback;

  /* Parameters follow ';' and may be spaced: "audio/pcm; rate=16000". */
  for (p = strchr (mime_type, ';'); p != NULL; p = strchr (p, ';')) {
    guint64 rate = 0;
    gsize digits = 0;

    p++;
    while (*p == ' ' || *p == '\t')
      p++;
    if (g_ascii_strncasecmp (p, "rate", 4) != 0)
      continue;
    p += 4;
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p != '=')
      continue;
    p++;
    while (*p == ' ' || *p == '\t')
      p++;
    for (; g_ascii_isdigit (*p) && digits < 9; p++, digits++)
      rate = rate * 10 + (guint64) (*p - '0');
    while (*p == ' ' || *p == '\t')
      p++;
    if (digits == 0 || rate == 0 || (*p != '\0' && *p != ';'))
      return fallback;
    return (guint) rate;
  }

  return fallback;
}

gint64
vp_protocol_parse_duration_ms (const gchar * duration)
{
  const gchar *p = duration;
  gint64 seconds = 0, ms = 0;
  gsize digits = 0;
  gint scale;

  if (p == NULL)
    return -1;

  /* proto3 Duration: decimal seconds, up to 9 fractional digits, then
   * "s".  Negative durations are refused: -1 is the error value. */
  for (; g_ascii_isdigit (*p); p++, digits++) {
    if (digits >= 15)
      return -1;
    seconds = seconds * 10 + (*p - '0');
  }
  if (*p == '.') {
    gsize frac = 0;

    p++;
    for (scale = 100; g_ascii_isdigit (*p); p++, frac++) {
      if (frac >= 9)
        return -1;
      ms += (*p - '0') * scale;
      scale /= 10;
    }
    if (frac == 0 && digits == 0)
      return -1;
  } else if (digits == 0) {
    return -1;
  }
  if (p[0] != 's' || p[1] != '\0')
    return -1;

  return seconds * 1000 + ms;
}
