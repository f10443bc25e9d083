/* sc_runner: run the cases of a scenario set on every client x server pair, against peer
 * processes, and write the reports. The only engine module that does I/O: it starts each server
 * peer once (port 0, ready line, event log on its stdout) and one client driver per client
 * implementation (JSON lines on stdin/stdout), and moves lines between them and the cases
 * (sc_case) with one poll() loop. A case that takes longer than its bound, or whose peer dies,
 * becomes an error with the peer's stderr attached; the peer is restarted and the run goes on. */
#ifndef SC_RUNNER_H
#define SC_RUNNER_H

#include "sc_scenario.h"

#include <stdbool.h>
#include <stddef.h>

/* Implementations a run can pair: the C reference, the Python and the Go peer. */
#define SC_RUNNER_MAX_IMPLS 8
/* Longest a peer may take to print its ready line (a Python interpreter on a busy machine). */
#define SC_RUNNER_READY_MS 30000
/* Bytes of a peer's stderr kept for error reports (docs/report-format.md: at most 4 KiB). */
#define SC_RUNNER_STDERR_TAIL 4096

typedef struct {
    const char *name;        /* "c", "python", "go" */
    char *program;           /* absolute path of the executable (owned) */
    const char *server_verb; /* argv[1] that starts its server: "serve" or "server" */
    const char *client_verb; /* argv[1] that starts its driver: "peer-client" or "client" */
    const char *description;
    const char *scripts; /* the scripted server only: its --scripts file (borrowed) */
} sc_impl;

/* Resolve an implementation name to its executables: "c" is this binary (/proc/self/exe),
 * "python" and "go" the peers built next to it (build/peers/...), overridable with
 * $SC_PEER_PYTHON / $SC_PEER_GO. -1 with a message for an unknown or unbuilt implementation. */
int sc_impl_resolve(const char *name, sc_impl *out, char *err, size_t errlen);
void sc_impl_free(sc_impl *impl);

typedef struct {
    const sc_scenario_set *scenarios;  /* borrowed */
    const sc_filter *filter;           /* borrowed; may be NULL */
    const sc_case_list *known_failing; /* borrowed; may be NULL */
    const sc_case_list *known_flaky;   /* borrowed; may be NULL */
    sc_impl clients[SC_RUNNER_MAX_IMPLS];
    size_t n_clients;
    sc_impl servers[SC_RUNNER_MAX_IMPLS];
    size_t n_servers;
    int jobs;            /* cases in flight at once */
    const char *out_dir; /* reports go here */
    bool trace;          /* attach timelines of failing cases */
    bool live_progress;  /* a terminal: one updating status line instead of a line per case */
} sc_run_config;

/* The scripted server ("script": this binary's `script-server`) is not chosen with --servers:
 * the runner adds it to every run that selects a case of a scripted scenario (server.script), and
 * pairs it with scripted scenarios only (each once per client), writing their scripts into a
 * temporary --scripts file at plan time. These two say which cases that makes, for `list`. */
bool sc_runner_has_case(const sc_scenario *s, const char *server);
bool sc_runner_adds_script_server(const sc_scenario_set *set, const sc_filter *filter,
                                  const char *const *clients, size_t n_clients);

/* Run every selected case and write the reports. Returns the process exit code: 0 when every
 * non-flaky case passed (or was skipped / known failing), 1 otherwise, 2 on a configuration
 * error (message in err). Also on SIGINT/SIGTERM the reports are written (complete: false). */
int sc_runner_run(const sc_run_config *cfg, char *err, size_t errlen);

/* Write report.json and the reports derived from it (docs/report-format.md) into `dir` (which
 * exists). Each file is written to a temporary name and renamed, so a crash never leaves half a
 * file. 0, or -1 with a message. */
int sc_runner_write_reports(const cJSON *report, const char *dir, char *err, size_t errlen);

/* The case id of a scenario on a pair: "<scenario>@<client>-><server>". Caller frees. */
char *sc_runner_case_id(const char *scenario, const char *client, const char *server);

#endif
