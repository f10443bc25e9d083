/* App scenarios (docs/app-check.md): the loader's app section and expect.app, the policy object
 * (also --policy's), the call plan the case's server gets, and sc_app_observe turning a case's
 * event log and proxy records into the judge's calls and connections. No processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_app_command.h"
#include "sc_app_observe.h"
#include "sc_scenario.h"
#include "sc_scenario_app.h"
#include "sc_status.h"

static const char *const APP =
    "{\"name\": \"app/x\", \"summary\": \"s\", \"app\": {\"run_ms\": 3000,"
    " \"calls\": [{\"fail\": {\"code\": \"UNAVAILABLE\", \"after\": 2}},"
    "             {\"fail\": {\"code\": \"RESOURCE_EXHAUSTED\", \"retry_pushback_ms\": 300}}],"
    " \"then\": {\"max_responses\": 5},"
    " \"restart\": {\"at_ms\": 1000, \"down_ms\": 200},"
    " \"policy\": {\"backoff_initial_ms\": 100, \"retry_codes\": [\"UNAVAILABLE\"]}},"
    " \"expect\": {\"app\": {\"backoff\": true, \"calls\": {\"min\": 2}, \"exit\": \"running\"}}}";

static sc_scenario_set load_ok(const char *text)
{
    sc_scenario_set set = {0};
    char err[1024] = "";
    if (sc_scenario_set_load_text(&set, "t.json", text, err, sizeof err) != 0)
        fail_msg("load failed: %s", err);
    return set;
}

static void app_section_loads(void **state)
{
    (void)state;
    sc_scenario_set set = load_ok(APP);
    const sc_scenario *s = set.items[0];
    assert_true(sc_scenario_is_app(s));
    const sc_app_section *a = sc_scenario_app(s);
    assert_int_equal(a->run_ms, 3000);
    assert_int_equal(a->restart_at_ms, 1000);
    assert_int_equal(a->restart_down_ms, 200);
    assert_int_equal(a->expect.policy.waits.initial_ms, 100);
    assert_int_equal(a->expect.policy.waits.max_ms, 120000); /* the default */
    assert_int_equal(a->expect.policy.retry_codes, SC_APP_CODE_BIT(SC_STATUS_UNAVAILABLE));
    assert_true(a->expect.backoff);
    assert_false(a->expect.stops);
    assert_int_equal(a->expect.min_calls, 2);
    assert_int_equal(a->expect.max_calls, -1);
    assert_int_equal(a->expect.exit, SC_APP_EXIT_RUNNING);
    /* the plan: each entry's control keys plus the case id */
    cJSON *plan = sc_scenario_app_plan(s, "app/x@mine");
    char *text = cJSON_PrintUnformatted(plan);
    assert_string_equal(text,
                        "{\"calls\":[{\"x-sc-fail-code\":\"UNAVAILABLE\",\"x-sc-fail-after\":\"2\","
                        "\"x-sc-case\":\"app/x@mine\"},{\"x-sc-fail-code\":\"RESOURCE_EXHAUSTED\","
                        "\"x-sc-retry-pushback-ms\":\"300\",\"x-sc-case\":\"app/x@mine\"}],"
                        "\"then\":{\"x-sc-max-responses\":\"5\",\"x-sc-case\":\"app/x@mine\"}}");
    free(text);
    cJSON_Delete(plan);
    assert_int_equal(sc_scenario_app_pushback(s, 0), -1);
    assert_int_equal(sc_scenario_app_pushback(s, 1), 300);
    assert_int_equal(sc_scenario_app_pushback(s, 7), -1); /* `then` fails nothing */
    sc_scenario_set_free(&set);
}

static void expect_error(const char *text, const char *want)
{
    sc_scenario_set set = {0};
    char err[1024] = "";
    assert_int_equal(sc_scenario_set_load_text(&set, "t.json", text, err, sizeof err), -1);
    if (strstr(err, want) == NULL)
        fail_msg("error\n  got:  %s\n  want: %s", err, want);
    sc_scenario_set_free(&set);
}

static void app_errors_name_the_path(void **state)
{
    (void)state;
#define APPX(app, expect) "{\"name\": \"app/x\", \"app\": " app ", \"expect\": " expect "}"
    expect_error(APPX("{}", "{\"app\": {}}"), "t.json: app.run_ms: missing");
    expect_error(APPX("{\"run_ms\": 700000}", "{\"app\": {}}"), "app.run_ms");
    expect_error(APPX("{\"run_ms\": 10, \"calls\": [{\"fail\": {\"code\": \"NOPE\"}}]}",
                      "{\"app\": {}}"),
                 "app.calls[0].fail.code");
    expect_error(APPX("{\"run_ms\": 10, \"then\": {\"echo\": 3}}", "{\"app\": {}}"),
                 "app.then.echo");
    expect_error(APPX("{\"run_ms\": 10, \"restart\": {\"at_ms\": 10, \"down_ms\": 1}}",
                      "{\"app\": {}}"),
                 "app.restart.at_ms: 10 is not before app.run_ms (10)");
    expect_error(APPX("{\"run_ms\": 10, \"faults\": [{\"type\": \"rst\"}]}", "{\"app\": {}}"),
                 "app.faults[0].type");
    expect_error(APPX("{\"run_ms\": 10, \"policy\": {\"backoff_max_ms\": 5, "
                      "\"backoff_initial_ms\": 50}}",
                      "{\"app\": {}}"),
                 "app.policy: backoff_max_ms (5) is below backoff_initial_ms (50)");
    expect_error(APPX("{\"run_ms\": 10, \"policy\": {\"time_scale\": 2}}", "{\"app\": {}}"),
                 "app.policy.time_scale");
    expect_error(APPX("{\"run_ms\": 10}", "{\"status\": \"OK\"}"), "expect.status");
    expect_error(APPX("{\"run_ms\": 10}", "{\"app\": {\"exit\": \"maybe\"}}"),
                 "expect.app.exit: \"maybe\": expected any, running, exited, zero or nonzero");
    expect_error(APPX("{\"run_ms\": 10}", "{\"app\": {\"calls\": {\"min\": 3, \"max\": 2}}}"),
                 "expect.app.calls: min (3) is above max (2)");
    expect_error("{\"name\": \"app/x\", \"app\": {\"run_ms\": 10}}", "expect: missing");
    expect_error("{\"name\": \"app/x\", \"method\": \"GetData\", \"app\": {\"run_ms\": 10}, "
                 "\"expect\": {\"app\": {}}}",
                 "t.json: method: not in an app scenario");
#undef APPX
}

static void policy_object_applies_over_a_policy(void **state)
{
    (void)state;
    sc_app_policy p = sc_app_policy_default();
    int scale = 1;
    char err[512];
    cJSON *o = cJSON_Parse("{\"backoff_jitter\": 0.1, \"max_attempts\": 3, \"time_scale\": 10,"
                           " \"honor_pushback\": true}");
    assert_int_equal(sc_app_policy_parse(o, "--policy", "", &p, &scale, err, sizeof err), 0);
    assert_int_equal(scale, 10);
    assert_int_equal(p.max_attempts, 3);
    assert_true(p.waits.honor_pushback);
    assert_int_equal(p.waits.initial_ms, 1000); /* left alone */
    assert_true(p.waits.jitter > 0.09 && p.waits.jitter < 0.11);
    cJSON_Delete(o);
    o = cJSON_Parse("{\"retry_codes\": [\"UNAVAILABLE\", \"NOPE\"]}");
    assert_int_equal(sc_app_policy_parse(o, "--policy", "", &p, &scale, err, sizeof err), -1);
    assert_non_null(strstr(err, "--policy: retry_codes[1]"));
    cJSON_Delete(o);
    cJSON *j = sc_app_policy_to_json(&p);
    char *text = cJSON_PrintUnformatted(j);
    assert_non_null(strstr(text, "\"max_attempts\":3"));
    free(text);
    cJSON_Delete(j);
}

/* A restart: call numbers start again in the new server ("inc" 1). */
static const char *const EVENTS =
    "[{\"t_ms\":110,\"event\":\"call_start\",\"call\":1,\"inc\":0,\"method\":\"SubscribeData\"},"
    " {\"t_ms\":111,\"event\":\"message_received\",\"call\":1,\"inc\":0,\"count\":1,"
    "  \"message\":{\"topics\":[\"a\"]}},"
    " {\"t_ms\":150,\"event\":\"message_sent\",\"call\":1,\"inc\":0,\"count\":2},"
    " {\"t_ms\":160,\"event\":\"status_sent\",\"call\":1,\"inc\":0,\"code\":\"UNAVAILABLE\"},"
    " {\"t_ms\":161,\"event\":\"call_end\",\"call\":1,\"inc\":0},"
    " {\"t_ms\":300,\"event\":\"call_start\",\"call\":2,\"inc\":0,\"method\":\"SubscribeData\"},"
    " {\"t_ms\":301,\"event\":\"status_sent\",\"call\":2,\"inc\":0,\"code\":\"RESOURCE_EXHAUSTED\"},"
    " {\"t_ms\":700,\"event\":\"call_start\",\"call\":1,\"inc\":1,\"method\":\"SubscribeData\"},"
    " {\"t_ms\":900,\"event\":\"cancelled\",\"call\":1,\"inc\":1},"
    " {\"t_ms\":901,\"event\":\"call_end\",\"call\":1,\"inc\":1},"
    " {\"t_ms\":950,\"event\":\"message_sent\",\"call\":9,\"inc\":1,\"count\":1}]";

static const char *const RECORDS =
    "[{\"event\":\"accept\",\"conn\":1,\"t_ms\":105},"
    " {\"event\":\"end\",\"conn\":1,\"t_ms\":600,\"how\":\"server_closed\"},"
    " {\"event\":\"accept\",\"conn\":2,\"t_ms\":610},"
    " {\"event\":\"end\",\"conn\":2,\"t_ms\":611,\"how\":\"error\"},"
    " {\"event\":\"accept\",\"conn\":3,\"t_ms\":690},"
    " {\"event\":\"end\",\"conn\":3,\"t_ms\":900,\"how\":\"reset_by_fault\"}]";

static void observation_from_log_and_records(void **state)
{
    (void)state;
    sc_scenario_set set = load_ok(APP);
    cJSON *events = cJSON_Parse(EVENTS), *records = cJSON_Parse(RECORDS);
    sc_app_seen seen;
    int64_t restarts[] = {500};
    assert_int_equal(sc_app_seen_build(&seen, set.items[0], events, records, 100, restarts, 1),
                     0);
    assert_int_equal(seen.n_calls, 3);
    const sc_app_call *c = seen.calls;
    assert_int_equal(c[0].start_ms, 10); /* shifted by the application's start */
    assert_int_equal(c[0].end_ms, 60);
    assert_int_equal(c[0].code, SC_STATUS_UNAVAILABLE);
    assert_int_equal(c[0].responses, 2);
    assert_int_equal(c[0].requests, 1);
    assert_string_equal(c[0].first_request, "{\"topics\":[\"a\"]}");
    assert_int_equal(c[0].pushback_ms, -1);
    assert_int_equal(c[1].code, SC_STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(c[1].pushback_ms, 300); /* the plan's second call */
    assert_null(c[1].first_request);
    assert_int_equal(c[2].start_ms, 600);
    assert_int_equal(c[2].code, -1); /* cancelled: no status reached the app */
    assert_int_equal(c[2].end_ms, 800);
    assert_int_equal(seen.n_conns, 3);
    assert_false(seen.conns[0].refused);
    assert_true(seen.conns[1].refused);
    assert_string_equal(seen.how[2], "reset_by_fault");
    assert_int_equal(seen.n_disruptions, 2);
    assert_int_equal(seen.disruptions[0], 400); /* the restart */
    assert_int_equal(seen.disruptions[1], 800); /* the proxy's reset */
    cJSON *calls = sc_app_seen_calls_json(&seen);
    assert_int_equal(cJSON_GetArraySize(calls), 3);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(calls, 2), "code")));
    cJSON_Delete(calls);
    sc_sched_gap gaps[2] = {{140, 30, 170, true}, {299, 250, 410, true}};
    cJSON *rec = sc_app_seen_reconnect_json(&seen, &sc_scenario_app(set.items[0])->expect.policy,
                                            gaps, 2);
    cJSON *att = cJSON_GetObjectItem(rec, "attempts");
    assert_int_equal(cJSON_GetArraySize(att), 3);
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(att, 0), "gap_ms"));
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(att, 1), "gap_ms")->valueint, 140);
    cJSON_Delete(rec);
    sc_app_seen_free(&seen);
    cJSON_Delete(events);
    cJSON_Delete(records);
    sc_scenario_set_free(&set);
}

static void command_placeholders_and_environment(void **state)
{
    (void)state;
    char *argv_in[] = {"consumer", "--target={target}", "--port", "{port}", "{nope}",
                       "--wait={backoff_initial_ms}ms", NULL};
    char *env_in[] = {"CASE={case}", NULL};
    sc_impl app = {.name = "mine", .program = "/opt/consumer", .argv = argv_in, .env = env_in};
    sc_app_policy p = sc_app_policy_default();
    p.waits.initial_ms = 100;
    p.retry_codes = SC_APP_CODE_BIT(SC_STATUS_UNAVAILABLE) |
                    SC_APP_CODE_BIT(SC_STATUS_RESOURCE_EXHAUSTED);
    char **argv = NULL, **env = NULL;
    assert_int_equal(sc_app_command_build(&app, &p, "app/x@mine", 4242, &argv, &env), 0);
    assert_string_equal(argv[0], "/opt/consumer");
    assert_string_equal(argv[1], "--target=127.0.0.1:4242");
    assert_string_equal(argv[3], "4242");
    assert_string_equal(argv[4], "{nope}"); /* unknown placeholders stay */
    assert_string_equal(argv[5], "--wait=100ms");
    assert_null(argv[6]);
    bool target = false, codes = false, own = false;
    for (size_t i = 0; env[i] != NULL; i++) {
        target = target || strcmp(env[i], "SC_TARGET=127.0.0.1:4242") == 0;
        codes = codes || strcmp(env[i], "SC_RETRY_CODES=RESOURCE_EXHAUSTED,UNAVAILABLE") == 0;
        own = own || strcmp(env[i], "CASE=app/x@mine") == 0;
    }
    assert_true(target && codes && own);
    for (size_t i = 0; argv[i] != NULL; i++)
        free(argv[i]);
    for (size_t i = 0; env[i] != NULL; i++)
        free(env[i]);
    free(argv);
    free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(app_section_loads),
        cmocka_unit_test(app_errors_name_the_path),
        cmocka_unit_test(policy_object_applies_over_a_policy),
        cmocka_unit_test(observation_from_log_and_records),
        cmocka_unit_test(command_placeholders_and_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
