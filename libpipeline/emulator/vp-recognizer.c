/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator's ears: Debian's pocketsphinx with its en-us model decodes
 * an utterance against a JSGF grammar of the scenario's phrases.  A
 * grammar of whole phrases is what makes short phrases reliable (the
 * general language model mishears espeak-ng's voice, and is slower than
 * real time here).  A recognizer is not thread-safe: one thread uses it. */

#include "config.h"

#include "vp-recognizer.h"

#include <string.h>

#include <gio/gio.h>
#include <gst/audio/audio.h>
#include <pocketsphinx.h>
#include <sphinxbase/ckd_alloc.h>
#include <sphinxbase/err.h>
#include <sphinxbase/jsgf.h>

#define RECOGNIZER_RATE 16000
#define SEARCH_NAME "phrases"

struct _VpRecognizer
{
  ps_decoder_t *ps;
  gchar *grammar;               /* the JSGF in use; NULL for none */
};

VpRecognizer *
vp_recognizer_new (GError ** error)
{
  static gsize quiet = 0;
  const gchar *hmm = VP_POCKETSPHINX_MODEL_DIR "/en-us/en-us";
  const gchar *dict = VP_POCKETSPHINX_MODEL_DIR "/en-us/cmudict-en-us.dict";
  cmd_ln_t *config;
  ps_decoder_t *ps;
  VpRecognizer *recognizer;

  /* pocketsphinx logs every setting to stderr; the emulator logs its own. */
  if (g_once_init_enter (&quiet)) {
    err_set_logfp (NULL);
    g_once_init_leave (&quiet, 1);
  }

  if (!g_file_test (hmm, G_FILE_TEST_IS_DIR)
      || !g_file_test (dict, G_FILE_TEST_EXISTS)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "The speech "
        "recognition model is not installed (%s). Install Debian's "
        "pocketsphinx-en-us package, or give the scenario \"hearing\": "
        "\"in-order\".", hmm);
    return NULL;
  }

  /* Wider beams than the defaults (1e-48, 7e-29): with them a long
   * sentence of espeak-ng's ("hello, do you have a table for four
   * tomorrow at eight") loses its path and nothing is heard.  A grammar
   * of a few phrases stays cheap with them. */
  config = cmd_ln_init (NULL, ps_args (), TRUE, "-hmm", hmm, "-dict", dict,
      "-samprate", "16000", "-beam", "1e-80", "-wbeam", "1e-80", "-pbeam",
      "1e-80", NULL);
  ps = config != NULL ? ps_init (config) : NULL;
  if (config != NULL)
    cmd_ln_free_r (config);
  if (ps == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "pocketsphinx could "
        "not load its en-us model from %s. Reinstall pocketsphinx-en-us.",
        VP_POCKETSPHINX_MODEL_DIR);
    return NULL;
  }

  recognizer = g_new0 (VpRecognizer, 1);
  recognizer->ps = ps;

  return recognizer;
}

void
vp_recognizer_free (VpRecognizer * recognizer)
{
  if (recognizer == NULL)
    return;
  ps_free (recognizer->ps);
  g_free (recognizer->grammar);
  g_free (recognizer);
}

/* Every word of @phrase is in the dictionary (JSGF's operators aside). */
static gboolean
phrase_known (VpRecognizer * recognizer, const gchar * phrase)
{
  gchar **words = g_regex_split_simple ("[][()|*+\\s]+", phrase, 0, 0);
  gboolean known = FALSE;
  guint i;

  for (i = 0; words[i] != NULL; i++) {
    char *phones;

    if (*words[i] == '\0')
      continue;
    /* The pronunciation, which is the caller's to free. */
    phones = ps_lookup_word (recognizer->ps, words[i]);
    if (phones == NULL) {
      known = FALSE;
      break;
    }
    ckd_free (phones);
    known = TRUE;
  }
  g_strfreev (words);

  return known;
}

/* What ps_set_jsgf_string() does, without its leak: the parsed grammar is
 * freed once its FSG is built (pocketsphinx 5prealpha never frees it). */
static gboolean
set_grammar (ps_decoder_t * ps, const gchar * text)
{
  jsgf_t *jsgf = jsgf_parse_string (text, NULL);
  jsgf_rule_t *rule;
  fsg_model_t *fsg = NULL;
  gboolean ok = FALSE;

  if (jsgf == NULL)
    return FALSE;
  rule = jsgf_get_public_rule (jsgf);
  if (rule != NULL)
    fsg = jsgf_build_fsg (jsgf, rule, ps_get_logmath (ps),
        cmd_ln_float32_r (ps_get_config (ps), "-lw"));
  if (fsg != NULL) {
    ok = ps_set_fsg (ps, SEARCH_NAME, fsg) >= 0
        && ps_set_search (ps, SEARCH_NAME) >= 0;
    fsg_model_free (fsg);
  }
  jsgf_grammar_free (jsgf);

  return ok;
}

gboolean
vp_recognizer_set_phrases (VpRecognizer * recognizer,
    const gchar * const *phrases, GPtrArray * dropped)
{
  GString *jsgf = g_string_new ("#JSGF V1.0;\ngrammar voxpipe;\n"
      "public <utterance> = ");
  guint i, n = 0;

  for (i = 0; phrases != NULL && phrases[i] != NULL; i++) {
    if (!phrase_known (recognizer, phrases[i])) {
      if (dropped != NULL)
        g_ptr_array_add (dropped, g_strdup (phrases[i]));
      continue;
    }
    g_string_append_printf (jsgf, "%s(%s)", n++ > 0 ? " | " : "", phrases[i]);
  }
  g_string_append (jsgf, ";\n");

  if (n == 0) {
    g_string_free (jsgf, TRUE);
    g_clear_pointer (&recognizer->grammar, g_free);
    return FALSE;
  }

  if (g_strcmp0 (recognizer->grammar, jsgf->str) == 0) {
    g_string_free (jsgf, TRUE);
    return TRUE;
  }

  if (!set_grammar (recognizer->ps, jsgf->str)) {
    g_string_free (jsgf, TRUE);
    g_clear_pointer (&recognizer->grammar, g_free);
    return FALSE;
  }
  g_free (recognizer->grammar);
  recognizer->grammar = g_string_free (jsgf, FALSE);

  return TRUE;
}

/* S16 mono @pcm at @rate as 16 kHz samples. */
static gint16 *
to_16k (const guint8 * pcm, gsize n_bytes, guint rate, gsize * n_out)
{
  GstAudioResampler *resampler;
  GstStructure *options;
  gsize n_in = n_bytes / 2, n;
  gint16 *in, *out;
  gpointer in_planes[1], out_planes[1];

  in = g_memdup2 (pcm, n_in * 2);
  if (rate == RECOGNIZER_RATE) {
    *n_out = n_in;
    return in;
  }

  options = gst_structure_new_empty ("GstAudioResampler.options");
  gst_audio_resampler_options_set_quality (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      GST_AUDIO_RESAMPLER_QUALITY_DEFAULT, rate, RECOGNIZER_RATE, options);
  resampler = gst_audio_resampler_new (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      GST_AUDIO_RESAMPLER_FLAG_NONE, GST_AUDIO_FORMAT_S16, 1, rate,
      RECOGNIZER_RATE, options);
  gst_structure_free (options);
  if (resampler == NULL) {
    g_free (in);
    *n_out = 0;
    return NULL;
  }

  n = gst_audio_resampler_get_out_frames (resampler, n_in);
  out = g_new0 (gint16, MAX (n, 1));
  in_planes[0] = in;
  out_planes[0] = out;
  gst_audio_resampler_resample (resampler, in_planes, n_in, out_planes, n);
  gst_audio_resampler_free (resampler);
  g_free (in);

  *n_out = n;
  return out;
}

gchar *
vp_recognizer_decode (VpRecognizer * recognizer, const guint8 * pcm,
    gsize n_bytes, guint rate)
{
  gsize n = 0;
  gint16 *samples;
  const char *hyp;
  int32 score;
  gchar *text = NULL;

  if (recognizer->grammar == NULL || rate == 0)
    return NULL;

  samples = to_16k (pcm, n_bytes, rate, &n);
  if (samples == NULL || n == 0) {
    g_free (samples);
    return NULL;
  }

  if (ps_start_utt (recognizer->ps) == 0) {
    ps_process_raw (recognizer->ps, samples, n, FALSE, TRUE);
    ps_end_utt (recognizer->ps);
    hyp = ps_get_hyp (recognizer->ps, &score);
    if (hyp != NULL && *hyp != '\0')
      text = g_strstrip (g_strdup (hyp));
  }
  g_free (samples);

  if (text != NULL && *text == '\0')
    g_clear_pointer (&text, g_free);

  return text;
}
