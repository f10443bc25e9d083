/* record / replay end to end (issue 7): the Go client peer calls the Python server peer through
 * `streamconform record`; the recording is a scenario file that `streamconform run` replays to
 * every client and `streamconform replay` serves to a client while checking its messages. Real
 * processes on 127.0.0.1 port 0; every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sc_scenario.h"
#include "sc_testproc.h"
#include "sc_time.h"

#define READY_MS 30000 /* a Python interpreter on a loaded machine */
#define DRIVER_MS 60000
#define RUN_MS 180000
#define STOP_MS 15000

static char dir[] = "/tmp/sc-record-test-XXXXXX";

static char *path_in(const char *name)
{
    static char buf[4][512];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

/* ---- processes ---------------------------------------------------------------------------- */

typedef struct {
    sc_testproc py, rec;
    char out[512];
} session;

/* The Python server peer, and the recorder in front of it with `extra` arguments. */
static void session_start(session *s, const char *out, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    char *py[] = {SC_PEER_PYTHON_BIN, "server", "--port", "0", NULL};
    assert_int_equal(sc_testproc_start(&s->py, py, READY_MS), 0);
    char upstream[64];
    snprintf(upstream, sizeof upstream, "127.0.0.1:%d", s->py.port);
    snprintf(s->out, sizeof s->out, "%s", out);
    char *argv[32] = {(char *)sc_testproc_binary(),
                      "record",
                      "--listen",
                      "127.0.0.1:0",
                      "--upstream",
                      upstream,
                      "--out",
                      s->out,
                      "--quiet"};
    int n = 9;
    for (; extra != NULL && *extra != NULL && n < 30; extra++)
        argv[n++] = (char *)*extra;
    argv[n] = NULL;
    assert_int_equal(sc_testproc_start(&s->rec, argv, READY_MS), 0);
}

/* Stop the recorder (it writes --out and exits 0) and the server. */
static void session_stop(session *s)
{
    int st = sc_testproc_stop(&s->rec, SIGTERM, STOP_MS);
    sc_testproc_cleanup(&s->rec);
    sc_testproc_stop(&s->py, SIGTERM, STOP_MS);
    sc_testproc_cleanup(&s->py);
    assert_true(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Run a process to its end: stdin gets `input` (may be NULL), stdout and stderr are collected.
 * Returns the exit status (waitpid form), or -1 when it did not end within `ms`. */
static int run_to_end(char *const argv[], const char *input, int64_t ms, char **out, char **err)
{
    sc_proc p;
    assert_int_equal(sc_proc_spawn(&p, argv, SC_PROC_STDIN | SC_PROC_STDERR), 0);
    if (input != NULL) {
        size_t len = strlen(input), off = 0;
        int64_t deadline = sc_time_now_ms() + ms;
        while (off < len && sc_time_now_ms() < deadline) {
            ssize_t w = write(p.in_fd, input + off, len - off);
            if (w > 0)
                off += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                break;
            else
                poll(&(struct pollfd){.fd = p.in_fd, .events = POLLOUT}, 1, 100);
        }
    }
    close(p.in_fd);
    p.in_fd = -1;
    size_t cap[2] = {4096, 4096}, len[2] = {0, 0};
    char *buf[2] = {malloc(cap[0]), malloc(cap[1])};
    int fds[2] = {p.out_fd, p.err_fd};
    int64_t deadline = sc_time_now_ms() + ms;
    while ((fds[0] >= 0 || fds[1] >= 0) && sc_time_now_ms() < deadline) {
        struct pollfd pf[2] = {{.fd = fds[0], .events = POLLIN}, {.fd = fds[1], .events = POLLIN}};
        poll(pf, 2, 200);
        for (int i = 0; i < 2; i++) {
            if (fds[i] < 0 || pf[i].revents == 0)
                continue;
            if (cap[i] - len[i] < 4096)
                buf[i] = realloc(buf[i], cap[i] *= 2);
            ssize_t r = read(fds[i], buf[i] + len[i], cap[i] - len[i] - 1);
            if (r > 0)
                len[i] += (size_t)r;
            else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                fds[i] = -1;
        }
    }
    buf[0][len[0]] = buf[1][len[1]] = '\0';
    int st = sc_proc_stop(&p, 0, fds[0] < 0 && fds[1] < 0 ? STOP_MS : 0);
    sc_proc_cleanup(&p);
    *out = buf[0];
    *err = buf[1];
    return st;
}

/* The Go client peer driver runs `instructions` (JSON lines, "PORT" replaced by `port`). */
static char *go_client(const char *instructions, int port)
{
    char text[16384], portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    size_t n = 0;
    for (const char *p = instructions; *p != '\0' && n < sizeof text - 16;) {
        if (strncmp(p, "PORT", 4) == 0) {
            n += (size_t)snprintf(text + n, sizeof text - n, "%s", portstr);
            p += 4;
        } else {
            text[n++] = *p++;
        }
    }
    text[n] = '\0';
    char *argv[] = {SC_PEER_GO_BIN, "client", NULL};
    char *out = NULL, *err = NULL;
    int st = run_to_end(argv, text, DRIVER_MS, &out, &err);
    if (!(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fail_msg("go client: %s", err);
    free(err);
    return out;
}

static cJSON *load_json(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[4 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    return j;
}

/* The recorded call whose first request has `field` = `value` (calls run concurrently: their
 * numbers follow the order they reached the recorder). */
static const cJSON *scenario(const cJSON *file, const char *field, const char *value)
{
    const cJSON *s = NULL;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(file, "scenarios"))
    {
        const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(s, "client"), "requests");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(reqs, 0), field);
        if (cJSON_IsString(v) && strcmp(v->valuestring, value) == 0)
            return s;
    }
    fail_msg("no recorded call with %s = %s", field, value);
    return NULL;
}

static const cJSON *at(const cJSON *o, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);
    return b != NULL ? cJSON_GetObjectItemCaseSensitive(v, b) : v;
}

/* `streamconform run FILE --clients c,python,go`: every case on the script server passes, and
 * there are `cases` of them. */
static void run_passes(const char *file, int cases)
{
    char *argv[] = {(char *)sc_testproc_binary(),
                    "run",
                    (char *)file,
                    "--clients",
                    "c,python,go",
                    "--servers",
                    "c",
                    "--out",
                    path_in("run-out"),
                    NULL};
    char *out = NULL, *err = NULL;
    int st = run_to_end(argv, NULL, RUN_MS, &out, &err);
    if (!(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fail_msg("run exited %d:\n%s\n%s", st, out, err);
    char report[600];
    snprintf(report, sizeof report, "%s/report.json", path_in("run-out"));
    cJSON *r = load_json(report);
    int pass = 0;
    const cJSON *c = NULL;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r, "cases"))
    {
        const char *verdict = at(c, "verdict", NULL)->valuestring;
        const char *server = at(c, "server", NULL)->valuestring;
        if (strcmp(server, "script") == 0 && strcmp(verdict, "pass") == 0)
            pass++;
        else if (strcmp(server, "script") == 0)
            fail_msg("%s: %s", at(c, "id", NULL)->valuestring, cJSON_PrintUnformatted(c));
    }
    assert_int_equal(pass, cases);
    cJSON_Delete(r);
    free(out);
    free(err);
}

/* ---- tests -------------------------------------------------------------------------------- */

static const char every_method[] =
    "{\"case\":\"get\",\"target\":\"127.0.0.1:PORT\",\"method\":\"GetData\",\"requests\":"
    "[{\"subscriptionId\":\"g\",\"topics\":[\"a\",\"b\"],\"batchSize\":3}],\"metadata\":"
    "{\"x-app\":\"1\",\"x-grpc-test-echo-initial\":\"hello\"}}\n"
    "{\"case\":\"sub\",\"target\":\"127.0.0.1:PORT\",\"method\":\"SubscribeData\",\"requests\":"
    "[{\"subscriptionId\":\"s\",\"topics\":[\"t\"],\"batchSize\":2}],\"metadata\":"
    "{\"x-sc-response-delay-ms\":\"30\",\"x-sc-max-responses\":\"4\"}}\n"
    "{\"case\":\"up\",\"target\":\"127.0.0.1:PORT\",\"method\":\"UploadFile\",\"requests\":"
    "[{\"metadata\":{\"filename\":\"f\",\"totalSize\":\"6\"}},{\"chunk\":\"QUJD\"},"
    "{\"chunk\":\"REVG\"}]}\n"
    "{\"case\":\"chat\",\"target\":\"127.0.0.1:PORT\",\"method\":\"Chat\",\"requests\":"
    "[{\"userId\":\"rec-alice\"},{\"userId\":\"rec-alice\",\"content\":\"hi\"}],\"metadata\":"
    "{\"x-sc-echo\":\"true\"}}\n"
    "{\"case\":\"fail\",\"target\":\"127.0.0.1:PORT\",\"method\":\"SubscribeData\",\"requests\":"
    "[{\"subscriptionId\":\"f\",\"topics\":[\"t\"]}],\"metadata\":{\"x-sc-response-delay-ms\":"
    "\"10\",\"x-sc-fail-code\":\"RESOURCE_EXHAUSTED\",\"x-sc-fail-after\":\"2\","
    "\"x-sc-fail-message\":\"too much\",\"x-sc-retry-pushback-ms\":\"250\"}}\n";

static void record_every_method_and_replay_to_every_client(void **state)
{
    (void)state;
    session s;
    const char *file = path_in("every.json");
    session_start(&s, file, NULL);
    free(go_client(every_method, s.rec.port));
    session_stop(&s);

    char err[1024];
    sc_scenario_set set = {0};
    if (sc_scenario_set_load(&set, file, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(set.count, 5);
    sc_scenario_set_free(&set);

    cJSON *rec = load_json(file);
    const cJSON *sub = scenario(rec, "subscriptionId", "s");
    assert_string_equal(at(sub, "method", NULL)->valuestring, "SubscribeData");
    assert_int_equal(cJSON_GetArraySize(at(at(sub, "server", "script"), "responses", NULL)), 4);
    assert_int_equal(at(sub, "expect", "responses")->valueint, 4);
    /* control keys are not part of the client section (the engine sets its own) */
    assert_null(at(sub, "client", "metadata"));
    /* delays: the responses came ~30 ms apart */
    const cJSON *r2 = cJSON_GetArrayItem(at(at(sub, "server", "script"), "responses", NULL), 2);
    assert_true(at(r2, "delay_ms", NULL)->valueint >= 20);
    const cJSON *get = scenario(rec, "subscriptionId", "g");
    assert_string_equal(at(at(get, "client", "metadata"), "x-app", NULL)->valuestring, "1");
    assert_string_equal(
        at(at(get, "expect", "headers"), "x-grpc-test-echo-initial", NULL)->valuestring, "hello");
    const cJSON *f = scenario(rec, "subscriptionId", "f");
    assert_string_equal(at(f, "expect", "status")->valuestring, "RESOURCE_EXHAUSTED");
    assert_string_equal(at(f, "expect", "message")->valuestring, "too much");
    assert_string_equal(
        at(at(f, "expect", "trailers"), "grpc-retry-pushback-ms", NULL)->valuestring, "250");
    assert_int_equal(at(f, "expect", "responses")->valueint, 2);
    assert_string_equal(at(scenario(rec, "userId", "rec-alice"), "name", NULL)->valuestring,
                        "recorded/chat/1");
    cJSON_Delete(rec);

    run_passes(file, 15);
}

static const char cut_calls[] =
    "{\"case\":\"cancel\",\"target\":\"127.0.0.1:PORT\",\"method\":\"SubscribeData\",\"requests\":"
    "[{\"subscriptionId\":\"c\",\"topics\":[\"t\"]}],\"metadata\":{\"x-sc-response-delay-ms\":"
    "\"20\"},\"cancel\":{\"after_responses\":3}}\n"
    "{\"case\":\"deadline\",\"target\":\"127.0.0.1:PORT\",\"method\":\"SubscribeData\","
    "\"requests\":[{\"subscriptionId\":\"d\",\"topics\":[\"t\"]}],\"timeout_ms\":400,"
    "\"metadata\":{\"x-sc-response-delay-ms\":\"150\"}}\n";

static void record_cancel_and_deadline_and_replay(void **state)
{
    (void)state;
    session s;
    const char *file = path_in("cut.json");
    session_start(&s, file, NULL);
    char *results = go_client(cut_calls, s.rec.port);
    assert_non_null(strstr(results, "CANCELLED"));
    assert_non_null(strstr(results, "DEADLINE_EXCEEDED"));
    free(results);
    session_stop(&s);

    cJSON *rec = load_json(file);
    const cJSON *c = NULL, *d = NULL, *sc = NULL;
    cJSON_ArrayForEach(sc, cJSON_GetObjectItemCaseSensitive(rec, "scenarios"))
    {
        const char *st = at(sc, "expect", "status")->valuestring;
        if (strcmp(st, "CANCELLED") == 0)
            c = sc;
        if (strcmp(st, "DEADLINE_EXCEEDED") == 0)
            d = sc;
    }
    assert_non_null(c);
    assert_non_null(d);
    assert_int_equal(at(at(c, "client", "cancel"), "after_responses", NULL)->valueint, 3);
    assert_int_equal(at(c, "expect", "responses")->valueint, 3);
    int timeout = at(d, "client", "timeout_ms")->valueint;
    assert_true(timeout > 300 && timeout <= 400);
    assert_int_equal(at(at(d, "expect", "responses"), "max", NULL)->valueint,
                     cJSON_GetArraySize(at(at(d, "server", "script"), "responses", NULL)));
    cJSON_Delete(rec);

    run_passes(file, 6);
}

static void redacted_recording_has_no_secret(void **state)
{
    (void)state;
    session s;
    const char *file = path_in("redact.json");
    const char *extra[] = {"--redact", "authorization", "--redact", "x-token-bin", NULL};
    session_start(&s, file, extra);
    free(go_client("{\"case\":\"g\",\"target\":\"127.0.0.1:PORT\",\"method\":\"GetData\","
                   "\"requests\":[{\"topics\":[\"a\"]}],\"metadata\":{\"authorization\":"
                   "\"Bearer s3cr3t-t0ken\",\"x-token-bin\":\"czNjcjN0LWJpbg==\"}}\n",
                   s.rec.port));
    session_stop(&s);
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_null(strstr(text, "s3cr3t"));
    assert_null(strstr(text, "czNjcjN0LWJpbg"));
    assert_non_null(strstr(text, "\"<redacted>\""));
    run_passes(file, 3);
}

static void corrupt_recording_is_a_clear_error(void **state)
{
    (void)state;
    const char *file = path_in("corrupt.json");
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("{\"scenarios\": [{\"name\": \"recorded/get/1\", \"method\": \"GetData\",\n"
          " \"server\": {\"script\": {\"responses\": [{\"delay_ms\": -5, \"message\": {}}],\n"
          " \"status\": {\"code\": \"OK\"}}}, \"expect\": {\"status\": \"OK\"}}]}\n",
          f);
    fclose(f);
    char *run[] = {(char *)sc_testproc_binary(), "run", (char *)file, "--out",
                   path_in("corrupt-out"),       NULL};
    char *replay[] = {(char *)sc_testproc_binary(), "replay", (char *)file, NULL};
    char *const *cmds[] = {run, replay};
    for (int i = 0; i < 2; i++) {
        char *out = NULL, *err = NULL;
        int st = run_to_end(cmds[i], NULL, RUN_MS, &out, &err);
        assert_true(st >= 0 && WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 2);
        assert_non_null(strstr(err, file));
        assert_non_null(strstr(err, "server.script.responses[0].delay_ms"));
        free(out);
        free(err);
    }
    /* not JSON at all */
    f = fopen(file, "w");
    fputs("{\"scenarios\": [", f);
    fclose(f);
    char *out = NULL, *err = NULL;
    int st = run_to_end(replay, NULL, RUN_MS, &out, &err);
    assert_true(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 2);
    assert_non_null(strstr(err, file));
    free(out);
    free(err);
}

/* `streamconform replay` serves the recording to a client that sends something else. */
static void replay_reports_a_differing_client(void **state)
{
    (void)state;
    session s;
    const char *file = path_in("diff.json");
    session_start(&s, file, NULL);
    free(go_client("{\"case\":\"s\",\"target\":\"127.0.0.1:PORT\",\"method\":\"SubscribeData\","
                   "\"requests\":[{\"subscriptionId\":\"orig\",\"topics\":[\"t\"]}],"
                   "\"metadata\":{\"x-sc-response-delay-ms\":\"20\",\"x-sc-max-responses\":"
                   "\"3\"}}\n",
                   s.rec.port));
    session_stop(&s);

    for (int differ = 0; differ < 2; differ++) {
        sc_proc rp;
        char *argv[] = {(char *)sc_testproc_binary(), "replay", (char *)file, "--speed", "4", NULL};
        assert_int_equal(sc_proc_spawn(&rp, argv, SC_PROC_STDERR), 0);
        assert_int_equal(sc_proc_wait_ready(&rp, READY_MS), 0);
        char *res = go_client(differ ? "{\"case\":\"s\",\"target\":\"127.0.0.1:PORT\",\"method\":"
                                       "\"SubscribeData\",\"requests\":[{\"subscriptionId\":"
                                       "\"other\",\"topics\":[\"t\"]}]}\n"
                                     : "{\"case\":\"s\",\"target\":\"127.0.0.1:PORT\",\"method\":"
                                       "\"SubscribeData\",\"requests\":[{\"subscriptionId\":"
                                       "\"orig\",\"topics\":[\"t\"]}]}\n",
                              rp.port);
        /* the recorded server side was played: 3 batches, OK */
        assert_non_null(strstr(res, "\"code\":\"OK\""));
        assert_non_null(strstr(res, "\"sequenceNumber\":\"2\""));
        free(res);
        kill(rp.pid, SIGTERM);
        char err[8192];
        size_t n = 0;
        int64_t deadline = sc_time_now_ms() + STOP_MS;
        while (n < sizeof err - 1 && sc_time_now_ms() < deadline) {
            poll(&(struct pollfd){.fd = rp.err_fd, .events = POLLIN}, 1, 200);
            ssize_t r = read(rp.err_fd, err + n, sizeof err - 1 - n);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
                break;
            if (r > 0)
                n += (size_t)r;
        }
        err[n] = '\0';
        int st = sc_proc_stop(&rp, 0, STOP_MS);
        sc_proc_cleanup(&rp);
        assert_true(st >= 0 && WIFEXITED(st));
        if (differ) {
            assert_int_equal(WEXITSTATUS(st), 1);
            assert_non_null(strstr(err, "recorded/subscribe/1"));
            assert_non_null(
                strstr(err, "message[0] subscriptionId: expected \"orig\", actual \"other\""));
            assert_non_null(strstr(err, "1 calls played, 0 matched"));
        } else {
            if (WEXITSTATUS(st) != 0)
                fail_msg("replay: %s", err);
            assert_non_null(strstr(err, "1 calls played, 1 matched"));
        }
    }
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_every_method_and_replay_to_every_client),
        cmocka_unit_test(record_cancel_and_deadline_and_replay),
        cmocka_unit_test(redacted_recording_has_no_secret),
        cmocka_unit_test(corrupt_recording_is_a_clear_error),
        cmocka_unit_test(replay_reports_a_differing_client),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
