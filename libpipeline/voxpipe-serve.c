/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* voxpipe serve: the agent, reachable from a browser (docs/calls.md).
 *
 *   voxpipe serve -f AGENT.pipeline [--web HOST:PORT] [--max-calls N]
 *       [--stun URL] [--turn URL] [--record DIR] [-D NAME=VALUE]...
 *
 * Each call runs its own instance of AGENT.pipeline, with ${mic} and
 * ${speaker} bound to the call's audio.  SIGTERM or Ctrl-C drains: no new
 * calls, the agents finish the turn they are speaking (at most
 * --drain-seconds), every call closes, exit 0; a second Ctrl-C stops at
 * once (130).  Exit 1 when the gateway cannot start, 2 for a usage error. */

#include "config.h"

#include "voxpipe-serve.h"
#include "vp-gateway.h"
#include "vp-http.h"

#include <gst/gst.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130
#define DEFAULT_WEB "127.0.0.1:8080"

typedef struct
{
  GMainLoop *loop;
  VpGateway *gateway;
  VpHttp *http;
  guint signals;
  gint exit_code;
} Serve;

/* HOST:PORT, [V6]:PORT, :PORT or PORT. */
static gboolean
parse_web (const gchar * web, gchar ** host, guint * port)
{
  const gchar *colon;
  guint64 value;
  gchar *end;

  if (web[0] == '[') {
    const gchar *close = strchr (web, ']');
    if (close == NULL || close[1] != ':')
      return FALSE;
    *host = g_strndup (web + 1, close - web - 1);
    colon = close + 1;
  } else if ((colon = strrchr (web, ':')) != NULL) {
    *host = colon == web ? g_strdup ("127.0.0.1") : g_strndup (web,
        colon - web);
  } else {
    *host = g_strdup ("127.0.0.1");
    colon = web - 1;
  }
  value = g_ascii_strtoull (colon + 1, &end, 10);
  if (*end != '\0' || end == colon + 1 || value > 65535) {
    g_clear_pointer (host, g_free);
    return FALSE;
  }
  *port = value;
  return TRUE;
}

static gboolean
on_drained (gpointer data)
{
  Serve *serve = data;

  g_main_loop_quit (serve->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer data)
{
  Serve *serve = data;

  if (++serve->signals == 1) {
    fprintf (stderr, "voxpipe serve: draining (no new calls; current turns "
        "finish, then every call closes); again to stop at once\n");
    vp_gateway_drain (serve->gateway, on_drained, serve);
    return G_SOURCE_CONTINUE;
  }
  fprintf (stderr, "voxpipe serve: stopped\n");
  serve->exit_code = EXIT_INTERRUPTED;
  g_main_loop_quit (serve->loop);
  return G_SOURCE_CONTINUE;
}

int
vp_serve_main (int argc, char **argv)
{
  g_autofree gchar *file = NULL;
  g_autofree gchar *web = NULL;
  g_autofree gchar *stun = NULL;
  g_autofree gchar *turn = NULL;
  g_autofree gchar *record = NULL;
  g_autofree gchar *tls_cert = NULL;
  g_autofree gchar *tls_key = NULL;
  g_auto (GStrv) defines = NULL;
  gint max_calls = 8, drain_seconds = 10, peer_timeout = 15;
  gint max_offer = 64 * 1024;
  /* The encoder is a call's largest cost; for a voice at 32 kb/s, above 5
   * buys little that a caller hears (docs/calls.md, docs/performance.md). */
  gint opus_complexity = 5;
  GOptionEntry entries[] = {
    {"file", 'f', 0, G_OPTION_ARG_FILENAME, &file,
        "The agent: a .pipeline file with ${mic} and ${speaker}", "FILE"},
    {"define", 'D', 0, G_OPTION_ARG_STRING_ARRAY, &defines,
        "Set the variable NAME (repeatable)", "NAME=VALUE"},
    {"web", 0, 0, G_OPTION_ARG_STRING, &web,
        "Serve the call page and WebRTC calls on HOST:PORT (default "
          DEFAULT_WEB "; loopback keeps media on loopback)", "HOST:PORT"},
    {"max-calls", 0, 0, G_OPTION_ARG_INT, &max_calls,
        "Calls at once; more get 503 (default 8, 0: no limit)", "N"},
    {"stun", 0, 0, G_OPTION_ARG_STRING, &stun,
        "STUN server for webrtcbin", "stun://HOST:PORT"},
    {"turn", 0, 0, G_OPTION_ARG_STRING, &turn,
        "TURN server for webrtcbin", "turn://USER:PASS@HOST:PORT"},
    {"record", 0, 0, G_OPTION_ARG_FILENAME, &record,
        "Record each call to DIR/call-ID.ogg (Opus, caller left, agent "
          "right)", "DIR"},
    {"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert,
        "Serve HTTPS with this PEM certificate", "FILE"},
    {"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key,
        "The certificate's PEM private key (default: in --tls-cert)", "FILE"},
    {"drain-seconds", 0, 0, G_OPTION_ARG_INT, &drain_seconds,
          "On SIGTERM, how long the current turns may go on (default 10)",
        "SECONDS"},
    {"peer-timeout", 0, 0, G_OPTION_ARG_INT, &peer_timeout,
        "End a call when no audio came from its peer for SECONDS (default "
          "15, 0: never)", "SECONDS"},
    {"max-offer-bytes", 0, 0, G_OPTION_ARG_INT, &max_offer,
        "Refuse larger offers with 413 (default 65536)", "BYTES"},
    {"opus-complexity", 0, 0, G_OPTION_ARG_INT, &opus_complexity,
        "Opus encoder complexity of the agent's voice, 0-10 (default 5; "
          "higher costs more CPU a call)", "N"},
    {NULL}
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *host = NULL;
  g_autofree gchar *url = NULL;
  VpGatewayOptions options = { 0, };
  Serve serve = { 0, };
  guint port = 0, term_id, int_id;

  g_set_prgname ("voxpipe serve");
  context = g_option_context_new ("- answer calls with an agent pipeline");
  g_option_context_set_summary (context,
      "Serves a call page and WebRTC calls (WHIP-shaped: POST an SDP offer "
      "to /calls);\neach call runs its own instance of the agent's "
      "pipeline.");
  g_option_context_set_description (context,
      "Example:\n  voxpipe serve -f pipelines/receptionist-call.pipeline "
      "--web 127.0.0.1:8080\n\nSee docs/calls.md.");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "voxpipe serve: %s (see --help)\n", error->message);
    return EXIT_USAGE;
  }
  if (file == NULL) {
    fprintf (stderr, "voxpipe serve: -f AGENT.pipeline is required (see "
        "--help)\n");
    return EXIT_USAGE;
  }
  if (!parse_web (web != NULL ? web : DEFAULT_WEB, &host, &port)) {
    fprintf (stderr, "voxpipe serve: --web wants HOST:PORT, got \"%s\"\n", web);
    return EXIT_USAGE;
  }
  if (max_calls < 0 || drain_seconds < 0 || peer_timeout < 0 || max_offer <= 0) {
    fprintf (stderr, "voxpipe serve: the numbers must not be negative\n");
    return EXIT_USAGE;
  }
  if (opus_complexity < 0 || opus_complexity > 10) {
    fprintf (stderr, "voxpipe serve: --opus-complexity wants 0 to 10, got "
        "%d\n", opus_complexity);
    return EXIT_USAGE;
  }

  options.pipeline_file = file;
  options.defines = (const gchar * const *) defines;
  options.host = host;
  options.max_calls = max_calls;
  options.stun_server = stun;
  options.turn_server = turn;
  options.record_dir = record;
  options.drain_grace_s = drain_seconds;
  options.peer_timeout_s = peer_timeout;
  options.opus_complexity = opus_complexity;
  options.max_offer_bytes = max_offer;

  /* The gateway holds the calls; the HTTP door takes them in and depends
   * on it, so it is made here, after the gateway, and freed before it. */
  serve.gateway = vp_gateway_new (&options, &error);
  if (serve.gateway != NULL)
    serve.http = vp_http_new (serve.gateway, host, port, tls_cert, tls_key,
        &error);
  if (serve.http == NULL) {
    fprintf (stderr, "voxpipe serve: %s\n", error->message);
    g_clear_pointer (&serve.gateway, vp_gateway_free);
    return EXIT_FAILURE;
  }
  serve.loop = g_main_loop_new (NULL, FALSE);
  term_id = g_unix_signal_add (SIGTERM, on_signal, &serve);
  int_id = g_unix_signal_add (SIGINT, on_signal, &serve);

  url = vp_http_dup_url (serve.http);
  printf ("voxpipe serve: %s, up to %d call%s at once\n", file, max_calls,
      max_calls == 1 ? "" : "s");
  printf ("voxpipe serve: open %s to talk to the agent\n", url);
  fflush (stdout);

  g_main_loop_run (serve.loop);

  g_source_remove (term_id);
  g_source_remove (int_id);
  vp_http_free (serve.http);
  vp_gateway_free (serve.gateway);
  g_main_loop_unref (serve.loop);
  printf ("voxpipe serve: stopped\n");
  return serve.exit_code;
}
