/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Bytes to a json-glib tree, strictly: a full syntax scan under the
 * protocol's size and depth limits before json-glib sees the bytes, and
 * the long-string lift that keeps long strings (the model's audio) out of
 * json-glib's slow string path.  Pure: no I/O, no state. */

#include "config.h"

#include "vp-json-scan.h"
#include "vp-protocol.h"

#include <string.h>

static gboolean
is_json_space (gchar c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gint
hex4 (const gchar * p, const gchar * end)
{
  gint value = 0, i;

  if (end - p < 4)
    return -1;
  for (i = 0; i < 4; i++) {
    gint digit = g_ascii_xdigit_value (p[i]);

    if (digit < 0)
      return -1;
    value = value * 16 + digit;
  }
  return value;
}

/* What skip_string() saw in a string. */
enum
{
  STRING_ESCAPES = 1 << 0,      /* a backslash escape */
  STRING_NON_ASCII = 1 << 1,    /* a byte >= 0x80 */
  STRING_U0001 = 1 << 2,        /* "\u0001", the lift marker's code unit */
};

/* The bytes that need a closer look in a string: '"', '\\', control
 * characters and non-ASCII.  The rest (base64, most text) is skipped by one
 * table lookup each. */
static const guint8 plain_string_byte[256] = {
  [0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,      /* no '"' */
  [0x30] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  [0x40] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  [0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,      /* no '\\' */
  [0x60] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  [0x70] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Skips the string starting after its opening quote; NULL if it is not a
 * valid JSON string (surrogates must pair up).  Adds to @flags what it
 * saw. */
static const gchar *
skip_string (const gchar * p, const gchar * end, guint * flags)
{
  while (p < end) {
    guchar c;
    gint unit;

    while (p < end && plain_string_byte[(guchar) * p])
      p++;
    if (p == end)
      break;
    c = *p++;
    if (c == '"')
      return p;
    if (c >= 0x80) {
      *flags |= STRING_NON_ASCII;
      continue;
    }
    if (c < 0x20)
      return NULL;
    /* c is the backslash */
    *flags |= STRING_ESCAPES;
    if (p == end)
      return NULL;
    switch (*p++) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        break;
      case 'u':
        unit = hex4 (p, end);
        if (unit < 0 || (unit >= 0xdc00 && unit <= 0xdfff))
          return NULL;
        if (unit == 0x0001)
          *flags |= STRING_U0001;
        p += 4;
        if (unit >= 0xd800 && unit <= 0xdbff) {
          /* A high surrogate needs its low half right after it. */
          if (end - p < 2 || p[0] != '\\' || p[1] != 'u')
            return NULL;
          unit = hex4 (p + 2, end);
          if (unit < 0xdc00 || unit > 0xdfff)
            return NULL;
          p += 6;
        }
        break;
      default:
        return NULL;
    }
  }

  return NULL;
}

/* A string value's contents that vp_json_parse_object() keeps out of
 * json-glib's way (see there). */
typedef struct
{
  gsize offset;                 /* after the opening quote */
  gsize length;
} Lift;

/* Strings this long, without escapes, are lifted. */
#define LIFT_MIN_LENGTH 256

typedef struct
{
  const gchar *start;
  const gchar *p;
  const gchar *end;
  guint depth;
  guint max_depth;
  VpJsonScan result;
  guint flags;                  /* every string's, ORed */
  gboolean record_lifts;
  GArray *lifts;                /* Lift, created by the first one */
} Scanner;

static void
scanner_init (Scanner * s, const gchar * data, gsize length, guint max_depth)
{
  memset (s, 0, sizeof *s);
  s->start = s->p = data;
  s->end = data + length;
  s->max_depth = max_depth;
}

static void
skip_space (Scanner * s)
{
  while (s->p < s->end && is_json_space (*s->p))
    s->p++;
}

static gboolean
fail (Scanner * s, VpJsonScan result)
{
  s->result = result;
  return FALSE;
}

static gboolean
scan_digits (Scanner * s)
{
  const gchar *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start || fail (s, VP_JSON_SCAN_SYNTAX);
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
scan_number (Scanner * s)
{
  if (*s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!scan_digits (s))
    return FALSE;
  if (s->p < s->end && *s->p == '.') {
    s->p++;
    if (!scan_digits (s))
      return FALSE;
  }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
    s->p++;
    if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
      s->p++;
    if (!scan_digits (s))
      return FALSE;
  }
  return TRUE;
}

static gboolean
scan_literal (Scanner * s, const gchar * word)
{
  gsize n = strlen (word);

  if ((gsize) (s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return fail (s, VP_JSON_SCAN_SYNTAX);
  s->p += n;
  return TRUE;
}

static gboolean
scan_string (Scanner * s, gboolean is_value)
{
  guint flags = 0;
  const gchar *after = skip_string (s->p + 1, s->end, &flags);

  if (after == NULL)
    return fail (s, VP_JSON_SCAN_BAD_STRING);
  if (s->record_lifts && is_value && !(flags & STRING_ESCAPES)
      && after - s->p - 2 >= LIFT_MIN_LENGTH) {
    Lift lift = { s->p + 1 - s->start, after - s->p - 2 };
    if (s->lifts == NULL)
      s->lifts = g_array_new (FALSE, FALSE, sizeof (Lift));
    g_array_append_val (s->lifts, lift);
  }
  s->flags |= flags;
  s->p = after;
  return TRUE;
}

static gboolean scan_value (Scanner * s);

/* Objects and arrays: recursion is bounded by max_depth. */
static gboolean
scan_container (Scanner * s, gchar close)
{
  if (++s->depth > s->max_depth)
    return fail (s, VP_JSON_SCAN_TOO_DEEP);
  s->p++;
  skip_space (s);
  if (s->p < s->end && *s->p == close) {
    s->p++;
    s->depth--;
    return TRUE;
  }

  for (;;) {
    skip_space (s);
    if (close == '}') {
      if (s->p == s->end || *s->p != '"')
        return fail (s, VP_JSON_SCAN_SYNTAX);
      if (!scan_string (s, FALSE))
        return FALSE;
      skip_space (s);
      if (s->p == s->end || *s->p != ':')
        return fail (s, VP_JSON_SCAN_SYNTAX);
      s->p++;
    }
    if (!scan_value (s))
      return FALSE;
    skip_space (s);
    if (s->p == s->end)
      return fail (s, VP_JSON_SCAN_SYNTAX);
    if (*s->p == close)
      break;
    if (*s->p != ',')
      return fail (s, VP_JSON_SCAN_SYNTAX);
    s->p++;
  }

  s->p++;
  s->depth--;
  return TRUE;
}

static gboolean
scan_value (Scanner * s)
{
  skip_space (s);
  if (s->p == s->end)
    return fail (s, VP_JSON_SCAN_SYNTAX);

  switch (*s->p) {
    case '{':
      return scan_container (s, '}');
    case '[':
      return scan_container (s, ']');
    case '"':
      return scan_string (s, TRUE);
    case 't':
      return scan_literal (s, "true");
    case 'f':
      return scan_literal (s, "false");
    case 'n':
      return scan_literal (s, "null");
    default:
      if (*s->p == '-' || g_ascii_isdigit (*s->p))
        return scan_number (s);
      return fail (s, VP_JSON_SCAN_SYNTAX);
  }
}

static VpJsonScan
scan_document (Scanner * scanner, gsize * error_offset)
{
  Scanner s = *scanner;

  /* A full syntax check before json-glib 1.6 sees the bytes: it recurses
   * without a depth limit, leaks memory on several syntax errors (bad
   * surrogate pairs, stray '/'), silently takes "{…}{…}" and accepts raw
   * control characters and "\x" in strings.  Given valid JSON it takes
   * none of those paths. */
  skip_space (&s);
  if (s.p == s.end || *s.p != '{') {
    s.result = VP_JSON_SCAN_NOT_OBJECT;
  } else if (scan_value (&s)) {
    skip_space (&s);
    if (s.p != s.end)
      s.result = VP_JSON_SCAN_TRAILING;
  }

  if (error_offset != NULL)
    *error_offset = s.p - s.start;
  *scanner = s;
  return s.result;
}

VpJsonScan
vp_json_scan (const gchar * data, gsize length, guint max_depth,
    gsize * error_offset)
{
  Scanner s;

  scanner_init (&s, data, length, max_depth);
  return scan_document (&s, error_offset);
}

/* The kind of a top-level value that is not an object, from its first
 * byte. */
static const gchar *
value_kind (const gchar * data, gsize length)
{
  const gchar *p = data, *end = data + length;

  while (p < end && is_json_space (*p))
    p++;
  if (p == end)
    return "only whitespace";
  switch (*p) {
    case '[':
      return "an array";
    case '"':
      return "a string";
    case 't':
    case 'f':
      return "a boolean";
    case 'n':
      return "null";
    default:
      return g_ascii_isdigit (*p) || *p == '-' ? "a number" : "not JSON";
  }
}

/* The lift marker: "\u0001" and the lift's index.  Used only when no
 * string of the message holds U+0001, so nothing else can look like it. */
#define LIFT_MARKER '\001'

/* Puts the lifted strings back in place of their markers. */
static void
restore_lifts (JsonNode * node, const gchar * data, GArray * lifts)
{
  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:{
      JsonObjectIter iter;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, NULL, &member))
        restore_lifts (member, data, lifts);
      break;
    }
    case JSON_NODE_ARRAY:{
      JsonArray *array = json_node_get_array (node);
      guint i, n = json_array_get_length (array);

      for (i = 0; i < n; i++)
        restore_lifts (json_array_get_element (array, i), data, lifts);
      break;
    }
    case JSON_NODE_VALUE:{
      const gchar *text;
      guint64 index;
      gchar *contents;
      Lift *lift;

      if (json_node_get_value_type (node) != G_TYPE_STRING)
        break;
      text = json_node_get_string (node);
      if (text == NULL || text[0] != LIFT_MARKER)
        break;
      index = g_ascii_strtoull (text + 1, NULL, 10);
      if (index >= lifts->len)
        break;
      lift = &g_array_index (lifts, Lift, index);
      contents = g_strndup (data + lift->offset, lift->length);
      json_node_set_string (node, contents);
      g_free (contents);
      break;
    }
    case JSON_NODE_NULL:
      break;
  }
}

JsonNode *
vp_json_parse_object (const gchar * data, gsize length, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (GArray) lifts = NULL;
  g_autoptr (GString) lifted = NULL;
  Scanner scanner;
  VpJsonScan result;
  JsonNode *root;
  gsize offset = 0;

  if (length > VP_PROTOCOL_MAX_MESSAGE_SIZE) {
    g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_TOO_LARGE,
        "The message is %" G_GSIZE_FORMAT " bytes; the limit is %d bytes.",
        length, VP_PROTOCOL_MAX_MESSAGE_SIZE);
    return NULL;
  }
  if (length == 0 || data == NULL) {
    g_set_error_literal (error, VP_PROTOCOL_ERROR,
        VP_PROTOCOL_ERROR_MALFORMED,
        "Invalid JSON payload received. The message is empty.");
    return NULL;
  }

  scanner_init (&scanner, data, length, VP_PROTOCOL_MAX_DEPTH);
  scanner.record_lifts = TRUE;
  result = scan_document (&scanner, &offset);
  lifts = scanner.lifts;

  /* The scanner passes only ASCII outside strings, and no NUL: UTF-8 needs
   * a check only where it saw other bytes, or failed (an encoding error is
   * reported before a syntax error).  Also refuses NUL bytes, which
   * json-glib would cut strings at. */
  if ((result != VP_JSON_SCAN_OK || (scanner.flags & STRING_NON_ASCII))
      && !g_utf8_validate (data, length, NULL)) {
    g_set_error_literal (error, VP_PROTOCOL_ERROR,
        VP_PROTOCOL_ERROR_MALFORMED,
        "Invalid JSON payload received. The message is not valid UTF-8.");
    return NULL;
  }

  switch (result) {
    case VP_JSON_SCAN_OK:
      break;
    case VP_JSON_SCAN_NOT_OBJECT:
      g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_MALFORMED,
          "Invalid JSON payload received. The message is %s, not a JSON "
          "object.", value_kind (data, length));
      return NULL;
    case VP_JSON_SCAN_TOO_DEEP:
      g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_TOO_LARGE,
          "The message nests objects and arrays deeper than %d levels.",
          VP_PROTOCOL_MAX_DEPTH);
      return NULL;
    case VP_JSON_SCAN_BAD_STRING:
      g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_MALFORMED,
          "Invalid JSON payload received. The string at byte %" G_GSIZE_FORMAT
          " is unterminated or holds a control character or a bad escape.",
          offset);
      return NULL;
    case VP_JSON_SCAN_SYNTAX:
      if (offset >= length)
        g_set_error_literal (error, VP_PROTOCOL_ERROR,
            VP_PROTOCOL_ERROR_MALFORMED,
            "Invalid JSON payload received. Unexpected end of data.");
      else if (g_ascii_isgraph (data[offset]))
        g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_MALFORMED,
            "Invalid JSON payload received. Unexpected '%c' at byte %"
            G_GSIZE_FORMAT ".", data[offset], offset);
      else
        g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_MALFORMED,
            "Invalid JSON payload received. Unexpected byte 0x%02x at byte %"
            G_GSIZE_FORMAT ".", (guchar) data[offset], offset);
      return NULL;
    case VP_JSON_SCAN_TRAILING:
      g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_MALFORMED,
          "Invalid JSON payload received. Data follows the JSON object at "
          "byte %" G_GSIZE_FORMAT ".", offset);
      return NULL;
  }

  /* json-glib 1.6 reads a string a character at a time, validating and
   * copying it: most of the time of a model audio message, whose base64
   * is 7.7 KB per 120 ms.  Long strings without escapes (checked above:
   * JSON, hence UTF-8) go to json-glib as a marker and are put back after:
   * json-glib still parses the structure. */
  if (lifts != NULL && !(scanner.flags & STRING_U0001)) {
    gsize from = 0;
    guint i;

    lifted = g_string_sized_new (length / 8 + lifts->len * 16);
    for (i = 0; i < lifts->len; i++) {
      Lift *lift = &g_array_index (lifts, Lift, i);

      g_string_append_len (lifted, data + from, lift->offset - from);
      g_string_append_printf (lifted, "\\u0001%u", i);
      from = lift->offset + lift->length;
    }
    g_string_append_len (lifted, data + from, length - from);
  }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, lifted ? lifted->str : data,
          lifted ? (gssize) lifted->len : (gssize) length, &parse_error)) {
    g_set_error (error, VP_PROTOCOL_ERROR, VP_PROTOCOL_ERROR_MALFORMED,
        "Invalid JSON payload received. %s", parse_error->message);
    return NULL;
  }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, VP_PROTOCOL_ERROR,
        VP_PROTOCOL_ERROR_MALFORMED,
        "Invalid JSON payload received. The message is not a JSON object.");
    return NULL;
  }

  if (lifted != NULL)
    restore_lifts (root, data, lifts);
  return json_node_ref (root);
}
