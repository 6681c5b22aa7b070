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

typedef struct {
  gchar *name;
  gchar *description;
  JsonNode *parameters;         /* JSON Schema object, or NULL */
  VpToolHandler handler;
  gchar *url;                   /* HTTP */
  gchar **argv;                 /* EXEC */
  JsonNode *result;             /* RESULT */
  gchar *builtin;               /* BUILTIN: "end-call" */
  guint timeout_ms;             /* for every kind, the application's too */
  gchar *behavior;              /* "NON_BLOCKING" or NULL (2.5 models only) */
  gchar *scheduling;            /* "INTERRUPT" | "WHEN_IDLE" | "SILENT" or NULL */
} VpTool;

typedef struct {
  gchar *origin;                /* the file, for error messages */
  GPtrArray *tools;             /* VpTool */
} VpTools;

/* Reads and checks a tools file.  Errors name the file, the tool and the
 * problem, and say how to fix it.  An exec program given as "./x" or
 * "../x" is found relative to the tools file. */
VpTools *vp_tools_load (const gchar * path, GError ** error);
VpTools *vp_tools_parse (const gchar * json, gssize length,
    const gchar * origin, GError ** error);
void vp_tools_free (VpTools * tools);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VpTools, vp_tools_free)

const VpTool *vp_tools_lookup (const VpTools * tools, const gchar * name);

/* Whether @model takes NON_BLOCKING functions and response scheduling
 * (2.5 native audio: yes; 3.1: no). */
gboolean vp_model_supports_non_blocking (const gchar * model);

/**
 * vp_tools_to_wire:
 * @warnings: (nullable) (element-type utf8): filled with what was left out
 *   because @model does not support it
 *
 * Returns: (transfer full): setup.tools for @model.
 */
JsonArray *vp_tools_to_wire (const VpTools * tools, const gchar * model,
    GPtrArray * warnings);

G_END_DECLS
