/* The command line as a new user meets it (issue 17): --version, each command's own help with -h
 * and --help, one error style with the exit code 2 for usage errors: a missing option value named
 * as such, an unknown option with a "did you mean", numbers out of range with the range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>

#define IT_RUN_DIR_TEMPLATE "/tmp/sc-it-cli-XXXXXX"
#include "it_run.h"

static void expect_out(int want_rc, const char *part, bool on_stdout, ...)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)sc_testproc_binary();
    va_list ap;
    va_start(ap, on_stdout);
    for (char *a = va_arg(ap, char *); a != NULL && n < 15; a = va_arg(ap, char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    client_proc p = {0};
    int rc = client_run(&p, argv, NULL, IT_RUN_MS);
    const char *text = on_stdout ? p.out.data : p.err.data;
    text = text != NULL ? text : "";
    if (rc != want_rc || strstr(text, part) == NULL)
        fail_msg("%s %s: exit %d, %s \"%s\"; expected %d with \"%s\"", argv[1],
                 n > 2 ? argv[2] : "", rc, on_stdout ? "stdout" : "stderr", text, want_rc, part);
}

static void version_and_help(void **state)
{
    (void)state;
    expect_out(0, "streamconform 0.1.0 (gRPC C core ", true, "--version", NULL);
    expect_out(0, "streamconform 0.1.0", true, "version", NULL);
    expect_out(0, "usage: streamconform list", true, "list", "--help", NULL);
    expect_out(0, "usage: streamconform list", true, "list", "-h", NULL);
    expect_out(0, "usage: streamconform show CASE", true, "show", "--help", NULL);
    expect_out(0, "usage: streamconform show CASE", true, "show", "-h", NULL);
    expect_out(0, "usage: streamconform run", true, "run", "-h", NULL);
    expect_out(0, "usage: streamconform serve", true, "serve", "--help", NULL);
}

static void usage_errors_name_the_problem(void **state)
{
    (void)state;
    expect_out(2, "streamconform serve: --listen needs a value", false, "serve", "--listen", NULL);
    expect_out(2, "unknown option \"--lisen\" (did you mean --listen?)", false, "serve", "--lisen",
               "x", NULL);
    expect_out(2, "unknown option \"--clinets\" (did you mean --clients?)", false, "run",
               "--clinets", "c", NULL);
    expect_out(2, "unknown option \"--zzzz\"", false, "proxy", "--zzzz", NULL);
    expect_out(2, "--tick-ms: expected a whole number from 1 to 3600000, got \"0\"", false, "serve",
               "--tick-ms", "0", NULL);
    expect_out(2, "-j: expected a whole number from 1 to", false, "run", "-j", "0", NULL);
    expect_out(2, "--wait-jobs: expected a whole number from 0 to 256, got \"-1\"", false, "run",
               "--wait-jobs", "-1", NULL);
}

/* record warns at start when its upstream does not resolve or does not accept connections. */
static void record_warns_about_a_dead_upstream(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"nosuchhost.invalid:50051", "cannot resolve nosuchhost.invalid"},
        {"127.0.0.1:1", "does not answer (Connection refused)"},
    };
    for (size_t i = 0; i < 2; i++) {
        char *argv[] = {(char *)sc_testproc_binary(),
                        "record",
                        "--listen",
                        "127.0.0.1:0",
                        "--upstream",
                        (char *)cases[i][0],
                        "--out",
                        (char *)path_in("rec.json"),
                        NULL};
        client_proc p = {0};
        assert_int_equal(client_spawn(&p, argv), 0);
        /* the warning comes before the ready line; then stop it */
        char line[256];
        assert_int_equal(client_read_line(&p, &p.out, line, sizeof line, 5000), 1);
        kill(p.pid, SIGINT);
        client_wait(&p, 10000);
        client_cleanup(&p);
        if (strstr(p.err.data, cases[i][1]) == NULL)
            fail_msg("record --upstream %s: stderr \"%s\"", cases[i][0], p.err.data);
    }
}

/* The whole text of a file of the run folder (at most 64 KiB), for a substring check. */
static const char *file_text(const char *name)
{
    static char text[64 * 1024];
    FILE *f = fopen(path_in(name), "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* call --compress sends the requests in that encoding (the C server's event log says which it
 * received), -v names the responses' encoding, and bad encodings are usage errors. */
static void call_compresses(void **state)
{
    (void)state;
    char *serve[] = {(char *)sc_testproc_binary(),
                     "serve",
                     "--listen",
                     "127.0.0.1:0",
                     "--quiet",
                     "--events",
                     (char *)path_in("compress-events.jsonl"),
                     NULL};
    sc_testproc server;
    assert_int_equal(sc_testproc_start(&server, serve, 10000), 0);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", server.port);
    write_file("cup.json", "{\"metadata\": {\"filename\": \"f\", \"totalSize\": \"3\"}}\n"
                           "{\"chunk\": \"QUJD\"}\n");
    char at[600];
    snprintf(at, sizeof at, "@%s", path_in("cup.json"));
    expect_out(0, "Upload successful", true, "call", "upload", "--target", target, "-d", at,
               "--compress", "gzip", NULL);
    expect_out(0, "response encoding deflate", false, "call", "chat", "--target", target, "-d",
               "{\"userId\": \"u\", \"content\": \"hi\"}", "-H", "x-sc-echo:true", "-H",
               "x-sc-compress-responses:deflate", "-v", NULL);
    sc_testproc_stop(&server, SIGTERM, 5000);
    sc_testproc_cleanup(&server);
    const char *events = file_text("compress-events.jsonl");
    if (strstr(events, "\"encoding\":\"gzip\"") == NULL)
        fail_msg("no call_start with encoding gzip in the server's log: %s", events);
    expect_out(2, "--compress: 'zstd' is not an encoding (gzip, deflate or identity)", false,
               "call", "get", "--compress", "zstd", NULL);
    expect_out(2, "--accept-encoding: 'br' is not an encoding", false, "call", "get",
               "--accept-encoding", "gzip,br", NULL);
    expect_out(2, "--compress gzip: not in --accept-encoding", false, "call", "get", "--compress",
               "gzip", "--accept-encoding", "deflate", NULL);
}

/* call -d: request messages as JSON inline, from a file, from stdin (grpcurl's convention); a
 * message that does not decode is a usage error naming it; --format json prints an ended call's
 * error as one JSON line. */
static void call_takes_request_data(void **state)
{
    (void)state;
    char *serve[] = {
        (char *)sc_testproc_binary(), "serve", "--listen", "127.0.0.1:0", "--quiet", NULL};
    sc_testproc server;
    assert_int_equal(sc_testproc_start(&server, serve, 10000), 0);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", server.port);
    expect_out(0, "ID: x-0-1", true, "call", "get", "--target", target, "-d",
               "{\"subscriptionId\": \"x\", \"topics\": [\"a\"], \"batchSize\": 2}", NULL);
    write_file("up.json", "{\"metadata\": {\"filename\": \"f\", \"totalSize\": \"3\"}}\n"
                          "{\"chunk\": \"QUJD\"}\n");
    char at[600];
    snprintf(at, sizeof at, "@%s", path_in("up.json"));
    expect_out(0, "Upload successful", true, "call", "upload", "--target", target, "-d", at, NULL);
    char *chat[] = {(char *)sc_testproc_binary(),
                    "call",
                    "chat",
                    "--target",
                    target,
                    "-d",
                    "@-",
                    "-H",
                    "x-sc-echo:true",
                    NULL};
    client_proc p = {0};
    int rc = client_run(&p, chat, "{\"userId\": \"u\", \"content\": \"hi\"}\n", IT_RUN_MS);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(p.out.data, "u: hi"));
    expect_out(67, "{\"code\":\"INVALID_ARGUMENT\",\"code_number\":3,", false, "call", "get",
               "--target", target, "-d", "{\"topics\": []}", "--format", "json", NULL);
    expect_out(2, "-d: message 1: topicz: no such field in streaming.StreamRequest", false, "call",
               "get", "--target", target, "-d", "{\"topicz\": []}", NULL);
    expect_out(2, "-d: GetData takes exactly one request message, got 2", false, "call", "get",
               "--target", target, "-d", "{} {}", NULL);
    expect_out(2, "-d: invalid JSON at line 1, column 4", false, "call", "get", "--target", target,
               "-d", "{} x", NULL);
    sc_testproc_stop(&server, SIGTERM, 5000);
    sc_testproc_cleanup(&server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_and_help),
        cmocka_unit_test(usage_errors_name_the_problem),
        cmocka_unit_test(record_warns_about_a_dead_upstream),
        cmocka_unit_test(call_takes_request_data),
        cmocka_unit_test(call_compresses),
    };
    return cmocka_run_group_tests(tests, it_setup, it_teardown);
}
