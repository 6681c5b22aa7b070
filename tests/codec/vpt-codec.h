/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Helpers shared by the codec's tests (vpt-codec.c). */

#pragma once

#include <voxpipe.h>

/* Returns NULL (and marks the test skipped) when the golden directory is
 * unknown. */
gchar *load_golden (const gchar * name, gsize * length);
JsonNode *parse_json (const gchar * text);

/* Fails the test, naming the first difference, unless @built and
 * @expected are the same JSON. */
#define assert_same_json(built, expected) \
    assert_same_json_real (built, expected, G_STRLOC)
void assert_same_json_real (const gchar * built, const gchar * expected,
    const gchar * where);

/* Builds must equal the golden as JSON and, since we follow the SDK's key
 * order and number format, byte for byte too. */
void check_golden (const gchar * name, const gchar * built);

/* [{"functionDeclarations": [the declarations…]}], NULL-terminated. */
JsonArray *tools_array (JsonNode * first_declaration,
    ...) G_GNUC_NULL_TERMINATED;

VpClientMessage *parse_client_ok (const gchar * json);
void assert_client_error (const gchar * json, gint code,
    const gchar * message);
VpServerMessage *parse_server_ok (const gchar * json);

/* The config behind tests/golden/setup.json, and one with every field
 * set; two turns of a conversation (user, then model). */
VpSetupConfig *golden_setup_config (void);
VpSetupConfig *full_config (void);
JsonArray *two_turns (void);
void assert_config_equal (const VpSetupConfig * a, const VpSetupConfig * b);

/* One JSON text per line: "obj" of server-replies-sent.jsonl, "json" of
 * sdk-onmessage-parsed.jsonl. */
GPtrArray *load_jsonl (const gchar * name, const gchar * member);
/* The 12 replies of the golden run, in order. */
void check_golden_reply (guint index, const VpServerMessage * msg);
