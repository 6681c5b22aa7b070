/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The model's turns: audio in through the VAD and its settings, real
 * speech out with the transcription in step (packed on 3.1, split on
 * 2.5), usage, text mode, barge-in and manual activity, and vp-speech. */

#include "config.h"

#include "emu-test-client.h"

#include <glib/gstdio.h>

#include <math.h>
#include <string.h>

static void
check_usage (Frame * tc, gsize audio_in_bytes, guint in_rate,
    gsize audio_out_bytes)
{
  const VpUsageMetadata *u = &tc->msg->usage;
  gint64 in_tokens = llround (32.0 * audio_in_bytes / 2 / in_rate);
  gint64 out_tokens = llround (25.0 * audio_out_bytes / 2 / 24000);

  g_assert_true (tc->msg->has_usage);
  g_assert_cmpint (u->prompt_audio_tokens, >=, in_tokens - 1);
  g_assert_cmpint (u->prompt_audio_tokens, <=, in_tokens + 1);
  g_assert_cmpint (u->response_audio_tokens, >=, out_tokens - 1);
  g_assert_cmpint (u->response_audio_tokens, <=, out_tokens + 1);
  g_assert_cmpint (u->prompt_tokens, >=, u->prompt_audio_tokens);
  g_assert_cmpint (u->response_tokens, >=, u->response_audio_tokens);
  g_assert_cmpint (u->total_tokens, ==, u->prompt_tokens + u->response_tokens);
}

static void
run_audio_turn (const gchar * model, gboolean packed)
{
  static const gchar say[] =
      "Good evening, this is the emulator speaking to you.";
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_ready (emu, model, NULL);
  GBytes *in = speech ("Hello, I would like a table for four please.", 16000);
  GBytes *expected = speech (say, 24000);
  GByteArray *audio;
  gchar *said;
  gsize sent;
  gint it, gc, tc, first_audio, i;
  gboolean saw_packed = FALSE, saw_split = FALSE;

  sent = send_audio (c, in, 1000);

  it = client_wait (c, is_input_transcription, STEP_MS);
  g_assert_cmpint (it, >=, 0);
  g_assert_cmpstr (frame_at (c, it)->msg->input_transcription, ==,
      "Hello there.");
  first_audio = client_wait (c, has_audio, STEP_MS);
  g_assert_cmpint (first_audio, >, it);
  gc = client_wait (c, is_generation_complete, STEP_MS);
  g_assert_cmpint (gc, >, first_audio);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >, gc);

  /* Real speech at 24 kHz: exactly espeak-ng's rendering of the reply. */
  audio = output_audio (c, first_audio, gc);
  g_assert_cmpuint (audio->len, ==, g_bytes_get_size (expected));
  g_assert_cmpmem (audio->data, audio->len, g_bytes_get_data (expected,
          NULL), g_bytes_get_size (expected));
  g_assert_cmpfloat (rms (audio->data, audio->len), >, 500.0);
  g_byte_array_unref (audio);
  audio = output_audio (c, gc, c->frames->len);
  g_assert_cmpuint (audio->len, ==, 0);
  g_byte_array_unref (audio);
  audio = output_audio (c, first_audio, gc);

  /* The transcription, in step with the audio, adds up to the reply. */
  said = output_text (c, first_audio, gc);
  g_assert_cmpstr (said, ==, say);
  for (i = first_audio; i < gc; i++) {
    Frame *f = frame_at (c, i);

    if (has_audio (f) && f->msg->output_transcription)
      saw_packed = TRUE;
    if (!has_audio (f) && f->msg && f->msg->output_transcription)
      saw_split = TRUE;
  }
  g_assert_true (packed ? saw_packed && !saw_split : saw_split && !saw_packed);

  check_usage (frame_at (c, tc), sent, 16000, audio->len);

  g_byte_array_unref (audio);
  g_free (said);
  g_bytes_unref (in);
  g_bytes_unref (expected);
  client_free (c);
  emulator_free (emu);
}

static void
test_audio_turn_31 (void)
{
  run_audio_turn (MODEL_31, TRUE);
}

static void
test_audio_turn_25 (void)
{
  run_audio_turn (MODEL_25, FALSE);
}

static void
test_audio_stream_end (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_ready (emu, MODEL_31, NULL);
  GBytes *in = speech ("Hello there.", 16000);

  /* No trailing silence: audioStreamEnd ends the segment at once. */
  send_audio (c, in, 0);
  pump (300);
  g_assert_cmpint (client_wait (c, is_input_transcription, 0), <, 0);
  client_send_take (c, vp_protocol_build_audio_stream_end ());
  g_assert_cmpint (client_wait (c, is_input_transcription, STEP_MS), >=, 0);
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >=, 0);

  g_bytes_unref (in);
  client_free (c);
  emulator_free (emu);
}

static void
test_text_mode (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_open (emu, NULL);
  gint tc, i;
  gboolean text = FALSE;

  client_send (c, "{\"setup\":{\"model\":\"models/gemini-2.0-flash-live-001\","
      "\"generationConfig\":{\"responseModalities\":[\"TEXT\"]}}}");
  g_assert_cmpint (client_wait (c, is_setup_complete, STEP_MS), >=, 0);
  send_text (c, "Tell me a long story.");
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (tc, >=, 0);
  for (i = 0; i < tc; i++) {
    Frame *f = frame_at (c, i);

    g_assert_false (has_audio (f));
    if (f->msg && f->msg->text && g_str_has_prefix (f->msg->text, "Once"))
      text = TRUE;
  }
  g_assert_true (text);
  g_assert_cmpint (frame_at (c, tc)->msg->usage.response_text_tokens, >, 0);

  client_free (c);
  emulator_free (emu);
}

static void
check_interrupted_turn (Client * c, gint ii, gint tc)
{
  guint i;

  g_assert_cmpint (ii, >=, 0);
  g_assert_cmpint (tc, >, ii);
  for (i = 0; i < c->frames->len; i++)
    g_assert_false (is_generation_complete (frame_at (c, i)));
  /* Nothing of the old turn after interrupted. */
  for (i = ii + 1; i < c->frames->len; i++) {
    Frame *f = frame_at (c, i);

    g_assert_false (has_audio (f));
    g_assert_null (f->msg ? f->msg->output_transcription : NULL);
  }
}

static void
test_barge_in_speech (void)
{
  VpEmulator *emu = emulator_start ("speech-rate", 1.0, NULL);
  Client *c = client_ready (emu, MODEL_31, NULL);
  GBytes *in = speech ("Stop, stop, please stop talking now.", 16000);
  gint ii, tc;

  send_text (c, "Tell me a long story.");
  g_assert_cmpint (client_wait (c, has_audio, STEP_MS), >=, 0);
  send_audio (c, in, 0);
  ii = client_wait (c, is_interrupted, STEP_MS);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  /* The paced reply keeps going for seconds if not interrupted. */
  pump (500);
  check_interrupted_turn (c, ii, tc);
  g_assert_true (frame_at (c, tc)->msg->has_usage);

  g_bytes_unref (in);
  client_free (c);
  emulator_free (emu);
}

static void
test_no_interruption (void)
{
  VpEmulator *emu = emulator_start ("speech-rate", 5.0, NULL);
  Client *c = client_ready (emu, MODEL_31,
      "\"realtimeInputConfig\":{\"activityHandling\":\"NO_INTERRUPTION\"}");
  GBytes *in = speech ("Hello there.", 16000);
  gint gc, tc, it;

  send_text (c, "Tell me a long story.");
  g_assert_cmpint (client_wait (c, has_audio, STEP_MS), >=, 0);
  send_audio (c, in, 800);
  /* The story finishes, then the user's turn is answered. */
  gc = client_wait (c, is_generation_complete, STEP_MS);
  tc = client_wait (c, is_turn_complete, STEP_MS);
  g_assert_cmpint (gc, >=, 0);
  g_assert_cmpint (tc, >, gc);
  c->next = 0;
  g_assert_cmpint (client_wait (c, is_interrupted, 0), <, 0);
  c->next = tc + 1;
  /* (the fallback: the in-order turns are behind the story's cursor) */
  it = client_wait (c, has_audio, STEP_MS);
  g_assert_cmpint (it, >, tc);
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >, it);

  g_bytes_unref (in);
  client_free (c);
  emulator_free (emu);
}

static void
test_manual_activity (void)
{
  VpEmulator *emu = emulator_start (NULL);
  Client *c = client_ready (emu, MODEL_31,
      "\"realtimeInputConfig\":{\"automaticActivityDetection\":"
      "{\"disabled\":true}}");
  GBytes *in = speech ("Hello there.", 16000);

  /* Speech and silence without activity signals: no turn. */
  send_audio (c, in, 1000);
  pump (600);
  g_assert_cmpuint (c->frames->len, ==, 1);

  client_send_take (c, vp_protocol_build_activity_start ());
  send_audio (c, in, 0);
  pump (200);
  g_assert_cmpuint (c->frames->len, ==, 1);
  client_send_take (c, vp_protocol_build_activity_end ());
  g_assert_cmpint (client_wait (c, is_input_transcription, STEP_MS), >=, 0);
  g_assert_cmpint (client_wait (c, has_audio, STEP_MS), >=, 0);
  g_assert_cmpint (client_wait (c, is_turn_complete, STEP_MS), >=, 0);

  g_bytes_unref (in);
  client_free (c);
  emulator_free (emu);
}

/* Speech scaled to @gain (1/10 of espeak-ng's level is about -41 dBFS). */
static GBytes *
quiet_speech (const gchar * text, gdouble gain)
{
  GBytes *pcm = speech (text, 16000);
  gsize n, i;
  const gint16 *in = g_bytes_get_data (pcm, &n);
  gint16 *out = g_new (gint16, n / 2);

  for (i = 0; i < n / 2; i++)
    out[i] = (gint16) (in[i] * gain);
  g_bytes_unref (pcm);

  return g_bytes_new_take (out, n / 2 * 2);
}

static void
test_vad_settings (void)
{
  VpEmulator *emu = emulator_start ("latency-ms", 0, NULL);
  GBytes *quiet = quiet_speech ("Hello there, how are you?", 0.1);
  GBytes *loud = speech ("Hello there, how are you?", 16000);
  Client *c;

  /* Quiet speech starts a turn at the default (high) start sensitivity… */
  c = client_ready (emu, MODEL_31, NULL);
  send_audio (c, quiet, 800);
  g_assert_cmpint (client_wait (c, is_input_transcription, STEP_MS), >=, 0);
  client_free (c);

  /* …but not at START_SENSITIVITY_LOW. */
  c = client_ready (emu, MODEL_31, "\"realtimeInputConfig\":"
      "{\"automaticActivityDetection\":"
      "{\"startOfSpeechSensitivity\":\"START_SENSITIVITY_LOW\"}}");
  send_audio (c, quiet, 800);
  pump (500);
  g_assert_cmpint (client_wait (c, is_input_transcription, 0), <, 0);
  client_free (c);

  /* silenceDurationMs: 1 s of silence is not enough for 2000 ms. */
  c = client_ready (emu, MODEL_31, "\"realtimeInputConfig\":"
      "{\"automaticActivityDetection\":{\"silenceDurationMs\":2000}}");
  send_audio (c, loud, 1000);
  pump (500);
  g_assert_cmpint (client_wait (c, is_input_transcription, 0), <, 0);
  send_audio (c, NULL, 1200);
  g_assert_cmpint (client_wait (c, is_input_transcription, STEP_MS), >=, 0);
  client_free (c);

  /* prefixPaddingMs: speech shorter than the padding never starts a turn. */
  c = client_ready (emu, MODEL_31, "\"realtimeInputConfig\":"
      "{\"automaticActivityDetection\":{\"prefixPaddingMs\":5000}}");
  send_audio (c, loud, 1000);
  pump (500);
  g_assert_cmpint (client_wait (c, is_input_transcription, 0), <, 0);
  client_free (c);

  g_bytes_unref (quiet);
  g_bytes_unref (loud);
  emulator_free (emu);
}

static void
test_speech (void)
{
  GError *error = NULL;
  GBytes *a = speech ("The quick brown fox.", 16000);
  GBytes *b = speech ("The quick brown fox.", 48000);
  GBytes *c = speech ("The quick brown fox.", 16000);
  gchar *path, *contents;
  gsize len;
  gdouble ratio;

  /* Same duration at every rate. */
  ratio = (gdouble) g_bytes_get_size (b) / g_bytes_get_size (a);
  g_assert_cmpfloat (fabs (ratio - 3.0), <, 0.01);
  g_assert_true (g_bytes_equal (a, c));
  g_assert_cmpfloat (rms (g_bytes_get_data (b, NULL), g_bytes_get_size (b)),
      >, 500.0);

  g_assert_null (vp_speech_synthesize ("x", "no-such-voice", 16000, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (vp_speech_synthesize ("x", NULL, 100, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  path = g_build_filename (g_get_tmp_dir (), "vp-test-speech.wav", NULL);
  g_assert_true (vp_speech_write_wav (path, a, 16000, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, ==, 44 + g_bytes_get_size (a));
  g_assert_cmpmem (contents, 4, "RIFF", 4);
  g_assert_cmpmem (contents + 8, 8, "WAVEfmt ", 8);
  g_assert_cmpuint (GUINT32_FROM_LE (*(guint32 *) (contents + 24)), ==, 16000);
  g_assert_cmpmem (contents + 44, len - 44, g_bytes_get_data (a, NULL),
      g_bytes_get_size (a));
  g_unlink (path);
  g_free (contents);
  g_free (path);

  g_bytes_unref (a);
  g_bytes_unref (b);
  g_bytes_unref (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/emulator/turn/audio-3.1", test_audio_turn_31);
  g_test_add_func ("/emulator/turn/audio-2.5", test_audio_turn_25);
  g_test_add_func ("/emulator/turn/audio-stream-end", test_audio_stream_end);
  g_test_add_func ("/emulator/turn/text-mode", test_text_mode);
  g_test_add_func ("/emulator/barge-in/speech", test_barge_in_speech);
  g_test_add_func ("/emulator/barge-in/no-interruption", test_no_interruption);
  g_test_add_func ("/emulator/barge-in/manual-activity", test_manual_activity);
  g_test_add_func ("/emulator/vad/settings", test_vad_settings);
  g_test_add_func ("/emulator/speech", test_speech);

  return g_test_run ();
}
