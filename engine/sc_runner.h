/* sc_runner: run the cases of a scenario set on every client x server pair, against peer
 * processes, and write the reports. The only engine module that does I/O: it starts each server
 * peer once (port 0, ready line, event log on its stdout) and one client driver per client
 * implementation (JSON lines on stdin/stdout), and moves lines between them and the cases
 * (sc_case) with one poll() loop. A case that takes longer than its bound, or whose peer dies,
 * becomes an error with the peer's stderr attached; the peer is restarted and the run goes on. */
#ifndef SC_RUNNER_H
#define SC_RUNNER_H

#include "sc_scenario.h"
#include "sc_scenario_needs.h"

#include <stdbool.h>
#include <stddef.h>

#include "sc_feature.h"
#include "sc_shard.h"
#include "sc_impl.h"
#include "sc_transport.h"

/* Implementations of one role in a run: each server is a process, each client a driver. */
#define SC_RUNNER_MAX_IMPLS 8
/* Server columns of a run: each server implementation once per transport (engine/sc_transport). */
#define SC_RUNNER_MAX_SERVERS (SC_RUNNER_MAX_IMPLS * SC_TRANSPORT_COUNT)
/* Longest a peer may take to print its ready line (a Python interpreter on a busy machine). */
#define SC_RUNNER_READY_MS 30000
/* Bytes of a peer's stderr kept for error reports (docs/report-format.md: at most 4 KiB). */
#define SC_RUNNER_STDERR_TAIL 4096
/* Longest the TCP connect probe of a server given by address may take: a server that does not
 * answer makes its cases errors at once instead of each waiting out its own bound. */
#define SC_RUNNER_PROBE_MS 3000
/* The built-in implementations file, relative to the build folder (copied there by CMake from
 * peers/implementations.json). */
#define SC_RUNNER_BUILTIN_IMPLS "peers/implementations.json"

/* One side of an implementation as a run uses it (from an implementations file, contract/sc_impl,
 * or the engine's own scripted server). */
typedef struct {
    const char *name;         /* "c", "go", "mine"; borrowed */
    const char *description;  /* for the reports; borrowed */
    char *program;            /* the command's program as an absolute path (owned), or NULL */
    char *const *argv;        /* the command (argv[0] replaced by program), or NULL; borrowed */
    char *const *env;         /* "KEY=VALUE" for the process, or NULL; borrowed */
    const char *address;      /* a server someone else runs (HOST:PORT), or NULL; borrowed */
    sc_feature_mask features; /* what it declares */
    long ready_ms;            /* a server command's ready-line bound; 0: SC_RUNNER_READY_MS */
    char *owned_argv[12];     /* the engine's own commands (scripted server) keep theirs here */
    /* The server column's transport (TLS columns start the server with the run's certificate
     * files added to argv, and name themselves "NAME+tls"); clients: plaintext. */
    sc_transport transport;
    char *owned_name; /* a transport column's name ("c+tls"), which `name` points at, or NULL */
} sc_impl;

/* The implementation `name` of `role` in `book`. With `find_program` it is ready to start: a
 * command's program is found (a bare name on $PATH) and must be executable (`list` and `show`
 * start nothing and skip this). -1 with a message naming the known implementations of the role
 * for an unknown name, or the program of one not built. `book` must outlive `out`. */
int sc_impl_resolve(const sc_impl_book *book, const char *name, sc_role role, bool find_program,
                    sc_impl *out, char *err, size_t errlen);
void sc_impl_free(sc_impl *impl);
/* `base` over transport `t` as its own server column: name "NAME+tls" (owned), the program
 * copied, everything else borrowed from `base`. 0, or -1 when out of memory. */
int sc_impl_transport_column(const sc_impl *base, sc_transport t, sc_impl *out);

/* Does the server write the event log the engine reads (a command with feature "events")? */
bool sc_impl_has_event_log(const sc_impl *impl);

/* The variables of implementations files for this binary: ${build} (its ../..: build/cli/x ->
 * build), ${self}, ${core_version}. The strings are static: valid until the next call. */
sc_impl_vars sc_runner_impl_vars(void);

/* Load the built-in implementations file (${build}/SC_RUNNER_BUILTIN_IMPLS) into `book`. 0, or -1
 * with a message. */
int sc_runner_load_builtin(sc_impl_book *book, char *err, size_t errlen);

/* The message (and exit 2) of a run whose filters and implementations select no case at all. */
#define SC_RUNNER_NO_CASE "no case matches"

typedef struct {
    const sc_scenario_set *scenarios;  /* borrowed */
    const sc_filter *filter;           /* borrowed; may be NULL */
    const sc_case_list *known_failing; /* borrowed; may be NULL */
    const sc_case_list *known_flaky;   /* borrowed; may be NULL */
    sc_impl clients[SC_RUNNER_MAX_IMPLS];
    size_t n_clients;
    sc_impl servers[SC_RUNNER_MAX_SERVERS]; /* transport columns included */
    size_t n_servers;
    sc_impl apps[SC_RUNNER_MAX_IMPLS]; /* client applications to check (docs/app-check.md) */
    size_t n_apps;
    const cJSON *policy; /* --policy: fields over every app scenario's policy; borrowed, or NULL */
    int jobs;            /* busy slots: cases doing their work at once (engine/sc_sched) */
    int wait_jobs;       /* waiting slots: cases past SC_SCHED_BUSY_MS (0: none, classic -j) */
    const char *out_dir; /* reports go here */
    bool trace;          /* attach timelines of failing cases */
    bool full;           /* every case whole in the report, passes too (no sampling) */
    bool retry_failed;   /* every failing case runs once more, as a --known-flaky one does */
    bool live_progress;  /* a terminal: one updating status line instead of a line per case */
    bool color;          /* verdicts in colour (a terminal, and NO_COLOR unset) */
    int verbosity;       /* -1 (-q): failures and totals only; 1 (-v): skipped cases too */
    /* run --shard K/N (engine/sc_shard): only slice shard_index (from 1) of shard_count runs;
     * shard_count 0: the whole run. */
    size_t shard_index, shard_count;
    /* --timings: an earlier report.json whose durations order the run (longest first) and
     * balance --shard; borrowed, or NULL */
    const cJSON *timings;
} sc_run_config;

/* The scripted server ("script": this binary's `script-server`) is not chosen with --servers:
 * the runner adds it to every run that selects a case of a scripted scenario (server.script), and
 * pairs it with scripted scenarios only (each once per client), writing their scripts into a
 * temporary --scripts file at plan time. These two say which cases that makes, for `list`. */
bool sc_runner_has_case(const sc_scenario *s, const sc_impl *server);
bool sc_runner_adds_script_server(const sc_scenario_set *set, const sc_filter *filter,
                                  const char *const *clients, size_t n_clients);

/* Does the scenario run on this pair? Not when sc_scenario_applies says so (scripted scenarios,
 * applies_to), or when the pair lacks a feature the scenario needs (sc_scenario_needs); `why`
 * then says which, for the skip verdict and `list`. */
/* What a case of `s` on the server column needs: the scenario's needs (sc_scenario_needs), plus
 * feature "tls" of both sides on a TLS column. */
sc_needs sc_runner_case_needs(const sc_scenario *s, const sc_impl *server);

bool sc_runner_case_applies(const sc_scenario *s, const sc_impl *client, const sc_impl *server,
                            char *why, size_t len);

/* Run every selected case and write the reports. Returns the process exit code: 0 when every
 * non-flaky case passed (or was skipped / known failing), 1 otherwise, 2 on a configuration
 * error (message in err). Also on SIGINT/SIGTERM the reports are written (complete: false). */
int sc_runner_run(const sc_run_config *cfg, char *err, size_t errlen);

/* Write report.json and the reports derived from it (docs/report-format.md) into `dir` (which
 * exists). Each file is written to a temporary name and renamed, so a crash never leaves half a
 * file. 0, or -1 with a message. */
int sc_runner_write_reports(const cJSON *report, const char *dir, char *err, size_t errlen);

/* run --shard: a case of scenario `s` as sc_shard places it: its duration_ms in `timings` (an
 * earlier report.json, or NULL) when it has one, else its scenario's bound (the case timeout;
 * app scenarios: run_ms); the cases of an exclusive scenario are one unit. `id`, `s` borrowed. */
sc_shard_item sc_runner_shard_item(const cJSON *timings, const char *id, const sc_scenario *s);

/* The case id of a scenario on a pair: "<scenario>@<client>-><server>". Caller frees. */
char *sc_runner_case_id(const char *scenario, const char *client, const char *server);

#endif
