/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The plugin "geminilive": registers geminilivesink, geminilivesrc and
 * the geminilive bin. */

#include "config.h"

#include "gstgeminiliveelements.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (geminilivesink, plugin);
  ret |= GST_ELEMENT_REGISTER (geminilivesrc, plugin);
  ret |= GST_ELEMENT_REGISTER (geminilive, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, geminilive,
    "Voice agents on Google's Gemini Live API", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
