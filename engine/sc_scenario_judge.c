/* sc_scenario_judge: compare a driver result (and the server's events of the case) with a
 * scenario's expectations (the typed sc_expect the loader parsed); the result and the events come
 * from peers and are not trusted. Attempts, their schedule and the network are judged in
 * sc_scenario_judge_attempts.c. */
#include "sc_event_names.h"
#include "sc_instr_compress.h"
#include "sc_scenario_internal.h"
#include "sc_scenario_backoff.h"
#include "sc_status.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long before the client's deadline a CANCELLED status may come and still be the server's
 * deadline reset (deadline_reset_of): the servers log deadline_exceeded within 50 ms of their
 * deadline, and the two deadlines differ by the headers' transit and grpc-timeout rounding. */
#define SC_JUDGE_DEADLINE_RESET_SLACK_MS 50

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

void sc_judge_add(sc_judge *jd, const char *path, const char *expected, const char *actual)
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

void sc_judge_addf(sc_judge *jd, const char *path, const char *expected, const char *fmt, ...)
{
    char actual[SC_JUDGE_MAX_TEXT + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(actual, sizeof actual, fmt, ap);
    va_end(ap);
    sc_judge_add(jd, path, expected, actual);
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

static void range_text(sc_expect_range r, const char *unit, char *out, size_t len)
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

void sc_judge_range(sc_judge *jd, const char *path, sc_expect_range r, double actual,
                    const char *unit)
{
    if (!r.given || (actual >= (double)r.min && actual <= (double)r.max))
        return;
    char exp[96];
    range_text(r, unit, exp, sizeof exp);
    sc_judge_addf(jd, path, exp, "%.0f%s", actual, unit);
}

bool sc_judge_number(const cJSON *v, double *out)
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

static bool subset(const cJSON *e, const cJSON *a, char *path, size_t len, int depth);

static bool subset_object(const cJSON *e, const cJSON *a, char *path, size_t len, int depth)
{
    size_t base = strlen(path);
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

static bool subset_array(const cJSON *e, const cJSON *a, char *path, size_t len, int depth)
{
    size_t base = strlen(path);
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
    if (cJSON_IsObject(e))
        return subset_object(e, a, path, len, depth);
    if (cJSON_IsArray(e))
        return subset_array(e, a, path, len, depth);
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

/* One response_contents entry against the responses; `match` has its per-case names resolved. */
static void check_content(sc_judge *jd, size_t pos, int64_t index, const cJSON *match,
                          const cJSON *responses)
{
    int n = cJSON_GetArraySize(responses);
    char path[512];
    snprintf(path, sizeof path, "expect.response_contents[%zu]", pos);
    int64_t at = index < 0 ? n + index : index;
    if (at < 0 || at >= n) {
        char exp[64];
        snprintf(exp, sizeof exp, "a response at index %" PRId64, index);
        sc_judge_addf(jd, path, exp, "%d responses", n);
        return;
    }
    const cJSON *actual = cJSON_GetArrayItem(responses, (int)at);
    char sub[512] = "";
    if (subset(match, actual, sub, sizeof sub, 0))
        return;
    char full[1024], exp[SC_JUDGE_MAX_TEXT + 1], act[SC_JUDGE_MAX_TEXT + 1];
    snprintf(full, sizeof full, "%s%s", path, sub);
    json_text(value_at(match, sub), exp, sizeof exp);
    json_text(value_at(actual, sub), act, sizeof act);
    sc_judge_add(jd, full, exp, act);
}

static void check_contents(sc_judge *jd, const sc_expect *ex, const char *case_id,
                           const cJSON *responses)
{
    for (size_t i = 0; i < ex->n_contents; i++) {
        const sc_expect_content *e = &ex->contents[i];
        if (e->skip)
            continue;
        cJSON *match = cJSON_Duplicate(e->match, true);
        if (match == NULL || sc_scenario_resolve_per_case(match, case_id) != 0)
            jd->oom = true;
        else
            check_content(jd, i, e->index, match, responses);
        cJSON_Delete(match);
    }
}

/* The result's responses (a new array), only those matching `filter` (per-case names resolved)
 * when one is given. NULL on allocation failure. */
static cJSON *filtered_responses(const cJSON *result, const cJSON *filter_spec, const char *case_id)
{
    cJSON *out = cJSON_CreateArray();
    cJSON *filter = filter_spec != NULL ? cJSON_Duplicate(filter_spec, true) : NULL;
    if (out == NULL || (filter_spec != NULL && filter == NULL) ||
        sc_scenario_resolve_per_case(filter, case_id) != 0) {
        cJSON_Delete(out);
        cJSON_Delete(filter);
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
            cJSON_Delete(filter);
            return NULL;
        }
        cJSON_AddItemToArray(out, copy);
    }
    cJSON_Delete(filter);
    return out;
}

/* ---- status, metadata ---- */

/* `deadline_reset`: the client's CANCELLED is the server's deadline reset (deadline_reset_of), and
 * counts as the DEADLINE_EXCEEDED expected. */
static void check_status(sc_judge *jd, const sc_expect *ex, const cJSON *result,
                         bool deadline_reset)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(result, "status");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(st, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(st, "message");
    const char *actual = cJSON_IsString(code) ? code->valuestring : "(no status)";
    const char *amsg = cJSON_IsString(msg) ? msg->valuestring : "";
    bool ok = strcmp(actual, sc_status_name(ex->status)) == 0 ||
              (deadline_reset && strcmp(actual, "CANCELLED") == 0);
    char exp[SC_JUDGE_MAX_TEXT + 1];
    size_t used = (size_t)snprintf(exp, sizeof exp, "%s", sc_status_name(ex->status));
    for (size_t i = 0; i < ex->n_other_codes; i++) {
        const char *name = sc_status_name(ex->other_codes[i]);
        ok = ok || strcmp(actual, name) == 0;
        if (used < sizeof exp)
            used += (size_t)snprintf(exp + used, sizeof exp - used, " or %s", name);
    }
    if (!ok)
        sc_judge_addf(jd, "expect.status", exp, "%s \"%s\"", actual, amsg);
    if (ex->message != NULL && strcmp(ex->message, amsg) != 0)
        sc_judge_add(jd, "expect.message", ex->message, amsg);
    if (ex->message_contains != NULL && strstr(amsg, ex->message_contains) == NULL) {
        char e2[SC_JUDGE_MAX_TEXT + 16];
        snprintf(e2, sizeof e2, "contains \"%s\"", ex->message_contains);
        sc_judge_add(jd, "expect.message_contains", e2, amsg);
    }
}

static void check_md(sc_judge *jd, const char *path, const sc_expect_md *spec, const cJSON *actual)
{
    for (size_t i = 0; spec->given && i < spec->count; i++) {
        const sc_expect_md_entry *e = &spec->items[i];
        char p[512];
        snprintf(p, sizeof p, "%s.%s", path, e->key);
        const cJSON *a =
            cJSON_IsObject(actual) ? cJSON_GetObjectItemCaseSensitive(actual, e->key) : NULL;
        const char *atext = cJSON_IsString(a) ? a->valuestring : a != NULL ? "(not text)" : NULL;
        if (e->kind == SC_EXPECT_MD_VALUE) {
            if (atext == NULL)
                sc_judge_add(jd, p, e->value, "(absent)");
            else if (strcmp(atext, e->value) != 0)
                sc_judge_add(jd, p, e->value, atext);
        } else if (e->kind == SC_EXPECT_MD_PRESENT && a == NULL) {
            sc_judge_add(jd, p, "present", "(absent)");
        } else if (e->kind == SC_EXPECT_MD_ABSENT && a != NULL) {
            sc_judge_add(jd, p, "absent", atext);
        }
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

/* What the server's events of the case say about its last call (the highest call number: the
 * final attempt). */
typedef struct {
    size_t calls; /* distinct calls (call_start events) */
    double last;  /* -1: no event */
    const cJSON *start, *status;
    bool cancelled, deadline;
    double received, sent;
    /* "compressed" of message_received / message_sent i: bit i of the mask, when the line has
     * it (seen), for the first SC_EXPECT_MAX_COMPRESSED messages */
    uint64_t recv_z, sent_z, recv_seen, sent_seen;
} server_facts;

static void note_compressed(uint64_t *z, uint64_t *seen, double count, const cJSON *ev)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, "compressed");
    int i = (int)count - 1; /* count is 1-based */
    if (i < 0 || i >= SC_EXPECT_MAX_COMPRESSED || !cJSON_IsBool(v))
        return;
    *seen |= (uint64_t)1 << i;
    if (cJSON_IsTrue(v))
        *z |= (uint64_t)1 << i;
}

static void note_event(server_facts *f, const cJSON *ev)
{
    double count = 0;
    sc_judge_number(cJSON_GetObjectItemCaseSensitive(ev, "count"), &count);
    switch (sc_event_from_name(event_name(ev))) {
    case SC_EVENT_CALL_START:
        f->start = ev;
        break;
    case SC_EVENT_CANCELLED:
        f->cancelled = true;
        break;
    case SC_EVENT_DEADLINE_EXCEEDED:
        f->deadline = true;
        break;
    case SC_EVENT_MESSAGE_RECEIVED:
        if (count > f->received)
            f->received = count;
        note_compressed(&f->recv_z, &f->recv_seen, count, ev);
        break;
    case SC_EVENT_MESSAGE_SENT:
        if (count > f->sent)
            f->sent = count;
        note_compressed(&f->sent_z, &f->sent_seen, count, ev);
        break;
    case SC_EVENT_STATUS_SENT:
        f->status = ev;
        break;
    default:
        break;
    }
}

static server_facts server_facts_of(const cJSON *events)
{
    server_facts f = {.last = -1};
    const cJSON *ev = NULL;
    cJSON_ArrayForEach(ev, events)
    {
        if (sc_event_from_name(event_name(ev)) == SC_EVENT_CALL_START)
            f.calls++;
        if (event_call(ev) > f.last)
            f.last = event_call(ev);
    }
    cJSON_ArrayForEach(ev, events)
    {
        if (event_call(ev) == f.last)
            note_event(&f, ev);
    }
    return f;
}

/* Is the client's status the server's deadline reset? A server enforces the deadline the client
 * sent (grpc-timeout) with its own timer, and ends the stream with RST_STREAM CANCEL when it
 * fires; a client whose own timer has not fired yet reports that reset as CANCELLED (gRPC over
 * HTTP/2: a server's CANCEL maps to CANCELLED). The two timers are the same deadline, apart by the
 * headers' transit and the grpc-timeout rounding, so either may fire first (seen: grpcio and
 * grpc-js clients with a grpc-go server). True when the scenario expects DEADLINE_EXCEEDED of one
 * attempt, its server logged deadline_exceeded (its own timer), and the client's status came no
 * earlier than SC_JUDGE_DEADLINE_RESET_SLACK_MS before its deadline: the call ended by the
 * deadline on both sides, whichever side's timer said so first (docs/peer-protocol.md). */
static bool deadline_reset_of(const sc_scenario *s, const cJSON *result, const cJSON *events)
{
    double at = 0;
    const cJSON *timings = cJSON_GetObjectItemCaseSensitive(result, "timings");
    if (s->ex.status != SC_STATUS_DEADLINE_EXCEEDED || s->max_attempts != 1 || s->timeout_ms <= 0 ||
        !cJSON_IsArray(events) ||
        !sc_judge_number(cJSON_GetObjectItemCaseSensitive(timings, "status_ms"), &at))
        return false;
    return server_facts_of(events).deadline &&
           at >= (double)(s->timeout_ms - SC_JUDGE_DEADLINE_RESET_SLACK_MS);
}

static void check_server_flags(sc_judge *jd, const sc_expect_server *spec, const server_facts *f)
{
    if (spec->has_cancelled && spec->cancelled != f->cancelled)
        sc_judge_add(jd, "expect.server.cancelled", spec->cancelled ? "true" : "false",
                     f->cancelled  ? "true"
                     : f->deadline ? "false (deadline_exceeded instead)"
                                   : "false");
    if (spec->has_deadline_exceeded && spec->deadline_exceeded != f->deadline)
        sc_judge_add(jd, "expect.server.deadline_exceeded",
                     spec->deadline_exceeded ? "true" : "false",
                     f->deadline    ? "true"
                     : f->cancelled ? "false (cancelled instead)"
                                    : "false");
    if (!spec->deadline_ms.given)
        return;
    double d = 0;
    if (f->start == NULL ||
        !sc_judge_number(cJSON_GetObjectItemCaseSensitive(f->start, "deadline_ms"), &d))
        sc_judge_add(jd, "expect.server.deadline_ms", "a deadline",
                     f->start == NULL ? "(no call_start)" : "none");
    else
        sc_judge_range(jd, "expect.server.deadline_ms", spec->deadline_ms, d, " ms");
}

static void check_server_status(sc_judge *jd, const sc_expect_server *spec, const server_facts *f)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(f->status, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(f->status, "message");
    const char *want = spec->status >= 0 ? sc_status_name(spec->status) : NULL;
    if (want != NULL && !(cJSON_IsString(code) && strcmp(code->valuestring, want) == 0))
        sc_judge_add(jd, "expect.server.status", want,
                     cJSON_IsString(code) ? code->valuestring : "(no status_sent)");
    const char *text = spec->status_message;
    if (text != NULL && !(cJSON_IsString(msg) && strcmp(msg->valuestring, text) == 0))
        sc_judge_add(jd, "expect.server.status_message", text,
                     cJSON_IsString(msg) ? msg->valuestring : "(no status_sent)");
}

/* Each gap between consecutive call starts of the case, in the server's clock (t_ms), in the
 * order the log has them (a server writes its log in time order). */
static void check_call_gaps(sc_judge *jd, sc_expect_range spec, const cJSON *events)
{
    if (!spec.given)
        return;
    double prev = -1;
    size_t i = 0;
    const cJSON *ev = NULL;
    cJSON_ArrayForEach(ev, events)
    {
        double t = 0;
        if (sc_event_from_name(event_name(ev)) != SC_EVENT_CALL_START ||
            !sc_judge_number(cJSON_GetObjectItemCaseSensitive(ev, "t_ms"), &t))
            continue;
        if (prev >= 0) {
            char path[64];
            snprintf(path, sizeof path, "expect.server.call_gaps_ms[%zu]", i++);
            sc_judge_range(jd, path, spec, t - prev, " ms");
        }
        prev = t;
    }
}

/* One list of "compressed" flags: "[true, false]" against what the log said ("?" where a
 * message or its flag is missing). */
static void check_compressed(sc_judge *jd, const char *path, int n, uint64_t want, uint64_t got,
                             uint64_t seen)
{
    if (n < 0)
        return;
    uint64_t all = n >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
    if ((seen & all) == all && (got & all) == (want & all))
        return;
    char exp[SC_EXPECT_MAX_COMPRESSED * 7 + 4] = "[", act[SC_EXPECT_MAX_COMPRESSED * 7 + 4] = "[";
    for (int i = 0; i < n; i++) {
        uint64_t b = (uint64_t)1 << i;
        const char *sep = i ? ", " : "";
        strcat(exp, sep);
        strcat(exp, (want & b) ? "true" : "false");
        strcat(act, sep);
        strcat(act, !(seen & b) ? "?" : (got & b) ? "true" : "false");
    }
    strcat(exp, "]");
    strcat(act, "]");
    sc_judge_add(jd, path, exp, act);
}

/* request_encoding (call_start.encoding), received_compressed, sent_compressed. */
static void check_server_compression(sc_judge *jd, const sc_expect_server *spec,
                                     const server_facts *f)
{
    if (spec->request_encoding >= 0) {
        const char *want = sc_encoding_name((sc_encoding)spec->request_encoding);
        const cJSON *got = cJSON_GetObjectItemCaseSensitive(f->start, "encoding");
        if (!(cJSON_IsString(got) && strcmp(got->valuestring, want) == 0))
            sc_judge_add(jd, "expect.server.request_encoding", want,
                         cJSON_IsString(got) ? got->valuestring : "(none in call_start)");
    }
    check_compressed(jd, "expect.server.received_compressed", spec->n_received_compressed,
                     spec->received_compressed, f->recv_z, f->recv_seen);
    check_compressed(jd, "expect.server.sent_compressed", spec->n_sent_compressed,
                     spec->sent_compressed, f->sent_z, f->sent_seen);
}

static void check_server(sc_judge *jd, const sc_expect_server *spec, const cJSON *events)
{
    server_facts f = server_facts_of(events);
    sc_judge_range(jd, "expect.server.calls", spec->calls, (double)f.calls, "");
    check_call_gaps(jd, spec->call_gaps_ms, events);
    if (f.last < 0) {
        if (spec->beyond_calls)
            sc_judge_add(jd, "expect.server", "server events of the case",
                         "none (the call never reached the server)");
        return;
    }
    check_server_flags(jd, spec, &f);
    sc_judge_range(jd, "expect.server.messages_received", spec->messages_received, f.received, "");
    sc_judge_range(jd, "expect.server.messages_sent", spec->messages_sent, f.sent, "");
    check_server_status(jd, spec, &f);
    check_server_compression(jd, spec, &f);
    check_md(jd, "expect.server.metadata", &spec->metadata,
             f.start != NULL ? cJSON_GetObjectItemCaseSensitive(f.start, "metadata") : NULL);
}

/* ---- the judgement ---- */

/* responses (after response_filter), response_contents. */
static void check_responses(sc_judge *jd, const sc_expect *ex, const cJSON *result)
{
    const cJSON *idv = cJSON_GetObjectItemCaseSensitive(result, "case");
    const char *id = cJSON_IsString(idv) ? idv->valuestring : "";
    cJSON *responses = filtered_responses(result, ex->response_filter, id);
    if (responses == NULL) {
        jd->oom = true;
        return;
    }
    sc_judge_range(jd, "expect.responses", ex->responses, cJSON_GetArraySize(responses), "");
    if (ex->has_contents)
        check_contents(jd, ex, id, responses);
    cJSON_Delete(responses);
}

static void check_timing_of(sc_judge *jd, const char *path, sc_expect_range spec,
                            const cJSON *timings, const char *field)
{
    double ms = 0;
    if (!spec.given)
        return;
    if (sc_judge_number(cJSON_GetObjectItemCaseSensitive(timings, field), &ms)) {
        sc_judge_range(jd, path, spec, ms, " ms");
    } else {
        char exp[96];
        range_text(spec, " ms", exp, sizeof exp);
        sc_judge_add(jd, path, exp, "null (did not happen)");
    }
}

/* A result that is one (no "error"). */
static void judge_result(sc_judge *jd, const sc_scenario *s, const cJSON *result,
                         const cJSON *server_events)
{
    const sc_expect *ex = &s->ex;
    check_status(jd, ex, result, deadline_reset_of(s, result, server_events));
    check_responses(jd, ex, result);
    check_md(jd, "expect.headers", &ex->headers,
             cJSON_GetObjectItemCaseSensitive(result, "headers"));
    check_md(jd, "expect.trailers", &ex->trailers,
             cJSON_GetObjectItemCaseSensitive(result, "trailers"));
    const cJSON *timings = cJSON_GetObjectItemCaseSensitive(result, "timings");
    check_timing_of(jd, "expect.timing.elapsed_ms", ex->elapsed_ms, timings, "status_ms");
    check_timing_of(jd, "expect.timing.first_response_ms", ex->first_response_ms, timings,
                    "first_response_ms");
    if (ex->response_encoding >= 0) {
        const char *want = sc_encoding_name((sc_encoding)ex->response_encoding);
        const cJSON *got = cJSON_GetObjectItemCaseSensitive(result, "response_encoding");
        if (!(cJSON_IsString(got) && strcmp(got->valuestring, want) == 0))
            sc_judge_add(jd, "expect.response_encoding", want,
                         cJSON_IsString(got) ? got->valuestring : "(not in the result)");
    }
    if (ex->server.given)
        check_server(jd, &ex->server, cJSON_IsArray(server_events) ? server_events : NULL);
    if (ex->attempts.given)
        sc_judge_attempts(jd, s, result);
    if (ex->network.given)
        sc_judge_network(jd, s, result);
}

int sc_scenario_judge(const sc_scenario *s, const cJSON *result, const cJSON *server_events,
                      sc_judgement *out)
{
    memset(out, 0, sizeof *out);
    sc_judge jd = {out, 0, false};
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(result, "error");
    if (!cJSON_IsObject(result)) {
        sc_judge_add(&jd, "driver", "a result object", "no result");
    } else if (err != NULL) {
        char text[SC_JUDGE_MAX_TEXT + 1];
        if (cJSON_IsString(err))
            snprintf(text, sizeof text, "%s", err->valuestring);
        else
            json_text(err, text, sizeof text);
        sc_judge_add(&jd, "driver", "a result", text);
    } else {
        judge_result(&jd, s, result, server_events);
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
