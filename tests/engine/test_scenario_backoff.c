/* The reconnect schedule checker: windows inside, at the edge, outside; jitter; cap; reset after a
 * delivered response; the fixed RESOURCE_EXHAUSTED wait. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sc_scenario_backoff.h"
#include "sc_status.h"

enum { UNAV = SC_STATUS_UNAVAILABLE, REX = SC_STATUS_RESOURCE_EXHAUSTED };

static const sc_sched_policy pol = {100, 2.0, 0.2, 300, 1000, 10, false};
static const sc_sched_policy honoring = {100, 2.0, 0.2, 300, 1000, 10, true};

/* Attempts of 5 ms each, separated by the given gaps. */
static size_t build(sc_sched_attempt *a, const int64_t *gaps, const int *codes, size_t n)
{
    int64_t t = 0;
    for (size_t i = 0; i < n; i++) {
        a[i].start_ms = t;
        a[i].end_ms = t + 5;
        a[i].code = codes[i];
        a[i].delivered = false;
        a[i].has_pushback = false;
        a[i].pushback_ms = 0;
        if (i + 1 < n)
            t = a[i].end_ms + gaps[i];
    }
    return n;
}

static void inside_the_window(void **state)
{
    (void)state;
    sc_sched_attempt a[4];
    int codes[] = {UNAV, UNAV, UNAV, UNAV};
    int64_t gaps[] = {100, 200, 300}; /* nominal 100, 200, 300 (capped) */
    sc_sched_gap g[3];
    assert_int_equal(sc_sched_check(&pol, a, build(a, gaps, codes, 4), g), 0);
    assert_int_equal(g[0].expected_min_ms, 80 - 10 - 1);
    assert_int_equal(g[0].expected_max_ms, 120 + 10 + 1);
    assert_int_equal(g[1].expected_min_ms, 160 - 11);
    assert_int_equal(g[1].expected_max_ms, 240 + 11);
    assert_int_equal(g[2].gap_ms, 300);
    assert_true(g[2].ok);
}

static void at_the_edge(void **state)
{
    (void)state;
    sc_sched_attempt a[2];
    int codes[] = {UNAV, UNAV};
    int64_t lo[] = {69}, hi[] = {131}, below[] = {68}, above[] = {132};
    assert_int_equal(sc_sched_check(&pol, a, build(a, lo, codes, 2), NULL), 0);
    assert_int_equal(sc_sched_check(&pol, a, build(a, hi, codes, 2), NULL), 0);
    assert_int_equal(sc_sched_check(&pol, a, build(a, below, codes, 2), NULL), 1);
    assert_int_equal(sc_sched_check(&pol, a, build(a, above, codes, 2), NULL), 1);
}

static void outside_the_window(void **state)
{
    (void)state;
    sc_sched_attempt a[3];
    int codes[] = {UNAV, UNAV, UNAV};
    int64_t gaps[] = {5, 900}; /* no backoff at all, then far too long */
    sc_sched_gap g[2];
    assert_int_equal(sc_sched_check(&pol, a, build(a, gaps, codes, 3), g), 2);
    assert_false(g[0].ok);
    assert_int_equal(g[0].gap_ms, 5);
    assert_false(g[1].ok);
}

static void jitter_widens_the_window(void **state)
{
    (void)state;
    sc_sched_policy none = pol;
    none.jitter = 0;
    none.tolerance_ms = 0;
    sc_sched_attempt a[2];
    int codes[] = {UNAV, UNAV};
    int64_t gaps[] = {115};
    assert_int_equal(sc_sched_check(&none, a, build(a, gaps, codes, 2), NULL), 1);
    none.jitter = 0.2;
    assert_int_equal(sc_sched_check(&none, a, build(a, gaps, codes, 2), NULL), 0);
}

static void capped_at_max(void **state)
{
    (void)state;
    sc_sched_attempt a[6];
    int codes[] = {UNAV, UNAV, UNAV, UNAV, UNAV, UNAV};
    int64_t gaps[] = {100, 200, 300, 300, 300};
    sc_sched_gap g[5];
    assert_int_equal(sc_sched_check(&pol, a, build(a, gaps, codes, 6), g), 0);
    assert_int_equal(g[4].expected_max_ms, 360 + 11); /* 300 * 1.2, never 800 * 1.2 */
    assert_true(sc_sched_nominal_wait(&pol, a, 6, 4) == 300.0);
    int64_t grown[] = {100, 200, 400, 800, 1600}; /* a client that ignores the cap */
    assert_int_not_equal(sc_sched_check(&pol, a, build(a, grown, codes, 6), NULL), 0);
}

static void resets_after_a_delivered_response(void **state)
{
    (void)state;
    sc_sched_attempt a[4];
    int codes[] = {UNAV, UNAV, UNAV, UNAV};
    int64_t gaps[] = {100, 100, 100};
    build(a, gaps, codes, 4);
    a[0].delivered = a[1].delivered = a[2].delivered = true;
    assert_int_equal(sc_sched_check(&pol, a, 4, NULL), 0);
    a[1].delivered = false; /* then gap 1 must be 200 */
    assert_int_equal(sc_sched_check(&pol, a, 4, NULL), 1);
}

static void exhausted_wait_is_fixed(void **state)
{
    (void)state;
    sc_sched_attempt a[4];
    int codes[] = {REX, UNAV, REX, UNAV};
    int64_t gaps[] = {1000, 100, 1000}; /* RESOURCE_EXHAUSTED does not advance the backoff */
    sc_sched_gap g[3];
    assert_int_equal(sc_sched_check(&pol, a, build(a, gaps, codes, 4), g), 0);
    assert_int_equal(g[0].expected_min_ms, 989);
    assert_int_equal(g[0].expected_max_ms, 1011);
    int64_t bad[] = {1100, 100, 1000};
    assert_int_equal(sc_sched_check(&pol, a, build(a, bad, codes, 4), NULL), 1);
}

static void fewer_than_two_attempts(void **state)
{
    (void)state;
    sc_sched_attempt a[1] = {{0, 5, UNAV, false, false, 0}};
    assert_int_equal(sc_sched_check(&pol, a, 1, NULL), 0);
    assert_int_equal(sc_sched_check(&pol, a, 0, NULL), 0);
    assert_true(sc_sched_nominal_wait(&pol, a, 1, 0) < 0);
}

static void pushback_is_the_exact_wait_then_backoff_restarts(void **state)
{
    (void)state;
    sc_sched_attempt a[4];
    int codes[] = {UNAV, REX, UNAV, UNAV};
    /* 100 (backoff), then pushback 500 (overrides the 1000 ms exhausted pause), then the backoff
     * starts over at 100 instead of 200. */
    int64_t gaps[] = {100, 500, 100};
    build(a, gaps, codes, 4);
    a[1].has_pushback = true;
    a[1].pushback_ms = 500;
    sc_sched_gap g[3];
    assert_int_equal(sc_sched_check(&honoring, a, 4, g), 0);
    assert_int_equal(g[1].expected_min_ms, 489);
    assert_int_equal(g[1].expected_max_ms, 511);
    assert_int_equal(g[2].expected_min_ms, 69); /* 100 * 0.8 - 10 - 1 */
    /* Ignoring the pushback, the same schedule is out of window twice. */
    assert_int_equal(sc_sched_check(&pol, a, 4, NULL), 2);
    /* Honoured, a client that kept its own backoff (200 after the pushback) is caught. */
    int64_t kept[] = {100, 500, 200};
    build(a, kept, codes, 4);
    a[1].has_pushback = true;
    a[1].pushback_ms = 500;
    assert_int_equal(sc_sched_check(&honoring, a, 4, NULL), 1);
}

static void no_attempt_may_follow_a_malformed_pushback(void **state)
{
    (void)state;
    sc_sched_attempt a[2];
    int codes[] = {UNAV, UNAV};
    int64_t gaps[] = {100};
    build(a, gaps, codes, 2);
    a[0].has_pushback = true;
    a[0].pushback_ms = -1;
    sc_sched_gap g[1];
    assert_int_equal(sc_sched_check(&honoring, a, 2, g), 1);
    assert_false(g[0].ok);
    assert_int_equal(g[0].expected_max_ms, -1);
    assert_int_equal(sc_sched_check(&pol, a, 2, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inside_the_window),
        cmocka_unit_test(at_the_edge),
        cmocka_unit_test(outside_the_window),
        cmocka_unit_test(jitter_widens_the_window),
        cmocka_unit_test(capped_at_max),
        cmocka_unit_test(resets_after_a_delivered_response),
        cmocka_unit_test(exhausted_wait_is_fixed),
        cmocka_unit_test(fewer_than_two_attempts),
        cmocka_unit_test(pushback_is_the_exact_wait_then_backoff_restarts),
        cmocka_unit_test(no_attempt_may_follow_a_malformed_pushback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
