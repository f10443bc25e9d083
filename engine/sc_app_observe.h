/* sc_app_observe: what the engine saw of one app case, as the judge reads it (sc_app_observed's
 * calls and connections) and as report.json shows it. Built from the JSON lines of the case's
 * server event log (docs/peer-protocol.md, "Event log"; every time on the case's clock) and of its
 * fault proxy's records (docs/fault-proxy.md). Pure: no I/O, no clock.
 *
 * Ownership: an sc_app_seen owns its arrays and strings (sc_app_seen_free); the inputs are
 * borrowed for the call. */
#ifndef SC_APP_OBSERVE_H
#define SC_APP_OBSERVE_H

#include "sc_app_judge.h"
#include "sc_scenario.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Calls kept per case: an application that floods the server makes thousands a second; the
 * rest are counted (calls_over_cap) and the verdict says "made more than N calls". */
#define SC_APP_MAX_CALLS 10000
/* Connections kept per case, for the same reason. */
#define SC_APP_MAX_CONNS 10000
/* Breaks the engine injects into one case (server restarts, proxy resets) that it lists. */
#define SC_APP_MAX_DISRUPTIONS 64
/* A "how" of the proxy ("client_closed", ...). */
#define SC_APP_HOW_MAX 24

typedef struct {
    sc_app_call *calls; /* in start order; method and first_request point into the strings below */
    char **methods;     /* owned */
    char **requests;    /* owned; NULL entries for calls with no request */
    size_t n_calls;
    size_t calls_over_cap;
    sc_app_conn *conns;
    char (*how)[SC_APP_HOW_MAX]; /* per connection */
    size_t n_conns;
    int64_t disruptions[SC_APP_MAX_DISRUPTIONS];
    const char *disruption_what[SC_APP_MAX_DISRUPTIONS]; /* static strings */
    size_t n_disruptions;
} sc_app_seen;

/* Build `out` from `events` (server event-log objects of the case, each with "inc": the server
 * incarnation, 0 then 1 after a restart) and `records` (proxy records, may be NULL). Times are
 * shifted by -app_start_ms so that 0 is when the application started. Pushbacks come from the
 * scenario's plan (the server sends them with an injected failure). `restarts` are the times the
 * engine stopped the server (case clock). 0, or -1 on allocation failure. */
int sc_app_seen_build(sc_app_seen *out, const sc_scenario *s, const cJSON *events,
                      const cJSON *records, int64_t app_start_ms, const int64_t *restarts,
                      size_t n_restarts);
void sc_app_seen_free(sc_app_seen *seen);

/* report.json's "calls", "connections" and "disruptions" of an app case (docs/report-format.md). */
cJSON *sc_app_seen_calls_json(const sc_app_seen *seen);
cJSON *sc_app_seen_conns_json(const sc_app_seen *seen);
cJSON *sc_app_seen_disruptions_json(const sc_app_seen *seen);

/* The "reconnect" block of an app case: the policy and every call as an attempt with its gap and
 * window (gaps from the judge's verdict; n_gaps = n_calls - 1 or 0), the shape the reconnect
 * figure draws. */
cJSON *sc_app_seen_reconnect_json(const sc_app_seen *seen, const sc_app_policy *policy,
                                  const sc_sched_gap *gaps, size_t n_gaps);

#endif
