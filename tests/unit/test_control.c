/* Control metadata parsing (docs/peer-protocol.md, "Control metadata"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "sc_control.h"
#include "sc_status.h"

static void add(sc_md_list *md, const char *k, const char *v)
{
    assert_int_equal(sc_md_list_add(md, k, v, strlen(v)), 0);
}

static void defaults_when_absent(void **state)
{
    (void)state;
    sc_md_list md = {0};
    add(&md, "user-agent", "x");
    sc_control c;
    char err[256];
    assert_int_equal(sc_control_parse(&c, &md, err, sizeof err), 0);
    assert_null(c.case_id);
    assert_int_equal(c.initial_delay_ms, 0);
    assert_int_equal(c.response_delay_ms, -1);
    assert_int_equal(c.max_responses, -1);
    assert_false(c.fail);
    assert_int_equal(c.fail_after, 0);
    assert_int_equal(c.retry_pushback_ms, -1);
    assert_false(c.echo);
    assert_int_equal(c.echo_initial.count, 0);
    sc_control_free(&c);
    sc_md_list_free(&md);
}

static void every_key_parsed(void **state)
{
    (void)state;
    sc_md_list md = {0};
    add(&md, "x-sc-case", "subscribe/cancel");
    add(&md, "x-sc-initial-delay-ms", "250");
    add(&md, "x-sc-response-delay-ms", "0");
    add(&md, "x-sc-max-responses", "7");
    add(&md, "x-sc-fail-code", "resource_exhausted");
    add(&md, "x-sc-fail-message", "slow %E2%98%83 100% done%2");
    add(&md, "x-sc-fail-after", "3");
    add(&md, "x-sc-fail-calls", "2");
    add(&md, "x-sc-retry-pushback-ms", "40");
    add(&md, "x-sc-echo", "TRUE");
    add(&md, "x-sc-lazy-headers", "yes");
    add(&md, "x-grpc-test-echo-initial", "a");
    add(&md, "x-grpc-test-echo-initial", "b");
    assert_int_equal(sc_md_list_add(&md, "x-grpc-test-echo-trailing-bin", "\x00\xff", 2), 0);
    sc_control c;
    char err[256];
    assert_int_equal(sc_control_parse(&c, &md, err, sizeof err), 0);
    assert_string_equal(c.case_id, "subscribe/cancel");
    assert_int_equal(c.initial_delay_ms, 250);
    assert_int_equal(c.response_delay_ms, 0);
    assert_int_equal(c.max_responses, 7);
    assert_true(c.fail);
    assert_int_equal(c.fail_code, SC_STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(c.fail_message, "slow \xe2\x98\x83 100% done%2");
    assert_int_equal(c.fail_after, 3);
    assert_int_equal(c.fail_calls, 2);
    assert_int_equal(c.retry_pushback_ms, 40);
    assert_true(c.echo);
    assert_true(c.lazy_headers);
    assert_int_equal(c.echo_initial.count, 2);
    assert_int_equal(c.echo_trailing.count, 1);
    assert_int_equal(c.echo_trailing.items[0].value_len, 2);
    assert_int_equal(c.echo_trailing.items[0].value[1], 0xff);
    sc_control_free(&c);
    sc_md_list_free(&md);
}

static void expect_error(const char *key, const char *value, const char *want_prefix)
{
    sc_md_list md = {0};
    add(&md, key, value);
    sc_control c;
    char err[256] = "";
    assert_int_equal(sc_control_parse(&c, &md, err, sizeof err), -1);
    assert_memory_equal(err, want_prefix, strlen(want_prefix));
    sc_control_free(&c); /* safe after a failed parse */
    sc_md_list_free(&md);
}

/* x-sc-compress-responses (issue 14): the encoding, and the C core's per-call request for it
 * among the initial metadata to send. */
static void compress_responses(void **state)
{
    (void)state;
    sc_md_list md = {0};
    sc_control c;
    char err[256] = "";
    assert_int_equal(sc_control_parse(&c, &md, err, sizeof err), 0);
    assert_int_equal(c.compress_responses, 0);
    assert_int_equal(c.echo_initial.count, 0);
    sc_control_free(&c);
    add(&md, "x-sc-compress-responses", "gzip");
    assert_int_equal(sc_control_parse(&c, &md, err, sizeof err), 0);
    assert_int_equal(c.compress_responses, 2);
    const sc_md_entry *e = sc_md_list_find(&c.echo_initial, "grpc-internal-encoding-request");
    assert_non_null(e);
    assert_string_equal((const char *)e->value, "gzip");
    sc_control_free(&c);
    sc_md_list_free(&md);
    add(&md, "x-sc-compress-responses", "identity");
    assert_int_equal(sc_control_parse(&c, &md, err, sizeof err), 0);
    assert_int_equal(c.echo_initial.count, 0); /* nothing to ask the core */
    sc_control_free(&c);
    sc_md_list_free(&md);
    expect_error("x-sc-compress-responses", "snappy",
                 "x-sc-compress-responses: expected gzip, deflate or identity, got \"snappy\"");
    expect_error("x-sc-compress-responses", "GZIP", "x-sc-compress-responses: expected");
    add(&md, "x-sc-no-compress-responses", "0,2,63");
    assert_int_equal(sc_control_parse(&c, &md, err, sizeof err), 0);
    assert_true(c.no_compress_responses == ((1ull << 0) | (1ull << 2) | (1ull << 63)));
    sc_control_free(&c);
    sc_md_list_free(&md);
    static const char *const bad[] = {"", "1,", ",1", "64", "a", "1,,2", "-1", "123456789"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error("x-sc-no-compress-responses", bad[i],
                     "x-sc-no-compress-responses: expected response indices 0-63 separated by "
                     "commas");
}

static void malformed_values_name_the_key(void **state)
{
    (void)state;
    expect_error("x-sc-fail-code", "BOGUS", "x-sc-fail-code: unknown status code \"BOGUS\"");
    expect_error("x-sc-fail-code", "17", "x-sc-fail-code: unknown status code");
    expect_error("x-sc-max-responses", "ten",
                 "x-sc-max-responses: expected a whole number from 0 to 1000000000, got \"ten\"");
    expect_error("x-sc-initial-delay-ms", "-5", "x-sc-initial-delay-ms: expected a whole number");
    expect_error("x-sc-initial-delay-ms", "3600001", "x-sc-initial-delay-ms: expected");
    expect_error("x-sc-response-delay-ms", "", "x-sc-response-delay-ms: expected");
    expect_error("x-sc-fail-after", " 1", "x-sc-fail-after: expected");
    expect_error("x-sc-fail-calls", "-1", "x-sc-fail-calls: expected");
    expect_error("x-sc-echo", "maybe", "x-sc-echo: expected true or false, got \"maybe\"");
    expect_error("x-sc-lazy-headers", "2", "x-sc-lazy-headers: expected true or false, got \"2\"");
    expect_error("x-sc-retry-pushback-ms", "1e3", "x-sc-retry-pushback-ms: expected");
}

static void overlong_text_rejected(void **state)
{
    (void)state;
    char big[SC_CONTROL_MAX_TEXT + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    expect_error("x-sc-fail-message", big, "x-sc-fail-message: longer than 4096 bytes");
}

static void count_parser_bounds(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_true(sc_control_parse_count("0", 10, &v));
    assert_int_equal(v, 0);
    assert_true(sc_control_parse_count("10", 10, &v));
    assert_false(sc_control_parse_count("11", 10, &v));
    assert_false(sc_control_parse_count("99999999999999999999999", INT64_MAX / 10, &v));
    assert_false(sc_control_parse_count("+1", 10, &v));
    assert_false(sc_control_parse_count(NULL, 10, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_when_absent),          cmocka_unit_test(every_key_parsed),
        cmocka_unit_test(malformed_values_name_the_key), cmocka_unit_test(overlong_text_rejected),
        cmocka_unit_test(count_parser_bounds),           cmocka_unit_test(compress_responses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
