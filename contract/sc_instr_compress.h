/* sc_instr_compress: the instruction's "compression" object (issue 14, client feature
 * "compression"; docs/peer-protocol.md "Client driver"): the call's request encoding, the
 * requests sent with the no-compress flag, and the encodings the client accepts (its
 * grpc-accept-encoding). Plain data and its parser; pure, no gRPC include. */
#ifndef SC_INSTR_COMPRESS_H
#define SC_INSTR_COMPRESS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The message encodings every gRPC library of the matrix knows (gRPC doc/compression.md). */
typedef enum {
    SC_ENC_IDENTITY = 0,
    SC_ENC_DEFLATE = 1,
    SC_ENC_GZIP = 2,
} sc_encoding;
#define SC_ENC_COUNT 3
/* Bit of an encoding in an accept set. */
#define SC_ENC_BIT(enc) (1u << (unsigned)(enc))
/* Most no_compress indices: one per request at most. */
#define SC_INSTR_MAX_NO_COMPRESS 1024

typedef struct {
    bool given;            /* the instruction had "compression" */
    sc_encoding algorithm; /* the call's request encoding (grpc-encoding) */
    bool has_accept;       /* "accept" given: else the library's default advertisement */
    unsigned accept;       /* SC_ENC_BIT set; identity always included */
    int64_t *no_compress;  /* owned; request indices sent with the no-compress flag */
    size_t n_no_compress;
} sc_instr_compression;

/* "gzip", "deflate", "identity"; NULL when out of range. */
const char *sc_encoding_name(sc_encoding enc);
/* The encoding named `name` (exact, lower case), or -1. */
int sc_encoding_by_name(const char *name);

/* Parse root["compression"] (absent or null: not given). Returns 0, or -1 with
 * "compression.<member>: <reason>" in err. `out` is zeroed first; free with
 * sc_instr_compression_free. */
int sc_instr_compression_parse(const cJSON *root, sc_instr_compression *out, char *err,
                               size_t errlen);
/* True when request `index` is to be sent with the no-compress flag. */
bool sc_instr_compression_skip(const sc_instr_compression *c, size_t index);
void sc_instr_compression_free(sc_instr_compression *c);

#endif
