/* `streamconform call` as a real process against `streamconform serve` on 127.0.0.1:0: every
 * method, --count, Ctrl-C, the deadline against x-sc-initial-delay-ms, exit codes through
 * x-sc-fail-code, usage errors, and --reconnect across a server stop/restart on the same port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include "client_run.h"
#include "sc_testproc.h"

/* Bounds: generous for a loaded CI machine, small enough that a hang fails fast. */
#define READY_MS 10000
#define RUN_MS 20000
#define LINE_MS 10000

static sc_testproc server;
static char target[64];
static client_proc proc;

static int start_server(sc_testproc *p, const char *listen)
{
    char *argv[] = {(char *)sc_testproc_binary(),
                    "serve",
                    "--listen",
                    (char *)listen,
                    "--tick-ms",
                    "50",
                    "--quiet",
                    NULL};
    return sc_testproc_start(p, argv, READY_MS);
}

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    if (start_server(&server, "127.0.0.1:0") != 0)
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

/* Run `streamconform call <args...>` (NULL-terminated) with `input` on stdin. */
static int call(const char *input, const char *first, ...)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)sc_testproc_binary();
    argv[n++] = "call";
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a != NULL && n < 63; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    int rc = client_run(&proc, argv, input, RUN_MS);
    if (rc < 0)
        fprintf(stderr, "call did not finish; stderr:\n%s\n", proc.err.data);
    return rc;
}

static size_t count_lines_with(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

static size_t count_lines(const char *text)
{
    return count_lines_with(text, "\n");
}

/* ---- methods ---------------------------------------------------------------------------- */

static void get_prints_the_seed_format(void **state)
{
    (void)state;
    assert_int_equal(
        call(NULL, "get", "--target", target, "--topic", "metrics", "--batch-size", "2", NULL), 0);
    assert_non_null(strstr(proc.out.data, "Received batch #0 with 2 data points\n"));
    assert_int_equal(count_lines_with(proc.out.data, "  - ID: client-001-0-"), 2);
    assert_int_equal(count_lines_with(proc.out.data, "Topic: metrics\n"), 2);
}

static void subscribe_json_stops_after_count(void **state)
{
    (void)state;
    assert_int_equal(call(NULL, "subscribe", "--target", target, "--count", "3", "--json",
                          "--batch-size", "1", "-H", "x-sc-response-delay-ms:10", NULL),
                     0);
    assert_int_equal(count_lines(proc.out.data), 3);
    char *line = strtok(proc.out.data, "\n");
    for (int i = 0; line != NULL; i++, line = strtok(NULL, "\n")) {
        cJSON *obj = cJSON_Parse(line);
        assert_non_null(obj);
        assert_non_null(cJSON_GetObjectItemCaseSensitive(obj, "dataPoints"));
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(obj, "sequenceNumber");
        if (i == 0)
            assert_null(seq); /* proto3 JSON omits the default 0 */
        else
            assert_int_equal(atoi(seq->valuestring), i); /* int64 as a string */
        cJSON_Delete(obj);
    }
}

static void subscribe_ends_when_the_server_ends(void **state)
{
    (void)state;
    assert_int_equal(call(NULL, "subscribe", "--target", target, "-H", "x-sc-max-responses:2", "-H",
                          "x-sc-response-delay-ms:10", NULL),
                     0);
    assert_int_equal(count_lines_with(proc.out.data, "Received batch #"), 2);
}

static void write_random_file(char *path, size_t size, char *hex)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unsigned char *data = malloc(size);
    assert_non_null(data);
    for (size_t i = 0; i < size; i++)
        data[i] = (unsigned char)(rand() & 0xff);
    assert_int_equal(write(fd, data, size), (ssize_t)size);
    close(fd);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, size, md, &n, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < n; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
    free(data);
}

static void upload_sends_chunks_and_verifies_checksum(void **state)
{
    (void)state;
    char path[] = "/tmp/sc-it-upload-XXXXXX";
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    write_random_file(path, 300001, hex);
    int rc = call(NULL, "upload", path, "--target", target, "--chunk-size", "65536", NULL);
    unlink(path);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(proc.out.data, "Upload successful: ID=file-"));
    assert_non_null(strstr(proc.out.data, "Bytes=300001"));
    assert_non_null(strstr(proc.out.data, hex));
    assert_null(strchr(proc.out.data, '\r')); /* no progress bar: stdout is not a tty */
}

static void upload_of_a_missing_file_is_a_local_failure(void **state)
{
    (void)state;
    assert_int_equal(call(NULL, "upload", "/nonexistent/sc-it-file", "--target", target, NULL), 1);
    assert_int_equal(count_lines(proc.err.data), 1);
}

static void chat_sends_stdin_lines_and_half_closes_at_eof(void **state)
{
    (void)state;
    assert_int_equal(call("hello\n\nworld\n", "chat", "--target", target, "--user", "it-chat", "-H",
                          "x-sc-echo:1", NULL),
                     0);
    /* The echo sends back the join message and both lines; the empty line is not sent. */
    assert_int_equal(count_lines(proc.out.data), 3);
    assert_non_null(strstr(proc.out.data, "] it-chat: joined\n"));
    assert_non_null(strstr(proc.out.data, "] it-chat: hello\n"));
    assert_non_null(strstr(proc.out.data, "] it-chat: world\n"));
}

/* ---- deadlines, failures, usage ----------------------------------------------------------- */

static void deadline_beats_the_sleeping_server(void **state)
{
    (void)state;
    int64_t t0 = sc_time_now_ms();
    assert_int_equal(call(NULL, "get", "--target", target, "--deadline-ms", "300", "-H",
                          "x-sc-initial-delay-ms:5000", NULL),
                     64 + 4);
    int64_t took = sc_time_now_ms() - t0;
    assert_true(took >= 250 && took < 4000);
    assert_non_null(strstr(proc.err.data, "DEADLINE_EXCEEDED"));
}

static void failed_call_exits_64_plus_code(void **state)
{
    (void)state;
    const struct {
        const char *code;
        int exit;
    } cases[] = {{"NOT_FOUND", 69}, {"permission_denied", 71}, {"14", 78}, {"DATA_LOSS", 79}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char h[64];
        snprintf(h, sizeof h, "x-sc-fail-code:%s", cases[i].code);
        assert_int_equal(call(NULL, "subscribe", "--target", target, "-H", h, "-H",
                              "x-sc-fail-message:broken on purpose", NULL),
                         cases[i].exit);
        assert_int_equal(count_lines(proc.err.data), 1);
        assert_non_null(strstr(proc.err.data, "broken on purpose"));
    }
}

static void usage_errors_exit_2_with_one_line(void **state)
{
    (void)state;
    const char *bad[][6] = {
        {NULL},
        {"fetch", NULL},
        {"get", "--batch-size", "many", NULL},
        {"get", "--no-such-option", NULL},
        {"get", "-H", "nocolon", NULL},
        {"chat", NULL},
        {"upload", NULL},
        {"get", "--reconnect", NULL},
        {"subscribe", "--backoff-jitter", "1.5", NULL},
        {"subscribe", "--deadline-ms", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = call(NULL, bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4], NULL);
        if (rc != 2 || count_lines(proc.err.data) != 1)
            fail_msg("case %zu: rc %d stderr '%s'", i, rc, proc.err.data);
    }
}

/* ---- Ctrl-C ----------------------------------------------------------------------------- */

static void sigint_cancels_cleanly(void **state)
{
    (void)state;
    char *argv[] = {(char *)sc_testproc_binary(), "call", "subscribe", "--target", target, NULL};
    assert_int_equal(client_spawn(&proc, argv), 0);
    char line[512];
    assert_int_equal(client_read_line(&proc, &proc.out, line, sizeof line, LINE_MS), 1);
    assert_non_null(strstr(line, "Received batch #0"));
    kill(proc.pid, SIGINT);
    assert_int_equal(client_wait(&proc, RUN_MS), 64 + 1);
    client_cleanup(&proc);
    assert_non_null(strstr(proc.err.data, "CANCELLED"));
}

/* ---- --reconnect -------------------------------------------------------------------------- */

/* "HH:MM:SS.mmm" -> ms of the day. */
static int64_t parse_hms(const char *text)
{
    int h = 0, m = 0, s = 0, ms = 0;
    assert_int_equal(sscanf(text, "%d:%d:%d.%d", &h, &m, &s, &ms), 4);
    return ((h * 60 + m) * 60 + s) * 1000LL + ms;
}

typedef struct {
    int64_t start, end, wait;
    char status[32];
} attempt_line;

static void parse_attempt(const char *line, attempt_line *a)
{
    char start[16], end[16];
    assert_int_equal(
        sscanf(line, "attempt %*d: start %15s end %15s status %31s", start, end, a->status), 3);
    a->start = parse_hms(start);
    a->end = parse_hms(end);
    const char *in = strstr(line, "-> reconnect in ");
    a->wait = in != NULL ? atoll(in + strlen("-> reconnect in ")) : -1;
}

/* The server is down for the first attempts and comes back on the same port; the stream then
 * delivers --count batches and the client stops with exit 0. Each wait follows the policy
 * (initial 200 ms, x1.6, jitter 0.2) and the gaps between attempts match the waits. */
static void reconnect_survives_a_server_restart(void **state)
{
    (void)state;
    sc_testproc s2;
    assert_int_equal(start_server(&s2, "127.0.0.1:0"), 0);
    int port = s2.port;
    sc_testproc_stop(&s2, SIGTERM, READY_MS);
    sc_testproc_cleanup(&s2);
    char t[64], listen[64];
    snprintf(t, sizeof t, "127.0.0.1:%d", port);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);

    char *argv[] = {(char *)sc_testproc_binary(),
                    "call",
                    "subscribe",
                    "--target",
                    t,
                    "--reconnect",
                    "--backoff-initial-ms",
                    "200",
                    "--backoff-max-ms",
                    "5000",
                    "--max-attempts",
                    "30",
                    "--count",
                    "2",
                    "--batch-size",
                    "1",
                    NULL};
    assert_int_equal(client_spawn(&proc, argv), 0);
    attempt_line at[40];
    size_t n = 0;
    char line[1024];
    while (n < 3) {
        assert_int_equal(client_read_line(&proc, &proc.err, line, sizeof line, LINE_MS), 1);
        if (strncmp(line, "attempt ", 8) == 0)
            parse_attempt(line, &at[n++]);
    }
    assert_int_equal(start_server(&s2, listen), 0);
    assert_int_equal(client_wait(&proc, RUN_MS), 0);
    while (n < 40 && client_read_line(&proc, &proc.err, line, sizeof line, 0) == 1)
        if (strncmp(line, "attempt ", 8) == 0)
            parse_attempt(line, &at[n++]);
    client_cleanup(&proc);
    sc_testproc_stop(&s2, SIGTERM, READY_MS);
    sc_testproc_cleanup(&s2);

    assert_true(n >= 4);
    assert_int_equal(count_lines_with(proc.out.data, "Received batch #"), 2);
    assert_string_equal(at[n - 1].status, "CANCELLED"); /* --count reached */
    assert_int_equal(at[n - 1].wait, -1);
    for (size_t i = 0; i + 1 < n; i++) {
        assert_string_equal(at[i].status, "UNAVAILABLE");
        double base = fmin(200.0 * pow(1.6, (double)i), 5000.0);
        if (at[i].wait < base * 0.8 - 1 || at[i].wait > base * 1.2 + 1)
            fail_msg("attempt %zu: wait %lld outside %.0f +- 20%%", i + 1, (long long)at[i].wait,
                     base);
        int64_t gap = at[i + 1].start - at[i].end;
        if (gap < at[i].wait - 5 || gap > at[i].wait + 1000)
            fail_msg("attempt %zu: gap %lld for a wait of %lld", i + 1, (long long)gap,
                     (long long)at[i].wait);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_prints_the_seed_format),
        cmocka_unit_test(subscribe_json_stops_after_count),
        cmocka_unit_test(subscribe_ends_when_the_server_ends),
        cmocka_unit_test(upload_sends_chunks_and_verifies_checksum),
        cmocka_unit_test(upload_of_a_missing_file_is_a_local_failure),
        cmocka_unit_test(chat_sends_stdin_lines_and_half_closes_at_eof),
        cmocka_unit_test(deadline_beats_the_sleeping_server),
        cmocka_unit_test(failed_call_exits_64_plus_code),
        cmocka_unit_test(usage_errors_exit_2_with_one_line),
        cmocka_unit_test(sigint_cancels_cleanly),
        cmocka_unit_test(reconnect_survives_a_server_restart),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
