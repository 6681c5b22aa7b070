/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* An SDP offer, checked before a call is built: is it SDP, has it audio,
 * does the audio offer Opus (and with which payload type), has it a data
 * channel; serving loopback, its candidates off loopback are dropped
 * (docs/calls.md has the statuses). */

#include "config.h"

#include "vp-web-offer.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

static gboolean
address_is_loopback (const gchar * address)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);

  return inet != NULL && g_inet_address_get_is_loopback (inet);
}

/* "candidate:F C udp PRIO ADDRESS PORT typ host …": the address. */
static gchar *
candidate_address (const gchar * candidate)
{
  g_auto (GStrv) fields = g_strsplit (candidate, " ", 7);

  if (g_strv_length (fields) < 6)
    return NULL;
  return g_strdup (fields[4]);
}

static guint
drop_remote_candidates (GstSDPMedia * media)
{
  guint i = 0, dropped = 0;

  while (i < gst_sdp_media_attributes_len (media)) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
    g_autofree gchar *address = NULL;

    if (g_strcmp0 (attr->key, "candidate") == 0 && attr->value != NULL)
      address = candidate_address (attr->value);
    if (g_strcmp0 (attr->key, "candidate") == 0
        && (address == NULL || !address_is_loopback (address))) {
      gst_sdp_media_remove_attribute (media, i);
      dropped++;
    } else {
      i++;
    }
  }
  return dropped;
}

/* The payload type of Opus at 48 kHz in @media, or -1. */
static gint
find_opus (const GstSDPMedia * media)
{
  guint i;

  for (i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);
    guint pt;
    gchar codec[32];

    if (g_strcmp0 (attr->key, "rtpmap") != 0 || attr->value == NULL)
      continue;
    if (sscanf (attr->value, "%u %31[^/]/48000", &pt, codec) == 2
        && g_ascii_strcasecmp (codec, "opus") == 0 && pt < 128)
      return pt;
  }
  return -1;
}

static guint
refuse (GError ** error, guint status, const gchar * reason)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, reason);
  return status;
}

/* 0 when the offer is one we take; else the HTTP status that refuses it:
 * 400 not an SDP offer, 422 no audio, 415 no Opus (docs/calls.md). */
guint
vp_web_offer_parse (const gchar * text, gsize length, gboolean loopback_only,
    VpWebOffer * offer, GError ** error)
{
  GstSDPMessage *sdp = NULL;
  gboolean has_audio = FALSE;
  gint pt = -1;
  guint i;

  memset (offer, 0, sizeof *offer);
  if (length == 0 || !g_utf8_validate (text, length, NULL)
      || !g_str_has_prefix (text, "v=0"))
    return refuse (error, 400, "the body is not an SDP offer (it must "
        "start with v=0)");
  gst_sdp_message_new (&sdp);
  if (gst_sdp_message_parse_buffer ((const guint8 *) text, length, sdp)
      != GST_SDP_OK || gst_sdp_message_medias_len (sdp) == 0
      || gst_sdp_message_get_origin (sdp) == NULL
      || gst_sdp_message_get_origin (sdp)->sess_id == NULL) {
    gst_sdp_message_free (sdp);
    return refuse (error, 400, "the SDP offer is malformed (no origin or no "
        "media)");
  }

  for (i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    GstSDPMedia *media = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);
    const gchar *kind = gst_sdp_media_get_media (media);

    if (loopback_only)
      offer->candidates_dropped += drop_remote_candidates (media);
    if (g_strcmp0 (kind, "application") == 0
        && g_strcmp0 (gst_sdp_media_get_format (media, 0),
            "webrtc-datachannel") == 0)
      offer->has_data_channel = TRUE;
    if (g_strcmp0 (kind, "audio") != 0 || gst_sdp_media_get_port (media) == 0)
      continue;
    has_audio = TRUE;
    if (pt < 0)
      pt = find_opus (media);
  }

  if (!has_audio) {
    gst_sdp_message_free (sdp);
    return refuse (error, 422, "the offer has no audio: add an audio track "
        "(or transceiver) before creating it");
  }
  if (pt < 0) {
    gst_sdp_message_free (sdp);
    return refuse (error, 415, "the offer's audio has no codec we take: "
        "offer opus/48000/2");
  }
  offer->sdp = sdp;
  offer->opus_pt = pt;
  return 0;
}

void
vp_web_offer_clear (VpWebOffer * offer)
{
  if (offer->sdp != NULL)
    gst_sdp_message_free (offer->sdp);
  offer->sdp = NULL;
}
