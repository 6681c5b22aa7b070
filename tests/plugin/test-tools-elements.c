/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Tool calls at the element level (issue 4), with endpoint=local: a bad
 * tools file fails the state change with an error naming the file and the
 * tool; a model that drops NON_BLOCKING posts a warning; the application
 * answers through the tool-call / tool-response signals from another
 * thread, and the bus shows every call and result; the builtin end-call
 * ends the stream with EOS once the goodbye has left geminilivesrc.
 * Every wait is bounded. */

#include "config.h"

#include <gst/gst.h>
#include <voxpipe.h>
#include <voxpipe-emulator.h>

#include <string.h>

#define WAIT_S 30
#define MIC_CAPS "audio/x-raw,format=S16LE,layout=interleaved,channels=1," \
  "rate=16000"

static gchar *
data_path (const gchar * name)
{
  const gchar *source = g_getenv ("VP_SOURCE_DIR");

  return g_build_filename (source ? source : VP_SOURCE_DIR, "tests", "data",
      name, NULL);
}

static GstElement *
launch (const gchar * description)
{
  g_autoptr (GError) error = NULL;
  GstElement *pipeline;

  g_test_message ("pipeline: %s", description);
  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pipeline);
  return pipeline;
}

static void
stop (GstElement * pipeline)
{
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
}

static void
assert_contains (const gchar * text, const gchar * words)
{
  if (text == NULL || strstr (text, words) == NULL)
    g_error ("\"%s\" lacks \"%s\"", text ? text : "(null)", words);
}

/* A bad tools file: the state change fails, with a RESOURCE/SETTINGS
 * error naming the file, the tool and the problem. */
static void
test_bad_tools_file (void)
{
  g_autofree gchar *tools = data_path ("tools-bad-handler.json");
  g_autofree gchar *description = g_strdup_printf ("appsrc is-live=true "
      "format=time caps=%s ! geminilivesink session=tt-bad endpoint=local "
      "tools-file=\"%s\"", MIC_CAPS, tools);
  GstElement *pipeline = launch (description);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *debug = NULL;

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PAUSED), ==,
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  gst_message_parse_error (msg, &error, &debug);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS);
  assert_contains (error->message, tools);
  assert_contains (error->message, "\"book_table\"");
  assert_contains (error->message, "exactly one of");
  stop (pipeline);
}

/* NON_BLOCKING and scheduling: a warning on 3.1, none on 2.5. */
static guint
count_tool_warnings (const gchar * model, GPtrArray * texts)
{
  g_autofree gchar *tools = data_path ("tools-non-blocking.json");
  g_autofree gchar *description = g_strdup_printf ("appsrc is-live=true "
      "format=time caps=%s ! geminilivesink session=tt-warn endpoint=local "
      "model=%s tools-file=\"%s\"", MIC_CAPS, model, tools);
  GstElement *pipeline = launch (description);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  guint n = 0;

  /* The sink reads the tools file when it starts. */
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PAUSED), !=,
      GST_STATE_CHANGE_FAILURE);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING |
              GST_MESSAGE_ERROR)) != NULL) {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *debug = NULL;

    g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_WARNING);
    gst_message_parse_warning (msg, &error, &debug);
    g_test_message ("%s: warning: %s", model, error->message);
    if (g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS)
        && strstr (error->message, "tools-file") != NULL) {
      n++;
      g_ptr_array_add (texts, g_strdup (error->message));
    }
    gst_message_unref (msg);
  }
  stop (pipeline);
  return n;
}

static void
test_model_warning (void)
{
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *all = NULL;

  g_assert_cmpuint (count_tool_warnings
      ("gemini-2.5-flash-native-audio-preview-12-2025", texts), ==, 0);
  g_assert_cmpuint (count_tool_warnings ("gemini-3.1-flash-live-preview",
          texts), >=, 2);
  g_ptr_array_add (texts, NULL);
  all = g_strjoinv ("\n", (gchar **) texts->pdata);
  assert_contains (all, "notify_kitchen");
  assert_contains (all, "NON_BLOCKING");
  assert_contains (all, "WHEN_IDLE");
  assert_contains (all, "log_visit");
}

/* The application answers a call from another thread, later. */

typedef struct
{
  GstElement *agent;
  GMutex lock;
  gchar *id;                    /* the call the application got */
  gchar *name;
  gchar *args;
  guint n_calls;
  GThread *answerer;
  gboolean answered;
  gboolean refused_unknown;
} App;

static gpointer
answer_later (gpointer data)
{
  App *app = data;
  gboolean ok = FALSE, bogus = TRUE;
  g_autofree gchar *id = NULL;

  g_usleep (300 * 1000);
  g_mutex_lock (&app->lock);
  id = g_strdup (app->id);
  g_mutex_unlock (&app->lock);
  g_signal_emit_by_name (app->agent, "tool-response", id,
      "{\"output\": {\"word\": \"xylophone\"}}", &ok);
  /* An id nobody asked for is refused. */
  g_signal_emit_by_name (app->agent, "tool-response", "fc-bogus",
      "{\"output\": {}}", &bogus);
  g_mutex_lock (&app->lock);
  app->answered = ok;
  app->refused_unknown = !bogus;
  g_mutex_unlock (&app->lock);
  return NULL;
}

static void
on_tool_call (GstElement * agent, const gchar * id, const gchar * name,
    const gchar * args, App * app)
{
  /* On Voxpipe's network thread: hand the work off, do not block. */
  g_mutex_lock (&app->lock);
  app->n_calls++;
  g_free (app->id);
  app->id = g_strdup (id);
  g_free (app->name);
  app->name = g_strdup (name);
  g_free (app->args);
  app->args = g_strdup (args);
  if (app->answerer == NULL)
    app->answerer = g_thread_new ("app-answerer", answer_later, app);
  g_mutex_unlock (&app->lock);
}

static void
test_app_answers (void)
{
  g_autofree gchar *tools = data_path ("tools-app.json");
  g_autofree gchar *scenario = data_path ("tools-app.scenario.json");
  /* 3.1: blocking calls, so the one turn holds the call and its answer
   * (3.8's non-blocking calls: tests/plugin/test-non-blocking.c). */
  g_autofree gchar *description = g_strdup_printf ("appsrc is-live=true "
      "format=time caps=%s ! geminilivesink name=agent session=tt-app "
      "model=gemini-3.1-flash-live-preview "
      "endpoint=local scenario=\"%s\" tools-file=\"%s\" "
      "geminilivesrc session=tt-app ! fakesink sync=false", MIC_CAPS,
      scenario, tools);
  GstElement *pipeline = launch (description);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GHashTable) handlers = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) results = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, g_free);
  GString *said = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  gboolean sent = FALSE, done = FALSE;
  App app = { 0, };

  g_mutex_init (&app.lock);
  app.agent = gst_bin_get_by_name (GST_BIN (pipeline), "agent");
  g_signal_connect (app.agent, "tool-call", G_CALLBACK (on_tool_call), &app);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);

  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    const GstStructure *s;

    if (g_get_monotonic_time () > deadline)
      g_error ("timed out; the model said \"%s\"", said->str);
    if (msg == NULL)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      g_autoptr (GError) error = NULL;
      gst_message_parse_error (msg, &error, NULL);
      g_error ("pipeline error: %s", error->message);
    }
    s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "geminilive/session")
        && g_strcmp0 (gst_structure_get_string (s, "state"), "ready") == 0
        && !sent) {
      g_signal_emit_by_name (app.agent, "send-text", "the word please");
      sent = TRUE;
    } else if (gst_structure_has_name (s, "geminilive/tool-call")) {
      /* Every call, with who answers it. */
      g_hash_table_insert (handlers,
          g_strdup (gst_structure_get_string (s, "name")),
          g_strdup (gst_structure_get_string (s, "handler")));
      g_assert_nonnull (gst_structure_get_string (s, "id"));
      g_assert_nonnull (gst_structure_get_string (s, "args"));
    } else if (gst_structure_has_name (s, "geminilive/tool-result")) {
      g_hash_table_insert (results,
          g_strdup (gst_structure_get_string (s, "name")),
          g_strdup (gst_structure_get_string (s, "response")));
    } else if (gst_structure_has_name (s, "geminilive/transcript")
        && g_strcmp0 (gst_structure_get_string (s, "role"), "output") == 0) {
      g_string_append (said, gst_structure_get_string (s, "text"));
    } else if (gst_structure_has_name (s, "geminilive/turn")
        && g_strcmp0 (gst_structure_get_string (s, "state"), "complete") == 0) {
      done = TRUE;
    }
    gst_message_unref (msg);
  }
  g_test_message ("the model said: %s", said->str);

  g_assert_cmpstr (g_hash_table_lookup (handlers, "lookup_word"), ==, "app");
  g_assert_cmpstr (g_hash_table_lookup (handlers, "opening_hours"), ==,
      "result");
  assert_contains (g_hash_table_lookup (results, "lookup_word"), "xylophone");
  assert_contains (g_hash_table_lookup (results, "opening_hours"), "noon");
  /* Only the call without a handler was asked of the application. */
  g_mutex_lock (&app.lock);
  g_assert_cmpuint (app.n_calls, ==, 1);
  g_assert_cmpstr (app.name, ==, "lookup_word");
  g_assert_cmpstr (app.args, ==, "{\"key\":\"secret\"}");
  g_mutex_unlock (&app.lock);
  g_thread_join (app.answerer);
  g_assert_true (app.answered);
  g_assert_true (app.refused_unknown);
  /* The model spoke with the application's answer. */
  assert_contains (said->str, "xylophone");
  assert_contains (said->str, "noon");

  stop (pipeline);
  gst_object_unref (app.agent);
  g_free (app.id);
  g_free (app.name);
  g_free (app.args);
  g_mutex_clear (&app.lock);
  g_string_free (said, TRUE);
}

/* gst-launch: no application connects to tool-call, so a call without a
 * handler is answered at once with an error the model speaks around,
 * the bus says handler=none (not "app"), and a warning names the fix. */
static void
test_nobody_answers (void)
{
  g_autofree gchar *tools = data_path ("tools-app.json");
  g_autofree gchar *scenario = data_path ("tools-app.scenario.json");
  g_autofree gchar *description = g_strdup_printf ("appsrc is-live=true " "format=time caps=%s ! geminilivesink name=agent session=tt-none " "model=gemini-3.1-flash-live-preview "     /* blocking: one turn */
      "endpoint=local scenario=\"%s\" tools-file=\"%s\" "
      "geminilivesrc session=tt-none ! fakesink sync=false", MIC_CAPS,
      scenario, tools);
  GstElement *pipeline = launch (description);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstElement) agent = gst_bin_get_by_name (GST_BIN (pipeline),
      "agent");
  g_autoptr (GHashTable) handlers = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) results = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, g_free);
  g_autofree gchar *warning = NULL;
  GString *said = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  gboolean sent = FALSE, done = FALSE;

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    const GstStructure *s;

    if (g_get_monotonic_time () > deadline)
      g_error ("timed out; the model said \"%s\"", said->str);
    if (msg == NULL)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      g_autoptr (GError) error = NULL;
      gst_message_parse_error (msg, &error, NULL);
      g_error ("pipeline error: %s", error->message);
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      g_autoptr (GError) error = NULL;
      gst_message_parse_warning (msg, &error, NULL);
      if (strstr (error->message, "tool-call") != NULL) {
        g_free (warning);
        warning = g_strdup (error->message);
      }
      gst_message_unref (msg);
      continue;
    }
    s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "geminilive/session")
        && g_strcmp0 (gst_structure_get_string (s, "state"), "ready") == 0
        && !sent) {
      g_signal_emit_by_name (agent, "send-text", "the word please");
      sent = TRUE;
    } else if (gst_structure_has_name (s, "geminilive/tool-call")) {
      g_hash_table_insert (handlers,
          g_strdup (gst_structure_get_string (s, "name")),
          g_strdup (gst_structure_get_string (s, "handler")));
    } else if (gst_structure_has_name (s, "geminilive/tool-result")) {
      g_hash_table_insert (results,
          g_strdup (gst_structure_get_string (s, "name")),
          g_strdup (gst_structure_get_string (s, "response")));
    } else if (gst_structure_has_name (s, "geminilive/transcript")
        && g_strcmp0 (gst_structure_get_string (s, "role"), "output") == 0) {
      g_string_append (said, gst_structure_get_string (s, "text"));
    } else if (gst_structure_has_name (s, "geminilive/turn")
        && g_strcmp0 (gst_structure_get_string (s, "state"), "complete") == 0) {
      done = TRUE;
    }
    gst_message_unref (msg);
  }
  g_test_message ("the model said: %s; warning: %s", said->str, warning);

  g_assert_cmpstr (g_hash_table_lookup (handlers, "lookup_word"), ==, "none");
  g_assert_cmpstr (g_hash_table_lookup (handlers, "opening_hours"), ==,
      "result");
  assert_contains (g_hash_table_lookup (results, "lookup_word"),
      "\"error\":\"The function lookup_word is not available here");
  assert_contains (g_hash_table_lookup (results, "opening_hours"), "noon");
  assert_contains (warning, "lookup_word");
  assert_contains (warning, "connect to the tool-call signal");
  /* The model went on with the answer it had. */
  assert_contains (said->str, "noon");

  stop (pipeline);
  g_string_free (said, TRUE);
}

/* end-call: EOS once the goodbye has left geminilivesrc. */

typedef struct
{
  GMutex lock;
  guint64 samples;              /* model audio (not GAP) that left the src */
  guint64 samples_at_eos;
  gboolean eos;
} Probe;

static GstPadProbeReturn
on_src_data (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Probe *p = data;

  g_mutex_lock (&p->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
    /* Model audio; a period only partly filled is padded with zeros. */
    if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP))
      p->samples += gst_buffer_get_size (buffer) / 2;
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    p->eos = TRUE;
    p->samples_at_eos = p->samples;
  }
  g_mutex_unlock (&p->lock);
  return GST_PAD_PROBE_OK;
}

static void
test_end_call_eos (void)
{
  static const gchar goodbye[] = "Thank you for calling. Goodbye!";
  g_autofree gchar *tools = data_path ("tools-end-call.json");
  g_autofree gchar *scenario = data_path ("tools-end-call.scenario.json");
  g_autofree gchar *description = g_strdup_printf ("appsrc name=mic "
      "is-live=true format=time caps=%s ! geminilivesink name=agent "
      "session=tt-bye endpoint=local scenario=\"%s\" tools-file=\"%s\" "
      "geminilivesrc name=speaker session=tt-bye ! fakesink sync=true",
      MIC_CAPS, scenario, tools);
  GstElement *pipeline = launch (description);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstElement) agent = gst_bin_get_by_name (GST_BIN (pipeline),
      "agent");
  g_autoptr (GstElement) mic = gst_bin_get_by_name (GST_BIN (pipeline), "mic");
  g_autoptr (GstElement) speaker = gst_bin_get_by_name (GST_BIN (pipeline),
      "speaker");
  g_autoptr (GstPad) pad = gst_element_get_static_pad (speaker, "src");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) rendered = vp_speech_synthesize (goodbye, "en-us",
      24000, &error);
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  guint64 goodbye_samples, samples_at_result = 0;
  gboolean sent = FALSE, eos = FALSE, result = FALSE;
  GstFlowReturn flow;
  Probe probe = { 0, };

  g_assert_no_error (error);
  goodbye_samples = g_bytes_get_size (rendered) / 2;
  g_mutex_init (&probe.lock);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_src_data, &probe, NULL);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);

  while (!eos) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    const GstStructure *s;

    if (g_get_monotonic_time () > deadline)
      g_error ("no EOS after %d s (%" G_GUINT64_FORMAT " samples played)",
          WAIT_S, probe.samples);
    if (msg == NULL)
      continue;
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR:{
        g_autoptr (GError) e = NULL;
        gst_message_parse_error (msg, &e, NULL);
        g_error ("pipeline error: %s", e->message);
      }
      case GST_MESSAGE_EOS:
        eos = TRUE;
        break;
      default:
        s = gst_message_get_structure (msg);
        if (gst_structure_has_name (s, "geminilive/session")
            && g_strcmp0 (gst_structure_get_string (s, "state"),
                "ready") == 0 && !sent) {
          /* The caller says goodbye and hangs up the microphone. */
          g_signal_emit_by_name (agent, "send-text", "bye now");
          g_signal_emit_by_name (mic, "end-of-stream", &flow);
          sent = TRUE;
        } else if (gst_structure_has_name (s, "geminilive/tool-call")) {
          g_assert_cmpstr (gst_structure_get_string (s, "name"), ==,
              "end_call");
          g_assert_cmpstr (gst_structure_get_string (s, "handler"), ==,
              "builtin");
        } else if (gst_structure_has_name (s, "geminilive/tool-result")) {
          assert_contains (gst_structure_get_string (s, "response"),
              "\"ok\":true");
          result = TRUE;
          g_mutex_lock (&probe.lock);
          samples_at_result = probe.samples;
          g_mutex_unlock (&probe.lock);
        }
        break;
    }
    gst_message_unref (msg);
  }

  g_mutex_lock (&probe.lock);
  g_test_message ("goodbye: %" G_GUINT64_FORMAT " samples rendered; %"
      G_GUINT64_FORMAT " had left the src at the tool result, %"
      G_GUINT64_FORMAT " at EOS", goodbye_samples, samples_at_result,
      probe.samples_at_eos);
  g_assert_true (result);
  g_assert_true (probe.eos);
  /* The whole goodbye played before the stream ended (and not much else:
   * the periods it filled). */
  g_assert_cmpuint (probe.samples_at_eos, >=, goodbye_samples);
  g_assert_cmpuint (probe.samples_at_eos, <, goodbye_samples + 24000);
  /* The call was answered while the goodbye was still playing: EOS waited
   * for it. */
  g_assert_cmpuint (samples_at_result, <, goodbye_samples);
  g_mutex_unlock (&probe.lock);

  stop (pipeline);
  g_mutex_clear (&probe.lock);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tools-elements/bad-tools-file", test_bad_tools_file);
  g_test_add_func ("/tools-elements/model-warning", test_model_warning);
  g_test_add_func ("/tools-elements/app-answers", test_app_answers);
  g_test_add_func ("/tools-elements/nobody-answers", test_nobody_answers);
  g_test_add_func ("/tools-elements/end-call-eos", test_end_call_eos);
  return g_test_run ();
}
