/* sc_app_command: the command line and environment of an application for one app case
 * (docs/app-check.md, "The application"): {target}, {host}, {port}, {case} and the policy
 * placeholders ({backoff_initial_ms}, ...) replaced in every argument and in the entry's own env
 * values, and the same values as SC_TARGET, SC_HOST, ... Pure: no I/O.
 *
 * Ownership: the lists returned are the caller's (NULL-terminated, each string malloc'd). */
#ifndef SC_APP_COMMAND_H
#define SC_APP_COMMAND_H

#include "sc_app_judge.h"
#include "sc_runner.h"

#include <stddef.h>

/* Longest argument or env value after the placeholders are replaced (a path, a long flag). */
#define SC_APP_MAX_ARG 4096
/* Placeholders there are (target, host, port, case and eight of the policy). */
#define SC_APP_COMMAND_VARS 16

typedef struct {
    const char *key; /* "target" for {target} and SC_TARGET */
    char value[256];
} app_var;

/* `in` with every {name} of `vars` replaced; an unknown {...} is left as it is. malloc'd (NULL
 * when out of memory); the result is cut at SC_APP_MAX_ARG - 1 bytes. */
char *sc_app_command_expand(const char *in, const app_var *vars, size_t n);

/* The command (app->program for argv[0], when set) and the environment entries for the case
 * `case_id` whose application calls 127.0.0.1:`port`. 0, or -1 when out of memory (what was built
 * is in the lists for the caller to free). */
int sc_app_command_build(const sc_impl *app, const sc_app_policy *policy, const char *case_id,
                         int port, char ***argv, char ***env);

#endif
