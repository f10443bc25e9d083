/* sc_cli_impls: the implementations of `run`, `list` and `show` from the command line: the
 * built-in implementations file (build/peers/implementations.json), each `--impls FILE` (entries
 * added or replaced, in order), the shorthands of --servers / --clients, and which of them the
 * run pairs (docs/implementations.md).
 *
 *   --servers LIST             names, comma-separated (default: every server of the built-in file)
 *   --servers NAME=HOST:PORT   a server someone else runs (no features)
 *   --servers 'NAME=cmd:COMMAND ARGS'   a server command (prints the ready line; no features)
 *   --clients LIST             names (default: every client of the built-in file)
 *   --clients 'NAME=cmd:COMMAND ARGS'   a client driver command (no features)
 *   --apps LIST                names of app entries, or "all" (default: none)
 *   --app 'NAME=COMMAND ARGS'  a client application to check (docs/app-check.md); the same as
 *                              --apps with a definition
 * Each option may be repeated; a value with '=' is one definition (its command is split on
 * spaces, no quoting), a value without is a list of names. Errors are printed
 * ("streamconform run: ...") and give SC_EXIT_USAGE. */
#ifndef SC_CLI_IMPLS_H
#define SC_CLI_IMPLS_H

#include "sc_impl.h"
#include "sc_runner.h"

#include <stdbool.h>
#include <stddef.h>

/* --impls files on one command line, and --servers / --clients options. */
#define SC_CLI_MAX_IMPL_FILES 16
#define SC_CLI_MAX_IMPL_OPTS 32

typedef struct {
    const char *files[SC_CLI_MAX_IMPL_FILES]; /* borrowed from argv */
    size_t n_files;
    /* [SC_ROLE_SERVER], [SC_ROLE_CLIENT], [SC_ROLE_APP] values */
    const char *opts[SC_ROLE_COUNT][SC_CLI_MAX_IMPL_OPTS];
    size_t n_opts[SC_ROLE_COUNT];
    /* Every scenario of the run is an app scenario: no client or server is selected by
     * default (and none is needed). */
    bool apps_only;
    /* --transport: SC_TRANSPORT_BIT set (0: plaintext only); every selected server becomes one
     * column per transport ("c", "c+tls", "c+mtls"). */
    unsigned transports;
} sc_cli_impl_args;

/* Remember one --impls, --servers or --clients value. SC_EXIT_USAGE (printed) when too many. */
int sc_cli_impl_args_add_file(const char *cmd, sc_cli_impl_args *a, const char *path);
int sc_cli_impl_args_add(const char *cmd, sc_cli_impl_args *a, sc_role role, const char *value);

typedef struct {
    sc_impl_book book; /* owned; the impls below borrow from it */
    /* the selected servers (each once per transport of the run), clients, apps */
    sc_impl impls[SC_ROLE_COUNT][SC_RUNNER_MAX_SERVERS];
    size_t n[SC_ROLE_COUNT];
} sc_cli_impls;

/* Build the book and select the run's servers and clients. `find_programs`: resolve each
 * command's program (run) or not (list, show). 0, or SC_EXIT_USAGE with the error printed. */
int sc_cli_impls_load(const char *cmd, const sc_cli_impl_args *a, bool find_programs,
                      sc_cli_impls *out);
void sc_cli_impls_free(sc_cli_impls *x);

/* One implementation by name from a loaded book (show), without finding its program. 0, or
 * SC_EXIT_USAGE with the error printed. */
int sc_cli_impls_pick(const char *cmd, const sc_cli_impls *x, sc_role role, const char *name,
                      sc_impl *out);

/* The command of an implementation as one line ("build/peers/go/peer-go client"), or its
 * address, for `show`. */
void sc_cli_impls_describe(const sc_impl *impl, char *out, size_t len);

#endif
