/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The tools file (DESIGN.md §5): tool declarations and their handlers. */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * VpToolHandler:
 * @VP_TOOL_HANDLER_APP: no handler: the application answers the call
 * @VP_TOOL_HANDLER_HTTP: POST the arguments to a URL
 * @VP_TOOL_HANDLER_EXEC: run a program (argv, never a shell)
 * @VP_TOOL_HANDLER_RESULT: answer a fixed result
 * @VP_TOOL_HANDLER_BUILTIN: a built-in action ("end-call")
 */
typedef enum {
  VP_TOOL_HANDLER_APP,
  VP_TOOL_HANDLER_HTTP,
  VP_TOOL_HANDLER_EXEC,
  VP_TOOL_HANDLER_RESULT,
  VP_TOOL_HANDLER_BUILTIN,
} VpToolHandler;

#define VP_TOOL_DEFAULT_TIMEOUT_MS 10000

/**
 * VpTool:
 * @name: the function name
 * @description: (nullable): what it does, for the model
 * @parameters: (nullable): its JSON Schema object
 * @handler: what answers a call
 * @url: (nullable): for %VP_TOOL_HANDLER_HTTP, where the arguments are POSTed
 * @argv: (nullable) (array zero-terminated=1): for %VP_TOOL_HANDLER_EXEC,
 *   the program and its arguments
 * @result: (nullable): for %VP_TOOL_HANDLER_RESULT, the fixed answer
 * @builtin: (nullable): for %VP_TOOL_HANDLER_BUILTIN: "end-call"
 * @timeout_ms: how long a call may take, for every kind (the
 *   application's too)
 * @behavior: (nullable): "BLOCKING", "NON_BLOCKING", or %NULL for the
 *   model's default (3.8: non-blocking; 3.1: blocking, and NON_BLOCKING is
 *   left out with a warning)
 * @scheduling: (nullable): "INTERRUPT", "WHEN_IDLE", "SILENT" or %NULL
 *
 * One declared tool of a tools file.
 */
typedef struct {
  gchar *name;
  gchar *description;
  JsonNode *parameters;
  VpToolHandler handler;
  gchar *url;
  gchar **argv;
  JsonNode *result;
  gchar *builtin;
  guint timeout_ms;
  gchar *behavior;
  gchar *scheduling;
} VpTool;

#define VP_TYPE_TOOL (vp_tool_get_type ())
GType vp_tool_get_type (void);
VpTool *vp_tool_copy (const VpTool * tool);
void vp_tool_free (VpTool * tool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VpTool, vp_tool_free)

/**
 * VpTools:
 * @origin: the file, for error messages
 * @tools: (element-type VpTool): the declarations, in file order
 *
 * The tools of a tools file.
 */
typedef struct {
  gchar *origin;
  GPtrArray *tools;
} VpTools;

#define VP_TYPE_TOOLS (vp_tools_get_type ())
GType vp_tools_get_type (void);

/**
 * vp_tools_load:
 * @path: the tools file
 * @error: the problem, naming the file, the tool and the fix
 *
 * Reads and checks a tools file.  An exec program given as "./x" or
 * "../x" is found relative to the tools file.
 *
 * Returns: (transfer full): the tools, or %NULL with @error
 */
VpTools *vp_tools_load (const gchar * path, GError ** error);

/**
 * vp_tools_parse:
 * @json: the text of a tools file
 * @length: its length, or -1 when it ends with a NUL
 * @origin: where it comes from, named in errors
 * @error: the problem, naming @origin, the tool and the fix
 *
 * Returns: (transfer full): the tools, or %NULL with @error
 */
VpTools *vp_tools_parse (const gchar * json, gssize length,
    const gchar * origin, GError ** error);

/**
 * vp_tools_copy:
 * @tools: the tools
 *
 * Returns: (transfer full): a deep copy of @tools
 */
VpTools *vp_tools_copy (const VpTools * tools);
void vp_tools_free (VpTools * tools);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VpTools, vp_tools_free)

/**
 * vp_tools_lookup:
 * @tools: (nullable): the tools
 * @name: a function name
 *
 * Returns: (transfer none) (nullable): the tool called @name, owned by
 *   @tools
 */
const VpTool *vp_tools_lookup (const VpTools * tools, const gchar * name);

/* Whether @model takes NON_BLOCKING functions and response scheduling
 * (3.8 and 2.5 native audio: yes; 3.1: no), from the model table. */
gboolean vp_model_supports_non_blocking (const gchar * model);

/**
 * vp_tools_to_wire:
 * @tools: the tools
 * @model: the model they are for
 * @warnings: (nullable) (element-type utf8): filled with what was left out
 *   because @model does not support it
 *
 * Returns: (transfer full): setup.tools for @model.
 */
JsonArray *vp_tools_to_wire (const VpTools * tools, const gchar * model,
    GPtrArray * warnings);

/**
 * vp_tool_response_wrap:
 * @answer: what a handler or the application answered
 *
 * The response the model gets for @answer: an object with "output" or
 * "error" as it is, anything else as {"output": @answer}.
 *
 * Returns: (transfer full): the response
 */
JsonNode *vp_tool_response_wrap (JsonNode * answer);

G_END_DECLS
