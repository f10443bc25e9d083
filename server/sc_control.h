/* sc_control: the request metadata that makes a server misbehave on purpose
 * (docs/peer-protocol.md, "Control metadata"). Pure parsing, no I/O. */
#ifndef SC_CONTROL_H
#define SC_CONTROL_H

#include "sc_md.h"

#include <stdbool.h>
#include <stdint.h>

/* Longest delay a control key may ask for: a test server never needs to sleep longer than an
 * hour, and the cap keeps timer arithmetic far from overflow. */
#define SC_CONTROL_MAX_DELAY_MS 3600000
/* Largest count (max-responses, fail-after): far beyond any test, far below int overflow. */
#define SC_CONTROL_MAX_COUNT 1000000000
/* Longest x-sc-fail-message / x-sc-case kept: status messages travel in an HTTP/2 header. */
#define SC_CONTROL_MAX_TEXT 4096

#define SC_KEY_CASE "x-sc-case"
#define SC_KEY_INITIAL_DELAY "x-sc-initial-delay-ms"
#define SC_KEY_RESPONSE_DELAY "x-sc-response-delay-ms"
#define SC_KEY_MAX_RESPONSES "x-sc-max-responses"
#define SC_KEY_FAIL_CODE "x-sc-fail-code"
#define SC_KEY_FAIL_MESSAGE "x-sc-fail-message"
#define SC_KEY_FAIL_AFTER "x-sc-fail-after"
#define SC_KEY_FAIL_CALLS "x-sc-fail-calls"
#define SC_KEY_RETRY_PUSHBACK "x-sc-retry-pushback-ms"
#define SC_KEY_ECHO "x-sc-echo"
#define SC_KEY_LAZY_HEADERS "x-sc-lazy-headers"
#define SC_KEY_ECHO_INITIAL "x-grpc-test-echo-initial"
#define SC_KEY_ECHO_TRAILING "x-grpc-test-echo-trailing-bin"
#define SC_KEY_COMPRESS_RESPONSES "x-sc-compress-responses"
#define SC_KEY_NO_COMPRESS_RESPONSES "x-sc-no-compress-responses"
/* Responses x-sc-no-compress-responses can name: a bit mask of the first 64. */
#define SC_CONTROL_MAX_NO_COMPRESS 64
/* The C core's per-call response-encoding request in initial metadata
 * (GRPC_COMPRESSION_REQUEST_ALGORITHM_MD_KEY of grpc/compression.h; this module has no gRPC
 * include). */
#define SC_CORE_ENCODING_REQUEST_KEY "grpc-internal-encoding-request"

typedef struct {
    char *case_id;             /* owned; NULL when absent */
    int64_t initial_delay_ms;  /* 0 when absent */
    int64_t response_delay_ms; /* -1 when absent (SubscribeData then uses the tick) */
    int64_t max_responses;     /* -1 when absent */
    bool fail;                 /* x-sc-fail-code present */
    int fail_code;
    char *fail_message; /* owned; NULL when absent */
    int64_t fail_after; /* 0 when absent */
    int64_t fail_calls; /* 0 when absent (every call fails); else only the case's first N calls */
    int64_t retry_pushback_ms; /* -1 when absent; sent as grpc-retry-pushback-ms with the failure */
    bool echo;                 /* x-sc-echo: Chat sends each received message back too */
    /* x-sc-lazy-headers: the headers wait for the first response message; a call that ends
     * before one gets a trailers-only response (which a client library may retry, gRFC A6) */
    bool lazy_headers;
    /* x-sc-compress-responses (issue 14): the response encoding (an sc_encoding; identity when
     * absent). The initial metadata below then carries the C core's per-call request for it,
     * GRPC_COMPRESSION_REQUEST_ALGORITHM_MD_KEY, which the core takes out before sending. */
    int compress_responses;
    /* x-sc-no-compress-responses "0,2": bit i set = response i (0-based) goes uncompressed
     * (GRPC_WRITE_NO_COMPRESS) */
    uint64_t no_compress_responses;
    sc_md_list echo_initial;  /* entries to send as initial metadata (echoes, the above) */
    sc_md_list echo_trailing; /* entries to send back as trailing metadata */
} sc_control;

/* Parse the control keys out of `md`. On error returns -1, writes "<key>: <reason>" into err and
 * leaves *ctl freed (safe to sc_control_free again). Other keys are ignored. */
int sc_control_parse(sc_control *ctl, const sc_md_list *md, char *err, size_t errlen);

/* Release what sc_control_parse allocated. Idempotent. */
void sc_control_free(sc_control *ctl);

/* Parse a non-negative decimal integer <= max (no sign, no spaces). Exposed for tests. */
bool sc_control_parse_count(const char *text, int64_t max, int64_t *out);

#endif
