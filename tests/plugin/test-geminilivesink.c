/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* geminilivesink in a GstHarness (on its test clock) against a private
 * emulator: caps, the properties of DESIGN.md §3, audio reaching the
 * service (checked in the emulator's record), EOS as audioStreamEnd,
 * video throttled to 1 fps, client and manual VAD, the API key from the
 * environment, and state changes that never wait for the network. */

#include "config.h"

#include "vpt-common.h"

#include <gst/audio/audio.h>
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#define SR 16000

static GstElement *
new_sink (VpEmulator * emulator, const gchar * session)
{
  GstElement *sink = gst_element_factory_make ("geminilivesink", NULL);

  fail_unless (sink != NULL, "geminilivesink not found: is "
      "GST_PLUGIN_PATH_1_0 set to the build's gst-plugins directory?");
  if (emulator != NULL)
    vpt_configure_session (sink, emulator, session);
  /* The harness drives it: no preroll wait, no clock wait. */
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  return sink;
}

/* @ms of a 440 Hz tone at @rate, timestamped from @offset_ms. */
static GstBuffer *
tone (guint rate, guint offset_ms, guint ms, gint16 amplitude)
{
  gsize n = rate * ms / 1000, i;
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, n * 2, NULL);
  GstMapInfo map;
  gint16 *s;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  s = (gint16 *) map.data;
  for (i = 0; i < n; i++)
    s[i] = amplitude * sin (2 * G_PI * 440 * (i + rate * offset_ms / 1000.0)
        / rate);
  gst_buffer_unmap (buffer, &map);
  GST_BUFFER_PTS (buffer) = offset_ms * GST_MSECOND;
  GST_BUFFER_DURATION (buffer) = ms * GST_MSECOND;
  return buffer;
}

static gchar *
audio_caps (guint rate)
{
  return g_strdup_printf ("audio/x-raw, format=S16LE, layout=interleaved, "
      "channels=1, rate=%u", rate);
}

GST_START_TEST (test_caps)
{
  GstElement *sink = new_sink (NULL, NULL);
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  const struct
  {
    const gchar *caps;
    gboolean ok;
  } cases[] = {
    {"audio/x-raw, format=S16LE, layout=interleaved, channels=1, "
          "rate=16000", TRUE},
    {"audio/x-raw, format=S16LE, layout=interleaved, channels=1, "
          "rate=8000", TRUE},
    {"audio/x-raw, format=S16LE, layout=interleaved, channels=1, "
          "rate=44100", TRUE},
    {"audio/x-raw, format=S16LE, layout=interleaved, channels=1, "
          "rate=48000", TRUE},
    {"audio/x-raw, format=S16LE, layout=interleaved, channels=1, "
          "rate=96000", FALSE},
    {"audio/x-raw, format=S16LE, layout=interleaved, channels=2, "
          "rate=16000", FALSE},
    {"audio/x-raw, format=S16BE, layout=interleaved, channels=1, "
          "rate=16000", FALSE},
    {"audio/x-raw, format=F32LE, layout=interleaved, channels=1, "
          "rate=16000", FALSE},
    {"image/jpeg", FALSE},
  };
  GstCaps *caps, *templ;
  GstStructure *s;
  gint rate;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    caps = gst_caps_from_string (cases[i].caps);
    fail_unless_equals_int (gst_pad_query_accept_caps (pad, caps), cases[i].ok);
    gst_caps_unref (caps);
  }

  /* 16 kHz is preferred: what audioresample picks by default. */
  templ = gst_pad_query_caps (pad, NULL);
  caps = gst_caps_fixate (templ);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_get_int (s, "rate", &rate));
  fail_unless_equals_int (rate, 16000);
  gst_caps_unref (caps);

  /* JPEG frames go to the video request pad. */
  fail_unless (gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS
          (sink), "video") != NULL);

  gst_object_unref (pad);
  gst_object_unref (sink);
}

GST_END_TEST;

/* Every property of DESIGN.md §3 exists with its range and default, and
 * gst-inspect can document it (a nick and a blurb). */
GST_START_TEST (test_properties)
{
  const gchar *elements[] = { "geminilivesink", "geminilive" };
  const gchar *config[] = { "session", "api-key", "endpoint", "model",
    "voice", "language-code", "system-instruction", "system-instruction-file",
    "tools-file", "temperature", "thinking-level", "vad",
    "start-sensitivity", "end-sensitivity", "prefix-padding-ms",
    "silence-duration-ms", "activity-handling", "input-transcription",
    "output-transcription", "session-resumption", "resume-handle",
    "context-compression", "trigger-tokens", "target-tokens", "reconnect",
    "idle-timeout", "scenario", "last-latency", "cost", "input-tokens",
    "output-tokens"
  };
  guint e, i;

  for (e = 0; e < G_N_ELEMENTS (elements); e++) {
    GstElement *element = gst_element_factory_make (elements[e], NULL);
    GObjectClass *klass = G_OBJECT_GET_CLASS (element);
    GParamSpec *pspec;
    gchar *string;
    gdouble d;

    for (i = 0; i < G_N_ELEMENTS (config); i++) {
      pspec = g_object_class_find_property (klass, config[i]);
      fail_unless (pspec != NULL, "%s has no property %s", elements[e],
          config[i]);
      fail_unless (g_param_spec_get_blurb (pspec) != NULL
          && strlen (g_param_spec_get_blurb (pspec)) > 10,
          "%s:%s has no description", elements[e], config[i]);
    }

    /* The key is write-only: never read back. */
    pspec = g_object_class_find_property (klass, "api-key");
    fail_unless (pspec->flags & G_PARAM_WRITABLE);
    fail_if (pspec->flags & G_PARAM_READABLE);

    g_object_get (element, "model", &string, NULL);
    fail_unless_equals_string (string, "gemini-3.8-live");
    g_free (string);
    g_object_get (element, "endpoint", &string, NULL);
    fail_unless_equals_string (string,
        "wss://generativelanguage.googleapis.com");
    g_free (string);
    g_object_get (element, "temperature", &d, NULL);
    fail_unless_equals_float (d, -1.0);
    pspec = g_object_class_find_property (klass, "temperature");
    fail_unless_equals_float (G_PARAM_SPEC_DOUBLE (pspec)->maximum, 2.0);
    pspec = g_object_class_find_property (klass, "idle-timeout");
    fail_unless_equals_int (G_PARAM_SPEC_UINT (pspec)->maximum, 3600);
    fail_unless (pspec->flags & GST_PARAM_MUTABLE_PLAYING);
    pspec = g_object_class_find_property (klass, "vad");
    fail_unless_equals_string (g_enum_get_value (G_PARAM_SPEC_ENUM
            (pspec)->enum_class,
            G_PARAM_SPEC_ENUM (pspec)->default_value)->value_nick, "server");
    pspec = g_object_class_find_property (klass, "endpoint");
    fail_unless (pspec->flags & GST_PARAM_MUTABLE_READY);
    gst_object_unref (element);
  }

  /* The src: the session name and playback properties. */
  {
    GstElement *src = gst_element_factory_make ("geminilivesrc", NULL);
    GObjectClass *klass = G_OBJECT_GET_CLASS (src);
    GParamSpec *pspec;

    fail_unless (g_object_class_find_property (klass, "session") != NULL);
    pspec = g_object_class_find_property (klass, "period-ms");
    fail_unless_equals_int (G_PARAM_SPEC_UINT (pspec)->default_value, 20);
    pspec = g_object_class_find_property (klass, "num-turns");
    fail_unless_equals_int (G_PARAM_SPEC_UINT (pspec)->default_value, 0);
    gst_object_unref (src);
  }
}

GST_END_TEST;

/* The user's audio reaches the service, every byte once, at its rate. */
static void
check_audio_reaches (guint rate)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, NULL);
  GstElement *sink = new_sink (emulator, "audio");
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  g_autofree gchar *caps = audio_caps (rate);
  g_autofree gchar *mime = NULL;
  g_autofree gchar *expected = g_strdup_printf ("audio/pcm;rate=%u", rate);
  guint i;

  gst_harness_set_src_caps_str (h, caps);
  gst_harness_play (h);
  for (i = 0; i < 50; i++)
    fail_unless_equals_int (gst_harness_push (h, tone (rate, i * 20, 20,
                8000)), GST_FLOW_OK);

  fail_unless (vpt_record_wait (emulator, "realtimeInput.audio", 50,
          VPT_WAIT_MS));
  /* One second of audio, each byte once. */
  fail_unless_equals_uint64 (vpt_record_audio_bytes (emulator), rate * 2);
  fail_unless_equals_int (vpt_record_count (emulator,
          "realtimeInput.audio.mimeType", &mime), 50);
  fail_unless_equals_string (mime, expected);

  gst_harness_teardown (h);
  gst_object_unref (sink);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_START_TEST (test_audio_reaches_emulator)
{
  check_audio_reaches (16000);
  check_audio_reaches (8000);
  check_audio_reaches (48000);
}

GST_END_TEST;

/* With sync=TRUE (the default) the sink renders on the pipeline clock,
 * like a microphone, even when fed from a file. */
static gpointer
push_three (gpointer data)
{
  GstHarness *h = data;
  guint i;

  for (i = 0; i < 3; i++)
    gst_harness_push (h, tone (SR, i * 20, 20, 8000));
  return NULL;
}

GST_START_TEST (test_paced_by_clock)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, NULL);
  GstElement *sink = new_sink (emulator, "paced");
  GstHarness *h;
  GstTestClock *clock;
  GstClockID id;
  GThread *thread;
  g_autofree gchar *caps = audio_caps (SR);
  guint i;

  h = gst_harness_new_with_element (sink, "sink", NULL);
  /* The harness turns sync off on sinks: back to the default. */
  g_object_set (sink, "sync", TRUE, NULL);
  gst_harness_use_testclock (h);
  gst_harness_set_src_caps_str (h, caps);
  gst_harness_play (h);
  clock = gst_harness_get_testclock (h);

  thread = g_thread_new ("push", push_three, h);
  /* Each buffer waits for its time on the clock. */
  for (i = 0; i < 3; i++) {
    gst_test_clock_wait_for_next_pending_id (clock, &id);
    fail_unless_equals_uint64 (gst_clock_id_get_time (id),
        i * 20 * GST_MSECOND);
    gst_clock_id_unref (id);
    fail_unless (gst_harness_crank_single_clock_wait (h));
  }
  g_thread_join (thread);

  fail_unless (vpt_record_wait (emulator, "realtimeInput.audio", 3,
          VPT_WAIT_MS));
  gst_object_unref (clock);
  gst_harness_teardown (h);
  gst_object_unref (sink);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

/* EOS means the microphone is done: audioStreamEnd, after the audio. */
GST_START_TEST (test_eos_sends_audio_stream_end)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, NULL);
  GstElement *sink = new_sink (emulator, "eos");
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  g_autofree gchar *caps = audio_caps (SR);
  guint i;

  gst_harness_set_src_caps_str (h, caps);
  gst_harness_play (h);
  for (i = 0; i < 10; i++)
    gst_harness_push (h, tone (SR, i * 20, 20, 8000));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  fail_unless (vpt_record_wait (emulator, "realtimeInput.audioStreamEnd", 1,
          VPT_WAIT_MS));
  fail_unless_equals_int (vpt_record_count (emulator, "realtimeInput.audio",
          NULL), 10);
  fail_unless (vpt_record_index (emulator, "realtimeInput.audioStreamEnd") >
      vpt_record_index (emulator, "realtimeInput.audio"));
  /* Once only. */
  g_usleep (200 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_int (vpt_record_count (emulator,
          "realtimeInput.audioStreamEnd", NULL), 1);

  gst_harness_teardown (h);
  gst_object_unref (sink);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

/* JPEG frames at 10 fps reach the session at 1 fps. */
GST_START_TEST (test_video_throttled)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, NULL);
  GstElement *sink = new_sink (emulator, "video");
  GstHarness *audio = gst_harness_new_with_element (sink, "sink", NULL);
  GstHarness *video = gst_harness_new_with_element (sink, "video", NULL);
  static const guint8 jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J',
    'F', 'I', 'F', 0x00, 0xff, 0xd9
  };
  g_autofree gchar *caps = audio_caps (SR);
  g_autofree gchar *mime = NULL;
  guint i;

  gst_harness_set_src_caps_str (audio, caps);
  gst_harness_set_src_caps_str (video, "image/jpeg, width=64, height=48, "
      "framerate=10/1");
  gst_harness_play (audio);

  /* 3.0 s of frames, every 100 ms: the ones at 0, 1, 2 and 3 s pass. */
  for (i = 0; i <= 30; i++) {
    GstBuffer *frame = gst_buffer_new_memdup (jpeg, sizeof (jpeg));

    GST_BUFFER_PTS (frame) = i * 100 * GST_MSECOND;
    GST_BUFFER_DURATION (frame) = 100 * GST_MSECOND;
    fail_unless_equals_int (gst_harness_push (video, frame), GST_FLOW_OK);
  }

  fail_unless (vpt_record_wait (emulator, "realtimeInput.video", 4,
          VPT_WAIT_MS));
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_int (vpt_record_count (emulator,
          "realtimeInput.video.mimeType", &mime), 4);
  fail_unless_equals_string (mime, "image/jpeg");

  /* The video stream's EOS is not the element's. */
  fail_unless (gst_harness_push_event (video, gst_event_new_eos ()));
  fail_unless_equals_int (vpt_record_count (emulator,
          "realtimeInput.audioStreamEnd", NULL), 0);

  gst_harness_teardown (video);
  gst_harness_teardown (audio);
  gst_object_unref (sink);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

/* vad=client: GstAudioLevelMeta voice activity edges become
 * activityStart/activityEnd, with the audio just before the start. */
/* webrtcdsp voice-detection=true puts the meta only on the buffers where
 * voice starts and stops. */
GST_START_TEST (test_client_vad_edges)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, NULL);
  GstElement *sink = new_sink (emulator, "client-vad-edges");
  GstHarness *h;
  g_autofree gchar *caps = audio_caps (SR);
  guint i;

  gst_util_set_object_arg (G_OBJECT (sink), "vad", "client");
  h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_harness_set_src_caps_str (h, caps);

  for (i = 0; i < 80; i++) {
    GstBuffer *buffer = tone (SR, i * 20, 20, 8000);

    if (i == 20 || i == 40)
      gst_buffer_add_audio_level_meta (buffer, 30, i == 20);
    gst_harness_push (h, buffer);
  }

  fail_unless (vpt_record_wait (emulator, "realtimeInput.activityEnd", 1,
          VPT_WAIT_MS));
  g_usleep (200 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_int (vpt_record_count (emulator,
          "realtimeInput.activityStart", NULL), 1);
  fail_unless_equals_int (vpt_record_count (emulator,
          "realtimeInput.activityEnd", NULL), 1);
  /* Pre-roll, speech, and the 600 ms without voice that end the turn. */
  fail_unless_equals_uint64 (vpt_record_audio_bytes (emulator),
      (300 + 400 + 600) * SR / 1000 * 2);

  gst_harness_teardown (h);
  gst_object_unref (sink);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

/* A pause inside a question (webrtcdsp's voice off for 200 ms after a
 * comma) does not end the turn: one activity, not two. */
GST_START_TEST (test_client_vad_pause)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, NULL);
  GstElement *sink = new_sink (emulator, "client-vad-pause");
  GstHarness *h;
  g_autofree gchar *caps = audio_caps (SR);
  guint i;

  gst_util_set_object_arg (G_OBJECT (sink), "vad", "client");
  h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_harness_set_src_caps_str (h, caps);

  for (i = 0; i < 110; i++) {
    GstBuffer *buffer = tone (SR, i * 20, 20, 8000);
    gboolean voice = (i >= 20 && i < 40) || (i >= 50 && i < 70);

    gst_buffer_add_audio_level_meta (buffer, voice ? 20 : 90, voice);
    gst_harness_push (h, buffer);
  }

  fail_unless (vpt_record_wait (emulator, "realtimeInput.activityEnd", 1,
          VPT_WAIT_MS));
  g_usleep (200 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_int (vpt_record_count (emulator,
          "realtimeInput.activityStart", NULL), 1);
  fail_unless_equals_int (vpt_record_count (emulator,
          "realtimeInput.activityEnd", NULL), 1);

  gst_harness_teardown (h);
  gst_object_unref (sink);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

GST_START_TEST (test_client_vad)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, NULL);
  GstElement *sink = new_sink (emulator, "client-vad");
  GstHarness *h;
  g_autofree gchar *caps = audio_caps (SR);
  gint start, end, first_audio;
  guint i;

  gst_util_set_object_arg (G_OBJECT (sink), "vad", "client");
  h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_harness_set_src_caps_str (h, caps);
  gst_harness_play (h);

  for (i = 0; i < 80; i++) {
    GstBuffer *buffer = tone (SR, i * 20, 20, 8000);
    gboolean voice = i >= 20 && i < 40;

    gst_buffer_add_audio_level_meta (buffer, voice ? 20 : 90, voice);
    gst_harness_push (h, buffer);
  }

  fail_unless (vpt_record_wait (emulator, "realtimeInput.activityEnd", 1,
          VPT_WAIT_MS));
  fail_unless_equals_int (vpt_record_count (emulator,
          "realtimeInput.activityStart", NULL), 1);
  fail_unless_equals_int (vpt_record_count (emulator,
          "setup.realtimeInputConfig.automaticActivityDetection.disabled",
          NULL), 1);
  start = vpt_record_index (emulator, "realtimeInput.activityStart");
  end = vpt_record_index (emulator, "realtimeInput.activityEnd");
  first_audio = vpt_record_index (emulator, "realtimeInput.audio");
  fail_unless (start < first_audio && first_audio < end);
  /* 300 ms of pre-roll + 400 ms of speech + the 600 ms that ended it. */
  fail_unless_equals_uint64 (vpt_record_audio_bytes (emulator),
      (300 + 400 + 600) * SR / 1000 * 2);

  gst_harness_teardown (h);
  gst_object_unref (sink);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

/* vad=manual: push-to-talk and text through the action signals. */
GST_START_TEST (test_action_signals)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, "wait-for-playback",
      FALSE, "latency-ms", 50, NULL);
  GstElement *sink = new_sink (emulator, "manual");
  GstHarness *h;
  VptEvents *events;
  g_autofree gchar *caps = audio_caps (SR);
  g_autofree gchar *text = NULL;
  gboolean ok = TRUE;
  guint i;

  gst_util_set_object_arg (G_OBJECT (sink), "vad", "manual");
  events = vpt_events_new (sink);
  h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_harness_set_src_caps_str (h, caps);
  gst_harness_play (h);

  g_signal_emit_by_name (sink, "activity-start");
  for (i = 0; i < 10; i++)
    gst_harness_push (h, tone (SR, i * 20, 20, 8000));
  g_signal_emit_by_name (sink, "activity-end");
  fail_unless (vpt_record_wait (emulator, "realtimeInput.activityEnd", 1,
          VPT_WAIT_MS));
  fail_unless (vpt_record_index (emulator, "realtimeInput.activityStart") <
      vpt_record_index (emulator, "realtimeInput.audio"));
  /* The emulator answers the turn; its transcript ends finished. */
  fail_unless (vpt_events_wait (events, "turn:complete", 1, VPT_WAIT_MS));
  fail_unless_equals_int (vpt_events_count (events,
          "transcript:output:finished"), 1);

  g_signal_emit_by_name (sink, "send-text", "hello");
  fail_unless (vpt_record_wait (emulator, "realtimeInput.text", 1,
          VPT_WAIT_MS));
  vpt_record_count (emulator, "realtimeInput.text", &text);
  fail_unless_equals_string (text, "hello");
  fail_unless (vpt_events_wait (events, "turn:complete", 2, VPT_WAIT_MS));

  /* An answer to a call that was never made is refused. */
  g_signal_emit_by_name (sink, "tool-response", "fc-none", "{\"output\":1}",
      &ok);
  fail_if (ok);

  gst_harness_teardown (h);
  vpt_events_free (events);
  gst_object_unref (sink);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

/* update: new instructions and voice for the running session, applied on
 * a new connection that resumes the conversation. */
GST_START_TEST (test_update)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, NULL);
  GstElement *sink = new_sink (emulator, "update");
  GstElement *bin = gst_element_factory_make ("geminilive", NULL);
  VptEvents *events = vpt_events_new (sink);
  GstStructure *settings;
  g_autofree gchar *voice = NULL;
  gchar *instruction = NULL;
  gboolean ok = FALSE;
  guint i;

  /* Not started: refused. */
  settings = gst_structure_from_string ("settings, voice=Kore", NULL);
  g_signal_emit_by_name (sink, "update", settings, &ok);
  fail_if (ok);
  g_signal_emit_by_name (bin, "update", settings, &ok);
  fail_if (ok);
  gst_structure_free (settings);

  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (vpt_events_wait (events, "session:ready", 1, VPT_WAIT_MS));

  /* What a running session cannot change, and bad values, are refused. */
  settings = gst_structure_from_string ("settings, model=gemini-x", NULL);
  g_signal_emit_by_name (sink, "update", settings, &ok);
  fail_if (ok);
  gst_structure_free (settings);
  settings = gst_structure_from_string ("settings, temperature=(string)hot",
      NULL);
  g_signal_emit_by_name (sink, "update", settings, &ok);
  fail_if (ok);
  gst_structure_free (settings);
  fail_unless_equals_int (vp_emulator_get_n_connections (emulator), 1);

  /* Resuming needs a handle: the service sends one just after setup. */
  for (i = 0; i < 500; i++) {
    gchar *handle = NULL;

    g_object_get (sink, "resume-handle", &handle, NULL);
    g_free (handle);
    if (handle != NULL)
      break;
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  }
  fail_unless (i < 500, "no resumption handle");

  settings = gst_structure_from_string ("settings, voice=Kore, "
      "system-instruction=\"Be brief.\", vad=manual", NULL);
  g_signal_emit_by_name (sink, "update", settings, &ok);
  gst_structure_free (settings);
  fail_unless (ok);
  g_object_get (sink, "system-instruction", &instruction, NULL);
  fail_unless_equals_string (instruction, "Be brief.");
  g_free (instruction);

  /* A second connection, with the new setup, resuming the first. */
  fail_unless (vpt_events_wait (events, "session:ready", 2, VPT_WAIT_MS));
  fail_unless (vpt_events_wait (events, "session:resumed", 1, VPT_WAIT_MS));
  fail_unless_equals_int (vp_emulator_get_n_connections (emulator), 2);
  fail_unless_equals_int (vpt_record_count (emulator,
          "setup.generationConfig.speechConfig.voiceConfig."
          "prebuiltVoiceConfig.voiceName", &voice), 1);
  fail_unless_equals_string (voice, "Kore");
  fail_unless (vpt_record_count (emulator, "setup.sessionResumption.handle",
          NULL) == 1);

  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  vpt_events_free (events);
  gst_object_unref (sink);
  gst_object_unref (bin);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_END_TEST;

/* api-key defaults to GEMINI_API_KEY, then GOOGLE_API_KEY. */
static void
check_key_from_env (const gchar * variable)
{
  VpEmulator *emulator = vpt_emulator_start (NULL, "api-key", VPT_SECRET_KEY,
      NULL);
  GstElement *sink = gst_element_factory_make ("geminilivesink", NULL);
  g_autofree gchar *url = vp_emulator_get_url (emulator);
  VptEvents *events = vpt_events_new (sink);

  g_setenv ("GEMINI_API_KEY", "", TRUE);
  g_setenv ("GOOGLE_API_KEY", "", TRUE);
  g_setenv (variable, VPT_SECRET_KEY, TRUE);
  g_object_set (sink, "endpoint", url, "session", variable, "async", FALSE,
      NULL);
  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (vpt_events_wait (events, "session:ready", 1, VPT_WAIT_MS),
      "the key in %s was not used", variable);
  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  g_setenv (variable, "", TRUE);

  vpt_events_free (events);
  gst_object_unref (sink);
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

GST_START_TEST (test_api_key_from_environment)
{
  check_key_from_env ("GEMINI_API_KEY");
  check_key_from_env ("GOOGLE_API_KEY");
}

GST_END_TEST;

/* A server that accepts the TCP connection and never answers: the state
 * changes must not wait for it. */
static gboolean
on_incoming (GSocketService * service, GSocketConnection * connection,
    GObject * source, gpointer user_data)
{
  GPtrArray *held = user_data;

  g_ptr_array_add (held, g_object_ref (connection));
  return TRUE;
}

static gpointer
run_context (gpointer data)
{
  GMainLoop *loop = data;

  g_main_context_push_thread_default (g_main_loop_get_context (loop));
  g_main_loop_run (loop);
  g_main_context_pop_thread_default (g_main_loop_get_context (loop));
  return NULL;
}

GST_START_TEST (test_state_changes_never_block)
{
  GMainContext *context = g_main_context_new ();
  GMainLoop *loop = g_main_loop_new (context, FALSE);
  GPtrArray *held = g_ptr_array_new_with_free_func (g_object_unref);
  GSocketService *service;
  GThread *thread;
  GstElement *sink;
  gchar *url;
  guint16 port;
  gint64 t;
  guint i;

  g_main_context_push_thread_default (context);
  service = g_socket_service_new ();
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service),
      NULL, NULL);
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming), held);
  g_main_context_pop_thread_default (context);
  thread = g_thread_new ("silent-server", run_context, loop);
  url = g_strdup_printf ("ws://127.0.0.1:%u", port);

  for (i = 0; i < 3; i++) {
    sink = gst_element_factory_make ("geminilivesink", NULL);
    g_object_set (sink, "endpoint", url, "api-key", VPT_SECRET_KEY,
        "async", FALSE, NULL);
    t = g_get_monotonic_time ();
    fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_PLAYING),
        GST_STATE_CHANGE_SUCCESS);
    fail_unless (g_get_monotonic_time () - t < 500 * G_TIME_SPAN_MILLISECOND,
        "NULL->PLAYING waited for the network");
    g_usleep (100 * G_TIME_SPAN_MILLISECOND);
    t = g_get_monotonic_time ();
    fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    fail_unless (g_get_monotonic_time () - t < 500 * G_TIME_SPAN_MILLISECOND,
        "PLAYING->NULL waited for the network");
    gst_object_unref (sink);
  }

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_main_loop_quit (loop);
  g_thread_join (thread);
  g_object_unref (service);
  g_ptr_array_unref (held);
  g_main_loop_unref (loop);
  g_main_context_unref (context);
  g_free (url);
}

GST_END_TEST;

static Suite *
geminilivesink_suite (void)
{
  Suite *s = suite_create ("geminilivesink");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 60);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_caps);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_audio_reaches_emulator);
  tcase_add_test (tc, test_paced_by_clock);
  tcase_add_test (tc, test_eos_sends_audio_stream_end);
  tcase_add_test (tc, test_video_throttled);
  tcase_add_test (tc, test_client_vad);
  tcase_add_test (tc, test_client_vad_edges);
  tcase_add_test (tc, test_client_vad_pause);
  tcase_add_test (tc, test_action_signals);
  tcase_add_test (tc, test_update);
  tcase_add_test (tc, test_api_key_from_environment);
  tcase_add_test (tc, test_state_changes_never_block);
  return s;
}

GST_CHECK_MAIN (geminilivesink);
