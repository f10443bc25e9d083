#include "sc_host_compress.h"

#include "sc_core_compress.h"

#include <grpc/compression.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <string.h>

sc_encoding sc_host_compress_incoming(grpc_call *call)
{
    grpc_compression_algorithm a = sc_core_incoming_encoding(call);
    return a == GRPC_COMPRESS_DEFLATE ? SC_ENC_DEFLATE
           : a == GRPC_COMPRESS_GZIP  ? SC_ENC_GZIP
                                      : SC_ENC_IDENTITY;
}

bool sc_host_compress_last_compressed(grpc_call *call)
{
    return sc_core_last_message_compressed(call);
}

bool sc_host_compress_flag_without_encoding(grpc_call *call)
{
    return sc_core_last_message_flag_unencoded(call);
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

cJSON *sc_host_compress_count(cJSON *o, int64_t count, bool compressed)
{
    if (o == NULL)
        o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)count);
    cJSON_AddBoolToObject(o, "compressed", compressed);
    return o;
}
