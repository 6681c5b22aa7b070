/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator's side of the measurements: a VpEmulatorTraceFunc that keeps
 * one small record per message (no copy of the message), and writes them as
 * text, one per line:
 *
 *   CONN KIND TIME_US N
 *
 * KIND, received: A realtimeInput audio (N = bytes of base64), S
 * activityStart, E activityEnd, T text, U setup, M other.  Written: O model
 * audio (N = samples), I interrupted, C turnComplete (without audio),
 * X other. */

#pragma once

#include <voxpipe.h>
#include <voxpipe-emulator.h>

typedef struct
{
  guint32 conn;
  gchar kind;
  guint32 n;
  gint64 time_us;
} BenchTraceRecord;

typedef struct
{
  GArray *records;
  gboolean in_audio_only;
} BenchTrace;

BenchTrace *bench_trace_new (gboolean in_audio_only);
void bench_trace_free (BenchTrace * trace);
void bench_trace_func (guint connection, gboolean sent, const gchar * data,
    gsize length, gint64 time_us, gpointer user_data);
gboolean bench_trace_write (BenchTrace * trace, const gchar * path);
