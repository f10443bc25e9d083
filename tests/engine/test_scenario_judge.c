/* The judge: every expectation kind passing and failing, on result lines shaped like the C
 * driver's and event lines shaped like the C server's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_scenario.h"

#define CASE "t/x@c->c"

static const char *const SUBSCRIBE_OK =
    "{\"case\":\"" CASE "\",\"status\":{\"code\":\"OK\",\"message\":\"\"},"
    "\"headers\":{\"x-grpc-test-echo-initial\":\"hi\"},"
    "\"trailers\":{\"x-grpc-test-echo-trailing-bin\":\"AAEC\"},"
    "\"responses\":[{\"dataPoints\":[{\"id\":\"s-0-0\",\"value\":50.47,\"timestamp\":"
    "\"1795460910114200408\",\"metadata\":{\"topic\":\"a\"}},{\"id\":\"s-0-1\",\"value\":64.2,"
    "\"timestamp\":\"1795460910114200408\",\"metadata\":{\"topic\":\"b\"}}]},"
    "{\"dataPoints\":[{\"id\":\"s-1-0\",\"value\":16.3,\"timestamp\":\"1795460910125747510\","
    "\"metadata\":{\"topic\":\"a\"}},{\"id\":\"s-1-1\",\"value\":2.5,\"timestamp\":"
    "\"1795460910125747510\",\"metadata\":{\"topic\":\"b\"}}],\"sequenceNumber\":\"1\"},"
    "{\"dataPoints\":[{\"id\":\"s-2-0\"},{\"id\":\"s-2-1\"}],\"sequenceNumber\":\"2\"}],"
    "\"attempts\":[{\"start_ms\":2,\"end_ms\":40,\"code\":\"OK\"}],"
    "\"timings\":{\"headers_ms\":5,\"first_response_ms\":16,\"responses_ms\":[16,28,40],"
    "\"close_send_ms\":5,\"status_ms\":40}}";

static const char *const EVENTS_OK =
    "[{\"t_ms\":1025,\"event\":\"call_start\",\"call\":1,\"case\":\"" CASE "\","
    "\"method\":\"SubscribeData\",\"peer\":\"ipv4:127.0.0.1:47096\",\"metadata\":{\"user-agent\":"
    "\"grpc-c/29.0.0\",\"x-sc-case\":\"" CASE "\",\"x-many-1\":\"v1\",\"x-blob-bin\":\"AP8=\"},"
    "\"deadline_ms\":4998},"
    "{\"t_ms\":1026,\"event\":\"message_received\",\"call\":1,\"case\":\"" CASE "\","
    "\"method\":\"SubscribeData\",\"count\":1},"
    "{\"t_ms\":1026,\"event\":\"half_close\",\"call\":1,\"case\":\"" CASE "\","
    "\"method\":\"SubscribeData\"},"
    "{\"t_ms\":1037,\"event\":\"message_sent\",\"call\":1,\"case\":\"" CASE "\","
    "\"method\":\"SubscribeData\",\"count\":1},"
    "{\"t_ms\":1049,\"event\":\"message_sent\",\"call\":1,\"case\":\"" CASE "\","
    "\"method\":\"SubscribeData\",\"count\":2},"
    "{\"t_ms\":1060,\"event\":\"message_sent\",\"call\":1,\"case\":\"" CASE "\","
    "\"method\":\"SubscribeData\",\"count\":3},"
    "{\"t_ms\":1060,\"event\":\"status_sent\",\"call\":1,\"case\":\"" CASE "\","
    "\"method\":\"SubscribeData\",\"code\":\"OK\",\"message\":\"\"},"
    "{\"t_ms\":1060,\"event\":\"call_end\",\"call\":1,\"case\":\"" CASE "\","
    "\"method\":\"SubscribeData\"}]";

static const char *const CANCELLED_EVENTS =
    "[{\"t_ms\":5,\"event\":\"call_start\",\"call\":7,\"case\":\"" CASE "\",\"method\":\"GetData\","
    "\"peer\":\"ipv4:127.0.0.1:1\",\"metadata\":{},\"deadline_ms\":null},"
    "{\"t_ms\":60,\"event\":\"cancelled\",\"call\":7,\"case\":\"" CASE "\",\"method\":\"GetData\"},"
    "{\"t_ms\":60,\"event\":\"call_end\",\"call\":7,\"case\":\"" CASE "\",\"method\":\"GetData\"}]";

/* Reconnect result: 4 attempts, UNAVAILABLE, gaps 52, 95, 160 ms (policy 50 x2, max 150). */
static const char *const RECONNECT =
    "{\"case\":\"" CASE "\",\"status\":{\"code\":\"UNAVAILABLE\",\"message\":\"try again\"},"
    "\"headers\":{},\"trailers\":{},\"responses\":[],"
    "\"attempts\":[{\"start_ms\":0,\"end_ms\":3,\"code\":\"UNAVAILABLE\"},"
    "{\"start_ms\":55,\"end_ms\":58,\"code\":\"UNAVAILABLE\"},"
    "{\"start_ms\":153,\"end_ms\":156,\"code\":\"UNAVAILABLE\"},"
    "{\"start_ms\":316,\"end_ms\":318,\"code\":\"UNAVAILABLE\"}],"
    "\"timings\":{\"headers_ms\":null,\"first_response_ms\":null,\"responses_ms\":[],"
    "\"close_send_ms\":1,\"status_ms\":318}}";

/* Three calls of one case (the library retried twice): starts at 100, 260 and 590 ms. */
static const char *const RETRIED_EVENTS =
    "[{\"t_ms\":100,\"event\":\"call_start\",\"call\":3,\"case\":\"" CASE "\","
    "\"method\":\"GetData\",\"metadata\":{}},"
    "{\"t_ms\":101,\"event\":\"status_sent\",\"call\":3,\"case\":\"" CASE "\","
    "\"method\":\"GetData\",\"code\":\"UNAVAILABLE\",\"message\":\"x\"},"
    "{\"t_ms\":260,\"event\":\"call_start\",\"call\":4,\"case\":\"" CASE "\","
    "\"method\":\"GetData\",\"metadata\":{}},"
    "{\"t_ms\":261,\"event\":\"status_sent\",\"call\":4,\"case\":\"" CASE "\","
    "\"method\":\"GetData\",\"code\":\"UNAVAILABLE\",\"message\":\"x\"},"
    "{\"t_ms\":590,\"event\":\"call_start\",\"call\":5,\"case\":\"" CASE "\","
    "\"method\":\"GetData\",\"metadata\":{}},"
    "{\"t_ms\":591,\"event\":\"status_sent\",\"call\":5,\"case\":\"" CASE "\","
    "\"method\":\"GetData\",\"code\":\"OK\",\"message\":\"\"}]";

typedef struct {
    sc_scenario_set set;
    sc_judgement j;
} fixture;

/* Judge `result` (text) and `events` (text, may be NULL) against a scenario built from
 * `method` and the members of its expect section. */
static void judge(fixture *f, const char *method, const char *client, const char *expect,
                  const char *result, const char *events)
{
    char text[8192], err[512];
    snprintf(text, sizeof text,
             "{\"name\": \"t/x\", \"method\": \"%s\", \"client\": {%s}, \"expect\": {%s}}", method,
             client, expect);
    sc_scenario_set_free(&f->set);
    sc_judgement_free(&f->j);
    if (sc_scenario_set_load_text(&f->set, "t.json", text, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    cJSON *r = cJSON_Parse(result);
    cJSON *e = events != NULL ? cJSON_Parse(events) : cJSON_CreateArray();
    assert_non_null(r);
    assert_non_null(e);
    assert_int_equal(sc_scenario_judge(f->set.items[0], r, e, &f->j), 0);
    cJSON_Delete(r);
    cJSON_Delete(e);
}

static void passes(fixture *f, const char *method, const char *client, const char *expect,
                   const char *result, const char *events)
{
    judge(f, method, client, expect, result, events);
    if (!f->j.passed)
        fail_msg("expected a pass for {%s}; first failure %s: expected %s, actual %s", expect,
                 f->j.failures[0].path, f->j.failures[0].expected, f->j.failures[0].actual);
}

/* Exactly one failure with this path, expected and actual text. */
static void fails(fixture *f, const char *method, const char *client, const char *expect,
                  const char *result, const char *events, const char *path, const char *exp,
                  const char *act)
{
    judge(f, method, client, expect, result, events);
    assert_false(f->j.passed);
    if (f->j.n_failures != 1 || strcmp(f->j.failures[0].path, path) != 0 ||
        strcmp(f->j.failures[0].expected, exp) != 0 || strcmp(f->j.failures[0].actual, act) != 0)
        fail_msg("for {%s}: %zu failures, first %s: expected %s, actual %s", expect,
                 f->j.n_failures, f->j.failures[0].path, f->j.failures[0].expected,
                 f->j.failures[0].actual);
}

static int setup(void **state)
{
    *state = calloc(1, sizeof(fixture));
    return *state == NULL;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sc_scenario_set_free(&f->set);
    sc_judgement_free(&f->j);
    free(f);
    return 0;
}

static void status_and_allowed_codes(void **state)
{
    fixture *f = *state;
    const char *sub = "SubscribeData";
    passes(f, sub, "", "\"status\": \"OK\"", SUBSCRIBE_OK, NULL);
    fails(f, sub, "", "\"status\": \"CANCELLED\"", SUBSCRIBE_OK, NULL, "expect.status", "CANCELLED",
          "OK \"\"");
    passes(f, sub, "", "\"status\": \"CANCELLED\", \"other_allowed_codes\": [\"OK\"]", SUBSCRIBE_OK,
           NULL);
    fails(f, sub, "", "\"status\": \"CANCELLED\", \"other_allowed_codes\": [\"ABORTED\"]",
          SUBSCRIBE_OK, NULL, "expect.status", "CANCELLED or ABORTED", "OK \"\"");
}

/* A client result that ended CANCELLED after `ms`, and server events that end the call with
 * `how` (deadline_exceeded or cancelled). */
static void deadline_texts(char *result, size_t rlen, int ms, char *events, size_t elen,
                           const char *how)
{
    snprintf(result, rlen,
             "{\"case\":\"" CASE "\",\"status\":{\"code\":\"CANCELLED\",\"message\":\"Stream "
             "removed\"},\"headers\":{},\"trailers\":{},\"responses\":[],\"attempts\":[],"
             "\"timings\":{\"status_ms\":%d}}",
             ms);
    snprintf(events, elen,
             "[{\"t_ms\":5,\"event\":\"call_start\",\"call\":1,\"case\":\"" CASE "\","
             "\"method\":\"GetData\",\"metadata\":{},\"deadline_ms\":300},"
             "{\"t_ms\":305,\"event\":\"%s\",\"call\":1,\"case\":\"" CASE "\"},"
             "{\"t_ms\":305,\"event\":\"call_end\",\"call\":1,\"case\":\"" CASE "\"}]",
             how);
}

/* The server's reset at its copy of the deadline may beat the client's timer: CANCELLED at the
 * deadline, with the server's deadline_exceeded, is the deadline; earlier, or with the server
 * seeing a cancel, it is not. */
static void server_deadline_reset_counts_as_the_deadline(void **state)
{
    fixture *f = *state;
    const char *g = "GetData", *cl = "\"requests\": [{\"topics\": [\"a\"]}], \"timeout_ms\": 300";
    const char *ex = "\"status\": \"DEADLINE_EXCEEDED\"";
    char result[512], events[1024];
    deadline_texts(result, sizeof result, 300, events, sizeof events, "deadline_exceeded");
    passes(f, g, cl, ex, result, events);
    deadline_texts(result, sizeof result, 252, events, sizeof events, "deadline_exceeded");
    passes(f, g, cl, ex, result, events); /* within the slack */
    deadline_texts(result, sizeof result, 200, events, sizeof events, "deadline_exceeded");
    fails(f, g, cl, ex, result, events, "expect.status", "DEADLINE_EXCEEDED",
          "CANCELLED \"Stream removed\"");
    deadline_texts(result, sizeof result, 300, events, sizeof events, "cancelled");
    fails(f, g, cl, ex, result, events, "expect.status", "DEADLINE_EXCEEDED",
          "CANCELLED \"Stream removed\"");
    fails(f, g, cl, ex, result, NULL, "expect.status", "DEADLINE_EXCEEDED",
          "CANCELLED \"Stream removed\""); /* no server log: nothing says the server reset it */
    deadline_texts(result, sizeof result, 300, events, sizeof events, "deadline_exceeded");
    fails(f, g, cl, "\"status\": \"OK\"", result, events, "expect.status", "OK",
          "CANCELLED \"Stream removed\"");
}

static void messages(void **state)
{
    fixture *f = *state;
    const char *g = "GetData";
    passes(f, g, "", "\"status\": \"UNAVAILABLE\", \"message\": \"try again\"", RECONNECT, NULL);
    fails(f, g, "", "\"status\": \"UNAVAILABLE\", \"message\": \"try again!\"", RECONNECT, NULL,
          "expect.message", "try again!", "try again");
    passes(f, g, "", "\"status\": \"UNAVAILABLE\", \"message_contains\": \"y ag\"", RECONNECT,
           NULL);
    fails(f, g, "", "\"status\": \"UNAVAILABLE\", \"message_contains\": \"nope\"", RECONNECT, NULL,
          "expect.message_contains", "contains \"nope\"", "try again");
    const char *uni = "{\"case\":\"" CASE "\",\"status\":{\"code\":\"ABORTED\",\"message\":"
                      "\" a\\t\\u00e9 \\ud83d\\ude00 \"},\"responses\":[]}";
    passes(f, g, "", "\"status\": \"ABORTED\", \"message\": \" a\\t\\u00e9 \\ud83d\\ude00 \"", uni,
           NULL);
    fails(f, g, "", "\"status\": \"ABORTED\", \"message\": \" a\\t\\u00e9 \\ud83d\\ude01 \"", uni,
          NULL, "expect.message", " a\t\xc3\xa9 \xf0\x9f\x98\x81 ",
          " a\t\xc3\xa9 \xf0\x9f\x98\x80 ");
}

static void response_counts(void **state)
{
    fixture *f = *state;
    const char *sub = "SubscribeData";
    passes(f, sub, "", "\"status\": \"OK\", \"responses\": 3", SUBSCRIBE_OK, NULL);
    passes(f, sub, "", "\"status\": \"OK\", \"responses\": {\"count\": 3}", SUBSCRIBE_OK, NULL);
    passes(f, sub, "", "\"status\": \"OK\", \"responses\": {\"min\": 2, \"max\": 3}", SUBSCRIBE_OK,
           NULL);
    fails(f, sub, "", "\"status\": \"OK\", \"responses\": 2", SUBSCRIBE_OK, NULL,
          "expect.responses", "2", "3");
    fails(f, sub, "", "\"status\": \"OK\", \"responses\": {\"min\": 4}", SUBSCRIBE_OK, NULL,
          "expect.responses", ">= 4", "3");
    fails(f, sub, "", "\"status\": \"OK\", \"responses\": {\"max\": 1}", SUBSCRIBE_OK, NULL,
          "expect.responses", "<= 1", "3");
    fails(f, sub, "", "\"status\": \"OK\", \"responses\": {\"min\": 4, \"max\": 9}", SUBSCRIBE_OK,
          NULL, "expect.responses", "4..9", "3");
}

static void response_contents(void **state)
{
    fixture *f = *state;
    const char *sub = "SubscribeData";
    /* positional, nested subset, int64 as string or number, default (absent) sequenceNumber 0 */
    passes(f, sub, "",
           "\"status\": \"OK\", \"response_contents\": [{\"sequenceNumber\": 0, \"dataPoints\": "
           "[{\"id\": \"s-0-0\", \"metadata\": {\"topic\": \"a\"}}, {\"metadata\": {}}]}, null, "
           "{\"sequenceNumber\": 2}]",
           SUBSCRIBE_OK, NULL);
    passes(f, sub, "",
           "\"status\": \"OK\", \"response_contents\": [{\"index\": -1, \"match\": "
           "{\"sequenceNumber\": \"2\"}}, {\"index\": 1, \"match\": {\"dataPoints\": [{\"value\": "
           "16.3}, {}]}}]",
           SUBSCRIBE_OK, NULL);
    fails(f, sub, "",
          "\"status\": \"OK\", \"response_contents\": [{\"dataPoints\": [{}, {\"metadata\": "
          "{\"topic\": \"c\"}}]}]",
          SUBSCRIBE_OK, NULL, "expect.response_contents[0].dataPoints[1].metadata.topic", "\"c\"",
          "\"b\"");
    fails(f, sub, "", "\"status\": \"OK\", \"response_contents\": [{\"dataPoints\": [{}]}]",
          SUBSCRIBE_OK, NULL, "expect.response_contents[0].dataPoints", "[{}]",
          "[{\"id\":\"s-0-0\",\"value\":50.47,\"timestamp\":\"1795460910114200408\",\"metadata\":"
          "{\"topic\":\"a\"}},{\"id\":\"s-0-1\",\"value\":64.2,\"timestamp\":"
          "\"1795460910114200408\",\"metadata\":{\"topic\":\"b\"}}]");
    fails(f, sub, "", "\"status\": \"OK\", \"response_contents\": [{\"sequenceNumber\": \"5\"}]",
          SUBSCRIBE_OK, NULL, "expect.response_contents[0].sequenceNumber", "\"5\"", "(absent)");
    fails(f, sub, "", "\"status\": \"OK\", \"response_contents\": [{\"index\": 3, \"match\": {}}]",
          SUBSCRIBE_OK, NULL, "expect.response_contents[0]", "a response at index 3",
          "3 responses");
}

static void response_filter_and_per_case(void **state)
{
    fixture *f = *state;
    const char *chat = "{\"case\":\"" CASE "\",\"status\":{\"code\":\"OK\",\"message\":\"\"},"
                       "\"responses\":[{\"userId\":\"u:" CASE "\"},"
                       "{\"userId\":\"system\",\"content\":\"v joined the chat\"},"
                       "{\"userId\":\"u:" CASE "\",\"content\":\"hi\"}]}";
    const char *client = "\"requests\": [{\"userId\": {\"$per_case\": \"u\"}}]";
    passes(f, "Chat", client,
           "\"status\": \"OK\", \"responses\": 2, \"response_filter\": {\"userId\": "
           "{\"$per_case\": \"u\"}}, \"response_contents\": [{}, {\"userId\": {\"$per_case\": "
           "\"u\"}, \"content\": \"hi\"}]",
           chat, NULL);
    fails(f, "Chat", client, "\"status\": \"OK\", \"responses\": 2", chat, NULL, "expect.responses",
          "2", "3");
    fails(f, "Chat", client,
          "\"status\": \"OK\", \"response_contents\": [{\"userId\": {\"$per_case\": \"w\"}}]", chat,
          NULL, "expect.response_contents[0].userId", "\"w:" CASE "\"", "\"u:" CASE "\"");
}

static void headers_and_trailers(void **state)
{
    fixture *f = *state;
    const char *sub = "SubscribeData";
    passes(f, sub, "",
           "\"status\": \"OK\", \"headers\": {\"x-grpc-test-echo-initial\": \"hi\", \"x-no\": "
           "{\"present\": false}}, \"trailers\": {\"x-grpc-test-echo-trailing-bin\": {\"present\": "
           "true}}",
           SUBSCRIBE_OK, NULL);
    fails(f, sub, "", "\"status\": \"OK\", \"headers\": {\"x-grpc-test-echo-initial\": \"ho\"}",
          SUBSCRIBE_OK, NULL, "expect.headers.x-grpc-test-echo-initial", "ho", "hi");
    fails(f, sub, "", "\"status\": \"OK\", \"headers\": {\"x-missing\": \"v\"}", SUBSCRIBE_OK, NULL,
          "expect.headers.x-missing", "v", "(absent)");
    fails(f, sub, "",
          "\"status\": \"OK\", \"trailers\": {\"x-grpc-test-echo-trailing-bin\": {\"present\": "
          "false}}",
          SUBSCRIBE_OK, NULL, "expect.trailers.x-grpc-test-echo-trailing-bin", "absent", "AAEC");
    fails(f, sub, "", "\"status\": \"OK\", \"trailers\": {\"x-t\": {\"present\": true}}",
          SUBSCRIBE_OK, NULL, "expect.trailers.x-t", "present", "(absent)");
}

static void timing(void **state)
{
    fixture *f = *state;
    const char *sub = "SubscribeData";
    passes(f, sub, "",
           "\"status\": \"OK\", \"timing\": {\"elapsed_ms\": {\"min\": 40, \"max\": 40}, "
           "\"first_response_ms\": {\"max\": 16}}",
           SUBSCRIBE_OK, NULL);
    fails(f, sub, "", "\"status\": \"OK\", \"timing\": {\"elapsed_ms\": {\"max\": 39}}",
          SUBSCRIBE_OK, NULL, "expect.timing.elapsed_ms", "<= 39 ms", "40 ms");
    fails(f, sub, "", "\"status\": \"OK\", \"timing\": {\"first_response_ms\": {\"min\": 17}}",
          SUBSCRIBE_OK, NULL, "expect.timing.first_response_ms", ">= 17 ms", "16 ms");
    fails(f, "GetData", "",
          "\"status\": \"UNAVAILABLE\", \"timing\": {\"first_response_ms\": {\"min\": 1, "
          "\"max\": 10}}",
          RECONNECT, NULL, "expect.timing.first_response_ms", "1..10 ms", "null (did not happen)");
}

/* A gzip upload of 3 messages, the second uncompressed; 2 responses, the first compressed. */
static const char *const Z_EVENTS =
    "[{\"t_ms\":1,\"event\":\"call_start\",\"call\":4,\"case\":\"" CASE "\","
    "\"method\":\"UploadFile\",\"encoding\":\"gzip\"},"
    "{\"t_ms\":2,\"event\":\"message_received\",\"call\":4,\"count\":1,\"compressed\":true},"
    "{\"t_ms\":2,\"event\":\"message_received\",\"call\":4,\"count\":2,\"compressed\":false},"
    "{\"t_ms\":2,\"event\":\"message_received\",\"call\":4,\"count\":3,\"compressed\":true},"
    "{\"t_ms\":3,\"event\":\"message_sent\",\"call\":4,\"count\":1,\"compressed\":true},"
    "{\"t_ms\":3,\"event\":\"message_sent\",\"call\":4,\"count\":2}]";

/* expect.server.request_encoding, received_compressed, sent_compressed (issue 14). */
static void server_compression(void **state)
{
    fixture *f = *state;
    const char *up = "UploadFile";
    passes(f, up, "",
           "\"status\": \"OK\", \"server\": {\"request_encoding\": \"gzip\", "
           "\"received_compressed\": [true, false, true], \"sent_compressed\": [true]}",
           SUBSCRIBE_OK, Z_EVENTS);
    fails(f, up, "", "\"status\": \"OK\", \"server\": {\"request_encoding\": \"deflate\"}",
          SUBSCRIBE_OK, Z_EVENTS, "expect.server.request_encoding", "deflate", "gzip");
    fails(f, up, "", "\"status\": \"OK\", \"server\": {\"received_compressed\": [true, true]}",
          SUBSCRIBE_OK, Z_EVENTS, "expect.server.received_compressed", "[true, true]",
          "[true, false]");
    /* a message the log does not say (or that never came) is "?" */
    fails(f, up, "", "\"status\": \"OK\", \"server\": {\"sent_compressed\": [true, false]}",
          SUBSCRIBE_OK, Z_EVENTS, "expect.server.sent_compressed", "[true, false]", "[true, ?]");
    fails(f, up, "",
          "\"status\": \"OK\", \"server\": {\"received_compressed\": [true, false, true, true]}",
          SUBSCRIBE_OK, Z_EVENTS, "expect.server.received_compressed", "[true, false, true, true]",
          "[true, false, true, ?]");
    fails(f, "SubscribeData", "",
          "\"status\": \"OK\", \"server\": {\"request_encoding\": \"identity\"}", SUBSCRIBE_OK,
          EVENTS_OK, "expect.server.request_encoding", "identity", "(none in call_start)");
    passes(f, up, "", "\"status\": \"OK\", \"server\": {\"received_compressed\": []}", SUBSCRIBE_OK,
           Z_EVENTS);
    /* the client's view: the result's response_encoding */
    const char *gz = "{\"case\":\"" CASE "\",\"status\":{\"code\":\"OK\",\"message\":\"\"},"
                     "\"responses\":[],\"response_encoding\":\"gzip\"}";
    passes(f, "GetData", "", "\"status\": \"OK\", \"response_encoding\": \"gzip\"", gz, NULL);
    fails(f, "GetData", "", "\"status\": \"OK\", \"response_encoding\": \"identity\"", gz, NULL,
          "expect.response_encoding", "identity", "gzip");
    fails(f, "GetData", "", "\"status\": \"OK\", \"response_encoding\": \"gzip\"", SUBSCRIBE_OK,
          NULL, "expect.response_encoding", "gzip", "(not in the result)");
}

static void server_observations(void **state)
{
    fixture *f = *state;
    const char *sub = "SubscribeData";
    passes(f, sub, "",
           "\"status\": \"OK\", \"server\": {\"cancelled\": false, \"deadline_exceeded\": false, "
           "\"deadline_ms\": {\"min\": 4000, \"max\": 5000}, \"messages_received\": 1, "
           "\"messages_sent\": {\"min\": 3}, \"status\": \"OK\", \"status_message\": \"\", "
           "\"metadata\": {\"x-many-1\": \"v1\", \"x-blob-bin\": \"AP8=\", \"x-no\": "
           "{\"present\": false}}, \"calls\": 1}",
           SUBSCRIBE_OK, EVENTS_OK);
    fails(f, sub, "", "\"status\": \"OK\", \"server\": {\"cancelled\": true}", SUBSCRIBE_OK,
          EVENTS_OK, "expect.server.cancelled", "true", "false");
    fails(f, sub, "", "\"status\": \"OK\", \"server\": {\"deadline_ms\": {\"max\": 1000}}",
          SUBSCRIBE_OK, EVENTS_OK, "expect.server.deadline_ms", "<= 1000 ms", "4998 ms");
    fails(f, sub, "", "\"status\": \"OK\", \"server\": {\"messages_received\": 2}", SUBSCRIBE_OK,
          EVENTS_OK, "expect.server.messages_received", "2", "1");
    fails(f, sub, "", "\"status\": \"OK\", \"server\": {\"messages_sent\": {\"max\": 2}}",
          SUBSCRIBE_OK, EVENTS_OK, "expect.server.messages_sent", "<= 2", "3");
    fails(f, sub, "", "\"status\": \"OK\", \"server\": {\"status\": \"ABORTED\"}", SUBSCRIBE_OK,
          EVENTS_OK, "expect.server.status", "ABORTED", "OK");
    fails(f, sub, "", "\"status\": \"OK\", \"server\": {\"metadata\": {\"x-many-1\": \"v2\"}}",
          SUBSCRIBE_OK, EVENTS_OK, "expect.server.metadata.x-many-1", "v2", "v1");
    fails(f, sub, "", "\"status\": \"OK\", \"server\": {\"calls\": 2}", SUBSCRIBE_OK, EVENTS_OK,
          "expect.server.calls", "2", "1");
    fails(f, sub, "", "\"status\": \"OK\", \"server\": {\"cancelled\": false}", SUBSCRIBE_OK, "[]",
          "expect.server", "server events of the case", "none (the call never reached the server)");
    passes(f, sub, "", "\"status\": \"OK\", \"server\": {\"calls\": 0}", SUBSCRIBE_OK, "[]");
    /* call_gaps_ms: every gap between call starts; none with fewer than two calls, and no
     * events needed for it alone */
    passes(f, sub, "", "\"status\": \"OK\", \"server\": {\"call_gaps_ms\": {\"min\": 9}}",
           SUBSCRIBE_OK, "[]");
    passes(f, sub, "", "\"status\": \"OK\", \"server\": {\"call_gaps_ms\": {\"min\": 9}}",
           SUBSCRIBE_OK, EVENTS_OK);
    passes(f, "GetData", "",
           "\"status\": \"OK\", \"server\": {\"calls\": 3, \"status\": \"OK\", "
           "\"call_gaps_ms\": {\"min\": 150, \"max\": 400}}",
           SUBSCRIBE_OK, RETRIED_EVENTS);
    fails(f, "GetData", "",
          "\"status\": \"OK\", \"server\": {\"calls\": 3, \"call_gaps_ms\": {\"min\": 200}}",
          SUBSCRIBE_OK, RETRIED_EVENTS, "expect.server.call_gaps_ms[0]", ">= 200 ms", "160 ms");
    fails(f, "GetData", "", "\"status\": \"OK\", \"server\": {\"call_gaps_ms\": {\"max\": 200}}",
          SUBSCRIBE_OK, RETRIED_EVENTS, "expect.server.call_gaps_ms[1]", "<= 200 ms", "330 ms");
    /* a cancelled unary call with no deadline */
    const char *cancelled = "{\"case\":\"" CASE "\",\"status\":{\"code\":\"CANCELLED\","
                            "\"message\":\"Cancelled\"},\"responses\":[]}";
    passes(f, "GetData", "",
           "\"status\": \"CANCELLED\", \"server\": {\"cancelled\": true, \"deadline_exceeded\": "
           "false, \"messages_sent\": 0}",
           cancelled, CANCELLED_EVENTS);
    fails(f, "GetData", "", "\"status\": \"CANCELLED\", \"server\": {\"deadline_exceeded\": true}",
          cancelled, CANCELLED_EVENTS, "expect.server.deadline_exceeded", "true",
          "false (cancelled instead)");
    fails(f, "GetData", "",
          "\"status\": \"CANCELLED\", \"server\": {\"deadline_ms\": {\"min\": 1}}", cancelled,
          CANCELLED_EVENTS, "expect.server.deadline_ms", "a deadline", "none");
    fails(f, "GetData", "", "\"status\": \"CANCELLED\", \"server\": {\"status\": \"OK\"}",
          cancelled, CANCELLED_EVENTS, "expect.server.status", "OK", "(no status_sent)");
}

static const char *const POLICY =
    "\"reconnect\": {\"backoff_initial_ms\": 50, \"backoff_multiplier\": 2, \"backoff_jitter\": "
    "0.2, \"backoff_max_ms\": 150, \"exhausted_backoff_ms\": 300, \"max_attempts\": 4}";

static void attempts_and_schedule(void **state)
{
    fixture *f = *state;
    const char *g = "GetData";
    passes(f, g, POLICY,
           "\"status\": \"UNAVAILABLE\", \"attempts\": {\"count\": 4, \"codes\": [\"UNAVAILABLE\", "
           "\"UNAVAILABLE\", \"UNAVAILABLE\", \"UNAVAILABLE\"], \"schedule\": {\"tolerance_ms\": "
           "20}}",
           RECONNECT, NULL);
    fails(f, g, POLICY, "\"status\": \"UNAVAILABLE\", \"attempts\": {\"count\": {\"max\": 3}}",
          RECONNECT, NULL, "expect.attempts.count", "<= 3", "4");
    fails(f, g, POLICY, "\"status\": \"UNAVAILABLE\", \"attempts\": {\"codes\": [\"UNAVAILABLE\"]}",
          RECONNECT, NULL, "expect.attempts.codes", "UNAVAILABLE",
          "UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, UNAVAILABLE");
    /* Without the cap (and jitter 0.1, tolerance 0) gap 3 should be 200 +-10%: 160 ms is out,
     * gaps 1 (52 in 44..56) and 2 (95 in 89..111) are in. */
    const char *uncapped =
        "\"reconnect\": {\"backoff_initial_ms\": 50, \"backoff_multiplier\": 2, "
        "\"backoff_jitter\": 0.1, \"backoff_max_ms\": 1000, \"max_attempts\": 4}";
    fails(f, g, uncapped,
          "\"status\": \"UNAVAILABLE\", \"attempts\": {\"schedule\": "
          "{\"tolerance_ms\": 0}}",
          RECONNECT, NULL, "expect.attempts.schedule[2]",
          "gap after attempt 3 (UNAVAILABLE) in 179..221 ms", "160 ms");
    const char *tight = "\"reconnect\": {\"backoff_initial_ms\": 50, \"backoff_multiplier\": 2, "
                        "\"backoff_jitter\": 0, \"backoff_max_ms\": 150, \"max_attempts\": 4}";
    judge(f, g, tight,
          "\"status\": \"UNAVAILABLE\", \"attempts\": {\"schedule\": "
          "{\"tolerance_ms\": 0}}",
          RECONNECT, NULL);
    assert_int_equal(f->j.n_failures, 3); /* 52 vs 49..51, 95 vs 99..101, 160 vs 149..151 */
    assert_string_equal(f->j.failures[0].path, "expect.attempts.schedule[0]");
    /* the report block */
    cJSON *r = cJSON_Parse(RECONNECT);
    cJSON *block = sc_scenario_reconnect_json(f->set.items[0], r);
    assert_non_null(block);
    cJSON *att = cJSON_GetObjectItem(block, "attempts");
    assert_int_equal(cJSON_GetArraySize(att), 4);
    cJSON *second = cJSON_GetArrayItem(att, 1);
    assert_int_equal(cJSON_GetObjectItem(second, "gap_ms")->valueint, 52);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(second, "ok")));
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(att, 0), "gap_ms"));
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(block, "policy"), "tolerance_ms")->valueint, 0);
    cJSON_Delete(block);
    cJSON_Delete(r);
}

static void driver_errors_and_odd_results(void **state)
{
    fixture *f = *state;
    fails(f, "GetData", "", "\"status\": \"OK\"",
          "{\"case\":\"" CASE "\",\"error\":\"requests[0].batchSize: expected an integer\"}", NULL,
          "driver", "a result", "requests[0].batchSize: expected an integer");
    fails(f, "GetData", "", "\"status\": \"OK\"", "[1,2]", NULL, "driver", "a result object",
          "no result");
    /* missing pieces never crash; each expectation reports what it did not find */
    judge(f, "GetData", POLICY,
          "\"status\": \"OK\", \"message\": \"\", \"responses\": 1, \"response_contents\": [{}], "
          "\"headers\": {\"a\": \"b\"}, \"timing\": {\"elapsed_ms\": {\"max\": 5}}, \"server\": "
          "{\"calls\": 1}, \"attempts\": {\"count\": 1, \"codes\": [\"OK\"], \"schedule\": true}",
          "{\"case\": 5, \"status\": 7, \"responses\": {}, \"attempts\": [{\"code\": 1}], "
          "\"timings\": []}",
          "[{\"event\": 3}, 4, {\"call\": \"x\"}]");
    assert_false(f->j.passed);
    assert_true(f->j.n_failures >= 6);
    /* long texts are bounded */
    char big[4096];
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = '\0';
    char result[5000];
    snprintf(result, sizeof result,
             "{\"case\":\"" CASE "\",\"status\":{\"code\":\"OK\",\"message\":\"%s\"}}", big);
    judge(f, "GetData", "", "\"status\": \"OK\", \"message\": \"m\"", result, NULL);
    assert_int_equal(f->j.n_failures, 1);
    assert_true(strlen(f->j.failures[0].actual) <= 243);
}

static void expected_json_has_defaults(void **state)
{
    fixture *f = *state;
    judge(f, "GetData", "", "\"status\": \"OK\"", SUBSCRIBE_OK, NULL);
    cJSON *e = sc_scenario_expected_json(f->set.items[0]);
    assert_string_equal(cJSON_GetObjectItem(e, "status")->valuestring, "OK");
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(e, "other_allowed_codes")));
    cJSON_Delete(e);
    assert_null(sc_scenario_reconnect_json(f->set.items[0], NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(status_and_allowed_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(server_deadline_reset_counts_as_the_deadline, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(messages, setup, teardown),
        cmocka_unit_test_setup_teardown(response_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(response_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(response_filter_and_per_case, setup, teardown),
        cmocka_unit_test_setup_teardown(headers_and_trailers, setup, teardown),
        cmocka_unit_test_setup_teardown(timing, setup, teardown),
        cmocka_unit_test_setup_teardown(server_compression, setup, teardown),
        cmocka_unit_test_setup_teardown(server_observations, setup, teardown),
        cmocka_unit_test_setup_teardown(attempts_and_schedule, setup, teardown),
        cmocka_unit_test_setup_teardown(driver_errors_and_odd_results, setup, teardown),
        cmocka_unit_test_setup_teardown(expected_json_has_defaults, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
