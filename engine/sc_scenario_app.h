/* sc_scenario_app: app scenarios (docs/app-check.md): the `app` section (how long the
 * application runs, the server side of each call in arrival order, faults, a server restart, the
 * policy) and `expect.app` (which checks sc_app_judge runs), and the policy object that
 * `run --policy` also takes. The loader (sc_scenario.c) calls the parser; the runner asks the
 * accessors. Pure: no I/O.
 *
 * Ownership: a section belongs to its scenario; JSON the functions return belongs to the caller. */
#ifndef SC_SCENARIO_APP_H
#define SC_SCENARIO_APP_H

#include "sc_app_judge.h"
#include "sc_scenario.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/* An app case runs for at most 10 minutes before it is stopped: CI time is the budget. */
#define SC_APP_MAX_RUN_MS 600000
/* Calls a plan lists one by one (the server's own limit). */
#define SC_APP_MAX_PLAN_CALLS 1000
/* --policy time_scale: cases up to 100 times longer (still bounded by SC_APP_MAX_RUN_MS x 100). */
#define SC_APP_MAX_TIME_SCALE 100
/* Longest wait a policy states: an hour, the scenario format's bound for every ms value. */
#define SC_APP_MAX_POLICY_MS 3600000

typedef struct sc_app_section {
    int64_t run_ms;          /* how long the application runs */
    cJSON *calls;            /* array of control objects (x-sc-* -> value), no x-sc-case; owned */
    cJSON *then;             /* the control object of every later call; owned */
    int64_t restart_at_ms;   /* -1: no restart */
    int64_t restart_down_ms; /* how long the server stays down */
    sc_app_expect expect;    /* checks, with the policy */
} sc_app_section;

/* The app section of `s`, or NULL when s is not an app scenario. */
const sc_app_section *sc_scenario_app(const sc_scenario *s);
static inline bool sc_scenario_is_app(const sc_scenario *s)
{
    return sc_scenario_app(s) != NULL;
}

/* The call plan of one case for `serve --call-plan`: {"calls": [...], "then": {...}}, every
 * entry with x-sc-case = case_id. NULL on allocation failure. */
cJSON *sc_scenario_app_plan(const sc_scenario *s, const char *case_id);

/* The grpc-retry-pushback-ms the plan sends with call i (0-based), or -1. */
int64_t sc_scenario_app_pushback(const sc_scenario *s, size_t i);

/* expect.app as given, for the report (caller owns). */
cJSON *sc_scenario_app_expected_json(const sc_scenario *s);

/* Apply a policy object (docs/app-check.md, "The policy") over *p: only the fields it names
 * change. `time_scale` NULL: the field is refused; else it is set (default: left alone). Errors
 * read "<origin>: <path>.<field>: message". 0 or -1. */
int sc_app_policy_parse(const cJSON *o, const char *origin, const char *path, sc_app_policy *p,
                        int *time_scale, char *err, size_t errlen);

/* The policy as report.json writes it (the field names of the policy object). */
cJSON *sc_app_policy_to_json(const sc_app_policy *p);

#endif
