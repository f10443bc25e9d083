/* sc_scenario: the scenario format (docs/scenario-format.md) as pure logic: load and validate
 * scenario files, say which client x server pairs a scenario applies to, turn a scenario into the
 * driver instruction a client peer runs (docs/peer-protocol.md, "Client driver protocol") with the
 * control metadata a server peer honours, and judge what happened. No I/O beyond reading the
 * scenario files; no clocks; no processes. The runner (sc_runner) does the rest.
 *
 * Ownership: an sc_scenario_set owns every scenario it holds; pointers into it stay valid until
 * sc_scenario_set_free. Every cJSON returned is owned by the caller. */
#ifndef SC_SCENARIO_H
#define SC_SCENARIO_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

typedef struct sc_scenario sc_scenario;

typedef struct {
    sc_scenario **items; /* owned */
    size_t count;
} sc_scenario_set;

/* Load one file or every *.json below a directory (sorted by path) into `set` (appending).
 * Returns 0, or -1 with a message naming the file and the JSON path, e.g.
 * "scenarios/x.json: expect.status: unknown code \"RESOURCE_EXAUSTED\"". Duplicate scenario names
 * across the set are an error naming both files. */
int sc_scenario_set_load(sc_scenario_set *set, const char *path, char *err, size_t errlen);
/* Same, from text (tests); `origin` names it in errors. */
int sc_scenario_set_load_text(sc_scenario_set *set, const char *origin, const char *text, char *err,
                              size_t errlen);
void sc_scenario_set_free(sc_scenario_set *set);

/* Accessors. Strings are owned by the scenario. */
const char *sc_scenario_name(const sc_scenario *s);    /* "subscribe/cancel/after-responses" */
const char *sc_scenario_summary(const sc_scenario *s); /* one line, may be "" */
const char *sc_scenario_origin(const sc_scenario *s);  /* the file it came from */
const char *sc_scenario_method(const sc_scenario *s);  /* "SubscribeData" */
size_t sc_scenario_tag_count(const sc_scenario *s);
const char *sc_scenario_tag(const sc_scenario *s, size_t i);
/* The scenario's own bound for one case, in ms (derived from its timeouts and reconnect policy,
 * plus a margin); the runner kills a case that takes longer. */
long sc_scenario_case_timeout_ms(const sc_scenario *s);

/* The engine's scripted server (`streamconform script-server`), as a server name in case ids and
 * reports. It plays the scenarios with a server.script, and only those. */
#define SC_SCENARIO_SCRIPT_SERVER "script"

/* Does the scenario apply to this client x server pair ("c", "python", "go"; "script" for the
 * scripted server)? A scenario with a server.script applies to the "script" server only, and
 * every other scenario to the peers only. When not, *why (static or scenario-owned text) says
 * why, for the report's "skipped" entry. */
bool sc_scenario_applies(const sc_scenario *s, const char *client, const char *server,
                         const char **why);

/* The driver instruction for one case: the scenario's client section, with `case_id` as "case",
 * `target` as "target", and the server section's behaviour added to "metadata" as control keys
 * (x-sc-case = case_id too). A scripted scenario adds x-sc-case only: the scripted server finds
 * the case's script by it. Caller owns the result. NULL on allocation failure only. */
cJSON *sc_scenario_instruction(const sc_scenario *s, const char *case_id, const char *target);

/* Companions: more calls of the scenario's method that run alongside the main one in every case
 * (users of one chat room). Each is a scenario of its own (its client and expect, the parent's
 * method and server section), sent to the same driver as "<case id>#k" (k from 1) and judged on
 * its own, without server events; its $per_case names resolve with the parent's case id, so the
 * calls of one case can name each other. */
#define SC_SCENARIO_COMPANION_SEP "#"
/* Longest case id with its companion suffix. */
#define SC_SCENARIO_MAX_CASE_ID 1024
size_t sc_scenario_companion_count(const sc_scenario *s);
const sc_scenario *sc_scenario_companion(const sc_scenario *s, size_t i); /* NULL out of range */
/* Companion i's case id, "<case_id>#<i+1>", into out (truncated to len). */
void sc_scenario_companion_id(char *out, size_t len, const char *case_id, size_t i);
/* The driver instruction of companion i for the case `case_id` (as sc_scenario_instruction,
 * with case and x-sc-case "<case_id>#<i+1>"). NULL when out of range or out of memory. */
cJSON *sc_scenario_companion_instruction(const sc_scenario *s, size_t i, const char *case_id,
                                         const char *target);

/* Must the scenario's cases run alone ("exclusive": true): no other case in flight while one
 * runs? For scenarios whose traffic would disturb others (a flood in the shared chat room). */
bool sc_scenario_exclusive(const sc_scenario *s);
/* Does its expect.server need events of the call (anything beyond a call count, or at least one
 * call)? Then the call must have reached the server, and a finished case waits for its log. */
bool sc_scenario_expects_server_call(const sc_scenario *s);
/* Does its judgement time the client's own timers: expect.attempts.schedule,
 * expect.network.schedule or expect.server.call_gaps_ms? (engine/sc_sched: such a case keeps a
 * busy slot.) */
bool sc_scenario_times_timers(const sc_scenario *s);
/* The transports its cases run on (SC_TRANSPORT_BIT set, engine/sc_transport.h): "transports",
 * or every transport (tls and mtls only for a client with channel.tls). */
unsigned sc_scenario_transports(const sc_scenario *s);

/* "server_options" (docs/scenario-format.md): the scenario's cases need a server process of
 * their own started with extra arguments (server feature "lifecycle"). The arguments are
 * borrowed from the scenario ("--max-connection-age-ms", "1000", ...). The engine sends the
 * dedicated server SIGTERM shutdown_at_ms into a case (-1: never; then each case gets a server
 * of its own). */
bool sc_scenario_has_server_options(const sc_scenario *s);
size_t sc_scenario_server_args(const sc_scenario *s, const char *const **args);
int64_t sc_scenario_shutdown_at_ms(const sc_scenario *s);

/* Does the scenario have a server.script? */
bool sc_scenario_is_scripted(const sc_scenario *s);

/* The scripted server's line for one case of a scripted scenario: {"case": case_id, "method":
 * "SubscribeData", "script": {...}} (the `--scripts` file of `streamconform script-server`).
 * NULL for a scenario without a script, or on allocation failure. Caller owns it. */
cJSON *sc_scenario_script_line(const sc_scenario *s, const char *case_id);

/* One failed expectation. */
typedef struct {
    char *path;     /* which expectation: "expect.status", "expect.responses[2].dataPoints" */
    char *expected; /* short text, owned */
    char *actual;   /* short text, owned */
} sc_check_failure;

typedef struct {
    bool passed;
    sc_check_failure *failures; /* owned */
    size_t n_failures;
} sc_judgement;

/* Judge one case: `result` is the driver's result line for it (docs/peer-protocol.md, "Result"),
 * `server_events` a JSON array of the server's event-log objects whose "case" is this case's id
 * (may be empty, e.g. when the call never reached the server). Fills *out; returns 0, or -1 on
 * allocation failure. A result with "error" fails with path "driver". */
int sc_scenario_judge(const sc_scenario *s, const cJSON *result, const cJSON *server_events,
                      sc_judgement *out);
void sc_judgement_free(sc_judgement *j);
/* Append src's failures to dst with each path prefixed ("companions[0]." + "expect.status");
 * dst no longer passes when src has failures. 0, or -1 on allocation failure (dst unchanged). */
int sc_judgement_append(sc_judgement *dst, const sc_judgement *src, const char *prefix);

/* The fault list to put a fault proxy (`streamconform proxy`) between client and server, or NULL
 * when the scenario runs without one. Owned by the scenario. */
const cJSON *sc_scenario_faults(const sc_scenario *s);

/* The scenario's expectations as JSON (the "expect" section as loaded, defaults filled in), for
 * the report's "expected" field. Caller owns it. */
cJSON *sc_scenario_expected_json(const sc_scenario *s);

/* For a scenario with client.reconnect: the report's "reconnect" block (docs/report-format.md)
 * for this result: the policy checked (with tolerance_ms) and every attempt, each after the first
 * with gap_ms, expected_min_ms, expected_max_ms and ok. NULL when the scenario has no reconnect
 * policy, the result has no well-formed attempts, or on allocation failure. Caller owns it. */
cJSON *sc_scenario_reconnect_json(const sc_scenario *s, const cJSON *result);

/* ---- case selection ---------------------------------------------------------------------- */

/* Name patterns: segments separated by '/'; a "*" matches within one segment (a whole segment,
 * or part of one as in "deadline-*"), a segment "**" matches any number of segments (zero
 * included). Example: the pattern subscribe, slash, star selects every direct child of
 * "subscribe".
 * A case id is "<scenario>@<client>-><server>"; patterns match the scenario name, or the whole
 * case id when they contain '@'. */
bool sc_scenario_pattern_match(const char *pattern, const char *name);

typedef struct {
    char **run; /* --run patterns (any may match; none given = all) */
    size_t n_run;
    char **skip; /* --skip patterns */
    size_t n_skip;
    char **tags; /* --tags: a scenario must carry at least one of them (none given = all) */
    size_t n_tags;
} sc_filter;

/* Add the patterns of one --run/--skip argument: comma-separated, or "@FILE" for a file with one
 * pattern per line ('#' comments, blank lines ignored). -1 with a message on a bad file. */
int sc_filter_add_run(sc_filter *f, const char *arg, char *err, size_t errlen);
int sc_filter_add_skip(sc_filter *f, const char *arg, char *err, size_t errlen);
int sc_filter_add_tags(sc_filter *f, const char *arg, char *err, size_t errlen);
bool sc_filter_selects(const sc_filter *f, const sc_scenario *s, const char *case_id);
void sc_filter_free(sc_filter *f);

/* --known-failing / --known-flaky files: one case pattern per line, optionally followed by
 * whitespace and a reason ('#' comments, blank lines ignored). */
typedef struct {
    char **patterns;
    char **reasons;
    size_t count;
} sc_case_list;

int sc_case_list_load(sc_case_list *l, const char *path, char *err, size_t errlen);
/* The reason of the first entry matching `case_id` ("" when it has none), or NULL. */
const char *sc_case_list_match(const sc_case_list *l, const char *case_id);
void sc_case_list_free(sc_case_list *l);

#endif
