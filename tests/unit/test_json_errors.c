/* Unit tests for sc_json: error handling (unknown fields, wrong types, invalid UTF-8, the text
 * API), garbage input that must never crash, and the helpers shared by the encoder and the
 * decoder (sc_json_ctx, sc_json_field). */
#include "json_test_support.h"

#include "sc_json_ctx.h"
#include "sc_json_field.h"

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
    assert_string_equal(err, "(root): invalid JSON at line 1, column 14, at the end of input");
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
/* The descriptors garbage is decoded as: every streaming.proto message and test.Scalars. */
static const ProtobufCMessageDescriptor *const garbage_descs[] = {
    &streaming__data_point__descriptor,      &streaming__stream_request__descriptor,
    &streaming__stream_response__descriptor, &streaming__upload_request__descriptor,
    &streaming__file_metadata__descriptor,   &streaming__upload_response__descriptor,
    &streaming__chat_message__descriptor,    &test_scalars_descriptor,
};
#define GARBAGE_N_DESCS (sizeof garbage_descs / sizeof garbage_descs[0])

/* The valid message the garbage tests cut and mutate, and the bytes they mutate it with. */
static const char garbage_valid[] =
    "{\"dataPoints\":[{\"id\":\"a\",\"value\":1.5,\"timestamp\":\"-3\",\"metadata\":"
    "{\"k\":\"v\",\"k2\":\"\"}},{\"value\":\"NaN\"}],\"sequenceNumber\":42}";
static const char garbage_alphabet[] = "{}[]\":,0123456789.-+eEtrufalsn\\ u\xff\xc3"
                                       "abcxyzIN";

static void test_garbage_prefixes(void **state)
{
    (void)state;
    char err[ERR_MAX];
    char buf[sizeof garbage_valid];
    ProtobufCMessage *whole = sc_json_message_from_string(&streaming__stream_response__descriptor,
                                                          garbage_valid, err, sizeof err);
    assert_non_null(whole);
    protobuf_c_message_free_unpacked(whole, NULL);

    for (size_t len = 0; len + 1 < sizeof garbage_valid; len++) {
        memcpy(buf, garbage_valid, len);
        buf[len] = '\0';
        ProtobufCMessage *m = sc_json_message_from_string(&streaming__stream_response__descriptor,
                                                          buf, err, sizeof err);
        assert_null(m); /* every proper prefix is incomplete JSON */
        assert_true(err[0] != '\0');
    }
}

/* Decode `buf` as a random descriptor: either a message (printed again when `reprint`: anything
 * accepted can be printed) or an error message; counts which. */
static void garbage_decode(const char *buf, uint64_t *rng, bool reprint, size_t *successes,
                           size_t *failures)
{
    char err[ERR_MAX];
    const ProtobufCMessageDescriptor *d = garbage_descs[(lcg_next(rng) >> 33) % GARBAGE_N_DESCS];
    ProtobufCMessage *m = sc_json_message_from_string(d, buf, err, sizeof err);
    if (m != NULL) {
        (*successes)++;
        if (reprint) {
            char *again = sc_json_message_to_string(m, err, sizeof err);
            assert_non_null(again); /* anything accepted can be printed */
            free(again);
        }
        protobuf_c_message_free_unpacked(m, NULL);
    } else {
        (*failures)++;
        assert_true(err[0] != '\0');
    }
}

static void test_garbage_mutations(void **state)
{
    (void)state;
    char buf[sizeof garbage_valid];
    size_t successes = 0, failures = 0;
    uint64_t rng = 42;
    for (int i = 0; i < 20000; i++) {
        memcpy(buf, garbage_valid, sizeof garbage_valid);
        int edits = 1 + (int)(lcg_next(&rng) >> 60);
        for (int k = 0; k < edits; k++) {
            size_t pos = (size_t)(lcg_next(&rng) >> 33) % (sizeof garbage_valid - 1);
            buf[pos] = garbage_alphabet[(lcg_next(&rng) >> 33) % (sizeof garbage_alphabet - 1)];
        }
        garbage_decode(buf, &rng, true, &successes, &failures);
    }
    for (int i = 0; i < 5000; i++) {
        size_t len = (size_t)(lcg_next(&rng) >> 58);
        for (size_t k = 0; k < len; k++)
            buf[k] = garbage_alphabet[(lcg_next(&rng) >> 33) % (sizeof garbage_alphabet - 1)];
        buf[len] = '\0';
        garbage_decode(buf, &rng, false, &successes, &failures);
    }
    assert_true(successes > 0);
    assert_true(failures > 0);
}

/* Nesting far beyond any limit: refused by cJSON's parser or by our field checks. */
static void test_garbage_deep_nesting(void **state)
{
    (void)state;
    char err[ERR_MAX];
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
        cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_non_object),
        cmocka_unit_test(test_null_means_default),
        cmocka_unit_test(test_duplicate_fields),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_text_api_errors),
        cmocka_unit_test(test_find_descriptor),
        cmocka_unit_test(test_garbage_prefixes),
        cmocka_unit_test(test_garbage_mutations),
        cmocka_unit_test(test_garbage_deep_nesting),
        cmocka_unit_test(test_ctx_path_and_first_error),
        cmocka_unit_test(test_text_helpers),
        cmocka_unit_test(test_field_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
