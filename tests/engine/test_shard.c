/* sc_shard: run --shard K/N cuts the cases into deterministic slices balanced by duration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sc_shard.h"

/* Cases of the balance test: enough to make the greedy placement do real work. */
#define T_CASES 40

static void parses_k_of_n(void **state)
{
    (void)state;
    size_t k = 0, n = 0;
    assert_true(sc_shard_parse("1/1", &k, &n));
    assert_int_equal(k, 1);
    assert_int_equal(n, 1);
    assert_true(sc_shard_parse("3/4", &k, &n));
    assert_int_equal(k, 3);
    assert_int_equal(n, 4);
    assert_true(sc_shard_parse("1000/1000", &k, &n));
    const char *bad[] = {"0/4", "5/4", "1/0",  "1/1001", "",     "1",    "1/",
                         "/4",  "a/4", "1/4x", "-1/4",   "1/-4", "+1/4", NULL};
    for (size_t i = 0; bad[i] != NULL; i++)
        assert_false(sc_shard_parse(bad[i], &k, &n));
}

static void items_of(sc_shard_item *items, char ids[][24], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], 24, "case%02u", (unsigned)(i % 100));
        /* durations 100..4000 in a scrambled order */
        items[i] = (sc_shard_item){.id = ids[i], .ms = (int64_t)(((i * 7) % n) + 1) * 100};
    }
}

static void same_items_give_same_slices_in_any_order(void **state)
{
    (void)state;
    sc_shard_item items[T_CASES], rev[T_CASES];
    char ids[T_CASES][24];
    items_of(items, ids, T_CASES);
    for (size_t i = 0; i < T_CASES; i++)
        rev[i] = items[T_CASES - 1 - i];
    size_t a[T_CASES], b[T_CASES], c[T_CASES];
    assert_int_equal(sc_shard_assign(items, T_CASES, 4, a), 0);
    assert_int_equal(sc_shard_assign(items, T_CASES, 4, b), 0);
    assert_int_equal(sc_shard_assign(rev, T_CASES, 4, c), 0);
    for (size_t i = 0; i < T_CASES; i++) {
        assert_int_equal(a[i], b[i]);
        assert_int_equal(a[i], c[T_CASES - 1 - i]); /* by id, not by position */
    }
}

static void equal_durations_are_cut_by_id(void **state)
{
    (void)state;
    sc_shard_item items[4] = {{.id = "d"}, {.id = "b"}, {.id = "a"}, {.id = "c"}};
    size_t s[4];
    assert_int_equal(sc_shard_assign(items, 4, 2, s), 0);
    /* no durations: each case weighs the same (counting cases), a c -> 0, b d -> 1 */
    assert_int_equal(s[2], 0);
    assert_int_equal(s[3], 0);
    assert_int_equal(s[1], 1);
    assert_int_equal(s[0], 1);
}

static void slices_are_balanced_within_one_case(void **state)
{
    (void)state;
    sc_shard_item items[T_CASES];
    char ids[T_CASES][24];
    items_of(items, ids, T_CASES);
    for (size_t count = 1; count <= 7; count++) {
        size_t s[T_CASES];
        int64_t load[7] = {0}, max_item = 0;
        assert_int_equal(sc_shard_assign(items, T_CASES, count, s), 0);
        for (size_t i = 0; i < T_CASES; i++) {
            assert_true(s[i] < count);
            load[s[i]] += items[i].ms;
            max_item = items[i].ms > max_item ? items[i].ms : max_item;
        }
        int64_t lo = load[0], hi = load[0];
        for (size_t k = 1; k < count; k++) {
            lo = load[k] < lo ? load[k] : lo;
            hi = load[k] > hi ? load[k] : hi;
        }
        assert_true(hi - lo <= max_item);
    }
}

static void exclusive_units_stay_whole(void **state)
{
    (void)state;
    sc_shard_item items[T_CASES];
    char ids[T_CASES][24];
    items_of(items, ids, T_CASES);
    for (size_t i = 0; i < T_CASES; i += 5)
        items[i].unit = "flood"; /* one exclusive scenario's cases */
    for (size_t i = 1; i < T_CASES; i += 10)
        items[i].unit = "chat";
    size_t s[T_CASES];
    assert_int_equal(sc_shard_assign(items, T_CASES, 5, s), 0);
    for (size_t i = 0; i < T_CASES; i += 5)
        assert_int_equal(s[i], s[0]);
    for (size_t i = 1; i < T_CASES; i += 10)
        assert_int_equal(s[i], s[1]);
}

static void more_slices_than_cases_leaves_empty_slices(void **state)
{
    (void)state;
    sc_shard_item items[3] = {{.id = "x", .ms = 5}, {.id = "y", .ms = 3}, {.id = "z", .ms = 1}};
    size_t s[3];
    assert_int_equal(sc_shard_assign(items, 3, 5, s), 0);
    assert_int_equal(s[0], 0);
    assert_int_equal(s[1], 1);
    assert_int_equal(s[2], 2); /* slices 4 and 5 hold nothing */
    assert_int_equal(sc_shard_assign(items, 0, 3, s), 0);
    assert_int_equal(sc_shard_assign(items, 3, 0, s), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_k_of_n),
        cmocka_unit_test(same_items_give_same_slices_in_any_order),
        cmocka_unit_test(equal_durations_are_cut_by_id),
        cmocka_unit_test(slices_are_balanced_within_one_case),
        cmocka_unit_test(exclusive_units_stay_whole),
        cmocka_unit_test(more_slices_than_cases_leaves_empty_slices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
