/* sc_cli: helpers shared by the subcommands (argument parsing, usage errors). */
#ifndef SC_CLI_H
#define SC_CLI_H

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "sc_cli_util.h"
#include "sc_host_tls.h"

/* Room for an error message that names a file (a path is up to PATH_MAX bytes in principle; the
 * harness's own are short, and a longer one is cut, not overrun). */
#define SC_CLI_ERR_MAX 1024

/* The version of the binary and of its report format (report.json "version"). */
#define SC_CLI_VERSION "0.1.0"
/* Long options one command has at most (for "did you mean"). */
#define SC_CLI_MAX_OPTIONS 64

/* Exit code for bad command-line arguments (usage errors). */
#define SC_EXIT_USAGE SC_CLI_EXIT_USAGE

/* Parse a decimal integer in [min, max] for option `name`; on failure print
 * "streamconform <cmd>: --name: ..." to stderr and return false. */
bool sc_cli_parse_int(const char *cmd, const char *name, const char *text, int64_t min, int64_t max,
                      int64_t *out);

/* The error for an option getopt_long refused (`text` is argv[optind - 1]): a known option
 * missing its value is named as such ("--listen needs a value"), an unknown one gets a "did you
 * mean" from `longopts`. Printed; returns SC_EXIT_USAGE. */
int sc_cli_bad_option(const char *cmd, const struct option *longopts, const char *text);

/* The version line ("streamconform 0.1.0 (gRPC C core 29.0.0)") for --version and `version`. */
void sc_cli_print_version(FILE *out);

/* Print "streamconform <cmd>: <message>" and a hint to stderr; returns SC_EXIT_USAGE. */
int sc_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The server TLS options given together: --tls-key with --tls-cert, --tls-client-ca only with
 * both. 0, or SC_EXIT_USAGE with the error printed. The files are read when the server starts. */
int sc_cli_check_tls_options(const char *cmd, const sc_host_tls *tls);

/* Stop signals of a server process. sc_cli_stop_signals_block blocks SIGINT/SIGTERM (call it
 * before grpc_init, so the core's threads inherit the mask); sc_cli_stop_signals_start runs one
 * waiter thread that turns the first of them into on_stop(ctx) (which must be thread-safe, like
 * the servers' *_shutdown); sc_cli_stop_signals_join wakes that thread if no signal came and
 * joins it. The struct is the caller's. */
typedef struct {
    sigset_t set;
    pthread_t thread;
    void (*on_stop)(void *ctx);
    void *ctx;
    bool started;
} sc_cli_stop_signals;

void sc_cli_stop_signals_block(sc_cli_stop_signals *s);
int sc_cli_stop_signals_start(sc_cli_stop_signals *s, void (*on_stop)(void *ctx), void *ctx);
void sc_cli_stop_signals_join(sc_cli_stop_signals *s);

/* The subcommands. The dispatcher passes its argc - 1 / argv + 1, so argv[0] is the subcommand
 * word itself; each returns the process exit code and restores any signal handler it installed. */
int sc_cli_serve_main(int argc, char **argv);
int sc_cli_record_main(int argc, char **argv);
int sc_cli_replay_main(int argc, char **argv);
int sc_cli_check_main(int argc, char **argv);
int sc_cli_run_main(int argc, char **argv);
int sc_cli_list_main(int argc, char **argv);
int sc_cli_show_main(int argc, char **argv);
/* streamconform merge DIR... --out DIR: the shards of a run as one run's reports
 * (cli/sc_cli_merge.c). */
int sc_cli_merge_main(int argc, char **argv);
/* streamconform call get|subscribe|upload|chat [options] (see `call --help`): 0 OK, 2 usage
 * error, 64 + status for an RPC status, 1 for a local failure (cli/sc_cli_call.c). */
int sc_cli_call_main(int argc, char **argv);
/* streamconform peer-client: JSON-lines instructions on stdin, one result line per instruction
 * on stdout (docs/peer-protocol.md, "Client driver protocol"; cli/sc_cli_peer_client.c). */
int sc_cli_peer_client_main(int argc, char **argv);
/* streamconform proxy: the TCP fault proxy (cli/sc_cli_proxy.c). */
int sc_cli_proxy_main(int argc, char **argv);
/* streamconform bench: the load client (cli/sc_cli_bench.c). */
int sc_cli_bench_main(int argc, char **argv);

#endif
