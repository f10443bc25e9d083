/* sc_scenario: loading and validating scenario files (docs/scenario-format.md), accessors, the
 * driver instruction of a case and its bound. The judge and the filters live in their own files. */
#include "sc_scenario_internal.h"
#include "sc_fault.h"
#include "sc_base64.h"
#include "sc_instr.h"
#include "sc_jcheck.h"
#include "sc_json.h"
#include "sc_script.h"
#include "sc_status.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Longest x-sc-fail-message a server peer keeps (the C server: SC_CONTROL_MAX_TEXT). */
#define SC_SCENARIO_MAX_FAIL_MESSAGE 4096
/* Longest header value we send for echo_initial: the same bound as other control text. */
#define SC_SCENARIO_MAX_HEADER_VALUE 4096
/* Upper bound of every ms value and count in a scenario: the driver's own limit (an hour). */
#define SC_SCENARIO_MAX_MS SC_INSTR_MAX_MS
/* Upper bound of counts (responses, messages, attempts): far beyond any scenario. */
#define SC_SCENARIO_MAX_COUNT 1000000000

typedef struct {
    const char *origin;
    char *err;
    size_t errlen;
    size_t expanded; /* bytes produced by "$repeat" so far in this scenario */
} ctx;

__attribute__((format(printf, 3, 4))) static int fail(ctx *c, const char *path, const char *fmt,
                                                      ...)
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

static int oom(ctx *c, const char *path)
{
    return fail(c, path, "out of memory");
}

/* path + "." + key (or "[i]"), truncated safely. */
static void join(char *out, size_t len, const char *path, const char *key)
{
    if (path == NULL || *path == '\0')
        snprintf(out, len, "%s", key);
    else
        snprintf(out, len, "%s.%s", path, key);
}

static void join_index(char *out, size_t len, const char *path, size_t i)
{
    snprintf(out, len, "%s[%zu]", path, i);
}

/* The one JSON object checker (sc_jcheck): unknown keys, keys given twice (cJSON keeps both; a
 * scenario saying the same thing twice is a mistake), types and ranges of the table's fields. */
static int check_object(ctx *c, const cJSON *obj, const char *path, sc_jspec spec)
{
    char why[512];
    if (sc_jcheck_object(obj, path, &spec, why, sizeof why) == 0)
        return 0;
    snprintf(c->err, c->errlen, "%s: %s", c->origin, why);
    return -1;
}

/* One value against one field (its path already joined). */
static int check_value(ctx *c, const cJSON *v, const char *path, const sc_jfield *f)
{
    char why[512];
    if (sc_jcheck_value(v, path, f, SC_JWORDS_MUST_BE_IN, why, sizeof why) == 0)
        return 0;
    snprintf(c->err, c->errlen, "%s: %s", c->origin, why);
    return -1;
}

static bool is_int(const cJSON *v)
{
    return sc_jcheck_is_int(v);
}

/* Optional integer member in [min, max]; *present tells whether it was there. */
static int get_int(ctx *c, const cJSON *obj, const char *key, const char *path, int64_t min,
                   int64_t max, int64_t *out, bool *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (present != NULL)
        *present = v != NULL;
    if (v == NULL)
        return 0;
    char p[512];
    join(p, sizeof p, path, key);
    sc_jfield f = {
        .key = key, .types = SC_JT_INT, .ranged = true, .min = (double)min, .max = (double)max};
    if (check_value(c, v, p, &f) != 0)
        return -1;
    *out = (int64_t)v->valuedouble;
    return 0;
}

static int get_bool(ctx *c, const cJSON *obj, const char *key, const char *path, bool *out,
                    bool *present)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (present != NULL)
        *present = v != NULL;
    if (v == NULL)
        return 0;
    char p[512];
    join(p, sizeof p, path, key);
    sc_jfield f = {.key = key, .types = SC_JT_BOOL};
    if (check_value(c, v, p, &f) != 0)
        return -1;
    *out = cJSON_IsTrue(v);
    return 0;
}

/* Optional string member (NULL when absent). */
static int get_str(ctx *c, const cJSON *obj, const char *key, const char *path, size_t maxlen,
                   const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (v == NULL)
        return 0;
    char p[512];
    join(p, sizeof p, path, key);
    sc_jfield f = {.key = key, .types = SC_JT_STRING};
    if (check_value(c, v, p, &f) != 0)
        return -1;
    if (strlen(v->valuestring) > maxlen)
        return fail(c, p, "longer than %zu bytes", maxlen);
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
static int check_code(ctx *c, const cJSON *v, const char *path, int *code)
{
    if (!cJSON_IsString(v))
        return fail(c, path, "expected a status code name such as \"UNAVAILABLE\"");
    int tmp = 0;
    if (sc_scenario_code_by_name(v->valuestring, &tmp)) {
        if (code != NULL)
            *code = tmp;
        return 0;
    }
    if (sc_status_parse(v->valuestring, &tmp))
        return fail(c, path, "write the code by its canonical name \"%s\", not \"%.64s\"",
                    sc_status_name(tmp), v->valuestring);
    return fail(c, path, "unknown code \"%.64s\"", v->valuestring);
}

static int check_code_list(ctx *c, const cJSON *arr, const char *path)
{
    if (!cJSON_IsArray(arr))
        return fail(c, path, "expected an array of status code names");
    if (cJSON_GetArraySize(arr) > SC_SCENARIO_MAX_LIST)
        return fail(c, path, "more than %d entries", SC_SCENARIO_MAX_LIST);
    size_t i = 0;
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, arr)
    {
        char p[512];
        join_index(p, sizeof p, path, i++);
        if (check_code(c, v, p, NULL) != 0)
            return -1;
    }
    return 0;
}

/* ---- generic checks over the whole tree ---- */

static int check_tree(ctx *c, const cJSON *v, int depth)
{
    if (depth > SC_SCENARIO_MAX_DEPTH)
        return fail(c, NULL, "JSON nested deeper than %d levels", SC_SCENARIO_MAX_DEPTH);
    if (cJSON_IsString(v) && strlen(v->valuestring) > SC_SCENARIO_MAX_STRING)
        return fail(c, NULL, "a string is longer than %d bytes (use \"$repeat\" for payloads)",
                    SC_SCENARIO_MAX_STRING);
    for (const cJSON *ch = v->child; ch != NULL; ch = ch->next)
        if (check_tree(c, ch, depth + 1) != 0)
            return -1;
    return 0;
}

/* ---- $repeat: {"$repeat": "TEXT", "count": N} stands for TEXT repeated N times ---- */

static int expand_repeats(ctx *c, cJSON *v, const char *path)
{
    cJSON *rep = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "$repeat") : NULL;
    if (rep != NULL) {
        static const sc_jfield names[] = {{.key = "$repeat"}, {.key = "count"}};
        int64_t count = 0;
        bool has = false;
        if (check_object(c, v, path, SC_JSPEC(names)) != 0 ||
            get_int(c, v, "count", path, 0, SC_SCENARIO_MAX_EXPANDED, &count, &has) != 0)
            return -1;
        char p[512];
        join(p, sizeof p, path, "$repeat");
        if (!cJSON_IsString(rep) || rep->valuestring[0] == '\0')
            return fail(c, p, "expected a non-empty string");
        if (!has)
            return fail(c, path, "\"$repeat\" needs \"count\"");
        size_t unit = strlen(rep->valuestring);
        if ((size_t)count > (SC_SCENARIO_MAX_EXPANDED - c->expanded) / unit)
            return fail(c, path, "\"$repeat\" expands beyond %d bytes in this scenario",
                        SC_SCENARIO_MAX_EXPANDED);
        size_t total = unit * (size_t)count;
        char *s = malloc(total + 1);
        if (s == NULL)
            return oom(c, path);
        for (size_t i = 0; i < (size_t)count; i++)
            memcpy(s + i * unit, rep->valuestring, unit);
        s[total] = '\0';
        c->expanded += total;
        /* Turn the object into a string in place. */
        cJSON *child = v->child;
        v->child = NULL;
        cJSON_Delete(child);
        v->type = cJSON_String;
        v->valuestring = s;
        return 0;
    }
    size_t i = 0;
    for (cJSON *ch = v->child; ch != NULL; ch = ch->next, i++) {
        char p[512];
        if (cJSON_IsArray(v))
            join_index(p, sizeof p, path, i);
        else
            join(p, sizeof p, path, ch->string);
        if (expand_repeats(c, ch, p) != 0)
            return -1;
    }
    return 0;
}

/* An element {"$repeat": {MESSAGE}, "count": N} of client.requests stands for N copies of the
 * message (a flood of chat lines without a file of thousands of them). */
static bool is_message_repeat(const cJSON *e)
{
    return cJSON_IsObject(e) && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(e, "$repeat"));
}

/* Append `count` copies of e's message to `out`; *total counts the requests so far. */
static int append_repeat(ctx *c, const cJSON *e, size_t i, cJSON *out, size_t *total)
{
    static const sc_jfield names[] = {{.key = "$repeat"}, {.key = "count"}};
    char path[64];
    join_index(path, sizeof path, "client.requests", i);
    int64_t count = 0;
    bool has = false;
    if (check_object(c, e, path, SC_JSPEC(names)) != 0 ||
        get_int(c, e, "count", path, 1, SC_SCENARIO_MAX_REQUESTS, &count, &has) != 0)
        return -1;
    if (!has)
        return fail(c, path, "\"$repeat\" needs \"count\"");
    if (*total + (size_t)count > SC_SCENARIO_MAX_REQUESTS)
        return fail(c, "client.requests", "more than %d requests", SC_SCENARIO_MAX_REQUESTS);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "$repeat");
    for (int64_t k = 0; k < count; k++) {
        cJSON *copy = cJSON_Duplicate(msg, true);
        if (copy == NULL || !cJSON_AddItemToArray(out, copy)) {
            cJSON_Delete(copy);
            return oom(c, path);
        }
    }
    *total += (size_t)count;
    return 0;
}

static int expand_request_repeats(ctx *c, cJSON *reqs)
{
    if (!cJSON_IsArray(reqs))
        return 0; /* the driver's parser names the error */
    bool any = false;
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, reqs) any = any || is_message_repeat(e);
    if (!any)
        return 0;
    cJSON *out = cJSON_CreateArray();
    if (out == NULL)
        return oom(c, "client.requests");
    size_t i = 0, total = 0;
    int rc = 0;
    for (cJSON *item = reqs->child; item != NULL && rc == 0; i++) {
        cJSON *next = item->next;
        if (is_message_repeat(item)) {
            rc = append_repeat(c, item, i, out, &total);
        } else {
            cJSON_DetachItemViaPointer(reqs, item);
            cJSON_AddItemToArray(out, item);
            total++;
        }
        item = next;
    }
    if (rc == 0) { /* out's elements become the requests */
        cJSON *old = reqs->child;
        reqs->child = out->child;
        out->child = old;
    }
    cJSON_Delete(out);
    return rc;
}

/* ---- $per_case: {"$per_case": "TEXT"} stands for "TEXT:<case id>" ---- */

static int check_per_case(ctx *c, const cJSON *v, const char *path, int depth)
{
    if (depth > SC_SCENARIO_MAX_DEPTH)
        return fail(c, path, "nested too deeply");
    const cJSON *pc = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "$per_case") : NULL;
    if (pc != NULL) {
        if (cJSON_GetArraySize(v) != 1)
            return fail(c, path, "\"$per_case\" takes no other member");
        if (!cJSON_IsString(pc) || pc->valuestring[0] == '\0') {
            char p[512];
            join(p, sizeof p, path, "$per_case");
            return fail(c, p, "expected a non-empty string");
        }
        return 0;
    }
    size_t i = 0;
    for (const cJSON *ch = v->child; ch != NULL; ch = ch->next, i++) {
        char p[512];
        if (cJSON_IsArray(v))
            join_index(p, sizeof p, path, i);
        else
            join(p, sizeof p, path, ch->string);
        if (check_per_case(c, ch, p, depth + 1) != 0)
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

/* ---- server section ---- */

static int add_control(ctx *c, sc_scenario *s, const char *key, const char *value)
{
    if (cJSON_AddStringToObject(s->control, key, value) == NULL)
        return oom(c, "server");
    return 0;
}

static int add_control_int(ctx *c, sc_scenario *s, const char *key, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return add_control(c, s, key, buf);
}

/* Percent-encode everything outside printable ASCII, plus ' ' and '%', so that any UTF-8 text
 * travels in an ASCII header unchanged (the server decodes %XX). */
static char *percent_encode(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(n * 3 + 1);
    if (out == NULL)
        return NULL;
    char *o = out;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p > 0x20 && *p < 0x7f && *p != '%') {
            *o++ = (char)*p;
        } else {
            snprintf(o, 4, "%%%02X", *p);
            o += 3;
        }
    }
    *o = '\0';
    return out;
}

static bool printable_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return false;
    return true;
}

static int parse_fail(ctx *c, sc_scenario *s, const cJSON *f)
{
    static const sc_jfield names[] = {{.key = "code"},
                                      {.key = "message"},
                                      {.key = "after"},
                                      {.key = "retry_pushback_ms"},
                                      {.key = "calls"}};
    if (check_object(c, f, "server.fail", SC_JSPEC(names)) != 0)
        return -1;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(f, "code");
    if (code == NULL)
        return fail(c, "server.fail.code", "missing");
    if (check_code(c, code, "server.fail.code", NULL) != 0 ||
        add_control(c, s, "x-sc-fail-code", code->valuestring) != 0)
        return -1;
    const char *msg = NULL;
    int64_t after = 0, pushback = 0, calls = 0;
    bool has_after = false, has_pushback = false, has_calls = false;
    if (get_str(c, f, "message", "server.fail", SC_SCENARIO_MAX_FAIL_MESSAGE, &msg) != 0 ||
        get_int(c, f, "after", "server.fail", 0, SC_SCENARIO_MAX_COUNT, &after, &has_after) != 0 ||
        get_int(c, f, "retry_pushback_ms", "server.fail", 0, SC_SCENARIO_MAX_MS, &pushback,
                &has_pushback) != 0 ||
        get_int(c, f, "calls", "server.fail", 1, SC_SCENARIO_MAX_COUNT, &calls, &has_calls) != 0)
        return -1;
    if (msg != NULL) {
        char *enc = percent_encode(msg);
        if (enc == NULL)
            return oom(c, "server.fail.message");
        int rc = 0;
        if (strlen(enc) > SC_SCENARIO_MAX_FAIL_MESSAGE)
            rc = fail(c, "server.fail.message", "longer than %d bytes once percent-encoded",
                      SC_SCENARIO_MAX_FAIL_MESSAGE);
        else
            rc = add_control(c, s, "x-sc-fail-message", enc);
        free(enc);
        if (rc != 0)
            return -1;
    }
    if (has_after && add_control_int(c, s, "x-sc-fail-after", after) != 0)
        return -1;
    if (has_pushback && add_control_int(c, s, "x-sc-retry-pushback-ms", pushback) != 0)
        return -1;
    if (has_calls && add_control_int(c, s, "x-sc-fail-calls", calls) != 0)
        return -1;
    return 0;
}

/* Validated by the scripted server's own parser (common/sc_script), so that what loads is what
 * `streamconform script-server` plays. */
static int parse_script(ctx *c, sc_scenario *s, const cJSON *script)
{
    sc_script parsed;
    char why[1024];
    if (sc_script_parse(&parsed, s->method, script, "server.script", why, sizeof why) != 0) {
        snprintf(c->err, c->errlen, "%s: %s", c->origin, why);
        return -1;
    }
    sc_script_free(&parsed);
    s->script = cJSON_Duplicate(script, true);
    return s->script != NULL ? 0 : oom(c, "server.script");
}

static int parse_server(ctx *c, sc_scenario *s, const cJSON *srv)
{
    static const sc_jfield names[] = {{.key = "initial_delay_ms"},
                                      {.key = "response_delay_ms"},
                                      {.key = "max_responses"},
                                      {.key = "fail"},
                                      {.key = "echo"},
                                      {.key = "echo_initial"},
                                      {.key = "echo_trailing_bin"},
                                      {.key = "script"}};
    s->control = cJSON_CreateObject();
    if (s->control == NULL)
        return oom(c, "server");
    if (srv == NULL)
        return 0;
    if (check_object(c, srv, "server", SC_JSPEC(names)) != 0)
        return -1;
    const cJSON *script = cJSON_GetObjectItemCaseSensitive(srv, "script");
    if (script != NULL) {
        if (cJSON_GetArraySize(srv) != 1)
            return fail(c, "server.script",
                        "a scripted server takes no control behaviour next to the script");
        return parse_script(c, s, script);
    }
    int64_t v = 0;
    bool has = false, echo = false;
    if (get_int(c, srv, "initial_delay_ms", "server", 0, SC_SCENARIO_MAX_MS, &v, &has) != 0 ||
        (has && add_control_int(c, s, "x-sc-initial-delay-ms", v) != 0))
        return -1;
    if (get_int(c, srv, "response_delay_ms", "server", 0, SC_SCENARIO_MAX_MS, &v, &has) != 0 ||
        (has && add_control_int(c, s, "x-sc-response-delay-ms", v) != 0))
        return -1;
    if (get_int(c, srv, "max_responses", "server", 0, SC_SCENARIO_MAX_COUNT, &v, &has) != 0 ||
        (has && add_control_int(c, s, "x-sc-max-responses", v) != 0))
        return -1;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(srv, "fail");
    if (f != NULL && parse_fail(c, s, f) != 0)
        return -1;
    if (get_bool(c, srv, "echo", "server", &echo, &has) != 0 ||
        (has && add_control(c, s, "x-sc-echo", echo ? "true" : "false") != 0))
        return -1;
    const char *text = NULL;
    if (get_str(c, srv, "echo_initial", "server", SC_SCENARIO_MAX_HEADER_VALUE, &text) != 0)
        return -1;
    if (text != NULL) {
        if (!printable_ascii(text))
            return fail(c, "server.echo_initial", "a header value must be printable ASCII");
        if (add_control(c, s, "x-grpc-test-echo-initial", text) != 0)
            return -1;
    }
    if (get_str(c, srv, "echo_trailing_bin", "server", SC_SCENARIO_MAX_HEADER_VALUE, &text) != 0)
        return -1;
    if (text != NULL) {
        size_t n = 0;
        unsigned char *raw = sc_base64_decode(text, &n);
        if (raw == NULL)
            return fail(c, "server.echo_trailing_bin", "expected base64");
        free(raw);
        if (add_control(c, s, "x-grpc-test-echo-trailing-bin", text) != 0)
            return -1;
    }
    return 0;
}

/* ---- client section ---- */

/* A request {"$raw": "<base64>"}: bytes recorded as they were (a call on a path outside
 * DataService, or a message that did not decode as the method's type). */
static bool is_raw_request(const cJSON *e)
{
    return cJSON_IsObject(e) && cJSON_GetObjectItemCaseSensitive(e, "$raw") != NULL;
}

/* Every "$raw" request: the only member, base64 of at most SC_SCRIPT_MAX_RAW bytes. */
static int check_raw_requests(ctx *c, const cJSON *reqs)
{
    static const sc_jfield names[] = {{.key = "$raw"}};
    size_t i = 0;
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, reqs)
    {
        char path[64], rp[80];
        join_index(path, sizeof path, "client.requests", i++);
        if (!is_raw_request(e))
            continue;
        join(rp, sizeof rp, path, "$raw");
        if (check_object(c, e, path, SC_JSPEC(names)) != 0)
            return -1;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "$raw");
        if (!cJSON_IsString(v))
            return fail(c, rp, "expected a base64 string");
        sc_base64_result r = sc_base64_decode_max(v->valuestring, SC_SCRIPT_MAX_RAW, NULL, NULL);
        if (r == SC_BASE64_TOO_LONG)
            return fail(c, rp, "longer than %d bytes", SC_SCRIPT_MAX_RAW);
        if (r != SC_BASE64_OK)
            return fail(c, rp, "expected base64");
    }
    return 0;
}

static bool has_raw_requests(const sc_scenario *s)
{
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(s->client, "requests"))
    {
        if (is_raw_request(e))
            return true;
    }
    return false;
}

/* client.path when it names no DataService method (a call to another service), else NULL. */
static const char *path_outside(const sc_scenario *s)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(s->client, "path");
    sc_method m;
    if (!cJSON_IsString(p) || sc_method_parse(p->valuestring, &m))
        return NULL;
    return p->valuestring;
}

/* Validate the client section with the drivers' instruction parser (contract/sc_instr), so a
 * scenario that loads is an instruction every driver accepts. "$raw" requests are checked on
 * their own (the drivers send the method's types: such scenarios are replayed, not run) and stand
 * for an empty message here. */
static int validate_with_driver(ctx *c, sc_scenario *s)
{
    cJSON *instr = sc_scenario_instruction(s, "validate", "127.0.0.1:1");
    if (instr == NULL)
        return oom(c, "client");
    cJSON *reqs = cJSON_GetObjectItemCaseSensitive(instr, "requests");
    for (cJSON *e = reqs != NULL ? reqs->child : NULL; e != NULL; e = e->next) {
        if (!is_raw_request(e))
            continue;
        cJSON *raw = cJSON_DetachItemFromObjectCaseSensitive(e, "$raw");
        cJSON_Delete(raw);
    }
    sc_instr in;
    char why[512];
    int rc = sc_instr_from_json(instr, &in, why, sizeof why);
    cJSON_Delete(instr);
    if (rc != 0) {
        sc_instr_free(&in);
        snprintf(c->err, c->errlen, "%s: client.%s", c->origin, why);
        return -1;
    }
    s->timeout_ms = in.timeout_ms;
    s->reconnect = in.reconnect;
    s->max_attempts = in.reconnect ? in.policy.max_attempts : 1;
    s->backoff_initial_ms = in.policy.initial_ms;
    s->backoff_multiplier = in.policy.multiplier;
    s->backoff_jitter = in.policy.jitter;
    s->backoff_max_ms = in.policy.max_ms;
    s->exhausted_backoff_ms = in.policy.exhausted_backoff_ms;
    s->honor_pushback = in.reconnect && in.policy.honor_pushback;
    sc_instr_free(&in);
    return 0;
}

static int parse_client(ctx *c, sc_scenario *s, const cJSON *cl)
{
    static const sc_jfield names[] = {{.key = "requests"},       {.key = "metadata"},
                                      {.key = "timeout_ms"},     {.key = "request_delay_ms"},
                                      {.key = "half_close"},     {.key = "wait_for_ready"},
                                      {.key = "cancel"},         {.key = "reconnect"},
                                      {.key = "channel"},        {.key = "path"},
                                      {.key = "start_delay_ms"}, {.key = "read_pause_ms"}};
    if (cl == NULL) {
        s->client = cJSON_CreateObject();
        return s->client != NULL ? validate_with_driver(c, s) : oom(c, "client");
    }
    if (check_object(c, cl, "client", SC_JSPEC(names)) != 0)
        return -1;
    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(cl, "requests");
    if (cJSON_IsArray(reqs) && cJSON_GetArraySize(reqs) > SC_SCENARIO_MAX_REQUESTS)
        return fail(c, "client.requests", "more than %d requests", SC_SCENARIO_MAX_REQUESTS);
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(cl, "metadata");
    if (cJSON_IsObject(md)) {
        const cJSON *e = NULL;
        cJSON_ArrayForEach(e, md)
        {
            char p[512];
            join(p, sizeof p, "client.metadata", e->string);
            if (strcmp(e->string, "x-sc-case") == 0)
                return fail(c, p, "the engine sets x-sc-case to the case id");
            if (cJSON_GetObjectItemCaseSensitive(s->control, e->string) != NULL)
                return fail(c, p, "also set by the server section");
        }
    }
    s->client = cJSON_Duplicate(cl, true);
    if (s->client == NULL)
        return oom(c, "client");
    cJSON *r = cJSON_GetObjectItemCaseSensitive(s->client, "requests");
    if (r != NULL &&
        (expand_request_repeats(c, r) != 0 || expand_repeats(c, r, "client.requests") != 0 ||
         check_per_case(c, r, "client.requests", 0) != 0 || check_raw_requests(c, r) != 0))
        return -1;
    return validate_with_driver(c, s);
}

/* ---- expect section ---- */

/* A count: integer (exact), or an object with min and/or max (and `count` when allowed). */
static int check_range(ctx *c, const cJSON *v, const char *path, bool allow_exact, bool allow_count)
{
    if (allow_exact && is_int(v)) {
        if (v->valuedouble < 0 || v->valuedouble > SC_SCENARIO_MAX_COUNT)
            return fail(c, path, "must be in 0..%d", SC_SCENARIO_MAX_COUNT);
        return 0;
    }
    static const sc_jfield with_count[] = {{.key = "count"}, {.key = "min"}, {.key = "max"}};
    static const sc_jfield without[] = {{.key = "min"}, {.key = "max"}};
    if (!cJSON_IsObject(v))
        return fail(c, path,
                    allow_exact ? "expected an integer or {\"min\": N, \"max\": M}"
                                : "expected {\"min\": N, \"max\": M}");
    if (check_object(c, v, path, allow_count ? SC_JSPEC(with_count) : SC_JSPEC(without)) != 0)
        return -1;
    int64_t count = 0, min = 0, max = 0;
    bool has_count = false, has_min = false, has_max = false;
    if (get_int(c, v, "count", path, 0, SC_SCENARIO_MAX_COUNT, &count, &has_count) != 0 ||
        get_int(c, v, "min", path, 0, SC_SCENARIO_MAX_COUNT, &min, &has_min) != 0 ||
        get_int(c, v, "max", path, 0, SC_SCENARIO_MAX_COUNT, &max, &has_max) != 0)
        return -1;
    if (has_count && (has_min || has_max))
        return fail(c, path, "give either count or min/max");
    if (!has_count && !has_min && !has_max)
        return fail(c, path, allow_count ? "give count, min or max" : "give min or max");
    if (has_min && has_max && min > max)
        return fail(c, path, "min %lld is above max %lld", (long long)min, (long long)max);
    return 0;
}

static int check_md_expect(ctx *c, const cJSON *obj, const char *path)
{
    if (!cJSON_IsObject(obj))
        return fail(c, path, "expected an object of key: value or {\"present\": false}");
    if (cJSON_GetArraySize(obj) > SC_SCENARIO_MAX_LIST)
        return fail(c, path, "more than %d keys", SC_SCENARIO_MAX_LIST);
    static const sc_jfield names[] = {{.key = "present"}};
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, obj)
    {
        char p[512];
        join(p, sizeof p, path, e->string);
        for (const char *k = e->string; *k; k++)
            if (*k >= 'A' && *k <= 'Z')
                return fail(c, p, "metadata keys are lower-case on the wire");
        if (cJSON_IsString(e))
            continue;
        bool present = false, has = false;
        if (check_object(c, e, p, SC_JSPEC(names)) != 0 ||
            get_bool(c, e, "present", p, &present, &has) != 0)
            return -1;
        if (!has)
            return fail(c, p, "expected a string or {\"present\": false}");
    }
    return 0;
}

static int check_match_object(ctx *c, const sc_scenario *s, const cJSON *m, const char *path)
{
    if (!cJSON_IsObject(m))
        return fail(c, path, "expected an object (a subset of the response in canonical JSON)");
    if (check_per_case(c, m, path, 0) != 0)
        return -1;
    cJSON *copy = cJSON_Duplicate(m, true);
    if (copy == NULL || sc_scenario_resolve_per_case(copy, "validate") != 0) {
        cJSON_Delete(copy);
        return oom(c, path);
    }
    char why[512];
    ProtobufCMessage *msg =
        sc_json_to_message(sc_method_get(s->method)->response, copy, why, sizeof why);
    cJSON_Delete(copy);
    if (msg == NULL) {
        if (strncmp(why, "(root): ", 8) == 0)
            return fail(c, path, "%s", why + 8);
        snprintf(c->err, c->errlen, "%s: %s.%s", c->origin, path, why);
        return -1;
    }
    protobuf_c_message_free_unpacked(msg, NULL);
    return 0;
}

static int check_contents(ctx *c, const sc_scenario *s, const cJSON *arr)
{
    const char *path = "expect.response_contents";
    if (!cJSON_IsArray(arr))
        return fail(c, path, "expected an array");
    if (cJSON_GetArraySize(arr) > SC_SCENARIO_MAX_LIST)
        return fail(c, path, "more than %d entries", SC_SCENARIO_MAX_LIST);
    static const sc_jfield names[] = {{.key = "index"}, {.key = "match"}};
    size_t i = 0;
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, arr)
    {
        char p[512];
        join_index(p, sizeof p, path, i++);
        if (cJSON_IsNull(e))
            continue;
        const cJSON *idx = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "index") : NULL;
        if (idx == NULL) {
            if (check_match_object(c, s, e, p) != 0)
                return -1;
            continue;
        }
        int64_t v = 0;
        if (check_object(c, e, p, SC_JSPEC(names)) != 0 ||
            get_int(c, e, "index", p, -SC_SCENARIO_MAX_COUNT, SC_SCENARIO_MAX_COUNT, &v, NULL) != 0)
            return -1;
        char mp[600];
        join(mp, sizeof mp, p, "match");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "match");
        if (m == NULL)
            return fail(c, mp, "missing");
        if (check_match_object(c, s, m, mp) != 0)
            return -1;
    }
    return 0;
}

static int check_timing(ctx *c, const cJSON *t)
{
    static const sc_jfield names[] = {{.key = "elapsed_ms"}, {.key = "first_response_ms"}};
    if (check_object(c, t, "expect.timing", SC_JSPEC(names)) != 0)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, names[i].key);
        char p[512];
        join(p, sizeof p, "expect.timing", names[i].key);
        if (v != NULL && check_range(c, v, p, false, false) != 0)
            return -1;
    }
    return 0;
}

static int check_server_expect(ctx *c, const cJSON *sv)
{
    static const sc_jfield names[] = {
        {.key = "cancelled"},         {.key = "deadline_exceeded"}, {.key = "deadline_ms"},
        {.key = "messages_received"}, {.key = "messages_sent"},     {.key = "status"},
        {.key = "status_message"},    {.key = "metadata"},          {.key = "calls"}};
    const char *path = "expect.server";
    if (check_object(c, sv, path, SC_JSPEC(names)) != 0)
        return -1;
    bool b = false;
    const char *text = NULL;
    if (get_bool(c, sv, "cancelled", path, &b, NULL) != 0 ||
        get_bool(c, sv, "deadline_exceeded", path, &b, NULL) != 0 ||
        get_str(c, sv, "status_message", path, SC_SCENARIO_MAX_STRING, &text) != 0)
        return -1;
    static const sc_jfield ranges[] = {{.key = "deadline_ms"},
                                       {.key = "messages_received"},
                                       {.key = "messages_sent"},
                                       {.key = "calls"}};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(sv, ranges[i].key);
        char p[512];
        join(p, sizeof p, path, ranges[i].key);
        if (v != NULL && check_range(c, v, p, i != 0, false) != 0)
            return -1;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(sv, "status");
    if (st != NULL && check_code(c, st, "expect.server.status", NULL) != 0)
        return -1;
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(sv, "metadata");
    if (md != NULL && check_md_expect(c, md, "expect.server.metadata") != 0)
        return -1;
    return 0;
}

static int check_attempts(ctx *c, const sc_scenario *s, const cJSON *a)
{
    static const sc_jfield names[] = {{.key = "count"}, {.key = "codes"}, {.key = "schedule"}};
    static const sc_jfield snames[] = {{.key = "tolerance_ms"}};
    const char *path = "expect.attempts";
    if (check_object(c, a, path, SC_JSPEC(names)) != 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "count");
    if (v != NULL && check_range(c, v, "expect.attempts.count", true, false) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(a, "codes");
    if (v != NULL && check_code_list(c, v, "expect.attempts.codes") != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(a, "schedule");
    if (v == NULL)
        return 0;
    if (!s->reconnect)
        return fail(c, "expect.attempts.schedule", "needs client.reconnect (the policy to check)");
    if (cJSON_IsTrue(v))
        return 0;
    int64_t tol = 0;
    if (check_object(c, v, "expect.attempts.schedule", SC_JSPEC(snames)) != 0 ||
        get_int(c, v, "tolerance_ms", "expect.attempts.schedule", 0, SC_SCENARIO_MAX_MS, &tol,
                NULL) != 0)
        return -1;
    return 0;
}

/* faults: the fault proxy's list, checked by the contract's fault parser (contract/sc_fault: what
 * loads is what the proxy accepts); its messages start with the JSON path. */
static int parse_faults(ctx *c, sc_scenario *s, const cJSON *faults)
{
    if (faults == NULL)
        return 0;
    sc_fault_list parsed;
    char msg[512];
    if (sc_fault_list_from_json(faults, "faults", &parsed, msg, sizeof msg) != 0)
        return fail(c, NULL, "%s", msg);
    s->faults = cJSON_Duplicate(faults, true);
    return s->faults != NULL ? 0 : oom(c, "faults");
}

static int get_number(ctx *c, const cJSON *obj, const char *key, const char *path, double min,
                      double max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return 0;
    char p[512], why[96];
    join(p, sizeof p, path, key);
    snprintf(why, sizeof why, "expected a number in %g..%g", min, max);
    sc_jfield f = {
        .key = key, .types = SC_JT_NUMBER, .ranged = true, .min = min, .max = max, .why = why};
    return check_value(c, v, p, &f);
}

/* expect.network: what the fault proxy saw (connections; accept times against a
 * connection-backoff policy). Needs a faults section, even [], so that a proxy runs. */
static int check_network_expect(ctx *c, const sc_scenario *s, const cJSON *net)
{
    static const sc_jfield names[] = {{.key = "connections"}, {.key = "schedule"}};
    static const sc_jfield snames[] = {{.key = "initial_ms"},
                                       {.key = "multiplier"},
                                       {.key = "jitter"},
                                       {.key = "max_ms"},
                                       {.key = "tolerance_ms"}};
    if (s->faults == NULL)
        return fail(c, "expect.network",
                    "needs a faults section (even []) to put a proxy in place");
    if (check_object(c, net, "expect.network", SC_JSPEC(names)) != 0)
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
    if (check_object(c, v, sp, SC_JSPEC(snames)) != 0 ||
        get_int(c, v, "initial_ms", sp, 1, SC_SCENARIO_MAX_MS, &initial, &has_initial) != 0 ||
        get_int(c, v, "max_ms", sp, 1, SC_SCENARIO_MAX_MS, &max, &has_max) != 0 ||
        get_int(c, v, "tolerance_ms", sp, 0, SC_SCENARIO_MAX_MS, &tol, &has_tol) != 0 ||
        get_number(c, v, "multiplier", sp, 1.0, 100.0) != 0 ||
        get_number(c, v, "jitter", sp, 0.0, 0.999) != 0)
        return -1;
    if (!has_initial || !has_max)
        return fail(c, sp, "give initial_ms and max_ms (the client's reconnect backoff)");
    return 0;
}

static int parse_expect(ctx *c, sc_scenario *s, const cJSON *ex)
{
    static const sc_jfield names[] = {{.key = "status"},    {.key = "other_allowed_codes"},
                                      {.key = "message"},   {.key = "message_contains"},
                                      {.key = "responses"}, {.key = "response_contents"},
                                      {.key = "headers"},   {.key = "trailers"},
                                      {.key = "timing"},    {.key = "server"},
                                      {.key = "attempts"},  {.key = "response_filter"},
                                      {.key = "network"}};
    if (ex == NULL)
        return fail(c, "expect", "missing (at least expect.status)");
    if (check_object(c, ex, "expect", SC_JSPEC(names)) != 0)
        return -1;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(ex, "status");
    if (st == NULL)
        return fail(c, "expect.status", "missing");
    if (check_code(c, st, "expect.status", NULL) != 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ex, "other_allowed_codes");
    if (v != NULL && check_code_list(c, v, "expect.other_allowed_codes") != 0)
        return -1;
    const char *m1 = NULL, *m2 = NULL;
    if (get_str(c, ex, "message", "expect", SC_SCENARIO_MAX_STRING, &m1) != 0 ||
        get_str(c, ex, "message_contains", "expect", SC_SCENARIO_MAX_STRING, &m2) != 0)
        return -1;
    if (m1 != NULL && m2 != NULL)
        return fail(c, "expect.message_contains", "give either message or message_contains");
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
    return s->expect != NULL ? 0 : oom(c, "expect");
}

/* ---- name, tags, applies_to ---- */

static int check_name(ctx *c, const cJSON *v)
{
    if (v == NULL)
        return fail(c, "name", "missing");
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
        return fail(c, "name", "expected a non-empty string");
    const char *n = v->valuestring;
    if (strlen(n) > SC_SCENARIO_MAX_NAME)
        return fail(c, "name", "longer than %d bytes", SC_SCENARIO_MAX_NAME);
    bool seg_start = true;
    for (const char *p = n; *p; p++) {
        if (*p == '/') {
            if (seg_start)
                return fail(c, "name", "\"%s\": empty segment", n);
            seg_start = true;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
              *p == '-'))
            return fail(c, "name", "\"%s\": segments use only [a-z0-9._-], separated by '/'", n);
        seg_start = false;
    }
    if (seg_start)
        return fail(c, "name", "\"%s\": empty segment", n);
    return 0;
}

static int parse_tags(ctx *c, sc_scenario *s, const cJSON *tags)
{
    if (tags == NULL)
        return 0;
    if (!cJSON_IsArray(tags))
        return fail(c, "tags", "expected an array of strings");
    size_t n = (size_t)cJSON_GetArraySize(tags);
    if (n > SC_SCENARIO_MAX_TAGS)
        return fail(c, "tags", "more than %d tags", SC_SCENARIO_MAX_TAGS);
    s->tags = calloc(n ? n : 1, sizeof *s->tags);
    if (s->tags == NULL)
        return oom(c, "tags");
    const cJSON *t = NULL;
    cJSON_ArrayForEach(t, tags)
    {
        char p[64];
        join_index(p, sizeof p, "tags", s->n_tags);
        if (!cJSON_IsString(t) || t->valuestring[0] == '\0')
            return fail(c, p, "expected a non-empty string");
        if (strlen(t->valuestring) > SC_SCENARIO_MAX_TAG)
            return fail(c, p, "longer than %d bytes", SC_SCENARIO_MAX_TAG);
        for (const char *k = t->valuestring; *k; k++)
            if (*k == ',' || *k == ' ' || *k == '@')
                return fail(c, p, "a tag cannot contain ',', ' ' or '@'");
        s->tags[s->n_tags] = strdup(t->valuestring);
        if (s->tags[s->n_tags++] == NULL)
            return oom(c, p);
    }
    return 0;
}

static int parse_impl_list(ctx *c, const cJSON *a, const char *path, cJSON **out)
{
    if (a == NULL)
        return 0;
    if (!cJSON_IsArray(a))
        return fail(c, path, "expected an array of implementation names such as \"c\"");
    if (cJSON_GetArraySize(a) > SC_SCENARIO_MAX_LIST)
        return fail(c, path, "more than %d entries", SC_SCENARIO_MAX_LIST);
    size_t i = 0;
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, a)
    {
        char p[512];
        join_index(p, sizeof p, path, i++);
        if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
            return fail(c, p, "expected a non-empty string");
    }
    *out = cJSON_Duplicate(a, true);
    return *out != NULL ? 0 : oom(c, path);
}

static int parse_applies(ctx *c, sc_scenario *s, const cJSON *a)
{
    static const sc_jfield names[] = {{.key = "clients"}, {.key = "servers"}, {.key = "reason"}};
    if (a == NULL)
        return 0;
    if (check_object(c, a, "applies_to", SC_JSPEC(names)) != 0 ||
        parse_impl_list(c, cJSON_GetObjectItemCaseSensitive(a, "clients"), "applies_to.clients",
                        &s->applies_clients) != 0 ||
        parse_impl_list(c, cJSON_GetObjectItemCaseSensitive(a, "servers"), "applies_to.servers",
                        &s->applies_servers) != 0)
        return -1;
    const char *reason = NULL;
    if (get_str(c, a, "reason", "applies_to", SC_SCENARIO_MAX_STRING, &reason) != 0)
        return -1;
    if (reason != NULL && (s->applies_reason = strdup(reason)) == NULL)
        return oom(c, "applies_to.reason");
    return 0;
}

static void scenario_free(sc_scenario *s)
{
    if (s == NULL)
        return;
    cJSON_Delete(s->faults);
    free(s->name);
    free(s->summary);
    free(s->origin);
    for (size_t i = 0; i < s->n_tags; i++)
        free(s->tags[i]);
    free(s->tags);
    cJSON_Delete(s->client);
    cJSON_Delete(s->control);
    cJSON_Delete(s->script);
    cJSON_Delete(s->expect);
    cJSON_Delete(s->applies_clients);
    cJSON_Delete(s->applies_servers);
    free(s->applies_reason);
    for (size_t i = 0; i < s->n_companions; i++)
        scenario_free(s->companions[i]);
    free(s->companions);
    free(s);
}

/* Prefix the path part of an error: "o: p: m" -> "o: <prefix>.p: m". */
static void prefix_error_path(ctx *c, const char *prefix)
{
    size_t olen = strlen(c->origin);
    if (strncmp(c->err, c->origin, olen) != 0 || strncmp(c->err + olen, ": ", 2) != 0)
        return;
    char rest[1024];
    snprintf(rest, sizeof rest, "%s", c->err + olen + 2);
    /* A path is followed by ": "; whole-file messages have none before their text. */
    const char *colon = strstr(rest, ": ");
    const char *space = strchr(rest, ' ');
    if (colon == NULL || (space != NULL && space < colon))
        snprintf(c->err, c->errlen, "%s: %s: %s", c->origin, prefix, rest);
    else
        snprintf(c->err, c->errlen, "%s: %s.%s", c->origin, prefix, rest);
}

static sc_scenario *parse_scenario(ctx *c, const cJSON *obj);

/* One companion as a scenario of its own: the parent's name, method and server section, the
 * companion's client and expect. */
static sc_scenario *parse_companion(ctx *c, const sc_scenario *parent, const cJSON *parent_obj,
                                    const cJSON *item, const char *path)
{
    static const sc_jfield names[] = {{.key = "client"}, {.key = "expect"}};
    if (!cJSON_IsObject(item)) {
        fail(c, path, "expected a companion object (client, expect)");
        return NULL;
    }
    if (check_object(c, item, path, SC_JSPEC(names)) != 0)
        return NULL;
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(item, "expect");
    if (cJSON_GetObjectItemCaseSensitive(ex, "server") != NULL) {
        char p[96];
        snprintf(p, sizeof p, "%s.expect.server", path);
        fail(c, p, "not for a companion (only the main call's server events are judged)");
        return NULL;
    }
    cJSON *synth = cJSON_CreateObject();
    const cJSON *parts[] = {cJSON_GetObjectItemCaseSensitive(item, "client"),
                            cJSON_GetObjectItemCaseSensitive(parent_obj, "server"), ex};
    const char *keys[] = {"client", "server", "expect"};
    bool ok = synth != NULL && cJSON_AddStringToObject(synth, "name", parent->name) != NULL &&
              cJSON_AddStringToObject(synth, "method", sc_method_name(parent->method)) != NULL;
    for (size_t i = 0; ok && i < 3; i++) {
        if (parts[i] == NULL)
            continue;
        cJSON *copy = cJSON_Duplicate(parts[i], true);
        ok = copy != NULL && cJSON_AddItemToObject(synth, keys[i], copy);
        if (!ok)
            cJSON_Delete(copy);
    }
    if (!ok) {
        cJSON_Delete(synth);
        oom(c, path);
        return NULL;
    }
    size_t budget = c->expanded; /* the parent's "$repeat" budget goes on */
    sc_scenario *k = parse_scenario(c, synth);
    c->expanded += budget;
    cJSON_Delete(synth);
    if (k == NULL)
        prefix_error_path(c, path);
    return k;
}

static int parse_companions(ctx *c, sc_scenario *s, const cJSON *obj, const cJSON *list)
{
    if (list == NULL)
        return 0;
    int n = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;
    if (n < 1 || n > SC_SCENARIO_MAX_COMPANIONS)
        return fail(c, "companions", "expected an array of 1 to %d companion objects",
                    SC_SCENARIO_MAX_COMPANIONS);
    if (s->script != NULL)
        return fail(c, "companions", "not with server.script (a script plays one call per case)");
    s->companions = calloc((size_t)n, sizeof *s->companions);
    if (s->companions == NULL)
        return oom(c, "companions");
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, list)
    {
        char path[48];
        join_index(path, sizeof path, "companions", s->n_companions);
        sc_scenario *k = parse_companion(c, s, obj, item, path);
        if (k == NULL)
            return -1;
        s->companions[s->n_companions++] = k;
    }
    return 0;
}

static sc_scenario *parse_scenario(ctx *c, const cJSON *obj)
{
    static const sc_jfield names[] = {
        {.key = "name"},       {.key = "summary"}, {.key = "tags"},     {.key = "method"},
        {.key = "applies_to"}, {.key = "client"},  {.key = "server"},   {.key = "expect"},
        {.key = "companions"}, {.key = "faults"},  {.key = "exclusive"}};
    if (check_object(c, obj, "", SC_JSPEC(names)) != 0)
        return NULL;
    sc_scenario *s = calloc(1, sizeof *s);
    if (s == NULL) {
        oom(c, NULL);
        return NULL;
    }
    c->expanded = 0;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    const char *summary = NULL;
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(obj, "method");
    if (check_name(c, name) != 0 ||
        get_str(c, obj, "summary", "", SC_SCENARIO_MAX_STRING, &summary) != 0)
        goto fail;
    s->name = strdup(name->valuestring);
    s->summary = strdup(summary != NULL ? summary : "");
    s->origin = strdup(c->origin);
    if (s->name == NULL || s->summary == NULL || s->origin == NULL) {
        oom(c, NULL);
        goto fail;
    }
    if (method == NULL) {
        fail(c, "method", "missing");
        goto fail;
    }
    if (!cJSON_IsString(method) || !sc_method_parse(method->valuestring, &s->method)) {
        fail(c, "method", "expected GetData, SubscribeData, UploadFile or Chat (or the path)");
        goto fail;
    }
    if (get_bool(c, obj, "exclusive", "", &s->exclusive, NULL) != 0 ||
        parse_tags(c, s, cJSON_GetObjectItemCaseSensitive(obj, "tags")) != 0 ||
        parse_applies(c, s, cJSON_GetObjectItemCaseSensitive(obj, "applies_to")) != 0 ||
        parse_server(c, s, cJSON_GetObjectItemCaseSensitive(obj, "server")) != 0 ||
        parse_client(c, s, cJSON_GetObjectItemCaseSensitive(obj, "client")) != 0 ||
        parse_faults(c, s, cJSON_GetObjectItemCaseSensitive(obj, "faults")) != 0 ||
        parse_expect(c, s, cJSON_GetObjectItemCaseSensitive(obj, "expect")) != 0 ||
        parse_companions(c, s, obj, cJSON_GetObjectItemCaseSensitive(obj, "companions")) != 0)
        goto fail;
    return s;
fail:
    scenario_free(s);
    return NULL;
}

/* ---- sets ---- */

static int set_push(sc_scenario_set *set, sc_scenario *s)
{
    sc_scenario **items = realloc(set->items, (set->count + 1) * sizeof *items);
    if (items == NULL)
        return -1;
    set->items = items;
    set->items[set->count++] = s;
    return 0;
}

static void prefix_error(ctx *c, size_t i)
{
    char list[48];
    snprintf(list, sizeof list, "scenarios[%zu]", i);
    prefix_error_path(c, list);
}

static int load_tree(sc_scenario_set *out, ctx *c, const cJSON *root)
{
    if (check_tree(c, root, 0) != 0)
        return -1;
    const cJSON *list =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "scenarios") : NULL;
    if (list == NULL) {
        if (!cJSON_IsObject(root))
            return fail(c, NULL, "expected a scenario object or {\"scenarios\": [...]}");
        sc_scenario *s = parse_scenario(c, root);
        if (s == NULL)
            return -1;
        if (set_push(out, s) != 0) {
            scenario_free(s);
            return oom(c, NULL);
        }
        return 0;
    }
    static const sc_jfield names[] = {{.key = "scenarios"}};
    if (check_object(c, root, "", SC_JSPEC(names)) != 0)
        return -1;
    if (!cJSON_IsArray(list))
        return fail(c, "scenarios", "expected an array of scenario objects");
    if (cJSON_GetArraySize(list) > SC_SCENARIO_MAX_PER_FILE)
        return fail(c, "scenarios", "more than %d scenarios in one file", SC_SCENARIO_MAX_PER_FILE);
    size_t i = 0;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, list)
    {
        if (!cJSON_IsObject(item)) {
            char p[64];
            join_index(p, sizeof p, "scenarios", i);
            return fail(c, p, "expected a scenario object");
        }
        sc_scenario *s = parse_scenario(c, item);
        if (s == NULL) {
            prefix_error(c, i);
            return -1;
        }
        if (set_push(out, s) != 0) {
            scenario_free(s);
            return oom(c, NULL);
        }
        i++;
    }
    return 0;
}

static void set_clear(sc_scenario_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        scenario_free(set->items[i]);
    free(set->items);
    set->items = NULL;
    set->count = 0;
}

/* Move `add` into `set` after checking names are unique across both. */
static int merge(sc_scenario_set *set, sc_scenario_set *add, char *err, size_t errlen)
{
    for (size_t i = 0; i < add->count; i++) {
        const sc_scenario *a = add->items[i];
        for (size_t j = 0; j < set->count + i; j++) {
            const sc_scenario *b = j < set->count ? set->items[j] : add->items[j - set->count];
            if (strcmp(a->name, b->name) == 0) {
                snprintf(err, errlen, "%s: duplicate scenario name \"%s\" (also in %s)", a->origin,
                         a->name, b->origin);
                set_clear(add);
                return -1;
            }
        }
    }
    sc_scenario **items = realloc(set->items, (set->count + add->count + 1) * sizeof *items);
    if (items == NULL) {
        snprintf(err, errlen, "out of memory");
        set_clear(add);
        return -1;
    }
    set->items = items;
    if (add->count > 0) /* an empty file ({"scenarios": []}) has no array to copy */
        memcpy(set->items + set->count, add->items, add->count * sizeof *items);
    set->count += add->count;
    free(add->items);
    add->items = NULL;
    add->count = 0;
    return 0;
}

int sc_scenario_set_load_text(sc_scenario_set *set, const char *origin, const char *text, char *err,
                              size_t errlen)
{
    ctx c = {origin != NULL ? origin : "(text)", err, errlen, 0};
    if (text == NULL)
        return fail(&c, NULL, "no text");
    if (strlen(text) > SC_SCENARIO_MAX_FILE_BYTES)
        return fail(&c, NULL, "larger than %d bytes", SC_SCENARIO_MAX_FILE_BYTES);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (root == NULL) {
        size_t off = end != NULL && end >= text ? (size_t)(end - text) : 0;
        return fail(&c, NULL, "invalid JSON near byte %zu", off);
    }
    sc_scenario_set tmp = {0};
    int rc = load_tree(&tmp, &c, root);
    cJSON_Delete(root);
    if (rc != 0) {
        set_clear(&tmp);
        return -1;
    }
    return merge(set, &tmp, err, errlen);
}

static int load_file(sc_scenario_set *set, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(SC_SCENARIO_MAX_FILE_BYTES + 2);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    size_t n = fread(buf, 1, SC_SCENARIO_MAX_FILE_BYTES + 1, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    int rc = -1;
    if (bad)
        snprintf(err, errlen, "%s: read error", path);
    else if (n > SC_SCENARIO_MAX_FILE_BYTES)
        snprintf(err, errlen, "%s: larger than %d bytes", path, SC_SCENARIO_MAX_FILE_BYTES);
    else if (memchr(buf, '\0', n) != NULL)
        snprintf(err, errlen, "%s: contains a NUL byte (not a JSON text file)", path);
    else {
        buf[n] = '\0';
        rc = sc_scenario_set_load_text(set, path, buf, err, errlen);
    }
    free(buf);
    return rc;
}

typedef struct {
    char **paths;
    size_t count;
} path_list;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with_json(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static int collect(const char *dir, path_list *pl, int depth, char *err, size_t errlen)
{
    if (depth > SC_SCENARIO_MAX_DEPTH) {
        snprintf(err, errlen, "%s: directories nested deeper than %d", dir, SC_SCENARIO_MAX_DEPTH);
        return -1;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (p == NULL) {
            snprintf(err, errlen, "%s: out of memory", dir);
            rc = -1;
            break;
        }
        snprintf(p, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        struct stat st;
        if (stat(p, &st) != 0) {
            free(p);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = collect(p, pl, depth + 1, err, errlen);
            free(p);
            continue;
        }
        if (!S_ISREG(st.st_mode) || !ends_with_json(e->d_name)) {
            free(p);
            continue;
        }
        if (pl->count >= SC_SCENARIO_MAX_DIR_FILES) {
            snprintf(err, errlen, "%s: more than %d scenario files", dir,
                     SC_SCENARIO_MAX_DIR_FILES);
            free(p);
            rc = -1;
            break;
        }
        char **paths = realloc(pl->paths, (pl->count + 1) * sizeof *paths);
        if (paths == NULL) {
            snprintf(err, errlen, "%s: out of memory", dir);
            free(p);
            rc = -1;
            break;
        }
        pl->paths = paths;
        pl->paths[pl->count++] = p;
    }
    closedir(d);
    return rc;
}

int sc_scenario_set_load(sc_scenario_set *set, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (path == NULL || stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path != NULL ? path : "(null)", strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return load_file(set, path, err, errlen);
    path_list pl = {0};
    int rc = collect(path, &pl, 0, err, errlen);
    if (rc == 0)
        qsort(pl.paths, pl.count, sizeof *pl.paths, cmp_str);
    for (size_t i = 0; i < pl.count; i++) {
        if (rc == 0)
            rc = load_file(set, pl.paths[i], err, errlen);
        free(pl.paths[i]);
    }
    free(pl.paths);
    return rc;
}

void sc_scenario_set_free(sc_scenario_set *set)
{
    if (set != NULL)
        set_clear(set);
}

/* ---- accessors ---- */

const char *sc_scenario_name(const sc_scenario *s)
{
    return s->name;
}

const char *sc_scenario_summary(const sc_scenario *s)
{
    return s->summary;
}

const char *sc_scenario_origin(const sc_scenario *s)
{
    return s->origin;
}

const cJSON *sc_scenario_faults(const sc_scenario *s)
{
    return s->faults;
}

const char *sc_scenario_method(const sc_scenario *s)
{
    return sc_method_name(s->method);
}

size_t sc_scenario_tag_count(const sc_scenario *s)
{
    return s->n_tags;
}

const char *sc_scenario_tag(const sc_scenario *s, size_t i)
{
    return i < s->n_tags ? s->tags[i] : NULL;
}

static int64_t json_int(const cJSON *obj, const char *key, int64_t dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

/* A decimal metadata value as ms (0 when absent or not a number). */
static double md_ms(const cJSON *md, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, key);
    if (!cJSON_IsString(v))
        return 0;
    char *end = NULL;
    double ms = strtod(v->valuestring, &end);
    return end != v->valuestring && ms > 0 && ms <= (double)SC_SCENARIO_MAX_MS ? ms : 0;
}

/* The grpc-retry-pushback-ms the server side sends: its control key, or a script's trailer. */
static double scenario_pushback_ms(const sc_scenario *s)
{
    double control = md_ms(s->control, "x-sc-retry-pushback-ms");
    double script = s->script != NULL
                        ? md_ms(cJSON_GetObjectItemCaseSensitive(s->script, "trailers"),
                                "grpc-retry-pushback-ms")
                        : 0;
    return control > script ? control : script;
}

long sc_scenario_case_timeout_ms(const sc_scenario *s)
{
    /* The calls of a case run side by side: the case lasts as long as its longest call. */
    long longest = 0;
    for (size_t i = 0; i < s->n_companions; i++) {
        long t = sc_scenario_case_timeout_ms(s->companions[i]);
        if (t > longest)
            longest = t;
    }
    double total = SC_SCENARIO_CASE_MARGIN_MS + (double)json_int(s->client, "start_delay_ms", 0);
    if (s->script != NULL) {
        total += (double)json_int(s->script, "initial_delay_ms", 0);
        const cJSON *r = NULL;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(s->script, "responses")) total +=
            (double)json_int(r, "delay_ms", 0);
        total +=
            (double)json_int(cJSON_GetObjectItemCaseSensitive(s->script, "status"), "delay_ms", 0);
    }
    /* Each attempt ends by its deadline, whatever its delays; the requests' spacing and a cancel
     * position are added anyway, in case a driver starts the deadline late. */
    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(s->client, "requests");
    double spacing = (double)json_int(s->client, "request_delay_ms", 0) *
                     (double)(cJSON_IsArray(reqs) ? cJSON_GetArraySize(reqs) : 0);
    double per_attempt = (double)s->timeout_ms + spacing;
    total += per_attempt * (double)s->max_attempts;
    /* Worst-case waits: each gap at its largest (jitter up, the exhausted wait, or the pushback
     * the server is told to send). */
    double pushback = scenario_pushback_ms(s);
    double current = (double)s->backoff_initial_ms;
    for (int64_t i = 1; i < s->max_attempts; i++) {
        double w = current * (1.0 + s->backoff_jitter);
        if ((double)s->exhausted_backoff_ms > w)
            w = (double)s->exhausted_backoff_ms;
        if (s->honor_pushback && pushback > w)
            w = pushback;
        total += w;
        current = fmin(current * s->backoff_multiplier, (double)s->backoff_max_ms);
    }
    if (total > (double)LONG_MAX / 2)
        return LONG_MAX / 2;
    long own = (long)ceil(total);
    return own > longest ? own : longest;
}

static bool list_has(const cJSON *list, const char *name)
{
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, list)
    {
        if (cJSON_IsString(v) && strcmp(v->valuestring, name) == 0)
            return true;
    }
    return false;
}

bool sc_scenario_applies(const sc_scenario *s, const char *client, const char *server,
                         const char **why)
{
    const char *dummy = NULL;
    if (why == NULL)
        why = &dummy;
    *why = NULL;
    bool on_script = server != NULL && strcmp(server, SC_SCENARIO_SCRIPT_SERVER) == 0;
    if (s->script != NULL && !on_script) {
        *why = "server.script is played by the engine's scripted server (the \"script\" column)";
        return false;
    }
    if (s->script == NULL && on_script) {
        *why = "the scripted server plays server.script scenarios only";
        return false;
    }
    /* The client drivers send and read DataService types only. */
    if (s->script != NULL && (has_raw_requests(s) || path_outside(s) != NULL)) {
        *why = "raw messages of a method outside DataService: replay it with streamconform "
               "replay";
        return false;
    }
    if (s->applies_clients != NULL && (client == NULL || !list_has(s->applies_clients, client))) {
        *why = s->applies_reason != NULL ? s->applies_reason
                                         : "client not listed in applies_to.clients";
        return false;
    }
    if (s->applies_servers != NULL && !on_script &&
        (server == NULL || !list_has(s->applies_servers, server))) {
        *why = s->applies_reason != NULL ? s->applies_reason
                                         : "server not listed in applies_to.servers";
        return false;
    }
    return true;
}

size_t sc_scenario_companion_count(const sc_scenario *s)
{
    return s->n_companions;
}

const sc_scenario *sc_scenario_companion(const sc_scenario *s, size_t i)
{
    return i < s->n_companions ? s->companions[i] : NULL;
}

void sc_scenario_companion_id(char *out, size_t len, const char *case_id, size_t i)
{
    snprintf(out, len, "%s%s%zu", case_id, SC_SCENARIO_COMPANION_SEP, i + 1);
}

cJSON *sc_scenario_companion_instruction(const sc_scenario *s, size_t i, const char *case_id,
                                         const char *target)
{
    if (i >= s->n_companions)
        return NULL;
    char id[SC_SCENARIO_MAX_CASE_ID];
    sc_scenario_companion_id(id, sizeof id, case_id, i);
    return sc_scenario_instruction(s->companions[i], id, target);
}

cJSON *sc_scenario_instruction(const sc_scenario *s, const char *case_id, const char *target)
{
    cJSON *o = sc_instr_write(s->client, s->control, s->method, case_id, target);
    if (o != NULL && sc_scenario_resolve_per_case(cJSON_GetObjectItemCaseSensitive(o, "requests"),
                                                  case_id) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

bool sc_scenario_exclusive(const sc_scenario *s)
{
    return s->exclusive;
}

bool sc_scenario_is_scripted(const sc_scenario *s)
{
    return s->script != NULL;
}

cJSON *sc_scenario_script_line(const sc_scenario *s, const char *case_id)
{
    if (s->script == NULL)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON *script = cJSON_Duplicate(s->script, true);
    const char *path = path_outside(s);
    if (o == NULL || script == NULL || cJSON_AddStringToObject(o, "case", case_id) == NULL ||
        cJSON_AddStringToObject(o, "method", sc_method_name(s->method)) == NULL ||
        (path != NULL && cJSON_AddStringToObject(o, "path", path) == NULL) ||
        !cJSON_AddItemToObject(o, "script", script)) {
        cJSON_Delete(script);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *sc_scenario_expected_json(const sc_scenario *s)
{
    cJSON *e = cJSON_Duplicate(s->expect, true);
    if (e == NULL)
        return NULL;
    if (cJSON_GetObjectItemCaseSensitive(e, "other_allowed_codes") == NULL)
        cJSON_AddItemToObject(e, "other_allowed_codes", cJSON_CreateArray());
    cJSON *att = cJSON_GetObjectItemCaseSensitive(e, "attempts");
    cJSON *sched = att != NULL ? cJSON_GetObjectItemCaseSensitive(att, "schedule") : NULL;
    if (sched != NULL) {
        cJSON *p = sc_scenario_schedule_policy_json(s);
        if (p == NULL) {
            cJSON_Delete(e);
            return NULL;
        }
        cJSON_ReplaceItemInObjectCaseSensitive(att, "schedule", p);
    }
    return e;
}
