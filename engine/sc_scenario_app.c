/* sc_scenario_app: the app section of a scenario and the policy object. See sc_scenario_app.h. */
#include "sc_scenario_app.h"
#include "sc_scenario_internal.h"
#include "sc_jcheck.h"
#include "sc_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the policy ---- */

static int policy_codes(sc_load_ctx *c, const cJSON *o, const char *path, sc_app_policy *p)
{
    const cJSON *codes = cJSON_GetObjectItemCaseSensitive(o, "retry_codes");
    if (codes == NULL)
        return 0;
    char at[256];
    sc_load_join(at, sizeof at, path, "retry_codes");
    if (sc_load_codes(c, codes, at) != 0)
        return -1;
    p->retry_codes = 0;
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, codes)
    {
        int code = 0;
        sc_status_parse(v->valuestring, &code);
        p->retry_codes |= SC_APP_CODE_BIT(code);
    }
    return 0;
}

static int policy_fields(sc_load_ctx *c, const cJSON *o, const char *path, sc_app_policy *p,
                         int *time_scale)
{
    static const sc_jfield names[] = {
        {.key = "backoff_initial_ms"},   {.key = "backoff_multiplier"}, {.key = "backoff_jitter"},
        {.key = "backoff_max_ms"},       {.key = "exhausted_backoff_ms"},
        {.key = "honor_pushback"},       {.key = "retry_codes"},        {.key = "max_attempts"},
        {.key = "tolerance_ms"},         {.key = "time_scale"}};
    sc_jspec spec = SC_JSPEC(names);
    if (time_scale == NULL)
        spec.n_fields--; /* time_scale is --policy's only */
    if (sc_load_object(c, o, path, spec) != 0)
        return -1;
    sc_sched_policy *w = &p->waits;
    int64_t v = 0, scale = 0, attempts = 0;
    bool has = false, has_scale = false, has_attempts = false;
    if (sc_load_int(c, o, "backoff_initial_ms", path, 1, SC_APP_MAX_POLICY_MS, &v, &has) != 0)
        return -1;
    w->initial_ms = has ? v : w->initial_ms;
    if (sc_load_int(c, o, "backoff_max_ms", path, 1, SC_APP_MAX_POLICY_MS, &v, &has) != 0)
        return -1;
    w->max_ms = has ? v : w->max_ms;
    if (sc_load_int(c, o, "exhausted_backoff_ms", path, 0, SC_APP_MAX_POLICY_MS, &v, &has) != 0)
        return -1;
    w->exhausted_ms = has ? v : w->exhausted_ms;
    if (sc_load_int(c, o, "tolerance_ms", path, 0, 10000, &v, &has) != 0)
        return -1;
    w->tolerance_ms = has ? v : w->tolerance_ms;
    if (sc_load_number(c, o, "backoff_multiplier", path, 1.0, 10.0) != 0 ||
        sc_load_number(c, o, "backoff_jitter", path, 0.0, 0.999) != 0 ||
        sc_load_bool(c, o, "honor_pushback", path, &w->honor_pushback, NULL) != 0 ||
        sc_load_int(c, o, "max_attempts", path, 0, SC_SCENARIO_MAX_COUNT, &attempts,
                    &has_attempts) != 0 ||
        sc_load_int(c, o, "time_scale", path, 1, SC_APP_MAX_TIME_SCALE, &scale, &has_scale) != 0 ||
        policy_codes(c, o, path, p) != 0)
        return -1;
    w->multiplier = sc_jget_number(o, "backoff_multiplier", w->multiplier);
    w->jitter = sc_jget_number(o, "backoff_jitter", w->jitter);
    p->max_attempts = has_attempts ? (int)attempts : p->max_attempts;
    if (has_scale)
        *time_scale = (int)scale;
    if (w->max_ms < w->initial_ms)
        return sc_load_fail(c, path, "backoff_max_ms (%lld) is below backoff_initial_ms (%lld)",
                            (long long)w->max_ms, (long long)w->initial_ms);
    return 0;
}

int sc_app_policy_parse(const cJSON *o, const char *origin, const char *path, sc_app_policy *p,
                        int *time_scale, char *err, size_t errlen)
{
    sc_load_ctx c = {.origin = origin, .err = err, .errlen = errlen};
    return policy_fields(&c, o, path, p, time_scale);
}

cJSON *sc_app_policy_to_json(const sc_app_policy *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *codes = cJSON_CreateArray();
    if (o == NULL || codes == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(codes);
        return NULL;
    }
    cJSON_AddNumberToObject(o, "backoff_initial_ms", (double)p->waits.initial_ms);
    cJSON_AddNumberToObject(o, "backoff_multiplier", p->waits.multiplier);
    cJSON_AddNumberToObject(o, "backoff_jitter", p->waits.jitter);
    cJSON_AddNumberToObject(o, "backoff_max_ms", (double)p->waits.max_ms);
    cJSON_AddNumberToObject(o, "exhausted_backoff_ms", (double)p->waits.exhausted_ms);
    cJSON_AddBoolToObject(o, "honor_pushback", p->waits.honor_pushback);
    for (int code = 0; code < SC_STATUS_COUNT; code++)
        if (p->retry_codes & SC_APP_CODE_BIT(code))
            cJSON_AddItemToArray(codes, cJSON_CreateString(sc_status_name(code)));
    cJSON_AddItemToObject(o, "retry_codes", codes);
    cJSON_AddNumberToObject(o, "max_attempts", p->max_attempts);
    cJSON_AddNumberToObject(o, "tolerance_ms", (double)p->waits.tolerance_ms);
    return o;
}

/* ---- the app section ---- */

static int parse_calls(sc_load_ctx *c, sc_app_section *a, const cJSON *app)
{
    const cJSON *calls = cJSON_GetObjectItemCaseSensitive(app, "calls");
    const cJSON *then = cJSON_GetObjectItemCaseSensitive(app, "then");
    a->calls = cJSON_CreateArray();
    a->then = cJSON_CreateObject();
    if (a->calls == NULL || a->then == NULL)
        return sc_load_oom(c, "app");
    if (calls != NULL && cJSON_GetArraySize(calls) > SC_APP_MAX_PLAN_CALLS)
        return sc_load_fail(c, "app.calls", "more than %d calls", SC_APP_MAX_PLAN_CALLS);
    size_t i = 0;
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, calls)
    {
        char path[48];
        sc_load_index(path, sizeof path, "app.calls", i++);
        cJSON *control = cJSON_CreateObject();
        if (control == NULL || !cJSON_AddItemToArray(a->calls, control))
            return sc_load_oom(c, path);
        if (sc_scenario_parse_control(c, e, path, control) != 0)
            return -1;
    }
    return then != NULL ? sc_scenario_parse_control(c, then, "app.then", a->then) : 0;
}

static int parse_restart(sc_load_ctx *c, sc_app_section *a, const cJSON *app)
{
    static const sc_jfield names[] = {{.key = "at_ms", .required = true},
                                      {.key = "down_ms", .required = true}};
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(app, "restart");
    a->restart_at_ms = -1;
    if (r == NULL)
        return 0;
    if (sc_load_object(c, r, "app.restart", SC_JSPEC(names)) != 0 ||
        sc_load_int(c, r, "at_ms", "app.restart", 1, SC_APP_MAX_RUN_MS, &a->restart_at_ms,
                    NULL) != 0 ||
        sc_load_int(c, r, "down_ms", "app.restart", 0, SC_APP_MAX_RUN_MS, &a->restart_down_ms,
                    NULL) != 0)
        return -1;
    if (a->restart_at_ms >= a->run_ms)
        return sc_load_fail(c, "app.restart.at_ms", "%lld is not before app.run_ms (%lld)",
                            (long long)a->restart_at_ms, (long long)a->run_ms);
    return 0;
}

static int parse_exit(sc_load_ctx *c, const cJSON *ex, sc_app_exit_rule *rule)
{
    static const char *const names[] = {"any", "running", "exited", "zero", "nonzero"};
    const char *text = NULL;
    if (sc_load_str(c, ex, "exit", "expect.app", 16, &text) != 0)
        return -1;
    if (text == NULL)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(text, names[i]) == 0) {
            *rule = (sc_app_exit_rule)i;
            return 0;
        }
    }
    return sc_load_fail(c, "expect.app.exit",
                        "\"%s\": expected any, running, exited, zero or nonzero", text);
}

static int parse_count(sc_load_ctx *c, const cJSON *ex, sc_app_expect *e)
{
    static const sc_jfield names[] = {{.key = "min"}, {.key = "max"}};
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(ex, "calls");
    int64_t min = -1, max = -1;
    if (n == NULL)
        return 0;
    if (cJSON_IsNumber(n)) {
        if (sc_load_int(c, ex, "calls", "expect.app", 0, SC_SCENARIO_MAX_COUNT, &min, NULL) != 0)
            return -1;
        max = min;
    } else if (sc_load_object(c, n, "expect.app.calls", SC_JSPEC(names)) != 0 ||
               sc_load_int(c, n, "min", "expect.app.calls", 0, SC_SCENARIO_MAX_COUNT, &min,
                           NULL) != 0 ||
               sc_load_int(c, n, "max", "expect.app.calls", 0, SC_SCENARIO_MAX_COUNT, &max,
                           NULL) != 0) {
        return -1;
    }
    if (max >= 0 && min > max)
        return sc_load_fail(c, "expect.app.calls", "min (%lld) is above max (%lld)",
                            (long long)min, (long long)max);
    e->min_calls = (int)min;
    e->max_calls = (int)max;
    return 0;
}

static int parse_expect_app(sc_load_ctx *c, sc_app_expect *e, const cJSON *expect)
{
    static const sc_jfield top[] = {{.key = "app", .required = true}};
    static const sc_jfield names[] = {{.key = "backoff"}, {.key = "retries"},
                                      {.key = "stops"},   {.key = "same_request"},
                                      {.key = "connections"}, {.key = "calls"},
                                      {.key = "exit"}};
    e->min_calls = e->max_calls = -1;
    if (expect == NULL)
        return sc_load_fail(c, "expect", "missing (an app scenario checks expect.app)");
    if (sc_load_object(c, expect, "expect", SC_JSPEC(top)) != 0)
        return -1;
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(expect, "app");
    if (sc_load_object(c, ex, "expect.app", SC_JSPEC(names)) != 0 ||
        sc_load_bool(c, ex, "backoff", "expect.app", &e->backoff, NULL) != 0 ||
        sc_load_bool(c, ex, "retries", "expect.app", &e->retries, NULL) != 0 ||
        sc_load_bool(c, ex, "stops", "expect.app", &e->stops, NULL) != 0 ||
        sc_load_bool(c, ex, "same_request", "expect.app", &e->same_request, NULL) != 0 ||
        sc_load_bool(c, ex, "connections", "expect.app", &e->connections, NULL) != 0 ||
        parse_count(c, ex, e) != 0 || parse_exit(c, ex, &e->exit) != 0)
        return -1;
    return 0;
}

int sc_scenario_parse_app(sc_load_ctx *c, sc_scenario *s, const cJSON *app, const cJSON *expect)
{
    static const sc_jfield names[] = {{.key = "run_ms", .required = true},
                                      {.key = "calls", .types = SC_JT_ARRAY},
                                      {.key = "then", .types = SC_JT_OBJECT},
                                      {.key = "faults"},
                                      {.key = "restart"},
                                      {.key = "policy", .types = SC_JT_OBJECT}};
    sc_app_section *a = calloc(1, sizeof *a);
    if (a == NULL)
        return sc_load_oom(c, "app");
    s->app = a;
    a->expect.policy = sc_app_policy_default();
    if (sc_load_object(c, app, "app", SC_JSPEC(names)) != 0 ||
        sc_load_int(c, app, "run_ms", "app", 1, SC_APP_MAX_RUN_MS, &a->run_ms, NULL) != 0 ||
        parse_calls(c, a, app) != 0 || parse_restart(c, a, app) != 0 ||
        sc_scenario_parse_faults(c, s, cJSON_GetObjectItemCaseSensitive(app, "faults"),
                                 "app.faults") != 0)
        return -1;
    const cJSON *policy = cJSON_GetObjectItemCaseSensitive(app, "policy");
    if (policy != NULL && policy_fields(c, policy, "app.policy", &a->expect.policy, NULL) != 0)
        return -1;
    return parse_expect_app(c, &a->expect, expect);
}

void sc_scenario_app_free(sc_app_section *a)
{
    if (a == NULL)
        return;
    cJSON_Delete(a->calls);
    cJSON_Delete(a->then);
    free(a);
}

const sc_app_section *sc_scenario_app(const sc_scenario *s)
{
    return s->app;
}

static cJSON *with_case(const cJSON *control, const char *case_id)
{
    cJSON *o = cJSON_Duplicate(control, true);
    if (o != NULL && cJSON_AddStringToObject(o, "x-sc-case", case_id) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *sc_scenario_app_plan(const sc_scenario *s, const char *case_id)
{
    const sc_app_section *a = s->app;
    cJSON *plan = cJSON_CreateObject();
    cJSON *calls = cJSON_AddArrayToObject(plan, "calls");
    cJSON *then = with_case(a->then, case_id);
    bool ok = calls != NULL && then != NULL && cJSON_AddItemToObject(plan, "then", then);
    if (!ok)
        cJSON_Delete(then);
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, a->calls)
    {
        cJSON *entry = ok ? with_case(e, case_id) : NULL;
        ok = entry != NULL && cJSON_AddItemToArray(calls, entry);
    }
    if (!ok) {
        cJSON_Delete(plan);
        return NULL;
    }
    return plan;
}

int64_t sc_scenario_app_pushback(const sc_scenario *s, size_t i)
{
    const sc_app_section *a = s->app;
    const cJSON *entry = i < (size_t)cJSON_GetArraySize(a->calls)
                             ? cJSON_GetArrayItem(a->calls, (int)i)
                             : a->then;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, "x-sc-retry-pushback-ms");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(entry, "x-sc-fail-code");
    if (!cJSON_IsString(v) || code == NULL)
        return -1;
    return strtoll(v->valuestring, NULL, 10);
}

cJSON *sc_scenario_app_expected_json(const sc_scenario *s)
{
    return cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(s->expect, "app"), true);
}
