/* How the handler hands its messages to the host: GetData's and SubscribeData's as wire bytes
 * (checked by unpacking them), which may wait in a buffer for what follows (more_follows:
 * GRPC_WRITE_BUFFER_HINT), and GetData's headers riding with its response; and UploadFile's
 * chunks taken in pieces without unpacking. */
#include "handler_test_support.h"

/* Without a delay the response carries the headers (headers_out once it is handed out) and
 * waits for the status behind it (more_follows); with a delay the headers go first, at once. */
static void getdata_headers_ride_with_the_response(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_GET, 0, NULL);
    expect_nothing_yet(&h, 0);
    send_request(&h, "s", 1, 1, 1, "t");
    sc_out o = sc_handler_next_output(&h, at(1));
    assert_int_equal(o.kind, SC_OUT_MESSAGE);
    assert_true(o.more_follows);
    assert_true(h.headers_out);
    free_msg(out_message(&o));
    sc_handler_on_sent(&h, true, at(1));
    expect_status(&h, 1, SC_STATUS_OK, "");
    sc_handler_free(&h, at(1));

    start(&h, SC_METHOD_GET, 0, "x-sc-response-delay-ms", "5", NULL);
    expect_headers(&h, 0);
    send_request(&h, "s", 1, 1, 1, "t");
    assert_int_equal(sc_handler_next_output(&h, at(1)).kind, SC_OUT_NONE); /* the delay */
    free_msg(expect_message(&h, 6));
    expect_status(&h, 6, SC_STATUS_OK, "");
    sc_handler_free(&h, at(6));
}

/* Held messages (GRPC_WRITE_BUFFER_HINT) only while the next one is due at once: never with a
 * delay, never on the last before max-responses, and at most SC_MAX_HELD_MESSAGES in a row. */
static bool next_held(sc_handler *h, int64_t now)
{
    sc_out o = sc_handler_next_output(h, at(now));
    assert_int_equal(o.kind, SC_OUT_MESSAGE);
    free_msg(out_message(&o));
    sc_handler_on_sent(h, true, at(now));
    return o.more_follows;
}

static void subscribe_holds_only_when_more_follow_at_once(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_SUBSCRIBE, 0, "x-sc-response-delay-ms", "0", "x-sc-max-responses", "40",
          NULL);
    expect_headers(&h, 0);
    send_request(&h, "s", 1, 0, 1, "t");
    for (int i = 0; i < 39; i++) /* a flush every SC_MAX_HELD_MESSAGES, and the 40th */
        assert_int_equal(next_held(&h, 0), (i + 1) % SC_MAX_HELD_MESSAGES != 0);
    assert_false(next_held(&h, 0));
    expect_status(&h, 0, SC_STATUS_OK, "");
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_SUBSCRIBE, 0, "x-sc-response-delay-ms", "1", NULL);
    expect_headers(&h, 0);
    send_request(&h, "s", 1, 0, 1, "t");
    assert_int_equal(sc_handler_next_output(&h, at(0)).kind, SC_OUT_NONE);
    assert_false(next_held(&h, 1));
    sc_handler_free(&h, at(1));

    start(&h, SC_METHOD_SUBSCRIBE, 0, "x-sc-response-delay-ms", "0", "x-sc-fail-code", "ABORTED",
          "x-sc-fail-after", "2", NULL);
    expect_headers(&h, 0);
    send_request(&h, "s", 1, 0, 1, "t");
    assert_true(next_held(&h, 0));
    assert_false(next_held(&h, 0)); /* the failure follows it */
    expect_status(&h, 0, SC_STATUS_ABORTED, SC_INJECTED_FAILURE_MESSAGE);
    sc_handler_free(&h, at(0));
}

/* A chunk given in pieces (the server's in-place path) counts and hashes as the same chunk
 * unpacked; before the metadata and over the limit it ends the call the same way. */
static void upload_chunk_in_pieces(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_UPLOAD, 0, NULL);
    expect_headers(&h, 0);
    sc_handler_piece early = {(const uint8_t *)"x", 1};
    sc_handler_on_upload_chunk(&h, &early, 1, at(0));
    expect_status(&h, 0, SC_STATUS_INVALID_ARGUMENT, "chunk before metadata");
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_UPLOAD, 0, NULL);
    expect_headers(&h, 0);
    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    Streaming__UploadRequest meta = STREAMING__UPLOAD_REQUEST__INIT;
    fm.total_size = 11;
    meta.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA;
    meta.metadata = &fm;
    sc_handler_on_message(&h, &meta.base, at(0));
    sc_handler_piece pieces[] = {{(const uint8_t *)"hel", 3}, {(const uint8_t *)"lo ", 3}};
    sc_handler_on_upload_chunk(&h, pieces, 2, at(0));
    sc_handler_piece world = {(const uint8_t *)"world", 5};
    sc_handler_on_upload_chunk(&h, &world, 1, at(0));
    sc_handler_on_upload_chunk(&h, NULL, 0, at(0)); /* an empty chunk */
    assert_int_equal(h.received, 4);
    sc_handler_on_half_close(&h, at(0));
    Streaming__UploadResponse *r = (Streaming__UploadResponse *)expect_message(&h, 0);
    assert_int_equal(r->bytes_received, 11);
    assert_string_equal(r->checksum, /* sha256("hello world") */
                        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    free_msg(&r->base);
    sc_handler_free(&h, at(0));

    env.max_upload_bytes = 4;
    start(&h, SC_METHOD_UPLOAD, 0, NULL);
    expect_headers(&h, 0);
    sc_handler_on_message(&h, &meta.base, at(0));
    sc_handler_on_upload_chunk(&h, pieces, 2, at(0));
    expect_status(&h, 0, SC_STATUS_RESOURCE_EXHAUSTED, "upload exceeds 4 bytes");
    sc_handler_free(&h, at(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(getdata_headers_ride_with_the_response, setup),
        cmocka_unit_test_setup(subscribe_holds_only_when_more_follow_at_once, setup),
        cmocka_unit_test_setup(upload_chunk_in_pieces, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
