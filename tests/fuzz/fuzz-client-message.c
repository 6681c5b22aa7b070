/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target: bytes from a client → vp_client_message_parse() (what the
 * emulator does with every frame).  Whatever it accepts must build back
 * into a message it accepts again. */

#include "config.h"

#include "vp-protocol.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

static VpClientMessage *
reparse (gchar * json)
{
  VpClientMessage *msg = vp_client_message_parse (json, strlen (json), NULL);

  g_free (json);
  if (msg == NULL)
    abort ();
  return msg;
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VpClientMessage) msg = NULL;
  g_autoptr (VpClientMessage) again = NULL;

  msg = vp_client_message_parse ((const gchar *) data, size, &error);
  if (msg == NULL) {
    if (error == NULL || error->domain != VP_PROTOCOL_ERROR)
      abort ();
    return 0;
  }

  switch (msg->type) {
    case VP_CLIENT_MESSAGE_SETUP:
      again = reparse (vp_protocol_build_setup (msg->setup));
      if (g_strcmp0 (again->setup->model, msg->setup->model) != 0
          && !g_str_has_prefix (again->setup->model, "models/"))
        abort ();
      break;
    case VP_CLIENT_MESSAGE_REALTIME_INPUT:
      if (msg->audio != NULL) {
        gsize n;
        const guint8 *pcm = g_bytes_get_data (msg->audio, &n);

        again = reparse (vp_protocol_build_realtime_audio (pcm, n,
                msg->audio_rate));
        if (!g_bytes_equal (again->audio, msg->audio))
          abort ();
      }
      break;
    case VP_CLIENT_MESSAGE_TOOL_RESPONSE:
      if (msg->function_responses->len > 0) {
        again = reparse (vp_protocol_build_tool_response
            (g_ptr_array_index (msg->function_responses, 0), 1));
        if (again->function_responses->len != 1)
          abort ();
      }
      break;
    case VP_CLIENT_MESSAGE_CLIENT_CONTENT:
    case VP_CLIENT_MESSAGE_CONTEXT_UPDATE:
      break;
  }

  return 0;
}
