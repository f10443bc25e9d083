/* Scenarios with faults: the loader checks the fault list with the proxy's parser and
 * expect.network; the judge checks the proxy's records (result.network). No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sc_scenario.h"

static const char base[] =
    "{\"name\": \"n/x\", \"method\": \"GetData\", \"client\": {\"requests\": [{\"topics\": "
    "[\"a\"]}], \"timeout_ms\": 2000}, %s}";

static int load(sc_scenario_set *set, const char *body, char *err, size_t errlen)
{
    char text[2048];
    snprintf(text, sizeof text, base, body);
    memset(set, 0, sizeof *set);
    return sc_scenario_set_load_text(set, "t.json", text, err, errlen);
}

static void expect_load_error(const char *body, const char *want)
{
    sc_scenario_set set;
    char err[512] = "";
    assert_int_equal(load(&set, body, err, sizeof err), -1);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err, want);
    sc_scenario_set_free(&set);
}

static void loader_checks_faults_and_network(void **state)
{
    (void)state;
    expect_load_error("\"faults\": [{\"type\": \"rst\"}], \"expect\": {\"status\": \"OK\"}",
                      "t.json: faults[0].type: unknown fault \"rst\"");
    expect_load_error("\"faults\": {}, \"expect\": {\"status\": \"OK\"}", "t.json: faults");
    expect_load_error("\"expect\": {\"status\": \"OK\", \"network\": {\"connections\": 1}}",
                      "t.json: expect.network: needs a faults section");
    expect_load_error("\"faults\": [], \"expect\": {\"status\": \"OK\", \"network\": "
                      "{\"schedule\": {\"initial_ms\": 100}}}",
                      "t.json: expect.network.schedule: give initial_ms and max_ms");
    expect_load_error("\"faults\": [], \"expect\": {\"status\": \"OK\", \"network\": "
                      "{\"schedule\": {\"initial_ms\": 100, \"max_ms\": 400, \"jitter\": 2}}}",
                      "t.json: expect.network.schedule.jitter: expected a number in 0..0.999");
    expect_load_error("\"faults\": [], \"expect\": {\"status\": \"OK\", \"network\": "
                      "{\"conections\": 1}}",
                      "t.json: expect.network.conections: unknown field");

    sc_scenario_set set;
    char err[512];
    assert_int_equal(load(&set, "\"faults\": [{\"type\": \"latency\", \"ms\": 5}], "
                                "\"expect\": {\"status\": \"OK\"}", err, sizeof err), 0);
    const cJSON *f = sc_scenario_faults(set.items[0]);
    assert_true(cJSON_IsArray(f));
    assert_int_equal(cJSON_GetArraySize(f), 1);
    sc_scenario_set_free(&set);
    assert_int_equal(load(&set, "\"expect\": {\"status\": \"OK\"}", err, sizeof err), 0);
    assert_null(sc_scenario_faults(set.items[0]));
    sc_scenario_set_free(&set);
}

/* A result whose proxy accepted connections at these times. */
static cJSON *result_with_accepts(const int *t, size_t n)
{
    cJSON *r = cJSON_Parse("{\"case\":\"n/x@c->c\",\"status\":{\"code\":\"DEADLINE_EXCEEDED\","
                           "\"message\":\"\"},\"headers\":{},\"trailers\":{},\"responses\":[],"
                           "\"attempts\":[],\"timings\":{}}");
    cJSON *net = cJSON_AddArrayToObject(r, "network");
    for (size_t i = 0; i < n; i++) {
        char rec[128];
        snprintf(rec, sizeof rec, "{\"event\":\"accept\",\"conn\":%zu,\"t_ms\":%d}", i + 1, t[i]);
        cJSON_AddItemToArray(net, cJSON_Parse(rec));
        snprintf(rec, sizeof rec, "{\"event\":\"end\",\"conn\":%zu,\"t_ms\":%d,\"how\":\"refused\"}",
                 i + 1, t[i]);
        cJSON_AddItemToArray(net, cJSON_Parse(rec));
    }
    return r;
}

static void judge_checks_connections_and_schedule(void **state)
{
    (void)state;
    sc_scenario_set set;
    char err[512];
    assert_int_equal(
        load(&set,
             "\"faults\": [{\"type\": \"refuse\"}], \"expect\": {\"status\": \"DEADLINE_EXCEEDED\", "
             "\"network\": {\"connections\": {\"min\": 3}, \"schedule\": {\"initial_ms\": 100, "
             "\"max_ms\": 400, \"tolerance_ms\": 10}}}",
             err, sizeof err),
        0);
    const cJSON *empty = cJSON_CreateArray();
    sc_judgement j;

    /* gaps 100, 160, 256 (x1.6 each time, capped at 400): inside */
    int good[] = {0, 100, 260, 516};
    cJSON *r = result_with_accepts(good, 4);
    assert_int_equal(sc_scenario_judge(set.items[0], r, empty, &j), 0);
    assert_true(j.passed);
    sc_judgement_free(&j);
    /* the report block has one window per gap */
    cJSON *block = sc_scenario_reconnect_json(set.items[0], r);
    assert_non_null(block);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(block, "attempts")), 4);
    cJSON_Delete(block);
    cJSON_Delete(r);

    /* a gap far too short (a client that does not back off) and too few connections */
    int bad[] = {0, 5};
    r = result_with_accepts(bad, 2);
    assert_int_equal(sc_scenario_judge(set.items[0], r, empty, &j), 0);
    assert_false(j.passed);
    bool saw_count = false, saw_gap = false;
    for (size_t i = 0; i < j.n_failures; i++) {
        saw_count |= strcmp(j.failures[i].path, "expect.network.connections") == 0;
        saw_gap |= strcmp(j.failures[i].path, "expect.network.schedule[0]") == 0;
    }
    assert_true(saw_count);
    assert_true(saw_gap);
    sc_judgement_free(&j);
    cJSON_Delete(r);

    /* no proxy records at all: zero connections */
    r = result_with_accepts(NULL, 0);
    assert_int_equal(sc_scenario_judge(set.items[0], r, empty, &j), 0);
    assert_false(j.passed);
    sc_judgement_free(&j);
    cJSON_Delete(r);
    cJSON_Delete((cJSON *)empty);
    sc_scenario_set_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loader_checks_faults_and_network),
        cmocka_unit_test(judge_checks_connections_and_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
