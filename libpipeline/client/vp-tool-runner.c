/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Runs one declared tool handler (http, exec, result, builtin) without
 * blocking: on the thread-default main context of the caller, which for
 * sessions is the network thread.  Whatever happens, the result is a
 * response for the model: failures become {"error": "…"}, so a call is
 * never left unanswered.  Only cancellation yields no response. */

#include "config.h"

#include "vp-tool-runner.h"
#include "vp-json.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct
{
  const VpTool *tool;           /* owned by the session's VpTools */
  gchar *args_json;
  GCancellable *cancellable;    /* ours: cancelled by the caller or the timeout */
  gulong cancel_id;
  GCancellable *caller_cancellable;
  GSource *timeout;
  gboolean timed_out;
  GSubprocess *process;
} RunData;

static void
run_data_free (RunData * data)
{
  if (data->timeout != NULL) {
    g_source_destroy (data->timeout);
    g_source_unref (data->timeout);
  }
  if (data->caller_cancellable != NULL) {
    g_cancellable_disconnect (data->caller_cancellable, data->cancel_id);
    g_object_unref (data->caller_cancellable);
  }
  g_clear_object (&data->cancellable);
  g_clear_object (&data->process);
  g_free (data->args_json);
  g_free (data);
}

static JsonNode *
error_response (const gchar * format, ...)
G_GNUC_PRINTF (1, 2);

     static JsonNode *error_response (const gchar * format, ...)
{
  JsonObject *object = json_object_new ();
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  json_object_set_string_member (object, "error", message);
  return vp_json_node_take_object (object);
}

/* A handler's JSON answer becomes the response (vp_tool_response_wrap()). */
static JsonNode *
response_from_json (const gchar * text, gsize length, const gchar * what)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;

  if (!json_parser_load_from_data (parser, text, length, &error)
      || json_parser_get_root (parser) == NULL)
    return error_response ("%s did not answer JSON: %s", what,
        error ? error->message : "empty answer");
  return vp_tool_response_wrap (json_parser_get_root (parser));
}

static void
return_response (GTask * task, JsonNode * response)
{
  RunData *data = g_task_get_task_data (task);

  if (g_cancellable_is_cancelled (data->cancellable) && !data->timed_out) {
    json_node_unref (response);
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
        "The tool call %s was cancelled.", data->tool->name);
  } else {
    g_task_return_pointer (task, response, (GDestroyNotify) json_node_unref);
  }
}

static JsonNode *
timeout_response (RunData * data)
{
  return error_response ("The tool %s did not finish within %u ms and was "
      "stopped.", data->tool->name, data->tool->timeout_ms);
}

/* http */

static void
on_http_done (GObject * source, GAsyncResult * result, gpointer user_data)
{
  GTask *task = user_data;
  RunData *data = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION
      (source), result);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  guint status;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
      &error);
  if (data->timed_out) {
    return_response (task, timeout_response (data));
  } else if (body == NULL) {
    return_response (task, error_response ("The tool %s could not reach %s: "
            "%s", data->tool->name, data->tool->url, error->message));
  } else if ((status = soup_message_get_status (msg)) < 200 || status > 299) {
    return_response (task, error_response ("The tool %s failed: %s answered "
            "HTTP %u %s.", data->tool->name, data->tool->url, status,
            soup_message_get_reason_phrase (msg)));
  } else {
    gsize size;
    const gchar *text = g_bytes_get_data (body, &size);
    g_autofree gchar *what = g_strdup_printf ("The tool %s (%s)",
        data->tool->name, data->tool->url);
    return_response (task, response_from_json (text, size, what));
  }
  g_object_unref (task);
}

static void
run_http (GTask * task, SoupSession * soup)
{
  RunData *data = g_task_get_task_data (task);
  g_autoptr (GBytes) body = g_bytes_new (data->args_json,
      strlen (data->args_json));
  SoupMessage *msg = soup_message_new (SOUP_METHOD_POST, data->tool->url);

  if (msg == NULL) {
    return_response (task, error_response ("The tool %s has an invalid url "
            "%s.", data->tool->name, data->tool->url));
    g_object_unref (task);
    return;
  }
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  soup_session_send_and_read_async (soup, msg, G_PRIORITY_DEFAULT,
      data->cancellable, on_http_done, task);
  g_object_unref (msg);
}

/* exec: an argv, never a shell; args JSON on stdin, JSON on stdout. */

static void
on_exec_done (GObject * source, GAsyncResult * result, gpointer user_data)
{
  GTask *task = user_data;
  RunData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
          &out, &err, &error)) {
    g_subprocess_force_exit (data->process);
    if (data->timed_out)
      return_response (task, timeout_response (data));
    else
      return_response (task, error_response ("The tool %s (%s) failed: %s",
              data->tool->name, data->tool->argv[0], error->message));
    g_object_unref (task);
    return;
  }

  if (data->timed_out) {
    return_response (task, timeout_response (data));
  } else if (!g_subprocess_get_successful (data->process)) {
    return_response (task, error_response ("The tool %s (%s) exited with "
            "status %d: %.200s", data->tool->name, data->tool->argv[0],
            g_subprocess_get_if_exited (data->process) ?
            g_subprocess_get_exit_status (data->process) : -1,
            err ? g_strstrip (err) : ""));
  } else {
    g_autofree gchar *what = g_strdup_printf ("The tool %s (%s)",
        data->tool->name, data->tool->argv[0]);
    return_response (task, response_from_json (out ? out : "", out ?
            strlen (out) : 0, what));
  }
  g_object_unref (task);
}

/* The arguments are written to the program's stdin on their own, not
 * through g_subprocess_communicate(): a program that exits without
 * reading them (a plain "echo") made communicate fail with a broken pipe,
 * and its answer was lost.  Its stdin is a socket, written with
 * MSG_NOSIGNAL, so that this never raises SIGPIPE either.  The write has
 * its own copy of the text: it may finish after the call. */
typedef struct
{
  GIOStream *stream;
  gchar *text;
} StdinWrite;

static void
on_stdin_written (GObject * source, GAsyncResult * result, gpointer user_data)
{
  StdinWrite *input = user_data;
  g_autoptr (GError) error = NULL;

  /* A program may ignore its stdin: not an error. */
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result,
          NULL, &error))
    g_debug ("tool stdin not fully written: %s", error->message);
  g_io_stream_close (input->stream, NULL, NULL);
  g_object_unref (input->stream);
  g_free (input->text);
  g_free (input);
}

static void
run_exec (GTask * task)
{
  RunData *data = g_task_get_task_data (task);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (GError) error = NULL;
  StdinWrite *input;
  gint fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return_response (task, error_response ("The tool %s could not start %s: "
            "%s", data->tool->name, data->tool->argv[0], g_strerror (errno)));
    g_object_unref (task);
    return;
  }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_take_stdin_fd (launcher, fds[0]);
  data->process = g_subprocess_launcher_spawnv (launcher,
      (const gchar * const *) data->tool->argv, &error);
  /* Closes our copy of the program's end. */
  g_clear_object (&launcher);
  if (data->process == NULL
      || (sock = g_socket_new_from_fd (fds[1], &error)) == NULL) {
    close (fds[1]);
    if (data->process != NULL)
      g_subprocess_force_exit (data->process);
    g_clear_object (&data->process);
    return_response (task, error_response ("The tool %s could not start %s: "
            "%s", data->tool->name, data->tool->argv[0], error->message));
    g_object_unref (task);
    return;
  }

  input = g_new0 (StdinWrite, 1);
  input->stream = G_IO_STREAM (g_socket_connection_factory_create_connection
      (sock));
  input->text = g_strdup (data->args_json);
  g_output_stream_write_all_async (g_io_stream_get_output_stream
      (input->stream), input->text, strlen (input->text), G_PRIORITY_DEFAULT,
      data->cancellable, on_stdin_written, input);

  g_subprocess_communicate_utf8_async (data->process, NULL,
      data->cancellable, on_exec_done, task);
}

static gboolean
on_timeout (gpointer user_data)
{
  RunData *data = user_data;

  data->timed_out = TRUE;
  if (data->process != NULL)
    g_subprocess_force_exit (data->process);
  g_cancellable_cancel (data->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable * cancellable, gpointer user_data)
{
  RunData *data = user_data;

  /* The call was cancelled: the process must really stop. */
  if (data->process != NULL)
    g_subprocess_force_exit (data->process);
  g_cancellable_cancel (data->cancellable);
}

void
vp_tool_run_async (const VpTool * tool, const gchar * args_json,
    SoupSession * soup, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  RunData *data = g_new0 (RunData, 1);

  data->tool = tool;
  data->args_json = g_strdup (args_json ? args_json : "{}");
  data->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);
  g_task_set_source_tag (task, vp_tool_run_async);

  if (cancellable != NULL) {
    data->caller_cancellable = g_object_ref (cancellable);
    data->cancel_id = g_cancellable_connect (cancellable,
        G_CALLBACK (on_caller_cancelled), data, NULL);
  }

  switch (tool->handler) {
    case VP_TOOL_HANDLER_RESULT:{
      /* A copy: the answer leaves with the call, the tools stay. */
      g_autoptr (JsonNode) result = vp_json_deep_copy (tool->result);
      return_response (task, vp_tool_response_wrap (result));
      g_object_unref (task);
      return;
    }
    case VP_TOOL_HANDLER_BUILTIN:{
      JsonObject *ok = json_object_new ();
      JsonObject *output = json_object_new ();
      json_object_set_boolean_member (ok, "ok", TRUE);
      json_object_set_object_member (output, "output", ok);
      return_response (task, vp_json_node_take_object (output));
      g_object_unref (task);
      return;
    }
    case VP_TOOL_HANDLER_HTTP:
    case VP_TOOL_HANDLER_EXEC:
      data->timeout = g_timeout_source_new (tool->timeout_ms);
      g_source_set_callback (data->timeout, on_timeout, data, NULL);
      g_source_set_static_name (data->timeout, "voxpipe-tool-timeout");
      g_source_attach (data->timeout, g_main_context_get_thread_default ());
      if (tool->handler == VP_TOOL_HANDLER_HTTP)
        run_http (task, soup);
      else
        run_exec (task);
      return;
    case VP_TOOL_HANDLER_APP:
    default:
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
          "The tool %s has no handler; the application answers it.",
          tool->name);
      g_object_unref (task);
      return;
  }
}

JsonNode *
vp_tool_run_finish (GAsyncResult * result, GError ** error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
