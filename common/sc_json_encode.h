/* sc_json_encode: internal to sc_json. Message -> cJSON tree with protobuf's canonical proto3
 * JSON mapping (the rules are listed in sc_json.h); floats and doubles become cJSON_Raw items. */
#ifndef SC_JSON_ENCODE_H
#define SC_JSON_ENCODE_H

#include "sc_json_ctx.h"

#include <cjson/cJSON.h>
#include <protobuf-c/protobuf-c.h>

/* Encode `msg` (only read). Returns a new cJSON object owned by the caller, or NULL with the
 * error recorded in `ctx`. Recursion is bounded by SC_JSON_MAX_DEPTH. */
cJSON *sc_json_encode_message(sc_json_ctx *ctx, const ProtobufCMessage *msg);

#endif
