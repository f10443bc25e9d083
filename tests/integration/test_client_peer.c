/* `streamconform peer-client` as a real process against `streamconform serve` on 127.0.0.1:0:
 * 50 concurrent instructions, the four cancel positions, a deadline, reconnect attempt spacing,
 * malformed lines (the driver keeps going), and SIGTERM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

#include "client_run.h"
#include "sc_testproc.h"

/* Bounds: generous for a loaded CI machine, small enough that a hang fails fast. */
#define READY_MS 10000
#define RUN_MS 30000
/* 50 streams of 3 batches 300 ms apart take ~1 s together, >= 45 s one after another. */
#define CONCURRENT 50
#define CONCURRENT_BOUND_MS 15000

static sc_testproc server;
static char target[64];
static client_proc proc;

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    char *argv[] = {(char *)sc_testproc_binary(),
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--tick-ms",
                    "50",
                    "--quiet",
                    NULL};
    if (sc_testproc_start(&server, argv, READY_MS) != 0)
        return -1;
    snprintf(target, sizeof target, "127.0.0.1:%d", server.port);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    client_cleanup(&proc);
    sc_testproc_stop(&server, SIGTERM, READY_MS);
    sc_testproc_cleanup(&server);
    return 0;
}

/* Run the driver with `input`; parse every result line into an array of objects keyed by case. */
static cJSON *drive(const char *input, int *rc)
{
    char *argv[] = {(char *)sc_testproc_binary(), "peer-client", NULL};
    *rc = client_run(&proc, argv, input, RUN_MS);
    cJSON *results = cJSON_CreateObject();
    char *save = NULL;
    for (char *l = strtok_r(proc.out.data, "\n", &save); l != NULL;
         l = strtok_r(NULL, "\n", &save)) {
        cJSON *obj = cJSON_Parse(l);
        if (obj == NULL)
            fail_msg("result line is not JSON: %s", l);
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, "case");
        char key[128];
        snprintf(key, sizeof key, "%s", cJSON_IsString(c) ? c->valuestring : "(null)");
        cJSON_AddItemToObject(results, key, obj);
    }
    return results;
}

static const cJSON *get(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (v == NULL)
        fail_msg("missing %s", name);
    return v;
}

static const char *code_of(const cJSON *result)
{
    return get(get(result, "status"), "code")->valuestring;
}

static int n_responses(const cJSON *result)
{
    return cJSON_GetArraySize(get(result, "responses"));
}

static double timing(const cJSON *result, const char *name)
{
    const cJSON *v = get(get(result, "timings"), name);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void fifty_concurrent_instructions(void **state)
{
    (void)state;
    static char input[CONCURRENT * 512];
    size_t off = 0;
    for (int i = 0; i < CONCURRENT; i++)
        off += (size_t)snprintf(
            input + off, sizeof input - off,
            "{\"case\":\"c%02d\",\"target\":\"%s\",\"method\":\"SubscribeData\","
            "\"metadata\":{\"x-sc-response-delay-ms\":\"300\",\"x-sc-max-responses\":\"3\"},"
            "\"timeout_ms\":20000,\"requests\":[{\"subscriptionId\":\"s%02d\",\"topics\":[\"t\"],"
            "\"batchSize\":2}]}\n",
            i, target, i);
    int64_t t0 = sc_time_now_ms();
    int rc = 0;
    cJSON *results = drive(input, &rc);
    int64_t took = sc_time_now_ms() - t0;
    assert_int_equal(rc, 0);
    assert_int_equal(cJSON_GetArraySize(results), CONCURRENT);
    for (int i = 0; i < CONCURRENT; i++) {
        char name[8];
        snprintf(name, sizeof name, "c%02d", i);
        const cJSON *r = get(results, name);
        assert_string_equal(code_of(r), "OK");
        assert_int_equal(n_responses(r), 3);
        assert_int_equal(cJSON_GetArraySize(get(get(r, "timings"), "responses_ms")), 3);
        assert_int_equal(cJSON_GetArraySize(get(r, "attempts")), 1);
    }
    if (took >= CONCURRENT_BOUND_MS)
        fail_msg("50 instructions took %lld ms: not concurrent", (long long)took);
    cJSON_Delete(results);
}

static void cancel_in_each_position(void **state)
{
    (void)state;
    char input[4096];
    snprintf(input, sizeof input,
             "{\"case\":\"before\",\"target\":\"%s\",\"method\":\"SubscribeData\","
             "\"requests\":[{\"topics\":[\"t\"]}],\"cancel\":{\"before_send\":true}}\n"
             "{\"case\":\"after2\",\"target\":\"%s\",\"method\":\"SubscribeData\","
             "\"requests\":[{\"topics\":[\"t\"]}],\"cancel\":{\"after_responses\":2}}\n"
             "{\"case\":\"after_ms\",\"target\":\"%s\",\"method\":\"Chat\",\"half_close\":false,"
             "\"requests\":[{\"userId\":\"it-peer-a\",\"content\":\"hi\"}],"
             "\"cancel\":{\"after_ms\":300}}\n"
             "{\"case\":\"after_close\",\"target\":\"%s\",\"method\":\"SubscribeData\","
             "\"requests\":[{\"topics\":[\"t\"]}],\"cancel\":{\"after_close_send_ms\":200}}\n",
             target, target, target, target);
    int rc = 0;
    cJSON *res = drive(input, &rc);
    assert_int_equal(rc, 0);

    const cJSON *before = get(res, "before");
    assert_string_equal(code_of(before), "CANCELLED");
    assert_int_equal(n_responses(before), 0);
    assert_true(timing(before, "close_send_ms") < 0); /* nothing was sent */

    const cJSON *after2 = get(res, "after2");
    assert_string_equal(code_of(after2), "CANCELLED");
    assert_int_equal(n_responses(after2), 2);

    const cJSON *after_ms = get(res, "after_ms");
    assert_string_equal(code_of(after_ms), "CANCELLED");
    assert_true(timing(after_ms, "status_ms") >= 290 && timing(after_ms, "status_ms") < 3000);

    const cJSON *after_close = get(res, "after_close");
    assert_string_equal(code_of(after_close), "CANCELLED");
    double since_close = timing(after_close, "status_ms") - timing(after_close, "close_send_ms");
    assert_true(timing(after_close, "close_send_ms") >= 0);
    assert_true(since_close >= 190 && since_close < 3000);
    cJSON_Delete(res);
}

static void deadline_and_injected_failure(void **state)
{
    (void)state;
    char input[2048];
    snprintf(
        input, sizeof input,
        "{\"case\":\"deadline\",\"target\":\"%s\",\"method\":\"GetData\",\"timeout_ms\":200,"
        "\"metadata\":{\"x-sc-initial-delay-ms\":\"5000\"},\"requests\":[{\"topics\":[\"t\"]}]}"
        "\n{\"case\":\"fail\",\"target\":\"%s\",\"method\":\"GetData\",\"metadata\":{"
        "\"x-sc-fail-code\":\"ABORTED\",\"x-sc-fail-message\":\"no\","
        "\"x-grpc-test-echo-trailing-bin\":\"AP8=\"},\"requests\":[{\"topics\":[\"t\"]}]}\n",
        target, target);
    int rc = 0;
    cJSON *res = drive(input, &rc);
    assert_int_equal(rc, 0);
    const cJSON *d = get(res, "deadline");
    assert_string_equal(code_of(d), "DEADLINE_EXCEEDED");
    assert_true(timing(d, "status_ms") >= 150 && timing(d, "status_ms") < 4000);
    const cJSON *f = get(res, "fail");
    assert_string_equal(code_of(f), "ABORTED");
    assert_string_equal(get(get(f, "status"), "message")->valuestring, "no");
    /* binary trailer decoded by the core, re-encoded as base64 in the result */
    assert_string_equal(get(get(f, "trailers"), "x-grpc-test-echo-trailing-bin")->valuestring,
                        "AP8=");
    cJSON_Delete(res);
}

/* Nothing listens: every attempt fails UNAVAILABLE; the gaps follow 200 ms x1.6 +-20%. */
static void reconnect_attempts_follow_the_policy(void **state)
{
    (void)state;
    sc_testproc s2;
    char *argv[] = {
        (char *)sc_testproc_binary(), "serve", "--listen", "127.0.0.1:0", "--quiet", NULL};
    assert_int_equal(sc_testproc_start(&s2, argv, READY_MS), 0);
    int port = s2.port;
    sc_testproc_stop(&s2, SIGTERM, READY_MS);
    sc_testproc_cleanup(&s2);
    char input[1024];
    snprintf(input, sizeof input,
             "{\"case\":\"r\",\"target\":\"127.0.0.1:%d\",\"method\":\"GetData\","
             "\"requests\":[{\"topics\":[\"t\"]}],\"reconnect\":{\"backoff_initial_ms\":200,"
             "\"backoff_multiplier\":1.6,\"backoff_jitter\":0.2,\"max_attempts\":4}}\n",
             port);
    int rc = 0;
    cJSON *res = drive(input, &rc);
    assert_int_equal(rc, 0);
    const cJSON *r = get(res, "r");
    assert_string_equal(code_of(r), "UNAVAILABLE");
    const cJSON *attempts = get(r, "attempts");
    assert_int_equal(cJSON_GetArraySize(attempts), 4);
    for (int i = 0; i + 1 < 4; i++) {
        const cJSON *a = cJSON_GetArrayItem(attempts, i);
        const cJSON *b = cJSON_GetArrayItem(attempts, i + 1);
        assert_string_equal(get(a, "code")->valuestring, "UNAVAILABLE");
        double gap = get(b, "start_ms")->valuedouble - get(a, "end_ms")->valuedouble;
        double base = 200.0 * pow(1.6, i);
        if (gap < base * 0.8 - 5 || gap > base * 1.2 + 1000)
            fail_msg("gap %d: %.0f ms for a %.0f ms base", i, gap, base);
    }
    cJSON_Delete(res);
}

static void malformed_lines_get_errors_and_the_driver_keeps_going(void **state)
{
    (void)state;
    char input[2048];
    snprintf(
        input, sizeof input,
        "this is not json\n"
        "{\"case\":\"no-method\",\"target\":\"%s\"}\n"
        "\n"
        "{\"case\":\"bad-request\",\"target\":\"%s\",\"method\":\"GetData\","
        "\"requests\":[{\"batchSize\":\"lots\"}]}\n"
        "{\"case\":\"bad-cancel\",\"target\":\"%s\",\"method\":\"Chat\",\"cancel\":{\"soon\":1}}"
        "\n{\"case\":\"good\",\"target\":\"%s\",\"method\":\"GetData\","
        "\"requests\":[{\"topics\":[\"t\"]}]}",
        target, target, target, target); /* last line has no newline */
    int rc = 0;
    cJSON *res = drive(input, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(cJSON_GetArraySize(res), 5);
    assert_non_null(strstr(get(get(res, "(null)"), "error")->valuestring, "(line)"));
    assert_non_null(strstr(get(get(res, "no-method"), "error")->valuestring, "method"));
    assert_non_null(
        strstr(get(get(res, "bad-request"), "error")->valuestring, "requests[0].batchSize"));
    assert_non_null(strstr(get(get(res, "bad-cancel"), "error")->valuestring, "cancel.soon"));
    const cJSON *good = get(res, "good");
    assert_null(cJSON_GetObjectItemCaseSensitive(good, "error"));
    assert_string_equal(code_of(good), "OK");
    assert_int_equal(n_responses(good), 1);
    cJSON_Delete(res);
}

static void sigterm_aborts(void **state)
{
    (void)state;
    char *argv[] = {(char *)sc_testproc_binary(), "peer-client", NULL};
    assert_int_equal(client_spawn(&proc, argv), 0);
    char line[512];
    snprintf(line, sizeof line,
             "{\"case\":\"endless\",\"target\":\"%s\",\"method\":\"SubscribeData\","
             "\"requests\":[{\"topics\":[\"t\"]}]}\n",
             target);
    assert_int_equal(client_write(&proc, line), 0);
    kill(proc.pid, SIGTERM); /* stdin stays open: only the signal can end it */
    int64_t t0 = sc_time_now_ms();
    int st = 0;
    /* client_wait closes stdin first; for this test the signal must do the work, so reap here */
    while (proc.pid > 0 && sc_time_now_ms() - t0 < RUN_MS) {
        if (waitpid(proc.pid, &st, WNOHANG) == proc.pid) {
            proc.pid = 0;
            break;
        }
        client_pump(&proc, CLIENT_RUN_REAP_SLICE_MS);
    }
    assert_int_equal(proc.pid, 0);
    assert_int_equal(decode_status(st), 128 + SIGTERM);
    client_cleanup(&proc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifty_concurrent_instructions),
        cmocka_unit_test(cancel_in_each_position),
        cmocka_unit_test(deadline_and_injected_failure),
        cmocka_unit_test(reconnect_attempts_follow_the_policy),
        cmocka_unit_test(malformed_lines_get_errors_and_the_driver_keeps_going),
        cmocka_unit_test(sigterm_aborts),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
