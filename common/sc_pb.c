#include "sc_pb.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <stdlib.h>
#include <string.h>

grpc_byte_buffer *sc_pb_pack(const ProtobufCMessage *msg)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    grpc_slice slice = grpc_slice_malloc(len);
    protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(slice));
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    return bb;
}

size_t sc_pb_buffer_length(grpc_byte_buffer *bb)
{
    return bb == NULL ? 0 : grpc_byte_buffer_length(bb);
}

unsigned char *sc_pb_buffer_flatten(grpc_byte_buffer *bb, size_t *len)
{
    grpc_byte_buffer_reader reader;
    *len = 0;
    if (bb == NULL || !grpc_byte_buffer_reader_init(&reader, bb))
        return NULL;
    grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    size_t n = GRPC_SLICE_LENGTH(all);
    unsigned char *out = malloc(n > 0 ? n : 1);
    if (out != NULL) {
        memcpy(out, GRPC_SLICE_START_PTR(all), n);
        *len = n;
    }
    grpc_slice_unref(all);
    return out;
}

ProtobufCMessage *sc_pb_unpack(const ProtobufCMessageDescriptor *desc, grpc_byte_buffer *bb)
{
    size_t len = 0;
    unsigned char *data = sc_pb_buffer_flatten(bb, &len);
    if (data == NULL)
        return NULL;
    ProtobufCMessage *msg = protobuf_c_message_unpack(desc, NULL, len, data);
    free(data);
    return msg;
}

int sc_pb_view_open(sc_pb_view *v, grpc_byte_buffer *bb)
{
    *v = (sc_pb_view){0};
    if (bb != NULL && bb->type == GRPC_BB_RAW && bb->data.raw.compression == GRPC_COMPRESS_NONE &&
        bb->data.raw.slice_buffer.count == 1) {
        const grpc_slice *s = &bb->data.raw.slice_buffer.slices[0];
        v->data = GRPC_SLICE_START_PTR(*s);
        v->len = GRPC_SLICE_LENGTH(*s);
        return 0;
    }
    v->owned = sc_pb_buffer_flatten(bb, &v->len);
    v->data = v->owned;
    return v->owned != NULL ? 0 : -1;
}

void sc_pb_view_close(sc_pb_view *v)
{
    free(v->owned);
    *v = (sc_pb_view){0};
}
