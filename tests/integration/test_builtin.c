/* The C server's built-in services (server/sc_builtin; docs/peer-protocol.md "Reflection and
 * health") with raw C core calls: health Check (SERVING, an unknown service NOT_FOUND),
 * reflection (list_services, file_containing_symbol streaming.DataService, an unknown symbol
 * NOT_FOUND), the event log without them, and last a Watch that gets NOT_SERVING when the server
 * shuts down. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grpc/health/v1/health.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"
#include "sc_pb.h"
#include "sc_testproc.h"
#include "sc_time.h"
#include "streaming.pb-c.h"

/* Bounds of this file's waits (a loaded 2-core CI machine). */
#define READY_MS 10000
#define CALL_MS 10000
#define PATH_CHECK "/grpc.health.v1.Health/Check"
#define PATH_WATCH "/grpc.health.v1.Health/Watch"
#define PATH_REFLECTION "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
#define PATH_REFLECTION_ALPHA "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"

static sc_testproc server;
static char events_path[] = "/tmp/sc-it-builtin-XXXXXX";
static grpc_channel *channel;
static grpc_completion_queue *cq;

static int group_setup(void **state)
{
    (void)state;
    int fd = mkstemp(events_path);
    assert_true(fd >= 0);
    close(fd);
    char *argv[] = {(char *)sc_testproc_binary(),
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--quiet",
                    "--events",
                    events_path,
                    NULL};
    assert_int_equal(sc_testproc_start(&server, argv, READY_MS), 0);
    grpc_init();
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", server.port);
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    channel = grpc_channel_create(target, creds, NULL);
    grpc_channel_credentials_release(creds);
    cq = grpc_completion_queue_create_for_pluck(NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    grpc_channel_destroy(channel);
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_pluck(cq, NULL, sc_time_deadline_in_ms(CALL_MS), NULL).type !=
           GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(cq);
    grpc_shutdown();
    int st = sc_testproc_stop(&server, SIGTERM, READY_MS);
    sc_testproc_cleanup(&server);
    unlink(events_path);
    return (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

/* ---- raw calls --------------------------------------------------------------------------- */

typedef struct {
    grpc_call *call;
    grpc_metadata_array initial, trailing;
    grpc_status_code status;
    grpc_slice details;
    grpc_metadata md; /* x-sc-case, when set */
    bool got_initial; /* RECV_INITIAL_METADATA went with a receive */
} raw_call;

static void run_ops(raw_call *c, grpc_op *ops, size_t n)
{
    int tag;
    assert_int_equal(grpc_call_start_batch(c->call, ops, n, &tag, NULL), GRPC_CALL_OK);
    grpc_event ev = grpc_completion_queue_pluck(cq, &tag, sc_time_deadline_in_ms(CALL_MS), NULL);
    assert_int_equal(ev.type, GRPC_OP_COMPLETE);
}

/* Start `path` with its initial metadata (x-sc-case when `case_id`). */
static void open_call(raw_call *c, const char *path, const char *case_id)
{
    memset(c, 0, sizeof *c);
    c->call = grpc_channel_create_call(channel, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
                                       grpc_slice_from_static_string(path), NULL,
                                       sc_time_deadline_in_ms(CALL_MS), NULL);
    grpc_metadata_array_init(&c->initial);
    grpc_metadata_array_init(&c->trailing);
    grpc_op op = {.op = GRPC_OP_SEND_INITIAL_METADATA};
    if (case_id != NULL) {
        c->md.key = grpc_slice_from_static_string("x-sc-case");
        c->md.value = grpc_slice_from_static_string(case_id);
        op.data.send_initial_metadata.count = 1;
        op.data.send_initial_metadata.metadata = &c->md;
    }
    run_ops(c, &op, 1);
}

static void send_msg(raw_call *c, const ProtobufCMessage *msg)
{
    grpc_byte_buffer *bb = sc_pb_pack(msg);
    grpc_op op = {.op = GRPC_OP_SEND_MESSAGE};
    op.data.send_message.send_message = bb;
    run_ops(c, &op, 1);
    grpc_byte_buffer_destroy(bb);
}

/* The next message, unpacked with `desc` (NULL when the stream ended). */
static ProtobufCMessage *recv_msg(raw_call *c, const ProtobufCMessageDescriptor *desc)
{
    grpc_byte_buffer *bb = NULL;
    grpc_op ops[2] = {{.op = GRPC_OP_RECV_MESSAGE}, {.op = GRPC_OP_RECV_INITIAL_METADATA}};
    ops[0].data.recv_message.recv_message = &bb;
    ops[1].data.recv_initial_metadata.recv_initial_metadata = &c->initial;
    run_ops(c, ops, c->got_initial ? 1 : 2);
    c->got_initial = true;
    if (bb == NULL)
        return NULL;
    ProtobufCMessage *m = sc_pb_unpack(desc, bb);
    grpc_byte_buffer_destroy(bb);
    assert_non_null(m);
    return m;
}

/* Half-close and wait for the status (initial metadata received on the way). */
static grpc_status_code finish(raw_call *c)
{
    grpc_op ops[3] = {{.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT},
                      {.op = GRPC_OP_RECV_STATUS_ON_CLIENT},
                      {.op = GRPC_OP_RECV_INITIAL_METADATA}};
    ops[1].data.recv_status_on_client.trailing_metadata = &c->trailing;
    ops[1].data.recv_status_on_client.status = &c->status;
    ops[1].data.recv_status_on_client.status_details = &c->details;
    ops[2].data.recv_initial_metadata.recv_initial_metadata = &c->initial;
    run_ops(c, ops, c->got_initial ? 2 : 3);
    grpc_status_code st = c->status;
    grpc_slice_unref(c->details);
    grpc_metadata_array_destroy(&c->initial);
    grpc_metadata_array_destroy(&c->trailing);
    grpc_call_unref(c->call);
    return st;
}

/* ---- health ------------------------------------------------------------------------------ */

typedef Grpc__Health__V1__HealthCheckResponse health_resp;

/* Check(`service`): its status code, and the serving status in *serving when OK. */
static grpc_status_code check(const char *service, int *serving)
{
    raw_call c;
    open_call(&c, PATH_CHECK, NULL);
    Grpc__Health__V1__HealthCheckRequest req = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    req.service = (char *)service;
    send_msg(&c, &req.base);
    health_resp *resp =
        (health_resp *)recv_msg(&c, &grpc__health__v1__health_check_response__descriptor);
    *serving = resp != NULL ? (int)resp->status : -1;
    if (resp != NULL)
        protobuf_c_message_free_unpacked(&resp->base, NULL);
    return finish(&c);
}

static void health_check_serving_and_not_found(void **state)
{
    (void)state;
    int serving;
    assert_int_equal(check("", &serving), GRPC_STATUS_OK);
    assert_int_equal(serving, GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
    assert_int_equal(check("streaming.DataService", &serving), GRPC_STATUS_OK);
    assert_int_equal(serving, GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
    assert_int_equal(check("no.Such", &serving), GRPC_STATUS_NOT_FOUND);
    assert_int_equal(serving, -1);
}

/* ---- reflection -------------------------------------------------------------------------- */

typedef Grpc__Reflection__V1__ServerReflectionRequest refl_req;
typedef Grpc__Reflection__V1__ServerReflectionResponse refl_resp;

static refl_resp *ask(raw_call *c, refl_req *req)
{
    send_msg(c, &req->base);
    refl_resp *resp =
        (refl_resp *)recv_msg(c, &grpc__reflection__v1__server_reflection_response__descriptor);
    assert_non_null(resp);
    return resp;
}

static void reflection_on(const char *path)
{
    raw_call c;
    open_call(&c, path, NULL);
    refl_req req = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__INIT;
    req.message_request_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES;
    req.list_services = "*";
    refl_resp *resp = ask(&c, &req);
    assert_non_null(resp->list_services_response);
    bool data_service = false;
    for (size_t i = 0; i < resp->list_services_response->n_service; i++)
        data_service |=
            strcmp(resp->list_services_response->service[i]->name, "streaming.DataService") == 0;
    assert_true(data_service);
    protobuf_c_message_free_unpacked(&resp->base, NULL);

    req.message_request_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL;
    req.file_containing_symbol = "streaming.DataService";
    resp = ask(&c, &req);
    assert_non_null(resp->file_descriptor_response);
    assert_int_equal(resp->file_descriptor_response->n_file_descriptor_proto, 1);
    const ProtobufCBinaryData *fd = &resp->file_descriptor_response->file_descriptor_proto[0];
    assert_true(fd->len > 17);
    assert_memory_equal(fd->data + 2, "streaming.proto", 15); /* field 1 first: its name */
    protobuf_c_message_free_unpacked(&resp->base, NULL);

    req.file_containing_symbol = "streaming.NoSuchService";
    resp = ask(&c, &req);
    assert_non_null(resp->error_response);
    assert_int_equal(resp->error_response->error_code, GRPC_STATUS_NOT_FOUND);
    protobuf_c_message_free_unpacked(&resp->base, NULL);
    assert_int_equal(finish(&c), GRPC_STATUS_OK);
}

static void reflection_v1_and_v1alpha(void **state)
{
    (void)state;
    reflection_on(PATH_REFLECTION);
    reflection_on(PATH_REFLECTION_ALPHA);
}

/* ---- the event log ----------------------------------------------------------------------- */

static void event_log_has_only_case_calls(void **state)
{
    (void)state;
    raw_call c; /* one case call, so that the log is known to work */
    open_call(&c, "/streaming.DataService/GetData", "it/builtin");
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    send_msg(&c, &req.base);
    finish(&c); /* whatever it answers: the call is in the log */

    int starts = 0;
    char line[4096];
    for (int64_t until = sc_time_now_ms() + CALL_MS; starts == 0 && sc_time_now_ms() < until;) {
        FILE *f = fopen(events_path, "r");
        assert_non_null(f);
        while (fgets(line, sizeof line, f) != NULL) {
            assert_null(strstr(line, "grpc.health"));
            assert_null(strstr(line, "grpc.reflection"));
            if (strstr(line, "\"call_start\"") != NULL) {
                assert_non_null(strstr(line, "it/builtin")); /* every call is the case's */
                starts++;
            }
        }
        fclose(f);
        if (starts == 0)
            usleep(50 * 1000); /* the event log is written as the server goes */
    }
    assert_int_equal(starts, 1);
}

/* ---- Watch across the shutdown (last: it stops the server) -------------------------------- */

static void watch_gets_not_serving_at_shutdown(void **state)
{
    (void)state;
    raw_call c;
    open_call(&c, PATH_WATCH, NULL);
    Grpc__Health__V1__HealthCheckRequest req = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    req.service = "";
    send_msg(&c, &req.base);
    health_resp *r =
        (health_resp *)recv_msg(&c, &grpc__health__v1__health_check_response__descriptor);
    assert_non_null(r);
    assert_int_equal(r->status, GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
    protobuf_c_message_free_unpacked(&r->base, NULL);

    assert_int_equal(kill(server.pid, SIGTERM), 0);
    r = (health_resp *)recv_msg(&c, &grpc__health__v1__health_check_response__descriptor);
    assert_non_null(r);
    assert_int_equal(r->status,
                     GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    assert_int_equal(finish(&c), GRPC_STATUS_UNAVAILABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(health_check_serving_and_not_found),
        cmocka_unit_test(reflection_v1_and_v1alpha),
        cmocka_unit_test(event_log_has_only_case_calls),
        cmocka_unit_test(watch_gets_not_serving_at_shutdown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
