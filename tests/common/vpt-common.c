/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vpt-common.h"

#include <math.h>
#include <string.h>

VpEmulator *
vpt_emulator_start (const gchar * scenario_json, const gchar * first_property,
    ...)
{
  VpEmulator *emulator = vp_emulator_new ();
  g_autoptr (GError) error = NULL;
  va_list args;

  if (scenario_json != NULL)
    g_object_set (emulator, "scenario", scenario_json, NULL);
  va_start (args, first_property);
  if (first_property != NULL)
    g_object_set_valist (G_OBJECT (emulator), first_property, args);
  va_end (args);

  if (!vp_emulator_start (emulator, &error))
    g_error ("cannot start the emulator: %s", error->message);
  return emulator;
}

void
vpt_configure_session (GstElement * element, VpEmulator * emulator,
    const gchar * session)
{
  g_autofree gchar *url = vp_emulator_get_url (emulator);

  g_object_set (element, "endpoint", url, "api-key", VPT_SECRET_KEY, NULL);
  if (session != NULL)
    g_object_set (element, "session", session, NULL);
}

/* Events */

static void
events_add (VptEvents * ev, gchar * event)
{
  g_mutex_lock (&ev->lock);
  g_ptr_array_add (ev->events, event);
  g_cond_broadcast (&ev->cond);
  g_mutex_unlock (&ev->lock);
}

static void
on_session (GstElement * e, const gchar * state, const gchar * handle,
    VptEvents * ev)
{
  events_add (ev, g_strdup_printf ("session:%s", state));
}

static void
on_turn (GstElement * e, const gchar * state, gdouble latency_ms,
    VptEvents * ev)
{
  if (g_str_equal (state, "started") && latency_ms >= 0) {
    g_mutex_lock (&ev->lock);
    g_array_append_val (ev->latencies, latency_ms);
    g_mutex_unlock (&ev->lock);
  }
  events_add (ev, g_strdup_printf ("turn:%s", state));
}

static void
on_interrupted (GstElement * e, VptEvents * ev)
{
  events_add (ev, g_strdup ("interrupted"));
}

static void
on_transcript (GstElement * e, const gchar * role, const gchar * text,
    gboolean finished, VptEvents * ev)
{
  g_mutex_lock (&ev->lock);
  g_string_append (g_str_equal (role, "input") ? ev->input : ev->output, text);
  g_mutex_unlock (&ev->lock);
  events_add (ev, g_strdup_printf ("transcript:%s", role));
  if (finished)
    events_add (ev, g_strdup_printf ("transcript:%s:finished", role));
}

static void
on_tool_call (GstElement * e, const gchar * id, const gchar * name,
    const gchar * args, VptEvents * ev)
{
  events_add (ev, g_strdup_printf ("tool-call:%s", name));
}

static void
on_usage (GstElement * e, const GstStructure * usage, VptEvents * ev)
{
  events_add (ev, g_strdup ("usage"));
}

static void events_finalize (gpointer data, GObject * where_the_element_was);

VptEvents *
vpt_events_new (GstElement * element)
{
  VptEvents *ev = g_new0 (VptEvents, 1);

  ev->element = gst_object_ref (element);
  g_object_weak_ref (G_OBJECT (element), events_finalize, ev);
  g_mutex_init (&ev->lock);
  g_cond_init (&ev->cond);
  ev->events = g_ptr_array_new_with_free_func (g_free);
  ev->latencies = g_array_new (FALSE, FALSE, sizeof (gdouble));
  ev->output = g_string_new (NULL);
  ev->input = g_string_new (NULL);

  g_signal_connect (element, "session", G_CALLBACK (on_session), ev);
  g_signal_connect (element, "turn", G_CALLBACK (on_turn), ev);
  g_signal_connect (element, "interrupted", G_CALLBACK (on_interrupted), ev);
  g_signal_connect (element, "transcript", G_CALLBACK (on_transcript), ev);
  g_signal_connect (element, "tool-call", G_CALLBACK (on_tool_call), ev);
  g_signal_connect (element, "usage", G_CALLBACK (on_usage), ev);
  return ev;
}

/* The element emits its signals on the network thread, holding a
 * reference: once it is finalized no handler can still be running. */
static void
events_finalize (gpointer data, GObject * where_the_element_was)
{
  VptEvents *ev = data;

  g_ptr_array_unref (ev->events);
  g_array_unref (ev->latencies);
  g_string_free (ev->output, TRUE);
  g_string_free (ev->input, TRUE);
  g_mutex_clear (&ev->lock);
  g_cond_clear (&ev->cond);
  g_free (ev);
}

void
vpt_events_free (VptEvents * ev)
{
  g_signal_handlers_disconnect_by_data (ev->element, ev);
  gst_object_unref (ev->element);
}

static guint
count_unlocked (VptEvents * ev, const gchar * event)
{
  guint i, n = 0;

  for (i = 0; i < ev->events->len; i++)
    if (g_str_equal (g_ptr_array_index (ev->events, i), event))
      n++;
  return n;
}

guint
vpt_events_count (VptEvents * ev, const gchar * event)
{
  guint n;

  g_mutex_lock (&ev->lock);
  n = count_unlocked (ev, event);
  g_mutex_unlock (&ev->lock);
  return n;
}

gboolean
vpt_events_wait (VptEvents * ev, const gchar * event, guint count,
    guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean ok;

  g_mutex_lock (&ev->lock);
  while (!(ok = count_unlocked (ev, event) >= count))
    if (!g_cond_wait_until (&ev->cond, &ev->lock, end))
      break;
  ok = count_unlocked (ev, event) >= count;
  g_mutex_unlock (&ev->lock);
  return ok;
}

/* The record */

static JsonNode *
record_root (VpEmulator * emulator)
{
  g_autofree gchar *json = vp_emulator_get_record (emulator);
  g_autoptr (JsonParser) parser = json_parser_new ();

  fail_unless (json_parser_load_from_data (parser, json, -1, NULL));
  return json_node_copy (json_parser_get_root (parser));
}

/* Walks @path (dot-separated members) in @node. */
static JsonNode *
lookup_path (JsonNode * node, const gchar * path)
{
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  guint i;

  for (i = 0; parts[i] != NULL; i++) {
    JsonObject *object;

    if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
      return NULL;
    object = json_node_get_object (node);
    if (!json_object_has_member (object, parts[i]))
      return NULL;
    node = json_object_get_member (object, parts[i]);
  }
  return node;
}

/* Calls @func for each client message, in order; stops when it returns
 * FALSE. */
static void
foreach_message (VpEmulator * emulator,
    gboolean (*func) (JsonNode * message, gpointer data), gpointer data)
{
  JsonNode *root = record_root (emulator);
  JsonArray *connections = json_node_get_array (root);
  guint i, j;

  for (i = 0; i < json_array_get_length (connections); i++) {
    JsonObject *connection = json_array_get_object_element (connections, i);
    JsonArray *messages = json_object_get_array_member (connection,
        "messages");

    for (j = 0; j < json_array_get_length (messages); j++)
      if (!func (json_array_get_element (messages, j), data))
        goto done;
  }
done:
  json_node_unref (root);
}

typedef struct
{
  const gchar *path;
  guint count;
  gint index;
  gint position;
  gchar *last_string;
} PathSearch;

static gboolean
count_path (JsonNode * message, gpointer data)
{
  PathSearch *search = data;
  JsonNode *node = lookup_path (message, search->path);

  if (node != NULL) {
    if (search->index < 0)
      search->index = search->position;
    search->count++;
    if (JSON_NODE_HOLDS_VALUE (node)
        && json_node_get_value_type (node) == G_TYPE_STRING) {
      g_free (search->last_string);
      search->last_string = g_strdup (json_node_get_string (node));
    }
  }
  search->position++;
  return TRUE;
}

guint
vpt_record_count (VpEmulator * emulator, const gchar * path,
    gchar ** last_string)
{
  PathSearch search = { path, 0, -1, 0, NULL };

  foreach_message (emulator, count_path, &search);
  if (last_string != NULL)
    *last_string = search.last_string;
  else
    g_free (search.last_string);
  return search.count;
}

gint
vpt_record_index (VpEmulator * emulator, const gchar * path)
{
  PathSearch search = { path, 0, -1, 0, NULL };

  foreach_message (emulator, count_path, &search);
  g_free (search.last_string);
  return search.index;
}

gboolean
vpt_record_wait (VpEmulator * emulator, const gchar * path, guint count,
    guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;

  while (vpt_record_count (emulator, path, NULL) < count) {
    if (g_get_monotonic_time () > end)
      return FALSE;
    g_usleep (20 * G_TIME_SPAN_MILLISECOND);
  }
  return TRUE;
}

guint64
vpt_record_audio_bytes (VpEmulator * emulator)
{
  JsonNode *root = record_root (emulator);
  JsonArray *connections = json_node_get_array (root);
  guint64 total = 0;
  guint i;

  for (i = 0; i < json_array_get_length (connections); i++) {
    JsonObject *connection = json_array_get_object_element (connections, i);

    if (json_object_has_member (connection, "audioBytes"))
      total += json_object_get_int_member (connection, "audioBytes");
  }
  json_node_unref (root);
  return total;
}

/* PCM */

GBytes *
vpt_speech (const gchar * text, guint rate)
{
  g_autoptr (GError) error = NULL;
  GBytes *pcm = vp_speech_synthesize (text, "en-us", rate, &error);

  if (pcm == NULL)
    g_error ("espeak-ng: %s", error->message);
  return pcm;
}

GArray *
vpt_nonzero (const gint16 * samples, gsize n)
{
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (gint16), n);
  gsize i;

  for (i = 0; i < n; i++)
    if (samples[i] != 0)
      g_array_append_val (out, samples[i]);
  return out;
}

/* A wav's "data" chunk: walks the RIFF chunks. */
gdouble
vpt_wav_rms (const gchar * path, gdouble * seconds)
{
  g_autofree gchar *contents = NULL;
  gsize length, offset = 12;
  guint rate = 0, channels = 1, bits = 16;
  gdouble sum = 0;

  if (seconds != NULL)
    *seconds = 0;
  if (!g_file_get_contents (path, &contents, &length, NULL) || length < 12
      || memcmp (contents, "RIFF", 4) != 0 || memcmp (contents + 8, "WAVE",
          4) != 0)
    return -1;

  while (offset + 8 <= length) {
    guint32 size = GST_READ_UINT32_LE (contents + offset + 4);
    const gchar *chunk = contents + offset + 8;

    if (memcmp (contents + offset, "fmt ", 4) == 0 && size >= 16) {
      channels = GST_READ_UINT16_LE (chunk + 2);
      rate = GST_READ_UINT32_LE (chunk + 4);
      bits = GST_READ_UINT16_LE (chunk + 14);
    } else if (memcmp (contents + offset, "data", 4) == 0) {
      gsize n, i;

      /* A wav closed before its header was rewritten says 0 or more. */
      size = MIN (size == 0 ? G_MAXUINT32 : size, length - offset - 8);
      if (bits != 16 || rate == 0 || channels == 0)
        return -1;
      n = size / 2;
      for (i = 0; i < n; i++) {
        gdouble v = GST_READ_UINT16_LE (chunk + 2 * i);

        v = (gint16) (guint16) v;
        sum += v * v;
      }
      if (seconds != NULL)
        *seconds = (gdouble) n / channels / rate;
      return n > 0 ? sqrt (sum / n) : 0;
    }
    offset += 8 + size + (size & 1);
  }
  return -1;
}

gboolean
vpt_src_step (GstHarness * h, GPtrArray * pushed)
{
  GstTestClock *clock = gst_harness_get_testclock (h);
  gint64 end = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  GstBuffer *buffer;
  gboolean waiting;

  waiting = gst_test_clock_timed_wait_for_multiple_pending_ids (clock, 1,
      5000, NULL);
  if (waiting) {
    gst_test_clock_crank (clock);
    /* What the wait released has been pushed once the src waits again. */
    while (gst_test_clock_peek_id_count (clock) == 0
        && g_get_monotonic_time () < end)
      g_usleep (500);
  }
  while ((buffer = gst_harness_try_pull (h)) != NULL)
    g_ptr_array_add (pushed, buffer);
  gst_object_unref (clock);
  return waiting;
}

GstMessage *
vpt_bus_wait (GstElement * element, GstMessageType types, guint timeout_ms)
{
  GstBus *bus = gst_element_get_bus (element);
  GstMessage *message = gst_bus_timed_pop_filtered (bus,
      timeout_ms * GST_MSECOND, types);

  gst_object_unref (bus);
  return message;
}

gchar *
vpt_message_text (GstMessage * message)
{
  GString *text = g_string_new (NULL);
  const GstStructure *s = gst_message_get_structure (message);
  GError *error = NULL;
  gchar *debug = NULL;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    gst_message_parse_error (message, &error, &debug);
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING)
    gst_message_parse_warning (message, &error, &debug);
  if (error != NULL) {
    g_string_append_printf (text, "%s\n", error->message);
    g_error_free (error);
  }
  if (debug != NULL) {
    g_string_append_printf (text, "%s\n", debug);
    g_free (debug);
  }
  if (s != NULL) {
    gchar *str = gst_structure_to_string (s);
    g_string_append (text, str);
    g_free (str);
  }
  return g_string_free (text, FALSE);
}
