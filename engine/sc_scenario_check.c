/* sc_scenario_check: the scenario loader's shared checks (sc_scenario_internal.h, "loader"): the
 * error context, JSON paths, members checked through sc_jcheck, status codes, the nesting and
 * string limits of the whole tree, and "$per_case". */
#include "sc_suggest.h"
#include "sc_scenario_internal.h"
#include "sc_jcheck.h"
#include "sc_status.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 3, 4))) int sc_load_fail(sc_load_ctx *c, const char *path,
                                                       const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path != NULL && *path != '\0')
        snprintf(c->err, c->errlen, "%s: %s: %s", c->origin, path, msg);
    else
        snprintf(c->err, c->errlen, "%s: %s", c->origin, msg);
    return -1;
}

int sc_load_oom(sc_load_ctx *c, const char *path)
{
    return sc_load_fail(c, path, "out of memory");
}

/* path + "." + key (or "[i]"), truncated safely. */
void sc_load_join(char *out, size_t len, const char *path, const char *key)
{
    if (path == NULL || *path == '\0')
        snprintf(out, len, "%s", key);
    else
        snprintf(out, len, "%s.%s", path, key);
}

void sc_load_index(char *out, size_t len, const char *path, size_t i)
{
    snprintf(out, len, "%s[%zu]", path, i);
}

/* The one JSON object checker (sc_jcheck): unknown keys, keys given twice (cJSON keeps both; a
 * scenario saying the same thing twice is a mistake), types and ranges of the table's fields. */
int sc_load_object(sc_load_ctx *c, const cJSON *obj, const char *path, sc_jspec spec)
{
    char why[512];
    if (sc_jcheck_object(obj, path, &spec, why, sizeof why) == 0)
        return 0;
    snprintf(c->err, c->errlen, "%s: %s", c->origin, why);
    return -1;
}

/* One value against one field (its path already joined). */
int sc_load_value(sc_load_ctx *c, const cJSON *v, const char *path, const sc_jfield *f)
{
    char why[512];
    if (sc_jcheck_value(v, path, f, SC_JWORDS_MUST_BE_IN, why, sizeof why) == 0)
        return 0;
    snprintf(c->err, c->errlen, "%s: %s", c->origin, why);
    return -1;
}

/* Optional integer member in [min, max]; *present tells whether it was there. */
int sc_load_int(sc_load_ctx *c, const cJSON *obj, const char *key, const char *path, int64_t min,
                int64_t max, int64_t *out, bool *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (present != NULL)
        *present = v != NULL;
    if (v == NULL)
        return 0;
    char p[512];
    sc_load_join(p, sizeof p, path, key);
    sc_jfield f = {
        .key = key, .types = SC_JT_INT, .ranged = true, .min = (double)min, .max = (double)max};
    if (sc_load_value(c, v, p, &f) != 0)
        return -1;
    *out = (int64_t)v->valuedouble;
    return 0;
}

int sc_load_bool(sc_load_ctx *c, const cJSON *obj, const char *key, const char *path, bool *out,
                 bool *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (present != NULL)
        *present = v != NULL;
    if (v == NULL)
        return 0;
    char p[512];
    sc_load_join(p, sizeof p, path, key);
    sc_jfield f = {.key = key, .types = SC_JT_BOOL};
    if (sc_load_value(c, v, p, &f) != 0)
        return -1;
    *out = cJSON_IsTrue(v);
    return 0;
}

/* Optional string member (NULL when absent). */
int sc_load_str(sc_load_ctx *c, const cJSON *obj, const char *key, const char *path, size_t maxlen,
                const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (v == NULL)
        return 0;
    char p[512];
    sc_load_join(p, sizeof p, path, key);
    sc_jfield f = {.key = key, .types = SC_JT_STRING};
    if (sc_load_value(c, v, p, &f) != 0)
        return -1;
    if (strlen(v->valuestring) > maxlen)
        return sc_load_fail(c, p, "longer than %zu bytes", maxlen);
    *out = v->valuestring;
    return 0;
}

bool sc_scenario_code_by_name(const char *text, int *code)
{
    int v = 0;
    if (text == NULL || !sc_status_parse(text, &v) || strcmp(sc_status_name(v), text) != 0)
        return false;
    *code = v;
    return true;
}

/* A status code given by its canonical name. */
int sc_load_code(sc_load_ctx *c, const cJSON *v, const char *path, int *code)
{
    if (!cJSON_IsString(v))
        return sc_load_fail(c, path, "expected a status code name such as \"UNAVAILABLE\"");
    int tmp = 0;
    if (sc_scenario_code_by_name(v->valuestring, &tmp)) {
        if (code != NULL)
            *code = tmp;
        return 0;
    }
    if (sc_status_parse(v->valuestring, &tmp))
        return sc_load_fail(c, path, "write the code by its canonical name \"%s\", not \"%.64s\"",
                            sc_status_name(tmp), v->valuestring);
    const char *names[SC_STATUS_COUNT];
    for (int k = 0; k < SC_STATUS_COUNT; k++)
        names[k] = sc_status_name(k);
    char hint[SC_SUGGEST_MAX_NAME + 32];
    sc_suggest_hint(v->valuestring, names, SC_STATUS_COUNT, hint, sizeof hint);
    return sc_load_fail(c, path, "unknown code \"%.64s\"%s", v->valuestring, hint);
}

int sc_load_codes(sc_load_ctx *c, const cJSON *arr, const char *path)
{
    if (!cJSON_IsArray(arr))
        return sc_load_fail(c, path, "expected an array of status code names");
    if (cJSON_GetArraySize(arr) > SC_SCENARIO_MAX_LIST)
        return sc_load_fail(c, path, "more than %d entries", SC_SCENARIO_MAX_LIST);
    size_t i = 0;
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, arr)
    {
        char p[512];
        sc_load_index(p, sizeof p, path, i++);
        if (sc_load_code(c, v, p, NULL) != 0)
            return -1;
    }
    return 0;
}

/* ---- generic checks over the whole tree ---- */

int sc_load_tree(sc_load_ctx *c, const cJSON *v, int depth)
{
    if (depth > SC_SCENARIO_MAX_DEPTH)
        return sc_load_fail(c, NULL, "JSON nested deeper than %d levels", SC_SCENARIO_MAX_DEPTH);
    if (cJSON_IsString(v) && strlen(v->valuestring) > SC_SCENARIO_MAX_STRING)
        return sc_load_fail(c, NULL,
                            "a string is longer than %d bytes (use \"$repeat\" for payloads)",
                            SC_SCENARIO_MAX_STRING);
    for (const cJSON *ch = v->child; ch != NULL; ch = ch->next)
        if (sc_load_tree(c, ch, depth + 1) != 0)
            return -1;
    return 0;
}

int sc_load_number(sc_load_ctx *c, const cJSON *obj, const char *key, const char *path, double min,
                   double max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return 0;
    char p[512], why[96];
    sc_load_join(p, sizeof p, path, key);
    snprintf(why, sizeof why, "expected a number in %g..%g", min, max);
    sc_jfield f = {
        .key = key, .types = SC_JT_NUMBER, .ranged = true, .min = min, .max = max, .why = why};
    return sc_load_value(c, v, p, &f);
}

/* ---- $per_case: {"$per_case": "TEXT"} stands for "TEXT:<case id>" ---- */

int sc_load_per_case(sc_load_ctx *c, const cJSON *v, const char *path, int depth)
{
    if (depth > SC_SCENARIO_MAX_DEPTH)
        return sc_load_fail(c, path, "nested too deeply");
    const cJSON *pc = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "$per_case") : NULL;
    if (pc != NULL) {
        if (cJSON_GetArraySize(v) != 1)
            return sc_load_fail(c, path, "\"$per_case\" takes no other member");
        if (!cJSON_IsString(pc) || pc->valuestring[0] == '\0') {
            char p[512];
            sc_load_join(p, sizeof p, path, "$per_case");
            return sc_load_fail(c, p, "expected a non-empty string");
        }
        return 0;
    }
    size_t i = 0;
    for (const cJSON *ch = v->child; ch != NULL; ch = ch->next, i++) {
        char p[512];
        if (cJSON_IsArray(v))
            sc_load_index(p, sizeof p, path, i);
        else
            sc_load_join(p, sizeof p, path, ch->string);
        if (sc_load_per_case(c, ch, p, depth + 1) != 0)
            return -1;
    }
    return 0;
}

static int resolve(cJSON *v, const char *case_id, int depth)
{
    if (depth > SC_SCENARIO_MAX_DEPTH)
        return 0;
    cJSON *pc = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "$per_case") : NULL;
    if (pc != NULL && cJSON_IsString(pc)) {
        /* A companion's id is "<case id>#k": its per-case names are its case's, so that the
         * calls of one case can name each other. */
        int id_len = (int)strcspn(case_id, SC_SCENARIO_COMPANION_SEP);
        size_t len =
            strlen(pc->valuestring) + strlen(SC_SCENARIO_PER_CASE_SEP) + (size_t)id_len + 1;
        char *text = malloc(len);
        if (text == NULL)
            return -1;
        snprintf(text, len, "%s%s%.*s", pc->valuestring, SC_SCENARIO_PER_CASE_SEP, id_len, case_id);
        cJSON *child = v->child;
        v->child = NULL;
        cJSON_Delete(child);
        v->type = cJSON_String;
        v->valuestring = text;
        return 0;
    }
    for (cJSON *ch = v->child; ch != NULL; ch = ch->next)
        if (resolve(ch, case_id, depth + 1) != 0)
            return -1;
    return 0;
}

int sc_scenario_resolve_per_case(cJSON *tree, const char *case_id)
{
    return tree != NULL ? resolve(tree, case_id, 0) : 0;
}
