/* sc_cli_check: `streamconform check`, its options and what both of its modes share (the
 * reference server started by check: sc_cli_check_reference; a running server given by
 * --target: sc_cli_check_target). */
#ifndef SC_CLI_CHECK_H
#define SC_CLI_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* One verdict line of `check` (both modes): two spaces, the method, ok/FAIL, the detail. */
#define SC_CHECK_LINE_FMT "  %-14s %-4s %s\n"

/* Default deadline of each call: far above what a healthy local server needs, short enough that
 * a server that never answers is reported within a minute for all four methods. */
#define SC_CHECK_DEFAULT_DEADLINE_MS 10000
/* Largest --deadline-ms: a smoke test that waits longer than this per call is a typo. */
#define SC_CHECK_MAX_DEADLINE_MS 600000

/* Is `target` a HOST:PORT (or [IPv6]:PORT) address with a port 1-65535? false with the reason in
 * `err`. Pure. */
bool sc_check_target_valid(const char *target, char *err, size_t errlen);

#endif
