#include "sc_json.h"
#include "sc_suggest.h"

#include "sc_json_ctx.h"
#include "sc_json_decode.h"
#include "sc_json_encode.h"
#include "streaming.pb-c.h"

#include <stdlib.h>
#include <string.h>

/* ---- public API ---- */

cJSON *sc_json_from_message(const ProtobufCMessage *msg, char *err, size_t errlen)
{
    sc_json_ctx ctx;
    sc_json_ctx_init(&ctx, err, errlen);
    if (msg == NULL) {
        sc_json_fail(&ctx, "no message given");
        return NULL;
    }
    return sc_json_encode_message(&ctx, msg);
}

ProtobufCMessage *sc_json_to_message(const ProtobufCMessageDescriptor *desc, const cJSON *json,
                                     char *err, size_t errlen)
{
    sc_json_ctx ctx;
    sc_json_ctx_init(&ctx, err, errlen);
    if (desc == NULL || desc->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC) {
        sc_json_fail(&ctx, "no valid message descriptor given");
        return NULL;
    }
    ProtobufCMessage *msg = sc_json_new_message(desc);
    if (msg == NULL) {
        sc_json_fail_oom(&ctx);
        return NULL;
    }
    if (!sc_json_decode_message(&ctx, desc, json, msg)) {
        protobuf_c_message_free_unpacked(msg, NULL);
        return NULL;
    }
    return msg;
}

char *sc_json_message_to_string(const ProtobufCMessage *msg, char *err, size_t errlen)
{
    cJSON *json = sc_json_from_message(msg, err, errlen);
    if (json == NULL)
        return NULL;
    char *printed = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    /* Copy so the caller can use free() whatever allocator hooks cJSON was given. */
    char *text = printed != NULL ? sc_json_strdup(printed) : NULL;
    cJSON_free(printed);
    if (text == NULL) {
        sc_json_ctx ctx;
        sc_json_ctx_init(&ctx, err, errlen);
        sc_json_fail_oom(&ctx);
    }
    return text;
}

ProtobufCMessage *sc_json_message_from_string(const ProtobufCMessageDescriptor *desc,
                                              const char *text, char *err, size_t errlen)
{
    sc_json_ctx ctx;
    sc_json_ctx_init(&ctx, err, errlen);
    if (text == NULL) {
        sc_json_fail(&ctx, "no JSON text given");
        return NULL;
    }
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithOpts(text, &end, 1);
    if (json == NULL) {
        char at[128];
        sc_json_position(text, end, at, sizeof at);
        sc_json_fail(&ctx, "invalid JSON at %s", at);
        return NULL;
    }
    ProtobufCMessage *msg = sc_json_to_message(desc, json, err, errlen);
    cJSON_Delete(json);
    return msg;
}

const ProtobufCMessageDescriptor *sc_json_find_descriptor(const char *name)
{
    static const ProtobufCMessageDescriptor *const descriptors[] = {
        &streaming__data_point__descriptor,      &streaming__stream_request__descriptor,
        &streaming__stream_response__descriptor, &streaming__upload_request__descriptor,
        &streaming__file_metadata__descriptor,   &streaming__upload_response__descriptor,
        &streaming__chat_message__descriptor,
    };
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof descriptors / sizeof descriptors[0]; i++) {
        if (strcmp(descriptors[i]->name, name) == 0 ||
            strcmp(descriptors[i]->short_name, name) == 0)
            return descriptors[i];
    }
    return NULL;
}
