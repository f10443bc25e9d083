/* Checking a client application with no driver (issue 13, docs/app-check.md), as a user runs it:
 * the two example applications (when the peers are built: the correct one passes every app
 * scenario, the buggy one fails with the reviewer's sentences), and applications that misbehave
 * as processes: one that exits at once, one that never connects, one that ignores SIGTERM, one
 * that floods the server; and bad input (policy, scenario, command). Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IT_RUN_DIR_TEMPLATE "/tmp/sc-it-apps-XXXXXX"
#include "it_run.h"

static const char *scenario(const char *file)
{
    static char bufs[4][600];
    static int next;
    char *p = bufs[next++ % 4];
    snprintf(p, 600, "%s/scenarios/app/%s", SC_SOURCE_DIR, file);
    return p;
}

static const cJSON *app_case(const cJSON *rep, const char *id)
{
    return find_in(rep, "applications", id);
}

static void expect_reason(const cJSON *rep, const char *id, const char *verdict, const char *part)
{
    const cJSON *c = app_case(rep, id);
    if (strcmp(field(c, "verdict"), verdict) != 0 || strstr(field(c, "reason"), part) == NULL)
        fail_msg("%s: %s \"%s\"; expected %s with \"%s\"", id, field(c, "verdict"),
                 field(c, "reason"), verdict, part);
}

/* A sentence among the case's findings (not only the first). */
static void expect_finding(const cJSON *rep, const char *id, const char *part)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(app_case(rep, id), "findings"))
    {
        if (strstr(field(f, "sentence"), part) != NULL)
            return;
    }
    fail_msg("%s: no finding with \"%s\"", id, part);
}

static double number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* ---- the examples ------------------------------------------------------------------------ */

static void examples_pass_and_fail_with_the_reasons(void **state)
{
    (void)state;
    char bin[512], robust[600];
    snprintf(bin, sizeof bin, "%s", sc_testproc_binary());
    snprintf(robust, sizeof robust, "%s/examples/robust-consumer", dirname(dirname(bin)));
    if (access(robust, X_OK) != 0)
        skip(); /* built without the peers (-DSC_BUILD_PEERS=OFF): no example applications */
    char dir[600];
    snprintf(dir, sizeof dir, "%s/scenarios/app", SC_SOURCE_DIR);
    client_proc p;
    /* 100 ms of slack for timers: this runs beside other tests on a 2-core machine */
    int rc = streamconform(&p, "run", dir, "--apps", "robust-python,naive-node", "--policy",
                           "{\"tolerance_ms\": 100}", "-j", "4", "--out", path_in("out-ex"), NULL);
    assert_int_equal(rc, 1);
    cJSON *rep = read_report(path_in("out-ex"));
    const cJSON *c;
    size_t robust_cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rep, "applications"))
    {
        if (strcmp(field(c, "app"), "robust-python") != 0)
            continue;
        robust_cases++;
        if (strcmp(field(c, "verdict"), "pass") != 0)
            fail_msg("%s: %s \"%s\"", field(c, "id"), field(c, "verdict"), field(c, "reason"));
    }
    assert_int_equal(robust_cases, 13);
    expect_reason(rep, "app/unavailable/backoff@naive-node", "fail",
                  "between calls: constant; expected 0.1 s x1.6 up to 1.0 s (+-20%)");
    expect_reason(rep, "app/final/invalid-argument@naive-node", "fail",
                  "retried after INVALID_ARGUMENT (not retryable)");
    expect_finding(rep, "app/final/invalid-argument@naive-node",
                   "still running when stopped at 2.0 s; expected it to give up and exit");
    expect_reason(rep, "app/final/permission-denied@naive-node", "fail",
                  "retried after PERMISSION_DENIED (not retryable)");
    expect_reason(rep, "app/resource-exhausted/longer-wait@naive-node", "fail",
                  "after RESOURCE_EXHAUSTED; expected 1.0 s (+-20%)");
    expect_reason(rep, "app/resource-exhausted/pushback@naive-node", "fail",
                  "with grpc-retry-pushback-ms 300: pushback not honoured (expected 0.3 s)");
    expect_reason(rep, "app/give-up/max-attempts@naive-node", "fail",
                  "expected it to give up after 4");
    cJSON_Delete(rep);
}

/* ---- applications that misbehave as processes ------------------------------------------- */

/* Run the one scenario `name` of `file` with `app` ("NAME=COMMAND"); the report's case. */
static cJSON *run_one(const char *file, const char *name, const char *app, const char *out)
{
    client_proc p;
    int rc = streamconform(&p, "run", scenario(file), "--run", name, "--app", app, "--out",
                           path_in(out), NULL);
    if (rc != 1)
        fail_msg("exit %d; stderr: %s", rc, p.err.data);
    return read_report(path_in(out));
}

static void an_app_that_exits_at_once(void **state)
{
    (void)state;
    cJSON *rep =
        run_one("unavailable.json", "app/unavailable/backoff", "quick=/bin/false", "out-quick");
    expect_reason(rep, "app/unavailable/backoff@quick", "fail", "exited with code 1 at 0.");
    expect_reason(rep, "app/unavailable/backoff@quick", "fail", "without a call");
    cJSON_Delete(rep);
}

static void an_app_that_never_connects(void **state)
{
    (void)state;
    cJSON *rep = run_one("unavailable.json", "app/unavailable/backoff", "sleeper=/bin/sleep 60",
                         "out-sleeper");
    const char *id = "app/unavailable/backoff@sleeper";
    expect_reason(rep, id, "fail", "made no connection and no call in 4.0 s");
    const cJSON *exit = cJSON_GetObjectItemCaseSensitive(app_case(rep, id), "exit");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(exit, "stopped_by_engine")));
    /* run_ms (4 s) + the settle time: SIGTERM ends sleep at once */
    assert_true(number(app_case(rep, id), "duration_ms") < 5000);
    cJSON_Delete(rep);
}

static void an_app_that_ignores_sigterm_is_killed_after_the_grace(void **state)
{
    (void)state;
    write_file("stubborn.sh", "trap '' TERM\nwhile :; do sleep 0.1; done\n");
    char app[700];
    snprintf(app, sizeof app, "stubborn=/bin/sh %s", path_in("stubborn.sh"));
    cJSON *rep = run_one("final-codes.json", "app/final/invalid-argument", app, "out-stubborn");
    const cJSON *c = app_case(rep, "app/final/invalid-argument@stubborn");
    const cJSON *exit = cJSON_GetObjectItemCaseSensitive(c, "exit");
    assert_int_equal((int)number(exit, "signal"), 9);
    double ms = number(c, "duration_ms");
    if (ms < 4000 || ms > 6000) /* run_ms 2 s + grace 2 s + settle */
        fail_msg("the case took %.0f ms", ms);
    expect_reason(rep, "app/final/invalid-argument@stubborn", "fail", "made no connection");
    cJSON_Delete(rep);
}

static void an_app_that_floods_the_server(void **state)
{
    (void)state;
    char script[1200];
    snprintf(script, sizeof script,
             "while :; do '%s' call subscribe --target \"$SC_TARGET\" --subscription-id f "
             "--topic t >/dev/null 2>&1; done\n",
             sc_testproc_binary());
    write_file("flood.sh", script);
    char app[700];
    snprintf(app, sizeof app, "flood=/bin/sh %s", path_in("flood.sh"));
    cJSON *rep = run_one("unavailable.json", "app/unavailable/backoff", app, "out-flood");
    const char *id = "app/unavailable/backoff@flood";
    const cJSON *calls = cJSON_GetObjectItemCaseSensitive(app_case(rep, id), "calls");
    assert_true(cJSON_GetArraySize(calls) > 20);
    /* "made N calls in 4.0 s: no backoff" (a slow machine may space the process starts enough
     * to read as "waited ... between calls") */
    const cJSON *first =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(app_case(rep, id), "findings"), 0);
    assert_string_equal(field(first, "check"), "backoff");
    const char *reason = field(app_case(rep, id), "reason");
    if (strstr(reason, ": no backoff") == NULL && strstr(reason, "between calls") == NULL)
        fail_msg("%s: \"%s\"", id, reason);
    cJSON_Delete(rep);
}

/* ---- bad input ---------------------------------------------------------------------------- */

static void expect_usage_error(const char *part, ...)
{
    char *argv[40];
    int n = 0;
    argv[n++] = (char *)sc_testproc_binary();
    va_list ap;
    va_start(ap, part);
    for (char *a = va_arg(ap, char *); a != NULL && n < 39; a = va_arg(ap, char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    client_proc p;
    int rc = client_run(&p, argv, NULL, IT_RUN_MS);
    if (rc != 2 || strstr(p.err.data, part) == NULL)
        fail_msg("exit %d, stderr \"%s\"; expected 2 with \"%s\"", rc, p.err.data, part);
}

static void bad_input_is_named(void **state)
{
    (void)state;
    const char *file = scenario("unavailable.json");
    expect_usage_error("--policy: backoff_jitter", "run", file, "--app", "x=/bin/true", "--policy",
                       "{\"backoff_jitter\": 2}", NULL);
    expect_usage_error("--policy: not a JSON object", "run", file, "--app", "x=/bin/true",
                       "--policy", "{nope", NULL);
    expect_usage_error("give the application with --app", "run", file, NULL);
    expect_usage_error("/no/such/app", "run", file, "--app", "x=/no/such/app", NULL);
    write_file("bad.json", "{\"name\": \"app/bad\", \"app\": {\"run_ms\": 1000, \"calls\": "
                           "[{\"fail\": {\"code\": \"NOPE\"}}]}, \"expect\": {\"app\": {}}}");
    expect_usage_error("app.calls[0].fail.code", "run", path_in("bad.json"), "--app", "x=/bin/true",
                       NULL);
    write_file("bad2.json", "{\"name\": \"app/bad\", \"method\": \"GetData\", \"app\": "
                            "{\"run_ms\": 1000}, \"expect\": {\"app\": {}}}");
    expect_usage_error("method: not in an app scenario", "run", path_in("bad2.json"), "--app",
                       "x=/bin/true", NULL);
    write_file("bad3.json", "{\"name\": \"app/bad\", \"app\": {\"run_ms\": 0}, "
                            "\"expect\": {\"app\": {}}}");
    expect_usage_error("app.run_ms", "run", path_in("bad3.json"), "--app", "x=/bin/true", NULL);
    write_file("impls.json", "{\"implementations\": [{\"name\": \"a\", \"app\": "
                             "{\"command\": [\"/bin/true\"], \"features\": []}}]}");
    expect_usage_error("implementations[0].app.features", "run", file, "--impls",
                       path_in("impls.json"), "--apps", "a", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(examples_pass_and_fail_with_the_reasons),
        cmocka_unit_test(an_app_that_exits_at_once),
        cmocka_unit_test(an_app_that_never_connects),
        cmocka_unit_test(an_app_that_ignores_sigterm_is_killed_after_the_grace),
        cmocka_unit_test(an_app_that_floods_the_server),
        cmocka_unit_test(bad_input_is_named),
    };
    return cmocka_run_group_tests(tests, it_setup, it_teardown);
}
