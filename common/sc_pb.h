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

#endif
