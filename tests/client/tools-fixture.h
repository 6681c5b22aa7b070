/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The bench of the tool-call tests (test-tools-*.c): an emulator on
 * loopback and a session with tools, the session's signals recorded
 * (vpt-recorder), an application that answers "app*" calls from its own
 * thread, a loopback HTTP server for the http handlers, and the
 * emulator's record of what the service received.  Every wait is
 * bounded. */

#pragma once

#include <voxpipe.h>
#include <voxpipe-emulator.h>
#include <libsoup/soup.h>
#include "vpt-recorder.h"

G_BEGIN_DECLS

/* Every wait is bounded; a hang fails the test instead of blocking CI. */
#define WAIT_MS 20000
#define MODEL_31 "gemini-3.1-flash-live-preview"
#define MODEL_25 "gemini-2.5-flash-native-audio-preview-12-2025"
#define MODEL_OPENAPI "gemini-2.0-flash-live-001"

/* A tool with a JSON Schema and a result handler, and a scenario that
 * calls it. */
#define SCHEMA_TOOLS \
  "{\"tools\": [{\"name\": \"get_weather\", \"description\": \"Weather\", " \
  "\"parameters\": {\"type\": \"object\", \"properties\": {" \
  "\"city\": {\"type\": \"string\", \"description\": \"City\"}, " \
  "\"days\": {\"type\": \"integer\", \"minimum\": 1}, " \
  "\"unit\": {\"type\": [\"string\", \"null\"]}}, " \
  "\"required\": [\"city\"], \"additionalProperties\": false}, " \
  "\"handler\": {\"result\": {\"tempC\": 21}}}]}"

#define WEATHER_SCENARIO \
  "{\"turns\": [{\"match\": {\"text\": [\"weather\"], \"in-order\": false}," \
  " \"calls\": [{\"name\": \"get_weather\", \"args\": {\"city\": \"Paris\"}}]}]}"

gchar *data_path (const gchar * name);

/* Processes started by exec handlers. */
gboolean process_gone (GPid pid);
/* Waits up to @ms for @pid to be gone (killed and reaped). */
gboolean wait_process_gone (GPid pid, guint ms);
/* Reads the PID an exec handler wrote, waiting up to WAIT_MS for it. */
GPid wait_pid_file (const gchar * path);

/* A loopback HTTP server for the http handlers, on its own thread.
 *   /echo     200 {"temp": 21, "got": <the request body>}
 *   /fail     500
 *   /notjson  200 with an HTML body
 *   /slow     answers after 800 ms; counts requests in flight
 *   /hold     never answers; the test watches the client hang up */
typedef struct
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  GSocketService *service;
  GHashTable *sockets;          /* "address:port" of the client → GSocket */
  gchar *base;

  GMutex lock;
  GCond cond;
  /* under lock */
  gboolean ready;
  guint n_echo;
  gchar *last_method;
  gchar *last_type;
  gchar *last_body;
  guint in_flight;
  guint max_in_flight;
  guint n_slow_done;
  GPtrArray *held;              /* SoupServerMessage, paused */
  GPtrArray *held_sockets;      /* GSocket of each held request */
} HttpServer;

extern HttpServer http;

void http_start (void);
void http_stop (void);
/* Waits until the server holds @n requests on /hold; returns the socket
 * of the @n-th (a new reference). */
GSocket *http_wait_held (guint n);
/* Whether the client closed the connection of a held request. */
gboolean http_wait_client_gone (GSocket * sock, guint ms);

/* The application: answers calls to tools named "app*" from its own
 * thread after delay_ms, with {"by": "app", "id": ID}, and records
 * "answer-ok:ID" or "answer-refused:ID"; "hold*" and "never*" are not
 * answered. */
typedef struct
{
  VpLiveSession *session;
  VptRecorder *r;
  guint delay_ms;
  GAsyncQueue *jobs;
  GThread *thread;
  GMutex lock;
  GHashTable *answered_by;      /* under lock: id → the thread that answered */
} ToolsApp;

/* The emulator's record: what the service received. */
JsonNode *record_parse (VpEmulator * emulator);
/* Every functionResponses entry of every connection, in order; borrowed
 * from @root. */
GPtrArray *record_responses (JsonNode * root);
/* The entries for @id (borrowed). */
GPtrArray *record_responses_for (JsonNode * root, const gchar * id);
/* The one toolResponse entry of @id in the record (asserts there is
 * exactly one), serialized. */
gchar *record_response_text (VpEmulator * emulator, const gchar * id);
guint record_count_for (VpEmulator * emulator, const gchar * id);
/* Sends @text and waits until the service received it: everything the
 * client sent before is in the record then (one connection, in order). */
void record_sync (VpLiveSession * session, VpEmulator * emulator,
    const gchar * text);
/* The setup of the first connection (a new reference). */
JsonObject *record_setup (VpEmulator * emulator);
JsonObject *find_declaration (JsonObject * setup, const gchar * name);

void assert_contains (const gchar * text, const gchar * words);

typedef struct
{
  VpEmulator *emulator;
  VpLiveSession *session;
  VptRecorder *r;
  ToolsApp *app;
  GPtrArray *warnings;          /* what vp_tools_to_wire() left out */
  gchar *tmp;                   /* a scratch directory */
} Fixture;

/* Replaces @DATA@ (tests/data), @HTTP@ (the test server) and @TMP@. */
gchar *expand (Fixture * f, const gchar * template);
void fixture_set_up (Fixture * f, gconstpointer data);
void fixture_tear_down (Fixture * f, gconstpointer data);
/* Starts the emulator with @scenario and connects a session on @model
 * with @tools (taken). */
void fixture_start_tools (Fixture * f, const gchar * model,
    const gchar * scenario, VpTools * tools);
/* … with the tools of @tools_template (see expand()). */
void fixture_start (Fixture * f, const gchar * model, const gchar * scenario,
    const gchar * tools_template);
/* Sends @text as a user turn and waits for the end of the model's turn. */
void turn (Fixture * f, const gchar * text);
/* The session's "warning" signals for missed deadlines so far. */
guint deadline_warnings (Fixture * f);

/* Registers a test of the fixture under /tools/@name. */
#define ADD_TOOLS_TEST(name, func) \
  g_test_add ("/tools/" name, Fixture, NULL, fixture_set_up, func, \
      fixture_tear_down)

G_END_DECLS
