/* sc_scenario_judge_attempts: the attempts of a call against expect.attempts (count, codes, the
 * gaps between them against the client's reconnect policy) and the fault proxy's accepted
 * connections against expect.network; the report's reconnect block. */
#include "sc_scenario_internal.h"
#include "sc_scenario_backoff.h"
#include "sc_status.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- attempts and the schedule ---- */

static sc_sched_policy sched_policy(const sc_scenario *s)
{
    sc_sched_policy p = {s->backoff_initial_ms,   s->backoff_multiplier,
                         s->backoff_jitter,       s->backoff_max_ms,
                         s->exhausted_backoff_ms, SC_SCENARIO_DEFAULT_TOLERANCE_MS,
                         s->honor_pushback};
    if (s->ex.attempts.schedule)
        p.tolerance_ms = s->ex.attempts.tolerance_ms;
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
        if (!sc_judge_number(cJSON_GetObjectItemCaseSensitive(e, "start_ms"), &st) ||
            !sc_judge_number(cJSON_GetObjectItemCaseSensitive(e, "end_ms"), &en) ||
            !cJSON_IsString(code) || !sc_scenario_code_by_name(code->valuestring, &a[*n].code)) {
            free(a);
            *n = 0;
            return NULL;
        }
        a[*n].start_ms = (int64_t)st;
        a[*n].end_ms = (int64_t)en;
        double pushback = 0;
        if (sc_judge_number(cJSON_GetObjectItemCaseSensitive(e, "pushback_ms"), &pushback)) {
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

/* "UNAVAILABLE, OK" from a code list (the expectation) or from the result's attempts. */
static void codes_text(const int *codes, size_t n, const cJSON *attempts, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    size_t count = codes != NULL ? n : (size_t)cJSON_GetArraySize(attempts);
    for (size_t i = 0; i < count && used < len; i++) {
        const char *name = "?";
        if (codes != NULL) {
            name = sc_status_name(codes[i]);
        } else {
            const cJSON *c =
                cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(attempts, (int)i), "code");
            name = cJSON_IsString(c) ? c->valuestring : "?";
        }
        used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "", name);
    }
    if (used == 0)
        snprintf(out, len, "(none)");
}

static void check_codes(sc_judge *jd, const sc_expect_attempts *spec, const cJSON *att)
{
    int count = cJSON_IsArray(att) ? cJSON_GetArraySize(att) : 0;
    bool same = spec->n_codes == (size_t)count;
    for (int i = 0; same && i < count; i++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(att, i), "code");
        same = cJSON_IsString(c) && strcmp(c->valuestring, sc_status_name(spec->codes[i])) == 0;
    }
    if (same)
        return;
    char e[SC_JUDGE_MAX_TEXT + 1], a[SC_JUDGE_MAX_TEXT + 1];
    codes_text(spec->codes, spec->n_codes, NULL, e, sizeof e);
    codes_text(NULL, 0, att, a, sizeof a);
    sc_judge_add(jd, "expect.attempts.codes", e, a);
}

/* How an out-of-window gap i is described as expected. */
typedef void (*gap_words)(char *out, size_t outlen, size_t i, const sc_sched_attempt *a,
                          const sc_sched_gap *g);

static void attempt_window(char *out, size_t outlen, size_t i, const sc_sched_attempt *a,
                           const sc_sched_gap *g)
{
    if (g->expected_max_ms < 0)
        snprintf(out, outlen, "no attempt after attempt %zu (its pushback says stop)", i + 1);
    else
        snprintf(out, outlen, "gap after attempt %zu (%s) in %" PRId64 "..%" PRId64 " ms", i + 1,
                 sc_status_name(a[i].code), g->expected_min_ms, g->expected_max_ms);
}

static void connection_window(char *out, size_t outlen, size_t i, const sc_sched_attempt *a,
                              const sc_sched_gap *g)
{
    (void)a;
    snprintf(out, outlen, "connection %zu -> %zu in %" PRId64 "..%" PRId64 " ms", i + 1, i + 2,
             g->expected_min_ms, g->expected_max_ms);
}

/* Check the n - 1 gaps of `a` (n >= 2) against `p`; each gap out of its window is a failure at
 * "<path>[i]" worded by `words`. */
static void judge_gaps(sc_judge *jd, const sc_sched_policy *p, const sc_sched_attempt *a, size_t n,
                       const char *path, gap_words words)
{
    sc_sched_gap *gaps = calloc(n - 1, sizeof *gaps);
    if (gaps == NULL) {
        jd->oom = true;
        return;
    }
    sc_sched_check(p, a, n, gaps);
    for (size_t i = 0; i + 1 < n; i++) {
        if (gaps[i].ok)
            continue;
        char at[96], exp[96];
        snprintf(at, sizeof at, "%s[%zu]", path, i);
        words(exp, sizeof exp, i, a, &gaps[i]);
        sc_judge_addf(jd, at, exp, "%" PRId64 " ms", gaps[i].gap_ms);
    }
    free(gaps);
}

void sc_judge_attempts(sc_judge *jd, const sc_scenario *s, const cJSON *result)
{
    const sc_expect_attempts *spec = &s->ex.attempts;
    const cJSON *att = cJSON_GetObjectItemCaseSensitive(result, "attempts");
    int count = cJSON_IsArray(att) ? cJSON_GetArraySize(att) : 0;
    sc_judge_range(jd, "expect.attempts.count", spec->count, count, "");
    if (spec->has_codes)
        check_codes(jd, spec, att);
    if (!spec->schedule)
        return;
    size_t n = 0;
    sc_sched_attempt *a = result_attempts(result, &n);
    if (a == NULL && count > 0) {
        sc_judge_add(jd, "expect.attempts.schedule", "attempts with start_ms, end_ms and a code",
                     "malformed attempts");
        return;
    }
    if (n < 2) {
        free(a);
        return;
    }
    sc_sched_policy p = sched_policy(s);
    judge_gaps(jd, &p, a, n, "expect.attempts.schedule", attempt_window);
    free(a);
}

/* ---- the network as the fault proxy saw it ---- */

/* expect.network.schedule as a policy: the connection-backoff spec's multiplier and jitter unless
 * given; no RESOURCE_EXHAUSTED rule (connection attempts have no status). */
static sc_sched_policy network_policy(const sc_expect_network *net)
{
    sc_sched_policy p = {
        net->initial_ms, net->multiplier, net->jitter, net->max_ms, 0, net->tolerance_ms, false};
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
            !sc_judge_number(cJSON_GetObjectItemCaseSensitive(rec, "t_ms"), &t))
            continue;
        a[*n].start_ms = a[*n].end_ms = (int64_t)t;
        a[*n].code = SC_STATUS_UNAVAILABLE;
        (*n)++;
    }
    return a;
}

void sc_judge_network(sc_judge *jd, const sc_scenario *s, const cJSON *result)
{
    const sc_expect_network *spec = &s->ex.network;
    size_t n = 0;
    sc_sched_attempt *a = network_attempts(result, &n);
    sc_judge_range(jd, "expect.network.connections", spec->connections, (double)n, "");
    if (!spec->schedule || n < 2) {
        free(a);
        return;
    }
    sc_sched_policy p = network_policy(spec);
    judge_gaps(jd, &p, a, n, "expect.network.schedule", connection_window);
    free(a);
}

/* The report's reconnect block from the proxy's accept times, for expect.network.schedule. */
static cJSON *network_reconnect_json(const sc_expect_network *net, const cJSON *result)
{
    size_t n = 0;
    sc_sched_attempt *a = network_attempts(result, &n);
    if (a == NULL)
        return NULL;
    sc_sched_policy p = network_policy(net);
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
    if (!s->reconnect && s->ex.network.schedule)
        return network_reconnect_json(&s->ex.network, result);
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
