/* sc_cli_util: pure helpers for the client CLIs: -H parsing, exit codes, bounded numbers. */
#ifndef SC_CLI_UTIL_H
#define SC_CLI_UTIL_H

#include "sc_md.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_CLI_EXIT_OK 0
#define SC_CLI_EXIT_LOCAL 1 /* a local failure: file unreadable, checksum mismatch, no status */
#define SC_CLI_EXIT_USAGE 2
#define SC_CLI_EXIT_STATUS_BASE 64 /* 64 + gRPC status code, the grpcurl convention */

/* Longest metadata key or value accepted from a user: HTTP/2 servers reject far smaller headers
 * anyway (the core's default header list limit is 8 KiB). */
#define SC_CLI_MAX_HEADER_TEXT 8192

/* Exit code for a call that ended with `status_code`: 0 for OK, 64 + code for 1..16, and
 * SC_CLI_EXIT_LOCAL for anything outside the table. */
int sc_cli_exit_code(int status_code);

/* Parse one "-H key:value" argument and append it to `md`. The key is lower-cased and must be
 * non-empty, made of [0-9a-z_.-], and not start with "grpc-" (reserved by gRPC) or ':'. Leading
 * spaces of the value are dropped. A key ending in "-bin" takes a base64 value that is decoded;
 * other values must be printable ASCII. Returns 0, or -1 with a one-line reason in `err`. */
int sc_cli_parse_header(const char *arg, sc_md_list *md, char *err, size_t errlen);

/* Whole-string decimal integer in [min, max]. */
bool sc_cli_parse_int64(const char *text, int64_t min, int64_t max, int64_t *out);

/* Whole-string finite decimal number in [min, max]. */
bool sc_cli_parse_double(const char *text, double min, double max, double *out);

#endif
