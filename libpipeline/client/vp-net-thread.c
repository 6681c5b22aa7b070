/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* One thread, one GMainContext, one SoupSession for every session of the
 * process (DESIGN.md §2), so a gateway with a thousand calls does not need
 * a thousand threads.  Started by the first user, stopped by the last. */

#include "config.h"

#include "vp-net-thread.h"

#include <errno.h>
#include <glib-unix.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* A call queued by vp_net_thread_invoke(). */
typedef struct
{
  GSourceFunc func;
  gpointer data;
  GDestroyNotify notify;
} Task;

/* Fields marked [I] are set before vp_net_thread_ref() returns the thread
 * to anyone (soup: before `running`, under `lock`) and never change. */
struct _VpNetThread
{
  gint refcount;                /* under thread_lock */
  GThread *thread;              /* [I] */
  GMainContext *context;        /* [I] */
  GMainLoop *loop;              /* [I] */
  SoupSession *soup;            /* [I] made on the thread, used only there */

  GMutex lock;
  GCond cond;
  gboolean running;             /* under lock: the thread has started */
  gboolean detached;            /* the thread only: the last unref came from it */

  /* vp_net_thread_invoke(): every session's calls (50 audio flushes a
   * second each) go through one queue and one eventfd, not a GSource each:
   * a caller takes only task_lock, never the GMainContext's lock that the
   * network thread holds while it works, and the thread wakes once for all
   * the calls queued meanwhile. */
  GMutex task_lock;
  GArray *tasks;                /* Task, under task_lock */
  gboolean task_signalled;      /* efd written since the queue was taken */
  gint task_fd;                 /* [I] eventfd */
  GSource *task_source;         /* [I] on context */
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
  g_mutex_clear (&self->task_lock);
  g_array_unref (self->tasks);
  close (self->task_fd);
  g_free (self);
}

/* Runs every queued call, in order; calls queued meanwhile run on the next
 * wake-up.  Returns whether there were any. */
static gboolean
run_tasks (VpNetThread * self)
{
  GArray *batch;
  guint64 value;
  guint i;

  if (read (self->task_fd, &value, sizeof value) < 0) {
    /* EAGAIN: nothing written since the last read */
  }
  g_mutex_lock (&self->task_lock);
  batch = self->tasks;
  self->tasks = g_array_sized_new (FALSE, FALSE, sizeof (Task), 64);
  self->task_signalled = FALSE;
  g_mutex_unlock (&self->task_lock);

  for (i = 0; i < batch->len; i++) {
    Task *task = &g_array_index (batch, Task, i);
    /* One-shot, like an idle source whose callback returns
     * G_SOURCE_REMOVE: the return value is not used. */
    task->func (task->data);
    if (task->notify != NULL)
      task->notify (task->data);
  }
  i = batch->len;
  g_array_unref (batch);
  return i > 0;
}

static gboolean
on_tasks (gint fd, GIOCondition condition, gpointer data)
{
  run_tasks (data);
  return G_SOURCE_CONTINUE;
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
  while (g_main_context_iteration (self->context, FALSE) || run_tasks (self));
  g_source_destroy (self->task_source);
  g_clear_pointer (&self->task_source, g_source_unref);

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
    g_mutex_init (&self->task_lock);
    self->tasks = g_array_sized_new (FALSE, FALSE, sizeof (Task), 64);
    self->task_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (self->task_fd < 0)
      g_error ("Voxpipe: cannot create an eventfd for the network thread: %s",
          g_strerror (errno));
    self->task_source = g_unix_fd_source_new (self->task_fd, G_IO_IN);
    g_source_set_callback (self->task_source, G_SOURCE_FUNC (on_tasks), self,
        NULL);
    g_source_set_static_name (self->task_source, "voxpipe-invoke");
    g_source_attach (self->task_source, self->context);
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

/* Queues @func (which must be one-shot) to run on the network thread, after
 * everything queued before it.  Any thread, the network thread included. */
void
vp_net_thread_invoke (VpNetThread * self, GSourceFunc func, gpointer data,
    GDestroyNotify notify)
{
  Task task = { func, data, notify };
  gboolean wake;

  g_mutex_lock (&self->task_lock);
  g_array_append_val (self->tasks, task);
  wake = !self->task_signalled;
  self->task_signalled = TRUE;
  g_mutex_unlock (&self->task_lock);

  if (wake) {
    guint64 one = 1;
    if (write (self->task_fd, &one, sizeof one) < 0)
      g_warning ("Voxpipe: cannot wake the network thread: %s",
          g_strerror (errno));
  }
}
