/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* JSON and base64 helpers for the codec: parsing under the protocol's
 * limits, camelCase/snake_case lookup, compact output like JSON.stringify,
 * and a strict base64 decoder.  Pure: no I/O, no state. */

#include "config.h"

#include "vp-json.h"
#include "vp-protocol.h"

#include <math.h>
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

gboolean
vp_json_name_matches (const gchar * wire, const gchar * camel)
{
  const gchar *c;

  if (strcmp (wire, camel) == 0)
    return TRUE;

  /* "turnComplete" also answers to its proto name "turn_complete". */
  for (c = camel; *c != '\0'; c++) {
    if (g_ascii_isupper (*c)) {
      if (*wire++ != '_')
        return FALSE;
      if (*wire++ != g_ascii_tolower (*c))
        return FALSE;
    } else if (*wire++ != *c) {
      return FALSE;
    }
  }

  return *wire == '\0';
}

JsonNode *
vp_json_get (JsonObject * object, const gchar * camel)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;

  node = json_object_get_member (object, camel);
  if (node == NULL) {
    gchar snake[64];
    gsize i = 0;
    const gchar *c;
    gboolean has_upper = FALSE;

    for (c = camel; *c != '\0' && i + 2 < sizeof (snake); c++) {
      if (g_ascii_isupper (*c)) {
        snake[i++] = '_';
        snake[i++] = g_ascii_tolower (*c);
        has_upper = TRUE;
      } else {
        snake[i++] = *c;
      }
    }
    if (!has_upper || *c != '\0')
      return NULL;
    snake[i] = '\0';
    node = json_object_get_member (object, snake);
  }

  /* proto3 JSON: null means "not set". */
  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    return NULL;

  return node;
}

JsonObject *
vp_json_get_object (JsonObject * object, const gchar * camel)
{
  JsonNode *node = vp_json_get (object, camel);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ?
      json_node_get_object (node) : NULL;
}

JsonArray *
vp_json_get_array (JsonObject * object, const gchar * camel)
{
  JsonNode *node = vp_json_get (object, camel);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ?
      json_node_get_array (node) : NULL;
}

const gchar *
vp_json_get_string (JsonObject * object, const gchar * camel)
{
  JsonNode *node = vp_json_get (object, camel);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING ?
      json_node_get_string (node) : NULL;
}

gboolean
vp_json_get_true (JsonObject * object, const gchar * camel)
{
  JsonNode *node = vp_json_get (object, camel);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_BOOLEAN
      && json_node_get_boolean (node);
}

gboolean
vp_json_get_int64 (JsonObject * object, const gchar * camel, gint64 * value)
{
  JsonNode *node = vp_json_get (object, camel);

  return node != NULL && vp_json_node_get_int64 (node, value);
}

gboolean
vp_json_parse_int64 (const gchar * text, gint64 * value)
{
  gint64 v;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, G_MININT64,
          G_MAXINT64, &v, NULL))
    return FALSE;
  *value = v;
  return TRUE;
}

gboolean
vp_json_node_get_int64 (JsonNode * node, gint64 * value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      *value = json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:{
      gdouble d = json_node_get_double (node);

      /* 9.2e18 is the first double past G_MAXINT64. */
      if (d != floor (d) || d < -9.2e18 || d > 9.2e18)
        return FALSE;
      *value = (gint64) d;
      return TRUE;
    }
    case G_TYPE_STRING:
      return vp_json_parse_int64 (json_node_get_string (node), value);
    default:
      return FALSE;
  }
}

void
vp_json_append_string (GString * out, const gchar * text)
{
  g_autofree gchar *valid = NULL;
  const gchar *run, *p;

  if (text == NULL)
    text = "";
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);

  g_string_append_c (out, '"');
  for (run = p = text; *p != '\0'; p++) {
    guchar c = *p;

    if (c >= 0x20 && c != '"' && c != '\\')
      continue;

    g_string_append_len (out, run, p - run);
    run = p + 1;
    switch (c) {
      case '"':
        g_string_append (out, "\\\"");
        break;
      case '\\':
        g_string_append (out, "\\\\");
        break;
      case '\b':
        g_string_append (out, "\\b");
        break;
      case '\f':
        g_string_append (out, "\\f");
        break;
      case '\n':
        g_string_append (out, "\\n");
        break;
      case '\r':
        g_string_append (out, "\\r");
        break;
      case '\t':
        g_string_append (out, "\\t");
        break;
      default:
        g_string_append_printf (out, "\\u%04x", c);
        break;
    }
  }
  g_string_append_len (out, run, p - run);
  g_string_append_c (out, '"');
}

void
vp_json_append_double (GString * out, gdouble value)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
  gchar format[8];
  gint precision;

  /* JSON has no NaN or Infinity; JSON.stringify writes null. */
  if (!isfinite (value)) {
    g_string_append (out, "null");
    return;
  }
  if (value == 0.0) {
    g_string_append_c (out, '0');
    return;
  }

  /* The shortest form that reads back as the same double, so 0.7 stays
   * "0.7" instead of "0.69999999999999996". */
  for (precision = 1; precision <= 17; precision++) {
    g_snprintf (format, sizeof (format), "%%.%dg", precision);
    g_ascii_formatd (buf, sizeof (buf), format, value);
    if (g_ascii_strtod (buf, NULL) == value)
      break;
  }
  g_string_append (out, buf);
}

void
vp_json_append_node (GString * out, JsonNode * node)
{
  if (node == NULL) {
    g_string_append (out, "null");
    return;
  }

  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:{
      JsonObjectIter iter;
      const gchar *name;
      JsonNode *member;
      gboolean first = TRUE;

      g_string_append_c (out, '{');
      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (json_object_iter_next_ordered (&iter, &name, &member)) {
        if (!first)
          g_string_append_c (out, ',');
        first = FALSE;
        vp_json_append_string (out, name);
        g_string_append_c (out, ':');
        vp_json_append_node (out, member);
      }
      g_string_append_c (out, '}');
      break;
    }
    case JSON_NODE_ARRAY:{
      JsonArray *array = json_node_get_array (node);
      guint i, n = json_array_get_length (array);

      g_string_append_c (out, '[');
      for (i = 0; i < n; i++) {
        if (i > 0)
          g_string_append_c (out, ',');
        vp_json_append_node (out, json_array_get_element (array, i));
      }
      g_string_append_c (out, ']');
      break;
    }
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node)) {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT,
              json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          vp_json_append_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ?
              "true" : "false");
          break;
        case G_TYPE_STRING:
          vp_json_append_string (out, json_node_get_string (node));
          break;
        default:
          g_string_append (out, "null");
          break;
      }
      break;
    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
  }
}

gchar *
vp_json_to_compact (JsonNode * node)
{
  GString *out = g_string_new (NULL);

  vp_json_append_node (out, node);
  return g_string_free (out, FALSE);
}

JsonNode *
vp_json_node_take_object (JsonObject * object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

JsonNode *
vp_json_node_take_array (JsonArray * array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

JsonNode *
vp_json_deep_copy (JsonNode * node)
{
  JsonNode *copy;

  if (node == NULL)
    return NULL;

  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:{
      JsonObject *object = json_object_new ();
      JsonObjectIter iter;
      const gchar *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (json_object_iter_next_ordered (&iter, &name, &member))
        json_object_set_member (object, name, vp_json_deep_copy (member));
      return vp_json_node_take_object (object);
    }
    case JSON_NODE_ARRAY:{
      JsonArray *array = json_node_get_array (node);
      guint i, n = json_array_get_length (array);
      JsonArray *array_copy = json_array_sized_new (n);

      for (i = 0; i < n; i++)
        json_array_add_element (array_copy,
            vp_json_deep_copy (json_array_get_element (array, i)));
      return vp_json_node_take_array (array_copy);
    }
    case JSON_NODE_VALUE:
      /* json_node_copy() would share the JsonValue. */
      copy = json_node_alloc ();
      switch (json_node_get_value_type (node)) {
        case G_TYPE_INT64:
          return json_node_init_int (copy, json_node_get_int (node));
        case G_TYPE_DOUBLE:
          return json_node_init_double (copy, json_node_get_double (node));
        case G_TYPE_BOOLEAN:
          return json_node_init_boolean (copy, json_node_get_boolean (node));
        case G_TYPE_STRING:
          return json_node_init_string (copy, json_node_get_string (node));
        default:
          return json_node_init_null (copy);
      }
    case JSON_NODE_NULL:
    default:
      return json_node_init_null (json_node_alloc ());
  }
}

gchar *
vp_json_describe (JsonNode * node)
{
  g_autofree gchar *text = vp_json_to_compact (node);
  const gsize max = 48;
  const gchar *cut;

  if (strlen (text) <= max)
    return g_steal_pointer (&text);

  /* Cut on a character boundary. */
  cut = g_utf8_find_prev_char (text, text + max + 1);
  return g_strdup_printf ("%.*s...", (gint) (cut - text), text);
}

/* Base64 */

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
