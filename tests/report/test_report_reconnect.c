/* Unit tests of the reconnect comparison: the "Reconnect and backoff by client" section of
 * report.html (figures, rows, marks, bounds) and its table in summary.md. */
#include "report_test_support.h"
#include "sc_report.h"
#include "sc_report_util.h"

#include <math.h>
#include <stdio.h>

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
    cJSON *r = rt_parse(reconnect_report);
    char *h;
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    rt_assert_clean_text(h);
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

    free(net);
    free(rec);
    free(sec);
    free(h);
    cJSON_Delete(r);
}

/* reconnect_report rendered as report.html, with its reconnect section and the section's two
 * figures (net/<backoff>&, reconnect/a); every part owned, freed by rb_page_free. */
typedef struct {
    cJSON *r;
    char *h, *sec, *net, *rec;
} rb_page;

static void rb_page_render(rb_page *p)
{
    p->r = rt_parse(reconnect_report);
    assert_int_equal(rt_render(sc_report_write_html, p->r, &p->h), 0);
    p->sec = reconnect_section(p->h);
    assert_non_null(p->sec);
    p->net = nth_figure(p->sec, 0);
    p->rec = nth_figure(p->sec, 1);
    assert_non_null(p->net);
    assert_non_null(p->rec);
}

static void rb_page_free(rb_page *p)
{
    free(p->net);
    free(p->rec);
    free(p->sec);
    free(p->h);
    cJSON_Delete(p->r);
}

/* The rows of the two figures: marks in and out of their windows, the windows, the row text. */
static void test_html_reconnect_rows(void **state)
{
    (void)state;
    rb_page page;
    rb_page_render(&page);
    const char *h = page.h, *net = page.net, *rec = page.rec;
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

    rb_page_free(&page);
}

static void test_html_no_reconnect_section(void **state)
{
    (void)state;
    /* No reconnect data at all; reconnect data only in a skipped case; an empty or mistyped
     * attempts list: no section, no nav link, no figure. */
    const char *reports[] = {
        rt_small_report,
        "{\"cases\":[{\"scenario\":\"r\",\"client\":\"c\",\"server\":\"c\",\"verdict\":\"skip\","
        "\"reconnect\":{\"attempts\":[{\"start_ms\":0,\"end_ms\":1}]}}]}",
        "{\"cases\":[{\"scenario\":\"r\",\"verdict\":\"pass\",\"reconnect\":{\"attempts\":[]}},"
        "{\"scenario\":\"s\",\"verdict\":\"pass\",\"reconnect\":{\"attempts\":[1,\"x\",null]}},"
        "{\"scenario\":\"t\",\"verdict\":\"pass\",\"reconnect\":{\"attempts\":{\"a\":{}}}},"
        "{\"scenario\":\"u\",\"verdict\":\"pass\",\"reconnect\":[{\"start_ms\":0}]}]}",
    };
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
        cJSON *r = rt_parse(reports[i]);
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
    cJSON *r = rt_parse(reconnect_report);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_reconnect_section),
        cmocka_unit_test(test_html_reconnect_rows),
        cmocka_unit_test(test_html_no_reconnect_section),
        cmocka_unit_test(test_html_reconnect_bounds),
        cmocka_unit_test(test_markdown_reconnect_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
