/* sc_call_plan: parsing `serve --call-plan` files and handing out entries in arrival order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sc_call_plan.h"

#include <string.h>

static const char *value_of(const sc_md_list *md, const char *key)
{
    const sc_md_entry *e = sc_md_list_find(md, key);
    return e != NULL ? (const char *)e->value : NULL;
}

static void test_entries_in_arrival_order_then_the_rest(void **state)
{
    (void)state;
    sc_call_plan p;
    char err[256];
    const char *text = "{\"calls\": [{\"x-sc-case\": \"k\", \"x-sc-fail-code\": \"UNAVAILABLE\"},"
                       " {\"x-sc-case\": \"k\"}], \"then\": {\"x-sc-case\": \"k\","
                       " \"x-sc-max-responses\": \"3\"}}";
    assert_int_equal(sc_call_plan_parse(&p, "plan.json", text, err, sizeof err), 0);
    const sc_md_list *first = sc_call_plan_next(&p);
    assert_non_null(value_of(first, "x-sc-fail-code"));
    assert_memory_equal(value_of(first, "x-sc-fail-code"), "UNAVAILABLE", 11);
    assert_null(value_of(sc_call_plan_next(&p), "x-sc-fail-code"));
    for (int i = 0; i < 3; i++)
        assert_memory_equal(value_of(sc_call_plan_next(&p), "x-sc-max-responses"), "3", 1);
    sc_call_plan_free(&p);
}

static void test_without_then_later_calls_get_no_keys(void **state)
{
    (void)state;
    sc_call_plan p;
    char err[256];
    assert_int_equal(sc_call_plan_parse(&p, "p", "{\"calls\": []}", err, sizeof err), 0);
    assert_int_equal(sc_call_plan_next(&p)->count, 0);
    sc_call_plan_free(&p);
}

static void expect_error(const char *text, const char *part)
{
    sc_call_plan p;
    char err[256] = "";
    assert_int_equal(sc_call_plan_parse(&p, "plan.json", text, err, sizeof err), -1);
    if (strstr(err, part) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err, part);
}

static void test_errors_name_the_file_and_path(void **state)
{
    (void)state;
    expect_error("nope", "plan.json: not a JSON object");
    expect_error("{}", "plan.json: calls: missing");
    expect_error("{\"calls\": [{\"x-sc-fail-code\": 3}]}", "calls[0].x-sc-fail-code");
    expect_error("{\"calls\": [{\"user-agent\": \"a\"}]}", "calls[0].user-agent");
    expect_error("{\"calls\": [], \"then\": {\"x-a\": \"1\", \"x-a\": \"2\"}}", "then");
    expect_error("{\"calls\": [], \"extra\": 1}", "extra");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_in_arrival_order_then_the_rest),
        cmocka_unit_test(test_without_then_later_calls_get_no_keys),
        cmocka_unit_test(test_errors_name_the_file_and_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
