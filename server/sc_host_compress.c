#include "sc_host_compress.h"

#include <grpc/compression.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <stdint.h>
#include <string.h>

/* The C core's call_test_only.h, by symbol (C++ linkage). Present in libgrpc 1.51 (checked by
 * tests/integration/test_server_framing.c and the compression scenarios). */
extern grpc_compression_algorithm sc_core_incoming_algorithm(grpc_call *call) __asm__(
    "_Z45grpc_call_test_only_get_compression_algorithmP9grpc_call");
extern uint32_t sc_core_message_flags(grpc_call *call) __asm__(
    "_Z37grpc_call_test_only_get_message_flagsP9grpc_call");
/* The core's internal message flags (src/core/lib/transport/transport.h in 1.51): the compressed
 * flag as it arrived, and the mark its decompression filter leaves on a message it inflated. */
#define SC_CORE_WRITE_INTERNAL_COMPRESS 0x80000000u
#define SC_CORE_WRITE_INTERNAL_WAS_COMPRESSED 0x40000000u

sc_encoding sc_host_compress_incoming(grpc_call *call)
{
    grpc_compression_algorithm a = sc_core_incoming_algorithm(call);
    return a == GRPC_COMPRESS_DEFLATE ? SC_ENC_DEFLATE
           : a == GRPC_COMPRESS_GZIP  ? SC_ENC_GZIP
                                      : SC_ENC_IDENTITY;
}

bool sc_host_compress_last_compressed(grpc_call *call)
{
    return (sc_core_message_flags(call) &
            (SC_CORE_WRITE_INTERNAL_COMPRESS | SC_CORE_WRITE_INTERNAL_WAS_COMPRESSED)) != 0;
}

bool sc_host_compress_flag_without_encoding(grpc_call *call)
{
    return (sc_core_message_flags(call) & SC_CORE_WRITE_INTERNAL_COMPRESS) != 0 &&
           sc_core_incoming_algorithm(call) == GRPC_COMPRESS_NONE;
}

sc_encoding sc_host_compress_requested(const grpc_metadata *md, size_t n)
{
    for (size_t i = 0; md != NULL && i < n; i++) {
        if (grpc_slice_str_cmp(md[i].key, GRPC_COMPRESSION_REQUEST_ALGORITHM_MD_KEY) != 0)
            continue;
        char *v = grpc_slice_to_c_string(md[i].value);
        int enc = sc_encoding_by_name(v);
        gpr_free(v);
        return enc > 0 ? (sc_encoding)enc : SC_ENC_IDENTITY;
    }
    return SC_ENC_IDENTITY;
}
