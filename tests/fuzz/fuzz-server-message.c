/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Fuzz target: bytes from the server → vp_server_message_parse().  Also
 * checks that tool-call arguments survive the emulator's builder. */

#include "config.h"

#include "vp-protocol.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VpServerMessage) msg = NULL;
  guint i;

  msg = vp_server_message_parse ((const gchar *) data, size, &error);
  if (msg == NULL) {
    /* Refusals always say why. */
    if (error == NULL || error->domain != VP_PROTOCOL_ERROR)
      abort ();
    return 0;
  }
  if (msg->audio == NULL)
    abort ();

  for (i = 0; i < msg->audio->len; i++)
    g_bytes_get_size (g_ptr_array_index (msg->audio, i));

  /* args_json is compact JSON: rebuilding and parsing it again works. */
  if (msg->function_calls != NULL && msg->function_calls->len > 0) {
    VpFunctionCall *call = g_ptr_array_index (msg->function_calls, 0);
    g_autofree gchar *json = vp_server_build_tool_call (call, 1);
    g_autoptr (VpServerMessage) again =
        vp_server_message_parse (json, strlen (json), NULL);
    VpFunctionCall *call_again;

    if (again == NULL || again->function_calls == NULL
        || again->function_calls->len != 1)
      abort ();
    call_again = g_ptr_array_index (again->function_calls, 0);
    if (g_strcmp0 (call_again->args_json, call->args_json) != 0)
      abort ();
  }

  return 0;
}
