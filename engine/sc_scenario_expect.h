/* sc_scenario_expect: a scenario's expect section as typed data, parsed once when the scenario
 * loads (sc_scenario_parse_expect, sc_scenario_expect.c); the judge (sc_scenario_judge*.c) reads
 * these fields and never looks a key up in the section. Everything is owned by the sc_expect and
 * released with sc_expect_free. */
#ifndef SC_SCENARIO_EXPECT_H
#define SC_SCENARIO_EXPECT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most messages expect.server.received_compressed / sent_compressed name: a bit mask of 64. */
#define SC_EXPECT_MAX_COMPRESSED 64
#include <stdint.h>

/* A count or a duration: exact (min == max), at least (max = INT64_MAX), or between. */
typedef struct {
    bool given; /* false: nothing expected */
    int64_t min, max;
} sc_expect_range;

typedef enum {
    SC_EXPECT_MD_VALUE = 0, /* this exact text */
    SC_EXPECT_MD_PRESENT,   /* {"present": true} */
    SC_EXPECT_MD_ABSENT,    /* {"present": false} */
} sc_expect_md_kind;

typedef struct {
    char *key;
    sc_expect_md_kind kind;
    char *value; /* SC_EXPECT_MD_VALUE only */
} sc_expect_md_entry;

typedef struct {
    bool given;
    sc_expect_md_entry *items;
    size_t count;
} sc_expect_md;

/* One entry of response_contents: the response at `index` (from the end when negative) holds
 * `match` (a subset of its canonical JSON; $per_case names resolved per case). */
typedef struct {
    bool skip; /* null: no expectation at this position */
    int64_t index;
    cJSON *match;
} sc_expect_content;

typedef struct {
    bool given;
    bool beyond_calls; /* an expectation other than `calls` and `call_gaps_ms` (these need the
                          call's events) */
    sc_expect_range calls, deadline_ms, messages_received, messages_sent;
    /* Each gap between two consecutive call starts of the case (server clock): the library's own
     * retry backoff, pushback and hedging delay as the server saw them. */
    sc_expect_range call_gaps_ms;
    bool has_cancelled, cancelled;
    bool has_deadline_exceeded, deadline_exceeded;
    int status;           /* -1: none expected */
    char *status_message; /* NULL: none expected */
    sc_expect_md metadata;
    /* Compression (issue 14): call_start.encoding (-1: not expected, else an sc_encoding), and
     * per message whether it was compressed (message_received/message_sent "compressed"): bit i
     * of the mask for message i, n of them (-1: not expected). */
    int request_encoding;
    int n_received_compressed, n_sent_compressed;
    uint64_t received_compressed, sent_compressed;
} sc_expect_server;

typedef struct {
    bool given;
    sc_expect_range count;
    bool has_codes;
    int *codes;
    size_t n_codes;
    bool schedule;        /* check the gaps against the client's reconnect policy */
    int64_t tolerance_ms; /* of the schedule */
} sc_expect_attempts;

typedef struct {
    bool given;
    sc_expect_range connections;
    bool schedule; /* check the accept times against this connection-backoff policy */
    int64_t initial_ms, max_ms, tolerance_ms;
    double multiplier, jitter;
} sc_expect_network;

typedef struct {
    int status;
    int *other_codes;
    size_t n_other_codes;
    char *message;          /* NULL: not expected */
    char *message_contains; /* NULL: not expected */
    sc_expect_range responses;
    cJSON *response_filter; /* NULL: every response counts */
    bool has_contents;
    sc_expect_content *contents;
    size_t n_contents;
    sc_expect_md headers, trailers;
    sc_expect_range elapsed_ms, first_response_ms;
    sc_expect_server server;
    int response_encoding; /* issue 14: the result's response_encoding (sc_encoding); -1: none */
    sc_expect_attempts attempts;
    sc_expect_network network;
} sc_expect;

void sc_expect_free(sc_expect *e);

#endif
