/* sc_cli_check_target: `streamconform check --target HOST:PORT`, the smoke test of a DataService
 * server that is already running (started and stopped by someone else). Each method is called
 * once with plain DataService semantics only: no x-sc-* control metadata, so any server
 * qualifies. Every call has a deadline; SubscribeData is read for a bounded number of responses
 * and then cancelled by check. */
#ifndef SC_CLI_CHECK_TARGET_H
#define SC_CLI_CHECK_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Call GetData, SubscribeData, UploadFile and Chat once each on `target` (borrowed), each call
 * bounded by `deadline_ms`, and print one SC_CHECK_LINE_FMT line per method (what the server
 * answered and the verdict) plus a header and a summary line on stdout. Returns the number of
 * methods that failed (0-4), or 4 when no channel could be opened. */
int sc_check_target_run(const char *target, int64_t deadline_ms);

#endif
