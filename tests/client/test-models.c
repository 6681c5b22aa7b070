/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The model table (issue 15.1, 15.2): what each model is refused before
 * connecting, with an error naming the model, the setting and the fix;
 * unknown models; declarations and scheduling per model; prices, the
 * price file, thinking and video tokens in the meter. */

#include "config.h"

#include <voxpipe.h>
#include <glib/gstdio.h>
#include <string.h>

static VpSetupConfig *
setup_for (const gchar * model)
{
  VpSetupConfig *setup = vp_setup_config_new ();

  setup->model = g_strdup (model);
  return setup;
}

/* @setup is refused with an error holding every one of @words. */
static void
expect_refused (VpSetupConfig * setup, const gchar * const *words)
{
  g_autoptr (GError) error = NULL;
  guint i;

  g_assert_false (vp_model_check_setup (setup, NULL, &error));
  g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
  for (i = 0; words[i] != NULL; i++)
    if (strstr (error->message, words[i]) == NULL)
      g_error ("\"%s\" not in: %s", words[i], error->message);
}

static void
expect_taken (VpSetupConfig * setup)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (vp_model_check_setup (setup, NULL, &error));
  g_assert_no_error (error);
}

static void
test_default_is_38 (void)
{
  g_autoptr (VpLiveSession) session = vp_live_session_new ();
  g_autoptr (VpSetupConfig) setup = vp_live_session_dup_setup (session);

  g_assert_cmpstr (setup->model, ==, "gemini-3.8-live");
  g_assert_cmpstr (VP_DEFAULT_MODEL, ==, VP_MODEL_38);
  g_assert_true (vp_model_lookup (VP_DEFAULT_MODEL)->non_blocking_default);
}

static void
test_38_refuses (void)
{
  g_autoptr (VpSetupConfig) setup = setup_for ("models/gemini-3.8-live");

  setup->thinking_level = g_strdup ("LOW");
  expect_refused (setup, (const gchar *[]) {
        "gemini-3.8-live", "thinking-level",
        "gemini-3.8-live-extended-thinking",
        NULL
      });
  g_clear_pointer (&setup->thinking_level, g_free);

  setup->proactive_audio = VP_TRISTATE_FALSE;
  expect_refused (setup, (const gchar *[]) {
        "gemini-3.8-live", "proactiveAudio: false", "Remove proactivity",
        NULL
      });
  setup->proactive_audio = VP_TRISTATE_TRUE;
  expect_taken (setup);
  setup->proactive_audio = VP_TRISTATE_UNSET;

  setup->enable_affective_dialog = VP_TRISTATE_TRUE;
  expect_refused (setup, (const gchar *[]) {
        "gemini-3.8-live", "affective dialog", "Remove it", NULL
      });
  setup->enable_affective_dialog = VP_TRISTATE_UNSET;
  expect_taken (setup);
}

static void
test_38_extended_thinking_levels (void)
{
  g_autoptr (VpSetupConfig) setup = setup_for (VP_MODEL_38_THINKING);

  setup->thinking_level = g_strdup ("HIGH");
  expect_taken (setup);
  g_free (setup->thinking_level);
  setup->thinking_level = g_strdup ("MINIMAL");
  expect_refused (setup, (const gchar *[]) {
        VP_MODEL_38_THINKING, "thinking-level MINIMAL", "LOW, MEDIUM, HIGH",
        NULL
      });
}

static void
test_31_refuses (void)
{
  g_autoptr (VpSetupConfig) setup = setup_for (VP_MODEL_31);
  JsonObject *tool = json_object_new (), *decl = json_object_new ();
  JsonArray *decls = json_array_new ();

  setup->thinking_level = g_strdup ("MINIMAL");
  expect_taken (setup);

  setup->proactive_audio = VP_TRISTATE_TRUE;
  expect_refused (setup, (const gchar *[]) {
        VP_MODEL_31, "proactive audio", NULL
      });
  setup->proactive_audio = VP_TRISTATE_UNSET;

  json_object_set_string_member (decl, "name", "check_availability");
  json_object_set_string_member (decl, "behavior", "NON_BLOCKING");
  json_array_add_object_element (decls, decl);
  json_object_set_array_member (tool, "functionDeclarations", decls);
  setup->tools = json_array_new ();
  json_array_add_object_element (setup->tools, tool);
  expect_refused (setup, (const gchar *[]) {
        VP_MODEL_31, "check_availability", "NON_BLOCKING", VP_MODEL_38, NULL
      });
}

static void
test_unknown_model_warns (void)
{
  g_autoptr (VpSetupConfig) setup = setup_for ("gemini-9.9-live");
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  g_assert_true (vp_model_check_setup (setup, warnings, &error));
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0),
          "gemini-9.9-live"));
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), VP_MODEL_38));

  /* 3.8's rules: thinking refused, calls non-blocking, 3.8's prices. */
  setup->thinking_level = g_strdup ("LOW");
  g_assert_false (vp_model_check_setup (setup, NULL, NULL));
  g_assert_true (vp_model_call_is_non_blocking ("gemini-9.9-live", NULL));
  g_assert_true (vp_price_lookup ("gemini-9.9-live")
      == vp_price_lookup (VP_MODEL_38));
}

static void
test_declarations_per_model (void)
{
  static const gchar json[] = "{\"tools\": ["
      "{\"name\": \"slow\", \"behavior\": \"non-blocking\","
      " \"scheduling\": \"when-idle\"},"
      "{\"name\": \"quick\", \"behavior\": \"blocking\"},"
      "{\"name\": \"plain\"}]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (VpTools) tools = vp_tools_parse (json, -1, "t.json", &error);
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonArray) w38 = NULL, w31 = NULL;
  JsonArray *decls;
  JsonObject *d;
  guint i;

  g_assert_no_error (error);
  g_assert_cmpstr (vp_tools_lookup (tools, "slow")->behavior, ==,
      "NON_BLOCKING");
  g_assert_cmpstr (vp_tools_lookup (tools, "slow")->scheduling, ==,
      "WHEN_IDLE");

  /* 3.8: behavior as given; left out, the model's default (non-blocking). */
  w38 = vp_tools_to_wire (tools, VP_MODEL_38, warnings);
  decls = json_object_get_array_member (json_array_get_object_element (w38,
          0), "functionDeclarations");
  d = json_array_get_object_element (decls, 0);
  g_assert_cmpstr (json_object_get_string_member (d, "behavior"), ==,
      "NON_BLOCKING");
  d = json_array_get_object_element (decls, 1);
  g_assert_cmpstr (json_object_get_string_member (d, "behavior"), ==,
      "BLOCKING");
  d = json_array_get_object_element (decls, 2);
  g_assert_false (json_object_has_member (d, "behavior"));
  g_assert_cmpuint (warnings->len, ==, 0);
  g_assert_true (vp_model_call_is_non_blocking (VP_MODEL_38, NULL));
  g_assert_false (vp_model_call_is_non_blocking (VP_MODEL_38, "BLOCKING"));

  /* 3.1: no behavior at all; a warning for what was asked. */
  w31 = vp_tools_to_wire (tools, VP_MODEL_31, warnings);
  decls = json_object_get_array_member (json_array_get_object_element (w31,
          0), "functionDeclarations");
  for (i = 0; i < 3; i++)
    g_assert_false (json_object_has_member (json_array_get_object_element
            (decls, i), "behavior"));
  g_assert_cmpuint (warnings->len, ==, 2);
  g_assert_false (vp_model_call_is_non_blocking (VP_MODEL_31, "NON_BLOCKING"));
}

static void
test_prices (void)
{
  const VpPrice *p38 = vp_price_lookup (VP_MODEL_38);
  const VpModel *row = vp_model_lookup (VP_MODEL_38);

  g_assert_cmpfloat (p38->text_in, ==, 0.75);
  g_assert_cmpfloat (p38->text_out, ==, 4.50);
  g_assert_false (row->audio_price_confirmed);
  g_assert_true (vp_model_lookup (VP_MODEL_31)->audio_price_confirmed);
}

static void
test_price_file (void)
{
  g_autofree gchar *path = g_build_filename (g_get_tmp_dir (),
      "vp-test-prices.json", NULL);
  g_autoptr (GError) error = NULL;
  VpPrice price;

  g_assert_true (g_file_set_contents (path, "{\"gemini-3.8-live\": "
          "{\"audio-in\": 2.0, \"audio-out\": 8}}", -1, NULL));
  g_assert_true (vp_prices_load (path, "models/gemini-3.8-live", &price,
          &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (price.audio_in, ==, 2.0);
  g_assert_cmpfloat (price.audio_out, ==, 8.0);
  g_assert_cmpfloat (price.text_in, ==, 0.75);  /* the table's */

  g_assert_true (g_file_set_contents (path, "{\"gemini-3.8-live\": "
          "{\"audio_in\": 2.0}}", -1, NULL));
  g_assert_false (vp_prices_load (path, VP_MODEL_38, &price, &error));
  g_assert_nonnull (strstr (error->message, "audio-in"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "{\"gemini-3.8-live\": "
          "{\"audio-in\": \"cheap\"}}", -1, NULL));
  g_assert_false (vp_prices_load (path, VP_MODEL_38, &price, &error));
  g_assert_nonnull (strstr (error->message, "audio-in"));
  g_clear_error (&error);
  g_unlink (path);

  g_assert_false (vp_prices_load (path, VP_MODEL_38, &price, &error));
  g_assert_nonnull (strstr (error->message, path));
}

static void
test_meter_thoughts_and_video (void)
{
  VpUsage total = { 0, };
  VpUsageMetadata last = { 0, }, report = { 0, };
  const VpPrice *price = vp_price_lookup (VP_MODEL_38);

  report.prompt_tokens = 1000;
  report.prompt_video_tokens = 600;
  report.prompt_audio_tokens = 400;
  report.response_tokens = 100;
  report.response_audio_tokens = 100;
  report.thoughts_tokens = 50;
  report.total_tokens = 1150;
  vp_usage_add_report (&total, &last, &report, price);
  g_assert_cmpint (total.thoughts_tokens, ==, 50);
  g_assert_cmpint (total.input_video_tokens, ==, 600);
  g_assert_cmpfloat_with_epsilon (total.cost_usd,
      (600 * 1.00 + 400 * 3.00 + 100 * 12.00 + 50 * 4.50) / 1e6, 1e-12);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/models/default-is-38", test_default_is_38);
  g_test_add_func ("/models/38-refuses", test_38_refuses);
  g_test_add_func ("/models/38-extended-thinking-levels",
      test_38_extended_thinking_levels);
  g_test_add_func ("/models/31-refuses", test_31_refuses);
  g_test_add_func ("/models/unknown-model-warns", test_unknown_model_warns);
  g_test_add_func ("/models/declarations-per-model",
      test_declarations_per_model);
  g_test_add_func ("/models/prices", test_prices);
  g_test_add_func ("/models/price-file", test_price_file);
  g_test_add_func ("/models/meter-thoughts-and-video",
      test_meter_thoughts_and_video);
  return g_test_run ();
}
