/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The gateway: the agent's description loaded once, a table of calls
 * (each its own pipeline, vp-call.c), the limit on how many, the figures,
 * the HTTP server, and the drain.  A call that fails ends alone: the
 * table only forgets it. */

#include "config.h"

#include "vp-gateway.h"
#include "vp-call.h"
#include "vp-metrics.h"
#include "vp-pipeline-file.h"

#include <errno.h>
#include <gio/gio.h>
#include <gst/gst.h>
#include <string.h>

#define DRAIN_POLL_MS 100
/* After the grace period, how long the calls may take to stop. */
#define DRAIN_STOP_S 10

typedef struct
{
  VpGatewayReply func;
  gpointer data;
} Reply;

struct _VpGateway
{
  gchar *description;
  guint max_calls;
  gsize max_offer_bytes;
  gchar *host;
  gchar *record_dir;
  gchar *stun_server;
  gchar *turn_server;
  VpCallConfig call_config;
  guint drain_grace_s;

  GHashTable *calls;            /* id → VpCall */
  GHashTable *replies;          /* id → Reply, offers not yet answered */
  VpMetrics *metrics;

  gboolean draining;
  gint64 drain_started_us;
  gboolean drain_hung_up;
  guint drain_id;
  GSourceFunc drain_done;
  gpointer drain_data;
};

static gboolean
is_loopback_host (const gchar * host)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (host);

  if (address == NULL)
    return g_ascii_strcasecmp (host, "localhost") == 0;
  return g_inet_address_get_is_loopback (address);
}

VpGateway *
vp_gateway_new (const VpGatewayOptions * options, GError ** error)
{
  g_autoptr (GHashTable) vars = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, g_free);
  g_autofree gchar *body = NULL;
  g_autofree gchar *description = NULL;
  g_autoptr (GstElement) check = NULL;
  g_autoptr (GstElement) mic = NULL;
  g_autoptr (GstElement) speaker = NULL;
  VpGateway *gw;
  guint i;

  for (i = 0; options->defines != NULL && options->defines[i] != NULL; i++) {
    if (!vp_pipeline_vars_add (vars, options->defines[i], TRUE)) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "-D wants NAME=VALUE with a name made of letters, digits, _ and "
          "-; got \"%s\"", options->defines[i]);
      return NULL;
    }
  }
  body = vp_pipeline_file_load (options->pipeline_file, vars, NULL, error);
  if (body == NULL)
    return NULL;
  vp_pipeline_vars_add_builtins (vars);
  if (!vp_call_bind_description (body, vars, &description, error))
    return NULL;

  /* Every call parses it: a description that cannot be served is refused
   * now, not at the first call. */
  vp_pipeline_ensure_geminilive ();
  check = gst_parse_launch_full (description, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (check == NULL) {
    if (!vp_pipeline_have_geminilive ())
      g_prefix_error (error, "(the geminilive plugin was not found; set "
          "GST_PLUGIN_PATH) ");
    return NULL;
  }
  gst_object_ref_sink (check);
  if (GST_IS_BIN (check)) {
    mic = gst_bin_get_by_name (GST_BIN (check), "vp-mic");
    speaker = gst_bin_get_by_name (GST_BIN (check), "vp-speaker");
  }
  if (mic == NULL || speaker == NULL) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "%s has no %s: a served pipeline takes the call's audio from ${mic} "
        "and gives the agent's to ${speaker}", options->pipeline_file,
        mic == NULL ? "${mic}" : "${speaker}");
    return NULL;
  }
  if (options->record_dir != NULL
      && g_mkdir_with_parents (options->record_dir, 0755) != 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
        "cannot create the --record directory %s: %s", options->record_dir,
        g_strerror (errno));
    return NULL;
  }

  gw = g_new0 (VpGateway, 1);
  gw->description = g_steal_pointer (&description);
  gw->max_calls = options->max_calls;
  gw->max_offer_bytes = options->max_offer_bytes;
  gw->host = g_strdup (options->host != NULL ? options->host : "127.0.0.1");
  gw->record_dir = g_strdup (options->record_dir);
  gw->stun_server = g_strdup (options->stun_server);
  gw->turn_server = g_strdup (options->turn_server);
  gw->drain_grace_s = options->drain_grace_s;

  gw->call_config.description = gw->description;
  gw->call_config.record_dir = gw->record_dir;
  gw->call_config.peer_timeout_s = options->peer_timeout_s;
  gw->call_config.setup_timeout_s = 30;
  gw->call_config.web.stun_server = gw->stun_server;
  gw->call_config.web.turn_server = gw->turn_server;
  gw->call_config.web.opus_complexity = options->opus_complexity;
  /* ICE follows the bind address: serving loopback, media stays there. */
  if (is_loopback_host (gw->host)) {
    gw->call_config.web.local_address = "127.0.0.1";
    gw->call_config.web.loopback_only = TRUE;
  } else if (g_strcmp0 (gw->host, "0.0.0.0") != 0
      && g_strcmp0 (gw->host, "::") != 0) {
    gw->call_config.web.local_address = gw->host;
  }

  gw->calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) vp_call_unref);
  gw->replies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gw->metrics = vp_metrics_new ();
  return gw;
}

gboolean
vp_gateway_is_draining (VpGateway * gw)
{
  return gw->draining;
}

gsize
vp_gateway_max_offer_bytes (VpGateway * gw)
{
  return gw->max_offer_bytes;
}

void
vp_gateway_refused (VpGateway * gw, guint status, const gchar * reason)
{
  vp_metrics_call_refused (gw->metrics, status);
  g_message ("refused an offer: %u %s", status, reason);
}

/* ------------------------------------------------------------------------ */
/* Calls */

static void
on_call_answered (VpCall * call, const gchar * answer, const GError * error,
    gpointer data)
{
  VpGateway *gw = data;
  const gchar *id = vp_call_get_id (call);
  Reply *reply = g_hash_table_lookup (gw->replies, id);
  Reply copy;

  if (reply == NULL)
    return;
  copy = *reply;
  g_hash_table_remove (gw->replies, id);
  if (error != NULL)
    copy.func (500, error->message, id, copy.data);
  else
    copy.func (201, answer, id, copy.data);
}

static void
on_call_event (VpCall * call, const GstStructure * s, gpointer data)
{
  VpGateway *gw = data;

  if (gst_structure_has_name (s, "geminilive/turn")) {
    gdouble latency = -1;

    gst_structure_get_double (s, "latency-ms", &latency);
    if (g_strcmp0 (gst_structure_get_string (s, "state"), "started") == 0)
      vp_metrics_turn (gw->metrics, latency);
  } else if (gst_structure_has_name (s, "geminilive/tool-call")) {
    vp_metrics_tool_call (gw->metrics);
  } else if (gst_structure_has_name (s, "geminilive/interrupted")) {
    vp_metrics_interruption (gw->metrics);
  }
}

static void finish_drain (VpGateway * gw);

static void
on_call_ended (VpCall * call, gpointer data)
{
  VpGateway *gw = data;

  vp_metrics_call_ended (gw->metrics, vp_call_failed (call),
      vp_call_get_cost (call));
  g_hash_table_remove (gw->replies, vp_call_get_id (call));
  g_hash_table_remove (gw->calls, vp_call_get_id (call));
  g_message ("%u call%s active", g_hash_table_size (gw->calls),
      g_hash_table_size (gw->calls) == 1 ? "" : "s");
  if (gw->draining && gw->drain_hung_up && g_hash_table_size (gw->calls) == 0)
    finish_drain (gw);
}

static const VpCallHooks call_hooks = {
  on_call_answered,
  on_call_event,
  on_call_ended,
};

static gchar *
new_call_id (VpGateway * gw)
{
  gchar *id = NULL;

  do {
    g_free (id);
    id = g_strdup_printf ("%08x%04x", g_random_int (),
        g_random_int () & 0xffff);
  } while (g_hash_table_contains (gw->calls, id));
  return id;
}

/* @reply runs once: now for a refusal, or when the answer is ready. */
void
vp_gateway_offer (VpGateway * gw, const gchar * body, gsize length,
    VpGatewayReply reply, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *id = NULL;
  VpWebOffer offer;
  Reply *pending;
  VpCall *call;
  guint status;

  /* A bad offer is told so, whether or not a line is free. */
  status = vp_web_offer_parse (body, length,
      gw->call_config.web.loopback_only, &offer, &error);
  if (status != 0) {
    vp_gateway_refused (gw, status, error->message);
    reply (status, error->message, NULL, user_data);
    return;
  }
  if (gw->draining) {
    vp_web_offer_clear (&offer);
    vp_gateway_refused (gw, 503, "draining");
    reply (503, "the gateway is shutting down; call another one", NULL,
        user_data);
    return;
  }
  if (gw->max_calls > 0 && g_hash_table_size (gw->calls) >= gw->max_calls) {
    vp_web_offer_clear (&offer);
    vp_gateway_refused (gw, 503, "busy");
    reply (503, "every line is busy (--max-calls reached); try again "
        "shortly", NULL, user_data);
    return;
  }

  id = new_call_id (gw);
  pending = g_new0 (Reply, 1);
  pending->func = reply;
  pending->data = user_data;
  g_hash_table_insert (gw->replies, g_strdup (id), pending);
  call = vp_call_new (id, &gw->call_config, &offer, &call_hooks, gw, &error);
  vp_web_offer_clear (&offer);
  if (call == NULL) {
    g_hash_table_remove (gw->replies, id);
    vp_metrics_call_started (gw->metrics);
    vp_metrics_call_ended (gw->metrics, TRUE, 0);
    g_message ("call %s: failed to start: %s", id, error->message);
    reply (500, error->message, NULL, user_data);
    return;
  }
  vp_metrics_call_started (gw->metrics);
  g_hash_table_insert (gw->calls, g_strdup (id), call);
}

/* The HTTP request went away before its answer: its call has no one. */
void
vp_gateway_forget_reply (VpGateway * gw, gpointer user_data)
{
  GHashTableIter iter;
  gpointer key, value;
  g_autofree gchar *orphan = NULL;

  g_hash_table_iter_init (&iter, gw->replies);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    if (((Reply *) value)->data == user_data) {
      orphan = g_strdup (key);
      g_hash_table_iter_remove (&iter);
      break;
    }
  }
  if (orphan != NULL) {
    VpCall *call = g_hash_table_lookup (gw->calls, orphan);
    if (call != NULL)
      vp_call_hang_up (call, "the offer's request went away", FALSE);
  }
}

/* 204, or 404 for a call we do not have. */
guint
vp_gateway_hang_up (VpGateway * gw, const gchar * id)
{
  VpCall *call = g_hash_table_lookup (gw->calls, id);

  if (call == NULL || vp_call_get_state (call) >= VP_CALL_ENDING)
    return 404;
  vp_call_hang_up (call, "the caller hung up", FALSE);
  return 204;
}

gchar *
vp_gateway_render_metrics (VpGateway * gw)
{
  GHashTableIter iter;
  gpointer value;
  gdouble cost = 0;
  guint by_state[3] = { 0, 0, 0 };

  g_hash_table_iter_init (&iter, gw->calls);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    VpCallState state = vp_call_get_state (value);

    cost += vp_call_get_cost (value);
    by_state[MIN (state, VP_CALL_ENDING)]++;
  }
  return vp_metrics_render (gw->metrics, by_state, cost, gw->draining);
}

/* ------------------------------------------------------------------------ */
/* The drain */

static void
finish_drain (VpGateway * gw)
{
  GSourceFunc done = gw->drain_done;

  if (gw->drain_id != 0)
    g_source_remove (gw->drain_id);
  gw->drain_id = 0;
  gw->drain_done = NULL;
  if (done != NULL)
    done (gw->drain_data);
}

static void
hang_up_all (VpGateway * gw)
{
  g_autoptr (GList) calls = g_hash_table_get_values (gw->calls);
  GList *l;

  gw->drain_hung_up = TRUE;
  for (l = calls; l != NULL; l = l->next)
    vp_call_hang_up (l->data, "the gateway is shutting down", FALSE);
}

static gboolean
on_drain_tick (gpointer data)
{
  VpGateway *gw = data;
  gint64 elapsed = g_get_monotonic_time () - gw->drain_started_us;
  GHashTableIter iter;
  gpointer value;
  gboolean talking = FALSE;

  if (g_hash_table_size (gw->calls) == 0) {
    gw->drain_id = 0;
    finish_drain (gw);
    return G_SOURCE_REMOVE;
  }
  if (!gw->drain_hung_up) {
    g_hash_table_iter_init (&iter, gw->calls);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      talking |= vp_call_in_turn (value);
    /* Each agent finishes the turn it is speaking, within the grace. */
    if (!talking || elapsed >= gw->drain_grace_s * G_USEC_PER_SEC) {
      g_message ("drain: %s; closing %u call%s", talking ?
          "the grace period is over" : "no agent is speaking",
          g_hash_table_size (gw->calls),
          g_hash_table_size (gw->calls) == 1 ? "" : "s");
      hang_up_all (gw);
    }
  } else if (elapsed >= (gw->drain_grace_s + DRAIN_STOP_S) * G_USEC_PER_SEC) {
    g_message ("drain: %u call%s did not stop in time",
        g_hash_table_size (gw->calls),
        g_hash_table_size (gw->calls) == 1 ? "" : "s");
    gw->drain_id = 0;
    finish_drain (gw);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* No new calls; the current turns finish (at most the grace period), then
 * every call closes; @done runs when none is left. */
void
vp_gateway_drain (VpGateway * gw, GSourceFunc done, gpointer user_data)
{
  if (gw->draining)
    return;
  gw->draining = TRUE;
  gw->drain_started_us = g_get_monotonic_time ();
  gw->drain_done = done;
  gw->drain_data = user_data;
  g_message ("drain: no new calls; %u active, grace %u s",
      g_hash_table_size (gw->calls), gw->drain_grace_s);
  gw->drain_id = g_timeout_add (DRAIN_POLL_MS, on_drain_tick, gw);
}

void
vp_gateway_free (VpGateway * gw)
{
  if (gw->drain_id != 0)
    g_source_remove (gw->drain_id);
  g_hash_table_unref (gw->replies);
  g_hash_table_unref (gw->calls);
  vp_metrics_free (gw->metrics);
  g_free (gw->description);
  g_free (gw->host);
  g_free (gw->record_dir);
  g_free (gw->stun_server);
  g_free (gw->turn_server);
  g_free (gw);
}
