/* Unit tests for sc_json: canonical proto3 JSON <-> protobuf-c messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sc_base64.h"
#include "sc_json.h"
#include "sc_json_ctx.h"
#include "sc_json_field.h"
#include "streaming.pb-c.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Big enough for every error message these tests provoke. */
#define ERR_MAX 512

/* ---- a hand-written descriptor covering every proto3 scalar type, enums, an integer-keyed map,
 * a proto3 optional, a oneof with scalar members, and recursion (streaming.proto has none). It is
 * the C that protoc-c would generate for:
 *
 *   package test;
 *   enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; }
 *   message Scalars {
 *     int32 f_int32 = 1; sint32 f_sint32 = 2; sfixed32 f_sfixed32 = 3; uint32 f_uint32 = 4;
 *     fixed32 f_fixed32 = 5; int64 f_int64 = 6; sint64 f_sint64 = 7; sfixed64 f_sfixed64 = 8;
 *     uint64 f_uint64 = 9; fixed64 f_fixed64 = 10; float f_float = 11; double f_double = 12;
 *     bool f_bool = 13; Color f_enum = 14; bytes f_bytes = 15; string f_string = 16;
 *     repeated int64 r_int64 = 17; repeated bytes r_bytes = 18; repeated Color r_enum = 19;
 *     Scalars child = 20; map<int64, Color> color_by_id = 21; repeated float r_float = 22;
 *     optional int32 opt_int32 = 23; oneof choice { string o_string = 24; int32 o_int = 25; }
 *   }
 */

enum { TEST_UNSPECIFIED = 0, TEST_RED = 1, TEST_GREEN = 2 };

typedef struct TestScalars TestScalars;

typedef struct {
    ProtobufCMessage base;
    int64_t key;
    int32_t value;
} TestColorByIdEntry;

struct TestScalars {
    ProtobufCMessage base;
    int32_t f_int32;
    int32_t f_sint32;
    int32_t f_sfixed32;
    uint32_t f_uint32;
    uint32_t f_fixed32;
    int64_t f_int64;
    int64_t f_sint64;
    int64_t f_sfixed64;
    uint64_t f_uint64;
    uint64_t f_fixed64;
    float f_float;
    double f_double;
    protobuf_c_boolean f_bool;
    int32_t f_enum;
    ProtobufCBinaryData f_bytes;
    char *f_string;
    size_t n_r_int64;
    int64_t *r_int64;
    size_t n_r_bytes;
    ProtobufCBinaryData *r_bytes;
    size_t n_r_enum;
    int32_t *r_enum;
    TestScalars *child;
    size_t n_color_by_id;
    TestColorByIdEntry **color_by_id;
    size_t n_r_float;
    float *r_float;
    protobuf_c_boolean has_opt_int32;
    int32_t opt_int32;
    uint32_t choice_case;
    union {
        char *o_string;
        int32_t o_int;
    };
};

static const ProtobufCEnumValue test_color_values[] = {
    {"COLOR_UNSPECIFIED", "TEST__COLOR__UNSPECIFIED", 0},
    {"RED", "TEST__COLOR__RED", 1},
    {"GREEN", "TEST__COLOR__GREEN", 2},
};
static const ProtobufCEnumValueIndex test_color_by_name[] = {
    {"COLOR_UNSPECIFIED", 0}, {"GREEN", 2}, {"RED", 1}};
static const ProtobufCIntRange test_color_ranges[] = {{0, 0}, {0, 3}};
static const ProtobufCEnumDescriptor test_color_descriptor = {PROTOBUF_C__ENUM_DESCRIPTOR_MAGIC,
                                                              "test.Color",
                                                              "Color",
                                                              "TestColor",
                                                              "test",
                                                              3,
                                                              test_color_values,
                                                              3,
                                                              test_color_by_name,
                                                              1,
                                                              test_color_ranges,
                                                              NULL,
                                                              NULL,
                                                              NULL,
                                                              NULL};

static const ProtobufCMessageDescriptor test_entry_descriptor;
static const ProtobufCMessageDescriptor test_scalars_descriptor;

static void test_entry_init(ProtobufCMessage *m)
{
    static const TestColorByIdEntry init = {.base =
                                                PROTOBUF_C_MESSAGE_INIT(&test_entry_descriptor)};
    *(TestColorByIdEntry *)m = init;
}

static void test_scalars_init(ProtobufCMessage *m)
{
    static const TestScalars init = {.base = PROTOBUF_C_MESSAGE_INIT(&test_scalars_descriptor),
                                     .f_string = (char *)protobuf_c_empty_string};
    *(TestScalars *)m = init;
}

static const ProtobufCFieldDescriptor test_entry_fields[] = {
    {"key", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_INT64, 0, offsetof(TestColorByIdEntry, key),
     NULL, NULL, 0, 0, NULL, NULL},
    {"value", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_ENUM, 0,
     offsetof(TestColorByIdEntry, value), &test_color_descriptor, NULL, 0, 0, NULL, NULL},
};
static const unsigned test_entry_by_name[] = {0, 1};
static const ProtobufCIntRange test_entry_ranges[] = {{1, 0}, {0, 2}};
static const ProtobufCMessageDescriptor test_entry_descriptor = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    "test.Scalars.ColorByIdEntry",
    "ColorByIdEntry",
    "TestColorByIdEntry",
    "test",
    sizeof(TestColorByIdEntry),
    2,
    test_entry_fields,
    test_entry_by_name,
    1,
    test_entry_ranges,
    test_entry_init,
    NULL,
    NULL,
    NULL};

#define NONE PROTOBUF_C_LABEL_NONE
#define REP PROTOBUF_C_LABEL_REPEATED
#define PACKED PROTOBUF_C_FIELD_FLAG_PACKED
#define ONEOF PROTOBUF_C_FIELD_FLAG_ONEOF
#define T(x) PROTOBUF_C_TYPE_##x
#define AT(m) offsetof(TestScalars, m)
static const ProtobufCFieldDescriptor test_scalars_fields[] = {
    {"f_int32", 1, NONE, T(INT32), 0, AT(f_int32), NULL, NULL, 0, 0, NULL, NULL},
    {"f_sint32", 2, NONE, T(SINT32), 0, AT(f_sint32), NULL, NULL, 0, 0, NULL, NULL},
    {"f_sfixed32", 3, NONE, T(SFIXED32), 0, AT(f_sfixed32), NULL, NULL, 0, 0, NULL, NULL},
    {"f_uint32", 4, NONE, T(UINT32), 0, AT(f_uint32), NULL, NULL, 0, 0, NULL, NULL},
    {"f_fixed32", 5, NONE, T(FIXED32), 0, AT(f_fixed32), NULL, NULL, 0, 0, NULL, NULL},
    {"f_int64", 6, NONE, T(INT64), 0, AT(f_int64), NULL, NULL, 0, 0, NULL, NULL},
    {"f_sint64", 7, NONE, T(SINT64), 0, AT(f_sint64), NULL, NULL, 0, 0, NULL, NULL},
    {"f_sfixed64", 8, NONE, T(SFIXED64), 0, AT(f_sfixed64), NULL, NULL, 0, 0, NULL, NULL},
    {"f_uint64", 9, NONE, T(UINT64), 0, AT(f_uint64), NULL, NULL, 0, 0, NULL, NULL},
    {"f_fixed64", 10, NONE, T(FIXED64), 0, AT(f_fixed64), NULL, NULL, 0, 0, NULL, NULL},
    {"f_float", 11, NONE, T(FLOAT), 0, AT(f_float), NULL, NULL, 0, 0, NULL, NULL},
    {"f_double", 12, NONE, T(DOUBLE), 0, AT(f_double), NULL, NULL, 0, 0, NULL, NULL},
    {"f_bool", 13, NONE, T(BOOL), 0, AT(f_bool), NULL, NULL, 0, 0, NULL, NULL},
    {"f_enum", 14, NONE, T(ENUM), 0, AT(f_enum), &test_color_descriptor, NULL, 0, 0, NULL, NULL},
    {"f_bytes", 15, NONE, T(BYTES), 0, AT(f_bytes), NULL, NULL, 0, 0, NULL, NULL},
    {"f_string", 16, NONE, T(STRING), 0, AT(f_string), NULL, &protobuf_c_empty_string, 0, 0, NULL,
     NULL},
    {"r_int64", 17, REP, T(INT64), AT(n_r_int64), AT(r_int64), NULL, NULL, PACKED, 0, NULL, NULL},
    {"r_bytes", 18, REP, T(BYTES), AT(n_r_bytes), AT(r_bytes), NULL, NULL, 0, 0, NULL, NULL},
    {"r_enum", 19, REP, T(ENUM), AT(n_r_enum), AT(r_enum), &test_color_descriptor, NULL, PACKED, 0,
     NULL, NULL},
    {"child", 20, NONE, T(MESSAGE), 0, AT(child), &test_scalars_descriptor, NULL, 0, 0, NULL, NULL},
    {"color_by_id", 21, REP, T(MESSAGE), AT(n_color_by_id), AT(color_by_id), &test_entry_descriptor,
     NULL, 0, 0, NULL, NULL},
    {"r_float", 22, REP, T(FLOAT), AT(n_r_float), AT(r_float), NULL, NULL, PACKED, 0, NULL, NULL},
    {"opt_int32", 23, PROTOBUF_C_LABEL_OPTIONAL, T(INT32), AT(has_opt_int32), AT(opt_int32), NULL,
     NULL, 0, 0, NULL, NULL},
    {"o_string", 24, NONE, T(STRING), AT(choice_case), AT(o_string), NULL, &protobuf_c_empty_string,
     ONEOF, 0, NULL, NULL},
    {"o_int", 25, NONE, T(INT32), AT(choice_case), AT(o_int), NULL, NULL, ONEOF, 0, NULL, NULL},
};
static const unsigned test_scalars_by_name[] = {19, 20, 12, 14, 11, 13, 4,  9,  10, 0,  5,  2, 7,
                                                1,  6,  15, 3,  8,  24, 23, 22, 17, 18, 21, 16};
static const ProtobufCIntRange test_scalars_ranges[] = {{1, 0}, {0, 25}};
static const ProtobufCMessageDescriptor test_scalars_descriptor = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    "test.Scalars",
    "Scalars",
    "TestScalars",
    "test",
    sizeof(TestScalars),
    25,
    test_scalars_fields,
    test_scalars_by_name,
    1,
    test_scalars_ranges,
    test_scalars_init,
    NULL,
    NULL,
    NULL};

/* ---- helpers ---- */

static ProtobufCMessage *decode_ok(const ProtobufCMessageDescriptor *desc, const char *text)
{
    char err[ERR_MAX];
    ProtobufCMessage *msg = sc_json_message_from_string(desc, text, err, sizeof err);
    if (msg == NULL)
        fail_msg("decoding %s failed: %s", text, err);
    assert_string_equal(err, "");
    return msg;
}

static void expect_decode_error(const ProtobufCMessageDescriptor *desc, const char *text,
                                const char *expected)
{
    char err[ERR_MAX];
    ProtobufCMessage *msg = sc_json_message_from_string(desc, text, err, sizeof err);
    if (msg != NULL) {
        protobuf_c_message_free_unpacked(msg, NULL);
        fail_msg("decoding %s should have failed with: %s", text, expected);
    }
    assert_string_equal(err, expected);
}

/* Encode and compare with the exact expected canonical text. */
static void expect_encoding(const ProtobufCMessage *msg, const char *expected)
{
    char err[ERR_MAX];
    char *text = sc_json_message_to_string(msg, err, sizeof err);
    if (text == NULL)
        fail_msg("encoding failed: %s", err);
    assert_string_equal(text, expected);
    free(text);
}

static void assert_same_packed(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    size_t la = protobuf_c_message_get_packed_size(a);
    size_t lb = protobuf_c_message_get_packed_size(b);
    assert_int_equal(la, lb);
    uint8_t *ba = malloc(la + 1);
    uint8_t *bb = malloc(lb + 1);
    assert_non_null(ba);
    assert_non_null(bb);
    assert_int_equal(protobuf_c_message_pack(a, ba), la);
    assert_int_equal(protobuf_c_message_pack(b, bb), lb);
    assert_memory_equal(ba, bb, la);
    free(ba);
    free(bb);
}

/* message -> JSON text -> message: same wire bytes, and the same JSON again. Also through the
 * real unpacker: pack -> protobuf-c unpack -> JSON gives the same text. Returns the JSON. */
static char *assert_roundtrip(const ProtobufCMessage *msg)
{
    char err[ERR_MAX];
    char *text = sc_json_message_to_string(msg, err, sizeof err);
    if (text == NULL)
        fail_msg("encoding failed: %s", err);
    ProtobufCMessage *back = sc_json_message_from_string(msg->descriptor, text, err, sizeof err);
    if (back == NULL)
        fail_msg("decoding %s failed: %s", text, err);
    assert_same_packed(msg, back);
    char *again = sc_json_message_to_string(back, err, sizeof err);
    assert_non_null(again);
    assert_string_equal(text, again);
    free(again);

    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *wire = malloc(len + 1);
    assert_non_null(wire);
    protobuf_c_message_pack(msg, wire);
    ProtobufCMessage *unpacked = protobuf_c_message_unpack(msg->descriptor, NULL, len, wire);
    assert_non_null(unpacked);
    char *from_wire = sc_json_message_to_string(unpacked, err, sizeof err);
    assert_non_null(from_wire);
    assert_string_equal(text, from_wire);
    free(from_wire);
    protobuf_c_message_free_unpacked(unpacked, NULL);
    free(wire);
    protobuf_c_message_free_unpacked(back, NULL);
    return text;
}

static uint64_t lcg_next(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return *state;
}

/* ---- streaming.proto: every message, both directions ---- */

static void test_stream_request_encode(void **state)
{
    (void)state;
    char *topics[] = {"alpha", "beta"};
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.subscription_id = "sub-1";
    req.n_topics = 2;
    req.topics = topics;
    req.batch_size = -10;
    expect_encoding(
        &req.base,
        "{\"subscriptionId\":\"sub-1\",\"topics\":[\"alpha\",\"beta\"],\"batchSize\":-10}");
    free(assert_roundtrip(&req.base));
}

static void test_stream_request_decode_both_names(void **state)
{
    (void)state;
    const char *texts[] = {
        "{\"subscriptionId\":\"s\",\"topics\":[\"a\",\"\",\"c\"],\"batchSize\":7}",
        "{\"subscription_id\":\"s\",\"topics\":[\"a\",\"\",\"c\"],\"batch_size\":\"7\"}",
        " { \"batch_size\" : 7.0 , \"subscriptionId\" : \"s\", \"topics\":[\"a\",\"\",\"c\"] } ",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        Streaming__StreamRequest *req =
            (Streaming__StreamRequest *)decode_ok(&streaming__stream_request__descriptor, texts[i]);
        assert_string_equal(req->subscription_id, "s");
        assert_int_equal(req->n_topics, 3);
        assert_string_equal(req->topics[0], "a");
        assert_string_equal(req->topics[1], "");
        assert_string_equal(req->topics[2], "c");
        assert_int_equal(req->batch_size, 7);
        protobuf_c_message_free_unpacked(&req->base, NULL);
    }
}

static void test_defaults_omitted(void **state)
{
    (void)state;
    Streaming__DataPoint dp = STREAMING__DATA_POINT__INIT;
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    Streaming__StreamResponse resp = STREAMING__STREAM_RESPONSE__INIT;
    Streaming__UploadRequest up = STREAMING__UPLOAD_REQUEST__INIT;
    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    Streaming__UploadResponse ur = STREAMING__UPLOAD_RESPONSE__INIT;
    Streaming__ChatMessage chat = STREAMING__CHAT_MESSAGE__INIT;
    const ProtobufCMessage *all[] = {&dp.base, &req.base, &resp.base, &up.base,
                                     &fm.base, &ur.base,  &chat.base};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        expect_encoding(all[i], "{}");

    /* Explicit zero values (and an empty string that is not protobuf-c's default pointer, and
     * an empty repeated field with an array) are still defaults. -0.0 is omitted too, as
     * protobuf-c's packer omits it. */
    char empty[1] = "";
    dp.id = empty;
    dp.value = -0.0;
    dp.timestamp = 0;
    expect_encoding(&dp.base, "{}");
    char *no_topics[1] = {NULL};
    req.topics = no_topics;
    req.n_topics = 0;
    expect_encoding(&req.base, "{}");

    /* Decoding "{}" gives all defaults: packs to zero bytes. */
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        ProtobufCMessage *m = decode_ok(all[i]->descriptor, "{}");
        assert_int_equal(protobuf_c_message_get_packed_size(m), 0);
        protobuf_c_message_free_unpacked(m, NULL);
    }
}

static void test_data_point_both_directions(void **state)
{
    (void)state;
    Streaming__DataPoint__MetadataEntry e1 = STREAMING__DATA_POINT__METADATA_ENTRY__INIT;
    Streaming__DataPoint__MetadataEntry e2 = STREAMING__DATA_POINT__METADATA_ENTRY__INIT;
    e1.key = "unit";
    e1.value = "celsius";
    e2.key = "empty";
    e2.value = "";
    Streaming__DataPoint__MetadataEntry *entries[] = {&e1, &e2};
    Streaming__DataPoint dp = STREAMING__DATA_POINT__INIT;
    dp.id = "dp-1";
    dp.value = 21.5;
    dp.timestamp = 1700000000123;
    dp.n_metadata = 2;
    dp.metadata = entries;
    expect_encoding(&dp.base, "{\"id\":\"dp-1\",\"value\":21.5,\"timestamp\":\"1700000000123\","
                              "\"metadata\":{\"unit\":\"celsius\",\"empty\":\"\"}}");
    free(assert_roundtrip(&dp.base));

    Streaming__DataPoint *back = (Streaming__DataPoint *)decode_ok(
        &streaming__data_point__descriptor,
        "{\"id\":\"x\",\"value\":-2.5e3,\"timestamp\":-42,\"metadata\":{\"a\":\"1\",\"b\":\"2\"}}");
    assert_string_equal(back->id, "x");
    assert_true(back->value == -2500.0);
    assert_int_equal(back->timestamp, -42);
    assert_int_equal(back->n_metadata, 2);
    assert_string_equal(back->metadata[0]->key, "a");
    assert_string_equal(back->metadata[0]->value, "1");
    assert_string_equal(back->metadata[1]->key, "b");
    assert_string_equal(back->metadata[1]->value, "2");
    protobuf_c_message_free_unpacked(&back->base, NULL);
}

static void test_stream_response_nested(void **state)
{
    (void)state;
    Streaming__DataPoint__MetadataEntry e = STREAMING__DATA_POINT__METADATA_ENTRY__INIT;
    e.key = "k";
    e.value = "v";
    Streaming__DataPoint__MetadataEntry *entries[] = {&e};
    Streaming__DataPoint p0 = STREAMING__DATA_POINT__INIT;
    Streaming__DataPoint p1 = STREAMING__DATA_POINT__INIT;
    Streaming__DataPoint p2 = STREAMING__DATA_POINT__INIT;
    p0.id = "a";
    p1.value = 0.25;
    p1.n_metadata = 1;
    p1.metadata = entries;
    p2.timestamp = -1;
    Streaming__DataPoint *points[] = {&p0, &p1, &p2};
    Streaming__StreamResponse resp = STREAMING__STREAM_RESPONSE__INIT;
    resp.n_data_points = 3;
    resp.data_points = points;
    resp.sequence_number = 99;
    expect_encoding(&resp.base,
                    "{\"dataPoints\":[{\"id\":\"a\"},{\"value\":0.25,\"metadata\":{\"k\":\"v\"}},"
                    "{\"timestamp\":\"-1\"}],\"sequenceNumber\":\"99\"}");
    free(assert_roundtrip(&resp.base));

    /* An all-default element is still an element. */
    Streaming__StreamResponse *back = (Streaming__StreamResponse *)decode_ok(
        &streaming__stream_response__descriptor, "{\"data_points\":[{},{\"id\":\"z\"}]}");
    assert_int_equal(back->n_data_points, 2);
    assert_string_equal(back->data_points[0]->id, "");
    assert_string_equal(back->data_points[1]->id, "z");
    protobuf_c_message_free_unpacked(&back->base, NULL);
    Streaming__DataPoint empty = STREAMING__DATA_POINT__INIT;
    Streaming__DataPoint *two[] = {&empty, &empty};
    resp.n_data_points = 2;
    resp.data_points = two;
    resp.sequence_number = 0;
    expect_encoding(&resp.base, "{\"dataPoints\":[{},{}]}");
}

static void test_upload_request_oneof(void **state)
{
    (void)state;
    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    fm.filename = "report.pdf";
    fm.content_type = "application/pdf";
    fm.total_size = 1048576;
    Streaming__UploadRequest up = STREAMING__UPLOAD_REQUEST__INIT;
    up.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA;
    up.metadata = &fm;
    expect_encoding(&up.base, "{\"metadata\":{\"filename\":\"report.pdf\",\"contentType\":"
                              "\"application/pdf\",\"totalSize\":\"1048576\"}}");
    free(assert_roundtrip(&up.base));

    /* A set oneof member is emitted even when it holds its default value. */
    Streaming__FileMetadata empty_fm = STREAMING__FILE_METADATA__INIT;
    up.metadata = &empty_fm;
    expect_encoding(&up.base, "{\"metadata\":{}}");
    free(assert_roundtrip(&up.base));

    uint8_t chunk[] = {0x00, 0xff, 0xfe, 'a'};
    up.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK;
    up.chunk.data = chunk;
    up.chunk.len = sizeof chunk;
    expect_encoding(&up.base, "{\"chunk\":\"AP/+YQ==\"}");
    free(assert_roundtrip(&up.base));
    up.chunk.data = NULL;
    up.chunk.len = 0;
    expect_encoding(&up.base, "{\"chunk\":\"\"}");
    free(assert_roundtrip(&up.base));

    Streaming__UploadRequest *back = (Streaming__UploadRequest *)decode_ok(
        &streaming__upload_request__descriptor, "{\"chunk\":\"AP/+YQ==\"}");
    assert_int_equal(back->payload_case, STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK);
    assert_int_equal(back->chunk.len, 4);
    assert_memory_equal(back->chunk.data, chunk, 4);
    protobuf_c_message_free_unpacked(&back->base, NULL);

    back = (Streaming__UploadRequest *)decode_ok(&streaming__upload_request__descriptor,
                                                 "{\"metadata\":{\"content_type\":\"t\"}}");
    assert_int_equal(back->payload_case, STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA);
    assert_string_equal(back->metadata->content_type, "t");
    protobuf_c_message_free_unpacked(&back->base, NULL);

    /* null does not set a member, so it does not conflict. */
    back = (Streaming__UploadRequest *)decode_ok(&streaming__upload_request__descriptor,
                                                 "{\"metadata\":null,\"chunk\":\"\"}");
    assert_int_equal(back->payload_case, STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK);
    assert_int_equal(back->chunk.len, 0);
    assert_null(back->chunk.data);
    protobuf_c_message_free_unpacked(&back->base, NULL);

    expect_decode_error(&streaming__upload_request__descriptor,
                        "{\"metadata\":{\"filename\":\"a\"},\"chunk\":\"AA==\"}",
                        "chunk: cannot be set together with metadata (both belong to the same "
                        "oneof)");
    expect_decode_error(&streaming__upload_request__descriptor, "{\"chunk\":\"\",\"metadata\":{}}",
                        "metadata: cannot be set together with chunk (both belong to the same "
                        "oneof)");
}

static void test_other_messages_roundtrip(void **state)
{
    (void)state;
    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    fm.filename = "a b.txt";
    fm.total_size = -3;
    expect_encoding(&fm.base, "{\"filename\":\"a b.txt\",\"totalSize\":\"-3\"}");
    free(assert_roundtrip(&fm.base));

    Streaming__UploadResponse ur = STREAMING__UPLOAD_RESPONSE__INIT;
    ur.file_id = "f-1";
    ur.bytes_received = 4096;
    ur.checksum = "sha256:abc";
    expect_encoding(&ur.base,
                    "{\"fileId\":\"f-1\",\"bytesReceived\":\"4096\",\"checksum\":\"sha256:abc\"}");
    free(assert_roundtrip(&ur.base));
    Streaming__UploadResponse *urb = (Streaming__UploadResponse *)decode_ok(
        &streaming__upload_response__descriptor,
        "{\"file_id\":\"f\",\"bytes_received\":12,\"checksum\":\"c\"}");
    assert_string_equal(urb->file_id, "f");
    assert_int_equal(urb->bytes_received, 12);
    assert_string_equal(urb->checksum, "c");
    protobuf_c_message_free_unpacked(&urb->base, NULL);

    Streaming__ChatMessage chat = STREAMING__CHAT_MESSAGE__INIT;
    chat.user_id = "u\"1\\";
    chat.content = "h\xc3\xa9llo \xe2\x82\xac\n\t";
    chat.timestamp = 5;
    expect_encoding(&chat.base, "{\"userId\":\"u\\\"1\\\\\",\"content\":\"h\xc3\xa9llo "
                                "\xe2\x82\xac\\n\\t\",\"timestamp\":\"5\"}");
    free(assert_roundtrip(&chat.base));
    Streaming__ChatMessage *cb = (Streaming__ChatMessage *)decode_ok(
        &streaming__chat_message__descriptor,
        "{\"userId\":\"\\u00e9\\ud83d\\ude00\",\"content\":\"x\",\"timestamp\":\"-9\"}");
    assert_string_equal(cb->user_id, "\xc3\xa9\xf0\x9f\x98\x80");
    assert_int_equal(cb->timestamp, -9);
    protobuf_c_message_free_unpacked(&cb->base, NULL);
}

/* ---- scalars ---- */

static void test_int64_as_strings(void **state)
{
    (void)state;
    Streaming__ChatMessage chat = STREAMING__CHAT_MESSAGE__INIT;
    chat.timestamp = INT64_MAX;
    expect_encoding(&chat.base, "{\"timestamp\":\"9223372036854775807\"}");
    free(assert_roundtrip(&chat.base));
    chat.timestamp = INT64_MIN;
    expect_encoding(&chat.base, "{\"timestamp\":\"-9223372036854775808\"}");
    free(assert_roundtrip(&chat.base));
    chat.timestamp = -1;
    expect_encoding(&chat.base, "{\"timestamp\":\"-1\"}");

    const struct {
        const char *text;
        int64_t value;
    } ok[] = {
        {"{\"timestamp\":\"-9223372036854775808\"}", INT64_MIN},
        {"{\"timestamp\":\"9223372036854775807\"}", INT64_MAX},
        {"{\"timestamp\":9007199254740991}", 9007199254740991LL},
        {"{\"timestamp\":-9007199254740991}", -9007199254740991LL},
        {"{\"timestamp\":\"-0\"}", 0},
        {"{\"timestamp\":\"1e3\"}", 1000},
        {"{\"timestamp\":-12}", -12},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        Streaming__ChatMessage *m =
            (Streaming__ChatMessage *)decode_ok(&streaming__chat_message__descriptor, ok[i].text);
        assert_true(m->timestamp == ok[i].value);
        protobuf_c_message_free_unpacked(&m->base, NULL);
    }
    const ProtobufCMessageDescriptor *d = &streaming__chat_message__descriptor;
    expect_decode_error(d, "{\"timestamp\":\"9223372036854775808\"}",
                        "timestamp: \"9223372036854775808\" is out of range for int64");
    expect_decode_error(d, "{\"timestamp\":\"-9223372036854775809\"}",
                        "timestamp: \"-9223372036854775809\" is out of range for int64");
    expect_decode_error(d, "{\"timestamp\":\"99999999999999999999999\"}",
                        "timestamp: \"99999999999999999999999\" is out of range for int64");
    expect_decode_error(d, "{\"timestamp\":9007199254740993}",
                        "timestamp: 9007199254740992 is beyond 2^53 and may have been rounded; "
                        "give it as a quoted decimal integer");
    expect_decode_error(d, "{\"timestamp\":1e19}", "timestamp: 1e+19 is out of range for int64");
    expect_decode_error(d, "{\"timestamp\":\" 5\"}", "timestamp: \" 5\" is not an integer");
    expect_decode_error(d, "{\"timestamp\":\"+5\"}", "timestamp: \"+5\" is not an integer");
    expect_decode_error(d, "{\"timestamp\":\"05\"}", "timestamp: \"05\" is not an integer");
    expect_decode_error(d, "{\"timestamp\":\"\"}", "timestamp: \"\" is not an integer");
    expect_decode_error(d, "{\"timestamp\":\"1.5\"}", "timestamp: \"1.5\" is not an integer");
    expect_decode_error(d, "{\"timestamp\":[1]}",
                        "timestamp: expected an integer (number or string), got an array");
}

static void test_int32_range(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d = &streaming__stream_request__descriptor;
    const struct {
        const char *text;
        int32_t value;
    } ok[] = {
        {"{\"batchSize\":2147483647}", INT32_MAX},
        {"{\"batchSize\":-2147483648}", INT32_MIN},
        {"{\"batchSize\":\"-2147483648\"}", INT32_MIN},
        {"{\"batchSize\":\"42\"}", 42},
        {"{\"batchSize\":1e2}", 100},
        {"{\"batchSize\":-0}", 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        Streaming__StreamRequest *m = (Streaming__StreamRequest *)decode_ok(d, ok[i].text);
        assert_int_equal(m->batch_size, ok[i].value);
        protobuf_c_message_free_unpacked(&m->base, NULL);
    }
    expect_decode_error(d, "{\"batchSize\":2147483648}",
                        "batchSize: 2147483648 is out of range for int32");
    expect_decode_error(d, "{\"batchSize\":-2147483649}",
                        "batchSize: -2147483649 is out of range for int32");
    expect_decode_error(d, "{\"batchSize\":\"2147483648\"}",
                        "batchSize: \"2147483648\" is out of range for int32");
    expect_decode_error(d, "{\"batchSize\":1.5}", "batchSize: 1.5 is not an integer");
    expect_decode_error(d, "{\"batchSize\":\"12x\"}", "batchSize: \"12x\" is not an integer");
    expect_decode_error(d, "{\"batchSize\":1e400}",
                        "batchSize: Infinity is out of range for int32");
}

static void test_base64_decode_max(void **state)
{
    (void)state;
    unsigned char *out = NULL;
    size_t n = 0;
    assert_int_equal(sc_base64_decode_max("AQID", 3, &out, &n), SC_BASE64_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "\x01\x02\x03", 3);
    free(out);
    assert_int_equal(sc_base64_decode_max("AQID", 2, NULL, NULL), SC_BASE64_TOO_LONG);
    assert_int_equal(sc_base64_decode_max("AQIDBA", 3, NULL, NULL),
                     SC_BASE64_TOO_LONG); /* short group */
    assert_int_equal(sc_base64_decode_max("AQIDBAUG", 5, NULL, NULL),
                     SC_BASE64_TOO_LONG); /* before decoding */
    assert_int_equal(sc_base64_decode_max("A?ID", 10, NULL, NULL), SC_BASE64_INVALID);
    assert_int_equal(sc_base64_decode_max("", 0, &out, &n), SC_BASE64_OK);
    assert_int_equal(n, 0);
    free(out);
}

static void test_bytes_base64(void **state)
{
    (void)state;
    uint8_t all[256];
    for (size_t i = 0; i < sizeof all; i++)
        all[i] = (uint8_t)i;
    Streaming__UploadRequest up = STREAMING__UPLOAD_REQUEST__INIT;
    up.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK;
    for (size_t len = 0; len <= sizeof all; len += (len < 8 ? 1 : 61)) {
        up.chunk.data = len > 0 ? all : NULL;
        up.chunk.len = len;
        char *text = assert_roundtrip(&up.base);
        assert_non_null(strstr(text, "\"chunk\":\""));
        free(text);
    }
    up.chunk.data = (uint8_t *)"\xff";
    up.chunk.len = 1;
    expect_encoding(&up.base, "{\"chunk\":\"/w==\"}");

    /* URL-safe alphabet and missing padding are accepted, as protobuf's parsers do. */
    const char *variants[] = {"{\"chunk\":\"AP/+YQ==\"}", "{\"chunk\":\"AP_-YQ==\"}",
                              "{\"chunk\":\"AP/+YQ\"}"};
    for (size_t i = 0; i < 3; i++) {
        Streaming__UploadRequest *m = (Streaming__UploadRequest *)decode_ok(
            &streaming__upload_request__descriptor, variants[i]);
        assert_int_equal(m->chunk.len, 4);
        assert_memory_equal(m->chunk.data,
                            "\x00\xff\xfe"
                            "a",
                            4);
        protobuf_c_message_free_unpacked(&m->base, NULL);
    }
    const ProtobufCMessageDescriptor *d = &streaming__upload_request__descriptor;
    expect_decode_error(d, "{\"chunk\":\"!!\"}", "chunk: \"!!\" is not valid base64");
    expect_decode_error(d, "{\"chunk\":\"A\"}", "chunk: \"A\" is not valid base64");
    expect_decode_error(d, "{\"chunk\":\"AA AA\"}", "chunk: \"AA AA\" is not valid base64");
    expect_decode_error(d, "{\"chunk\":12}", "chunk: expected a base64 string, got 12");
}

static void test_doubles(void **state)
{
    (void)state;
    const struct {
        double value;
        const char *json;
    } cases[] = {
        {0.1, "{\"value\":0.1}"},
        {0.1 + 0.2, "{\"value\":0.30000000000000004}"},
        {1.0 / 3.0, "{\"value\":0.3333333333333333}"},
        {-2.0, "{\"value\":-2}"},
        {1e300, "{\"value\":1e+300}"},
        {5e-324, "{\"value\":5e-324}"},
        {DBL_MAX, "{\"value\":1.7976931348623157e+308}"},
        {NAN, "{\"value\":\"NaN\"}"},
        {INFINITY, "{\"value\":\"Infinity\"}"},
        {-INFINITY, "{\"value\":\"-Infinity\"}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Streaming__DataPoint dp = STREAMING__DATA_POINT__INIT;
        dp.value = cases[i].value;
        expect_encoding(&dp.base, cases[i].json);
        Streaming__DataPoint *back =
            (Streaming__DataPoint *)decode_ok(&streaming__data_point__descriptor, cases[i].json);
        assert_memory_equal(&back->value, &dp.value, sizeof(double));
        protobuf_c_message_free_unpacked(&back->base, NULL);
    }

    /* Numeric strings are accepted for doubles; other strings and types are not. */
    Streaming__DataPoint *s = (Streaming__DataPoint *)decode_ok(&streaming__data_point__descriptor,
                                                                "{\"value\":\"-1.25e2\"}");
    assert_true(s->value == -125.0);
    protobuf_c_message_free_unpacked(&s->base, NULL);
    const ProtobufCMessageDescriptor *d = &streaming__data_point__descriptor;
    expect_decode_error(d, "{\"value\":\"abc\"}", "value: \"abc\" is not a number");
    expect_decode_error(d, "{\"value\":\"nan\"}", "value: \"nan\" is not a number");
    expect_decode_error(
        d, "{\"value\":true}",
        "value: expected a number or \"NaN\", \"Infinity\", \"-Infinity\", got true");
    expect_decode_error(d, "{\"value\":\"1e999\"}", "value: \"1e999\" is out of range for double");

    /* Every finite double survives text form exactly (shortest round-trip formatting). */
    uint64_t rng = 12345;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = lcg_next(&rng);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v) || v == 0)
            continue;
        Streaming__DataPoint dp = STREAMING__DATA_POINT__INIT;
        dp.value = v;
        free(assert_roundtrip(&dp.base));
    }

    /* In the cJSON tree a double is a raw number item with valuedouble set (see sc_json.h), and
     * sc_json_to_message accepts the tree as it is. */
    Streaming__DataPoint dp = STREAMING__DATA_POINT__INIT;
    dp.value = 0.1 + 0.2;
    char err[ERR_MAX];
    cJSON *tree = sc_json_from_message(&dp.base, err, sizeof err);
    assert_non_null(tree);
    cJSON *value = cJSON_GetObjectItemCaseSensitive(tree, "value");
    assert_true(cJSON_IsRaw(value));
    assert_true(value->valuedouble == 0.1 + 0.2);
    Streaming__DataPoint *back = (Streaming__DataPoint *)sc_json_to_message(
        &streaming__data_point__descriptor, tree, err, sizeof err);
    assert_non_null(back);
    assert_true(back->value == 0.1 + 0.2);
    protobuf_c_message_free_unpacked(&back->base, NULL);
    cJSON_Delete(tree);
}

/* ---- generic proto3 scalars through the hand-written test.Scalars descriptor ---- */

static const char full_scalars_json[] =
    "{\"fInt32\":-7,\"fSint32\":-2147483648,\"fSfixed32\":5,\"fUint32\":4294967295,"
    "\"fFixed32\":1,\"fInt64\":\"-9223372036854775808\",\"fSint64\":\"-1\","
    "\"fSfixed64\":\"9223372036854775807\",\"fUint64\":\"18446744073709551615\","
    "\"fFixed64\":\"42\",\"fFloat\":0.1,\"fDouble\":0.30000000000000004,\"fBool\":true,"
    "\"fEnum\":\"GREEN\",\"fBytes\":\"4oKs\",\"fString\":\"h\xc3\xa9llo\","
    "\"rInt64\":[\"1\",\"-2\"],\"rBytes\":[\"\",\"/w==\"],\"rEnum\":[\"RED\",7],"
    "\"child\":{\"fInt32\":1},\"colorById\":{\"5\":\"RED\",\"-1\":\"COLOR_UNSPECIFIED\"},"
    "\"rFloat\":[1.5,\"NaN\",\"-Infinity\",3.4028235e+38],\"optInt32\":0,\"oInt\":0}";

static void test_generic_scalars_encode(void **state)
{
    (void)state;
    TestScalars child;
    test_scalars_init(&child.base);
    child.f_int32 = 1;
    TestColorByIdEntry e1, e2;
    test_entry_init(&e1.base);
    test_entry_init(&e2.base);
    e1.key = 5;
    e1.value = TEST_RED;
    e2.key = -1;
    e2.value = TEST_UNSPECIFIED;
    TestColorByIdEntry *entries[] = {&e1, &e2};
    int64_t r_int64[] = {1, -2};
    ProtobufCBinaryData r_bytes[] = {{0, NULL}, {1, (uint8_t *)"\xff"}};
    int32_t r_enum[] = {TEST_RED, 7};
    float r_float[] = {1.5f, NAN, -INFINITY, FLT_MAX};

    TestScalars m;
    test_scalars_init(&m.base);
    m.f_int32 = -7;
    m.f_sint32 = INT32_MIN;
    m.f_sfixed32 = 5;
    m.f_uint32 = UINT32_MAX;
    m.f_fixed32 = 1;
    m.f_int64 = INT64_MIN;
    m.f_sint64 = -1;
    m.f_sfixed64 = INT64_MAX;
    m.f_uint64 = UINT64_MAX;
    m.f_fixed64 = 42;
    m.f_float = 0.1f;
    m.f_double = 0.1 + 0.2;
    m.f_bool = 1;
    m.f_enum = TEST_GREEN;
    m.f_bytes.data = (uint8_t *)"\xe2\x82\xac";
    m.f_bytes.len = 3;
    m.f_string = "h\xc3\xa9llo";
    m.n_r_int64 = 2;
    m.r_int64 = r_int64;
    m.n_r_bytes = 2;
    m.r_bytes = r_bytes;
    m.n_r_enum = 2;
    m.r_enum = r_enum;
    m.child = &child;
    m.n_color_by_id = 2;
    m.color_by_id = entries;
    m.n_r_float = 4;
    m.r_float = r_float;
    m.has_opt_int32 = 1;
    m.opt_int32 = 0;
    m.choice_case = 25;
    m.o_int = 0;
    expect_encoding(&m.base, full_scalars_json);
    free(assert_roundtrip(&m.base));

    /* All defaults, including an unset proto3 optional and oneof: nothing at all. */
    TestScalars empty;
    test_scalars_init(&empty.base);
    expect_encoding(&empty.base, "{}");

    /* A oneof string member set to "" is emitted; an enum value without a name as a number. */
    char blank[1] = "";
    empty.choice_case = 24;
    empty.o_string = blank;
    empty.f_enum = -3;
    expect_encoding(&empty.base, "{\"fEnum\":-3,\"oString\":\"\"}");
    free(assert_roundtrip(&empty.base));
}

static void test_generic_scalars_decode(void **state)
{
    (void)state;
    TestScalars *m = (TestScalars *)decode_ok(&test_scalars_descriptor, full_scalars_json);
    assert_int_equal(m->f_int32, -7);
    assert_int_equal(m->f_sint32, INT32_MIN);
    assert_int_equal(m->f_uint32, UINT32_MAX);
    assert_true(m->f_int64 == INT64_MIN);
    assert_true(m->f_sfixed64 == INT64_MAX);
    assert_true(m->f_uint64 == UINT64_MAX);
    assert_true(m->f_float == 0.1f);
    assert_true(m->f_double == 0.1 + 0.2);
    assert_true(m->f_bool);
    assert_int_equal(m->f_enum, TEST_GREEN);
    assert_int_equal(m->f_bytes.len, 3);
    assert_memory_equal(m->f_bytes.data, "\xe2\x82\xac", 3);
    assert_string_equal(m->f_string, "h\xc3\xa9llo");
    assert_int_equal(m->n_r_bytes, 2);
    assert_int_equal(m->r_bytes[0].len, 0);
    assert_null(m->r_bytes[0].data);
    assert_int_equal(m->n_r_enum, 2);
    assert_int_equal(m->r_enum[1], 7);
    assert_non_null(m->child);
    assert_int_equal(m->child->f_int32, 1);
    assert_int_equal(m->n_color_by_id, 2);
    assert_true(m->color_by_id[0]->key == 5);
    assert_int_equal(m->color_by_id[0]->value, TEST_RED);
    assert_true(m->color_by_id[1]->key == -1);
    assert_int_equal(m->n_r_float, 4);
    assert_true(isnan(m->r_float[1]));
    assert_true(m->r_float[3] == FLT_MAX);
    assert_true(m->has_opt_int32);
    assert_int_equal(m->opt_int32, 0);
    assert_int_equal(m->choice_case, 25);
    protobuf_c_message_free_unpacked(&m->base, NULL);

    /* Original proto names, enum numbers and numeric strings, bool map keys aside. */
    m = (TestScalars *)decode_ok(&test_scalars_descriptor,
                                 "{\"f_enum\":1,\"r_enum\":[\"2\",0],\"f_uint64\":\"0\","
                                 "\"opt_int32\":null,\"color_by_id\":{\"9007199254740993\":2},"
                                 "\"o_string\":\"s\",\"f_float\":\"-Infinity\"}");
    assert_int_equal(m->f_enum, TEST_RED);
    assert_int_equal(m->r_enum[0], TEST_GREEN);
    assert_false(m->has_opt_int32);
    assert_true(m->color_by_id[0]->key == 9007199254740993LL); /* keys are strings: exact */
    assert_int_equal(m->choice_case, 24);
    assert_string_equal(m->o_string, "s");
    assert_true(isinf(m->f_float) && m->f_float < 0);
    protobuf_c_message_free_unpacked(&m->base, NULL);
}

static void test_generic_errors(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d = &test_scalars_descriptor;
    expect_decode_error(d, "{\"fUint32\":-1}", "fUint32: -1 is out of range for uint32");
    expect_decode_error(d, "{\"fFixed32\":4294967296}",
                        "fFixed32: 4294967296 is out of range for fixed32");
    expect_decode_error(d, "{\"fUint64\":\"-1\"}", "fUint64: \"-1\" is out of range for uint64");
    expect_decode_error(d, "{\"fUint64\":\"18446744073709551616\"}",
                        "fUint64: \"18446744073709551616\" is out of range for uint64");
    expect_decode_error(d, "{\"fSint32\":-2147483649}",
                        "fSint32: -2147483649 is out of range for sint32");
    expect_decode_error(d, "{\"fFloat\":1e39}", "fFloat: 1e+39 is out of range for float");
    expect_decode_error(d, "{\"fBool\":\"true\"}", "fBool: expected true or false, got \"true\"");
    expect_decode_error(d, "{\"fBool\":1}", "fBool: expected true or false, got 1");
    expect_decode_error(d, "{\"fEnum\":\"PURPLE\"}",
                        "fEnum: unknown value \"PURPLE\" for enum test.Color");
    expect_decode_error(d, "{\"fEnum\":true}", "fEnum: expected an enum name or number, got true");
    expect_decode_error(d, "{\"fEnum\":2147483648}", "fEnum: 2147483648 is out of range for enum");
    expect_decode_error(d, "{\"rEnum\":[\"RED\",\"BLUE\"]}",
                        "rEnum[1]: unknown value \"BLUE\" for enum test.Color");
    expect_decode_error(d, "{\"fString\":5}", "fString: expected a string, got 5");
    expect_decode_error(
        d, "{\"child\":{\"child\":{\"fInt64\":{}}}}",
        "child.child.fInt64: expected an integer (number or string), got an object");
    expect_decode_error(d, "{\"colorById\":{\"abc\":\"RED\"}}",
                        "colorById[\"abc\"]: \"abc\" is not an integer");
    expect_decode_error(d, "{\"colorById\":{\"1\":\"BLUE\"}}",
                        "colorById[\"1\"]: unknown value \"BLUE\" for enum test.Color");
    expect_decode_error(d, "{\"colorById\":{\"1\":null}}",
                        "colorById[\"1\"]: null is not allowed as a map value");
    expect_decode_error(d, "{\"colorById\":[]}",
                        "colorById: expected an object (map), got an array");
    expect_decode_error(d, "{\"oString\":\"a\",\"oInt\":1}",
                        "oInt: cannot be set together with oString (both belong to the same "
                        "oneof)");
    expect_decode_error(d, "{\"rFloat\":[1,{}]}",
                        "rFloat[1]: expected a number or \"NaN\", \"Infinity\", \"-Infinity\", got "
                        "an object");
}

static void test_generic_map_output_last_wins(void **state)
{
    (void)state;
    TestColorByIdEntry e[3];
    for (int i = 0; i < 3; i++)
        test_entry_init(&e[i].base);
    e[0].key = 1;
    e[0].value = TEST_RED;
    e[1].key = 2;
    e[1].value = TEST_GREEN;
    e[2].key = 1;
    e[2].value = TEST_GREEN;
    TestColorByIdEntry *entries[] = {&e[0], &e[1], &e[2]};
    TestScalars m;
    test_scalars_init(&m.base);
    m.n_color_by_id = 3;
    m.color_by_id = entries;
    expect_encoding(&m.base, "{\"colorById\":{\"2\":\"GREEN\",\"1\":\"GREEN\"}}");
}

static void test_depth_limit(void **state)
{
    (void)state;
    /* 32 nested messages are fine, the 33rd is refused; in both directions. */
    char text[1024] = "";
    char expected[ERR_MAX] = "";
    for (int i = 0; i < 31; i++)
        strcat(text, "{\"child\":");
    strcat(text, "{}");
    for (int i = 0; i < 31; i++)
        strcat(text, "}");
    ProtobufCMessage *m = decode_ok(&test_scalars_descriptor, text);
    protobuf_c_message_free_unpacked(m, NULL);

    strcpy(text, "");
    for (int i = 0; i < 32; i++)
        strcat(text, "{\"child\":");
    strcat(text, "{}");
    for (int i = 0; i < 32; i++)
        strcat(text, "}");
    for (int i = 0; i < 32; i++)
        strcat(expected, i == 0 ? "child" : ".child");
    strcat(expected, ": messages nested deeper than 32 levels");
    expect_decode_error(&test_scalars_descriptor, text, expected);

    TestScalars chain[33];
    for (int i = 0; i < 33; i++) {
        test_scalars_init(&chain[i].base);
        chain[i].child = i + 1 < 33 ? &chain[i + 1] : NULL;
    }
    char err[ERR_MAX];
    char *out = sc_json_message_to_string(&chain[1].base, err, sizeof err); /* 32 deep */
    assert_non_null(out);
    free(out);
    out = sc_json_message_to_string(&chain[0].base, err, sizeof err); /* 33 deep */
    assert_null(out);
    assert_string_equal(err, expected);
}

/* ---- error handling ---- */

static void test_unknown_field(void **state)
{
    (void)state;
    expect_decode_error(&streaming__stream_request__descriptor, "{\"unknownField\":1}",
                        "unknownField: no such field in streaming.StreamRequest");
    expect_decode_error(&streaming__stream_request__descriptor,
                        "{\"batchSize\":1,\"SubscriptionId\":\"x\"}",
                        "SubscriptionId: no such field in streaming.StreamRequest");
    expect_decode_error(&streaming__stream_response__descriptor,
                        "{\"dataPoints\":[{\"id\":\"a\"},{\"nope\":null}]}",
                        "dataPoints[1].nope: no such field in streaming.DataPoint");
    expect_decode_error(&streaming__upload_request__descriptor, "{\"metadata\":{\"size\":1}}",
                        "metadata.size: no such field in streaming.FileMetadata");
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_decode_error(
        &streaming__stream_response__descriptor, "{\"dataPoints\":[{},{},{\"timestamp\":true}]}",
        "dataPoints[2].timestamp: expected an integer (number or string), got true");
    expect_decode_error(&streaming__stream_request__descriptor, "{\"topics\":\"a\"}",
                        "topics: expected an array, got \"a\"");
    expect_decode_error(&streaming__stream_request__descriptor, "{\"topics\":[\"a\",1]}",
                        "topics[1]: expected a string, got 1");
    expect_decode_error(&streaming__stream_request__descriptor, "{\"topics\":[\"a\",null]}",
                        "topics[1]: null is not allowed in a repeated field");
    expect_decode_error(&streaming__stream_request__descriptor, "{\"topics\":[[[[\"a\"]]]]}",
                        "topics[0]: expected a string, got an array");
    expect_decode_error(&streaming__stream_request__descriptor, "{\"subscriptionId\":false}",
                        "subscriptionId: expected a string, got false");
    expect_decode_error(&streaming__stream_request__descriptor, "{\"batchSize\":{}}",
                        "batchSize: expected an integer (number or string), got an object");
    expect_decode_error(&streaming__stream_response__descriptor,
                        "{\"dataPoints\":[{\"metadata\":{\"k\":1}}]}",
                        "dataPoints[0].metadata[\"k\"]: expected a string, got 1");
    expect_decode_error(&streaming__data_point__descriptor,
                        "{\"metadata\":{\"a\":\"1\",\"b\":\"2\",\"a\":\"3\"}}",
                        "metadata[\"a\"]: map key given more than once");
    expect_decode_error(&streaming__data_point__descriptor, "{\"metadata\":[\"a\"]}",
                        "metadata: expected an object (map), got an array");
    /* A long offending string is shortened in the message. */
    expect_decode_error(&streaming__stream_request__descriptor,
                        "{\"batchSize\":\"0123456789012345678901234567890123456789XYZ\"}",
                        "batchSize: \"0123456789012345678901234567890123456789...\" is not an "
                        "integer");
}

static void test_non_object(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d = &streaming__stream_request__descriptor;
    expect_decode_error(d, "[]",
                        "(root): expected an object for streaming.StreamRequest, got an "
                        "array");
    expect_decode_error(d, "\"x\"",
                        "(root): expected an object for streaming.StreamRequest, got "
                        "\"x\"");
    expect_decode_error(d, "null",
                        "(root): expected an object for streaming.StreamRequest, got "
                        "null");
    expect_decode_error(d, "3", "(root): expected an object for streaming.StreamRequest, got 3");
    expect_decode_error(&streaming__upload_request__descriptor, "{\"metadata\":\"x\"}",
                        "metadata: expected an object for streaming.FileMetadata, got \"x\"");
    expect_decode_error(&streaming__stream_response__descriptor, "{\"dataPoints\":[{},7]}",
                        "dataPoints[1]: expected an object for streaming.DataPoint, got 7");
    char err[ERR_MAX];
    assert_null(sc_json_to_message(d, NULL, err, sizeof err));
    assert_string_equal(err, "(root): expected an object for streaming.StreamRequest, got nothing");
}

static void test_null_means_default(void **state)
{
    (void)state;
    Streaming__DataPoint *dp = (Streaming__DataPoint *)decode_ok(
        &streaming__data_point__descriptor,
        "{\"id\":null,\"value\":null,\"timestamp\":null,\"metadata\":null}");
    assert_int_equal(protobuf_c_message_get_packed_size(&dp->base), 0);
    protobuf_c_message_free_unpacked(&dp->base, NULL);
    Streaming__UploadRequest *up = (Streaming__UploadRequest *)decode_ok(
        &streaming__upload_request__descriptor, "{\"metadata\":null}");
    assert_int_equal(up->payload_case, STREAMING__UPLOAD_REQUEST__PAYLOAD__NOT_SET);
    protobuf_c_message_free_unpacked(&up->base, NULL);
}

static void test_duplicate_fields(void **state)
{
    (void)state;
    expect_decode_error(&streaming__stream_request__descriptor,
                        "{\"batchSize\":1,\"batch_size\":2}",
                        "batch_size: field batch_size given more than once");
    expect_decode_error(&streaming__stream_request__descriptor,
                        "{\"topics\":[],\"topics\":[\"a\"]}",
                        "topics: field topics given more than once");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    expect_decode_error(&streaming__data_point__descriptor, "{\"id\":\"a\xff\"}",
                        "id: string is not valid UTF-8");
    expect_decode_error(&streaming__data_point__descriptor, "{\"id\":\"\xc0\xaf\"}",
                        "id: string is not valid UTF-8");
    expect_decode_error(&streaming__data_point__descriptor,
                        "{\"metadata\":{\"\xed\xa0\x80\":\"v\"}}",
                        "metadata[\"\xed\xa0\x80\"]: string is not valid UTF-8");

    char err[ERR_MAX];
    Streaming__DataPoint dp = STREAMING__DATA_POINT__INIT;
    dp.id = "\xc3";
    assert_null(sc_json_from_message(&dp.base, err, sizeof err));
    assert_string_equal(err, "id: string is not valid UTF-8");
    Streaming__DataPoint__MetadataEntry e = STREAMING__DATA_POINT__METADATA_ENTRY__INIT;
    e.key = "\xf5\x80\x80\x80";
    Streaming__DataPoint__MetadataEntry *entries[] = {&e};
    dp.id = "ok";
    dp.n_metadata = 1;
    dp.metadata = entries;
    assert_null(sc_json_message_to_string(&dp.base, err, sizeof err));
    assert_string_equal(err, "metadata: map key is not valid UTF-8");
}

static void test_text_api_errors(void **state)
{
    (void)state;
    char err[ERR_MAX];
    const ProtobufCMessageDescriptor *d = &streaming__stream_request__descriptor;
    assert_null(sc_json_message_from_string(d, "{\"batchSize\":", err, sizeof err));
    assert_string_equal(err, "(root): invalid JSON (parsing stopped at byte 13)");
    assert_null(sc_json_message_from_string(d, "{} x", err, sizeof err));
    assert_non_null(strstr(err, "invalid JSON"));
    assert_null(sc_json_message_from_string(d, "", err, sizeof err));
    assert_non_null(strstr(err, "invalid JSON"));
    assert_null(sc_json_message_from_string(d, NULL, err, sizeof err));
    assert_string_equal(err, "(root): no JSON text given");
    assert_null(sc_json_message_from_string(NULL, "{}", err, sizeof err));
    assert_string_equal(err, "(root): no valid message descriptor given");
    assert_null(sc_json_from_message(NULL, err, sizeof err));
    assert_string_equal(err, "(root): no message given");

    /* A short buffer gets a truncated, terminated message; no buffer at all is fine too. */
    char tiny[8];
    memset(tiny, 'X', sizeof tiny);
    assert_null(sc_json_message_from_string(d, "{\"unknownField\":1}", tiny, sizeof tiny));
    assert_string_equal(tiny, "unknown");
    assert_null(sc_json_message_from_string(d, "{\"unknownField\":1}", NULL, 0));
    Streaming__DataPoint dp = STREAMING__DATA_POINT__INIT;
    dp.id = "\xff";
    assert_null(sc_json_message_to_string(&dp.base, NULL, 0));

    /* Success clears a stale message. */
    strcpy(err, "stale");
    ProtobufCMessage *m = sc_json_message_from_string(d, "{}", err, sizeof err);
    assert_non_null(m);
    assert_string_equal(err, "");
    protobuf_c_message_free_unpacked(m, NULL);
}

static void test_find_descriptor(void **state)
{
    (void)state;
    assert_ptr_equal(sc_json_find_descriptor("streaming.StreamRequest"),
                     &streaming__stream_request__descriptor);
    assert_ptr_equal(sc_json_find_descriptor("StreamRequest"),
                     &streaming__stream_request__descriptor);
    assert_ptr_equal(sc_json_find_descriptor("streaming.DataPoint"),
                     &streaming__data_point__descriptor);
    assert_ptr_equal(sc_json_find_descriptor("StreamResponse"),
                     &streaming__stream_response__descriptor);
    assert_ptr_equal(sc_json_find_descriptor("UploadRequest"),
                     &streaming__upload_request__descriptor);
    assert_ptr_equal(sc_json_find_descriptor("streaming.FileMetadata"),
                     &streaming__file_metadata__descriptor);
    assert_ptr_equal(sc_json_find_descriptor("UploadResponse"),
                     &streaming__upload_response__descriptor);
    assert_ptr_equal(sc_json_find_descriptor("ChatMessage"), &streaming__chat_message__descriptor);
    assert_null(sc_json_find_descriptor("streaming.Nope"));
    assert_null(sc_json_find_descriptor("streamrequest"));
    assert_null(sc_json_find_descriptor(""));
    assert_null(sc_json_find_descriptor(NULL));
}

/* Random text, every prefix of a valid document, single-byte mutations and absurd nesting: each
 * call must either succeed or fail with a message; ASan/valgrind check the rest. */
static void test_garbage_never_crashes(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *descs[] = {
        &streaming__data_point__descriptor,      &streaming__stream_request__descriptor,
        &streaming__stream_response__descriptor, &streaming__upload_request__descriptor,
        &streaming__file_metadata__descriptor,   &streaming__upload_response__descriptor,
        &streaming__chat_message__descriptor,    &test_scalars_descriptor,
    };
    const size_t n_descs = sizeof descs / sizeof descs[0];
    const char valid[] =
        "{\"dataPoints\":[{\"id\":\"a\",\"value\":1.5,\"timestamp\":\"-3\",\"metadata\":"
        "{\"k\":\"v\",\"k2\":\"\"}},{\"value\":\"NaN\"}],\"sequenceNumber\":42}";
    const char alphabet[] = "{}[]\":,0123456789.-+eEtrufalsn\\ u\xff\xc3"
                            "abcxyzIN";
    char err[ERR_MAX];
    char buf[sizeof valid];
    size_t successes = 0, failures = 0;

    ProtobufCMessage *whole = sc_json_message_from_string(&streaming__stream_response__descriptor,
                                                          valid, err, sizeof err);
    assert_non_null(whole);
    protobuf_c_message_free_unpacked(whole, NULL);

    for (size_t len = 0; len + 1 < sizeof valid; len++) {
        memcpy(buf, valid, len);
        buf[len] = '\0';
        ProtobufCMessage *m = sc_json_message_from_string(&streaming__stream_response__descriptor,
                                                          buf, err, sizeof err);
        assert_null(m); /* every proper prefix is incomplete JSON */
        assert_true(err[0] != '\0');
    }

    uint64_t rng = 42;
    for (int i = 0; i < 20000; i++) {
        memcpy(buf, valid, sizeof valid);
        int edits = 1 + (int)(lcg_next(&rng) >> 60);
        for (int k = 0; k < edits; k++) {
            size_t pos = (size_t)(lcg_next(&rng) >> 33) % (sizeof valid - 1);
            buf[pos] = alphabet[(lcg_next(&rng) >> 33) % (sizeof alphabet - 1)];
        }
        const ProtobufCMessageDescriptor *d = descs[(lcg_next(&rng) >> 33) % n_descs];
        ProtobufCMessage *m = sc_json_message_from_string(d, buf, err, sizeof err);
        if (m != NULL) {
            successes++;
            char *again = sc_json_message_to_string(m, err, sizeof err);
            assert_non_null(again); /* anything accepted can be printed */
            free(again);
            protobuf_c_message_free_unpacked(m, NULL);
        } else {
            failures++;
            assert_true(err[0] != '\0');
        }
    }
    for (int i = 0; i < 5000; i++) {
        size_t len = (size_t)(lcg_next(&rng) >> 58);
        for (size_t k = 0; k < len; k++)
            buf[k] = alphabet[(lcg_next(&rng) >> 33) % (sizeof alphabet - 1)];
        buf[len] = '\0';
        const ProtobufCMessageDescriptor *d = descs[(lcg_next(&rng) >> 33) % n_descs];
        ProtobufCMessage *m = sc_json_message_from_string(d, buf, err, sizeof err);
        if (m != NULL) {
            successes++;
            protobuf_c_message_free_unpacked(m, NULL);
        } else {
            failures++;
            assert_true(err[0] != '\0');
        }
    }
    assert_true(successes > 0);
    assert_true(failures > 0);

    /* Nesting far beyond any limit: refused by cJSON's parser or by our field checks. */
    const size_t deep = 200000;
    char *big = malloc(deep * 2 + 64);
    assert_non_null(big);
    memset(big, '[', deep);
    big[deep] = '\0';
    assert_null(sc_json_message_from_string(&test_scalars_descriptor, big, err, sizeof err));
    assert_non_null(strstr(err, "invalid JSON"));
    strcpy(big, "{\"topics\":");
    size_t at = strlen(big);
    for (size_t k = 0; k < 900; k++)
        big[at++] = '[';
    for (size_t k = 0; k < 900; k++)
        big[at++] = ']';
    big[at++] = '}';
    big[at] = '\0';
    assert_null(
        sc_json_message_from_string(&streaming__stream_request__descriptor, big, err, sizeof err));
    assert_string_equal(err, "topics[0]: expected a string, got an array");
    free(big);
}

/* ---- the internal helpers shared by the encoder and the decoder (sc_json_ctx, sc_json_field) */

static void test_ctx_path_and_first_error(void **state)
{
    (void)state;
    char err[ERR_MAX];
    sc_json_ctx ctx;
    sc_json_ctx_init(&ctx, err, sizeof err);
    assert_string_equal(err, "");
    size_t root = sc_json_path_push_field(&ctx, "items");
    size_t saved = sc_json_path_push(&ctx, "[%d]", 2);
    sc_json_path_push_field(&ctx, "name");
    sc_json_fail(&ctx, "bad %s", "value");
    sc_json_fail(&ctx, "ignored"); /* only the first error is kept */
    assert_string_equal(err, "items[2].name: bad value");
    sc_json_path_pop(&ctx, saved);
    assert_string_equal(ctx.path, "items");
    sc_json_path_pop(&ctx, root);
    assert_string_equal(ctx.path, "");

    sc_json_ctx_init(&ctx, err, sizeof err);
    sc_json_fail(&ctx, "at the top");
    assert_string_equal(err, "(root): at the top");
    sc_json_ctx_init(&ctx, NULL, 0); /* no buffer: still records that it failed */
    sc_json_fail(&ctx, "nowhere");
    assert_true(ctx.failed);
}

static void test_text_helpers(void **state)
{
    (void)state;
    char buf[SC_JSON_SCRATCH];
    bool frac;
    assert_true(sc_json_scan_number("-12", &frac));
    assert_false(frac);
    assert_true(sc_json_scan_number("0.5e-3", &frac));
    assert_true(frac);
    assert_false(sc_json_scan_number("01", &frac));
    assert_false(sc_json_scan_number("1.", &frac));
    assert_false(sc_json_scan_number("", &frac));
    assert_false(sc_json_scan_number("1e", &frac));
    sc_json_format_double(0.1, buf, sizeof buf);
    assert_string_equal(buf, "0.1");
    sc_json_format_double(-INFINITY, buf, sizeof buf);
    assert_string_equal(buf, "-Infinity");
    sc_json_format_float(0.1f, buf, sizeof buf);
    assert_string_equal(buf, "0.1");
    assert_true(sc_json_utf8_valid("caf\xc3\xa9"));
    assert_false(sc_json_utf8_valid("\xc0\x80"));         /* overlong NUL */
    assert_false(sc_json_utf8_valid("\xed\xa0\x80"));     /* a surrogate */
    assert_false(sc_json_utf8_valid("\xf4\x90\x80\x80")); /* above U+10FFFF */
    cJSON *t = cJSON_CreateTrue();
    assert_string_equal(sc_json_describe(t, buf, sizeof buf), "true");
    cJSON_Delete(t);
    assert_string_equal(sc_json_describe(NULL, buf, sizeof buf), "nothing");
}

static void test_field_helpers(void **state)
{
    (void)state;
    char *name = sc_json_name_dup("color_by_id");
    assert_non_null(name);
    assert_string_equal(name, "colorById");
    free(name);
    assert_true(sc_json_name_equals("f_int32", "fInt32"));
    assert_false(sc_json_name_equals("f_int32", "f_int32"));
    const ProtobufCFieldDescriptor *map = sc_json_find_field(&test_scalars_descriptor, "colorById");
    assert_non_null(map);
    assert_ptr_equal(sc_json_find_field(&test_scalars_descriptor, "color_by_id"), map);
    assert_true(sc_json_field_is_map(&test_scalars_descriptor, map));
    const ProtobufCFieldDescriptor *rep = sc_json_find_field_by_id(&test_scalars_descriptor, 17);
    assert_non_null(rep);
    assert_string_equal(rep->name, "r_int64");
    assert_false(sc_json_field_is_map(&test_scalars_descriptor, rep));
    assert_null(sc_json_find_field(&test_scalars_descriptor, "nope"));
    assert_null(sc_json_find_field_by_id(&test_scalars_descriptor, 99));
    sc_json_int_limits lim = sc_json_int_limits_of(PROTOBUF_C_TYPE_UINT32);
    assert_false(lim.is_signed);
    assert_true(lim.max == UINT32_MAX);
    assert_string_equal(lim.name, "uint32");
    assert_int_equal(sc_json_value_size(PROTOBUF_C_TYPE_BYTES), sizeof(ProtobufCBinaryData));
    assert_true(sc_json_is_pointer_type(PROTOBUF_C_TYPE_STRING));
    assert_false(sc_json_is_pointer_type(PROTOBUF_C_TYPE_BYTES));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_request_encode),
        cmocka_unit_test(test_stream_request_decode_both_names),
        cmocka_unit_test(test_defaults_omitted),
        cmocka_unit_test(test_data_point_both_directions),
        cmocka_unit_test(test_stream_response_nested),
        cmocka_unit_test(test_upload_request_oneof),
        cmocka_unit_test(test_other_messages_roundtrip),
        cmocka_unit_test(test_int64_as_strings),
        cmocka_unit_test(test_int32_range),
        cmocka_unit_test(test_bytes_base64),
        cmocka_unit_test(test_base64_decode_max),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_generic_scalars_encode),
        cmocka_unit_test(test_generic_scalars_decode),
        cmocka_unit_test(test_generic_errors),
        cmocka_unit_test(test_generic_map_output_last_wins),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_non_object),
        cmocka_unit_test(test_null_means_default),
        cmocka_unit_test(test_duplicate_fields),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_text_api_errors),
        cmocka_unit_test(test_find_descriptor),
        cmocka_unit_test(test_garbage_never_crashes),
        cmocka_unit_test(test_ctx_path_and_first_error),
        cmocka_unit_test(test_text_helpers),
        cmocka_unit_test(test_field_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
