/* sc_report_merge: see sc_report_merge.h. */
#include "sc_report_merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The lists of a report that hold cases: the matrix cases, then the app cases. */
static const char *const case_lists[] = {"cases", "applications"};
#define N_CASE_LISTS (sizeof case_lists / sizeof case_lists[0])

cJSON *sc_report_read_json(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size >= 0 && size <= SC_REPORT_MERGE_MAX_BYTES && fseek(f, 0, SEEK_SET) == 0)
        text = malloc((size_t)size + 1);
    size_t got = text != NULL ? fread(text, 1, (size_t)size, f) : 0;
    fclose(f);
    cJSON *o = NULL;
    if (text == NULL || got != (size_t)size) {
        snprintf(err, errlen, "%s: cannot read it (or larger than %d bytes)", path,
                 SC_REPORT_MERGE_MAX_BYTES);
    } else {
        text[got] = '\0';
        o = cJSON_Parse(text);
        if (o == NULL)
            snprintf(err, errlen, "%s: not valid JSON", path);
    }
    free(text);
    return o;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static size_t num_of(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (size_t)v->valuedouble : 0;
}

/* Is shards[i] a shard report of the same run as shards[0]? 0, or -1 with the problem. */
static int check_same_run(const cJSON *const *shards, const char *const *names, size_t i, char *err,
                          size_t errlen)
{
    const cJSON *s = get(shards[i], "shard"), *s0 = get(shards[0], "shard");
    size_t k = num_of(s, "index"), n = num_of(s, "count");
    if (!cJSON_IsArray(get(s, "case_ids")) || !cJSON_IsArray(get(s, "slice")) || k < 1 || k > n) {
        snprintf(err, errlen, "%s is not the report of a shard (no \"shard\" block: run --shard)",
                 names[i]);
        return -1;
    }
    const char *v = str_of(shards[i], "version"), *v0 = str_of(shards[0], "version");
    if (v == NULL || v0 == NULL || strcmp(v, v0) != 0) {
        snprintf(err, errlen, "%s and %s come from different versions (%s, %s)", names[0], names[i],
                 v0 ? v0 : "none", v ? v : "none");
        return -1;
    }
    if (n != num_of(s0, "count")) {
        snprintf(err, errlen, "%s and %s cut the run into different numbers of shards (%zu, %zu)",
                 names[0], names[i], num_of(s0, "count"), n);
        return -1;
    }
    if (!cJSON_Compare(get(s, "case_ids"), get(s0, "case_ids"), true)) {
        snprintf(err, errlen,
                 "%s and %s come from different runs: their case lists differ (other scenarios, "
                 "filters or implementations)",
                 names[0], names[i]);
        return -1;
    }
    return 0;
}

/* Every index 1..N once. 0, or -1 naming the missing or repeated shard. */
static int check_indexes(const cJSON *const *shards, const char *const *names, size_t n, char *err,
                         size_t errlen)
{
    size_t count = num_of(get(shards[0], "shard"), "count");
    size_t *given = calloc(count + 1, sizeof *given); /* given[k]: shards[i] + 1, or 0 */
    int rc = given != NULL ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t k = num_of(get(shards[i], "shard"), "index");
        if (given[k] != 0) {
            snprintf(err, errlen, "shard %zu/%zu is given twice (%s and %s)", k, count,
                     names[given[k] - 1], names[i]);
            rc = -1;
        }
        given[k] = i + 1;
    }
    for (size_t k = 1; rc == 0 && k <= count; k++)
        if (given[k] == 0) {
            snprintf(err, errlen, "shard %zu/%zu is missing (%zu of %zu shards given)", k, count, n,
                     count);
            rc = -1;
        }
    if (given == NULL)
        snprintf(err, errlen, "out of memory");
    free(given);
    return rc;
}

/* The case `id` in shards[i]'s lists, or NULL. */
static const cJSON *case_in(const cJSON *shard, const char *id, size_t *list)
{
    for (size_t l = 0; l < N_CASE_LISTS; l++) {
        const cJSON *c = NULL;
        cJSON_ArrayForEach(c, get(shard, case_lists[l]))
        {
            const char *cid = str_of(c, "id");
            if (cid != NULL && strcmp(cid, id) == 0) {
                *list = l;
                return c;
            }
        }
    }
    return NULL;
}

/* Each case of the run's list reported by exactly one shard, and no shard reporting another.
 * 0, or -1 with the problem. */
static int check_cases(const cJSON *const *shards, const char *const *names, size_t n, char *err,
                       size_t errlen)
{
    const cJSON *ids = get(get(shards[0], "shard"), "case_ids"), *id = NULL;
    size_t reported = 0, listed = (size_t)cJSON_GetArraySize(ids);
    cJSON_ArrayForEach(id, ids)
    {
        size_t owner = n, list;
        for (size_t i = 0; cJSON_IsString(id) && i < n; i++) {
            if (case_in(shards[i], id->valuestring, &list) == NULL)
                continue;
            if (owner != n) {
                snprintf(err, errlen, "case %s is in two shards (%s and %s)", id->valuestring,
                         names[owner], names[i]);
                return -1;
            }
            owner = i;
        }
        if (owner == n) {
            snprintf(err, errlen, "case %s of the run is in no shard's report",
                     cJSON_IsString(id) ? id->valuestring : "?");
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t l = 0; l < N_CASE_LISTS; l++)
            reported += (size_t)cJSON_GetArraySize(get(shards[i], case_lists[l]));
    if (reported != listed) {
        snprintf(err, errlen, "the shards report %zu cases, the run has %zu", reported, listed);
        return -1;
    }
    return 0;
}

/* Add 1 to summary[key]. */
static void count(cJSON *summary, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(summary, key);
    if (v == NULL)
        cJSON_AddNumberToObject(summary, key, 1);
    else
        cJSON_SetNumberValue(v, v->valuedouble + 1);
}

/* The summary of a report's cases and applications, as the runner counts it. */
static cJSON *recount(const cJSON *rep)
{
    static const char *const keys[] = {"total",         "passed", "failed", "errors",     "skipped",
                                       "known_failing", "stale",  "flaky",  "replay_only"};
    static const char *const by_verdict[][2] = {{"pass", "passed"},
                                                {"fail", "failed"},
                                                {"error", "errors"},
                                                {"skip", "skipped"},
                                                {"known_failing", "known_failing"},
                                                {"stale", "stale"}};
    cJSON *summary = cJSON_CreateObject();
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cJSON_AddNumberToObject(summary, keys[i], 0);
    for (size_t l = 0; l < N_CASE_LISTS; l++) {
        const cJSON *c = NULL;
        cJSON_ArrayForEach(c, get(rep, case_lists[l]))
        {
            const char *v = str_of(c, "verdict");
            count(summary, "total");
            for (size_t k = 0; v != NULL && k < sizeof by_verdict / sizeof by_verdict[0]; k++)
                if (strcmp(v, by_verdict[k][0]) == 0)
                    count(summary, by_verdict[k][1]);
            if (cJSON_IsTrue(get(c, "flaky")))
                count(summary, "flaky");
            if (cJSON_IsTrue(get(c, "replay_only")))
                count(summary, "replay_only");
        }
    }
    return summary;
}

/* The shard-independent fields: every shard complete, the earliest start, the longest shard. */
static void merge_run_fields(cJSON *out, const cJSON *const *shards, size_t n)
{
    bool complete = true;
    double duration = 0;
    const char *started = NULL;
    for (size_t i = 0; i < n; i++) {
        complete = complete && cJSON_IsTrue(get(shards[i], "complete"));
        const cJSON *d = get(shards[i], "duration_ms");
        if (cJSON_IsNumber(d) && d->valuedouble > duration)
            duration = d->valuedouble;
        const char *s = str_of(shards[i], "started_at"); /* ISO 8601 UTC: sorts as text */
        if (s != NULL && (started == NULL || strcmp(s, started) < 0))
            started = s;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(out, "complete", cJSON_CreateBool(complete));
    cJSON_ReplaceItemInObjectCaseSensitive(out, "duration_ms", cJSON_CreateNumber(duration));
    if (started != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(out, "started_at", cJSON_CreateString(started));
    cJSON *mark = cJSON_CreateObject();
    cJSON_AddNumberToObject(mark, "count", (double)n);
    cJSON_AddBoolToObject(mark, "merged", true);
    cJSON_ReplaceItemInObjectCaseSensitive(out, "shard", mark);
}

/* Put `list` as out[key] where the key was (or at the end); an empty "applications" list goes
 * away, as a run without app cases has none. */
static void set_list(cJSON *out, const char *key, cJSON *list)
{
    if (strcmp(key, "applications") == 0 && cJSON_GetArraySize(list) == 0) {
        cJSON_DeleteItemFromObjectCaseSensitive(out, key);
        cJSON_Delete(list);
    } else if (get(out, key) != NULL) {
        cJSON_ReplaceItemInObjectCaseSensitive(out, key, list);
    } else {
        cJSON_AddItemToObject(out, key, list);
    }
}

/* The merged report: shards[0]'s run fields, every case in the run's order. */
static cJSON *build(const cJSON *const *shards, size_t n)
{
    cJSON *out = cJSON_Duplicate(shards[0], true);
    cJSON *lists[N_CASE_LISTS] = {cJSON_CreateArray(), cJSON_CreateArray()};
    if (out == NULL || lists[0] == NULL || lists[1] == NULL) {
        cJSON_Delete(out);
        cJSON_Delete(lists[0]);
        cJSON_Delete(lists[1]);
        return NULL;
    }
    const cJSON *id = NULL;
    cJSON_ArrayForEach(id, get(get(shards[0], "shard"), "case_ids"))
    {
        size_t list = 0;
        const cJSON *c = NULL;
        for (size_t i = 0; c == NULL && i < n; i++)
            c = case_in(shards[i], id->valuestring, &list);
        cJSON_AddItemToArray(lists[list], cJSON_Duplicate(c, true));
    }
    for (size_t l = 0; l < N_CASE_LISTS; l++)
        set_list(out, case_lists[l], lists[l]);
    cJSON_ReplaceItemInObjectCaseSensitive(out, "summary", recount(out));
    merge_run_fields(out, shards, n);
    return out;
}

cJSON *sc_report_merge(const cJSON *const *shards, const char *const *names, size_t n, char *err,
                       size_t errlen)
{
    if (n == 0) {
        snprintf(err, errlen, "no shard report given");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (check_same_run(shards, names, i, err, errlen) != 0)
            return NULL;
    if (check_indexes(shards, names, n, err, errlen) != 0 ||
        check_cases(shards, names, n, err, errlen) != 0)
        return NULL;
    cJSON *out = build(shards, n);
    if (out == NULL)
        snprintf(err, errlen, "out of memory merging %zu shards", n);
    return out;
}

bool sc_report_fails_run(const cJSON *report)
{
    if (!cJSON_IsTrue(get(report, "complete")))
        return true;
    static const char *const failing[] = {"fail", "error", "stale"};
    for (size_t l = 0; l < N_CASE_LISTS; l++) {
        const cJSON *c = NULL;
        cJSON_ArrayForEach(c, get(report, case_lists[l]))
        {
            const char *v = str_of(c, "verdict");
            for (size_t k = 0; v != NULL && k < sizeof failing / sizeof failing[0]; k++)
                if (strcmp(v, failing[k]) == 0)
                    return true;
        }
    }
    return false;
}
