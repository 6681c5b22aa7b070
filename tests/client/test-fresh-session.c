/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A refused resume (issue 16.2), on the emulator with handles that expire
 * at once: a reconnection Voxpipe started itself (after a close 1011) is
 * refused with 1008 "session not found".  The call must go on in a fresh
 * session, with a warning that the context was lost; with restore-context
 * the fresh session's setup asks for history seeding and its first
 * message is the transcripts so far as user/model turns.  A resume-handle
 * the user set that is refused still ends with the clear error. */

#include "config.h"

#include "vpt-recorder.h"

#include <voxpipe-emulator.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define WAIT_MS 20000

typedef struct
{
  VpEmulator *emulator;
  VpLiveSession *session;
  VptRecorder *r;
} Fixture;

static void
fixture_set_up (Fixture * f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VpSetupConfig) setup = vp_setup_config_new ();
  g_autofree gchar *url = NULL;

  f->emulator = vp_emulator_new ();
  /* A handle is forgotten as soon as its connection ends. */
  g_object_set (f->emulator, "handle-lifetime", 0, "latency-ms", 0,
      "speech-rate", 50.0, "wait-for-playback", FALSE, NULL);
  g_assert_true (vp_emulator_start (f->emulator, &error));
  g_assert_no_error (error);
  url = vp_emulator_get_url (f->emulator);

  f->session = vp_live_session_new ();
  setup->model = g_strdup (VP_DEFAULT_MODEL);
  setup->input_transcription = TRUE;
  setup->output_transcription = TRUE;
  setup->session_resumption = TRUE;
  vp_live_session_set_setup (f->session, setup);
  g_object_set (f->session, "endpoint", url, "api-key", "test-key",
      "connect-timeout", 5000, NULL);
  f->r = vpt_recorder_new (f->session, WAIT_MS);
}

static void
fixture_tear_down (Fixture * f, gconstpointer data)
{
  if (!vpt_recorder_has (f->r, "closed")) {
    vp_live_session_close (f->session);
    vpt_recorder_wait (f->r, "closed", NULL);
  }
  vpt_recorder_disconnect (f->r);
  g_object_unref (f->session);
  vpt_recorder_free (f->r);
  vp_emulator_stop (f->emulator);
  g_object_unref (f->emulator);
}

/* The client messages of connection @i (0-based) in the record. */
static JsonArray *
connection_messages (JsonNode * record, guint i)
{
  JsonArray *conns = json_node_get_array (record);

  g_assert_cmpuint (json_array_get_length (conns), >, i);
  return json_object_get_array_member (json_array_get_object_element (conns,
          i), "messages");
}

static gchar *
to_text (JsonNode * node)
{
  return json_to_string (node, FALSE);
}

/* A turn, then a close 1011 that Voxpipe recovers from by resuming, which
 * the service refuses: returns the record, with the model's first reply
 * in @said. */
static JsonNode *
refused_resume (Fixture * f, gboolean restore, gchar ** said)
{
  g_autofree gchar *record = NULL;
  guint at = 0;

  g_object_set (f->session, "restore-context", restore, NULL);
  vp_live_session_connect (f->session);
  vpt_recorder_wait (f->r, "setup-complete", &at);
  vp_live_session_send_text (f->session, "hello there");
  vpt_recorder_wait (f->r, "turn-complete", &at);
  vpt_recorder_wait (f->r, "resumption-update:", &at);
  g_mutex_lock (&f->r->lock);
  *said = g_strdup (f->r->output_text->str);
  g_mutex_unlock (&f->r->lock);
  g_assert_cmpstr (*said, !=, "");

  /* The service fails; Voxpipe resumes; the handle is gone. */
  vp_emulator_inject_fault (f->emulator, VP_EMULATOR_FAULT_CLOSE, 0, 1011,
      "Internal error occurred.", 0);
  vp_live_session_send_text (f->session, "are you there");
  vpt_recorder_wait (f->r, "warning:*lost the conversation's context", &at);
  vpt_recorder_wait (f->r, "reconnected:new", &at);

  /* The call goes on. */
  vp_live_session_send_text (f->session, "hello again");
  vpt_recorder_wait (f->r, "turn-complete", &at);
  g_assert_false (vpt_recorder_has (f->r, "error:"));
  g_assert_true (vpt_recorder_has (f->r, "warning:*Internal error"));

  record = vp_emulator_get_record (f->emulator);
  return json_from_string (record, NULL);
}

static void
test_fresh_session (Fixture * f, gconstpointer data)
{
  g_autofree gchar *said = NULL;
  g_autoptr (JsonNode) record = refused_resume (f, FALSE, &said);
  JsonArray *fresh = connection_messages (record, 2);
  g_autofree gchar *setup = to_text (json_array_get_element (fresh, 0));
  g_autofree gchar *next = to_text (json_array_get_element (fresh, 1));
  g_autofree gchar *refused = to_text (json_array_get_element
      (connection_messages (record, 1), 0));

  g_test_message ("refused: %s\nfresh: %s\nthen: %s", refused, setup, next);
  /* The second connection resumed with a handle, the third did not. */
  g_assert_nonnull (strstr (refused, "\"handle\":"));
  g_assert_null (strstr (setup, "\"handle\":"));
  g_assert_null (strstr (setup, "historyConfig"));
  g_assert_null (strstr (next, "clientContent"));
  g_assert_true (vpt_recorder_has (f->r, "warning:*Set restore-context"));
}

static void
test_restore_context (Fixture * f, gconstpointer data)
{
  g_autofree gchar *said = NULL;
  g_autoptr (JsonNode) record = refused_resume (f, TRUE, &said);
  JsonArray *fresh = connection_messages (record, 2);
  g_autofree gchar *setup = to_text (json_array_get_element (fresh, 0));
  g_autofree gchar *first = to_text (json_array_get_element (fresh, 1));
  g_autofree gchar *words = g_strndup (said, 12);

  g_test_message ("fresh: %s\nfirst: %s", setup, first);
  g_assert_null (strstr (setup, "\"handle\":"));
  g_assert_nonnull (strstr (setup,
          "\"historyConfig\":{\"initialHistoryInClientContent\":true}"));
  /* The transcripts, as the model's turn, before anything else. */
  g_assert_nonnull (strstr (first, "{\"clientContent\":{\"turns\":["));
  g_assert_nonnull (strstr (first, "\"role\":\"model\""));
  g_assert_nonnull (strstr (first, words));
  g_assert_nonnull (strstr (first, "\"turnComplete\":true"));
  g_assert_true (vpt_recorder_has (f->r, "warning:*transcripts so far"));
}

/* A handle the user set that the service refuses: today's clear error. */
static void
test_user_handle_refused (Fixture * f, gconstpointer data)
{
  g_object_set (f->session, "resume-handle", "a-handle-nobody-issued", NULL);
  vp_live_session_connect (f->session);
  vpt_recorder_wait (f->r, "closed", NULL);
  g_assert_error (f->r->error, VP_ERROR, VP_ERROR_SESSION_NOT_FOUND);
  g_assert_nonnull (strstr (f->r->error->message, "Clear resume-handle"));
  g_assert_false (vpt_recorder_has (f->r, "reconnected:"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add ("/fresh-session/" name, Fixture, NULL, \
    fixture_set_up, func, fixture_tear_down)
  ADD ("refused-resume", test_fresh_session);
  ADD ("restore-context", test_restore_context);
  ADD ("user-handle-refused", test_user_handle_refused);
  return g_test_run ();
}
