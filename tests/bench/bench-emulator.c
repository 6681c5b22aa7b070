/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator for the benchmarks, in its own process: a VpEmulator with
 * the settings the benchmarks need and a trace of every audio message it
 * receives and writes, timed with CLOCK_MONOTONIC (g_get_monotonic_time),
 * which every process of the machine shares.  Both clients (Voxpipe and
 * the official SDK) are measured against it in the same way.
 *
 *   bench-emulator [--latency-ms N] [--speech-rate X] [--chunk-ms N]
 *                  [--wait-for-playback 0|1] [--scenario FILE]
 *                  [--trace FILE] [--trace-in-only]
 *
 * Prints "listening on ws://127.0.0.1:PORT", serves until SIGTERM, SIGINT
 * or EOF on stdin, then writes the trace (see bench-trace.h). */

#include <voxpipe.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-trace.h"

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gboolean
stdin_cb (gint fd, GIOCondition cond, gpointer data)
{
  gchar buf[256];
  gssize n = read (fd, buf, sizeof buf);

  if (n <= 0) {
    g_main_loop_quit (data);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  gint latency_ms = 0, chunk_ms = 120, wait_for_playback = 1;
  gdouble speech_rate = 1.0;
  gchar *scenario = NULL, *trace_file = NULL;
  gboolean in_only = FALSE;
  GOptionEntry entries[] = {
    {"latency-ms", 0, 0, G_OPTION_ARG_INT, &latency_ms, "think time", "N"},
    {"speech-rate", 0, 0, G_OPTION_ARG_DOUBLE, &speech_rate, "speed", "X"},
    {"chunk-ms", 0, 0, G_OPTION_ARG_INT, &chunk_ms, "audio per frame", "N"},
    {"wait-for-playback", 0, 0, G_OPTION_ARG_INT, &wait_for_playback,
        "hold turnComplete until played", "0|1"},
    {"scenario", 0, 0, G_OPTION_ARG_FILENAME, &scenario, "scenario", "FILE"},
    {"trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_file, "trace output",
        "FILE"},
    {"trace-in-only", 0, 0, G_OPTION_ARG_NONE, &in_only,
        "trace only received audio", NULL},
    {NULL}
  };
  GOptionContext *context = g_option_context_new ("- benchmark emulator");
  GError *error = NULL;
  BenchTrace *trace = bench_trace_new (in_only);
  VpEmulator *emulator;
  GMainLoop *loop;
  gchar *url;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "bench-emulator: %s\n", error->message);
    return 2;
  }
  g_option_context_free (context);

  emulator = vp_emulator_new ();
  g_object_set (emulator, "latency-ms", (guint) latency_ms, "speech-rate",
      speech_rate, "chunk-ms", (guint) chunk_ms, "wait-for-playback",
      (gboolean) (wait_for_playback != 0), "connection-lifetime", 0,
      "session-limit", 0, "record-limit", (guint64) 0, NULL);
  if (scenario != NULL)
    g_object_set (emulator, "scenario-file", scenario, NULL);
  vp_emulator_set_trace_func (emulator, bench_trace_func, trace);
  if (!vp_emulator_start (emulator, &error)) {
    fprintf (stderr, "bench-emulator: %s\n", error->message);
    return 1;
  }
  url = vp_emulator_get_url (emulator);
  printf ("listening on %s\n", url);
  fflush (stdout);
  g_free (url);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_fd_add (0, G_IO_IN | G_IO_HUP | G_IO_ERR, stdin_cb, loop);
  g_main_loop_run (loop);

  vp_emulator_stop (emulator);
  if (trace_file != NULL && !bench_trace_write (trace, trace_file)) {
    fprintf (stderr, "bench-emulator: cannot write %s\n", trace_file);
    return 1;
  }
  g_object_unref (emulator);
  bench_trace_free (trace);
  g_main_loop_unref (loop);
  return 0;
}
