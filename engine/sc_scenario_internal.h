/* sc_scenario_internal: the loaded scenario, shared by the loader (sc_scenario.c), the judge
 * (sc_scenario_judge.c) and the filters (sc_scenario_filter.c). Not for the runner. */
#ifndef SC_SCENARIO_INTERNAL_H
#define SC_SCENARIO_INTERNAL_H

#include "sc_scenario.h"
#include "sc_scenario_expect.h"
#include "sc_jcheck.h"
#include "sc_method.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- limits (each with its reason) ---- */

/* A scenario file is written by hand; large payloads are generated with "$repeat". */
#define SC_SCENARIO_MAX_FILE_BYTES (4 * 1024 * 1024)
/* Scenarios per file: files are grouped by topic, a few dozen each. */
#define SC_SCENARIO_MAX_PER_FILE 1000
/* Companions per scenario: a chat room of a few users; each is one more call in flight. */
#define SC_SCENARIO_MAX_COMPANIONS 8
/* Files below one directory: the library is a few dozen files. */
#define SC_SCENARIO_MAX_DIR_FILES 10000
/* Requests per scenario: each is held in memory and sent by the driver per attempt. */
#define SC_SCENARIO_MAX_REQUESTS 10000
/* JSON nesting depth: proto messages here are 4 levels deep; deeper input is a mistake or an
 * attack on the recursive matchers. */
#define SC_SCENARIO_MAX_DEPTH 32
/* Scenario names: short enough for a report column and a metadata value. */
#define SC_SCENARIO_MAX_NAME 200
/* Any other string in a scenario (summaries, messages, metadata values) before "$repeat". */
#define SC_SCENARIO_MAX_STRING (64 * 1024)
/* Tags per scenario and tag length: tags are filter words. */
#define SC_SCENARIO_MAX_TAGS 32
#define SC_SCENARIO_MAX_TAG 64
/* Bytes all "$repeat" expansions of a scenario may produce: the driver rejects instruction lines
 * over 8 MiB, and the instruction also carries the other fields. */
#define SC_SCENARIO_MAX_EXPANDED (7 * 1024 * 1024)
/* Entries in applies_to lists, other_allowed_codes, headers/trailers expectations, response
 * contents: a scenario states a few of each. */
#define SC_SCENARIO_MAX_LIST 256
/* Arguments server_options can make: five "--name N" pairs and one flag. */
#define SC_SCENARIO_MAX_SERVER_ARGS 12
/* Slack the runner adds to a case's own worst-case duration before killing it: process start,
 * a loaded CI box, the server's event log settling. */
#define SC_SCENARIO_CASE_MARGIN_MS 10000
/* Default schedule tolerance of expect.attempts.schedule: timer and loop latency on a busy box. */
#define SC_SCENARIO_DEFAULT_TOLERANCE_MS 50
/* Longest expected/actual text of one failure: reports stay readable. */
#define SC_JUDGE_MAX_TEXT 240

struct sc_scenario {
    char *name;
    char *summary;
    char *origin;
    char **tags;
    size_t n_tags;
    sc_method method;
    cJSON *client;  /* validated client section, "$repeat" expanded (no case/target/method) */
    cJSON *control; /* object: control metadata key -> value (x-sc-case excluded) */
    cJSON *script;  /* server.script as given, or NULL */
    cJSON *expect;  /* validated expect section as given (for the report) */
    sc_expect ex;   /* the same, typed: what the judge reads */
    cJSON *faults;  /* the fault proxy's list (validated by its own parser), or NULL: no proxy */
    cJSON *applies_clients; /* array of strings or NULL (= all) */
    cJSON *applies_servers;
    char *applies_reason; /* NULL when none given */
    /* Derived from the client section, for timeouts and the schedule check. */
    int64_t timeout_ms;
    int64_t max_attempts;
    bool reconnect;
    bool honor_pushback;
    int64_t backoff_initial_ms, backoff_max_ms, exhausted_backoff_ms;
    double backoff_multiplier, backoff_jitter;
    bool exclusive;                  /* its cases run alone */
    bool tls_spec;                   /* client.channel.tls is given (engine/sc_transport) */
    unsigned transports;             /* SC_TRANSPORT_BIT set it runs on ("transports") */
    struct sc_app_section *app;      /* owned; an app scenario's section, or NULL */
    struct sc_scenario **companions; /* owned; scenarios of their own (see sc_scenario.h) */
    size_t n_companions;
    /* "server_options": its cases get a dedicated server started with these arguments (owned),
     * and SIGTERM at shutdown_at_ms into the case (-1: never). */
    bool has_server_options;
    char *server_args[SC_SCENARIO_MAX_SERVER_ARGS];
    size_t n_server_args;
    int64_t shutdown_at_ms;
};

/* ---- the loader's shared checks (sc_scenario_check.c) ---- */

/* Upper bound of every ms value in a scenario: the driver's own limit (an hour). */
#define SC_SCENARIO_MAX_MS 3600000
/* Upper bound of counts (responses, messages, attempts): far beyond any scenario. */
#define SC_SCENARIO_MAX_COUNT 1000000000

/* Where errors go while one file loads. */
typedef struct {
    const char *origin; /* the file, first in every message */
    char *err;
    size_t errlen;
    size_t expanded; /* bytes produced by "$repeat" so far in this scenario */
} sc_load_ctx;

/* "<origin>: <path>: <message>" (or "<origin>: <message>" without a path) into c->err; -1. */
__attribute__((format(printf, 3, 4))) int sc_load_fail(sc_load_ctx *c, const char *path,
                                                       const char *fmt, ...);
int sc_load_oom(sc_load_ctx *c, const char *path);
/* path + "." + key ("key" alone at the root), and path + "[i]", cut to len. */
void sc_load_join(char *out, size_t len, const char *path, const char *key);
void sc_load_index(char *out, size_t len, const char *path, size_t i);
/* sc_jcheck_object / sc_jcheck_value with the file's origin in front of the message. */
int sc_load_object(sc_load_ctx *c, const cJSON *obj, const char *path, sc_jspec spec);
int sc_load_value(sc_load_ctx *c, const cJSON *v, const char *path, const sc_jfield *f);
/* Optional members of `obj` (at `path`): an integer in [min, max], a bool, a string of at most
 * maxlen bytes (NULL when absent; borrowed from obj), a number in [min, max]. `present` may be
 * NULL. */
int sc_load_int(sc_load_ctx *c, const cJSON *obj, const char *key, const char *path, int64_t min,
                int64_t max, int64_t *out, bool *present);
int sc_load_bool(sc_load_ctx *c, const cJSON *obj, const char *key, const char *path, bool *out,
                 bool *present);
int sc_load_str(sc_load_ctx *c, const cJSON *obj, const char *key, const char *path, size_t maxlen,
                const char **out);
int sc_load_number(sc_load_ctx *c, const cJSON *obj, const char *key, const char *path, double min,
                   double max);
/* A status code by its canonical name (*code set when not NULL); a list of them. */
int sc_load_code(sc_load_ctx *c, const cJSON *v, const char *path, int *code);
int sc_load_codes(sc_load_ctx *c, const cJSON *arr, const char *path);
/* The whole file: nesting depth and string lengths. */
int sc_load_tree(sc_load_ctx *c, const cJSON *v, int depth);
/* Every {"$per_case": "TEXT"} below v is well-formed. */
int sc_load_per_case(sc_load_ctx *c, const cJSON *v, const char *path, int depth);

/* ---- the sections (sc_scenario_sections.c, sc_scenario_expect.c) ---- */

/* server (NULL: none), client (NULL: none; after the server section: its control keys may not be
 * set twice), faults (NULL: no proxy), expect (after client and faults). 0 or -1 (c->err). */
int sc_scenario_parse_server(sc_load_ctx *c, sc_scenario *s, const cJSON *srv);
/* An app scenario's `app` section and its `expect` (sc_scenario_app.c); s->app is set even on
 * failure (free it with sc_scenario_app_free). */
int sc_scenario_parse_app(sc_load_ctx *c, sc_scenario *s, const cJSON *app, const cJSON *expect);
void sc_scenario_app_free(struct sc_app_section *a);
/* A server section's control fields (no script) at `path` into `control` (key -> value). */
int sc_scenario_parse_control(sc_load_ctx *c, const cJSON *srv, const char *path, cJSON *control);
int sc_scenario_parse_client(sc_load_ctx *c, sc_scenario *s, const cJSON *cl);
int sc_scenario_parse_faults(sc_load_ctx *c, sc_scenario *s, const cJSON *faults, const char *path);
int sc_scenario_parse_expect(sc_load_ctx *c, sc_scenario *s, const cJSON *ex);
/* "server_options" (NULL: none; after the server section) (sc_scenario_server_options.c), and
 * freeing what it made. */
int sc_scenario_parse_server_options(sc_load_ctx *c, sc_scenario *s, const cJSON *o);
void sc_scenario_server_options_free(sc_scenario *s);
/* Does the client section have "$raw" requests; client.path when it names no DataService method
 * (else NULL). */
bool sc_scenario_has_raw_requests(const sc_scenario *s);
const char *sc_scenario_path_outside(const sc_scenario *s);

/* ---- the judge's shared parts (sc_scenario_judge.c, sc_scenario_judge_attempts.c) ---- */

typedef struct {
    sc_judgement *j; /* borrowed: the failures go there */
    size_t cap;
    bool oom;
} sc_judge;

/* One failure (texts cut to SC_JUDGE_MAX_TEXT); on allocation failure jd->oom is set. */
void sc_judge_add(sc_judge *jd, const char *path, const char *expected, const char *actual);
__attribute__((format(printf, 4, 5))) void
sc_judge_addf(sc_judge *jd, const char *path, const char *expected, const char *fmt, ...);
/* A failure when `actual` is outside a given range (`unit` follows the numbers: " ms"). */
void sc_judge_range(sc_judge *jd, const char *path, sc_expect_range r, double actual,
                    const char *unit);
/* A JSON number from a peer: true and *out, or false (absent, null, not a number). */
bool sc_judge_number(const cJSON *v, double *out);
/* expect.attempts and expect.network against the result (when given). */
void sc_judge_attempts(sc_judge *jd, const sc_scenario *s, const cJSON *result);
void sc_judge_network(sc_judge *jd, const sc_scenario *s, const cJSON *result);

/* Canonical status name -> code; false unless `text` is exactly a canonical name. */
bool sc_scenario_code_by_name(const char *text, int *code);

/* Replace every {"$per_case": "TEXT"} below `tree` with the string "TEXT:<case_id>" (a chat user
 * name unique per case, for example). Returns 0, or -1 on allocation failure. */
int sc_scenario_resolve_per_case(cJSON *tree, const char *case_id);

/* Separator between the $per_case text and the case id. */
#define SC_SCENARIO_PER_CASE_SEP ":"

/* Defaults of expect.network.schedule: the gRPC connection-backoff spec's multiplier and jitter. */
#define SC_SCENARIO_CONN_BACKOFF_MULTIPLIER 1.6
#define SC_SCENARIO_CONN_BACKOFF_JITTER 0.2

/* expect.attempts.schedule resolved: the client's reconnect policy plus tolerance_ms. */
cJSON *sc_scenario_schedule_policy_json(const sc_scenario *s);

#endif
