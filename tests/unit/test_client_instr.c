/* Client-driver instruction lines: defaults, every field, and errors that name the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sc_client_instr.h"
#include "sc_status.h"
#include "streaming.pb-c.h"

static void minimal_instruction_gets_defaults(void **state)
{
    (void)state;
    sc_client_instr in;
    char err[512];
    assert_int_equal(
        sc_client_instr_parse("{\"case\":\"c1\",\"target\":\"127.0.0.1:1\",\"method\":\"Chat\"}",
                              &in, err, sizeof err),
        0);
    assert_string_equal(in.case_id, "c1");
    assert_string_equal(in.target, "127.0.0.1:1");
    assert_int_equal(in.method, SC_METHOD_CHAT);
    assert_int_equal(in.timeout_ms, SC_INSTR_DEFAULT_TIMEOUT_MS);
    assert_true(in.half_close);
    assert_false(in.reconnect);
    assert_int_equal(in.cancel.kind, SC_CANCEL_NONE);
    assert_int_equal(in.n_requests, 0);
    assert_null(in.path);
    sc_client_instr_free(&in);
}

static void path_overrides_the_wire_path(void **state)
{
    (void)state;
    sc_client_instr in;
    char err[512];
    assert_int_equal(sc_client_instr_parse("{\"case\":\"c\",\"target\":\"h:1\",\"method\":"
                                           "\"GetData\",\"path\":\"/streaming.Nope/Get_Data2\"}",
                                           &in, err, sizeof err),
                     0);
    assert_int_equal(in.method, SC_METHOD_GET);
    assert_string_equal(in.path, "/streaming.Nope/Get_Data2");
    sc_client_instr_free(&in);
    static const char *const bad[] = {"\"\"",       "\"streaming.X/Y\"", "\"/streaming.X\"",
                                      "\"/a/b/c\"", "\"//b\"",           "\"/a/\"",
                                      "\"/a b/c\"", "\"/a/c\\u00e9\"",   "5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\",\"path\":%s}", bad[i]);
        assert_int_equal(sc_client_instr_parse(line, &in, err, sizeof err), -1);
        assert_string_equal(err,
                            "path: expected \"/package.Service/Method\" (at most 256 characters)");
        sc_client_instr_free(&in);
    }
}

static void full_instruction(void **state)
{
    (void)state;
    const char *line =
        "{\"case\":\"full\",\"target\":\"h:1\",\"method\":\"/streaming.DataService/SubscribeData\","
        "\"metadata\":{\"x-a\":\"1\",\"x-b\":[\"2\",\"3\"],\"x-c-bin\":\"AAE=\"},"
        "\"timeout_ms\":1500,\"start_delay_ms\":40,\"read_pause_ms\":70,\"requests\":[{"
        "\"subscriptionId\":\"s\",\"topics\":[\"t\"],"
        "\"batchSize\":3}],\"request_delay_ms\":20,\"half_close\":false,\"pingpong\":true,"
        "\"wait_for_ready\":true,"
        "\"cancel\":{\"after_responses\":2},"
        "\"reconnect\":{\"backoff_initial_ms\":100,\"backoff_multiplier\":2,\"backoff_jitter\":0,"
        "\"backoff_max_ms\":400,\"exhausted_backoff_ms\":50,\"max_attempts\":4,"
        "\"retry_codes\":[\"UNAVAILABLE\",13],\"honor_pushback\":true},"
        "\"channel\":{\"max_receive_bytes\":1024,\"max_send_bytes\":512,"
        "\"initial_reconnect_backoff_ms\":100,"
        "\"min_reconnect_backoff_ms\":100,\"max_reconnect_backoff_ms\":200,\"bdp_probe\":false,"
        "\"service_config\":{\"methodConfig\":[]}}}";
    sc_client_instr in;
    char err[512];
    assert_int_equal(sc_client_instr_parse(line, &in, err, sizeof err), 0);
    assert_int_equal(in.method, SC_METHOD_SUBSCRIBE);
    assert_int_equal(in.metadata.count, 4);
    assert_string_equal(in.metadata.items[2].key, "x-b");
    assert_int_equal(in.metadata.items[3].value_len, 2);
    assert_memory_equal(in.metadata.items[3].value, "\x00\x01", 2);
    assert_int_equal(in.timeout_ms, 1500);
    assert_int_equal(in.start_delay_ms, 40);
    assert_int_equal(in.read_pause_ms, 70);
    assert_int_equal(in.n_requests, 1);
    const Streaming__StreamRequest *r = (const Streaming__StreamRequest *)in.requests[0];
    assert_string_equal(r->subscription_id, "s");
    assert_int_equal(r->batch_size, 3);
    assert_int_equal(in.request_delay_ms, 20);
    assert_false(in.half_close);
    assert_true(in.pingpong);
    assert_true(in.wait_for_ready);
    assert_int_equal(in.cancel.kind, SC_CANCEL_AFTER_RESPONSES);
    assert_int_equal(in.cancel.n, 2);
    assert_true(in.reconnect);
    assert_int_equal(in.policy.backoff.initial_ms, 100);
    assert_true(in.policy.backoff.multiplier == 2.0);
    assert_true(in.policy.backoff.jitter == 0.0);
    assert_int_equal(in.policy.backoff.max_ms, 400);
    assert_int_equal(in.policy.exhausted_backoff_ms, 50);
    assert_int_equal(in.policy.max_attempts, 4);
    assert_true(in.policy.honor_pushback);
    assert_int_equal(in.policy.retry_codes, SC_RECONNECT_CODE_BIT(SC_STATUS_UNAVAILABLE) |
                                                SC_RECONNECT_CODE_BIT(SC_STATUS_INTERNAL));
    assert_int_equal(in.channel.max_receive_bytes, 1024);
    assert_int_equal(in.channel.max_send_bytes, 512);
    assert_int_equal(in.channel.max_reconnect_backoff_ms, 200);
    assert_true(in.channel.no_bdp_probe);
    assert_string_equal(in.service_config, "{\"methodConfig\":[]}");
    assert_ptr_equal(in.channel.service_config, in.service_config);
    sc_client_instr_free(&in);
}

static void cancel_positions(void **state)
{
    (void)state;
    const struct {
        const char *cancel;
        sc_client_cancel_kind kind;
        int64_t n;
    } cases[] = {
        {"{\"before_send\":true}", SC_CANCEL_BEFORE_SEND, 0},
        {"{\"before_send\":{}}", SC_CANCEL_BEFORE_SEND, 0},
        {"{\"after_responses\":3}", SC_CANCEL_AFTER_RESPONSES, 3},
        {"{\"after_ms\":250}", SC_CANCEL_AFTER_MS, 250},
        {"{\"after_close_send_ms\":0}", SC_CANCEL_AFTER_CLOSE_SEND_MS, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\",\"cancel\":%s}",
                 cases[i].cancel);
        sc_client_instr in;
        char err[512];
        assert_int_equal(sc_client_instr_parse(line, &in, err, sizeof err), 0);
        assert_int_equal(in.cancel.kind, cases[i].kind);
        assert_int_equal(in.cancel.n, cases[i].n);
        sc_client_instr_free(&in);
    }
}

static void reconnect_true_uses_defaults_with_bounded_attempts(void **state)
{
    (void)state;
    sc_client_instr in;
    char err[512];
    assert_int_equal(sc_client_instr_parse("{\"case\":\"c\",\"target\":\"h:1\",\"method\":"
                                           "\"GetData\",\"reconnect\":true}",
                                           &in, err, sizeof err),
                     0);
    assert_true(in.reconnect);
    assert_int_equal(in.policy.backoff.initial_ms, 1000);
    assert_int_equal(in.policy.max_attempts, SC_INSTR_DEFAULT_MAX_ATTEMPTS);
    assert_false(in.policy.honor_pushback);
    sc_client_instr_free(&in);
}

/* Each bad line must fail with an error starting with `field` and keep the case when given. */
static void bad_lines_name_the_field(void **state)
{
    (void)state;
    const struct {
        const char *line;
        const char *field;
        const char *case_id;
    } cases[] = {
        {"not json", "(line):", NULL},
        {"[1,2]", "(line):", NULL},
        {"{\"target\":\"h:1\",\"method\":\"GetData\"}", "case:", NULL},
        {"{\"case\":7,\"target\":\"h:1\",\"method\":\"GetData\"}", "case:", NULL},
        {"{\"case\":\"a\",\"method\":\"GetData\"}", "target:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\"}", "method:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"Nope\"}", "method:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"extra\":1}", "extra:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"timeout_ms\":\"5\"}",
         "timeout_ms:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"timeout_ms\":0}",
         "timeout_ms:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"timeout_ms\":1.5}",
         "timeout_ms:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"half_close\":1}",
         "half_close:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"metadata\":[]}",
         "metadata:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"metadata\":{\"X\":\"1\"}}",
         "metadata.X:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"metadata\":{\"x\":1}}",
         "metadata.x:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"metadata\":{\"x-bin\":"
         "\"%%\"}}",
         "metadata.x-bin:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"requests\":{}}",
         "requests:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"requests\":[{},{\"nope\":"
         "1}]}",
         "requests[1].nope:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"requests\":[7]}",
         "requests[0]:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"requests\":[{\"batchSize\":"
         "true}]}",
         "requests[0].batchSize:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"cancel\":{}}",
         "cancel:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"cancel\":{\"after_ms\":1,"
         "\"before_send\":true}}",
         "cancel:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"cancel\":{\"later\":1}}",
         "cancel.later:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"cancel\":{"
         "\"after_responses\":0}}",
         "cancel.after_responses:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"reconnect\":5}",
         "reconnect:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"reconnect\":{"
         "\"backoff_jitter\":1.5}}",
         "reconnect.backoff_jitter:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"reconnect\":{"
         "\"retry_codes\":[\"NOPE\"]}}",
         "reconnect.retry_codes[0]:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"reconnect\":{"
         "\"backoff_initial_ms\":500,\"backoff_max_ms\":100}}",
         "reconnect.backoff_max_ms:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"reconnect\":{\"x\":1}}",
         "reconnect.x:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"start_delay_ms\":-1}",
         "start_delay_ms:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"read_pause_ms\":\"x\"}",
         "read_pause_ms:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"channel\":{"
         "\"bdp_probe\":0}}",
         "channel.bdp_probe: expected true or false", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"reconnect\":{"
         "\"honor_pushback\":1}}",
         "reconnect.honor_pushback: expected true or false", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"channel\":{"
         "\"max_receive_bytes\":-1}}",
         "channel.max_receive_bytes:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"channel\":{"
         "\"max_send_bytes\":-1}}",
         "channel.max_send_bytes:", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"Chat\",\"pingpong\":1}",
         "pingpong: expected true or false", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"channel\":{\"tls\":true}}",
         "channel.tls:", "a"},
        /* A key given twice is refused (cJSON keeps both; which one wins would be a guess). */
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"timeout_ms\":5,"
         "\"timeout_ms\":6}",
         "timeout_ms: given twice", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"reconnect\":{"
         "\"max_attempts\":2,\"max_attempts\":3}}",
         "reconnect.max_attempts: given twice", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"metadata\":{"
         "\"x\":\"1\",\"x\":\"2\"}}",
         "metadata.x: given twice", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"timeout_ms\":1e400}",
         "timeout_ms: expected an integer", "a"},
        {"{\"case\":\"a\",\"target\":\"h:1\",\"method\":\"GetData\",\"reconnect\":{"
         "\"backoff_multiplier\":1e400}}",
         "reconnect.backoff_multiplier: expected a number", "a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sc_client_instr in;
        char err[512] = "";
        int rc = sc_client_instr_parse(cases[i].line, &in, err, sizeof err);
        if (rc != -1 || strncmp(err, cases[i].field, strlen(cases[i].field)) != 0)
            fail_msg("line %zu: rc %d err '%s', wanted '%s'", i, rc, err, cases[i].field);
        if (cases[i].case_id == NULL)
            assert_null(in.case_id);
        else
            assert_string_equal(in.case_id, cases[i].case_id);
        sc_client_instr_free(&in);
    }
}

/* The contract (contract/sc_instr) owns the policy defaults; the C client's must be the same. */
static void contract_defaults_are_the_clients(void **state)
{
    (void)state;
    sc_reconnect_policy d = sc_reconnect_policy_default();
    assert_int_equal(d.backoff.initial_ms, SC_INSTR_DEFAULT_BACKOFF_INITIAL_MS);
    assert_true(d.backoff.multiplier == SC_INSTR_DEFAULT_BACKOFF_MULTIPLIER);
    assert_true(d.backoff.jitter == SC_INSTR_DEFAULT_BACKOFF_JITTER);
    assert_int_equal(d.backoff.max_ms, SC_INSTR_DEFAULT_BACKOFF_MAX_MS);
    assert_int_equal(d.exhausted_backoff_ms, SC_INSTR_DEFAULT_EXHAUSTED_MS);
    sc_client_instr in;
    char err[512];
    assert_int_equal(sc_client_instr_parse("{\"case\":\"c\",\"target\":\"h:1\",\"method\":"
                                           "\"GetData\",\"reconnect\":{\"max_attempts\":2}}",
                                           &in, err, sizeof err),
                     0);
    assert_int_equal(in.policy.retry_codes, d.retry_codes);
    assert_int_equal(in.policy.max_attempts, 2);
    sc_client_instr_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(minimal_instruction_gets_defaults),
        cmocka_unit_test(path_overrides_the_wire_path),
        cmocka_unit_test(full_instruction),
        cmocka_unit_test(cancel_positions),
        cmocka_unit_test(reconnect_true_uses_defaults_with_bounded_attempts),
        cmocka_unit_test(bad_lines_name_the_field),
        cmocka_unit_test(contract_defaults_are_the_clients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
