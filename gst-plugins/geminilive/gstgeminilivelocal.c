/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* endpoint=local: one emulator per scenario for the whole process.  A
 * gateway runs one pipeline per call; an emulator each would add a thread,
 * a server and a scenario per call for nothing, since one emulator serves
 * any number of connections, each with its own state. */

#include "config.h"

#include "gstgeminilivelocal.h"

#include <voxpipe-emulator.h>

typedef struct
{
  gchar *scenario;              /* the key; "" for the built-in scenario */
  VpEmulator *emulator;
  guint users;
} Local;

typedef struct
{
  Local *local;
  VpLiveSession *session;       /* not reffed: the handler lives on it */
  gulong closed_id;
} Attachment;

static GMutex lock;
static GHashTable *locals;      /* scenario → Local, under lock */

static void
local_free (Local * local)
{
  vp_emulator_stop (local->emulator);
  g_object_unref (local->emulator);
  g_free (local->scenario);
  g_free (local);
}

/* The session closed (or went away): it no longer uses the emulator. */
static void
detach (gpointer data, GClosure * closure)
{
  Attachment *attachment = data;
  Local *local = attachment->local;
  gboolean last;

  g_mutex_lock (&lock);
  last = --local->users == 0;
  if (last)
    g_hash_table_steal (locals, local->scenario);
  g_mutex_unlock (&lock);
  if (last)
    local_free (local);
  g_free (attachment);
}

/* Once a session has closed its connection, drop its use; a session that
 * opens again attaches again. */
static void
on_closed (VpLiveSession * session, gint code, const gchar * reason,
    Attachment * attachment)
{
  g_signal_handler_disconnect (session, attachment->closed_id);
}

static Local *
local_start (const gchar * scenario, GError ** error)
{
  g_autoptr (GError) start_error = NULL;
  Local *local = g_new0 (Local, 1);

  local->scenario = g_strdup (scenario);
  local->emulator = vp_emulator_new ();
  if (scenario[0] != '\0')
    g_object_set (local->emulator, "scenario-file", scenario, NULL);
  if (!vp_emulator_start (local->emulator, &start_error)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Could not start the built-in emulator: %s", start_error->message);
    g_object_unref (local->emulator);
    g_free (local->scenario);
    g_free (local);
    return NULL;
  }
  return local;
}

gboolean
gst_gemini_live_local_attach (VpLiveSession * session,
    const gchar * scenario, GError ** error)
{
  g_autofree gchar *url = NULL;
  Attachment *attachment;
  Local *local;

  if (scenario == NULL)
    scenario = "";
  /* Starting under the lock keeps two first calls from starting two;
   * the emulator binds a loopback port and loads a file, nothing slow. */
  g_mutex_lock (&lock);
  if (locals == NULL)
    locals = g_hash_table_new (g_str_hash, g_str_equal);
  local = g_hash_table_lookup (locals, scenario);
  if (local == NULL) {
    local = local_start (scenario, error);
    if (local == NULL) {
      g_mutex_unlock (&lock);
      return FALSE;
    }
    g_hash_table_insert (locals, local->scenario, local);
  }
  local->users++;
  url = vp_emulator_get_url (local->emulator);
  g_mutex_unlock (&lock);

  g_object_set (session, "endpoint", url, NULL);
  attachment = g_new0 (Attachment, 1);
  attachment->local = local;
  attachment->session = session;
  attachment->closed_id = g_signal_connect_data (session, "closed",
      G_CALLBACK (on_closed), attachment, detach, 0);
  return TRUE;
}
