/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* An SDP offer for a call, checked (vp-web-offer.c). */

#pragma once

#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

/* What an offer holds, checked before a call is built. */
typedef struct
{
  GstSDPMessage *sdp;
  guint opus_pt;
  gboolean has_data_channel;
  guint candidates_dropped;
} VpWebOffer;

/* The HTTP status that refuses an offer, and why, in @error's message. */
guint vp_web_offer_parse (const gchar * text, gsize length,
    gboolean loopback_only, VpWebOffer * offer, GError ** error);
void vp_web_offer_clear (VpWebOffer * offer);

G_END_DECLS
