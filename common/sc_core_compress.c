#include "sc_core_compress.h"

#include <grpc/compression.h>

/* The core's call_test_only.h, by symbol (C++ linkage). Present in libgrpc 1.51: the framing
 * test and the compression scenarios fail if a core upgrade changes them. */
extern grpc_compression_algorithm sc_core_test_only_algorithm(grpc_call *call) __asm__(
    "_Z45grpc_call_test_only_get_compression_algorithmP9grpc_call");
extern uint32_t sc_core_test_only_message_flags(grpc_call *call) __asm__(
    "_Z37grpc_call_test_only_get_message_flagsP9grpc_call");

/* The core's internal message flags (src/core/lib/transport/transport.h in 1.51): the compressed
 * flag as it arrived, and the mark its decompression filter leaves on a message it inflated. */
#define SC_CORE_WRITE_INTERNAL_COMPRESS 0x80000000u
#define SC_CORE_WRITE_INTERNAL_WAS_COMPRESSED 0x40000000u

grpc_compression_algorithm sc_core_incoming_encoding(grpc_call *call)
{
    grpc_compression_algorithm a = sc_core_test_only_algorithm(call);
    return a == GRPC_COMPRESS_DEFLATE || a == GRPC_COMPRESS_GZIP ? a : GRPC_COMPRESS_NONE;
}

bool sc_core_last_message_compressed(grpc_call *call)
{
    return (sc_core_test_only_message_flags(call) &
            (SC_CORE_WRITE_INTERNAL_COMPRESS | SC_CORE_WRITE_INTERNAL_WAS_COMPRESSED)) != 0;
}

bool sc_core_last_message_flag_unencoded(grpc_call *call)
{
    return (sc_core_test_only_message_flags(call) & SC_CORE_WRITE_INTERNAL_COMPRESS) != 0 &&
           sc_core_test_only_algorithm(call) == GRPC_COMPRESS_NONE;
}
