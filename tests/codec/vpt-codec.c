/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Helpers shared by the codec's tests: the golden files (tests/golden/,
 * read from $VP_GOLDEN_DIR), JSON compared member by member, parse-or-fail
 * wrappers, and the configs and replies several test files check. */

#include "vpt-codec.h"

#include <string.h>

static gchar *
golden_path (const gchar * name)
{
  const gchar *dir = g_getenv ("VP_GOLDEN_DIR");

  if (dir == NULL)
    return NULL;
  return g_build_filename (dir, name, NULL);
}

/* Returns NULL (and marks the test skipped) when the golden directory is
 * unknown. */
gchar *
load_golden (const gchar * name, gsize * length)
{
  g_autofree gchar *path = golden_path (name);
  g_autoptr (GError) error = NULL;
  gchar *contents = NULL;

  if (path == NULL) {
    g_test_skip ("VP_GOLDEN_DIR is not set");
    return NULL;
  }
  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  return contents;
}

JsonNode *
parse_json (const gchar * text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* FALSE and the path of the first difference in @path. */
static gboolean
json_same (JsonNode * a, JsonNode * b, GString * path)
{
  if (JSON_NODE_TYPE (a) != JSON_NODE_TYPE (b))
    return FALSE;

  switch (JSON_NODE_TYPE (a)) {
    case JSON_NODE_OBJECT:{
      JsonObject *oa = json_node_get_object (a);
      JsonObject *ob = json_node_get_object (b);
      JsonObjectIter iter;
      const gchar *name;
      JsonNode *member;
      gsize len = path->len;

      json_object_iter_init_ordered (&iter, oa);
      while (json_object_iter_next_ordered (&iter, &name, &member)) {
        g_string_append_printf (path, ".%s", name);
        if (!json_object_has_member (ob, name)
            || !json_same (member, json_object_get_member (ob, name), path))
          return FALSE;
        g_string_truncate (path, len);
      }
      json_object_iter_init_ordered (&iter, ob);
      while (json_object_iter_next_ordered (&iter, &name, &member)) {
        if (!json_object_has_member (oa, name)) {
          g_string_append_printf (path, ".%s", name);
          return FALSE;
        }
      }
      return TRUE;
    }
    case JSON_NODE_ARRAY:{
      JsonArray *aa = json_node_get_array (a);
      JsonArray *ab = json_node_get_array (b);
      guint i, n = json_array_get_length (aa);
      gsize len = path->len;

      if (n != json_array_get_length (ab)) {
        g_string_append (path, " (length)");
        return FALSE;
      }
      for (i = 0; i < n; i++) {
        g_string_append_printf (path, "[%u]", i);
        if (!json_same (json_array_get_element (aa, i),
                json_array_get_element (ab, i), path))
          return FALSE;
        g_string_truncate (path, len);
      }
      return TRUE;
    }
    case JSON_NODE_VALUE:
      return json_node_equal (a, b);
    case JSON_NODE_NULL:
    default:
      return TRUE;
  }
}

void
assert_same_json_real (const gchar * built, const gchar * expected,
    const gchar * where)
{
  g_autoptr (JsonNode) a = NULL;
  g_autoptr (JsonNode) b = NULL;
  g_autoptr (GString) path = g_string_new ("$");

  g_assert_nonnull (built);
  a = parse_json (built);
  b = parse_json (expected);
  if (!json_same (a, b, path)) {
    g_test_message ("built:    %s", built);
    g_test_message ("expected: %s", expected);
    g_test_fail_printf ("%s: the JSON differs at %s", where, path->str);
  }
}

/* Builds must equal the golden as JSON and, since we follow the SDK's key
 * order and number format, byte for byte too. */
void
check_golden (const gchar * name, const gchar * built)
{
  gsize length;
  g_autofree gchar *golden = load_golden (name, &length);

  if (golden == NULL)
    return;
  assert_same_json (built, golden);
  g_assert_cmpstr (built, ==, golden);
}

JsonArray *
tools_array (JsonNode * first_declaration, ...)
{
  JsonArray *tools = json_array_new ();
  JsonObject *tool = json_object_new ();
  JsonArray *declarations = json_array_new ();
  JsonNode *decl;
  va_list args;

  va_start (args, first_declaration);
  for (decl = first_declaration; decl != NULL; decl = va_arg (args, JsonNode *))
    json_array_add_element (declarations, decl);
  va_end (args);

  json_object_set_array_member (tool, "functionDeclarations", declarations);
  json_array_add_object_element (tools, tool);
  return tools;
}

VpClientMessage *
parse_client_ok (const gchar * json)
{
  g_autoptr (GError) error = NULL;
  VpClientMessage *msg = vp_client_message_parse (json, strlen (json),
      &error);

  g_assert_no_error (error);
  g_assert_nonnull (msg);
  return msg;
}

void
assert_client_error (const gchar * json, gint code, const gchar * message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VpClientMessage) msg = vp_client_message_parse (json,
      strlen (json), &error);

  g_assert_null (msg);
  g_assert_error (error, VP_PROTOCOL_ERROR, code);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
}

VpServerMessage *
parse_server_ok (const gchar * json)
{
  g_autoptr (GError) error = NULL;
  VpServerMessage *msg = vp_server_message_parse (json, strlen (json),
      &error);

  g_assert_no_error (error);
  g_assert_nonnull (msg);
  return msg;
}

VpSetupConfig *
golden_setup_config (void)
{
  VpSetupConfig *c = vp_setup_config_new ();
  g_autoptr (JsonNode) schema = parse_json ("{\"$schema\":"
      "\"http://json-schema.org/draft-07/schema#\",\"type\":\"object\","
      "\"properties\":{\"city\":{\"type\":\"string\",\"description\":"
      "\"City name\"},\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\","
      "\"fahrenheit\"]}},\"required\":[\"city\"],"
      "\"additionalProperties\":false}");

  c->model = g_strdup ("gemini-live-2.5-flash-preview");
  c->response_modality = g_strdup ("AUDIO");
  c->voice = g_strdup ("Puck");
  c->system_instruction = g_strdup ("You are a helpful voice assistant.");
  c->system_instruction_role = g_strdup ("user");
  c->tools = tools_array (vp_protocol_function_declaration ("get_weather",
          "Get the weather for a city", schema, FALSE, NULL),
      vp_protocol_function_declaration ("hang_up", "End the call", NULL,
          FALSE, NULL), NULL);
  c->session_resumption = TRUE;
  c->input_transcription = TRUE;
  c->output_transcription = TRUE;
  c->vad_disabled = VP_TRISTATE_FALSE;
  c->start_sensitivity = g_strdup ("START_SENSITIVITY_LOW");
  c->end_sensitivity = g_strdup ("END_SENSITIVITY_HIGH");
  c->prefix_padding_ms = 20;
  c->silence_duration_ms = 500;
  c->activity_handling = g_strdup ("START_OF_ACTIVITY_INTERRUPTS");
  c->turn_coverage = g_strdup ("TURN_INCLUDES_ONLY_ACTIVITY");
  c->context_compression = TRUE;
  return c;
}

JsonArray *
two_turns (void)
{
  g_autoptr (JsonNode) node = parse_json ("[{\"parts\":[{\"text\":"
      "\"Hello there\"}],\"role\":\"user\"},{\"parts\":[{\"text\":\"Hi!\"}],"
      "\"role\":\"model\"}]");

  return json_array_ref (json_node_get_array (node));
}

VpSetupConfig *
full_config (void)
{
  VpSetupConfig *c = golden_setup_config ();

  g_free (c->model);
  c->model = g_strdup ("models/gemini-3.1-flash-live-preview");
  c->language_code = g_strdup ("en-US");
  c->temperature = 0.8;
  c->top_p = 0.95;
  c->top_k = 40;
  c->max_output_tokens = 1024;
  c->thinking_level = g_strdup ("LOW");
  c->thinking_budget = -1;
  c->include_thoughts = VP_TRISTATE_TRUE;
  c->media_resolution = g_strdup ("MEDIA_RESOLUTION_LOW");
  c->enable_affective_dialog = VP_TRISTATE_FALSE;
  c->proactive_audio = VP_TRISTATE_TRUE;
  c->resume_handle = g_strdup ("Cj0KOwo-handle_1");
  c->trigger_tokens = G_GINT64_CONSTANT (100000);
  c->target_tokens = G_GINT64_CONSTANT (50000);
  c->initial_history_in_client_content = VP_TRISTATE_TRUE;
  return c;
}

void
assert_config_equal (const VpSetupConfig * a, const VpSetupConfig * b)
{
  g_autoptr (JsonNode) ta = NULL;
  g_autoptr (JsonNode) tb = NULL;

  g_assert_cmpstr (a->model, ==, b->model);
  g_assert_cmpstr (a->response_modality, ==, b->response_modality);
  g_assert_cmpstr (a->voice, ==, b->voice);
  g_assert_cmpstr (a->language_code, ==, b->language_code);
  g_assert_cmpstr (a->system_instruction, ==, b->system_instruction);
  g_assert_cmpstr (a->system_instruction_role, ==, b->system_instruction_role);
  g_assert_cmpfloat (a->temperature, ==, b->temperature);
  g_assert_cmpfloat (a->top_p, ==, b->top_p);
  g_assert_cmpint (a->top_k, ==, b->top_k);
  g_assert_cmpint (a->max_output_tokens, ==, b->max_output_tokens);
  g_assert_cmpstr (a->thinking_level, ==, b->thinking_level);
  g_assert_cmpint (a->thinking_budget, ==, b->thinking_budget);
  g_assert_cmpint (a->include_thoughts, ==, b->include_thoughts);
  g_assert_cmpstr (a->media_resolution, ==, b->media_resolution);
  g_assert_cmpint (a->enable_affective_dialog, ==, b->enable_affective_dialog);
  g_assert_cmpint (a->proactive_audio, ==, b->proactive_audio);
  g_assert_cmpint (a->vad_disabled, ==, b->vad_disabled);
  g_assert_cmpstr (a->start_sensitivity, ==, b->start_sensitivity);
  g_assert_cmpstr (a->end_sensitivity, ==, b->end_sensitivity);
  g_assert_cmpint (a->prefix_padding_ms, ==, b->prefix_padding_ms);
  g_assert_cmpint (a->silence_duration_ms, ==, b->silence_duration_ms);
  g_assert_cmpstr (a->activity_handling, ==, b->activity_handling);
  g_assert_cmpstr (a->turn_coverage, ==, b->turn_coverage);
  g_assert_cmpint (a->input_transcription, ==, b->input_transcription);
  g_assert_cmpint (a->output_transcription, ==, b->output_transcription);
  g_assert_cmpint (a->session_resumption, ==, b->session_resumption);
  g_assert_cmpstr (a->resume_handle, ==, b->resume_handle);
  g_assert_cmpint (a->context_compression, ==, b->context_compression);
  g_assert_cmpint (a->trigger_tokens, ==, b->trigger_tokens);
  g_assert_cmpint (a->target_tokens, ==, b->target_tokens);
  g_assert_cmpint (a->initial_history_in_client_content, ==,
      b->initial_history_in_client_content);

  g_assert_true ((a->tools == NULL) == (b->tools == NULL));
  if (a->tools != NULL) {
    ta = json_node_init_array (json_node_alloc (), a->tools);
    tb = json_node_init_array (json_node_alloc (), b->tools);
    g_assert_true (json_node_equal (ta, tb));
  }
}

/* One JSON text per line: "obj" of server-replies-sent.jsonl, "json" of
 * sdk-onmessage-parsed.jsonl. */
GPtrArray *
load_jsonl (const gchar * name, const gchar * member)
{
  g_autofree gchar *contents = load_golden (name, NULL);
  g_auto (GStrv) lines = NULL;
  GPtrArray *out;
  guint i;

  if (contents == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    JsonNode *line;

    if (*lines[i] == '\0')
      continue;
    line = parse_json (lines[i]);
    g_ptr_array_add (out, json_node_ref (json_object_get_member
            (json_node_get_object (line), member)));
    if (strcmp (member, "json") == 0)
      g_ptr_array_add (out, json_node_ref (line));
    json_node_unref (line);
  }
  return out;
}

/* The 12 replies of the golden run, in order. */
void
check_golden_reply (guint index, const VpServerMessage * msg)
{
  VpFunctionCall *call;

  switch (index) {
    case 0:
      g_assert_true (msg->setup_complete);
      g_assert_false (msg->has_server_content);
      break;
    case 1:
      g_assert_true (msg->has_server_content);
      g_assert_cmpstr (msg->input_transcription, ==, "what is the weather");
      g_assert_false (msg->input_transcription_finished);
      break;
    case 2:
      g_assert_cmpuint (msg->audio->len, ==, 1);
      g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (msg->audio, 0)),
          ==, 480);
      g_assert_cmpuint (msg->audio_rate, ==, 24000);
      g_assert_null (msg->text);
      break;
    case 3:
      g_assert_cmpstr (msg->output_transcription, ==, "Let me check.");
      break;
    case 4:
      g_assert_true (msg->generation_complete);
      g_assert_false (msg->turn_complete);
      break;
    case 5:
      g_assert_true (msg->turn_complete);
      g_assert_true (msg->has_usage);
      g_assert_cmpint (msg->usage.prompt_tokens, ==, 10);
      g_assert_cmpint (msg->usage.response_tokens, ==, 5);
      g_assert_cmpint (msg->usage.total_tokens, ==, 15);
      break;
    case 6:
      g_assert_nonnull (msg->function_calls);
      g_assert_cmpuint (msg->function_calls->len, ==, 1);
      call = g_ptr_array_index (msg->function_calls, 0);
      g_assert_cmpstr (call->id, ==, "fc-123");
      g_assert_cmpstr (call->name, ==, "get_weather");
      assert_same_json (call->args_json,
          "{\"city\":\"Paris\",\"unit\":\"celsius\"}");
      break;
    case 7:
      g_assert_cmpstr (msg->text, ==, "It is sunny.");
      g_assert_cmpuint (msg->audio->len, ==, 0);
      break;
    case 8:
      g_assert_true (msg->interrupted);
      g_assert_false (msg->turn_complete);
      break;
    case 9:
      g_assert_nonnull (msg->cancelled_ids);
      g_assert_cmpstr (msg->cancelled_ids[0], ==, "fc-999");
      g_assert_null (msg->cancelled_ids[1]);
      break;
    case 10:
      g_assert_true (msg->has_resumption_update);
      g_assert_cmpstr (msg->new_handle, ==, "handle-abc");
      g_assert_true (msg->resumable);
      g_assert_cmpint (msg->last_consumed_client_message_index, ==, -1);
      break;
    case 11:
      g_assert_true (msg->go_away);
      g_assert_cmpint (msg->go_away_time_left_ms, ==, 10000);
      break;
    default:
      g_assert_not_reached ();
  }
  g_assert_false (msg->has_error);
}
