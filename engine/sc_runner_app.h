/* sc_runner_app: the app cases of a run (docs/app-check.md): each app scenario x each selected
 * application. Private to the sc_runner_* files. Per case the runner starts the engine's own
 * server (`serve --call-plan`, the case's plan), its fault proxy in front of it, and the
 * application pointed at the proxy; lets the application run for the scenario's run_ms (x the
 * policy's time_scale), then stops it (SIGTERM, SIGKILL after SC_APP_GRACE_MS); restarts the
 * server when the scenario says so; collects the event log, the proxy's records and the
 * application's output; and judges what was observed (sc_app_observe, sc_app_judge).
 *
 * One machine per case, its states changed through sc_fsm_set (traced "[app N]"):
 *
 *   QUEUED --server, proxy, app started--> RUNNING --run_ms--> STOPPING --exit / grace--> SETTLING
 *     |                                      |  \--the app exited on its own-----------> SETTLING
 *     +--a server or proxy did not start--------------------------------------------------> DONE
 *   SETTLING --SC_APP_SETTLE_MS: last log lines read, server and proxy stopped, judged--> DONE
 *
 * Every wait is bounded: the case's run_ms, the grace, the settle time, the ready lines. */
#ifndef SC_RUNNER_APP_H
#define SC_RUNNER_APP_H

#include "sc_app_judge.h"
#include "sc_app_observe.h"
#include "sc_case.h"
#include "sc_fsm.h"
#include "sc_proc.h"
#include "sc_runner.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* After SIGTERM, how long an application may take to exit before SIGKILL. */
#define SC_APP_GRACE_MS 2000
/* The last bytes of the application's stdout and stderr kept for the report. */
#define SC_APP_OUTPUT_MAX (16 * 1024)
/* After the application is gone, how long the server's last lines (call_end) may take. */
#define SC_APP_SETTLE_MS 300
/* App cases at once: each has three processes, and their timings are what is judged. */
#define SC_APP_MAX_PARALLEL 4
/* The case's server sends a SubscribeData batch this often (a stream the app can see alive). */
#define SC_APP_SERVER_TICK_MS 100
/* Server log lines kept per case: a flood of calls is counted by the calls cap well before. */
#define SC_APP_MAX_EVENTS 200000

#define SC_APP_CASE_STATES(X)                                                                      \
    X(SC_APP_CASE_, QUEUED)                                                                        \
    X(SC_APP_CASE_, RUNNING)                                                                       \
    X(SC_APP_CASE_, STOPPING) X(SC_APP_CASE_, SETTLING) X(SC_APP_CASE_, DONE)
typedef enum { SC_APP_CASE_STATES(SC_FSM_ENUM) SC_APP_CASE_STATE_COUNT } sc_app_case_state;
extern const sc_fsm_def sc_app_case_fsm;

typedef struct {
    char *id;                    /* "<scenario>@<app>", owned */
    const sc_scenario *scenario; /* borrowed from the run's set */
    const sc_impl *app;          /* borrowed from the run's configuration */
    uint64_t serial;             /* names the case in traces */
    int state;                   /* sc_app_case_state, through sc_fsm_set only */
    sc_verdict verdict;
    char *reason;              /* owned: the first finding, or why error / skip */
    const char *known_failing; /* borrowed from --known-failing, or NULL */
    sc_app_policy policy;      /* the scenario's, with --policy applied */
    int64_t run_ms;            /* x time_scale */
    /* processes */
    sc_proc server, proxy, proc;
    bool server_up, proxy_up, app_up;
    int server_port, incarnation;
    char plan_path[64]; /* the --call-plan file ("" when none) */
    char **argv;        /* the application's command, placeholders replaced (owned) */
    char **env;         /* its SC_* and own env entries (owned, NULL-terminated) */
    /* times: engine ms (t0) and case ms (the rest: ms since t0) */
    int64_t t0, app_start, stop_at, settle_until, restart_at, restart_up_at;
    int64_t restarts[1];
    size_t n_restarts;
    bool restart_done;
    /* what was seen */
    cJSON *events;  /* server event-log objects, each with "inc" (owned) */
    cJSON *records; /* proxy records (owned) */
    size_t events_dropped;
    char *output; /* ring of the last SC_APP_OUTPUT_MAX bytes of stdout + stderr (owned) */
    size_t out_len, out_pos;
    bool spawned, exited, stopped_by_engine;
    int exit_code, exit_signal;
    int64_t exit_ms;
    char error[512]; /* an engine-side failure (server or proxy), or "" */
    /* the judgement */
    sc_app_seen seen;
    sc_sched_gap *gaps; /* owned; seen.n_calls - 1 entries */
    sc_app_verdict judged;
    int64_t started_ms, duration_ms; /* engine ms at start; how long the case took */
} sc_app_case;

typedef struct {
    sc_app_case *cases; /* owned */
    size_t n_cases, done, failing, in_flight;
} sc_app_run;

/* Build the app cases of the run: every app scenario of cfg->scenarios x cfg->apps, filtered
 * by cfg->filter, with the known-failing list and --policy applied. 0, or -1 with a message. */
int sc_app_run_plan(sc_app_run *ar, const sc_run_config *cfg, char *err, size_t errlen);

/* Run every planned case (at most min(jobs, SC_APP_MAX_PARALLEL) at once) until all are done or
 * *interrupted becomes non-zero; `self` is this binary (serve, proxy). `on_done` is called for
 * each finished case (progress). */
void sc_app_run_all(sc_app_run *ar, const sc_run_config *cfg, const char *self,
                    volatile sig_atomic_t *interrupted, void (*on_done)(void *ctx, sc_app_case *c),
                    void *ctx);

/* The report.json "applications" list (docs/report-format.md); `run_started_ms` is the run's
 * start (engine ms). */
cJSON *sc_app_run_json(const sc_app_run *ar, int64_t run_started_ms);

/* Does the case fail the run (fail, error, stale)? */
bool sc_app_case_fails_run(const sc_app_case *c);

/* Keep the planned cases with keep[i] (n_cases entries), in order; free the others (run
 * --shard: the cases of other slices). Before sc_app_run_all. */
void sc_app_run_keep(sc_app_run *ar, const bool *keep);

/* Stop whatever still runs and free everything. */
void sc_app_run_free(sc_app_run *ar);

#endif
