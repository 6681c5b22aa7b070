/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* voxpipe: runs a pipeline like gst-launch-1.0, but knows about voice.
 *
 *   voxpipe [-f FILE.pipeline] [-D NAME=VALUE]... [--] [PIPELINE DESCRIPTION]
 *   voxpipe serve -f AGENT.pipeline [--web HOST:PORT] ...   (voxpipe-serve.c)
 *
 * A .pipeline file is a gst-launch description with ${name} variables.
 * "# default name=value" lines give defaults, "# describe: …" a
 * description; other lines starting with # are comments.  Built-in
 * variables: ${pipelines} (the directory of the ready pipelines) and
 * ${caller_question} (the recorded caller question made at build time).
 *
 * While it runs it prints what the geminilive elements post on the bus as
 * a conversation: session state, "caller:" and "agent:" transcripts, tool
 * calls and their answers, each turn's voice-to-voice latency and the
 * cost; at the end a summary.  Ctrl-C sends EOS (the conversation ends
 * cleanly, files are finalised); a second Ctrl-C stops at once.
 *
 * Exit status: 0 after EOS, 1 after an error or the --timeout, 2 for a
 * usage error, 130 when stopped by a second Ctrl-C.
 */

#include "config.h"

#include "vp-pipeline-file.h"
#include "voxpipe-serve.h"
#include "voxpipe-cost.h"

#include <voxpipe.h>

#include <gst/gst.h>
#include <glib-unix.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline;
  gboolean quiet;
  gint exit_code;
  guint interrupts;
  gboolean done;
  guint sigint_id;
  guint timeout_id;

  /* the conversation so far */
  GString *caller;              /* input transcript of the current turn */
  GString *agent;               /* output transcript of the current turn */
  guint turns_started;
  guint turns_complete;
  guint interruptions;
  guint tool_calls;
  GArray *latencies;            /* gdouble ms, of turns that had one */
  gboolean have_usage;
  gint64 input_tokens;
  gint64 output_tokens;
  gint64 thoughts_tokens;
  gint64 input_video_tokens;
  gdouble input_audio_seconds;
  gdouble output_audio_seconds;
  gdouble cost_usd;
  GstStructure *usage;          /* the last usage message, for --usage-log */
} Runner;

/* ------------------------------------------------------------------------ */
/* The conversation */

static void
say (Runner * r, const gchar * format, ...)
{
  va_list args;

  if (r->quiet)
    return;
  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

static void
flush_caller (Runner * r)
{
  g_strstrip (r->caller->str);
  r->caller->len = strlen (r->caller->str);
  if (r->caller->len > 0)
    say (r, "caller: %s", r->caller->str);
  g_string_truncate (r->caller, 0);
}

static void
flush_agent (Runner * r, const gchar * suffix)
{
  g_strstrip (r->agent->str);
  r->agent->len = strlen (r->agent->str);
  if (r->agent->len > 0)
    say (r, "agent: %s%s", r->agent->str, suffix);
  g_string_truncate (r->agent, 0);
}

static const gchar *
get_string (const GstStructure * s, const gchar * field)
{
  const gchar *value = gst_structure_get_string (s, field);

  return value != NULL ? value : "";
}

static gdouble
get_double (const GstStructure * s, const gchar * field, gdouble fallback)
{
  gdouble value;

  return gst_structure_get_double (s, field, &value) ? value : fallback;
}

static gint64
get_int64 (const GstStructure * s, const gchar * field)
{
  gint64 value;

  return gst_structure_get_int64 (s, field, &value) ? value : 0;
}

static void
on_geminilive_message (Runner * r, const GstStructure * s)
{
  const gchar *event = gst_structure_get_name (s) + strlen ("geminilive/");

  if (g_str_equal (event, "session")) {
    say (r, "session: %s", get_string (s, "state"));
  } else if (g_str_equal (event, "transcript")) {
    gboolean finished = FALSE;
    const gchar *text = get_string (s, "text");

    gst_structure_get_boolean (s, "finished", &finished);
    if (g_str_equal (get_string (s, "role"), "input")) {
      /* The caller's words come first: what the agent says answers them. */
      if (r->caller->len > 0 && *text != '\0' && *text != ' ')
        g_string_append_c (r->caller, ' ');
      g_string_append (r->caller, text);
      if (finished)
        flush_caller (r);
    } else {
      flush_caller (r);
      /* Two utterances of one turn ("Let me check." "We have…"). */
      if (r->agent->len > 0 && g_ascii_isalnum (*text)
          && strchr (".!?,;:", r->agent->str[r->agent->len - 1]) != NULL)
        g_string_append_c (r->agent, ' ');
      g_string_append (r->agent, text);
    }
  } else if (g_str_equal (event, "turn")) {
    const gchar *state = get_string (s, "state");
    gdouble latency = get_double (s, "latency-ms", -1);

    if (g_str_equal (state, "started")) {
      flush_caller (r);
      r->turns_started++;
      if (latency >= 0) {
        g_array_append_val (r->latencies, latency);
        say (r, "turn %u: voice-to-voice latency %.0f ms", r->turns_started,
            latency);
      } else {
        say (r, "turn %u: started", r->turns_started);
      }
    } else if (g_str_equal (state, "complete")) {
      flush_caller (r);
      flush_agent (r, "");
      r->turns_complete++;
      if (r->have_usage)
        say (r, "cost so far: $%.4f (%" G_GINT64_FORMAT " tokens in, %"
            G_GINT64_FORMAT " out)", r->cost_usd, r->input_tokens,
            r->output_tokens);
    } else if (g_str_equal (state, "interrupted")) {
      flush_caller (r);
      flush_agent (r, " [interrupted]");
    } else if (g_str_equal (state, "continues")) {
      /* A non-blocking tool runs; its result comes in a later turn. */
      flush_caller (r);
      flush_agent (r, " [a tool runs on]");
    }
  } else if (g_str_equal (event, "interrupted")) {
    guint64 dropped = 0;

    gst_structure_get_uint64 (s, "dropped-samples", &dropped);
    r->interruptions++;
    say (r, "(the caller barged in: %.0f ms of the reply dropped)",
        dropped * 1000.0 / 24000);
  } else if (g_str_equal (event, "tool-call")) {
    const gchar *handler = get_string (s, "handler");

    flush_caller (r);
    r->tool_calls++;
    if (*handler != '\0' && !g_str_equal (handler, "app"))
      say (r, "tool call: %s(%s) [%s]", get_string (s, "name"),
          get_string (s, "args"), handler);
    else
      say (r, "tool call: %s(%s)", get_string (s, "name"),
          get_string (s, "args"));
  } else if (g_str_equal (event, "tool-result")) {
    say (r, "tool answer: %s -> %s", get_string (s, "name"),
        get_string (s, "response"));
  } else if (g_str_equal (event, "tool-call-cancelled")) {
    say (r, "tool call cancelled: %s", get_string (s, "id"));
  } else if (g_str_equal (event, "go-away")) {
    say (r, "session: the service ends this connection in %" G_GINT64_FORMAT
        " ms", get_int64 (s, "time-left-ms"));
  } else if (g_str_equal (event, "usage")) {
    r->have_usage = TRUE;
    r->input_tokens = get_int64 (s, "input-tokens");
    r->output_tokens = get_int64 (s, "output-tokens");
    r->thoughts_tokens = get_int64 (s, "thoughts-tokens");
    r->input_video_tokens = get_int64 (s, "input-video-tokens");
    r->input_audio_seconds = get_double (s, "input-audio-seconds", 0);
    r->output_audio_seconds = get_double (s, "output-audio-seconds", 0);
    r->cost_usd = get_double (s, "cost-usd", 0);
    g_clear_pointer (&r->usage, gst_structure_free);
    r->usage = gst_structure_copy (s);
  }
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @values. */
static gdouble
percentile (GArray * values, gdouble p)
{
  guint rank = (guint) ceil (p / 100.0 * values->len);

  rank = CLAMP (rank, 1, values->len);
  return g_array_index (values, gdouble, rank - 1);
}

static void
print_summary (Runner * r)
{
  flush_caller (r);
  flush_agent (r, "");

  printf ("--- summary ---\n");
  printf ("turns: %u complete", r->turns_complete);
  if (r->interruptions > 0)
    printf (", %u interrupted", r->interruptions);
  printf ("\n");
  if (r->latencies->len > 0) {
    g_array_sort (r->latencies, compare_doubles);
    printf ("voice-to-voice latency: p50 %.0f ms, p95 %.0f ms, max %.0f ms "
        "(%u turn%s)\n", percentile (r->latencies, 50),
        percentile (r->latencies, 95), percentile (r->latencies, 100),
        r->latencies->len, r->latencies->len == 1 ? "" : "s");
  } else {
    printf ("voice-to-voice latency: none measured\n");
  }
  printf ("tool calls: %u\n", r->tool_calls);
  if (r->have_usage) {
    printf ("audio: %.1f s in, %.1f s out\n", r->input_audio_seconds,
        r->output_audio_seconds);
    printf ("tokens: %" G_GINT64_FORMAT " in, %" G_GINT64_FORMAT " out",
        r->input_tokens, r->output_tokens);
    /* Shown when there are some: thinking (billed as text out), video. */
    if (r->input_video_tokens > 0)
      printf (", %" G_GINT64_FORMAT " of them video in", r->input_video_tokens);
    if (r->thoughts_tokens > 0)
      printf (", %" G_GINT64_FORMAT " thinking", r->thoughts_tokens);
    printf ("\n");
    printf ("cost: $%.4f\n", r->cost_usd);
  } else {
    /* Stopped (Ctrl-C, an error) before the service reported usage: it
     * does at the end of each turn. */
    printf ("audio, tokens: not reported yet\n");
    printf ("cost: $0.0000 reported (the service reports usage as each "
        "turn ends; none had ended)\n");
  }
  fflush (stdout);
}

static void
finish (Runner * r, gint exit_code)
{
  if (r->done)
    return;
  r->done = TRUE;
  r->exit_code = exit_code;
  print_summary (r);
  g_main_loop_quit (r->loop);
}

static gboolean
on_bus_message (GstBus * bus, GstMessage * message, gpointer user_data)
{
  Runner *r = user_data;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ELEMENT:{
      const GstStructure *s = gst_message_get_structure (message);

      if (s != NULL && g_str_has_prefix (gst_structure_get_name (s),
              "geminilive/"))
        on_geminilive_message (r, s);
      break;
    }
    case GST_MESSAGE_WARNING:{
      g_autoptr (GError) error = NULL;
      g_autofree gchar *debug = NULL;
      g_autofree gchar *name = gst_object_get_path_string (message->src);

      gst_message_parse_warning (message, &error, &debug);
      fprintf (stderr, "warning: %s: %s\n", name, error->message);
      if (debug != NULL)
        fprintf (stderr, "  debug: %s\n", debug);
      break;
    }
    case GST_MESSAGE_ERROR:{
      g_autoptr (GError) error = NULL;
      g_autofree gchar *debug = NULL;
      g_autofree gchar *name = gst_object_get_path_string (message->src);

      gst_message_parse_error (message, &error, &debug);
      fprintf (stderr, "error: %s: %s\n", name, error->message);
      if (debug != NULL)
        fprintf (stderr, "  debug: %s\n", debug);
      finish (r, EXIT_FAILURE);
      break;
    }
    case GST_MESSAGE_EOS:
      if (!r->quiet && r->interrupts > 0)
        say (r, "stopped");
      finish (r, EXIT_SUCCESS);
      break;
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency (GST_BIN (r->pipeline));
      break;
    case GST_MESSAGE_CLOCK_LOST:
      /* Pick a new clock, as gst-launch-1.0 does. */
      if (GST_MESSAGE_SRC (message) != NULL) {
        gst_element_set_state (r->pipeline, GST_STATE_PAUSED);
        gst_element_set_state (r->pipeline, GST_STATE_PLAYING);
      }
      break;
    case GST_MESSAGE_REQUEST_STATE:{
      GstState state;

      gst_message_parse_request_state (message, &state);
      gst_element_set_state (r->pipeline, state);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigint (gpointer user_data)
{
  Runner *r = user_data;

  if (++r->interrupts == 1) {
    fprintf (stderr, "voxpipe: ending the conversation (EOS); press Ctrl-C "
        "again to stop at once\n");
    gst_element_send_event (r->pipeline, gst_event_new_eos ());
    return G_SOURCE_CONTINUE;
  }
  fprintf (stderr, "voxpipe: stopped\n");
  r->sigint_id = 0;
  finish (r, EXIT_INTERRUPTED);
  return G_SOURCE_REMOVE;
}

static gboolean
on_timeout (gpointer user_data)
{
  Runner *r = user_data;

  fprintf (stderr, "error: the conversation did not end within the "
      "--timeout; stopped\n");
  r->timeout_id = 0;
  finish (r, EXIT_FAILURE);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

/* A sound card GStreamer's autoaudiosrc/autoaudiosink could open: an
 * ALSA PCM device, or a PulseAudio or PipeWire server. */
static gboolean
have_sound_card (void)
{
  const gchar *runtime = g_get_user_runtime_dir ();
  const gchar *sockets[] = { "pulse/native", "pipewire-0" };
  g_autoptr (GDir) dir = NULL;
  const gchar *name;
  guint i;

  if (g_getenv ("PULSE_SERVER") != NULL)
    return TRUE;
  for (i = 0; i < G_N_ELEMENTS (sockets); i++) {
    g_autofree gchar *path = g_build_filename (runtime, sockets[i], NULL);
    if (g_file_test (path, G_FILE_TEST_EXISTS))
      return TRUE;
  }
  if (g_file_test ("/run/pulse/native", G_FILE_TEST_EXISTS))
    return TRUE;
  dir = g_dir_open ("/dev/snd", 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "pcmC"))
      return TRUE;
  return FALSE;
}

/* With no sound card, autoaudiosrc and autoaudiosink print tens of lines
 * of ALSA and OpenAL errors: say once what to do instead.  Returns the
 * hint, or NULL when the pipeline needs no sound card. */
static gchar *
sound_card_hint (GPtrArray * launchv, GHashTable * vars, GHashTable * used)
{
  GString *hint = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key;
  gboolean needed = FALSE;
  guint i;

  for (i = 0; i < launchv->len && launchv->pdata[i] != NULL; i++)
    needed |= strstr (launchv->pdata[i], "autoaudiosrc") != NULL
        || strstr (launchv->pdata[i], "autoaudiosink") != NULL;
  if (!needed)
    return g_string_free (hint, TRUE);

  g_hash_table_iter_init (&iter, used);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    const gchar *value = g_hash_table_lookup (vars, key);

    if (value != NULL && strstr (value, "autoaudiosrc") != NULL)
      g_string_append_printf (hint, " -D '%s=filesrc location=question.wav "
          "! wavparse' (any WAV)", (gchar *) key);
    else if (value != NULL && strstr (value, "autoaudiosink") != NULL)
      g_string_append_printf (hint, " -D '%s=wavenc ! filesink "
          "location=reply.wav'", (gchar *) key);
  }
  if (hint->len > 0)
    g_string_prepend (hint, "use files instead:");
  else
    g_string_append (hint, "replace autoaudiosrc by filesrc location=… ! "
        "wavparse and autoaudiosink by wavenc ! filesink location=…");
  return g_string_free (hint, FALSE);
}

/* "a, b, c": the sorted names of @used, or "none". */
static gchar *
used_names (GHashTable * used)
{
  g_autofree const gchar **names =
      (const gchar **) g_hash_table_get_keys_as_array (used, NULL);
  guint n = g_hash_table_size (used);

  if (n == 0)
    return g_strdup ("none");
  qsort (names, n, sizeof (gchar *), (GCompareFunc) compare_names);
  return g_strjoinv (", ", (gchar **) names);
}

/* The model of the pipeline's geminilive element (its sink's). */
static gchar *
pipeline_model (GstElement * pipeline)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue item = G_VALUE_INIT;
  gchar *model = NULL;

  while (model == NULL && gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&item);
    GstElementFactory *f = gst_element_get_factory (e);

    if (f != NULL && g_str_equal (GST_OBJECT_NAME (f), "geminilivesink"))
      g_object_get (e, "model", &model, NULL);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return model != NULL ? model : g_strdup (VP_DEFAULT_MODEL);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *file = NULL;
  g_auto (GStrv) defines = NULL;
  g_autoptr (GHashTable) used = NULL;
  g_auto (GStrv) rest = NULL;
  gboolean quiet = FALSE, version = FALSE;
  g_autofree gchar *usage_log = NULL;
  gint timeout = 0;
  GOptionEntry entries[] = {
    {"file", 'f', 0, G_OPTION_ARG_FILENAME, &file,
        "Run the pipeline in FILE (a .pipeline file)", "FILE"},
    {"define", 'D', 0, G_OPTION_ARG_STRING_ARRAY, &defines,
        "Set the variable NAME (repeatable)", "NAME=VALUE"},
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
        "Print only errors and the summary", NULL},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
          "Stop with an error if the pipeline has not ended after SECONDS",
        "SECONDS"},
    {"usage-log", 0, 0, G_OPTION_ARG_FILENAME, &usage_log,
        "Append the call's usage to FILE, one JSON line a call (for "
          "voxpipe cost --from FILE)", "FILE"},
    {"version", 0, 0, G_OPTION_ARG_NONE, &version,
        "Print the version and exit", NULL},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL,
        NULL},
    {NULL}
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) vars = NULL;
  g_autofree gchar *body = NULL;
  g_autoptr (GPtrArray) launchv = NULL;
  g_autofree gchar *description = NULL;
  GstElement *pipeline;
  GstBus *bus;
  Runner r = { 0, };
  guint i;

  /* Our texts are UTF-8 ("…"): in the C locale GLib would print them
   * as "?", so a locale without a charset gets C.UTF-8's. */
  setlocale (LC_ALL, "");
  if (!g_get_charset (NULL))
    setlocale (LC_CTYPE, "C.UTF-8");

  /* voxpipe serve …: the gateway (voxpipe-serve.c). */
  if (argc > 1 && g_str_equal (argv[1], "serve"))
    return vp_serve_main (argc - 1, argv + 1);
  /* voxpipe cost …: the cost calculator (voxpipe-cost.c). */
  if (argc > 1 && g_str_equal (argv[1], "cost"))
    return vp_cost_main (argc - 1, argv + 1);

  context = g_option_context_new ("[--] [PIPELINE DESCRIPTION]");
  g_option_context_set_summary (context,
      "Runs a GStreamer pipeline like gst-launch-1.0, and prints what the "
      "geminilive\nelements say: transcripts, tool calls, voice-to-voice "
      "latency, cost.");
  g_option_context_set_description (context,
      "A .pipeline file is a gst-launch description with ${name} "
      "variables;\n\"# default name=value\" lines give defaults. Built-in "
      "variables: ${pipelines},\n${caller_question}. Ctrl-C ends the "
      "conversation with EOS; twice stops at once.\n\n"
      "Example:\n  voxpipe -f pipelines/receptionist.pipeline -D "
      "output=reply.wav\n\nCalls from a browser, one pipeline per call: "
      "voxpipe serve --help\nWhat calls cost: voxpipe cost --help");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "voxpipe: %s (see --help)\n", error->message);
    return EXIT_USAGE;
  }
  if (version) {
    printf ("voxpipe %s (%s)\n", VERSION, gst_version_string ());
    return EXIT_SUCCESS;
  }
  if (timeout < 0) {
    fprintf (stderr, "voxpipe: --timeout wants a number of seconds\n");
    return EXIT_USAGE;
  }

  vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (i = 0; defines != NULL && defines[i] != NULL; i++) {
    if (!vp_pipeline_vars_add (vars, defines[i], TRUE)) {
      fprintf (stderr, "voxpipe: -D wants NAME=VALUE with a name made of "
          "letters, digits, _ and -; got \"%s\"\n", defines[i]);
      return EXIT_USAGE;
    }
  }
  vp_pipeline_vars_add_builtins (vars);

  if (file != NULL && rest != NULL) {
    fprintf (stderr, "voxpipe: give either -f FILE or a pipeline "
        "description, not both\n");
    return EXIT_USAGE;
  }
  if (file != NULL) {
    body = vp_pipeline_file_load (file, vars, &description, &error);
    if (body == NULL) {
      fprintf (stderr, "voxpipe: %s\n", error->message);
      return EXIT_FAILURE;
    }
  } else if (rest == NULL) {
    g_autofree gchar *help = g_option_context_get_help (context, TRUE, NULL);
    fprintf (stderr, "%s", help);
    return EXIT_USAGE;
  }

  /* Arguments are expanded one by one, and parsed as gst-launch-1.0 does
   * (an argument with spaces stays one value). */
  launchv = g_ptr_array_new_with_free_func (g_free);
  used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (body != NULL) {
    g_ptr_array_add (launchv, vp_pipeline_expand_used (body, vars, used,
            &error));
  } else {
    for (i = 0; rest[i] != NULL && error == NULL; i++)
      g_ptr_array_add (launchv, vp_pipeline_expand_used (rest[i], vars, used,
              &error));
  }
  if (error != NULL) {
    fprintf (stderr, "voxpipe: %s\n", error->message);
    return EXIT_FAILURE;
  }
  /* A -D the pipeline never reads is a typo or the wrong file: say so
   * rather than run without it. */
  for (i = 0; defines != NULL && defines[i] != NULL; i++) {
    g_autofree gchar *name = g_strndup (defines[i],
        strcspn (defines[i], "="));

    if (!g_hash_table_contains (used, name)) {
      g_autofree gchar *names = used_names (used);
      fprintf (stderr, "voxpipe: -D %s is not used by this pipeline; "
          "the variables it has are: %s\n", name, names);
      return EXIT_USAGE;
    }
  }
  g_ptr_array_add (launchv, NULL);

  if (!have_sound_card ()) {
    g_autofree gchar *hint = sound_card_hint (launchv, vars, used);

    if (hint != NULL) {
      fprintf (stderr, "voxpipe: this pipeline needs a sound card and there "
          "is none (no /dev/snd device, no PulseAudio or PipeWire); %s\n",
          hint);
      return EXIT_FAILURE;
    }
  }

  vp_pipeline_ensure_geminilive ();

  if (body != NULL)
    pipeline = gst_parse_launch_full (launchv->pdata[0], NULL,
        GST_PARSE_FLAG_FATAL_ERRORS, &error);
  else
    pipeline = gst_parse_launchv_full ((const gchar **) launchv->pdata, NULL,
        GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (pipeline == NULL) {
    fprintf (stderr, "voxpipe: cannot build the pipeline: %s\n",
        error->message);
    if (!vp_pipeline_have_geminilive ())
      fprintf (stderr, "voxpipe: the geminilive plugin was not found; set "
          "GST_PLUGIN_PATH to the build's gst-plugins directory (or use "
          "meson devenv)\n");
    return EXIT_FAILURE;
  }
  if (!GST_IS_PIPELINE (pipeline)) {
    GstElement *wrapper = gst_pipeline_new (NULL);

    gst_bin_add (GST_BIN (wrapper), pipeline);
    pipeline = wrapper;
  }

  r.loop = g_main_loop_new (NULL, FALSE);
  r.pipeline = pipeline;
  r.quiet = quiet;
  r.caller = g_string_new (NULL);
  r.agent = g_string_new (NULL);
  r.latencies = g_array_new (FALSE, FALSE, sizeof (gdouble));

  if (description != NULL)
    say (&r, "voxpipe: %s", description);

  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_bus_message, &r);
  r.sigint_id = g_unix_signal_add (SIGINT, on_sigint, &r);
  if (timeout > 0)
    r.timeout_id = g_timeout_add_seconds (timeout, on_timeout, &r);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    /* The element posted why on the bus: let the watch print it. */
    GstMessage *message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    if (message != NULL) {
      on_bus_message (bus, message, &r);
      gst_message_unref (message);
    } else {
      fprintf (stderr, "error: the pipeline could not start\n");
    }
    finish (&r, EXIT_FAILURE);
  } else {
    g_main_loop_run (r.loop);
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (usage_log != NULL) {
    g_autofree gchar *model = pipeline_model (pipeline);

    if (!vp_cost_log_call (usage_log, model, r.usage, &error)) {
      fprintf (stderr, "voxpipe: %s\n", error->message);
      r.exit_code = EXIT_FAILURE;
    }
  }
  g_clear_pointer (&r.usage, gst_structure_free);
  if (r.timeout_id != 0)
    g_source_remove (r.timeout_id);
  if (r.sigint_id != 0)
    g_source_remove (r.sigint_id);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_main_loop_unref (r.loop);
  g_string_free (r.caller, TRUE);
  g_string_free (r.agent, TRUE);
  g_array_unref (r.latencies);

  return r.exit_code;
}
