/* sc_call_plan: the per-call control plan of `serve --call-plan`. See sc_call_plan.h. */
#include "sc_call_plan.h"
#include "sc_jcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One entry: an object of control keys with string values. */
static int parse_entry(const cJSON *o, const char *path, sc_md_list *out, char *err, size_t errlen)
{
    static const sc_jspec map = {.open = true};
    if (sc_jcheck_object(o, path, &map, err, errlen) != 0)
        return -1;
    if (cJSON_GetArraySize(o) > SC_CALL_PLAN_MAX_KEYS) {
        snprintf(err, errlen, "%s: more than %d keys", path, SC_CALL_PLAN_MAX_KEYS);
        return -1;
    }
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, o)
    {
        if (!cJSON_IsString(v) || strncmp(v->string, "x-", 2) != 0) {
            snprintf(err, errlen, "%s.%s: expected a control key (x-...) with a string value", path,
                     v->string);
            return -1;
        }
        if (sc_md_list_add(out, v->string, v->valuestring, strlen(v->valuestring)) != 0) {
            snprintf(err, errlen, "%s.%s: out of memory", path, v->string);
            return -1;
        }
    }
    return 0;
}

static int parse_calls(sc_call_plan *plan, const cJSON *calls, char *err, size_t errlen)
{
    int n = cJSON_GetArraySize(calls);
    if (n > SC_CALL_PLAN_MAX_CALLS) {
        snprintf(err, errlen, "calls: more than %d entries", SC_CALL_PLAN_MAX_CALLS);
        return -1;
    }
    plan->calls = calloc(n > 0 ? (size_t)n : 1, sizeof *plan->calls);
    if (plan->calls == NULL) {
        snprintf(err, errlen, "calls: out of memory");
        return -1;
    }
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, calls)
    {
        char path[32];
        snprintf(path, sizeof path, "calls[%zu]", plan->n_calls);
        if (parse_entry(e, path, &plan->calls[plan->n_calls++], err, errlen) != 0)
            return -1;
    }
    return 0;
}

int sc_call_plan_parse(sc_call_plan *plan, const char *origin, const char *text, char *err,
                       size_t errlen)
{
    static const sc_jfield fields[] = {{.key = "calls", .types = SC_JT_ARRAY, .required = true},
                                       {.key = "then", .types = SC_JT_OBJECT}};
    static const sc_jspec spec = SC_JSPEC(fields);
    memset(plan, 0, sizeof *plan);
    char why[512] = "";
    int rc = -1;
    cJSON *root = strlen(text) <= SC_CALL_PLAN_MAX_BYTES ? cJSON_Parse(text) : NULL;
    if (root == NULL) {
        snprintf(why, sizeof why, "not a JSON object of at most %d bytes", SC_CALL_PLAN_MAX_BYTES);
        goto out;
    }
    if (sc_jcheck_object(root, "", &spec, why, sizeof why) != 0 ||
        parse_calls(plan, cJSON_GetObjectItemCaseSensitive(root, "calls"), why, sizeof why) != 0)
        goto out;
    const cJSON *then = cJSON_GetObjectItemCaseSensitive(root, "then");
    if (then != NULL && parse_entry(then, "then", &plan->then, why, sizeof why) != 0)
        goto out;
    rc = 0;
out:
    cJSON_Delete(root);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", origin, why);
        sc_call_plan_free(plan);
    }
    return rc;
}

const sc_md_list *sc_call_plan_next(sc_call_plan *plan)
{
    size_t i = plan->next++;
    return i < plan->n_calls ? &plan->calls[i] : &plan->then;
}

void sc_call_plan_free(sc_call_plan *plan)
{
    for (size_t i = 0; i < plan->n_calls; i++)
        sc_md_list_free(&plan->calls[i]);
    free(plan->calls);
    sc_md_list_free(&plan->then);
    memset(plan, 0, sizeof *plan);
}
