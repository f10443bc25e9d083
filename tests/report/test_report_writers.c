/* Unit tests for the report writers (reports/): summary.md exact text, junit.xml content,
 * report.html structure and escaping, the reconnect comparison (report.html and summary.md),
 * robustness on odd and partial reports, and
 * sc_report_write_all (files, atomic writes, errors). */
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

/* Two clients x two servers with every verdict that fits in a small report. */
static const char small_report[] =
    "{\"tool\":\"streamconform\",\"version\":\"0.1.0\",\"started_at\":\"2026-11-23T19:10:00Z\","
    "\"duration_ms\":1500,\"complete\":true,\"clients\":[\"c\",\"go\"],\"servers\":[\"c\",\"go\"],"
    "\"cases\":["
    "{\"id\":\"get/happy@c->c\",\"scenario\":\"get/happy\",\"client\":\"c\",\"server\":\"c\","
    "\"verdict\":\"pass\",\"duration_ms\":12,\"attempts\":1},"
    "{\"id\":\"subscribe/cancel@c->go\",\"scenario\":\"subscribe/cancel\",\"client\":\"c\","
    "\"server\":\"go\",\"verdict\":\"fail\",\"duration_ms\":41,\"summary\":\"client cancels | "
    "early\",\"failures\":[{\"path\":\"expect.status\",\"expected\":\"CANCELLED\",\"actual\":"
    "\"OK\"}]},"
    "{\"id\":\"chat/slow@c->go\",\"scenario\":\"chat/slow\",\"client\":\"c\",\"server\":\"go\","
    "\"verdict\":\"known_failing\",\"reason\":\"grpc-go differs\",\"duration_ms\":9},"
    "{\"id\":\"get/happy@go->c\",\"scenario\":\"get/happy\",\"client\":\"go\",\"server\":\"c\","
    "\"verdict\":\"pass\",\"attempts\":2,\"duration_ms\":30},"
    "{\"id\":\"replay/script@go->c\",\"scenario\":\"replay/script\",\"client\":\"go\","
    "\"server\":\"c\",\"verdict\":\"skip\",\"reason\":\"C engine only\"},"
    "{\"id\":\"deadline/sleep@go->go\",\"scenario\":\"deadline/sleep\",\"client\":\"go\","
    "\"server\":\"go\",\"verdict\":\"error\",\"reason\":\"peer crashed\",\"stderr\":\"boom\\n\","
    "\"duration_ms\":5000},"
    "{\"id\":\"list/stale@go->go\",\"scenario\":\"list/stale\",\"client\":\"go\","
    "\"server\":\"go\",\"verdict\":\"stale\",\"reason\":\"was issue 9\",\"duration_ms\":1}"
    "]}";

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
    "known-failing cases.\n"
    "\n"
    "**Totals:** 7 cases: 2 passed (1 flaky), 1 failed, 1 error, 1 skipped, 1 known failing, "
    "1 stale.\n"
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

static cJSON *parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    return j;
}

/* Every byte sequence is valid UTF-8 and every character allowed by the text policy. */
static void assert_clean_text(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        bool valid;
        size_t len = sc_report_utf8_next((const unsigned char *)s + i, n - i, &cp, &valid);
        if (!valid || !sc_report_char_ok(cp))
            fail_msg("bad character U+%04X at byte %zu", (unsigned)cp, i);
        i += len;
    }
}

/* ---- summary.md --------------------------------------------------------------------------- */

static void test_markdown_exact(void **state)
{
    (void)state;
    cJSON *r = parse(small_report);
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
        parse("{\"clients\":[\"c\"],\"servers\":[\"a\",\"b\",\"x\",\"y\"],\"complete\":false,"
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
    cJSON *r = parse("{\"complete\":true,\"clients\":[\"c\"],\"servers\":[\"c\"],\"cases\":["
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
    cJSON *r = parse(small_report);
    char *x;
    assert_int_equal(rt_render(sc_report_write_junit, r, &x), 0);
    assert_true(strncmp(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
    assert_non_null(strstr(x, "<testsuites name=\"streamconform\" tests=\"7\" failures=\"2\" "
                              "errors=\"1\" skipped=\"2\" time=\"1.500\">"));
    assert_int_equal(rt_count(x, "<testsuite "), 4);
    assert_non_null(strstr(x, "<testsuite name=\"c-&gt;go\" tests=\"2\" failures=\"1\" "
                              "errors=\"0\" skipped=\"1\" time=\"0.050\">"));
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
    assert_clean_text(x);
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
    assert_clean_text(h);
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

/* ---- reconnect comparison ----------------------------------------------------------------- */

/* Two scenarios with reconnect data over several pairs, plus cases that must stay out of the
 * comparison: a skipped case with reconnect data (go->c), an empty `attempts` array, a case
 * without reconnect data. Exactly one gap is outside its window: attempt 3 of reconnect/a on
 * c->go. The network scenario's first connection lives 40 ms (end_ms 50), so its windows show
 * whether they are anchored at the previous start (start_ms - gap_ms), as connection backoff is
 * measured, and not at the previous end. */
static const char reconnect_report[] =
    "{\"tool\":\"streamconform\",\"complete\":true,\"clients\":[\"c\",\"go\",\"python\"],"
    "\"servers\":[\"c\",\"go\"],\"cases\":["
    "{\"id\":\"reconnect/a@c->c\",\"scenario\":\"reconnect/a\",\"client\":\"c\",\"server\":\"c\","
    "\"verdict\":\"pass\",\"reconnect\":{\"policy\":{\"backoff_initial_ms\":100,"
    "\"backoff_multiplier\":1.6,\"backoff_jitter\":0.2,\"backoff_max_ms\":1000,"
    "\"tolerance_ms\":50},\"attempts\":["
    "{\"start_ms\":0,\"end_ms\":3,\"code\":\"UNAVAILABLE\"},"
    "{\"start_ms\":84,\"end_ms\":86,\"code\":\"UNAVAILABLE\",\"gap_ms\":81,"
    "\"expected_min_ms\":30,\"expected_max_ms\":170,\"ok\":true},"
    "{\"start_ms\":250,\"end_ms\":252,\"code\":\"UNAVAILABLE\",\"gap_ms\":164,"
    "\"expected_min_ms\":78,\"expected_max_ms\":242,\"ok\":true},"
    "{\"start_ms\":500,\"end_ms\":540,\"code\":\"OK\",\"gap_ms\":248,"
    "\"expected_min_ms\":150,\"expected_max_ms\":350,\"ok\":true}]}},"
    "{\"id\":\"reconnect/a@c->go\",\"scenario\":\"reconnect/a\",\"client\":\"c\",\"server\":\"go\","
    "\"verdict\":\"fail\",\"reconnect\":{\"attempts\":["
    "{\"start_ms\":0,\"end_ms\":2,\"code\":\"UNAVAILABLE\"},"
    "{\"start_ms\":90,\"end_ms\":92,\"code\":\"UNAVAILABLE\",\"gap_ms\":88,"
    "\"expected_min_ms\":30,\"expected_max_ms\":170,\"ok\":true},"
    "{\"start_ms\":400,\"end_ms\":402,\"code\":\"UNAVAILABLE\",\"gap_ms\":308,"
    "\"expected_min_ms\":78,\"expected_max_ms\":242,\"ok\":false}]}},"
    "{\"id\":\"reconnect/a@go->c\",\"scenario\":\"reconnect/a\",\"client\":\"go\",\"server\":\"c\","
    "\"verdict\":\"skip\",\"reason\":\"not applicable\",\"reconnect\":{\"attempts\":["
    "{\"start_ms\":0,\"end_ms\":1},{\"start_ms\":9000,\"end_ms\":9001,\"gap_ms\":8999,"
    "\"expected_min_ms\":0,\"expected_max_ms\":10,\"ok\":false}]}},"
    "{\"id\":\"reconnect/a@go->go\",\"scenario\":\"reconnect/a\",\"client\":\"go\",\"server\":"
    "\"go\",\"verdict\":\"pass\",\"reconnect\":{\"attempts\":["
    "{\"start_ms\":1,\"end_ms\":4,\"code\":\"UNAVAILABLE\"},"
    "{\"start_ms\":100,\"end_ms\":103,\"code\":\"OK\",\"gap_ms\":96,"
    "\"expected_min_ms\":30,\"expected_max_ms\":170}]}},"
    "{\"id\":\"reconnect/a@python->c\",\"scenario\":\"reconnect/a\",\"client\":\"python\","
    "\"server\":\"c\",\"verdict\":\"known_failing\",\"reconnect\":{\"attempts\":["
    "{\"start_ms\":0,\"end_ms\":5,\"code\":\"UNAVAILABLE\"}]}},"
    "{\"id\":\"net@c->c\",\"scenario\":\"net/<backoff>&\",\"client\":\"c\",\"server\":\"c\","
    "\"verdict\":\"pass\",\"reconnect\":{\"policy\":{\"source\":\"fault proxy accept times\","
    "\"backoff_initial_ms\":100,\"backoff_max_ms\":400},\"attempts\":["
    "{\"start_ms\":10,\"end_ms\":50,\"code\":\"CONNECT\"},"
    "{\"start_ms\":110,\"end_ms\":110,\"code\":\"CONNECT\",\"gap_ms\":100,"
    "\"expected_min_ms\":19,\"expected_max_ms\":181,\"ok\":true},"
    "{\"start_ms\":260,\"end_ms\":260,\"code\":\"CONNECT\",\"gap_ms\":150,"
    "\"expected_min_ms\":67,\"expected_max_ms\":253,\"ok\":true}]}},"
    "{\"id\":\"net@go->go\",\"scenario\":\"net/<backoff>&\",\"client\":\"go\",\"server\":\"go\","
    "\"verdict\":\"pass\",\"reconnect\":{\"attempts\":[{\"start_ms\":5,\"end_ms\":5},"
    "{\"start_ms\":120,\"end_ms\":120,\"gap_ms\":115,\"expected_min_ms\":19,"
    "\"expected_max_ms\":181,\"ok\":true}]}},"
    "{\"id\":\"net@python->go\",\"scenario\":\"net/<backoff>&\",\"client\":\"python\","
    "\"server\":\"go\",\"verdict\":\"pass\",\"reconnect\":{\"attempts\":["
    "{\"start_ms\":0,\"end_ms\":0},{\"start_ms\":100,\"end_ms\":100,\"gap_ms\":100,"
    "\"expected_min_ms\":19,\"expected_max_ms\":181,\"ok\":true}]}},"
    "{\"id\":\"get/happy@c->c\",\"scenario\":\"get/happy\",\"client\":\"c\",\"server\":\"c\","
    "\"verdict\":\"pass\"},"
    "{\"id\":\"reconnect/empty@c->go\",\"scenario\":\"reconnect/empty\",\"client\":\"c\","
    "\"server\":\"go\",\"verdict\":\"pass\",\"reconnect\":{\"attempts\":[]}}"
    "]}";

/* The text of the reconnect section (from <section id="reconnect" to its </section>), copied;
 * NULL when the page has none. */
static char *reconnect_section(const char *html)
{
    const char *start = strstr(html, "<section id=\"reconnect\"");
    if (!start)
        return NULL;
    const char *end = strstr(start, "</section>");
    assert_non_null(end);
    return strndup(start, (size_t)(end - start));
}

/* The n-th (from 0) <figure> of a section, copied up to its </figure>. */
static char *nth_figure(const char *section, size_t n)
{
    const char *p = section;
    for (size_t i = 0; p && (p = strstr(p, "<figure class=\"rb-figure\"")) != NULL; i++, p++) {
        if (i == n) {
            const char *end = strstr(p, "</figure>");
            assert_non_null(end);
            return strndup(p, (size_t)(end - p));
        }
    }
    return NULL;
}

/* The text of the row of `pair` (escaped, e.g. "c-&gt;go") in a figure, copied. */
static char *figure_row(const char *figure, const char *pair)
{
    char open[128];
    snprintf(open, sizeof open, "<g class=\"rb-row\" data-pair=\"%s\">", pair);
    const char *p = strstr(figure, open);
    if (!p)
        return NULL;
    const char *end = strstr(p, "</g>");
    assert_non_null(end);
    return strndup(p, (size_t)(end - p));
}

static void test_html_reconnect_section(void **state)
{
    (void)state;
    cJSON *r = parse(reconnect_report);
    char *h;
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_clean_text(h);
    /* One section, after the matrix, linked from the header. */
    assert_int_equal(rt_count(h, "<section id=\"reconnect\""), 1);
    assert_int_equal(rt_count(h, "<a href=\"#reconnect\">"), 1);
    assert_true(strstr(h, "<nav class=\"toc\">") < strstr(h, "<a href=\"#reconnect\">"));
    assert_true(strstr(h, "id=\"matrix\"") < strstr(h, "<section id=\"reconnect\""));
    assert_true(strstr(h, "<section id=\"reconnect\"") <
                strstr(h, "<section class=\"cell-cases\""));

    char *sec = reconnect_section(h);
    assert_non_null(sec);
    /* Two scenarios -> two figures, by scenario name; 3 + 4 rows (the skipped go->c, the empty
     * attempts array and the case without reconnect data are left out). */
    assert_int_equal(rt_count(sec, "<figure class=\"rb-figure\""), 2);
    assert_int_equal(rt_count(sec, "<svg class=\"rb-chart\""), 2);
    assert_int_equal(rt_count(sec, "<g class=\"rb-row\""), 7);
    assert_null(strstr(sec, "data-pair=\"go-&gt;c\""));
    assert_null(strstr(sec, "reconnect/empty"));
    assert_null(strstr(sec, "get/happy"));
    assert_non_null(strstr(sec, "class=\"legend rb-legend\""));

    char *net = nth_figure(sec, 0), *rec = nth_figure(sec, 1);
    assert_non_null(net);
    assert_non_null(rec);
    assert_null(nth_figure(sec, 2));
    /* Escaped scenario name in the caption, the data attribute and the SVG's label. */
    assert_non_null(strstr(net, "data-scenario=\"net/&lt;backoff&gt;&amp;\""));
    assert_non_null(strstr(net, "<strong>net/&lt;backoff&gt;&amp;</strong>"));
    assert_non_null(strstr(net, "aria-label=\"reconnect attempts of net/&lt;backoff&gt;&amp;"));
    assert_null(strstr(h, "<backoff>"));
    assert_non_null(strstr(net, "times from fault proxy accept times"));
    assert_non_null(strstr(rec, "data-scenario=\"reconnect/a\""));
    assert_non_null(strstr(rec, ": backoff initial 100 ms, multiplier 1.6, jitter 0.2, max "
                                "1000 ms, tolerance 50 ms; times from the client driver&#39;s "
                                "attempts"));
    assert_int_equal(rt_count(net, "<g class=\"rb-row\""), 3);
    assert_int_equal(rt_count(rec, "<g class=\"rb-row\""), 4);
    /* Rows in matrix order. */
    const char *order[] = {"c-&gt;c", "c-&gt;go", "go-&gt;go", "python-&gt;c"};
    const char *prev = rec;
    for (size_t i = 0; i < 4; i++) {
        char want[96];
        snprintf(want, sizeof want, "data-pair=\"%s\"", order[i]);
        const char *at = strstr(rec, want);
        assert_non_null(at);
        assert_true(at > prev);
        prev = at;
    }

    /* The out-of-window class: exactly once in the page, in the c->go row, on attempt 3. */
    assert_int_equal(rt_count(h, "class=\"rb-mark rb-out\""), 1);
    char *bad = figure_row(rec, "c-&gt;go");
    assert_non_null(bad);
    assert_int_equal(rt_count(bad, "class=\"rb-mark rb-out\""), 1);
    assert_non_null(strstr(bad, "<title>attempt 3 at 400 ms (UNAVAILABLE): gap 308 ms, expected "
                                "78-242 ms, outside its window</title>"));
    assert_int_equal(rt_count(bad, "class=\"rb-mark rb-in\""), 1);
    assert_int_equal(rt_count(bad, "class=\"rb-mark rb-first\""), 1);
    assert_int_equal(rt_count(bad, "class=\"rb-window\""), 2);
    assert_non_null(strstr(bad, ">3 attempts, 1 of 2 gaps out of window, fail</text>"));
    /* Links to the case in its cell. */
    assert_non_null(strstr(bad, "data-open=\"cell-0-1\""));
    free(bad);

    char *row = figure_row(rec, "c-&gt;c");
    assert_non_null(row);
    assert_int_equal(rt_count(row, "class=\"rb-mark rb-in\""), 3);
    assert_int_equal(rt_count(row, "class=\"rb-window\""), 3);
    assert_non_null(strstr(row, ">4 attempts, 0 of 3 gaps out of window</text>"));
    /* Client reconnects: windows start at the previous attempt's end (3 + 30, 3 + 170). */
    assert_non_null(strstr(row, "<title>attempt 2 expected to start between 33 and 173 ms"));
    free(row);
    /* No `ok`: judged from gap_ms and the bounds (96 in 30..170). */
    row = figure_row(rec, "go-&gt;go");
    assert_non_null(row);
    assert_int_equal(rt_count(row, "class=\"rb-mark rb-in\""), 1);
    assert_non_null(strstr(row, ">2 attempts, 0 of 1 gap out of window</text>"));
    free(row);
    row = figure_row(rec, "python-&gt;c");
    assert_non_null(row);
    assert_int_equal(rt_count(row, "class=\"rb-mark"), 1);
    assert_null(strstr(row, "rb-window"));
    assert_non_null(strstr(row, ">1 attempt, no gap checked, known_failing</text>"));
    free(row);
    /* Connection backoff: windows from the previous accept (10 + 19, 10 + 181), not from the
     * previous connection's end (50). */
    row = figure_row(net, "c-&gt;c");
    assert_non_null(row);
    assert_non_null(strstr(row, "<title>attempt 2 expected to start between 29 and 191 ms"));
    assert_non_null(strstr(row, "<title>attempt 3 expected to start between 177 and 363 ms"));
    assert_non_null(strstr(row, ">3 attempts, 0 of 2 gaps out of window</text>"));
    free(row);

    /* A shared axis per figure: the ticks of the reconnect/a figure reach 500 (its last start)
     * and every row of it uses the same scale: attempt starts at 400 (c->go) and 500 (c->c). */
    assert_non_null(strstr(rec, ">500</text>"));
    assert_non_null(strstr(rec, "ms since the case start"));

    free(net);
    free(rec);
    free(sec);
    free(h);
    cJSON_Delete(r);
}

static void test_html_no_reconnect_section(void **state)
{
    (void)state;
    /* No reconnect data at all; reconnect data only in a skipped case; an empty or mistyped
     * attempts list: no section, no nav link, no figure. */
    const char *reports[] = {
        small_report,
        "{\"cases\":[{\"scenario\":\"r\",\"client\":\"c\",\"server\":\"c\",\"verdict\":\"skip\","
        "\"reconnect\":{\"attempts\":[{\"start_ms\":0,\"end_ms\":1}]}}]}",
        "{\"cases\":[{\"scenario\":\"r\",\"verdict\":\"pass\",\"reconnect\":{\"attempts\":[]}},"
        "{\"scenario\":\"s\",\"verdict\":\"pass\",\"reconnect\":{\"attempts\":[1,\"x\",null]}},"
        "{\"scenario\":\"t\",\"verdict\":\"pass\",\"reconnect\":{\"attempts\":{\"a\":{}}}},"
        "{\"scenario\":\"u\",\"verdict\":\"pass\",\"reconnect\":[{\"start_ms\":0}]}]}",
    };
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
        cJSON *r = parse(reports[i]);
        char *h, *md;
        assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
        assert_null(strstr(h, "id=\"reconnect\""));
        assert_null(strstr(h, "href=\"#reconnect\""));
        assert_null(strstr(h, "Reconnect and backoff"));
        assert_null(strstr(h, "<figure"));
        assert_null(strstr(h, "<svg class=\"rb-chart\""));
        assert_non_null(strstr(h, "<nav class=\"toc\"><a href=\"#matrix\">"));
        assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
        assert_null(strstr(md, "Reconnect and backoff"));
        free(md);
        free(h);
        cJSON_Delete(r);
    }
    /* The 3x3 fixture has one reconnect scenario on two pairs, one bad gap each. */
    cJSON *r = rt_load_fixture("report-3x3.json");
    assert_non_null(r);
    char *h;
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_int_equal(rt_count(h, "<figure class=\"rb-figure\""), 1);
    assert_int_equal(rt_count(h, "<g class=\"rb-row\""), 2);
    assert_int_equal(rt_count(h, "class=\"rb-mark rb-out\""), 2);
    free(h);
    cJSON_Delete(r);
}

/* A report with `nscen` scenarios, each on `nclients` clients x one server, each case with
 * `nattempts` attempts 100 ms apart whose gaps are all in their window. */
static cJSON *reconnect_bulk(size_t nscen, size_t nclients, size_t nattempts)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *cases = cJSON_AddArrayToObject(r, "cases");
    for (size_t s = 0; s < nscen; s++)
        for (size_t c = 0; c < nclients; c++) {
            char name[64];
            cJSON *k = cJSON_CreateObject();
            snprintf(name, sizeof name, "scen%03zu", s);
            cJSON_AddStringToObject(k, "scenario", name);
            snprintf(name, sizeof name, "client%03zu", c);
            cJSON_AddStringToObject(k, "client", name);
            cJSON_AddStringToObject(k, "server", "c");
            cJSON_AddStringToObject(k, "verdict", "pass");
            cJSON *list =
                cJSON_AddArrayToObject(cJSON_AddObjectToObject(k, "reconnect"), "attempts");
            for (size_t a = 0; a < nattempts; a++) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddNumberToObject(e, "start_ms", (double)a * 100);
                cJSON_AddNumberToObject(e, "end_ms", (double)a * 100 + 10);
                if (a > 0) {
                    cJSON_AddNumberToObject(e, "gap_ms", 90);
                    cJSON_AddNumberToObject(e, "expected_min_ms", 50);
                    cJSON_AddNumberToObject(e, "expected_max_ms", 150);
                    cJSON_AddBoolToObject(e, "ok", true);
                }
                cJSON_AddItemToArray(list, e);
            }
            cJSON_AddItemToArray(cases, k);
        }
    return r;
}

static void test_html_reconnect_bounds(void **state)
{
    (void)state;
    char *h, want[160];
    /* Too many rows in a figure (kept apart from the long rows below: the page stays small,
     * which matters under AddressSanitizer, whose strstr is linear in the whole page). */
    size_t rows = SC_REPORT_HTML_RECONNECT_MAX_ROWS + 3;
    cJSON *r = reconnect_bulk(1, rows, 2);
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_int_equal(rt_count(h, "<figure class=\"rb-figure\""), 1);
    assert_int_equal(rt_count(h, "<g class=\"rb-row\""), SC_REPORT_HTML_RECONNECT_MAX_ROWS);
    assert_int_equal(rt_count(h, "class=\"rb-mark "), SC_REPORT_HTML_RECONNECT_MAX_ROWS * 2);
    snprintf(want, sizeof want,
             "3 more cases of this scenario not drawn (at most %d rows per figure)",
             SC_REPORT_HTML_RECONNECT_MAX_ROWS);
    assert_non_null(strstr(h, want));
    assert_null(strstr(h, "drawn)<"));
    free(h);
    cJSON_Delete(r);

    /* Too many attempts in a row: the row text counts every attempt and says what was drawn. */
    size_t attempts = SC_REPORT_HTML_RECONNECT_MAX_ATTEMPTS + 5;
    r = reconnect_bulk(1, 2, attempts);
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_int_equal(rt_count(h, "<g class=\"rb-row\""), 2);
    assert_int_equal(rt_count(h, "class=\"rb-mark "), 2 * SC_REPORT_HTML_RECONNECT_MAX_ATTEMPTS);
    assert_int_equal(rt_count(h, "class=\"rb-window\""),
                     2 * (SC_REPORT_HTML_RECONNECT_MAX_ATTEMPTS - 1));
    snprintf(want, sizeof want, ">%zu attempts, 0 of %zu gaps out of window (first %d drawn)<",
             attempts, attempts - 1, SC_REPORT_HTML_RECONNECT_MAX_ATTEMPTS);
    assert_int_equal(rt_count(h, want), 2);
    assert_null(strstr(h, "more cases of this scenario"));
    free(h);
    cJSON_Delete(r);

    /* Too many scenarios. */
    r = reconnect_bulk(SC_REPORT_RECONNECT_MAX_SCENARIOS + 2, 1, 2);
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_int_equal(rt_count(h, "<figure class=\"rb-figure\""), SC_REPORT_RECONNECT_MAX_SCENARIOS);
    snprintf(want, sizeof want,
             "2 more scenarios with reconnect data not drawn (at most %d "
             "figures)",
             SC_REPORT_RECONNECT_MAX_SCENARIOS);
    assert_non_null(strstr(h, want));
    free(h);
    char *md;
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    assert_int_equal(rt_count(md, "\n| scen0"), SC_REPORT_RECONNECT_MAX_SCENARIOS);
    assert_non_null(strstr(md, "2 more scenarios with reconnect data not listed."));
    free(md);
    cJSON_Delete(r);
}

static void test_markdown_reconnect_table(void **state)
{
    (void)state;
    cJSON *r = parse(reconnect_report);
    char *md;
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    const char *want =
        "## Reconnect and backoff by client\n"
        "\n"
        "| scenario | c->c | c->go | go->go | python->c | python->go |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
        "| net/\\<backoff>\\& | 3 attempts, 0 out | – | 2 attempts, 0 out | – | "
        "2 attempts, 0 out |\n"
        "| reconnect/a | 4 attempts, 0 out | 3 attempts, 1 out ✗ | 2 attempts, 0 out | "
        "1 attempt | – |\n"
        "\n"
        "Cells: attempts made, then how many of the gaps between them fell outside the expected "
        "backoff window (✗); – no reconnect data (skipped or not run). report.html draws them.\n"
        "\n";
    assert_non_null(strstr(md, want));
    /* Between the totals and the failures. */
    assert_true(strstr(md, "**Totals:**") < strstr(md, want));
    assert_true(strstr(md, want) < strstr(md, "## Failures"));
    free(md);
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
            r = parse(inline_reports[i - nf]);
        } /* else: NULL report */
        for (size_t w = 0; w < 3; w++) {
            char *text;
            assert_int_equal(rt_render(writers[w], r, &text), 0);
            assert_true(strlen(text) > 0);
            assert_clean_text(text);
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
    cJSON *r = parse("{\"cases\":[{\"trace\":{\"client\":null,\"server_events\":[]}},"
                     "{\"trace\":{\"client\":{\"timings\":{\"headers_ms\":null}}}}]}");
    char *h;
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_null(strstr(h, "<h4>Timeline</h4>"));
    assert_null(strstr(h, "<svg"));
    assert_int_equal(rt_count(h, "<h4>Trace</h4>"), 2);
    free(h);
    cJSON_Delete(r);
    /* Client timings alone are enough; a status mark carries the actual code. */
    r = parse("{\"cases\":[{\"actual\":{\"status\":{\"code\":\"CANCELLED\"}},"
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

    /* report.json is the report, pretty-printed. */
    char path[512];
    snprintf(path, sizeof path, "%s/report.json", dir);
    char *text = rt_read_file(path);
    assert_non_null(strstr(text, "\n\t\"tool\":"));
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
        cmocka_unit_test(test_html_reconnect_section),
        cmocka_unit_test(test_html_no_reconnect_section),
        cmocka_unit_test(test_html_reconnect_bounds),
        cmocka_unit_test(test_markdown_reconnect_table),
        cmocka_unit_test(test_write_all),
        cmocka_unit_test(test_write_all_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
