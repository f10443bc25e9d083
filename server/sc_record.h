/* sc_record: the recording proxy (`streamconform record`) and what `streamconform replay` checks.
 *
 * - sc_record_case (contract/): what one proxied call did (plain data, times in ms since the call
 *   started); sc_scenario_write (contract/) makes it a scenario.
 * - sc_recorder: the proxy. Serves every path (generic calls, raw byte buffers) and forwards each
 *   call to the upstream over a channel of its own (C core on both sides), with the client's
 *   deadline and cancellation propagated (GRPC_PROPAGATE_DEFAULTS). One loop thread, one
 *   completion queue, one state machine per call with a tag per batch (as sc_server).
 * - sc_record_diff (contract/): replay's check of client messages and of the end of the stream. */
#ifndef SC_RECORD_H
#define SC_RECORD_H

#include "sc_host_tls.h"
#include "sc_md.h"
#include "sc_method.h"
#include "sc_record_case.h"
#include "sc_record_diff.h"
#include "sc_scenario_write.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Entries of --redact. */
#define SC_RECORD_MAX_REDACT 64

/* The scenario writer's options (contract/sc_scenario_write.h). */
typedef sc_scenario_write_opts sc_record_opts;

/* ---- the proxy ---- */

typedef struct sc_recorder sc_recorder;

typedef struct {
    const char *listen;     /* "HOST:PORT"; port 0 = any. Borrowed during create. */
    const sc_host_tls *tls; /* the downstream side's TLS; NULL: plaintext. Borrowed during create */
    const char *upstream;   /* "HOST:PORT" (any gRPC target). Borrowed during create. */
    int64_t max_calls;      /* stop after this many finished calls; 0 = no limit */
    int verbose;
    /* Called on the recorder's thread each time a finished call joins the recording (so that
     * `record --out` writes as it goes); NULL for none. `ctx` is the caller's. */
    void (*on_recorded)(void *ctx, const sc_recorder *r);
    void *ctx;
} sc_recorder_config;

/* Bind and start (grpc_init() first). NULL with a message naming what failed. */
sc_recorder *sc_recorder_create(const sc_recorder_config *cfg, char *err, size_t errlen);
int sc_recorder_port(const sc_recorder *r);
/* Proxy until sc_recorder_shutdown (or --max-calls finished calls); then give live calls 2 s
 * to end on their own, cancel the rest (they are not recorded), drain, return 0. One thread. */
int sc_recorder_run(sc_recorder *r);
/* Thread-safe, idempotent. */
void sc_recorder_shutdown(sc_recorder *r);
/* After run: the finished calls, in the order they started. Borrowed. */
size_t sc_recorder_count(const sc_recorder *r);
const sc_record_case *sc_recorder_case(const sc_recorder *r, size_t i);
void sc_recorder_destroy(sc_recorder *r);

/* {"scenarios": [...]} for every finished call, named recorded/<method>/<n> (n counts per method
 * from 1; <method> the CLI name, or "unknown"). Caller owns it. NULL with err on failure. */
cJSON *sc_recorder_scenarios(const sc_recorder *r, const sc_record_opts *opts, char *err,
                             size_t errlen);

#endif
