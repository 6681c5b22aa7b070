/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Tool calls (issue 4), the tools file: parsing and its errors, the
 * declarations as each model takes them (JSON Schema or the OpenAPI
 * subset), and the per-model differences (NON_BLOCKING, scheduling). */

#include "config.h"

#include "tools-fixture.h"

#include <string.h>

/* The tools file */

static void
test_parse_every_field (void)
{
  g_autofree gchar *path = data_path ("tools-all.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (VpTools) tools = vp_tools_load (path, &error);
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autofree gchar *menu = g_build_filename (dir, "./menu.sh", NULL);
  const VpTool *t;

  g_assert_no_error (error);
  g_assert_cmpuint (tools->tools->len, ==, 5);
  g_assert_cmpstr (tools->origin, ==, path);

  t = vp_tools_lookup (tools, "check_availability");
  g_assert_nonnull (t);
  g_assert_cmpint (t->handler, ==, VP_TOOL_HANDLER_HTTP);
  g_assert_cmpstr (t->url, ==, "http://127.0.0.1:8080/availability");
  g_assert_cmpuint (t->timeout_ms, ==, 3000);
  g_assert_cmpstr (t->description, ==, "Free tables for a date and party size");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (t->parameters));

  t = vp_tools_lookup (tools, "get_menu");
  g_assert_cmpint (t->handler, ==, VP_TOOL_HANDLER_EXEC);
  /* "./menu.sh" is found next to the tools file. */
  g_assert_cmpstr (t->argv[0], ==, menu);
  g_assert_cmpstr (t->argv[1], ==, "--json");
  g_assert_null (t->argv[2]);
  g_assert_cmpuint (t->timeout_ms, ==, 2000);
  g_assert_null (t->parameters);

  t = vp_tools_lookup (tools, "opening_hours");
  g_assert_cmpint (t->handler, ==, VP_TOOL_HANDLER_RESULT);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object
          (t->result), "close"), ==, "23:00");
  g_assert_cmpuint (t->timeout_ms, ==, VP_TOOL_DEFAULT_TIMEOUT_MS);

  t = vp_tools_lookup (tools, "end_call");
  g_assert_cmpint (t->handler, ==, VP_TOOL_HANDLER_BUILTIN);
  g_assert_cmpstr (t->builtin, ==, "end-call");

  /* No handler: the application answers; enums in any case. */
  t = vp_tools_lookup (tools, "notify_kitchen");
  g_assert_cmpint (t->handler, ==, VP_TOOL_HANDLER_APP);
  g_assert_cmpstr (t->behavior, ==, "NON_BLOCKING");
  g_assert_cmpstr (t->scheduling, ==, "WHEN_IDLE");
  g_assert_cmpuint (t->timeout_ms, ==, 4000);

  g_assert_null (vp_tools_lookup (tools, "no_such_tool"));
}

typedef struct
{
  const gchar *json;
  const gchar *tool;            /* named in the message ("#2" for index) */
  const gchar *words;           /* the problem, in the message */
} BadCase;

static const BadCase bad_cases[] = {
  {"{\"tools\": [", NULL, "not valid JSON"},
  {"[]", NULL, "\"tools\" array"},
  {"{\"tools\": {}}", NULL, "\"tools\" array"},
  {"{\"tools\": [42]}", "#1", "not an object"},
  {"{\"tools\": [{\"name\": \"ok\"}, {\"name\": \"9lives\"}]}", "#2",
      "\"name\" must start with a letter"},
  {"{\"tools\": [{\"description\": \"no name\"}]}", "#1", "\"name\""},
  {"{\"tools\": [{\"name\": \"a b\"}]}", "#1", "\"name\""},
  {"{\"tools\": [{\"name\": \"dup\"}, {\"name\": \"dup\"}]}", "\"dup\"",
      "declared twice"},
  {"{\"tools\": [{\"name\": \"p\", \"parameters\": {\"type\": \"string\"}}]}",
      "\"p\"", "\"parameters\" must be a JSON Schema object"},
  {"{\"tools\": [{\"name\": \"p\", \"parameters\": [1]}]}", "\"p\"",
      "\"parameters\""},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": 3}]}", "\"h\"",
      "\"handler\" must be an object"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {}}]}", "\"h\"",
      "exactly one of"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"result\": 1, "
        "\"exec\": [\"x\"]}}]}", "\"h\"", "exactly one of"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"exec\": []}}]}", "\"h\"",
      "\"exec\" must be a non-empty array"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"exec\": \"ls -l\"}}]}",
      "\"h\"", "\"exec\" must be a non-empty array"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"exec\": [\"ls\", 3]}}]}",
      "\"h\"", "element 1 is not a string"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"http\": {}}}]}", "\"h\"",
      "needs {\"url\""},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"http\": \"http://x\"}}]}",
      "\"h\"", "needs {\"url\""},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"http\": {\"url\": "
        "\"ftp://x/y\"}}}]}", "\"h\"", "must start with http://"},
  {"{\"tools\": [{\"name\": \"h\", \"handler\": {\"builtin\": \"hang-up\"}}]}",
      "\"h\"", "unknown builtin \"hang-up\""},
  {"{\"tools\": [{\"name\": \"t\", \"timeout-ms\": 0}]}", "\"t\"",
      "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"timeout-ms\": -5}]}", "\"t\"",
      "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"timeout-ms\": \"5s\"}]}", "\"t\"",
      "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"timeout-ms\": 1.5}]}", "\"t\"",
      "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"timeout-ms\": 9999999}]}", "\"t\"",
      "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"handler\": {\"result\": {}, "
        "\"timeout-ms\": 0}}]}", "\"t\"", "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"t\", \"handler\": {\"http\": {\"url\": "
        "\"http://x\", \"timeout-ms\": false}}}]}", "\"t\"", "\"timeout-ms\""},
  {"{\"tools\": [{\"name\": \"b\", \"behavior\": \"ASYNC\"}]}", "\"b\"",
      "\"behavior\" must be one of BLOCKING, NON_BLOCKING"},
  {"{\"tools\": [{\"name\": \"s\", \"scheduling\": \"LATER\"}]}", "\"s\"",
      "\"scheduling\" must be one of INTERRUPT, WHEN_IDLE, SILENT"},
  {"{\"tools\": [{\"name\": \"s\", \"scheduling\": 2}]}", "\"s\"",
      "\"scheduling\""},
  /* A misspelt key is an error, not ignored. */
  {"{\"tools\": [{\"name\": \"k\", \"timout-ms\": 500}]}", "\"k\"",
      "unknown key \"timout-ms\". The keys are \"name\", \"description\""},
  {"{\"tools\": [{\"name\": \"k\", \"handlr\": {\"result\": 1}}]}",
      "\"k\"", "unknown key \"handlr\""},
  {"{\"tools\": [{\"name\": \"k\", \"handler\": {\"resut\": 1}}]}",
      "\"k\"", "unknown key \"resut\" in \"handler\""},
  {"{\"tools\": [{\"name\": \"k\", \"handler\": {\"http\": {\"url\": "
        "\"http://x\", \"headers\": {}}}}]}", "\"k\"",
      "unknown key \"headers\" in \"http\". The keys are \"url\", "
        "\"timeout-ms\""},
};

static void
test_parse_bad_files (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad_cases); i++) {
    const BadCase *c = &bad_cases[i];
    g_autoptr (GError) error = NULL;
    g_autoptr (VpTools) tools = vp_tools_parse (c->json, -1,
        "/etc/voxpipe/bad.tools.json", &error);

    g_test_message ("bad tools file %u: %s", i, c->json);
    g_assert_null (tools);
    g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
    g_test_message ("  → %s", error->message);
    /* The file, the tool and the problem. */
    assert_contains (error->message, "/etc/voxpipe/bad.tools.json");
    if (c->tool != NULL)
      assert_contains (error->message, c->tool);
    assert_contains (error->message, c->words);
  }
}

static void
test_load_bad_files (void)
{
  static const struct
  {
    const gchar *file;
    const gchar *tool;
    const gchar *words;
  } files[] = {
    {"tools-bad-handler.json", "\"book_table\"", "exactly one of"},
    {"tools-bad-timeout.json", "\"get_menu\"", "\"timeout-ms\""},
    {"tools-bad-syntax.json", NULL, "not valid JSON"},
    {"no-such-file.tools.json", NULL, "Check the path"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree gchar *path = data_path (files[i].file);
    g_autoptr (GError) error = NULL;
    g_autoptr (VpTools) tools = vp_tools_load (path, &error);

    g_assert_null (tools);
    g_assert_error (error, VP_ERROR, VP_ERROR_SETTINGS);
    g_test_message ("%s → %s", files[i].file, error->message);
    assert_contains (error->message, path);
    if (files[i].tool != NULL)
      assert_contains (error->message, files[i].tool);
    assert_contains (error->message, files[i].words);
  }
}

/* Declarations reach setup: JSON Schema as it is, or the OpenAPI subset
 * for the models that only take that. */

static void
test_wire_json_schema (Fixture * f, gconstpointer data)
{
  g_autoptr (JsonObject) setup = NULL;
  g_autoptr (JsonNode) expected = json_from_string ("{\"type\": \"object\", "
      "\"properties\": {\"city\": {\"type\": \"string\", \"description\": "
      "\"City\"}, \"days\": {\"type\": \"integer\", \"minimum\": 1}, "
      "\"unit\": {\"type\": [\"string\", \"null\"]}}, \"required\": "
      "[\"city\"], \"additionalProperties\": false}", NULL);
  JsonObject *decl;

  fixture_start (f, MODEL_31, WEATHER_SCENARIO, SCHEMA_TOOLS);
  setup = record_setup (f->emulator);
  decl = find_declaration (setup, "get_weather");
  g_assert_cmpstr (json_object_get_string_member (decl, "description"), ==,
      "Weather");
  /* Unchanged, lowercase types, every keyword. */
  g_assert_false (json_object_has_member (decl, "parameters"));
  g_assert_true (json_node_equal (json_object_get_member (decl,
              "parametersJsonSchema"), expected));
  g_assert_cmpuint (f->warnings->len, ==, 0);
}

static void
test_wire_openapi (Fixture * f, gconstpointer data)
{
  g_autoptr (JsonObject) setup = NULL;
  JsonObject *decl, *params, *props;

  fixture_start (f, MODEL_OPENAPI, WEATHER_SCENARIO, SCHEMA_TOOLS);
  setup = record_setup (f->emulator);
  decl = find_declaration (setup, "get_weather");
  g_assert_false (json_object_has_member (decl, "parametersJsonSchema"));
  params = json_object_get_object_member (decl, "parameters");
  g_assert_nonnull (params);
  g_assert_cmpstr (json_object_get_string_member (params, "type"), ==,
      "OBJECT");
  props = json_object_get_object_member (params, "properties");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member
          (props, "city"), "type"), ==, "STRING");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member
          (props, "city"), "description"), ==, "City");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member
          (props, "days"), "type"), ==, "INTEGER");
  /* ["string", "null"] is a nullable STRING. */
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member
          (props, "unit"), "type"), ==, "STRING");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member
          (props, "unit"), "nullable"));
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member
          (params, "required"), 0), ==, "city");
  /* A keyword the subset lacks is dropped. */
  g_assert_false (json_object_has_member (params, "additionalProperties"));

  /* And the call works on that model too. */
  turn (f, "weather please");
  g_assert_cmpuint (vpt_recorder_count (f->r, "tool-result:"), ==, 1);
}

/* Per model: NON_BLOCKING and scheduling */

static void
test_model_25_non_blocking (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"order\"]}, \"calls\": [{\"name\": \"notify_kitchen\", \"args\": {}}, "
      "{\"name\": \"log_visit\", \"args\": {}}]}]}";
  g_autofree gchar *path = data_path ("tools-non-blocking.json");
  g_autofree gchar *contents = NULL;
  g_autoptr (JsonObject) setup = NULL;
  g_autofree gchar *kitchen_id = NULL, *visit_id = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) kitchen = NULL, visit = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  fixture_start (f, MODEL_25, scenario, contents);
  g_assert_cmpuint (f->warnings->len, ==, 0);

  setup = record_setup (f->emulator);
  g_assert_cmpstr (json_object_get_string_member (find_declaration (setup,
              "notify_kitchen"), "behavior"), ==, "NON_BLOCKING");
  g_assert_cmpstr (json_object_get_string_member (find_declaration (setup,
              "log_visit"), "behavior"), ==, "NON_BLOCKING");

  turn (f, "place the order");
  kitchen_id = vpt_recorder_started_id (f->r, "notify_kitchen", 0);
  visit_id = vpt_recorder_started_id (f->r, "log_visit", 0);
  /* Non-blocking: the turn ended before the answers; wait for them. */
  vpt_recorder_wait (f->r, "tool-result:*notify_kitchen", NULL);
  vpt_recorder_wait (f->r, "tool-result:*log_visit", NULL);
  record_sync (f->session, f->emulator, "sync");
  root = record_parse (f->emulator);
  kitchen = record_responses_for (root, kitchen_id);
  visit = record_responses_for (root, visit_id);
  g_assert_cmpuint (kitchen->len, ==, 1);
  g_assert_cmpuint (visit->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (kitchen,
              0), "scheduling"), ==, "WHEN_IDLE");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (visit,
              0), "scheduling"), ==, "SILENT");
}

static void
test_model_31_drops_non_blocking (Fixture * f, gconstpointer data)
{
  static const gchar scenario[] = "{\"turns\": [{\"match\": {\"text\": "
      "[\"order\"]}, \"calls\": [{\"name\": \"notify_kitchen\", \"args\": {}}, "
      "{\"name\": \"log_visit\", \"args\": {}}]}]}";
  g_autofree gchar *path = data_path ("tools-non-blocking.json");
  g_autofree gchar *contents = NULL;
  g_autoptr (JsonObject) setup = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  guint i;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  fixture_start (f, MODEL_31, scenario, contents);

  /* Reported, once per tool, naming the tool and what was left out. */
  for (i = 0; i < f->warnings->len; i++)
    g_test_message ("warning: %s", (gchar *) f->warnings->pdata[i]);
  g_assert_cmpuint (f->warnings->len, >=, 2);
  assert_contains (f->warnings->pdata[0], "notify_kitchen");
  assert_contains (f->warnings->pdata[0], "NON_BLOCKING");
  assert_contains (f->warnings->pdata[0], MODEL_31);

  setup = record_setup (f->emulator);
  g_assert_false (json_object_has_member (find_declaration (setup,
              "notify_kitchen"), "behavior"));
  g_assert_false (json_object_has_member (find_declaration (setup,
              "log_visit"), "behavior"));

  turn (f, "place the order");
  root = record_parse (f->emulator);
  entries = record_responses (root);
  g_assert_cmpuint (entries->len, ==, 2);
  for (i = 0; i < entries->len; i++)
    g_assert_false (json_object_has_member (g_ptr_array_index (entries, i),
            "scheduling"));
}

static void
test_model_31_scheduling_alone_warns (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VpTools) tools = vp_tools_parse ("{\"tools\": [{\"name\": "
      "\"quiet\", \"scheduling\": \"SILENT\"}]}", -1, "s.json", &error);
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonArray) wire = NULL;

  g_assert_no_error (error);
  wire = vp_tools_to_wire (tools, MODEL_31, warnings);
  g_assert_cmpuint (warnings->len, ==, 1);
  assert_contains (warnings->pdata[0], "quiet");
  assert_contains (warnings->pdata[0], "SILENT");

  g_ptr_array_set_size (warnings, 0);
  json_array_unref (g_steal_pointer (&wire));
  wire = vp_tools_to_wire (tools, MODEL_25, warnings);
  g_assert_cmpuint (warnings->len, ==, 0);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  http_start ();

  g_test_add_func ("/tools/file/every-field", test_parse_every_field);
  g_test_add_func ("/tools/file/bad", test_parse_bad_files);
  g_test_add_func ("/tools/file/bad-files", test_load_bad_files);
  g_test_add_func ("/tools/model/3.1-scheduling-alone-warns",
      test_model_31_scheduling_alone_warns);

  ADD_TOOLS_TEST ("wire/json-schema", test_wire_json_schema);
  ADD_TOOLS_TEST ("wire/openapi-subset", test_wire_openapi);
  ADD_TOOLS_TEST ("model/2.5-non-blocking", test_model_25_non_blocking);
  ADD_TOOLS_TEST ("model/3.1-drops-non-blocking",
      test_model_31_drops_non_blocking);

  ret = g_test_run ();
  http_stop ();
  return ret;
}
