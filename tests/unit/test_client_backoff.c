/* The connection-backoff schedule with an injected random source (client/sc_backoff). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "sc_backoff.h"

/* A scripted random source: returns values[i++], repeating the last one. */
typedef struct {
    const double *values;
    size_t n, i;
} script;

static double scripted(void *ctx)
{
    script *s = ctx;
    double v = s->values[s->i < s->n ? s->i : s->n - 1];
    s->i++;
    return v;
}

static const double sc_mid[] = {0.5}; /* u = 0.5 means no jitter at all */

static void defaults_are_grpc_connection_backoff(void **state)
{
    (void)state;
    sc_backoff_policy p = sc_backoff_policy_default();
    assert_int_equal(p.initial_ms, 1000);
    assert_true(p.multiplier == 1.6);
    assert_true(p.jitter == 0.2);
    assert_int_equal(p.max_ms, 120000);
    char err[128];
    assert_int_equal(sc_backoff_policy_check(&p, err, sizeof err), 0);
}

static void grows_by_multiplier_up_to_max(void **state)
{
    (void)state;
    sc_backoff_policy p = sc_backoff_policy_default();
    script s = {sc_mid, 1, 0};
    sc_backoff b;
    sc_backoff_init(&b, &p, scripted, &s);
    const int64_t expected[] = {1000,  1600,  2560,  4096,   6554,   10486, 16777,
                                26844, 42950, 68719, 109951, 120000, 120000};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        assert_int_equal(sc_backoff_next_delay_ms(&b), expected[i]);
}

static void jitter_spans_plus_minus_twenty_percent(void **state)
{
    (void)state;
    sc_backoff_policy p = sc_backoff_policy_default();
    const double values[] = {0.0, 0.999999999, 0.25};
    script s = {values, 3, 0};
    sc_backoff b;
    sc_backoff_init(&b, &p, scripted, &s);
    assert_int_equal(sc_backoff_next_delay_ms(&b), 800);  /* 1000 * (1 - 0.2) */
    assert_int_equal(sc_backoff_next_delay_ms(&b), 1920); /* 1600 * (1 + 0.2), rounded */
    assert_int_equal(sc_backoff_next_delay_ms(&b), 2304); /* 2560 * (1 - 0.1) */
}

static void jitter_applies_after_the_cap(void **state)
{
    (void)state;
    sc_backoff_policy p = {.initial_ms = 100, .multiplier = 10, .jitter = 0.2, .max_ms = 500};
    const double values[] = {0.5, 0.5, 0.999999999};
    script s = {values, 3, 0};
    sc_backoff b;
    sc_backoff_init(&b, &p, scripted, &s);
    assert_int_equal(sc_backoff_next_delay_ms(&b), 100);
    assert_int_equal(sc_backoff_next_delay_ms(&b), 500);
    assert_int_equal(sc_backoff_next_delay_ms(&b), 600); /* max 500 scaled by 1.2 */
}

static void reset_returns_to_initial(void **state)
{
    (void)state;
    sc_backoff_policy p = sc_backoff_policy_default();
    script s = {sc_mid, 1, 0};
    sc_backoff b;
    sc_backoff_init(&b, &p, scripted, &s);
    sc_backoff_next_delay_ms(&b);
    sc_backoff_next_delay_ms(&b);
    sc_backoff_reset(&b);
    assert_int_equal(sc_backoff_next_delay_ms(&b), 1000);
    assert_int_equal(sc_backoff_next_delay_ms(&b), 1600);
}

static void next_at_adds_now(void **state)
{
    (void)state;
    sc_backoff_policy p = sc_backoff_policy_default();
    script s = {sc_mid, 1, 0};
    sc_backoff b;
    sc_backoff_init(&b, &p, scripted, &s);
    assert_int_equal(sc_backoff_next_at(&b, 5000), 6000);
    assert_int_equal(sc_backoff_next_at(&b, 6000), 7600);
}

static void broken_random_source_is_contained(void **state)
{
    (void)state;
    sc_backoff_policy p = sc_backoff_policy_default();
    const double values[] = {-3.0, 7.0};
    script s = {values, 2, 0};
    sc_backoff b;
    sc_backoff_init(&b, &p, scripted, &s);
    assert_int_equal(sc_backoff_next_delay_ms(&b), 1000);
    assert_int_equal(sc_backoff_next_delay_ms(&b), 1600);
}

static void bad_policies_name_the_field(void **state)
{
    (void)state;
    char err[128];
    sc_backoff_policy p = sc_backoff_policy_default();
    p.initial_ms = 0;
    assert_int_equal(sc_backoff_policy_check(&p, err, sizeof err), -1);
    assert_non_null(strstr(err, "initial_ms"));
    p = sc_backoff_policy_default();
    p.multiplier = 0.5;
    assert_int_equal(sc_backoff_policy_check(&p, err, sizeof err), -1);
    assert_non_null(strstr(err, "multiplier"));
    p = sc_backoff_policy_default();
    p.jitter = 1.0;
    assert_int_equal(sc_backoff_policy_check(&p, err, sizeof err), -1);
    assert_non_null(strstr(err, "jitter"));
    p = sc_backoff_policy_default();
    p.max_ms = 10;
    assert_int_equal(sc_backoff_policy_check(&p, err, sizeof err), -1);
    assert_non_null(strstr(err, "max_ms"));
}

static void xorshift_stays_in_unit_interval(void **state)
{
    (void)state;
    sc_backoff_xorshift x;
    sc_backoff_xorshift_seed(&x, 0);
    double lo = 1, hi = 0;
    for (int i = 0; i < 100000; i++) {
        double u = sc_backoff_xorshift_next(&x);
        assert_true(u >= 0.0 && u < 1.0);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    assert_true(lo < 0.01 && hi > 0.99);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_grpc_connection_backoff),
        cmocka_unit_test(grows_by_multiplier_up_to_max),
        cmocka_unit_test(jitter_spans_plus_minus_twenty_percent),
        cmocka_unit_test(jitter_applies_after_the_cap),
        cmocka_unit_test(reset_returns_to_initial),
        cmocka_unit_test(next_at_adds_now),
        cmocka_unit_test(broken_random_source_is_contained),
        cmocka_unit_test(bad_policies_name_the_field),
        cmocka_unit_test(xorshift_stays_in_unit_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
