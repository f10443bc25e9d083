/* streamconform bench: the log-bucket histogram and its percentiles (cli/sc_cli_bench_stats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>

#include "sc_cli_bench_stats.h"

static void small_values_have_their_own_bucket(void **state)
{
    (void)state;
    for (int64_t v = 0; v < SC_BENCH_HIST_SUB; v++) {
        size_t b = sc_bench_hist_bucket(v);
        assert_int_equal(b, (size_t)v);
        assert_int_equal(sc_bench_hist_bucket_low(b), v);
        assert_int_equal(sc_bench_hist_bucket_high(b), v);
    }
    assert_int_equal(sc_bench_hist_bucket(-5), 0);
}

static void buckets_tile_the_range_without_gaps(void **state)
{
    (void)state;
    for (size_t i = 0; i + 1 < SC_BENCH_HIST_BUCKETS; i++) {
        int64_t low = sc_bench_hist_bucket_low(i);
        int64_t high = sc_bench_hist_bucket_high(i);
        assert_true(low <= high);
        assert_int_equal(sc_bench_hist_bucket_low(i + 1), high + 1);
        assert_int_equal(sc_bench_hist_bucket(low), i);
        assert_int_equal(sc_bench_hist_bucket(high), i);
        /* a bucket spans at most 1/32 of its values */
        assert_true((double)(high - low + 1) <= (double)low / SC_BENCH_HIST_SUB + 1.0);
    }
    assert_int_equal(sc_bench_hist_bucket(INT64_MAX), SC_BENCH_HIST_BUCKETS - 1);
    assert_int_equal(sc_bench_hist_bucket_high(SC_BENCH_HIST_BUCKETS - 1), INT64_MAX);
}

static void empty_histogram_gives_zero(void **state)
{
    (void)state;
    sc_bench_hist h;
    sc_bench_hist_reset(&h);
    assert_int_equal(sc_bench_hist_percentile(&h, 50), 0);
    assert_true(sc_bench_hist_mean(&h) == 0.0);
}

static void one_value_is_every_percentile(void **state)
{
    (void)state;
    sc_bench_hist h;
    sc_bench_hist_reset(&h);
    sc_bench_hist_record(&h, 123456);
    assert_int_equal(sc_bench_hist_percentile(&h, 50), 123456);
    assert_int_equal(sc_bench_hist_percentile(&h, 99.9), 123456);
    assert_int_equal(sc_bench_hist_percentile(&h, 100), 123456);
}

/* 1..1000 recorded once each: percentile p is within 1/32 of p * 10. */
static void percentiles_of_a_uniform_range(void **state)
{
    (void)state;
    sc_bench_hist *h = malloc(sizeof *h);
    assert_non_null(h);
    sc_bench_hist_reset(h);
    for (int64_t v = 1000; v >= 1; v--)
        sc_bench_hist_record(h, v);
    assert_int_equal(h->total, 1000);
    assert_int_equal(h->min, 1);
    assert_int_equal(h->max, 1000);
    const double ps[] = {1, 50, 90, 99, 99.9};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double exact = ps[i] * 10.0;
        double got = (double)sc_bench_hist_percentile(h, ps[i]);
        assert_true(got >= exact * (1 - 1.0 / 32) - 1 && got <= exact * (1 + 1.0 / 32) + 1);
    }
    assert_int_equal(sc_bench_hist_percentile(h, 100), 1000);
    assert_true(sc_bench_hist_mean(h) == 500.5);
    free(h);
}

/* The rank is ceil(p * n): with 99 fast values and 1 slow one, p99 is fast and p99.9 slow. */
static void a_single_outlier_shows_only_in_the_tail(void **state)
{
    (void)state;
    sc_bench_hist *h = malloc(sizeof *h);
    assert_non_null(h);
    sc_bench_hist_reset(h);
    for (int i = 0; i < 99; i++)
        sc_bench_hist_record(h, 100000);
    sc_bench_hist_record(h, 50000000);
    int64_t p99 = sc_bench_hist_percentile(h, 99);
    assert_true(p99 >= 97000 && p99 <= 103000);
    int64_t p999 = sc_bench_hist_percentile(h, 99.9);
    assert_true(p999 >= 50000000 - 50000000 / 32 && p999 <= 50000000);
    free(h);
}

static void merge_adds_counts_and_extremes(void **state)
{
    (void)state;
    sc_bench_hist *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    sc_bench_hist_reset(a);
    sc_bench_hist_reset(b);
    sc_bench_hist_record(a, 10);
    sc_bench_hist_record(b, 5);
    sc_bench_hist_record(b, 1 << 20);
    sc_bench_hist_merge(a, b);
    assert_int_equal(a->total, 3);
    assert_int_equal(a->min, 5);
    assert_int_equal(a->max, 1 << 20);
    sc_bench_hist_reset(b);
    sc_bench_hist_merge(a, b); /* an empty one changes nothing */
    assert_int_equal(a->total, 3);
    assert_int_equal(a->min, 5);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_values_have_their_own_bucket),
        cmocka_unit_test(buckets_tile_the_range_without_gaps),
        cmocka_unit_test(empty_histogram_gives_zero),
        cmocka_unit_test(one_value_is_every_percentile),
        cmocka_unit_test(percentiles_of_a_uniform_range),
        cmocka_unit_test(a_single_outlier_shows_only_in_the_tail),
        cmocka_unit_test(merge_adds_counts_and_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
