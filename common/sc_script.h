/* sc_script: a scripted server side (docs/scenario-format.md, "server.script"): the headers,
 * response messages with their delays, trailers and final status that the engine's scripted
 * server (`streamconform script-server`) plays for one call. Parsing and validation only; the
 * scenario loader and the scripted server both use it, so that what loads is what plays. No I/O. */
#ifndef SC_SCRIPT_H
#define SC_SCRIPT_H

#include "sc_md.h"
#include "sc_method.h"

#include <cjson/cJSON.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Responses in one script: a recorded stream is held in memory and replayed per call. */
#define SC_SCRIPT_MAX_RESPONSES 10000
/* Every delay: an hour, the driver's own limit on timeouts. */
#define SC_SCRIPT_MAX_MS 3600000
/* Status message and metadata values (after base64 decoding): they travel in HTTP/2 headers. */
#define SC_SCRIPT_MAX_TEXT 4096
/* Entries of `headers` and of `trailers` each: a recording of a real service holds a few. */
#define SC_SCRIPT_MAX_MD 256
/* One `raw` response (after base64 decoding): the largest message the peers accept (their
 * default receive limit, as the recording proxy's). */
#define SC_SCRIPT_MAX_RAW (4 * 1024 * 1024)

typedef struct {
    int64_t delay_ms;          /* after the previous output went out */
    ProtobufCMessage *message; /* owned; the method's response type; NULL for a raw response */
    unsigned char *raw;        /* owned; "raw": the bytes sent as given (message is NULL) */
    size_t raw_len;
} sc_script_response;

typedef struct {
    sc_method method;
    int64_t initial_delay_ms;      /* nothing goes out before call start + this */
    bool has_headers;              /* "headers" given (maybe {}): sent even when no response is */
    sc_md_list headers;            /* -bin values decoded */
    sc_script_response *responses; /* owned */
    size_t n_responses;
    int64_t status_delay_ms; /* status.delay_ms: after the last output (or the initial delay) */
    int status_code;
    char *status_message; /* owned, "" when absent */
    sc_md_list trailers;  /* -bin values decoded */
} sc_script;

/* Parse and validate `json` (the server.script object) for `method` into *out. A response is
 * {"delay_ms", "message"} (the method's response type, as JSON) or {"delay_ms", "raw"} (base64
 * of the bytes to send: a recorded message of another service, or one that does not decode). On
 * error returns -1 with "<path>.<field>: <reason>" in err, `path` naming the script itself (for
 * example "server.script" gives "server.script.responses[2].message.sequenceNumber: expected an
 * integer (number or string), got true"), and leaves *out empty (safe to sc_script_free). */
int sc_script_parse(sc_script *out, sc_method method, const cJSON *json, const char *path,
                    char *err, size_t errlen);
void sc_script_free(sc_script *s);

/* Does the script send initial metadata on its own (before the status)? Otherwise the status
 * goes out as a trailers-only response. */
static inline bool sc_script_sends_headers(const sc_script *s)
{
    return s->has_headers || s->n_responses > 0;
}

/* The sum of every delay: the least time the script takes to play. */
int64_t sc_script_total_delay_ms(const sc_script *s);

#endif
