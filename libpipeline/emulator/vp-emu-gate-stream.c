/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The gate stream: an input stream that can be frozen, for the stall
 * fault.  libsoup reads the WebSocket through it; stalling destroys the
 * socket sources behind the sources it handed out, so libsoup stops
 * reading while the socket stays open. */

#include "config.h"

#include "vp-emu-gate-stream.h"

typedef struct
{
  GInputStreamClass parent_class;
} VpEmuGateStreamClass;

struct _VpEmuGateStream
{
  GInputStream parent;

  GInputStream *base;
  GIOStream *base_io;
  gboolean stalled;
  /* The socket sources behind the sources handed out; destroying them
   * freezes the parents.  (Only children are kept: the parents hold a
   * reference on this stream.) */
  GPtrArray *children;
};

static void vp_emu_gate_stream_pollable_init (GPollableInputStreamInterface *
    iface);

G_DEFINE_TYPE_WITH_CODE (VpEmuGateStream, vp_emu_gate_stream,
    G_TYPE_INPUT_STREAM,
    G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
        vp_emu_gate_stream_pollable_init));

static gssize
gate_read (GInputStream * stream, void *buffer, gsize count,
    GCancellable * cancellable, GError ** error)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (stream);

  if (self->stalled) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
        "The emulator stalled this connection.");
    return -1;
  }
  return g_input_stream_read (self->base, buffer, count, cancellable, error);
}

static gboolean
gate_close (GInputStream * stream, GCancellable * cancellable, GError ** error)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (stream);

  return g_io_stream_close (self->base_io, cancellable, error);
}

/* Closing is quick and local; do it at once rather than in a worker
 * thread (the default), so the socket is only touched from our thread. */
static void
gate_close_async (GInputStream * stream, int io_priority,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);
  GError *error = NULL;

  if (gate_close (stream, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static gboolean
gate_close_finish (GInputStream * stream, GAsyncResult * result,
    GError ** error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
gate_can_poll (GPollableInputStream * stream)
{
  return TRUE;
}

static gboolean
gate_is_readable (GPollableInputStream * stream)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (stream);

  return !self->stalled
      && g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM
      (self->base));
}

static GSource *
gate_create_source (GPollableInputStream * stream, GCancellable * cancellable)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (stream);
  GSource *child, *source;
  guint i;

  if (self->stalled)
    return g_pollable_source_new_full (stream, NULL, cancellable);

  /* Forget the children of sources libsoup is done with. */
  for (i = self->children->len; i > 0; i--)
    if (g_source_is_destroyed (g_ptr_array_index (self->children, i - 1)))
      g_ptr_array_remove_index_fast (self->children, i - 1);

  child = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM
      (self->base), NULL);
  source = g_pollable_source_new_full (stream, child, cancellable);
  g_ptr_array_add (self->children, child);

  return source;
}

static gssize
gate_read_nonblocking (GPollableInputStream * stream, void *buffer,
    gsize count, GError ** error)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (stream);

  if (self->stalled) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
        "The emulator stalled this connection.");
    return -1;
  }
  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM
      (self->base), buffer, count, NULL, error);
}

static void
vp_emu_gate_stream_pollable_init (GPollableInputStreamInterface * iface)
{
  iface->can_poll = gate_can_poll;
  iface->is_readable = gate_is_readable;
  iface->create_source = gate_create_source;
  iface->read_nonblocking = gate_read_nonblocking;
}

static void
vp_emu_gate_stream_finalize (GObject * object)
{
  VpEmuGateStream *self = VP_EMU_GATE_STREAM (object);

  g_ptr_array_unref (self->children);
  g_object_unref (self->base_io);

  G_OBJECT_CLASS (vp_emu_gate_stream_parent_class)->finalize (object);
}

static void
vp_emu_gate_stream_class_init (VpEmuGateStreamClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  gobject_class->finalize = vp_emu_gate_stream_finalize;
  stream_class->read_fn = gate_read;
  stream_class->close_fn = gate_close;
  stream_class->close_async = gate_close_async;
  stream_class->close_finish = gate_close_finish;
}

static void
vp_emu_gate_stream_init (VpEmuGateStream * self)
{
  self->children = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_source_unref);
}

VpEmuGateStream *
vp_emu_gate_stream_new (GIOStream * base_io)
{
  VpEmuGateStream *self = g_object_new (VP_TYPE_EMU_GATE_STREAM, NULL);

  self->base_io = g_object_ref (base_io);
  self->base = g_io_stream_get_input_stream (base_io);

  return self;
}

GIOStream *
vp_emu_gate_stream_get_base (VpEmuGateStream * self)
{
  return self->base_io;
}

void
vp_emu_gate_stream_stall (VpEmuGateStream * self)
{
  guint i;

  self->stalled = TRUE;
  for (i = 0; i < self->children->len; i++)
    g_source_destroy (g_ptr_array_index (self->children, i));
}
