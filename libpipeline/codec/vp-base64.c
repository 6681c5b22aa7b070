/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Strict base64: a decoder that refuses what is not base64 (either
 * alphabet, padding optional, ASCII whitespace skipped), fast on the
 * model's audio, and an encoder that writes straight into a GString.
 * Pure: no I/O, no state. */

#include "config.h"

#include "vp-base64.h"

/* Entries hold the 6-bit value + 1; 0 (the default) is not base64.  Both
 * alphabets: '+' and '-' are 62, '/' and '_' are 63. */
#define B64_PAD 65              /* '=' */
#define B64_SPACE 66            /* ' ', '\t', '\n', '\r' */

static const guint8 b64_table[256] = {
  0, 0, 0, 0, 0, 0, 0, 0, 0, 66, 66, 0, 0, 66, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  66, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 63, 0, 63, 0, 64,
  53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 0, 0, 0, 65, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 0, 0, 0, 0, 64,
  0, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41,
  42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Decodes into @out (at least length / 4 * 3 + 3 bytes) when not NULL.
 * Returns the decoded size, or -1 when @text is not base64. */
static gssize
b64_decode (const gchar * text, gsize length, guint8 * out)
{
  const guchar *p = (const guchar *) text;
  const guchar *end = p + length;
  guint32 acc = 0;
  guint bits = 0;
  gsize symbols = 0, pad = 0, n = 0;

  /* Whole quads of symbols first (the model's audio is nothing else):
   * four lookups and one test for three bytes.  A symbol's entry is 1-64,
   * so entry - 1 < 64 for symbols only. */
  while (end - p >= 4) {
    guint a = b64_table[p[0]] - 1u, b = b64_table[p[1]] - 1u;
    guint c = b64_table[p[2]] - 1u, d = b64_table[p[3]] - 1u;
    guint32 quad;

    if ((a | b | c | d) >= 64)
      break;
    quad = (a << 18) | (b << 12) | (c << 6) | d;
    if (out != NULL) {
      out[n] = (guint8) (quad >> 16);
      out[n + 1] = (guint8) (quad >> 8);
      out[n + 2] = (guint8) quad;
    }
    n += 3;
    symbols += 4;
    p += 4;
  }

  /* The rest one symbol at a time: padding, spaces, the last quad. */
  for (; p < end; p++) {
    guint8 v = b64_table[*p];

    if (v >= 1 && v <= 64) {
      if (pad > 0)
        return -1;
      acc = (acc << 6) | (guint32) (v - 1);
      bits += 6;
      symbols++;
      if (bits >= 8) {
        bits -= 8;
        if (out != NULL)
          out[n] = (guint8) (acc >> bits);
        n++;
      }
    } else if (v == B64_PAD) {
      pad++;
    } else if (v != B64_SPACE) {
      return -1;
    }
  }

  /* One symbol alone carries no byte; padding must complete a quantum. */
  if (symbols % 4 == 1)
    return -1;
  if (pad > 0 && (pad > 2 || (symbols + pad) % 4 != 0))
    return -1;

  return n;
}

gboolean
vp_base64_valid (const gchar * text, gsize length)
{
  return text != NULL && b64_decode (text, length, NULL) >= 0;
}

GBytes *
vp_base64_decode (const gchar * text, gsize length)
{
  guint8 *out;
  gssize n;

  if (text == NULL)
    return NULL;

  out = g_malloc (length / 4 * 3 + 3);
  n = b64_decode (text, length, out);
  if (n < 0) {
    g_free (out);
    return NULL;
  }
  return g_bytes_new_take (out, n);
}

void
vp_base64_append (GString * out, const guint8 * data, gsize length)
{
  gsize start = out->len;
  gint state = 0, save = 0;
  gsize n;

  /* Encode straight into the string: no temporary copy on the hot path. */
  g_string_set_size (out, start + (length / 3 + 1) * 4 + 4);
  n = g_base64_encode_step (data, length, FALSE, out->str + start,
      &state, &save);
  n += g_base64_encode_close (FALSE, out->str + start + n, &state, &save);
  g_string_truncate (out, start + n);
}
