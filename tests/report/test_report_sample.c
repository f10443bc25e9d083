/* sc_report_sample (the compact form of a passing case in report.json) and the case anchors of
 * report.html (sc_html_slug). */
#include "report_test_support.h"

#include "sc_report_html.h"
#include "sc_report_html_parts.h"
#include "sc_report_sample.h"

/* A driver result with `n` responses {"n": i} and one responses_ms entry per response. */
static cJSON *result_of(int n)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "case", "get/x@c->c");
    cJSON_AddItemToObject(a, "headers", rt_parse("{\"k\":\"v\"}"));
    cJSON_AddItemToObject(a, "trailers", rt_parse("{}"));
    cJSON_AddItemToObject(a, "attempts", rt_parse("[{\"start_ms\":0,\"code\":\"OK\"}]"));
    cJSON_AddItemToObject(a, "status", rt_parse("{\"code\":\"OK\",\"message\":\"\"}"));
    cJSON *rs = cJSON_AddArrayToObject(a, "responses");
    cJSON *t = cJSON_AddObjectToObject(a, "timings");
    cJSON *ms = cJSON_AddArrayToObject(t, "responses_ms");
    cJSON_AddNumberToObject(t, "status_ms", 99);
    cJSON_AddNullToObject(t, "headers_ms");
    cJSON_AddStringToObject(a, "response_encoding", "identity");
    for (int i = 0; i < n; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "n", i);
        cJSON_AddItemToArray(rs, m);
        cJSON_AddItemToArray(ms, cJSON_CreateNumber(1000 + i));
    }
    return a;
}

static int nth(const cJSON *list, int i, const char *key)
{
    const cJSON *x = cJSON_GetArrayItem(list, i);
    return key ? (int)cJSON_GetObjectItem(x, key)->valuedouble : (int)x->valuedouble;
}

static void test_keeps_all(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        bool full, keeps;
    } rows[] = {
        {"{\"verdict\":\"pass\"}", false, false},
        {"{\"verdict\":\"skip\"}", false, false},
        {"{\"verdict\":\"pass\"}", true, true},
        {"{\"verdict\":\"pass\",\"flaky\":true}", false, true},
        {"{\"verdict\":\"fail\"}", false, true},
        {"{\"verdict\":\"error\"}", false, true},
        {"{\"verdict\":\"known_failing\"}", false, true},
        {"{\"verdict\":\"stale\"}", false, true},
        {"{}", false, true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cJSON *c = rt_parse(rows[i].json);
        assert_int_equal(sc_report_case_keeps_all(c, rows[i].full), rows[i].keeps);
        cJSON_Delete(c);
    }
}

/* First HEAD and last TAIL responses, the same responses_ms, the count preserved. */
static void test_first_and_last(void **state)
{
    (void)state;
    cJSON *a = result_of(10000);
    assert_int_equal(sc_report_sample_result(a), 0);
    const cJSON *rs = cJSON_GetObjectItem(a, "responses");
    const cJSON *ms = cJSON_GetObjectItem(cJSON_GetObjectItem(a, "timings"), "responses_ms");
    assert_int_equal(cJSON_GetArraySize(rs), SC_REPORT_SAMPLE_HEAD + SC_REPORT_SAMPLE_TAIL);
    assert_int_equal(cJSON_GetArraySize(ms), SC_REPORT_SAMPLE_HEAD + SC_REPORT_SAMPLE_TAIL);
    static const int want[] = {0, 1, 2, 9997, 9998, 9999};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(nth(rs, i, "n"), want[i]);
        assert_int_equal(nth(ms, i, NULL), 1000 + want[i]);
    }
    assert_int_equal((int)cJSON_GetObjectItem(a, "responses_total")->valuedouble, 10000);
    assert_null(cJSON_GetObjectItem(a, "case"));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "status"), "code")->valuestring,
                        "OK");
    cJSON_Delete(a);
}

/* HEAD + TAIL responses or fewer: all kept, the count added. */
static void test_short_stream_whole(void **state)
{
    (void)state;
    for (int n = 0; n <= SC_REPORT_SAMPLE_HEAD + SC_REPORT_SAMPLE_TAIL; n++) {
        cJSON *a = result_of(n), *before = cJSON_Duplicate(a, true);
        assert_int_equal(sc_report_sample_result(a), 0);
        assert_true(cJSON_Compare(cJSON_GetObjectItem(a, "responses"),
                                  cJSON_GetObjectItem(before, "responses"), true));
        assert_int_equal((int)cJSON_GetObjectItem(a, "responses_total")->valuedouble, n);
        cJSON_Delete(a);
        cJSON_Delete(before);
    }
}

/* One message of 10000 data points and a long string: arrays keep their ends, strings their
 * start, and the message says how long it was. */
static void test_message_bounded(void **state)
{
    (void)state;
    cJSON *m = cJSON_CreateObject();
    cJSON *dp = cJSON_AddArrayToObject(m, "dataPoints");
    for (int i = 0; i < 10000; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "i", i);
        cJSON_AddItemToArray(dp, p);
    }
    char topic[300];
    memset(topic, 'x', sizeof topic - 1);
    topic[sizeof topic - 1] = '\0';
    cJSON_AddStringToObject(m, "topic", topic);
    char *whole = cJSON_PrintUnformatted(m);
    cJSON *s = sc_report_sample_message(m);
    assert_non_null(s);
    const cJSON *kept = cJSON_GetObjectItem(s, "dataPoints");
    assert_int_equal(cJSON_GetArraySize(kept), 2 * SC_REPORT_SAMPLE_ARRAY_KEEP);
    assert_int_equal(nth(kept, 0, "i"), 0);
    assert_int_equal(nth(kept, 2 * SC_REPORT_SAMPLE_ARRAY_KEEP - 1, "i"), 9999);
    assert_int_equal(strlen(cJSON_GetObjectItem(s, "topic")->valuestring),
                     SC_REPORT_SAMPLE_STRING_MAX);
    assert_int_equal((size_t)cJSON_GetObjectItem(s, SC_REPORT_SAMPLE_TRIMMED_KEY)->valuedouble,
                     strlen(whole));
    char *text = cJSON_PrintUnformatted(s);
    assert_true(strlen(text) <= SC_REPORT_SAMPLE_MESSAGE_MAX);
    cJSON_free(text);
    cJSON_free(whole);
    cJSON_Delete(s);
    cJSON_Delete(m);
}

/* A small message is copied as it is; a wide one (many keys) becomes the marker alone. */
static void test_message_small_or_wide(void **state)
{
    (void)state;
    cJSON *m = rt_parse("{\"dataPoints\":[{\"id\":\"a\",\"value\":1.5}],\"n\":\"7\"}");
    cJSON *s = sc_report_sample_message(m);
    assert_true(cJSON_Compare(s, m, true));
    cJSON_Delete(s);
    cJSON_Delete(m);
    m = cJSON_CreateObject();
    cJSON *map = cJSON_AddObjectToObject(m, "labels");
    char key[32], longer[100];
    memset(longer, 'y', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        cJSON_AddStringToObject(map, key, longer);
    }
    s = sc_report_sample_message(m);
    assert_int_equal(cJSON_GetArraySize(s), 1);
    assert_non_null(cJSON_GetObjectItem(s, SC_REPORT_SAMPLE_TRIMMED_KEY));
    cJSON_Delete(s);
    cJSON_Delete(m);
}

/* A string is cut on a character boundary: no half UTF-8 sequence. */
static void test_string_cut_utf8(void **state)
{
    (void)state;
    char text[200] = "b"; /* "b", then 60 x "\u00e9" (2 bytes each): byte 64 is a second byte */
    for (int i = 0; i < 60; i++)
        strcat(text, "\xc3\xa9");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "s", text);
    cJSON *s = sc_report_sample_message(m);
    const char *cut = cJSON_GetObjectItem(s, "s")->valuestring;
    assert_int_equal(strlen(cut), SC_REPORT_SAMPLE_STRING_MAX - 1);
    rt_assert_clean_text(cut);
    cJSON_Delete(s);
    cJSON_Delete(m);
}

static const char passing_case[] =
    "{\"id\":\"get/large@c->go\",\"scenario\":\"get/large\",\"summary\":\"s\",\"origin\":\"o\","
    "\"tags\":[\"t\"],\"method\":\"GetData\",\"client\":\"c\",\"server\":\"go\","
    "\"verdict\":\"pass\",\"reason\":\"\",\"attempts\":1,\"flaky\":false,\"duration_ms\":5,"
    "\"start_ms\":1,\"failures\":[],\"expected\":{\"status\":\"OK\"},\"trace\":null,"
    "\"stderr\":\"\",\"companions\":[{\"case\":\"get/large@c->go#1\",\"expected\":{},"
    "\"actual\":{\"case\":\"get/large@c->go#1\",\"responses\":[1,2,3,4,5,6,7,8],"
    "\"attempts\":[{\"code\":\"UNAVAILABLE\"},{\"code\":\"OK\"}]}}]}";

/* A known failure keeps everything but a sample of its responses; --full keeps it whole. */
static void test_known_failing_samples_responses_only(void **state)
{
    (void)state;
    cJSON *c = rt_parse("{\"id\":\"chat/x@c->go\",\"verdict\":\"known_failing\","
                        "\"expected\":{\"status\":\"OK\"},\"failures\":[\"why\"],"
                        "\"trace\":{\"x\":1},\"stderr\":\"e\",\"companions\":[{\"actual\":"
                        "{\"responses\":[1,2,3,4,5,6,7,8,9]}}]}");
    cJSON_AddItemToObject(c, "actual", result_of(100));
    assert_true(sc_report_case_samples_responses(c, false));
    assert_false(sc_report_case_samples_responses(c, true));
    assert_int_equal(sc_report_compact_case(c, false), 0);
    static const char *const kept[] = {"expected", "failures", "trace", "stderr"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        assert_non_null(cJSON_GetObjectItem(c, kept[i]));
    assert_null(cJSON_GetObjectItem(c, "sampled"));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c, "sampled_responses")));
    const cJSON *a = cJSON_GetObjectItem(c, "actual");
    assert_non_null(cJSON_GetObjectItem(a, "headers")); /* a difference may be in them */
    assert_int_equal(cJSON_GetObjectItem(a, "responses_total")->valueint, 100);
    const cJSON *rs = cJSON_GetObjectItem(a, "responses");
    assert_int_equal(cJSON_GetArraySize(rs), SC_REPORT_SAMPLE_HEAD + SC_REPORT_SAMPLE_TAIL);
    assert_int_equal(nth(rs, 0, "n"), 0);
    assert_int_equal(nth(rs, SC_REPORT_SAMPLE_HEAD + SC_REPORT_SAMPLE_TAIL - 1, "n"), 99);
    const cJSON *ca =
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "companions"), 0), "actual");
    assert_int_equal(cJSON_GetObjectItem(ca, "responses_total")->valueint, 9);
    cJSON_Delete(c);

    cJSON *whole = rt_parse("{\"verdict\":\"known_failing\"}");
    cJSON_AddItemToObject(whole, "actual", result_of(100));
    assert_int_equal(sc_report_compact_case(whole, true), 0);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(whole, "actual"), "responses")),
        100);
    assert_null(cJSON_GetObjectItem(whole, "sampled_responses"));
    cJSON_Delete(whole);
}

static void test_case_compact(void **state)
{
    (void)state;
    cJSON *c = rt_parse(passing_case);
    cJSON_AddItemToObject(c, "actual", result_of(100));
    assert_false(sc_report_case_keeps_all(c, false));
    assert_int_equal(sc_report_sample_case(c), 0);
    /* Left out: what the scenario file has, and the defaults (an empty reason, one attempt). */
    static const char *const gone[] = {"summary",  "origin", "tags",    "method",
                                       "expected", "trace",  "stderr",  "flaky",
                                       "failures", "reason", "attempts"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        assert_null(cJSON_GetObjectItem(c, gone[i]));
    static const char *const kept[] = {"id",      "scenario", "client",      "server",
                                       "verdict", "start_ms", "duration_ms", "companions"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        assert_non_null(cJSON_GetObjectItem(c, kept[i]));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c, "sampled")));
    const cJSON *a = cJSON_GetObjectItem(c, "actual");
    assert_int_equal((int)cJSON_GetObjectItem(a, "responses_total")->valuedouble, 100);
    assert_null(cJSON_GetObjectItem(a, "headers"));
    assert_null(cJSON_GetObjectItem(a, "trailers"));
    assert_null(cJSON_GetObjectItem(a, "attempts")); /* one attempt: status and timings say it */
    assert_non_null(cJSON_GetObjectItem(a, "status"));
    /* Defaults left out: an empty status message, identity, a timing that did not happen. */
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "status"), "code")->valuestring,
                        "OK");
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "status"), "message"));
    assert_null(cJSON_GetObjectItem(a, "response_encoding"));
    const cJSON *t = cJSON_GetObjectItem(a, "timings");
    assert_null(cJSON_GetObjectItem(t, "headers_ms"));
    assert_int_equal((int)cJSON_GetObjectItem(t, "status_ms")->valuedouble, 99);
    const cJSON *comp = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "companions"), 0);
    assert_null(cJSON_GetObjectItem(comp, "expected"));
    assert_string_equal(cJSON_GetObjectItem(comp, "case")->valuestring, "get/large@c->go#1");
    const cJSON *ca = cJSON_GetObjectItem(comp, "actual");
    assert_int_equal((int)cJSON_GetObjectItem(ca, "responses_total")->valuedouble, 8);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ca, "responses")), 6);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ca, "attempts")), 2); /* retries */
    cJSON_Delete(c);
}

/* Only defaults are left out: a skip's reason, a compressed stream, a status text stay. */
static void test_case_keeps_non_defaults(void **state)
{
    (void)state;
    cJSON *c = rt_parse("{\"id\":\"get/x@c->go\",\"verdict\":\"skip\",\"attempts\":0,"
                        "\"reason\":\"needs server feature 'control'\",\"actual\":{"
                        "\"status\":{\"code\":\"CANCELLED\",\"message\":\"Call cancelled\"},"
                        "\"response_encoding\":\"gzip\",\"timings\":{\"status_ms\":0}}}");
    assert_int_equal(sc_report_compact_case(c, false), 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c, "sampled")));
    assert_string_equal(cJSON_GetObjectItem(c, "reason")->valuestring,
                        "needs server feature 'control'");
    assert_int_equal((int)cJSON_GetObjectItem(c, "attempts")->valuedouble, 0);
    const cJSON *a = cJSON_GetObjectItem(c, "actual");
    assert_string_equal(cJSON_GetObjectItem(a, "response_encoding")->valuestring, "gzip");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(a, "status"), "message")->valuestring,
        "Call cancelled");
    assert_int_equal(
        (int)cJSON_GetObjectItem(cJSON_GetObjectItem(a, "timings"), "status_ms")->valuedouble, 0);
    cJSON_Delete(c);
}

/* ---- anchors ------------------------------------------------------------------------------ */

static char *slug_of(const char *id)
{
    rt_cap cap;
    sc_html_slug(rt_open(&cap), id);
    return rt_close(&cap);
}

static void test_slug_stable_and_safe(void **state)
{
    (void)state;
    char *s = slug_of("subscribe/cancel/after-responses@c->python+tls");
    assert_string_equal(s, "subscribe~cancel~after-responses_40c-_3Epython_2Btls");
    free(s);
    static const char *const odd[] = {"a\"b<c>&'d e", "\xc3\xa9t\xc3\xa9@go->c#1", "", "x\ty"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        s = slug_of(odd[i]);
        for (const char *p = s; *p; p++)
            assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789-._~",
                                   *p));
        free(s);
    }
}

/* Distinct ids, distinct slugs: the ones a naive mapping would merge. */
static void test_slug_unique(void **state)
{
    (void)state;
    static const char *const ids[] = {"a/b", "a~b", "a_b", "a_7Eb", "a_2Fb",  "a b",
                                      "a-b", "a.b", "a@b", "a->b",  "a-_3Eb", "A/b"};
    size_t n = sizeof ids / sizeof ids[0];
    char *slugs[sizeof ids / sizeof ids[0]];
    for (size_t i = 0; i < n; i++)
        slugs[i] = slug_of(ids[i]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(slugs[i], slugs[j]) == 0)
                fail_msg("%s and %s share the slug %s", ids[i], ids[j], slugs[i]);
    for (size_t i = 0; i < n; i++)
        free(slugs[i]);
}

/* report.html: a sampled pass is one line anchored by its id; a failure is a whole <details>,
 * linked from the failures list by the same kind of anchor. */
static void test_html_anchors(void **state)
{
    (void)state;
    cJSON *r = rt_parse(rt_small_report);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "cases"), 0);
    cJSON_AddItemToObject(first, "actual", result_of(20));
    assert_int_equal(sc_report_sample_case(first), 0);
    char *h;
    assert_int_equal(rt_render(sc_report_write_html, r, &h), 0);
    assert_non_null(strstr(h, "<p class=\"case-line vc-pass\" id=\"case-get~happy_40c-_3Ec\">"));
    assert_non_null(strstr(h, ", OK, 20 responses, status at 99 ms"));
    assert_non_null(
        strstr(h, "<details class=\"case vc-fail\" id=\"case-subscribe~cancel_40c-_3Ego\""));
    assert_non_null(strstr(h, "<a href=\"#case-subscribe~cancel_40c-_3Ego\""));
    assert_null(strstr(h, "id=\"case-0\""));
    free(h);
    cJSON_Delete(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keeps_all),
        cmocka_unit_test(test_known_failing_samples_responses_only),
        cmocka_unit_test(test_first_and_last),
        cmocka_unit_test(test_short_stream_whole),
        cmocka_unit_test(test_message_bounded),
        cmocka_unit_test(test_message_small_or_wide),
        cmocka_unit_test(test_string_cut_utf8),
        cmocka_unit_test(test_case_compact),
        cmocka_unit_test(test_case_keeps_non_defaults),
        cmocka_unit_test(test_slug_stable_and_safe),
        cmocka_unit_test(test_slug_unique),
        cmocka_unit_test(test_html_anchors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
