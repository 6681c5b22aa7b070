/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The model table (DESIGN.md §10): what each Live model takes and costs.
 * Everything in the client that differs by model asks this table. */

#pragma once

#include <glib-object.h>
#include "vp-protocol.h"
#include "vp-usage.h"

G_BEGIN_DECLS

/**
 * VpModelThinking:
 * @VP_MODEL_THINKING_NONE: takes no thinkingConfig (3.8 Live)
 * @VP_MODEL_THINKING_LEVEL: takes thinkingLevel (3.1, 3.8 extended thinking)
 * @VP_MODEL_THINKING_BUDGET: takes thinkingBudget (2.5 native audio)
 */
typedef enum {
  VP_MODEL_THINKING_NONE,
  VP_MODEL_THINKING_LEVEL,
  VP_MODEL_THINKING_BUDGET,
} VpModelThinking;

/**
 * VpModelProactive:
 * @VP_MODEL_PROACTIVE_NONE: proactivity is not taken (3.1)
 * @VP_MODEL_PROACTIVE_OPTIONAL: proactiveAudio may be on or off (2.5)
 * @VP_MODEL_PROACTIVE_ALWAYS: always on; proactiveAudio false is refused (3.8)
 */
typedef enum {
  VP_MODEL_PROACTIVE_NONE,
  VP_MODEL_PROACTIVE_OPTIONAL,
  VP_MODEL_PROACTIVE_ALWAYS,
} VpModelProactive;

/* One row of the table.  @thinking_levels: the levels taken, NULL when
 * thinking is not VP_MODEL_THINKING_LEVEL. */
typedef struct {
  const gchar *name;
  const gchar *label;
  VpModelThinking thinking;
  const gchar *const *thinking_levels;
  gboolean non_blocking_default;        /* calls are NON_BLOCKING unless declared BLOCKING */
  gboolean takes_behavior;      /* declarations may carry behavior */
  gboolean takes_scheduling;    /* responses may carry scheduling */
  VpModelProactive proactive;
  gboolean affective_dialog;
  gboolean client_content_anytime;      /* FALSE: only history seeding at the start (3.1) */
  VpPrice price;
  gboolean audio_price_confirmed;       /* FALSE: the audio/image rates are 3.1's, not Google's */
} VpModel;

#define VP_MODEL_38 "gemini-3.8-live"
#define VP_MODEL_38_THINKING "gemini-3.8-live-extended-thinking"
#define VP_MODEL_31 "gemini-3.1-flash-live-preview"

/* Returns: (transfer none) (nullable): the row of @model ("models/"
 * prefix optional), or NULL when the table does not know it. */
const VpModel *vp_model_lookup (const gchar * model);

/* Returns: (transfer none): the rules for @model: its row, or 3.8 Live's
 * for a model the table does not know. */
const VpModel *vp_model_rules (const gchar * model);

/* Returns: (transfer none): the rows, @n_models of them. */
const VpModel *vp_models_list (guint * n_models);

/**
 * vp_model_check_setup:
 * @setup: a setup, before connecting
 * @warnings: (nullable) (element-type utf8): filled with what is allowed
 *   but worth saying (an unknown model)
 * @error: the setting the model does not take, naming the model, the
 *   setting and the fix
 *
 * Returns: TRUE when the model takes every setting of @setup
 */
gboolean vp_model_check_setup (const VpSetupConfig * setup,
    GPtrArray * warnings, GError ** error);

/* Whether a call of a function declared with @behavior (NULL: not said)
 * runs non-blocking on @model. */
gboolean vp_model_call_is_non_blocking (const gchar * model,
    const gchar * behavior);

/**
 * vp_prices_load:
 * @path: a price file: {"MODEL": {"text-in": USD, "audio-in": …,
 *   "image-in": …, "text-out": …, "audio-out": …}, …}, USD per million
 *   tokens; a rate left out keeps the table's
 * @model: the model whose prices are wanted
 * @price: (out caller-allocates): the table's prices of @model with the
 *   file's over them
 * @error: the problem, naming the file and the fix
 *
 * Returns: TRUE, or FALSE with @error
 */
gboolean vp_prices_load (const gchar * path, const gchar * model,
    VpPrice * price, GError ** error);

G_END_DECLS
