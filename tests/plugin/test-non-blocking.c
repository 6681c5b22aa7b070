/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Non-blocking tools on 3.8 from end to end (issue 15.3, 15.5): a slow
 * tool (it answers seconds later, once the model is busy with another
 * question) while the microphone streams and the caller is answered; then
 * the result as its scheduling says: when-idle after the current reply,
 * interrupt at once, silent only for a later turn.  Asserted on the
 * transcripts and turns the pipeline posts, in order, and on the
 * emulator's record of what Voxpipe sent. */

#include "config.h"

#include <gst/gst.h>
#include <voxpipe.h>
#include <voxpipe-emulator.h>
#include <glib/gstdio.h>

#include <string.h>

#define WAIT_S 60
#define TOOL_DELAY_US (2 * G_USEC_PER_SEC)

static const gchar scenario[] =
    "{\"name\":\"slow tool\",\"turns\":["
    "{\"id\":\"weather\",\"match\":{\"text\":\"weather\",\"in-order\":false},"
    "\"say\":\"Let me check.\","
    "\"calls\":[{\"name\":\"slow_weather\",\"args\":{\"city\":\"Paris\"}}],"
    "\"filler\":\"While I look, ask me anything.\","
    "\"then\":\"It is {{slow_weather.output.tempC}} degrees in Paris.\"},"
    "{\"id\":\"story\",\"match\":{\"text\":\"story\",\"in-order\":false},"
    "\"say\":\"Once upon a time a small pipeline carried voices across the "
    "world, and every morning it listened for the first word of the day.\"},"
    "{\"id\":\"remind\",\"match\":{\"text\":\"remind\",\"in-order\":false},"
    "\"say\":\"It was {{slow_weather.output.tempC|unknown}} degrees.\"}],"
    "\"fallback\":{\"say\":\"Sorry?\"}}";

static const gchar tools[] = "{\"tools\":[{\"name\":\"slow_weather\","
    "\"description\":\"The weather of a city (slow)\","
    "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
    "{\"type\":\"string\"}}}}]}";

typedef struct
{
  GstElement *agent;
  const gchar *scheduling;
  GMutex lock;
  gchar *call_id;
  GThread *answerer;
} App;

static void
on_tool_call (GstElement * agent, const gchar * id, const gchar * name,
    const gchar * args, App * app)
{
  g_mutex_lock (&app->lock);
  g_free (app->call_id);
  app->call_id = g_strdup (id);
  g_mutex_unlock (&app->lock);
}

/* The slow tool: its answer comes seconds after the call. */
static gpointer
answer_later (gpointer data)
{
  App *app = data;
  g_autofree gchar *id = NULL;
  gboolean ok = FALSE;

  g_usleep (TOOL_DELAY_US);
  g_mutex_lock (&app->lock);
  id = g_strdup (app->call_id);
  g_mutex_unlock (&app->lock);
  g_assert_nonnull (id);
  g_signal_emit_by_name (app->agent, "tool-response-scheduled", id,
      "{\"output\": {\"tempC\": 21}}", app->scheduling, &ok);
  g_assert_true (ok);
  return NULL;
}

/* What the pipeline showed, in order: "say:…", "turn:…", "interrupted". */
static GPtrArray *
converse (VpEmulator * emulator, const gchar * scheduling)
{
  g_autofree gchar *url = vp_emulator_get_url (emulator);
  g_autofree gchar *tools_path = g_build_filename (g_get_tmp_dir (),
      "vp-test-slow-tools.json", NULL);
  g_autofree gchar *description = NULL;
  GPtrArray *events = g_ptr_array_new_with_free_func (g_free);
  App app = { NULL, scheduling, };
  GstElement *pipeline;
  GstBus *bus;
  gboolean done = FALSE, asked_story = FALSE, asked_remind = FALSE;
  gboolean result_said = FALSE;
  gchar *joined;
  guint completes_after_story = 0;
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  g_assert_true (g_file_set_contents (tools_path, tools, -1, NULL));
  description = g_strdup_printf ("audiotestsrc is-live=true wave=silence "
      "samplesperbuffer=320 ! audio/x-raw,format=S16LE,rate=16000,channels=1 "
      "! geminilivesink name=agent session=nb endpoint=%s tools-file=\"%s\" "
      "geminilivesrc session=nb ! fakesink sync=true", url, tools_path);
  pipeline = gst_parse_launch (description, NULL);
  g_assert_nonnull (pipeline);
  app.agent = gst_bin_get_by_name (GST_BIN (pipeline), "agent");
  g_mutex_init (&app.lock);
  g_signal_connect (app.agent, "tool-call", G_CALLBACK (on_tool_call), &app);
  bus = gst_element_get_bus (pipeline);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);

  while (!done && g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop (bus, 100 * GST_MSECOND);
    const GstStructure *s;
    const gchar *state;

    if (msg == NULL)
      continue;
    g_assert_cmpint (GST_MESSAGE_TYPE (msg), !=, GST_MESSAGE_ERROR);
    s = gst_message_get_structure (msg);
    if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT || s == NULL) {
      gst_message_unref (msg);
      continue;
    }
    state = gst_structure_get_string (s, "state");
    if (gst_structure_has_name (s, "geminilive/session")
        && g_strcmp0 (state, "ready") == 0) {
      g_signal_emit_by_name (app.agent, "send-text",
          "What is the weather in Paris?");
    } else if (gst_structure_has_name (s, "geminilive/transcript")
        && g_strcmp0 (gst_structure_get_string (s, "role"), "output") == 0) {
      const gchar *text = gst_structure_get_string (s, "text");
      gchar *last = events->len > 0 ?
          g_ptr_array_index (events, events->len - 1) : NULL;

      /* Transcripts come in pieces: one event for what is said between
       * two other events. */
      if (last != NULL && g_str_has_prefix (last, "say:")) {
        events->pdata[events->len - 1] = g_strconcat (last, text, NULL);
        g_free (last);
      } else {
        g_ptr_array_add (events, g_strdup_printf ("say:%s", text));
      }
      last = g_ptr_array_index (events, events->len - 1);
      /* The model is busy with the caller's next question: now the slow
       * tool answers. */
      if (strstr (last, "Once") != NULL && app.answerer == NULL)
        app.answerer = g_thread_new ("slow-tool", answer_later, &app);
      result_said |= strstr (last, "21 degrees") != NULL;
    } else if (gst_structure_has_name (s, "geminilive/interrupted")) {
      guint64 dropped = 0;

      gst_structure_get_uint64 (s, "dropped-samples", &dropped);
      g_ptr_array_add (events, g_strdup_printf ("interrupted:%"
              G_GUINT64_FORMAT, dropped));
    } else if (gst_structure_has_name (s, "geminilive/turn")
        && (g_strcmp0 (state, "complete") == 0
            || g_strcmp0 (state, "continues") == 0)) {
      g_ptr_array_add (events, g_strdup_printf ("turn:%s", state));
      if (g_strcmp0 (state, "continues") == 0 && !asked_story) {
        /* While the call runs, the caller asks something else. */
        g_signal_emit_by_name (app.agent, "send-text", "Tell me a story.");
        asked_story = TRUE;
      } else if (asked_story && g_strcmp0 (state, "complete") == 0) {
        completes_after_story++;
        if (result_said)
          done = TRUE;
        else if (g_strcmp0 (scheduling, "silent") == 0 && !asked_remind
            && app.answerer != NULL) {
          g_thread_join (app.answerer);
          app.answerer = NULL;
          g_signal_emit_by_name (app.agent, "send-text",
              "Remind me of the weather.");
          asked_remind = TRUE;
        }
      }
    }
    gst_message_unref (msg);
    if (asked_remind && completes_after_story >= 2)
      done = TRUE;
  }
  g_ptr_array_add (events, NULL);
  joined = g_strjoinv (" | ", (gchar **) events->pdata);
  g_test_message ("%s: %s", scheduling, joined);
  g_free (joined);
  g_ptr_array_set_size (events, events->len - 1);
  g_assert_true (done);

  if (app.answerer != NULL)
    g_thread_join (app.answerer);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (app.agent);
  gst_object_unref (pipeline);
  g_free (app.call_id);
  g_mutex_clear (&app.lock);
  g_unlink (tools_path);
  return events;
}

/* The index of the first event at or after @from holding @text. */
static gint
find (GPtrArray * events, guint from, const gchar * text)
{
  guint i;

  for (i = from; i < events->len; i++)
    if (strstr (g_ptr_array_index (events, i), text) != NULL)
      return i;
  g_error ("no \"%s\" from event %u on", text, from);
  return -1;
}

/* What Voxpipe sent: the question, asked while the call ran and the
 * microphone streamed, then one answer with @scheduling. */
static void
check_record (VpEmulator * emulator, const gchar * scheduling)
{
  g_autofree gchar *text = vp_emulator_get_record (emulator);
  g_autoptr (JsonNode) root = json_from_string (text, NULL);
  JsonArray *connections = json_node_get_array (root);
  JsonObject *conn = json_array_get_object_element (connections,
      json_array_get_length (connections) - 1);
  JsonArray *messages = json_object_get_array_member (conn, "messages");
  gint story = -1, response = -1, audio_between = 0, responses = 0;
  guint i;

  for (i = 0; i < json_array_get_length (messages); i++) {
    JsonObject *m = json_array_get_object_element (messages, i);
    JsonObject *input = json_object_has_member (m, "realtimeInput") ?
        json_object_get_object_member (m, "realtimeInput") : NULL;

    if (input != NULL && g_strcmp0 (json_object_get_string_member_with_default
            (input, "text", NULL), "Tell me a story.") == 0)
      story = i;
    if (input != NULL && json_object_has_member (input, "audio")
        && story >= 0 && response < 0)
      audio_between++;
    if (json_object_has_member (m, "toolResponse")) {
      JsonObject *r =
          json_array_get_object_element (json_object_get_array_member
          (json_object_get_object_member (m, "toolResponse"),
              "functionResponses"), 0);
      g_autofree gchar *wire = g_ascii_strup (scheduling, -1);

      g_strdelimit (wire, "-", '_');
      g_assert_cmpstr (json_object_get_string_member (r, "scheduling"), ==,
          wire);
      response = i;
      responses++;
    }
  }
  g_assert_cmpint (responses, ==, 1);
  g_assert_cmpint (story, >=, 0);
  g_assert_cmpint (story, <, response);
  g_assert_cmpint (audio_between, >, 0);
}

static VpEmulator *
start_emulator (void)
{
  VpEmulator *emulator = vp_emulator_new ();
  g_autoptr (GError) error = NULL;

  g_object_set (emulator, "scenario", scenario, "latency-ms", 50, NULL);
  g_assert_true (vp_emulator_start (emulator, &error));
  g_assert_no_error (error);
  return emulator;
}

/* Common to all: the filler while the call runs, and the caller answered
 * while it runs.  Returns the index of the story's first words. */
static gint
check_spoken_to (GPtrArray * events)
{
  gint check = find (events, 0, "Let me check.");
  gint filler = find (events, check, "While I look");
  gint continues = find (events, filler, "turn:continues");

  return find (events, continues, "Once upon a time");
}

static void
test_when_idle (void)
{
  VpEmulator *emulator = start_emulator ();
  g_autoptr (GPtrArray) events = converse (emulator, "when-idle");
  gint story = check_spoken_to (events);
  gint story_end = find (events, story, "turn:complete");
  gint result = find (events, story_end, "21 degrees");
  guint i;

  /* The story was told to its end, then the result spoken. */
  find (events, story, "first word");
  g_assert_cmpint (result, >, story_end);
  for (i = story; i < (guint) result; i++)
    g_assert_false (g_str_has_prefix (g_ptr_array_index (events, i),
            "interrupted"));
  check_record (emulator, "when-idle");
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

static void
test_interrupt (void)
{
  VpEmulator *emulator = start_emulator ();
  g_autoptr (GPtrArray) events = converse (emulator, "interrupt");
  gint story = check_spoken_to (events);
  gint cut = find (events, story, "interrupted:");
  gint result = find (events, cut, "21 degrees");
  guint64 dropped = g_ascii_strtoull ((gchar *) g_ptr_array_index (events,
          cut) + strlen ("interrupted:"), NULL, 10);

  /* The story was cut (what had not played yet was dropped, never heard),
   * and the result spoken at once. */
  g_assert_cmpuint (dropped, >, 0);
  g_assert_cmpint (result, >, cut);
  check_record (emulator, "interrupt");
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

static void
test_silent (void)
{
  VpEmulator *emulator = start_emulator ();
  g_autoptr (GPtrArray) events = converse (emulator, "silent");
  gint story = check_spoken_to (events);
  gint story_end = find (events, story, "turn:complete");
  gint reminded = find (events, story_end, "It was 21 degrees.");
  gint i;

  /* Nothing was said of the result until the caller asked. */
  for (i = 0; i < reminded; i++)
    g_assert_null (strstr (g_ptr_array_index (events, i), "21 degrees in"));
  check_record (emulator, "silent");
  vp_emulator_stop (emulator);
  g_object_unref (emulator);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/non-blocking/when-idle", test_when_idle);
  g_test_add_func ("/non-blocking/interrupt", test_interrupt);
  g_test_add_func ("/non-blocking/silent", test_silent);
  return g_test_run ();
}
