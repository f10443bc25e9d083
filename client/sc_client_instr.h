/* sc_client_instr: one client-driver instruction (docs/peer-protocol.md, "Client driver
 * protocol") parsed from its JSON line into the C client's own types: a thin conversion over the
 * contract's parser (contract/sc_instr), which owns the format, its limits and its defaults.
 * Pure: no I/O, no clocks. */
#ifndef SC_CLIENT_INSTR_H
#define SC_CLIENT_INSTR_H

#include "sc_client_call.h"
#include "sc_client_channel.h"
#include "sc_instr.h"
#include "sc_method.h"
#include "sc_md.h"
#include "sc_reconnect.h"

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *case_id; /* owned; NULL when the line had no usable "case" */
    char *target;  /* owned */
    sc_method method;
    char *path;                  /* owned; the wire path instead of the method's, or NULL */
    sc_md_list metadata;         /* owned; -bin values decoded from base64 */
    int64_t timeout_ms;          /* gRPC deadline of each attempt */
    int64_t start_delay_ms;      /* wait this long after reading the instruction before starting */
    int64_t read_pause_ms;       /* read no response before this long after an attempt started */
    ProtobufCMessage **requests; /* owned (protobuf_c_message_free_unpacked) */
    size_t n_requests;
    int64_t request_delay_ms; /* request i is sent i * request_delay_ms after the attempt starts */
    bool half_close;          /* half-close after the last request (default true) */
    bool pingpong;            /* request i (i >= 1) only once the attempt has i responses */
    bool wait_for_ready;
    sc_client_cancel_plan cancel;
    bool reconnect;
    sc_reconnect_policy policy;
    sc_instr_tls tls;               /* owned: channel.tls (ca_file NULL: plaintext) */
    sc_client_channel_opts channel; /* its tls_* and authority point into `tls` */
    char *service_config;           /* owned; channel.service_config points here (or both NULL) */
    /* owned: "compression"; the channel's compression options and the calls' no_compress list
     * point into it */
    sc_instr_compression compression;
    char *share; /* owned; channel.share: the name of a channel shared with other instructions */
} sc_client_instr;

/* Parse one instruction line. Returns 0, or -1 with "<field>: <reason>" in `err` (the field is a
 * JSON path such as "requests[2].batchSize" or "cancel"; "(line)" when the line is not a JSON
 * object). Even on failure out->case_id is set when the line named its case, so the error result
 * can carry it. Always release `out` with sc_client_instr_free. */
int sc_client_instr_parse(const char *line, sc_client_instr *out, char *err, size_t errlen);

void sc_client_instr_free(sc_client_instr *in);

#endif
