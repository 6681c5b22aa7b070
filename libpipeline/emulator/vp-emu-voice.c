/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The model's voice: the hand-off to vp-speech (espeak-ng, cached) for a
 * reply at 24 kHz, its words for the transcription, and the prewarm thread
 * that renders a scenario's fixed sentences in the background, so the
 * first turns do not wait for espeak-ng. */

#include "config.h"

#include "vp-emu-voice.h"
#include "vp-speech.h"

struct _VpEmuPrewarm
{
  GThread *thread;
  VpEmuScenario *scenario;
  gint stop;
};

GBytes *
vp_emu_voice_render (const gchar * text, const gchar * voice)
{
  GError *error = NULL;
  GBytes *pcm;
  gsize n;

  pcm = vp_speech_synthesize (text, voice, VP_EMU_OUTPUT_RATE, &error);
  if (pcm != NULL)
    return pcm;

  /* Keep the conversation going: silence as long as the words. */
  g_warning ("emulator: cannot speak \"%s\": %s", text, error->message);
  g_clear_error (&error);
  n = VP_EMU_OUTPUT_RATE * 2 / 4 * MAX (1, (gsize) vp_emu_text_tokens (text));

  return g_bytes_new_take (g_malloc0 (n), n);
}

gchar **
vp_emu_voice_words (const gchar * text, guint * n_words)
{
  gchar **words = g_strsplit_set (text, " \t\n\r", -1);
  guint i, j;

  /* Drop empty words (runs of spaces). */
  for (i = 0, j = 0; words[i] != NULL; i++) {
    if (*words[i] != '\0')
      words[j++] = words[i];
    else
      g_free (words[i]);
  }
  words[j] = NULL;
  *n_words = j;

  return words;
}

static gpointer
prewarm_thread (gpointer data)
{
  VpEmuPrewarm *prewarm = data;
  GPtrArray *texts;
  guint i;

  texts = vp_emu_scenario_static_texts (prewarm->scenario);
  for (i = 0; i < texts->len && !g_atomic_int_get (&prewarm->stop); i++) {
    GBytes *pcm = vp_speech_synthesize (g_ptr_array_index (texts, i),
        prewarm->scenario->voice, VP_EMU_OUTPUT_RATE, NULL);

    if (pcm != NULL)
      g_bytes_unref (pcm);
  }
  g_ptr_array_unref (texts);

  return NULL;
}

VpEmuPrewarm *
vp_emu_prewarm_start (VpEmuScenario * scenario)
{
  VpEmuPrewarm *prewarm = g_new0 (VpEmuPrewarm, 1);

  prewarm->scenario = vp_emu_scenario_ref (scenario);
  prewarm->thread = g_thread_new ("vp-emulator-speech", prewarm_thread,
      prewarm);

  return prewarm;
}

void
vp_emu_prewarm_stop (VpEmuPrewarm * prewarm)
{
  g_atomic_int_set (&prewarm->stop, 1);
  g_thread_join (prewarm->thread);
  vp_emu_scenario_unref (prewarm->scenario);
  g_free (prewarm);
}
