/* sc_record: the recording proxy (`streamconform record`) and what `streamconform replay` checks.
 *
 * - sc_record_case: what one proxied call did (pure data, times in ms since the call started), and
 *   how it becomes a scenario (docs/scenario-format.md, "Recorded scenarios"): client section,
 *   server.script, expect. No I/O.
 * - sc_recorder: the proxy. Serves every path (generic calls, raw byte buffers) and forwards each
 *   call to the upstream over a channel of its own (C core on both sides), with the client's
 *   deadline and cancellation propagated (GRPC_PROPAGATE_DEFAULTS). One loop thread, one
 *   completion queue, one state machine per call with a tag per batch (as sc_server).
 * - sc_record_diff: canonical JSON compared field by field (replay's check of client messages). */
#ifndef SC_RECORD_H
#define SC_RECORD_H

#include "sc_md.h"
#include "sc_method.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Messages kept per direction of one call: a scenario holds at most 10000 requests and a script
 * 10000 responses; the rest is still forwarded, not recorded. */
#define SC_RECORD_MAX_MESSAGES 10000
/* Entries of --redact. */
#define SC_RECORD_MAX_REDACT 64
/* What a redacted metadata value becomes (base64 of it for -bin keys). */
#define SC_RECORD_REDACTED "<redacted>"

typedef struct {
    unsigned char *data; /* owned */
    size_t len;
    int64_t at_ms; /* since the call started */
} sc_record_msg;

typedef enum {
    SC_RECORD_END_STATUS = 0, /* the upstream's status reached the client */
    SC_RECORD_END_CANCELLED,  /* the client cancelled */
    SC_RECORD_END_DEADLINE,   /* the client's deadline passed */
    SC_RECORD_END_INCOMPLETE  /* the proxy stopped first */
} sc_record_end;

typedef struct {
    char *path;           /* owned, "/streaming.DataService/Chat" */
    sc_method method;     /* SC_METHOD_UNKNOWN for any other path */
    int64_t timeout_ms;   /* the client's deadline at the start; -1 for none */
    sc_md_list client_md; /* as received */
    sc_record_msg *requests;
    size_t n_requests, cap_requests, dropped_requests;
    bool half_close;
    bool has_headers; /* the upstream's initial metadata arrived */
    int64_t headers_ms;
    sc_md_list headers;
    sc_record_msg *responses;
    size_t n_responses, cap_responses, dropped_responses;
    size_t delivered; /* responses the client's transport took */
    sc_md_list trailers;
    int status_code;
    char *status_message; /* owned */
    int64_t status_ms;
    sc_record_end end;
    int64_t end_ms; /* cancel / deadline time */
} sc_record_case;

void sc_record_case_free(sc_record_case *c);
/* Append a copy of a message; 0, or -1 on allocation failure (counted as dropped past the cap). */
int sc_record_case_add(sc_record_case *c, bool request, const unsigned char *data, size_t len,
                       int64_t at_ms);

typedef struct {
    const char *const *redact; /* metadata keys whose values are replaced */
    size_t n_redact;
} sc_record_opts;

/* The scenario of one recorded call, named `name` ("recorded/subscribe/2"). A call on a path
 * outside DataService ("recorded/unknown/1") is written under the nominal method Chat with
 * client.path the recorded path, its requests {"$raw": base64} and its script's responses
 * {"delay_ms", "raw"}. NULL with a reason
 * in err (allocation failure only: anything the format cannot hold is dropped or replaced, and
 * said in the scenario's summary). Caller owns it. */
cJSON *sc_record_case_scenario(const sc_record_case *c, const char *name,
                               const sc_record_opts *opts, char *err, size_t errlen);

/* Can the scenario format hold this call? A call on a path outside DataService is held with raw
 * messages when client.path can name its path ("/package.Service/Method", segments
 * [A-Za-z0-9_.], at most 256 characters). Not a DataService call whose messages do not decode as
 * the method's types (the recording is for the drivers, which send proto messages), nor another
 * path: such calls are forwarded but left out of the recording, with the reason in `why`. */
bool sc_record_case_recordable(const sc_record_case *c, char *why, size_t whylen);

/* Keys forwarded neither way nor recorded: the transport's own (grpc-* but
 * grpc-retry-pushback-ms, content-type, te, user-agent, host, :pseudo). */
bool sc_record_key_reserved(const char *key);

/* ---- the proxy ---- */

typedef struct {
    const char *listen;   /* "HOST:PORT"; port 0 = any. Borrowed during create. */
    const char *upstream; /* "HOST:PORT" (any gRPC target). Borrowed during create. */
    int64_t max_calls;    /* stop after this many finished calls; 0 = no limit */
    int verbose;
} sc_recorder_config;

typedef struct sc_recorder sc_recorder;

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

/* ---- replay's check ---- */

/* Compare two canonical JSON values (sc_json output; numbers may be raw items). Appends at most
 * `max` lines "<path>: expected <e>, actual <a>" (path "" + field names, [i] for arrays, e.g.
 * "dataPoints[1].metadata.topic") to *out (a cJSON array of strings). Returns the number of
 * differences found (all of them, even past max). */
size_t sc_record_diff(const cJSON *expected, const cJSON *actual, const char *path, cJSON *out,
                      size_t max);

/* How a replayed call's end of the client stream compares with the recording's: the recorded
 * client sent `recorded` messages and half-closed (`recorded_half_close`) or not; the live one sent
 * `received` and half-closed before the replayed status went out (`half_close`) or not, or cut the
 * call off (`cut`: cancel, deadline). Writes one line and returns true when they differ:
 * - a half-close after a different number of messages, or one the recording does not have;
 * - no half-close (the call not cut off) where the recording has one;
 * - fewer messages than recorded when the status went out (neither side half-closed).
 * Messages past the recorded ones are each reported by the message check; a cut-off call is
 * only judged by the half-close it did send. */
bool sc_record_end_diff(size_t recorded, bool recorded_half_close, size_t received, bool half_close,
                        bool cut, char *line, size_t linelen);

#endif
