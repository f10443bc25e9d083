#include "sc_instr.h"
#include "sc_base64.h"
#include "sc_jcheck.h"
#include "sc_json.h"
#include "sc_status.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *err;
    size_t errlen;
} perr;

static int fail(perr *e, const char *field, const char *why)
{
    snprintf(e->err, e->errlen, "%s: %s", field, why);
    return -1;
}

#define MS(name, lo)                                                                               \
    {                                                                                              \
        .key = name, .types = SC_JT_INT | SC_JT_NULL, .ranged = true, .min = lo,                   \
        .max = SC_INSTR_MAX_MS                                                                     \
    }
#define INT32(name)                                                                                \
    {                                                                                              \
        .key = name, .types = SC_JT_INT | SC_JT_NULL, .ranged = true, .min = 0, .max = INT32_MAX   \
    }

/* The instruction line, in the order its values are reported; the structured members (metadata,
 * requests, cancel, reconnect, channel, path) are checked by their own parsers below. */
static const sc_jfield root_fields[] = {
    {.key = "case"},
    {.key = "target"},
    {.key = "method"},
    {.key = "path"},
    {.key = "metadata"},
    MS("timeout_ms", 1),
    {.key = "requests"},
    MS("request_delay_ms", 0),
    MS("start_delay_ms", 0),
    MS("read_pause_ms", 0),
    {.key = "half_close", .types = SC_JT_BOOL | SC_JT_NULL},
    {.key = "pingpong", .types = SC_JT_BOOL | SC_JT_NULL},
    {.key = "wait_for_ready", .types = SC_JT_BOOL | SC_JT_NULL},
    {.key = "cancel"},
    {.key = "reconnect"},
    {.key = "channel"},
    {.key = "compression"},
};
static const sc_jfield reconnect_fields[] = {
    MS("backoff_initial_ms", 1),
    {.key = "backoff_multiplier",
     .types = SC_JT_NUMBER | SC_JT_NULL,
     .ranged = true,
     .min = 1.0,
     .max = 100.0},
    {.key = "backoff_jitter",
     .types = SC_JT_NUMBER | SC_JT_NULL,
     .ranged = true,
     .min = 0.0,
     .max = 0.999},
    MS("backoff_max_ms", 1),
    MS("exhausted_backoff_ms", 0),
    {.key = "max_attempts",
     .types = SC_JT_INT | SC_JT_NULL,
     .ranged = true,
     .min = 1,
     .max = SC_INSTR_MAX_REQUESTS},
    {.key = "retry_codes"},
    {.key = "honor_pushback", .types = SC_JT_BOOL | SC_JT_NULL},
};
static const sc_jfield channel_fields[] = {
    INT32("max_receive_bytes"),
    INT32("max_send_bytes"),
    INT32("initial_reconnect_backoff_ms"),
    INT32("min_reconnect_backoff_ms"),
    INT32("max_reconnect_backoff_ms"),
    {.key = "bdp_probe", .types = SC_JT_BOOL | SC_JT_NULL},
    {.key = "service_config", .types = SC_JT_OBJECT | SC_JT_NULL},
    {.key = "tls", .types = SC_JT_OBJECT | SC_JT_NULL},
    INT32("keepalive_time_ms"),
    INT32("keepalive_timeout_ms"),
    {.key = "keepalive_permit_without_calls", .types = SC_JT_BOOL | SC_JT_NULL},
    {.key = "share", .types = SC_JT_STRING | SC_JT_NULL},
};
static const sc_jfield tls_fields[] = {
    {.key = "ca_file", .types = SC_JT_STRING, .required = true},
    {.key = "cert_file", .types = SC_JT_STRING | SC_JT_NULL},
    {.key = "key_file", .types = SC_JT_STRING | SC_JT_NULL},
    {.key = "authority", .types = SC_JT_STRING | SC_JT_NULL},
};

static int check(const cJSON *obj, const char *path, sc_jspec spec, perr *e)
{
    return sc_jcheck_object(obj, path, &spec, e->err, e->errlen);
}

/* A checked optional integer member: absent or null leaves *out alone. */
static void read_int(const cJSON *obj, const char *name, int64_t *out)
{
    *out = sc_jget_int(obj, name, *out);
}

static void read_int32(const cJSON *obj, const char *name, int *out)
{
    *out = (int)sc_jget_int(obj, name, *out);
}

/* A required non-empty string member, duplicated into *out. */
static int get_string(const cJSON *obj, const char *name, char **out, perr *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (v == NULL || cJSON_IsNull(v))
        return fail(e, name, "missing");
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
        return fail(e, name, "expected a non-empty string");
    *out = strdup(v->valuestring);
    return *out != NULL ? 0 : fail(e, name, "out of memory");
}

/* ---- metadata ---- */

static int md_add(sc_instr *in, const char *key, const void *value, size_t len)
{
    return sc_md_list_add(&in->md, key, value, len) == 0 ? 0 : -1;
}

static int add_md_value(sc_instr *in, const char *key, const cJSON *v, const char *field, perr *e)
{
    if (!cJSON_IsString(v))
        return fail(e, field, "expected a string (or an array of strings)");
    if (!sc_md_key_is_binary(key)) {
        if (md_add(in, key, v->valuestring, strlen(v->valuestring)) != 0)
            return fail(e, field, "too many entries");
        return 0;
    }
    size_t n = 0;
    unsigned char *raw = sc_base64_decode(v->valuestring, &n);
    if (raw == NULL)
        return fail(e, field, "a -bin value must be base64");
    int rc = md_add(in, key, raw, n);
    free(raw);
    return rc == 0 ? 0 : fail(e, field, "too many entries");
}

static bool md_key_ok(const char *key)
{
    if (*key == '\0' || strncmp(key, "grpc-", 5) == 0)
        return false;
    for (const char *p = key; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
              *p == '.'))
            return false;
    return true;
}

static int parse_metadata(const cJSON *root, sc_instr *in, perr *e)
{
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    if (obj == NULL || cJSON_IsNull(obj))
        return 0;
    sc_jspec map = {.open = true, .not_object = "expected an object of key: value"};
    if (check(obj, "metadata", map, e) != 0)
        return -1;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, obj)
    {
        char field[300];
        snprintf(field, sizeof field, "metadata.%s", item->string);
        if (!md_key_ok(item->string))
            return fail(e, field, "key must be lower-case [0-9a-z_.-] and not start with grpc-");
        if (!cJSON_IsArray(item)) {
            if (add_md_value(in, item->string, item, field, e) != 0)
                return -1;
            continue;
        }
        const cJSON *v = NULL;
        cJSON_ArrayForEach(v, item)
        {
            if (add_md_value(in, item->string, v, field, e) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- requests ---- */

static int request_error(perr *e, size_t i, const char *why)
{
    if (strncmp(why, "(root)", 6) == 0)
        snprintf(e->err, e->errlen, "requests[%zu]%s", i, why + 6);
    else
        snprintf(e->err, e->errlen, "requests[%zu].%s", i, why);
    return -1;
}

static int parse_requests(const cJSON *root, sc_instr *in, perr *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "requests");
    if (arr == NULL || cJSON_IsNull(arr))
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(e, "requests", "expected an array of JSON messages");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (n > SC_INSTR_MAX_REQUESTS)
        return fail(e, "requests", "too many requests");
    in->requests = calloc(n ? n : 1, sizeof *in->requests);
    if (in->requests == NULL)
        return fail(e, "requests", "out of memory");
    const ProtobufCMessageDescriptor *desc = sc_method_get(in->method)->request;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, arr)
    {
        char why[512];
        ProtobufCMessage *m = sc_json_to_message(desc, item, why, sizeof why);
        if (m == NULL)
            return request_error(e, in->n_requests, why);
        in->requests[in->n_requests++] = m;
    }
    return 0;
}

/* ---- cancel ---- */

static int parse_cancel(const cJSON *root, sc_instr_cancel *plan, perr *e)
{
    static const struct {
        const char *name;
        sc_instr_cancel_kind kind;
    } kinds[] = {
        {"before_send", SC_INSTR_CANCEL_BEFORE_SEND},
        {"after_responses", SC_INSTR_CANCEL_AFTER_RESPONSES},
        {"after_ms", SC_INSTR_CANCEL_AFTER_MS},
        {"after_close_send_ms", SC_INSTR_CANCEL_AFTER_CLOSE_SEND_MS},
    };
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "cancel");
    if (obj == NULL || cJSON_IsNull(obj))
        return 0;
    if (!cJSON_IsObject(obj) || cJSON_GetArraySize(obj) != 1)
        return fail(e, "cancel",
                    "expected one of {before_send} {after_responses: N} {after_ms: N} "
                    "{after_close_send_ms: N}");
    const cJSON *member = obj->child;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(member->string, kinds[i].name) != 0)
            continue;
        plan->kind = kinds[i].kind;
        char field[64];
        snprintf(field, sizeof field, "cancel.%s", kinds[i].name);
        if (plan->kind == SC_INSTR_CANCEL_BEFORE_SEND)
            return cJSON_IsTrue(member) || cJSON_IsObject(member) || cJSON_IsNull(member)
                       ? 0
                       : fail(e, field, "expected true");
        sc_jfield f = MS(kinds[i].name, plan->kind == SC_INSTR_CANCEL_AFTER_RESPONSES ? 1 : 0);
        if (sc_jcheck_value(member, field, &f, SC_JWORDS_MUST_BE_IN, e->err, e->errlen) != 0)
            return -1;
        read_int(obj, kinds[i].name, &plan->n);
        return 0;
    }
    char field[300];
    snprintf(field, sizeof field, "cancel.%s", member->string);
    return fail(e, field, "unknown cancel position");
}

/* ---- reconnect ---- */

static int parse_retry_codes(const cJSON *obj, uint32_t *mask, perr *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "retry_codes");
    if (arr == NULL || cJSON_IsNull(arr))
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(e, "reconnect.retry_codes", "expected an array of status code names");
    *mask = 0;
    int i = 0;
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, arr)
    {
        int code = 0;
        char field[64];
        snprintf(field, sizeof field, "reconnect.retry_codes[%d]", i++);
        if (cJSON_IsString(v)
                ? !sc_status_parse(v->valuestring, &code)
                : !(cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < SC_STATUS_COUNT &&
                    v->valuedouble == floor(v->valuedouble)))
            return fail(e, field, "not a status code");
        if (cJSON_IsNumber(v))
            code = (int)v->valuedouble;
        *mask |= SC_INSTR_CODE_BIT(code);
    }
    return 0;
}

static int parse_reconnect(const cJSON *root, sc_instr *in, perr *e)
{
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "reconnect");
    if (obj == NULL || cJSON_IsNull(obj) || cJSON_IsFalse(obj))
        return 0;
    in->reconnect = true;
    in->policy.max_attempts = SC_INSTR_DEFAULT_MAX_ATTEMPTS;
    if (cJSON_IsTrue(obj))
        return 0;
    if (!cJSON_IsObject(obj))
        return fail(e, "reconnect", "expected an object (or true for the defaults)");
    sc_instr_policy *b = &in->policy;
    int64_t attempts = in->policy.max_attempts;
    if (check(obj, "reconnect", SC_JSPEC(reconnect_fields), e) != 0 ||
        parse_retry_codes(obj, &in->policy.retry_codes, e) != 0)
        return -1;
    read_int(obj, "backoff_initial_ms", &b->initial_ms);
    b->multiplier = sc_jget_number(obj, "backoff_multiplier", b->multiplier);
    b->jitter = sc_jget_number(obj, "backoff_jitter", b->jitter);
    read_int(obj, "backoff_max_ms", &b->max_ms);
    read_int(obj, "exhausted_backoff_ms", &in->policy.exhausted_backoff_ms);
    read_int(obj, "max_attempts", &attempts);
    in->policy.honor_pushback = sc_jget_bool(obj, "honor_pushback", in->policy.honor_pushback);
    in->policy.max_attempts = (int)attempts;
    if (b->max_ms < b->initial_ms)
        return fail(e, "reconnect.backoff_max_ms", "must be >= backoff_initial_ms");
    return 0;
}

/* ---- channel ---- */

/* channel.service_config: an object (the type is checked by channel_fields), kept as compact text
 * for the library. Its content is the library's to judge: a driver passes it on as it is. */
static int parse_service_config(const cJSON *channel, sc_instr_channel *ch, perr *e)
{
    const cJSON *sc = sc_jget(channel, "service_config");
    if (sc == NULL)
        return 0;
    ch->service_config = cJSON_PrintUnformatted(sc);
    if (ch->service_config == NULL)
        return fail(e, "channel.service_config", "out of memory");
    if (strlen(ch->service_config) > SC_INSTR_MAX_SERVICE_CONFIG)
        return fail(e, "channel.service_config", "longer than 65536 bytes printed");
    return 0;
}

/* An optional string member of channel.tls, non-empty, into *out (owned). */
static int tls_string(const cJSON *obj, const char *key, char **out, perr *e)
{
    char path[64];
    snprintf(path, sizeof path, "channel.tls.%s", key);
    const char *v = sc_jget_string(obj, key);
    if (v == NULL)
        return 0;
    if (v[0] == '\0')
        return fail(e, path, "expected a non-empty string");
    *out = strdup(v);
    return *out != NULL ? 0 : fail(e, path, "out of memory");
}

/* A name for :authority: printable ASCII without spaces, at most SC_INSTR_MAX_AUTHORITY. */
static bool authority_ok(const char *a)
{
    size_t n = strlen(a);
    for (size_t i = 0; i < n; i++)
        if (a[i] <= ' ' || a[i] > '~' || a[i] == '/' || a[i] == '@')
            return false;
    return n <= SC_INSTR_MAX_AUTHORITY;
}

static int parse_tls(const cJSON *channel, sc_instr_tls *t, perr *e)
{
    const cJSON *obj = sc_jget(channel, "tls");
    if (obj == NULL)
        return 0;
    if (check(obj, "channel.tls", SC_JSPEC(tls_fields), e) != 0 ||
        tls_string(obj, "ca_file", &t->ca_file, e) != 0 ||
        tls_string(obj, "cert_file", &t->cert_file, e) != 0 ||
        tls_string(obj, "key_file", &t->key_file, e) != 0 ||
        tls_string(obj, "authority", &t->authority, e) != 0)
        return -1;
    if ((t->cert_file == NULL) != (t->key_file == NULL))
        return fail(e, t->cert_file == NULL ? "channel.tls.cert_file" : "channel.tls.key_file",
                    "cert_file and key_file go together (the client certificate for mTLS)");
    if (t->authority != NULL && !authority_ok(t->authority))
        return fail(e, "channel.tls.authority",
                    "expected a host name (printable ASCII, no spaces, '/' or '@', at most 260 "
                    "bytes)");
    return 0;
}

/* channel.keepalive_*: checked by channel_fields (integers 0..2^31-1, a bool). */
static void parse_keepalive(const cJSON *channel, sc_instr_keepalive *ka)
{
    read_int32(channel, "keepalive_time_ms", &ka->time_ms);
    read_int32(channel, "keepalive_timeout_ms", &ka->timeout_ms);
    ka->permit_without_calls = cJSON_IsTrue(sc_jget(channel, "keepalive_permit_without_calls"));
}

/* channel.share: a non-empty name of at most SC_INSTR_MAX_SHARE bytes (the type is checked by
 * channel_fields). */
static int parse_share(const cJSON *channel, sc_instr_channel *ch, perr *e)
{
    const cJSON *v = sc_jget(channel, "share");
    if (v == NULL || cJSON_IsNull(v))
        return 0;
    size_t n = strlen(v->valuestring);
    if (n == 0 || n > SC_INSTR_MAX_SHARE)
        return fail(e, "channel.share", "expected a name of 1 to 1100 bytes");
    ch->share = strdup(v->valuestring);
    return ch->share != NULL ? 0 : fail(e, "channel.share", "out of memory");
}

static int parse_channel(const cJSON *root, sc_instr_channel *ch, perr *e)
{
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "channel");
    if (obj == NULL || cJSON_IsNull(obj))
        return 0;
    if (check(obj, "channel", SC_JSPEC(channel_fields), e) != 0)
        return -1;
    read_int32(obj, "max_receive_bytes", &ch->max_receive_bytes);
    read_int32(obj, "max_send_bytes", &ch->max_send_bytes);
    read_int32(obj, "initial_reconnect_backoff_ms", &ch->initial_reconnect_backoff_ms);
    read_int32(obj, "min_reconnect_backoff_ms", &ch->min_reconnect_backoff_ms);
    read_int32(obj, "max_reconnect_backoff_ms", &ch->max_reconnect_backoff_ms);
    const cJSON *bdp = sc_jget(obj, "bdp_probe");
    if (bdp != NULL)
        ch->no_bdp_probe = cJSON_IsFalse(bdp);
    if (parse_service_config(obj, ch, e) != 0)
        return -1;
    parse_keepalive(obj, &ch->keepalive);
    if (parse_share(obj, ch, e) != 0)
        return -1;
    return parse_tls(obj, &ch->tls, e);
}

/* ---- the instruction ---- */

static int parse_case(const cJSON *root, sc_instr *in, perr *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "case");
    if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
        in->case_id = strdup(v->valuestring);
        return in->case_id != NULL ? 0 : fail(e, "case", "out of memory");
    }
    return fail(e, "case", v == NULL ? "missing" : "expected a non-empty string");
}

static int parse_method(const cJSON *root, sc_instr *in, perr *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "method");
    if (v == NULL)
        return fail(e, "method", "missing");
    if (!cJSON_IsString(v) || !sc_method_parse(v->valuestring, &in->method))
        return fail(e, "method",
                    "expected GetData, SubscribeData, UploadFile, Chat (or a full path)");
    return 0;
}

/* A path segment: a proto identifier, dots allowed for the package ([A-Za-z0-9_.]). */
static bool path_segment_ok(const char *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
        if (!ok)
            return false;
    }
    return true;
}

/* Optional "path": "/package.Service/Method". */
static int parse_path(const cJSON *root, sc_instr *in, perr *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "path");
    if (v == NULL || cJSON_IsNull(v))
        return 0;
    const char *text = cJSON_IsString(v) ? v->valuestring : NULL;
    size_t n = text != NULL ? strlen(text) : 0;
    const char *slash = n > 1 && text[0] == '/' ? strchr(text + 1, '/') : NULL;
    if (slash == NULL || n > SC_INSTR_MAX_PATH ||
        !path_segment_ok(text + 1, (size_t)(slash - text - 1)) ||
        !path_segment_ok(slash + 1, n - (size_t)(slash - text) - 1))
        return fail(e, "path", "expected \"/package.Service/Method\" (at most 256 characters)");
    in->path = strdup(text);
    if (in->path == NULL)
        return fail(e, "path", "out of memory");
    return 0;
}

static int parse_root(const cJSON *root, sc_instr *in, perr *e)
{
    if (parse_case(root, in, e) != 0 || check(root, "", SC_JSPEC(root_fields), e) != 0 ||
        get_string(root, "target", &in->target, e) != 0 || parse_method(root, in, e) != 0 ||
        parse_path(root, in, e) != 0 || parse_metadata(root, in, e) != 0 ||
        parse_requests(root, in, e) != 0)
        return -1;
    read_int(root, "timeout_ms", &in->timeout_ms);
    read_int(root, "request_delay_ms", &in->request_delay_ms);
    read_int(root, "start_delay_ms", &in->start_delay_ms);
    read_int(root, "read_pause_ms", &in->read_pause_ms);
    in->half_close = sc_jget_bool(root, "half_close", in->half_close);
    in->pingpong = sc_jget_bool(root, "pingpong", in->pingpong);
    in->wait_for_ready = sc_jget_bool(root, "wait_for_ready", in->wait_for_ready);
    if (parse_cancel(root, &in->cancel, e) != 0 || parse_reconnect(root, in, e) != 0 ||
        parse_channel(root, &in->channel, e) != 0 ||
        sc_instr_compression_parse(root, &in->compression, e->err, e->errlen) != 0)
        return -1;
    return 0;
}

static sc_instr_policy default_policy(void)
{
    return (sc_instr_policy){
        .initial_ms = SC_INSTR_DEFAULT_BACKOFF_INITIAL_MS,
        .multiplier = SC_INSTR_DEFAULT_BACKOFF_MULTIPLIER,
        .jitter = SC_INSTR_DEFAULT_BACKOFF_JITTER,
        .max_ms = SC_INSTR_DEFAULT_BACKOFF_MAX_MS,
        .exhausted_backoff_ms = SC_INSTR_DEFAULT_EXHAUSTED_MS,
        .max_attempts = 0,
        .retry_codes = SC_INSTR_CODE_BIT(SC_STATUS_UNAVAILABLE) |
                       SC_INSTR_CODE_BIT(SC_STATUS_DEADLINE_EXCEEDED) |
                       SC_INSTR_CODE_BIT(SC_STATUS_RESOURCE_EXHAUSTED),
    };
}

int sc_instr_from_json(const cJSON *root, sc_instr *in, char *err, size_t errlen)
{
    memset(in, 0, sizeof *in);
    in->timeout_ms = SC_INSTR_DEFAULT_TIMEOUT_MS;
    in->half_close = true;
    in->policy = default_policy();
    perr e = {err, errlen};
    if (!cJSON_IsObject(root))
        return fail(&e, "(line)", "not a JSON object");
    return parse_root(root, in, &e);
}

int sc_instr_parse(const char *line, sc_instr *in, char *err, size_t errlen)
{
    cJSON *root = cJSON_Parse(line);
    int rc = sc_instr_from_json(root, in, err, errlen);
    cJSON_Delete(root);
    return rc;
}

void sc_instr_free(sc_instr *in)
{
    free(in->case_id);
    free(in->target);
    free(in->path);
    free(in->channel.service_config);
    free(in->channel.share);
    sc_instr_tls_free(&in->channel.tls);
    sc_instr_compression_free(&in->compression);
    sc_md_list_free(&in->md);
    for (size_t i = 0; i < in->n_requests; i++)
        protobuf_c_message_free_unpacked(in->requests[i], NULL);
    free(in->requests);
    memset(in, 0, sizeof *in);
}

void sc_instr_tls_free(sc_instr_tls *t)
{
    free(t->ca_file);
    free(t->cert_file);
    free(t->key_file);
    free(t->authority);
    memset(t, 0, sizeof *t);
}

/* ---- the writer ---- */

/* Move every member of `from` (a copy) into `to`. An element without a key (`from` given as an
 * array, which the instruction's parser then refuses) is dropped, not leaked (found by
 * tests/fuzz/fuzz_recording). */
static void move_members(cJSON *from, cJSON *to)
{
    cJSON *e = from->child;
    while (e != NULL) {
        cJSON *next = e->next;
        cJSON_DetachItemViaPointer(from, e);
        if (e->string == NULL || !cJSON_AddItemToObject(to, e->string, e))
            cJSON_Delete(e);
        e = next;
    }
}

cJSON *sc_instr_write(const cJSON *client, const cJSON *control, sc_method method,
                      const char *case_id, const char *target)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || cJSON_AddStringToObject(o, "case", case_id) == NULL ||
        cJSON_AddStringToObject(o, "target", target) == NULL ||
        cJSON_AddStringToObject(o, "method", sc_method_name(method)) == NULL)
        goto fail;
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    if (md == NULL)
        goto fail;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, client)
    {
        cJSON *copy = cJSON_Duplicate(item, true);
        if (copy == NULL)
            goto fail;
        if (strcmp(item->string, "metadata") == 0) {
            /* The client's own metadata first (an object: checked when loaded). */
            move_members(copy, md);
            cJSON_Delete(copy);
            continue;
        }
        cJSON_AddItemToObject(o, item->string, copy);
    }
    cJSON_ArrayForEach(item, control)
    {
        cJSON *copy = cJSON_Duplicate(item, true);
        if (copy == NULL)
            goto fail;
        cJSON_AddItemToObject(md, item->string, copy);
    }
    if (cJSON_AddStringToObject(md, "x-sc-case", case_id) == NULL)
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}
