/* sc_wire_strings: proto3 strings checked on the wire before protobuf-c unpacks them (issue 15):
 * invalid UTF-8 and a NUL inside a string are named, at any depth; other fields are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sc_wire_strings.h"
#include "streaming.pb-c.h"

static sc_wire_rc check_packed(const ProtobufCMessage *msg, char *field, size_t fieldlen)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    protobuf_c_message_pack(msg, buf);
    sc_wire_rc rc = sc_wire_check_strings(msg->descriptor, buf, len, field, fieldlen);
    free(buf);
    return rc;
}

static void utf8_strict(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"", 1},
        {"plain ascii", 1},
        {"\xc3\xa9", 1},         /* é */
        {"\xe2\x98\x83", 1},     /* snowman */
        {"\xf0\x9d\x84\x9e", 1}, /* U+1D11E */
        {"\xf4\x8f\xbf\xbf", 1}, /* U+10FFFF */
        {"\xff", 0},             /* never in UTF-8 */
        {"\xc0\xaf", 0},         /* overlong '/' */
        {"\xe0\x80\xaf", 0},     /* overlong */
        {"\xed\xa0\x80", 0},     /* surrogate */
        {"\xf4\x90\x80\x80", 0}, /* above U+10FFFF */
        {"\xc3", 0},             /* truncated */
        {"\xe2\x98", 0},         /* truncated */
        {"a\x80", 0},            /* lone continuation */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(sc_wire_utf8_valid((const uint8_t *)cases[i].s, strlen(cases[i].s)),
                         cases[i].ok);
}

static void a_clean_request_passes(void **state)
{
    (void)state;
    char *topics[] = {"m\xc3\xa9trics", "events"};
    Streaming__StreamRequest r = STREAMING__STREAM_REQUEST__INIT;
    r.subscription_id = "sub";
    r.topics = topics;
    r.n_topics = 2;
    r.batch_size = -5; /* a 10-byte varint */
    char field[64];
    assert_int_equal(check_packed(&r.base, field, sizeof field), SC_WIRE_OK);
    assert_string_equal(field, "");
}

static void bad_utf8_is_named(void **state)
{
    (void)state;
    char *topics[] = {"ok", "bad\xff"};
    Streaming__StreamRequest r = STREAMING__STREAM_REQUEST__INIT;
    r.subscription_id = "sub";
    r.topics = topics;
    r.n_topics = 2;
    char field[64];
    assert_int_equal(check_packed(&r.base, field, sizeof field), SC_WIRE_BAD_UTF8);
    assert_string_equal(field, "StreamRequest.topics");
}

/* Nested: FileMetadata inside UploadRequest, and a map entry inside DataPoint. */
static void nested_strings_are_checked(void **state)
{
    (void)state;
    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    fm.filename = "f.txt";
    fm.content_type = "text/\xed\xa0\x80";
    Streaming__UploadRequest up = STREAMING__UPLOAD_REQUEST__INIT;
    up.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA;
    up.metadata = &fm;
    char field[64];
    assert_int_equal(check_packed(&up.base, field, sizeof field), SC_WIRE_BAD_UTF8);
    assert_string_equal(field, "FileMetadata.content_type");

    Streaming__DataPoint__MetadataEntry e = STREAMING__DATA_POINT__METADATA_ENTRY__INIT;
    e.key = "topic";
    e.value = "\xc0\xaf";
    Streaming__DataPoint__MetadataEntry *entries[] = {&e};
    Streaming__DataPoint dp = STREAMING__DATA_POINT__INIT;
    dp.id = "id";
    dp.metadata = entries;
    dp.n_metadata = 1;
    assert_int_equal(check_packed(&dp.base, field, sizeof field), SC_WIRE_BAD_UTF8);
    assert_string_equal(field, "MetadataEntry.value");
}

/* Raw bytes: a NUL in a string, bytes (not a string) with anything, truncated input. */
static void raw_wire_cases(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d = &streaming__stream_request__descriptor;
    const ProtobufCMessageDescriptor *u = &streaming__upload_request__descriptor;
    char field[64];
    static const uint8_t nul[] = {0x0a, 0x03, 'a', 0x00, 'b'};
    assert_int_equal(sc_wire_check_strings(d, nul, sizeof nul, field, sizeof field), SC_WIRE_NUL);
    assert_string_equal(field, "StreamRequest.subscription_id");
    static const uint8_t chunk[] = {0x12, 0x03, 0xff, 0x00, 0xc0}; /* UploadRequest.chunk: bytes */
    assert_int_equal(sc_wire_check_strings(u, chunk, sizeof chunk, field, sizeof field),
                     SC_WIRE_OK);
    static const uint8_t unknown[] = {0xfa, 0x01, 0x01, 0xff}; /* field 31: unknown, not read */
    assert_int_equal(sc_wire_check_strings(d, unknown, sizeof unknown, field, sizeof field),
                     SC_WIRE_OK);
    static const uint8_t fixed[] = {0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1d, 1, 2, 3, 4};
    assert_int_equal(sc_wire_check_strings(d, fixed, sizeof fixed, field, sizeof field),
                     SC_WIRE_OK);
    static const uint8_t truncated[] = {0x0a, 0x05, 'a'};
    assert_int_equal(sc_wire_check_strings(d, truncated, sizeof truncated, field, sizeof field),
                     SC_WIRE_MALFORMED);
    static const uint8_t long_varint[] = {0x18, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(sc_wire_check_strings(d, long_varint, sizeof long_varint, field, sizeof field),
                     SC_WIRE_MALFORMED);
    static const uint8_t group[] = {0x0b, 0x0c};
    assert_int_equal(sc_wire_check_strings(d, group, sizeof group, field, sizeof field),
                     SC_WIRE_MALFORMED);
    static const uint8_t field_zero[] = {0x02, 0x00};
    assert_int_equal(sc_wire_check_strings(d, field_zero, sizeof field_zero, field, sizeof field),
                     SC_WIRE_MALFORMED);
    assert_int_equal(sc_wire_check_strings(d, NULL, 0, field, sizeof field), SC_WIRE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_strict),       cmocka_unit_test(a_clean_request_passes),
        cmocka_unit_test(bad_utf8_is_named), cmocka_unit_test(nested_strings_are_checked),
        cmocka_unit_test(raw_wire_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
