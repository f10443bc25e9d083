/* sc_host_compress: the server host's view of a call's compression (issue 14;
 * docs/peer-protocol.md "Compression"), over common/sc_core_compress (what the C core tells
 * beyond its public API) and the initial metadata the host sends. Owns nothing. */
#ifndef SC_HOST_COMPRESS_H
#define SC_HOST_COMPRESS_H

#include "sc_instr_compress.h"
#include "sc_md.h"

#include <cjson/cJSON.h>
#include <grpc/grpc.h>
#include <stdbool.h>
#include <stdint.h>

/* The request's grpc-encoding (identity when none). Valid once the call was accepted. */
sc_encoding sc_host_compress_incoming(grpc_call *call);
/* After a message arrived (the receive batch completed with one): did it carry the compressed
 * flag? */
bool sc_host_compress_last_compressed(grpc_call *call);
/* After a message arrived: the compressed flag without a grpc-encoding to decompress with (the
 * gRPC spec's INTERNAL; C core 1.51 hands the bytes on as they are). */
bool sc_host_compress_flag_without_encoding(grpc_call *call);
/* The encoding the server asked for its responses: the grpc-internal-encoding-request entry of
 * the initial metadata `md` (NULL or none: identity). */
sc_encoding sc_host_compress_requested(const grpc_metadata *md, size_t n);

/* An event's fields with "count" and "compressed" added: `o` (owned by the caller until now),
 * or a new object when NULL. Returns it (NULL only when out of memory). */
cJSON *sc_host_compress_count(cJSON *o, int64_t count, bool compressed);

#endif
