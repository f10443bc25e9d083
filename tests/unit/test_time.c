/* sc_time: the monotonic clocks agree and do not go back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sc_time.h"

static void nanoseconds_match_milliseconds_and_move_forward(void **state)
{
    (void)state;
    int64_t ms0 = sc_time_now_ms();
    int64_t ns0 = sc_time_now_ns();
    int64_t ms1 = sc_time_now_ms();
    assert_true(ns0 / 1000000 >= ms0 && ns0 / 1000000 <= ms1);
    int64_t prev = ns0;
    for (int i = 0; i < 1000; i++) {
        int64_t ns = sc_time_now_ns();
        assert_true(ns >= prev);
        prev = ns;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nanoseconds_match_milliseconds_and_move_forward),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
