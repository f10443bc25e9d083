/* The status-code name table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sc_status.h"

static void names_match_numbers(void **state)
{
    (void)state;
    assert_string_equal(sc_status_name(0), "OK");
    assert_string_equal(sc_status_name(4), "DEADLINE_EXCEEDED");
    assert_string_equal(sc_status_name(8), "RESOURCE_EXHAUSTED");
    assert_string_equal(sc_status_name(16), "UNAUTHENTICATED");
    assert_null(sc_status_name(17));
    assert_null(sc_status_name(-1));
    assert_non_null(sc_status_meaning(14));
}

static void parse_round_trips_every_code(void **state)
{
    (void)state;
    for (int i = 0; i < SC_STATUS_COUNT; i++) {
        int code = -1;
        assert_true(sc_status_parse(sc_status_name(i), &code));
        assert_int_equal(code, i);
        char num[8];
        snprintf(num, sizeof num, "%d", i);
        assert_true(sc_status_parse(num, &code));
        assert_int_equal(code, i);
    }
}

static void parse_is_case_insensitive(void **state)
{
    (void)state;
    int code = -1;
    assert_true(sc_status_parse("resource_exhausted", &code));
    assert_int_equal(code, SC_STATUS_RESOURCE_EXHAUSTED);
}

static void parse_rejects_garbage(void **state)
{
    (void)state;
    int code = 99;
    const char *bad[] = {"", "RESOURCE_EXAUSTED", "17", "-1", "4x", " 4", "OK ", NULL};
    for (int i = 0; bad[i] != NULL; i++)
        assert_false(sc_status_parse(bad[i], &code));
    assert_false(sc_status_parse(NULL, &code));
    assert_int_equal(code, 99);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_match_numbers),
        cmocka_unit_test(parse_round_trips_every_code),
        cmocka_unit_test(parse_is_case_insensitive),
        cmocka_unit_test(parse_rejects_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
