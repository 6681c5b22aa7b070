/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include "bench-trace.h"

#include <stdio.h>
#include <string.h>

BenchTrace *
bench_trace_new (gboolean in_audio_only)
{
  BenchTrace *trace = g_new0 (BenchTrace, 1);

  trace->records = g_array_sized_new (FALSE, FALSE, sizeof (BenchTraceRecord),
      1 << 16);
  trace->in_audio_only = in_audio_only;
  return trace;
}

void
bench_trace_free (BenchTrace * trace)
{
  g_array_unref (trace->records);
  g_free (trace);
}

static gboolean
has_prefix (const gchar * data, gsize length, const gchar * prefix)
{
  gsize n = strlen (prefix);

  return length >= n && memcmp (data, prefix, n) == 0;
}

/* Length of the base64 string after the first "data":" (0 if none). */
static gsize
b64_length (const gchar * data, gsize length, gsize * pad)
{
  const gchar *start = memmem (data, length, "\"data\":\"", 8), *end;

  *pad = 0;
  if (start == NULL)
    return 0;
  start += 8;
  end = memchr (start, '"', length - (start - data));
  if (end == NULL)
    return 0;
  if (end > start && end[-1] == '=')
    (*pad)++;
  if (end - 1 > start && end[-2] == '=')
    (*pad)++;
  return end - start;
}

/* Runs on the emulator's thread; cheap (a prefix test, one scan of the
 * base64 for written audio). */
void
bench_trace_func (guint connection, gboolean sent, const gchar * data,
    gsize length, gint64 time_us, gpointer user_data)
{
  BenchTrace *trace = user_data;
  BenchTraceRecord r = { connection, 'M', 0, time_us };
  gsize pad;

  if (!sent) {
    if (has_prefix (data, length, "{\"realtimeInput\":{\"audio\"")) {
      r.kind = 'A';
      r.n = length;
    } else if (trace->in_audio_only) {
      return;
    } else if (has_prefix (data, length, "{\"realtimeInput\":{\"activityStart"))
      r.kind = 'S';
    else if (has_prefix (data, length, "{\"realtimeInput\":{\"activityEnd"))
      r.kind = 'E';
    else if (has_prefix (data, length, "{\"realtimeInput\":{\"text"))
      r.kind = 'T';
    else if (has_prefix (data, length, "{\"setup\""))
      r.kind = 'U';
  } else {
    if (trace->in_audio_only)
      return;
    if (has_prefix (data, length, "{\"serverContent\":{\"modelTurn\"")) {
      gsize n = b64_length (data, length, &pad);
      r.kind = 'O';
      r.n = (n / 4 * 3 - pad) / 2;
    } else if (has_prefix (data, length, "{\"serverContent\":{\"interrupted\""))
      r.kind = 'I';
    else if (has_prefix (data, length, "{\"serverContent\":{\"turnComplete\""))
      r.kind = 'C';
    else
      r.kind = 'X';
  }
  g_array_append_val (trace->records, r);
}

gboolean
bench_trace_write (BenchTrace * trace, const gchar * path)
{
  FILE *f = fopen (path, "w");
  guint i;

  if (f == NULL)
    return FALSE;
  for (i = 0; i < trace->records->len; i++) {
    BenchTraceRecord *r = &g_array_index (trace->records, BenchTraceRecord, i);
    fprintf (f, "%u %c %" G_GINT64_FORMAT " %u\n", r->conn, r->kind,
        r->time_us, r->n);
  }
  return fclose (f) == 0;
}
