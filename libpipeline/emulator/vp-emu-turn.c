/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The model's turn on a connection: think (latency-ms), speak the
 * scenario's reply in chunks paced by speech-rate with the transcription
 * in step, call tools and wait for their responses, speak the "then"
 * template, hold turnComplete until playout, and end at once on barge-in
 * (interrupted, toolCallCancellation, turnComplete).  Under
 * NO_INTERRUPTION a user turn waits for the model's to end.  Non-blocking
 * calls (3.8's default): the model speaks the "filler" and ends its turn
 * at once, keeps listening, and speaks "then" when the results are in,
 * as their scheduling says (INTERRUPT, WHEN_IDLE, SILENT). */

#include "config.h"

#include "vp-emu-turn.h"
#include "vp-emu-models.h"
#include "vp-emu-hearing.h"
#include "vp-emu-sessions.h"
#include "vp-emu-template.h"
#include "vp-emu-voice.h"
#include "vp-emu-wire.h"

static void gen_advance (Conn * c);
static void start_generation (Conn * c, const gchar * text, gboolean audio,
    gboolean heard, gint64 spent_ms);

/* The non-blocking calls of one toolCall, until every one is answered. */
struct _VpEmuAsync
{
  GPtrArray *ids;               /* gchar* */
  GPtrArray *names;             /* gchar* */
  VpEmuScenarioTurn *turn;      /* borrowed from the connection's scenario */
  gchar *input;
  gchar *scheduling;            /* the last response's; NULL: WHEN_IDLE */
};

static void
async_free (VpEmuAsync * a)
{
  g_ptr_array_unref (a->ids);
  g_ptr_array_unref (a->names);
  g_free (a->input);
  g_free (a->scheduling);
  g_free (a);
}

void
vp_emu_turn_init (Conn * c)
{
  c->gen.pending_ids = g_ptr_array_new_with_free_func (g_free);
  c->gen.pending_names = g_ptr_array_new_with_free_func (g_free);
  c->async_calls = g_ptr_array_new_with_free_func ((GDestroyNotify)
      async_free);
  g_queue_init (&c->idle_results);
}

void
vp_emu_turn_clear (Conn * c)
{
  vp_emu_turn_reset (c);
  g_ptr_array_unref (c->gen.pending_ids);
  g_ptr_array_unref (c->gen.pending_names);
  g_ptr_array_unref (c->async_calls);
  g_queue_clear_full (&c->idle_results, (GDestroyNotify) async_free);
  g_free (c->queued_text);
}

void
vp_emu_turn_reset (Conn * c)
{
  Gen *g = &c->gen;

  vp_emu_clear_source (&g->source);
  g_clear_pointer (&g->input, g_free);
  g_clear_pointer (&g->pcm, g_bytes_unref);
  g_clear_pointer (&g->words, g_strfreev);
  g_ptr_array_set_size (g->pending_ids, 0);
  g_ptr_array_set_size (g->pending_names, 0);
  g->turn = NULL;
  g->non_blocking = FALSE;
  g->state = GEN_IDLE;
  g->step = STEP_SAY;
  g->offset = 0;
  g->n_words = 0;
  g->words_done = 0;
  g->chunks_sent = 0;
  g->playback_end_us = 0;
}

static gboolean
think_done (gpointer data)
{
  Conn *c = data;

  vp_emu_clear_source (&c->gen.source);
  gen_advance (c);

  return G_SOURCE_REMOVE;
}

static void
think (Conn * c)
{
  Gen *g = &c->gen;
  gint64 ms = g->turn && g->turn->latency_ms >= 0 ? g->turn->latency_ms :
      (gint64) c->latency_ms;

  /* Hearing is part of the think time, not added to it. */
  ms = MAX (0, ms - g->heard_ms);
  g->heard_ms = 0;

  g->state = GEN_THINKING;
  vp_emu_clear_source (&g->source);
  g->source = vp_emu_conn_timeout (c, ms, think_done);
}

static gsize
chunk_bytes (Conn * c)
{
  return (gsize) VP_EMU_OUTPUT_RATE *2 * c->chunk_ms / 1000;
}

/* Sends the next chunk of the current speech.  Returns FALSE when the
 * speech is over. */
static gboolean
send_chunk (Conn * c)
{
  Gen *g = &c->gen;
  gsize total = g_bytes_get_size (g->pcm), n;
  const guint8 *pcm = g_bytes_get_data (g->pcm, NULL);
  guint words_end;
  GString *piece;
  gint64 now = g_get_monotonic_time ();
  gdouble seconds;

  if (g->offset >= total)
    return FALSE;

  n = MIN (chunk_bytes (c), total - g->offset);

  /* The words of this chunk, in proportion to its time. */
  if (g->offset + n >= total)
    words_end = g->n_words;
  else
    words_end = (guint) ((guint64) g->n_words * (g->offset + n) / total);
  piece = g_string_new (NULL);
  for (; g->words_done < words_end; g->words_done++) {
    /* Words are space-separated across chunks and across the turn's
     * speeches ("Let me check." then "We have…"), like the service's. */
    if (g->words_done > 0 || (g->step == STEP_FINISH && g->turn != NULL
            && g->turn->say != NULL))
      g_string_append_c (piece, ' ');
    g_string_append (piece, g->words[g->words_done]);
  }

  if (c->packed) {
    vp_emu_wire_send (c, vp_server_build_audio (pcm + g->offset, n,
            VP_EMU_OUTPUT_RATE, c->setup->output_transcription
            && piece->len > 0 ? piece->str : NULL));
  } else {
    vp_emu_wire_send (c, vp_server_build_audio (pcm + g->offset, n,
            VP_EMU_OUTPUT_RATE, NULL));
    if (c->setup->output_transcription && piece->len > 0)
      vp_emu_wire_send (c, vp_server_build_output_transcription (piece->str,
              FALSE));
  }
  g_string_free (piece, TRUE);

  /* Sending can fire a fault that ends this turn (a stall takes the
   * session away, a close or drop ends the connection). */
  if (c->stalled || c->closing || c->session == NULL)
    return FALSE;

  seconds = (gdouble) n / 2 / VP_EMU_OUTPUT_RATE;
  c->session->audio_out_s += seconds;
  g->playback_end_us = MAX (g->playback_end_us, now) +
      (gint64) (seconds * G_USEC_PER_SEC);
  g->offset += n;
  g->chunks_sent++;

  return g->offset < total;
}

static gboolean
chunk_due (gpointer data)
{
  Conn *c = data;
  Gen *g = &c->gen;
  gdouble interval_us;
  gint64 due_us, now;

  vp_emu_clear_source (&g->source);

  if (!send_chunk (c) || c->closing || c->stalled) {
    if (!c->closing && !c->stalled)
      gen_advance (c);
    return G_SOURCE_REMOVE;
  }

  /* Pace from the start, so timer slack does not add up. */
  interval_us = (gdouble) c->chunk_ms * 1000.0 / c->speech_rate;
  due_us = g->speech_start_us + (gint64) (interval_us * g->chunks_sent);
  now = g_get_monotonic_time ();
  g->source =
      vp_emu_conn_timeout (c, MAX (0, (due_us - now) / 1000), chunk_due);

  return G_SOURCE_REMOVE;
}

static void
start_speech (Conn * c, const gchar * text)
{
  Gen *g = &c->gen;

  if (text == NULL || *text == '\0') {
    gen_advance (c);
    return;
  }

  if (c->text_mode) {
    conn_log (c, "says (text): %s", text);
    c->session->text_out_tokens += vp_emu_text_tokens (text);
    vp_emu_wire_send (c, vp_server_build_text (text));
    if (!c->closing && !c->stalled)
      gen_advance (c);
    return;
  }

  g_clear_pointer (&g->pcm, g_bytes_unref);
  g->pcm = vp_emu_voice_render (text, c->scenario->voice);

  conn_log (c, "says (%.2f s): %s",
      (gdouble) g_bytes_get_size (g->pcm) / 2 / VP_EMU_OUTPUT_RATE, text);

  g_clear_pointer (&g->words, g_strfreev);
  g->words = vp_emu_voice_words (text, &g->n_words);
  g->words_done = 0;
  g->offset = 0;
  g->chunks_sent = 0;
  g->speech_start_us = g_get_monotonic_time ();
  g->state = GEN_SPEAKING;

  chunk_due (c);
}

static void
send_tool_call (Conn * c)
{
  Gen *g = &c->gen;
  GPtrArray *calls = g->turn->calls;
  VpFunctionCall *fc = g_new0 (VpFunctionCall, calls->len);
  VpEmuAsync *a = NULL;
  gchar *json;
  guint i;

  /* Non-blocking when every call of the turn is (3.8: unless declared
   * BLOCKING). */
  g->non_blocking = TRUE;
  for (i = 0; i < calls->len; i++) {
    VpEmuScenarioCall *call = g_ptr_array_index (calls, i);
    g->non_blocking &= vp_emu_model_call_non_blocking (c->model, c->setup,
        call->name);
  }
  if (g->non_blocking) {
    a = g_new0 (VpEmuAsync, 1);
    a->ids = g_ptr_array_new_with_free_func (g_free);
    a->names = g_ptr_array_new_with_free_func (g_free);
    a->turn = g->turn;
    a->input = g_strdup (g->input);
    g_ptr_array_add (c->async_calls, a);
  }

  for (i = 0; i < calls->len; i++) {
    VpEmuScenarioCall *call = g_ptr_array_index (calls, i);
    JsonNode *args = vp_emu_template_render_args (call->args,
        c->session->results, g->input);

    fc[i].id = g_strdup_printf ("fc-%u-%u", c->id, ++c->next_call);
    fc[i].name = g_strdup (call->name);
    fc[i].args_json = json_to_string (args, FALSE);
    json_node_unref (args);
    g_ptr_array_add (a ? a->ids : g->pending_ids, g_strdup (fc[i].id));
    g_ptr_array_add (a ? a->names : g->pending_names, g_strdup (fc[i].name));
    conn_log (c, "calls %s %s(%s)%s", fc[i].id, fc[i].name, fc[i].args_json,
        a ? " (non-blocking)" : "");
  }

  json = vp_server_build_tool_call (fc, calls->len);
  c->session->text_out_tokens += vp_emu_text_tokens (json);
  if (!g->non_blocking)
    g->state = GEN_TOOL_WAIT;
  vp_emu_wire_send (c, json);

  for (i = 0; i < calls->len; i++) {
    g_free (fc[i].id);
    g_free (fc[i].name);
    g_free (fc[i].args_json);
  }
  g_free (fc);
}

/* The model speaks the "then" of answered non-blocking calls. */
static void
start_result_turn (Conn * c, VpEmuAsync * a)
{
  Gen *g = &c->gen;

  vp_emu_turn_reset (c);
  g->turn = a->turn;
  g->input = g_strdup (a->input);
  g->step = STEP_THEN;
  conn_log (c, "speaks the results of %s", a->turn->id ? a->turn->id :
      "a turn");
  vp_emu_sessions_send_update (c, FALSE);
  if (c->closing || c->stalled)
    return;
  think (c);
}

static void
complete_turn (Conn * c)
{
  VpUsageMetadata usage;

  vp_emu_session_usage (c->session, &usage);
  vp_emu_turn_reset (c);
  vp_emu_wire_send (c, vp_server_build_turn_complete (&usage));
  /* Not resumable while calls run (PROTOCOL.md §8.9). */
  vp_emu_sessions_send_update (c, c->async_calls->len == 0);

  /* A result that waited for the turn to end (WHEN_IDLE). */
  if (!g_queue_is_empty (&c->idle_results) && !c->closing && !c->stalled) {
    VpEmuAsync *a = g_queue_pop_head (&c->idle_results);

    start_result_turn (c, a);
    async_free (a);
    return;
  }

  /* A user turn that ended while the model spoke (NO_INTERRUPTION). */
  if (c->queued && !c->closing && !c->stalled) {
    gchar *text = c->queued_text;

    c->queued = FALSE;
    c->queued_text = NULL;
    start_generation (c, text, c->queued_audio, c->queued_heard, 0);
    g_free (text);
  }
}

static gboolean
playout_done (gpointer data)
{
  Conn *c = data;

  vp_emu_clear_source (&c->gen.source);
  complete_turn (c);

  return G_SOURCE_REMOVE;
}

static void
finish_generation (Conn * c)
{
  Gen *g = &c->gen;
  gint64 now = g_get_monotonic_time ();

  vp_emu_wire_send (c, vp_server_build_generation_complete ());
  if (c->closing || c->stalled)
    return;

  /* Like the service, turnComplete waits until the client could have
   * played the audio it was sent. */
  if (c->wait_for_playback && g->playback_end_us > now) {
    g->state = GEN_PLAYOUT;
    g->source = vp_emu_conn_timeout (c, (g->playback_end_us - now) / 1000,
        playout_done);
    return;
  }

  complete_turn (c);
}

static void
gen_advance (Conn * c)
{
  Gen *g = &c->gen;
  VpEmuScenarioTurn *turn = g->turn;
  gchar *text;

  if (turn == NULL || c->closing || c->stalled)
    return;

  switch (g->step) {
    case STEP_SAY:
      g->step = STEP_CALLS;
      if (turn->say != NULL) {
        text = vp_emu_template_render (turn->say, c->session->results,
            g->input);
        start_speech (c, text);
        g_free (text);
        return;
      }
      /* fall through */
    case STEP_CALLS:
      g->step = STEP_THEN;
      if (turn->calls->len > 0) {
        send_tool_call (c);
        if (!g->non_blocking || c->closing || c->stalled)
          return;
      }
      /* fall through */
    case STEP_THEN:
      g->step = STEP_FINISH;
      /* Non-blocking: the filler now, "then" when the results are in. */
      if (g->non_blocking) {
        if (turn->filler != NULL) {
          text = vp_emu_template_render (turn->filler, c->session->results,
              g->input);
          start_speech (c, text);
          g_free (text);
          return;
        }
        finish_generation (c);
        return;
      }
      if (turn->then != NULL) {
        text = vp_emu_template_render (turn->then, c->session->results,
            g->input);
        start_speech (c, text);
        g_free (text);
        return;
      }
      /* fall through */
    case STEP_FINISH:
    default:
      finish_generation (c);
      return;
  }
}

static void
start_generation (Conn * c, const gchar * text, gboolean audio,
    gboolean heard, gint64 spent_ms)
{
  Gen *g = &c->gen;
  Session *s = c->session;
  const gchar *said;
  gint index;

  vp_emu_turn_reset (c);
  g->heard_ms = spent_ms;

  if (heard)
    index = vp_emu_scenario_match_heard (c->scenario, text, s->cursor);
  else if (text != NULL)
    index = vp_emu_scenario_match_text (c->scenario, text, s->cursor);
  else
    index = vp_emu_scenario_match_in_order (c->scenario, s->cursor);

  if (index >= 0) {
    g->turn = g_ptr_array_index (c->scenario->turns, index);
    s->cursor = index + 1;
  } else {
    g->turn = c->scenario->fallback;
  }
  g->input = g_strdup (text != NULL ? text : g->turn->transcript);

  conn_log (c, "user turn (%s%s%s) → scenario %s%s%s", heard ? "heard" :
      audio ? "audio" : "text", text ? ": " : "", text ? text : "",
      index >= 0 ? "turn " : "fallback",
      index >= 0 ? (g->turn->id ? g->turn->id : "") : "", index >= 0
      && !g->turn->id ? "(no id)" : "");

  /* What was heard, or without recognition what the scenario says the
   * user said. */
  said = heard ? text : g->turn->transcript;
  /* Heard word for word: the transcript as the scenario writes it. */
  if (heard && vp_emu_scenario_same_words (text, g->turn->transcript))
    said = g->turn->transcript;
  if (audio && c->setup->input_transcription && said != NULL)
    vp_emu_wire_send (c, vp_server_build_input_transcription (said, FALSE));

  /* Not resumable while the model works. */
  vp_emu_sessions_send_update (c, FALSE);

  if (c->closing || c->stalled)
    return;

  g->step = STEP_SAY;
  think (c);
}

static gboolean
gen_active (Conn * c)
{
  return c->gen.state != GEN_IDLE;
}

/* The user barged in: stop the model's turn at once. */
static void
interrupt_generation (Conn * c)
{
  Gen *g = &c->gen;
  VpUsageMetadata usage;

  conn_log (c, "interrupted");
  vp_emu_clear_source (&g->source);
  vp_emu_wire_send (c, vp_server_build_interrupted ());

  if (g->pending_ids->len > 0) {
    gchar **ids = g_new0 (gchar *, g->pending_ids->len + 1);
    guint i;

    for (i = 0; i < g->pending_ids->len; i++)
      ids[i] = g_ptr_array_index (g->pending_ids, i);
    vp_emu_wire_send (c, vp_server_build_tool_call_cancellation ((const gchar *
                const *) ids));
    g_free (ids);
  }

  vp_emu_session_usage (c->session, &usage);
  vp_emu_turn_reset (c);
  vp_emu_wire_send (c, vp_server_build_turn_complete (&usage));
  vp_emu_sessions_send_update (c, TRUE);
}

void
vp_emu_turn_user_activity (Conn * c, gboolean force)
{
  if (!gen_active (c))
    return;
  if (c->no_interruption && !force) {
    conn_log (c, "user activity while the model speaks "
        "(NO_INTERRUPTION: not interrupting)");
    return;
  }
  interrupt_generation (c);
}

static void
turn_end (Conn * c, const gchar * text, gboolean audio, gboolean heard,
    gint64 spent_ms)
{
  if (gen_active (c)) {
    c->queued = TRUE;
    g_free (c->queued_text);
    c->queued_text = g_strdup (text);
    c->queued_audio = audio;
    c->queued_heard = heard;
    return;
  }
  start_generation (c, text, audio, heard, spent_ms);
}

static void
on_heard (Conn * c, const gchar * heard, gboolean ok, gint64 spent_ms)
{
  if (c->closing || c->stalled)
    return;

  conn_log (c, "heard in %" G_GINT64_FORMAT " ms: %s", spent_ms,
      heard ? heard : ok ? "(none of the scenario's phrases)" :
      "(no recognizer: in order)");
  turn_end (c, heard, TRUE, ok, ok ? spent_ms : 0);
}

void
vp_emu_turn_user_end (Conn * c, const gchar * text, gboolean audio)
{
  if (c->closing || c->stalled)
    return;

  /* An audio turn is heard first, off this thread. */
  if (audio && text == NULL && vp_emu_hearing_recognise (c, on_heard))
    return;
  turn_end (c, text, audio, FALSE, 0);
}

static void
deliver_result (Conn * c, VpEmuAsync * a)
{
  const gchar *scheduling = a->scheduling ? a->scheduling : "WHEN_IDLE";

  if (g_ascii_strcasecmp (scheduling, "SILENT") == 0 || a->turn->then == NULL) {
    conn_log (c, "results in the context only (%s)", scheduling);
    async_free (a);
  } else if (g_ascii_strcasecmp (scheduling, "INTERRUPT") == 0) {
    if (gen_active (c)) {
      conn_log (c, "a result interrupts the model (INTERRUPT)");
      interrupt_generation (c);
    }
    if (!c->closing && !c->stalled)
      start_result_turn (c, a);
    async_free (a);
  } else if (gen_active (c)) {
    conn_log (c, "a result waits for the model's turn to end (%s)", scheduling);
    g_queue_push_tail (&c->idle_results, a);
  } else {
    start_result_turn (c, a);
    async_free (a);
  }
}

static void
store_result (Conn * c, const gchar * name, VpFunctionResponse * r)
{
  JsonNode *value = r->response ?
      vp_emu_template_read_result (r->response) :
      json_node_new (JSON_NODE_OBJECT);

  if (r->response == NULL)
    json_node_take_object (value, json_object_new ());
  json_object_set_member (c->session->results, name, value);
}

/* The response @r to a running non-blocking call; FALSE if it is none. */
static gboolean
async_response (Conn * c, VpFunctionResponse * r)
{
  guint i, j;

  for (i = 0; i < c->async_calls->len; i++) {
    VpEmuAsync *a = g_ptr_array_index (c->async_calls, i);

    for (j = 0; j < a->ids->len; j++) {
      if (g_strcmp0 (g_ptr_array_index (a->ids, j), r->id) != 0)
        continue;
      store_result (c, g_ptr_array_index (a->names, j), r);
      g_ptr_array_remove_index (a->ids, j);
      g_ptr_array_remove_index (a->names, j);
      g_free (a->scheduling);
      a->scheduling = g_strdup (r->scheduling);
      if (a->ids->len == 0)
        deliver_result (c, g_ptr_array_steal_index (c->async_calls, i));
      return TRUE;
    }
  }
  return FALSE;
}

void
vp_emu_turn_tool_responses (Conn * c, GPtrArray * responses)
{
  Gen *g = &c->gen;
  guint i, j;

  for (i = 0; i < responses->len; i++) {
    VpFunctionResponse *r = g_ptr_array_index (responses, i);
    gboolean found = FALSE;

    if (r->response != NULL) {
      gchar *json = json_to_string (r->response, FALSE);

      c->session->text_in_tokens += vp_emu_text_tokens (json);
      g_free (json);
    }

    /* A response to a running non-blocking call may start a turn. */
    if (async_response (c, r)) {
      conn_log (c, "toolResponse %s %s (non-blocking)%s%s", r->id, r->name ?
          r->name : "", r->scheduling ? " " : "", r->scheduling ?
          r->scheduling : "");
      continue;
    }

    for (j = 0; g->state == GEN_TOOL_WAIT && j < g->pending_ids->len; j++) {
      if (g_strcmp0 (g_ptr_array_index (g->pending_ids, j), r->id) == 0) {
        store_result (c, g_ptr_array_index (g->pending_names, j), r);
        g_ptr_array_remove_index (g->pending_ids, j);
        g_ptr_array_remove_index (g->pending_names, j);
        found = TRUE;
        break;
      }
    }
    conn_log (c, "toolResponse %s %s%s%s%s", r->id ? r->id : "(no id)",
        r->name ? r->name : "", r->scheduling ? " " : "",
        r->scheduling ? r->scheduling : "", found ? "" :
        " (not pending: ignored)");
  }

  if (g->state == GEN_TOOL_WAIT && g->pending_ids->len == 0) {
    if (g->turn->then != NULL)
      think (c);
    else
      gen_advance (c);
  }
}
