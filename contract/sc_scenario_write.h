/* sc_scenario_write: the scenario of one recorded call (docs/scenario-format.md, "Recorded
 * scenarios"): client section, server.script, expect, from the plain model sc_record_case.
 * Pure: no I/O, no gRPC include. */
#ifndef SC_SCENARIO_WRITE_H
#define SC_SCENARIO_WRITE_H

#include "sc_record_case.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* The script format's limits, restated because common/sc_script.h includes gRPC:
 * SC_SCRIPT_MAX_MS and SC_SCRIPT_MAX_TEXT (tests/unit/test_scenario_write.c checks they agree). */
#define SC_SCENARIO_WRITE_MAX_MS 3600000
#define SC_SCENARIO_WRITE_MAX_TEXT 4096
/* What a redacted metadata value becomes (base64 of it for -bin keys). */
#define SC_RECORD_REDACTED "<redacted>"

typedef struct {
    const char *const *redact; /* metadata keys whose values are replaced; borrowed */
    size_t n_redact;
} sc_scenario_write_opts;

/* The scenario of one recorded call, named `name` ("recorded/subscribe/2"). A call on a path
 * outside DataService ("recorded/unknown/1") is written under the nominal method Chat with
 * client.path the recorded path, its requests {"$raw": base64} and its script's responses
 * {"delay_ms", "raw"}. `opts` may be NULL. NULL with a reason in err (allocation failure only:
 * anything the format cannot hold is dropped or replaced, and said in the scenario's summary).
 * Caller owns it. */
cJSON *sc_scenario_write(const sc_record_case *c, const char *name,
                         const sc_scenario_write_opts *opts, char *err, size_t errlen);

/* Can the scenario format hold this call? A call on a path outside DataService is held with raw
 * messages when client.path can name its path ("/package.Service/Method", segments
 * [A-Za-z0-9_.], at most 256 characters). Not a DataService call whose messages do not decode as
 * the method's types (the recording is for the drivers, which send proto messages), nor another
 * path: such calls are forwarded but left out of the recording, with the reason in `why`. */
bool sc_scenario_write_recordable(const sc_record_case *c, char *why, size_t whylen);

#endif
