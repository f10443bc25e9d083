/* json_test_support: what the sc_json unit tests share (tests/unit/test_json.c,
 * test_json_errors.c): a hand-written descriptor (test.Scalars) and assertion helpers. Not a test
 * of its own (the unit test glob takes test_*.c only). */
#ifndef JSON_TEST_SUPPORT_H
#define JSON_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sc_base64.h"
#include "sc_json.h"
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

static inline void test_entry_init(ProtobufCMessage *m)
{
    static const TestColorByIdEntry init = {.base =
                                                PROTOBUF_C_MESSAGE_INIT(&test_entry_descriptor)};
    *(TestColorByIdEntry *)m = init;
}

static inline void test_scalars_init(ProtobufCMessage *m)
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

static inline ProtobufCMessage *decode_ok(const ProtobufCMessageDescriptor *desc, const char *text)
{
    char err[ERR_MAX];
    ProtobufCMessage *msg = sc_json_message_from_string(desc, text, err, sizeof err);
    if (msg == NULL)
        fail_msg("decoding %s failed: %s", text, err);
    assert_string_equal(err, "");
    return msg;
}

static inline void expect_decode_error(const ProtobufCMessageDescriptor *desc, const char *text,
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
static inline void expect_encoding(const ProtobufCMessage *msg, const char *expected)
{
    char err[ERR_MAX];
    char *text = sc_json_message_to_string(msg, err, sizeof err);
    if (text == NULL)
        fail_msg("encoding failed: %s", err);
    assert_string_equal(text, expected);
    free(text);
}

static inline void assert_same_packed(const ProtobufCMessage *a, const ProtobufCMessage *b)
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
static inline char *assert_roundtrip(const ProtobufCMessage *msg)
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

static inline uint64_t lcg_next(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return *state;
}

#endif
