/* sc_record_case: what one proxied call did, as plain data (times in ms since the call started):
 * the model the scenario writer (sc_scenario_write) reads. The recorder (server/sc_record.c)
 * captures it from the C core; no gRPC include (metadata is common/sc_md's gRPC-free list). */
#ifndef SC_RECORD_CASE_H
#define SC_RECORD_CASE_H

#include "sc_md.h"
#include "sc_method.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Messages kept per direction of one call: a scenario holds at most 10000 requests and a script
 * 10000 responses; the rest is still forwarded, not recorded. */
#define SC_RECORD_MAX_MESSAGES 10000
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

/* Zero-initialise with `sc_record_case c = {0};`; free leaves it zeroed. */
void sc_record_case_free(sc_record_case *c);
/* Append a copy of a message; 0, or -1 on allocation failure (counted as dropped past the cap). */
int sc_record_case_add(sc_record_case *c, bool request, const unsigned char *data, size_t len,
                       int64_t at_ms);

/* Keys forwarded neither way nor recorded: the transport's own (grpc-* but
 * grpc-retry-pushback-ms, content-type, te, user-agent, host, :pseudo). */
bool sc_record_key_reserved(const char *key);

#endif
