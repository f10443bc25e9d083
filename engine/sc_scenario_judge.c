/* sc_scenario_judge: compare a driver result (and the server's events of the case) with a
 * scenario's `expect` section. The section was validated by the loader, so shapes are trusted;
 * the result and the events come from peers and are not. */
#include "sc_scenario_internal.h"
#include "sc_scenario_backoff.h"
#include "sc_status.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    sc_judgement *j;
    size_t cap;
    bool oom;
} judge;

static char *bounded(const char *text)
{
    size_t n = strlen(text);
    if (n <= SC_JUDGE_MAX_TEXT)
        return strdup(text);
    char *out = malloc(SC_JUDGE_MAX_TEXT + 4);
    if (out == NULL)
        return NULL;
    /* Cut on a UTF-8 boundary so the report stays valid text. */
    size_t cut = SC_JUDGE_MAX_TEXT;
    while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(out, text, cut);
    memcpy(out + cut, "...", 4);
    return out;
}

static void add(judge *jd, const char *path, const char *expected, const char *actual)
{
    sc_judgement *j = jd->j;
    if (j->n_failures == jd->cap) {
        size_t cap = jd->cap ? jd->cap * 2 : 8;
        sc_check_failure *f = realloc(j->failures, cap * sizeof *f);
        if (f == NULL) {
            jd->oom = true;
            return;
        }
        j->failures = f;
        jd->cap = cap;
    }
    sc_check_failure *f = &j->failures[j->n_failures];
    f->path = bounded(path);
    f->expected = bounded(expected);
    f->actual = bounded(actual);
    if (f->path == NULL || f->expected == NULL || f->actual == NULL) {
        free(f->path);
        free(f->expected);
        free(f->actual);
        jd->oom = true;
        return;
    }
    j->n_failures++;
}

__attribute__((format(printf, 4, 5))) static void addf(judge *jd, const char *path,
                                                       const char *expected, const char *fmt, ...)
{
    char actual[SC_JUDGE_MAX_TEXT + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(actual, sizeof actual, fmt, ap);
    va_end(ap);
    add(jd, path, expected, actual);
}

/* Compact JSON of a value, bounded (for expected/actual texts). */
static void json_text(const cJSON *v, char *out, size_t len)
{
    if (v == NULL) {
        snprintf(out, len, "(absent)");
        return;
    }
    char *t = cJSON_PrintUnformatted(v);
    snprintf(out, len, "%s", t != NULL ? t : "?");
    free(t);
}

/* ---- ranges ---- */

typedef struct {
    int64_t min, max;
} range;

static range range_of(const cJSON *v)
{
    range r = {0, INT64_MAX};
    if (cJSON_IsNumber(v)) {
        r.min = r.max = (int64_t)v->valuedouble;
        return r;
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "count");
    if (cJSON_IsNumber(c)) {
        r.min = r.max = (int64_t)c->valuedouble;
        return r;
    }
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(v, "min");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(v, "max");
    if (cJSON_IsNumber(lo))
        r.min = (int64_t)lo->valuedouble;
    if (cJSON_IsNumber(hi))
        r.max = (int64_t)hi->valuedouble;
    return r;
}

static void range_text(range r, const char *unit, char *out, size_t len)
{
    if (r.min == r.max)
        snprintf(out, len, "%" PRId64 "%s", r.min, unit);
    else if (r.max == INT64_MAX)
        snprintf(out, len, ">= %" PRId64 "%s", r.min, unit);
    else if (r.min == 0)
        snprintf(out, len, "<= %" PRId64 "%s", r.max, unit);
    else
        snprintf(out, len, "%" PRId64 "..%" PRId64 "%s", r.min, r.max, unit);
}

static void check_range(judge *jd, const char *path, const cJSON *spec, double actual,
                        const char *unit)
{
    range r = range_of(spec);
    if (actual >= (double)r.min && actual <= (double)r.max)
        return;
    char exp[96];
    range_text(r, unit, exp, sizeof exp);
    addf(jd, path, exp, "%.0f%s", actual, unit);
}

/* A number from the result: a JSON number, or absent/null (-> false). */
static bool number_of(const cJSON *v, double *out)
{
    if (!cJSON_IsNumber(v))
        return false;
    *out = v->valuedouble;
    return true;
}

/* ---- subset match on canonical JSON ---- */

static bool is_default(const cJSON *v)
{
    if (v == NULL || cJSON_IsNull(v) || cJSON_IsFalse(v))
        return true;
    if (cJSON_IsNumber(v))
        return v->valuedouble == 0;
    if (cJSON_IsString(v))
        return v->valuestring[0] == '\0' || strcmp(v->valuestring, "0") == 0;
    if (cJSON_IsArray(v))
        return v->child == NULL;
    if (cJSON_IsObject(v)) {
        for (const cJSON *c = v->child; c != NULL; c = c->next)
            if (!is_default(c))
                return false;
        return true;
    }
    return false;
}

/* A number given either as a JSON number or as a decimal string (int64 in canonical JSON). */
static bool numeric(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return true;
    }
    if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
        char *end = NULL;
        *out = strtod(v->valuestring, &end);
        return *end == '\0';
    }
    return false;
}

static bool scalar_equal(const cJSON *e, const cJSON *a)
{
    if (cJSON_IsString(e) && cJSON_IsString(a))
        return strcmp(e->valuestring, a->valuestring) == 0;
    if (cJSON_IsBool(e) || cJSON_IsBool(a))
        return cJSON_IsBool(e) && cJSON_IsBool(a) && cJSON_IsTrue(e) == cJSON_IsTrue(a);
    double x = 0, y = 0;
    if ((cJSON_IsNumber(e) || cJSON_IsNumber(a)) && numeric(e, &x) && numeric(a, &y))
        return x == y;
    return false;
}

/* First mismatch below `path`: writes its path and returns false. `a` may be NULL (absent, i.e.
 * the field holds its default). Depth is bounded by the loader's nesting limit. */
static bool subset(const cJSON *e, const cJSON *a, char *path, size_t len, int depth)
{
    if (depth > SC_SCENARIO_MAX_DEPTH)
        return false;
    if (a == NULL || cJSON_IsNull(a)) {
        if (is_default(e))
            return true;
        if (!cJSON_IsObject(e) && !cJSON_IsArray(e))
            return false;
        a = NULL;
    }
    size_t base = strlen(path);
    if (cJSON_IsObject(e)) {
        if (a != NULL && !cJSON_IsObject(a))
            return false;
        for (const cJSON *m = e->child; m != NULL; m = m->next) {
            snprintf(path + base, len - base, ".%s", m->string);
            const cJSON *am = a != NULL ? cJSON_GetObjectItemCaseSensitive(a, m->string) : NULL;
            if (!subset(m, am, path, len, depth + 1))
                return false;
        }
        path[base] = '\0';
        return true;
    }
    if (cJSON_IsArray(e)) {
        if (a != NULL && !cJSON_IsArray(a))
            return false;
        int n = cJSON_GetArraySize(e);
        if ((a != NULL ? cJSON_GetArraySize(a) : 0) != n)
            return false;
        int i = 0;
        for (const cJSON *m = e->child; m != NULL; m = m->next, i++) {
            snprintf(path + base, len - base, "[%d]", i);
            if (!subset(m, cJSON_GetArrayItem(a, i), path, len, depth + 1))
                return false;
        }
        path[base] = '\0';
        return true;
    }
    return a != NULL && scalar_equal(e, a);
}

/* The value at `sub` (a path suffix such as ".dataPoints[1].id") below `root`, or NULL. */
static const cJSON *value_at(const cJSON *root, const char *sub)
{
    const cJSON *v = root;
    const char *p = sub;
    while (v != NULL && *p != '\0') {
        if (*p == '.') {
            p++;
            size_t n = strcspn(p, ".[");
            char key[256];
            snprintf(key, sizeof key, "%.*s", (int)(n < 255 ? n : 255), p);
            v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, key) : NULL;
            p += n;
        } else if (*p == '[') {
            int i = atoi(p + 1);
            v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, i) : NULL;
            p = strchr(p, ']');
            if (p == NULL)
                return NULL;
            p++;
        } else {
            return NULL;
        }
    }
    return v;
}

static void check_contents(judge *jd, const cJSON *spec, const cJSON *responses)
{
    int n = cJSON_GetArraySize(responses);
    int pos = 0;
    for (const cJSON *e = spec->child; e != NULL; e = e->next, pos++) {
        if (cJSON_IsNull(e))
            continue;
        const cJSON *idx = cJSON_GetObjectItemCaseSensitive(e, "index");
        const cJSON *match = idx != NULL ? cJSON_GetObjectItemCaseSensitive(e, "match") : e;
        int index = idx != NULL ? (int)idx->valuedouble : pos;
        char path[512];
        snprintf(path, sizeof path, "expect.response_contents[%d]", pos);
        int at = index < 0 ? n + index : index;
        if (at < 0 || at >= n) {
            char exp[64];
            snprintf(exp, sizeof exp, "a response at index %d", index);
            addf(jd, path, exp, "%d responses", n);
            continue;
        }
        const cJSON *actual = cJSON_GetArrayItem(responses, at);
        char sub[512] = "";
        if (subset(match, actual, sub, sizeof sub, 0))
            continue;
        char full[1024], exp[SC_JUDGE_MAX_TEXT + 1], act[SC_JUDGE_MAX_TEXT + 1];
        snprintf(full, sizeof full, "%s%s", path, sub);
        json_text(value_at(match, sub), exp, sizeof exp);
        json_text(value_at(actual, sub), act, sizeof act);
        add(jd, full, exp, act);
    }
}

/* The result's responses (a new array), only those matching `filter` (per-case names resolved)
 * when one is given. NULL on allocation failure. */
static cJSON *filtered_responses(const cJSON *result, cJSON *filter, const char *case_id)
{
    cJSON *out = cJSON_CreateArray();
    if (out == NULL || sc_scenario_resolve_per_case(filter, case_id) != 0) {
        cJSON_Delete(out);
        return NULL;
    }
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(result, "responses"))
    {
        char sub[512] = "";
        if (filter != NULL && !subset(filter, r, sub, sizeof sub, 0))
            continue;
        cJSON *copy = cJSON_Duplicate(r, true);
        if (copy == NULL) {
            cJSON_Delete(out);
            return NULL;
        }
        cJSON_AddItemToArray(out, copy);
    }
    return out;
}

/* ---- status, metadata ---- */

static void check_status(judge *jd, const cJSON *ex, const cJSON *result)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(result, "status");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(st, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(st, "message");
    const char *actual = cJSON_IsString(code) ? code->valuestring : "(no status)";
    const char *amsg = cJSON_IsString(msg) ? msg->valuestring : "";
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(ex, "status");
    const cJSON *others = cJSON_GetObjectItemCaseSensitive(ex, "other_allowed_codes");
    bool ok = strcmp(actual, want->valuestring) == 0;
    char exp[SC_JUDGE_MAX_TEXT + 1];
    size_t used = (size_t)snprintf(exp, sizeof exp, "%s", want->valuestring);
    const cJSON *o = NULL;
    cJSON_ArrayForEach(o, others)
    {
        ok = ok || strcmp(actual, o->valuestring) == 0;
        if (used < sizeof exp)
            used += (size_t)snprintf(exp + used, sizeof exp - used, " or %s", o->valuestring);
    }
    if (!ok)
        addf(jd, "expect.status", exp, "%s \"%s\"", actual, amsg);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(ex, "message");
    if (m != NULL && strcmp(m->valuestring, amsg) != 0)
        add(jd, "expect.message", m->valuestring, amsg);
    m = cJSON_GetObjectItemCaseSensitive(ex, "message_contains");
    if (m != NULL && strstr(amsg, m->valuestring) == NULL) {
        char e2[SC_JUDGE_MAX_TEXT + 16];
        snprintf(e2, sizeof e2, "contains \"%s\"", m->valuestring);
        add(jd, "expect.message_contains", e2, amsg);
    }
}

static void check_md(judge *jd, const char *path, const cJSON *spec, const cJSON *actual)
{
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, spec)
    {
        char p[512];
        snprintf(p, sizeof p, "%s.%s", path, e->string);
        const cJSON *a =
            cJSON_IsObject(actual) ? cJSON_GetObjectItemCaseSensitive(actual, e->string) : NULL;
        const char *atext = cJSON_IsString(a) ? a->valuestring : a != NULL ? "(not text)" : NULL;
        if (cJSON_IsString(e)) {
            if (atext == NULL)
                add(jd, p, e->valuestring, "(absent)");
            else if (strcmp(atext, e->valuestring) != 0)
                add(jd, p, e->valuestring, atext);
            continue;
        }
        bool present = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "present"));
        if (present && a == NULL)
            add(jd, p, "present", "(absent)");
        else if (!present && a != NULL)
            add(jd, p, "absent", atext);
    }
}

/* ---- server events ---- */

static const char *event_name(const cJSON *ev)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, "event");
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double event_call(const cJSON *ev)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, "call");
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void check_server(judge *jd, const cJSON *spec, const cJSON *events)
{
    /* Distinct calls, and the last one (the highest call number: the final attempt). */
    double last = -1;
    size_t calls = 0;
    const cJSON *ev = NULL;
    cJSON_ArrayForEach(ev, events)
    {
        double c = event_call(ev);
        if (strcmp(event_name(ev), "call_start") == 0)
            calls++;
        if (c > last)
            last = c;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, "calls");
    if (v != NULL)
        check_range(jd, "expect.server.calls", v, (double)calls, "");
    if (last < 0) {
        if (cJSON_GetArraySize(spec) > (v != NULL ? 1 : 0))
            add(jd, "expect.server", "server events of the case",
                "none (the call never reached the server)");
        return;
    }
    const cJSON *start = NULL;
    bool cancelled = false, deadline = false;
    double received = 0, sent = 0;
    const cJSON *status = NULL;
    cJSON_ArrayForEach(ev, events)
    {
        if (event_call(ev) != last)
            continue;
        const char *name = event_name(ev);
        double count = 0;
        number_of(cJSON_GetObjectItemCaseSensitive(ev, "count"), &count);
        if (strcmp(name, "call_start") == 0)
            start = ev;
        else if (strcmp(name, "cancelled") == 0)
            cancelled = true;
        else if (strcmp(name, "deadline_exceeded") == 0)
            deadline = true;
        else if (strcmp(name, "message_received") == 0 && count > received)
            received = count;
        else if (strcmp(name, "message_sent") == 0 && count > sent)
            sent = count;
        else if (strcmp(name, "status_sent") == 0)
            status = ev;
    }
    v = cJSON_GetObjectItemCaseSensitive(spec, "cancelled");
    if (v != NULL && cJSON_IsTrue(v) != cancelled)
        add(jd, "expect.server.cancelled", cJSON_IsTrue(v) ? "true" : "false",
            cancelled  ? "true"
            : deadline ? "false (deadline_exceeded instead)"
                       : "false");
    v = cJSON_GetObjectItemCaseSensitive(spec, "deadline_exceeded");
    if (v != NULL && cJSON_IsTrue(v) != deadline)
        add(jd, "expect.server.deadline_exceeded", cJSON_IsTrue(v) ? "true" : "false",
            deadline    ? "true"
            : cancelled ? "false (cancelled instead)"
                        : "false");
    v = cJSON_GetObjectItemCaseSensitive(spec, "deadline_ms");
    if (v != NULL) {
        double d = 0;
        if (start == NULL || !number_of(cJSON_GetObjectItemCaseSensitive(start, "deadline_ms"), &d))
            add(jd, "expect.server.deadline_ms", "a deadline",
                start == NULL ? "(no call_start)" : "none");
        else
            check_range(jd, "expect.server.deadline_ms", v, d, " ms");
    }
    v = cJSON_GetObjectItemCaseSensitive(spec, "messages_received");
    if (v != NULL)
        check_range(jd, "expect.server.messages_received", v, received, "");
    v = cJSON_GetObjectItemCaseSensitive(spec, "messages_sent");
    if (v != NULL)
        check_range(jd, "expect.server.messages_sent", v, sent, "");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(status, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(status, "message");
    v = cJSON_GetObjectItemCaseSensitive(spec, "status");
    if (v != NULL && !(cJSON_IsString(code) && strcmp(code->valuestring, v->valuestring) == 0))
        add(jd, "expect.server.status", v->valuestring,
            cJSON_IsString(code) ? code->valuestring : "(no status_sent)");
    v = cJSON_GetObjectItemCaseSensitive(spec, "status_message");
    if (v != NULL && !(cJSON_IsString(msg) && strcmp(msg->valuestring, v->valuestring) == 0))
        add(jd, "expect.server.status_message", v->valuestring,
            cJSON_IsString(msg) ? msg->valuestring : "(no status_sent)");
    v = cJSON_GetObjectItemCaseSensitive(spec, "metadata");
    if (v != NULL)
        check_md(jd, "expect.server.metadata", v,
                 start != NULL ? cJSON_GetObjectItemCaseSensitive(start, "metadata") : NULL);
}

/* ---- attempts and the schedule ---- */

static sc_sched_policy sched_policy(const sc_scenario *s)
{
    sc_sched_policy p = {s->backoff_initial_ms,   s->backoff_multiplier,
                         s->backoff_jitter,       s->backoff_max_ms,
                         s->exhausted_backoff_ms, SC_SCENARIO_DEFAULT_TOLERANCE_MS,
                         s->honor_pushback};
    const cJSON *att = cJSON_GetObjectItemCaseSensitive(s->expect, "attempts");
    const cJSON *sched = cJSON_GetObjectItemCaseSensitive(att, "schedule");
    const cJSON *tol = cJSON_GetObjectItemCaseSensitive(sched, "tolerance_ms");
    if (cJSON_IsNumber(tol))
        p.tolerance_ms = (int64_t)tol->valuedouble;
    return p;
}

cJSON *sc_scenario_schedule_policy_json(const sc_scenario *s)
{
    sc_sched_policy p = sched_policy(s);
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddNumberToObject(o, "backoff_initial_ms", (double)p.initial_ms);
    cJSON_AddNumberToObject(o, "backoff_multiplier", p.multiplier);
    cJSON_AddNumberToObject(o, "backoff_jitter", p.jitter);
    cJSON_AddNumberToObject(o, "backoff_max_ms", (double)p.max_ms);
    cJSON_AddNumberToObject(o, "exhausted_backoff_ms", (double)p.exhausted_ms);
    cJSON_AddBoolToObject(o, "honor_pushback", p.honor_pushback);
    if (cJSON_AddNumberToObject(o, "tolerance_ms", (double)p.tolerance_ms) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The result's attempts as schedule entries; `delivered` from responses_ms falling inside an
 * attempt. Returns a malloc'd array (NULL with *n = 0 when there are none or on bad input). */
static sc_sched_attempt *result_attempts(const cJSON *result, size_t *n)
{
    const cJSON *att = cJSON_GetObjectItemCaseSensitive(result, "attempts");
    const cJSON *timings = cJSON_GetObjectItemCaseSensitive(result, "timings");
    const cJSON *rms = cJSON_GetObjectItemCaseSensitive(timings, "responses_ms");
    *n = 0;
    int count = cJSON_IsArray(att) ? cJSON_GetArraySize(att) : 0;
    if (count <= 0)
        return NULL;
    sc_sched_attempt *a = calloc((size_t)count, sizeof *a);
    if (a == NULL)
        return NULL;
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, att)
    {
        double st = 0, en = 0;
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
        if (!number_of(cJSON_GetObjectItemCaseSensitive(e, "start_ms"), &st) ||
            !number_of(cJSON_GetObjectItemCaseSensitive(e, "end_ms"), &en) ||
            !cJSON_IsString(code) || !sc_scenario_code_by_name(code->valuestring, &a[*n].code)) {
            free(a);
            *n = 0;
            return NULL;
        }
        a[*n].start_ms = (int64_t)st;
        a[*n].end_ms = (int64_t)en;
        double pushback = 0;
        if (number_of(cJSON_GetObjectItemCaseSensitive(e, "pushback_ms"), &pushback)) {
            a[*n].has_pushback = true;
            a[*n].pushback_ms = (int64_t)pushback;
        }
        const cJSON *r = NULL;
        cJSON_ArrayForEach(r, rms)
        {
            if (cJSON_IsNumber(r) && r->valuedouble >= st && r->valuedouble <= en)
                a[*n].delivered = true;
        }
        (*n)++;
    }
    return a;
}

static void codes_text(const cJSON *list, char *out, size_t len, bool from_attempts)
{
    size_t used = 0;
    out[0] = '\0';
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, list)
    {
        const cJSON *c = from_attempts ? cJSON_GetObjectItemCaseSensitive(e, "code") : e;
        if (used < len)
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "",
                                     cJSON_IsString(c) ? c->valuestring : "?");
    }
    if (used == 0)
        snprintf(out, len, "(none)");
}

static void check_attempts(judge *jd, const sc_scenario *s, const cJSON *spec, const cJSON *result)
{
    const cJSON *att = cJSON_GetObjectItemCaseSensitive(result, "attempts");
    int count = cJSON_IsArray(att) ? cJSON_GetArraySize(att) : 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, "count");
    if (v != NULL)
        check_range(jd, "expect.attempts.count", v, count, "");
    v = cJSON_GetObjectItemCaseSensitive(spec, "codes");
    if (v != NULL) {
        bool same = cJSON_GetArraySize(v) == count;
        for (int i = 0; same && i < count; i++) {
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(att, i), "code");
            same = cJSON_IsString(c) &&
                   strcmp(c->valuestring, cJSON_GetArrayItem(v, i)->valuestring) == 0;
        }
        if (!same) {
            char e[SC_JUDGE_MAX_TEXT + 1], a[SC_JUDGE_MAX_TEXT + 1];
            codes_text(v, e, sizeof e, false);
            codes_text(att, a, sizeof a, true);
            add(jd, "expect.attempts.codes", e, a);
        }
    }
    if (cJSON_GetObjectItemCaseSensitive(spec, "schedule") == NULL)
        return;
    size_t n = 0;
    sc_sched_attempt *a = result_attempts(result, &n);
    if (a == NULL && count > 0) {
        add(jd, "expect.attempts.schedule", "attempts with start_ms, end_ms and a code",
            "malformed attempts");
        return;
    }
    if (n < 2) {
        free(a);
        return;
    }
    sc_sched_gap *gaps = calloc(n - 1, sizeof *gaps);
    if (gaps == NULL) {
        free(a);
        jd->oom = true;
        return;
    }
    sc_sched_policy p = sched_policy(s);
    sc_sched_check(&p, a, n, gaps);
    for (size_t i = 0; i + 1 < n; i++) {
        if (gaps[i].ok)
            continue;
        char path[96], exp[96];
        snprintf(path, sizeof path, "expect.attempts.schedule[%zu]", i);
        if (gaps[i].expected_max_ms < 0)
            snprintf(exp, sizeof exp, "no attempt after attempt %zu (its pushback says stop)",
                     i + 1);
        else
            snprintf(exp, sizeof exp, "gap after attempt %zu (%s) in %" PRId64 "..%" PRId64 " ms",
                     i + 1, sc_status_name(a[i].code), gaps[i].expected_min_ms,
                     gaps[i].expected_max_ms);
        addf(jd, path, exp, "%" PRId64 " ms", gaps[i].gap_ms);
    }
    free(gaps);
    free(a);
}

/* ---- the network as the fault proxy saw it ---- */

/* expect.network.schedule as a policy: the connection-backoff spec's multiplier and jitter unless
 * given; no RESOURCE_EXHAUSTED rule (connection attempts have no status). */
static sc_sched_policy network_policy(const cJSON *sched)
{
    sc_sched_policy p = {0,
                         SC_SCENARIO_CONN_BACKOFF_MULTIPLIER,
                         SC_SCENARIO_CONN_BACKOFF_JITTER,
                         0,
                         0,
                         SC_SCENARIO_DEFAULT_TOLERANCE_MS,
                         false};
    const cJSON *v;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(sched, "initial_ms")))
        p.initial_ms = (int64_t)v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(sched, "max_ms")))
        p.max_ms = (int64_t)v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(sched, "multiplier")))
        p.multiplier = v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(sched, "jitter")))
        p.jitter = v->valuedouble;
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(sched, "tolerance_ms")))
        p.tolerance_ms = (int64_t)v->valuedouble;
    return p;
}

/* The proxy's accepted connections (result.network, added by the runner) as attempts. The
 * connection backoff counts from the start of one attempt to the start of the next (the gRPC
 * connection-backoff spec), so each attempt ends where it starts. */
static sc_sched_attempt *network_attempts(const cJSON *result, size_t *n)
{
    const cJSON *net = cJSON_GetObjectItemCaseSensitive(result, "network");
    *n = 0;
    int count = cJSON_IsArray(net) ? cJSON_GetArraySize(net) : 0;
    sc_sched_attempt *a = count > 0 ? calloc((size_t)count, sizeof *a) : NULL;
    if (a == NULL)
        return NULL;
    const cJSON *rec = NULL;
    cJSON_ArrayForEach(rec, net)
    {
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(rec, "event");
        double t = 0;
        if (!cJSON_IsString(ev) || strcmp(ev->valuestring, "accept") != 0 ||
            !number_of(cJSON_GetObjectItemCaseSensitive(rec, "t_ms"), &t))
            continue;
        a[*n].start_ms = a[*n].end_ms = (int64_t)t;
        a[*n].code = SC_STATUS_UNAVAILABLE;
        (*n)++;
    }
    return a;
}

static void check_network(judge *jd, const cJSON *spec, const cJSON *result)
{
    size_t n = 0;
    sc_sched_attempt *a = network_attempts(result, &n);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, "connections");
    if (v != NULL)
        check_range(jd, "expect.network.connections", v, (double)n, "");
    const cJSON *sched = cJSON_GetObjectItemCaseSensitive(spec, "schedule");
    if (sched == NULL || n < 2) {
        free(a);
        return;
    }
    sc_sched_gap *gaps = calloc(n - 1, sizeof *gaps);
    if (gaps == NULL) {
        free(a);
        jd->oom = true;
        return;
    }
    sc_sched_policy p = network_policy(sched);
    sc_sched_check(&p, a, n, gaps);
    for (size_t i = 0; i + 1 < n; i++) {
        if (gaps[i].ok)
            continue;
        char path[96], exp[96];
        snprintf(path, sizeof path, "expect.network.schedule[%zu]", i);
        snprintf(exp, sizeof exp, "connection %zu -> %zu in %" PRId64 "..%" PRId64 " ms", i + 1,
                 i + 2, gaps[i].expected_min_ms, gaps[i].expected_max_ms);
        addf(jd, path, exp, "%" PRId64 " ms", gaps[i].gap_ms);
    }
    free(gaps);
    free(a);
}

/* The report's reconnect block from the proxy's accept times, for expect.network.schedule. */
static cJSON *network_reconnect_json(const cJSON *sched, const cJSON *result)
{
    size_t n = 0;
    sc_sched_attempt *a = network_attempts(result, &n);
    if (a == NULL)
        return NULL;
    sc_sched_policy p = network_policy(sched);
    sc_sched_gap *gaps = n > 1 ? calloc(n - 1, sizeof *gaps) : NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON *policy = cJSON_AddObjectToObject(o, "policy");
    cJSON *list = cJSON_AddArrayToObject(o, "attempts");
    if ((n > 1 && gaps == NULL) || policy == NULL || list == NULL) {
        free(a);
        free(gaps);
        cJSON_Delete(o);
        return NULL;
    }
    sc_sched_check(&p, a, n, gaps);
    cJSON_AddStringToObject(policy, "source", "fault proxy accept times");
    cJSON_AddNumberToObject(policy, "backoff_initial_ms", (double)p.initial_ms);
    cJSON_AddNumberToObject(policy, "backoff_multiplier", p.multiplier);
    cJSON_AddNumberToObject(policy, "backoff_jitter", p.jitter);
    cJSON_AddNumberToObject(policy, "backoff_max_ms", (double)p.max_ms);
    cJSON_AddNumberToObject(policy, "tolerance_ms", (double)p.tolerance_ms);
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        if (e == NULL)
            break;
        cJSON_AddItemToArray(list, e);
        cJSON_AddNumberToObject(e, "start_ms", (double)a[i].start_ms);
        cJSON_AddNumberToObject(e, "end_ms", (double)a[i].end_ms);
        cJSON_AddStringToObject(e, "code", "CONNECT");
        if (i == 0)
            continue;
        cJSON_AddNumberToObject(e, "gap_ms", (double)gaps[i - 1].gap_ms);
        cJSON_AddNumberToObject(e, "expected_min_ms", (double)gaps[i - 1].expected_min_ms);
        cJSON_AddNumberToObject(e, "expected_max_ms", (double)gaps[i - 1].expected_max_ms);
        cJSON_AddBoolToObject(e, "ok", gaps[i - 1].ok);
    }
    free(gaps);
    free(a);
    return o;
}

cJSON *sc_scenario_reconnect_json(const sc_scenario *s, const cJSON *result)
{
    const cJSON *net = cJSON_GetObjectItemCaseSensitive(s->expect, "network");
    const cJSON *net_sched = cJSON_GetObjectItemCaseSensitive(net, "schedule");
    if (!s->reconnect && net_sched != NULL)
        return network_reconnect_json(net_sched, result);
    if (!s->reconnect)
        return NULL;
    size_t n = 0;
    sc_sched_attempt *a = result_attempts(result, &n);
    if (a == NULL)
        return NULL;
    sc_sched_gap *gaps = n > 1 ? calloc(n - 1, sizeof *gaps) : NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON *list = cJSON_CreateArray();
    cJSON *policy = sc_scenario_schedule_policy_json(s);
    if ((n > 1 && gaps == NULL) || o == NULL || list == NULL || policy == NULL) {
        free(a);
        free(gaps);
        cJSON_Delete(o);
        cJSON_Delete(list);
        cJSON_Delete(policy);
        return NULL;
    }
    sc_sched_policy p = sched_policy(s);
    sc_sched_check(&p, a, n, gaps);
    cJSON_AddItemToObject(o, "policy", policy);
    cJSON_AddItemToObject(o, "attempts", list);
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        if (e == NULL)
            break;
        cJSON_AddItemToArray(list, e);
        cJSON_AddNumberToObject(e, "start_ms", (double)a[i].start_ms);
        cJSON_AddNumberToObject(e, "end_ms", (double)a[i].end_ms);
        cJSON_AddStringToObject(e, "code", sc_status_name(a[i].code));
        if (a[i].has_pushback)
            cJSON_AddNumberToObject(e, "pushback_ms", (double)a[i].pushback_ms);
        if (i == 0)
            continue;
        const sc_sched_gap *g = &gaps[i - 1];
        cJSON_AddNumberToObject(e, "gap_ms", (double)g->gap_ms);
        cJSON_AddNumberToObject(e, "expected_min_ms", (double)g->expected_min_ms);
        cJSON_AddNumberToObject(e, "expected_max_ms", (double)g->expected_max_ms);
        cJSON_AddBoolToObject(e, "ok", g->ok);
    }
    free(a);
    free(gaps);
    return o;
}

/* ---- the judgement ---- */

int sc_scenario_judge(const sc_scenario *s, const cJSON *result, const cJSON *server_events,
                      sc_judgement *out)
{
    memset(out, 0, sizeof *out);
    judge jd = {out, 0, false};
    const cJSON *ex = s->expect;
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(result, "error");
    if (!cJSON_IsObject(result)) {
        add(&jd, "driver", "a result object", "no result");
    } else if (err != NULL) {
        char text[SC_JUDGE_MAX_TEXT + 1];
        if (cJSON_IsString(err))
            snprintf(text, sizeof text, "%s", err->valuestring);
        else
            json_text(err, text, sizeof text);
        add(&jd, "driver", "a result", text);
    } else {
        check_status(&jd, ex, result);
        const cJSON *idv = cJSON_GetObjectItemCaseSensitive(result, "case");
        const char *id = cJSON_IsString(idv) ? idv->valuestring : "";
        cJSON *filter = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ex, "response_filter"), 1);
        cJSON *contents =
            cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ex, "response_contents"), 1);
        cJSON *responses = filtered_responses(result, filter, id);
        if (responses == NULL || sc_scenario_resolve_per_case(contents, id) != 0)
            jd.oom = true;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(ex, "responses");
        if (v != NULL && responses != NULL)
            check_range(&jd, "expect.responses", v, cJSON_GetArraySize(responses), "");
        if (contents != NULL && responses != NULL)
            check_contents(&jd, contents, responses);
        cJSON_Delete(filter);
        cJSON_Delete(contents);
        cJSON_Delete(responses);
        v = cJSON_GetObjectItemCaseSensitive(ex, "headers");
        if (v != NULL)
            check_md(&jd, "expect.headers", v, cJSON_GetObjectItemCaseSensitive(result, "headers"));
        v = cJSON_GetObjectItemCaseSensitive(ex, "trailers");
        if (v != NULL)
            check_md(&jd, "expect.trailers", v,
                     cJSON_GetObjectItemCaseSensitive(result, "trailers"));
        const cJSON *timings = cJSON_GetObjectItemCaseSensitive(result, "timings");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(ex, "timing");
        static const struct {
            const char *spec, *field, *path;
        } tm[] = {{"elapsed_ms", "status_ms", "expect.timing.elapsed_ms"},
                  {"first_response_ms", "first_response_ms", "expect.timing.first_response_ms"}};
        for (size_t i = 0; t != NULL && i < sizeof tm / sizeof tm[0]; i++) {
            const cJSON *spec = cJSON_GetObjectItemCaseSensitive(t, tm[i].spec);
            double ms = 0;
            if (spec == NULL)
                continue;
            if (number_of(cJSON_GetObjectItemCaseSensitive(timings, tm[i].field), &ms)) {
                check_range(&jd, tm[i].path, spec, ms, " ms");
            } else {
                char exp[96];
                range_text(range_of(spec), " ms", exp, sizeof exp);
                add(&jd, tm[i].path, exp, "null (did not happen)");
            }
        }
        v = cJSON_GetObjectItemCaseSensitive(ex, "server");
        if (v != NULL)
            check_server(&jd, v, cJSON_IsArray(server_events) ? server_events : NULL);
        v = cJSON_GetObjectItemCaseSensitive(ex, "attempts");
        if (v != NULL)
            check_attempts(&jd, s, v, result);
        v = cJSON_GetObjectItemCaseSensitive(ex, "network");
        if (v != NULL)
            check_network(&jd, v, result);
    }
    out->passed = out->n_failures == 0 && !jd.oom;
    if (jd.oom) {
        sc_judgement_free(out);
        return -1;
    }
    return 0;
}

void sc_judgement_free(sc_judgement *j)
{
    if (j == NULL)
        return;
    for (size_t i = 0; i < j->n_failures; i++) {
        free(j->failures[i].path);
        free(j->failures[i].expected);
        free(j->failures[i].actual);
    }
    free(j->failures);
    memset(j, 0, sizeof *j);
}

int sc_judgement_append(sc_judgement *dst, const sc_judgement *src, const char *prefix)
{
    if (src->n_failures == 0)
        return 0;
    sc_check_failure *grown =
        realloc(dst->failures, (dst->n_failures + src->n_failures) * sizeof *grown);
    if (grown == NULL)
        return -1;
    dst->failures = grown;
    size_t added = 0;
    for (; added < src->n_failures; added++) {
        const sc_check_failure *f = &src->failures[added];
        size_t len = strlen(prefix) + strlen(f->path) + 1;
        sc_check_failure *t = &dst->failures[dst->n_failures + added];
        t->path = malloc(len);
        t->expected = strdup(f->expected);
        t->actual = strdup(f->actual);
        if (t->path == NULL || t->expected == NULL || t->actual == NULL) {
            free(t->path);
            free(t->expected);
            free(t->actual);
            goto fail;
        }
        snprintf(t->path, len, "%s%s", prefix, f->path);
    }
    dst->n_failures += added;
    dst->passed = false;
    return 0;
fail:
    for (size_t i = 0; i < added; i++) {
        sc_check_failure *t = &dst->failures[dst->n_failures + i];
        free(t->path);
        free(t->expected);
        free(t->actual);
    }
    return -1;
}
