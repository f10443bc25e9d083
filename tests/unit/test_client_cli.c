/* CLI helpers: -H key:value parsing, exit-code mapping, bounded numbers, method names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "sc_cli_util.h"
#include "sc_method.h"
#include "sc_status.h"

static void exit_codes_follow_grpcurl(void **state)
{
    (void)state;
    assert_int_equal(sc_cli_exit_code(SC_STATUS_OK), 0);
    assert_int_equal(sc_cli_exit_code(SC_STATUS_CANCELLED), 65);
    assert_int_equal(sc_cli_exit_code(SC_STATUS_DEADLINE_EXCEEDED), 68);
    assert_int_equal(sc_cli_exit_code(SC_STATUS_RESOURCE_EXHAUSTED), 72);
    assert_int_equal(sc_cli_exit_code(SC_STATUS_UNAVAILABLE), 78);
    assert_int_equal(sc_cli_exit_code(SC_STATUS_UNAUTHENTICATED), 80);
    assert_int_equal(sc_cli_exit_code(-1), SC_CLI_EXIT_LOCAL);
    assert_int_equal(sc_cli_exit_code(17), SC_CLI_EXIT_LOCAL);
    for (int c = 1; c < SC_STATUS_COUNT; c++)
        assert_int_equal(sc_cli_exit_code(c), 64 + c);
}

static void header_key_value(void **state)
{
    (void)state;
    sc_md_list md = {0};
    char err[256];
    assert_int_equal(sc_cli_parse_header("X-Trace-Id:abc", &md, err, sizeof err), 0);
    assert_int_equal(sc_cli_parse_header("x-sc-fail-message: two words", &md, err, sizeof err), 0);
    assert_int_equal(sc_cli_parse_header("x-empty:", &md, err, sizeof err), 0);
    assert_int_equal(sc_cli_parse_header("x-colon:a:b", &md, err, sizeof err), 0);
    assert_int_equal(md.count, 4);
    assert_string_equal(md.items[0].key, "x-trace-id"); /* lower-cased as on the wire */
    assert_string_equal((char *)md.items[0].value, "abc");
    assert_string_equal((char *)md.items[1].value, "two words");
    assert_int_equal(md.items[2].value_len, 0);
    assert_string_equal((char *)md.items[3].value, "a:b");
    sc_md_list_free(&md);
}

static void header_binary_values_are_base64(void **state)
{
    (void)state;
    sc_md_list md = {0};
    char err[256];
    assert_int_equal(sc_cli_parse_header("x-blob-bin:AAEC/w==", &md, err, sizeof err), 0);
    assert_int_equal(md.items[0].value_len, 4);
    assert_memory_equal(md.items[0].value, "\x00\x01\x02\xff", 4);
    assert_int_equal(sc_cli_parse_header("x-blob-bin:!!!", &md, err, sizeof err), -1);
    assert_non_null(strstr(err, "base64"));
    sc_md_list_free(&md);
}

static void header_errors_are_one_line(void **state)
{
    (void)state;
    const char *bad[] = {"novalue",         ":v",         "bad key:v",
                         "grpc-timeout:1S", "x-tab:a\tb", "x\xc3\xa9:v"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sc_md_list md = {0};
        char err[256] = "";
        assert_int_equal(sc_cli_parse_header(bad[i], &md, err, sizeof err), -1);
        assert_int_equal(md.count, 0);
        assert_true(strlen(err) > 0);
        assert_null(strchr(err, '\n'));
        sc_md_list_free(&md);
    }
}

static void header_too_long(void **state)
{
    (void)state;
    static char arg[SC_CLI_MAX_HEADER_TEXT + 16];
    memset(arg, 'a', sizeof arg - 1);
    arg[1] = ':';
    arg[sizeof arg - 1] = '\0';
    sc_md_list md = {0};
    char err[256];
    assert_int_equal(sc_cli_parse_header(arg, &md, err, sizeof err), -1);
    sc_md_list_free(&md);
}

static void numbers_are_whole_and_bounded(void **state)
{
    (void)state;
    int64_t v = 0;
    double d = 0;
    assert_true(sc_cli_parse_int64("42", 0, 100, &v));
    assert_int_equal(v, 42);
    assert_false(sc_cli_parse_int64("101", 0, 100, &v));
    assert_false(sc_cli_parse_int64("-1", 0, 100, &v));
    assert_false(sc_cli_parse_int64("4x", 0, 100, &v));
    assert_false(sc_cli_parse_int64("", 0, 100, &v));
    assert_false(sc_cli_parse_int64(" 4", 0, 100, &v));
    assert_false(sc_cli_parse_int64("99999999999999999999", 0, INT64_MAX, &v));
    assert_true(sc_cli_parse_double("1.6", 1, 100, &d));
    assert_true(d == 1.6);
    assert_false(sc_cli_parse_double("nan", 0, 1, &d));
    assert_false(sc_cli_parse_double("0.5x", 0, 1, &d));
    assert_false(sc_cli_parse_double("2", 0, 1, &d));
}

static void method_names(void **state)
{
    (void)state;
    sc_method m;
    assert_true(sc_method_parse("subscribe", &m));
    assert_int_equal(m, SC_METHOD_SUBSCRIBE);
    assert_true(sc_method_parse("UploadFile", &m));
    assert_int_equal(m, SC_METHOD_UPLOAD);
    assert_true(sc_method_parse("/streaming.DataService/Chat", &m));
    assert_int_equal(m, SC_METHOD_CHAT);
    assert_false(sc_method_parse("Get", &m));
    assert_false(sc_method_parse(NULL, &m));
    const sc_method_info *get = sc_method_get(SC_METHOD_GET);
    assert_string_equal(get->path, "/streaming.DataService/GetData");
    assert_false(get->client_streaming || get->server_streaming);
    const sc_method_info *chat = sc_method_get(SC_METHOD_CHAT);
    assert_true(chat->client_streaming && chat->server_streaming);
    assert_null(sc_method_get(SC_METHOD_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_codes_follow_grpcurl),
        cmocka_unit_test(header_key_value),
        cmocka_unit_test(header_binary_values_are_base64),
        cmocka_unit_test(header_errors_are_one_line),
        cmocka_unit_test(header_too_long),
        cmocka_unit_test(numbers_are_whole_and_bounded),
        cmocka_unit_test(method_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
