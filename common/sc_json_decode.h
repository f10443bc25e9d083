/* sc_json_decode: internal to sc_json. cJSON tree -> protobuf-c message, allocated exactly as
 * protobuf-c's unpacker would (plain malloc), so protobuf_c_message_free_unpacked frees it, also
 * half-built after an error. What is accepted is listed in sc_json.h. */
#ifndef SC_JSON_DECODE_H
#define SC_JSON_DECODE_H

#include "sc_json_ctx.h"

#include <cjson/cJSON.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

/* A new, initialised message of type `desc` (calloc'd; the caller frees it with
 * protobuf_c_message_free_unpacked), or NULL when out of memory. */
ProtobufCMessage *sc_json_new_message(const ProtobufCMessageDescriptor *desc);

/* Decode the object `json` (only read) into `msg` (of type `desc`, owned by the caller). On
 * failure returns false with the error in `ctx`; what was linked into `msg` so far stays there
 * for the caller's protobuf_c_message_free_unpacked. */
bool sc_json_decode_message(sc_json_ctx *ctx, const ProtobufCMessageDescriptor *desc,
                            const cJSON *json, ProtobufCMessage *msg);

/* Record "out of memory" in `ctx`; returns false. */
bool sc_json_fail_oom(sc_json_ctx *ctx);

#endif
