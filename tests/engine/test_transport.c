/* engine/sc_transport: the transport axis (run --transport), column names and case ids, the
 * server arguments, the symbolic client.channel.tls of scenarios and its translation into the
 * driver's channel.tls, and the loader's checks of both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sc_scenario.h"
#include "sc_transport.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void list_parsing(void **state)
{
    (void)state;
    unsigned mask = 0;
    char err[256];
    assert_int_equal(sc_transport_parse_list("plaintext,tls", &mask, err, sizeof err), 0);
    assert_int_equal(mask,
                     SC_TRANSPORT_BIT(SC_TRANSPORT_PLAINTEXT) | SC_TRANSPORT_BIT(SC_TRANSPORT_TLS));
    assert_int_equal(sc_transport_parse_list("mtls", &mask, err, sizeof err), 0);
    assert_int_equal(mask, SC_TRANSPORT_BIT(SC_TRANSPORT_MTLS));
    assert_int_equal(sc_transport_parse_list("tls,ssl", &mask, err, sizeof err), -1);
    assert_string_equal(err, "unknown transport \"ssl\" (known: plaintext, tls, mtls)");
    assert_int_equal(sc_transport_parse_list("", &mask, err, sizeof err), -1);
    assert_int_equal(sc_transport_parse_list("tls,,mtls", &mask, err, sizeof err), -1);
}

static void columns_and_ids(void **state)
{
    (void)state;
    char *c = sc_transport_column("go", SC_TRANSPORT_TLS);
    assert_string_equal(c, "go+tls");
    free(c);
    c = sc_transport_column("go", SC_TRANSPORT_PLAINTEXT);
    assert_string_equal(c, "go");
    free(c);
    size_t n = 0;
    assert_int_equal(sc_transport_of_column("c+mtls", &n), SC_TRANSPORT_MTLS);
    assert_int_equal(n, 1);
    assert_int_equal(sc_transport_of_column("c", &n), SC_TRANSPORT_PLAINTEXT);
    assert_int_equal(n, 1);
    /* a name with a '+' that is no transport stays whole */
    assert_int_equal(sc_transport_of_column("my+srv", &n), SC_TRANSPORT_PLAINTEXT);
    assert_int_equal(n, 6);
    char *base = sc_transport_base_id("get/happy/basic@go->c+tls");
    assert_string_equal(base, "get/happy/basic@go->c");
    free(base);
    assert_null(sc_transport_base_id("get/happy/basic@go->c"));
}

static void server_arguments(void **state)
{
    (void)state;
    sc_tls_material m;
    sc_transport_placeholder(&m, "/d");
    const char *args[SC_TRANSPORT_MAX_ARGS];
    assert_int_equal(sc_transport_server_args(SC_TRANSPORT_PLAINTEXT, &m, args), 0);
    assert_int_equal(sc_transport_server_args(SC_TRANSPORT_TLS, &m, args), 4);
    assert_string_equal(args[1], "/d/server.pem");
    assert_string_equal(args[3], "/d/server.key");
    assert_int_equal(sc_transport_server_args(SC_TRANSPORT_MTLS, &m, args), 6);
    assert_string_equal(args[4], "--tls-client-ca");
    assert_string_equal(args[5], "/d/ca.pem");
}

/* apply on an instruction with `channel` (JSON or NULL); the resulting channel as text. */
static char *applied(const char *channel, sc_transport t)
{
    sc_tls_material m;
    sc_transport_placeholder(&m, "/d");
    cJSON *instr = cJSON_CreateObject();
    if (channel != NULL)
        cJSON_AddItemToObject(instr, "channel", cJSON_Parse(channel));
    assert_int_equal(sc_transport_apply(instr, t, &m), 0);
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(instr, "channel"));
    cJSON_Delete(instr);
    return text != NULL ? text : strdup("(none)");
}

static void expect_applied(const char *channel, sc_transport t, const char *want)
{
    char *got = applied(channel, t);
    if (strcmp(got, want) != 0)
        fail_msg("%s over %s\n got: %s\nwant: %s", channel ? channel : "(none)",
                 sc_transport_name(t), got, want);
    free(got);
}

static void symbolic_tls_becomes_files(void **state)
{
    (void)state;
    expect_applied(NULL, SC_TRANSPORT_PLAINTEXT, "(none)");
    expect_applied(NULL, SC_TRANSPORT_TLS, "{\"tls\":{\"ca_file\":\"/d/ca.pem\"}}");
    expect_applied(NULL, SC_TRANSPORT_MTLS,
                   "{\"tls\":{\"ca_file\":\"/d/ca.pem\",\"cert_file\":\"/d/client.pem\","
                   "\"key_file\":\"/d/client.key\"}}");
    expect_applied("{\"bdp_probe\":false}", SC_TRANSPORT_TLS,
                   "{\"bdp_probe\":false,\"tls\":{\"ca_file\":\"/d/ca.pem\"}}");
    expect_applied("{\"tls\":{\"ca\":\"other\",\"authority\":\"localhost\"}}", SC_TRANSPORT_TLS,
                   "{\"tls\":{\"ca_file\":\"/d/other-ca.pem\",\"authority\":\"localhost\"}}");
    expect_applied("{\"tls\":{\"client_cert\":false}}", SC_TRANSPORT_MTLS,
                   "{\"tls\":{\"ca_file\":\"/d/ca.pem\"}}");
    expect_applied("{\"tls\":{\"client_cert\":true}}", SC_TRANSPORT_TLS,
                   "{\"tls\":{\"ca_file\":\"/d/ca.pem\",\"cert_file\":\"/d/client.pem\","
                   "\"key_file\":\"/d/client.key\"}}");
    expect_applied("{\"tls\":{}}", SC_TRANSPORT_PLAINTEXT, "{}");
}

static void spec_and_transports_checks(void **state)
{
    (void)state;
    char err[256];
    cJSON *ok = cJSON_Parse("{\"ca\":\"run\",\"client_cert\":true,\"authority\":\"localhost\"}");
    assert_int_equal(sc_transport_check_spec(ok, "client.channel.tls", err, sizeof err), 0);
    cJSON_Delete(ok);
    static const struct {
        const char *spec, *err;
    } bad[] = {
        {"{\"ca\":\"mine\"}", "client.channel.tls.ca: expected \"run\" (the run's CA) or \"other\" "
                              "(an unrelated CA), got \"mine\""},
        {"{\"client_cert\":1}", "client.channel.tls.client_cert: expected true or false"},
        {"{\"ca_file\":\"x\"}", "client.channel.tls.ca_file: unknown field"},
        {"{\"authority\":\"a/b\"}", "client.channel.tls.authority: expected a host name (no "
                                    "spaces, '/' or '@', at most 253 bytes)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *spec = cJSON_Parse(bad[i].spec);
        err[0] = '\0';
        int rc = sc_transport_check_spec(spec, "client.channel.tls", err, sizeof err);
        cJSON_Delete(spec);
        if (rc != -1 || strcmp(err, bad[i].err) != 0)
            fail_msg("%s\n got: %s\nwant: %s", bad[i].spec, err, bad[i].err);
    }
    unsigned mask = 0;
    assert_int_equal(sc_transport_scenario_mask(NULL, false, "transports", &mask, err, sizeof err),
                     0);
    assert_int_equal(mask, SC_TRANSPORT_ALL);
    assert_int_equal(sc_transport_scenario_mask(NULL, true, "transports", &mask, err, sizeof err),
                     0);
    assert_int_equal(mask,
                     SC_TRANSPORT_BIT(SC_TRANSPORT_TLS) | SC_TRANSPORT_BIT(SC_TRANSPORT_MTLS));
    cJSON *t = cJSON_Parse("[\"mtls\",\"mtls\"]");
    assert_int_equal(sc_transport_scenario_mask(t, false, "transports", &mask, err, sizeof err),
                     -1);
    assert_string_equal(err, "transports[1]: \"mtls\" given twice");
    cJSON_Delete(t);
    t = cJSON_Parse("[\"plaintext\"]");
    assert_int_equal(sc_transport_scenario_mask(t, true, "transports", &mask, err, sizeof err), -1);
    cJSON_Delete(t);
}

/* The scenario library's TLS file loads, with its transports. */
static void library_tls_scenarios_load(void **state)
{
    (void)state;
    sc_scenario_set set = {0};
    char err[1024] = "";
    if (sc_scenario_set_load(&set, SC_SCENARIO_LIBRARY "/tls", err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_true(set.count >= 5);
    for (size_t i = 0; i < set.count; i++) {
        unsigned m = sc_scenario_transports(set.items[i]);
        assert_int_equal(m & SC_TRANSPORT_BIT(SC_TRANSPORT_PLAINTEXT), 0);
        assert_int_not_equal(m, 0);
    }
    sc_scenario_set_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_parsing),
        cmocka_unit_test(columns_and_ids),
        cmocka_unit_test(server_arguments),
        cmocka_unit_test(symbolic_tls_becomes_files),
        cmocka_unit_test(spec_and_transports_checks),
        cmocka_unit_test(library_tls_scenarios_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
