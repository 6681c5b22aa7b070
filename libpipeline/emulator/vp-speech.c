/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Real speech for the emulator and for test fixtures.  espeak-ng renders
 * the text at its native rate (22050 Hz) through its synchronous callback
 * API; GStreamer's GstAudioResampler brings it to the asked rate.
 *
 * espeak-ng keeps global state and is not thread-safe, so every call into
 * it happens under one global mutex, and it is initialised once.  Results
 * are cached per (text, voice, rate) in a small bounded cache, because the
 * emulator says the same sentences again and again. */

#include "config.h"

#include "vp-speech.h"

#include <string.h>

#include <gio/gio.h>
#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <gst/gst.h>
#include <gst/audio/audio.h>

#define DEFAULT_VOICE "en-us"

/* The cache keeps at most this many renderings and this many bytes; the
 * oldest entries go first. */
#define CACHE_MAX_ENTRIES 128
#define CACHE_MAX_BYTES (32 * 1024 * 1024)

/* Refuse absurd inputs rather than rendering minutes of audio. */
#define MAX_TEXT_LENGTH (16 * 1024)

static GMutex speech_lock;

/* All under speech_lock. */
static gboolean espeak_initialised;
static gchar *espeak_init_error;
static gint espeak_rate;
static gchar *current_voice;
static GHashTable *cache;       /* key → GBytes */
static GQueue cache_order = G_QUEUE_INIT;       /* keys, oldest first */
static gsize cache_bytes;

static gboolean
ensure_espeak_locked (GError ** error)
{
  espeak_ng_ERROR_CONTEXT context = NULL;
  espeak_ng_STATUS status;
  gchar message[512];

  if (espeak_initialised) {
    if (espeak_init_error != NULL) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
          espeak_init_error);
      return FALSE;
    }
    return TRUE;
  }

  espeak_initialised = TRUE;

  espeak_ng_InitializePath (NULL);
  status = espeak_ng_Initialize (&context);
  if (status == ENS_OK)
    status = espeak_ng_InitializeOutput (ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL);
  espeak_ng_ClearErrorContext (&context);

  if (status != ENS_OK) {
    espeak_ng_GetStatusCodeMessage (status, message, sizeof (message));
    espeak_init_error = g_strdup_printf ("espeak-ng could not start: %s. "
        "Install the espeak-ng-data package (apt-get install espeak-ng).",
        message);
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
        espeak_init_error);
    return FALSE;
  }

  espeak_rate = espeak_ng_GetSampleRate ();
  g_debug ("speech: espeak-ng ready at %d Hz", espeak_rate);

  return TRUE;
}

static int
synth_callback (short *wav, int n_samples, espeak_EVENT * events)
{
  GByteArray *out;

  if (events == NULL || wav == NULL || n_samples <= 0)
    return 0;

  out = events[0].user_data;
  if (out != NULL)
    g_byte_array_append (out, (const guint8 *) wav,
        (guint) n_samples * sizeof (gint16));

  return 0;
}

static GBytes *
render_locked (const gchar * text, const gchar * voice, GError ** error)
{
  espeak_ng_STATUS status;
  GByteArray *out;
  gchar message[512];

  if (g_strcmp0 (current_voice, voice) != 0) {
    status = espeak_ng_SetVoiceByName (voice);
    if (status != ENS_OK) {
      espeak_ng_GetStatusCodeMessage (status, message, sizeof (message));
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
          "espeak-ng has no voice \"%s\" (%s). List the voices with "
          "`espeak-ng --voices` and use one of their names, such as "
          "\"en-us\".", voice, message);
      return NULL;
    }
    g_free (current_voice);
    current_voice = g_strdup (voice);
  }

  espeak_SetSynthCallback (synth_callback);

  out = g_byte_array_new ();
  status = espeak_ng_Synthesize (text, strlen (text) + 1, 0, POS_CHARACTER,
      0, espeakCHARS_UTF8, NULL, out);
  if (status == ENS_OK)
    status = espeak_ng_Synchronize ();

  if (status != ENS_OK) {
    espeak_ng_GetStatusCodeMessage (status, message, sizeof (message));
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "espeak-ng could not render the text: %s", message);
    g_byte_array_unref (out);
    return NULL;
  }

  return g_byte_array_free_to_bytes (out);
}

static gboolean
ensure_gst (GError ** error)
{
  static gsize once = 0;
  static gboolean ok = FALSE;

  if (g_once_init_enter (&once)) {
    GError *err = NULL;

    ok = gst_is_initialized () || gst_init_check (NULL, NULL, &err);
    if (!ok) {
      g_warning ("speech: GStreamer did not initialise: %s",
          err ? err->message : "unknown error");
      g_clear_error (&err);
    }
    g_once_init_leave (&once, 1);
  }

  if (!ok)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
        "GStreamer could not be initialised, so speech cannot be "
        "resampled. Check the GStreamer installation (gst-inspect-1.0).");

  return ok;
}

/* Brings S16 mono @pcm from @in_rate to @out_rate with GstAudioResampler.
 * The resampler delays its output by its filter latency, so the input is
 * padded with that many zero frames and the output cut to the exact
 * length. */
static GBytes *
resample (GBytes * pcm, guint in_rate, guint out_rate)
{
  GstStructure *options;
  GstAudioResampler *resampler;
  const gint16 *in_samples;
  gsize in_size, n_in, latency, n_padded, n_out, n_expected;
  gint16 *padded, *out;
  gpointer in_planes[1], out_planes[1];

  in_samples = g_bytes_get_data (pcm, &in_size);
  n_in = in_size / sizeof (gint16);

  options = gst_structure_new_empty ("GstAudioResampler.options");
  gst_audio_resampler_options_set_quality
      (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      GST_AUDIO_RESAMPLER_QUALITY_DEFAULT, in_rate, out_rate, options);
  resampler = gst_audio_resampler_new (GST_AUDIO_RESAMPLER_METHOD_KAISER,
      GST_AUDIO_RESAMPLER_FLAG_NONE, GST_AUDIO_FORMAT_S16, 1, in_rate,
      out_rate, options);
  gst_structure_free (options);

  if (resampler == NULL)
    return NULL;

  latency = gst_audio_resampler_get_max_latency (resampler);
  n_padded = n_in + latency;
  padded = g_new0 (gint16, n_padded);
  if (n_in > 0)
    memcpy (padded, in_samples, n_in * sizeof (gint16));

  n_out = gst_audio_resampler_get_out_frames (resampler, n_padded);
  out = g_new0 (gint16, MAX (n_out, 1));

  in_planes[0] = padded;
  out_planes[0] = out;
  gst_audio_resampler_resample (resampler, in_planes, n_padded, out_planes,
      n_out);
  gst_audio_resampler_free (resampler);
  g_free (padded);

  n_expected = (gsize) (((guint64) n_in * out_rate + in_rate - 1) / in_rate);
  n_out = MIN (n_out, n_expected);

  return g_bytes_new_take (out, n_out * sizeof (gint16));
}

static gchar *
cache_key (const gchar * text, const gchar * voice, guint rate)
{
  return g_strdup_printf ("%s\x1f%u\x1f%s", voice, rate, text);
}

static void
cache_insert_locked (gchar * key, GBytes * pcm)
{
  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
        (GDestroyNotify) g_bytes_unref);

  if (g_bytes_get_size (pcm) > CACHE_MAX_BYTES / 4) {
    g_free (key);
    return;
  }

  while (cache_order.length > 0
      && (cache_order.length >= CACHE_MAX_ENTRIES
          || cache_bytes + g_bytes_get_size (pcm) > CACHE_MAX_BYTES)) {
    gchar *old = g_queue_pop_head (&cache_order);
    GBytes *old_pcm = g_hash_table_lookup (cache, old);

    if (old_pcm != NULL)
      cache_bytes -= g_bytes_get_size (old_pcm);
    g_hash_table_remove (cache, old);
  }

  g_queue_push_tail (&cache_order, key);
  cache_bytes += g_bytes_get_size (pcm);
  g_hash_table_insert (cache, key, g_bytes_ref (pcm));
}

GBytes *
vp_speech_synthesize (const gchar * text, const gchar * voice, guint rate,
    GError ** error)
{
  GBytes *native, *pcm = NULL;
  gchar *key;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (voice == NULL || *voice == '\0')
    voice = DEFAULT_VOICE;

  if (rate < 8000 || rate > 48000) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Speech rate %u Hz is out of range; use 8000 to 48000 Hz.", rate);
    return NULL;
  }
  if (!g_utf8_validate (text, -1, NULL)) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "The text to speak is not valid UTF-8.");
    return NULL;
  }
  if (strlen (text) > MAX_TEXT_LENGTH) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "The text to speak is longer than %d bytes; split it.",
        MAX_TEXT_LENGTH);
    return NULL;
  }

  key = cache_key (text, voice, rate);

  g_mutex_lock (&speech_lock);

  if (cache != NULL && (pcm = g_hash_table_lookup (cache, key)) != NULL) {
    pcm = g_bytes_ref (pcm);
    g_mutex_unlock (&speech_lock);
    g_free (key);
    return pcm;
  }

  if (!ensure_espeak_locked (error)) {
    g_mutex_unlock (&speech_lock);
    g_free (key);
    return NULL;
  }

  native = render_locked (text, voice, error);
  if (native == NULL) {
    g_mutex_unlock (&speech_lock);
    g_free (key);
    return NULL;
  }

  if ((guint) espeak_rate == rate) {
    pcm = g_bytes_ref (native);
  } else if (ensure_gst (error)) {
    pcm = resample (native, espeak_rate, rate);
    if (pcm == NULL)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
          "GStreamer's audio resampler refused %d Hz → %u Hz.", espeak_rate,
          rate);
  }
  g_bytes_unref (native);

#if G_BYTE_ORDER == G_BIG_ENDIAN
  if (pcm != NULL) {
    gsize i, n;
    gint16 *swapped = g_bytes_unref_to_data (pcm, &n);

    for (i = 0; i < n / 2; i++)
      swapped[i] = GINT16_TO_LE (swapped[i]);
    pcm = g_bytes_new_take (swapped, n);
  }
#endif

  if (pcm != NULL)
    cache_insert_locked (key, pcm);
  else
    g_free (key);

  g_mutex_unlock (&speech_lock);

  return pcm;
}

static void
put_le32 (guint8 * p, guint32 v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

static void
put_le16 (guint8 * p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
}

gboolean
vp_speech_write_wav (const gchar * path, GBytes * pcm, guint rate,
    GError ** error)
{
  guint8 header[44];
  const guint8 *data;
  gsize size;
  guint8 *contents;
  gboolean ok;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (pcm != NULL, FALSE);
  g_return_val_if_fail (rate > 0, FALSE);

  data = g_bytes_get_data (pcm, &size);
  size -= size % 2;
  if (size > G_MAXUINT32 - 36) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "%" G_GSIZE_FORMAT " bytes of audio do not fit in a WAV file.", size);
    return FALSE;
  }

  memcpy (header, "RIFF", 4);
  put_le32 (header + 4, 36 + (guint32) size);
  memcpy (header + 8, "WAVE", 4);
  memcpy (header + 12, "fmt ", 4);
  put_le32 (header + 16, 16);   /* fmt chunk size */
  put_le16 (header + 20, 1);    /* PCM */
  put_le16 (header + 22, 1);    /* mono */
  put_le32 (header + 24, rate);
  put_le32 (header + 28, rate * 2);     /* byte rate */
  put_le16 (header + 32, 2);    /* block align */
  put_le16 (header + 34, 16);   /* bits per sample */
  memcpy (header + 36, "data", 4);
  put_le32 (header + 40, (guint32) size);

  contents = g_malloc (sizeof (header) + size);
  memcpy (contents, header, sizeof (header));
  if (size > 0)
    memcpy (contents + sizeof (header), data, size);

  ok = g_file_set_contents (path, (const gchar *) contents,
      sizeof (header) + size, error);
  g_free (contents);

  return ok;
}
