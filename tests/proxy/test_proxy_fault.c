/* The fault list parser: every field, and errors that name the JSON path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_proxy_fault.h"

static sc_proxy_faults faults;

static void parses(const char *text)
{
    char err[512] = "";
    if (sc_proxy_faults_parse(text, &faults, err, sizeof err) != 0)
        fail_msg("%s: %s", text, err);
}

/* The parse fails and the message starts with `want`. */
static void rejects(const char *text, const char *want)
{
    char err[512] = "";
    assert_int_equal(sc_proxy_faults_parse(text, &faults, err, sizeof err), -1);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("%s\n got: %s\nwant: %s...", text, err, want);
    assert_int_equal(faults.count, 0);
}

static void empty_list(void **state)
{
    (void)state;
    parses("[]");
    assert_int_equal(faults.count, 0);
}

static void every_type_and_schedule(void **state)
{
    (void)state;
    parses("[{\"type\":\"reset\",\"at_ms\":100},"
           "{\"type\":\"close\",\"after_bytes\":50,\"direction\":\"down\"},"
           "{\"type\":\"blackhole\",\"at_case_ms\":2000,\"on_connection\":3},"
           "{\"type\":\"refuse\",\"on_connection\":{\"from\":1,\"to\":4}},"
           "{\"type\":\"latency\",\"ms\":80,\"jitter_ms\":10,\"direction\":\"up\"},"
           "{\"type\":\"bandwidth\",\"bytes_per_s\":10000},"
           "{\"type\":\"slice\",\"bytes\":3,\"delay_ms\":1,\"on_connection\":{\"from\":2}},"
           "{\"type\":\"cut_after_bytes\",\"bytes\":1000,\"direction\":\"up\"}]");
    assert_int_equal(faults.count, 8);
    const sc_proxy_fault *f = faults.items;
    assert_int_equal(f[0].type, SC_FAULT_RESET);
    assert_int_equal(f[0].trigger, SC_TRIGGER_AT_MS);
    assert_int_equal(f[0].trigger_value, 100);
    assert_int_equal(f[0].conn_from, 1);
    assert_true(f[0].conn_to == INT64_MAX);
    assert_int_equal(f[1].trigger, SC_TRIGGER_AFTER_BYTES);
    assert_int_equal(f[1].dirs, SC_PROXY_DIR_DOWN);
    assert_int_equal(f[2].trigger, SC_TRIGGER_AT_CASE_MS);
    assert_int_equal(f[2].conn_from, 3);
    assert_int_equal(f[2].conn_to, 3);
    assert_int_equal(f[3].type, SC_FAULT_REFUSE);
    assert_int_equal(f[3].conn_to, 4);
    assert_int_equal(f[4].ms, 80);
    assert_int_equal(f[4].jitter_ms, 10);
    assert_int_equal(f[4].dirs, SC_PROXY_DIR_UP);
    assert_int_equal(f[5].bytes_per_s, 10000);
    assert_int_equal(f[5].dirs, SC_PROXY_DIR_BOTH);
    assert_int_equal(f[6].bytes, 3);
    assert_int_equal(f[6].delay_ms, 1);
    assert_int_equal(f[6].conn_from, 2);
    assert_true(f[6].conn_to == INT64_MAX);
    assert_int_equal(f[7].type, SC_FAULT_CUT_AFTER_BYTES);
    assert_int_equal(f[7].trigger, SC_TRIGGER_AFTER_BYTES);
    assert_int_equal(f[7].trigger_value, 1000);
    assert_true(sc_proxy_fault_is_action(SC_FAULT_CUT_AFTER_BYTES));
    assert_false(sc_proxy_fault_is_action(SC_FAULT_SLICE));
    assert_string_equal(sc_proxy_fault_type_name(SC_FAULT_CUT_AFTER_BYTES), "cut_after_bytes");
}

static void errors_name_the_path(void **state)
{
    (void)state;
    rejects("[{\"type\":\"reset\"},{\"type\":\"close\"},{\"type\":\"rst\"}]",
            "faults[2].type: unknown fault \"rst\"");
    rejects("{\"type\":\"reset\"}", "faults: expected an array of faults");
    rejects("[1]", "faults[0]: expected an object");
    rejects("[{}]", "faults[0].type: missing");
    rejects("[{\"type\":7}]", "faults[0].type: expected a string");
    rejects("[{\"type\":\"reset\",\"at\":5}]", "faults[0].at: unknown field for a reset fault");
    rejects("[{\"type\":\"reset\",\"ms\":5}]", "faults[0].ms: unknown field for a reset fault");
    rejects("[{\"type\":\"reset\",\"at_ms\":1,\"at_ms\":2}]", "faults[0].at_ms: given twice");
    rejects("[{\"type\":\"reset\",\"at_ms\":1,\"after_bytes\":2}]",
            "faults[0].after_bytes: only one of at_ms, at_case_ms, after_bytes (at_ms given)");
    rejects("[{\"type\":\"reset\",\"at_ms\":-1}]", "faults[0].at_ms: -1 is out of range");
    rejects("[{\"type\":\"reset\",\"at_ms\":1.5}]", "faults[0].at_ms: expected a whole number");
    rejects("[{\"type\":\"reset\",\"at_ms\":1e400}]", "faults[0].at_ms: expected a whole number");
    rejects("[{\"type\":\"reset\",\"at_ms\":\"10\"}]", "faults[0].at_ms: expected a whole number");
    rejects("[{\"type\":\"reset\",\"at_ms\":3600001}]", "faults[0].at_ms: 3600001 is out of range");
    rejects("[{\"type\":\"latency\"}]", "faults[0].ms: missing (required for latency)");
    rejects("[{\"type\":\"bandwidth\",\"bytes_per_s\":0}]",
            "faults[0].bytes_per_s: 0 is out of range");
    rejects("[{\"type\":\"slice\"}]", "faults[0].bytes: missing (required for slice)");
    rejects("[{\"type\":\"slice\",\"bytes\":0}]", "faults[0].bytes: 0 is out of range");
    rejects("[{\"type\":\"cut_after_bytes\"}]",
            "faults[0].bytes: missing (required for cut_after_bytes)");
    rejects("[{\"type\":\"cut_after_bytes\",\"bytes\":5,\"at_ms\":3}]",
            "faults[0]: cut_after_bytes is its own schedule");
    rejects("[{\"type\":\"refuse\",\"at_ms\":3}]",
            "faults[0].at_ms: refuse happens at accept; use at_case_ms or on_connection");
    rejects("[{\"type\":\"refuse\",\"after_bytes\":3}]", "faults[0].after_bytes: refuse happens");
    rejects("[{\"type\":\"refuse\",\"direction\":\"up\"}]", "faults[0].direction: a refused");
    rejects("[{\"type\":\"reset\",\"direction\":\"up\"}]",
            "faults[0].direction: for a reset fault only with after_bytes");
    rejects("[{\"type\":\"latency\",\"ms\":1,\"direction\":\"sideways\"}]",
            "faults[0].direction: expected \"up\", \"down\" or \"both\"");
    rejects("[{\"type\":\"reset\",\"on_connection\":0}]",
            "faults[0].on_connection: 0 is out of range");
    rejects("[{\"type\":\"reset\",\"on_connection\":\"first\"}]",
            "faults[0].on_connection: expected a connection number");
    rejects("[{\"type\":\"reset\",\"on_connection\":{\"from\":3,\"to\":2}}]",
            "faults[0].on_connection: \"to\" (2) is before \"from\" (3)");
    rejects("[{\"type\":\"reset\",\"on_connection\":{\"first\":3}}]",
            "faults[0].on_connection.first: unknown field");
    rejects("[{\"type\":\"reset\",\"on_connection\":{\"from\":1,\"from\":2}}]",
            "faults[0].on_connection.from: given twice");
    rejects("[{\"type\":\"reset\",\"on_connection\":{\"from\":true}}]",
            "faults[0].on_connection.from: expected a whole number");
}

static void bad_json_and_limits(void **state)
{
    (void)state;
    rejects("[{\"type\":\"reset\"",
            "faults: invalid JSON at line 1, column 17, at the end of input");
    rejects("[] x", "faults: invalid JSON at line 1, column 4, at 'x'");
    rejects("", "faults: invalid JSON at line 1, column 1, at the end of input");
    char big[64 * (SC_PROXY_MAX_FAULTS + 1) + 8];
    size_t n = 0;
    big[n++] = '[';
    for (int i = 0; i <= SC_PROXY_MAX_FAULTS; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "%s{\"type\":\"reset\"}", i ? "," : "");
    snprintf(big + n, sizeof big - n, "]");
    rejects(big, "faults: more than 32 faults");
}

static void from_json_uses_the_callers_path(void **state)
{
    (void)state;
    cJSON *j = cJSON_Parse("[{\"type\":\"latency\",\"ms\":-5}]");
    char err[256];
    assert_int_equal(sc_proxy_faults_from_json(j, "scenarios[3].faults", &faults, err, sizeof err),
                     -1);
    assert_string_equal(err, "scenarios[3].faults[0].ms: -5 is out of range (0 to 3600000)");
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_list),
        cmocka_unit_test(every_type_and_schedule),
        cmocka_unit_test(errors_name_the_path),
        cmocka_unit_test(bad_json_and_limits),
        cmocka_unit_test(from_json_uses_the_callers_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
