#include "sc_script.h"
#include "sc_base64.h"
#include "sc_jcheck.h"
#include "sc_json.h"
#include "sc_status.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *err;
    size_t errlen;
} perr;

__attribute__((format(printf, 3, 4))) static int fail(perr *e, const char *path, const char *fmt,
                                                      ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(e->err, e->errlen, "%s: %s", path, msg);
    return -1;
}

static bool in_list(const char *key, const char *const *names)
{
    for (; *names != NULL; names++)
        if (strcmp(key, *names) == 0)
            return true;
    return false;
}

#define SC_SCRIPT_STR2(x) #x
#define SC_SCRIPT_STR(x) SC_SCRIPT_STR2(x)
/* Every delay: an integer in 0..SC_SCRIPT_MAX_MS (0 when absent). */
#define DELAY(name)                                                                                \
    {                                                                                              \
        .key = name, .types = SC_JT_INT, .ranged = true, .min = 0, .max = SC_SCRIPT_MAX_MS,        \
        .why = "expected an integer from 0 to " SC_SCRIPT_STR(SC_SCRIPT_MAX_MS)                    \
    }

static const sc_jfield script_fields[] = {
    DELAY("initial_delay_ms"), {.key = "headers"}, {.key = "responses"},
    {.key = "trailers"},       {.key = "status"},
};
static const sc_jfield response_fields[] = {DELAY("delay_ms"), {.key = "message"}, {.key = "raw"}};
static const sc_jfield status_fields[] = {
    DELAY("delay_ms"),
    {.key = "code",
     .types = SC_JT_STRING,
     .required = true,
     .why = "expected a status name such as \"UNAVAILABLE\""},
    {.key = "message", .types = SC_JT_STRING},
};

/* The object against its table (sc_jcheck: unknown, twice, types, ranges). */
static int check_object(perr *e, const cJSON *obj, const char *path, sc_jspec spec)
{
    return sc_jcheck_object(obj, path, &spec, e->err, e->errlen);
}

/* Keys an application may not send: the transport's own (grpc-*, HTTP/2 and gRPC framing). The
 * one grpc-* key a server sends itself is the retry pushback. */
static bool md_key_ok(const char *key)
{
    static const char *const reserved[] = {"content-type", "te", "user-agent", "host", NULL};
    if (*key == '\0' || in_list(key, reserved))
        return false;
    if (strncmp(key, "grpc-", 5) == 0 && strcmp(key, "grpc-retry-pushback-ms") != 0)
        return false;
    for (const char *p = key; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
              *p == '.'))
            return false;
    return true;
}

static int add_md_value(perr *e, sc_md_list *md, const char *key, const cJSON *v, const char *p)
{
    if (!cJSON_IsString(v))
        return fail(e, p, "expected a string (or an array of strings)");
    const char *text = v->valuestring;
    if (!sc_md_key_is_binary(key)) {
        size_t n = strlen(text);
        if (n > SC_SCRIPT_MAX_TEXT)
            return fail(e, p, "longer than %d bytes", SC_SCRIPT_MAX_TEXT);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
                return fail(e, p, "a header value must be printable ASCII (use a -bin key)");
        if (sc_md_list_add(md, key, text, n) != 0)
            return fail(e, p, "out of memory");
        return 0;
    }
    size_t n = 0;
    unsigned char *raw = sc_base64_decode(text, &n);
    if (raw == NULL)
        return fail(e, p, "a -bin value must be base64");
    int rc = n > SC_SCRIPT_MAX_TEXT ? fail(e, p, "longer than %d bytes", SC_SCRIPT_MAX_TEXT)
             : sc_md_list_add(md, key, raw, n) != 0 ? fail(e, p, "out of memory")
                                                    : 0;
    free(raw);
    return rc;
}

/* {"key": "value" or ["v1", "v2"]}, as the client section's metadata. */
static int parse_md(perr *e, const cJSON *obj, const char *path, sc_md_list *md)
{
    if (check_object(e, obj, path, (sc_jspec){.open = true}) != 0)
        return -1;
    size_t entries = 0;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, obj)
    {
        char p[600];
        snprintf(p, sizeof p, "%s.%s", path, item->string);
        if (!md_key_ok(item->string))
            return fail(e, p,
                        "key must be lower-case [0-9a-z_.-], not grpc-* (but "
                        "grpc-retry-pushback-ms) nor a transport header");
        const cJSON *v = NULL;
        if (!cJSON_IsArray(item)) {
            entries++;
            if (add_md_value(e, md, item->string, item, p) != 0)
                return -1;
        }
        size_t i = 0;
        const cJSON *list = cJSON_IsArray(item) ? item : NULL;
        cJSON_ArrayForEach(v, list)
        {
            char vp[640];
            snprintf(vp, sizeof vp, "%s[%zu]", p, i++);
            entries++;
            if (add_md_value(e, md, item->string, v, vp) != 0)
                return -1;
        }
        if (entries > SC_SCRIPT_MAX_MD)
            return fail(e, path, "more than %d entries", SC_SCRIPT_MAX_MD);
    }
    return 0;
}

/* "raw": base64 of at most SC_SCRIPT_MAX_RAW bytes, kept as given. */
static int parse_raw(perr *e, sc_script_response *out, const cJSON *raw, const char *path)
{
    char p[680];
    snprintf(p, sizeof p, "%s.raw", path);
    if (!cJSON_IsString(raw))
        return fail(e, p, "expected a base64 string");
    size_t n = 0;
    unsigned char *bytes = NULL;
    switch (sc_base64_decode_max(raw->valuestring, SC_SCRIPT_MAX_RAW, &bytes, &n)) {
    case SC_BASE64_OK:
        break;
    case SC_BASE64_TOO_LONG:
        return fail(e, p, "longer than %d bytes", SC_SCRIPT_MAX_RAW);
    case SC_BASE64_INVALID:
    default:
        return fail(e, p, "expected base64");
    }
    out->raw = bytes;
    out->raw_len = n;
    return 0;
}

static int parse_responses(perr *e, sc_script *s, const cJSON *resp, const char *path)
{
    char rp[600];
    snprintf(rp, sizeof rp, "%s.responses", path);
    if (!cJSON_IsArray(resp))
        return fail(e, rp, "expected an array");
    int n = cJSON_GetArraySize(resp);
    if (n > SC_SCRIPT_MAX_RESPONSES)
        return fail(e, rp, "more than %d responses", SC_SCRIPT_MAX_RESPONSES);
    s->responses = calloc(n > 0 ? (size_t)n : 1, sizeof *s->responses);
    if (s->responses == NULL)
        return fail(e, rp, "out of memory");
    const ProtobufCMessageDescriptor *desc = sc_method_get(s->method)->response;
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, resp)
    {
        char p[640], mp[660];
        snprintf(p, sizeof p, "%s[%zu]", rp, s->n_responses);
        snprintf(mp, sizeof mp, "%s.message", p);
        sc_script_response *out = &s->responses[s->n_responses];
        if (check_object(e, r, p, SC_JSPEC(response_fields)) != 0)
            return -1;
        out->delay_ms = sc_jget_int(r, "delay_ms", 0);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "message");
        const cJSON *raw = cJSON_GetObjectItemCaseSensitive(r, "raw");
        if (m != NULL && raw != NULL)
            return fail(e, p, "\"message\" and \"raw\" both given (one of them)");
        if (raw != NULL) {
            if (parse_raw(e, out, raw, p) != 0)
                return -1;
            s->n_responses++;
            continue;
        }
        if (m == NULL)
            return fail(e, mp, "missing");
        char why[512];
        out->message = sc_json_to_message(desc, m, why, sizeof why);
        if (out->message == NULL) {
            if (strncmp(why, "(root): ", 8) == 0)
                return fail(e, mp, "%s", why + 8);
            snprintf(e->err, e->errlen, "%s.%s", mp, why);
            return -1;
        }
        s->n_responses++;
    }
    return 0;
}

static int parse_status(perr *e, sc_script *s, const cJSON *st, const char *path)
{
    char sp[600], cp[620], mp[620];
    snprintf(sp, sizeof sp, "%s.status", path);
    snprintf(cp, sizeof cp, "%s.code", sp);
    snprintf(mp, sizeof mp, "%s.message", sp);
    if (st == NULL)
        return fail(e, sp, "missing");
    if (check_object(e, st, sp, SC_JSPEC(status_fields)) != 0)
        return -1;
    s->status_delay_ms = sc_jget_int(st, "delay_ms", 0);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(st, "code");
    s->status_code = -1;
    for (int i = 0; i < SC_STATUS_COUNT; i++)
        if (strcmp(code->valuestring, sc_status_name(i)) == 0)
            s->status_code = i;
    if (s->status_code < 0)
        return fail(e, cp, "unknown code \"%.64s\"", code->valuestring);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(st, "message");
    const char *text = msg != NULL ? msg->valuestring : "";
    if (strlen(text) > SC_SCRIPT_MAX_TEXT)
        return fail(e, mp, "longer than %d bytes", SC_SCRIPT_MAX_TEXT);
    s->status_message = strdup(text);
    return s->status_message != NULL ? 0 : fail(e, mp, "out of memory");
}

int sc_script_parse(sc_script *out, sc_method method, const cJSON *json, const char *path,
                    char *err, size_t errlen)
{
    perr e = {.err = err, .errlen = errlen};
    memset(out, 0, sizeof *out);
    out->method = method;
    if (sc_method_get(method) == NULL) {
        fail(&e, path, "no DataService method");
        return -1;
    }
    if (check_object(&e, json, path, SC_JSPEC(script_fields)) != 0)
        goto fail;
    out->initial_delay_ms = sc_jget_int(json, "initial_delay_ms", 0);
    char p[600];
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(json, "headers");
    snprintf(p, sizeof p, "%s.headers", path);
    out->has_headers = h != NULL;
    if (h != NULL && parse_md(&e, h, p, &out->headers) != 0)
        goto fail;
    const cJSON *resp = cJSON_GetObjectItemCaseSensitive(json, "responses");
    if (resp != NULL && parse_responses(&e, out, resp, path) != 0)
        goto fail;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(json, "trailers");
    snprintf(p, sizeof p, "%s.trailers", path);
    if (t != NULL && parse_md(&e, t, p, &out->trailers) != 0)
        goto fail;
    if (parse_status(&e, out, cJSON_GetObjectItemCaseSensitive(json, "status"), path) != 0)
        goto fail;
    return 0;
fail:
    sc_script_free(out);
    return -1;
}

void sc_script_free(sc_script *s)
{
    for (size_t i = 0; i < s->n_responses; i++) {
        if (s->responses[i].message != NULL)
            protobuf_c_message_free_unpacked(s->responses[i].message, NULL);
        free(s->responses[i].raw);
    }
    free(s->responses);
    free(s->status_message);
    sc_md_list_free(&s->headers);
    sc_md_list_free(&s->trailers);
    sc_method m = s->method;
    memset(s, 0, sizeof *s);
    s->method = m;
}

int64_t sc_script_total_delay_ms(const sc_script *s)
{
    int64_t total = s->initial_delay_ms + s->status_delay_ms;
    for (size_t i = 0; i < s->n_responses; i++)
        total += s->responses[i].delay_ms;
    return total;
}
