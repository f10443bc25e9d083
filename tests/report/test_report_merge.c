/* sc_report_merge on hand-made shard reports: the refusals that need no real run (version, N,
 * a case in two shards), the run's case order, the recounted summary and the exit rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "sc_report_merge.h"

/* A shard report of the run {a, b, c}: shard k of n holding `ids` with `verdict` each. */
static cJSON *shard(int k, int n, const char *version, const char *const *ids, size_t n_ids,
                    const char *verdict)
{
    char text[2048];
    int len = snprintf(text, sizeof text,
                       "{\"version\": \"%s\", \"complete\": true, \"duration_ms\": %d, "
                       "\"started_at\": \"2026-01-0%dT00:00:00Z\", \"summary\": {}, "
                       "\"shard\": {\"index\": %d, \"count\": %d, "
                       "\"case_ids\": [\"a\", \"b\", \"c\"], \"slice\": []}, \"cases\": [",
                       version, 100 * k, k, k, n);
    for (size_t i = 0; i < n_ids; i++)
        len += snprintf(text + len, sizeof text - (size_t)len,
                        "%s{\"id\": \"%s\", \"verdict\": \"%s\", \"duration_ms\": 5}",
                        i ? ", " : "", ids[i], verdict);
    snprintf(text + len, sizeof text - (size_t)len, "]}");
    cJSON *o = cJSON_Parse(text);
    assert_non_null(o);
    return o;
}

static const char *const names[] = {"s1", "s2", "s3"};

static void merges_in_the_runs_order(void **state)
{
    (void)state;
    const char *one[] = {"c", "a"}, *two[] = {"b"};
    cJSON *s[2] = {shard(2, 2, "1", two, 1, "fail"), shard(1, 2, "1", one, 2, "pass")};
    char err[512];
    cJSON *m = sc_report_merge((const cJSON *const *)s, names, 2, err, sizeof err);
    assert_non_null(m);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(m, "cases");
    const char *want[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++)
        assert_string_equal(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cases, i), "id")->valuestring,
            want[i]);
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(m, "summary");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(sum, "total")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(sum, "passed")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(sum, "failed")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(m, "duration_ms")->valueint, 200);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "started_at")->valuestring,
                        "2026-01-01T00:00:00Z");
    assert_true(sc_report_fails_run(m)); /* b failed */
    cJSON_Delete(m);
    cJSON_Delete(s[0]);
    cJSON_Delete(s[1]);
}

/* Merging s[0..n) fails with a message containing `want`. */
static void refused(cJSON **s, size_t n, const char *want)
{
    char err[512] = "";
    cJSON *m = sc_report_merge((const cJSON *const *)s, names, n, err, sizeof err);
    assert_null(m);
    if (strstr(err, want) == NULL)
        fail_msg("expected \"%s\" in \"%s\"", want, err);
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(s[i]);
}

static void refuses_another_version(void **state)
{
    (void)state;
    const char *one[] = {"a", "c"}, *two[] = {"b"};
    cJSON *s[2] = {shard(1, 2, "1", one, 2, "pass"), shard(2, 2, "2", two, 1, "pass")};
    refused(s, 2, "different versions");
}

static void refuses_another_count(void **state)
{
    (void)state;
    const char *one[] = {"a", "c"}, *two[] = {"b"};
    cJSON *s[2] = {shard(1, 2, "1", one, 2, "pass"), shard(2, 3, "1", two, 1, "pass")};
    refused(s, 2, "different numbers of shards");
}

static void refuses_a_case_in_two_shards(void **state)
{
    (void)state;
    const char *one[] = {"a", "b"}, *two[] = {"b", "c"};
    cJSON *s[2] = {shard(1, 2, "1", one, 2, "pass"), shard(2, 2, "1", two, 2, "pass")};
    refused(s, 2, "case b is in two shards");
}

static void refuses_a_report_without_shard(void **state)
{
    (void)state;
    cJSON *s[1] = {cJSON_Parse("{\"version\": \"1\", \"cases\": []}")};
    refused(s, 1, "not the report of a shard");
}

static void failing_verdicts_fail_the_run(void **state)
{
    (void)state;
    /* a flaky pass and a known failure do not fail the run; an incomplete one does */
    cJSON *r = cJSON_Parse("{\"complete\": true, \"cases\": [{\"verdict\": \"pass\", "
                           "\"known_flaky\": true, \"flaky\": true}, {\"verdict\": "
                           "\"known_failing\"}]}");
    assert_false(sc_report_fails_run(r));
    cJSON_ReplaceItemInObjectCaseSensitive(r, "complete", cJSON_CreateFalse());
    assert_true(sc_report_fails_run(r));
    cJSON_Delete(r);
    /* a known-flaky case that failed its retry too fails the run */
    r = cJSON_Parse("{\"complete\": true, \"cases\": [{\"verdict\": \"fail\", "
                    "\"known_flaky\": true, \"attempts\": 2}]}");
    assert_true(sc_report_fails_run(r));
    cJSON_Delete(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(merges_in_the_runs_order),
        cmocka_unit_test(refuses_another_version),
        cmocka_unit_test(refuses_another_count),
        cmocka_unit_test(refuses_a_case_in_two_shards),
        cmocka_unit_test(refuses_a_report_without_shard),
        cmocka_unit_test(failing_verdicts_fail_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
