/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* voxpipe-emulator: the Gemini Live API emulator as a program.
 *
 * Prints exactly one line, "listening on ws://HOST:PORT", on stdout once
 * it listens; logs to stderr with --verbose; stops cleanly on SIGINT or
 * SIGTERM and then writes --record.  See docs/emulator.md. */

#include "config.h"

#ifndef G_LOG_DOMAIN
#define G_LOG_DOMAIN "voxpipe"
#endif

#include "vp-emulator.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>

typedef struct
{
  gchar *host;
  gint port;
  gchar *scenario;
  gchar *api_key;
  gdouble time_scale;
  gint connection_lifetime;
  gint go_away_notice;
  gint session_limit;
  gint latency_ms;
  gdouble speech_rate;
  gint chunk_ms;
  gchar **faults;
  gchar *record;
  gboolean verbose;
} Options;

static const struct
{
  const gchar *name;
  VpEmulatorFault fault;
} fault_names[] = {
  {"close", VP_EMULATOR_FAULT_CLOSE},
  {"drop", VP_EMULATOR_FAULT_DROP},
  {"stall", VP_EMULATOR_FAULT_STALL},
  {"malformed", VP_EMULATOR_FAULT_MALFORMED},
  {"oversized", VP_EMULATOR_FAULT_OVERSIZED},
  {"text-frame", VP_EMULATOR_FAULT_TEXT_FRAME},
  {"go-away", VP_EMULATOR_FAULT_GO_AWAY},
  {"no-setup-complete", VP_EMULATOR_FAULT_NO_SETUP_COMPLETE},
};

static void
log_to_stderr (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer user_data)
{
  gboolean verbose = GPOINTER_TO_INT (user_data);
  gint64 now = g_get_real_time ();

  if ((level & G_LOG_LEVEL_DEBUG) && !verbose)
    return;
  if ((level & G_LOG_LEVEL_INFO) && !verbose)
    return;

  fprintf (stderr, "%02d:%02d:%02d.%03d %s\n",
      (gint) ((now / G_USEC_PER_SEC / 3600) % 24),
      (gint) ((now / G_USEC_PER_SEC / 60) % 60),
      (gint) ((now / G_USEC_PER_SEC) % 60),
      (gint) ((now / 1000) % 1000), message);
}

static gboolean
parse_uint (const gchar * text, guint64 max, guint64 * out)
{
  gchar *end = NULL;
  guint64 v;

  if (text == NULL || *text == '\0')
    return FALSE;
  v = g_ascii_strtoull (text, &end, 10);
  if (end == text || *end != '\0' || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

/* KIND:AFTER[:CODE[:REASON]] */
static gboolean
apply_fault (VpEmulator * emulator, const gchar * spec, GError ** error)
{
  gchar **parts = g_strsplit (spec, ":", 4);
  VpEmulatorFault fault = VP_EMULATOR_FAULT_NONE;
  guint64 after = 0, code = 0;
  gint64 argument = 0;
  const gchar *reason = NULL;
  guint i;
  gboolean ok = FALSE;

  for (i = 0; i < G_N_ELEMENTS (fault_names); i++)
    if (g_strcmp0 (parts[0], fault_names[i].name) == 0)
      fault = fault_names[i].fault;

  if (fault == VP_EMULATOR_FAULT_NONE) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--fault %s: unknown kind \"%s\". Use one of close, drop, stall, "
        "malformed, oversized, text-frame, go-away, no-setup-complete.",
        spec, parts[0] ? parts[0] : "");
    goto out;
  }
  if (parts[1] == NULL || !parse_uint (parts[1], G_MAXUINT, &after)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--fault %s: AFTER must be the number of server messages after "
        "which the fault fires, as in close:3:1011:Internal error occurred.",
        spec);
    goto out;
  }

  if (parts[2] != NULL) {
    guint64 max = fault == VP_EMULATOR_FAULT_CLOSE ? 4999 : G_MAXINT64;

    if (!parse_uint (parts[2], max, &code)) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "--fault %s: the third field must be a number (the close code for "
          "close, the milliseconds left for go-away, the size in bytes for "
          "oversized).", spec);
      goto out;
    }
    reason = parts[3];
  }

  if (fault == VP_EMULATOR_FAULT_CLOSE) {
    if (parts[2] == NULL)
      code = 1011;
    if (code < 1000 || code == 1005 || code == 1006) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "--fault %s: %" G_GUINT64_FORMAT " cannot be sent in a close frame;"
          " use a code from 1000 to 4999 (not 1005 or 1006; use drop for a "
          "lost connection).", spec, code);
      goto out;
    }
  } else {
    argument = (gint64) code;
    code = 0;
  }
  if (fault == VP_EMULATOR_FAULT_GO_AWAY && parts[2] == NULL)
    argument = 10000;

  vp_emulator_inject_fault (emulator, fault, (guint) after, (gushort) code,
      reason, argument);
  ok = TRUE;

out:
  g_strfreev (parts);
  return ok;
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
write_record (VpEmulator * emulator, const gchar * path)
{
  gchar *record = vp_emulator_get_record (emulator);
  gchar *contents = g_strconcat (record, "\n", NULL);
  GError *error = NULL;
  gboolean ok;

  ok = g_file_set_contents (path, contents, -1, &error);
  if (!ok) {
    fprintf (stderr, "voxpipe-emulator: cannot write the record: %s. Check "
        "that the directory of --record exists and is writable.\n",
        error->message);
    g_clear_error (&error);
  }
  g_free (contents);
  g_free (record);

  return ok;
}

int
main (int argc, char **argv)
{
  Options o = {
    .host = NULL,
    .port = 0,
    .time_scale = 1.0,
    .connection_lifetime = 600,
    .go_away_notice = 60,
    .session_limit = 900,
    .latency_ms = 300,
    .speech_rate = 4.0,
    .chunk_ms = 120,
  };
  GOptionEntry entries[] = {
    {"host", 0, 0, G_OPTION_ARG_STRING, &o.host,
        "Address to listen on (default 127.0.0.1, loopback only)", "HOST"},
    {"port", 0, 0, G_OPTION_ARG_INT, &o.port,
        "TCP port (default 0: any free port, printed at start)", "N"},
    {"scenario", 0, 0, G_OPTION_ARG_FILENAME, &o.scenario,
          "Scenario JSON file: what the model says and which tools it calls "
          "(default: a small built-in one; see docs/emulator.md)",
        "FILE"},
    {"api-key", 0, 0, G_OPTION_ARG_STRING, &o.api_key,
        "Accept only this key or auth_tokens/ token (default: any "
          "non-empty key)", "KEY"},
    {"time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &o.time_scale,
        "Run connection, session and handle clocks X times faster "
          "(default 1; 60 makes 10 minutes last 10 s)", "X"},
    {"connection-lifetime", 0, 0, G_OPTION_ARG_INT, &o.connection_lifetime,
        "Seconds before a connection closes 1011 \"Deadline expired\" "
          "(default 600; 0 = unlimited)", "S"},
    {"go-away-notice", 0, 0, G_OPTION_ARG_INT, &o.go_away_notice,
        "Seconds of goAway notice before that (default 60)", "S"},
    {"session-limit", 0, 0, G_OPTION_ARG_INT, &o.session_limit,
        "Seconds a session lasts without contextWindowCompression "
          "(default 900, 120 with video; 0 = unlimited)", "S"},
    {"latency-ms", 0, 0, G_OPTION_ARG_INT, &o.latency_ms,
        "Milliseconds from the end of the user's turn to the first model "
          "audio (default 300)", "N"},
    {"speech-rate", 0, 0, G_OPTION_ARG_DOUBLE, &o.speech_rate,
        "Send model audio X times faster than real time (default 4; 1 = "
          "paced)", "X"},
    {"chunk-ms", 0, 0, G_OPTION_ARG_INT, &o.chunk_ms,
        "Milliseconds of model audio per frame, 40 to 320 (default 120)", "N"},
    {"fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.faults,
          "Inject a fault once, after AFTER server messages on a connection. "
          "KIND: close (CODE, REASON), drop, stall, malformed, oversized "
          "(CODE = size in bytes), text-frame, go-away (CODE = ms left), "
          "no-setup-complete",
        "KIND:AFTER[:CODE[:REASON]]"},
    {"record", 0, 0, G_OPTION_ARG_FILENAME, &o.record,
        "On exit, write everything the clients sent, per connection, to "
          "FILE as JSON", "FILE"},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose,
        "Log connections, messages and turns to stderr", NULL},
    {NULL}
  };
  GOptionContext *context;
  GError *error = NULL;
  VpEmulator *emulator;
  GMainLoop *loop;
  gchar *url;
  gint status = 0;
  guint i, sigint, sigterm;

  /* Our texts are UTF-8 ("…"): in the C locale GLib would print them
   * as "?", so a locale without a charset gets C.UTF-8's. */
  setlocale (LC_ALL, "");
  if (!g_get_charset (NULL))
    setlocale (LC_CTYPE, "C.UTF-8");

  context = g_option_context_new ("- a local Gemini Live API");
  g_option_context_set_summary (context,
      "Speaks the Gemini Live API wire protocol (BidiGenerateContent over a "
      "WebSocket) on loopback,\nso clients, demos and tests run offline with "
      "no API key. A scenario decides what the\nemulated model says; its "
      "speech is real audio from espeak-ng.\n\n"
      "Connect to ws://HOST:PORT/ws/google.ai.generativelanguage.v1beta."
      "GenerativeService.BidiGenerateContent?key=ANY\n"
      "or point the official SDK's baseUrl at http://HOST:PORT.");
  g_option_context_set_description (context,
      "Examples:\n"
      "  voxpipe-emulator --scenario pipelines/receptionist.scenario.json\n"
      "  voxpipe-emulator --port 8765 --time-scale 60 --record record.json\n"
      "  voxpipe-emulator --fault close:3:1011:\"Internal error occurred.\"\n"
      "\nThe first line on stdout is \"listening on ws://HOST:PORT\". "
      "SIGINT or SIGTERM stop it cleanly.\n");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "voxpipe-emulator: %s. Run voxpipe-emulator --help for "
        "the options.\n", error->message);
    g_clear_error (&error);
    g_option_context_free (context);
    return 1;
  }
  g_option_context_free (context);

  if (o.port < 0 || o.port > 65535 || o.chunk_ms < 40 || o.chunk_ms > 320
      || o.latency_ms < 0 || o.connection_lifetime < 0
      || o.go_away_notice < 0 || o.session_limit < 0
      || o.time_scale <= 0.0 || o.speech_rate < 0.1 || o.speech_rate > 1000) {
    fprintf (stderr, "voxpipe-emulator: a value is out of range: --port is "
        "0 to 65535, --chunk-ms 40 to 320, --speech-rate 0.1 to 1000, "
        "--time-scale above 0, and the times 0 or more.\n");
    return 1;
  }

  g_log_set_handler ("voxpipe", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
      G_LOG_FLAG_RECURSION, log_to_stderr, GINT_TO_POINTER (o.verbose));

  emulator = vp_emulator_new ();
  g_object_set (emulator, "time-scale", o.time_scale,
      "connection-lifetime", (guint) o.connection_lifetime,
      "go-away-notice", (guint) o.go_away_notice,
      "session-limit", (guint) o.session_limit,
      "latency-ms", (guint) o.latency_ms,
      "speech-rate", o.speech_rate,
      "chunk-ms", (guint) o.chunk_ms, "port", (guint) o.port, NULL);
  if (o.host != NULL)
    g_object_set (emulator, "host", o.host, NULL);
  if (o.scenario != NULL)
    g_object_set (emulator, "scenario-file", o.scenario, NULL);
  if (o.api_key != NULL)
    g_object_set (emulator, "api-key", o.api_key, NULL);

  for (i = 0; o.faults != NULL && o.faults[i] != NULL; i++) {
    if (!apply_fault (emulator, o.faults[i], &error)) {
      fprintf (stderr, "voxpipe-emulator: %s\n", error->message);
      g_clear_error (&error);
      status = 1;
      goto out;
    }
  }

  if (!vp_emulator_start (emulator, &error)) {
    fprintf (stderr, "voxpipe-emulator: %s\n", error->message);
    g_clear_error (&error);
    status = 1;
    goto out;
  }

  url = vp_emulator_get_url (emulator);
  fprintf (stdout, "listening on %s\n", url);
  fflush (stdout);
  g_free (url);

  loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_main_loop_unref (loop);

  g_debug ("emulator: stopping (%u connections served)",
      vp_emulator_get_n_connections (emulator));
  vp_emulator_stop (emulator);

  if (o.record != NULL && !write_record (emulator, o.record))
    status = 1;

out:
  g_object_unref (emulator);
  g_free (o.host);
  g_free (o.scenario);
  g_free (o.api_key);
  g_strfreev (o.faults);
  g_free (o.record);

  return status;
}
