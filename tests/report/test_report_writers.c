/* Unit tests for the report writers (reports/): summary.md exact text, junit.xml content,
 * report.html structure and escaping, robustness on odd and partial reports, and
 * sc_report_write_all (files, atomic writes, errors). The reconnect comparison is in
 * test_report_reconnect.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "report_test_support.h"
#include "sc_report.h"
#include "sc_report_util.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static const char small_markdown[] =
    "# streamconform interop summary\n"
    "\n"
    "Version 0.1.0, started 2026-11-23T19:10:00Z, took 1.50 s.\n"
    "\n"
    "| client ↓ server → | c | go |\n"
    "| --- | --- | --- |\n"
    "| **c** | 1/1 | 0/2 ✗ |\n"
    "| **go** | 1/1 | 0/2 ✗ |\n"
    "\n"
    "Cells: passed/total (skipped cases not counted); ✗ has fail, error or stale cases; ⚠ has "
    "known-failing cases; \"replay only\": recorded scenarios the client drivers cannot send "
    "(streamconform replay plays them).\n"
    "\n"
    "**Totals:** 7 cases: 2 passed (1 flaky), 1 failed, 1 error, 1 skipped, 1 known failing, "
    "1 stale.\n"
    "\n"
    "## Flaky (1)\n"
    "\n"
    "Failed once, passed on the retry (--known-flaky):\n"
    "\n"
    "- get/happy (go->c)\n"
    "\n"
    "## Failures (3)\n"
    "\n"
    "### fail: subscribe/cancel (c->go)\n"
    "\n"
    "client cancels \\| early\n"
    "\n"
    "| expectation | expected | actual |\n"
    "| --- | --- | --- |\n"
    "| expect.status | CANCELLED | OK |\n"
    "\n"
    "### error: deadline/sleep (go->go)\n"
    "\n"
    "Reason: peer crashed\n"
    "\n"
    "stderr (tail):\n"
    "\n"
    "```text\n"
    "boom\n"
    "```\n"
    "\n"
    "### stale: list/stale (go->go)\n"
    "\n"
    "Listed in --known-failing but passed: the list is out of date.\n"
    "\n"
    "Known-failing reason: was issue 9\n"
    "\n";

/* ---- summary.md --------------------------------------------------------------------------- */

static void test_markdown_exact(void **state)
{
    (void)state;
    cJSON *r = rt_parse(rt_small_report);
    char *md;
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    assert_string_equal(md, small_markdown);
    free(md);
    cJSON_Delete(r);
}

static void test_markdown_matrix_marks(void **state)
{
    (void)state;
    /* Only known-failing -> ⚠; only skipped -> "skipped"; no case -> "–"; incomplete banner;
     * a cell with fail but no `failures` shows expected/actual JSON. */
    cJSON *r =
        rt_parse("{\"clients\":[\"c\"],\"servers\":[\"a\",\"b\",\"x\",\"y\"],\"complete\":false,"
                 "\"cases\":["
                 "{\"scenario\":\"k\",\"client\":\"c\",\"server\":\"a\",\"verdict\":"
                 "\"known_failing\"},"
                 "{\"scenario\":\"p\",\"client\":\"c\",\"server\":\"a\",\"verdict\":\"pass\"},"
                 "{\"scenario\":\"s\",\"client\":\"c\",\"server\":\"b\",\"verdict\":\"skip\"},"
                 "{\"scenario\":\"f\",\"client\":\"c\",\"server\":\"y\",\"verdict\":\"fail\","
                 "\"expected\":{\"status\":\"OK\"},\"actual\":{\"n\":\"```\"}}]}");
    char *md;
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    assert_non_null(strstr(md, "**Incomplete run:**"));
    assert_non_null(strstr(md, "| **c** | 1/2 ⚠ | skipped | – | 0/1 ✗ |\n"));
    assert_non_null(strstr(md, "Expected:\n\n```json\n{\"status\":\"OK\"}\n```\n"));
    assert_non_null(strstr(md, "Actual:\n\n````json\n{\"n\":\"```\"}\n````\n"));
    free(md);
    cJSON_Delete(r);
}

static void test_markdown_no_failures(void **state)
{
    (void)state;
    cJSON *r = rt_parse("{\"complete\":true,\"clients\":[\"c\"],\"servers\":[\"c\"],\"cases\":["
                        "{\"scenario\":\"p\",\"client\":\"c\",\"server\":\"c\",\"verdict\":"
                        "\"pass\"}]}");
    char *md;
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    assert_non_null(strstr(md, "| **c** | 1/1 |\n"));
    assert_non_null(strstr(md, "\nNo failures.\n"));
    assert_null(strstr(md, "Incomplete"));
    free(md);
    cJSON_Delete(r);
}

/* ---- junit.xml ---------------------------------------------------------------------------- */

static void test_junit_content(void **state)
{
    (void)state;
    cJSON *r = rt_parse(rt_small_report);
    char *x;
    assert_int_equal(rt_render(sc_report_write_junit, r, &x), 0);
    assert_true(strncmp(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
    assert_non_null(strstr(x, "<testsuites name=\"streamconform\" tests=\"7\" failures=\"2\" "
                              "errors=\"1\" time=\"1.500\">"));
    assert_int_equal(rt_count(x, "<testsuite "), 4);
    assert_non_null(
        strstr(x, "<testsuite name=\"c-&gt;go\" tests=\"2\" failures=\"1\" "
                  "errors=\"0\" skipped=\"1\" time=\"0.050\" timestamp=\"2026-11-23T19:10:00Z\">"));
    assert_non_null(strstr(x, "<testcase name=\"subscribe/cancel\" classname=\"c-&gt;go\" "
                              "time=\"0.041\">\n      <failure type=\"fail\" message=\"expect."
                              "status: expected CANCELLED, actual OK\">expect.status: expected "
                              "CANCELLED, actual OK\n</failure>"));
    assert_non_null(strstr(x, "<skipped message=\"known failing: grpc-go differs\"/>"));
    assert_non_null(strstr(x, "<skipped message=\"C engine only\"/>"));
    assert_non_null(strstr(x, "<error type=\"error\" message=\"peer crashed\">peer crashed\n"
                              "--- stderr ---\nboom\n</error>"));
    assert_non_null(strstr(x, "<failure type=\"stale\" message=\"stale known-failing entry\">"));
    assert_non_null(strstr(x, "<testcase name=\"get/happy\" classname=\"c-&gt;c\" "
                              "time=\"0.012\"/>"));
    assert_non_null(strstr(x, "<flakyFailure type=\"flaky\" message=\"failed once, passed on the "
                              "retry\"><stackTrace>attempt 1 of 2 failed; attempt 2 passed"));
    assert_non_null(strstr(x, "<system-out>failed once, passed on the retry"));
    assert_non_null(strstr(x, "</testsuites>\n"));
    free(x);
    cJSON_Delete(r);
}

static void test_junit_odd_characters(void **state)
{
    (void)state;
    cJSON *r = rt_load_fixture("report-odd.json");
    assert_non_null(r);
    char *x;
    assert_int_equal(rt_render(sc_report_write_junit, r, &x), 0);
    rt_assert_clean_text(x);
    assert_null(strstr(x, "py<thon>"));
    assert_non_null(strstr(x, "name=\"py&lt;thon&gt;-&gt;g|o\""));
    assert_null(strstr(x, "]]>"));
    /* Raw control characters never reach the file. */
    for (const char *p = x; *p; p++)
        assert_true((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t');
    free(x);
    cJSON_Delete(r);
}

/* ---- report.html -------------------------------------------------------------------------- */

static void test_html_matrix_3x3(void **state)
{
    (void)state;
    cJSON *r = rt_load_fixture("report-3x3.json");
    assert_non_null(r);
    char *h;
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_true(strncmp(h, "<!DOCTYPE html>", 15) == 0);
    assert_int_equal(rt_count(h, "data-cell=\""), 9);
    const char *names[] = {"c", "python", "go"};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            char want[64];
            snprintf(want, sizeof want, "data-cell=\"%s-&gt;%s\"", names[i], names[j]);
            assert_int_equal(rt_count(h, want), 1);
        }
    /* skip-only cells count as passing; only the known-failing cell is amber */
    assert_int_equal(rt_count(h, "<td class=\"cell st-pass\""), 5);
    assert_int_equal(rt_count(h, "<td class=\"cell st-bad\""), 3);
    assert_int_equal(rt_count(h, "<td class=\"cell st-warn\""), 1);
    assert_int_equal(rt_count(h, "<section class=\"cell-cases\""), 9);
    assert_int_equal(rt_count(h, "<details class=\"case "), 27);
    /* Timelines: the two cases with a trace and the passing reconnect case. */
    assert_int_equal(rt_count(h, "<svg class=\"timeline\""), 3);
    /* Reconnect: 3 expected windows per reconnect case, the failing attempt in red. */
    assert_int_equal(rt_count(h, "fill=\"rgba(245,158,11,0.35)\""), 6);
    assert_int_equal(rt_count(h, "OUTSIDE THE WINDOW"), 2);
    assert_non_null(strstr(h, "<title>response 3 at 31.0 ms</title>"));
    /* Self-contained: no external resource of any kind. */
    assert_null(strstr(h, "src=\""));
    assert_null(strstr(h, "<link"));
    assert_null(strstr(h, "href=\"http"));
    assert_null(strstr(h, "url("));
    assert_null(strstr(h, "@import"));
    assert_int_equal(rt_count(h, "<script"), 2);
    assert_int_equal(rt_count(h, "</script>"), 2);
    /* The embedded data is the report. */
    const char *open = "<script type=\"application/json\" id=\"sc-report-data\">";
    char *data = strstr(h, open);
    assert_non_null(data);
    data += strlen(open);
    char *end = strstr(data, "</script>");
    assert_non_null(end);
    *end = '\0';
    cJSON *back = cJSON_Parse(data);
    assert_non_null(back);
    assert_true(cJSON_Compare(back, r, true));
    cJSON_Delete(back);
    free(h);
    cJSON_Delete(r);
}

static void test_html_odd_characters(void **state)
{
    (void)state;
    cJSON *r = rt_load_fixture("report-odd.json");
    assert_non_null(r);
    char *h;
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    rt_assert_clean_text(h);
    assert_null(strstr(h, "py<thon>"));
    assert_null(strstr(h, "<!--"));
    assert_null(strstr(h, "\xe2\x80\xa8</script>"));
    assert_int_equal(rt_count(h, "<script"), 2);
    assert_int_equal(rt_count(h, "</script>"), 2);
    assert_int_equal(rt_count(h, "data-cell=\""), 4);
    assert_non_null(strstr(h, "data-cell=\"py&lt;thon&gt;-&gt;g|o\""));
    /* U+2028/2029 only as escapes inside the script data. */
    const char *open = "id=\"sc-report-data\">";
    char *data = strstr(h, open);
    assert_non_null(data);
    data += strlen(open);
    char *end = strstr(data, "</script>");
    assert_non_null(end);
    *end = '\0';
    assert_null(strstr(data, "\xe2\x80\xa8"));
    assert_null(strstr(data, "\xe2\x80\xa9"));
    assert_null(strstr(data, "<"));
    assert_non_null(strstr(data, "\\u2028\\u2029"));
    cJSON *back = cJSON_Parse(data);
    assert_non_null(back);
    const cJSON *cases = cJSON_GetObjectItem(back, "cases");
    assert_int_equal(cJSON_GetArraySize(cases), 9);
    cJSON_Delete(back);
    free(h);
    cJSON_Delete(r);
}

/* ---- robustness --------------------------------------------------------------------------- */

static void test_writers_never_fail_on_odd_input(void **state)
{
    (void)state;
    const char *fixtures[] = {"report-empty.json", "report-missing-fields.json", "report-odd.json",
                              "report-3x3.json"};
    const char *inline_reports[] = {"[]",
                                    "null",
                                    "\"text\"",
                                    "42",
                                    "{\"cases\":{\"a\":1},\"clients\":{},\"servers\":null}",
                                    "{\"cases\":[{\"trace\":{\"client\":{\"timings\":"
                                    "{\"responses_ms\":[1e308,-5,\"x\",null]}},"
                                    "\"server_events\":[{\"t_ms\":-1e308},{}]},\"reconnect\":"
                                    "{\"attempts\":[1,{\"start_ms\":1e300,\"end_ms\":-1}]}}]}",
                                    "{\"cases\":[{\"trace\":{\"client\":{\"status_ms\":0}}}]}"};
    rt_writer writers[] = {sc_report_write_junit, sc_report_write_markdown, sc_report_write_html};
    size_t nf = sizeof fixtures / sizeof fixtures[0];
    size_t ni = sizeof inline_reports / sizeof inline_reports[0];
    for (size_t i = 0; i < nf + ni + 1; i++) {
        cJSON *r = NULL;
        if (i < nf) {
            r = rt_load_fixture(fixtures[i]);
            assert_non_null(r);
        } else if (i < nf + ni) {
            r = rt_parse(inline_reports[i - nf]);
        } /* else: NULL report */
        for (size_t w = 0; w < 3; w++) {
            char *text;
            assert_int_equal(rt_render(writers[w], r, &text), 0);
            assert_true(strlen(text) > 0);
            rt_assert_clean_text(text);
            assert_null(strstr(text, "nan"));
            assert_null(strstr(text, "inf\""));
            free(text);
        }
        cJSON_Delete(r);
    }
}

static void test_missing_fields_report(void **state)
{
    (void)state;
    cJSON *r = rt_load_fixture("report-missing-fields.json");
    char *x, *md, *h;
    assert_int_equal(rt_render(sc_report_write_junit, r, &x), 0);
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    /* Cases without client/server land in a "(none)" row/column; no verdict counts as error. */
    assert_non_null(strstr(x, "<testsuite name=\"(none)-&gt;(none)\" tests=\"4\" failures=\"0\" "
                              "errors=\"4\""));
    assert_non_null(strstr(x, "message=\"unknown verdict &quot;exploded&quot;\""));
    assert_non_null(strstr(md, "**Incomplete run:**"));
    assert_non_null(strstr(md, "7 without a valid verdict"));
    assert_non_null(strstr(h, "class=\"banner\""));
    free(x);
    free(md);
    free(h);
    cJSON_Delete(r);
}

static void test_html_timeline_only_when_drawable(void **state)
{
    (void)state;
    cJSON *r = rt_parse("{\"cases\":[{\"trace\":{\"client\":null,\"server_events\":[]}},"
                        "{\"trace\":{\"client\":{\"timings\":{\"headers_ms\":null}}}}]}");
    char *h;
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_null(strstr(h, "<h4>Timeline</h4>"));
    assert_null(strstr(h, "<svg"));
    assert_int_equal(rt_count(h, "<h4>Trace</h4>"), 2);
    free(h);
    cJSON_Delete(r);
    /* Client timings alone are enough; a status mark carries the actual code. */
    r = rt_parse("{\"cases\":[{\"actual\":{\"status\":{\"code\":\"CANCELLED\"}},"
                 "\"trace\":{\"client\":{\"timings\":{\"status_ms\":12}}}}]}");
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_int_equal(rt_count(h, "<svg class=\"timeline\""), 1);
    assert_non_null(strstr(h, "<title>status CANCELLED at 12.0 ms</title>"));
    free(h);
    cJSON_Delete(r);
}

/* ---- write_all ---------------------------------------------------------------------------- */

static void rm_rf(const char *path)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static void test_write_all(void **state)
{
    (void)state;
    char base[] = "/tmp/sc_report_test.XXXXXX";
    assert_non_null(mkdtemp(base));
    char dir[256];
    snprintf(dir, sizeof dir, "%s/nested/out", base);
    cJSON *r = rt_load_fixture("report-3x3.json");
    char err[512] = "";
    assert_int_equal(sc_report_write_all(r, dir, err, sizeof err), 0);

    const char *files[] = {"report.json", "junit.xml", "summary.md", "report.html"};
    for (size_t i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_true(st.st_size > 0);
        assert_int_equal(st.st_mode & 0777, 0644);
    }
    /* No temporary file left behind. */
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        assert_true(e->d_name[0] != '.');
        n++;
    }
    closedir(d);
    assert_int_equal(n, 4);

    /* report.json is the report: one top-level member per line, one case per line. */
    char path[512];
    snprintf(path, sizeof path, "%s/report.json", dir);
    char *text = rt_read_file(path);
    assert_non_null(strstr(text, "{\n\"tool\": \"streamconform\",\n"));
    assert_non_null(strstr(text, "\"cases\": [\n{\"id\":"));
    assert_int_equal(rt_count(text, "\n{\"id\":"),
                     cJSON_GetArraySize(cJSON_GetObjectItem(r, "cases")));
    cJSON *back = cJSON_Parse(text);
    assert_true(cJSON_Compare(back, r, true));
    cJSON_Delete(back);
    free(text);

    /* Writing again replaces the files (same directory, existing files). */
    assert_int_equal(sc_report_write_all(NULL, dir, err, sizeof err), 0);
    text = rt_read_file(path);
    assert_string_equal(text, "{}\n");
    free(text);

    cJSON_Delete(r);
    rm_rf(base);
}

static void test_write_all_errors(void **state)
{
    (void)state;
    char base[] = "/tmp/sc_report_test.XXXXXX";
    assert_non_null(mkdtemp(base));
    char file[256], dir[300];
    snprintf(file, sizeof file, "%s/plainfile", base);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    char err[512] = "";
    /* The output folder is a regular file. */
    assert_int_equal(sc_report_write_all(NULL, file, err, sizeof err), -1);
    assert_non_null(strstr(err, "plainfile"));
    /* A parent is a regular file. */
    snprintf(dir, sizeof dir, "%s/sub", file);
    err[0] = '\0';
    assert_int_equal(sc_report_write_all(NULL, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "plainfile"));
    /* A folder we cannot write into (skipped as root, who can write anywhere). */
    if (geteuid() != 0) {
        snprintf(dir, sizeof dir, "%s/ro", base);
        assert_int_equal(mkdir(dir, 0555), 0);
        err[0] = '\0';
        assert_int_equal(sc_report_write_all(NULL, dir, err, sizeof err), -1);
        assert_non_null(strstr(err, "report.json"));
    }
    /* err may be NULL. */
    assert_int_equal(sc_report_write_all(NULL, file, NULL, 0), -1);
    rm_rf(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markdown_exact),
        cmocka_unit_test(test_markdown_matrix_marks),
        cmocka_unit_test(test_markdown_no_failures),
        cmocka_unit_test(test_junit_content),
        cmocka_unit_test(test_junit_odd_characters),
        cmocka_unit_test(test_html_matrix_3x3),
        cmocka_unit_test(test_html_odd_characters),
        cmocka_unit_test(test_writers_never_fail_on_odd_input),
        cmocka_unit_test(test_missing_fields_report),
        cmocka_unit_test(test_html_timeline_only_when_drawable),
        cmocka_unit_test(test_write_all),
        cmocka_unit_test(test_write_all_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
