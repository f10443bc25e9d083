/* sc_record_diff: replay's JSON diff and end-of-stream check (see the header). */
#include "sc_record_diff.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest value a line shows: enough to see the difference, short enough to read. */
#define DIFF_MAX_VALUE 120
/* Longest line: a path and two shortened values. */
#define DIFF_MAX_LINE 512
/* Longest path a line names; deeper paths are cut (the line still counts). */
#define DIFF_MAX_PATH 512

static char *short_text(const cJSON *v)
{
    if (v == NULL)
        return strdup("(absent)");
    char *t = cJSON_PrintUnformatted(v);
    if (t != NULL && strlen(t) > DIFF_MAX_VALUE)
        strcpy(t + DIFF_MAX_VALUE - 3, "...");
    return t;
}

/* Defaults proto3 omits: absent equals 0, "0", "", false, [], {}. */
static bool is_default(const cJSON *v)
{
    if (v == NULL)
        return true;
    if (cJSON_IsFalse(v) || cJSON_IsNull(v))
        return true;
    if (cJSON_IsNumber(v))
        return v->valuedouble == 0;
    if (cJSON_IsString(v))
        return v->valuestring[0] == '\0' || strcmp(v->valuestring, "0") == 0;
    if (cJSON_IsRaw(v))
        return v->valuestring != NULL && strtod(v->valuestring, NULL) == 0;
    if (cJSON_IsArray(v) || cJSON_IsObject(v))
        return v->child == NULL;
    return false;
}

static bool scalar_equal(const cJSON *a, const cJSON *b)
{
    bool an = cJSON_IsNumber(a) || cJSON_IsRaw(a), bn = cJSON_IsNumber(b) || cJSON_IsRaw(b);
    if (an && bn) {
        double x = cJSON_IsRaw(a) ? strtod(a->valuestring, NULL) : a->valuedouble;
        double y = cJSON_IsRaw(b) ? strtod(b->valuestring, NULL) : b->valuedouble;
        return x == y || (isnan(x) && isnan(y));
    }
    if (cJSON_IsString(a) && cJSON_IsString(b))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if (cJSON_IsBool(a) && cJSON_IsBool(b))
        return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    return cJSON_IsNull(a) && cJSON_IsNull(b);
}

static size_t report(const char *path, const cJSON *e, const cJSON *a, cJSON *out, size_t max)
{
    if (out != NULL && (size_t)cJSON_GetArraySize(out) < max) {
        char *et = short_text(e), *at = short_text(a);
        char line[DIFF_MAX_LINE];
        snprintf(line, sizeof line, "%s: expected %s, actual %s", path[0] ? path : "(message)",
                 et ? et : "?", at ? at : "?");
        free(et);
        free(at);
        cJSON_AddItemToArray(out, cJSON_CreateString(line));
    }
    return 1;
}

static size_t diff_object(const cJSON *expected, const cJSON *actual, const char *path, cJSON *out,
                          size_t max)
{
    size_t n = 0;
    char p[DIFF_MAX_PATH];
    for (const cJSON *e = expected->child; e != NULL; e = e->next) {
        snprintf(p, sizeof p, "%s%s%s", path, path[0] ? "." : "", e->string);
        n += sc_record_diff(e, cJSON_GetObjectItemCaseSensitive(actual, e->string), p, out, max);
    }
    for (const cJSON *a = actual->child; a != NULL; a = a->next) {
        if (cJSON_GetObjectItemCaseSensitive(expected, a->string) != NULL)
            continue;
        snprintf(p, sizeof p, "%s%s%s", path, path[0] ? "." : "", a->string);
        n += sc_record_diff(NULL, a, p, out, max);
    }
    return n;
}

static size_t diff_array(const cJSON *expected, const cJSON *actual, const char *path, cJSON *out,
                         size_t max)
{
    size_t n = 0;
    int ne = cJSON_GetArraySize(expected), na = cJSON_GetArraySize(actual);
    char p[DIFF_MAX_PATH];
    for (int i = 0; i < (ne > na ? ne : na); i++) {
        snprintf(p, sizeof p, "%s[%d]", path, i);
        const cJSON *e = i < ne ? cJSON_GetArrayItem(expected, i) : NULL;
        const cJSON *a = i < na ? cJSON_GetArrayItem(actual, i) : NULL;
        if (e == NULL || a == NULL)
            n += report(p, e, a, out, max);
        else
            n += sc_record_diff(e, a, p, out, max);
    }
    return n;
}

size_t sc_record_diff(const cJSON *expected, const cJSON *actual, const char *path, cJSON *out,
                      size_t max)
{
    if (expected == NULL || actual == NULL)
        return is_default(expected) && is_default(actual)
                   ? 0
                   : report(path, expected, actual, out, max);
    if (cJSON_IsObject(expected) && cJSON_IsObject(actual))
        return diff_object(expected, actual, path, out, max);
    if (cJSON_IsArray(expected) && cJSON_IsArray(actual))
        return diff_array(expected, actual, path, out, max);
    return scalar_equal(expected, actual) ? 0 : report(path, expected, actual, out, max);
}

/* ---- the end of the client stream ---- */

static const char *messages_word(size_t n)
{
    return n == 1 ? "message" : "messages";
}

bool sc_record_end_diff(size_t recorded, bool recorded_half_close, size_t received, bool half_close,
                        bool cut, char *line, size_t linelen)
{
    if (half_close && recorded_half_close && received != recorded) {
        snprintf(line, linelen, "half-close after %zu %s; the recording half-closed after %zu",
                 received, messages_word(received), recorded);
        return true;
    }
    if (half_close && !recorded_half_close) {
        snprintf(line, linelen,
                 "half-close after %zu %s; the recording did not half-close (%zu %s sent)",
                 received, messages_word(received), recorded, messages_word(recorded));
        return true;
    }
    if (half_close || cut)
        return false;
    if (recorded_half_close) {
        snprintf(line, linelen,
                 "no half-close before the status went out (%zu %s received); the recording "
                 "half-closed after %zu",
                 received, messages_word(received), recorded);
        return true;
    }
    if (received < recorded) {
        snprintf(line, linelen, "received %zu of %zu recorded messages before the status went out",
                 received, recorded);
        return true;
    }
    return false;
}