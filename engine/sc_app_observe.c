/* sc_app_observe: an app case's calls and connections from its server's and proxy's lines. See
 * sc_app_observe.h. */
#include "sc_app_observe.h"
#include "sc_scenario_app.h"
#include "sc_jcheck.h"
#include "sc_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A call's key: the server incarnation and its call number, increasing in log order. */
static int64_t call_key(const cJSON *ev)
{
    return sc_jget_int(ev, "inc", 0) * ((int64_t)1 << 32) + sc_jget_int(ev, "call", 0);
}

/* Calls are added in key order (call_start lines come in accept order): binary search. */
static sc_app_call *find_call(sc_app_seen *s, const int64_t *keys, int64_t key)
{
    size_t lo = 0, hi = s->n_calls;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n_calls && keys[lo] == key ? &s->calls[lo] : NULL;
}

static int add_call(sc_app_seen *s, int64_t *keys, const cJSON *ev, int64_t t)
{
    if (s->n_calls == SC_APP_MAX_CALLS) {
        s->calls_over_cap++;
        return 0;
    }
    const char *method = sc_jget_string(ev, "method");
    size_t i = s->n_calls;
    s->methods[i] = strdup(method != NULL ? method : "unknown");
    if (s->methods[i] == NULL)
        return -1;
    keys[i] = call_key(ev);
    s->calls[i] = (sc_app_call){.start_ms = t,
                                .end_ms = -1,
                                .method = s->methods[i],
                                .code = -1,
                                .pushback_ms = -1};
    s->n_calls++;
    return 0;
}

static int on_message(sc_app_seen *s, sc_app_call *c, const cJSON *ev)
{
    c->requests = sc_jget_int(ev, "count", c->requests);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(ev, "message");
    size_t i = (size_t)(c - s->calls);
    if (msg == NULL || s->requests[i] != NULL)
        return 0;
    s->requests[i] = cJSON_PrintUnformatted(msg);
    c->first_request = s->requests[i];
    return s->requests[i] != NULL ? 0 : -1;
}

/* One server event of the case. */
static int on_event(sc_app_seen *s, int64_t *keys, const cJSON *ev, int64_t shift)
{
    const char *name = sc_jget_string(ev, "event");
    int64_t t = sc_jget_int(ev, "t_ms", 0) - shift;
    if (name == NULL)
        return 0;
    if (strcmp(name, "call_start") == 0)
        return add_call(s, keys, ev, t);
    sc_app_call *c = find_call(s, keys, call_key(ev));
    if (c == NULL)
        return 0; /* a call over the cap, or a line without its call_start */
    if (strcmp(name, "message_received") == 0)
        return on_message(s, c, ev);
    if (strcmp(name, "message_sent") == 0) {
        c->responses = sc_jget_int(ev, "count", c->responses);
    } else if (strcmp(name, "status_sent") == 0) {
        const char *code = sc_jget_string(ev, "code");
        int v = -1;
        if (code != NULL && sc_status_parse(code, &v))
            c->code = v;
        c->end_ms = t;
    } else if (strcmp(name, "cancelled") == 0 || strcmp(name, "deadline_exceeded") == 0) {
        c->code = -1; /* nothing reached the application */
        c->end_ms = t;
    } else if (strcmp(name, "call_end") == 0 && c->end_ms < 0) {
        c->end_ms = t;
    }
    return 0;
}

/* The plan's pushback of call i goes with the failure it injects (not with OK or a cancel). */
static void add_pushbacks(sc_app_seen *s, const sc_scenario *scn)
{
    for (size_t i = 0; i < s->n_calls; i++)
        if (s->calls[i].code > 0)
            s->calls[i].pushback_ms = sc_scenario_app_pushback(scn, i);
}

static void add_disruption(sc_app_seen *s, int64_t t, const char *what)
{
    if (s->n_disruptions == SC_APP_MAX_DISRUPTIONS)
        return;
    s->disruptions[s->n_disruptions] = t;
    s->disruption_what[s->n_disruptions++] = what;
}

/* Connections from the proxy's accept and end records (numbered 1, 2, ... in accept order). */
static void on_record(sc_app_seen *s, const cJSON *rec, int64_t shift)
{
    const char *ev = sc_jget_string(rec, "event");
    int64_t no = sc_jget_int(rec, "conn", 0);
    int64_t t = sc_jget_int(rec, "t_ms", 0) - shift;
    if (ev == NULL || no < 1)
        return;
    if (strcmp(ev, "accept") == 0) {
        if (s->n_conns < SC_APP_MAX_CONNS && (size_t)no == s->n_conns + 1) {
            s->conns[s->n_conns] = (sc_app_conn){.t_ms = t};
            strcpy(s->how[s->n_conns++], "open");
        }
        return;
    }
    const char *how = sc_jget_string(rec, "how");
    if (strcmp(ev, "end") != 0 || how == NULL || (size_t)no > s->n_conns)
        return;
    snprintf(s->how[no - 1], SC_APP_HOW_MAX, "%s", how);
    s->conns[no - 1].refused = strcmp(how, "refused") == 0 || strcmp(how, "error") == 0;
    if (strcmp(how, "reset_by_fault") == 0 || strcmp(how, "closed_by_fault") == 0)
        add_disruption(s, t, "connection broken by the proxy");
}

int sc_app_seen_build(sc_app_seen *out, const sc_scenario *s, const cJSON *events,
                      const cJSON *records, int64_t app_start_ms, const int64_t *restarts,
                      size_t n_restarts)
{
    memset(out, 0, sizeof *out);
    size_t n_ev = (size_t)cJSON_GetArraySize(events);
    size_t cap = n_ev < SC_APP_MAX_CALLS ? n_ev : SC_APP_MAX_CALLS;
    int64_t *keys = calloc(cap + 1, sizeof *keys);
    out->calls = calloc(cap + 1, sizeof *out->calls);
    out->methods = calloc(cap + 1, sizeof *out->methods);
    out->requests = calloc(cap + 1, sizeof *out->requests);
    out->conns = calloc(SC_APP_MAX_CONNS, sizeof *out->conns);
    out->how = calloc(SC_APP_MAX_CONNS, sizeof *out->how);
    int rc = -1;
    if (keys == NULL || out->calls == NULL || out->methods == NULL || out->requests == NULL ||
        out->conns == NULL || out->how == NULL)
        goto out;
    const cJSON *ev = NULL;
    cJSON_ArrayForEach(ev, events)
    {
        if (on_event(out, keys, ev, app_start_ms) != 0)
            goto out;
    }
    add_pushbacks(out, s);
    for (size_t i = 0; i < n_restarts; i++)
        add_disruption(out, restarts[i] - app_start_ms, "server restart");
    const cJSON *rec = NULL;
    cJSON_ArrayForEach(rec, records)
    {
        on_record(out, rec, app_start_ms);
    }
    rc = 0;
out:
    free(keys);
    if (rc != 0)
        sc_app_seen_free(out);
    return rc;
}

void sc_app_seen_free(sc_app_seen *seen)
{
    for (size_t i = 0; seen->methods != NULL && i < seen->n_calls; i++) {
        free(seen->methods[i]);
        free(seen->requests[i]);
    }
    free(seen->methods);
    free(seen->requests);
    free(seen->calls);
    free(seen->conns);
    free(seen->how);
    memset(seen, 0, sizeof *seen);
}

/* ---- report.json ---- */

static cJSON *code_or_null(int code)
{
    return code >= 0 ? cJSON_CreateString(sc_status_name(code)) : cJSON_CreateNull();
}

static cJSON *ms_or_null(int64_t ms)
{
    return ms >= 0 ? cJSON_CreateNumber((double)ms) : cJSON_CreateNull();
}

cJSON *sc_app_seen_calls_json(const sc_app_seen *seen)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list != NULL && i < seen->n_calls; i++) {
        const sc_app_call *c = &seen->calls[i];
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(list, o))
            break;
        cJSON_AddNumberToObject(o, "n", (double)(i + 1));
        cJSON_AddStringToObject(o, "method", c->method);
        cJSON_AddNumberToObject(o, "start_ms", (double)c->start_ms);
        cJSON_AddItemToObject(o, "end_ms", ms_or_null(c->end_ms));
        cJSON_AddItemToObject(o, "code", code_or_null(c->code));
        cJSON_AddItemToObject(o, "pushback_ms", ms_or_null(c->pushback_ms));
        cJSON_AddNumberToObject(o, "responses", (double)c->responses);
        cJSON_AddNumberToObject(o, "requests", (double)c->requests);
        cJSON *req = c->first_request != NULL ? cJSON_Parse(c->first_request) : NULL;
        cJSON_AddItemToObject(o, "request", req != NULL ? req : cJSON_CreateNull());
    }
    return list;
}

cJSON *sc_app_seen_conns_json(const sc_app_seen *seen)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list != NULL && i < seen->n_conns; i++) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(list, o))
            break;
        cJSON_AddNumberToObject(o, "t_ms", (double)seen->conns[i].t_ms);
        cJSON_AddStringToObject(o, "how", seen->how[i]);
        cJSON_AddBoolToObject(o, "refused", seen->conns[i].refused);
    }
    return list;
}

cJSON *sc_app_seen_disruptions_json(const sc_app_seen *seen)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list != NULL && i < seen->n_disruptions; i++) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(list, o))
            break;
        cJSON_AddNumberToObject(o, "t_ms", (double)seen->disruptions[i]);
        cJSON_AddStringToObject(o, "what", seen->disruption_what[i]);
    }
    return list;
}

cJSON *sc_app_seen_reconnect_json(const sc_app_seen *seen, const sc_app_policy *policy,
                                  const sc_sched_gap *gaps, size_t n_gaps)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *attempts = cJSON_CreateArray();
    if (o == NULL || attempts == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(attempts);
        return NULL;
    }
    cJSON_AddItemToObject(o, "policy", sc_app_policy_to_json(policy));
    cJSON_AddItemToObject(o, "attempts", attempts);
    for (size_t i = 0; i < seen->n_calls; i++) {
        const sc_app_call *c = &seen->calls[i];
        cJSON *a = cJSON_CreateObject();
        if (a == NULL || !cJSON_AddItemToArray(attempts, a))
            break;
        cJSON_AddNumberToObject(a, "start_ms", (double)c->start_ms);
        cJSON_AddNumberToObject(a, "end_ms", (double)(c->end_ms >= 0 ? c->end_ms : c->start_ms));
        cJSON_AddItemToObject(a, "code", code_or_null(c->code));
        if (i == 0 || gaps == NULL || i - 1 >= n_gaps)
            continue;
        const sc_sched_gap *g = &gaps[i - 1];
        cJSON_AddNumberToObject(a, "gap_ms", (double)g->gap_ms);
        cJSON_AddNumberToObject(a, "expected_min_ms", (double)g->expected_min_ms);
        cJSON_AddNumberToObject(a, "expected_max_ms", (double)g->expected_max_ms);
        cJSON_AddBoolToObject(a, "ok", g->ok);
    }
    return o;
}
