/* Unit tests for sc_json: canonical proto3 JSON <-> protobuf-c messages (both directions, every
 * streaming.proto message, the scalar types). Errors, garbage input and the internal helpers are in
 * test_json_errors.c. */
#include "json_test_support.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
