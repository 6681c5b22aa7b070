/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Scenario files for the emulator: loading, validation and turn matching
 * (the templates they hold are filled by vp-emu-template.c).  See
 * docs/emulator.md for the format. */

#include "config.h"

#include "vp-emulator-scenario.h"

#include <string.h>

#include <gio/gio.h>

#define DEFAULT_FALLBACK "Sorry, I didn't catch that. Could you say it again?"

/* Used when no scenario is given. */
static const gchar builtin_scenario[] =
    "{\"name\":\"built-in\","
    "\"turns\":[{\"id\":\"hello\",\"match\":{\"text\":[\"hello\",\"hi\"]},"
    "\"transcript\":\"Hello.\","
    "\"say\":\"Hello! This is the Voxpipe emulator. How can I help you?\"}],"
    "\"fallback\":{\"say\":\"This is the Voxpipe emulator. I heard you.\"}}";

static void
call_free (VpEmuScenarioCall * call)
{
  g_free (call->name);
  if (call->args)
    json_node_unref (call->args);
  g_free (call);
}

/* An empty object node. */
static JsonNode *
new_object_node (void)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, json_object_new ());
  return node;
}

static void
turn_free (VpEmuScenarioTurn * turn)
{
  if (turn == NULL)
    return;
  g_free (turn->id);
  g_strfreev (turn->match_text);
  g_strfreev (turn->phrases);
  if (turn->match_regex)
    g_ptr_array_unref (turn->match_regex);
  g_free (turn->transcript);
  g_free (turn->say);
  if (turn->calls)
    g_ptr_array_unref (turn->calls);
  g_free (turn->then);
  g_free (turn->filler);
  g_free (turn);
}

static void
scenario_clear (VpEmuScenario * scenario)
{
  g_free (scenario->name);
  g_free (scenario->voice);
  if (scenario->turns)
    g_ptr_array_unref (scenario->turns);
  turn_free (scenario->fallback);
  g_strfreev (scenario->phrases);
}

VpEmuScenario *
vp_emu_scenario_ref (VpEmuScenario * scenario)
{
  return g_atomic_rc_box_acquire (scenario);
}

void
vp_emu_scenario_unref (VpEmuScenario * scenario)
{
  g_atomic_rc_box_release_full (scenario, (GDestroyNotify) scenario_clear);
}

/* Errors name the source, the turn and the field, and say what is
 * expected. */
static void
set_turn_error (GError ** error, const gchar * source, const gchar * where,
    const gchar * message)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
      "%s: %s: %s (see docs/emulator.md for the scenario format)", source,
      where, message);
}

static gboolean
check_keys (JsonObject * object, const gchar * const *allowed,
    const gchar * source, const gchar * where, GError ** error)
{
  GList *members = json_object_get_members (object), *l;
  gboolean ok = TRUE;

  for (l = members; l != NULL && ok; l = l->next) {
    if (!g_strv_contains (allowed, l->data)) {
      gchar *allowed_str = g_strjoinv ("\", \"", (gchar **) allowed);
      gchar *msg = g_strdup_printf ("unknown key \"%s\"; the keys are "
          "\"%s\"", (const gchar *) l->data, allowed_str);

      set_turn_error (error, source, where, msg);
      g_free (msg);
      g_free (allowed_str);
      ok = FALSE;
    }
  }
  g_list_free (members);

  return ok;
}

static gboolean
get_string (JsonObject * object, const gchar * key, gchar ** out,
    const gchar * source, const gchar * where, GError ** error)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING) {
    gchar *msg = g_strdup_printf ("\"%s\" must be a string", key);

    set_turn_error (error, source, where, msg);
    g_free (msg);
    return FALSE;
  }
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* A string or an array of strings. */
static gboolean
get_string_list (JsonObject * object, const gchar * key, gchar *** out,
    const gchar * source, const gchar * where, GError ** error)
{
  JsonNode *node = json_object_get_member (object, key);
  GPtrArray *list;
  gchar *msg;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  list = g_ptr_array_new ();
  if (JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING) {
    g_ptr_array_add (list, g_strdup (json_node_get_string (node)));
  } else if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);
    guint i;

    for (i = 0; i < json_array_get_length (array); i++) {
      JsonNode *item = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (item)
          || json_node_get_value_type (item) != G_TYPE_STRING)
        goto bad;
      g_ptr_array_add (list, g_strdup (json_node_get_string (item)));
    }
  } else {
    goto bad;
  }

  g_ptr_array_add (list, NULL);
  *out = (gchar **) g_ptr_array_free (list, FALSE);
  return TRUE;

bad:
  g_ptr_array_set_free_func (list, g_free);
  g_ptr_array_unref (list);
  msg = g_strdup_printf ("\"%s\" must be a string or an array of strings", key);
  set_turn_error (error, source, where, msg);
  g_free (msg);
  return FALSE;
}

/* Lower-case words (letters, digits, apostrophes, and the ASCII
 * characters of @keep) one space apart: "Yes, please!" → "yes please". */
static gchar *
normalise_keeping (const gchar * text, const gchar * keep)
{
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;
  const gchar *p;

  for (p = text; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_isalnum (c) || c == '\'' || (c < 128 && c != 0
            && strchr (keep, (gchar) c) != NULL)) {
      if (space && out->len > 0)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_unichar (out, g_unichar_tolower (c));
    } else {
      space = TRUE;
    }
  }

  return g_string_free (out, FALSE);
}

/* A phrase in the recognizer's form: words and JSGF's "[ ] ( ) |". */
static gchar *
normalise_phrase (const gchar * text)
{
  return normalise_keeping (text, "[]()|");
}

/* Normalises @turn's phrases; the transcript is the phrase when there is
 * none, so a scenario that says what the caller says is heard as is. */
static void
fill_phrases (VpEmuScenarioTurn * turn)
{
  GPtrArray *list = g_ptr_array_new ();
  guint i;

  for (i = 0; turn->phrases != NULL && turn->phrases[i] != NULL; i++) {
    gchar *phrase = normalise_phrase (turn->phrases[i]);

    if (*phrase != '\0')
      g_ptr_array_add (list, phrase);
    else
      g_free (phrase);
  }
  if (turn->phrases == NULL && turn->transcript != NULL) {
    gchar *phrase = normalise_phrase (turn->transcript);

    if (*phrase != '\0')
      g_ptr_array_add (list, phrase);
    else
      g_free (phrase);
  }
  g_strfreev (turn->phrases);
  turn->phrases = NULL;
  if (list->len > 0) {
    g_ptr_array_add (list, NULL);
    turn->phrases = (gchar **) g_ptr_array_free (list, FALSE);
  } else {
    g_ptr_array_unref (list);
  }
}

static gboolean
parse_match (VpEmuScenarioTurn * turn, JsonNode * node, const gchar * source,
    const gchar * where, GError ** error)
{
  static const gchar *const keys[] = { "text", "regex", "in-order",
    "phrases", NULL
  };
  JsonObject *match;
  gchar **regexes = NULL;
  JsonNode *in_order;
  guint i;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    set_turn_error (error, source, where, "\"match\" must be an object with "
        "\"text\", \"regex\" and/or \"in-order\"");
    return FALSE;
  }
  match = json_node_get_object (node);
  if (!check_keys (match, keys, source, where, error))
    return FALSE;

  if (!get_string_list (match, "text", &turn->match_text, source, where, error)
      || !get_string_list (match, "phrases", &turn->phrases, source, where,
          error))
    return FALSE;
  if (!get_string_list (match, "regex", &regexes, source, where, error))
    return FALSE;

  for (i = 0; regexes != NULL && regexes[i] != NULL; i++) {
    GError *err = NULL;
    GRegex *regex = g_regex_new (regexes[i], G_REGEX_CASELESS, 0, &err);

    if (regex == NULL) {
      gchar *msg = g_strdup_printf ("bad \"regex\" /%s/: %s", regexes[i],
          err->message);

      set_turn_error (error, source, where, msg);
      g_free (msg);
      g_clear_error (&err);
      g_strfreev (regexes);
      return FALSE;
    }
    g_ptr_array_add (turn->match_regex, regex);
  }
  g_strfreev (regexes);

  in_order = json_object_get_member (match, "in-order");
  if (in_order != NULL) {
    if (!JSON_NODE_HOLDS_VALUE (in_order)
        || json_node_get_value_type (in_order) != G_TYPE_BOOLEAN) {
      set_turn_error (error, source, where, "\"in-order\" must be true or "
          "false");
      return FALSE;
    }
    turn->in_order = json_node_get_boolean (in_order);
  }

  return TRUE;
}

static gboolean
parse_calls (VpEmuScenarioTurn * turn, JsonNode * node, const gchar * source,
    const gchar * where, GError ** error)
{
  static const gchar *const keys[] = { "name", "args", NULL };
  JsonArray *array;
  guint i;

  if (!JSON_NODE_HOLDS_ARRAY (node)) {
    set_turn_error (error, source, where, "\"calls\" must be an array of "
        "{\"name\": …, \"args\": {…}}");
    return FALSE;
  }

  array = json_node_get_array (node);
  for (i = 0; i < json_array_get_length (array); i++) {
    JsonNode *item = json_array_get_element (array, i);
    JsonObject *object;
    VpEmuScenarioCall *call;
    JsonNode *args;

    if (!JSON_NODE_HOLDS_OBJECT (item)) {
      set_turn_error (error, source, where, "each entry of \"calls\" must be "
          "an object {\"name\": …, \"args\": {…}}");
      return FALSE;
    }
    object = json_node_get_object (item);
    if (!check_keys (object, keys, source, where, error))
      return FALSE;

    call = g_new0 (VpEmuScenarioCall, 1);
    g_ptr_array_add (turn->calls, call);
    if (!get_string (object, "name", &call->name, source, where, error))
      return FALSE;
    if (call->name == NULL || *call->name == '\0') {
      set_turn_error (error, source, where, "a call has no \"name\"; give "
          "the function name the client declared in setup.tools");
      return FALSE;
    }

    args = json_object_get_member (object, "args");
    if (args != NULL && !JSON_NODE_HOLDS_NULL (args)) {
      if (!JSON_NODE_HOLDS_OBJECT (args)) {
        set_turn_error (error, source, where, "\"args\" must be an object");
        return FALSE;
      }
      call->args = json_node_copy (args);
    } else {
      call->args = new_object_node ();
    }
  }

  return TRUE;
}

static VpEmuScenarioTurn *
parse_turn (JsonNode * node, gboolean fallback, const gchar * source,
    const gchar * where, GError ** error)
{
  static const gchar *const keys[] = { "id", "match", "transcript", "say",
    "calls", "then", "filler", "latency-ms", NULL
  };
  VpEmuScenarioTurn *turn;
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    set_turn_error (error, source, where, "a turn must be an object");
    return NULL;
  }
  object = json_node_get_object (node);
  if (!check_keys (object, keys, source, where, error))
    return NULL;

  turn = g_new0 (VpEmuScenarioTurn, 1);
  turn->in_order = !fallback;
  turn->latency_ms = -1;
  turn->match_regex = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_regex_unref);
  turn->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) call_free);

  if (!get_string (object, "id", &turn->id, source, where, error)
      || !get_string (object, "transcript", &turn->transcript, source, where,
          error)
      || !get_string (object, "say", &turn->say, source, where, error)
      || !get_string (object, "then", &turn->then, source, where, error)
      || !get_string (object, "filler", &turn->filler, source, where, error))
    goto fail;

  member = json_object_get_member (object, "match");
  if (member != NULL && !parse_match (turn, member, source, where, error))
    goto fail;

  if (!fallback)
    fill_phrases (turn);

  member = json_object_get_member (object, "calls");
  if (member != NULL && !parse_calls (turn, member, source, where, error))
    goto fail;

  member = json_object_get_member (object, "latency-ms");
  if (member != NULL) {
    if (!JSON_NODE_HOLDS_VALUE (member)
        || json_node_get_value_type (member) != G_TYPE_INT64
        || json_node_get_int (member) < 0
        || json_node_get_int (member) > 600000) {
      set_turn_error (error, source, where, "\"latency-ms\" must be an "
          "integer from 0 to 600000");
      goto fail;
    }
    turn->latency_ms = (gint) json_node_get_int (member);
  }

  if (turn->then != NULL && turn->calls->len == 0) {
    set_turn_error (error, source, where, "\"then\" is spoken after tool "
        "responses, but the turn has no \"calls\"; put the text in \"say\"");
    goto fail;
  }
  if (turn->say == NULL && turn->then == NULL && turn->calls->len == 0) {
    set_turn_error (error, source, where, "the turn does nothing; give it "
        "\"say\" and/or \"calls\"");
    goto fail;
  }

  return turn;

fail:
  turn_free (turn);
  return NULL;
}

static gchar **collect_phrases (VpEmuScenario * scenario);

static VpEmuScenario *
parse_root (JsonNode * root, const gchar * source, GError ** error)
{
  static const gchar *const keys[] = { "name", "voice", "turns", "fallback",
    "hearing", NULL
  };
  gchar *hearing = NULL;
  VpEmuScenario *scenario;
  JsonObject *object;
  JsonNode *member;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    set_turn_error (error, source, "top level", "a scenario is a JSON object "
        "with \"turns\"");
    return NULL;
  }
  object = json_node_get_object (root);

  scenario = g_atomic_rc_box_new0 (VpEmuScenario);
  scenario->turns = g_ptr_array_new_with_free_func ((GDestroyNotify)
      turn_free);

  if (!check_keys (object, keys, source, "top level", error)
      || !get_string (object, "name", &scenario->name, source, "top level",
          error)
      || !get_string (object, "voice", &scenario->voice, source, "top level",
          error)
      || !get_string (object, "hearing", &hearing, source, "top level", error))
    goto fail;
  if (hearing != NULL && g_strcmp0 (hearing, "in-order") != 0
      && g_strcmp0 (hearing, "recognise") != 0) {
    set_turn_error (error, source, "top level", "\"hearing\" is "
        "\"recognise\" (match what the caller says) or \"in-order\" (take "
        "audio turns in order, no recognition)");
    g_free (hearing);
    goto fail;
  }
  scenario->in_order = g_strcmp0 (hearing, "in-order") == 0;
  g_free (hearing);

  member = json_object_get_member (object, "turns");
  if (member != NULL) {
    JsonArray *turns;
    guint i;

    if (!JSON_NODE_HOLDS_ARRAY (member)) {
      set_turn_error (error, source, "top level", "\"turns\" must be an "
          "array of turns");
      goto fail;
    }
    turns = json_node_get_array (member);
    for (i = 0; i < json_array_get_length (turns); i++) {
      JsonNode *item = json_array_get_element (turns, i);
      const gchar *id = NULL;
      gchar *where;
      VpEmuScenarioTurn *turn;

      if (JSON_NODE_HOLDS_OBJECT (item))
        id = json_object_get_string_member_with_default
            (json_node_get_object (item), "id", NULL);
      where = id ? g_strdup_printf ("turn %u (\"%s\")", i + 1, id) :
          g_strdup_printf ("turn %u", i + 1);
      turn = parse_turn (item, FALSE, source, where, error);
      g_free (where);
      if (turn == NULL)
        goto fail;
      g_ptr_array_add (scenario->turns, turn);
    }
  }

  member = json_object_get_member (object, "fallback");
  if (member != NULL) {
    scenario->fallback = parse_turn (member, TRUE, source, "fallback", error);
    if (scenario->fallback == NULL)
      goto fail;
  } else {
    scenario->fallback = g_new0 (VpEmuScenarioTurn, 1);
    scenario->fallback->latency_ms = -1;
    scenario->fallback->say = g_strdup (DEFAULT_FALLBACK);
    scenario->fallback->match_regex = g_ptr_array_new ();
    scenario->fallback->calls = g_ptr_array_new ();
  }

  scenario->phrases = collect_phrases (scenario);

  return scenario;

fail:
  vp_emu_scenario_unref (scenario);
  return NULL;
}

VpEmuScenario *
vp_emu_scenario_load_data (const gchar * data, gssize length,
    const gchar * source, GError ** error)
{
  JsonParser *parser;
  GError *err = NULL;
  VpEmuScenario *scenario;

  g_return_val_if_fail (data != NULL, NULL);

  if (source == NULL)
    source = "scenario";

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &err)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "%s is not valid JSON: %s. Fix the syntax (a JSON linter such as "
        "`python3 -m json.tool` shows where).", source, err->message);
    g_clear_error (&err);
    g_object_unref (parser);
    return NULL;
  }

  scenario = parse_root (json_parser_get_root (parser), source, error);
  g_object_unref (parser);

  return scenario;
}

VpEmuScenario *
vp_emu_scenario_load_file (const gchar * path, GError ** error)
{
  gchar *contents = NULL, *source;
  gsize length = 0;
  GError *err = NULL;
  VpEmuScenario *scenario;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &err)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "Cannot read the scenario file: %s. Give the path of a scenario "
        "JSON file, such as pipelines/receptionist.scenario.json.",
        err->message);
    g_clear_error (&err);
    return NULL;
  }

  source = g_strdup_printf ("scenario file %s", path);
  scenario = vp_emu_scenario_load_data (contents, length, source, error);
  g_free (source);
  g_free (contents);

  return scenario;
}

VpEmuScenario *
vp_emu_scenario_new_builtin (void)
{
  VpEmuScenario *scenario;
  GError *error = NULL;

  scenario = vp_emu_scenario_load_data (builtin_scenario, -1,
      "built-in scenario", &error);
  g_assert_no_error (error);

  return scenario;
}

/* The words alone, as text is compared. */
static gchar *
normalise (const gchar * text)
{
  return normalise_keeping (text, "");
}

static gboolean
turn_matches_text (VpEmuScenarioTurn * turn, const gchar * folded,
    const gchar * normalised, const gchar * text)
{
  guint i;

  for (i = 0; turn->match_text != NULL && turn->match_text[i] != NULL; i++) {
    gchar *needle = g_utf8_casefold (turn->match_text[i], -1);
    gboolean hit = *needle != '\0' && strstr (folded, needle) != NULL;

    g_free (needle);
    if (hit)
      return TRUE;
  }

  for (i = 0; i < turn->match_regex->len; i++) {
    if (g_regex_match (g_ptr_array_index (turn->match_regex, i), text, 0, NULL))
      return TRUE;
  }

  if (turn->transcript != NULL) {
    gchar *norm = normalise (turn->transcript);
    gboolean hit = *norm != '\0' && g_strcmp0 (norm, normalised) == 0;

    g_free (norm);
    if (hit)
      return TRUE;
  }

  return FALSE;
}

gint
vp_emu_scenario_match_text (VpEmuScenario * scenario, const gchar * text,
    guint cursor)
{
  gchar *folded, *normalised;
  guint n = scenario->turns->len, k;
  gint found = -1;

  if (text == NULL || n == 0)
    return -1;

  folded = g_utf8_casefold (text, -1);
  normalised = normalise (text);

  for (k = 0; k < n && found < 0; k++) {
    guint i = (cursor + k) % n;

    if (turn_matches_text (g_ptr_array_index (scenario->turns, i), folded,
            normalised, text))
      found = (gint) i;
  }

  g_free (folded);
  g_free (normalised);

  return found;
}

gboolean
vp_emu_scenario_same_words (const gchar * a, const gchar * b)
{
  gchar *na, *nb;
  gboolean same;

  if (a == NULL || b == NULL)
    return FALSE;
  na = normalise (a);
  nb = normalise (b);
  same = g_strcmp0 (na, nb) == 0;
  g_free (na);
  g_free (nb);

  return same;
}

/* Every turn's phrases; NULL when the scenario matches audio in order (it
 * says so, or no turn has a phrase or a transcript). */
static gchar **
collect_phrases (VpEmuScenario * scenario)
{
  GPtrArray *list;
  guint i, j;

  if (scenario->in_order)
    return NULL;

  list = g_ptr_array_new ();
  for (i = 0; i < scenario->turns->len; i++) {
    VpEmuScenarioTurn *turn = g_ptr_array_index (scenario->turns, i);

    for (j = 0; turn->phrases != NULL && turn->phrases[j] != NULL; j++)
      g_ptr_array_add (list, g_strdup (turn->phrases[j]));
  }
  if (list->len == 0) {
    g_ptr_array_unref (list);
    return NULL;
  }
  g_ptr_array_add (list, NULL);

  return (gchar **) g_ptr_array_free (list, FALSE);
}

gint
vp_emu_scenario_match_heard (VpEmuScenario * scenario, const gchar * heard,
    guint cursor)
{
  guint n = scenario->turns->len, k, j;
  gchar *normalised;
  gint found = -1;

  if (heard == NULL || n == 0)
    return -1;

  /* A phrase heard whole names its turn, whatever the keywords say. */
  normalised = normalise (heard);
  for (k = 0; k < n && found < 0; k++) {
    VpEmuScenarioTurn *turn =
        g_ptr_array_index (scenario->turns, (cursor + k) % n);

    for (j = 0; turn->phrases != NULL && turn->phrases[j] != NULL; j++)
      if (g_strcmp0 (turn->phrases[j], normalised) == 0)
        found = (gint) ((cursor + k) % n);
  }
  g_free (normalised);

  return found >= 0 ? found : vp_emu_scenario_match_text (scenario, heard,
      cursor);
}

gint
vp_emu_scenario_match_in_order (VpEmuScenario * scenario, guint cursor)
{
  guint i;

  for (i = cursor; i < scenario->turns->len; i++) {
    VpEmuScenarioTurn *turn = g_ptr_array_index (scenario->turns, i);

    if (turn->in_order)
      return (gint) i;
  }

  return -1;
}

static void
add_static (GPtrArray * texts, const gchar * text)
{
  if (text != NULL && strstr (text, "{{") == NULL)
    g_ptr_array_add (texts, g_strdup (text));
}

GPtrArray *
vp_emu_scenario_static_texts (VpEmuScenario * scenario)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  guint i;

  for (i = 0; i < scenario->turns->len; i++) {
    VpEmuScenarioTurn *turn = g_ptr_array_index (scenario->turns, i);

    add_static (texts, turn->say);
    add_static (texts, turn->then);
    add_static (texts, turn->filler);
  }
  if (scenario->fallback != NULL)
    add_static (texts, scenario->fallback->say);

  return texts;
}
