/* The bad-input contract (docs/peer-protocol.md, "Reference semantics"): the same table of bad
 * inputs gives the same status code and message on the C, Python and Go servers. Each server runs
 * as a real process on 127.0.0.1:0 and is called with the C client library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <grpc/grpc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "sc_client_channel.h"
#include "sc_client_sync.h"
#include "sc_status.h"
#include "sc_testproc.h"
#include "streaming.pb-c.h"

#define READY_MS 30000 /* a Python interpreter on a loaded machine */
#define CALL_MS 10000

typedef struct {
    const char *name;
    char *argv[8];
} server_impl;

static server_impl servers[3];
static sc_testproc proc;
static grpc_channel *channel;

/* ---- per-server setup -------------------------------------------------------------------- */

static int start_server(void **state)
{
    const server_impl *impl = *state;
    if (sc_testproc_start(&proc, impl->argv, READY_MS) != 0)
        return -1;
    char target[64], err[256];
    snprintf(target, sizeof target, "127.0.0.1:%d", proc.port);
    sc_client_channel_opts o = {0};
    channel = sc_client_channel_create(target, &o, err, sizeof err);
    return channel != NULL ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    grpc_channel_destroy(channel);
    int st = sc_testproc_stop(&proc, SIGTERM, 10000);
    sc_testproc_cleanup(&proc);
    return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* ---- the calls --------------------------------------------------------------------------- */

typedef struct {
    const char *key, *value;
} header;

static sc_client_sync *start(sc_method m, const header *h)
{
    sc_md_list md = {0};
    for (; h != NULL && h->key != NULL; h++)
        sc_md_list_add(&md, h->key, h->value, strlen(h->value));
    sc_client_call_opts o = {.method = m, .metadata = &md, .deadline_ms = CALL_MS};
    char err[256];
    sc_client_sync *s = sc_client_sync_start(channel, &o, err, sizeof err);
    sc_md_list_free(&md);
    if (s == NULL)
        fail_msg("start: %s", err);
    return s;
}

/* Send `msgs` (NULL-terminated), half-close, drain responses, and check the final status. */
static void expect(sc_client_sync *s, ProtobufCMessage **msgs, int code, const char *message)
{
    for (; msgs != NULL && *msgs != NULL; msgs++)
        if (sc_client_sync_send(s, *msgs, CALL_MS) != SC_SYNC_OK)
            break; /* the server may end the call before reading everything */
    sc_client_sync_close_send(s, CALL_MS);
    ProtobufCMessage *m;
    while (sc_client_sync_recv(s, &m, CALL_MS) == SC_SYNC_OK)
        protobuf_c_message_free_unpacked(m, NULL);
    assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
    const sc_client_call_result *r = sc_client_sync_result(s);
    if (r->code != code || strcmp(r->message, message) != 0)
        fail_msg("got %s \"%s\", want %s \"%s\"", sc_status_name(r->code), r->message,
                 sc_status_name(code), message);
    sc_client_sync_free(s);
}

static void stream_request_errors(void **state)
{
    (void)state;
    static char *topic[] = {"t"};
    Streaming__StreamRequest empty = STREAMING__STREAM_REQUEST__INIT;
    Streaming__StreamRequest big = STREAMING__STREAM_REQUEST__INIT;
    big.topics = topic;
    big.n_topics = 1;
    big.batch_size = 10001;
    ProtobufCMessage *e[] = {&empty.base, NULL}, *b[] = {&big.base, NULL};
    expect(start(SC_METHOD_GET, NULL), e, SC_STATUS_INVALID_ARGUMENT, "topics must not be empty");
    expect(start(SC_METHOD_SUBSCRIBE, NULL), e, SC_STATUS_INVALID_ARGUMENT,
           "topics must not be empty");
    expect(start(SC_METHOD_GET, NULL), b, SC_STATUS_INVALID_ARGUMENT,
           "batch_size must be at most 10000 (got 10001)");
    expect(start(SC_METHOD_GET, NULL), NULL, SC_STATUS_INVALID_ARGUMENT, "no request message");
}

static void upload_errors(void **state)
{
    (void)state;
    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    fm.filename = "f";
    fm.total_size = 100;
    Streaming__UploadRequest meta = STREAMING__UPLOAD_REQUEST__INIT;
    meta.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA;
    meta.metadata = &fm;
    Streaming__UploadRequest chunk = STREAMING__UPLOAD_REQUEST__INIT;
    chunk.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK;
    chunk.chunk.data = (uint8_t *)"abc";
    chunk.chunk.len = 3;
    Streaming__UploadRequest neither = STREAMING__UPLOAD_REQUEST__INIT;
    ProtobufCMessage *chunk_first[] = {&chunk.base, NULL};
    ProtobufCMessage *two_meta[] = {&meta.base, &meta.base, NULL};
    ProtobufCMessage *mismatch[] = {&meta.base, &chunk.base, NULL};
    ProtobufCMessage *empty_msg[] = {&meta.base, &neither.base, NULL};
    expect(start(SC_METHOD_UPLOAD, NULL), chunk_first, SC_STATUS_INVALID_ARGUMENT,
           "chunk before metadata");
    expect(start(SC_METHOD_UPLOAD, NULL), two_meta, SC_STATUS_INVALID_ARGUMENT,
           "second metadata message");
    expect(start(SC_METHOD_UPLOAD, NULL), mismatch, SC_STATUS_DATA_LOSS,
           "received 3 bytes but metadata announced 100");
    expect(start(SC_METHOD_UPLOAD, NULL), empty_msg, SC_STATUS_INVALID_ARGUMENT,
           "message has neither metadata nor chunk");
    expect(start(SC_METHOD_UPLOAD, NULL), NULL, SC_STATUS_INVALID_ARGUMENT,
           "stream ended without metadata");
}

static void chat_errors(void **state)
{
    (void)state;
    Streaming__ChatMessage hello = STREAMING__CHAT_MESSAGE__INIT;
    hello.user_id = "contract-user";
    hello.content = "hi";
    Streaming__ChatMessage nameless = STREAMING__CHAT_MESSAGE__INIT;
    ProtobufCMessage *dup[] = {&hello.base, NULL}, *anon[] = {&nameless.base, NULL};
    header echo[] = {{"x-sc-echo", "true"}, {NULL, NULL}};

    /* the first stream holds the name; its echoed join message proves the server has it */
    sc_client_sync *first = start(SC_METHOD_CHAT, echo);
    assert_int_equal(sc_client_sync_send(first, &hello.base, CALL_MS), SC_SYNC_OK);
    ProtobufCMessage *m = NULL;
    assert_int_equal(sc_client_sync_recv(first, &m, CALL_MS), SC_SYNC_OK);
    protobuf_c_message_free_unpacked(m, NULL);

    expect(start(SC_METHOD_CHAT, NULL), dup, SC_STATUS_ALREADY_EXISTS,
           "user \"contract-user\" is already in the chat");
    expect(start(SC_METHOD_CHAT, NULL), anon, SC_STATUS_INVALID_ARGUMENT,
           "first message must set user_id");
    expect(first, NULL, SC_STATUS_OK, "");
}

static void malformed_control_values(void **state)
{
    (void)state;
    static char *topic[] = {"t"};
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.topics = topic;
    req.n_topics = 1;
    ProtobufCMessage *r[] = {&req.base, NULL};
    header code[] = {{"x-sc-fail-code", "BOGUS"}, {NULL, NULL}};
    header count[] = {{"x-sc-max-responses", "ten"}, {NULL, NULL}};
    header echo[] = {{"x-sc-echo", "maybe"}, {NULL, NULL}};
    header delay[] = {{"x-sc-initial-delay-ms", "-1"}, {NULL, NULL}};
    expect(start(SC_METHOD_GET, code), r, SC_STATUS_INVALID_ARGUMENT,
           "x-sc-fail-code: unknown status code \"BOGUS\" (use a name like UNAVAILABLE or 0-16)");
    expect(start(SC_METHOD_SUBSCRIBE, count), r, SC_STATUS_INVALID_ARGUMENT,
           "x-sc-max-responses: expected a whole number from 0 to 1000000000, got \"ten\"");
    expect(start(SC_METHOD_CHAT, echo), NULL, SC_STATUS_INVALID_ARGUMENT,
           "x-sc-echo: expected true or false, got \"maybe\"");
    expect(start(SC_METHOD_GET, delay), r, SC_STATUS_INVALID_ARGUMENT,
           "x-sc-initial-delay-ms: expected a whole number from 0 to 3600000, got \"-1\"");
}

static void injected_failure_with_message_and_pushback(void **state)
{
    (void)state;
    static char *topic[] = {"t"};
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.topics = topic;
    req.n_topics = 1;
    ProtobufCMessage *r[] = {&req.base, NULL};
    header fail[] = {{"x-sc-fail-code", "unavailable"},
                     {"x-sc-fail-message", "back%20off%20%E2%9C%8B"},
                     {"x-sc-retry-pushback-ms", "250"},
                     {NULL, NULL}};
    sc_client_sync *s = start(SC_METHOD_GET, fail);
    for (ProtobufCMessage **p = r; *p; p++)
        sc_client_sync_send(s, *p, CALL_MS);
    sc_client_sync_close_send(s, CALL_MS);
    assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
    const sc_client_call_result *res = sc_client_sync_result(s);
    assert_int_equal(res->code, SC_STATUS_UNAVAILABLE);
    assert_string_equal(res->message, "back off \xe2\x9c\x8b");
    const sc_md_entry *pushback = sc_md_list_find(&res->trailers, "grpc-retry-pushback-ms");
    assert_non_null(pushback);
    assert_string_equal((const char *)pushback->value, "250");
    sc_client_sync_free(s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    grpc_init();
    servers[0] = (server_impl){
        "c", {(char *)sc_testproc_binary(), "serve", "--listen", "127.0.0.1:0", "--quiet", NULL}};
    servers[1] = (server_impl){
        "python", {SC_PEER_PYTHON_BIN, "server", "--listen", "127.0.0.1:0", "--quiet", NULL}};
    servers[2] =
        (server_impl){"go", {SC_PEER_GO_BIN, "server", "--listen", "127.0.0.1:0", "--quiet", NULL}};
    int failed = 0;
    for (int i = 0; i < 3; i++) {
        /* one group per server, so a report names the server that broke the contract */
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_prestate_setup_teardown(stream_request_errors, NULL, NULL,
                                                     &servers[i]),
            cmocka_unit_test_prestate_setup_teardown(upload_errors, NULL, NULL, &servers[i]),
            cmocka_unit_test_prestate_setup_teardown(chat_errors, NULL, NULL, &servers[i]),
            cmocka_unit_test_prestate_setup_teardown(malformed_control_values, NULL, NULL,
                                                     &servers[i]),
            cmocka_unit_test_prestate_setup_teardown(injected_failure_with_message_and_pushback,
                                                     NULL, NULL, &servers[i]),
        };
        void *impl = &servers[i];
        if (start_server(&impl) != 0) {
            fprintf(stderr, "%s server did not start\n", servers[i].name);
            failed++;
            continue;
        }
        char name[64];
        snprintf(name, sizeof name, "contract on the %s server", servers[i].name);
        failed += _cmocka_run_group_tests(name, tests, sizeof tests / sizeof tests[0], NULL, NULL);
        if (stop_server(NULL) != 0) {
            fprintf(stderr, "%s server did not exit 0 on SIGTERM\n", servers[i].name);
            failed++;
        }
    }
    grpc_shutdown();
    return failed;
}
