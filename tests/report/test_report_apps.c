/* Unit tests of the application cases (report.json's `applications`, docs/app-check.md) in the
 * three writers: junit.xml's "app:NAME" suites, summary.md's "Applications" section and
 * report.html's "Applications" section with a figure per case; and the model's helpers. The
 * fixture tests/data/report-apps.json holds one interop case and 2 applications x 2 app
 * scenarios: robust-python passes app/unavailable/backoff and is skipped in app/invalid/stops;
 * naive-go fails app/unavailable/backoff with two findings and errors in app/invalid/stops
 * (it did not start). */
#include "report_test_support.h"
#include "sc_report.h"
#include "sc_report_apps.h"
#include "sc_report_apps_text.h"
#include "sc_report_html_apps.h"

#include <stdio.h>

#define FIRST_SENTENCE                                                                             \
    "waited 0.5 s, 0.5 s, 0.5 s between calls: constant; expected 0.1 s x1.6 up to 1.0 s (+-20%)"
/* The second finding, escaped for XML text and HTML. */
#define SECOND_ESCAPED "retried after INVALID_ARGUMENT (not retryable) &amp; kept &lt;going&gt;"

static char *render_fixture(rt_writer fn)
{
    cJSON *r = rt_load_fixture("report-apps.json");
    assert_non_null(r);
    char *text;
    assert_int_equal(rt_render(fn, r, &text), 0);
    cJSON_Delete(r);
    rt_assert_clean_text(text);
    return text;
}

/* The text from `open` up to (not including) the next `close`, copied; NULL when absent. */
static char *between(const char *hay, const char *open, const char *close)
{
    const char *start = strstr(hay, open);
    if (!start)
        return NULL;
    const char *end = strstr(start, close);
    assert_non_null(end);
    return strndup(start, (size_t)(end - start));
}

/* ---- junit.xml ---------------------------------------------------------------------------- */

static void test_junit_apps(void **state)
{
    (void)state;
    char *x = render_fixture(sc_report_write_junit);
    /* The root totals count the interop case and the four application cases. */
    assert_non_null(strstr(x, "<testsuites name=\"streamconform\" tests=\"5\" failures=\"1\" "
                              "errors=\"1\" time=\"12.000\">"));
    assert_int_equal(rt_count(x, "<testsuite "), 3);
    assert_non_null(strstr(x, "<testsuite name=\"app:robust-python\" tests=\"2\" failures=\"0\" "
                              "errors=\"0\" skipped=\"1\" time=\"4.123\" "
                              "timestamp=\"2026-11-23T19:10:00Z\">"));
    assert_non_null(strstr(x, "<testsuite name=\"app:naive-go\" tests=\"2\" failures=\"1\" "
                              "errors=\"1\" skipped=\"0\" time=\"2.313\" "
                              "timestamp=\"2026-11-23T19:10:00Z\">"));
    /* The failure's message is the first sentence; its text holds every sentence. */
    assert_non_null(
        strstr(x, "<testcase name=\"app/unavailable/backoff\" classname=\"app:naive-go"
                  "\" time=\"2.310\">\n      <failure type=\"fail\" message=\"" FIRST_SENTENCE
                  "\">" FIRST_SENTENCE "\n" SECOND_ESCAPED "\n"
                  "exit: exited with code 3 at 2.3 s\n</failure>"));
    /* The app that did not start: an error with the reason. */
    assert_non_null(strstr(x, "<testcase name=\"app/invalid/stops\" classname=\"app:naive-go\" "
                              "time=\"0.003\">\n      <error type=\"error\" message=\"the "
                              "application did not start: /opt/naive go/consumer: No such file or "
                              "directory\">"));
    assert_non_null(strstr(x, "<testcase name=\"app/invalid/stops\" classname=\"app:robust-python"
                              "\" time=\"0.000\">\n      <skipped message=\"filtered by "
                              "--known-failing (sometimes: slow start)\"/>"));
    /* The output tail, escaped, in <system-out>. */
    assert_non_null(strstr(x, "<system-out>dialing 127.0.0.1:40125\n&lt;script&gt;alert('x')&lt;"
                              "/script&gt; &amp; retrying\nfatal: giving up\n</system-out>"));
    assert_non_null(strstr(x, "<system-out>subscribed\n"));
    /* The application suites follow the matrix's. */
    assert_true(strstr(x, "<testsuite name=\"c-&gt;c\"") <
                strstr(x, "<testsuite name=\"app:robust-python\""));
    free(x);
}

/* ---- summary.md --------------------------------------------------------------------------- */

static void test_markdown_apps(void **state)
{
    (void)state;
    char *md = render_fixture(sc_report_write_markdown);
    const char *table = "## Applications\n"
                        "\n"
                        "| scenario ↓ application → | robust-python | naive-go |\n"
                        "| --- | --- | --- |\n"
                        "| app/invalid/stops | skipped | error ✗ |\n"
                        "| app/unavailable/backoff | pass | fail ✗ |\n"
                        "\n";
    const char *fail = "### fail: app/unavailable/backoff@naive-go\n"
                       "\n"
                       "- " FIRST_SENTENCE "\n"
                       "- retried after INVALID_ARGUMENT (not retryable) \\& kept \\<going>\n"
                       "\n"
                       "Exit: exited with code 3 at 2.3 s.\n";
    const char *error = "### error: app/invalid/stops@naive-go\n"
                        "\n"
                        "Reason: the application did not start: /opt/naive go/consumer: No such "
                        "file or directory\n"
                        "\n"
                        "Exit: exited with code 127 at 3 ms.\n";
    assert_non_null(strstr(md, "**Totals:** 5 cases: 2 passed, 1 failed, 1 error, 1 skipped"));
    assert_non_null(strstr(md, table));
    assert_non_null(strstr(md, fail));
    assert_non_null(strstr(md, error));
    assert_true(strstr(md, "**Totals:**") < strstr(md, table));
    assert_true(strstr(md, table) < strstr(md, error));
    assert_true(strstr(md, error) < strstr(md, fail));
    /* Passing and skipped cases are not listed; the only failures are the applications'. */
    assert_null(strstr(md, "@robust-python"));
    assert_null(strstr(md, "No failures."));
    assert_null(strstr(md, "## Failures"));
    free(md);
}

/* ---- report.html -------------------------------------------------------------------------- */

static void test_html_apps_section(void **state)
{
    (void)state;
    char *h = render_fixture(sc_report_write_html);
    assert_int_equal(rt_count(h, "<section id=\"applications\""), 1);
    assert_non_null(strstr(h, "<a href=\"#applications\">Applications</a></nav>"));
    assert_true(strstr(h, "id=\"matrix\"") < strstr(h, "<section id=\"applications\""));
    assert_true(strstr(h, "id=\"failures\"") < strstr(h, "<section id=\"applications\""));
    /* Header totals include the application cases. */
    assert_non_null(strstr(h, "<strong>5</strong> cases"));
    /* The failures list links to the failing application cases' articles. */
    assert_non_null(strstr(h, "<li><a href=\"#app-app~unavailable~backoff_40naive-go\"><span "
                              "class=\"badge v-fail\">fail</span>"
                              "app/unavailable/backoff (application naive-go)</a></li>"));
    assert_non_null(strstr(h, "<li><a href=\"#app-app~invalid~stops_40naive-go\"><span "
                              "class=\"badge v-error\">error"));

    char *sec = between(h, "<section id=\"applications\"", "</section>");
    assert_non_null(sec);
    /* One table row per case, one article with one figure per case that is not skipped. */
    assert_int_equal(rt_count(sec, "<tr><td>robust-python</td>"), 2);
    assert_int_equal(rt_count(sec, "<tr><td>naive-go</td>"), 2);
    assert_int_equal(rt_count(sec, "<article class=\"app-case"), 3);
    assert_int_equal(rt_count(sec, "<svg class=\"rb-chart app-chart\""), 3);
    assert_int_equal(rt_count(sec, "<figure class=\"app-figure\">"), 3);
    assert_null(strstr(sec, "data-case=\"app/invalid/stops@robust-python\""));
    assert_non_null(strstr(sec, "<tr><td>robust-python</td><td>app/invalid/stops</td>"));
    assert_non_null(strstr(
        sec, "<a href=\"#app-app~unavailable~backoff_40naive-go\">app/unavailable/backoff</a>"));
    /* The sentences, escaped, as a list; nothing raw. */
    assert_non_null(strstr(sec, "<ul class=\"app-findings\">\n<li>" FIRST_SENTENCE
                                "</li>\n<li>" SECOND_ESCAPED "</li>\n</ul>"));
    assert_null(strstr(h, "<going>"));
    assert_null(strstr(h, "<script>alert"));
    assert_non_null(strstr(sec, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; retrying"));
    /* Exit lines. */
    assert_non_null(strstr(sec, "<p class=\"app-exit\">Exit: exited with code 3 at 2.3 s.</p>"));
    assert_non_null(strstr(sec, "<p class=\"app-exit\">Exit: stopped by the engine at 4.0 s.</p>"));
    assert_non_null(strstr(sec, "<p class=\"app-exit\">Exit: exited with code 127 at 3 ms.</p>"));
    /* The output tail, collapsed. */
    assert_int_equal(rt_count(sec, "<details class=\"app-output\"><summary>output ("), 3);
    free(sec);
    free(h);
}

static void test_html_apps_figure(void **state)
{
    (void)state;
    char *h = render_fixture(sc_report_write_html);
    char *fail = between(h,
                         "<article class=\"app-case vc-fail\" "
                         "id=\"app-app~unavailable~backoff_40naive-go\" data-case=\"app/"
                         "unavailable/backoff@naive-go\">",
                         "</article>");
    assert_non_null(fail);
    /* The calls against their windows, with the reconnect figure's marks: the first call, two
     * out of their windows, one where no call was allowed (no window drawn for it). */
    assert_int_equal(rt_count(fail, "class=\"rb-mark rb-first\""), 1);
    assert_int_equal(rt_count(fail, "class=\"rb-mark rb-out\""), 3);
    assert_int_equal(rt_count(fail, "class=\"rb-window\""), 2);
    assert_non_null(strstr(fail, "<title>call 2 at 730 ms (UNAVAILABLE): gap 500 ms, expected "
                                 "30-170 ms, outside its window</title>"));
    assert_non_null(strstr(fail, "<title>call 4 at 1950 ms (UNAVAILABLE): gap 500 ms, no call "
                                 "allowed here</title>"));
    assert_non_null(strstr(fail, ">4 calls, 3 of 3 gaps out of window</text>"));
    /* Connections, the disruption and the exit. */
    assert_int_equal(rt_count(fail, "class=\"app-conn\""), 1);
    assert_int_equal(rt_count(fail, "class=\"app-conn app-conn-refused\""), 1);
    assert_non_null(strstr(fail, ">2 connections, 1 refused</text>"));
    assert_non_null(strstr(fail, "<title>server restart at 1500 ms</title>"));
    assert_non_null(strstr(fail, "<title>exit: exited with code 3 at 2.3 s</title>"));
    assert_non_null(strstr(fail, "ms since the case start"));
    /* The caption states the policy; the command quotes an argument with a space. */
    assert_non_null(strstr(fail, ": backoff initial 100 ms, multiplier 1.6, jitter 0.2, max 1000 "
                                 "ms, after RESOURCE_EXHAUSTED 1000 ms, max attempts 0, tolerance "
                                 "50 ms; retries after UNAVAILABLE; ignores pushback"));
    assert_non_null(strstr(fail, "<code>'/opt/naive go/consumer' -addr "));
    assert_non_null(strstr(fail, "<summary>4 calls the server saw</summary>"));
    free(fail);

    /* The app that did not start: an empty timeline, still drawn, with its exit. */
    char *err =
        between(h, "<article class=\"app-case vc-error\" id=\"app-app~invalid~stops_40naive-go\"",
                "</article>");
    assert_non_null(err);
    assert_int_equal(rt_count(err, "<svg "), 1);
    assert_null(strstr(err, "rb-mark"));
    assert_non_null(strstr(err, ">0 calls, no gap checked</text>"));
    assert_non_null(strstr(err, "<p class=\"app-reason\">reason: the application did not start"));
    free(err);
    free(h);
}

/* ---- absent, odd and large ---------------------------------------------------------------- */

static void test_apps_absent(void **state)
{
    (void)state;
    const char *reports[] = {
        rt_small_report,
        "{\"cases\":[],\"applications\":[]}",
        "{\"applications\":{\"a\":1}}",
        "{\"applications\":\"none\"}",
    };
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
        cJSON *r = rt_parse(reports[i]);
        char *h, *md, *x;
        assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
        assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
        assert_int_equal(rt_render(sc_report_write_junit, r, &x), 0);
        assert_null(strstr(h, "id=\"applications\""));
        assert_null(strstr(h, "#applications"));
        assert_null(strstr(h, "<article class=\"app-case"));
        assert_null(strstr(md, "## Applications"));
        assert_null(strstr(x, "app:"));
        free(h);
        free(md);
        free(x);
        cJSON_Delete(r);
    }
}

static void test_apps_odd_entries(void **state)
{
    (void)state;
    /* Mistyped fields everywhere, a finding list of strings, failures without findings, an
     * exit by signal, an unknown verdict: every writer succeeds with clean text. */
    cJSON *r = rt_parse(
        "{\"applications\":[1,\"x\",null,{},"
        "{\"app\":\"a\",\"scenario\":\"s1\",\"verdict\":\"fail\",\"findings\":[\"plain <one>\"],"
        "\"calls\":{\"n\":1},\"connections\":[1,{\"t_ms\":\"x\"}],\"disruptions\":[null],"
        "\"exit\":{\"exited\":true,\"signal\":9,\"at_ms\":1200},\"output\":7,\"command\":[1,\"\"]},"
        "{\"app\":\"a\",\"scenario\":\"s2\",\"verdict\":\"fail\",\"findings\":[{\"check\":\"x\"}],"
        "\"failures\":[{\"path\":\"app.calls\",\"expected\":\"4\",\"actual\":\"made 1 call\"}],"
        "\"exit\":{\"exited\":false}},"
        "{\"app\":\"b\",\"scenario\":\"s1\",\"verdict\":\"weird\",\"reconnect\":{\"attempts\":"
        "[{\"start_ms\":1e308},{\"start_ms\":-5,\"gap_ms\":1,\"expected_min_ms\":0,"
        "\"expected_max_ms\":-1}]},\"exit\":{\"signal\":\"SIGKILL\"}}]}");
    char *h, *md, *x;
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    assert_int_equal(rt_render(sc_report_write_junit, r, &x), 0);
    rt_assert_clean_text(h);
    rt_assert_clean_text(md);
    rt_assert_clean_text(x);
    assert_non_null(strstr(h, "<li>plain &lt;one&gt;</li>"));
    assert_non_null(strstr(md, "- made 1 call\n"));
    assert_non_null(strstr(x, "<failure type=\"fail\" message=\"made 1 call\">"));
    assert_non_null(strstr(x, "exit: killed by signal 9 at 1.2 s"));
    assert_non_null(strstr(md, "Exit: did not exit."));
    assert_non_null(strstr(x, "<error type=\"error\" message=\"unknown verdict\">"));
    assert_non_null(strstr(md, "### weird: s1@b"));
    assert_non_null(strstr(x, "<testsuite name=\"app:(none)\""));
    free(h);
    free(md);
    free(x);
    cJSON_Delete(r);
}

static void test_apps_helpers(void **state)
{
    (void)state;
    cJSON *r = rt_parse(
        "{\"applications\":[{\"app\":\"a\",\"scenario\":\"s\",\"exit\":{\"signal\":\"SIGKILL\","
        "\"at_ms\":350}},{\"app\":\"a\",\"scenario\":\"t\",\"exit\":{\"exited\":true,\"at_ms\":"
        "10000}},{\"app\":\"b\",\"scenario\":\"s\"}]}");
    sc_report_apps a;
    char err[128], buf[160];
    assert_int_equal(sc_report_apps_init(&a, r, err, sizeof err), 0);
    assert_int_equal(a.napps, 2);
    assert_int_equal(a.nscenarios, 2);
    assert_non_null(sc_report_apps_find(&a, 1, 0));
    assert_null(sc_report_apps_find(&a, 1, 1));
    assert_null(sc_report_apps_find(&a, 5, 0));
    sc_report_app_exit_text(&a.cases[0], buf, sizeof buf);
    assert_string_equal(buf, "killed by signal SIGKILL at 350 ms");
    sc_report_app_exit_text(&a.cases[1], buf, sizeof buf);
    assert_string_equal(buf, "exited at 10.0 s");
    sc_report_app_exit_text(&a.cases[2], buf, sizeof buf);
    assert_string_equal(buf, "");
    assert_int_equal(a.totals.total, 3);
    assert_int_equal(a.totals.by_verdict[SC_VERDICT_UNKNOWN], 3);
    sc_report_apps_free(&a);
    cJSON_Delete(r);

    /* An output longer than the bound: the tail, from a character boundary. */
    size_t n = SC_REPORT_APP_OUTPUT_MAX + 10;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'a', n);
    memcpy(big + 9, "\xc3\xa9\xc3\xa9", 4); /* "éé": the cut (byte 10) splits the first */
    big[n] = '\0';
    r = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(r, "applications");
    cJSON *k = cJSON_CreateObject();
    cJSON_AddStringToObject(k, "output", big);
    cJSON_AddItemToArray(list, k);
    assert_int_equal(sc_report_apps_init(&a, r, err, sizeof err), 0);
    bool cut;
    const char *tail = sc_report_app_output_tail(&a.cases[0], &cut);
    assert_true(cut);
    assert_int_equal(strlen(tail), SC_REPORT_APP_OUTPUT_MAX - 1);
    assert_int_equal((unsigned char)tail[0], 0xc3);
    sc_report_apps_free(&a);
    cJSON_Delete(r);
    free(big);
}

/* `napps` applications x `nscen` scenarios, every case failing with one finding. */
static cJSON *apps_bulk(size_t napps, size_t nscen)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(r, "applications");
    for (size_t a = 0; a < napps; a++)
        for (size_t s = 0; s < nscen; s++) {
            char name[64];
            cJSON *k = cJSON_CreateObject();
            snprintf(name, sizeof name, "app%03zu", a);
            cJSON_AddStringToObject(k, "app", name);
            snprintf(name, sizeof name, "scen%03zu", s);
            cJSON_AddStringToObject(k, "scenario", name);
            cJSON_AddStringToObject(k, "verdict", "fail");
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "sentence", "made 40 calls in 2.0 s: no backoff");
            cJSON_AddItemToArray(cJSON_AddArrayToObject(k, "findings"), f);
            cJSON_AddItemToArray(list, k);
        }
    return r;
}

static void test_apps_bounds(void **state)
{
    (void)state;
    char want[160];
    cJSON *r = apps_bulk(SC_REPORT_APPS_MAX_COLUMNS + 1, SC_REPORT_APPS_MAX_SCENARIOS / 10 + 1);
    char *md, *h;
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    assert_non_null(strstr(md, "1 more applications not listed."));
    assert_int_equal(rt_count(md, "\n### fail: "), SC_REPORT_APPS_MAX_LISTED);
    size_t total = (SC_REPORT_APPS_MAX_COLUMNS + 1) * (SC_REPORT_APPS_MAX_SCENARIOS / 10 + 1);
    snprintf(want, sizeof want, "%zu more failing application cases not listed",
             total - SC_REPORT_APPS_MAX_LISTED);
    assert_non_null(strstr(md, want));
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_int_equal(rt_count(h, "<article class=\"app-case"), SC_REPORT_HTML_APPS_MAX_FIGURES);
    snprintf(want, sizeof want, "%zu more application cases not drawn (at most %d)",
             total - SC_REPORT_HTML_APPS_MAX_FIGURES, SC_REPORT_HTML_APPS_MAX_FIGURES);
    assert_non_null(strstr(h, want));
    /* The failures list links past the drawn articles to the section. */
    assert_non_null(strstr(h, "<li><a href=\"#applications\">"));
    free(md);
    free(h);
    cJSON_Delete(r);

    r = apps_bulk(1, SC_REPORT_APPS_MAX_SCENARIOS + 3);
    assert_int_equal(rt_render(sc_report_write_markdown, r, &md), 0);
    assert_int_equal(rt_count(md, "\n| scen0"), SC_REPORT_APPS_MAX_SCENARIOS);
    assert_non_null(strstr(md, "3 more app scenarios not listed."));
    free(md);
    cJSON_Delete(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_junit_apps),        cmocka_unit_test(test_markdown_apps),
        cmocka_unit_test(test_html_apps_section), cmocka_unit_test(test_html_apps_figure),
        cmocka_unit_test(test_apps_absent),       cmocka_unit_test(test_apps_odd_entries),
        cmocka_unit_test(test_apps_helpers),      cmocka_unit_test(test_apps_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
