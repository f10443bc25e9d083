/* The scenario loader: errors name the origin and JSON path, limits hold, garbage never crashes,
 * and what loads turns into an instruction the C driver accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sc_client_instr.h"
#include "sc_scenario.h"
#include "sc_transport.h"

static const char *const GOOD =
    "{\"name\": \"a/b\", \"method\": \"GetData\", \"client\": {\"requests\": [{\"topics\": "
    "[\"x\"]}]}, \"expect\": {\"status\": \"OK\"}}";

/* Load `text` as origin "t.json"; returns the loader's rc and leaves the message in err. */
static int load(const char *text, char *err, size_t errlen)
{
    sc_scenario_set set = {0};
    err[0] = '\0';
    int rc = sc_scenario_set_load_text(&set, "t.json", text, err, errlen);
    sc_scenario_set_free(&set);
    return rc;
}

/* A scenario with the given sections (JSON object members, without braces). */
static void expect_error(const char *members, const char *want)
{
    char text[8192], err[1024];
    snprintf(text, sizeof text, "{\"name\": \"a/b\", \"method\": \"GetData\", %s}", members);
    assert_int_equal(load(text, err, sizeof err), -1);
    if (strcmp(err, want) != 0)
        fail_msg("error for %s\n  got:  %s\n  want: %s", members, err, want);
}

static void good_scenario_loads(void **state)
{
    (void)state;
    char err[512];
    sc_scenario_set set = {0};
    assert_int_equal(sc_scenario_set_load_text(&set, "t.json", GOOD, err, sizeof err), 0);
    assert_int_equal(set.count, 1);
    const sc_scenario *s = set.items[0];
    assert_string_equal(sc_scenario_name(s), "a/b");
    assert_string_equal(sc_scenario_method(s), "GetData");
    assert_string_equal(sc_scenario_origin(s), "t.json");
    assert_string_equal(sc_scenario_summary(s), "");
    assert_int_equal(sc_scenario_tag_count(s), 0);
    assert_null(sc_scenario_tag(s, 0));
    /* default timeout 60000, one attempt, plus the margin */
    assert_int_equal(sc_scenario_case_timeout_ms(s), 70000);
    sc_scenario_set_free(&set);
    assert_int_equal(set.count, 0);
}

static void misspelt_code_names_file_and_path(void **state)
{
    (void)state;
    expect_error("\"expect\": {\"status\": \"RESOURCE_EXAUSTED\"}",
                 "t.json: expect.status: unknown code \"RESOURCE_EXAUSTED\" (did you mean "
                 "\"RESOURCE_EXHAUSTED\"?)");
    expect_error("\"expect\": {\"status\": \"unavailable\"}",
                 "t.json: expect.status: write the code by its canonical name \"UNAVAILABLE\", "
                 "not \"unavailable\"");
    expect_error("\"expect\": {\"status\": \"14\"}",
                 "t.json: expect.status: write the code by its canonical name \"UNAVAILABLE\", "
                 "not \"14\"");
    expect_error("\"expect\": {\"status\": \"OK\", \"other_allowed_codes\": [\"OK\", \"NOPE\"]}",
                 "t.json: expect.other_allowed_codes[1]: unknown code \"NOPE\"");
    expect_error("\"server\": {\"fail\": {\"code\": \"BOGUS\"}}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: server.fail.code: unknown code \"BOGUS\"");
    expect_error("\"client\": {\"reconnect\": true}, \"expect\": {\"status\": \"OK\", "
                 "\"attempts\": {\"codes\": [\"UNAVAILABLE\", \"UNAVALABLE\"]}}",
                 "t.json: expect.attempts.codes[1]: unknown code \"UNAVALABLE\" (did you mean "
                 "\"UNAVAILABLE\"?)");
}

static void unknown_fields_are_errors(void **state)
{
    (void)state;
    expect_error("\"expct\": {}", "t.json: expct: unknown field (did you mean \"expect\"?)");
    expect_error("\"expect\": {\"status\": \"OK\", \"respones\": 1}",
                 "t.json: expect.respones: unknown field (did you mean \"responses\"?)");
    expect_error("\"client\": {\"timeout\": 5}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: client.timeout: unknown field");
    expect_error("\"server\": {\"delay_ms\": 5}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: server.delay_ms: unknown field");
    expect_error("\"expect\": {\"status\": \"OK\", \"server\": {\"canceled\": true}}",
                 "t.json: expect.server.canceled: unknown field (did you mean \"cancelled\"?)");
    expect_error("\"expect\": {\"status\": \"OK\", \"timing\": {\"elapsed_ms\": {\"mn\": 1}}}",
                 "t.json: expect.timing.elapsed_ms.mn: unknown field (did you mean \"min\"?)");
    expect_error("\"client\": {\"cancel\": {\"soon\": 1}}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: client.cancel.soon: unknown cancel position");
    expect_error("\"expect\": {\"status\": \"OK\", \"status\": \"OK\"}",
                 "t.json: expect.status: given twice");
}

static void client_section_uses_driver_rules(void **state)
{
    (void)state;
    expect_error("\"client\": {\"requests\": [{\"batchSize\": true}]}, \"expect\": {\"status\": "
                 "\"OK\"}",
                 "t.json: client.requests[0].batchSize: expected an integer (number or string), "
                 "got true");
    expect_error("\"client\": {\"requests\": [{\"topic\": [\"a\"]}]}, \"expect\": {\"status\": "
                 "\"OK\"}",
                 "t.json: client.requests[0].topic: no such field in streaming.StreamRequest");
    expect_error("\"client\": {\"timeout_ms\": 0}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: client.timeout_ms: must be in 1..3600000");
    expect_error("\"client\": {\"metadata\": {\"Bad-Key\": \"v\"}}, \"expect\": {\"status\": "
                 "\"OK\"}",
                 "t.json: client.metadata.Bad-Key: key must be lower-case [0-9a-z_.-] and not "
                 "start with grpc-");
    expect_error("\"client\": {\"metadata\": {\"x-sc-case\": \"v\"}}, \"expect\": {\"status\": "
                 "\"OK\"}",
                 "t.json: client.metadata.x-sc-case: the engine sets x-sc-case to the case id");
    expect_error("\"client\": {\"metadata\": {\"x-sc-echo\": \"1\"}}, \"server\": {\"echo\": "
                 "true}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: client.metadata.x-sc-echo: also set by the server section");
    expect_error("\"client\": {\"reconnect\": {\"backoff_jitter\": 2}}, \"expect\": {\"status\": "
                 "\"OK\"}",
                 "t.json: client.reconnect.backoff_jitter: must be in 0..0.999");
}

static void expect_section_rules(void **state)
{
    (void)state;
    expect_error("\"client\": {}", "t.json: expect: missing (at least expect.status)");
    expect_error("\"expect\": {}", "t.json: expect.status: missing");
    expect_error("\"expect\": {\"status\": \"OK\", \"message\": \"a\", \"message_contains\": "
                 "\"b\"}",
                 "t.json: expect.message_contains: give either message or message_contains");
    expect_error("\"expect\": {\"status\": \"OK\", \"responses\": {\"min\": 3, \"max\": 2}}",
                 "t.json: expect.responses: min 3 is above max 2");
    expect_error("\"expect\": {\"status\": \"OK\", \"responses\": {\"count\": 1, \"max\": 2}}",
                 "t.json: expect.responses: give either count or min/max");
    expect_error("\"expect\": {\"status\": \"OK\", \"responses\": -1}",
                 "t.json: expect.responses: must be in 0..1000000000");
    expect_error("\"expect\": {\"status\": \"OK\", \"response_contents\": [{\"sequenceNumbr\": "
                 "1}]}",
                 "t.json: expect.response_contents[0].sequenceNumbr: no such field in "
                 "streaming.StreamResponse");
    expect_error("\"expect\": {\"status\": \"OK\", \"response_contents\": [{\"index\": 1}]}",
                 "t.json: expect.response_contents[0].match: missing");
    expect_error("\"expect\": {\"status\": \"OK\", \"headers\": {\"X-A\": \"1\"}}",
                 "t.json: expect.headers.X-A: metadata keys are lower-case on the wire");
    expect_error("\"expect\": {\"status\": \"OK\", \"trailers\": {\"x\": {\"present\": 1}}}",
                 "t.json: expect.trailers.x.present: expected true or false");
    expect_error("\"expect\": {\"status\": \"OK\", \"attempts\": {\"schedule\": true}}",
                 "t.json: expect.attempts.schedule: needs client.reconnect (the policy to check)");
    expect_error("\"expect\": {\"status\": \"OK\", \"server\": {\"deadline_ms\": 5}}",
                 "t.json: expect.server.deadline_ms: expected {\"min\": N, \"max\": M}");
    expect_error("\"expect\": {\"status\": \"OK\", \"server\": {\"call_gaps_ms\": 5}}",
                 "t.json: expect.server.call_gaps_ms: expected {\"min\": N, \"max\": M}");
    expect_error("\"client\": {\"channel\": {\"service_config\": [1]}}, \"expect\": "
                 "{\"status\": \"OK\"}",
                 "t.json: client.channel.service_config: expected an object");
}

static void names_tags_and_methods(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(
        load("{\"method\": \"GetData\", \"expect\": {\"status\": \"OK\"}}", err, sizeof err), -1);
    assert_string_equal(err, "t.json: name: missing");
    const char *bad_names[] = {"A/b", "a//b", "/a", "a/", "a b", "a/\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"name\": \"%s\", \"method\": \"GetData\", \"expect\": {\"status\": \"OK\"}}",
                 bad_names[i]);
        assert_int_equal(load(text, err, sizeof err), -1);
        assert_non_null(strstr(err, "t.json: name: "));
    }
    expect_error("\"tags\": [\"a,b\"], \"expect\": {\"status\": \"OK\"}",
                 "t.json: tags[0]: a tag cannot contain ',', ' ' or '@'");
    assert_int_equal(load("{\"name\": \"a\", \"method\": \"Ping\", \"expect\": {\"status\": "
                          "\"OK\"}}",
                          err, sizeof err),
                     -1);
    assert_string_equal(err, "t.json: method: expected GetData, SubscribeData, UploadFile or "
                             "Chat (or the path)");
}

static void scenarios_array_paths(void **state)
{
    (void)state;
    char err[512];
    char text[1024];
    snprintf(text, sizeof text,
             "{\"scenarios\": [%s, {\"name\": \"c\", \"method\": \"GetData\", "
             "\"expect\": {\"status\": \"NOPE\"}}]}",
             GOOD);
    assert_int_equal(load(text, err, sizeof err), -1);
    assert_string_equal(err, "t.json: scenarios[1].expect.status: unknown code \"NOPE\"");
    snprintf(text, sizeof text, "{\"scenarios\": [%s, %s]}", GOOD, GOOD);
    assert_int_equal(load(text, err, sizeof err), -1);
    assert_string_equal(err, "t.json: duplicate scenario name \"a/b\" (also in t.json)");
    assert_int_equal(load("{\"scenarios\": [1]}", err, sizeof err), -1);
    assert_string_equal(err, "t.json: scenarios[0]: expected a scenario object");
    assert_int_equal(load("{\"scenarios\": [], \"x\": 1}", err, sizeof err), -1);
    assert_string_equal(err, "t.json: x: unknown field");
    assert_int_equal(load("{\"scenarios\": []}", err, sizeof err), 0);
}

static void duplicate_across_loads_keeps_the_set(void **state)
{
    (void)state;
    char err[512];
    sc_scenario_set set = {0};
    assert_int_equal(sc_scenario_set_load_text(&set, "a.json", GOOD, err, sizeof err), 0);
    assert_int_equal(sc_scenario_set_load_text(&set, "b.json", GOOD, err, sizeof err), -1);
    assert_string_equal(err, "b.json: duplicate scenario name \"a/b\" (also in a.json)");
    assert_int_equal(set.count, 1);
    sc_scenario_set_free(&set);
}

static void garbage_truncations_and_nesting_never_crash(void **state)
{
    (void)state;
    char err[512];
    const char *garbage[] = {"",           " ",
                             "null",       "[]",
                             "1",          "\"x\"",
                             "{",          "}",
                             "{\"name\":", "{\"scenarios\": {}}",
                             "\xff\xfe",   "{\"name\": \"a\"} trailing"};
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        assert_int_equal(load(garbage[i], err, sizeof err), -1);
        assert_true(strncmp(err, "t.json: ", 8) == 0);
    }
    /* Every truncation of a rich scenario fails cleanly (or, for the whole text, loads). */
    const char *rich =
        "{\"name\": \"r/x\", \"tags\": [\"t\"], \"method\": \"Chat\", \"client\": {\"requests\": "
        "[{\"userId\": {\"$per_case\": \"u\"}}, {\"content\": {\"$repeat\": \"ab\", \"count\": "
        "3}}], \"reconnect\": {\"max_attempts\": 2}}, \"server\": {\"echo\": true, \"fail\": "
        "{\"code\": \"ABORTED\", \"message\": \"m\", \"after\": 1}}, \"expect\": {\"status\": "
        "\"ABORTED\", \"responses\": {\"min\": 1}, \"response_contents\": [{\"content\": "
        "\"ababab\"}], \"attempts\": {\"count\": 1, \"schedule\": {\"tolerance_ms\": 5}}, "
        "\"server\": {\"messages_received\": {\"max\": 3}}}}";
    size_t n = strlen(rich);
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    for (size_t len = 0; len < n; len++) {
        memcpy(buf, rich, len);
        buf[len] = '\0';
        assert_int_equal(load(buf, err, sizeof err), -1);
    }
    free(buf);
    assert_int_equal(load(rich, err, sizeof err), 0);
    /* Deep nesting: beyond our limit inside a request, and beyond cJSON's own limit. */
    for (int depth = 40; depth <= 2000; depth += 1960) {
        size_t len = (size_t)depth * 2 + 256;
        char *deep = malloc(len);
        assert_non_null(deep);
        size_t o = (size_t)snprintf(deep, len,
                                    "{\"name\": \"d\", \"method\": \"GetData\", "
                                    "\"expect\": {\"status\": \"OK\"}, \"summary\": ");
        for (int i = 0; i < depth; i++)
            deep[o++] = '[';
        for (int i = 0; i < depth; i++)
            deep[o++] = ']';
        deep[o++] = '}';
        deep[o] = '\0';
        assert_int_equal(load(deep, err, sizeof err), -1);
        free(deep);
    }
    /* Pseudo-random byte soup and random JSON-ish token soup. */
    unsigned seed = 12345;
    const char *tokens[] = {
        "{",          "}",          "[",      "]", ",",    ":",          "\"name\"",
        "\"expect\"", "\"status\"", "\"OK\"", "1", "null", "\"client\"", "\"requests\"",
        "true"};
    for (int round = 0; round < 2000; round++) {
        char soup[256];
        size_t o = 0;
        while (o < 200) {
            seed = seed * 1103515245u + 12345u;
            const char *t = tokens[(seed >> 16) % (sizeof tokens / sizeof tokens[0])];
            size_t l = strlen(t);
            memcpy(soup + o, t, l);
            o += l;
        }
        soup[o] = '\0';
        load(soup, err, sizeof err);
    }
}

static void limits_are_enforced(void **state)
{
    (void)state;
    char err[512];
    /* $repeat beyond the expansion limit */
    expect_error("\"client\": {\"requests\": [{\"subscriptionId\": {\"$repeat\": \"abcd\", "
                 "\"count\": 7340032}}]}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: client.requests[0].subscriptionId: \"$repeat\" expands beyond 7340032 "
                 "bytes in this scenario");
    expect_error("\"client\": {\"requests\": [{\"subscriptionId\": {\"$repeat\": \"a\"}}]}, "
                 "\"expect\": {\"status\": \"OK\"}",
                 "t.json: client.requests[0].subscriptionId: \"$repeat\" needs \"count\"");
    /* a string over the string limit */
    size_t big = 64 * 1024 + 2;
    char *text = malloc(big + 256);
    assert_non_null(text);
    int o = snprintf(text, 256,
                     "{\"name\": \"a\", \"method\": \"GetData\", \"expect\": "
                     "{\"status\": \"OK\"}, \"summary\": \"");
    memset(text + o, 'x', big);
    strcpy(text + o + big, "\"}");
    assert_int_equal(load(text, err, sizeof err), -1);
    assert_string_equal(err, "t.json: a string is longer than 65536 bytes (use \"$repeat\" for "
                             "payloads)");
    free(text);
    /* too many scenarios in one file */
    size_t per = strlen(GOOD) + 2;
    char *many = malloc(per * 1002 + 64);
    assert_non_null(many);
    size_t m = (size_t)sprintf(many, "{\"scenarios\": [");
    for (int i = 0; i < 1001; i++)
        m += (size_t)sprintf(many + m, "%s%s", i ? "," : "", GOOD);
    strcpy(many + m, "]}");
    assert_int_equal(load(many, err, sizeof err), -1);
    assert_string_equal(err, "t.json: scenarios: more than 1000 scenarios in one file");
    free(many);
}

static void instruction_passes_the_driver(void **state)
{
    (void)state;
    char err[512];
    sc_scenario_set set = {0};
    const char *text =
        "{\"name\": \"i/x\", \"method\": \"subscribe\", \"client\": {\"requests\": [{\"topics\": "
        "[\"a\"], \"subscriptionId\": {\"$per_case\": \"s\"}}], \"metadata\": {\"x-a\": \"1\"}, "
        "\"timeout_ms\": 500, \"cancel\": {\"after_responses\": 2}}, \"server\": "
        "{\"initial_delay_ms\": 5, \"response_delay_ms\": 10, \"max_responses\": 3, \"echo\": "
        "false, \"echo_initial\": \"hi there\", \"echo_trailing_bin\": \"AAE=\", \"fail\": "
        "{\"code\": \"ABORTED\", \"message\": \"a b%\\u00e9\\ud83d\\ude00\", \"after\": 2, "
        "\"retry_pushback_ms\": 7}}, \"expect\": {\"status\": \"CANCELLED\"}}";
    assert_int_equal(sc_scenario_set_load_text(&set, "t.json", text, err, sizeof err), 0);
    cJSON *in = sc_scenario_instruction(set.items[0], "i/x@c->c", "127.0.0.1:5");
    assert_non_null(in);
    cJSON *md = cJSON_GetObjectItem(in, "metadata");
    assert_string_equal(cJSON_GetObjectItem(in, "case")->valuestring, "i/x@c->c");
    assert_string_equal(cJSON_GetObjectItem(in, "target")->valuestring, "127.0.0.1:5");
    assert_string_equal(cJSON_GetObjectItem(in, "method")->valuestring, "SubscribeData");
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-case")->valuestring, "i/x@c->c");
    assert_string_equal(cJSON_GetObjectItem(md, "x-a")->valuestring, "1");
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-initial-delay-ms")->valuestring, "5");
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-response-delay-ms")->valuestring, "10");
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-max-responses")->valuestring, "3");
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-echo")->valuestring, "false");
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-fail-code")->valuestring, "ABORTED");
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-fail-message")->valuestring,
                        "a%20b%25%C3%A9%F0%9F%98%80");
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-fail-after")->valuestring, "2");
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-retry-pushback-ms")->valuestring, "7");
    assert_string_equal(cJSON_GetObjectItem(md, "x-grpc-test-echo-initial")->valuestring,
                        "hi there");
    assert_string_equal(cJSON_GetObjectItem(md, "x-grpc-test-echo-trailing-bin")->valuestring,
                        "AAE=");
    cJSON *req = cJSON_GetArrayItem(cJSON_GetObjectItem(in, "requests"), 0);
    assert_string_equal(cJSON_GetObjectItem(req, "subscriptionId")->valuestring, "s:i/x@c->c");
    char *line = cJSON_PrintUnformatted(in);
    sc_client_instr instr;
    assert_int_equal(sc_client_instr_parse(line, &instr, err, sizeof err), 0);
    assert_int_equal(instr.timeout_ms, 500);
    sc_client_instr_free(&instr);
    free(line);
    cJSON_Delete(in);
    /* 500 ms, one attempt, margin 10000 */
    assert_int_equal(sc_scenario_case_timeout_ms(set.items[0]), 10500);
    sc_scenario_set_free(&set);
}

static void companions_load_and_name_each_other(void **state)
{
    (void)state;
    char err[512];
    sc_scenario_set set = {0};
    const char *text =
        "{\"name\": \"c/room\", \"method\": \"Chat\", \"client\": {\"start_delay_ms\": 100, "
        "\"requests\": [{\"userId\": {\"$per_case\": \"bob\"}}], \"timeout_ms\": 1000}, "
        "\"server\": {\"echo\": true}, \"expect\": {\"status\": \"OK\"}, \"companions\": "
        "[{\"client\": {\"start_delay_ms\": 5000, \"requests\": [{\"userId\": {\"$per_case\": "
        "\"alice\"}}], \"timeout_ms\": 2000}, \"expect\": {\"status\": \"CANCELLED\", "
        "\"response_filter\": {\"userId\": {\"$per_case\": \"bob\"}}}}]}";
    assert_int_equal(sc_scenario_set_load_text(&set, "t.json", text, err, sizeof err), 0);
    const sc_scenario *s = set.items[0];
    assert_int_equal(sc_scenario_companion_count(s), 1);
    assert_null(sc_scenario_companion(s, 1));
    cJSON *in = sc_scenario_companion_instruction(s, 0, "c/room@c->go", "127.0.0.1:5");
    assert_non_null(in);
    assert_null(sc_scenario_companion_instruction(s, 1, "c/room@c->go", "127.0.0.1:5"));
    cJSON *md = cJSON_GetObjectItem(in, "metadata");
    assert_string_equal(cJSON_GetObjectItem(in, "case")->valuestring, "c/room@c->go#1");
    assert_string_equal(cJSON_GetObjectItem(in, "method")->valuestring, "Chat");
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-case")->valuestring, "c/room@c->go#1");
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-echo")->valuestring, "true"); /* parent's */
    cJSON *req = cJSON_GetArrayItem(cJSON_GetObjectItem(in, "requests"), 0);
    /* per-case names resolve with the parent's case id */
    assert_string_equal(cJSON_GetObjectItem(req, "userId")->valuestring, "alice:c/room@c->go");
    assert_int_equal(cJSON_GetObjectItem(in, "start_delay_ms")->valueint, 5000);
    cJSON_Delete(in);
    /* the case lasts as long as its longest call: the companion's 5000 + 2000 + margin */
    assert_int_equal(sc_scenario_case_timeout_ms(s), 17000);
    /* a companion is judged on its own, its filter naming the main call's user */
    sc_judgement j;
    cJSON *res = cJSON_Parse(
        "{\"case\":\"c/room@c->go#1\",\"status\":{\"code\":\"CANCELLED\",\"message\":\"\"},"
        "\"responses\":[{\"userId\":\"bob:c/room@c->go\"},{\"userId\":\"x\"}],\"attempts\":[],"
        "\"timings\":{}}");
    assert_int_equal(sc_scenario_judge(sc_scenario_companion(s, 0), res, NULL, &j), 0);
    assert_true(j.passed);
    sc_judgement_free(&j);
    cJSON_Delete(res);
    sc_scenario_set_free(&set);
}

static void companion_errors_name_the_companion(void **state)
{
    (void)state;
    const char *cl = "\"client\": {\"requests\": [{\"topics\": [\"x\"]}]}, "
                     "\"expect\": {\"status\": \"OK\"}, ";
    char m[1024];
    snprintf(m, sizeof m, "%s\"companions\": []", cl);
    expect_error(m, "t.json: companions: expected an array of 1 to 8 companion objects");
    snprintf(m, sizeof m, "%s\"companions\": [7]", cl);
    expect_error(m, "t.json: companions[0]: expected a companion object (client, expect)");
    snprintf(m, sizeof m, "%s\"companions\": [{\"expect\": {\"status\": \"OK\"}, \"x\": 1}]", cl);
    expect_error(m, "t.json: companions[0].x: unknown field");
    snprintf(m, sizeof m,
             "%s\"companions\": [{\"expect\": {\"status\": \"OK\"}}, {\"expect\": "
             "{\"status\": \"OKAY\"}}]",
             cl);
    expect_error(m, "t.json: companions[1].expect.status: unknown code \"OKAY\"");
    snprintf(m, sizeof m,
             "%s\"companions\": [{\"client\": {\"timeout_ms\": 0}, \"expect\": {\"status\": "
             "\"OK\"}}]",
             cl);
    expect_error(m, "t.json: companions[0].client.timeout_ms: must be in 1..3600000");
    snprintf(m, sizeof m,
             "%s\"companions\": [{\"expect\": {\"status\": \"OK\", \"server\": {\"calls\": 1}}}]",
             cl);
    expect_error(m, "t.json: companions[0].expect.server: not for a companion (only the main "
                    "call's server events are judged)");
}

static void exclusive_and_repeated_requests(void **state)
{
    (void)state;
    char err[512];
    sc_scenario_set set = {0};
    const char *text =
        "{\"name\": \"c/flood\", \"method\": \"Chat\", \"exclusive\": true, \"client\": "
        "{\"requests\": [{\"userId\": \"a\"}, {\"$repeat\": {\"userId\": {\"$per_case\": \"f\"}, "
        "\"content\": {\"$repeat\": \"ab\", \"count\": 2}}, \"count\": 3}, {\"userId\": \"z\"}]}, "
        "\"expect\": {\"status\": \"OK\"}}";
    assert_int_equal(sc_scenario_set_load_text(&set, "t.json", text, err, sizeof err), 0);
    assert_true(sc_scenario_exclusive(set.items[0]));
    cJSON *in = sc_scenario_instruction(set.items[0], "c/flood@c->c", "127.0.0.1:5");
    const cJSON *reqs = cJSON_GetObjectItem(in, "requests");
    assert_int_equal(cJSON_GetArraySize(reqs), 5);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(reqs, 0), "userId")->valuestring,
                        "a");
    for (int i = 1; i <= 3; i++) {
        const cJSON *r = cJSON_GetArrayItem(reqs, i);
        assert_string_equal(cJSON_GetObjectItem(r, "userId")->valuestring, "f:c/flood@c->c");
        assert_string_equal(cJSON_GetObjectItem(r, "content")->valuestring, "abab");
    }
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(reqs, 4), "userId")->valuestring,
                        "z");
    cJSON_Delete(in);
    sc_scenario_set_free(&set);
    assert_int_equal(sc_scenario_set_load_text(&set, "t.json", GOOD, err, sizeof err), 0);
    assert_false(sc_scenario_exclusive(set.items[0]));
    sc_scenario_set_free(&set);
    const char *ex = "\"expect\": {\"status\": \"OK\"}, ";
    char m[1024];
    snprintf(m, sizeof m, "%s\"exclusive\": 1", ex);
    expect_error(m, "t.json: exclusive: expected true or false");
    snprintf(m, sizeof m, "%s\"client\": {\"requests\": [{}, {\"$repeat\": {}}]}", ex);
    expect_error(m, "t.json: client.requests[1]: \"$repeat\" needs \"count\"");
    snprintf(m, sizeof m, "%s\"client\": {\"requests\": [{\"$repeat\": {}, \"count\": 0}]}", ex);
    expect_error(m, "t.json: client.requests[0].count: must be in 1..10000");
    snprintf(m, sizeof m, "%s\"client\": {\"requests\": [{}, {\"$repeat\": {}, \"count\": 10000}]}",
             ex);
    expect_error(m, "t.json: client.requests: more than 10000 requests");
    snprintf(m, sizeof m,
             "%s\"client\": {\"requests\": [{\"$repeat\": {\"nope\": 1}, \"count\": 2}]}", ex);
    expect_error(m, "t.json: client.requests[0].nope: no such field in streaming.StreamRequest");
}

/* Compression (issue 14): client.compression through the driver's parser, the server's
 * compress_responses, and the expect.server compression fields. */
static void compression_sections(void **state)
{
    (void)state;
    expect_error("\"client\": {\"compression\": {\"algorithm\": \"zstd\"}}, \"expect\": "
                 "{\"status\": \"OK\"}",
                 "t.json: client.compression.algorithm: expected \"identity\", \"deflate\" or "
                 "\"gzip\"");
    expect_error(
        "\"server\": {\"compress_responses\": \"zstd\"}, \"expect\": {\"status\": "
        "\"OK\"}",
        "t.json: server.compress_responses: expected \"identity\", \"deflate\" or \"gzip\"");
    expect_error("\"expect\": {\"status\": \"OK\", \"server\": {\"request_encoding\": \"br\"}}",
                 "t.json: expect.server.request_encoding: expected \"identity\", \"deflate\" or "
                 "\"gzip\"");
    expect_error("\"expect\": {\"status\": \"OK\", \"server\": {\"received_compressed\": "
                 "[1]}}",
                 "t.json: expect.server.received_compressed: expected an array of booleans (one "
                 "per message)");
    expect_error("\"expect\": {\"status\": \"OK\", \"server\": {\"sent_compressed\": "
                 "true}}",
                 "t.json: expect.server.sent_compressed: expected an array of at most 64 booleans "
                 "(one per message)");
    expect_error("\"server\": {\"no_compress_responses\": [64]}, \"expect\": {\"status\": "
                 "\"OK\"}",
                 "t.json: server.no_compress_responses: expected an array of 1 to 64 response "
                 "indices (0-63)");
    expect_error("\"server\": {\"no_compress_responses\": []}, \"expect\": {\"status\": "
                 "\"OK\"}",
                 "t.json: server.no_compress_responses: expected an array of 1 to 64 response "
                 "indices (0-63)");
    expect_error("\"expect\": {\"status\": \"OK\", \"response_encoding\": \"br\"}",
                 "t.json: expect.response_encoding: expected \"identity\", \"deflate\" or "
                 "\"gzip\"");
    char err[1024];
    const char *ok = "{\"name\": \"a/b\", \"method\": \"GetData\", \"client\": "
                     "{\"compression\": {\"algorithm\": \"gzip\", \"no_compress\": [0], "
                     "\"accept\": [\"gzip\"]}}, \"server\": {\"compress_responses\": "
                     "\"deflate\"}, \"expect\": {\"status\": \"OK\", \"server\": "
                     "{\"request_encoding\": \"gzip\", \"received_compressed\": [false], "
                     "\"sent_compressed\": [true]}}}";
    assert_int_equal(load(ok, err, sizeof err), 0);
}

static void server_section_rules(void **state)
{
    (void)state;
    expect_error("\"server\": {\"echo_initial\": \"caf\\u00e9\"}, \"expect\": {\"status\": "
                 "\"OK\"}",
                 "t.json: server.echo_initial: a header value must be printable ASCII");
    expect_error("\"server\": {\"echo_trailing_bin\": \"!!\"}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: server.echo_trailing_bin: expected base64");
    expect_error("\"server\": {\"fail\": {\"message\": \"m\"}}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: server.fail.code: missing");
    expect_error("\"server\": {\"max_responses\": -1}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: server.max_responses: must be in 0..1000000000");
    expect_error("\"server\": {\"echo\": true, \"script\": {\"status\": {\"code\": \"OK\"}}}, "
                 "\"expect\": {\"status\": \"OK\"}",
                 "t.json: server.script: a scripted server takes no control behaviour next to "
                 "the script");
    expect_error("\"server\": {\"script\": {\"responses\": [{\"message\": {\"sequenceNumber\": "
                 "true}}], \"status\": {\"code\": \"OK\"}}}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: server.script.responses[0].message.sequenceNumber: expected an integer "
                 "(number or string), got true");
    expect_error("\"server\": {\"script\": {}}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: server.script.status: missing");
    expect_error("\"server\": {\"script\": {\"headers\": {\"grpc-status\": \"1\"}, \"status\": "
                 "{\"code\": \"OK\"}}}, \"expect\": {\"status\": \"OK\"}",
                 "t.json: server.script.headers.grpc-status: key must be lower-case [0-9a-z_.-], "
                 "not grpc-* (but grpc-retry-pushback-ms) nor a transport header");
    expect_error("\"server\": {\"script\": {\"status\": {\"code\": \"OK\", \"delay_ms\": -1}}}, "
                 "\"expect\": {\"status\": \"OK\"}",
                 "t.json: server.script.status.delay_ms: expected an integer from 0 to 3600000");
}

/* server_options: the dedicated server's arguments in a fixed order, shutdown_at_ms apart, and
 * the errors by path. */
static void server_options_load(void **state)
{
    (void)state;
    const char *text = "{\"name\": \"a/b\", \"method\": \"SubscribeData\", \"server_options\": "
                       "{\"max_connection_age_ms\": 1000, \"max_connection_age_grace_ms\": 500, "
                       "\"permit_keepalive_without_calls\": true, \"shutdown_grace_ms\": 800, "
                       "\"shutdown_at_ms\": 700}, \"expect\": {\"status\": \"OK\"}}";
    sc_scenario_set set = {0};
    char err[1024] = "";
    if (sc_scenario_set_load_text(&set, "t.json", text, err, sizeof err) != 0)
        fail_msg("%s", err);
    const sc_scenario *s = set.items[0];
    assert_true(sc_scenario_has_server_options(s));
    const char *const *args;
    size_t n = sc_scenario_server_args(s, &args);
    const char *want[] = {
        "--max-connection-age-ms", "1000", "--max-connection-age-grace-ms",   "500",
        "--shutdown-grace-ms",     "800",  "--permit-keepalive-without-calls"};
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(args[i], want[i]);
    assert_int_equal(sc_scenario_shutdown_at_ms(s), 700);
    sc_scenario_set_free(&set);

    assert_int_equal(sc_scenario_set_load_text(&set, "t.json", GOOD, err, sizeof err), 0);
    assert_false(sc_scenario_has_server_options(set.items[0]));
    assert_int_equal(sc_scenario_shutdown_at_ms(set.items[0]), -1);
    sc_scenario_set_free(&set);

    expect_error("\"server_options\": []", "t.json: server_options: expected an object");
    expect_error("\"server_options\": {\"max_age_ms\": 1}",
                 "t.json: server_options.max_age_ms: unknown field");
    expect_error("\"server_options\": {\"max_concurrent_streams\": 0}",
                 "t.json: server_options.max_concurrent_streams: must be in 1..2147483647");
    expect_error("\"server_options\": {\"permit_keepalive_without_calls\": 1}",
                 "t.json: server_options.permit_keepalive_without_calls: expected true or false");
}

/* channel.share is scoped to the case: the main call and its companions name one channel
 * "<case id>/<name>", and another case never does. */
static void share_is_scoped_to_the_case(void **state)
{
    (void)state;
    char err[512];
    sc_scenario_set set = {0};
    const char *text =
        "{\"name\": \"m/s\", \"method\": \"SubscribeData\", \"client\": {\"channel\": "
        "{\"share\": \"conn\"}}, \"expect\": {\"status\": \"OK\"}, \"companions\": [{\"client\": "
        "{\"channel\": {\"share\": \"conn\"}}, \"expect\": {\"status\": \"OK\"}}]}";
    assert_int_equal(sc_scenario_set_load_text(&set, "t.json", text, err, sizeof err), 0);
    const sc_scenario *s = set.items[0];
    cJSON *main_in = sc_scenario_instruction(s, "m/s@c->go", "h:1");
    cJSON *comp_in = sc_scenario_companion_instruction(s, 0, "m/s@c->go", "h:1");
    cJSON *other = sc_scenario_instruction(s, "m/s@go->go", "h:1");
    const char *want = "m/s@c->go/conn";
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(main_in, "channel"), "share")->valuestring, want);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(comp_in, "channel"), "share")->valuestring, want);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(other, "channel"), "share")->valuestring,
        "m/s@go->go/conn");
    cJSON_Delete(main_in);
    cJSON_Delete(comp_in);
    cJSON_Delete(other);
    sc_scenario_set_free(&set);
}

static void script_and_applies_to(void **state)
{
    (void)state;
    char err[512];
    sc_scenario_set set = {0};
    assert_int_equal(sc_scenario_set_load(&set, SC_SCENARIO_TEST_DATA "/good", err, sizeof err), 0);
    assert_int_equal(set.count, 3);
    /* sorted by path: one.json then two.json */
    assert_string_equal(sc_scenario_name(set.items[0]), "fixture/get/ok");
    assert_string_equal(sc_scenario_tag(set.items[0], 1), "unary");
    const char *why = NULL;
    assert_true(sc_scenario_applies(set.items[0], "go", "python", &why));
    assert_null(why);
    assert_true(sc_scenario_applies(set.items[2], "c", "go", &why));
    assert_false(sc_scenario_applies(set.items[2], "python", "c", &why));
    assert_string_equal(why, "fixture: C client only");
    const char *script = "{\"name\": \"s\", \"method\": \"GetData\", \"server\": {\"script\": "
                         "{\"responses\": [{\"delay_ms\": 100, \"message\": {}}], \"status\": "
                         "{\"code\": \"OK\"}}}, \"expect\": {\"status\": \"OK\"}}";
    assert_int_equal(sc_scenario_set_load_text(&set, "s.json", script, err, sizeof err), 0);
    assert_false(sc_scenario_applies(set.items[3], "c", "c", &why));
    assert_string_equal(why, "server.script is played by the engine's scripted server (the "
                             "\"script\" column)");
    assert_true(sc_scenario_applies(set.items[3], "python", "script", &why));
    assert_null(why);
    assert_false(sc_scenario_applies(set.items[0], "c", "script", &why));
    assert_string_equal(why, "the scripted server plays server.script scenarios only");
    assert_true(sc_scenario_is_scripted(set.items[3]));
    assert_false(sc_scenario_is_scripted(set.items[0]));
    assert_int_equal(sc_scenario_case_timeout_ms(set.items[3]), 70100);
    /* The instruction carries x-sc-case only; the script line carries the script. */
    cJSON *instr = sc_scenario_instruction(set.items[3], "s@c->script", "t:1");
    cJSON *md = cJSON_GetObjectItem(instr, "metadata");
    assert_int_equal(cJSON_GetArraySize(md), 1);
    assert_string_equal(cJSON_GetObjectItem(md, "x-sc-case")->valuestring, "s@c->script");
    cJSON_Delete(instr);
    cJSON *line = sc_scenario_script_line(set.items[3], "s@c->script");
    char *text = cJSON_PrintUnformatted(line);
    assert_string_equal(text, "{\"case\":\"s@c->script\",\"method\":\"GetData\",\"script\":{"
                              "\"responses\":[{\"delay_ms\":100,\"message\":{}}],\"status\":{"
                              "\"code\":\"OK\"}}}");
    free(text);
    cJSON_Delete(line);
    assert_null(sc_scenario_script_line(set.items[0], "x"));
    sc_scenario_set_free(&set);

    assert_int_equal(sc_scenario_set_load(&set, SC_SCENARIO_TEST_DATA, err, sizeof err), -1);
    assert_string_equal(err, SC_SCENARIO_TEST_DATA
                        "/bad/typo.json: expect.status: unknown code \"RESOURCE_EXAUSTED\" "
                        "(did you mean \"RESOURCE_EXHAUSTED\"?)");
    assert_int_equal(set.count, 0);
    assert_int_equal(sc_scenario_set_load(&set, SC_SCENARIO_TEST_DATA "/nope", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "/nope: No such file or directory"));
}

/* A recorded call outside DataService: "$raw" requests and "raw" responses load (checked as
 * base64), and the client drivers skip it (replay plays it); the script line carries the path. */
static void raw_messages_load_and_are_skipped_by_run(void **state)
{
    (void)state;
    char err[1024];
    sc_scenario_set set = {0};
    const char *text =
        "{\"scenarios\": [{\"name\": \"recorded/unknown/1\", \"method\": \"Chat\", \"client\": "
        "{\"path\": \"/other.Service/Do\", \"requests\": [{\"$raw\": \"CmR4\"}, {\"$raw\": "
        "\"\"}]}, "
        "\"server\": {\"script\": {\"responses\": [{\"delay_ms\": 1, \"raw\": \"AQI=\"}], "
        "\"status\": {\"code\": \"UNIMPLEMENTED\"}}}, \"expect\": {\"status\": \"UNIMPLEMENTED\"}},"
        " {\"name\": \"raw/known\", \"method\": \"GetData\", \"client\": {\"requests\": "
        "[{\"$raw\": \"CmR4\"}]}, \"server\": {\"script\": {\"status\": {\"code\": \"OK\"}}}, "
        "\"expect\": {\"status\": \"OK\"}},"
        " {\"name\": \"path/scripted\", \"method\": \"GetData\", \"client\": {\"path\": "
        "\"/x.Y/Z\"}, \"server\": {\"script\": {\"status\": {\"code\": \"UNIMPLEMENTED\"}}}, "
        "\"expect\": {\"status\": \"UNIMPLEMENTED\"}},"
        " {\"name\": \"path/peers\", \"method\": \"GetData\", \"client\": {\"path\": "
        "\"/x.Y/Z\"}, \"expect\": {\"status\": \"UNIMPLEMENTED\"}}]}";
    if (sc_scenario_set_load_text(&set, "r.json", text, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(set.count, 4);
    static const char reason[] =
        "raw messages of a method outside DataService: replay it with streamconform replay";
    for (size_t i = 0; i < 3; i++) {
        const char *why = NULL;
        assert_false(sc_scenario_applies(set.items[i], "c", "script", &why));
        assert_string_equal(why, reason);
        assert_false(sc_scenario_applies(set.items[i], "go", "c", &why)); /* scripted anyway */
    }
    /* a path outside DataService without a script: the peers' UNIMPLEMENTED, runs as before */
    const char *why = NULL;
    assert_true(sc_scenario_applies(set.items[3], "python", "go", &why));
    /* the instruction keeps the raw requests and the path; the script line names the path */
    cJSON *instr = sc_scenario_instruction(set.items[0], "r", "t:1");
    assert_string_equal(cJSON_GetObjectItem(instr, "path")->valuestring, "/other.Service/Do");
    cJSON *q = cJSON_GetArrayItem(cJSON_GetObjectItem(instr, "requests"), 0);
    assert_string_equal(cJSON_GetObjectItem(q, "$raw")->valuestring, "CmR4");
    cJSON_Delete(instr);
    cJSON *line = sc_scenario_script_line(set.items[0], "r");
    char *ltext = cJSON_PrintUnformatted(line);
    assert_string_equal(ltext, "{\"case\":\"r\",\"method\":\"Chat\",\"path\":\"/other.Service/Do\","
                               "\"script\":{\"responses\":[{\"delay_ms\":1,\"raw\":\"AQI=\"}],"
                               "\"status\":{\"code\":\"UNIMPLEMENTED\"}}}");
    free(ltext);
    cJSON_Delete(line);
    line = sc_scenario_script_line(set.items[1], "k");
    assert_null(cJSON_GetObjectItem(line, "path"));
    cJSON_Delete(line);
    sc_scenario_set_free(&set);

    expect_error("\"client\": {\"requests\": [{\"$raw\": \"!!\"}]}",
                 "t.json: client.requests[0].$raw: expected base64");
    expect_error("\"client\": {\"requests\": [{\"$raw\": 1}]}",
                 "t.json: client.requests[0].$raw: expected a base64 string");
    expect_error("\"client\": {\"requests\": [{}, {\"$raw\": \"AA==\", \"topics\": []}]}",
                 "t.json: client.requests[1].topics: unknown field");
    expect_error("\"client\": {\"requests\": [{\"$raw\": \"AA==\"}]}, \"server\": {\"script\": "
                 "{\"responses\": [{\"raw\": \"A\"}], \"status\": {\"code\": \"OK\"}}}",
                 "t.json: server.script.responses[0].raw: expected base64");
}

static void reconnect_case_timeout(void **state)
{
    (void)state;
    char err[512];
    sc_scenario_set set = {0};
    const char *text = "{\"name\": \"r\", \"method\": \"GetData\", \"client\": {\"timeout_ms\": "
                       "100, \"reconnect\": {\"backoff_initial_ms\": 100, \"backoff_multiplier\": "
                       "2, \"backoff_jitter\": 0.5, \"backoff_max_ms\": 300, "
                       "\"exhausted_backoff_ms\": 200, \"max_attempts\": 4}}, \"expect\": "
                       "{\"status\": \"OK\", \"attempts\": {\"schedule\": true}}}";
    assert_int_equal(sc_scenario_set_load_text(&set, "t.json", text, err, sizeof err), 0);
    /* 4 x 100 + waits max(150, 200) + max(300, 200) + max(450, 200) + margin */
    assert_int_equal(sc_scenario_case_timeout_ms(set.items[0]), 400 + 200 + 300 + 450 + 10000);
    cJSON *ex = sc_scenario_expected_json(set.items[0]);
    cJSON *sched = cJSON_GetObjectItem(cJSON_GetObjectItem(ex, "attempts"), "schedule");
    assert_int_equal(cJSON_GetObjectItem(sched, "tolerance_ms")->valueint, 50);
    assert_int_equal(cJSON_GetObjectItem(sched, "backoff_max_ms")->valueint, 300);
    assert_non_null(cJSON_GetObjectItem(ex, "other_allowed_codes"));
    cJSON_Delete(ex);
    sc_scenario_set_free(&set);
}

/* Issue 15: +-1e400 in the client section became null and the case passed with defaults; the
 * loader refuses it naming the path. */
static void non_finite_client_numbers_are_refused(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"\"timeout_ms\": 1e400", "t.json: client.timeout_ms: expected a finite number"},
        {"\"request_delay_ms\": -1e400",
         "t.json: client.request_delay_ms: expected a finite number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512], err[512];
        snprintf(text, sizeof text,
                 "{\"name\": \"n\", \"method\": \"GetData\", \"client\": {%s}, "
                 "\"expect\": {\"status\": \"OK\"}}",
                 cases[i][0]);
        sc_scenario_set set = {0};
        assert_int_equal(sc_scenario_set_load_text(&set, "t.json", text, err, sizeof err), -1);
        if (strstr(err, cases[i][1]) == NULL)
            fail_msg("%s: got \"%s\"", cases[i][0], err);
        sc_scenario_set_free(&set);
    }
}

/* Hostile paths (issue 15): an empty directory loads nothing (no qsort of a NULL array, which
 * UBSan aborts on), a FIFO is refused at once instead of blocking the read. */
static void empty_directory_and_fifo(void **state)
{
    (void)state;
    char err[512];
    char dir[] = "/tmp/sc-load-XXXXXX";
    assert_non_null(mkdtemp(dir));
    sc_scenario_set set = {0};
    assert_int_equal(sc_scenario_set_load(&set, dir, err, sizeof err), 0);
    assert_int_equal(set.count, 0);
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/f.json", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(sc_scenario_set_load(&set, fifo, err, sizeof err), -1);
    assert_non_null(strstr(err, "f.json: not a regular file or a directory"));
    assert_int_equal(sc_scenario_set_load(&set, dir, err, sizeof err), 0); /* skipped in a dir */
    assert_int_equal(set.count, 0);
    sc_scenario_set_free(&set);
    unlink(fifo);
    rmdir(dir);
}

/* Found by tests/fuzz/fuzz_recording: client.metadata given as an array was accepted (its
 * elements dropped, the case run without them) and leaked in the instruction writer. */
static void metadata_array_is_refused_without_a_leak(void **state)
{
    (void)state;
    char err[1024];
    assert_int_equal(load("{\"name\": \"a/b\", \"method\": \"GetData\", \"client\": "
                          "{\"metadata\": [{\"x\": 1}, \"y\"]}, \"expect\": {\"status\": \"OK\"}}",
                          err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "client.metadata: expected an object"));
}

/* "$schema" (editors find docs/scenario.schema.json through it) is accepted at the root of a file
 * and in a scenario object; a JSON syntax error names its line and column. */
static void schema_key_and_json_positions(void **state)
{
    (void)state;
    char err[1024];
    assert_int_equal(load("{\"$schema\": \"../docs/scenario.schema.json\", \"scenarios\": ["
                          "{\"$schema\": \"x\", \"name\": \"a/b\", \"method\": \"GetData\", "
                          "\"expect\": {\"status\": \"OK\"}}]}",
                          err, sizeof err),
                     0);
    assert_int_equal(load("{\"name\": \"a/b\",\n \"method\" \"GetData\"}", err, sizeof err), -1);
    assert_string_equal(err, "t.json: invalid JSON at line 2, column 11, at '\"GetData\"}'");
    assert_int_equal(load("{\"name\": \"a/b\", \"method\": \"SubscribData\"}", err, sizeof err),
                     -1);
    assert_string_equal(err, "t.json: method: expected GetData, SubscribeData, UploadFile or Chat "
                             "(or the path) (did you mean \"SubscribeData\"?)");
}

static void the_library_loads(void **state)
{
    (void)state;
    char err[1024];
    sc_scenario_set set = {0};
    int rc = sc_scenario_set_load(&set, SC_SCENARIO_LIBRARY, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_true(set.count >= 40);
    for (size_t i = 0; i < set.count; i++) {
        const char *why = NULL;
        if (!sc_scenario_applies(set.items[i], "c", "c", &why))
            continue;
        char id[512];
        snprintf(id, sizeof id, "%s@c->c", sc_scenario_name(set.items[i]));
        cJSON *in = sc_scenario_instruction(set.items[i], id, "127.0.0.1:1");
        /* over a transport the scenario runs on: its symbolic channel.tls becomes files */
        unsigned transports = sc_scenario_transports(set.items[i]);
        sc_tls_material files;
        sc_transport_placeholder(&files, "/tls");
        sc_transport_apply(in,
                           (transports & SC_TRANSPORT_BIT(SC_TRANSPORT_PLAINTEXT))
                               ? SC_TRANSPORT_PLAINTEXT
                               : SC_TRANSPORT_MTLS,
                           &files);
        char *line = cJSON_PrintUnformatted(in);
        sc_client_instr instr;
        if (sc_client_instr_parse(line, &instr, err, sizeof err) != 0)
            fail_msg("%s: %s", id, err);
        sc_client_instr_free(&instr);
        free(line);
        cJSON_Delete(in);
    }
    sc_scenario_set_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_scenario_loads),
        cmocka_unit_test(misspelt_code_names_file_and_path),
        cmocka_unit_test(unknown_fields_are_errors),
        cmocka_unit_test(client_section_uses_driver_rules),
        cmocka_unit_test(expect_section_rules),
        cmocka_unit_test(names_tags_and_methods),
        cmocka_unit_test(scenarios_array_paths),
        cmocka_unit_test(duplicate_across_loads_keeps_the_set),
        cmocka_unit_test(garbage_truncations_and_nesting_never_crash),
        cmocka_unit_test(limits_are_enforced),
        cmocka_unit_test(instruction_passes_the_driver),
        cmocka_unit_test(server_section_rules),
        cmocka_unit_test(compression_sections),
        cmocka_unit_test(companions_load_and_name_each_other),
        cmocka_unit_test(exclusive_and_repeated_requests),
        cmocka_unit_test(companion_errors_name_the_companion),
        cmocka_unit_test(script_and_applies_to),
        cmocka_unit_test(server_options_load),
        cmocka_unit_test(share_is_scoped_to_the_case),
        cmocka_unit_test(raw_messages_load_and_are_skipped_by_run),
        cmocka_unit_test(reconnect_case_timeout),
        cmocka_unit_test(non_finite_client_numbers_are_refused),
        cmocka_unit_test(empty_directory_and_fifo),
        cmocka_unit_test(the_library_loads),
        cmocka_unit_test(metadata_array_is_refused_without_a_leak),
        cmocka_unit_test(schema_key_and_json_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
