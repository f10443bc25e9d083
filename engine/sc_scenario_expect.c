/* sc_scenario_expect: a scenario's expect section, checked and parsed once into the typed model
 * the judge reads (sc_scenario_expect.h). Every error names the JSON path of the value. */
#include "sc_scenario_internal.h"
#include "sc_instr_compress.h"
#include "sc_jcheck.h"
#include "sc_json.h"
#include "sc_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ranges: N, or {"min": N, "max": M} (and {"count": N} where allowed) ---- */

static int range_object(sc_load_ctx *c, const cJSON *v, const char *path, bool allow_count,
                        sc_expect_range *out)
{
    static const sc_jfield with_count[] = {{.key = "count"}, {.key = "min"}, {.key = "max"}};
    static const sc_jfield without[] = {{.key = "min"}, {.key = "max"}};
    if (sc_load_object(c, v, path, allow_count ? SC_JSPEC(with_count) : SC_JSPEC(without)) != 0)
        return -1;
    int64_t count = 0, min = 0, max = INT64_MAX;
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
    *out = has_count ? (sc_expect_range){true, count, count} : (sc_expect_range){true, min, max};
    return 0;
}

/* A count: an integer (exact), or an object with min and/or max (and `count` when allowed).
 * Absent (v NULL) leaves *out not given. */
static int parse_range(sc_load_ctx *c, const cJSON *v, const char *path, bool allow_exact,
                       bool allow_count, sc_expect_range *out)
{
    if (v == NULL)
        return 0;
    if (allow_exact && sc_jcheck_is_int(v)) {
        if (v->valuedouble < 0 || v->valuedouble > SC_SCENARIO_MAX_COUNT)
            return sc_load_fail(c, path, "must be in 0..%d", SC_SCENARIO_MAX_COUNT);
        int64_t n = (int64_t)v->valuedouble;
        *out = (sc_expect_range){true, n, n};
        return 0;
    }
    if (!cJSON_IsObject(v))
        return sc_load_fail(c, path,
                            allow_exact ? "expected an integer or {\"min\": N, \"max\": M}"
                                        : "expected {\"min\": N, \"max\": M}");
    return range_object(c, v, path, allow_count, out);
}

/* The member `key` of obj as a range at "<path>.<key>". */
static int member_range(sc_load_ctx *c, const cJSON *obj, const char *path, const char *key,
                        bool allow_exact, sc_expect_range *out)
{
    char p[512];
    sc_load_join(p, sizeof p, path, key);
    return parse_range(c, cJSON_GetObjectItemCaseSensitive(obj, key), p, allow_exact, false, out);
}

/* ---- small typed values ---- */

static int dup_text(sc_load_ctx *c, const char *text, const char *path, char **out)
{
    if (text == NULL)
        return 0;
    *out = strdup(text);
    return *out != NULL ? 0 : sc_load_oom(c, path);
}

/* A list of status code names as codes. */
static int parse_codes(sc_load_ctx *c, const cJSON *arr, const char *path, int **out, size_t *n)
{
    if (sc_load_codes(c, arr, path) != 0)
        return -1;
    int count = cJSON_GetArraySize(arr);
    *out = calloc(count > 0 ? (size_t)count : 1, sizeof **out);
    if (*out == NULL)
        return sc_load_oom(c, path);
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, arr) sc_scenario_code_by_name(v->valuestring, &(*out)[(*n)++]);
    return 0;
}

/* ---- metadata: {"key": "value" or {"present": bool}} ---- */

static int md_entry(sc_load_ctx *c, const cJSON *e, const char *p, sc_expect_md_entry *out)
{
    static const sc_jfield names[] = {{.key = "present"}};
    for (const char *k = e->string; *k; k++)
        if (*k >= 'A' && *k <= 'Z')
            return sc_load_fail(c, p, "metadata keys are lower-case on the wire");
    out->key = strdup(e->string);
    if (out->key == NULL)
        return sc_load_oom(c, p);
    if (cJSON_IsString(e)) {
        out->kind = SC_EXPECT_MD_VALUE;
        return dup_text(c, e->valuestring, p, &out->value);
    }
    bool present = false, has = false;
    if (sc_load_object(c, e, p, SC_JSPEC(names)) != 0 ||
        sc_load_bool(c, e, "present", p, &present, &has) != 0)
        return -1;
    if (!has)
        return sc_load_fail(c, p, "expected a string or {\"present\": false}");
    out->kind = present ? SC_EXPECT_MD_PRESENT : SC_EXPECT_MD_ABSENT;
    return 0;
}

static int parse_md(sc_load_ctx *c, const cJSON *obj, const char *path, sc_expect_md *out)
{
    if (obj == NULL)
        return 0;
    if (!cJSON_IsObject(obj))
        return sc_load_fail(c, path, "expected an object of key: value or {\"present\": false}");
    int n = cJSON_GetArraySize(obj);
    if (n > SC_SCENARIO_MAX_LIST)
        return sc_load_fail(c, path, "more than %d keys", SC_SCENARIO_MAX_LIST);
    out->given = true;
    out->items = calloc(n > 0 ? (size_t)n : 1, sizeof *out->items);
    if (out->items == NULL)
        return sc_load_oom(c, path);
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, obj)
    {
        char p[512];
        sc_load_join(p, sizeof p, path, e->string);
        if (md_entry(c, e, p, &out->items[out->count++]) != 0)
            return -1;
    }
    return 0;
}

/* ---- responses ---- */

/* A subset of a response in canonical JSON: must decode as the method's response type (with
 * $per_case names standing for text). Kept as JSON: the judge compares trees. */
static int parse_match(sc_load_ctx *c, const sc_scenario *s, const cJSON *m, const char *path,
                       cJSON **out)
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
    *out = cJSON_Duplicate(m, true);
    return *out != NULL ? 0 : sc_load_oom(c, path);
}

/* One entry at position i: null, a match object, or {"index": N, "match": {...}}. */
static int content_entry(sc_load_ctx *c, const sc_scenario *s, const cJSON *e, size_t i,
                         const char *p, sc_expect_content *out)
{
    static const sc_jfield names[] = {{.key = "index"}, {.key = "match"}};
    out->index = (int64_t)i;
    out->skip = cJSON_IsNull(e);
    if (out->skip)
        return 0;
    const cJSON *idx = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "index") : NULL;
    if (idx == NULL)
        return parse_match(c, s, e, p, &out->match);
    if (sc_load_object(c, e, p, SC_JSPEC(names)) != 0 ||
        sc_load_int(c, e, "index", p, -SC_SCENARIO_MAX_COUNT, SC_SCENARIO_MAX_COUNT, &out->index,
                    NULL) != 0)
        return -1;
    char mp[600];
    sc_load_join(mp, sizeof mp, p, "match");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "match");
    if (m == NULL)
        return sc_load_fail(c, mp, "missing");
    return parse_match(c, s, m, mp, &out->match);
}

static int parse_contents(sc_load_ctx *c, const sc_scenario *s, const cJSON *arr, sc_expect *ex)
{
    const char *path = "expect.response_contents";
    if (arr == NULL)
        return 0;
    if (!cJSON_IsArray(arr))
        return sc_load_fail(c, path, "expected an array");
    int n = cJSON_GetArraySize(arr);
    if (n > SC_SCENARIO_MAX_LIST)
        return sc_load_fail(c, path, "more than %d entries", SC_SCENARIO_MAX_LIST);
    ex->has_contents = true;
    ex->contents = calloc(n > 0 ? (size_t)n : 1, sizeof *ex->contents);
    if (ex->contents == NULL)
        return sc_load_oom(c, path);
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, arr)
    {
        char p[512];
        sc_load_index(p, sizeof p, path, ex->n_contents);
        size_t i = ex->n_contents++;
        if (content_entry(c, s, e, i, p, &ex->contents[i]) != 0)
            return -1;
    }
    return 0;
}

static int parse_timing(sc_load_ctx *c, const cJSON *t, sc_expect *ex)
{
    static const sc_jfield names[] = {{.key = "elapsed_ms"}, {.key = "first_response_ms"}};
    if (t == NULL)
        return 0;
    if (sc_load_object(c, t, "expect.timing", SC_JSPEC(names)) != 0 ||
        member_range(c, t, "expect.timing", "elapsed_ms", false, &ex->elapsed_ms) != 0 ||
        member_range(c, t, "expect.timing", "first_response_ms", false, &ex->first_response_ms) !=
            0)
        return -1;
    return 0;
}

/* ---- server events ---- */

static int server_ranges(sc_load_ctx *c, const cJSON *sv, sc_expect_server *out)
{
    const char *path = "expect.server";
    if (member_range(c, sv, path, "deadline_ms", false, &out->deadline_ms) != 0 ||
        member_range(c, sv, path, "messages_received", true, &out->messages_received) != 0 ||
        member_range(c, sv, path, "messages_sent", true, &out->messages_sent) != 0 ||
        member_range(c, sv, path, "calls", true, &out->calls) != 0 ||
        member_range(c, sv, path, "call_gaps_ms", false, &out->call_gaps_ms) != 0)
        return -1;
    return 0;
}

/* An array of at most SC_EXPECT_MAX_COMPRESSED booleans as a mask (bit i: message i). */
static int compressed_list(sc_load_ctx *c, const cJSON *sv, const char *key, int *n, uint64_t *mask)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(sv, key);
    char p[96];
    *n = -1;
    if (arr == NULL)
        return 0;
    snprintf(p, sizeof p, "expect.server.%s", key);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > SC_EXPECT_MAX_COMPRESSED)
        return sc_load_fail(c, p, "expected an array of at most %d booleans (one per message)",
                            SC_EXPECT_MAX_COMPRESSED);
    *n = 0;
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, arr)
    {
        if (!cJSON_IsBool(v))
            return sc_load_fail(c, p, "expected an array of booleans (one per message)");
        if (cJSON_IsTrue(v))
            *mask |= (uint64_t)1 << *n;
        (*n)++;
    }
    return 0;
}

/* request_encoding, received_compressed, sent_compressed (issue 14). */
static int server_compression(sc_load_ctx *c, const cJSON *sv, sc_expect_server *out)
{
    const char *text = NULL;
    out->request_encoding = -1;
    if (sc_load_str(c, sv, "request_encoding", "expect.server", 64, &text) != 0)
        return -1;
    if (text != NULL && (out->request_encoding = sc_encoding_by_name(text)) < 0)
        return sc_load_fail(c, "expect.server.request_encoding",
                            "expected \"identity\", \"deflate\" or \"gzip\"");
    if (compressed_list(c, sv, "received_compressed", &out->n_received_compressed,
                        &out->received_compressed) != 0 ||
        compressed_list(c, sv, "sent_compressed", &out->n_sent_compressed, &out->sent_compressed) !=
            0)
        return -1;
    return 0;
}

static int parse_server_expect(sc_load_ctx *c, const cJSON *sv, sc_expect_server *out)
{
    static const sc_jfield names[] = {
        {.key = "cancelled"},         {.key = "deadline_exceeded"}, {.key = "deadline_ms"},
        {.key = "messages_received"}, {.key = "messages_sent"},     {.key = "status"},
        {.key = "status_message"},    {.key = "metadata"},          {.key = "calls"},
        {.key = "call_gaps_ms"},      {.key = "request_encoding"},  {.key = "received_compressed"},
        {.key = "sent_compressed"}};
    const char *path = "expect.server";
    out->status = -1;
    out->request_encoding = -1;
    out->n_received_compressed = out->n_sent_compressed = -1;
    if (sv == NULL)
        return 0;
    if (sc_load_object(c, sv, path, SC_JSPEC(names)) != 0)
        return -1;
    out->given = true;
    int counts_only = (cJSON_GetObjectItemCaseSensitive(sv, "calls") != NULL ? 1 : 0) +
                      (cJSON_GetObjectItemCaseSensitive(sv, "call_gaps_ms") != NULL ? 1 : 0);
    out->beyond_calls = cJSON_GetArraySize(sv) > counts_only;
    const char *text = NULL;
    if (sc_load_bool(c, sv, "cancelled", path, &out->cancelled, &out->has_cancelled) != 0 ||
        sc_load_bool(c, sv, "deadline_exceeded", path, &out->deadline_exceeded,
                     &out->has_deadline_exceeded) != 0 ||
        sc_load_str(c, sv, "status_message", path, SC_SCENARIO_MAX_STRING, &text) != 0 ||
        dup_text(c, text, "expect.server.status_message", &out->status_message) != 0 ||
        server_ranges(c, sv, out) != 0 || server_compression(c, sv, out) != 0)
        return -1;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(sv, "status");
    if (st != NULL && sc_load_code(c, st, "expect.server.status", &out->status) != 0)
        return -1;
    return parse_md(c, cJSON_GetObjectItemCaseSensitive(sv, "metadata"), "expect.server.metadata",
                    &out->metadata);
}

/* ---- attempts and the network ---- */

static int parse_attempts(sc_load_ctx *c, const sc_scenario *s, const cJSON *a,
                          sc_expect_attempts *out)
{
    static const sc_jfield names[] = {{.key = "count"}, {.key = "codes"}, {.key = "schedule"}};
    static const sc_jfield snames[] = {{.key = "tolerance_ms"}};
    const char *path = "expect.attempts";
    out->tolerance_ms = SC_SCENARIO_DEFAULT_TOLERANCE_MS;
    if (a == NULL)
        return 0;
    out->given = true;
    if (sc_load_object(c, a, path, SC_JSPEC(names)) != 0 ||
        member_range(c, a, path, "count", true, &out->count) != 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "codes");
    out->has_codes = v != NULL;
    if (v != NULL && parse_codes(c, v, "expect.attempts.codes", &out->codes, &out->n_codes) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(a, "schedule");
    if (v == NULL)
        return 0;
    if (!s->reconnect)
        return sc_load_fail(c, "expect.attempts.schedule",
                            "needs client.reconnect (the policy to check)");
    out->schedule = true;
    if (cJSON_IsTrue(v))
        return 0;
    if (sc_load_object(c, v, "expect.attempts.schedule", SC_JSPEC(snames)) != 0 ||
        sc_load_int(c, v, "tolerance_ms", "expect.attempts.schedule", 0, SC_SCENARIO_MAX_MS,
                    &out->tolerance_ms, NULL) != 0)
        return -1;
    return 0;
}

static int parse_network_schedule(sc_load_ctx *c, const cJSON *v, sc_expect_network *out)
{
    static const sc_jfield snames[] = {{.key = "initial_ms"},
                                       {.key = "multiplier"},
                                       {.key = "jitter"},
                                       {.key = "max_ms"},
                                       {.key = "tolerance_ms"}};
    const char *sp = "expect.network.schedule";
    bool has_initial = false, has_max = false;
    if (sc_load_object(c, v, sp, SC_JSPEC(snames)) != 0 ||
        sc_load_int(c, v, "initial_ms", sp, 1, SC_SCENARIO_MAX_MS, &out->initial_ms,
                    &has_initial) != 0 ||
        sc_load_int(c, v, "max_ms", sp, 1, SC_SCENARIO_MAX_MS, &out->max_ms, &has_max) != 0 ||
        sc_load_int(c, v, "tolerance_ms", sp, 0, SC_SCENARIO_MAX_MS, &out->tolerance_ms, NULL) !=
            0 ||
        sc_load_number(c, v, "multiplier", sp, 1.0, 100.0) != 0 ||
        sc_load_number(c, v, "jitter", sp, 0.0, 0.999) != 0)
        return -1;
    if (!has_initial || !has_max)
        return sc_load_fail(c, sp, "give initial_ms and max_ms (the client's reconnect backoff)");
    out->multiplier = sc_jget_number(v, "multiplier", out->multiplier);
    out->jitter = sc_jget_number(v, "jitter", out->jitter);
    out->schedule = true;
    return 0;
}

/* expect.network: what the fault proxy saw (connections; accept times against a
 * connection-backoff policy). Needs a faults section, even [], so that a proxy runs. */
static int parse_network(sc_load_ctx *c, const sc_scenario *s, const cJSON *net,
                         sc_expect_network *out)
{
    static const sc_jfield names[] = {{.key = "connections"}, {.key = "schedule"}};
    /* The gRPC connection-backoff spec's multiplier and jitter unless given. */
    out->multiplier = SC_SCENARIO_CONN_BACKOFF_MULTIPLIER;
    out->jitter = SC_SCENARIO_CONN_BACKOFF_JITTER;
    out->tolerance_ms = SC_SCENARIO_DEFAULT_TOLERANCE_MS;
    if (net == NULL)
        return 0;
    if (s->faults == NULL)
        return sc_load_fail(c, "expect.network",
                            "needs a faults section (even []) to put a proxy in place");
    out->given = true;
    if (sc_load_object(c, net, "expect.network", SC_JSPEC(names)) != 0 ||
        member_range(c, net, "expect.network", "connections", true, &out->connections) != 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(net, "schedule");
    return v != NULL ? parse_network_schedule(c, v, out) : 0;
}

/* ---- the section ---- */

/* status, other_allowed_codes, message, message_contains. */
static int parse_status(sc_load_ctx *c, const cJSON *ex, sc_expect *out)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(ex, "status");
    if (st == NULL)
        return sc_load_fail(c, "expect.status", "missing");
    if (sc_load_code(c, st, "expect.status", &out->status) != 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ex, "other_allowed_codes");
    if (v != NULL && parse_codes(c, v, "expect.other_allowed_codes", &out->other_codes,
                                 &out->n_other_codes) != 0)
        return -1;
    const char *m1 = NULL, *m2 = NULL;
    if (sc_load_str(c, ex, "message", "expect", SC_SCENARIO_MAX_STRING, &m1) != 0 ||
        sc_load_str(c, ex, "message_contains", "expect", SC_SCENARIO_MAX_STRING, &m2) != 0)
        return -1;
    if (m1 != NULL && m2 != NULL)
        return sc_load_fail(c, "expect.message_contains",
                            "give either message or message_contains");
    if (dup_text(c, m1, "expect.message", &out->message) != 0 ||
        dup_text(c, m2, "expect.message_contains", &out->message_contains) != 0)
        return -1;
    return 0;
}

static int parse_sections(sc_load_ctx *c, sc_scenario *s, const cJSON *ex, sc_expect *out)
{
    const cJSON *filter = cJSON_GetObjectItemCaseSensitive(ex, "response_filter");
    if (parse_status(c, ex, out) != 0 ||
        parse_range(c, cJSON_GetObjectItemCaseSensitive(ex, "responses"), "expect.responses", true,
                    true, &out->responses) != 0 ||
        parse_contents(c, s, cJSON_GetObjectItemCaseSensitive(ex, "response_contents"), out) != 0 ||
        (filter != NULL &&
         parse_match(c, s, filter, "expect.response_filter", &out->response_filter) != 0) ||
        parse_md(c, cJSON_GetObjectItemCaseSensitive(ex, "headers"), "expect.headers",
                 &out->headers) != 0 ||
        parse_md(c, cJSON_GetObjectItemCaseSensitive(ex, "trailers"), "expect.trailers",
                 &out->trailers) != 0 ||
        parse_timing(c, cJSON_GetObjectItemCaseSensitive(ex, "timing"), out) != 0 ||
        parse_server_expect(c, cJSON_GetObjectItemCaseSensitive(ex, "server"), &out->server) != 0 ||
        parse_attempts(c, s, cJSON_GetObjectItemCaseSensitive(ex, "attempts"), &out->attempts) !=
            0 ||
        parse_network(c, s, cJSON_GetObjectItemCaseSensitive(ex, "network"), &out->network) != 0)
        return -1;
    const char *enc = NULL;
    out->response_encoding = -1;
    if (sc_load_str(c, ex, "response_encoding", "expect", 64, &enc) != 0)
        return -1;
    if (enc != NULL && (out->response_encoding = sc_encoding_by_name(enc)) < 0)
        return sc_load_fail(c, "expect.response_encoding",
                            "expected \"identity\", \"deflate\" or \"gzip\"");
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
                                      {.key = "network"},   {.key = "response_encoding"}};
    if (ex == NULL)
        return sc_load_fail(c, "expect", "missing (at least expect.status)");
    if (sc_load_object(c, ex, "expect", SC_JSPEC(names)) != 0 ||
        parse_sections(c, s, ex, &s->ex) != 0)
        return -1;
    s->expect = cJSON_Duplicate(ex, true);
    return s->expect != NULL ? 0 : sc_load_oom(c, "expect");
}

static void md_free(sc_expect_md *md)
{
    for (size_t i = 0; i < md->count; i++) {
        free(md->items[i].key);
        free(md->items[i].value);
    }
    free(md->items);
}

void sc_expect_free(sc_expect *e)
{
    free(e->other_codes);
    free(e->message);
    free(e->message_contains);
    cJSON_Delete(e->response_filter);
    for (size_t i = 0; i < e->n_contents; i++)
        cJSON_Delete(e->contents[i].match);
    free(e->contents);
    md_free(&e->headers);
    md_free(&e->trailers);
    md_free(&e->server.metadata);
    free(e->server.status_message);
    free(e->attempts.codes);
    memset(e, 0, sizeof *e);
}
