/* sc_core_compress: what the C core 1.51 tells of a call's compression beyond its public API
 * (issue 14; docs/peer-protocol.md "Compression"). The core takes grpc-encoding out of the
 * metadata it hands the application and decompresses in its own filter; its test-only call
 * accessors (src/core/lib/surface/call_test_only.h, exported by libgrpc with C++ linkage, in no
 * public header) say what arrived. Declared in sc_core_compress.c by their symbol names; the
 * server host and the client call both use them. Owns nothing. */
#ifndef SC_CORE_COMPRESS_H
#define SC_CORE_COMPRESS_H

#include <grpc/grpc.h>
#include <stdbool.h>
#include <stdint.h>

/* The encoding of what the peer sends on this call (its grpc-encoding; GRPC_COMPRESS_NONE when
 * none or one the core does not know). Valid once the peer's initial metadata arrived. */
grpc_compression_algorithm sc_core_incoming_encoding(grpc_call *call);
/* After a message arrived: did it carry the compressed flag (decompressed by the core, or left
 * as it was because no encoding was negotiated)? */
bool sc_core_last_message_compressed(grpc_call *call);
/* After a message arrived: the compressed flag with no encoding to decompress it with. */
bool sc_core_last_message_flag_unencoded(grpc_call *call);

#endif
