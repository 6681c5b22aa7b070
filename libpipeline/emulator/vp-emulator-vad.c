/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator's energy VAD; see vp-emulator-vad.h. */

#include "config.h"

#include "vp-emulator-vad.h"

#include <math.h>
#include <string.h>

#define FRAME_MS 10
#define SILENCE_DB (-120.0)

struct _VpEmulatorVad
{
  gdouble start_db;             /* a frame at or above this is speech */
  gdouble end_db;               /* a frame below this is silence */
  gdouble prefix_ms;
  gdouble silence_ms;

  /* the frame being filled */
  guint rate;
  guint frame_len;
  guint frame_fill;
  gdouble frame_sum;

  gdouble position_ms;
  gboolean in_speech;
  gdouble speech_run_ms;
  gdouble silence_run_ms;
  gdouble last_db;
};

static gboolean
has_suffix_ci (const gchar * value, const gchar * suffix)
{
  gsize lv, ls;

  if (value == NULL)
    return FALSE;
  lv = strlen (value);
  ls = strlen (suffix);
  return lv >= ls && g_ascii_strcasecmp (value + lv - ls, suffix) == 0;
}

VpEmulatorVad *
vp_emulator_vad_new (const gchar * start_sensitivity,
    const gchar * end_sensitivity, gint prefix_padding_ms,
    gint silence_duration_ms)
{
  VpEmulatorVad *vad = g_new0 (VpEmulatorVad, 1);

  vad->start_db = has_suffix_ci (start_sensitivity, "_LOW") ?
      VP_EMULATOR_VAD_START_LOW_DB : VP_EMULATOR_VAD_START_HIGH_DB;
  vad->end_db = vad->start_db;
  if (!has_suffix_ci (end_sensitivity, "_LOW"))
    vad->end_db += VP_EMULATOR_VAD_END_HIGH_OFFSET_DB;

  vad->prefix_ms = prefix_padding_ms >= 0 ? prefix_padding_ms :
      VP_EMULATOR_VAD_DEFAULT_PREFIX_MS;
  vad->silence_ms = silence_duration_ms >= 0 ? silence_duration_ms :
      VP_EMULATOR_VAD_DEFAULT_SILENCE_MS;
  /* An edge needs at least one frame of evidence. */
  vad->prefix_ms = MAX (vad->prefix_ms, FRAME_MS);
  vad->silence_ms = MAX (vad->silence_ms, FRAME_MS);
  vad->last_db = SILENCE_DB;

  return vad;
}

void
vp_emulator_vad_free (VpEmulatorVad * vad)
{
  g_free (vad);
}

static gdouble
to_db (gdouble mean_square)
{
  if (mean_square <= 0.0)
    return SILENCE_DB;
  return MAX (SILENCE_DB, 10.0 * log10 (mean_square / (32768.0 * 32768.0)));
}

gdouble
vp_emulator_level_db (const guint8 * pcm, gsize n_bytes)
{
  gsize i, n = n_bytes / 2;
  gdouble sum = 0.0;

  if (n == 0)
    return SILENCE_DB;

  for (i = 0; i < n; i++) {
    gint16 s = (gint16) (pcm[2 * i] | (pcm[2 * i + 1] << 8));
    sum += (gdouble) s *s;
  }

  return to_db (sum / n);
}

static void
end_frame (VpEmulatorVad * vad, VpEmulatorVadFunc func, gpointer user_data)
{
  gdouble frame_ms = 1000.0 * vad->frame_fill / vad->rate;
  gdouble db = to_db (vad->frame_sum / vad->frame_fill);

  vad->last_db = db;
  vad->position_ms += frame_ms;
  vad->frame_fill = 0;
  vad->frame_sum = 0.0;

  if (!vad->in_speech) {
    if (db >= vad->start_db) {
      vad->speech_run_ms += frame_ms;
      if (vad->speech_run_ms >= vad->prefix_ms - 0.001) {
        vad->in_speech = TRUE;
        vad->silence_run_ms = 0.0;
        func (VP_EMULATOR_VAD_START, vad->position_ms, user_data);
      }
    } else {
      vad->speech_run_ms = 0.0;
    }
  } else {
    if (db < vad->end_db) {
      vad->silence_run_ms += frame_ms;
      if (vad->silence_run_ms >= vad->silence_ms - 0.001) {
        vad->in_speech = FALSE;
        vad->speech_run_ms = 0.0;
        func (VP_EMULATOR_VAD_END, vad->position_ms, user_data);
      }
    } else {
      vad->silence_run_ms = 0.0;
    }
  }
}

void
vp_emulator_vad_process (VpEmulatorVad * vad, const guint8 * pcm,
    gsize n_bytes, guint rate, VpEmulatorVadFunc func, gpointer user_data)
{
  gsize i, n = n_bytes / 2;

  g_return_if_fail (vad != NULL);
  g_return_if_fail (func != NULL);

  if (rate < 1000 || rate > 192000)
    rate = 16000;

  if (rate != vad->rate) {
    /* A new rate starts a new frame. */
    vad->rate = rate;
    vad->frame_len = MAX (1, rate * FRAME_MS / 1000);
    vad->frame_fill = 0;
    vad->frame_sum = 0.0;
  }

  for (i = 0; i < n; i++) {
    gint16 s = (gint16) (pcm[2 * i] | (pcm[2 * i + 1] << 8));

    vad->frame_sum += (gdouble) s *s;
    if (++vad->frame_fill == vad->frame_len)
      end_frame (vad, func, user_data);
  }
}

gboolean
vp_emulator_vad_flush (VpEmulatorVad * vad)
{
  gboolean was = vad->in_speech;

  vad->in_speech = FALSE;
  vad->speech_run_ms = 0.0;
  vad->silence_run_ms = 0.0;
  vad->frame_fill = 0;
  vad->frame_sum = 0.0;

  return was;
}

gboolean
vp_emulator_vad_in_speech (VpEmulatorVad * vad)
{
  return vad->in_speech;
}

gdouble
vp_emulator_vad_last_level (VpEmulatorVad * vad)
{
  return vad->last_db;
}

gdouble
vp_emulator_vad_threshold_db (VpEmulatorVad * vad)
{
  return vad->start_db;
}
