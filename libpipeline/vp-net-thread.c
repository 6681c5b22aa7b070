/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* One thread, one GMainContext, one SoupSession for every session of the
 * process (DESIGN.md §2), so a gateway with a thousand calls does not need
 * a thousand threads.  Started by the first user, stopped by the last. */

#include "config.h"

#include "vp-net-thread.h"

struct _VpNetThread
{
  gint refcount;                /* under thread_lock */
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupSession *soup;

  GMutex lock;
  GCond cond;
  gboolean running;
  gboolean detached;            /* the last unref came from the thread itself */
};

G_LOCK_DEFINE_STATIC (thread_lock);
static VpNetThread *shared_thread;

static void
net_thread_free (VpNetThread * self)
{
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

static gpointer
net_thread_main (gpointer data)
{
  VpNetThread *self = data;

  g_main_context_push_thread_default (self->context);

  /* Created here so that it belongs to this thread's context.  The http
   * tool handlers share it: the calls of one toolCall run concurrently,
   * so more than libsoup's 2 connections per host (10 in all). */
  self->soup = soup_session_new_with_options ("user-agent",
      "voxpipe/" VERSION, "timeout", 0, "idle-timeout", 0,
      "max-conns-per-host", 32, "max-conns", 128, NULL);

  g_mutex_lock (&self->lock);
  self->running = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);

  soup_session_abort (self->soup);
  g_clear_object (&self->soup);
  /* Let pending callbacks run so they drop their references. */
  while (g_main_context_iteration (self->context, FALSE));

  g_main_context_pop_thread_default (self->context);

  if (self->detached)
    net_thread_free (self);
  return NULL;
}

VpNetThread *
vp_net_thread_ref (void)
{
  VpNetThread *self;

  G_LOCK (thread_lock);
  if (shared_thread == NULL) {
    self = g_new0 (VpNetThread, 1);
    self->refcount = 0;
    self->context = g_main_context_new ();
    self->loop = g_main_loop_new (self->context, FALSE);
    g_mutex_init (&self->lock);
    g_cond_init (&self->cond);
    self->thread = g_thread_new ("voxpipe-net", net_thread_main, self);

    g_mutex_lock (&self->lock);
    while (!self->running)
      g_cond_wait (&self->cond, &self->lock);
    g_mutex_unlock (&self->lock);
    shared_thread = self;
  }
  self = shared_thread;
  self->refcount++;
  G_UNLOCK (thread_lock);

  return self;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
vp_net_thread_unref (VpNetThread * self)
{
  G_LOCK (thread_lock);
  if (--self->refcount > 0) {
    G_UNLOCK (thread_lock);
    return;
  }
  shared_thread = NULL;
  G_UNLOCK (thread_lock);

  if (g_thread_self () == self->thread) {
    /* A thread cannot join itself: let it free itself when its loop ends. */
    self->detached = TRUE;
    g_main_loop_quit (self->loop);
    g_thread_unref (self->thread);
    return;
  }

  g_main_context_invoke (self->context, quit_loop, self->loop);
  g_thread_join (self->thread);
  net_thread_free (self);
}

GMainContext *
vp_net_thread_get_context (VpNetThread * self)
{
  return self->context;
}

SoupSession *
vp_net_thread_get_soup_session (VpNetThread * self)
{
  return self->soup;
}

void
vp_net_thread_invoke (VpNetThread * self, GSourceFunc func, gpointer data,
    GDestroyNotify notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "voxpipe-invoke");
  g_source_attach (source, self->context);
  g_source_unref (source);
}
