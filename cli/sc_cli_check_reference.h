/* sc_cli_check_reference: `streamconform check` without --target. Starts `streamconform serve`
 * (this binary) on 127.0.0.1 with an OS-assigned port, calls each DataService method once (plus
 * one error path; SubscribeData bounded with x-sc-max-responses), checks the answers against the
 * reference semantics, stops the server with SIGTERM. */
#ifndef SC_CLI_CHECK_REFERENCE_H
#define SC_CLI_CHECK_REFERENCE_H

#include <stdint.h>

/* Run it with `deadline_ms` for each call; prints its lines on stdout. Returns the exit code:
 * 0 when everything behaved, 1 otherwise. */
int sc_check_reference_run(int64_t deadline_ms);

#endif
