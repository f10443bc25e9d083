#include "sc_report_sample.h"

#include <stdlib.h>
#include <string.h>

bool sc_report_case_keeps_all(const cJSON *c, bool full)
{
    if (full || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "flaky")))
        return true;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "verdict");
    if (!cJSON_IsString(v))
        return true;
    return strcmp(v->valuestring, "pass") != 0 && strcmp(v->valuestring, "skip") != 0;
}

/* Compact JSON length of `v`; 0 when out of memory. */
static size_t compact_len(const cJSON *v)
{
    char *text = cJSON_PrintUnformatted(v);
    size_t n = text ? strlen(text) : 0;
    cJSON_free(text);
    return n;
}

/* The first at most `max` bytes of `s`, not splitting a UTF-8 character. */
static size_t utf8_prefix(const char *s, size_t max)
{
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static cJSON *trim_value(const cJSON *v, bool *cut);

static cJSON *trim_string(const cJSON *v, bool *cut)
{
    size_t len = strlen(v->valuestring);
    if (len <= SC_REPORT_SAMPLE_STRING_MAX)
        return cJSON_CreateString(v->valuestring);
    *cut = true;
    size_t n = utf8_prefix(v->valuestring, SC_REPORT_SAMPLE_STRING_MAX);
    char *head = malloc(n + 1);
    if (head == NULL)
        return NULL;
    memcpy(head, v->valuestring, n);
    head[n] = '\0';
    cJSON *out = cJSON_CreateString(head);
    free(head);
    return out;
}

/* Add a trimmed copy of `item` to `out` (an array, or an object under the item's key). */
static int add_trimmed(cJSON *out, const cJSON *item, bool *cut)
{
    cJSON *t = trim_value(item, cut);
    if (t == NULL)
        return -1;
    bool added = cJSON_IsArray(out) ? cJSON_AddItemToArray(out, t)
                                    : cJSON_AddItemToObject(out, item->string, t);
    if (!added)
        cJSON_Delete(t);
    return added ? 0 : -1;
}

static cJSON *trim_container(const cJSON *v, bool *cut)
{
    bool array = cJSON_IsArray(v);
    cJSON *out = array ? cJSON_CreateArray() : cJSON_CreateObject();
    int n = cJSON_GetArraySize(v), i = 0;
    bool thin = array && n > 2 * SC_REPORT_SAMPLE_ARRAY_KEEP;
    *cut = *cut || thin;
    const cJSON *item;
    cJSON_ArrayForEach(item, v)
    {
        bool kept =
            !thin || i < SC_REPORT_SAMPLE_ARRAY_KEEP || i >= n - SC_REPORT_SAMPLE_ARRAY_KEEP;
        i++;
        if (out == NULL || !kept)
            continue;
        if (add_trimmed(out, item, cut) != 0) {
            cJSON_Delete(out);
            out = NULL;
        }
    }
    return out;
}

static cJSON *trim_value(const cJSON *v, bool *cut)
{
    if (cJSON_IsString(v))
        return trim_string(v, cut);
    if (cJSON_IsArray(v) || cJSON_IsObject(v))
        return trim_container(v, cut);
    return cJSON_Duplicate(v, false);
}

static cJSON *trimmed_marker(size_t bytes)
{
    cJSON *o = cJSON_CreateObject();
    if (o != NULL &&
        cJSON_AddNumberToObject(o, SC_REPORT_SAMPLE_TRIMMED_KEY, (double)bytes) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *sc_report_sample_message(const cJSON *msg)
{
    bool cut = false;
    cJSON *t = trim_value(msg, &cut);
    if (t == NULL || !cut)
        return t;
    size_t whole = compact_len(msg);
    if (!cJSON_IsObject(t)) {
        cJSON_Delete(t);
        return trimmed_marker(whole);
    }
    if (cJSON_AddNumberToObject(t, SC_REPORT_SAMPLE_TRIMMED_KEY, (double)whole) == NULL) {
        cJSON_Delete(t);
        return NULL;
    }
    if (compact_len(t) <= SC_REPORT_SAMPLE_MESSAGE_MAX)
        return t;
    cJSON_Delete(t);
    return trimmed_marker(whole);
}

/* Is index `i` of `n` in the sample (the first HEAD, the last TAIL)? */
static bool in_sample(int i, int n)
{
    return n <= SC_REPORT_SAMPLE_HEAD + SC_REPORT_SAMPLE_TAIL || i < SC_REPORT_SAMPLE_HEAD ||
           i >= n - SC_REPORT_SAMPLE_TAIL;
}

/* A new array of the sampled elements of `list`, each through `each` (or copied when NULL). */
static cJSON *sample_array(const cJSON *list, cJSON *(*each)(const cJSON *))
{
    cJSON *out = cJSON_CreateArray();
    int n = cJSON_GetArraySize(list), i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        if (out == NULL || !in_sample(i++, n))
            continue;
        cJSON *x = each ? each(item) : cJSON_Duplicate(item, true);
        if (x == NULL || !cJSON_AddItemToArray(out, x)) {
            cJSON_Delete(x);
            cJSON_Delete(out);
            out = NULL;
        }
    }
    return out;
}

/* Replace `obj`.`key` (an array) by its sample; a missing or non-array member is left alone. */
static int sample_member(cJSON *obj, const char *key, cJSON *(*each)(const cJSON *))
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsArray(list))
        return 0;
    cJSON *s = sample_array(list, each);
    if (s == NULL)
        return -1;
    return cJSON_ReplaceItemInObjectCaseSensitive(obj, key, s) ? 0 : -1;
}

bool sc_report_case_samples_responses(const cJSON *c, bool full)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "verdict");
    return !full && cJSON_IsString(v) && strcmp(v->valuestring, "known_failing") == 0;
}

/* `responses` keeps its first HEAD and last TAIL messages, `timings.responses_ms` the same
 * indices, and `responses_total` the whole count; an actual without responses is left alone. */
static int sample_responses(cJSON *actual)
{
    const cJSON *responses = cJSON_GetObjectItemCaseSensitive(actual, "responses");
    if (!cJSON_IsArray(responses))
        return 0;
    int total = cJSON_GetArraySize(responses);
    if (cJSON_AddNumberToObject(actual, "responses_total", total) == NULL)
        return -1;
    if (sample_member(actual, "responses", sc_report_sample_message) != 0)
        return -1;
    return sample_member(cJSON_GetObjectItemCaseSensitive(actual, "timings"), "responses_ms", NULL);
}

/* Delete `obj`.`key` when it is the string `value`. */
static void drop_if_string(cJSON *obj, const char *key, const char *value)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsString(v) && strcmp(v->valuestring, value) == 0)
        cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
}

/* Delete every null member of `obj` (a timing that did not happen). */
static void drop_nulls(cJSON *obj)
{
    cJSON *it = obj != NULL ? obj->child : NULL;
    while (it != NULL) {
        cJSON *next = it->next;
        if (cJSON_IsNull(it))
            cJSON_Delete(cJSON_DetachItemViaPointer(obj, it));
        it = next;
    }
}

/* The members a sampled result leaves out when they hold their default (docs/report-format.md,
 * "Sampled cases"): a reader takes an absent one as that default. */
static void drop_result_defaults(cJSON *actual)
{
    drop_if_string(actual, "response_encoding", SC_REPORT_DEFAULT_ENCODING);
    drop_if_string(cJSON_GetObjectItemCaseSensitive(actual, "status"), "message", "");
    cJSON *timings = cJSON_GetObjectItemCaseSensitive(actual, "timings");
    if (cJSON_IsObject(timings))
        drop_nulls(timings);
}

int sc_report_sample_result(cJSON *actual)
{
    if (!cJSON_IsObject(actual))
        return 0;
    static const char *const dropped[] = {"case", "headers", "trailers"};
    for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(actual, dropped[i]);
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(actual, "attempts")) <= 1)
        cJSON_DeleteItemFromObjectCaseSensitive(actual, "attempts");
    drop_result_defaults(actual);
    return sample_responses(actual);
}

int sc_report_sample_case_responses(cJSON *c)
{
    if (!cJSON_IsObject(c))
        return 0;
    int rc = 0;
    cJSON *actual = cJSON_GetObjectItemCaseSensitive(c, "actual");
    if (cJSON_IsObject(actual))
        rc = sample_responses(actual);
    cJSON *comp;
    cJSON_ArrayForEach(comp, cJSON_GetObjectItemCaseSensitive(c, "companions"))
    {
        cJSON *ca = cJSON_GetObjectItemCaseSensitive(comp, "actual");
        if (cJSON_IsObject(ca) && sample_responses(ca) != 0)
            rc = -1;
    }
    if (cJSON_AddTrueToObject(c, "sampled_responses") == NULL)
        rc = -1;
    return rc;
}

int sc_report_sample_case(cJSON *c)
{
    static const char *const dropped[] = {"summary",  "origin", "tags",  "method",
                                          "expected", "trace",  "stderr"};
    if (!cJSON_IsObject(c))
        return 0;
    for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(c, dropped[i]);
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(c, "failures")) == 0)
        cJSON_DeleteItemFromObjectCaseSensitive(c, "failures");
    if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(c, "flaky")))
        cJSON_DeleteItemFromObjectCaseSensitive(c, "flaky");
    drop_if_string(c, "reason", "");
    const cJSON *attempts = cJSON_GetObjectItemCaseSensitive(c, "attempts");
    if (cJSON_IsNumber(attempts) && attempts->valuedouble == SC_REPORT_DEFAULT_ATTEMPTS)
        cJSON_DeleteItemFromObjectCaseSensitive(c, "attempts");
    int rc = sc_report_sample_result(cJSON_GetObjectItemCaseSensitive(c, "actual"));
    cJSON *comp;
    cJSON_ArrayForEach(comp, cJSON_GetObjectItemCaseSensitive(c, "companions"))
    {
        if (!cJSON_IsObject(comp))
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(comp, "expected");
        if (sc_report_sample_result(cJSON_GetObjectItemCaseSensitive(comp, "actual")) != 0)
            rc = -1;
    }
    if (cJSON_AddTrueToObject(c, "sampled") == NULL)
        rc = -1;
    return rc;
}

int sc_report_compact_case(cJSON *c, bool full)
{
    if (sc_report_case_samples_responses(c, full))
        return sc_report_sample_case_responses(c);
    if (!sc_report_case_keeps_all(c, full))
        return sc_report_sample_case(c);
    return 0;
}
