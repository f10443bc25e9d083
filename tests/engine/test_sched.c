/* sc_sched: the order a run starts its cases in, and its busy and waiting slots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>

#include "sc_sched.h"

/* Cases of the large ordering test: more than a matrix of the main job. */
#define T_MANY 20000

static void longest_first_ties_in_plan_order(void **state)
{
    (void)state;
    int64_t ms[] = {30, 20000, 30, 500, 20000, -1, 500};
    size_t order[7];
    assert_int_equal(sc_sched_order(ms, 7, order), 0);
    size_t want[] = {1, 4, 3, 6, 0, 2, 5};
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(order[i], want[i]);
}

static void empty_and_one(void **state)
{
    (void)state;
    size_t order[1] = {99};
    assert_int_equal(sc_sched_order(NULL, 0, order), 0);
    assert_int_equal(order[0], 99);
    int64_t one = 5;
    assert_int_equal(sc_sched_order(&one, 1, order), 0);
    assert_int_equal(order[0], 0);
}

static void many_cases_stay_sorted_and_stable(void **state)
{
    (void)state;
    int64_t *ms = calloc(T_MANY, sizeof *ms);
    size_t *order = calloc(T_MANY, sizeof *order);
    assert_non_null(ms);
    assert_non_null(order);
    for (size_t i = 0; i < T_MANY; i++)
        ms[i] = (int64_t)((i * 7919) % 97); /* few distinct values: many ties */
    assert_int_equal(sc_sched_order(ms, T_MANY, order), 0);
    for (size_t k = 1; k < T_MANY; k++) {
        assert_true(ms[order[k - 1]] >= ms[order[k]]);
        if (ms[order[k - 1]] == ms[order[k]])
            assert_true(order[k - 1] < order[k]);
    }
    free(ms);
    free(order);
}

static void busy_for_its_first_moments(void **state)
{
    (void)state;
    assert_true(sc_sched_is_busy(1000, 1000));
    assert_true(sc_sched_is_busy(1000, 1000 + SC_SCHED_BUSY_MS - 1));
    assert_false(sc_sched_is_busy(1000, 1000 + SC_SCHED_BUSY_MS));
    assert_true(sc_sched_holds_busy(true, 1000, 1000 + 60000)); /* a precise case: all along */
    assert_false(sc_sched_holds_busy(false, 1000, 1000 + SC_SCHED_BUSY_MS));
    assert_true(sc_sched_holds_busy(false, 1000, 1000 + SC_SCHED_BUSY_MS - 1));
    sc_sched_slots with = {.busy = 4, .waiting = 16}, without = {.busy = 2, .waiting = 0};
    assert_int_equal(sc_sched_busy_until(with, 1000), 1000 + SC_SCHED_BUSY_MS);
    assert_int_equal(sc_sched_busy_until(without, 1000), INT64_MAX);
}

static void busy_slots_and_waiting_slots(void **state)
{
    (void)state;
    sc_sched_slots s = {.busy = 4, .waiting = 16};
    assert_true(sc_sched_may_start(s, 0, 0));
    assert_true(sc_sched_may_start(s, 3, 3));
    assert_false(sc_sched_may_start(s, 4, 4));  /* every busy slot taken */
    assert_true(sc_sched_may_start(s, 3, 19));  /* 16 waiting, 3 busy */
    assert_false(sc_sched_may_start(s, 3, 20)); /* the run's total */
    assert_false(sc_sched_may_start(s, 4, 10)); /* waiting room left, but 4 busy */
    assert_true(sc_sched_may_start(s, 0, 19));
}

static void no_waiting_slots_is_the_classic_j(void **state)
{
    (void)state;
    sc_sched_slots s = {.busy = 2, .waiting = 0};
    assert_true(sc_sched_may_start(s, 0, 1));
    assert_false(sc_sched_may_start(s, 0, 2));      /* a waiting case keeps its slot */
    sc_sched_slots one = {.busy = 0, .waiting = 0}; /* treated as 1 */
    assert_true(sc_sched_may_start(one, 0, 0));
    assert_false(sc_sched_may_start(one, 0, 1));
}

static void wall_ratio(void **state)
{
    (void)state;
    assert_true(sc_sched_wall_ratio(250, 1000) == 0.25);
    assert_true(sc_sched_wall_ratio(1000, 1000) == 1.0);
    assert_true(sc_sched_wall_ratio(5, 0) == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(longest_first_ties_in_plan_order),
        cmocka_unit_test(empty_and_one),
        cmocka_unit_test(many_cases_stay_sorted_and_stable),
        cmocka_unit_test(busy_for_its_first_moments),
        cmocka_unit_test(busy_slots_and_waiting_slots),
        cmocka_unit_test(no_waiting_slots_is_the_classic_j),
        cmocka_unit_test(wall_ratio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
