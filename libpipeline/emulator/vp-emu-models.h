/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Each model's rules as the service plays them (internal; PROTOCOL.md
 * §7.2, §7.2a): the emulator's own table, written from the protocol and
 * not from the client's, so that a test catches a client that is wrong. */

#pragma once

#include "vp-emu-private.h"

G_BEGIN_DECLS

struct _VpEmuModel
{
  const gchar *prefix;          /* the model names it covers */
  gboolean thinking_config;     /* takes generationConfig.thinkingConfig */
  gboolean minimal_thinking;    /* takes thinkingLevel MINIMAL */
  gboolean non_blocking_default;        /* declarations without behavior */
  gboolean takes_non_blocking;  /* behavior NON_BLOCKING is accepted */
  gboolean proactive_always;    /* proactiveAudio false is refused */
  gboolean refuses_proactivity; /* proactivity at all is refused */
  gboolean refuses_affective;   /* enableAffectiveDialog is refused */
  gboolean seeding_only;        /* strict: clientContent only to seed history */
  gboolean packed;              /* audio and transcription in one frame */
};

/* The rules of @model (no "models/" prefix); unknown names get 2.5's. */
G_GNUC_INTERNAL const VpEmuModel *vp_emu_model_rules (const gchar * model);

/* The 1007 close reason the service gives for @setup on @rules' model, and
 * in @why what it refused (for the log); NULL when it takes it. */
G_GNUC_INTERNAL const gchar *vp_emu_model_refusal (const VpEmuModel * rules,
    const VpSetupConfig * setup, const gchar ** why);

/* Whether a call of @name runs non-blocking, from its declaration in
 * @setup's tools and the model's default. */
G_GNUC_INTERNAL gboolean vp_emu_model_call_non_blocking (const VpEmuModel *
    rules, const VpSetupConfig * setup, const gchar * name);

/* The service's reason for what a model refuses. */
#define VP_EMU_REASON_INVALID_ARGUMENT "Request contains an invalid argument."

G_END_DECLS
