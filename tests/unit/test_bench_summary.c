/* streamconform bench: median and min-max of repeats, /proc/PID/stat parsing
 * (cli/sc_cli_bench_stats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <unistd.h>

#include "sc_cli_bench_stats.h"

static void median_of_an_odd_count(void **state)
{
    (void)state;
    const double v[] = {5, 1, 3};
    sc_bench_summary s;
    assert_int_equal(sc_bench_summarize(v, 3, &s), 0);
    assert_true(s.median == 3 && s.min == 1 && s.max == 5);
    assert_int_equal(s.n, 3);
    assert_true(v[0] == 5); /* the input is left as it was */
}

static void median_of_an_even_count_is_the_middle_mean(void **state)
{
    (void)state;
    const double v[] = {4, 1, 10, 2};
    sc_bench_summary s;
    assert_int_equal(sc_bench_summarize(v, 4, &s), 0);
    assert_true(s.median == 3 && s.min == 1 && s.max == 10);
}

static void one_and_zero_values(void **state)
{
    (void)state;
    const double v[] = {7.5};
    sc_bench_summary s;
    assert_int_equal(sc_bench_summarize(v, 1, &s), 0);
    assert_true(s.median == 7.5 && s.min == 7.5 && s.max == 7.5);
    assert_int_equal(sc_bench_summarize(v, 0, &s), 0);
    assert_int_equal(s.n, 0);
    assert_true(s.median == 0);
}

static void too_many_values_are_refused(void **state)
{
    (void)state;
    static double v[SC_BENCH_MAX_REPEATS + 1];
    sc_bench_summary s;
    assert_int_equal(sc_bench_summarize(v, SC_BENCH_MAX_REPEATS + 1, &s), -1);
    assert_int_equal(sc_bench_summarize(v, SC_BENCH_MAX_REPEATS, &s), 0);
}

static void proc_stat_fields_14_and_15(void **state)
{
    (void)state;
    const char *line = "1686 (cat) R 1643 1643 32089 0 -1 4194304 100 0 0 0 17 42 0 0 20 0 1 0 "
                       "243401 3133440 379 18446744073709551615 0 0\n";
    uint64_t u = 0, s = 0;
    assert_int_equal(sc_bench_parse_proc_stat(line, &u, &s), 0);
    assert_int_equal(u, 17);
    assert_int_equal(s, 42);
}

/* The command name may hold spaces and ')': fields count from the last ')'. */
static void proc_stat_command_with_parentheses(void **state)
{
    (void)state;
    const char *line = "77 (a) b (c)) S 1 77 77 0 -1 0 0 0 0 0 300 5 0 0 20 0 1 0 1 1 1";
    uint64_t u = 0, s = 0;
    assert_int_equal(sc_bench_parse_proc_stat(line, &u, &s), 0);
    assert_int_equal(u, 300);
    assert_int_equal(s, 5);
}

static void proc_stat_malformed(void **state)
{
    (void)state;
    uint64_t u = 9, s = 9;
    const char *bad[] = {
        "",
        "1686 cat R 1 2 3",
        "1686 (cat) R 1643 1643 32089 0 -1 4194304 100 0 0 0",      /* ends before utime */
        "1686 (cat) R 1643 1643 32089 0 -1 4194304 100 0 0 0 x 1",  /* utime not a number */
        "1686 (cat) R 1643 1643 32089 0 -1 4194304 100 0 0 0 1 -2", /* negative stime */
        "1686 (cat)R 1643 1643 32089 0 -1 4194304 100 0 0 0 1 2",
        NULL,
    };
    for (int i = 0; bad[i] != NULL; i++)
        assert_int_equal(sc_bench_parse_proc_stat(bad[i], &u, &s), -1);
    assert_int_equal(sc_bench_parse_proc_stat(NULL, &u, &s), -1);
    assert_int_equal(u, 9);
    assert_int_equal(s, 9);
}

static void proc_cpu_of_this_process(void **state)
{
    (void)state;
    assert_true(sc_bench_proc_cpu_read((long)getpid()) >= 0);
    assert_true(sc_bench_proc_cpu_read(-1) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(median_of_an_odd_count),
        cmocka_unit_test(median_of_an_even_count_is_the_middle_mean),
        cmocka_unit_test(one_and_zero_values),
        cmocka_unit_test(too_many_values_are_refused),
        cmocka_unit_test(proc_stat_fields_14_and_15),
        cmocka_unit_test(proc_stat_command_with_parentheses),
        cmocka_unit_test(proc_stat_malformed),
        cmocka_unit_test(proc_cpu_of_this_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
