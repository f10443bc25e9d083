/* sc_scenario_expect: a scenario's expect section, checked and parsed once into the typed model
 * the judge reads (sc_scenario_internal.h, "expectations"). */
#include "sc_scenario_internal.h"
#include "sc_jcheck.h"
#include "sc_json.h"
#include "sc_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- expect section ---- */

/* A count: integer (exact), or an object with min and/or max (and `count` when allowed). */
static int check_range(sc_load_ctx *c, const cJSON *v, const char *path, bool allow_exact,
                       bool allow_count)
{
    if (allow_exact && sc_jcheck_is_int(v)) {
        if (v->valuedouble < 0 || v->valuedouble > SC_SCENARIO_MAX_COUNT)
            return sc_load_fail(c, path, "must be in 0..%d", SC_SCENARIO_MAX_COUNT);
        return 0;
    }
    static const sc_jfield with_count[] = {{.key = "count"}, {.key = "min"}, {.key = "max"}};
    static const sc_jfield without[] = {{.key = "min"}, {.key = "max"}};
    if (!cJSON_IsObject(v))
        return sc_load_fail(c, path,
                            allow_exact ? "expected an integer or {\"min\": N, \"max\": M}"
                                        : "expected {\"min\": N, \"max\": M}");
    if (sc_load_object(c, v, path, allow_count ? SC_JSPEC(with_count) : SC_JSPEC(without)) != 0)
        return -1;
    int64_t count = 0, min = 0, max = 0;
    bool has_count = false, has_min = false, has_max = false;
    if (sc_load_int(c, v, "count", path, 0, SC_SCENARIO_MAX_COUNT, &count, &has_count) != 0 ||
        sc_load_int(c, v, "min", path, 0, SC_SCENARIO_MAX_COUNT, &min, &has_min) != 0 ||
        sc_load_int(c, v, "max", path, 0, SC_SCENARIO_MAX_COUNT, &max, &has_max) != 0)
        return -1;
    if (has_count && (has_min || has_max))
        return sc_load_fail(c, path, "give either count or min/max");
    if (!has_count && !has_min && !has_max)
        return sc_load_fail(c, path, allow_count ? "give count, min or max" : "give min or max");
    if (has_min && has_max && min > max)
        return sc_load_fail(c, path, "min %lld is above max %lld", (long long)min, (long long)max);
    return 0;
}

static int check_md_expect(sc_load_ctx *c, const cJSON *obj, const char *path)
{
    if (!cJSON_IsObject(obj))
        return sc_load_fail(c, path, "expected an object of key: value or {\"present\": false}");
    if (cJSON_GetArraySize(obj) > SC_SCENARIO_MAX_LIST)
        return sc_load_fail(c, path, "more than %d keys", SC_SCENARIO_MAX_LIST);
    static const sc_jfield names[] = {{.key = "present"}};
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, obj)
    {
        char p[512];
        sc_load_join(p, sizeof p, path, e->string);
        for (const char *k = e->string; *k; k++)
            if (*k >= 'A' && *k <= 'Z')
                return sc_load_fail(c, p, "metadata keys are lower-case on the wire");
        if (cJSON_IsString(e))
            continue;
        bool present = false, has = false;
        if (sc_load_object(c, e, p, SC_JSPEC(names)) != 0 ||
            sc_load_bool(c, e, "present", p, &present, &has) != 0)
            return -1;
        if (!has)
            return sc_load_fail(c, p, "expected a string or {\"present\": false}");
    }
    return 0;
}

static int check_match_object(sc_load_ctx *c, const sc_scenario *s, const cJSON *m,
                              const char *path)
{
    if (!cJSON_IsObject(m))
        return sc_load_fail(c, path,
                            "expected an object (a subset of the response in canonical JSON)");
    if (sc_load_per_case(c, m, path, 0) != 0)
        return -1;
    cJSON *copy = cJSON_Duplicate(m, true);
    if (copy == NULL || sc_scenario_resolve_per_case(copy, "validate") != 0) {
        cJSON_Delete(copy);
        return sc_load_oom(c, path);
    }
    char why[512];
    ProtobufCMessage *msg =
        sc_json_to_message(sc_method_get(s->method)->response, copy, why, sizeof why);
    cJSON_Delete(copy);
    if (msg == NULL) {
        if (strncmp(why, "(root): ", 8) == 0)
            return sc_load_fail(c, path, "%s", why + 8);
        snprintf(c->err, c->errlen, "%s: %s.%s", c->origin, path, why);
        return -1;
    }
    protobuf_c_message_free_unpacked(msg, NULL);
    return 0;
}

static int check_contents(sc_load_ctx *c, const sc_scenario *s, const cJSON *arr)
{
    const char *path = "expect.response_contents";
    if (!cJSON_IsArray(arr))
        return sc_load_fail(c, path, "expected an array");
    if (cJSON_GetArraySize(arr) > SC_SCENARIO_MAX_LIST)
        return sc_load_fail(c, path, "more than %d entries", SC_SCENARIO_MAX_LIST);
    static const sc_jfield names[] = {{.key = "index"}, {.key = "match"}};
    size_t i = 0;
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, arr)
    {
        char p[512];
        sc_load_index(p, sizeof p, path, i++);
        if (cJSON_IsNull(e))
            continue;
        const cJSON *idx = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "index") : NULL;
        if (idx == NULL) {
            if (check_match_object(c, s, e, p) != 0)
                return -1;
            continue;
        }
        int64_t v = 0;
        if (sc_load_object(c, e, p, SC_JSPEC(names)) != 0 ||
            sc_load_int(c, e, "index", p, -SC_SCENARIO_MAX_COUNT, SC_SCENARIO_MAX_COUNT, &v,
                        NULL) != 0)
            return -1;
        char mp[600];
        sc_load_join(mp, sizeof mp, p, "match");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "match");
        if (m == NULL)
            return sc_load_fail(c, mp, "missing");
        if (check_match_object(c, s, m, mp) != 0)
            return -1;
    }
    return 0;
}

static int check_timing(sc_load_ctx *c, const cJSON *t)
{
    static const sc_jfield names[] = {{.key = "elapsed_ms"}, {.key = "first_response_ms"}};
    if (sc_load_object(c, t, "expect.timing", SC_JSPEC(names)) != 0)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, names[i].key);
        char p[512];
        sc_load_join(p, sizeof p, "expect.timing", names[i].key);
        if (v != NULL && check_range(c, v, p, false, false) != 0)
            return -1;
    }
    return 0;
}

static int check_server_expect(sc_load_ctx *c, const cJSON *sv)
{
    static const sc_jfield names[] = {
        {.key = "cancelled"},         {.key = "deadline_exceeded"}, {.key = "deadline_ms"},
        {.key = "messages_received"}, {.key = "messages_sent"},     {.key = "status"},
        {.key = "status_message"},    {.key = "metadata"},          {.key = "calls"}};
    const char *path = "expect.server";
    if (sc_load_object(c, sv, path, SC_JSPEC(names)) != 0)
        return -1;
    bool b = false;
    const char *text = NULL;
    if (sc_load_bool(c, sv, "cancelled", path, &b, NULL) != 0 ||
        sc_load_bool(c, sv, "deadline_exceeded", path, &b, NULL) != 0 ||
        sc_load_str(c, sv, "status_message", path, SC_SCENARIO_MAX_STRING, &text) != 0)
        return -1;
    static const sc_jfield ranges[] = {{.key = "deadline_ms"},
                                       {.key = "messages_received"},
                                       {.key = "messages_sent"},
                                       {.key = "calls"}};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(sv, ranges[i].key);
        char p[512];
        sc_load_join(p, sizeof p, path, ranges[i].key);
        if (v != NULL && check_range(c, v, p, i != 0, false) != 0)
            return -1;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(sv, "status");
    if (st != NULL && sc_load_code(c, st, "expect.server.status", NULL) != 0)
        return -1;
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(sv, "metadata");
    if (md != NULL && check_md_expect(c, md, "expect.server.metadata") != 0)
        return -1;
    return 0;
}

static int check_attempts(sc_load_ctx *c, const sc_scenario *s, const cJSON *a)
{
    static const sc_jfield names[] = {{.key = "count"}, {.key = "codes"}, {.key = "schedule"}};
    static const sc_jfield snames[] = {{.key = "tolerance_ms"}};
    const char *path = "expect.attempts";
    if (sc_load_object(c, a, path, SC_JSPEC(names)) != 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "count");
    if (v != NULL && check_range(c, v, "expect.attempts.count", true, false) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(a, "codes");
    if (v != NULL && sc_load_codes(c, v, "expect.attempts.codes") != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(a, "schedule");
    if (v == NULL)
        return 0;
    if (!s->reconnect)
        return sc_load_fail(c, "expect.attempts.schedule",
                            "needs client.reconnect (the policy to check)");
    if (cJSON_IsTrue(v))
        return 0;
    int64_t tol = 0;
    if (sc_load_object(c, v, "expect.attempts.schedule", SC_JSPEC(snames)) != 0 ||
        sc_load_int(c, v, "tolerance_ms", "expect.attempts.schedule", 0, SC_SCENARIO_MAX_MS, &tol,
                    NULL) != 0)
        return -1;
    return 0;
}

/* expect.network: what the fault proxy saw (connections; accept times against a
 * connection-backoff policy). Needs a faults section, even [], so that a proxy runs. */
static int check_network_expect(sc_load_ctx *c, const sc_scenario *s, const cJSON *net)
{
    static const sc_jfield names[] = {{.key = "connections"}, {.key = "schedule"}};
    static const sc_jfield snames[] = {{.key = "initial_ms"},
                                       {.key = "multiplier"},
                                       {.key = "jitter"},
                                       {.key = "max_ms"},
                                       {.key = "tolerance_ms"}};
    if (s->faults == NULL)
        return sc_load_fail(c, "expect.network",
                            "needs a faults section (even []) to put a proxy in place");
    if (sc_load_object(c, net, "expect.network", SC_JSPEC(names)) != 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(net, "connections");
    if (v != NULL && check_range(c, v, "expect.network.connections", true, false) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(net, "schedule");
    if (v == NULL)
        return 0;
    const char *sp = "expect.network.schedule";
    int64_t initial = 0, max = 0, tol = 0;
    bool has_initial = false, has_max = false, has_tol = false;
    if (sc_load_object(c, v, sp, SC_JSPEC(snames)) != 0 ||
        sc_load_int(c, v, "initial_ms", sp, 1, SC_SCENARIO_MAX_MS, &initial, &has_initial) != 0 ||
        sc_load_int(c, v, "max_ms", sp, 1, SC_SCENARIO_MAX_MS, &max, &has_max) != 0 ||
        sc_load_int(c, v, "tolerance_ms", sp, 0, SC_SCENARIO_MAX_MS, &tol, &has_tol) != 0 ||
        sc_load_number(c, v, "multiplier", sp, 1.0, 100.0) != 0 ||
        sc_load_number(c, v, "jitter", sp, 0.0, 0.999) != 0)
        return -1;
    if (!has_initial || !has_max)
        return sc_load_fail(c, sp, "give initial_ms and max_ms (the client's reconnect backoff)");
    return 0;
}

int sc_scenario_parse_expect(sc_load_ctx *c, sc_scenario *s, const cJSON *ex)
{
    static const sc_jfield names[] = {{.key = "status"},    {.key = "other_allowed_codes"},
                                      {.key = "message"},   {.key = "message_contains"},
                                      {.key = "responses"}, {.key = "response_contents"},
                                      {.key = "headers"},   {.key = "trailers"},
                                      {.key = "timing"},    {.key = "server"},
                                      {.key = "attempts"},  {.key = "response_filter"},
                                      {.key = "network"}};
    if (ex == NULL)
        return sc_load_fail(c, "expect", "missing (at least expect.status)");
    if (sc_load_object(c, ex, "expect", SC_JSPEC(names)) != 0)
        return -1;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(ex, "status");
    if (st == NULL)
        return sc_load_fail(c, "expect.status", "missing");
    if (sc_load_code(c, st, "expect.status", NULL) != 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ex, "other_allowed_codes");
    if (v != NULL && sc_load_codes(c, v, "expect.other_allowed_codes") != 0)
        return -1;
    const char *m1 = NULL, *m2 = NULL;
    if (sc_load_str(c, ex, "message", "expect", SC_SCENARIO_MAX_STRING, &m1) != 0 ||
        sc_load_str(c, ex, "message_contains", "expect", SC_SCENARIO_MAX_STRING, &m2) != 0)
        return -1;
    if (m1 != NULL && m2 != NULL)
        return sc_load_fail(c, "expect.message_contains",
                            "give either message or message_contains");
    v = cJSON_GetObjectItemCaseSensitive(ex, "responses");
    if (v != NULL && check_range(c, v, "expect.responses", true, true) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(ex, "response_contents");
    if (v != NULL && check_contents(c, s, v) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(ex, "response_filter");
    if (v != NULL && check_match_object(c, s, v, "expect.response_filter") != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(ex, "headers");
    if (v != NULL && check_md_expect(c, v, "expect.headers") != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(ex, "trailers");
    if (v != NULL && check_md_expect(c, v, "expect.trailers") != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(ex, "timing");
    if (v != NULL && check_timing(c, v) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(ex, "server");
    if (v != NULL && check_server_expect(c, v) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(ex, "attempts");
    if (v != NULL && check_attempts(c, s, v) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(ex, "network");
    if (v != NULL && check_network_expect(c, s, v) != 0)
        return -1;
    s->expect = cJSON_Duplicate(ex, true);
    return s->expect != NULL ? 0 : sc_load_oom(c, "expect");
}
