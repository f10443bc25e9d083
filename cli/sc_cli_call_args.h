/* sc_cli_call_args: the options of `streamconform call` (usage text, parsing, cross-option
 * rules). Pure: no I/O but the usage text written to the stream it is given. */
#ifndef SC_CLI_CALL_ARGS_H
#define SC_CLI_CALL_ARGS_H

#include "sc_method.h"
#include "sc_md.h"
#include "sc_reconnect.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The seed's clients talk to localhost:50051. */
#define SC_CALL_DEFAULT_TARGET "localhost:50051"
/* The seed's upload chunk (64 KB). */
#define SC_CALL_DEFAULT_CHUNK 65536
/* Largest chunk: the message must stay under the core's default 4 MiB receive limit. */
#define SC_CALL_MAX_CHUNK (4 * 1024 * 1024 - 1024)
/* The seed's subscribe batch size. */
#define SC_CALL_DEFAULT_BATCH 5
/* Largest batch size the proto's int32 field is asked for: bounded to keep responses sane. */
#define SC_CALL_MAX_BATCH 100000
/* Most --topic options kept: topics travel in one request message. */
#define SC_CALL_MAX_TOPICS 1024
/* Largest --deadline-ms / backoff value: one day. */
#define SC_CALL_MAX_MS (24LL * 3600 * 1000)

/* -d: the request data of one call, and how many messages it may hold (a bidi session by hand,
 * not a load test: bench is that). */
#define SC_CALL_MAX_DATA_BYTES (64 * 1024 * 1024)
#define SC_CALL_MAX_MESSAGES 100000

/* Strings are borrowed from argv; md and requests are owned (sc_cli_call_args_free). */
typedef struct {
    sc_method method;
    const char *target;
    const char *subscription_id;
    const char *topics[SC_CALL_MAX_TOPICS]; /* borrowed from argv */
    size_t n_topics;
    int64_t batch_size;
    int64_t count; /* 0 = no limit */
    bool json;
    const char *file;
    int64_t chunk_size;
    const char *content_type;
    const char *user;
    bool reconnect;
    sc_reconnect_policy policy;
    int64_t deadline_ms;
    bool wait_for_ready;
    int64_t max_receive_bytes;
    const char *tls_ca;   /* --tls-ca FILE: TLS, trusting this CA bundle; NULL: plaintext */
    const char *tls_cert; /* --tls-cert/--tls-key: the client certificate (mTLS) */
    const char *tls_key;
    const char *authority; /* --authority NAME: :authority and the TLS name checked */
    sc_md_list md;         /* owned */
    bool verbose;
    const char *data;            /* -d JSON, -d @FILE, -d @- (stdin); NULL: from the flags */
    ProtobufCMessage **requests; /* owned: -d's messages of the method's request type */
    size_t n_requests;
    bool errors_json; /* --format json: an ended call's error as a JSON line */
    int compression;  /* --compress: the requests' encoding (sc_encoding); 0 identity */
    /* --accept-encoding: the encodings advertised in grpc-accept-encoding (SC_ENC_BIT set,
     * identity always in it); 0: the core's default (every encoding it has) */
    unsigned accept_encodings;
} sc_call_args;

/* The usage text (`call --help`). */
void sc_cli_call_args_usage(FILE *out);

/* Defaults: the seed clients' target, batch and chunk sizes, the default reconnect policy. */
void sc_cli_call_args_defaults(sc_call_args *a);
/* Release what the parse owns (metadata, -d's messages). */
void sc_cli_call_args_free(sc_call_args *a);

/* Parse argv (argv[0] is "call", argv[1] the method). 0 when parsed, 1 for --help, -1 with the
 * reason in `err`. a->md may hold headers in every case: free it. */
int sc_cli_call_args_parse(sc_call_args *a, int argc, char **argv, char *err, size_t errlen);

#endif
