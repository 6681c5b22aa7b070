/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The emulator's scenario: the "brain" that decides what the emulated
 * model says and which tools it calls (internal; the format is documented
 * in docs/emulator.md).  A loaded scenario is immutable and refcounted, so
 * connections share it across threads without locks. */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS typedef struct
{
  gchar *name;
  JsonNode *args;               /* an object; string values may be templates */
} VpEmuScenarioCall;

typedef struct
{
  gchar *id;
  gchar **match_text;           /* case-insensitive substrings; NULL for none */
  GPtrArray *match_regex;       /* GRegex, case-insensitive */
  gboolean in_order;            /* may be taken in order by an audio turn */
  gchar **phrases;              /* what the caller may say, for the
                                 * recognizer (normalised); NULL for none */
  gchar *transcript;            /* the user's words, sent as inputTranscription */
  gchar *say;                   /* template */
  GPtrArray *calls;             /* VpEmuScenarioCall; empty for none */
  gchar *then;                  /* template, spoken after the tool responses */
  gchar *filler;                /* template, spoken while non-blocking calls run */
  gint latency_ms;              /* < 0: the emulator's latency-ms */
} VpEmuScenarioTurn;

typedef struct
{
  gchar *name;
  gchar *voice;                 /* espeak-ng voice; NULL for the default */
  GPtrArray *turns;             /* VpEmuScenarioTurn */
  VpEmuScenarioTurn *fallback;
  gboolean in_order;            /* "hearing": "in-order": no recognition */
  gchar **phrases;              /* every turn's, for the recognizer's grammar;
                                 * NULL: audio turns go in order */
} VpEmuScenario;

G_GNUC_INTERNAL
    VpEmuScenario * vp_emu_scenario_load_file (const gchar * path,
    GError ** error);
/* @source: a name for error messages ("scenario property"). */
G_GNUC_INTERNAL
    VpEmuScenario * vp_emu_scenario_load_data (const gchar * data,
    gssize length, const gchar * source, GError ** error);
/* The small scenario used when none is given. */
G_GNUC_INTERNAL VpEmuScenario *vp_emu_scenario_new_builtin (void);

G_GNUC_INTERNAL VpEmuScenario *vp_emu_scenario_ref (VpEmuScenario * scenario);
G_GNUC_INTERNAL void vp_emu_scenario_unref (VpEmuScenario * scenario);

/* The turn for a text input: the first turn, starting at @cursor and
 * wrapping around, whose match.text, match.regex or transcript matches.
 * Returns its index, or -1 (use the fallback). */
G_GNUC_INTERNAL
    gint vp_emu_scenario_match_text (VpEmuScenario * scenario,
    const gchar * text, guint cursor);
/* TRUE when @a and @b have the same words (case and punctuation aside). */
G_GNUC_INTERNAL gboolean vp_emu_scenario_same_words (const gchar * a,
    const gchar * b);
/* The turn for recognised words: the first turn from @cursor (wrapping)
 * with a phrase equal to @heard, else vp_emu_scenario_match_text(). */
G_GNUC_INTERNAL
    gint vp_emu_scenario_match_heard (VpEmuScenario * scenario,
    const gchar * heard, guint cursor);
/* The turn for an audio input: the first in-order turn at or after
 * @cursor, or -1. */
G_GNUC_INTERNAL
    gint vp_emu_scenario_match_in_order (VpEmuScenario * scenario,
    guint cursor);

/* Texts without placeholders, to render ahead of time. */
G_GNUC_INTERNAL GPtrArray *vp_emu_scenario_static_texts (VpEmuScenario *
    scenario);

G_END_DECLS
