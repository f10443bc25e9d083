/* sc_scenario_write: one recorded call -> one scenario (see the header). */
#include "sc_scenario_write.h"

#include "sc_base64.h"
#include "sc_json.h"
#include "sc_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Scenario lists (response_contents, expectations) hold at most this many entries (the loader's
 * SC_SCENARIO_MAX_LIST). */
#define REC_MAX_LIST 256
/* Default deadline of the client driver when the recorded call had none. */
#define REC_DEFAULT_TIMEOUT_MS 60000
/* Longest client.path: the driver's own limit (SC_INSTR_MAX_PATH). */
#define REC_MAX_PATH 256
/* The method a call outside DataService is written under: bidirectional fits any stream shape
 * (its messages are raw bytes; `path` says where the call goes). */
#define REC_UNKNOWN_METHOD SC_METHOD_CHAT
/* Longest summary line of a scenario. */
#define REC_MAX_SUMMARY 512

/* ---- metadata ---- */

/* Binary values ("-bin" keys) are written as base64 (sc_md_key_is_binary). */
static bool key_is_binary(const char *key)
{
    size_t n = strlen(key);
    return n >= 4 && strcmp(key + n - 4, "-bin") == 0;
}

static bool redacted(const sc_scenario_write_opts *o, const char *key)
{
    for (size_t i = 0; o != NULL && i < o->n_redact; i++)
        if (strcasecmp(o->redact[i], key) == 0)
            return true;
    return false;
}

static bool key_chars_ok(const char *key)
{
    for (const char *p = key; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
              *p == '.'))
            return false;
    return *key != '\0';
}

/* Control keys of the peer protocol: the engine sets them itself, the scripted server ignores. */
static bool control_key(const char *key)
{
    return strncmp(key, "x-sc-", 5) == 0 || strncmp(key, "x-grpc-test-", 12) == 0;
}

/* ---- building JSON ---- */

/* Every helper below returns NULL (or -1) on an allocation failure, having freed what it built;
 * nothing the format cannot hold is an error (it is dropped or replaced, and counted). */

/* Add `item` to `obj` under `key`. False when `item` is NULL or the key cannot be copied; `item`
 * is freed then, so the caller never owns it after the call. */
static bool put(cJSON *obj, const char *key, cJSON *item)
{
    if (item == NULL)
        return false;
    if (!cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

/* put, then *item is NULL: attached or freed, the caller's pointer no longer owns it. */
static bool adopt(cJSON *obj, const char *key, cJSON **item)
{
    cJSON *it = *item;
    *item = NULL;
    return put(obj, key, it);
}

/* Append `item` to `arr`; as put. */
static bool push(cJSON *arr, cJSON *item)
{
    if (item == NULL)
        return false;
    if (!cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

/* The text a value is written as: -bin base64, else the value when printable ASCII. *out is NULL
 * when the format cannot hold it (then the entry is dropped, and counted). -1: out of memory. */
static int md_text(const sc_md_entry *e, const sc_scenario_write_opts *o, char **out)
{
    bool bin = key_is_binary(e->key);
    *out = NULL;
    if (redacted(o, e->key))
        *out = bin ? sc_base64_encode((const unsigned char *)SC_RECORD_REDACTED,
                                      strlen(SC_RECORD_REDACTED))
                   : strdup(SC_RECORD_REDACTED);
    else if (e->value_len > SC_SCENARIO_WRITE_MAX_TEXT)
        return 0;
    else if (bin)
        *out = sc_base64_encode(e->value, e->value_len);
    else {
        for (size_t i = 0; i < e->value_len; i++)
            if (e->value[i] < 0x20 || e->value[i] > 0x7e)
                return 0;
        *out = strdup((const char *)e->value);
    }
    return *out != NULL ? 0 : -1;
}

/* {"key": "v" or ["v1", "v2"]} of the entries the format can hold. `client` drops control keys
 * and grpc-retry-pushback-ms too. *dropped counts what was left out. */
static cJSON *md_json(const sc_md_list *md, const sc_scenario_write_opts *o, bool client,
                      size_t *dropped)
{
    cJSON *obj = cJSON_CreateObject();
    if (obj == NULL)
        return NULL;
    size_t entries = 0;
    for (size_t i = 0; i < md->count; i++) {
        const sc_md_entry *e = &md->items[i];
        if (sc_record_key_reserved(e->key) || (client && control_key(e->key)) ||
            (client && strncmp(e->key, "grpc-", 5) == 0))
            continue;
        char *text = NULL;
        if (key_chars_ok(e->key) && entries < REC_MAX_LIST && md_text(e, o, &text) != 0)
            goto fail;
        if (text == NULL) {
            (*dropped)++;
            continue;
        }
        entries++;
        cJSON *v = cJSON_CreateString(text);
        free(text);
        if (v == NULL)
            goto fail;
        cJSON *have = cJSON_GetObjectItemCaseSensitive(obj, e->key);
        if (have == NULL) {
            if (!put(obj, e->key, v))
                goto fail;
        } else if (cJSON_IsArray(have)) {
            if (!push(have, v))
                goto fail;
        } else {
            /* The second value: [first, v] takes the first's place. */
            cJSON *arr = cJSON_CreateArray();
            if (arr == NULL || !push(arr, cJSON_CreateString(have->valuestring))) {
                cJSON_Delete(arr);
                cJSON_Delete(v);
                goto fail;
            }
            if (!push(arr, v)) {
                cJSON_Delete(arr);
                goto fail;
            }
            /* The key moves over rather than being copied: cJSON 1.7.15's
             * cJSON_ReplaceItemInObject does not check its copy of the key, and on an allocation
             * failure puts the array in with no key. Replacing via the pointer allocates nothing
             * (and frees `have`, keyless now). */
            arr->string = have->string;
            have->string = NULL;
            cJSON_ReplaceItemViaPointer(obj, have, arr);
        }
    }
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

/* What the judge compares headers/trailers with: repeated keys joined with ","
 * (as sc_md_list_to_json). */
static cJSON *md_expect(const cJSON *md_obj)
{
    cJSON *obj = cJSON_CreateObject();
    if (obj == NULL)
        return NULL;
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, md_obj)
    {
        if (!cJSON_IsString(e))
            continue; /* repeated: how each client folds them differs; left out */
        if (cJSON_AddStringToObject(obj, e->string, e->valuestring) == NULL)
            goto fail;
    }
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

/* ---- messages ---- */

/* protobuf-c allocator that notes a failed allocation: the unpacker returns NULL both for bytes
 * that are not the type and for out of memory, and only the first is "not decodable". */
static void *unpack_alloc(void *data, size_t size)
{
    void *p = malloc(size);
    if (p == NULL && size > 0)
        *(bool *)data = true;
    return p;
}

static void unpack_free(void *data, void *p)
{
    (void)data;
    free(p);
}

/* Canonical JSON of a recorded message in *out, NULL there when it does not decode as `desc`.
 * -1: out of memory. */
static int msg_json(const ProtobufCMessageDescriptor *desc, const sc_record_msg *m, cJSON **out)
{
    *out = NULL;
    if (desc == NULL)
        return 0;
    bool oom = false;
    ProtobufCAllocator alloc = {.alloc = unpack_alloc, .free = unpack_free, .allocator_data = &oom};
    ProtobufCMessage *pb = protobuf_c_message_unpack(desc, &alloc, m->len, m->data);
    if (pb == NULL)
        return oom ? -1 : 0;
    /* sc_json_from_message fails for out of memory ("<path>: out of memory") and for messages
     * JSON cannot carry (a string that is not UTF-8): only the first is an error here. */
    char err[512] = "";
    *out = sc_json_from_message(pb, err, sizeof err);
    protobuf_c_message_free_unpacked(pb, &alloc);
    if (*out != NULL)
        return 0;
    static const char oom_text[] = ": out of memory";
    size_t len = strlen(err), tail = sizeof oom_text - 1;
    return len >= tail && strcmp(err + len - tail, oom_text) == 0 ? -1 : 0;
}

static int64_t clamp_ms(int64_t v)
{
    return v < 0 ? 0 : v > SC_SCENARIO_WRITE_MAX_MS ? SC_SCENARIO_WRITE_MAX_MS : v;
}

/* A path segment as the driver's client.path takes it: [A-Za-z0-9_.]+. */
static bool path_segment_ok(const char *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

/* Can client.path hold it: "/package.Service/Method", at most REC_MAX_PATH characters? */
static bool path_fits(const char *path)
{
    size_t n = path != NULL ? strlen(path) : 0;
    const char *slash = n > 1 && path[0] == '/' ? strchr(path + 1, '/') : NULL;
    return slash != NULL && n <= REC_MAX_PATH &&
           path_segment_ok(path + 1, (size_t)(slash - path - 1)) &&
           path_segment_ok(slash + 1, n - (size_t)(slash - path) - 1);
}

bool sc_scenario_write_recordable(const sc_record_case *c, char *why, size_t whylen)
{
    if (c->method == SC_METHOD_UNKNOWN) {
        /* recorded with raw messages; only a path the driver's client.path takes */
        if (path_fits(c->path))
            return true;
        snprintf(why, whylen,
                 "%.300s is not a DataService method nor a path \"/package.Service/Method\" "
                 "(segments [A-Za-z0-9_.], at most %d characters) a scenario can call",
                 c->path != NULL ? c->path : "(no path)", REC_MAX_PATH);
        return false;
    }
    const sc_method_info *mi = sc_method_get(c->method);
    for (int dir = 0; dir < 2; dir++) {
        const sc_record_msg *list = dir == 0 ? c->requests : c->responses;
        size_t n = dir == 0 ? c->n_requests : c->n_responses;
        const ProtobufCMessageDescriptor *desc = dir == 0 ? mi->request : mi->response;
        for (size_t i = 0; i < n; i++) {
            ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, list[i].len, list[i].data);
            if (m == NULL) {
                snprintf(why, whylen, "%s %zu of %s is not a %s", dir == 0 ? "request" : "response",
                         i, c->path, desc->name);
                return false;
            }
            protobuf_c_message_free_unpacked(m, NULL);
        }
    }
    return true;
}

/* ---- the scenario ---- */

typedef struct {
    size_t md_dropped, raw_requests, raw_responses;
} notes;

/* Put `md` under `key` when it holds an entry; an empty one is freed. False: `md` is NULL (out
 * of memory) or could not be attached. */
static bool put_unless_empty(cJSON *obj, const char *key, cJSON *md)
{
    if (md == NULL)
        return false;
    if (md->child == NULL) {
        cJSON_Delete(md);
        return true;
    }
    return put(obj, key, md);
}

/* {"$raw": base64}: a request that is not the method's request type (or a call outside
 * DataService): the driver cannot send it; replay compares it byte for byte. */
static cJSON *raw_request(const sc_record_msg *m)
{
    char *b64 = sc_base64_encode(m->data, m->len);
    if (b64 == NULL)
        return NULL;
    cJSON *j = cJSON_CreateObject();
    bool ok = j != NULL && cJSON_AddStringToObject(j, "$raw", b64) != NULL;
    free(b64);
    if (!ok) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static bool client_requests(cJSON *cl, const sc_record_case *c, notes *n)
{
    cJSON *reqs = cJSON_AddArrayToObject(cl, "requests");
    if (reqs == NULL)
        return false;
    const ProtobufCMessageDescriptor *desc = sc_method_request_desc(c->method);
    for (size_t i = 0; i < c->n_requests; i++) {
        cJSON *j = NULL;
        if (msg_json(desc, &c->requests[i], &j) != 0)
            return false;
        if (j == NULL) {
            j = raw_request(&c->requests[i]);
            n->raw_requests++;
        }
        if (!push(reqs, j))
            return false;
    }
    return true;
}

/* "cancel": after the responses the client's transport took, or by time when none. */
static bool client_cancel(cJSON *cl, const sc_record_case *c)
{
    cJSON *cancel = cJSON_AddObjectToObject(cl, "cancel");
    if (cancel == NULL)
        return false;
    cJSON *after = c->delivered > 0
                       ? cJSON_AddNumberToObject(cancel, "after_responses", (double)c->delivered)
                       : cJSON_AddNumberToObject(cancel, "after_ms", (double)clamp_ms(c->end_ms));
    return after != NULL;
}

static cJSON *client_section(const sc_record_case *c, const sc_scenario_write_opts *o, notes *n)
{
    cJSON *cl = cJSON_CreateObject();
    if (cl == NULL)
        return NULL;
    /* A call outside DataService: the driver calls its path, the messages are raw. */
    if (c->method == SC_METHOD_UNKNOWN && cJSON_AddStringToObject(cl, "path", c->path) == NULL)
        goto fail;
    if (!client_requests(cl, c, n) ||
        !put_unless_empty(cl, "metadata", md_json(&c->client_md, o, true, &n->md_dropped)))
        goto fail;
    int64_t timeout =
        c->timeout_ms > SC_SCENARIO_WRITE_MAX_MS ? SC_SCENARIO_WRITE_MAX_MS : c->timeout_ms;
    if (c->timeout_ms > 0 && cJSON_AddNumberToObject(cl, "timeout_ms", (double)timeout) == NULL)
        goto fail;
    if (cJSON_AddBoolToObject(cl, "half_close", c->half_close) == NULL)
        goto fail;
    if (c->end == SC_RECORD_END_CANCELLED && !client_cancel(cl, c))
        goto fail;
    return cl;
fail:
    cJSON_Delete(cl);
    return NULL;
}

/* Floating-point values as decimal strings (proto3 JSON accepts both): cJSON prints a double with
 * 15 digits whenever that reads back "close enough", so a 17-digit value would not survive the
 * engine's copies of the script (the runner prints the scripts file) and of the expectation; the
 * judge compares a string with a number by its exact value. */
static void floats_as_strings(cJSON *v)
{
    for (cJSON *c = v != NULL ? v->child : NULL; c != NULL; c = c->next) {
        if (cJSON_IsRaw(c) && c->valuestring != NULL) {
            char *text = c->valuestring;
            c->type = cJSON_String;
            c->valuestring = text; /* same allocation, now read as a string */
        } else {
            floats_as_strings(c);
        }
    }
}

/* One entry of script.responses: {"delay_ms", "message"} or {"delay_ms", "raw"}. */
static cJSON *script_response(const ProtobufCMessageDescriptor *desc, const sc_record_msg *m,
                              int64_t delay_ms, notes *n)
{
    cJSON *r = cJSON_CreateObject();
    if (r == NULL)
        return NULL;
    if (cJSON_AddNumberToObject(r, "delay_ms", (double)clamp_ms(delay_ms)) == NULL)
        goto fail;
    cJSON *j = NULL;
    if (msg_json(desc, m, &j) != 0)
        goto fail;
    if (j != NULL) {
        floats_as_strings(j);
        if (!put(r, "message", j))
            goto fail;
    } else {
        char *b64 = sc_base64_encode(m->data, m->len);
        if (b64 == NULL)
            goto fail;
        bool ok = cJSON_AddStringToObject(r, "raw", b64) != NULL;
        free(b64);
        if (!ok)
            goto fail;
        n->raw_responses++;
    }
    return r;
fail:
    cJSON_Delete(r);
    return NULL;
}

/* Did the client end the call (cancel, deadline) before the upstream's status? */
static bool cut_off(const sc_record_case *c)
{
    return c->end == SC_RECORD_END_CANCELLED || c->end == SC_RECORD_END_DEADLINE;
}

/* The status of a call the client cut off: never reached while the client replays what it did
 * (cancel, deadline); it waits as long as the client's deadline. */
static bool status_cut_off(cJSON *st, const sc_record_case *c)
{
    int code =
        c->end == SC_RECORD_END_CANCELLED ? SC_STATUS_CANCELLED : SC_STATUS_DEADLINE_EXCEEDED;
    int64_t wait = c->timeout_ms > 0 ? c->timeout_ms : REC_DEFAULT_TIMEOUT_MS;
    return cJSON_AddStringToObject(st, "code", sc_status_name(code)) != NULL &&
           cJSON_AddNumberToObject(st, "delay_ms", (double)clamp_ms(wait)) != NULL;
}

/* The upstream's status; "delay_ms" after the last response (or the headers) when there was one. */
static bool status_sent(cJSON *st, const sc_record_case *c, bool headers, int64_t last)
{
    if (cJSON_AddStringToObject(st, "code", sc_status_name(c->status_code)) == NULL)
        return false;
    char msg[SC_SCENARIO_WRITE_MAX_TEXT + 1];
    snprintf(msg, sizeof msg, "%s", c->status_message != NULL ? c->status_message : "");
    if (msg[0] != '\0' && cJSON_AddStringToObject(st, "message", msg) == NULL)
        return false;
    return !(headers || c->n_responses > 0) ||
           cJSON_AddNumberToObject(st, "delay_ms", (double)clamp_ms(c->status_ms - last)) != NULL;
}

/* script.responses, each delayed from the one before; *last ends at the last one's time. */
static bool script_responses(cJSON *sc, const sc_record_case *c, int64_t *last, notes *n)
{
    const ProtobufCMessageDescriptor *desc =
        c->method != SC_METHOD_UNKNOWN ? sc_method_get(c->method)->response : NULL;
    cJSON *resps = cJSON_AddArrayToObject(sc, "responses");
    if (resps == NULL)
        return false;
    for (size_t i = 0; i < c->n_responses; i++) {
        const sc_record_msg *m = &c->responses[i];
        if (!push(resps, script_response(desc, m, m->at_ms - *last, n)))
            return false;
        *last = m->at_ms > *last ? m->at_ms : *last;
    }
    return true;
}

static cJSON *script_section(const sc_record_case *c, const sc_scenario_write_opts *o, notes *n)
{
    cJSON *sc = cJSON_CreateObject();
    if (sc == NULL)
        return NULL;
    bool cut = cut_off(c);
    /* Headers on their own when they carried anything or came before responses; otherwise the
     * status was a trailers-only response. */
    bool headers = c->has_headers && (c->headers.count > 0 || c->n_responses > 0);
    int64_t last = headers ? c->headers_ms : cut ? c->end_ms : c->status_ms;
    if (cJSON_AddNumberToObject(sc, "initial_delay_ms", (double)clamp_ms(last)) == NULL)
        goto fail;
    if (headers && !put(sc, "headers", md_json(&c->headers, o, false, &n->md_dropped)))
        goto fail;
    if (!script_responses(sc, c, &last, n))
        goto fail;
    if (!cut && !put_unless_empty(sc, "trailers", md_json(&c->trailers, o, false, &n->md_dropped)))
        goto fail;
    cJSON *st = cJSON_AddObjectToObject(sc, "status");
    if (st == NULL || !(cut ? status_cut_off(st, c) : status_sent(st, c, headers, last)))
        goto fail;
    return sc;
fail:
    cJSON_Delete(sc);
    return NULL;
}

/* "responses": the count the client saw; at most that many when its deadline cut it off. */
static bool expect_count(cJSON *ex, const sc_record_case *c, size_t count)
{
    if (c->end != SC_RECORD_END_DEADLINE)
        return cJSON_AddNumberToObject(ex, "responses", (double)count) != NULL;
    cJSON *r = cJSON_AddObjectToObject(ex, "responses");
    return r != NULL && cJSON_AddNumberToObject(r, "max", (double)count) != NULL;
}

/* "response_contents": the first `count` script messages (at most REC_MAX_LIST). */
static bool expect_contents(cJSON *ex, const cJSON *script, size_t count)
{
    cJSON *contents = cJSON_AddArrayToObject(ex, "response_contents");
    if (contents == NULL)
        return false;
    size_t i = 0;
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(script, "responses"))
    {
        if (i++ >= count || i > REC_MAX_LIST)
            break;
        const cJSON *message = cJSON_GetObjectItemCaseSensitive(r, "message");
        if (message == NULL)
            continue; /* none without: the caller checked raw_responses is 0 */
        cJSON *m = cJSON_Duplicate(message, true);
        floats_as_strings(m);
        if (!push(contents, m))
            return false;
    }
    return true;
}

/* "headers" (when the client saw any) and "trailers" (when the status reached it). */
static bool expect_metadata(cJSON *ex, const sc_record_case *c, const cJSON *script)
{
    bool cut = cut_off(c);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(script, "headers");
    if (h != NULL && h->child != NULL && (!cut || c->delivered > 0) &&
        !put(ex, "headers", md_expect(h)))
        return false;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(script, "trailers");
    return t == NULL || t->child == NULL || cut || put(ex, "trailers", md_expect(t));
}

static cJSON *expect_section(const sc_record_case *c, const cJSON *script, notes *n)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(script, "status");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(st, "code");
    if (!cJSON_IsString(code))
        return NULL; /* script_section always writes it */
    cJSON *ex = cJSON_CreateObject();
    if (ex == NULL)
        return NULL;
    if (cJSON_AddStringToObject(ex, "status", code->valuestring) == NULL)
        goto fail;
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(st, "message");
    if (!cut_off(c) &&
        cJSON_AddStringToObject(ex, "message", cJSON_IsString(msg) ? msg->valuestring : "") == NULL)
        goto fail;
    size_t count = c->end == SC_RECORD_END_CANCELLED ? c->delivered : c->n_responses;
    if (!expect_count(ex, c, count))
        goto fail;
    if (count > 0 && n->raw_responses == 0 && !expect_contents(ex, script, count))
        goto fail;
    if (!expect_metadata(ex, c, script))
        goto fail;
    return ex;
fail:
    cJSON_Delete(ex);
    return NULL;
}

/* "tags": recorded, and cancel / deadline for a call the client cut off. */
static bool scenario_tags(cJSON *s, const sc_record_case *c)
{
    cJSON *tags = cJSON_AddArrayToObject(s, "tags");
    if (tags == NULL || !push(tags, cJSON_CreateString("recorded")))
        return false;
    if (c->end == SC_RECORD_END_CANCELLED && !push(tags, cJSON_CreateString("cancel")))
        return false;
    return c->end != SC_RECORD_END_DEADLINE || push(tags, cJSON_CreateString("deadline"));
}

/* Append to `buf` (holding `len` characters of `size`), when there is room. */
static int append(char *buf, size_t size, int len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int append(char *buf, size_t size, int len, const char *fmt, ...)
{
    if (len < 0 || (size_t)len >= size)
        return len;
    va_list ap;
    va_start(ap, fmt);
    int more = vsnprintf(buf + len, size - (size_t)len, fmt, ap);
    va_end(ap);
    return more < 0 ? more : len + more;
}

/* The summary: what was recorded, how it ended, and what the format could not hold. */
static void scenario_summary(const sc_record_case *c, const notes *n, char *buf, size_t size)
{
    int len = snprintf(buf, size, "recorded %s: %zu requests, %zu responses, %s", c->path,
                       c->n_requests, c->n_responses,
                       c->end == SC_RECORD_END_CANCELLED  ? "cancelled by the client"
                       : c->end == SC_RECORD_END_DEADLINE ? "deadline exceeded"
                                                          : sc_status_name(c->status_code));
    if (c->method == SC_METHOD_UNKNOWN)
        len = append(buf, size, len, "%s",
                     "; not a DataService method: raw messages, replayed by `streamconform "
                     "replay` (run skips it)");
    if (c->dropped_requests + c->dropped_responses > 0)
        len = append(buf, size, len, "; %zu messages not recorded",
                     c->dropped_requests + c->dropped_responses);
    if (n->md_dropped > 0)
        append(buf, size, len, "; %zu metadata entries not recordable", n->md_dropped);
}

cJSON *sc_scenario_write(const sc_record_case *c, const char *name,
                         const sc_scenario_write_opts *opts, char *err, size_t errlen)
{
    notes n = {0};
    /* Built apart, then attached after the summary (which counts what they dropped); each is
     * NULL once attached, so `fail` frees exactly what s does not own. */
    cJSON *client = NULL, *server = NULL, *expect = NULL;
    cJSON *s = cJSON_CreateObject();
    if (s == NULL || cJSON_AddStringToObject(s, "name", name) == NULL || !scenario_tags(s, c))
        goto fail;
    sc_method m = c->method != SC_METHOD_UNKNOWN ? c->method : REC_UNKNOWN_METHOD;
    if (cJSON_AddStringToObject(s, "method", sc_method_name(m)) == NULL)
        goto fail;
    client = client_section(c, opts, &n);
    server = cJSON_CreateObject();
    if (client == NULL || server == NULL || !put(server, "script", script_section(c, opts, &n)))
        goto fail;
    expect = expect_section(c, cJSON_GetObjectItemCaseSensitive(server, "script"), &n);
    if (expect == NULL)
        goto fail;
    char summary[REC_MAX_SUMMARY];
    scenario_summary(c, &n, summary, sizeof summary);
    if (cJSON_AddStringToObject(s, "summary", summary) == NULL)
        goto fail;
    if (!adopt(s, "client", &client) || !adopt(s, "server", &server) ||
        !adopt(s, "expect", &expect))
        goto fail;
    return s;
fail:
    cJSON_Delete(client);
    cJSON_Delete(server);
    cJSON_Delete(expect);
    cJSON_Delete(s);
    snprintf(err, errlen, "out of memory building the scenario %s", name);
    return NULL;
}
