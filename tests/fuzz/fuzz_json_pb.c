/* libFuzzer target: the JSON <-> protobuf mapping (common/sc_json) for every message type of
 * the service: the first byte picks the type, the rest is JSON decoded into it; what decodes is
 * encoded back, and that text must decode again. A second pass reads the rest as protobuf
 * bytes of the type and encodes them to JSON. */
#include "fuzz_util.h"
#include "sc_json.h"
#include "sc_method.h"
#include "streaming.pb-c.h"

#include <stdio.h>

static const ProtobufCMessageDescriptor *const types[] = {
    &streaming__stream_request__descriptor, &streaming__stream_response__descriptor,
    &streaming__data_point__descriptor,     &streaming__upload_request__descriptor,
    &streaming__file_metadata__descriptor,  &streaming__upload_response__descriptor,
    &streaming__chat_message__descriptor,
};

static void json_round_trip(const ProtobufCMessageDescriptor *d, const char *text)
{
    char err[512];
    ProtobufCMessage *m = sc_json_message_from_string(d, text, err, sizeof err);
    if (m == NULL)
        return;
    char *again = sc_json_message_to_string(m, err, sizeof err);
    if (again != NULL) {
        ProtobufCMessage *m2 = sc_json_message_from_string(d, again, err, sizeof err);
        if (m2 == NULL) {
            fprintf(stderr, "canonical JSON of %s does not decode: %s\n%s\n", d->name, err, again);
            abort();
        }
        protobuf_c_message_free_unpacked(m2, NULL);
    }
    free(again);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void bytes_to_json(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t size)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, size, data);
    if (m == NULL)
        return;
    char err[512];
    free(sc_json_message_to_string(m, err, sizeof err));
    protobuf_c_message_free_unpacked(m, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const ProtobufCMessageDescriptor *d = types[data[0] % (sizeof types / sizeof types[0])];
    char *text = fuzz_text(data + 1, size - 1);
    if (text == NULL)
        return 0;
    json_round_trip(d, text);
    bytes_to_json(d, data + 1, size - 1);
    free(text);
    return 0;
}
