/* run --shard K/N and merge: a small scenario set run once whole and once as 3 shards; the merged
 * report has the whole run's cases, verdicts and totals; merge refuses a missing shard, a shard
 * given twice and a shard of another case list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define IT_RUN_DIR_TEMPLATE "/tmp/sc-it-shard-XXXXXX"
#include "it_run.h"

/* Shards of the test run: more than one case each, fewer than the cases. */
#define SHARDS 3

/* A scenario that passes (GetData, one response); `name` differs per file. */
static const char passing_fmt[] =
    "{\"name\": \"%s\", \"method\": \"GetData\",\n"
    " \"client\": {\"requests\": [{\"subscriptionId\": \"s\", \"topics\": [\"a\"]}],\n"
    "            \"timeout_ms\": 5000},\n"
    " \"expect\": {\"status\": \"OK\", \"responses\": 1}}\n";
/* One that fails on purpose: the merged exit status must be run's (1). */
static const char failing[] =
    "{\"name\": \"t/fail\", \"method\": \"GetData\",\n"
    " \"client\": {\"requests\": [{\"subscriptionId\": \"s\", \"topics\": [\"a\"]}],\n"
    "            \"timeout_ms\": 5000},\n"
    " \"server\": {\"fail\": {\"code\": \"NOT_FOUND\"}},\n"
    " \"expect\": {\"status\": \"OK\"}}\n";

static int whole_rc, shard_rc[SHARDS + 1];

static int run_into(const char *out, const char *shard, const char *scenarios)
{
    client_proc p;
    int rc = shard != NULL
                 ? streamconform(&p, "run", path_in(scenarios), "--clients", "c", "--servers", "c",
                                 "--shard", shard, "--out", path_in(out), "-q", NULL)
                 : streamconform(&p, "run", path_in(scenarios), "--clients", "c", "--servers", "c",
                                 "--out", path_in(out), "-q", NULL);
    return rc;
}

/* The scenarios, the whole run, the 3 shards, and shard 3/3 of a smaller set. */
static int group_setup(void **state)
{
    if (it_setup(state) != 0 || mkdir(path_in("sc"), 0755) != 0 ||
        mkdir(path_in("fewer"), 0755) != 0)
        return -1;
    static const char *const names[] = {"t/a", "t/b", "t/c", "t/d", "t/e"};
    char text[1024], file[64];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(text, sizeof text, passing_fmt, names[i]);
        snprintf(file, sizeof file, "sc/%zu.json", i);
        write_file(file, text);
        if (i < 2) {
            snprintf(file, sizeof file, "fewer/%zu.json", i);
            write_file(file, text);
        }
    }
    write_file("sc/fail.json", failing);
    whole_rc = run_into("whole", NULL, "sc");
    for (int k = 1; k <= SHARDS; k++) {
        char out[16], shard[16];
        snprintf(out, sizeof out, "s%d", k);
        snprintf(shard, sizeof shard, "%d/%d", k, SHARDS);
        shard_rc[k] = run_into(out, shard, "sc");
    }
    return run_into("other3", "3/3", "fewer") == 0 ? 0 : -1;
}

/* `streamconform merge DIRS... --out OUT`: its exit code, stderr in `err`. */
static int merge(const char *out, const char *a, const char *b, const char *c, char *err,
                 size_t len)
{
    client_proc p;
    int rc = streamconform(&p, "merge", path_in(a), path_in(b), c ? path_in(c) : "--out",
                           c ? "--out" : path_in(out), c ? path_in(out) : NULL, NULL);
    snprintf(err, len, "%s", p.err.data);
    return rc;
}

static void shards_hold_every_case_once(void **state)
{
    (void)state;
    assert_int_equal(whole_rc, 1); /* t/fail */
    size_t total = 0;
    for (int k = 1; k <= SHARDS; k++) {
        char out[16];
        snprintf(out, sizeof out, "s%d", k);
        cJSON *rep = read_report(path_in(out));
        const cJSON *shard = cJSON_GetObjectItemCaseSensitive(rep, "shard");
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(shard, "index")->valueint, k);
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(shard, "count")->valueint, SHARDS);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(shard, "case_ids")),
                         6);
        int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rep, "cases"));
        assert_int_equal(n, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(shard, "slice")));
        assert_true(n >= 1); /* 6 equal cases in 3 slices: 2 each */
        total += (size_t)n;
        cJSON_Delete(rep);
    }
    assert_int_equal(total, 6);
}

static void merged_report_equals_the_whole_run(void **state)
{
    (void)state;
    char err[4096];
    assert_int_equal(merge("merged", "s3", "s1", "s2", err, sizeof err), whole_rc);
    cJSON *whole = read_report(path_in("whole")), *merged = read_report(path_in("merged"));
    const cJSON *wc = cJSON_GetObjectItemCaseSensitive(whole, "cases");
    const cJSON *mc = cJSON_GetObjectItemCaseSensitive(merged, "cases");
    assert_int_equal(cJSON_GetArraySize(wc), cJSON_GetArraySize(mc));
    for (int i = 0; i < cJSON_GetArraySize(wc); i++) {
        const cJSON *a = cJSON_GetArrayItem(wc, i), *b = cJSON_GetArrayItem(mc, i);
        assert_string_equal(field(a, "id"), field(b, "id")); /* the whole run's order */
        assert_string_equal(field(a, "verdict"), field(b, "verdict"));
        assert_string_equal(field(a, "reason"), field(b, "reason"));
        /* the passes stay sampled as the whole run's (docs/report-format.md, "Sampled cases") */
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "sampled")),
                         cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "sampled")));
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "sampled")),
                         strcmp(field(b, "verdict"), "pass") == 0);
    }
    assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(whole, "summary"),
                              cJSON_GetObjectItemCaseSensitive(merged, "summary"), true));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(merged, "complete")));
    const char *files[] = {"junit.xml", "summary.md", "report.html"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char f[64];
        snprintf(f, sizeof f, "merged/%s", files[i]);
        struct stat st;
        assert_int_equal(stat(path_in(f), &st), 0);
        assert_true(st.st_size > 0);
    }
    cJSON_Delete(whole);
    cJSON_Delete(merged);
}

static void merge_refuses_a_missing_shard(void **state)
{
    (void)state;
    char err[4096];
    assert_int_equal(merge("m-missing", "s1", "s2", NULL, err, sizeof err), 2);
    assert_non_null(strstr(err, "shard 3/3 is missing"));
}

static void merge_refuses_a_shard_given_twice(void **state)
{
    (void)state;
    char err[4096];
    assert_int_equal(merge("m-twice", "s1", "s2", "s2", err, sizeof err), 2);
    assert_non_null(strstr(err, "shard 2/3 is given twice"));
}

static void merge_refuses_shards_of_another_case_list(void **state)
{
    (void)state;
    char err[4096];
    assert_int_equal(merge("m-other", "s1", "s2", "other3", err, sizeof err), 2);
    assert_non_null(strstr(err, "case lists differ"));
}

static void list_shows_the_slice(void **state)
{
    (void)state;
    client_proc p;
    assert_int_equal(streamconform(&p, "list", path_in("sc"), "--clients", "c", "--servers", "c",
                                   "--shard", "2/3", NULL),
                     0);
    cJSON *rep = read_report(path_in("s2"));
    const cJSON *id = NULL;
    cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(rep, "shard"), "slice"))
        assert_non_null(strstr(p.out.data, id->valuestring));
    assert_non_null(strstr(p.err.data, "shard 2/3: "));
    cJSON_Delete(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shards_hold_every_case_once),
        cmocka_unit_test(merged_report_equals_the_whole_run),
        cmocka_unit_test(merge_refuses_a_missing_shard),
        cmocka_unit_test(merge_refuses_a_shard_given_twice),
        cmocka_unit_test(merge_refuses_shards_of_another_case_list),
        cmocka_unit_test(list_shows_the_slice),
    };
    return cmocka_run_group_tests(tests, group_setup, it_teardown);
}
