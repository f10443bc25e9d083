/* What CI tools read (docs/report-format.md): junit.xml's timestamp, hostname, retries and
 * traces, summary.md's size cap and flaky section, and the replay-only skips counted apart in
 * all three writers. Schema validity itself is report.junit_schema (check_junit.sh). */
#include "report_test_support.h"

#include "sc_report_html.h"
#include "sc_report_junit.h"
#include "sc_report_junit_parts.h"
#include "sc_report_markdown.h"

/* ---- junit.xml ---------------------------------------------------------------------------- */

static void test_junit_ci_fixture(void **state)
{
    (void)state;
    cJSON *r = rt_load_fixture("report-ci.json");
    assert_non_null(r);
    char *x;
    assert_int_equal(rt_render(sc_report_write_junit, r, &x), 0);
    /* Jenkins xUnit rejects 'skipped' on the root */
    assert_non_null(strstr(x, "<testsuites name=\"streamconform\" tests=\"9\" failures=\"3\" "
                              "errors=\"1\" time=\"9.000\">\n"));
    /* every suite: the run's start and the host */
    assert_int_equal(rt_count(x, "<testsuite "), 4);
    assert_int_equal(rt_count(x, " timestamp=\"2026-11-23T19:10:00Z\">"), 4);
    assert_int_equal(rt_count(x, "<property name=\"hostname\" value=\"ci-runner-7.example\"/>"), 4);
    /* flaky: flakyFailure (with Surefire's required stackTrace), then the note */
    assert_non_null(strstr(x, "<testcase name=\"subscribe/race\" classname=\"c-&gt;c\" "
                              "time=\"0.040\">\n      <flakyFailure type=\"flaky\" "
                              "message=\"failed once, passed on the retry\"><stackTrace>"));
    /* failed on both attempts: failure then rerunFailure; the trace in system-out */
    const char *cancel = strstr(x, "<testcase name=\"subscribe/cancel\"");
    assert_non_null(cancel);
    const char *rerun = strstr(cancel, "<rerunFailure type=\"fail\"");
    const char *out = strstr(cancel, "<system-out>--- trace (--trace) ---\n{");
    assert_non_null(rerun);
    assert_non_null(out);
    assert_true(strstr(cancel, "<failure ") < rerun && rerun < out);
    assert_true(strstr(out, "\"server_events\"") < strstr(cancel, "</testcase>"));
    assert_non_null(strstr(x, "<rerunError type=\"error\" message=\"peer crashed\">"));
    /* known failing: skipped, its expected failures as the text, and the trace */
    assert_non_null(strstr(x, "<skipped message=\"known failing: issue 12: C core batches\">"
                              "expect.responses[0].delay_ms: expected &lt;= 50, actual 80\n"
                              "</skipped>\n      <system-out>--- trace"));
    /* replay-only: its own message and a count on the suite */
    assert_non_null(strstr(x, "<skipped message=\"recorded, replay only: raw messages"));
    assert_non_null(strstr(x, "<property name=\"replay_only\" value=\"1\"/>"));
    assert_int_equal(rt_count(x, "name=\"replay_only\""), 1);
    assert_non_null(
        strstr(x, "<skipped message=\"the scripted server plays server.script scenarios only\"/>"));
    free(x);
    cJSON_Delete(r);
}

static void test_junit_datetime(void **state)
{
    (void)state;
    const char *good[] = {"2026-11-23T19:10:00Z", "2024-02-29T00:00:00", "2026-01-01T23:59:59.5Z",
                          "2026-01-01T00:00:00+14:00", "2026-01-01T00:00:00-05:30"};
    const char *bad[] = {"",
                         "yesterday",
                         "2026-02-29T00:00:00Z",
                         "2026-13-01T00:00:00Z",
                         "2026-01-01 00:00:00Z",
                         "2026-01-01T24:00:00Z",
                         "2026-01-01T00:00:00.Z",
                         "2026-01-01T00:00:00+15:00",
                         "2026-01-01T00:00:00Zjunk"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(sc_report_junit_datetime_ok(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(sc_report_junit_datetime_ok(bad[i]));
    /* a broken started_at is left out rather than making the file invalid; no hostname: no
     * properties */
    cJSON *r = rt_parse("{\"started_at\":\"2026-02-30T00:00:00Z\",\"clients\":[\"c\"],"
                        "\"servers\":[\"c\"],\"cases\":[{\"scenario\":\"p\",\"client\":\"c\","
                        "\"server\":\"c\",\"verdict\":\"pass\"}]}");
    char *x;
    assert_int_equal(rt_render(sc_report_write_junit, r, &x), 0);
    assert_null(strstr(x, "timestamp="));
    assert_null(strstr(x, "<properties>"));
    free(x);
    cJSON_Delete(r);
}

static void test_junit_trace_capped(void **state)
{
    (void)state;
    cJSON *r = rt_parse("{\"clients\":[\"c\"],\"servers\":[\"c\"],\"cases\":[{\"scenario\":\"f\","
                        "\"client\":\"c\",\"server\":\"c\",\"verdict\":\"fail\",\"trace\":"
                        "{\"server_events\":[]}}]}");
    cJSON *events = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "cases"), 0), "trace"),
        "server_events");
    for (int i = 0; i < 5000; i++)
        cJSON_AddItemToArray(events, cJSON_CreateString("an event of the server, long enough"));
    char *x;
    assert_int_equal(rt_render(sc_report_write_junit, r, &x), 0);
    const char *out = strstr(x, "<system-out>");
    assert_non_null(out);
    const char *end = strstr(out, "</system-out>");
    assert_true((size_t)(end - out) < SC_REPORT_JUNIT_TRACE_MAX + 200);
    assert_non_null(strstr(out, "more bytes of the trace in report.json]</system-out>"));
    free(x);
    cJSON_Delete(r);
}

/* ---- summary.md --------------------------------------------------------------------------- */

static void test_markdown_ci_fixture(void **state)
{
    (void)state;
    cJSON *r = rt_load_fixture("report-ci.json");
    assert_non_null(r);
    char *md;
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    assert_non_null(strstr(md, "1 skipped, 1 recorded (replay only), 1 known failing"));
    assert_non_null(strstr(md, "| **c** | 2/4 ✗ | replay only |\n"));
    assert_non_null(strstr(md, "| **go** | 0/3 ✗ | skipped |\n"));
    assert_non_null(strstr(md, "## Flaky (1)\n\nFailed once, passed on the retry "
                               "(--known-flaky):\n\n- subscribe/race (c->c)\n\n"));
    assert_null(strstr(md, "is capped at")); /* nothing was cut */
    free(md);
    char *h;
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_non_null(strstr(h, ">1 skipped</span>"));
    assert_non_null(strstr(h, ">1 recorded (replay only)</span>"));
    free(h);
    cJSON_Delete(r);
}

/* A report with `n` failing cases on one pair, each with a failure. The caller deletes it. */
static cJSON *many_failures(int n)
{
    cJSON *r = rt_parse("{\"complete\":true,\"clients\":[\"c\"],\"servers\":[\"go\"]}");
    cJSON *cases = cJSON_AddArrayToObject(r, "cases");
    for (int i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "stream/case-%06d", i);
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "scenario", name);
        cJSON_AddStringToObject(k, "client", "c");
        cJSON_AddStringToObject(k, "server", "go");
        cJSON_AddStringToObject(k, "verdict", "fail");
        cJSON_AddStringToObject(k, "summary", "the server streams 3 messages, then OK");
        cJSON *f = cJSON_AddArrayToObject(k, "failures");
        cJSON *fo = cJSON_CreateObject();
        cJSON_AddStringToObject(fo, "path", "expect.responses");
        cJSON_AddStringToObject(fo, "expected", "3 messages");
        cJSON_AddStringToObject(fo, "actual", "2 messages, then UNAVAILABLE");
        cJSON_AddItemToArray(f, fo);
        cJSON_AddItemToArray(cases, k);
    }
    return r;
}

static void test_markdown_capped(void **state)
{
    (void)state;
    cJSON *r = many_failures(100000);
    char *md;
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    size_t len = strlen(md);
    assert_true(len <= SC_REPORT_MD_MAX_BYTES);
    assert_true(len > SC_REPORT_MD_MAX_BYTES / 2); /* it lists as many as fit */
    size_t listed = rt_count(md, "\n### fail: ");
    assert_true(listed > 100);
    char note[128];
    snprintf(note, sizeof note, " %zu of 100000 failing cases not listed.", 100000 - listed);
    const char *at = strstr(md, "**summary.md is capped at 512 KiB**");
    assert_non_null(at);
    assert_non_null(strstr(at, note));
    assert_non_null(strstr(md, "## Failures (100000)\n"));
    rt_assert_clean_text(md);
    free(md);
    cJSON_Delete(r);
}

static void test_markdown_case_too_long(void **state)
{
    (void)state;
    cJSON *r = many_failures(2);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "cases"), 0);
    size_t big = SC_REPORT_MD_CASE_MAX * 2;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, 'x', big);
    text[big] = '\0';
    cJSON_AddStringToObject(first, "reason", text);
    free(text);
    char *md;
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    assert_true(strlen(md) < SC_REPORT_MD_CASE_MAX);
    assert_non_null(strstr(md, "### fail: stream/case-000000 (c->go)\n\nDetails left out: longer "
                               "than 32 KiB here; see report.html or report.json.\n"));
    assert_non_null(strstr(md, "### fail: stream/case-000001 (c->go)\n\nthe server streams"));
    assert_null(strstr(md, "is capped at"));
    free(md);
    cJSON_Delete(r);
}

static void test_markdown_flaky_bounded(void **state)
{
    (void)state;
    cJSON *r = rt_parse("{\"clients\":[\"c\"],\"servers\":[\"c\"]}");
    cJSON *cases = cJSON_AddArrayToObject(r, "cases");
    for (int i = 0; i < SC_REPORT_MD_MAX_FLAKY + 7; i++) {
        char name[32];
        snprintf(name, sizeof name, "s%03d", i);
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "scenario", name);
        cJSON_AddStringToObject(k, "client", "c");
        cJSON_AddStringToObject(k, "server", "c");
        cJSON_AddStringToObject(k, "verdict", "pass");
        cJSON_AddBoolToObject(k, "flaky", true);
        cJSON_AddNumberToObject(k, "attempts", 2);
        cJSON_AddItemToArray(cases, k);
    }
    char *md;
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    assert_non_null(strstr(md, "## Flaky (57)\n"));
    assert_int_equal(rt_count(md, " (c->c)\n"), SC_REPORT_MD_MAX_FLAKY);
    assert_non_null(strstr(md, "- (7 more)\n"));
    free(md);
    cJSON_Delete(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_junit_ci_fixture),
        cmocka_unit_test(test_junit_datetime),
        cmocka_unit_test(test_junit_trace_capped),
        cmocka_unit_test(test_markdown_ci_fixture),
        cmocka_unit_test(test_markdown_capped),
        cmocka_unit_test(test_markdown_case_too_long),
        cmocka_unit_test(test_markdown_flaky_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
