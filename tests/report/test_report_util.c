/* Unit tests for reports/sc_report_util: the escapers (XML, HTML, Markdown, JSON in <script>),
 * UTF-8 sanitising, the matrix model built from odd or partial reports, and the reconnect
 * comparison helpers (gap windows, counts, the per-scenario index). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "report_test_support.h"
#include "sc_report_util.h"

#include <math.h>

#define FFFD "\xef\xbf\xbd"

typedef void (*escaper)(FILE *out, const char *s);

static char *esc(escaper fn, const char *s)
{
    rt_cap c;
    rt_open(&c);
    fn(c.out, s);
    return rt_close(&c);
}

static void assert_esc(escaper fn, const char *in, const char *want)
{
    char *got = esc(fn, in);
    assert_string_equal(got, want);
    free(got);
}

static void test_xml_text(void **state)
{
    (void)state;
    assert_esc(sc_report_xml_text, "a<b>&c\"'", "a&lt;b&gt;&amp;c\"'");
    assert_esc(sc_report_xml_text, "tab\tlf\ncr\r", "tab\tlf\ncr&#13;");
    assert_esc(sc_report_xml_text, "]]>", "]]&gt;");
    assert_esc(sc_report_xml_text, "", "");
    assert_esc(sc_report_xml_text, NULL, "");
}

static void test_xml_attr(void **state)
{
    (void)state;
    assert_esc(sc_report_xml_attr, "<&\"'>", "&lt;&amp;&quot;&apos;&gt;");
    assert_esc(sc_report_xml_attr, "a\tb\nc\rd", "a&#9;b&#10;c&#13;d");
    assert_esc(sc_report_xml_attr, "c->python", "c-&gt;python");
}

static void test_forbidden_characters_replaced(void **state)
{
    (void)state;
    /* C0 controls other than TAB/LF/CR, DEL, C1 (U+0085), U+FFFE, U+FFFF. */
    assert_esc(sc_report_xml_text, "\x01\x08\x0b\x0c\x1f\x7f", FFFD FFFD FFFD FFFD FFFD FFFD);
    assert_esc(sc_report_xml_text, "a\xc2\x85z", "a" FFFD "z");
    assert_esc(sc_report_xml_attr, "\xef\xbf\xbe\xef\xbf\xbf", FFFD FFFD);
    assert_esc(sc_report_html, "\x1b[31m", FFFD "[31m");
}

static void test_invalid_utf8_replaced(void **state)
{
    (void)state;
    assert_esc(sc_report_xml_text, "\xff", FFFD);
    assert_esc(sc_report_xml_text, "\xc3(", FFFD "(");                       /* bad continuation */
    assert_esc(sc_report_xml_text, "\xc0\xaf", FFFD FFFD);                   /* overlong '/' */
    assert_esc(sc_report_xml_text, "\xe0\x80\xaf", FFFD FFFD FFFD);          /* overlong, 3 bytes */
    assert_esc(sc_report_xml_text, "\xed\xa0\x80", FFFD FFFD FFFD);          /* surrogate D800 */
    assert_esc(sc_report_xml_text, "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* > U+10FFFF */
    assert_esc(sc_report_xml_text, "ok\xe2\x82", "ok" FFFD FFFD);            /* truncated at end */
    assert_esc(sc_report_html, "\x80x", FFFD "x"); /* stray continuation */
    assert_esc(sc_report_md_inline, "\xfe", FFFD);
}

static void test_valid_unicode_kept(void **state)
{
    (void)state;
    const char *s = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbd \xe2\x80\xa8";
    assert_esc(sc_report_xml_text, s, s);
    assert_esc(sc_report_xml_attr, s, s);
    assert_esc(sc_report_html, s, s);
    assert_esc(sc_report_md_inline, s, s);
}

static void test_utf8_next(void **state)
{
    (void)state;
    uint32_t cp;
    bool valid;
    assert_int_equal(sc_report_utf8_next((const unsigned char *)"A", 1, &cp, &valid), 1);
    assert_true(valid);
    assert_int_equal(cp, 'A');
    assert_int_equal(sc_report_utf8_next((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp, &valid),
                     4);
    assert_true(valid);
    assert_int_equal(cp, 0x1F600);
    /* Only 2 of 4 bytes available: invalid, one byte consumed. */
    assert_int_equal(sc_report_utf8_next((const unsigned char *)"\xf0\x9f", 2, &cp, &valid), 1);
    assert_false(valid);
    assert_int_equal(cp, 0xFFFD);
    assert_true(sc_report_char_ok('\t'));
    assert_false(sc_report_char_ok(0));
    assert_false(sc_report_char_ok(0x9F));
    assert_true(sc_report_char_ok(0xA0));
    assert_true(sc_report_char_ok(0x10FFFF));
    assert_false(sc_report_char_ok(0x110000));
}

static void test_html(void **state)
{
    (void)state;
    assert_esc(sc_report_html, "<script>alert('x&y')</script>\"",
               "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;&quot;");
    assert_esc(sc_report_html, "line\nnext\ttab", "line\nnext\ttab");
    /* element text: quotes stay, the rest as above */
    assert_esc(sc_report_html_text, "<pre>{\"a\": 'x&y'}</pre>",
               "&lt;pre&gt;{\"a\": 'x&amp;y'}&lt;/pre&gt;");
}

static void test_md_inline(void **state)
{
    (void)state;
    assert_esc(sc_report_md_inline, "a|b", "a\\|b");
    assert_esc(sc_report_md_inline, "x\ny", "x<br>y");
    assert_esc(sc_report_md_inline, "x\r\ny\rz", "x<br>y<br>z");
    assert_esc(sc_report_md_inline, "t\tab", "t ab");
    assert_esc(sc_report_md_inline, "known_failing RESOURCE_EXHAUSTED",
               "known_failing RESOURCE_EXHAUSTED");
    assert_esc(sc_report_md_inline, "_x_ a_ _b", "\\_x\\_ a\\_ \\_b");
    assert_esc(sc_report_md_inline, "*[<`\\&~#]", "\\*\\[\\<\\`\\\\\\&\\~\\#\\]");
    assert_esc(sc_report_md_inline, "expect.status: a->b (c) 1..2 \"q\" 'q'",
               "expect.status: a->b (c) 1..2 \"q\" 'q'");
}

static void test_md_code_block(void **state)
{
    (void)state;
    char *got;
    rt_cap c;
    rt_open(&c);
    sc_report_md_code_block(c.out, "plain\r\ntext", "text");
    got = rt_close(&c);
    assert_string_equal(got, "```text\nplain\ntext\n```\n");
    free(got);

    rt_open(&c);
    sc_report_md_code_block(c.out, "a ``` b\n`````\n", NULL);
    got = rt_close(&c);
    assert_string_equal(got, "``````\na ``` b\n`````\n``````\n");
    free(got);

    rt_open(&c);
    sc_report_md_code_block(c.out, "", "json");
    got = rt_close(&c);
    assert_string_equal(got, "```json\n```\n");
    free(got);

    rt_open(&c);
    sc_report_md_code_block(c.out, "ctl\x01\xff", "");
    got = rt_close(&c);
    assert_string_equal(got, "```\nctl" FFFD FFFD "\n```\n");
    free(got);
}

static char *script_json(const cJSON *v)
{
    rt_cap c;
    rt_open(&c);
    assert_int_equal(sc_report_json_for_script(c.out, v), 0);
    return rt_close(&c);
}

static void test_json_for_script(void **state)
{
    (void)state;
    const char *nasty = "</script><!--&\xe2\x80\xa8\xe2\x80\xa9<\xff";
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "a", nasty);
    cJSON_AddNumberToObject(o, "n", 1.5);
    char *got = script_json(o);
    assert_string_equal(got, "{\"a\":\"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u2029\\u003c"
                             "\\ufffd\",\"n\":1.5}");
    assert_null(strstr(got, "</"));
    assert_null(strstr(got, "<!--"));
    /* It is still JSON, and reads back as the same text (invalid byte as U+FFFD). */
    cJSON *back = cJSON_Parse(got);
    assert_non_null(back);
    assert_string_equal(cJSON_GetObjectItem(back, "a")->valuestring,
                        "</script><!--&\xe2\x80\xa8\xe2\x80\xa9<" FFFD);
    cJSON_Delete(back);
    cJSON_Delete(o);
    free(got);

    got = script_json(NULL);
    assert_string_equal(got, "null");
    free(got);
}

static void test_verdicts(void **state)
{
    (void)state;
    const char *names[] = {"pass", "fail", "error", "skip", "known_failing", "stale"};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(sc_report_verdict_parse(names[i]), i);
        assert_string_equal(sc_report_verdict_name((sc_report_verdict)i), names[i]);
    }
    assert_int_equal(sc_report_verdict_parse("PASS"), SC_VERDICT_UNKNOWN);
    assert_int_equal(sc_report_verdict_parse(""), SC_VERDICT_UNKNOWN);
    assert_int_equal(sc_report_verdict_parse(NULL), SC_VERDICT_UNKNOWN);
    assert_true(sc_report_verdict_is_bad(SC_VERDICT_STALE));
    assert_true(sc_report_verdict_is_bad(SC_VERDICT_UNKNOWN));
    assert_false(sc_report_verdict_is_bad(SC_VERDICT_KNOWN_FAILING));
    assert_false(sc_report_verdict_is_bad(SC_VERDICT_SKIP));
}

static void test_fmt_ms(void **state)
{
    (void)state;
    char b[32];
    sc_report_fmt_ms(b, sizeof b, 41);
    assert_string_equal(b, "41 ms");
    sc_report_fmt_ms(b, sizeof b, 1.5);
    assert_string_equal(b, "1.5 ms");
    sc_report_fmt_ms(b, sizeof b, 8123);
    assert_string_equal(b, "8.12 s");
    sc_report_fmt_ms(b, sizeof b, 65000);
    assert_string_equal(b, "65.0 s");
    sc_report_fmt_ms(b, sizeof b, -3);
    assert_string_equal(b, "0 ms");
}

static void test_model_matrix(void **state)
{
    (void)state;
    cJSON *r = cJSON_Parse(
        "{\"clients\":[\"go\",\"c\",\"go\",5],\"servers\":[\"c\"],\"cases\":["
        "{\"scenario\":\"z\",\"client\":\"c\",\"server\":\"c\",\"verdict\":\"pass\"},"
        "{\"scenario\":\"a\",\"client\":\"c\",\"server\":\"c\",\"verdict\":\"fail\"},"
        "{\"scenario\":\"m\",\"client\":\"go\",\"server\":\"c\",\"verdict\":\"pass\","
        "\"attempts\":2},"
        "{\"scenario\":\"q\",\"client\":\"rust\",\"server\":\"java\",\"verdict\":\"skip\"},"
        "{\"id\":\"only-id\",\"client\":\"c\",\"server\":\"c\"}]}");
    assert_non_null(r);
    sc_report_model m;
    char err[128];
    assert_int_equal(sc_report_model_init(&m, r, err, sizeof err), 0);
    assert_int_equal(m.nclients, 3);
    assert_string_equal(m.clients[0], "go");
    assert_string_equal(m.clients[1], "c");
    assert_string_equal(m.clients[2], "rust");
    assert_int_equal(m.nservers, 2);
    assert_string_equal(m.servers[1], "java");
    assert_int_equal(m.ncases, 5);
    /* Row-major cells; within a cell by scenario name. */
    assert_string_equal(m.cases[0].scenario, "m");
    assert_string_equal(m.cases[1].scenario, "a");
    assert_string_equal(m.cases[2].scenario, "only-id");
    assert_string_equal(m.cases[3].scenario, "z");
    assert_string_equal(m.cases[4].scenario, "q");
    size_t cc = sc_report_cell(&m, 1, 0);
    assert_int_equal(m.cell_start[cc + 1] - m.cell_start[cc], 3);
    assert_int_equal(m.cell_counts[cc].by_verdict[SC_VERDICT_UNKNOWN], 1);
    assert_int_equal(m.cell_counts[sc_report_cell(&m, 0, 0)].flaky, 1);
    assert_int_equal(m.cell_counts[sc_report_cell(&m, 0, 1)].total, 0);
    assert_int_equal(m.totals.total, 5);
    assert_int_equal(m.totals.by_verdict[SC_VERDICT_PASS], 2);
    assert_int_equal(m.cell_start[m.nclients * m.nservers], 5);
    sc_report_model_free(&m);
    cJSON_Delete(r);
}

static void test_model_odd_input(void **state)
{
    (void)state;
    sc_report_model m;
    char err[128];
    /* NULL, a non-object, an empty object: an empty matrix, no crash. */
    assert_int_equal(sc_report_model_init(&m, NULL, err, sizeof err), 0);
    assert_int_equal(m.nclients + m.nservers + m.ncases, 0);
    sc_report_model_free(&m);
    cJSON *arr = cJSON_Parse("[1,2,{\"cases\":[]}]");
    assert_int_equal(sc_report_model_init(&m, arr, err, sizeof err), 0);
    assert_int_equal(m.ncases, 0);
    sc_report_model_free(&m);
    cJSON_Delete(arr);

    cJSON *r = rt_load_fixture("report-missing-fields.json");
    assert_non_null(r);
    assert_int_equal(sc_report_model_init(&m, r, err, sizeof err), 0);
    assert_int_equal(m.ncases, 12);
    for (size_t i = 0; i < m.ncases; i++) {
        assert_non_null(m.cases[i].scenario);
        assert_non_null(m.cases[i].client);
        assert_true(m.cases[i].duration_ms >= 0);
    }
    sc_report_model_free(&m);
    cJSON_Delete(r);
}

static void test_field_access(void **state)
{
    (void)state;
    cJSON *o = cJSON_Parse("{\"s\":\"x\",\"n\":3,\"b\":true,\"a\":[1],\"o\":{}}");
    cJSON_AddRawToObject(o, "raw", "2.5");
    cJSON_AddRawToObject(o, "badraw", "[1]");
    assert_string_equal(sc_report_str(o, "s"), "x");
    assert_string_equal(sc_report_str(o, "n"), "");
    assert_string_equal(sc_report_str(NULL, "s"), "");
    assert_true(sc_report_num(o, "n", 0) == 3);
    assert_true(sc_report_num(o, "raw", 0) == 2.5);
    assert_true(sc_report_num(o, "badraw", 7) == 7);
    assert_true(sc_report_num(o, "s", 7) == 7);
    assert_false(sc_report_has_num(o, "b"));
    assert_non_null(sc_report_arr(o, "a"));
    assert_null(sc_report_arr(o, "o"));
    assert_non_null(sc_report_obj(o, "o"));
    char *t = sc_report_text(cJSON_GetObjectItem(o, "a"));
    assert_string_equal(t, "[1]");
    sc_report_text_free(t);
    t = sc_report_text(NULL);
    assert_string_equal(t, "");
    sc_report_text_free(t);
    cJSON_Delete(o);
}

static void test_reconnect_gap(void **state)
{
    (void)state;
    double lo, hi;
    /* Anchored at start_ms - gap_ms; `ok` decides. */
    cJSON *a = cJSON_Parse("{\"start_ms\":400,\"end_ms\":402,\"gap_ms\":308,"
                           "\"expected_min_ms\":78,\"expected_max_ms\":242,\"ok\":false}");
    assert_int_equal(sc_report_reconnect_gap(a, 1e6, &lo, &hi), SC_REPORT_GAP_OUT);
    assert_true(lo == 92 + 78 && hi == 92 + 242);
    cJSON_ReplaceItemInObject(a, "ok", cJSON_CreateTrue());
    assert_int_equal(sc_report_reconnect_gap(a, 0, &lo, &hi), SC_REPORT_GAP_IN);
    /* Without `ok`: from gap_ms and the bounds (inclusive). */
    cJSON_DeleteItemFromObject(a, "ok");
    assert_int_equal(sc_report_reconnect_gap(a, 0, &lo, &hi), SC_REPORT_GAP_OUT);
    cJSON_ReplaceItemInObject(a, "gap_ms", cJSON_CreateNumber(242));
    assert_int_equal(sc_report_reconnect_gap(a, 0, &lo, &hi), SC_REPORT_GAP_IN);
    assert_true(lo == 158 + 78);
    cJSON_ReplaceItemInObject(a, "gap_ms", cJSON_CreateNumber(77));
    assert_int_equal(sc_report_reconnect_gap(a, 0, &lo, &hi), SC_REPORT_GAP_OUT);
    /* No gap_ms: the window hangs from the previous end, nothing to judge. */
    cJSON_DeleteItemFromObject(a, "gap_ms");
    assert_int_equal(sc_report_reconnect_gap(a, 100, &lo, &hi), SC_REPORT_GAP_NONE);
    assert_true(lo == 178 && hi == 342);
    cJSON_Delete(a);
    /* The first attempt, a non-object, NULL: no gap, no window. */
    a = cJSON_Parse("[{\"start_ms\":0,\"end_ms\":3},7]");
    assert_int_equal(sc_report_reconnect_gap(cJSON_GetArrayItem(a, 0), 0, &lo, &hi),
                     SC_REPORT_GAP_NONE);
    assert_true(isnan(lo) && isnan(hi));
    assert_int_equal(sc_report_reconnect_gap(cJSON_GetArrayItem(a, 1), 0, &lo, &hi),
                     SC_REPORT_GAP_NONE);
    assert_int_equal(sc_report_reconnect_gap(NULL, 0, &lo, &hi), SC_REPORT_GAP_NONE);
    /* A failing gap without bounds is still out, with no window to draw. */
    cJSON_Delete(a);
    a = cJSON_Parse("{\"start_ms\":5,\"ok\":false}");
    assert_int_equal(sc_report_reconnect_gap(a, 0, &lo, &hi), SC_REPORT_GAP_OUT);
    assert_true(isnan(lo));
    cJSON_Delete(a);
}

static void test_reconnect_stats(void **state)
{
    (void)state;
    cJSON *a = cJSON_Parse("[{\"start_ms\":0,\"end_ms\":3},\"junk\","
                           "{\"start_ms\":84,\"end_ms\":86,\"gap_ms\":81,"
                           "\"expected_min_ms\":30,\"expected_max_ms\":170,\"ok\":true},"
                           "{\"start_ms\":400,\"end_ms\":402,\"gap_ms\":314,"
                           "\"expected_min_ms\":78,\"expected_max_ms\":242,\"ok\":false},"
                           "{\"start_ms\":500,\"end_ms\":900}]");
    sc_report_reconnect_stats st;
    sc_report_reconnect_stats_of(a, 100, &st);
    assert_int_equal(st.attempts, 4);
    assert_int_equal(st.gaps, 2);
    assert_int_equal(st.out, 1);
    assert_true(st.tmax == 900);
    /* tmax over the first 2 attempts only: the window of attempt 2 ends at 3 + 170. */
    sc_report_reconnect_stats_of(a, 2, &st);
    assert_int_equal(st.attempts, 4);
    assert_true(st.tmax == 173);
    cJSON_Delete(a);
    a = cJSON_Parse("{\"x\":{\"start_ms\":5}}");
    sc_report_reconnect_stats_of(a, 100, &st);
    assert_int_equal(st.attempts, 0);
    sc_report_reconnect_stats_of(NULL, 100, &st);
    assert_int_equal(st.attempts + st.gaps + st.out, 0);
    assert_true(st.tmax == 0);
    cJSON_Delete(a);
}

static void test_reconnect_index(void **state)
{
    (void)state;
    cJSON *r = cJSON_Parse(
        "{\"clients\":[\"c\",\"go\"],\"servers\":[\"c\",\"go\"],\"cases\":["
        "{\"scenario\":\"z\",\"client\":\"go\",\"server\":\"c\",\"verdict\":\"pass\","
        "\"reconnect\":{\"attempts\":[{\"start_ms\":0}]}},"
        "{\"scenario\":\"z\",\"client\":\"c\",\"server\":\"go\",\"verdict\":\"fail\","
        "\"reconnect\":{\"attempts\":[{\"start_ms\":0}]}},"
        "{\"scenario\":\"z\",\"client\":\"go\",\"server\":\"go\",\"verdict\":\"skip\","
        "\"reconnect\":{\"attempts\":[{\"start_ms\":0}]}},"
        "{\"scenario\":\"a\",\"client\":\"go\",\"server\":\"go\",\"verdict\":\"error\","
        "\"reconnect\":{\"attempts\":[{\"start_ms\":0}]}},"
        "{\"scenario\":\"m\",\"client\":\"c\",\"server\":\"c\",\"verdict\":\"pass\","
        "\"reconnect\":{\"attempts\":[]}},"
        "{\"scenario\":\"n\",\"client\":\"c\",\"server\":\"c\",\"verdict\":\"pass\"}]}");
    assert_non_null(r);
    sc_report_model m;
    char err[128];
    assert_int_equal(sc_report_model_init(&m, r, err, sizeof err), 0);
    sc_report_reconnect_index ix;
    assert_int_equal(sc_report_reconnect_index_init(&ix, &m), 0);
    /* "a" (go->go), then "z" (c->go, go->c: cell order); the skipped case and the cases without
     * attempts are left out. */
    assert_int_equal(ix.ngroups, 2);
    assert_int_equal(ix.ncases, 3);
    assert_int_equal(ix.group_start[0], 0);
    assert_int_equal(ix.group_start[1], 1);
    assert_int_equal(ix.group_start[2], 3);
    const sc_report_case *k = &m.cases[ix.cases[0]];
    assert_string_equal(k->scenario, "a");
    k = &m.cases[ix.cases[1]];
    assert_string_equal(k->scenario, "z");
    assert_string_equal(k->client, "c");
    k = &m.cases[ix.cases[2]];
    assert_string_equal(k->client, "go");
    assert_string_equal(k->server, "c");
    sc_report_reconnect_index_free(&ix);
    sc_report_model_free(&m);
    cJSON_Delete(r);
    /* An empty model. */
    assert_int_equal(sc_report_model_init(&m, NULL, err, sizeof err), 0);
    assert_int_equal(sc_report_reconnect_index_init(&ix, &m), 0);
    assert_int_equal(ix.ngroups + ix.ncases, 0);
    assert_int_equal(ix.group_start[0], 0);
    sc_report_reconnect_index_free(&ix);
    sc_report_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_text),
        cmocka_unit_test(test_xml_attr),
        cmocka_unit_test(test_forbidden_characters_replaced),
        cmocka_unit_test(test_invalid_utf8_replaced),
        cmocka_unit_test(test_valid_unicode_kept),
        cmocka_unit_test(test_utf8_next),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_md_inline),
        cmocka_unit_test(test_md_code_block),
        cmocka_unit_test(test_json_for_script),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_fmt_ms),
        cmocka_unit_test(test_model_matrix),
        cmocka_unit_test(test_model_odd_input),
        cmocka_unit_test(test_field_access),
        cmocka_unit_test(test_reconnect_gap),
        cmocka_unit_test(test_reconnect_stats),
        cmocka_unit_test(test_reconnect_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
