/* sc_scenario_sections: a scenario's server section (control metadata or a script), client section
 * ("$repeat" expanded, "$raw" requests, checked with the drivers' instruction parser) and faults
 * (checked with the proxy's fault parser). */
#include "sc_scenario_internal.h"
#include "sc_base64.h"
#include "sc_transport.h"
#include "sc_fault.h"
#include "sc_instr.h"
#include "sc_jcheck.h"
#include "sc_script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest x-sc-fail-message a server peer keeps (the C server: SC_CONTROL_MAX_TEXT). */
#define SC_SCENARIO_MAX_FAIL_MESSAGE 4096
/* Longest header value we send for echo_initial: the same bound as other control text. */
#define SC_SCENARIO_MAX_HEADER_VALUE 4096

/* ---- server section ---- */

static int add_control(sc_load_ctx *c, cJSON *control, const char *path, const char *key,
                       const char *value)
{
    if (cJSON_AddStringToObject(control, key, value) == NULL)
        return sc_load_oom(c, path);
    return 0;
}

static int add_control_int(sc_load_ctx *c, cJSON *control, const char *path, const char *key,
                           int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return add_control(c, control, path, key, buf);
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

static int fail_message(sc_load_ctx *c, cJSON *control, const char *path, const char *msg)
{
    char *enc = percent_encode(msg);
    if (enc == NULL)
        return sc_load_oom(c, path);
    int rc = 0;
    if (strlen(enc) > SC_SCENARIO_MAX_FAIL_MESSAGE)
        rc = sc_load_fail(c, path, "longer than %d bytes once percent-encoded",
                          SC_SCENARIO_MAX_FAIL_MESSAGE);
    else
        rc = add_control(c, control, path, "x-sc-fail-message", enc);
    free(enc);
    return rc;
}

/* `path` is the fail object's ("server.fail"). */
static int parse_fail(sc_load_ctx *c, cJSON *control, const cJSON *f, const char *path)
{
    static const sc_jfield names[] = {{.key = "code"},
                                      {.key = "message"},
                                      {.key = "after"},
                                      {.key = "retry_pushback_ms"},
                                      {.key = "calls"}};
    char p[256];
    if (sc_load_object(c, f, path, SC_JSPEC(names)) != 0)
        return -1;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(f, "code");
    sc_load_join(p, sizeof p, path, "code");
    if (code == NULL)
        return sc_load_fail(c, p, "missing");
    if (sc_load_code(c, code, p, NULL) != 0 ||
        add_control(c, control, p, "x-sc-fail-code", code->valuestring) != 0)
        return -1;
    const char *msg = NULL;
    int64_t after = 0, pushback = 0, calls = 0;
    bool has_after = false, has_pushback = false, has_calls = false;
    if (sc_load_str(c, f, "message", path, SC_SCENARIO_MAX_FAIL_MESSAGE, &msg) != 0 ||
        sc_load_int(c, f, "after", path, 0, SC_SCENARIO_MAX_COUNT, &after, &has_after) != 0 ||
        sc_load_int(c, f, "retry_pushback_ms", path, 0, SC_SCENARIO_MAX_MS, &pushback,
                    &has_pushback) != 0 ||
        sc_load_int(c, f, "calls", path, 1, SC_SCENARIO_MAX_COUNT, &calls, &has_calls) != 0)
        return -1;
    sc_load_join(p, sizeof p, path, "message");
    if (msg != NULL && fail_message(c, control, p, msg) != 0)
        return -1;
    if ((has_after && add_control_int(c, control, path, "x-sc-fail-after", after) != 0) ||
        (has_pushback &&
         add_control_int(c, control, path, "x-sc-retry-pushback-ms", pushback) != 0) ||
        (has_calls && add_control_int(c, control, path, "x-sc-fail-calls", calls) != 0))
        return -1;
    return 0;
}

/* Validated by the scripted server's own parser (common/sc_script), so that what loads is what
 * `streamconform script-server` plays. */
static int parse_script(sc_load_ctx *c, sc_scenario *s, const cJSON *script)
{
    sc_script parsed;
    char why[1024];
    if (sc_script_parse(&parsed, s->method, script, "server.script", why, sizeof why) != 0) {
        snprintf(c->err, c->errlen, "%s: %s", c->origin, why);
        return -1;
    }
    sc_script_free(&parsed);
    s->script = cJSON_Duplicate(script, true);
    return s->script != NULL ? 0 : sc_load_oom(c, "server.script");
}

/* The delays and max_responses as control keys. */
static int control_ints(sc_load_ctx *c, cJSON *control, const cJSON *srv, const char *path)
{
    static const struct {
        const char *key, *control;
        int64_t max;
    } ints[] = {
        {"initial_delay_ms", "x-sc-initial-delay-ms", SC_SCENARIO_MAX_MS},
        {"response_delay_ms", "x-sc-response-delay-ms", SC_SCENARIO_MAX_MS},
        {"max_responses", "x-sc-max-responses", SC_SCENARIO_MAX_COUNT},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int64_t v = 0;
        bool has = false;
        if (sc_load_int(c, srv, ints[i].key, path, 0, ints[i].max, &v, &has) != 0 ||
            (has && add_control_int(c, control, path, ints[i].control, v) != 0))
            return -1;
    }
    return 0;
}

/* echo, lazy_headers, echo_initial, echo_trailing_bin as control keys. */
static int control_echo(sc_load_ctx *c, cJSON *control, const cJSON *srv, const char *path)
{
    bool has = false, echo = false, has_lazy = false, lazy = false;
    char p[256];
    if (sc_load_bool(c, srv, "echo", path, &echo, &has) != 0 ||
        (has && add_control(c, control, path, "x-sc-echo", echo ? "true" : "false") != 0) ||
        sc_load_bool(c, srv, "lazy_headers", path, &lazy, &has_lazy) != 0 ||
        (has_lazy &&
         add_control(c, control, path, "x-sc-lazy-headers", lazy ? "true" : "false") != 0))
        return -1;
    const char *text = NULL;
    if (sc_load_str(c, srv, "echo_initial", path, SC_SCENARIO_MAX_HEADER_VALUE, &text) != 0)
        return -1;
    sc_load_join(p, sizeof p, path, "echo_initial");
    if (text != NULL) {
        if (!printable_ascii(text))
            return sc_load_fail(c, p, "a header value must be printable ASCII");
        if (add_control(c, control, p, "x-grpc-test-echo-initial", text) != 0)
            return -1;
    }
    if (sc_load_str(c, srv, "echo_trailing_bin", path, SC_SCENARIO_MAX_HEADER_VALUE, &text) != 0)
        return -1;
    if (text == NULL)
        return 0;
    sc_load_join(p, sizeof p, path, "echo_trailing_bin");
    size_t n = 0;
    unsigned char *raw = sc_base64_decode(text, &n);
    if (raw == NULL)
        return sc_load_fail(c, p, "expected base64");
    free(raw);
    return add_control(c, control, p, "x-grpc-test-echo-trailing-bin", text);
}

/* Response indices server.no_compress_responses can name: the server's bit mask of 64. */
#define SC_SCENARIO_MAX_NO_COMPRESS 64

/* compress_responses (issue 14) as x-sc-compress-responses: the server's response encoding. */
static int control_compress(sc_load_ctx *c, cJSON *control, const cJSON *srv, const char *path)
{
    const char *text = NULL;
    char p[256];
    if (sc_load_str(c, srv, "compress_responses", path, SC_SCENARIO_MAX_HEADER_VALUE, &text) != 0)
        return -1;
    if (text == NULL)
        return 0;
    sc_load_join(p, sizeof p, path, "compress_responses");
    if (sc_encoding_by_name(text) < 0)
        return sc_load_fail(c, p, "expected \"identity\", \"deflate\" or \"gzip\"");
    return add_control(c, control, p, "x-sc-compress-responses", text);
}

/* no_compress_responses [i, ...] (response indices 0..63) as x-sc-no-compress-responses "i,j". */
static int control_no_compress(sc_load_ctx *c, cJSON *control, const cJSON *srv, const char *path)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(srv, "no_compress_responses");
    char p[256], list[SC_SCENARIO_MAX_NO_COMPRESS * 4] = "";
    if (arr == NULL)
        return 0;
    sc_load_join(p, sizeof p, path, "no_compress_responses");
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
    if (n < 1 || n > SC_SCENARIO_MAX_NO_COMPRESS)
        return sc_load_fail(c, p, "expected an array of 1 to 64 response indices (0-63)");
    const cJSON *v = NULL;
    size_t used = 0;
    cJSON_ArrayForEach(v, arr)
    {
        if (!sc_jcheck_is_int(v) || v->valuedouble < 0 ||
            v->valuedouble >= SC_SCENARIO_MAX_NO_COMPRESS)
            return sc_load_fail(c, p, "expected an array of 1 to 64 response indices (0-63)");
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%d", used ? "," : "",
                                 (int)v->valuedouble);
    }
    return add_control(c, control, p, "x-sc-no-compress-responses", list);
}

int sc_scenario_parse_control(sc_load_ctx *c, const cJSON *srv, const char *path, cJSON *control)
{
    static const sc_jfield names[] = {{.key = "initial_delay_ms"},
                                      {.key = "response_delay_ms"},
                                      {.key = "max_responses"},
                                      {.key = "fail"},
                                      {.key = "echo"},
                                      {.key = "echo_initial"},
                                      {.key = "echo_trailing_bin"},
                                      {.key = "lazy_headers"},
                                      {.key = "compress_responses"},
                                      {.key = "no_compress_responses"}};
    if (sc_load_object(c, srv, path, SC_JSPEC(names)) != 0 ||
        control_compress(c, control, srv, path) != 0 ||
        control_no_compress(c, control, srv, path) != 0)
        return -1;
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(srv, "fail");
    char p[256];
    sc_load_join(p, sizeof p, path, "fail");
    if (control_ints(c, control, srv, path) != 0 ||
        (f != NULL && parse_fail(c, control, f, p) != 0) ||
        control_echo(c, control, srv, path) != 0)
        return -1;
    return 0;
}

int sc_scenario_parse_server(sc_load_ctx *c, sc_scenario *s, const cJSON *srv)
{
    s->control = cJSON_CreateObject();
    if (s->control == NULL)
        return sc_load_oom(c, "server");
    if (srv == NULL)
        return 0;
    const cJSON *script = cJSON_GetObjectItemCaseSensitive(srv, "script");
    if (script == NULL)
        return sc_scenario_parse_control(c, srv, "server", s->control);
    if (!cJSON_IsObject(srv))
        return sc_load_fail(c, "server", "expected an object");
    if (cJSON_GetArraySize(srv) != 1)
        return sc_load_fail(c, "server.script",
                            "a scripted server takes no control behaviour next to the script");
    return parse_script(c, s, script);
}

/* ---- $repeat: {"$repeat": "TEXT", "count": N} stands for TEXT repeated N times ---- */

static int expand_repeats(sc_load_ctx *c, cJSON *v, const char *path)
{
    cJSON *rep = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "$repeat") : NULL;
    if (rep != NULL) {
        static const sc_jfield names[] = {{.key = "$repeat"}, {.key = "count"}};
        int64_t count = 0;
        bool has = false;
        if (sc_load_object(c, v, path, SC_JSPEC(names)) != 0 ||
            sc_load_int(c, v, "count", path, 0, SC_SCENARIO_MAX_EXPANDED, &count, &has) != 0)
            return -1;
        char p[512];
        sc_load_join(p, sizeof p, path, "$repeat");
        if (!cJSON_IsString(rep) || rep->valuestring[0] == '\0')
            return sc_load_fail(c, p, "expected a non-empty string");
        if (!has)
            return sc_load_fail(c, path, "\"$repeat\" needs \"count\"");
        size_t unit = strlen(rep->valuestring);
        if ((size_t)count > (SC_SCENARIO_MAX_EXPANDED - c->expanded) / unit)
            return sc_load_fail(c, path, "\"$repeat\" expands beyond %d bytes in this scenario",
                                SC_SCENARIO_MAX_EXPANDED);
        size_t total = unit * (size_t)count;
        char *s = malloc(total + 1);
        if (s == NULL)
            return sc_load_oom(c, path);
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
            sc_load_index(p, sizeof p, path, i);
        else
            sc_load_join(p, sizeof p, path, ch->string);
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
static int append_repeat(sc_load_ctx *c, const cJSON *e, size_t i, cJSON *out, size_t *total)
{
    static const sc_jfield names[] = {{.key = "$repeat"}, {.key = "count"}};
    char path[64];
    sc_load_index(path, sizeof path, "client.requests", i);
    int64_t count = 0;
    bool has = false;
    if (sc_load_object(c, e, path, SC_JSPEC(names)) != 0 ||
        sc_load_int(c, e, "count", path, 1, SC_SCENARIO_MAX_REQUESTS, &count, &has) != 0)
        return -1;
    if (!has)
        return sc_load_fail(c, path, "\"$repeat\" needs \"count\"");
    if (*total + (size_t)count > SC_SCENARIO_MAX_REQUESTS)
        return sc_load_fail(c, "client.requests", "more than %d requests",
                            SC_SCENARIO_MAX_REQUESTS);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "$repeat");
    for (int64_t k = 0; k < count; k++) {
        cJSON *copy = cJSON_Duplicate(msg, true);
        if (copy == NULL || !cJSON_AddItemToArray(out, copy)) {
            cJSON_Delete(copy);
            return sc_load_oom(c, path);
        }
    }
    *total += (size_t)count;
    return 0;
}

static int expand_request_repeats(sc_load_ctx *c, cJSON *reqs)
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
        return sc_load_oom(c, "client.requests");
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

/* ---- client section ---- */

/* A request {"$raw": "<base64>"}: bytes recorded as they were (a call on a path outside
 * DataService, or a message that did not decode as the method's type). */
static bool is_raw_request(const cJSON *e)
{
    return cJSON_IsObject(e) && cJSON_GetObjectItemCaseSensitive(e, "$raw") != NULL;
}

/* Every "$raw" request: the only member, base64 of at most SC_SCRIPT_MAX_RAW bytes. */
static int check_raw_requests(sc_load_ctx *c, const cJSON *reqs)
{
    static const sc_jfield names[] = {{.key = "$raw"}};
    size_t i = 0;
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, reqs)
    {
        char path[64], rp[80];
        sc_load_index(path, sizeof path, "client.requests", i++);
        if (!is_raw_request(e))
            continue;
        sc_load_join(rp, sizeof rp, path, "$raw");
        if (sc_load_object(c, e, path, SC_JSPEC(names)) != 0)
            return -1;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "$raw");
        if (!cJSON_IsString(v))
            return sc_load_fail(c, rp, "expected a base64 string");
        sc_base64_result r = sc_base64_decode_max(v->valuestring, SC_SCRIPT_MAX_RAW, NULL, NULL);
        if (r == SC_BASE64_TOO_LONG)
            return sc_load_fail(c, rp, "longer than %d bytes", SC_SCRIPT_MAX_RAW);
        if (r != SC_BASE64_OK)
            return sc_load_fail(c, rp, "expected base64");
    }
    return 0;
}

bool sc_scenario_has_raw_requests(const sc_scenario *s)
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
const char *sc_scenario_path_outside(const sc_scenario *s)
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
static int validate_with_driver(sc_load_ctx *c, sc_scenario *s)
{
    cJSON *instr = sc_scenario_instruction(s, "validate", "127.0.0.1:1");
    if (instr == NULL)
        return sc_load_oom(c, "client");
    cJSON *reqs = cJSON_GetObjectItemCaseSensitive(instr, "requests");
    for (cJSON *e = reqs != NULL ? reqs->child : NULL; e != NULL; e = e->next) {
        if (!is_raw_request(e))
            continue;
        cJSON *raw = cJSON_DetachItemFromObjectCaseSensitive(e, "$raw");
        cJSON_Delete(raw);
    }
    sc_tls_material placeholder;
    sc_transport_placeholder(&placeholder, "validate");
    if (sc_transport_apply(instr, s->tls_spec ? SC_TRANSPORT_TLS : SC_TRANSPORT_PLAINTEXT,
                           &placeholder) != 0) {
        cJSON_Delete(instr);
        return sc_load_oom(c, "client");
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

int sc_scenario_parse_client(sc_load_ctx *c, sc_scenario *s, const cJSON *cl)
{
    static const sc_jfield names[] = {{.key = "requests"},       {.key = "metadata"},
                                      {.key = "timeout_ms"},     {.key = "request_delay_ms"},
                                      {.key = "half_close"},     {.key = "wait_for_ready"},
                                      {.key = "cancel"},         {.key = "reconnect"},
                                      {.key = "channel"},        {.key = "path"},
                                      {.key = "start_delay_ms"}, {.key = "read_pause_ms"},
                                      {.key = "pingpong"},       {.key = "compression"}};
    if (cl == NULL) {
        s->client = cJSON_CreateObject();
        return s->client != NULL ? validate_with_driver(c, s) : sc_load_oom(c, "client");
    }
    if (sc_load_object(c, cl, "client", SC_JSPEC(names)) != 0)
        return -1;
    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(cl, "requests");
    if (cJSON_IsArray(reqs) && cJSON_GetArraySize(reqs) > SC_SCENARIO_MAX_REQUESTS)
        return sc_load_fail(c, "client.requests", "more than %d requests",
                            SC_SCENARIO_MAX_REQUESTS);
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(cl, "metadata");
    /* The instruction writer merges it into the instruction's metadata object: an array or a
     * scalar would vanish there, and the case would run without it. */
    if (md != NULL && !cJSON_IsObject(md))
        return sc_load_fail(c, "client.metadata", "expected an object (key -> value)");
    if (cJSON_IsObject(md)) {
        const cJSON *e = NULL;
        cJSON_ArrayForEach(e, md)
        {
            char p[512];
            sc_load_join(p, sizeof p, "client.metadata", e->string);
            if (strcmp(e->string, "x-sc-case") == 0)
                return sc_load_fail(c, p, "the engine sets x-sc-case to the case id");
            if (cJSON_GetObjectItemCaseSensitive(s->control, e->string) != NULL)
                return sc_load_fail(c, p, "also set by the server section");
        }
    }
    s->client = cJSON_Duplicate(cl, true);
    if (s->client == NULL)
        return sc_load_oom(c, "client");
    const cJSON *tls = sc_jget(sc_jget(cl, "channel"), "tls");
    char msg[512];
    if (tls != NULL && sc_transport_check_spec(tls, "client.channel.tls", msg, sizeof msg) != 0)
        return sc_load_fail(c, NULL, "%s", msg);
    s->tls_spec = tls != NULL;
    cJSON *r = cJSON_GetObjectItemCaseSensitive(s->client, "requests");
    if (r != NULL &&
        (expand_request_repeats(c, r) != 0 || expand_repeats(c, r, "client.requests") != 0 ||
         sc_load_per_case(c, r, "client.requests", 0) != 0 || check_raw_requests(c, r) != 0))
        return -1;
    return validate_with_driver(c, s);
}

/* faults: the fault proxy's list, checked by the contract's fault parser (contract/sc_fault: what
 * loads is what the proxy accepts); its messages start with the JSON path. */
int sc_scenario_parse_faults(sc_load_ctx *c, sc_scenario *s, const cJSON *faults, const char *path)
{
    if (faults == NULL)
        return 0;
    sc_fault_list parsed;
    char msg[512];
    if (sc_fault_list_from_json(faults, path, &parsed, msg, sizeof msg) != 0)
        return sc_load_fail(c, NULL, "%s", msg);
    s->faults = cJSON_Duplicate(faults, true);
    return s->faults != NULL ? 0 : sc_load_oom(c, path);
}
