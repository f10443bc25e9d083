/* sc_runner_internal: private to the sc_runner_* files. The state of one run (its peers, its
 * cases and what the runner keeps beside each) and the functions the runner's files call across
 * each other. sc_runner.c drives the run (poll loop, cases, proxies); sc_runner_plan.c builds
 * the cases; sc_runner_report.c turns the run into report.json; sc_runner_impl.c resolves
 * implementations. */
#ifndef SC_RUNNER_INTERNAL_H
#define SC_RUNNER_INTERNAL_H

#include "sc_case.h"
#include "sc_runner_app.h"
#include "sc_runner_dedicated.h"
#include "sc_runner.h"
#include "sc_runner_peer.h"
#include "sc_sched.h"

#include <cjson/cJSON.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* What the runner keeps per case beside the pure sc_case: its fault proxy, if it has faults. */
typedef struct {
    sc_peer proxy;    /* `streamconform proxy` in front of the server (up only while running) */
    cJSON *records;   /* the proxy's connection records so far (owned) */
    size_t dedicated; /* its server in sc_run.dedicated, or SIZE_MAX: the column's */
    int64_t first_event_ms; /* when its server's first event line arrived (-1: none yet) */
} sc_case_io;

typedef struct {
    const sc_run_config *cfg; /* borrowed */
    sc_peer drivers[SC_RUNNER_MAX_IMPLS];
    sc_peer servers[SC_RUNNER_MAX_SERVERS + 1];
    /* cfg->servers, then the scripted server when a scripted case is selected */
    const sc_impl *server_impls[SC_RUNNER_MAX_SERVERS + 1];
    size_t n_servers;
    sc_impl script_impl;
    char scripts_path[64]; /* its --scripts file ("" when none) */
    sc_impl proxy_impl;    /* this binary, verb "proxy" */
    sc_case_io *io;        /* one per case (owned) */
    sc_case *cases;        /* owned */
    size_t n_cases;
    size_t done, failing, in_flight;
    sc_app_run apps; /* the app cases (docs/app-check.md), run after the matrix */
    int64_t started_ms;
    time_t started_wall;
    bool complete;
    /* The run's TLS files when a server column is not plaintext (dir "" otherwise); removed at
     * the end of the run. */
    sc_tls_material tls;
    /* Dedicated servers of scenarios with server_options (sc_runner_dedicated); owned, one
     * slot per case allocated at plan time, so that peers never move. */
    sc_dedicated *dedicated;
    size_t n_dedicated;
    cJSON *shard; /* run --shard: the report's "shard" block (owned), or NULL */
    /* The order cases start in (indices into cases, longest expected first; owned) and the
     * run's busy and waiting slots (sc_sched). */
    size_t *order;
    sc_sched_slots slots;
} sc_run;

/* sc_runner_impl.c: the absolute path of this binary (caller frees), or NULL. */
char *sc_runner_self_exe(void);

/* sc_runner_plan.c: add the scripted server to the run when a scripted case is selected: this
 * binary's script-server, with an empty --scripts file that sc_run_plan fills. 0, or -1 with a
 * message. */
int sc_run_add_script_server(sc_run *r, char *err, size_t errlen);

/* sc_runner_plan.c: build every case (r->cases, r->io): scenarios x clients x servers,
 * filtered, with the known lists applied; skipped cases are already done. 0, or -1 with a
 * message. */
int sc_run_plan(sc_run *r, char *err, size_t errlen);

/* sc_runner_shard.c: run --shard K/N: after planning, keep the cases of slice K only (the
 * others freed) and set r->shard. Nothing without a shard. 0, or -1 with a message. */
int sc_run_shard(sc_run *r, char *err, size_t errlen);

/* sc_runner_output.c: one finished case (pipe: its line; terminal: the status line), and the end
 * of the run (terminal: the failing cases with their first failure; always: the totals line). */
void sc_run_out_case(const sc_run *r, const char *id, sc_verdict v, int64_t ms, const char *why);
void sc_run_out_summary(const sc_run *r);
/* A matrix case's first failure as one line (its reason, else its first expectation). */
void sc_run_out_first_failure(const sc_case *c, char *out, size_t len);

/* sc_runner_report.c: a skip because the scenario holds recorded raw messages the drivers cannot
 * send (replay it with `streamconform replay`), counted apart from the plain skips. */
bool sc_run_case_replay_only(const sc_run *r, const sc_case *c);

/* sc_runner_report.c: the run as report.json (a new tree the caller deletes). */
cJSON *sc_run_report_json(const sc_run *r);

/* sc_runner_report.c: write report.json and the reports derived from it into the configured
 * output folder. 0, or -1 with a message. */
int sc_run_write_report(const sc_run *r, char *err, size_t errlen);

/* sc_runner_sched.c: after planning (and the shard's cut), r->order and r->slots. 0, or -1 with
 * a message. */
int sc_run_order(sc_run *r, char *err, size_t errlen);
/* The sum of the durations of the cases that ran (matrix and app cases; skips excluded). */
int64_t sc_run_case_time_ms(const sc_run *r);
/* The report's "schedule" block (docs/report-format.md): slots, order, case time, wall ratio. */
cJSON *sc_run_schedule_json(const sc_run *r);

/* sc_runner_dedicated.c: after sc_run_plan, a dedicated server for every case of a scenario
 * with server_options (r->io[i].dedicated). 0, or -1 with a message. */
int sc_run_dedicated_plan(sc_run *r, char *err, size_t errlen);
/* The server peer a case runs against: its dedicated one, or its column's. */
sc_peer *sc_run_case_server(sc_run *r, const sc_case *c);
/* A case is done: stop its dedicated server after its last case (SIGTERM; reaped by the tick). */
void sc_run_dedicated_case_done(sc_run *r, const sc_case *c);
/* A server event line of case c arrived at `now`: the first one (its call_start) starts the
 * clock of shutdown_at_ms. */
void sc_run_dedicated_on_event(sc_run *r, const sc_case *c, int64_t now);
/* Send SIGTERM to every dedicated server whose case reached its shutdown_at_ms; read the ready
 * line of those starting and reap those stopping (neither blocks the run). */
void sc_run_dedicated_tick(sc_run *r, int64_t now);
/* The earliest shutdown_at_ms still to come, or now + SC_RUNNER_ASYNC_POLL_MS while a dedicated
 * server starts or stops; `next` when later. */
int64_t sc_run_dedicated_next(sc_run *r, int64_t now, int64_t next);
/* Peer p closed its stdout: when it is a dedicated server we sent SIGTERM, reap it and say
 * true (its exit is the scenario's action, not a failure). */
bool sc_run_dedicated_exited(sc_run *r, sc_peer *p);
/* The live dedicated servers' stdout and stderr from fds[n]; the new count. */
size_t sc_run_dedicated_fds(sc_run *r, struct pollfd *fds, sc_peer **owner, size_t n);
/* Stop them all and free. */
void sc_run_dedicated_free(sc_run *r);

#endif
