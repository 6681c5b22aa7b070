/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Every close the service is known to send (PROTOCOL.md §6) becomes the
 * right error, whose message names the cause and the fix. */

#include "config.h"

#include <voxpipe.h>
#include <string.h>

typedef struct
{
  gushort code;
  const gchar *reason;
  gint expected;
  gboolean transient;
  const gchar *fix;             /* words the message must hold */
} CloseCase;

static const CloseCase cases[] = {
  {1007, "API key not valid. Please pass a valid API key.", VP_ERROR_AUTH,
      FALSE, "GEMINI_API_KEY"},
  {1007, "API key expired. Please renew the API key.", VP_ERROR_AUTH, FALSE,
      "GEMINI_API_KEY"},
  {1008, "models/gemini-9-live is not found for API version v1beta, or is "
        "not supported for bidiGenerateContent. Call ListMod",
      VP_ERROR_MODEL_NOT_FOUND, FALSE, "Set model to a Live model"},
  {1007, "Invalid JSON payload received. Unknown name \"responseModalities\" "
        "at 'setup': Cannot find field.", VP_ERROR_INVALID_ARGUMENT, FALSE,
      "Check the field named"},
  {1007, "Request contains an invalid argument.", VP_ERROR_INVALID_ARGUMENT,
      FALSE, "Check the field"},
  {1011, "You exceeded your current quota, please check your plan and "
        "billing details.", VP_ERROR_QUOTA, FALSE, "billing"},
  {1011, "Resource has been exhausted (e.g. check quota).", VP_ERROR_QUOTA,
      FALSE, "concurrent sessions"},
  {1011, "Deadline expired before operation could complete.",
      VP_ERROR_DEADLINE, TRUE, "session-resumption"},
  {1008, "BidiGenerateContent session not found", VP_ERROR_SESSION_NOT_FOUND,
      FALSE, "resume-handle"},
  {1011, "Internal error occurred.", VP_ERROR_SERVER, TRUE, "reconnect"},
  {1006, NULL, VP_ERROR_NETWORK, TRUE, "network"},
  {1008, "Operation is not implemented, or supported, or enabled.",
      VP_ERROR_INVALID_ARGUMENT, FALSE, "supports"},
};

static void
test_close_codes (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = vp_error_new_from_close (cases[i].code,
        cases[i].reason);

    g_test_message ("%u %s → %s", cases[i].code, cases[i].reason,
        error->message);
    g_assert_error (error, VP_ERROR, cases[i].expected);
    g_assert_cmpint (vp_error_is_transient (error), ==, cases[i].transient);
    /* The cause: the close code and the service's words … */
    if (cases[i].reason != NULL)
      g_assert_nonnull (strstr (error->message, cases[i].reason));
    /* … and the fix. */
    g_assert_nonnull (strstr (error->message, cases[i].fix));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error/close-codes", test_close_codes);
  return g_test_run ();
}
