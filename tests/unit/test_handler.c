/* The server's per-call protocol logic, driven by hand: no network, time injected. */
#include "handler_test_support.h"

/* ---- GetData --------------------------------------------------------------------------- */

/* A second request on GetData (which the host never reads: wants_recv says no) is ignored and
 * not leaked: the first request stands (found by tests/fuzz/fuzz_handler). */
static void getdata_second_request_is_ignored(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_GET, 0, NULL);
    expect_nothing_yet(&h, 0);
    send_request(&h, "first", 1, 1, 1, "a");
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    char *topics[] = {"b"};
    req.subscription_id = "second";
    req.topics = topics;
    req.n_topics = 1;
    sc_handler_on_message(&h, &req.base, at(1));
    Streaming__StreamResponse *r = (Streaming__StreamResponse *)expect_message(&h, 1);
    assert_int_equal(r->n_data_points, 1);
    assert_string_equal(r->data_points[0]->id, "first-0-0");
    free_msg(&r->base);
    expect_status(&h, 1, SC_STATUS_OK, NULL);
    sc_handler_free(&h, at(1));
}

static void getdata_happy_path(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_GET, 0, NULL);
    expect_nothing_yet(&h, 0);
    send_request(&h, "sub", 3, 1, 2, "a", "b");
    assert_false(sc_handler_wants_recv(&h));
    Streaming__StreamResponse *r = (Streaming__StreamResponse *)expect_message(&h, 1);
    assert_int_equal(r->sequence_number, 0);
    assert_int_equal(r->n_data_points, 3);
    const char *want_topic[] = {"a", "b", "a"};
    for (size_t i = 0; i < 3; i++) {
        char id[32];
        snprintf(id, sizeof id, "sub-0-%zu", i);
        assert_string_equal(r->data_points[i]->id, id);
        assert_true(r->data_points[i]->value >= 0.0 && r->data_points[i]->value < 100.0);
        assert_int_equal(r->data_points[i]->timestamp, at(1).wall_ns);
        assert_int_equal(r->data_points[i]->n_metadata, 1);
        assert_string_equal(r->data_points[i]->metadata[0]->key, "topic");
        assert_string_equal(r->data_points[i]->metadata[0]->value, want_topic[i]);
    }
    free_msg(&r->base);
    expect_status(&h, 1, SC_STATUS_OK, "");
    sc_handler_free(&h, at(2));
}

static void getdata_default_batch_size(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_GET, 0, NULL);
    expect_nothing_yet(&h, 0);
    send_request(&h, "s", -4, 0, 1, "t");
    Streaming__StreamResponse *r = (Streaming__StreamResponse *)expect_message(&h, 0);
    assert_int_equal(r->n_data_points, SC_DEFAULT_BATCH_SIZE);
    free_msg(&r->base);
    sc_handler_free(&h, at(0));
}

static void getdata_rejects_bad_requests(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_GET, 0, NULL);
    expect_nothing_yet(&h, 0);
    send_request(&h, "s", 1, 0, 0);
    expect_headers(&h, 0); /* on their own: the call ends without a response */
    expect_status(&h, 0, SC_STATUS_INVALID_ARGUMENT, "topics must not be empty");
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_GET, 0, NULL);
    expect_nothing_yet(&h, 0);
    send_request(&h, "s", 10001, 0, 1, "t");
    expect_headers(&h, 0);
    expect_status(&h, 0, SC_STATUS_INVALID_ARGUMENT,
                  "batch_size must be at most 10000 (got 10001)");
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_GET, 0, NULL);
    expect_nothing_yet(&h, 0);
    sc_handler_on_half_close(&h, at(0));
    expect_headers(&h, 0);
    expect_status(&h, 0, SC_STATUS_INVALID_ARGUMENT, "no request message");
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_GET, 0, NULL);
    expect_nothing_yet(&h, 0);
    sc_handler_on_malformed(&h, at(0));
    expect_headers(&h, 0);
    expect_status(&h, 0, SC_STATUS_INTERNAL, "failed to parse StreamRequest");
    sc_handler_free(&h, at(0));
}

static void getdata_injected_failure_before_response(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_GET, 0, "x-sc-fail-code", "NOT_FOUND", "x-sc-fail-after", "5",
          "x-sc-retry-pushback-ms", "25", NULL);
    expect_nothing_yet(&h, 0);
    send_request(&h, "s", 1, 0, 1, "t");
    expect_headers(&h, 0);
    expect_status(&h, 0, SC_STATUS_NOT_FOUND, SC_INJECTED_FAILURE_MESSAGE);
    sc_md_list tr = {0};
    assert_int_equal(sc_handler_trailing_metadata(&h, &tr), 0);
    const sc_md_entry *e = sc_md_list_find(&tr, "grpc-retry-pushback-ms");
    assert_non_null(e);
    assert_string_equal((const char *)e->value, "25");
    sc_md_list_free(&tr);
    sc_handler_free(&h, at(0));
}

/* One GetData call of `case_id` with x-sc-fail-calls 2: its status code. */
static int getdata_fail_calls_2(const char *case_id)
{
    sc_handler h;
    start(&h, SC_METHOD_GET, 0, "x-sc-case", case_id, "x-sc-fail-code", "UNAVAILABLE",
          "x-sc-fail-calls", "2", NULL);
    expect_nothing_yet(&h, 0);
    send_request(&h, "s", 1, 0, 1, "t");
    sc_out o = sc_handler_next_output(&h, at(0));
    if (o.kind == SC_OUT_HEADERS) { /* the failure: headers on their own first */
        sc_handler_on_sent(&h, true, at(0));
        o = sc_handler_next_output(&h, at(0));
    }
    int code = -1;
    if (o.kind == SC_OUT_MESSAGE) {
        protobuf_c_message_free_unpacked(out_message(&o), NULL);
        sc_handler_on_sent(&h, true, at(0));
        o = sc_handler_next_output(&h, at(0));
    }
    if (o.kind == SC_OUT_STATUS)
        code = o.code;
    sc_handler_free(&h, at(0));
    return code;
}

static void fail_calls_fails_only_the_first_calls_of_a_case(void **state)
{
    (void)state;
    assert_int_equal(getdata_fail_calls_2("a"), SC_STATUS_UNAVAILABLE);
    assert_int_equal(getdata_fail_calls_2("b"), SC_STATUS_UNAVAILABLE); /* counted per case */
    assert_int_equal(getdata_fail_calls_2("a"), SC_STATUS_UNAVAILABLE);
    assert_int_equal(getdata_fail_calls_2("a"), SC_STATUS_OK);
    assert_int_equal(getdata_fail_calls_2("a"), SC_STATUS_OK);
    assert_int_equal(getdata_fail_calls_2("b"), SC_STATUS_UNAVAILABLE);
    assert_int_equal(getdata_fail_calls_2("b"), SC_STATUS_OK);
    sc_case_calls_free(&env.case_calls);
}

static void case_calls_table_is_bounded(void **state)
{
    (void)state;
    sc_case_calls t = {0};
    char id[32];
    for (int i = 0; i < SC_CASE_CALLS_MAX; i++) {
        snprintf(id, sizeof id, "case-%d", i);
        assert_int_equal(sc_case_calls_bump(&t, id), 1);
    }
    assert_int_equal(sc_case_calls_bump(&t, "case-1"), 2);
    assert_int_equal(sc_case_calls_bump(&t, NULL), 1); /* full: "" replaces the oldest, case-0 */
    assert_int_equal(t.count, SC_CASE_CALLS_MAX);
    assert_int_equal(sc_case_calls_bump(&t, ""), 2);
    assert_int_equal(sc_case_calls_bump(&t, "case-0"), 1); /* forgotten: starts over */
    assert_int_equal(sc_case_calls_bump(&t, "case-2"), 2);
    sc_case_calls_free(&t);
    assert_int_equal(t.count, 0);
}

/* x-sc-lazy-headers: nothing before the request; a failure before any message is trailers-only,
 * and a message takes the headers out first. */
static void lazy_headers_wait_for_the_first_message(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_GET, 0, "x-sc-lazy-headers", "true", "x-sc-fail-code", "UNAVAILABLE", NULL);
    assert_int_equal(sc_handler_next_output(&h, at(0)).kind, SC_OUT_NONE);
    send_request(&h, "s", 1, 1, 1, "t");
    expect_status(&h, 1, SC_STATUS_UNAVAILABLE, NULL);
    sc_handler_free(&h, at(2));

    start(&h, SC_METHOD_SUBSCRIBE, 0, "x-sc-lazy-headers", "1", "x-sc-response-delay-ms", "10",
          NULL);
    assert_int_equal(sc_handler_next_output(&h, at(0)).kind, SC_OUT_NONE);
    send_request(&h, "s", 1, 1, 1, "t");
    expect_headers(&h, 1);
    assert_int_equal(sc_handler_next_output(&h, at(1)).kind, SC_OUT_NONE); /* the interval */
    free_msg(expect_message(&h, 11));
    sc_handler_free(&h, at(12));
}

static void validation_precedes_injected_failure(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_GET, 0, "x-sc-fail-code", "NOT_FOUND", NULL);
    expect_nothing_yet(&h, 0);
    send_request(&h, "s", 1, 0, 0);
    expect_headers(&h, 0); /* on their own: the call ends without a response */
    expect_status(&h, 0, SC_STATUS_INVALID_ARGUMENT, "topics must not be empty");
    sc_handler_free(&h, at(0));
}

static void bad_control_is_trailers_only(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_SUBSCRIBE, 0, "x-sc-max-responses", "ten", NULL);
    assert_false(sc_handler_wants_recv(&h));
    expect_status(&h, 0, SC_STATUS_INVALID_ARGUMENT,
                  "x-sc-max-responses: expected a whole number from 0 to 1000000000, got \"ten\"");
    assert_false(h.headers_out);
    sc_handler_free(&h, at(0));
}

static void initial_delay_holds_everything(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_GET, 100, "x-sc-initial-delay-ms", "300", NULL);
    assert_int_equal(sc_handler_next_output(&h, at(100)).kind, SC_OUT_NONE);
    assert_int_equal(sc_handler_wake_at(&h), 400);
    send_request(&h, "s", 1, 150, 1, "t"); /* reading goes on meanwhile */
    assert_int_equal(sc_handler_next_output(&h, at(399)).kind, SC_OUT_NONE);
    ProtobufCMessage *m = expect_message(&h, 400); /* the headers with it */
    free_msg(m);
    expect_status(&h, 400, SC_STATUS_OK, "");
    sc_handler_free(&h, at(400));
}

static void echo_metadata_exposed(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_GET, 0, "x-grpc-test-echo-initial", "hello",
          "x-grpc-test-echo-trailing-bin", "\x01\x02", NULL);
    const sc_md_list *init = sc_handler_initial_metadata(&h);
    assert_int_equal(init->count, 1);
    assert_string_equal(init->items[0].key, "x-grpc-test-echo-initial");
    sc_md_list tr = {0};
    assert_int_equal(sc_handler_trailing_metadata(&h, &tr), 0);
    assert_int_equal(tr.count, 1);
    assert_null(sc_md_list_find(&tr, "grpc-retry-pushback-ms"));
    sc_md_list_free(&tr);
    sc_handler_free(&h, at(0));
}

/* ---- SubscribeData --------------------------------------------------------------------- */

static void subscribe_interval_and_max_responses(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_SUBSCRIBE, 0, "x-sc-response-delay-ms", "20", "x-sc-max-responses", "2",
          NULL);
    expect_headers(&h, 0);
    send_request(&h, "s", 1, 5, 1, "t");
    assert_int_equal(sc_handler_next_output(&h, at(5)).kind, SC_OUT_NONE);
    assert_int_equal(sc_handler_wake_at(&h), 25);
    Streaming__StreamResponse *r = (Streaming__StreamResponse *)expect_message(&h, 25);
    assert_int_equal(r->sequence_number, 0);
    free_msg(&r->base);
    /* the next interval starts when the send completed */
    assert_int_equal(sc_handler_next_output(&h, at(30)).kind, SC_OUT_NONE);
    assert_int_equal(sc_handler_wake_at(&h), 50);
    r = (Streaming__StreamResponse *)expect_message(&h, 50);
    assert_int_equal(r->sequence_number, 1);
    assert_string_equal(r->data_points[0]->id, "s-1-0");
    free_msg(&r->base);
    expect_status(&h, 50, SC_STATUS_OK, "");
    sc_handler_free(&h, at(50));
}

static void subscribe_uses_tick_by_default(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_SUBSCRIBE, 0, NULL);
    expect_headers(&h, 0);
    send_request(&h, "s", 1, 0, 1, "t");
    assert_int_equal(sc_handler_next_output(&h, at(0)).kind, SC_OUT_NONE);
    assert_int_equal(sc_handler_wake_at(&h), 1000);
    sc_handler_on_closed(&h, at(500)); /* client cancelled: nothing more */
    assert_int_equal(sc_handler_next_output(&h, at(1000)).kind, SC_OUT_NONE);
    assert_int_equal(sc_handler_wake_at(&h), -1);
    sc_handler_free(&h, at(1000));
}

static void subscribe_fails_after_n(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_SUBSCRIBE, 0, "x-sc-response-delay-ms", "0", "x-sc-fail-code",
          "UNAVAILABLE", "x-sc-fail-after", "2", "x-sc-fail-message", "try later",
          "x-sc-max-responses", "2", NULL);
    expect_headers(&h, 0);
    send_request(&h, "s", 1, 0, 1, "t");
    free_msg(expect_message(&h, 0));
    free_msg(expect_message(&h, 0));
    expect_status(&h, 0, SC_STATUS_UNAVAILABLE, "try later"); /* failure beats max-responses */
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_SUBSCRIBE, 0, "x-sc-fail-code", "ABORTED", NULL);
    expect_headers(&h, 0);
    send_request(&h, "s", 1, 0, 1, "t");
    expect_status(&h, 0, SC_STATUS_ABORTED, SC_INJECTED_FAILURE_MESSAGE);
    sc_handler_free(&h, at(0));
}

/* ---- UploadFile ------------------------------------------------------------------------ */

static void upload_meta(sc_handler *h, int64_t total)
{
    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    Streaming__UploadRequest req = STREAMING__UPLOAD_REQUEST__INIT;
    fm.filename = (char *)"f.bin";
    fm.total_size = total;
    req.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA;
    req.metadata = &fm;
    assert_true(sc_handler_wants_recv(h));
    sc_handler_on_message(h, &req.base, at(0));
}

static void upload_chunk(sc_handler *h, const char *data)
{
    Streaming__UploadRequest req = STREAMING__UPLOAD_REQUEST__INIT;
    req.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK;
    req.chunk.data = (uint8_t *)data;
    req.chunk.len = strlen(data);
    sc_handler_on_message(h, &req.base, at(0));
}

static void upload_happy_and_empty(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_UPLOAD, 0, NULL);
    expect_headers(&h, 0);
    upload_meta(&h, 11);
    upload_chunk(&h, "hello ");
    upload_chunk(&h, "world");
    assert_true(sc_handler_wants_recv(&h));
    sc_handler_on_half_close(&h, at(0));
    assert_false(sc_handler_wants_recv(&h));
    Streaming__UploadResponse *r = (Streaming__UploadResponse *)expect_message(&h, 0);
    assert_int_equal(r->bytes_received, 11);
    assert_string_equal(r->checksum,
                        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    assert_memory_equal(r->file_id, "file-", 5);
    free_msg(&r->base);
    expect_status(&h, 0, SC_STATUS_OK, "");
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_UPLOAD, 0, NULL);
    expect_headers(&h, 0);
    upload_meta(&h, 0);
    sc_handler_on_half_close(&h, at(0));
    r = (Streaming__UploadResponse *)expect_message(&h, 0);
    assert_int_equal(r->bytes_received, 0);
    assert_string_equal(r->checksum,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    free_msg(&r->base);
    sc_handler_free(&h, at(0));
}

static void upload_file_ids_unique(void **state)
{
    (void)state;
    char first[64] = "";
    for (int i = 0; i < 2; i++) {
        sc_handler h;
        start(&h, SC_METHOD_UPLOAD, 0, NULL);
        expect_headers(&h, 0);
        upload_meta(&h, 0);
        sc_handler_on_half_close(&h, at(0)); /* same clock both times */
        Streaming__UploadResponse *r = (Streaming__UploadResponse *)expect_message(&h, 0);
        if (i == 0)
            snprintf(first, sizeof first, "%s", r->file_id);
        else
            assert_string_not_equal(first, r->file_id);
        free_msg(&r->base);
        sc_handler_free(&h, at(0));
    }
}

static void upload_errors(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_UPLOAD, 0, NULL);
    expect_headers(&h, 0);
    upload_chunk(&h, "x");
    assert_false(sc_handler_wants_recv(&h));
    expect_status(&h, 0, SC_STATUS_INVALID_ARGUMENT, "chunk before metadata");
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_UPLOAD, 0, NULL);
    expect_headers(&h, 0);
    upload_meta(&h, 0);
    upload_meta(&h, 0);
    expect_status(&h, 0, SC_STATUS_INVALID_ARGUMENT, "second metadata message");
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_UPLOAD, 0, NULL);
    expect_headers(&h, 0);
    Streaming__UploadRequest empty = STREAMING__UPLOAD_REQUEST__INIT;
    sc_handler_on_message(&h, &empty.base, at(0));
    expect_status(&h, 0, SC_STATUS_INVALID_ARGUMENT, "message has neither metadata nor chunk");
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_UPLOAD, 0, NULL);
    expect_headers(&h, 0);
    sc_handler_on_half_close(&h, at(0));
    expect_status(&h, 0, SC_STATUS_INVALID_ARGUMENT, "stream ended without metadata");
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_UPLOAD, 0, NULL);
    expect_headers(&h, 0);
    upload_meta(&h, 10);
    upload_chunk(&h, "abc");
    sc_handler_on_half_close(&h, at(0));
    expect_status(&h, 0, SC_STATUS_DATA_LOSS, "received 3 bytes but metadata announced 10");
    sc_handler_free(&h, at(0));

    env.max_upload_bytes = 4;
    start(&h, SC_METHOD_UPLOAD, 0, NULL);
    expect_headers(&h, 0);
    upload_meta(&h, 0);
    upload_chunk(&h, "abcd");
    assert_true(sc_handler_wants_recv(&h));
    upload_chunk(&h, "e");
    expect_status(&h, 0, SC_STATUS_RESOURCE_EXHAUSTED, "upload exceeds 4 bytes");
    sc_handler_free(&h, at(0));
}

static void upload_fail_after_received(void **state)
{
    (void)state;
    sc_handler h;
    start(&h, SC_METHOD_UPLOAD, 0, "x-sc-fail-code", "PERMISSION_DENIED", "x-sc-fail-after", "2",
          NULL);
    expect_headers(&h, 0);
    upload_meta(&h, 0);
    assert_int_equal(sc_handler_next_output(&h, at(0)).kind, SC_OUT_NONE);
    upload_chunk(&h, "a");
    expect_status(&h, 0, SC_STATUS_PERMISSION_DENIED, SC_INJECTED_FAILURE_MESSAGE);
    sc_handler_free(&h, at(0));

    start(&h, SC_METHOD_UPLOAD, 0, "x-sc-fail-code", "7", NULL);
    expect_headers(&h, 0);
    assert_false(sc_handler_wants_recv(&h));
    expect_status(&h, 0, SC_STATUS_PERMISSION_DENIED, SC_INJECTED_FAILURE_MESSAGE);
    sc_handler_free(&h, at(0));
}

/* ---- Chat ------------------------------------------------------------------------------ */

static void chat_say(sc_handler *h, const char *user, const char *text, int64_t now)
{
    Streaming__ChatMessage m = STREAMING__CHAT_MESSAGE__INIT;
    m.user_id = (char *)user;
    m.content = (char *)text;
    m.timestamp = 7;
    assert_true(sc_handler_wants_recv(h));
    sc_handler_on_message(h, &m.base, at(now));
}

static void expect_chat(sc_handler *h, int64_t now, const char *user, const char *text)
{
    Streaming__ChatMessage *m = (Streaming__ChatMessage *)expect_message(h, now);
    assert_string_equal(m->user_id, user);
    assert_string_equal(m->content, text);
    free_msg(&m->base);
}

static void chat_broadcast_join_leave(void **state)
{
    (void)state;
    sc_handler a, b;
    start(&a, SC_METHOD_CHAT, 0, NULL);
    start(&b, SC_METHOD_CHAT, 0, NULL);
    expect_headers(&a, 0);
    expect_headers(&b, 0);
    chat_say(&a, "alice", "joined", 0);
    assert_int_equal(sc_handler_next_output(&a, at(0)).kind, SC_OUT_NONE); /* not relayed */
    chat_say(&b, "bob", "joined", 0);
    expect_chat(&a, 0, "system", "bob joined the chat");
    assert_int_equal(sc_handler_next_output(&b, at(0)).kind, SC_OUT_NONE);
    chat_say(&b, "bob", "hi all", 1);
    expect_chat(&a, 1, "bob", "hi all");
    assert_int_equal(sc_handler_next_output(&b, at(1)).kind, SC_OUT_NONE); /* never to sender */
    chat_say(&a, "alice", "hi bob", 2);
    expect_chat(&b, 2, "alice", "hi bob");
    sc_handler_on_half_close(&b, at(3));
    expect_status(&b, 3, SC_STATUS_OK, "");
    expect_chat(&a, 3, "system", "bob left the chat");
    sc_handler_free(&b, at(3));
    sc_handler_on_closed(&a, at(4)); /* cancelled */
    sc_handler_free(&a, at(4));
    assert_int_equal(env.room.count, 0);
}

static void chat_half_close_drains_queue_first(void **state)
{
    (void)state;
    sc_handler a, b;
    start(&a, SC_METHOD_CHAT, 0, NULL);
    start(&b, SC_METHOD_CHAT, 0, NULL);
    expect_headers(&a, 0);
    expect_headers(&b, 0);
    chat_say(&a, "alice", "", 0);
    chat_say(&b, "bob", "", 0);
    chat_say(&b, "bob", "one", 0);
    sc_handler_on_half_close(&a, at(0));
    expect_chat(&a, 0, "system", "bob joined the chat");
    expect_chat(&a, 0, "bob", "one");
    expect_status(&a, 0, SC_STATUS_OK, "");
    sc_handler_free(&a, at(0));
    sc_handler_free(&b, at(0));
}

static void chat_rejects_bad_users(void **state)
{
    (void)state;
    sc_handler a, b;
    start(&a, SC_METHOD_CHAT, 0, NULL);
    expect_headers(&a, 0);
    chat_say(&a, "alice", "", 0);
    start(&b, SC_METHOD_CHAT, 0, NULL);
    expect_headers(&b, 0);
    chat_say(&b, "alice", "", 0);
    expect_status(&b, 0, SC_STATUS_ALREADY_EXISTS, "user \"alice\" is already in the chat");
    sc_handler_free(&b, at(0));
    assert_int_equal(sc_handler_next_output(&a, at(0)).kind, SC_OUT_NONE); /* no join/leave */

    start(&b, SC_METHOD_CHAT, 0, NULL);
    expect_headers(&b, 0);
    chat_say(&b, "", "x", 0);
    expect_status(&b, 0, SC_STATUS_INVALID_ARGUMENT, "first message must set user_id");
    sc_handler_free(&b, at(0));
    sc_handler_free(&a, at(0));
}

static void chat_echo_ping_pong(void **state)
{
    (void)state;
    sc_handler a;
    start(&a, SC_METHOD_CHAT, 0, "x-sc-echo", "1", NULL);
    expect_headers(&a, 0);
    chat_say(&a, "pinger", "ping-0", 0);
    expect_chat(&a, 0, "pinger", "ping-0");
    chat_say(&a, "pinger", "ping-1", 1);
    expect_chat(&a, 1, "pinger", "ping-1");
    sc_handler_free(&a, at(2));
}

static void chat_slow_receiver_aborted_others_unaffected(void **state)
{
    (void)state;
    sc_handler fast, slow, talker;
    start(&fast, SC_METHOD_CHAT, 0, NULL);
    start(&slow, SC_METHOD_CHAT, 0, NULL);
    start(&talker, SC_METHOD_CHAT, 0, NULL);
    expect_headers(&fast, 0);
    expect_headers(&slow, 0);
    expect_headers(&talker, 0);
    chat_say(&slow, "slow", "", 0);
    chat_say(&fast, "fast", "", 0);
    chat_say(&talker, "talker", "", 0);
    /* slow holds "fast joined", "talker joined"; fill it to the brim and one past */
    int code;
    const char *msg;
    for (int i = 0; i < SC_CHAT_QUEUE_CAP - 2; i++) {
        chat_say(&talker, "talker", "x", 1);
        free_msg(expect_message(&fast, 1)); /* the fast reader keeps up */
        assert_false(sc_handler_take_abort(&slow, &code, &msg, at(1)));
    }
    free_msg(expect_message(&fast, 1)); /* "talker joined" was queued for fast too */
    chat_say(&talker, "talker", "one too many", 2);
    assert_true(sc_handler_take_abort(&slow, &code, &msg, at(2)));
    assert_int_equal(code, SC_STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(msg, "chat receiver too slow: more than 1024 messages queued");
    assert_false(sc_handler_take_abort(&slow, &code, &msg, at(2)));
    expect_chat(&fast, 2, "talker", "one too many");
    expect_chat(&fast, 2, "system", "slow left the chat");
    assert_int_equal(env.room.count, 2);
    sc_handler_free(&slow, at(3));
    sc_handler_free(&fast, at(3));
    sc_handler_free(&talker, at(3));
}

static void chat_fail_after_sent(void **state)
{
    (void)state;
    sc_handler a;
    start(&a, SC_METHOD_CHAT, 0, "x-sc-echo", "yes", "x-sc-fail-code", "INTERNAL",
          "x-sc-fail-after", "1", NULL);
    expect_headers(&a, 0);
    chat_say(&a, "u", "m", 0);
    expect_chat(&a, 0, "u", "m");
    assert_false(sc_handler_wants_recv(&a));
    expect_status(&a, 0, SC_STATUS_INTERNAL, SC_INJECTED_FAILURE_MESSAGE);
    sc_handler_free(&a, at(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(getdata_happy_path, setup),
        cmocka_unit_test_setup(getdata_second_request_is_ignored, setup),
        cmocka_unit_test_setup(getdata_default_batch_size, setup),
        cmocka_unit_test_setup(getdata_rejects_bad_requests, setup),
        cmocka_unit_test_setup(getdata_injected_failure_before_response, setup),
        cmocka_unit_test_setup(validation_precedes_injected_failure, setup),
        cmocka_unit_test_setup(lazy_headers_wait_for_the_first_message, setup),
        cmocka_unit_test_setup(fail_calls_fails_only_the_first_calls_of_a_case, setup),
        cmocka_unit_test(case_calls_table_is_bounded),
        cmocka_unit_test_setup(bad_control_is_trailers_only, setup),
        cmocka_unit_test_setup(initial_delay_holds_everything, setup),
        cmocka_unit_test_setup(echo_metadata_exposed, setup),
        cmocka_unit_test_setup(subscribe_interval_and_max_responses, setup),
        cmocka_unit_test_setup(subscribe_uses_tick_by_default, setup),
        cmocka_unit_test_setup(subscribe_fails_after_n, setup),
        cmocka_unit_test_setup(upload_happy_and_empty, setup),
        cmocka_unit_test_setup(upload_file_ids_unique, setup),
        cmocka_unit_test_setup(upload_errors, setup),
        cmocka_unit_test_setup(upload_fail_after_received, setup),
        cmocka_unit_test_setup(chat_broadcast_join_leave, setup),
        cmocka_unit_test_setup(chat_half_close_drains_queue_first, setup),
        cmocka_unit_test_setup(chat_rejects_bad_users, setup),
        cmocka_unit_test_setup(chat_echo_ping_pong, setup),
        cmocka_unit_test_setup(chat_slow_receiver_aborted_others_unaffected, setup),
        cmocka_unit_test_setup(chat_fail_after_sent, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
