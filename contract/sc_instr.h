/* sc_instr: one client-driver instruction (docs/peer-protocol.md, "Client driver protocol") as
 * plain data, its parser and its writer. The contract between the engine, which writes one per
 * case from a scenario, and every client driver, which parses it: the engine validates a
 * scenario's client section with this very parser (no text round trip), and the C driver
 * (client/sc_client_instr) converts the result to its call options. Pure: no I/O, no clocks, no
 * gRPC include. */
#ifndef SC_INSTR_H
#define SC_INSTR_H

#include "sc_instr_compress.h"
#include "sc_md.h"
#include "sc_method.h"

#include <cjson/cJSON.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An instruction without timeout_ms still ends: the gRPC deadline of each attempt. */
#define SC_INSTR_DEFAULT_TIMEOUT_MS 60000
/* Longest timeout / delay an instruction may ask for: an hour is beyond any scenario. */
#define SC_INSTR_MAX_MS 3600000
/* Attempts when `reconnect` sets no max_attempts: a driver instruction must end. */
#define SC_INSTR_DEFAULT_MAX_ATTEMPTS 10
/* Most requests one instruction may carry: they are all held in memory. */
#define SC_INSTR_MAX_REQUESTS 100000
/* Longest `path`: a gRPC method path is "/package.Service/Method"; longer is no real method. */
#define SC_INSTR_MAX_PATH 256
/* Longest channel.service_config, printed compactly: a service config with a few method configs
 * is under 2 KiB; 64 KiB is the scenario format's limit on any string. */
#define SC_INSTR_MAX_SERVICE_CONFIG 65536

/* The reconnect policy's defaults (the gRPC connection-backoff spec's numbers; the C client's
 * sc_reconnect_policy_default has the same, tests/unit/test_client_instr.c checks it). */
#define SC_INSTR_DEFAULT_BACKOFF_INITIAL_MS 1000
#define SC_INSTR_DEFAULT_BACKOFF_MULTIPLIER 1.6
#define SC_INSTR_DEFAULT_BACKOFF_JITTER 0.2
#define SC_INSTR_DEFAULT_BACKOFF_MAX_MS 120000
#define SC_INSTR_DEFAULT_EXHAUSTED_MS 30000
/* Bit of a status code in retry_codes. */
#define SC_INSTR_CODE_BIT(code) (1u << (unsigned)(code))

typedef enum {
    SC_INSTR_CANCEL_NONE = 0,
    SC_INSTR_CANCEL_BEFORE_SEND,        /* right after the call starts, before any request */
    SC_INSTR_CANCEL_AFTER_RESPONSES,    /* when response number n has been delivered */
    SC_INSTR_CANCEL_AFTER_MS,           /* n ms after the call started */
    SC_INSTR_CANCEL_AFTER_CLOSE_SEND_MS /* n ms after the half-close completed */
} sc_instr_cancel_kind;

typedef struct {
    sc_instr_cancel_kind kind;
    int64_t n;
} sc_instr_cancel;

typedef struct {
    int64_t initial_ms, max_ms; /* backoff: first delay, cap on the un-jittered delay */
    double multiplier, jitter;
    int64_t exhausted_backoff_ms; /* fixed wait after RESOURCE_EXHAUSTED */
    int max_attempts;             /* total attempts, including the first */
    uint32_t retry_codes;         /* SC_INSTR_CODE_BIT set */
    bool honor_pushback;
} sc_instr_policy;

/* Longest channel.tls.authority: a DNS name is at most 253 bytes, ":port" adds 6. */
#define SC_INSTR_MAX_AUTHORITY 260

/* channel.tls (issue 14): the channel uses TLS when ca_file is set. Every string owned. */
typedef struct {
    char *ca_file;   /* PEM bundle the server certificate must chain to; NULL: plaintext */
    char *cert_file; /* the client's certificate chain for mTLS, or NULL (with key_file) */
    char *key_file;  /* its private key, or NULL (with cert_file) */
    char *authority; /* the :authority and the name checked against the server certificate,
                        or NULL: the target's host */
} sc_instr_tls;

/* Longest channel.share name: a case id and a short suffix ($per_case) fit. */
#define SC_INSTR_MAX_SHARE 1100

/* Client keepalive (channel.keepalive_time_ms, keepalive_timeout_ms,
 * keepalive_permit_without_calls; client feature "keepalive"): 0 / false = the library's
 * default (no keepalive pings). */
typedef struct {
    int time_ms;               /* send a ping after this long without activity */
    int timeout_ms;            /* a ping unanswered this long closes the connection */
    bool permit_without_calls; /* ping also with no call in flight */
} sc_instr_keepalive;

typedef struct {
    int max_receive_bytes; /* 0 = the core's default, as the other three */
    int max_send_bytes;    /* grpc.max_send_message_length; 0 = the library's default */
    int initial_reconnect_backoff_ms;
    int min_reconnect_backoff_ms;
    int max_reconnect_backoff_ms;
    bool no_bdp_probe; /* "bdp_probe": false */
    /* Owned; channel.service_config printed compactly (the gRPC service config, gRFC A2/A6: the
     * library's own retries), or NULL. Checked to be an object only: its meaning is the
     * library's. */
    char *service_config;
    sc_instr_tls tls;
    sc_instr_keepalive keepalive;
    /* Owned; channel.share (client feature "share-channel"): instructions in flight on one
     * driver with the same name use one channel (one connection), or NULL: a channel of its own. */
    char *share;
} sc_instr_channel;

typedef struct {
    char *case_id; /* owned; NULL when the line had no usable "case" */
    char *target;  /* owned */
    sc_method method;
    char *path;                  /* owned; the wire path instead of the method's, or NULL */
    sc_md_list md;               /* owned, in order; -bin values decoded from base64 */
    int64_t timeout_ms;          /* gRPC deadline of each attempt */
    int64_t start_delay_ms;      /* wait this long after reading the instruction before starting */
    int64_t read_pause_ms;       /* read no response before this long after an attempt started */
    ProtobufCMessage **requests; /* owned (protobuf_c_message_free_unpacked) */
    size_t n_requests;
    int64_t request_delay_ms; /* request i is sent i * request_delay_ms after the attempt starts */
    bool half_close;          /* half-close after the last request (default true) */
    bool pingpong;            /* request i (i >= 1) only once the attempt has i responses */
    bool wait_for_ready;
    sc_instr_cancel cancel;
    bool reconnect;
    sc_instr_policy policy; /* the defaults when !reconnect */
    sc_instr_channel channel;
    sc_instr_compression compression; /* "compression" (client feature "compression") */
} sc_instr;

/* Parse one instruction line. Returns 0, or -1 with "<field>: <reason>" in `err` (the field is a
 * JSON path such as "requests[2].batchSize" or "cancel"; "(line)" when the line is not a JSON
 * object). Even on failure out->case_id is set when the line named its case. Always release
 * `out` with sc_instr_free. */
int sc_instr_parse(const char *line, sc_instr *out, char *err, size_t errlen);
/* The same from a parsed instruction object (only read). */
int sc_instr_from_json(const cJSON *root, sc_instr *out, char *err, size_t errlen);
void sc_instr_free(sc_instr *in);
/* Frees the strings of `t` and empties it (sc_instr_free does it for the instruction's). */
void sc_instr_tls_free(sc_instr_tls *t);

/* The writer: the instruction for one case. `client` is a scenario's client section (its members
 * copied as they are; its "metadata" first in "metadata"), `control` an object of control
 * metadata added after it, then "x-sc-case": case_id. Both only read. Caller owns the result;
 * NULL on allocation failure. */
cJSON *sc_instr_write(const cJSON *client, const cJSON *control, sc_method method,
                      const char *case_id, const char *target);

#endif
