/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* receptionist: the Bella Vista restaurant's phone receptionist.
 *
 * A GStreamer pipeline carries the call; this application answers the
 * model's tool calls (check_availability, book_table, cancel_booking,
 * get_menu) from a SQLite database, which it creates on first run.  The
 * model says goodbye with the builtin end-call tool, which ends the stream.
 *
 * The caller is an appsrc fed with espeak-ng speech, one line after each
 * of the receptionist's turns, so the example runs anywhere; swap it for
 * autoaudiosrc to take a real call.
 *
 *   receptionist [--db FILE] [--endpoint local|wss://…] [--output reply.wav]
 */

#include "config.h"

#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <sqlite3.h>
#include <voxpipe.h>
#include <voxpipe-emulator.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#define CALLER_RATE 16000
#define FRAME_MS 20

static const gchar *caller_lines[] = {
  "Can I book a table for four?",
  "Yes please, book it under the name Ana.",
  "Thank you, that is all. Goodbye.",
};

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *agent;            /* geminilivesink */
  GstElement *caller;           /* appsrc */
  sqlite3 *db;
  guint line;
  guint64 caller_samples;
  GBytes *speaking;             /* the caller's line being said */
  gsize spoken;                 /* bytes of it pushed so far */
  gint64 speaking_since;        /* monotonic µs when it began */
  GString *said;                /* the receptionist's current turn */
  gboolean failed;
} App;

/* The database */

static gboolean
db_open (App * app, const gchar * path)
{
  char *error = NULL;

  if (sqlite3_open (path, &app->db) != SQLITE_OK) {
    g_printerr ("Cannot open the database %s: %s\n", path,
        sqlite3_errmsg (app->db));
    return FALSE;
  }
  /* Created and filled once; later runs find their bookings. */
  if (sqlite3_exec (app->db,
          "CREATE TABLE IF NOT EXISTS tables (id INTEGER PRIMARY KEY, "
          "  seats INTEGER NOT NULL);"
          "CREATE TABLE IF NOT EXISTS bookings (id TEXT PRIMARY KEY, "
          "  date TEXT NOT NULL, time TEXT NOT NULL, party_size INTEGER, "
          "  name TEXT, table_id INTEGER REFERENCES tables(id), "
          "  status TEXT NOT NULL DEFAULT 'confirmed');"
          "CREATE TABLE IF NOT EXISTS menu (dish TEXT PRIMARY KEY, "
          "  price REAL, special INTEGER DEFAULT 0);"
          "INSERT OR IGNORE INTO tables VALUES (1, 2), (2, 2), (7, 4), "
          "  (12, 4), (15, 6);"
          "INSERT OR IGNORE INTO menu VALUES ('mushroom risotto', 18, 1), "
          "  ('sea bass with lemon', 24, 1), ('tiramisu', 8, 0);",
          NULL, NULL, &error) != SQLITE_OK) {
    g_printerr ("Cannot set up the database %s: %s\n", path, error);
    sqlite3_free (error);
    return FALSE;
  }
  return TRUE;
}

static const gchar *
arg_string (JsonObject * args, const gchar * name)
{
  return json_object_get_string_member_with_default (args, name, "");
}

/* The smallest free table for the party at that date and time. */
static gint
free_table (App * app, const gchar * date, const gchar * time, gint64 party)
{
  sqlite3_stmt *stmt;
  gint table = -1;

  sqlite3_prepare_v2 (app->db,
      "SELECT id FROM tables WHERE seats >= ?3 AND id NOT IN "
      "(SELECT table_id FROM bookings WHERE date = ?1 AND time = ?2 "
      " AND status = 'confirmed') ORDER BY seats, id LIMIT 1", -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, date, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, time, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, party);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    table = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return table;
}

static gchar *
check_availability (App * app, JsonObject * args)
{
  const gchar *date = arg_string (args, "date");
  const gchar *time = arg_string (args, "time");
  gint64 party = json_object_get_int_member_with_default (args,
      "party_size", 2);
  gint table = free_table (app, date, *time ? time : "20:00", party);

  if (table < 0)
    return g_strdup_printf ("{\"output\":{\"available\":false,\"date\":\"%s\","
        "\"time\":\"%s\"}}", date, time);
  return g_strdup_printf ("{\"output\":{\"available\":true,\"date\":\"%s\","
      "\"time\":\"%s\",\"table\":%d}}", date, *time ? time : "20:00", table);
}

static gchar *
book_table (App * app, JsonObject * args)
{
  const gchar *date = arg_string (args, "date");
  const gchar *time = arg_string (args, "time");
  const gchar *name = arg_string (args, "name");
  gint64 party = json_object_get_int_member_with_default (args,
      "party_size", 2);
  gint table = free_table (app, date, time, party);
  g_autofree gchar *id = NULL;
  sqlite3_stmt *stmt;
  gint rc;

  if (table < 0)
    return g_strdup ("{\"error\":\"No table is free then.\"}");

  id = g_strdup_printf ("BV-%04u", g_random_int_range (1000, 10000));
  sqlite3_prepare_v2 (app->db, "INSERT INTO bookings (id, date, time, "
      "party_size, name, table_id) VALUES (?, ?, ?, ?, ?, ?)", -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, date, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, time, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, party);
  sqlite3_bind_text (stmt, 5, name, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 6, table);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return g_strdup_printf ("{\"error\":\"The booking failed: %s\"}",
        sqlite3_errmsg (app->db));

  g_print ("  [db] booked %s: %s at %s, %" G_GINT64_FORMAT " people, table "
      "%d, for %s\n", id, date, time, party, table, name);
  return g_strdup_printf ("{\"output\":{\"booking_id\":\"%s\",\"table\":%d,"
      "\"status\":\"confirmed\"}}", id, table);
}

static gchar *
cancel_booking (App * app, JsonObject * args)
{
  sqlite3_stmt *stmt;
  gint changed;

  sqlite3_prepare_v2 (app->db, "UPDATE bookings SET status = 'cancelled' "
      "WHERE id = ? AND status = 'confirmed'", -1, &stmt, NULL);
  sqlite3_bind_text (stmt, 1, arg_string (args, "booking_id"), -1,
      SQLITE_STATIC);
  sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  changed = sqlite3_changes (app->db);
  return g_strdup_printf ("{\"output\":{\"cancelled\":%s}}",
      changed > 0 ? "true" : "false");
}

static gchar *
get_menu (App * app)
{
  GString *specials = g_string_new (NULL);
  sqlite3_stmt *stmt;
  gchar *json;

  sqlite3_prepare_v2 (app->db, "SELECT dish FROM menu WHERE special = 1 "
      "ORDER BY dish", -1, &stmt, NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (specials, "%s%s", specials->len ? " and " : "",
        sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  json = g_strdup_printf ("{\"output\":{\"specials\":\"%s\"}}", specials->str);
  g_string_free (specials, TRUE);
  return json;
}

/* The model calls a tool.  Emitted on Voxpipe's network thread: the
 * queries are quick, so answer here; a slow backend would answer later
 * from its own thread with the same action signal. */
static void
on_tool_call (GstElement * agent, const gchar * id, const gchar * name,
    const gchar * args_json, App * app)
{
  g_autoptr (JsonNode) node = json_from_string (args_json, NULL);
  JsonObject *args = node && JSON_NODE_HOLDS_OBJECT (node) ?
      json_node_get_object (node) : NULL;
  g_autofree gchar *answer = NULL;
  gboolean sent = FALSE;

  if (args == NULL)
    answer = g_strdup ("{\"error\":\"The arguments are not an object.\"}");
  else if (g_str_equal (name, "check_availability"))
    answer = check_availability (app, args);
  else if (g_str_equal (name, "book_table"))
    answer = book_table (app, args);
  else if (g_str_equal (name, "cancel_booking"))
    answer = cancel_booking (app, args);
  else if (g_str_equal (name, "get_menu"))
    answer = get_menu (app);
  else
    answer = g_strdup_printf ("{\"error\":\"No tool named %s.\"}", name);

  g_print ("  tool %s(%s) → %s\n", name, args_json, answer);
  g_signal_emit_by_name (agent, "tool-response", id, answer, &sent);
  if (!sent)
    g_printerr ("  the answer to %s was refused (cancelled?)\n", id);
}

/* The caller */

/* Pushes what of the caller's line is due by now, in 20 ms buffers. */
static gboolean
say_frames (gpointer data)
{
  App *app = data;
  gsize frame = CALLER_RATE * FRAME_MS / 1000 * 2;
  gsize total = g_bytes_get_size (app->speaking);
  gsize due = (g_get_monotonic_time () - app->speaking_since) *
      CALLER_RATE / G_USEC_PER_SEC * 2;

  while (app->spoken + frame <= MIN (due + frame, total)) {
    GstBuffer *buffer = gst_buffer_new_allocate (NULL, frame, NULL);

    gst_buffer_fill (buffer, 0, (const guint8 *) g_bytes_get_data
        (app->speaking, NULL) + app->spoken, frame);
    gst_app_src_push_buffer (GST_APP_SRC (app->caller), buffer);
    app->spoken += frame;
    app->caller_samples += frame / 2;
  }
  if (app->spoken + frame <= total)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&app->speaking, g_bytes_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
say_next_line (gpointer data)
{
  App *app = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) speech = NULL;
  const gchar *text;
  gsize silence = CALLER_RATE;  /* samples: 1 s after the line */
  gpointer line;
  gsize size;

  if (app->line >= G_N_ELEMENTS (caller_lines)) {
    /* The caller hangs up; the stream ends once the goodbye is played. */
    gst_app_src_end_of_stream (GST_APP_SRC (app->caller));
    return G_SOURCE_REMOVE;
  }
  text = caller_lines[app->line++];
  speech = vp_speech_synthesize (text, "en-us", CALLER_RATE, &error);
  if (speech == NULL) {
    g_printerr ("Cannot synthesise the caller: %s\n", error->message);
    app->failed = TRUE;
    g_main_loop_quit (app->loop);
    return G_SOURCE_REMOVE;
  }
  g_print ("caller: %s\n", text);

  /* The line, then 1 s of silence, said in real time as a microphone
   * would: pushed all at once, the whole line would arrive together and
   * the end of the speech would seem a second earlier than it is. */
  size = g_bytes_get_size (speech);
  line = g_malloc0 (size + silence * 2);
  memcpy (line, g_bytes_get_data (speech, NULL), size);
  app->speaking = g_bytes_new_take (line, size + silence * 2);
  app->spoken = 0;
  app->speaking_since = g_get_monotonic_time ();
  g_timeout_add (FRAME_MS, say_frames, app);
  return G_SOURCE_REMOVE;
}

static void
on_transcript (GstElement * agent, const gchar * role, const gchar * text,
    gboolean finished, App * app)
{
  /* Transcripts come in pieces, on the network thread. */
  if (g_str_equal (role, "output"))
    g_string_append (app->said, text);
}

static void
on_turn (GstElement * agent, const gchar * state, gdouble latency_ms, App * app)
{
  if (g_str_equal (state, "started") && latency_ms >= 0)
    g_print ("  (voice-to-voice %.0f ms)\n", latency_ms);
  else if (g_str_equal (state, "complete")) {
    g_print ("  receptionist: %s\n", g_strstrip (app->said->str));
    g_string_truncate (app->said, 0);
    g_idle_add (say_next_line, app);
  }
}

static void
on_session (GstElement * agent, const gchar * state, const gchar * handle,
    App * app)
{
  if (g_str_equal (state, "ready"))
    g_idle_add (say_next_line, app);
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer data)
{
  App *app = data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:{
      g_autoptr (GError) error = NULL;
      g_autofree gchar *debug = NULL;
      gst_message_parse_error (msg, &error, &debug);
      g_printerr ("error: %s\n", error->message);
      app->failed = TRUE;
      g_main_loop_quit (app->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      g_print ("call ended\n");
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
have_geminilive (void)
{
  GstPluginFeature *feature =
      gst_registry_lookup_feature (gst_registry_get (), "geminilivesink");

  if (feature == NULL)
    return FALSE;
  gst_object_unref (feature);
  return TRUE;
}

/* GST_PLUGIN_PATH first (meson devenv sets it), then this build's
 * plugin: the example runs from the build tree as it is. */
static gboolean
find_geminilive (void)
{
  if (!have_geminilive () && g_file_test (VP_PLUGIN_BUILD_DIR,
          G_FILE_TEST_IS_DIR))
    gst_registry_scan_path (gst_registry_get (), VP_PLUGIN_BUILD_DIR);
  return have_geminilive ();
}

int
main (int argc, char **argv)
{
  g_autofree gchar *db_path = g_strdup ("receptionist.db");
  g_autofree gchar *endpoint = g_strdup ("local");
  g_autofree gchar *output = g_strdup ("receptionist-call.wav");
  g_autofree gchar *pipelines = NULL;
  g_autofree gchar *description = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  GstBus *bus;
  gdouble cost = 0;
  App app = { 0, };
  GOptionEntry entries[] = {
    {"db", 'd', 0, G_OPTION_ARG_FILENAME, &db_path,
        "SQLite database (created on first run)", "FILE"},
    {"endpoint", 'e', 0, G_OPTION_ARG_STRING, &endpoint,
        "\"local\" (built-in emulator) or wss://…", "URL"},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
        "Where to write the receptionist's voice", "WAV"},
    {NULL}
  };

  /* Our texts are UTF-8 ("…"): in the C locale GLib would print them
   * as "?", so a locale without a charset gets C.UTF-8's. */
  setlocale (LC_ALL, "");
  if (!g_get_charset (NULL))
    setlocale (LC_CTYPE, "C.UTF-8");

  context = g_option_context_new ("— the Bella Vista receptionist");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  if (!find_geminilive ()) {
    g_printerr ("receptionist: the geminilive plugin is not in %s nor on "
        "GST_PLUGIN_PATH; build it (ninja -C build) or set GST_PLUGIN_PATH "
        "to the build's gst-plugins directory.\n", VP_PLUGIN_BUILD_DIR);
    return 1;
  }
  if (!db_open (&app, db_path))
    return 1;

  pipelines = g_strdup (g_getenv ("VP_PIPELINES_DIR"));
  if (pipelines == NULL)
    pipelines = g_build_filename (VP_SOURCE_DIR, "pipelines", NULL);

  description = g_strdup_printf ("appsrc name=caller is-live=true "
      "format=time do-timestamp=true caps=audio/x-raw,format=S16LE,"
      "layout=interleaved,channels=1,rate=%d ! queue ! "
      "geminilivesink name=agent session=bella endpoint=\"%s\" "
      "scenario=\"%s/receptionist.scenario.json\" "
      "tools-file=\"%s/receptionist-app.tools.json\" "
      "system-instruction-file=\"%s/receptionist.txt\" "
      "geminilivesrc session=bella ! wavenc ! filesink location=\"%s\"",
      CALLER_RATE, endpoint, pipelines, pipelines, pipelines, output);

  app.pipeline = gst_parse_launch_full (description, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (app.pipeline == NULL) {
    g_printerr ("Cannot build the pipeline: %s\n", error->message);
    return 1;
  }
  app.agent = gst_bin_get_by_name (GST_BIN (app.pipeline), "agent");
  app.caller = gst_bin_get_by_name (GST_BIN (app.pipeline), "caller");
  app.loop = g_main_loop_new (NULL, FALSE);
  app.said = g_string_new (NULL);

  g_signal_connect (app.agent, "tool-call", G_CALLBACK (on_tool_call), &app);
  g_signal_connect (app.agent, "transcript", G_CALLBACK (on_transcript), &app);
  g_signal_connect (app.agent, "turn", G_CALLBACK (on_turn), &app);
  g_signal_connect (app.agent, "session", G_CALLBACK (on_session), &app);

  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_bus, &app);
  gst_object_unref (bus);

  gst_element_set_state (app.pipeline, GST_STATE_PLAYING);
  g_main_loop_run (app.loop);

  g_object_get (app.agent, "cost", &cost, NULL);
  g_print ("cost of the call: $%.5f\n", cost);
  gst_element_set_state (app.pipeline, GST_STATE_NULL);

  gst_bus_remove_watch (GST_ELEMENT_BUS (app.pipeline));
  gst_object_unref (app.agent);
  gst_object_unref (app.caller);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  g_string_free (app.said, TRUE);
  g_clear_pointer (&app.speaking, g_bytes_unref);
  sqlite3_close (app.db);
  return app.failed ? 1 : 0;
}
