/* GStreamer Gemini Live elements
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The once-only init that every element of the plugin runs when it is
 * registered: the shared state's debug category, and the enums of the
 * properties marked as plugin API. */

#include "config.h"

#include "gstgeminiliveelements.h"
#include "gstgeminiliveenumtypes.h"
#include "gstgeminiliveshared.h"

void
gst_gemini_live_element_init (GstPlugin * plugin)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    gst_gemini_live_shared_init ();
    gst_type_mark_as_plugin_api (gst_gemini_live_vad_get_type (), 0);
    gst_type_mark_as_plugin_api (gst_gemini_live_sensitivity_get_type (), 0);
    gst_type_mark_as_plugin_api (gst_gemini_live_activity_handling_get_type
        (), 0);
    gst_type_mark_as_plugin_api (gst_gemini_live_thinking_get_type (), 0);
    g_once_init_leave (&done, 1);
  }
}
