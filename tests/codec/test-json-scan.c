/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* vp-json-scan.c, through the two parsers: the long-string fast path
 * gives what json-glib alone gives, malformed input is refused with the
 * right words, and the size and depth limits hold. */

#include "vpt-codec.h"

#include <string.h>

static void
assert_server_error (const gchar * data, gsize length, gint code,
    const gchar * fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VpServerMessage) msg = vp_server_message_parse (data, length,
      &error);

  g_assert_null (msg);
  g_assert_error (error, VP_PROTOCOL_ERROR, code);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_test_fail_printf ("\"%s\" does not say \"%s\"", error->message, fragment);
}

/* Long strings (the model's audio, long texts) take the parser's fast
 * path: what comes out must be what json-glib alone gives. */
static void
test_server_long_strings (void)
{
  g_autoptr (GString) json = g_string_new (NULL);
  g_autoptr (GString) long_text = g_string_new (NULL);
  g_autofree gchar *b64 = NULL;
  guint8 pcm[5760];
  VpServerMessage *msg;
  VpFunctionCall *call;
  guint i;

  for (i = 0; i < sizeof pcm; i++)
    pcm[i] = (guint8) (i * 7 + i / 256);
  b64 = g_base64_encode (pcm, sizeof pcm);

  /* Two audio parts, one text part with U+0001 escaped in it (which turns
   * the fast path off) and without. */
  for (i = 0; i < 2; i++) {
    g_string_printf (json, "{\"serverContent\":{\"modelTurn\":{\"parts\":["
        "{\"inlineData\":{\"mimeType\":\"audio/pcm;rate=24000\","
        "\"data\":\"%s\"}},{\"text\":\"%s\"},"
        "{\"inlineData\":{\"mimeType\":\"audio/pcm;rate=24000\","
        "\"data\":\"%s\"}}]}}}", b64, i == 0 ? "a\\u0001b" : "ab", b64);
    msg = parse_server_ok (json->str);
    g_assert_cmpuint (msg->audio->len, ==, 2);
    g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (msg->audio, 0),
            NULL), g_bytes_get_size (g_ptr_array_index (msg->audio, 0)),
        pcm, sizeof pcm);
    g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (msg->audio, 1),
            NULL), g_bytes_get_size (g_ptr_array_index (msg->audio, 1)),
        pcm, sizeof pcm);
    g_assert_cmpstr (msg->text, ==, i == 0 ? "a\001b" : "ab");
    vp_server_message_free (msg);
  }

  /* Non-ASCII text, and text with escapes. */
  for (i = 0; i < 200; i++)
    g_string_append (long_text, "é€");
  g_string_printf (json, "{\"serverContent\":{\"outputTranscription\":"
      "{\"text\":\"%s\"},\"modelTurn\":{\"parts\":[{\"text\":\"%s\\n%s\"}]}}}",
      long_text->str, long_text->str, long_text->str);
  msg = parse_server_ok (json->str);
  g_assert_cmpstr (msg->output_transcription, ==, long_text->str);
  g_string_insert_c (long_text, 0, '\n');
  g_string_prepend (long_text, msg->output_transcription);
  g_assert_cmpstr (msg->text, ==, long_text->str);
  vp_server_message_free (msg);

  /* Long member names, a repeated member (json-glib keeps the last), long
   * strings in arrays and nested objects. */
  g_string_printf (json, "{\"toolCall\":{\"functionCalls\":[{\"id\":\"1\","
      "\"name\":\"f\",\"args\":{\"%s\":\"%s1\",\"a\":\"%s2\",\"a\":\"%s3\","
      "\"b\":[\"%s4\",{\"c\":\"%s5\"},\"x\"]}}]}}", b64, b64, b64, b64, b64,
      b64);
  msg = parse_server_ok (json->str);
  call = g_ptr_array_index (msg->function_calls, 0);
  g_string_printf (json, "{\"%s\":\"%s1\",\"a\":\"%s3\",\"b\":[\"%s4\","
      "{\"c\":\"%s5\"},\"x\"]}", b64, b64, b64, b64, b64);
  g_assert_cmpstr (call->args_json, ==, json->str);
  vp_server_message_free (msg);

  /* Bad bytes inside a long string are still found. */
  g_string_printf (json, "{\"serverContent\":{\"modelTurn\":{\"parts\":["
      "{\"text\":\"%s\xff%s\"}]}}}", b64, b64);
  assert_server_error (json->str, json->len, VP_PROTOCOL_ERROR_MALFORMED,
      "not valid UTF-8");
  g_string_printf (json, "{\"serverContent\":{\"modelTurn\":{\"parts\":["
      "{\"text\":\"%s\t%s\"}]}}}", b64, b64);
  assert_server_error (json->str, json->len, VP_PROTOCOL_ERROR_MALFORMED,
      "holds a control character");
  g_string_printf (json, "{\"serverContent\":{\"modelTurn\":{\"parts\":["
      "{\"inlineData\":{\"mimeType\":\"audio/pcm;rate=24000\","
      "\"data\":\"%s\"}}]}}}", b64);
  g_string_truncate (json, json->len - 10);
  assert_server_error (json->str, json->len, VP_PROTOCOL_ERROR_MALFORMED,
      "unterminated");
}

static void
test_server_malformed (void)
{
  assert_server_error ("", 0, VP_PROTOCOL_ERROR_MALFORMED, "empty");
  assert_server_error ("   ", 3, VP_PROTOCOL_ERROR_MALFORMED, "whitespace");
  assert_server_error ("not json", 8, VP_PROTOCOL_ERROR_MALFORMED,
      "Invalid JSON payload received.");
  assert_server_error ("[1,2]", 5, VP_PROTOCOL_ERROR_MALFORMED,
      "an array, not a JSON object");
  assert_server_error ("\"x\"", 3, VP_PROTOCOL_ERROR_MALFORMED,
      "a string, not a JSON object");
  assert_server_error ("{\"a\":1", 6, VP_PROTOCOL_ERROR_MALFORMED, NULL);
  /* json-glib alone would take the second object (and leak the first). */
  assert_server_error ("{\"a\":1}{\"b\":2}", 14, VP_PROTOCOL_ERROR_MALFORMED,
      "Data follows");
  assert_server_error ("{\"a\":1} x", 9, VP_PROTOCOL_ERROR_MALFORMED,
      "Data follows");
  assert_server_error ("{\"a\":1}]", 8, VP_PROTOCOL_ERROR_MALFORMED,
      "Data follows");
  assert_server_error ("\xef\xbb\xbf{}", 5, VP_PROTOCOL_ERROR_MALFORMED,
      "not JSON");
  /* Full syntax check before json-glib (which leaks on some errors). */
  assert_server_error ("{/{/}{}", 7, VP_PROTOCOL_ERROR_MALFORMED,
      "Unexpected '/' at byte 1.");
  {
    const gchar *bad_syntax[] = { "{\"a\":01}", "{\"a\":1.}",
      "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":tru}",
      "{\"a\":[1,]}", "{,}", "{\"a\" 1}", "{\"a\":NaN}", "{\"a\":1,}",
      "{\"a\":[1 2]}", "{'a':1}", "{\"a\":+1}", "{\"a\":\"x\"",
      "{\"a\"}", "{\"a\":}", "{1:2}", "{\"a\":[}"
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (bad_syntax); i++)
      assert_server_error (bad_syntax[i], strlen (bad_syntax[i]),
          VP_PROTOCOL_ERROR_MALFORMED, "Invalid JSON payload received.");
  }
  {
    g_autoptr (VpServerMessage) msg = parse_server_ok ("{\"a\":-0.5e+10,"
        "\"b\":0,\"c\":1E5,\"d\":[],\"e\":{},\"f\":[true,false,null],"
        "\"g\":-0,\"h\":12.50E-3,\"i\":[[],[{}]], \"j\" : \"\" }");

    g_assert_false (msg->has_error);
  }
  /* Strings json-glib 1.6 would take (or leak on): checked first. */
  {
    const gchar *bad_strings[] = { "{\"a\":\"\\ud800\"}",
      "{\"a\":\"\\ud800x\"}", "{\"a\":\"\\ud800\\u0041\"}",
      "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud83d\\u[de00\"}",
      "{\"a\":\"\\u12\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\x01\"}",
      "{\"\\ud83d\\u\":1}", "{\"a\":\"\\"
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (bad_strings); i++)
      assert_server_error (bad_strings[i], strlen (bad_strings[i]),
          VP_PROTOCOL_ERROR_MALFORMED, "string");
  }
  {
    g_autoptr (VpServerMessage) msg = parse_server_ok ("{\"serverContent\":"
        "{\"modelTurn\":{\"parts\":[{\"text\":\"\\ud83d\\ude00 \\u00e9"
        "\\/\\b\\f\\n\\r\\t\\\"\\\\\"}]}}}");

    g_assert_cmpstr (msg->text, ==, "\xf0\x9f\x98\x80 \xc3\xa9/\b\f\n\r\t\"\\");
  }
  assert_server_error ("{\"a\":\"\xff\"}", 9, VP_PROTOCOL_ERROR_MALFORMED,
      "UTF-8");
  assert_server_error ("{\"a\":\"\0\"}", 9, VP_PROTOCOL_ERROR_MALFORMED,
      "UTF-8");
  /* JSON whitespace around the object is fine. */
  {
    g_autoptr (VpServerMessage) msg =
        parse_server_ok (" \r\n\t{\"setupComplete\":{}} \n");

    g_assert_true (msg->setup_complete);
  }
  /* Only @length bytes are read: no NUL terminator needed. */
  {
    g_autoptr (VpServerMessage) msg =
        vp_server_message_parse ("{\"setupComplete\":{}}garbage", 20, NULL);

    g_assert_nonnull (msg);
    g_assert_true (msg->setup_complete);
  }
}

static gchar *
nested (guint depth)
{
  GString *s = g_string_new ("{\"serverContent\":");
  guint i;

  for (i = 1; i < depth; i++)
    g_string_append (s, "{\"a\":");
  g_string_append (s, "1");
  for (i = 0; i < depth; i++)
    g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static void
test_limits (void)
{
  g_autofree gchar *ok = nested (VP_PROTOCOL_MAX_DEPTH);
  g_autofree gchar *deep = nested (VP_PROTOCOL_MAX_DEPTH + 1);
  g_autofree gchar *brackets = g_strnfill (100000, '[');
  g_autofree gchar *very_deep = g_strconcat ("{\"a\":", brackets, NULL);
  g_autofree gchar *brackets_in_string = NULL;
  gsize big_size = VP_PROTOCOL_MAX_MESSAGE_SIZE + 1;
  g_autofree gchar *big = g_malloc (big_size);
  g_autoptr (GError) error = NULL;
  VpServerMessage *msg;
  VpClientMessage *cmsg;

  msg = parse_server_ok (ok);
  vp_server_message_free (msg);

  assert_server_error (deep, strlen (deep), VP_PROTOCOL_ERROR_TOO_LARGE,
      "deeper");
  assert_server_error (very_deep, strlen (very_deep),
      VP_PROTOCOL_ERROR_TOO_LARGE, NULL);
  assert_client_error (very_deep, VP_PROTOCOL_ERROR_TOO_LARGE, NULL);

  /* Brackets inside strings do not count. */
  {
    g_autofree gchar *many = g_strnfill (1000, '{');

    brackets_in_string = g_strdup_printf ("{\"serverContent\":{\"modelTurn\":"
        "{\"parts\":[{\"text\":\"%s\\\"[[\"}]}}}", many);
  }
  msg = parse_server_ok (brackets_in_string);
  g_assert_true (g_str_has_prefix (msg->text, "{{{"));
  vp_server_message_free (msg);

  memset (big, ' ', big_size);
  big[0] = '{';
  big[big_size - 1] = '}';
  assert_server_error (big, big_size, VP_PROTOCOL_ERROR_TOO_LARGE, "limit");
  cmsg = vp_client_message_parse (big, big_size, &error);
  g_assert_null (cmsg);
  g_assert_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_TOO_LARGE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/server/long-strings", test_server_long_strings);
  g_test_add_func ("/protocol/server/malformed", test_server_malformed);
  g_test_add_func ("/protocol/limits", test_limits);

  return g_test_run ();
}
