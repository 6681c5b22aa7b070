/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Hearing the user: each connection keeps the audio of the user's turn
 * (from a short lead-in before the start of speech to its end); at the
 * end of the turn the audio goes to the ear, one thread for the process
 * (the model loads once) that owns a pocketsphinx recognizer
 * (vp-recognizer.c) whose grammar is the scenario's phrases.  Decoding off the emulator's thread keeps the other
 * connections' audio flowing; the words come back on the emulator's
 * context, in the order the turns ended. */

#include "config.h"

#include "vp-emu-hearing.h"
#include "vp-recognizer.h"

#include <string.h>

/* Audio kept before the start of speech: the VAD commits a start only
 * after prefixPaddingMs, and a word's onset is quieter than its middle. */
#define LEAD_IN_MS 300
/* A turn longer than this keeps its last part only. */
#define MAX_TURN_S 30

typedef struct
{
  gint ref;
  Conn *conn;                   /* the emulator thread's; NULL once it went */
  GMainContext *context;        /* the ear's until it posted the result */
  VpEmuScenario *scenario;      /* its phrases are the grammar */
  VpEmuHeardFunc func;
  GBytes *pcm;
  guint rate;
  gint64 ended_us;
  gchar *heard;
  gboolean ok;
} Job;

static GAsyncQueue *ear_jobs;

static Job *
job_ref (Job * job)
{
  g_atomic_int_inc (&job->ref);
  return job;
}

static void
job_unref (gpointer data)
{
  Job *job = data;

  if (!g_atomic_int_dec_and_test (&job->ref))
    return;
  if (job->pcm)
    g_bytes_unref (job->pcm);
  if (job->scenario)
    vp_emu_scenario_unref (job->scenario);
  if (job->context)
    g_main_context_unref (job->context);
  g_free (job->heard);
  g_free (job);
}

/* On the emulator's thread. */
static gboolean
deliver (gpointer data)
{
  Job *job = data;
  Conn *c = job->conn;

  if (c == NULL)
    return G_SOURCE_REMOVE;
  g_queue_remove (&c->hear_jobs, job);
  job->conn = NULL;
  job->func (c, job->heard, job->ok,
      (g_get_monotonic_time () - job->ended_us) / 1000);
  job_unref (job);              /* the connection's */

  return G_SOURCE_REMOVE;
}

static void
set_grammar (VpRecognizer * recognizer, VpEmuScenario * scenario)
{
  GPtrArray *dropped = g_ptr_array_new_with_free_func (g_free);
  guint i;

  vp_recognizer_set_phrases (recognizer,
      (const gchar * const *) scenario->phrases, dropped);
  for (i = 0; i < dropped->len; i++)
    g_warning ("emulator: the scenario phrase \"%s\" has a word the "
        "recognizer's dictionary does not know, so it cannot be heard; "
        "write numbers and names as common words",
        (const gchar *) g_ptr_array_index (dropped, i));
  g_ptr_array_unref (dropped);
}

static gpointer
ear_thread (gpointer data)
{
  GError *error = NULL;
  VpRecognizer *recognizer = vp_recognizer_new (&error);
  VpEmuScenario *grammar_of = NULL;     /* borrowed, compared only */

  if (recognizer == NULL) {
    g_warning ("emulator: audio turns are matched in order: %s",
        error->message);
    g_clear_error (&error);
  }

  for (;;) {
    Job *job = g_async_queue_pop (ear_jobs);
    GMainContext *context;
    GSource *source;

    if (recognizer != NULL) {
      gsize n;
      const guint8 *pcm = g_bytes_get_data (job->pcm, &n);
      gint64 start = g_get_monotonic_time ();

      if (job->scenario != grammar_of) {
        set_grammar (recognizer, job->scenario);
        grammar_of = job->scenario;
      }
      job->heard = n > 0 ? vp_recognizer_decode (recognizer, pcm, n,
          job->rate) : NULL;
      if (n > 0)
        g_debug ("emulator: heard in %.1f ms (%.2f s of audio): %s",
            (g_get_monotonic_time () - start) / 1000.0,
            (gdouble) n / 2 / job->rate, job->heard ? job->heard : "(nothing)");
    }
    job->ok = recognizer != NULL;

    /* A warm-up (vp_emu_hearing_prepare()): nobody waits for it. */
    if (job->func == NULL) {
      job_unref (job);
      continue;
    }

    /* The context's last reference may be this one: the source then goes
     * with it, and the job with the source. */
    context = job->context;
    job->context = NULL;
    source = g_idle_source_new ();
    g_source_set_callback (source, deliver, job, job_unref);
    g_source_attach (source, context);
    g_source_unref (source);
    g_main_context_unref (context);
  }

  return NULL;
}

void
vp_emu_hearing_listen (Conn * c, const guint8 * pcm, gsize n_bytes, guint rate)
{
  gboolean in_turn = c->manual_activity || (c->vad != NULL
      && vp_emulator_vad_in_speech (c->vad));
  gsize keep;

  if (c->scenario->phrases == NULL || n_bytes < 2)
    return;

  if (c->heard == NULL)
    c->heard = g_byte_array_new ();
  if (rate != c->heard_rate) {
    g_byte_array_set_size (c->heard, 0);
    c->heard_rate = rate;
  }

  /* Before the turn, a lead-in and this buffer (the VAD may find the
   * start in it); during the turn, up to MAX_TURN_S. */
  keep = (gsize) rate *2 * (in_turn ? MAX_TURN_S * 1000 : LEAD_IN_MS) / 1000;
  if (c->heard->len > keep)
    g_byte_array_remove_range (c->heard, 0, c->heard->len - keep);
  g_byte_array_append (c->heard, pcm, n_bytes & ~(gsize) 1);
}

void
vp_emu_hearing_restart (Conn * c)
{
  if (c->heard != NULL)
    g_byte_array_set_size (c->heard, 0);
}

static void
ear_start (void)
{
  static gsize started = 0;

  if (g_once_init_enter (&started)) {
    ear_jobs = g_async_queue_new ();
    g_thread_unref (g_thread_new ("vp-emu-ear", ear_thread, NULL));
    g_once_init_leave (&started, 1);
  }
}

void
vp_emu_hearing_prepare (VpEmuScenario * scenario)
{
  Job *job;

  if (scenario->phrases == NULL)
    return;

  ear_start ();
  job = g_new0 (Job, 1);
  job->ref = 1;
  job->scenario = vp_emu_scenario_ref (scenario);
  job->pcm = g_bytes_new (NULL, 0);
  g_async_queue_push (ear_jobs, job);
}

gboolean
vp_emu_hearing_recognise (Conn * c, VpEmuHeardFunc func)
{
  Job *job;

  if (c->scenario->phrases == NULL)
    return FALSE;

  ear_start ();

  job = g_new0 (Job, 1);
  job->ref = 1;
  job->conn = c;
  job->func = func;
  job->context = g_main_context_ref (c->emu->context);
  job->scenario = vp_emu_scenario_ref (c->scenario);
  job->rate = c->heard_rate ? c->heard_rate : 16000;
  job->ended_us = g_get_monotonic_time ();
  if (c->heard != NULL) {
    job->pcm = g_bytes_new (c->heard->data, c->heard->len);
    g_byte_array_set_size (c->heard, 0);
  } else {
    job->pcm = g_bytes_new (NULL, 0);
  }

  g_queue_push_tail (&c->hear_jobs, job);       /* the connection's reference */
  g_async_queue_push (ear_jobs, job_ref (job));

  return TRUE;
}

void
vp_emu_hearing_clear (Conn * c)
{
  Job *job;

  while ((job = g_queue_pop_head (&c->hear_jobs)) != NULL) {
    job->conn = NULL;
    job_unref (job);
  }
  if (c->heard != NULL)
    g_clear_pointer (&c->heard, g_byte_array_unref);
}
