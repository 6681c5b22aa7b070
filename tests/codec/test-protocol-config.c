/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* vp-protocol-config.c: VpSetupConfig's copy, and the small value
 * helpers (mime type rates, proto3 Durations). */

#include "vpt-codec.h"

static void
test_pcm_rate (void)
{
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm;rate=16000", 1),
      ==, 16000);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm; rate=8000",
          1), ==, 8000);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime
      ("audio/L16;channels=1;Rate=44100", 1), ==, 44100);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm", 24000), ==,
      24000);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime (NULL, 7), ==, 7);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm;rate=", 7),
      ==, 7);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm;rate=abc", 7),
      ==, 7);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm;rate=0", 7),
      ==, 7);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime
      ("audio/pcm;rate=99999999999", 7), ==, 7);
  g_assert_cmpuint (vp_protocol_pcm_rate_from_mime ("audio/pcm;rated=5", 7),
      ==, 7);
}

static void
test_duration (void)
{
  g_assert_cmpint (vp_protocol_parse_duration_ms ("50s"), ==, 50000);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("1.5s"), ==, 1500);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("1.500s"), ==, 1500);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("0.000000001s"), ==, 0);
  g_assert_cmpint (vp_protocol_parse_duration_ms (".25s"), ==, 250);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("0s"), ==, 0);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("315576000000s"), ==,
      G_GINT64_CONSTANT (315576000000000));
  g_assert_cmpint (vp_protocol_parse_duration_ms ("50"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("-1s"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("s"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms (".s"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("1.0000000001s"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("5sx"), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms ("99999999999999999999s"),
      ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms (""), ==, -1);
  g_assert_cmpint (vp_protocol_parse_duration_ms (NULL), ==, -1);
}

static void
test_config_copy (void)
{
  g_autoptr (VpSetupConfig) config = full_config ();
  g_autoptr (VpSetupConfig) copy = vp_setup_config_copy (config);
  g_autoptr (VpSetupConfig) empty = vp_setup_config_new ();
  g_autoptr (VpSetupConfig) empty_copy = vp_setup_config_copy (empty);
  g_autofree gchar *a = vp_protocol_build_setup (config);
  g_autofree gchar *b = NULL;

  assert_config_equal (config, copy);
  assert_config_equal (empty, empty_copy);
  g_assert_true (config->tools != copy->tools);

  /* The copy is deep: changing it leaves the original alone. */
  json_array_add_object_element (copy->tools, json_object_new ());
  g_assert_cmpuint (json_array_get_length (config->tools), ==, 1);
  b = vp_protocol_build_setup (config);
  g_assert_cmpstr (a, ==, b);

  g_assert_cmpint (empty->thinking_budget, ==, G_MININT);
  g_assert_cmpint (empty->trigger_tokens, <, 0);
  g_assert_cmpfloat (empty->temperature, <, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/misc/pcm-rate", test_pcm_rate);
  g_test_add_func ("/protocol/misc/duration", test_duration);
  g_test_add_func ("/protocol/misc/config-copy", test_config_copy);

  return g_test_run ();
}
