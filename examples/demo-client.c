/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* voxpipe-demo: a caller phones the restaurant receptionist.
 *
 * The caller's lines are real speech (espeak-ng), streamed in 20 ms frames
 * at real-time pace like a microphone.  The model side is the built-in
 * emulator running pipelines/receptionist.scenario.json, or Google's
 * service when --endpoint and GEMINI_API_KEY say so.  The demo prints the
 * transcripts, the tool calls it answers, each turn's voice-to-voice
 * latency and the cost, and writes what the receptionist said to a WAV. */

#include "config.h"

#include <voxpipe.h>
#include <voxpipe-emulator.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#define MIC_RATE 16000
#define FRAME_MS 20
#define FRAME_SAMPLES (MIC_RATE * FRAME_MS / 1000)
/* Silence after each line, so server VAD hears the end of the turn. */
#define TRAILING_SILENCE_MS 1200

static const gchar *caller_lines[] = {
  "Can I book a table for four?",
  "Yes please, book it under the name Ana.",
  "Thank you, goodbye.",
};

typedef struct
{
  GMainLoop *loop;
  VpLiveSession *session;

  /* the caller's microphone, on the main thread */
  GBytes *line_pcm;
  gsize line_offset;            /* in samples */
  guint silence_left;           /* frames */
  guint line;
  guint mic_source;

  /* what happened, written on the network thread */
  GMutex lock;
  gint64 speech_end_us;         /* monotonic time of the last speech sample */
  gboolean turn_has_audio;
  GString *reply_pcm;
  GString *output_text;
  GArray *latencies_ms;         /* gdouble */
  guint n_tool_calls;
  gboolean finished;
  gboolean failed;
} Demo;

/* Tool answers.  A real application would ask its booking system; the
 * receptionist example (issue 4) does it with SQLite. */
static gchar *
answer_tool (const gchar * name, const gchar * args_json)
{
  if (g_str_equal (name, "check_availability"))
    return g_strdup ("{\"output\":{\"available\":true,\"time\":\"20:00\","
        "\"table\":12}}");
  if (g_str_equal (name, "book_table"))
    return g_strdup ("{\"output\":{\"booking_id\":\"BV-1042\","
        "\"status\":\"confirmed\"}}");
  if (g_str_equal (name, "get_menu"))
    return g_strdup ("{\"output\":{\"specials\":[\"risotto\",\"sea bass\"]}}");
  if (g_str_equal (name, "cancel_booking"))
    return g_strdup ("{\"output\":{\"cancelled\":true}}");
  if (g_str_equal (name, "end_call"))
    return g_strdup ("{\"output\":{\"ok\":true}}");
  return g_strdup_printf ("{\"error\":\"The demo has no tool named %s.\"}",
      name);
}

static gboolean
mic_tick (gpointer data)
{
  Demo *demo = data;
  gint16 frame[FRAME_SAMPLES] = { 0, };
  gsize n_samples = g_bytes_get_size (demo->line_pcm) / 2;
  const gint16 *pcm = g_bytes_get_data (demo->line_pcm, NULL);

  if (demo->line_offset < n_samples) {
    gsize n = MIN (FRAME_SAMPLES, n_samples - demo->line_offset);
    memcpy (frame, pcm + demo->line_offset, n * sizeof (gint16));
    demo->line_offset += n;
    if (demo->line_offset >= n_samples) {
      g_mutex_lock (&demo->lock);
      demo->speech_end_us = g_get_monotonic_time ();
      g_mutex_unlock (&demo->lock);
    }
  } else if (demo->silence_left > 0) {
    demo->silence_left--;
  } else {
    /* Keep the line open with silence, like a real microphone. */
  }

  vp_live_session_send_audio (demo->session, frame, FRAME_SAMPLES, MIC_RATE);
  return G_SOURCE_CONTINUE;
}

static gboolean
say_next_line (gpointer data)
{
  Demo *demo = data;
  g_autoptr (GError) error = NULL;
  const gchar *text;

  if (demo->line >= G_N_ELEMENTS (caller_lines)) {
    vp_live_session_close (demo->session);
    return G_SOURCE_REMOVE;
  }

  text = caller_lines[demo->line++];
  g_clear_pointer (&demo->line_pcm, g_bytes_unref);
  demo->line_pcm = vp_speech_synthesize (text, "en-us", MIC_RATE, &error);
  if (demo->line_pcm == NULL) {
    g_printerr ("Could not synthesise the caller: %s\n", error->message);
    demo->failed = TRUE;
    vp_live_session_close (demo->session);
    return G_SOURCE_REMOVE;
  }
  demo->line_offset = 0;
  demo->silence_left = TRAILING_SILENCE_MS / FRAME_MS;
  g_print ("\ncaller (speaking %.1f s): %s\n",
      g_bytes_get_size (demo->line_pcm) / 2.0 / MIC_RATE, text);

  if (demo->mic_source == 0)
    demo->mic_source = g_timeout_add (FRAME_MS, mic_tick, demo);
  return G_SOURCE_REMOVE;
}

static void
on_setup_complete (VpLiveSession * session, Demo * demo)
{
  g_print ("session ready\n");
  g_idle_add (say_next_line, demo);
}

static void
on_input_transcription (VpLiveSession * session, const gchar * text,
    gboolean finished, Demo * demo)
{
  if (*text != '\0')
    g_print ("  heard:        %s\n", text);
}

static void
on_output_transcription (VpLiveSession * session, const gchar * text,
    gboolean finished, Demo * demo)
{
  g_mutex_lock (&demo->lock);
  g_string_append (demo->output_text, text);
  g_mutex_unlock (&demo->lock);
}

static void
on_audio (VpLiveSession * session, GBytes * pcm, guint rate, Demo * demo)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (pcm, &size);

  g_mutex_lock (&demo->lock);
  if (!demo->turn_has_audio && demo->speech_end_us > 0) {
    gdouble ms = (g_get_monotonic_time () - demo->speech_end_us) / 1000.0;
    g_array_append_val (demo->latencies_ms, ms);
    g_print ("  voice-to-voice latency: %.0f ms\n", ms);
  }
  demo->turn_has_audio = TRUE;
  g_string_append_len (demo->reply_pcm, (const gchar *) data, size);
  g_mutex_unlock (&demo->lock);
}

static void
on_tool_call (VpLiveSession * session, const gchar * id, const gchar * name,
    const gchar * args, Demo * demo)
{
  g_autofree gchar *answer = answer_tool (name, args);
  g_autoptr (GError) error = NULL;

  g_print ("  tool call:    %s(%s) → %s\n", name, args, answer);
  demo->n_tool_calls++;
  if (!vp_live_session_send_tool_response (session, id, answer, &error))
    g_printerr ("  tool response refused: %s\n", error->message);
}

static void
on_turn_complete (VpLiveSession * session, const gchar * reason, Demo * demo)
{
  g_mutex_lock (&demo->lock);
  if (demo->output_text->len > 0)
    g_print ("  receptionist: %s\n", demo->output_text->str);
  g_string_truncate (demo->output_text, 0);
  demo->turn_has_audio = FALSE;
  demo->speech_end_us = 0;
  g_mutex_unlock (&demo->lock);

  g_idle_add (say_next_line, demo);
}

static void
on_usage (VpLiveSession * session, VpUsage * usage, Demo * demo)
{
  g_print ("  usage so far: %" G_GINT64_FORMAT " tokens in, %" G_GINT64_FORMAT
      " out, $%.5f\n", usage->input_tokens, usage->output_tokens,
      usage->cost_usd);
}

static void
on_error (VpLiveSession * session, GError * error, Demo * demo)
{
  g_printerr ("error: %s\n", error->message);
  demo->failed = TRUE;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
on_closed (VpLiveSession * session, gint code, const gchar * reason,
    Demo * demo)
{
  g_main_context_invoke (NULL, quit_loop, demo->loop);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return (x > y) - (x < y);
}

static JsonArray *
receptionist_tools (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *tools;

  /* Declared the way the model sees them; the scenario calls them. */
  json_parser_load_from_data (parser,
      "[{\"functionDeclarations\":["
      "{\"name\":\"check_availability\",\"description\":\"Free tables for a "
      "date, time and party size\",\"parameters\":{\"type\":\"OBJECT\","
      "\"properties\":{\"date\":{\"type\":\"STRING\"},\"time\":{\"type\":"
      "\"STRING\"},\"party_size\":{\"type\":\"INTEGER\"}},\"required\":"
      "[\"date\",\"party_size\"]}},"
      "{\"name\":\"book_table\",\"description\":\"Book a table\","
      "\"parameters\":{\"type\":\"OBJECT\",\"properties\":{\"date\":{\"type\":"
      "\"STRING\"},\"time\":{\"type\":\"STRING\"},\"party_size\":{\"type\":"
      "\"INTEGER\"},\"name\":{\"type\":\"STRING\"}},\"required\":[\"date\","
      "\"time\",\"party_size\",\"name\"]}},"
      "{\"name\":\"cancel_booking\",\"description\":\"Cancel a booking\","
      "\"parameters\":{\"type\":\"OBJECT\",\"properties\":{\"booking_id\":"
      "{\"type\":\"STRING\"}},\"required\":[\"booking_id\"]}},"
      "{\"name\":\"get_menu\",\"description\":\"Today's menu\"},"
      "{\"name\":\"end_call\",\"description\":\"Hang up after saying "
      "goodbye\"}]}]", -1, NULL);
  tools = json_node_dup_array (json_parser_get_root (parser));
  return tools;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *endpoint = g_strdup ("local");
  g_autofree gchar *scenario = NULL;
  g_autofree gchar *output = g_strdup ("receptionist-reply.wav");
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VpSetupConfig) setup = vp_setup_config_new ();
  g_autoptr (VpUsage) usage = NULL;
  g_autoptr (GBytes) reply = NULL;
  Demo demo = { 0, };
  VpEmulator *emulator = NULL;
  GOptionEntry entries[] = {
    {"endpoint", 'e', 0, G_OPTION_ARG_STRING, &endpoint,
          "Live API endpoint: \"local\" (built-in emulator, default) or wss://…",
        "URL"},
    {"scenario", 's', 0, G_OPTION_ARG_FILENAME, &scenario,
          "Emulator scenario (default: pipelines/receptionist.scenario.json)",
        "FILE"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "Where to write the receptionist's voice", "WAV"},
    {NULL}
  };

  /* Our texts are UTF-8 ("…"): in the C locale GLib would print them
   * as "?", so a locale without a charset gets C.UTF-8's. */
  setlocale (LC_ALL, "");
  if (!g_get_charset (NULL))
    setlocale (LC_CTYPE, "C.UTF-8");

  context = g_option_context_new ("— a caller phones the restaurant");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\nRun with --help for the options.\n", error->message);
    return 2;
  }
  if (scenario == NULL)
    scenario = g_build_filename (VP_SOURCE_DIR, "pipelines",
        "receptionist.scenario.json", NULL);

  g_mutex_init (&demo.lock);
  demo.loop = g_main_loop_new (NULL, FALSE);
  demo.reply_pcm = g_string_new (NULL);
  demo.output_text = g_string_new (NULL);
  demo.latencies_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));

  setup->system_instruction = g_strdup ("You are the receptionist of Bella "
      "Vista, an Italian restaurant. Be brief and warm.");
  setup->input_transcription = TRUE;
  setup->output_transcription = TRUE;
  setup->session_resumption = TRUE;
  setup->context_compression = TRUE;
  setup->tools = receptionist_tools ();

  /* The client never starts an emulator itself: offline, the application
   * starts one (here in-process) and gives the session its ws:// URL. */
  if (g_str_equal (endpoint, "local")) {
    emulator = vp_emulator_new ();
    g_object_set (emulator, "scenario-file", scenario, NULL);
    if (!vp_emulator_start (emulator, &error)) {
      g_printerr ("Could not start the emulator: %s\n", error->message);
      return 1;
    }
    g_free (endpoint);
    endpoint = vp_emulator_get_url (emulator);
  }

  demo.session = vp_live_session_new ();
  vp_live_session_set_setup (demo.session, setup);
  g_object_set (demo.session, "endpoint", endpoint, NULL);
  g_signal_connect (demo.session, "setup-complete",
      G_CALLBACK (on_setup_complete), &demo);
  g_signal_connect (demo.session, "input-transcription",
      G_CALLBACK (on_input_transcription), &demo);
  g_signal_connect (demo.session, "output-transcription",
      G_CALLBACK (on_output_transcription), &demo);
  g_signal_connect (demo.session, "audio", G_CALLBACK (on_audio), &demo);
  g_signal_connect (demo.session, "tool-call", G_CALLBACK (on_tool_call),
      &demo);
  g_signal_connect (demo.session, "turn-complete",
      G_CALLBACK (on_turn_complete), &demo);
  g_signal_connect (demo.session, "usage", G_CALLBACK (on_usage), &demo);
  g_signal_connect (demo.session, "error", G_CALLBACK (on_error), &demo);
  g_signal_connect (demo.session, "closed", G_CALLBACK (on_closed), &demo);

  g_print ("Voxpipe demo: calling the Bella Vista receptionist on %s\n",
      emulator != NULL ? "the built-in emulator" : endpoint);
  vp_live_session_connect (demo.session);
  g_main_loop_run (demo.loop);

  if (demo.mic_source != 0)
    g_source_remove (demo.mic_source);

  usage = vp_live_session_get_usage (demo.session);
  g_print ("\n== summary ==\n");
  g_print ("turns: %u, tool calls answered: %u\n", demo.latencies_ms->len,
      demo.n_tool_calls);
  if (demo.latencies_ms->len > 0) {
    g_array_sort (demo.latencies_ms, compare_doubles);
    g_print ("voice-to-voice latency: p50 %.0f ms, max %.0f ms\n",
        g_array_index (demo.latencies_ms, gdouble,
            demo.latencies_ms->len / 2), g_array_index (demo.latencies_ms,
            gdouble, demo.latencies_ms->len - 1));
  }
  g_print ("audio: %.1f s in, %.1f s out\n", usage->input_audio_seconds,
      usage->output_audio_seconds);
  g_print ("tokens: %" G_GINT64_FORMAT " in, %" G_GINT64_FORMAT " out\n",
      usage->input_tokens, usage->output_tokens);
  g_print ("cost: $%.5f\n", usage->cost_usd);

  reply = g_string_free_to_bytes (demo.reply_pcm);
  if (!vp_speech_write_wav (output, reply, 24000, &error)) {
    g_printerr ("Could not write %s: %s\n", output, error->message);
    demo.failed = TRUE;
  } else {
    g_print ("receptionist's voice written to %s (%.1f s)\n", output,
        g_bytes_get_size (reply) / 2.0 / 24000);
  }

  g_object_unref (demo.session);
  if (emulator != NULL) {
    vp_emulator_stop (emulator);
    g_object_unref (emulator);
  }
  g_clear_pointer (&demo.line_pcm, g_bytes_unref);
  g_string_free (demo.output_text, TRUE);
  g_array_unref (demo.latencies_ms);
  g_main_loop_unref (demo.loop);
  g_mutex_clear (&demo.lock);

  return (demo.failed || demo.n_tool_calls == 0) ? 1 : 0;
}
