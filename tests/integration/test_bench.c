/* `streamconform bench` against `streamconform serve --listen 127.0.0.1:0`: every workload runs
 * for a few hundred ms and the output is well-formed JSON with every variant ok. No figure is
 * checked: a timing is never a pass/fail test. Bad arguments exit 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "client_run.h"
#include "sc_testproc.h"

/* Bounds: the server is ready within a second; the bench below runs 8 variants of 50 + 200 ms
 * (plus call set-up); nothing bounds it at more than a minute even under load. */
#define READY_MS 10000
#define BENCH_MS 60000
#define STOP_MS 10000
/* Variants of `bench all`: pingpong, stream x4, upload, unary x2. */
#define ALL_VARIANTS 8

static int bench(client_proc *p, char *const *args, size_t nargs)
{
    char *argv[32];
    size_t n = 0;
    argv[n++] = (char *)sc_testproc_binary();
    argv[n++] = "bench";
    for (size_t i = 0; i < nargs && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return client_run(p, argv, NULL, BENCH_MS);
}

static void check_result(const cJSON *r)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(r, "name");
    assert_true(cJSON_IsString(name));
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(r, "ok");
    if (!cJSON_IsTrue(ok))
        fail_msg("%s: %s", name->valuestring,
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "error")));
    const cJSON *figs = cJSON_GetObjectItemCaseSensitive(r, "figures");
    assert_true(cJSON_IsObject(figs));
    assert_non_null(figs->child);
    for (const cJSON *f = figs->child; f != NULL; f = f->next) {
        assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(f, "median")));
        assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(f, "min")));
        assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(f, "max")));
    }
    /* with --server-pid every variant has its per server CPU-second figure */
    assert_non_null(cJSON_GetObjectItemCaseSensitive(figs, "server_cpu_cores"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "samples")), 1);
}

static void all_workloads_against_the_c_server(void **state)
{
    (void)state;
    char *argv[] = {
        (char *)sc_testproc_binary(), "serve", "--listen", "127.0.0.1:0", "--quiet", NULL};
    sc_testproc server;
    assert_int_equal(sc_testproc_start(&server, argv, READY_MS), 0);
    char target[64], pid[32];
    snprintf(target, sizeof target, "127.0.0.1:%d", server.port);
    snprintf(pid, sizeof pid, "%ld", (long)server.pid);
    char *args[] = {"all",     "--target",     target, "--server-pid", pid, "--warmup-ms",
                    "50",      "--measure-ms", "200",  "--repeats",    "1", "--upload-bytes",
                    "4194304", "--json"};
    client_proc p;
    int rc = bench(&p, args, sizeof args / sizeof args[0]);
    int st = sc_testproc_stop(&server, SIGTERM, STOP_MS);
    sc_testproc_cleanup(&server);
    if (rc != 0)
        fail_msg("exit %d\nstdout:\n%s\nstderr:\n%s", rc, p.out.data, p.err.data);
    assert_true(st == 0);
    cJSON *doc = cJSON_Parse(p.out.data);
    if (doc == NULL)
        fail_msg("not JSON:\n%s", p.out.data);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "target")),
                        target);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(doc, "results");
    assert_int_equal(cJSON_GetArraySize(results), ALL_VARIANTS);
    for (const cJSON *r = results->child; r != NULL; r = r->next)
        check_result(r);
    cJSON_Delete(doc);
}

/* --interval-ms paces the stream: the server waits that long between batches, so a window can
 * hold at most window/interval + 1 messages (an upper bound: load only makes it fewer). */
#define PACED_INTERVAL_MS 100
#define PACED_WINDOW_MS 600

static void interval_paces_the_stream(void **state)
{
    (void)state;
    char *argv[] = {
        (char *)sc_testproc_binary(), "serve", "--listen", "127.0.0.1:0", "--quiet", NULL};
    sc_testproc server;
    assert_int_equal(sc_testproc_start(&server, argv, READY_MS), 0);
    char target[64], interval[16], window[16];
    snprintf(target, sizeof target, "127.0.0.1:%d", server.port);
    snprintf(interval, sizeof interval, "%d", PACED_INTERVAL_MS);
    snprintf(window, sizeof window, "%d", PACED_WINDOW_MS);
    char *args[] = {"stream", "--target",      target,   "--batch",     "1", "--concurrency",
                    "1",      "--interval-ms", interval, "--warmup-ms", "0", "--measure-ms",
                    window,   "--repeats",     "1",      "--json"};
    client_proc p;
    int rc = bench(&p, args, sizeof args / sizeof args[0]);
    sc_testproc_stop(&server, SIGTERM, STOP_MS);
    sc_testproc_cleanup(&server);
    if (rc != 0)
        fail_msg("exit %d\nstdout:\n%s\nstderr:\n%s", rc, p.out.data, p.err.data);
    cJSON *doc = cJSON_Parse(p.out.data);
    assert_non_null(doc);
    assert_int_equal(
        (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(doc, "interval_ms")),
        PACED_INTERVAL_MS);
    const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "results"), 0);
    const cJSON *sample = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "samples"), 0);
    double ops = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sample, "ops"));
    if (ops > PACED_WINDOW_MS / PACED_INTERVAL_MS + 1)
        fail_msg("%.0f messages in %d ms with a %d ms interval", ops, PACED_WINDOW_MS,
                 PACED_INTERVAL_MS);
    cJSON_Delete(doc);
}

static void bad_arguments_exit_2(void **state)
{
    (void)state;
    char *no_target[] = {"unary"};
    char *bad_workload[] = {"bogus", "--target", "127.0.0.1:1"};
    char *bad_number[] = {"unary", "--target", "127.0.0.1:1", "--repeats", "0"};
    char *bad_interval[] = {"stream", "--target", "127.0.0.1:1", "--interval-ms", "-1"};
    client_proc p;
    assert_int_equal(bench(&p, no_target, 1), 2);
    assert_int_equal(bench(&p, bad_workload, 3), 2);
    assert_int_equal(bench(&p, bad_number, 5), 2);
    assert_non_null(strstr(p.err.data, "--repeats"));
    assert_int_equal(bench(&p, bad_interval, 5), 2);
    assert_non_null(strstr(p.err.data, "--interval-ms"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_workloads_against_the_c_server),
        cmocka_unit_test(interval_paces_the_stream),
        cmocka_unit_test(bad_arguments_exit_2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
