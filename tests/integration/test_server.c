/* The reference server as a real process on 127.0.0.1:0, driven through the gRPC C core (our
 * client library, plus raw core calls where the library would not misbehave the way a test
 * needs: a reader that never reads, a method that does not exist). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <grpc/grpc.h>
#include <grpc/byte_buffer_reader.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sc_client_call.h"
#include "sc_client_channel.h"
#include "sc_client_sync.h"
#include "sc_pb.h"
#include "sc_status.h"
#include "sc_testproc.h"
#include "sc_time.h"
#include "streaming.pb-c.h"

/* Bounds for this file's waits: generous for a loaded 2-core CI machine, small enough that a hang
 * fails fast. */
#define READY_MS 10000
#define CALL_MS 10000
#define EVENT_MS 5000

static sc_testproc server;
static char events_path[] = "/tmp/sc-it-events-XXXXXX";
static grpc_channel *channel;
static char target[64];

/* ---- helpers --------------------------------------------------------------------------- */

static int start_server(sc_testproc *p, const char *events, const char *extra)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)sc_testproc_binary();
    argv[n++] = "serve";
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--tick-ms";
    argv[n++] = "50";
    argv[n++] = "--quiet";
    if (events != NULL) {
        argv[n++] = "--events";
        argv[n++] = (char *)events;
    }
    if (extra != NULL) {
        argv[n++] = "--max-upload-bytes";
        argv[n++] = (char *)extra;
    }
    argv[n] = NULL;
    return sc_testproc_start(p, argv, READY_MS);
}

static grpc_channel *open_channel(int port)
{
    char t[64];
    char err[256];
    snprintf(t, sizeof t, "127.0.0.1:%d", port);
    sc_client_channel_opts o = {0};
    grpc_channel *ch = sc_client_channel_create(t, &o, err, sizeof err);
    assert_non_null(ch);
    return ch;
}

static int group_setup(void **state)
{
    (void)state;
    grpc_init();
    int fd = mkstemp(events_path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(start_server(&server, events_path, NULL), 0);
    snprintf(target, sizeof target, "127.0.0.1:%d", server.port);
    channel = open_channel(server.port);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    grpc_channel_destroy(channel);
    int st = sc_testproc_stop(&server, SIGTERM, 10000);
    sc_testproc_cleanup(&server);
    unlink(events_path);
    grpc_shutdown();
    return (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

/* Metadata from "key", "value", ..., NULL. */
static sc_md_list metadata(const char *first, ...)
{
    sc_md_list md = {0};
    va_list ap;
    va_start(ap, first);
    for (const char *k = first; k != NULL; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        assert_int_equal(sc_md_list_add(&md, k, v, strlen(v)), 0);
    }
    va_end(ap);
    return md;
}

/* Wait until the event log has a line with this case id and event; copy it into `line`. */
static bool wait_event(const char *case_id, const char *event, char *line, size_t len)
{
    char want_case[300], want_event[100];
    snprintf(want_case, sizeof want_case, "\"case\":\"%s\"", case_id);
    snprintf(want_event, sizeof want_event, "\"event\":\"%s\"", event);
    int64_t deadline = sc_time_now_ms() + EVENT_MS;
    while (sc_time_now_ms() < deadline) {
        FILE *f = fopen(events_path, "r");
        assert_non_null(f);
        char buf[8192];
        while (fgets(buf, sizeof buf, f) != NULL) {
            if (strstr(buf, want_case) && strstr(buf, want_event)) {
                fclose(f);
                if (line != NULL)
                    snprintf(line, len, "%s", buf);
                return true;
            }
        }
        fclose(f);
        usleep(10 * 1000); /* polling a file for a condition, bounded by `deadline` */
    }
    return false;
}

static Streaming__StreamRequest stream_request(const char *sub, int batch)
{
    static char *topics[] = {"metrics", "events"};
    Streaming__StreamRequest r = STREAMING__STREAM_REQUEST__INIT;
    r.subscription_id = (char *)sub;
    r.topics = topics;
    r.n_topics = 2;
    r.batch_size = batch;
    return r;
}

static sc_client_sync *start_call(sc_method m, const sc_md_list *md, int64_t deadline_ms)
{
    sc_client_call_opts o = {.method = m, .metadata = md, .deadline_ms = deadline_ms};
    char err[256];
    sc_client_sync *s = sc_client_sync_start(channel, &o, err, sizeof err);
    if (s == NULL)
        fail_msg("start: %s", err);
    return s;
}

static void assert_status(const sc_client_call_result *r, int code, const char *message)
{
    if (r->code != code)
        fail_msg("status %s \"%s\", want %s", sc_status_name(r->code), r->message,
                 sc_status_name(code));
    if (message != NULL)
        assert_string_equal(r->message, message);
}

/* Subscribe / GetData: send one request, read everything, finish. Returns responses read. */
static int run_stream(sc_client_sync *s, const ProtobufCMessage *req, int64_t *last_seq)
{
    assert_int_equal(sc_client_sync_send(s, req, CALL_MS), SC_SYNC_OK);
    assert_int_equal(sc_client_sync_close_send(s, CALL_MS), SC_SYNC_OK);
    int n = 0;
    ProtobufCMessage *m;
    sc_sync_rc rc;
    while ((rc = sc_client_sync_recv(s, &m, CALL_MS)) == SC_SYNC_OK) {
        if (last_seq != NULL)
            *last_seq = ((Streaming__StreamResponse *)m)->sequence_number;
        protobuf_c_message_free_unpacked(m, NULL);
        n++;
    }
    assert_int_not_equal(rc, SC_SYNC_TIMEOUT);
    assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
    return n;
}

/* ---- GetData / SubscribeData ----------------------------------------------------------- */

static void getdata_returns_a_batch(void **state)
{
    (void)state;
    Streaming__StreamRequest req = stream_request("it", 5);
    ProtobufCMessage *resp = NULL;
    sc_client_call_opts o = {.method = SC_METHOD_GET, .deadline_ms = CALL_MS};
    char err[256];
    int code = sc_client_sync_unary(channel, &o, &req.base, &resp, CALL_MS, err, sizeof err);
    assert_int_equal(code, 0);
    Streaming__StreamResponse *r = (Streaming__StreamResponse *)resp;
    assert_int_equal(r->n_data_points, 5);
    assert_string_equal(r->data_points[4]->id, "it-0-4");
    assert_string_equal(r->data_points[1]->metadata[0]->value, "events");
    protobuf_c_message_free_unpacked(resp, NULL);
}

static void getdata_and_subscribe_reject_empty_topics(void **state)
{
    (void)state;
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.subscription_id = "x";
    for (int m = SC_METHOD_GET; m <= SC_METHOD_SUBSCRIBE; m++) {
        sc_client_sync *s = start_call((sc_method)m, NULL, CALL_MS);
        assert_int_equal(run_stream(s, &req.base, NULL), 0);
        assert_status(sc_client_sync_result(s), SC_STATUS_INVALID_ARGUMENT,
                      "topics must not be empty");
        sc_client_sync_free(s);
    }
}

static void subscribe_streams_until_max_responses(void **state)
{
    (void)state;
    sc_md_list md = metadata("x-sc-response-delay-ms", "5", "x-sc-max-responses", "4", NULL);
    sc_client_sync *s = start_call(SC_METHOD_SUBSCRIBE, &md, CALL_MS);
    Streaming__StreamRequest req = stream_request("sub", 2);
    int64_t last = -1;
    assert_int_equal(run_stream(s, &req.base, &last), 4);
    assert_int_equal(last, 3);
    assert_status(sc_client_sync_result(s), SC_STATUS_OK, NULL);
    sc_client_sync_free(s);
    sc_md_list_free(&md);
}

/* Without a delay the server holds messages back for the ones after them
 * (GRPC_WRITE_BUFFER_HINT): every one still arrives, in order, the last (not held) included,
 * with a failure injected right behind them too. */
static void subscribe_without_delay_delivers_every_message(void **state)
{
    (void)state;
    sc_md_list md = metadata("x-sc-response-delay-ms", "0", "x-sc-max-responses", "100", NULL);
    sc_client_sync *s = start_call(SC_METHOD_SUBSCRIBE, &md, CALL_MS);
    Streaming__StreamRequest req = stream_request("nodelay", 1);
    int64_t last = -1;
    assert_int_equal(run_stream(s, &req.base, &last), 100);
    assert_int_equal(last, 99);
    assert_status(sc_client_sync_result(s), SC_STATUS_OK, NULL);
    sc_client_sync_free(s);
    sc_md_list_free(&md);
    md = metadata("x-sc-response-delay-ms", "0", "x-sc-fail-code", "ABORTED", "x-sc-fail-after",
                  "37", NULL);
    s = start_call(SC_METHOD_SUBSCRIBE, &md, CALL_MS);
    assert_int_equal(run_stream(s, &req.base, &last), 37);
    assert_int_equal(last, 36);
    assert_status(sc_client_sync_result(s), SC_STATUS_ABORTED, NULL);
    sc_client_sync_free(s);
    sc_md_list_free(&md);
}

static void subscribe_fails_mid_stream_with_unicode_message(void **state)
{
    (void)state;
    sc_md_list md = metadata("x-sc-response-delay-ms", "1", "x-sc-fail-code", "RESOURCE_EXHAUSTED",
                             "x-sc-fail-after", "2", "x-sc-fail-message",
                             "slow down%09%E2%98%83 %F0%9D%84%9E", NULL);
    sc_client_sync *s = start_call(SC_METHOD_SUBSCRIBE, &md, CALL_MS);
    Streaming__StreamRequest req = stream_request("f", 1);
    assert_int_equal(run_stream(s, &req.base, NULL), 2);
    assert_status(sc_client_sync_result(s), SC_STATUS_RESOURCE_EXHAUSTED,
                  "slow down\t\xe2\x98\x83 \xf0\x9d\x84\x9e");
    sc_client_sync_free(s);
    sc_md_list_free(&md);
}

static void bad_control_metadata_names_the_key(void **state)
{
    (void)state;
    sc_md_list md = metadata("x-sc-fail-code", "RESOURCE_EXAUSTED", NULL);
    sc_client_sync *s = start_call(SC_METHOD_GET, &md, CALL_MS);
    Streaming__StreamRequest req = stream_request("b", 1);
    run_stream(s, &req.base, NULL);
    assert_status(sc_client_sync_result(s), SC_STATUS_INVALID_ARGUMENT,
                  "x-sc-fail-code: unknown status code \"RESOURCE_EXAUSTED\" (use a name like "
                  "UNAVAILABLE or 0-16)");
    sc_client_sync_free(s);
    sc_md_list_free(&md);
}

static void echo_metadata_comes_back(void **state)
{
    (void)state;
    sc_md_list md = metadata("x-grpc-test-echo-initial", "test_initial_metadata_value", NULL);
    assert_int_equal(sc_md_list_add(&md, "x-grpc-test-echo-trailing-bin", "\xab\xab\x00\xab", 4),
                     0);
    sc_client_sync *s = start_call(SC_METHOD_GET, &md, CALL_MS);
    Streaming__StreamRequest req = stream_request("e", 1);
    assert_int_equal(run_stream(s, &req.base, NULL), 1);
    const sc_client_call_result *r = sc_client_sync_result(s);
    assert_status(r, SC_STATUS_OK, NULL);
    const sc_md_entry *h = sc_md_list_find(&r->headers, "x-grpc-test-echo-initial");
    assert_non_null(h);
    assert_string_equal((const char *)h->value, "test_initial_metadata_value");
    const sc_md_entry *t = sc_md_list_find(&r->trailers, "x-grpc-test-echo-trailing-bin");
    assert_non_null(t);
    assert_int_equal(t->value_len, 4);
    assert_memory_equal(t->value, "\xab\xab\x00\xab", 4);
    sc_client_sync_free(s);
    sc_md_list_free(&md);
}

static void cancel_mid_stream_reaches_server(void **state)
{
    (void)state;
    sc_md_list md =
        metadata("x-sc-case", "it/cancel-mid-stream", "x-sc-response-delay-ms", "5", NULL);
    sc_client_call_opts o = {.method = SC_METHOD_SUBSCRIBE,
                             .metadata = &md,
                             .deadline_ms = CALL_MS,
                             .cancel = {.kind = SC_CANCEL_AFTER_RESPONSES, .n = 2}};
    char err[256];
    sc_client_sync *s = sc_client_sync_start(channel, &o, err, sizeof err);
    assert_non_null(s);
    Streaming__StreamRequest req = stream_request("c", 1);
    assert_int_equal(run_stream(s, &req.base, NULL), 2);
    assert_status(sc_client_sync_result(s), SC_STATUS_CANCELLED, NULL);
    assert_true(wait_event("it/cancel-mid-stream", "cancelled", NULL, 0));
    assert_true(wait_event("it/cancel-mid-stream", "call_end", NULL, 0));
    sc_client_sync_free(s);
    sc_md_list_free(&md);
}

static void deadline_on_a_sleeping_server(void **state)
{
    (void)state;
    sc_md_list md = metadata("x-sc-case", "it/sleeping", "x-sc-initial-delay-ms", "3000", NULL);
    int64_t t0 = sc_time_now_ms();
    sc_client_sync *s = start_call(SC_METHOD_GET, &md, 300);
    Streaming__StreamRequest req = stream_request("d", 1);
    run_stream(s, &req.base, NULL);
    int64_t took = sc_time_now_ms() - t0;
    assert_status(sc_client_sync_result(s), SC_STATUS_DEADLINE_EXCEEDED, NULL);
    assert_true(took >= 250 && took < 2500);
    char line[8192];
    assert_true(wait_event("it/sleeping", "call_start", line, sizeof line));
    const char *d = strstr(line, "\"deadline_ms\":");
    assert_non_null(d);
    long left = strtol(d + strlen("\"deadline_ms\":"), NULL, 10);
    assert_true(left > 0 && left <= 300);
    assert_true(wait_event("it/sleeping", "deadline_exceeded", NULL, 0));
    sc_client_sync_free(s);
    sc_md_list_free(&md);
}

static void batch_size_over_limit_rejected(void **state)
{
    (void)state;
    Streaming__StreamRequest req = stream_request("big", 10001);
    sc_client_sync *s = start_call(SC_METHOD_SUBSCRIBE, NULL, CALL_MS);
    assert_int_equal(run_stream(s, &req.base, NULL), 0);
    assert_status(sc_client_sync_result(s), SC_STATUS_INVALID_ARGUMENT,
                  "batch_size must be at most 10000 (got 10001)");
    sc_client_sync_free(s);
}

/* ---- Chat ------------------------------------------------------------------------------ */

static sc_sync_rc chat_send(sc_client_sync *s, const char *user, const char *text)
{
    Streaming__ChatMessage m = STREAMING__CHAT_MESSAGE__INIT;
    m.user_id = (char *)user;
    m.content = (char *)text;
    return sc_client_sync_send(s, &m.base, CALL_MS);
}

static void chat_rejects_duplicate_and_empty_users(void **state)
{
    (void)state;
    sc_md_list md = metadata("x-sc-echo", "true", NULL);
    sc_client_sync *first = start_call(SC_METHOD_CHAT, &md, CALL_MS);
    assert_int_equal(chat_send(first, "dup", "hello"), SC_SYNC_OK);
    /* the echo of the join message proves the server registered "dup" */
    ProtobufCMessage *m = NULL;
    assert_int_equal(sc_client_sync_recv(first, &m, CALL_MS), SC_SYNC_OK);
    protobuf_c_message_free_unpacked(m, NULL);

    sc_client_sync *second = start_call(SC_METHOD_CHAT, NULL, CALL_MS);
    chat_send(second, "dup", "me too");
    sc_client_sync_close_send(second, CALL_MS);
    assert_int_equal(sc_client_sync_finish(second, CALL_MS), SC_SYNC_OK);
    assert_status(sc_client_sync_result(second), SC_STATUS_ALREADY_EXISTS,
                  "user \"dup\" is already in the chat");
    sc_client_sync_free(second);

    sc_client_sync *nameless = start_call(SC_METHOD_CHAT, NULL, CALL_MS);
    chat_send(nameless, "", "who am I");
    sc_client_sync_close_send(nameless, CALL_MS);
    assert_int_equal(sc_client_sync_finish(nameless, CALL_MS), SC_SYNC_OK);
    assert_status(sc_client_sync_result(nameless), SC_STATUS_INVALID_ARGUMENT,
                  "first message must set user_id");
    sc_client_sync_free(nameless);

    sc_client_sync_close_send(first, CALL_MS);
    assert_int_equal(sc_client_sync_finish(first, CALL_MS), SC_SYNC_OK);
    assert_status(sc_client_sync_result(first), SC_STATUS_OK, NULL);
    sc_client_sync_free(first);
    sc_md_list_free(&md);
}

static void chat_fails_mid_stream_on_request(void **state)
{
    (void)state;
    sc_md_list md =
        metadata("x-sc-echo", "1", "x-sc-fail-code", "ABORTED", "x-sc-fail-after", "2", NULL);
    sc_client_sync *s = start_call(SC_METHOD_CHAT, &md, CALL_MS);
    int got = 0;
    for (int i = 0; i < 3; i++) {
        if (chat_send(s, "pinger", "ping") != SC_SYNC_OK)
            break;
        ProtobufCMessage *m = NULL;
        if (sc_client_sync_recv(s, &m, CALL_MS) != SC_SYNC_OK)
            break;
        protobuf_c_message_free_unpacked(m, NULL);
        got++;
    }
    assert_int_equal(got, 2);
    assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
    assert_status(sc_client_sync_result(s), SC_STATUS_ABORTED, "injected failure");
    sc_client_sync_free(s);
    sc_md_list_free(&md);
}

/* ---- UploadFile ------------------------------------------------------------------------ */

static sc_sync_rc send_meta(sc_client_sync *s, int64_t total)
{
    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    Streaming__UploadRequest r = STREAMING__UPLOAD_REQUEST__INIT;
    fm.filename = "f.bin";
    fm.content_type = "application/octet-stream";
    fm.total_size = total;
    r.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA;
    r.metadata = &fm;
    return sc_client_sync_send(s, &r.base, CALL_MS);
}

static sc_sync_rc send_chunk(sc_client_sync *s, const void *data, size_t len)
{
    Streaming__UploadRequest r = STREAMING__UPLOAD_REQUEST__INIT;
    r.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK;
    r.chunk.data = (uint8_t *)data;
    r.chunk.len = len;
    return sc_client_sync_send(s, &r.base, CALL_MS);
}

/* Half-close, read the (at most one) response, finish. */
static Streaming__UploadResponse *end_upload(sc_client_sync *s)
{
    sc_client_sync_close_send(s, CALL_MS);
    ProtobufCMessage *m = NULL;
    if (sc_client_sync_recv(s, &m, CALL_MS) != SC_SYNC_OK)
        m = NULL;
    assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
    return (Streaming__UploadResponse *)m;
}

static void upload_hashes_chunks(void **state)
{
    (void)state;
    sc_client_sync *s = start_call(SC_METHOD_UPLOAD, NULL, CALL_MS);
    assert_int_equal(send_meta(s, 11), SC_SYNC_OK);
    assert_int_equal(send_chunk(s, "hello ", 6), SC_SYNC_OK);
    assert_int_equal(send_chunk(s, "world", 5), SC_SYNC_OK);
    Streaming__UploadResponse *r = end_upload(s);
    assert_non_null(r);
    assert_int_equal(r->bytes_received, 11);
    assert_string_equal(r->checksum,
                        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    protobuf_c_message_free_unpacked(&r->base, NULL);
    assert_status(sc_client_sync_result(s), SC_STATUS_OK, NULL);
    sc_client_sync_free(s);
}

/* Chunks of many slices (the server hashes them in place, or the general way past
 * SC_SERVER_CHUNK_PIECES): the checksum is still SHA-256 of every byte, in order. */
static void upload_hashes_large_chunks(void **state)
{
    (void)state;
    static const size_t sizes[] = {100 * 1024, 1024 * 1024, 1, 65536};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        total += sizes[i];
    uint8_t *data = malloc(total);
    assert_non_null(data);
    for (size_t i = 0; i < total; i++)
        data[i] = (uint8_t)(i * 2654435761u >> 13);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    assert_int_equal(EVP_Digest(data, total, digest, &dlen, EVP_sha256(), NULL), 1);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned i = 0; i < dlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    sc_client_sync *s = start_call(SC_METHOD_UPLOAD, NULL, CALL_MS);
    assert_int_equal(send_meta(s, (int64_t)total), SC_SYNC_OK);
    for (size_t i = 0, at = 0; i < sizeof sizes / sizeof sizes[0]; at += sizes[i++])
        assert_int_equal(send_chunk(s, data + at, sizes[i]), SC_SYNC_OK);
    Streaming__UploadResponse *r = end_upload(s);
    assert_non_null(r);
    assert_int_equal(r->bytes_received, (int64_t)total);
    assert_string_equal(r->checksum, hex);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    assert_status(sc_client_sync_result(s), SC_STATUS_OK, NULL);
    sc_client_sync_free(s);
    free(data);
}

static void upload_error_paths(void **state)
{
    (void)state;
    /* chunk first */
    sc_client_sync *s = start_call(SC_METHOD_UPLOAD, NULL, CALL_MS);
    send_chunk(s, "x", 1);
    assert_null(end_upload(s));
    assert_status(sc_client_sync_result(s), SC_STATUS_INVALID_ARGUMENT, "chunk before metadata");
    sc_client_sync_free(s);
    /* two metadata */
    s = start_call(SC_METHOD_UPLOAD, NULL, CALL_MS);
    send_meta(s, 0);
    send_meta(s, 0);
    assert_null(end_upload(s));
    assert_status(sc_client_sync_result(s), SC_STATUS_INVALID_ARGUMENT, "second metadata message");
    sc_client_sync_free(s);
    /* size mismatch */
    s = start_call(SC_METHOD_UPLOAD, NULL, CALL_MS);
    send_meta(s, 100);
    send_chunk(s, "abc", 3);
    assert_null(end_upload(s));
    assert_status(sc_client_sync_result(s), SC_STATUS_DATA_LOSS,
                  "received 3 bytes but metadata announced 100");
    sc_client_sync_free(s);
    /* nothing at all */
    s = start_call(SC_METHOD_UPLOAD, NULL, CALL_MS);
    assert_null(end_upload(s));
    assert_status(sc_client_sync_result(s), SC_STATUS_INVALID_ARGUMENT,
                  "stream ended without metadata");
    sc_client_sync_free(s);
}

static void message_over_receive_limit_is_resource_exhausted(void **state)
{
    (void)state;
    size_t big = 5 * 1024 * 1024; /* over the default 4 MiB --max-receive-bytes */
    char *data = calloc(1, big);
    assert_non_null(data);
    sc_client_sync *s = start_call(SC_METHOD_UPLOAD, NULL, CALL_MS);
    send_meta(s, 0);
    send_chunk(s, data, big);
    end_upload(s);
    assert_status(sc_client_sync_result(s), SC_STATUS_RESOURCE_EXHAUSTED, NULL);
    sc_client_sync_free(s);
    free(data);
}

static void upload_over_max_upload_bytes(void **state)
{
    (void)state;
    sc_testproc small;
    assert_int_equal(start_server(&small, NULL, "10"), 0);
    grpc_channel *ch = open_channel(small.port);
    sc_client_call_opts o = {.method = SC_METHOD_UPLOAD, .deadline_ms = CALL_MS};
    char err[256];
    sc_client_sync *s = sc_client_sync_start(ch, &o, err, sizeof err);
    assert_non_null(s);
    send_meta(s, 0);
    send_chunk(s, "0123456789", 10);
    send_chunk(s, "!", 1);
    assert_null(end_upload(s));
    assert_status(sc_client_sync_result(s), SC_STATUS_RESOURCE_EXHAUSTED,
                  "upload exceeds 10 bytes");
    sc_client_sync_free(s);
    grpc_channel_destroy(ch);
    assert_int_not_equal(sc_testproc_stop(&small, SIGTERM, 10000), -1);
    sc_testproc_cleanup(&small);
}

/* ---- unknown method (raw core call) ---------------------------------------------------- */

static int raw_call_status(const char *path)
{
    grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
    grpc_slice method = grpc_slice_from_static_string(path);
    grpc_call *call = grpc_channel_create_call(channel, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method,
                                               NULL, sc_time_deadline_in_ms(CALL_MS), NULL);
    grpc_metadata_array init, trail;
    grpc_metadata_array_init(&init);
    grpc_metadata_array_init(&trail);
    grpc_status_code status = GRPC_STATUS_OK;
    grpc_slice details;
    grpc_op ops[4] = {0};
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[2].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[2].data.recv_initial_metadata.recv_initial_metadata = &init;
    ops[3].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[3].data.recv_status_on_client.trailing_metadata = &trail;
    ops[3].data.recv_status_on_client.status = &status;
    ops[3].data.recv_status_on_client.status_details = &details;
    int tag;
    assert_int_equal(grpc_call_start_batch(call, ops, 4, &tag, NULL), GRPC_CALL_OK);
    grpc_event ev =
        grpc_completion_queue_pluck(cq, &tag, sc_time_deadline_in_ms(CALL_MS + 1000), NULL);
    assert_int_equal(ev.type, GRPC_OP_COMPLETE);
    grpc_slice_unref(details);
    grpc_metadata_array_destroy(&init);
    grpc_metadata_array_destroy(&trail);
    grpc_call_unref(call);
    grpc_completion_queue_shutdown(cq);
    grpc_completion_queue_destroy(cq);
    return (int)status;
}

static void unknown_method_and_service_unimplemented(void **state)
{
    (void)state;
    assert_int_equal(raw_call_status("/streaming.DataService/Nope"), SC_STATUS_UNIMPLEMENTED);
    assert_int_equal(raw_call_status("/streaming.NoService/GetData"), SC_STATUS_UNIMPLEMENTED);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(getdata_returns_a_batch),
        cmocka_unit_test(getdata_and_subscribe_reject_empty_topics),
        cmocka_unit_test(subscribe_streams_until_max_responses),
        cmocka_unit_test(subscribe_without_delay_delivers_every_message),
        cmocka_unit_test(subscribe_fails_mid_stream_with_unicode_message),
        cmocka_unit_test(bad_control_metadata_names_the_key),
        cmocka_unit_test(echo_metadata_comes_back),
        cmocka_unit_test(cancel_mid_stream_reaches_server),
        cmocka_unit_test(deadline_on_a_sleeping_server),
        cmocka_unit_test(batch_size_over_limit_rejected),
        cmocka_unit_test(chat_rejects_duplicate_and_empty_users),
        cmocka_unit_test(chat_fails_mid_stream_on_request),
        cmocka_unit_test(upload_hashes_chunks),
        cmocka_unit_test(upload_hashes_large_chunks),
        cmocka_unit_test(upload_error_paths),
        cmocka_unit_test(message_over_receive_limit_is_resource_exhausted),
        cmocka_unit_test(upload_over_max_upload_bytes),
        cmocka_unit_test(unknown_method_and_service_unimplemented),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
