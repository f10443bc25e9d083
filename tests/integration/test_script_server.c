/* The scripted server (`streamconform script-server --scripts -`) as a real process on
 * 127.0.0.1:0, called with our client library: what it plays (messages, headers, trailers,
 * status), when (lower bounds of the script's delays), what it logs (cancel, deadline), and the
 * engine running scenarios/replay.json on it through `streamconform run`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <grpc/grpc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client_run.h"
#include "sc_client_channel.h"
#include "sc_client_sync.h"
#include "sc_status.h"
#include "sc_testproc.h"
#include "sc_time.h"
#include "streaming.pb-c.h"

#define READY_MS 10000
#define CALL_MS 10000
#define EVENT_MS 5000
#define RUN_MS 120000

static sc_testproc server;
static char events_path[] = "/tmp/sc-it-script-events-XXXXXX";
static grpc_channel *channel;

static const char scripts[] =
    /* a stream: headers after 50 ms, messages 30 and 60 ms apart, status 40 ms later */
    "{\"case\": \"it/stream\", \"method\": \"SubscribeData\", \"script\": {\"initial_delay_ms\": "
    "50, \"headers\": {\"x-h\": \"1\", \"x-h-bin\": \"AAEC\"}, \"responses\": [{\"delay_ms\": "
    "30, \"message\": {\"sequenceNumber\": \"5\"}}, {\"delay_ms\": 60, \"message\": "
    "{\"sequenceNumber\": \"6\", \"dataPoints\": [{\"id\": \"p\"}]}}], \"trailers\": {\"x-t\": "
    "[\"a\", \"b\"]}, \"status\": {\"code\": \"RESOURCE_EXHAUSTED\", \"message\": \"quota "
    "\\u00e9\", \"delay_ms\": 40}}}\n"
    "\n"
    /* the same case on another method plays another script */
    "{\"case\": \"it/stream\", \"method\": \"GetData\", \"script\": {\"responses\": "
    "[{\"message\": {\"sequenceNumber\": \"1\"}}], \"status\": {\"code\": \"OK\"}}}\n"
    /* trailers-only */
    "{\"case\": \"it/trailers-only\", \"method\": \"UploadFile\", \"script\": {\"trailers\": "
    "{\"x-why\": \"recorded\"}, \"status\": {\"code\": \"DATA_LOSS\", \"message\": \"gone\"}}}\n"
    /* a long stall: for cancel and deadline */
    "{\"case\": \"it/stall\", \"method\": \"Chat\", \"script\": {\"responses\": [{\"message\": "
    "{\"content\": \"first\"}}, {\"delay_ms\": 5000, \"message\": {}}], \"status\": {\"code\": "
    "\"OK\"}}}\n";

static int group_setup(void **state)
{
    (void)state;
    grpc_init();
    int fd = mkstemp(events_path);
    assert_true(fd >= 0);
    close(fd);
    char *argv[] = {(char *)sc_testproc_binary(),
                    "script-server",
                    "--listen",
                    "127.0.0.1:0",
                    "--scripts",
                    "-",
                    "--events",
                    events_path,
                    "--quiet",
                    NULL};
    assert_int_equal(sc_proc_spawn(&server, argv, SC_PROC_STDIN), 0);
    size_t n = strlen(scripts);
    assert_int_equal(write(server.in_fd, scripts, n), (ssize_t)n);
    close(server.in_fd);
    server.in_fd = -1;
    assert_int_equal(sc_proc_wait_ready(&server, READY_MS), 0);
    char target[64], err[256];
    snprintf(target, sizeof target, "127.0.0.1:%d", server.port);
    sc_client_channel_opts o = {0};
    channel = sc_client_channel_create(target, &o, err, sizeof err);
    assert_non_null(channel);
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

/* The event log line of this case and event (the first), copied into `line`. */
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
                if (line != NULL)
                    snprintf(line, len, "%s", buf);
                fclose(f);
                return true;
            }
        }
        fclose(f);
        usleep(20000);
    }
    return false;
}

static sc_client_sync *start_call(sc_method m, const char *case_id, int64_t deadline_ms,
                                  sc_md_list *md)
{
    assert_int_equal(sc_md_list_add(md, "x-sc-case", case_id, strlen(case_id)), 0);
    sc_client_call_opts opts = {.method = m, .metadata = md, .deadline_ms = deadline_ms};
    char err[256];
    sc_client_sync *s = sc_client_sync_start(channel, &opts, err, sizeof err);
    assert_non_null(s);
    return s;
}

static const char *md_value(const sc_md_list *md, const char *key)
{
    const sc_md_entry *e = sc_md_list_find(md, key);
    return e != NULL ? (const char *)e->value : NULL;
}

static void plays_a_stream_with_metadata_and_timing(void **state)
{
    (void)state;
    sc_md_list md = {0};
    char *topics[] = {"t"};
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.n_topics = 1;
    req.topics = topics;
    sc_client_sync *s = start_call(SC_METHOD_SUBSCRIBE, "it/stream", CALL_MS, &md);
    assert_int_equal(sc_client_sync_send(s, &req.base, CALL_MS), SC_SYNC_OK);
    assert_int_equal(sc_client_sync_close_send(s, CALL_MS), SC_SYNC_OK);
    int64_t seqs[2];
    for (int i = 0; i < 2; i++) {
        ProtobufCMessage *m = NULL;
        assert_int_equal(sc_client_sync_recv(s, &m, CALL_MS), SC_SYNC_OK);
        seqs[i] = ((Streaming__StreamResponse *)m)->sequence_number;
        protobuf_c_message_free_unpacked(m, NULL);
    }
    ProtobufCMessage *m = NULL;
    assert_int_equal(sc_client_sync_recv(s, &m, CALL_MS), SC_SYNC_END);
    assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
    const sc_client_call_result *r = sc_client_sync_result(s);
    assert_int_equal(seqs[0], 5);
    assert_int_equal(seqs[1], 6);
    assert_int_equal(r->code, SC_STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(r->message, "quota \xc3\xa9");
    assert_string_equal(md_value(&r->headers, "x-h"), "1");
    const sc_md_entry *bin = sc_md_list_find(&r->headers, "x-h-bin");
    assert_non_null(bin);
    assert_int_equal(bin->value_len, 3);
    assert_int_equal(bin->value[2], 2);
    assert_int_equal(r->trailers.count, 2);
    assert_string_equal(md_value(&r->trailers, "x-t"), "a");
    /* lower bounds: each delay counts from the previous output */
    assert_true(r->headers_ms - r->start_ms >= 50);
    assert_true(r->response_ms[0] - r->start_ms >= 80);
    assert_true(r->response_ms[1] - r->response_ms[0] >= 55);
    assert_true(r->status_ms - r->response_ms[1] >= 35);
    assert_true(r->status_ms - r->start_ms >= 180);
    sc_client_sync_free(s);
    sc_md_list_free(&md);
    char line[8192];
    assert_true(wait_event("it/stream", "status_sent", line, sizeof line));
    assert_non_null(strstr(line, "\"code\":\"RESOURCE_EXHAUSTED\""));
    assert_true(wait_event("it/stream", "message_received", line, sizeof line));
    assert_non_null(strstr(line, "\"count\":1"));
    assert_true(wait_event("it/stream", "half_close", NULL, 0));
    assert_true(wait_event("it/stream", "message_sent", NULL, 0));
    assert_true(wait_event("it/stream", "call_end", NULL, 0));
}

static void same_case_other_method_and_trailers_only(void **state)
{
    (void)state;
    sc_md_list md = {0};
    char *topics[] = {"t"};
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.n_topics = 1;
    req.topics = topics;
    assert_int_equal(sc_md_list_add(&md, "x-sc-case", "it/stream", 9), 0);
    sc_client_call_opts opts = {.method = SC_METHOD_GET, .metadata = &md};
    ProtobufCMessage *resp = NULL;
    char err[256];
    assert_int_equal(
        sc_client_sync_unary(channel, &opts, &req.base, &resp, CALL_MS, err, sizeof err),
        SC_STATUS_OK);
    assert_non_null(resp);
    assert_int_equal(((Streaming__StreamResponse *)resp)->sequence_number, 1);
    protobuf_c_message_free_unpacked(resp, NULL);
    sc_md_list_free(&md);

    sc_client_sync *s = start_call(SC_METHOD_UPLOAD, "it/trailers-only", CALL_MS, &md);
    assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
    const sc_client_call_result *r = sc_client_sync_result(s);
    assert_int_equal(r->code, SC_STATUS_DATA_LOSS);
    assert_string_equal(r->message, "gone");
    assert_int_equal(r->headers.count, 0);
    assert_string_equal(md_value(&r->trailers, "x-why"), "recorded");
    assert_int_equal(r->responses, 0);
    sc_client_sync_free(s);
    sc_md_list_free(&md);
}

static void no_script_is_failed_precondition(void **state)
{
    (void)state;
    sc_md_list md = {0};
    /* a known case on a method it has no script for, and an unknown case */
    const char *cases[] = {"it/trailers-only", "it/nobody"};
    for (int i = 0; i < 2; i++) {
        sc_client_sync *s = start_call(SC_METHOD_CHAT, cases[i], CALL_MS, &md);
        assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
        const sc_client_call_result *r = sc_client_sync_result(s);
        char want[128];
        snprintf(want, sizeof want, "no script for case %s", cases[i]);
        assert_int_equal(r->code, SC_STATUS_FAILED_PRECONDITION);
        assert_string_equal(r->message, want);
        sc_client_sync_free(s);
        sc_md_list_free(&md);
    }
    char line[8192];
    assert_true(wait_event("it/nobody", "status_sent", line, sizeof line));
    assert_non_null(strstr(line, "\"code\":\"FAILED_PRECONDITION\""));
}

static void cancel_and_deadline_are_logged(void **state)
{
    (void)state;
    sc_md_list md = {0};
    sc_client_sync *s = start_call(SC_METHOD_CHAT, "it/stall", CALL_MS, &md);
    ProtobufCMessage *m = NULL;
    assert_int_equal(sc_client_sync_recv(s, &m, CALL_MS), SC_SYNC_OK);
    assert_string_equal(((Streaming__ChatMessage *)m)->content, "first");
    protobuf_c_message_free_unpacked(m, NULL);
    sc_client_sync_cancel(s);
    assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
    assert_int_equal(sc_client_sync_result(s)->code, SC_STATUS_CANCELLED);
    sc_client_sync_free(s);
    sc_md_list_free(&md);
    assert_true(wait_event("it/stall", "cancelled", NULL, 0));
    assert_true(wait_event("it/stall", "call_end", NULL, 0));

    /* the deadline: call_start shows it, deadline_exceeded ends it (another case id) */
    assert_int_equal(sc_md_list_add(&md, "x-test", "deadline", 8), 0);
    s = start_call(SC_METHOD_CHAT, "it/stall", 300, &md);
    assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
    assert_int_equal(sc_client_sync_result(s)->code, SC_STATUS_DEADLINE_EXCEEDED);
    sc_client_sync_free(s);
    sc_md_list_free(&md);
    char line[8192];
    assert_true(wait_event("it/stall", "deadline_exceeded", line, sizeof line));
    int64_t deadline = sc_time_now_ms() + EVENT_MS;
    bool found = false;
    while (!found && sc_time_now_ms() < deadline) {
        FILE *f = fopen(events_path, "r");
        char buf[8192];
        while (fgets(buf, sizeof buf, f) != NULL)
            if (strstr(buf, "\"x-test\":\"deadline\"") && strstr(buf, "\"call_start\"")) {
                cJSON *o = cJSON_Parse(buf);
                const cJSON *d = cJSON_GetObjectItem(o, "deadline_ms");
                assert_true(cJSON_IsNumber(d));
                assert_true(d->valuedouble > 0 && d->valuedouble <= 300);
                cJSON_Delete(o);
                found = true;
            }
        fclose(f);
    }
    assert_true(found);
}

/* The engine: scenarios/replay.json on the C client, against the scripted server it adds even
 * though --servers names only c. */
static void engine_runs_replay_json(void **state)
{
    (void)state;
    char scenarios[] = SC_SOURCE_DIR "/scenarios/replay.json",
         out[] = "/tmp/sc-it-script-run-XXXXXX";
    assert_non_null(mkdtemp(out));
    char *argv[] = {(char *)sc_testproc_binary(),
                    "run",
                    scenarios,
                    "--clients",
                    "c",
                    "--servers",
                    "c",
                    "--out",
                    out,
                    NULL};
    client_proc p;
    int rc = client_run(&p, argv, NULL, RUN_MS);
    if (rc != 0)
        fail_msg("streamconform run exited %d: %s%s", rc, p.out.data, p.err.data);
    char file[1200];
    snprintf(file, sizeof file, "%s/report.json", out);
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    static char text[4 * 1024 * 1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    cJSON *rep = cJSON_Parse(text);
    assert_non_null(rep);
    int passed_on_script = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(rep, "cases"))
    {
        const char *srv = cJSON_GetObjectItem(c, "server")->valuestring;
        const char *verdict = cJSON_GetObjectItem(c, "verdict")->valuestring;
        if (strcmp(srv, "script") == 0) {
            assert_string_equal(verdict, "pass");
            passed_on_script++;
        } else {
            assert_string_equal(verdict, "skip");
        }
    }
    assert_true(passed_on_script >= 5);
    cJSON_Delete(rep);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plays_a_stream_with_metadata_and_timing),
        cmocka_unit_test(same_case_other_method_and_trailers_only),
        cmocka_unit_test(no_script_is_failed_precondition),
        cmocka_unit_test(cancel_and_deadline_are_logged),
        cmocka_unit_test(engine_runs_replay_json),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
