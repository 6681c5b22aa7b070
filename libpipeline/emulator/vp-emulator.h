/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A local implementation of the Gemini Live service (PROTOCOL.md §9,
 * DESIGN.md §6) for offline demos and tests.  It runs on its own thread
 * with its own GMainContext and binds 127.0.0.1 unless told otherwise. */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define VP_TYPE_EMULATOR (vp_emulator_get_type ())
G_DECLARE_FINAL_TYPE (VpEmulator, vp_emulator, VP, EMULATOR, GObject)

/**
 * VpEmulatorFault:
 * @VP_EMULATOR_FAULT_NONE: no fault
 * @VP_EMULATOR_FAULT_CLOSE: close with a given code and reason
 * @VP_EMULATOR_FAULT_DROP: drop the TCP connection without a close frame
 * @VP_EMULATOR_FAULT_STALL: stop sending anything and stop answering pings
 * @VP_EMULATOR_FAULT_MALFORMED: send a frame that is not JSON
 * @VP_EMULATOR_FAULT_OVERSIZED: send a frame larger than any client limit
 *   (the fault's argument gives the size in bytes; 0 means 32 MiB)
 * @VP_EMULATOR_FAULT_TEXT_FRAME: send the next message as a text frame
 *   instead of binary (legal: clients must accept both)
 * @VP_EMULATOR_FAULT_GO_AWAY: send goAway now with the argument as timeLeft
 *   in milliseconds, then close 1011 "Deadline expired…" when it runs out
 * @VP_EMULATOR_FAULT_NO_SETUP_COMPLETE: never answer setup
 *
 * Faults the emulator can inject.  A fault is armed with
 * vp_emulator_inject_fault() and fires once, on the first connection that
 * reaches the trigger point.
 */
typedef enum {
  VP_EMULATOR_FAULT_NONE,
  VP_EMULATOR_FAULT_CLOSE,
  VP_EMULATOR_FAULT_DROP,
  VP_EMULATOR_FAULT_STALL,
  VP_EMULATOR_FAULT_MALFORMED,
  VP_EMULATOR_FAULT_OVERSIZED,
  VP_EMULATOR_FAULT_TEXT_FRAME,
  VP_EMULATOR_FAULT_GO_AWAY,
  VP_EMULATOR_FAULT_NO_SETUP_COMPLETE,
} VpEmulatorFault;


/**
 * vp_emulator_new:
 *
 * Properties (all settable before vp_emulator_start()):
 * - "host" (string, "127.0.0.1"): address to bind
 * - "port" (uint, 0 = any free port; read back after start)
 * - "api-key" (string, NULL): when set, only this key (or token) is
 *   accepted; otherwise any non-empty key is.  A refused key completes
 *   the upgrade and closes 1007 "API key not valid. Please pass a valid API key."
 * - "scenario-file" (string) / "scenario" (string, JSON): the brain, see
 *   docs/emulator.md.  Without one, a small built-in scenario answers.
 * - "time-scale" (double, 1.0): how much faster than real time the
 *   connection lifetime, goAway notice, session limit and handle expiry run
 *   (60 makes the 10-minute connection last 10 s).  Audio is not scaled.
 * - "connection-lifetime" (uint seconds, 600), "go-away-notice" (uint
 *   seconds, 60), "session-limit" (uint seconds, 900; 120 with video;
 *   none with context compression), "handle-lifetime" (uint s, 7200)
 * - "latency-ms" (uint, 300): think time from end of user turn to first
 *   model audio (the scenario can override per turn)
 * - "speech-rate" (double, 4.0): how many times faster than real time
 *   model audio is sent, like the real service's bursts; 1.0 = paced
 * - "chunk-ms" (uint, 40..320, 120): model audio per frame
 * - "models" (strv): models that exist; others close 1008
 */
VpEmulator *vp_emulator_new (void);

/* Binds and starts serving.  Returns once the socket listens. */
gboolean vp_emulator_start (VpEmulator * self, GError ** error);
/* Closes every connection and stops the thread.  Idempotent. */
void vp_emulator_stop (VpEmulator * self);

guint vp_emulator_get_port (VpEmulator * self);
/* "ws://127.0.0.1:PORT" — usable as a session endpoint. */
gchar *vp_emulator_get_url (VpEmulator * self);

/**
 * vp_emulator_inject_fault:
 * @after_messages: fire after this many server messages have been sent on
 *   a connection (0: right after the upgrade, before setupComplete)
 * @close_code: for %VP_EMULATOR_FAULT_CLOSE
 * @reason: (nullable): for %VP_EMULATOR_FAULT_CLOSE
 * @argument: fault-specific (size, timeLeft in ms)
 */
void vp_emulator_inject_fault (VpEmulator * self, VpEmulatorFault fault,
    guint after_messages, gushort close_code, const gchar * reason,
    gint64 argument);

/**
 * vp_emulator_get_record:
 *
 * Everything each client sent, in order, as JSON:
 * [{"connection":1,"session":"s-1","resumed":false,"closeCode":1000,
 *   "messages":[<each client message as received>, …],
 *   "audioBytes":N,"toolResponses":N}, …]
 *
 * Returns: (transfer full): the record as a JSON string.
 */
gchar *vp_emulator_get_record (VpEmulator * self);

/* Number of client connections accepted so far. */
guint vp_emulator_get_n_connections (VpEmulator * self);

/**
 * VpEmulatorTraceFunc: (skip)
 * @connection: the connection's number (1, 2, … in the order accepted)
 * @sent: TRUE for a server message the emulator wrote, FALSE for a client
 *   message it received
 * @data: the message (JSON, not NUL-terminated)
 * @length: its length in bytes
 * @time_us: g_get_monotonic_time() when the emulator received it (before
 *   anything else looked at it) or wrote it (just before the write)
 * @user_data: from vp_emulator_set_trace_func()
 *
 * Called on the emulator's thread for every message, for measurements
 * (tests/bench).  It must be quick and must not call the emulator.
 */
typedef void (*VpEmulatorTraceFunc) (guint connection, gboolean sent,
    const gchar * data, gsize length, gint64 time_us, gpointer user_data);

/**
 * vp_emulator_set_trace_func: (skip)
 * @func: (nullable): the function, or NULL to remove it
 * @user_data: passed to @func
 *
 * Sets (or with NULL removes) the trace function.  Only while stopped.
 *
 * A C-only measurement hook, so not for bindings: @func runs on the
 * emulator's own thread for every message, where a binding would take its
 * interpreter lock each time and distort the timings the hook exists to
 * measure; and @user_data has no destroy notify.
 */
void vp_emulator_set_trace_func (VpEmulator * self, VpEmulatorTraceFunc func,
    gpointer user_data);

G_END_DECLS
