/* sc_cli: helpers shared by the subcommands (argument parsing, usage errors). */
#ifndef SC_CLI_H
#define SC_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "sc_cli_util.h"

/* Exit code for bad command-line arguments (usage errors). */
#define SC_EXIT_USAGE SC_CLI_EXIT_USAGE

/* Parse a decimal integer in [min, max] for option `name`; on failure print
 * "streamconform <cmd>: --name: ..." to stderr and return false. */
bool sc_cli_parse_int(const char *cmd, const char *name, const char *text, int64_t min, int64_t max,
                      int64_t *out);

/* Print "streamconform <cmd>: <message>" and a hint to stderr; returns SC_EXIT_USAGE. */
int sc_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int sc_cli_serve_main(int argc, char **argv);
int sc_cli_check_main(int argc, char **argv);
int sc_cli_run_main(int argc, char **argv);
int sc_cli_list_main(int argc, char **argv);
int sc_cli_show_main(int argc, char **argv);

#endif
