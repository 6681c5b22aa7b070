/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A call of two simulated hours (issue 5).  The emulator runs as its own
 * process on an accelerated clock (72×: a 10-minute connection lasts
 * 8 s), so the service's goAway comes a dozen times while a 16 kHz
 * microphone streams in real time, the user speaks or asks for a tool
 * every few seconds, and tools answer.  Afterwards:
 *  - every audio sample reached the service exactly once, across all
 *    connections, according to the emulator's record;
 *  - every tool call was answered once;
 *  - no error and no warning was reported;
 *  - memory stayed flat (RSS at the end within 10 % of RSS after the
 *    first rollover).
 * The same call runs with the emulator in this process, set up as
 * endpoint=local sets it up (nothing records: record-limit 0), where its
 * memory counts as ours (issue 16.9); there is no record to check the
 * audio against then. */

#include "config.h"

#include <voxpipe.h>
#include <voxpipe-emulator.h>

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define TIME_SCALE 72.0
#define SIMULATED_SECONDS (2 * 3600)
#define RATE 16000
#define FRAME_SAMPLES (RATE / 50)
#define TURN_EVERY_MS 3000

static const gchar *scenario =
    "{\"name\":\"soak\",\"turns\":["
    "{\"id\":\"ask\",\"match\":{\"text\":[\"check\"],\"in-order\":false},"
    " \"calls\":[{\"name\":\"lookup\",\"args\":{\"q\":\"tables\"}}],"
    " \"then\":\"Found {{lookup.output.n}}.\"}],"
    "\"fallback\":{\"say\":\"Okay.\"}}";

static const gchar *tools_json =
    "{\"tools\":[{\"name\":\"lookup\",\"description\":\"Look up\","
    "\"handler\":{\"result\":{\"n\":3}}}]}";

typedef struct
{
  GMainLoop *loop;
  VpLiveSession *session;
  GChecksum *sent;              /* SHA-256 of every sample sent, in order */
  guint64 sent_bytes;
  GBytes *speech;
  gsize speech_pos;             /* < size: speaking */
  guint64 ticks;
  guint64 end_tick;
  guint rollovers;
  guint tool_calls;
  guint tool_results;
  guint turns;
  guint errors;
  guint warnings;
  glong rss_after_first_rollover;
  GString *problems;
} Soak;

static glong
rss_kib (void)
{
  g_autofree gchar *status = NULL;
  gchar *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line ? strtol (line + 6, NULL, 10) : -1;
}

static void
on_reconnected (VpLiveSession * s, gboolean resumed, Soak * soak)
{
  /* Signals come from the network thread; counters are read at the end. */
  g_atomic_int_inc (&soak->rollovers);
  if (!resumed)
    g_string_append (soak->problems, "a reconnection did not resume; ");
}

static void
on_tool_started (VpLiveSession * s, const gchar * id, const gchar * name,
    const gchar * args, const gchar * handler, Soak * soak)
{
  g_atomic_int_inc (&soak->tool_calls);
}

static void
on_tool_result (VpLiveSession * s, const gchar * id, const gchar * name,
    const gchar * response, Soak * soak)
{
  g_atomic_int_inc (&soak->tool_results);
}

static void
on_turn_complete (VpLiveSession * s, const gchar * reason, Soak * soak)
{
  g_atomic_int_inc (&soak->turns);
}

static void
on_warning (VpLiveSession * s, GError * error, Soak * soak)
{
  g_atomic_int_inc (&soak->warnings);
  g_test_message ("warning: %s", error->message);
}

static void
on_error (VpLiveSession * s, GError * error, Soak * soak)
{
  g_atomic_int_inc (&soak->errors);
  g_test_message ("error: %s", error->message);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
on_closed (VpLiveSession * s, gint code, const gchar * reason, Soak * soak)
{
  g_main_context_invoke (NULL, quit_loop, soak->loop);
}

/* 20 ms of microphone: speech when a turn is due, silence otherwise. */
static gboolean
mic_tick (gpointer data)
{
  Soak *soak = data;
  gint16 frame[FRAME_SAMPLES] = { 0, };
  gsize speech_size = g_bytes_get_size (soak->speech);
  guint64 ms = soak->ticks * 20;

  if (soak->ticks >= soak->end_tick) {
    vp_live_session_close (soak->session);
    return G_SOURCE_REMOVE;
  }

  if (ms % TURN_EVERY_MS == 0) {
    /* Turns alternate: a spoken one, then one that calls a tool. */
    if ((ms / TURN_EVERY_MS) % 2 == 0)
      soak->speech_pos = 0;
    else
      vp_live_session_send_text (soak->session, "Please check the tables.");
  }
  if (soak->speech_pos < speech_size) {
    gsize n = MIN (sizeof (frame), speech_size - soak->speech_pos);
    memcpy (frame, (const guint8 *) g_bytes_get_data (soak->speech, NULL) +
        soak->speech_pos, n);
    soak->speech_pos += n;
  }

  vp_live_session_send_audio (soak->session, frame, FRAME_SAMPLES, RATE);
  g_checksum_update (soak->sent, (const guchar *) frame, sizeof (frame));
  soak->sent_bytes += sizeof (frame);
  soak->ticks++;

  if (soak->rss_after_first_rollover == 0
      && g_atomic_int_get (&soak->rollovers) > 0)
    soak->rss_after_first_rollover = rss_kib ();
  return G_SOURCE_CONTINUE;
}

/* Hashes the audio of every connection of the record, in order. */
static gchar *
record_audio_hash (const gchar * record_path, guint64 * bytes,
    guint * connections, guint * tool_responses, GHashTable * response_ids)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GChecksum) hash = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GError) error = NULL;
  JsonArray *conns;
  guint i, j;

  g_assert_true (json_parser_load_from_file (parser, record_path, &error));
  g_assert_no_error (error);
  conns = json_node_get_array (json_parser_get_root (parser));
  *connections = json_array_get_length (conns);
  *bytes = 0;
  *tool_responses = 0;

  for (i = 0; i < json_array_get_length (conns); i++) {
    JsonObject *conn = json_array_get_object_element (conns, i);
    JsonArray *messages = json_object_get_array_member (conn, "messages");

    for (j = 0; j < json_array_get_length (messages); j++) {
      JsonObject *msg = json_array_get_object_element (messages, j);
      JsonObject *input, *audio, *response;

      if (msg == NULL)
        continue;
      g_assert_false (json_object_has_member (msg, "elidedBytes"));
      if (json_object_has_member (msg, "toolResponse")) {
        JsonArray *list;
        guint k;
        response = json_object_get_object_member (msg, "toolResponse");
        list = json_object_get_array_member (response, "functionResponses");
        for (k = 0; k < json_array_get_length (list); k++) {
          const gchar *id = json_object_get_string_member
              (json_array_get_object_element (list, k), "id");
          if (g_hash_table_contains (response_ids, id))
            g_error ("tool call %s was answered twice", id);
          g_hash_table_add (response_ids, g_strdup (id));
          (*tool_responses)++;
        }
      }
      if (!json_object_has_member (msg, "realtimeInput"))
        continue;
      input = json_object_get_object_member (msg, "realtimeInput");
      if (!json_object_has_member (input, "audio"))
        continue;
      audio = json_object_get_object_member (input, "audio");
      {
        gsize len;
        g_autofree guchar *pcm =
            g_base64_decode (json_object_get_string_member (audio, "data"),
            &len);
        g_checksum_update (hash, pcm, len);
        *bytes += len;
      }
    }
  }
  return g_strdup (g_checksum_get_string (hash));
}

static void
run_two_hour_call (gboolean in_process)
{
  const gchar *emulator_path = g_getenv ("VP_EMULATOR");
  g_autofree gchar *record = g_build_filename (g_get_tmp_dir (),
      "voxpipe-soak-record.json", NULL);
  g_autofree gchar *scenario_path = g_build_filename (g_get_tmp_dir (),
      "voxpipe-soak-scenario.json", NULL);
  g_autofree gchar *time_scale = g_strdup_printf ("%g", TIME_SCALE);
  g_autoptr (GSubprocess) emulator = NULL;
  g_autoptr (VpEmulator) local = NULL;
  g_autofree gchar *url = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VpSetupConfig) setup = vp_setup_config_new ();
  g_autoptr (GHashTable) response_ids = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, NULL);
  g_autofree gchar *line = NULL;
  g_autofree gchar *recorded_hash = NULL;
  guint64 recorded_bytes;
  guint connections, tool_responses;
  glong rss_end;
  Soak soak = { 0, };

  if (in_process) {
    /* As gst-plugins/geminilive/gstgeminilivelocal.c starts it for
     * endpoint=local. */
    local = g_object_new (VP_TYPE_EMULATOR, "record-limit", (guint64) 0,
        "scenario", scenario, "time-scale", TIME_SCALE, "latency-ms", 50,
        "speech-rate", 20.0, NULL);
    g_assert_true (vp_emulator_start (local, &error));
    g_assert_no_error (error);
    url = vp_emulator_get_url (local);
  } else {
    if (emulator_path == NULL) {
      g_test_skip ("VP_EMULATOR is not set");
      return;
    }
    /* The emulator in its own process: its record does not count as
     * ours. */
    g_assert_true (g_file_set_contents (scenario_path, scenario, -1, NULL));
    emulator = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
        emulator_path, "--port", "0", "--scenario", scenario_path,
        "--time-scale", time_scale, "--latency-ms", "50", "--speech-rate",
        "20", "--record", record, NULL);
    g_assert_no_error (error);
    out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (emulator));
    line = g_data_input_stream_read_line (out, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (line, "listening on "));
    url = g_strdup (line + strlen ("listening on "));
  }

  soak.loop = g_main_loop_new (NULL, FALSE);
  soak.sent = g_checksum_new (G_CHECKSUM_SHA256);
  soak.problems = g_string_new (NULL);
  soak.speech = vp_speech_synthesize ("Hello, I would like some help.",
      "en-us", RATE, &error);
  g_assert_no_error (error);
  soak.speech_pos = G_MAXSIZE;
  soak.end_tick = (guint64) (SIMULATED_SECONDS / TIME_SCALE * 50);

  setup->input_transcription = TRUE;
  setup->output_transcription = TRUE;
  setup->session_resumption = TRUE;
  setup->context_compression = TRUE;
  setup->tools = vp_tools_to_wire (vp_tools_parse (tools_json, -1,
          "soak tools", NULL), VP_DEFAULT_MODEL, NULL);
  soak.session = vp_live_session_new ();
  vp_live_session_set_setup (soak.session, setup);
  vp_live_session_set_tools (soak.session, vp_tools_parse (tools_json, -1,
          "soak tools", NULL));
  g_object_set (soak.session, "endpoint", url, "api-key", "soak-key", NULL);
  g_signal_connect (soak.session, "reconnected", G_CALLBACK (on_reconnected),
      &soak);
  g_signal_connect (soak.session, "tool-started",
      G_CALLBACK (on_tool_started), &soak);
  g_signal_connect (soak.session, "tool-result", G_CALLBACK (on_tool_result),
      &soak);
  g_signal_connect (soak.session, "turn-complete",
      G_CALLBACK (on_turn_complete), &soak);
  g_signal_connect (soak.session, "warning", G_CALLBACK (on_warning), &soak);
  g_signal_connect (soak.session, "error", G_CALLBACK (on_error), &soak);
  g_signal_connect (soak.session, "closed", G_CALLBACK (on_closed), &soak);

  vp_live_session_connect (soak.session);
  g_timeout_add (20, mic_tick, &soak);
  g_main_loop_run (soak.loop);
  rss_end = rss_kib ();

  if (in_process) {
    /* No record: the counts come from the client's side. */
    vp_emulator_stop (local);
    connections = vp_emulator_get_n_connections (local);
    recorded_bytes = soak.sent_bytes;
    recorded_hash = g_strdup (g_checksum_get_string (soak.sent));
    tool_responses = soak.tool_calls;
  } else {
    /* Stop the emulator; it writes its record. */
    g_subprocess_send_signal (emulator, SIGTERM);
    g_subprocess_wait (emulator, NULL, &error);
    g_assert_no_error (error);
    recorded_hash = record_audio_hash (record, &recorded_bytes, &connections,
        &tool_responses, response_ids);
  }

  g_test_message ("%s: simulated %d s: %u connections, %u rollovers, %u turns, "
      "%u tool calls, %u answered, %" G_GUINT64_FORMAT " audio bytes sent, %"
      G_GUINT64_FORMAT " recorded, RSS %ld KiB after the first rollover, "
      "%ld KiB at the end", in_process ? "emulator in process" :
      "emulator in its own process", SIMULATED_SECONDS, connections,
      soak.rollovers, soak.turns, soak.tool_calls, soak.tool_results,
      soak.sent_bytes, recorded_bytes, soak.rss_after_first_rollover, rss_end);

  g_assert_cmpuint (soak.errors, ==, 0);
  g_assert_cmpuint (soak.warnings, ==, 0);
  g_assert_cmpstr (soak.problems->str, ==, "");
  g_assert_cmpuint (soak.rollovers, >=, 12);
  g_assert_cmpuint (connections, ==, soak.rollovers + 1);
  /* Every sample exactly once, in order. */
  g_assert_cmpuint (recorded_bytes, ==, soak.sent_bytes);
  g_assert_cmpstr (recorded_hash, ==, g_checksum_get_string (soak.sent));
  /* Every call answered once (the record refuses doubles above). */
  g_assert_cmpuint (soak.tool_calls, >, 10);
  g_assert_cmpuint (soak.tool_results, ==, soak.tool_calls);
  g_assert_cmpuint (tool_responses, ==, soak.tool_calls);
  /* Flat memory. */
  g_assert_cmpint (rss_end, <=, soak.rss_after_first_rollover * 11 / 10);

  g_object_unref (soak.session);
  g_bytes_unref (soak.speech);
  g_checksum_free (soak.sent);
  g_string_free (soak.problems, TRUE);
  g_main_loop_unref (soak.loop);
  g_unlink (record);
  g_unlink (scenario_path);
}

static void
test_two_hour_call (void)
{
  run_two_hour_call (FALSE);
}

static void
test_two_hour_call_local (void)
{
  run_two_hour_call (TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/soak/two-hour-call", test_two_hour_call);
  g_test_add_func ("/soak/two-hour-call-local", test_two_hour_call_local);
  return g_test_run ();
}
