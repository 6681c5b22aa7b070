/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Security (issue 5): certificates are verified on wss://, the emulator
 * listens on loopback only unless told otherwise, and exec tool handlers
 * never go through a shell, whatever the model puts in the arguments.
 * (That the API key is never logged is in test-session.c.) */

#include "config.h"

#include <voxpipe.h>
#include <voxpipe-emulator.h>

#include <glib/gstdio.h>
#include <string.h>

#define WAIT_US (15 * G_USEC_PER_SEC)

typedef struct
{
  GMutex lock;
  GCond cond;
  GError *error;
  gboolean closed;
  gboolean ready;
  gchar *tool_result;
} Outcome;

static void
on_error (VpLiveSession * s, GError * error, Outcome * o)
{
  g_mutex_lock (&o->lock);
  if (o->error == NULL)
    o->error = g_error_copy (error);
  g_mutex_unlock (&o->lock);
}

static void
on_closed (VpLiveSession * s, gint code, const gchar * reason, Outcome * o)
{
  g_mutex_lock (&o->lock);
  o->closed = TRUE;
  g_cond_broadcast (&o->cond);
  g_mutex_unlock (&o->lock);
}

static void
on_setup_complete (VpLiveSession * s, Outcome * o)
{
  g_mutex_lock (&o->lock);
  o->ready = TRUE;
  g_cond_broadcast (&o->cond);
  g_mutex_unlock (&o->lock);
}

static void
on_tool_result (VpLiveSession * s, const gchar * id, const gchar * name,
    const gchar * response, Outcome * o)
{
  g_mutex_lock (&o->lock);
  g_free (o->tool_result);
  o->tool_result = g_strdup (response);
  g_cond_broadcast (&o->cond);
  g_mutex_unlock (&o->lock);
}

static void
watch (VpLiveSession * session, Outcome * o)
{
  g_mutex_init (&o->lock);
  g_cond_init (&o->cond);
  g_signal_connect (session, "error", G_CALLBACK (on_error), o);
  g_signal_connect (session, "closed", G_CALLBACK (on_closed), o);
  g_signal_connect (session, "setup-complete",
      G_CALLBACK (on_setup_complete), o);
  g_signal_connect (session, "tool-result", G_CALLBACK (on_tool_result), o);
}

static void
wait_for (Outcome * o, gboolean * flag, gchar ** string)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  g_mutex_lock (&o->lock);
  while (!(flag ? *flag : *string != NULL))
    if (!g_cond_wait_until (&o->cond, &o->lock, deadline))
      g_error ("timed out (error so far: %s)",
          o->error ? o->error->message : "none");
  g_mutex_unlock (&o->lock);
}

static void
unwatch (VpLiveSession * session, Outcome * o)
{
  if (!o->closed) {
    vp_live_session_close (session);
    wait_for (o, &o->closed, NULL);
  }
  g_signal_handlers_disconnect_by_data (session, o);
  g_clear_error (&o->error);
  g_free (o->tool_result);
  g_mutex_clear (&o->lock);
  g_cond_clear (&o->cond);
}

static void
test_tls_verified (void)
{
  g_autofree gchar *pem = g_build_filename (g_getenv ("VP_SOURCE_DIR"),
      "tests", "data", "self-signed.pem", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate =
      g_tls_certificate_new_from_file (pem, &error);
  g_autoptr (VpEmulator) emulator = vp_emulator_new ();
  g_autoptr (VpLiveSession) session = vp_live_session_new ();
  g_autofree gchar *url = NULL;
  g_autofree gchar *record = NULL;
  Outcome o = { 0, };

  g_assert_no_error (error);
  g_object_set (emulator, "tls-certificate", certificate, NULL);
  g_assert_true (vp_emulator_start (emulator, &error));
  url = vp_emulator_get_url (emulator);
  g_assert_true (g_str_has_prefix (url, "wss://127.0.0.1:"));

  watch (session, &o);
  g_object_set (session, "endpoint", url, "api-key", "tls-test-key", NULL);
  vp_live_session_connect (session);
  wait_for (&o, &o.closed, NULL);

  /* A self-signed certificate is refused; nothing was sent. */
  g_assert_error (o.error, VP_ERROR, VP_ERROR_TLS);
  g_assert_nonnull (strstr (o.error->message, "certificate"));
  g_assert_false (o.ready);
  record = vp_emulator_get_record (emulator);
  g_assert_null (strstr (record, "setup"));

  unwatch (session, &o);
  vp_emulator_stop (emulator);
}

static void
test_emulator_binds_loopback (void)
{
  g_autoptr (VpEmulator) emulator = vp_emulator_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autofree gchar *host = NULL;
  g_autofree gchar *url = NULL;

  g_object_get (emulator, "host", &host, NULL);
  g_assert_cmpstr (host, ==, "127.0.0.1");
  g_assert_true (vp_emulator_start (emulator, &error));
  url = vp_emulator_get_url (emulator);
  g_assert_true (g_str_has_prefix (url, "ws://127.0.0.1:"));

  /* The listening socket is on 127.0.0.1: a connection to it comes from
   * loopback too. */
  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
      vp_emulator_get_port (emulator), NULL, &error);
  g_assert_no_error (error);
  local = g_socket_connection_get_local_address (connection, &error);
  g_assert_true (g_inet_address_get_is_loopback
      (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local))));
  vp_emulator_stop (emulator);
}

/* The model's arguments may hold anything; an exec handler gets them as
 * JSON on stdin of an argv, so no shell ever sees them. */
static void
test_exec_without_shell (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("voxpipe-shell-XXXXXX", NULL);
  g_autofree gchar *marker = g_build_filename (dir, "pwned", NULL);
  g_autofree gchar *args = NULL;
  g_autofree gchar *scenario = NULL;
  g_autofree gchar *url = NULL;
  g_autoptr (GString) tools = g_string_new (NULL);
  g_autoptr (VpEmulator) emulator = vp_emulator_new ();
  g_autoptr (VpLiveSession) session = vp_live_session_new ();
  g_autoptr (VpSetupConfig) setup = vp_setup_config_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) result = NULL;
  const gchar *payload;
  Outcome o = { 0, };

  /* Every way a shell would run something. */
  args = g_strdup_printf ("{\"q\":\"$(touch %s); `touch %s` && touch %s "
      "| touch %s > %s; rm -rf ~ \\\"'\"}", marker, marker, marker, marker,
      marker);
  scenario = g_strdup_printf ("{\"turns\":[{\"match\":{\"text\":[\"go\"]},"
      "\"calls\":[{\"name\":\"echo\",\"args\":%s}],\"then\":\"ok\"}]}", args);
  g_string_append (tools, "{\"tools\":[{\"name\":\"echo\",\"handler\":"
      "{\"exec\":[\"cat\"]}}]}");

  g_object_set (emulator, "scenario", scenario, "latency-ms", 0,
      "speech-rate", 50.0, NULL);
  g_assert_true (vp_emulator_start (emulator, &error));
  url = vp_emulator_get_url (emulator);

  vp_live_session_set_setup (session, setup);
  vp_live_session_set_tools (session, vp_tools_parse (tools->str, -1,
          "shell test", &error));
  g_assert_no_error (error);
  watch (session, &o);
  g_object_set (session, "endpoint", url, "api-key", "k", NULL);
  vp_live_session_connect (session);
  wait_for (&o, &o.ready, NULL);
  vp_live_session_send_text (session, "go");
  wait_for (&o, NULL, &o.tool_result);

  /* cat gave the arguments back, byte for byte; nothing ran. */
  result = json_from_string (o.tool_result, &error);
  g_assert_no_error (error);
  payload = json_object_get_string_member (json_object_get_object_member
      (json_node_get_object (result), "output"), "q");
  g_assert_nonnull (strstr (payload, "$(touch"));
  g_assert_nonnull (strstr (payload, "`touch"));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));

  unwatch (session, &o);
  vp_emulator_stop (emulator);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/security/tls-certificate-verified", test_tls_verified);
  g_test_add_func ("/security/emulator-binds-loopback",
      test_emulator_binds_loopback);
  g_test_add_func ("/security/exec-without-shell", test_exec_without_shell);
  return g_test_run ();
}
