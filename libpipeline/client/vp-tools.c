/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Reads the tools file.  A bad file must fail at start with a message
 * that names the file, the tool and the fix, never half-work at the first
 * call. */

#include "config.h"

#include "vp-tools.h"
#include "vp-models.h"
#include "vp-error.h"
#include "vp-json.h"
#include "vp-protocol.h"

#include <string.h>

#define MAX_TIMEOUT_MS 600000

G_DEFINE_BOXED_TYPE (VpTool, vp_tool, vp_tool_copy, vp_tool_free);
G_DEFINE_BOXED_TYPE (VpTools, vp_tools, vp_tools_copy, vp_tools_free);

VpTool *
vp_tool_copy (const VpTool * tool)
{
  VpTool *copy = g_new0 (VpTool, 1);

  copy->name = g_strdup (tool->name);
  copy->description = g_strdup (tool->description);
  copy->parameters = vp_json_deep_copy (tool->parameters);
  copy->handler = tool->handler;
  copy->url = g_strdup (tool->url);
  copy->argv = g_strdupv (tool->argv);
  copy->result = vp_json_deep_copy (tool->result);
  copy->builtin = g_strdup (tool->builtin);
  copy->timeout_ms = tool->timeout_ms;
  copy->behavior = g_strdup (tool->behavior);
  copy->scheduling = g_strdup (tool->scheduling);
  return copy;
}

void
vp_tool_free (VpTool * tool)
{
  g_free (tool->name);
  g_free (tool->description);
  g_clear_pointer (&tool->parameters, json_node_unref);
  g_free (tool->url);
  g_strfreev (tool->argv);
  g_clear_pointer (&tool->result, json_node_unref);
  g_free (tool->builtin);
  g_free (tool->behavior);
  g_free (tool->scheduling);
  g_free (tool);
}

VpTools *
vp_tools_copy (const VpTools * tools)
{
  VpTools *copy = g_new0 (VpTools, 1);
  guint i;

  copy->origin = g_strdup (tools->origin);
  copy->tools = g_ptr_array_new_full (tools->tools->len, (GDestroyNotify)
      vp_tool_free);
  for (i = 0; i < tools->tools->len; i++)
    g_ptr_array_add (copy->tools, vp_tool_copy (g_ptr_array_index
            (tools->tools, i)));
  return copy;
}

void
vp_tools_free (VpTools * tools)
{
  if (tools == NULL)
    return;
  g_free (tools->origin);
  g_ptr_array_unref (tools->tools);
  g_free (tools);
}

static gboolean
valid_name (const gchar * name)
{
  const gchar *p;

  /* Letters or underscore first; then [a-zA-Z0-9_.:-]; at most 128. */
  if (name == NULL || !(g_ascii_isalpha (name[0]) || name[0] == '_')
      || strlen (name) > 128)
    return FALSE;
  for (p = name; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && strchr ("_.:-", *p) == NULL)
      return FALSE;
  }
  return TRUE;
}

#define FAIL(...) G_STMT_START { \
    g_autofree gchar *detail = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS, \
        "tools-file %s: tool \"%s\": %s", origin, name ? name : "?", detail); \
    return FALSE; \
  } G_STMT_END

/* A misspelt key ("timout-ms", "handlr") must not be ignored: the tool
 * would half-work (no handler, the default timeout). */
static gboolean
known_keys (JsonObject * object, const gchar * const *keys,
    const gchar * where, const gchar * origin, const gchar * name,
    GError ** error)
{
  JsonObjectIter iter;
  const gchar *member;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &member, NULL)) {
    if (!g_strv_contains (keys, member)) {
      g_autofree gchar *list = g_strjoinv ("\", \"", (gchar **) keys);
      FAIL ("unknown key \"%s\"%s. The keys are \"%s\".", member, where, list);
    }
  }
  return TRUE;
}

static gboolean
read_timeout (JsonObject * object, guint * timeout_ms, const gchar * origin,
    const gchar * name, GError ** error)
{
  JsonNode *node = json_object_get_member (object, "timeout-ms");

  if (node == NULL)
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_INT64
      || json_node_get_int (node) <= 0
      || json_node_get_int (node) > MAX_TIMEOUT_MS)
    FAIL ("\"timeout-ms\" must be a whole number of milliseconds from 1 to "
        "%d.", MAX_TIMEOUT_MS);
  *timeout_ms = json_node_get_int (node);
  return TRUE;
}

static gboolean
parse_handler (VpTool * tool, JsonNode * node, const gchar * origin,
    GError ** error)
{
  static const gchar *const handler_keys[] = { "http", "exec", "result",
    "builtin", "timeout-ms", NULL
  };
  static const gchar *const http_keys[] = { "url", "timeout-ms", NULL };
  const gchar *name = tool->name;
  JsonObject *handler;
  guint kinds = 0;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    FAIL ("\"handler\" must be an object with one of \"http\", \"exec\", "
        "\"result\" or \"builtin\".");
  handler = json_node_get_object (node);
  if (!known_keys (handler, handler_keys, " in \"handler\"", origin, name,
          error))
    return FALSE;

  if (!read_timeout (handler, &tool->timeout_ms, origin, name, error))
    return FALSE;

  if (json_object_has_member (handler, "http")) {
    JsonNode *http = json_object_get_member (handler, "http");
    const gchar *url;

    kinds++;
    tool->handler = VP_TOOL_HANDLER_HTTP;
    if (!JSON_NODE_HOLDS_OBJECT (http)
        || (url = json_object_get_string_member_with_default
            (json_node_get_object (http), "url", NULL)) == NULL)
      FAIL ("\"http\" needs {\"url\": \"http://…\"}.");
    if (!g_str_has_prefix (url, "http://")
        && !g_str_has_prefix (url, "https://"))
      FAIL ("the http url \"%s\" must start with http:// or https://.", url);
    tool->url = g_strdup (url);
    if (!known_keys (json_node_get_object (http), http_keys, " in \"http\"",
            origin, name, error)
        || !read_timeout (json_node_get_object (http), &tool->timeout_ms,
            origin, name, error))
      return FALSE;
  }

  if (json_object_has_member (handler, "exec")) {
    JsonNode *exec = json_object_get_member (handler, "exec");
    JsonArray *array;
    guint i, n;

    kinds++;
    tool->handler = VP_TOOL_HANDLER_EXEC;
    if (!JSON_NODE_HOLDS_ARRAY (exec)
        || (n = json_array_get_length (array = json_node_get_array (exec)))
        == 0)
      FAIL ("\"exec\" must be a non-empty array: the program and its "
          "arguments, as in [\"./menu.sh\", \"--json\"]. No shell is used.");
    tool->argv = g_new0 (gchar *, n + 1);
    for (i = 0; i < n; i++) {
      JsonNode *arg = json_array_get_element (array, i);
      if (json_node_get_value_type (arg) != G_TYPE_STRING)
        FAIL ("\"exec\" element %u is not a string.", i);
      tool->argv[i] = g_strdup (json_node_get_string (arg));
    }
  }

  if (json_object_has_member (handler, "result")) {
    kinds++;
    tool->handler = VP_TOOL_HANDLER_RESULT;
    tool->result = json_node_copy (json_object_get_member (handler, "result"));
  }

  if (json_object_has_member (handler, "builtin")) {
    const gchar *builtin = json_object_get_string_member_with_default
        (handler, "builtin", NULL);

    kinds++;
    tool->handler = VP_TOOL_HANDLER_BUILTIN;
    if (g_strcmp0 (builtin, "end-call") != 0)
      FAIL ("unknown builtin \"%s\"; the builtins are: \"end-call\".",
          builtin ? builtin : "(not a string)");
    tool->builtin = g_strdup (builtin);
  }

  if (kinds != 1)
    FAIL ("\"handler\" must have exactly one of \"http\", \"exec\", "
        "\"result\" or \"builtin\" (it has %u). Leave \"handler\" out to "
        "answer the call from the application.", kinds);
  return TRUE;
}

static gboolean
upper_enum (JsonObject * object, const gchar * member, gchar ** out,
    const gchar * const *allowed, const gchar * origin, const gchar * name,
    GError ** error)
{
  const gchar *value;
  g_autofree gchar *upper = NULL;

  if (!json_object_has_member (object, member))
    return TRUE;
  value = json_object_get_string_member_with_default (object, member, NULL);
  upper = value ? g_ascii_strup (value, -1) : NULL;
  /* "non-blocking", "when-idle": the tools file's spelling. */
  if (upper != NULL)
    g_strdelimit (upper, "-", '_');
  if (upper == NULL || !g_strv_contains (allowed, upper)) {
    g_autofree gchar *list = g_strjoinv (", ", (gchar **) allowed);
    FAIL ("\"%s\" must be one of %s.", member, list);
  }
  *out = g_steal_pointer (&upper);
  return TRUE;
}

static VpTool *
parse_tool (JsonNode * node, guint index, const gchar * origin, GError ** error)
{
  static const gchar *const tool_keys[] = { "name", "description",
    "parameters", "handler", "timeout-ms", "behavior", "scheduling", NULL
  };
  static const gchar *const behaviors[] = { "BLOCKING", "NON_BLOCKING", NULL };
  static const gchar *const schedulings[] = { "INTERRUPT", "WHEN_IDLE",
    "SILENT", NULL
  };
  g_autofree gchar *fallback = g_strdup_printf ("#%u", index + 1);
  const gchar *name = fallback;
  JsonObject *object;
  VpTool *tool;
  JsonNode *params;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "tools-file %s: tool #%u is not an object. Each tool is "
        "{\"name\": …, \"description\": …, \"parameters\": …}.", origin,
        index + 1);
    return NULL;
  }
  object = json_node_get_object (node);
  name = json_object_get_string_member_with_default (object, "name", NULL);
  if (!valid_name (name)) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "tools-file %s: tool #%u: \"name\" must start with a letter or _ and "
        "use only letters, digits, _ . : - (at most 128).", origin, index + 1);
    return NULL;
  }

  tool = g_new0 (VpTool, 1);
  tool->name = g_strdup (name);
  tool->timeout_ms = VP_TOOL_DEFAULT_TIMEOUT_MS;
  tool->description = g_strdup (json_object_get_string_member_with_default
      (object, "description", NULL));

  params = json_object_get_member (object, "parameters");
  if (params != NULL) {
    JsonObject *schema;
    if (!JSON_NODE_HOLDS_OBJECT (params)
        || g_ascii_strcasecmp (json_object_get_string_member_with_default
            (schema = json_node_get_object (params), "type", ""),
            "object") != 0) {
      g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
          "tools-file %s: tool \"%s\": \"parameters\" must be a JSON Schema "
          "object: {\"type\": \"object\", \"properties\": {…}}.", origin,
          name);
      vp_tool_free (tool);
      return NULL;
    }
    tool->parameters = json_node_copy (params);
  }

  if (!known_keys (object, tool_keys, "", origin, name, error)
      || !read_timeout (object, &tool->timeout_ms, origin, name, error)
      || !upper_enum (object, "behavior", &tool->behavior, behaviors, origin,
          name, error)
      || !upper_enum (object, "scheduling", &tool->scheduling, schedulings,
          origin, name, error)
      || (json_object_has_member (object, "handler")
          && !parse_handler (tool, json_object_get_member (object, "handler"),
              origin, error))) {
    vp_tool_free (tool);
    return NULL;
  }
  return tool;
}

VpTools *
vp_tools_parse (const gchar * json, gssize length, const gchar * origin,
    GError ** error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (VpTools) tools = NULL;
  JsonNode *root, *list;
  guint i, n;

  if (!json_parser_load_from_data (parser, json, length, &parse_error)) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "tools-file %s is not valid JSON: %s", origin, parse_error->message);
    return NULL;
  }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || (list = json_object_get_member (json_node_get_object (root),
              "tools")) == NULL || !JSON_NODE_HOLDS_ARRAY (list)) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "tools-file %s must be an object with a \"tools\" array: "
        "{\"tools\": [{\"name\": …}, …]}.", origin);
    return NULL;
  }

  tools = g_new0 (VpTools, 1);
  tools->origin = g_strdup (origin);
  tools->tools = g_ptr_array_new_with_free_func ((GDestroyNotify)
      vp_tool_free);

  n = json_array_get_length (json_node_get_array (list));
  for (i = 0; i < n; i++) {
    VpTool *tool = parse_tool (json_array_get_element (json_node_get_array
            (list), i), i, origin, error);
    if (tool == NULL)
      return NULL;
    if (vp_tools_lookup (tools, tool->name) != NULL) {
      g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
          "tools-file %s: tool \"%s\" is declared twice. Give each tool a "
          "unique name.", origin, tool->name);
      vp_tool_free (tool);
      return NULL;
    }
    g_ptr_array_add (tools->tools, tool);
  }
  return g_steal_pointer (&tools);
}

VpTools *
vp_tools_load (const gchar * path, GError ** error)
{
  g_autofree gchar *contents = NULL;
  g_autofree gchar *dir = NULL;
  g_autoptr (GError) read_error = NULL;
  VpTools *tools;
  gsize length;
  guint i;

  if (!g_file_get_contents (path, &contents, &length, &read_error)) {
    g_set_error (error, VP_ERROR, VP_ERROR_SETTINGS,
        "Cannot read tools-file: %s. Check the path.", read_error->message);
    return NULL;
  }
  tools = vp_tools_parse (contents, length, path, error);
  if (tools == NULL)
    return NULL;

  /* "./menu.sh" means next to the tools file, wherever the pipeline runs. */
  dir = g_path_get_dirname (path);
  for (i = 0; i < tools->tools->len; i++) {
    VpTool *tool = g_ptr_array_index (tools->tools, i);
    if (tool->argv != NULL && (g_str_has_prefix (tool->argv[0], "./")
            || g_str_has_prefix (tool->argv[0], "../"))) {
      gchar *resolved = g_build_filename (dir, tool->argv[0], NULL);
      g_free (tool->argv[0]);
      tool->argv[0] = resolved;
    }
  }
  return tools;
}

const VpTool *
vp_tools_lookup (const VpTools * tools, const gchar * name)
{
  guint i;

  for (i = 0; tools != NULL && i < tools->tools->len; i++) {
    const VpTool *tool = g_ptr_array_index (tools->tools, i);
    if (g_strcmp0 (tool->name, name) == 0)
      return tool;
  }
  return NULL;
}

gboolean
vp_model_supports_non_blocking (const gchar * model)
{
  return vp_model_rules (model)->takes_behavior;
}

/* Older Live models take only the OpenAPI subset ("parameters"). */
static gboolean
model_takes_json_schema (const gchar * model)
{
  if (model != NULL && g_str_has_prefix (model, "models/"))
    model += strlen ("models/");
  return model == NULL || !(g_str_has_prefix (model, "gemini-2.0")
      || g_str_has_prefix (model, "gemini-live-2.5"));
}

JsonArray *
vp_tools_to_wire (const VpTools * tools, const gchar * model,
    GPtrArray * warnings)
{
  JsonArray *wire = json_array_new ();
  JsonArray *declarations = json_array_new ();
  JsonObject *tool_object = json_object_new ();
  const VpModel *rules = vp_model_rules (model);
  gboolean json_schema = model_takes_json_schema (model);
  guint i;

  for (i = 0; i < tools->tools->len; i++) {
    const VpTool *tool = g_ptr_array_index (tools->tools, i);
    const gchar *behavior = tool->behavior;

    /* BLOCKING is what such a model does anyway: left out. */
    if (!rules->takes_behavior && g_strcmp0 (behavior, "BLOCKING") == 0)
      behavior = NULL;
    /* The session leaves scheduling out of the responses on such models
     * (deliver_tool_response()): say so too. */
    if ((behavior != NULL || tool->scheduling != NULL)
        && !rules->takes_behavior) {
      if (warnings != NULL && behavior != NULL)
        g_ptr_array_add (warnings, g_strdup_printf ("tools-file %s: tool "
                "\"%s\" asks for behavior %s, which %s does not support; "
                "it is sent as a normal (blocking) function.",
                tools->origin, tool->name, behavior, model));
      if (warnings != NULL && tool->scheduling != NULL)
        g_ptr_array_add (warnings, g_strdup_printf ("tools-file %s: tool "
                "\"%s\" asks for scheduling %s, which %s does not support; "
                "its responses are sent without scheduling.",
                tools->origin, tool->name, tool->scheduling, model));
      behavior = NULL;
    }
    json_array_add_element (declarations,
        vp_protocol_function_declaration (tool->name, tool->description,
            tool->parameters, json_schema, behavior));
  }

  json_object_set_array_member (tool_object, "functionDeclarations",
      declarations);
  json_array_add_object_element (wire, tool_object);
  return wire;
}

JsonNode *
vp_tool_response_wrap (JsonNode * answer)
{
  JsonObject *wrap;

  if (JSON_NODE_HOLDS_OBJECT (answer)
      && (json_object_has_member (json_node_get_object (answer), "output")
          || json_object_has_member (json_node_get_object (answer), "error")))
    return json_node_ref (answer);

  wrap = json_object_new ();
  json_object_set_member (wrap, "output", json_node_ref (answer));
  return vp_json_node_take_object (wrap);
}
