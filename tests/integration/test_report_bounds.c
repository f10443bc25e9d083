/* Report bounds (issue 16, "Reports"): `run` on c x c over loopback. A passing case with many
 * responses, and one with a single message of 10000 data points, keep in report.json their counts,
 * timings and a bounded sample, under a fixed size; a failing case keeps every response and its
 * expectations; `run --full` keeps the passing case whole; report.html anchors each case by a
 * slug of its id. Then the project's heaviest scenarios (large messages, compression, slow
 * receivers, connection backoff) on c x c: every passing case within a fixed size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define IT_RUN_DIR_TEMPLATE "/tmp/sc-it-bounds-XXXXXX"
#include "it_run.h"

/* Responses the streaming scenarios get: well over the sample (3 first + 3 last). */
#define RESPONSES 40
/* Most bytes of a passing case's entry in report.json (compact JSON): what a sampled case of
 * this size needs (about 1 KiB), with room; the whole entry of the streaming case is ~6 KiB and
 * the 10000-point one ~1 MiB, so a missed sample cannot pass. */
#define PASS_CASE_MAX 2048
/* The same bound for the project's heaviest scenarios (below): a reconnect case keeps its
 * attempts and its `reconnect` block, about 2.3 KiB today. */
#define REAL_PASS_CASE_MAX 4096
/* The project's scenarios with the biggest responses (the main job's biggest cases by size),
 * and connection backoff (the biggest sampled cases): 42 cases on c x c, a few seconds. */
#define HEAVY                                                                                      \
    "get/large/**,plain/large/**,compression/**,chat/resource-exhausted/**,fault/refuse/**"
/* Responses a sampled case keeps (reports/sc_report_sample.h: HEAD + TAIL). */
#define SAMPLED 6

static const char stream_fmt[] = "{\"name\": \"%s\", \"method\": \"SubscribeData\",\n"
                                 " \"client\": {\"requests\": [{\"topics\": [\"t\"], "
                                 "\"batchSize\": 3}], \"timeout_ms\": 10000},\n"
                                 " \"server\": {\"max_responses\": %d, \"response_delay_ms\": 1},\n"
                                 " \"expect\": {\"status\": \"OK\", \"responses\": %d}}\n";
static const char big[] =
    "{\"name\": \"t/big\", \"method\": \"GetData\",\n"
    " \"client\": {\"requests\": [{\"subscriptionId\": \"big\", \"topics\": [\"x\"],\n"
    "                           \"batchSize\": 10000}], \"timeout_ms\": 20000},\n"
    " \"expect\": {\"status\": \"OK\", \"responses\": 1}}\n";

static int run_rc, full_rc;

static int run_into(const char *out, bool full)
{
    client_proc p;
    const char *sc = path_in("sc");
    return full ? streamconform(&p, "run", sc, "--clients", "c", "--servers", "c", "--out",
                                path_in(out), "-q", "--full", NULL)
                : streamconform(&p, "run", sc, "--clients", "c", "--servers", "c", "--out",
                                path_in(out), "-q", NULL);
}

static int group_setup(void **state)
{
    if (it_setup(state) != 0 || mkdir(path_in("sc"), 0755) != 0)
        return -1;
    char text[1024];
    snprintf(text, sizeof text, stream_fmt, "t/many", RESPONSES, RESPONSES);
    write_file("sc/many.json", text);
    /* fails: one response more expected than the server sends */
    snprintf(text, sizeof text, stream_fmt, "t/many-fail", RESPONSES, RESPONSES + 1);
    write_file("sc/many-fail.json", text);
    write_file("sc/big.json", big);
    run_rc = run_into("out", false);
    full_rc = run_into("full", true);
    return 0;
}

static size_t compact_size(const cJSON *v)
{
    char *text = cJSON_PrintUnformatted(v);
    assert_non_null(text);
    size_t n = strlen(text);
    cJSON_free(text);
    return n;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static void passing_stream_is_sampled(void **state)
{
    (void)state;
    assert_int_equal(run_rc, 1); /* t/many-fail */
    cJSON *rep = read_report(path_in("out"));
    const cJSON *c = find_in(rep, "cases", "t/many@c->c");
    assert_string_equal(field(c, "verdict"), "pass");
    assert_true(cJSON_IsTrue(get(c, "sampled")));
    assert_true(compact_size(c) <= PASS_CASE_MAX);
    const cJSON *a = get(c, "actual");
    assert_int_equal(get(a, "responses_total")->valueint, RESPONSES);
    assert_int_equal(cJSON_GetArraySize(get(a, "responses")), SAMPLED);
    assert_int_equal(cJSON_GetArraySize(get(get(a, "timings"), "responses_ms")), SAMPLED);
    assert_string_equal(field(get(a, "status"), "code"), "OK");
    assert_true(get(c, "duration_ms")->valuedouble >= 0);
    assert_null(get(c, "expected"));
    cJSON_Delete(rep);
}

static void passing_big_message_is_bounded(void **state)
{
    (void)state;
    cJSON *rep = read_report(path_in("out"));
    const cJSON *c = find_in(rep, "cases", "t/big@c->c");
    assert_string_equal(field(c, "verdict"), "pass");
    assert_true(compact_size(c) <= PASS_CASE_MAX);
    const cJSON *msg = cJSON_GetArrayItem(get(get(c, "actual"), "responses"), 0);
    assert_true(get(msg, "$trimmed")->valuedouble > 100000); /* the whole message's length */
    assert_int_equal(get(get(c, "actual"), "responses_total")->valueint, 1);
    cJSON_Delete(rep);
}

static void failing_case_is_whole(void **state)
{
    (void)state;
    cJSON *rep = read_report(path_in("out"));
    const cJSON *c = find_in(rep, "cases", "t/many-fail@c->c");
    assert_string_equal(field(c, "verdict"), "fail");
    assert_null(get(c, "sampled"));
    const cJSON *a = get(c, "actual");
    assert_int_equal(cJSON_GetArraySize(get(a, "responses")), RESPONSES);
    assert_null(get(a, "responses_total"));
    assert_non_null(get(c, "expected"));
    assert_true(cJSON_GetArraySize(get(c, "failures")) >= 1);
    cJSON_Delete(rep);
}

static void full_keeps_passing_case_whole(void **state)
{
    (void)state;
    assert_int_equal(full_rc, 1);
    cJSON *rep = read_report(path_in("full"));
    const cJSON *c = find_in(rep, "cases", "t/many@c->c");
    assert_null(get(c, "sampled"));
    assert_int_equal(cJSON_GetArraySize(get(get(c, "actual"), "responses")), RESPONSES);
    assert_non_null(get(c, "expected"));
    cJSON_Delete(rep);
}

/* report.html: every case anchored by its id's slug, the failures list linking to it. */
static void html_anchors_from_ids(void **state)
{
    (void)state;
    char file[600];
    snprintf(file, sizeof file, "%s/report.html", path_in("out"));
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    static char html[4 * 1024 * 1024];
    size_t n = fread(html, 1, sizeof html - 1, f);
    fclose(f);
    html[n] = '\0';
    assert_non_null(strstr(html, "id=\"case-t~many_40c-_3Ec\""));
    assert_non_null(strstr(html, "id=\"case-t~big_40c-_3Ec\""));
    assert_non_null(strstr(html, "id=\"case-t~many-fail_40c-_3Ec\""));
    assert_non_null(strstr(html, "href=\"#case-t~many-fail_40c-_3Ec\""));
}

/* The project's heaviest scenarios on c x c: every sampled case within REAL_PASS_CASE_MAX. */
static void heavy_scenarios_stay_bounded(void **state)
{
    (void)state;
    client_proc p;
    streamconform(&p, "run", SC_SOURCE_DIR "/scenarios", "--clients", "c", "--servers", "c",
                  "--run", HEAVY, "--known-failing", SC_SOURCE_DIR "/scenarios/known-failing.txt",
                  "--out", path_in("heavy"), "-q", NULL);
    cJSON *rep = read_report(path_in("heavy"));
    const cJSON *c;
    int sampled = 0;
    cJSON_ArrayForEach(c, get(rep, "cases"))
    {
        if (!cJSON_IsTrue(get(c, "sampled")))
            continue;
        sampled++;
        if (compact_size(c) > REAL_PASS_CASE_MAX)
            fail_msg("%s: %zu bytes in report.json", field(c, "id"), compact_size(c));
    }
    assert_true(sampled >= 20);
    cJSON_Delete(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(passing_stream_is_sampled),
        cmocka_unit_test(passing_big_message_is_bounded),
        cmocka_unit_test(failing_case_is_whole),
        cmocka_unit_test(full_keeps_passing_case_whole),
        cmocka_unit_test(html_anchors_from_ids),
        cmocka_unit_test(heavy_scenarios_stay_bounded),
    };
    return cmocka_run_group_tests(tests, group_setup, it_teardown);
}
