/* sc_cli_check_target: `streamconform check --target HOST:PORT`, the smoke test of a DataService
 * server that is already running (started and stopped by someone else). Each method is called
 * once with plain DataService semantics only: no x-sc-* control metadata, so any server
 * qualifies. Every call has a deadline; SubscribeData is read for a bounded number of responses
 * and then cancelled by check. */
#ifndef SC_CLI_CHECK_TARGET_H
#define SC_CLI_CHECK_TARGET_H

#include "sc_cli_check.h"

#include <stdint.h>

/* SubscribeData responses read before check cancels the stream: enough to see a stream, few
 * enough for a server that sends one a second (the reference peers' default tick). */
#define SC_CHECK_TARGET_STREAM_RESPONSES 3

/* Call GetData, SubscribeData, UploadFile and Chat once each on `target` (borrowed), each call
 * bounded by `deadline_ms`, and print one SC_CHECK_LINE_FMT line per method (what the server
 * answered and the verdict) plus a header and a summary line on stdout. Returns the number of
 * methods that failed (0-4), or 4 when no channel could be opened. */
int sc_check_target_run(const char *target, int64_t deadline_ms);

#endif
