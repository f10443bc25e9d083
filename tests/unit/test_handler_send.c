/* How the handler hands its messages to the host: GetData's and SubscribeData's as wire bytes
 * (checked by unpacking them), which may wait in a buffer for what follows (more_follows:
 * GRPC_WRITE_BUFFER_HINT), and GetData's headers riding with its response. */
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

    start(&h, SC_METHOD_SUBSCRIBE, 0, "x-sc-response-delay-ms", "0", "x-sc-fail-code",
          "ABORTED", "x-sc-fail-after", "2", NULL);
    expect_headers(&h, 0);
    send_request(&h, "s", 1, 0, 1, "t");
    assert_true(next_held(&h, 0));
    assert_false(next_held(&h, 0)); /* the failure follows it */
    expect_status(&h, 0, SC_STATUS_ABORTED, SC_INJECTED_FAILURE_MESSAGE);
    sc_handler_free(&h, at(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(getdata_headers_ride_with_the_response, setup),
        cmocka_unit_test_setup(subscribe_holds_only_when_more_follow_at_once, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
