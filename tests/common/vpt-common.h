/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Helpers shared by the element and pipeline tests: a private emulator,
 * a recorder of the elements' signals, the emulator's record of what the
 * client sent, PCM and wav helpers.  Every wait has a time bound. */

#pragma once

#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>
#include <voxpipe.h>
#include <voxpipe-emulator.h>

G_BEGIN_DECLS

/* The longest any single wait in these tests may take. */
#define VPT_WAIT_MS 30000

/* A key that must never appear in a message. */
#define VPT_SECRET_KEY "AIzaSy-vpt-secret-key-0123456789"

/* Starts a private emulator on 127.0.0.1:0.  @scenario_json may be NULL
 * (the built-in scenario).  Properties follow as name/value pairs. */
VpEmulator *vpt_emulator_start (const gchar * scenario_json,
    const gchar * first_property, ...);

/* A geminilivesink (or geminilive bin) talking to @emulator. */
void vpt_configure_session (GstElement * element, VpEmulator * emulator,
    const gchar * session);

/* Records the event signals of a geminilivesink or geminilive bin.
 * Events are strings: "session:ready", "turn:started", "turn:complete",
 * "interrupted", "tool-call:NAME", "transcript:output"… */
typedef struct
{
  GstElement *element;
  GMutex lock;
  GCond cond;
  GPtrArray *events;
  GArray *latencies;            /* gdouble, of "started" turns */
  GString *output;              /* output transcript */
  GString *input;               /* input transcript */
} VptEvents;

VptEvents *vpt_events_new (GstElement * element);
/* Stops recording; the memory goes when the element is finalized (a
 * handler may still run on the network thread until then). */
void vpt_events_free (VptEvents * events);
guint vpt_events_count (VptEvents * events, const gchar * event);
/* Waits until @event happened @count times; FALSE after @timeout_ms. */
gboolean vpt_events_wait (VptEvents * events, const gchar * event,
    guint count, guint timeout_ms);

/* How many client messages in the record have @path ("realtimeInput.
 * audioStreamEnd"); @last_string gets the last string value there. */
guint vpt_record_count (VpEmulator * emulator, const gchar * path,
    gchar ** last_string);
gboolean vpt_record_wait (VpEmulator * emulator, const gchar * path,
    guint count, guint timeout_ms);
guint64 vpt_record_audio_bytes (VpEmulator * emulator);
/* The index in the record of the first message with @path, or -1. */
gint vpt_record_index (VpEmulator * emulator, const gchar * path);

/* espeak-ng speech at @rate, as the emulator renders it. */
GBytes *vpt_speech (const gchar * text, guint rate);
/* The samples of @pcm that are not 0, in order. */
GArray *vpt_nonzero (const gint16 * samples, gsize n);

/* RMS of a 16-bit PCM wav file, and its duration; -1 if unreadable. */
gdouble vpt_wav_rms (const gchar * path, gdouble * seconds);

/* geminilivesrc in a harness on its test clock: lets its next clock wait
 * pass, then takes every buffer it pushed so far into @pushed (model
 * audio that arrives while it is silent leaves without a wait, so there
 * may be more than one, or none).  FALSE when it no longer waits. */
gboolean vpt_src_step (GstHarness * h, GPtrArray * pushed);

/* Waits for a message of @types on @element's bus. */
GstMessage *vpt_bus_wait (GstElement * element, GstMessageType types,
    guint timeout_ms);

/* Every string in @message (error text, debug, structure fields). */
gchar *vpt_message_text (GstMessage * message);

G_END_DECLS
