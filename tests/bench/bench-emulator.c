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
 *                  [--trace FILE] [--trace-in-only] [--cpu-log FILE]
 *
 * Prints "listening on ws://127.0.0.1:PORT", serves until SIGTERM, SIGINT
 * or EOF on stdin, then writes the trace (see bench-trace.h) and the CPU
 * log: every 100 ms and at the end, "TIME_US CPU_S", the process's user+system time, so
 * that the driver can tell the emulator's share of the machine over a
 * client's window. */

#include <voxpipe.h>
#include <voxpipe-emulator.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "bench-trace.h"

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  gint64 time_us;
  gdouble cpu_s;
} CpuSample;

static gboolean
cpu_sample_cb (gpointer data)
{
  GArray *samples = data;
  struct rusage ru;
  CpuSample sample;

  getrusage (RUSAGE_SELF, &ru);
  sample.time_us = g_get_monotonic_time ();
  sample.cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  g_array_append_val (samples, sample);
  return G_SOURCE_CONTINUE;
}

static gboolean
write_cpu_log (GArray * samples, const gchar * path)
{
  FILE *f = fopen (path, "w");
  guint i;

  if (f == NULL)
    return FALSE;
  for (i = 0; i < samples->len; i++) {
    CpuSample *sample = &g_array_index (samples, CpuSample, i);
    fprintf (f, "%" G_GINT64_FORMAT " %.4f\n", sample->time_us, sample->cpu_s);
  }
  return fclose (f) == 0;
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
  gchar *scenario = NULL, *trace_file = NULL, *cpu_log = NULL;
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
    {"cpu-log", 0, 0, G_OPTION_ARG_FILENAME, &cpu_log,
        "CPU time every 100 ms", "FILE"},
    {NULL}
  };
  GOptionContext *context = g_option_context_new ("- benchmark emulator");
  GError *error = NULL;
  BenchTrace *trace = bench_trace_new (in_only);
  GArray *cpu_samples = g_array_new (FALSE, FALSE, sizeof (CpuSample));
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
  if (cpu_log != NULL) {
    cpu_sample_cb (cpu_samples);
    g_timeout_add (100, cpu_sample_cb, cpu_samples);
  }
  g_main_loop_run (loop);

  cpu_sample_cb (cpu_samples);
  vp_emulator_stop (emulator);
  if (trace_file != NULL && !bench_trace_write (trace, trace_file)) {
    fprintf (stderr, "bench-emulator: cannot write %s\n", trace_file);
    return 1;
  }
  if (cpu_log != NULL && !write_cpu_log (cpu_samples, cpu_log)) {
    fprintf (stderr, "bench-emulator: cannot write %s\n", cpu_log);
    return 1;
  }
  g_array_unref (cpu_samples);
  g_object_unref (emulator);
  bench_trace_free (trace);
  g_main_loop_unref (loop);
  return 0;
}
