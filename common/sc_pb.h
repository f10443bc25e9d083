/* sc_pb: protobuf-c messages <-> gRPC byte buffers. */
#ifndef SC_PB_H
#define SC_PB_H

#include <grpc/byte_buffer.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Serialize `msg` into a new byte buffer. Caller owns the result (grpc_byte_buffer_destroy).
 * Returns NULL only on allocation failure. */
grpc_byte_buffer *sc_pb_pack(const ProtobufCMessage *msg);

/* Parse `bb` as a message of `desc`. Caller owns the result (protobuf_c_message_free_unpacked
 * with a NULL allocator). Returns NULL when the bytes are not a valid message. */
ProtobufCMessage *sc_pb_unpack(const ProtobufCMessageDescriptor *desc, grpc_byte_buffer *bb);

/* Total payload bytes in a byte buffer (0 for NULL). */
size_t sc_pb_buffer_length(grpc_byte_buffer *bb);

/* Copy a byte buffer's payload into one malloc'd block (caller frees); *len gets its size.
 * Returns NULL on allocation failure; a zero-length payload gives a non-NULL 1-byte block. */
unsigned char *sc_pb_buffer_flatten(grpc_byte_buffer *bb, size_t *len);

/* A byte buffer's payload as one contiguous block: the buffer's own single uncompressed slice
 * when it is one (no copy; valid while `bb` lives and is not modified), else a flattened copy
 * (sc_pb_buffer_flatten) the view owns. */
typedef struct {
    const unsigned char *data;
    size_t len;
    unsigned char *owned; /* the copy, or NULL when `data` points into the buffer */
} sc_pb_view;

/* Fill `v` for `bb` (borrowed; it must outlive the view). 0, or -1 (no memory, or NULL bb). */
int sc_pb_view_open(sc_pb_view *v, grpc_byte_buffer *bb);
/* Free the copy, if any. */
void sc_pb_view_close(sc_pb_view *v);

#endif
