/* `streamconform proxy` as a real process between the C client library and `streamconform serve`
 * (both on 127.0.0.1, port 0): each fault type as the client sees it, the proxy's records, 200
 * concurrent streams through one proxy, and a malformed --faults. Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <grpc/grpc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sc_client_channel.h"
#include "sc_client_sync.h"
#include "sc_status.h"
#include "sc_testproc.h"
#include "sc_time.h"
#include "streaming.pb-c.h"

/* Bounds for this file's waits: generous for a loaded 2-core CI machine. */
#define READY_MS 10000
#define CALL_MS 10000
#define STOP_MS 10000
/* Longest wait for the proxy to record a closed channel's connection ending (far less in practice).
 */
#define CLOSE_SEEN_MS 2000
/* Streams of the concurrency test, each on its own channel (its own TCP connection). */
#define STREAMS 200
/* Records kept per proxy run (a line is ~150 bytes; the concurrency test writes 400). */
#define RECORDS_MAX (256 * 1024)

static sc_testproc server;
static int server_port;

typedef struct {
    sc_testproc proc;
    grpc_channel *channel;
    char records[RECORDS_MAX];
} proxy_run;

/* ---- helpers --------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    grpc_init();
    char *argv[] = {(char *)sc_testproc_binary(),
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--tick-ms",
                    "50",
                    "--quiet",
                    NULL};
    assert_int_equal(sc_testproc_start(&server, argv, READY_MS), 0);
    server_port = server.port;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    int st = sc_testproc_stop(&server, SIGTERM, STOP_MS);
    sc_testproc_cleanup(&server);
    grpc_shutdown();
    return (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

static grpc_channel *open_channel(int port)
{
    char t[64], err[256];
    snprintf(t, sizeof t, "127.0.0.1:%d", port);
    sc_client_channel_opts o = {0};
    grpc_channel *ch = sc_client_channel_create(t, &o, err, sizeof err);
    assert_non_null(ch);
    return ch;
}

/* The proxy of the running test, so that a failed test does not leave it running. */
static proxy_run *current;

static int kill_leftover_proxy(void **state)
{
    (void)state;
    if (current != NULL) {
        if (current->channel != NULL)
            grpc_channel_destroy(current->channel);
        sc_testproc_cleanup(&current->proc);
        current = NULL;
    }
    return 0;
}

/* Start a proxy in front of the server with these faults, and a channel to it. */
static void start_proxy(proxy_run *r, const char *faults)
{
    char upstream[64];
    snprintf(upstream, sizeof upstream, "127.0.0.1:%d", server_port);
    char *argv[] = {(char *)sc_testproc_binary(),
                    "proxy",
                    "--listen",
                    "127.0.0.1:0",
                    "--upstream",
                    upstream,
                    "--faults",
                    (char *)faults,
                    "--seed",
                    "7",
                    "--quiet",
                    NULL};
    memset(r, 0, sizeof *r);
    assert_int_equal(sc_testproc_start(&r->proc, argv, READY_MS), 0);
    current = r;
    r->channel = open_channel(r->proc.port);
}

static int count(const char *text, const char *needle);

/* Append the proxy's record lines to r->records until every accepted connection has its end
 * record, at most `bound_ms` in all. The channel's destroy closes its connection asynchronously:
 * a SIGTERM sent at once could beat the proxy's read of that close, and the connection would
 * then be recorded as ended by the proxy's shutdown, not by the client. At least one line is
 * read: the run's records are still in the pipe when this starts (with none read yet, accepts and
 * ends are both 0, which once made this return at once). */
static void read_records_until_ended(proxy_run *r, int64_t bound_ms)
{
    size_t n = strlen(r->records);
    char line[1024];
    int64_t until = sc_time_now_ms() + bound_ms;
    do {
        int64_t left = until - sc_time_now_ms();
        if (left <= 0 || sc_testproc_read_line(&r->proc, line, sizeof line, left) != 1 ||
            n + strlen(line) + 2 >= sizeof r->records)
            break;
        n += (size_t)snprintf(r->records + n, sizeof r->records - n, "%s\n", line);
    } while (count(r->records, "\"event\":\"accept\"") > count(r->records, "\"event\":\"end\""));
}

/* Close the channel, stop the proxy (SIGTERM: exit 0) and collect every record it wrote. */
static void stop_proxy(proxy_run *r)
{
    if (r->channel != NULL)
        grpc_channel_destroy(r->channel);
    r->channel = NULL;
    r->records[0] = '\0';
    read_records_until_ended(r, CLOSE_SEEN_MS);
    int st = sc_testproc_stop(&r->proc, SIGTERM, STOP_MS);
    assert_true(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    size_t n = strlen(r->records);
    char line[1024];
    while (sc_testproc_read_line(&r->proc, line, sizeof line, STOP_MS) == 1 &&
           n + strlen(line) + 2 < sizeof r->records)
        n += (size_t)snprintf(r->records + n, sizeof r->records - n, "%s\n", line);
    sc_testproc_cleanup(&r->proc);
    current = NULL;
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static sc_md_list metadata2(const char *k1, const char *v1, const char *k2, const char *v2)
{
    sc_md_list md = {0};
    if (k1 != NULL)
        assert_int_equal(sc_md_list_add(&md, k1, v1, strlen(v1)), 0);
    if (k2 != NULL)
        assert_int_equal(sc_md_list_add(&md, k2, v2, strlen(v2)), 0);
    return md;
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

/* Start a SubscribeData call with the request sent and half-closed. */
static sc_client_sync *subscribe(grpc_channel *ch, const sc_md_list *md, int64_t deadline_ms,
                                 int batch)
{
    sc_client_call_opts o = {
        .method = SC_METHOD_SUBSCRIBE, .metadata = md, .deadline_ms = deadline_ms};
    char err[256];
    sc_client_sync *s = sc_client_sync_start(ch, &o, err, sizeof err);
    if (s == NULL)
        fail_msg("start: %s", err);
    Streaming__StreamRequest req = stream_request("px", batch);
    assert_int_equal(sc_client_sync_send(s, &req.base, CALL_MS), SC_SYNC_OK);
    assert_int_equal(sc_client_sync_close_send(s, CALL_MS), SC_SYNC_OK);
    return s;
}

/* Read responses until the stream ends; returns how many, and the status in *code. */
static int drain(sc_client_sync *s, int *code)
{
    int n = 0;
    ProtobufCMessage *m;
    sc_sync_rc rc;
    while ((rc = sc_client_sync_recv(s, &m, CALL_MS)) == SC_SYNC_OK) {
        protobuf_c_message_free_unpacked(m, NULL);
        n++;
    }
    assert_int_not_equal(rc, SC_SYNC_TIMEOUT);
    assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
    *code = sc_client_sync_result(s)->code;
    return n;
}

static int get_data(grpc_channel *ch, int64_t deadline_ms, int batch, int *points)
{
    Streaming__StreamRequest req = stream_request("g", batch);
    ProtobufCMessage *resp = NULL;
    sc_client_call_opts o = {.method = SC_METHOD_GET, .deadline_ms = deadline_ms};
    char err[256];
    int code = sc_client_sync_unary(ch, &o, &req.base, &resp, CALL_MS, err, sizeof err);
    if (code < 0)
        fail_msg("unary: %s", err);
    if (points != NULL)
        *points = resp != NULL ? (int)((Streaming__StreamResponse *)resp)->n_data_points : -1;
    if (resp != NULL)
        protobuf_c_message_free_unpacked(resp, NULL);
    return code;
}

static void assert_code(int code, int want)
{
    if (code != want)
        fail_msg("status %s, want %s", sc_status_name(code), sc_status_name(want));
}

/* ---- faults ---------------------------------------------------------------------------- */

static void no_fault_passes_calls_through(void **state)
{
    (void)state;
    static proxy_run r;
    start_proxy(&r, "[]");
    int points = 0;
    assert_code(get_data(r.channel, CALL_MS, 7, &points), SC_STATUS_OK);
    assert_int_equal(points, 7);
    sc_md_list md = metadata2("x-sc-max-responses", "4", "x-sc-response-delay-ms", "5");
    sc_client_sync *s = subscribe(r.channel, &md, CALL_MS, 3);
    int code;
    assert_int_equal(drain(s, &code), 4);
    assert_code(code, SC_STATUS_OK);
    sc_client_sync_free(s);
    sc_md_list_free(&md);
    stop_proxy(&r);
    /* one connection (the channel's), ended by the client closing it */
    assert_int_equal(count(r.records, "\"event\":\"accept\",\"conn\":1,"), 1);
    assert_int_equal(count(r.records, "\"event\":\"end\",\"conn\":1,"), 1);
    assert_int_equal(count(r.records, "\"how\":\"client_closed\",\"fault\":null"), 1);
}

static void reset_mid_stream_is_unavailable(void **state)
{
    (void)state;
    static proxy_run r;
    start_proxy(&r, "[{\"type\":\"reset\",\"at_ms\":400}]");
    sc_client_sync *s = subscribe(r.channel, NULL, CALL_MS, 1); /* a batch per 50 ms tick */
    int code;
    int n = drain(s, &code);
    assert_code(code, SC_STATUS_UNAVAILABLE);
    assert_true(n >= 1); /* it was mid-stream */
    sc_client_sync_free(s);
    stop_proxy(&r);
    assert_int_equal(count(r.records, "\"how\":\"reset_by_fault\",\"fault\":0"), 1);
}

static void close_mid_stream_is_unavailable(void **state)
{
    (void)state;
    static proxy_run r;
    start_proxy(&r, "[{\"type\":\"close\",\"at_ms\":400}]");
    sc_client_sync *s = subscribe(r.channel, NULL, CALL_MS, 1);
    int code;
    int n = drain(s, &code);
    assert_code(code, SC_STATUS_UNAVAILABLE);
    assert_true(n >= 1);
    sc_client_sync_free(s);
    stop_proxy(&r);
    assert_int_equal(count(r.records, "\"how\":\"closed_by_fault\",\"fault\":0"), 1);
}

static void blackhole_ends_in_deadline_exceeded(void **state)
{
    (void)state;
    static proxy_run r;
    /* at accept: the TCP connect succeeds, the HTTP/2 handshake never does */
    start_proxy(&r, "[{\"type\":\"blackhole\"}]");
    int64_t t0 = sc_time_now_ms();
    assert_code(get_data(r.channel, 500, 1, NULL), SC_STATUS_DEADLINE_EXCEEDED);
    assert_true(sc_time_now_ms() - t0 >= 450);
    stop_proxy(&r);
    assert_int_equal(count(r.records, "\"event\":\"accept\""), 1);

    /* mid-stream: responses stop, the deadline ends the call */
    start_proxy(&r, "[{\"type\":\"blackhole\",\"at_ms\":300}]");
    sc_client_sync *s = subscribe(r.channel, NULL, 1200, 1);
    int code;
    int n = drain(s, &code);
    assert_code(code, SC_STATUS_DEADLINE_EXCEEDED);
    assert_true(n >= 1 && n < 20);
    sc_client_sync_free(s);
    stop_proxy(&r);
}

static void refuse_fails_calls_and_records_each_connection(void **state)
{
    (void)state;
    static proxy_run r;
    start_proxy(&r, "[{\"type\":\"refuse\"}]");
    assert_code(get_data(r.channel, CALL_MS, 1, NULL), SC_STATUS_UNAVAILABLE);
    stop_proxy(&r);
    int accepted = count(r.records, "\"event\":\"accept\"");
    assert_true(accepted >= 1);
    assert_int_equal(count(r.records, "\"how\":\"refused\",\"fault\":0"), accepted);
    assert_int_equal(count(r.records, "\"bytes_up\":0,\"bytes_down\":0"), accepted);

    /* only the first two connections refused: a later channel gets through */
    start_proxy(&r, "[{\"type\":\"refuse\",\"on_connection\":{\"from\":1,\"to\":2}}]");
    assert_code(get_data(r.channel, CALL_MS, 1, NULL), SC_STATUS_UNAVAILABLE);
    grpc_channel_destroy(r.channel);
    r.channel = NULL;
    int code = SC_STATUS_UNAVAILABLE;
    for (int i = 0; i < 3 && code == SC_STATUS_UNAVAILABLE; i++) {
        grpc_channel *ch = open_channel(r.proc.port);
        code = get_data(ch, CALL_MS, 1, NULL);
        grpc_channel_destroy(ch);
    }
    assert_code(code, SC_STATUS_OK);
    stop_proxy(&r);
    assert_int_equal(count(r.records, "\"how\":\"refused\""), 2);
}

static void latency_adds_delay(void **state)
{
    (void)state;
    static proxy_run r;
    start_proxy(&r, "[{\"type\":\"latency\",\"ms\":150}]");
    assert_code(get_data(r.channel, CALL_MS, 1, NULL), SC_STATUS_OK); /* connects */
    int64_t t0 = sc_time_now_ms();
    assert_code(get_data(r.channel, CALL_MS, 1, NULL), SC_STATUS_OK);
    int64_t took = sc_time_now_ms() - t0;
    /* the request waits 150 ms on the way up, the response 150 ms on the way down */
    if (took < 290)
        fail_msg("a call through 150 ms latency took %lld ms", (long long)took);
    stop_proxy(&r);
}

static void bandwidth_slows_a_large_upload(void **state)
{
    (void)state;
    static proxy_run r;
    enum { TOTAL = 640 * 1024, CHUNK = 16 * 1024, RATE = 320 * 1024 };
    char faults[128];
    snprintf(faults, sizeof faults,
             "[{\"type\":\"bandwidth\",\"bytes_per_s\":%d,\"direction\":\"up\"}]", RATE);
    start_proxy(&r, faults);
    sc_client_call_opts o = {.method = SC_METHOD_UPLOAD, .deadline_ms = CALL_MS};
    char err[256];
    int64_t t0 = sc_time_now_ms();
    sc_client_sync *s = sc_client_sync_start(r.channel, &o, err, sizeof err);
    assert_non_null(s);
    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    Streaming__UploadRequest meta = STREAMING__UPLOAD_REQUEST__INIT;
    fm.filename = "big.bin";
    fm.total_size = TOTAL;
    meta.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA;
    meta.metadata = &fm;
    assert_int_equal(sc_client_sync_send(s, &meta.base, CALL_MS), SC_SYNC_OK);
    static uint8_t chunk[CHUNK];
    memset(chunk, 'b', sizeof chunk);
    for (int sent = 0; sent < TOTAL; sent += CHUNK) {
        Streaming__UploadRequest c = STREAMING__UPLOAD_REQUEST__INIT;
        c.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK;
        c.chunk.data = chunk;
        c.chunk.len = CHUNK;
        assert_int_equal(sc_client_sync_send(s, &c.base, CALL_MS), SC_SYNC_OK);
    }
    assert_int_equal(sc_client_sync_close_send(s, CALL_MS), SC_SYNC_OK);
    ProtobufCMessage *m = NULL;
    assert_int_equal(sc_client_sync_recv(s, &m, CALL_MS), SC_SYNC_OK);
    assert_int_equal(((Streaming__UploadResponse *)m)->bytes_received, TOTAL);
    protobuf_c_message_free_unpacked(m, NULL);
    assert_int_equal(sc_client_sync_finish(s, CALL_MS), SC_SYNC_OK);
    assert_code(sc_client_sync_result(s)->code, SC_STATUS_OK);
    int64_t took = sc_time_now_ms() - t0;
    sc_client_sync_free(s);
    /* 640 KiB at 320 KiB/s: at least ~2 s (less one 20 ms burst and some slack) */
    if (took < 1800)
        fail_msg("640 KiB through a 320 KiB/s cap took only %lld ms", (long long)took);
    stop_proxy(&r);
}

static void slice_still_delivers_everything(void **state)
{
    (void)state;
    static proxy_run r;
    start_proxy(&r, "[{\"type\":\"slice\",\"bytes\":3}]");
    int points = 0;
    assert_code(get_data(r.channel, CALL_MS, 50, &points), SC_STATUS_OK);
    assert_int_equal(points, 50);
    sc_md_list md = metadata2("x-sc-max-responses", "5", "x-sc-response-delay-ms", "1");
    sc_client_sync *s = subscribe(r.channel, &md, CALL_MS, 20);
    int code;
    assert_int_equal(drain(s, &code), 5);
    assert_code(code, SC_STATUS_OK);
    sc_client_sync_free(s);
    sc_md_list_free(&md);
    stop_proxy(&r);
}

static void cut_after_bytes_resets_at_the_byte(void **state)
{
    (void)state;
    static proxy_run r;
    start_proxy(&r, "[{\"type\":\"cut_after_bytes\",\"bytes\":3000,\"direction\":\"down\"}]");
    sc_client_sync *s = subscribe(r.channel, NULL, CALL_MS, 5);
    int code;
    int n = drain(s, &code);
    assert_code(code, SC_STATUS_UNAVAILABLE);
    assert_true(n >= 1);
    sc_client_sync_free(s);
    stop_proxy(&r);
    assert_int_equal(count(r.records, "\"bytes_down\":3000,\"how\":\"reset_by_fault\",\"fault\":0"),
                     1);
}

/* ---- load and CLI ---------------------------------------------------------------------- */

static void two_hundred_concurrent_streams(void **state)
{
    (void)state;
    static proxy_run r;
    start_proxy(&r, "[]");
    static grpc_channel *ch[STREAMS];
    static sc_client_sync *s[STREAMS];
    sc_md_list md = metadata2("x-sc-max-responses", "3", "x-sc-response-delay-ms", "200");
    for (int i = 0; i < STREAMS; i++) {
        ch[i] = open_channel(r.proc.port);
        s[i] = subscribe(ch[i], &md, 30000, 2);
    }
    /* every stream's first response arrives while all of them are open */
    for (int i = 0; i < STREAMS; i++) {
        ProtobufCMessage *m = NULL;
        assert_int_equal(sc_client_sync_recv(s[i], &m, CALL_MS), SC_SYNC_OK);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    for (int i = 0; i < STREAMS; i++) {
        int code;
        assert_int_equal(drain(s[i], &code), 2);
        assert_code(code, SC_STATUS_OK);
        sc_client_sync_free(s[i]);
        grpc_channel_destroy(ch[i]);
    }
    sc_md_list_free(&md);
    stop_proxy(&r);
    /* one connection per channel (the test's own channel opened none) */
    assert_int_equal(count(r.records, "\"event\":\"accept\""), STREAMS);
    assert_int_equal(count(r.records, "\"event\":\"end\""), STREAMS);
    assert_int_equal(count(r.records, "\"how\":\"error\""), 0);
}

/* Run `streamconform proxy` with these arguments to its exit; stderr into `err`. */
static int run_cli(char *const extra[], char *err, size_t errlen)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)sc_testproc_binary();
    argv[n++] = "proxy";
    for (int i = 0; extra[i] != NULL && n < 15; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    sc_proc p;
    assert_int_equal(sc_proc_spawn(&p, argv, SC_PROC_STDERR), 0);
    int st = sc_proc_stop(&p, 0, STOP_MS); /* signal 0: only wait (bounded) for the exit */
    ssize_t k = read(p.err_fd, err, errlen - 1);
    err[k > 0 ? k : 0] = '\0';
    sc_proc_cleanup(&p);
    assert_true(st >= 0 && WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void malformed_faults_exit_2_naming_the_path(void **state)
{
    (void)state;
    char err[1024];
    char *bad_type[] = {"--upstream", "127.0.0.1:1", "--faults",
                        "[{\"type\":\"reset\"},{\"type\":\"close\"},{\"type\":\"rst\"}]", NULL};
    assert_int_equal(run_cli(bad_type, err, sizeof err), 2);
    assert_non_null(strstr(err, "faults[2].type: unknown fault \"rst\""));

    char *bad_json[] = {"--upstream", "127.0.0.1:1", "--faults", "[{", NULL};
    assert_int_equal(run_cli(bad_json, err, sizeof err), 2);
    assert_non_null(strstr(err, "faults: invalid JSON"));

    char *missing[] = {"--upstream", "127.0.0.1:1", "--faults", "@/nonexistent/faults.json", NULL};
    assert_int_equal(run_cli(missing, err, sizeof err), 2);
    assert_non_null(strstr(err, "/nonexistent/faults.json"));

    char *no_upstream[] = {"--faults", "[]", NULL};
    assert_int_equal(run_cli(no_upstream, err, sizeof err), 2);
    assert_non_null(strstr(err, "--upstream"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(no_fault_passes_calls_through, kill_leftover_proxy),
        cmocka_unit_test_teardown(reset_mid_stream_is_unavailable, kill_leftover_proxy),
        cmocka_unit_test_teardown(close_mid_stream_is_unavailable, kill_leftover_proxy),
        cmocka_unit_test_teardown(blackhole_ends_in_deadline_exceeded, kill_leftover_proxy),
        cmocka_unit_test_teardown(refuse_fails_calls_and_records_each_connection,
                                  kill_leftover_proxy),
        cmocka_unit_test_teardown(latency_adds_delay, kill_leftover_proxy),
        cmocka_unit_test_teardown(bandwidth_slows_a_large_upload, kill_leftover_proxy),
        cmocka_unit_test_teardown(slice_still_delivers_everything, kill_leftover_proxy),
        cmocka_unit_test_teardown(cut_after_bytes_resets_at_the_byte, kill_leftover_proxy),
        cmocka_unit_test_teardown(two_hundred_concurrent_streams, kill_leftover_proxy),
        cmocka_unit_test_teardown(malformed_faults_exit_2_naming_the_path, kill_leftover_proxy),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
