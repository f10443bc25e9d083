/* contract/sc_scenario_write.c: the scenario a recorded call becomes (sc_scenario_write):
 * messages with relative timing, trailers-only, cancelled and deadline-exceeded calls, redaction,
 * what the format cannot hold, an allocation failure anywhere. Pure logic: no process, no
 * network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_base64.h"
#include "sc_json.h"
#include "sc_method.h"
#include "sc_record.h"
#include "sc_script.h"
#include "sc_scenario_write.h"

/* ---- helpers ------------------------------------------------------------------------------ */

/* A value by "/"-separated path ("client/requests/0/userId"): object keys or array indexes. */
static const cJSON *jat(const cJSON *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *v = root;
    for (char *save = NULL, *seg = strtok_r(buf, "/", &save); seg != NULL && v != NULL;
         seg = strtok_r(NULL, "/", &save)) {
        if (cJSON_IsArray(v))
            v = cJSON_GetArrayItem(v, atoi(seg));
        else
            v = cJSON_GetObjectItemCaseSensitive(v, seg);
    }
    return v;
}

static const char *jstr(const cJSON *root, const char *path)
{
    const cJSON *v = jat(root, path);
    if (!cJSON_IsString(v))
        fail_msg("%s: not a string in %s", path, cJSON_PrintUnformatted(root));
    return v->valuestring;
}

static int jint(const cJSON *root, const char *path)
{
    const cJSON *v = jat(root, path);
    if (!cJSON_IsNumber(v))
        fail_msg("%s: not a number", path);
    return v->valueint;
}

static void case_init(sc_record_case *c, sc_method m, int64_t timeout_ms)
{
    memset(c, 0, sizeof *c);
    c->path = strdup(sc_method_path(m));
    c->method = m;
    c->timeout_ms = timeout_ms;
}

/* Append a message given as canonical JSON of `request` ? the method's request : response type. */
static void add_json(sc_record_case *c, bool request, const char *json, int64_t at_ms)
{
    const sc_method_info *mi = sc_method_get(c->method);
    char err[256];
    ProtobufCMessage *m =
        sc_json_message_from_string(request ? mi->request : mi->response, json, err, sizeof err);
    if (m == NULL)
        fail_msg("%s: %s", json, err);
    size_t len = protobuf_c_message_get_packed_size(m);
    unsigned char *buf = malloc(len > 0 ? len : 1);
    assert_non_null(buf);
    protobuf_c_message_pack(m, buf);
    assert_int_equal(sc_record_case_add(c, request, buf, len, at_ms), 0);
    free(buf);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void md_add(sc_md_list *l, const char *key, const char *value)
{
    assert_int_equal(sc_md_list_add(l, key, value, strlen(value)), 0);
}

static cJSON *scenario_of(const sc_record_case *c, const char *name, const sc_record_opts *o)
{
    char err[256] = "";
    cJSON *s = sc_scenario_write(c, name, o, err, sizeof err);
    if (s == NULL)
        fail_msg("%s: %s", name, err);
    return s;
}

/* ---- limits -------------------------------------------------------------------------------- */

static void limits_agree_with_the_script_format(void **state)
{
    (void)state;
    assert_int_equal(SC_SCENARIO_WRITE_MAX_MS, SC_SCRIPT_MAX_MS);
    assert_int_equal(SC_SCENARIO_WRITE_MAX_TEXT, SC_SCRIPT_MAX_TEXT);
}

/* ---- the scenario of a recorded call ------------------------------------------------------ */

/* SubscribeData: headers at 5 ms, three responses, RESOURCE_EXHAUSTED with a pushback trailer. */
static void subscribe_case(sc_record_case *c)
{
    case_init(c, SC_METHOD_SUBSCRIBE, 2000);
    md_add(&c->client_md, "x-app", "1");
    md_add(&c->client_md, "user-agent", "grpc-c/29.0.0");
    md_add(&c->client_md, "grpc-accept-encoding", "identity");
    md_add(&c->client_md, "grpc-retry-pushback-ms", "7"); /* a client's: not a client input */
    md_add(&c->client_md, "x-sc-response-delay-ms", "20");
    md_add(&c->client_md, "x-grpc-test-echo-initial", "e");
    add_json(c, true, "{\"subscriptionId\":\"s\",\"topics\":[\"t\"],\"batchSize\":2}", 1);
    c->half_close = true;
    c->has_headers = true;
    c->headers_ms = 5;
    md_add(&c->headers, "x-h", "1");
    md_add(&c->headers, "grpc-encoding", "identity");
    add_json(c, false, "{\"sequenceNumber\":\"1\"}", 25);
    add_json(c, false, "{\"sequenceNumber\":\"2\",\"dataPoints\":[{\"id\":\"p\",\"value\":0.1}]}",
             45);
    add_json(c, false, "{\"sequenceNumber\":\"3\"}", 70);
    c->delivered = 3;
    md_add(&c->trailers, "grpc-retry-pushback-ms", "250");
    md_add(&c->trailers, "grpc-status", "8");
    md_add(&c->trailers, "x-t", "a");
    md_add(&c->trailers, "x-t", "b");
    c->status_code = 8;
    c->status_message = strdup("too much");
    c->status_ms = 80;
    c->end = SC_RECORD_END_STATUS;
}

static void scenario_of_a_finished_stream(void **state)
{
    (void)state;
    sc_record_case c;
    subscribe_case(&c);
    char why[256];
    assert_true(sc_scenario_write_recordable(&c, why, sizeof why));
    cJSON *s = scenario_of(&c, "recorded/subscribe/1", NULL);
    assert_string_equal(jstr(s, "name"), "recorded/subscribe/1");
    assert_string_equal(jstr(s, "method"), "SubscribeData");
    assert_int_equal(cJSON_GetArraySize(jat(s, "tags")), 1);
    assert_string_equal(jstr(s, "tags/0"), "recorded");
    assert_string_equal(jstr(s, "summary"), "recorded /streaming.DataService/SubscribeData: 1 "
                                            "requests, 3 responses, RESOURCE_EXHAUSTED");
    /* client: requests as canonical JSON; only the application's metadata */
    assert_string_equal(jstr(s, "client/requests/0/subscriptionId"), "s");
    assert_int_equal(jint(s, "client/requests/0/batchSize"), 2);
    const cJSON *md = jat(s, "client/metadata");
    assert_int_equal(cJSON_GetArraySize(md), 1);
    assert_string_equal(jstr(md, "x-app"), "1");
    assert_int_equal(jint(s, "client/timeout_ms"), 2000);
    assert_true(cJSON_IsTrue(jat(s, "client/half_close")));
    assert_null(jat(s, "client/cancel"));
    /* server.script: each delay relative to the previous output */
    const cJSON *sc = jat(s, "server/script");
    assert_int_equal(jint(sc, "initial_delay_ms"), 5);
    assert_int_equal(cJSON_GetArraySize(jat(sc, "headers")), 1);
    assert_string_equal(jstr(sc, "headers/x-h"), "1");
    assert_int_equal(cJSON_GetArraySize(jat(sc, "responses")), 3);
    assert_int_equal(jint(sc, "responses/0/delay_ms"), 20);
    assert_int_equal(jint(sc, "responses/1/delay_ms"), 20);
    assert_int_equal(jint(sc, "responses/2/delay_ms"), 25);
    assert_string_equal(jstr(sc, "responses/1/message/sequenceNumber"), "2");
    /* doubles as decimal strings */
    assert_string_equal(jstr(sc, "responses/1/message/dataPoints/0/value"), "0.1");
    assert_string_equal(jstr(sc, "status/code"), "RESOURCE_EXHAUSTED");
    assert_string_equal(jstr(sc, "status/message"), "too much");
    assert_int_equal(jint(sc, "status/delay_ms"), 10);
    /* trailers: grpc-retry-pushback-ms kept, grpc-status dropped, a repeated key as an array */
    const cJSON *tr = jat(sc, "trailers");
    assert_int_equal(cJSON_GetArraySize(tr), 2);
    assert_string_equal(jstr(tr, "grpc-retry-pushback-ms"), "250");
    assert_int_equal(cJSON_GetArraySize(jat(tr, "x-t")), 2);
    assert_string_equal(jstr(tr, "x-t/1"), "b");
    /* expect: what the client must see */
    const cJSON *ex = jat(s, "expect");
    assert_string_equal(jstr(ex, "status"), "RESOURCE_EXHAUSTED");
    assert_string_equal(jstr(ex, "message"), "too much");
    assert_int_equal(jint(ex, "responses"), 3);
    assert_int_equal(cJSON_GetArraySize(jat(ex, "response_contents")), 3);
    assert_string_equal(jstr(ex, "response_contents/2/sequenceNumber"), "3");
    assert_string_equal(jstr(ex, "headers/x-h"), "1");
    /* a repeated trailer is left out of the expectation (clients fold them differently) */
    assert_string_equal(jstr(ex, "trailers/grpc-retry-pushback-ms"), "250");
    assert_null(jat(ex, "trailers/x-t"));
    cJSON_Delete(s);
    sc_record_case_free(&c);
}

static void scenario_of_a_trailers_only_answer(void **state)
{
    (void)state;
    sc_record_case c;
    case_init(&c, SC_METHOD_GET, -1);
    add_json(&c, true, "{\"subscriptionId\":\"g\"}", 0);
    c.half_close = true;
    c.has_headers = true; /* empty initial metadata with the status */
    c.headers_ms = 7;
    c.status_code = 3;
    c.status_message = strdup("bad topic");
    c.status_ms = 7;
    cJSON *s = scenario_of(&c, "recorded/get/1", NULL);
    const cJSON *sc = jat(s, "server/script");
    assert_int_equal(jint(sc, "initial_delay_ms"), 7);
    assert_null(jat(sc, "headers"));
    assert_int_equal(cJSON_GetArraySize(jat(sc, "responses")), 0);
    assert_string_equal(jstr(sc, "status/code"), "INVALID_ARGUMENT");
    assert_null(jat(sc, "status/delay_ms"));
    assert_null(jat(s, "client/timeout_ms")); /* no deadline recorded */
    assert_null(jat(s, "client/metadata"));
    assert_int_equal(jint(s, "expect/responses"), 0);
    assert_null(jat(s, "expect/response_contents"));
    assert_string_equal(jstr(s, "expect/message"), "bad topic");
    cJSON_Delete(s);
    sc_record_case_free(&c);
}

static void timing_is_relative_and_clamped(void **state)
{
    (void)state;
    sc_record_case c;
    case_init(&c, SC_METHOD_CHAT, 10000000); /* over the script's longest delay */
    add_json(&c, true, "{\"userId\":\"a\"}", 0);
    c.has_headers = true;
    c.headers_ms = -3; /* clock steps: never a negative delay */
    add_json(&c, false, "{\"userId\":\"b\",\"content\":\"1\"}", 40);
    add_json(&c, false, "{\"userId\":\"b\",\"content\":\"2\"}", 30); /* before the previous */
    add_json(&c, false, "{\"userId\":\"b\",\"content\":\"3\"}", 50);
    add_json(&c, false, "{\"userId\":\"b\",\"content\":\"4\"}", 50 + SC_SCRIPT_MAX_MS + 5);
    c.status_ms = 60 + SC_SCRIPT_MAX_MS;
    cJSON *s = scenario_of(&c, "recorded/chat/1", NULL);
    const cJSON *sc = jat(s, "server/script");
    assert_int_equal(jint(sc, "initial_delay_ms"), 0);
    assert_int_equal(jint(sc, "responses/0/delay_ms"), 43);
    assert_int_equal(jint(sc, "responses/1/delay_ms"), 0);
    assert_int_equal(jint(sc, "responses/2/delay_ms"), 10); /* from the latest output, 40 */
    assert_int_equal(jint(sc, "responses/3/delay_ms"), SC_SCRIPT_MAX_MS);
    assert_int_equal(jint(sc, "status/delay_ms"), 5);
    assert_int_equal(jint(s, "client/timeout_ms"), SC_SCRIPT_MAX_MS);
    assert_true(cJSON_IsFalse(jat(s, "client/half_close")));
    cJSON_Delete(s);
    sc_record_case_free(&c);
}

static void scenario_of_a_cancelled_call(void **state)
{
    (void)state;
    sc_record_case c;
    case_init(&c, SC_METHOD_SUBSCRIBE, 1000);
    add_json(&c, true, "{\"subscriptionId\":\"c\"}", 0);
    c.half_close = true;
    c.has_headers = true;
    c.headers_ms = 2;
    add_json(&c, false, "{\"sequenceNumber\":\"1\"}", 20);
    add_json(&c, false, "{\"sequenceNumber\":\"2\"}", 40);
    add_json(&c, false, "{\"sequenceNumber\":\"3\"}", 60); /* forwarded, not taken */
    c.delivered = 2;
    c.end = SC_RECORD_END_CANCELLED;
    c.end_ms = 61;
    cJSON *s = scenario_of(&c, "recorded/subscribe/2", NULL);
    assert_int_equal(cJSON_GetArraySize(jat(s, "tags")), 2);
    assert_string_equal(jstr(s, "tags/1"), "cancel");
    assert_int_equal(jint(s, "client/cancel/after_responses"), 2);
    assert_null(jat(s, "client/cancel/after_ms"));
    /* the script outlasts the client's deadline: the client's cancel comes first */
    assert_string_equal(jstr(s, "server/script/status/code"), "CANCELLED");
    assert_int_equal(jint(s, "server/script/status/delay_ms"), 1000);
    assert_null(jat(s, "server/script/trailers"));
    assert_string_equal(jstr(s, "expect/status"), "CANCELLED");
    assert_null(jat(s, "expect/message"));
    assert_int_equal(jint(s, "expect/responses"), 2);
    assert_int_equal(cJSON_GetArraySize(jat(s, "expect/response_contents")), 2);
    assert_non_null(strstr(jstr(s, "summary"), "cancelled by the client"));
    cJSON_Delete(s);
    sc_record_case_free(&c);

    /* cancelled before any response: by time */
    case_init(&c, SC_METHOD_CHAT, -1);
    add_json(&c, true, "{\"userId\":\"a\"}", 0);
    c.end = SC_RECORD_END_CANCELLED;
    c.end_ms = 150;
    s = scenario_of(&c, "recorded/chat/1", NULL);
    assert_int_equal(jint(s, "client/cancel/after_ms"), 150);
    assert_int_equal(jint(s, "server/script/initial_delay_ms"), 150);
    assert_int_equal(jint(s, "server/script/status/delay_ms"), 60000);
    assert_int_equal(jint(s, "expect/responses"), 0);
    cJSON_Delete(s);
    sc_record_case_free(&c);
}

static void scenario_of_a_deadline_exceeded_call(void **state)
{
    (void)state;
    sc_record_case c;
    case_init(&c, SC_METHOD_SUBSCRIBE, 400);
    add_json(&c, true, "{\"subscriptionId\":\"d\"}", 0);
    c.half_close = true;
    c.has_headers = true;
    c.headers_ms = 1;
    add_json(&c, false, "{\"sequenceNumber\":\"1\"}", 150);
    add_json(&c, false, "{\"sequenceNumber\":\"2\"}", 300);
    c.delivered = 2;
    c.end = SC_RECORD_END_DEADLINE;
    c.end_ms = 400;
    cJSON *s = scenario_of(&c, "recorded/subscribe/1", NULL);
    assert_string_equal(jstr(s, "tags/1"), "deadline");
    assert_int_equal(jint(s, "client/timeout_ms"), 400);
    assert_null(jat(s, "client/cancel"));
    assert_string_equal(jstr(s, "server/script/status/code"), "DEADLINE_EXCEEDED");
    assert_int_equal(jint(s, "server/script/status/delay_ms"), 400);
    assert_string_equal(jstr(s, "expect/status"), "DEADLINE_EXCEEDED");
    assert_null(jat(s, "expect/message"));
    /* a response just before the deadline may race it */
    assert_int_equal(jint(s, "expect/responses/max"), 2);
    assert_non_null(strstr(jstr(s, "summary"), "deadline exceeded"));
    cJSON_Delete(s);
    sc_record_case_free(&c);
}

static void redacted_keys_keep_no_secret(void **state)
{
    (void)state;
    sc_record_case c;
    case_init(&c, SC_METHOD_GET, 1000);
    add_json(&c, true, "{}", 0);
    md_add(&c.client_md, "authorization", "Bearer s3cr3t");
    md_add(&c.client_md, "x-token-bin", "s3cr3t-bin");
    md_add(&c.client_md, "x-other", "visible");
    c.has_headers = true;
    md_add(&c.headers, "authorization", "h-s3cr3t");
    add_json(&c, false, "{}", 3);
    md_add(&c.trailers, "x-token-bin", "t-s3cr3t");
    c.status_ms = 4;
    const char *redact[] = {"Authorization", "x-token-bin"}; /* keys match case-insensitively */
    sc_record_opts o = {.redact = redact, .n_redact = 2};
    cJSON *s = scenario_of(&c, "recorded/get/1", &o);
    char *b64 =
        sc_base64_encode((const unsigned char *)SC_RECORD_REDACTED, strlen(SC_RECORD_REDACTED));
    assert_string_equal(jstr(s, "client/metadata/authorization"), SC_RECORD_REDACTED);
    assert_string_equal(jstr(s, "client/metadata/x-token-bin"), b64);
    assert_string_equal(jstr(s, "client/metadata/x-other"), "visible");
    assert_string_equal(jstr(s, "server/script/headers/authorization"), SC_RECORD_REDACTED);
    assert_string_equal(jstr(s, "server/script/trailers/x-token-bin"), b64);
    assert_string_equal(jstr(s, "expect/headers/authorization"), SC_RECORD_REDACTED);
    char *text = cJSON_PrintUnformatted(s);
    assert_null(strstr(text, "s3cr3t"));
    free(text);
    free(b64);
    cJSON_Delete(s);
    sc_record_case_free(&c);
}

static void metadata_the_format_cannot_hold_is_counted(void **state)
{
    (void)state;
    sc_record_case c;
    case_init(&c, SC_METHOD_GET, 1000);
    add_json(&c, true, "{}", 0);
    md_add(&c.client_md, "x-bad", "caf\xc3\xa9"); /* not printable ASCII, no -bin */
    md_add(&c.client_md, "x-bin-ok-bin", "\x01\x02");
    char big[SC_SCRIPT_MAX_TEXT + 2];
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    md_add(&c.client_md, "x-big", big);
    c.status_ms = 1;
    cJSON *s = scenario_of(&c, "recorded/get/1", NULL);
    const cJSON *md = jat(s, "client/metadata");
    assert_int_equal(cJSON_GetArraySize(md), 1);
    assert_string_equal(jstr(md, "x-bin-ok-bin"), "AQI=");
    assert_non_null(strstr(jstr(s, "summary"), "; 2 metadata entries not recordable"));
    cJSON_Delete(s);
    sc_record_case_free(&c);
}

static void messages_past_the_cap_are_dropped_and_said(void **state)
{
    (void)state;
    sc_record_case c;
    case_init(&c, SC_METHOD_UPLOAD, -1);
    const unsigned char chunk[] = {0x12, 0x01, 'x'}; /* UploadRequest{chunk: "x"} */
    for (size_t i = 0; i < SC_RECORD_MAX_MESSAGES + 3; i++)
        assert_int_equal(sc_record_case_add(&c, true, chunk, sizeof chunk, (int64_t)i), 0);
    assert_int_equal(c.n_requests, SC_RECORD_MAX_MESSAGES);
    assert_int_equal(c.dropped_requests, 3);
    assert_int_equal(c.requests[1].at_ms, 1);
    assert_memory_equal(c.requests[1].data, chunk, sizeof chunk);
    /* an empty message is a message */
    assert_int_equal(sc_record_case_add(&c, false, NULL, 0, 5), 0);
    assert_int_equal(c.n_responses, 1);
    assert_int_equal(c.responses[0].len, 0);
    c.half_close = true;
    c.status_ms = 9;
    cJSON *s = scenario_of(&c, "recorded/upload/1", NULL);
    assert_int_equal(cJSON_GetArraySize(jat(s, "client/requests")), SC_RECORD_MAX_MESSAGES);
    assert_string_equal(jstr(s, "client/requests/0/chunk"), "eA==");
    assert_non_null(strstr(jstr(s, "summary"), "; 3 messages not recorded"));
    cJSON_Delete(s);
    sc_record_case_free(&c);
    assert_null(c.requests);
    assert_int_equal(c.n_requests, 0);
}

static void check_out_of_memory(const sc_record_case *c, const char *name, const sc_record_opts *o);

/* A call on a path outside DataService: nominal method Chat, client.path the path, requests
 * {"$raw"}, script responses {"raw"}, headers, trailers and status as any call's. */
static void unknown_path_is_recorded_raw(void **state)
{
    (void)state;
    char why[256];
    sc_record_case c;
    memset(&c, 0, sizeof c);
    c.path = strdup("/other.Service/Do");
    c.method = SC_METHOD_UNKNOWN;
    c.timeout_ms = 5000;
    const unsigned char req[] = {0x0a, 0x64, 'x'}, resp[] = {0x01, 0x02};
    assert_int_equal(sc_record_case_add(&c, true, req, sizeof req, 1), 0);
    assert_int_equal(sc_record_case_add(&c, true, NULL, 0, 2), 0);
    c.half_close = true;
    c.has_headers = true;
    c.headers_ms = 3;
    md_add(&c.headers, "x-h", "h");
    assert_int_equal(sc_record_case_add(&c, false, resp, sizeof resp, 5), 0);
    c.delivered = 1;
    md_add(&c.trailers, "x-t", "t");
    md_add(&c.client_md, "authorization", "Bearer s3cr3t");
    c.status_code = 5;
    c.status_message = strdup("gone");
    c.status_ms = 9;
    assert_true(sc_scenario_write_recordable(&c, why, sizeof why));
    const char *redact[] = {"authorization"};
    sc_record_opts o = {.redact = redact, .n_redact = 1};
    cJSON *s = scenario_of(&c, "recorded/unknown/1", &o);
    assert_string_equal(jstr(s, "name"), "recorded/unknown/1");
    assert_string_equal(jstr(s, "method"), "Chat");
    assert_string_equal(jstr(s, "client/path"), "/other.Service/Do");
    assert_int_equal(cJSON_GetArraySize(jat(s, "client/requests")), 2);
    assert_string_equal(jstr(s, "client/requests/0/$raw"), "CmR4");
    assert_string_equal(jstr(s, "client/requests/1/$raw"), "");
    assert_true(cJSON_IsTrue(jat(s, "client/half_close")));
    assert_int_equal(jint(s, "client/timeout_ms"), 5000);
    assert_string_equal(jstr(s, "client/metadata/authorization"), "<redacted>");
    assert_int_equal(jint(s, "server/script/initial_delay_ms"), 3);
    assert_string_equal(jstr(s, "server/script/headers/x-h"), "h");
    assert_int_equal(jint(s, "server/script/responses/0/delay_ms"), 2);
    assert_string_equal(jstr(s, "server/script/responses/0/raw"), "AQI=");
    assert_null(jat(s, "server/script/responses/0/message"));
    assert_string_equal(jstr(s, "server/script/trailers/x-t"), "t");
    assert_string_equal(jstr(s, "server/script/status/code"), "NOT_FOUND");
    assert_string_equal(jstr(s, "server/script/status/message"), "gone");
    assert_int_equal(jint(s, "server/script/status/delay_ms"), 4);
    assert_string_equal(jstr(s, "expect/status"), "NOT_FOUND");
    assert_int_equal(jint(s, "expect/responses"), 1);
    assert_null(jat(s, "expect/response_contents"));
    assert_non_null(strstr(jstr(s, "summary"), "recorded /other.Service/Do: 2 requests"));
    assert_non_null(strstr(jstr(s, "summary"), "not a DataService method: raw messages"));
    /* what the script parser makes of it: the raw response as recorded */
    sc_script sc;
    char err[512];
    assert_int_equal(
        sc_script_parse(&sc, SC_METHOD_CHAT, jat(s, "server/script"), "script", err, sizeof err),
        0);
    assert_int_equal(sc.n_responses, 1);
    assert_int_equal(sc.responses[0].raw_len, 2);
    assert_memory_equal(sc.responses[0].raw, resp, 2);
    sc_script_free(&sc);
    cJSON_Delete(s);
    check_out_of_memory(&c, "recorded/unknown/1", &o);
    sc_record_case_free(&c);
}

static void what_the_format_cannot_hold_is_not_recordable(void **state)
{
    (void)state;
    char why[512];
    sc_record_case c;
    memset(&c, 0, sizeof c);
    /* a path client.path cannot name */
    c.path = strdup("/other-svc/Do");
    c.method = SC_METHOD_UNKNOWN;
    assert_false(sc_scenario_write_recordable(&c, why, sizeof why));
    assert_string_equal(why, "/other-svc/Do is not a DataService method nor a path "
                             "\"/package.Service/Method\" (segments [A-Za-z0-9_.], at most 256 "
                             "characters) a scenario can call");
    free(c.path);
    c.path = strdup("/no-method");
    assert_false(sc_scenario_write_recordable(&c, why, sizeof why));
    free(c.path);
    c.path = malloc(300);
    memset(c.path, 'a', 299);
    c.path[0] = '/';
    c.path[5] = '/';
    c.path[299] = '\0';
    assert_false(sc_scenario_write_recordable(&c, why, sizeof why));
    c.path[257] = '\0'; /* 257 characters */
    assert_false(sc_scenario_write_recordable(&c, why, sizeof why));
    c.path[256] = '\0';
    assert_true(sc_scenario_write_recordable(&c, why, sizeof why));
    sc_record_case_free(&c);
    cJSON *s = NULL;

    /* bytes that are no StreamRequest (field 1 claims 100 bytes, 1 follows) */
    case_init(&c, SC_METHOD_GET, -1);
    const unsigned char junk[] = {0x0a, 0x64, 'x'};
    assert_int_equal(sc_record_case_add(&c, true, junk, sizeof junk, 0), 0);
    assert_false(sc_scenario_write_recordable(&c, why, sizeof why));
    assert_non_null(strstr(why, "request 0 of /streaming.DataService/GetData is not a"));
    /* the builder still says what it got: base64 under $raw */
    s = scenario_of(&c, "recorded/get/1", NULL);
    assert_string_equal(jstr(s, "client/requests/0/$raw"), "CmR4");
    cJSON_Delete(s);
    sc_record_case_free(&c);

    /* an undecodable response: raw in the script, no response_contents */
    case_init(&c, SC_METHOD_GET, -1);
    add_json(&c, true, "{}", 0);
    c.has_headers = true;
    assert_int_equal(sc_record_case_add(&c, false, junk, sizeof junk, 2), 0);
    assert_false(sc_scenario_write_recordable(&c, why, sizeof why));
    assert_non_null(strstr(why, "response 0 of /streaming.DataService/GetData"));
    s = scenario_of(&c, "recorded/get/1", NULL);
    assert_string_equal(jstr(s, "server/script/responses/0/raw"), "CmR4");
    assert_int_equal(jint(s, "expect/responses"), 1);
    assert_null(jat(s, "expect/response_contents"));
    cJSON_Delete(s);
    sc_record_case_free(&c);
}

/* ---- out of memory ------------------------------------------------------------------------ */

/* cJSON allocations counted; the `oom_at`-th fails (0: none), and with `oom_sticky` every one
 * after it too. `oom_hit` says whether a failure was handed out. */
static size_t oom_at, oom_count;
static bool oom_sticky, oom_hit;

static void *oom_malloc(size_t n)
{
    ++oom_count;
    if (oom_at > 0 && (oom_count == oom_at || (oom_sticky && oom_count > oom_at))) {
        oom_hit = true;
        return NULL;
    }
    return malloc(n);
}

/* The scenario of `c` with the cJSON allocations failing as above; the hooks are back to the
 * defaults on return (so a failed assertion leaves no hook behind). */
static cJSON *scenario_failing(const sc_record_case *c, const char *name, const sc_record_opts *o,
                               size_t at, bool sticky, char *err, size_t errlen)
{
    oom_at = at;
    oom_sticky = sticky;
    oom_count = 0;
    oom_hit = false;
    cJSON_Hooks hooks = {.malloc_fn = oom_malloc, .free_fn = free};
    cJSON_InitHooks(&hooks);
    cJSON *s = sc_scenario_write(c, name, o, err, errlen);
    cJSON_InitHooks(NULL);
    oom_at = 0;
    return s;
}

/* Each cJSON allocation of the build fails in turn (alone, then with all after it): NULL with
 * the documented reason whenever one failed (never a crash, a leak under ASan, or a scenario
 * quietly missing a part); once none failed, the same scenario as an unhindered build. */
static void check_out_of_memory(const sc_record_case *c, const char *name, const sc_record_opts *o)
{
    cJSON *want = scenario_of(c, name, o);
    char want_err[256];
    snprintf(want_err, sizeof want_err, "out of memory building the scenario %s", name);
    for (int sticky = 0; sticky < 2; sticky++) {
        size_t at = 1;
        for (;; at++) {
            char err[256] = "";
            cJSON *s = scenario_failing(c, name, o, at, sticky, err, sizeof err);
            if (!oom_hit) {
                if (s == NULL)
                    fail_msg("%s: NULL (%s) with no allocation failing", name, err);
                bool same = cJSON_Compare(s, want, true);
                cJSON_Delete(s);
                assert_true(same);
                break;
            }
            if (s != NULL) {
                char *text = cJSON_PrintUnformatted(s);
                cJSON_Delete(s);
                fail_msg("%s: allocation %zu%s failed, yet a scenario: %s", name, at,
                         sticky ? " on" : "", text != NULL ? text : "?");
            }
            assert_string_equal(err, want_err);
        }
        assert_true(at > 20); /* the build did allocate through cJSON */
    }
    cJSON_Delete(want);
}

static void builder_out_of_memory_is_an_error(void **state)
{
    (void)state;
    sc_record_case c;
    /* headers, three responses, trailers with a repeated key, a status message */
    subscribe_case(&c);
    check_out_of_memory(&c, "recorded/subscribe/1", NULL);
    /* cancelled after two responses; then deadline exceeded */
    c.end = SC_RECORD_END_CANCELLED;
    c.delivered = 2;
    c.end_ms = 60;
    check_out_of_memory(&c, "recorded/subscribe/2", NULL);
    c.end = SC_RECORD_END_DEADLINE;
    check_out_of_memory(&c, "recorded/subscribe/3", NULL);
    sc_record_case_free(&c);

    /* cancelled before any response, no deadline: cancel by time */
    case_init(&c, SC_METHOD_CHAT, -1);
    add_json(&c, true, "{\"userId\":\"a\"}", 0);
    c.end = SC_RECORD_END_CANCELLED;
    c.end_ms = 150;
    check_out_of_memory(&c, "recorded/chat/1", NULL);
    sc_record_case_free(&c);

    /* trailers-only; raw requests and responses (undecodable bytes, a string that is not UTF-8);
     * a key repeated three times; redacted and -bin metadata */
    case_init(&c, SC_METHOD_SUBSCRIBE, 1000);
    const unsigned char junk[] = {0x0a, 0x64, 'x'};
    assert_int_equal(sc_record_case_add(&c, true, junk, sizeof junk, 0), 0);
    add_json(&c, true, "{\"subscriptionId\":\"zz\"}", 0);
    unsigned char *z = memchr(c.requests[1].data, 'z', c.requests[1].len);
    assert_non_null(z);
    *z = 0xff;
    md_add(&c.client_md, "x-r", "1");
    md_add(&c.client_md, "x-r", "2");
    md_add(&c.client_md, "x-r", "3");
    md_add(&c.client_md, "authorization", "Bearer s3cr3t");
    md_add(&c.client_md, "x-token-bin", "s3cr3t-bin");
    md_add(&c.client_md, "x-bad", "caf\xc3\xa9");
    md_add(&c.trailers, "x-t", "t");
    c.status_code = 3;
    c.status_ms = 4;
    const char *redact[] = {"authorization", "x-token-bin"};
    sc_record_opts o = {.redact = redact, .n_redact = 2};
    check_out_of_memory(&c, "recorded/subscribe/4", &o);
    c.has_headers = true;
    c.headers_ms = 1;
    assert_int_equal(sc_record_case_add(&c, false, junk, sizeof junk, 2), 0);
    check_out_of_memory(&c, "recorded/subscribe/5", &o);
    cJSON *s = scenario_of(&c, "recorded/subscribe/5", &o);
    assert_string_equal(jstr(s, "client/requests/0/$raw"), "CmR4");
    assert_non_null(jat(s, "client/requests/1/$raw"));
    assert_int_equal(cJSON_GetArraySize(jat(s, "client/metadata/x-r")), 3);
    assert_string_equal(jstr(s, "server/script/responses/0/raw"), "CmR4");
    assert_non_null(strstr(jstr(s, "summary"), "; 1 metadata entries not recordable"));
    cJSON_Delete(s);
    sc_record_case_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(limits_agree_with_the_script_format),
        cmocka_unit_test(scenario_of_a_finished_stream),
        cmocka_unit_test(scenario_of_a_trailers_only_answer),
        cmocka_unit_test(timing_is_relative_and_clamped),
        cmocka_unit_test(scenario_of_a_cancelled_call),
        cmocka_unit_test(scenario_of_a_deadline_exceeded_call),
        cmocka_unit_test(redacted_keys_keep_no_secret),
        cmocka_unit_test(metadata_the_format_cannot_hold_is_counted),
        cmocka_unit_test(messages_past_the_cap_are_dropped_and_said),
        cmocka_unit_test(unknown_path_is_recorded_raw),
        cmocka_unit_test(what_the_format_cannot_hold_is_not_recordable),
        cmocka_unit_test(builder_out_of_memory_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
