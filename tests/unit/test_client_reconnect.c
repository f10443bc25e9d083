/* The reconnect decision per status code (client/sc_reconnect), and the runner's record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>

#include "sc_reconnect.h"
#include "sc_status.h"

static double half(void *ctx)
{
    (void)ctx;
    return 0.5;
}

static sc_reconnect_decision decide(int code, int attempts_done, bool delivered)
{
    sc_reconnect_policy p = sc_reconnect_policy_default();
    sc_attempt_state st = {attempts_done, delivered};
    return sc_reconnect_decide(code, &p, &st);
}

static void unavailable_and_deadline_back_off(void **state)
{
    (void)state;
    assert_int_equal(decide(SC_STATUS_UNAVAILABLE, 1, false).action, SC_RECONNECT_RETRY_BACKOFF);
    assert_int_equal(decide(SC_STATUS_DEADLINE_EXCEEDED, 1, false).action,
                     SC_RECONNECT_RETRY_BACKOFF);
}

static void resource_exhausted_waits_the_fixed_pause(void **state)
{
    (void)state;
    sc_reconnect_decision d = decide(SC_STATUS_RESOURCE_EXHAUSTED, 1, false);
    assert_int_equal(d.action, SC_RECONNECT_RETRY_EXHAUSTED);
    sc_reconnect_policy p = sc_reconnect_policy_default();
    sc_backoff b;
    sc_backoff_init(&b, &p.backoff, half, NULL);
    assert_int_equal(sc_reconnect_wait_ms(&d, &p, &b), 30000);
    /* ... and does not advance the backoff schedule */
    sc_reconnect_decision u = decide(SC_STATUS_UNAVAILABLE, 2, false);
    assert_int_equal(sc_reconnect_wait_ms(&u, &p, &b), 1000);
}

static void cancelled_ok_and_others_stop(void **state)
{
    (void)state;
    for (int code = 0; code < SC_STATUS_COUNT; code++) {
        sc_reconnect_decision d = decide(code, 1, false);
        bool retry = code == SC_STATUS_UNAVAILABLE || code == SC_STATUS_DEADLINE_EXCEEDED ||
                     code == SC_STATUS_RESOURCE_EXHAUSTED;
        assert_int_equal(d.action != SC_RECONNECT_STOP, retry);
        if (!retry)
            assert_int_equal(d.reason, SC_RECONNECT_WHY_FINAL_CODE);
    }
    assert_int_equal(decide(-1, 1, false).action, SC_RECONNECT_STOP);
    assert_int_equal(decide(99, 1, false).action, SC_RECONNECT_STOP);
}

static void cancelled_stops_even_when_listed(void **state)
{
    (void)state;
    sc_reconnect_policy p = sc_reconnect_policy_default();
    p.retry_codes = 0xFFFFFFFFu;
    sc_attempt_state st = {1, false};
    assert_int_equal(sc_reconnect_decide(SC_STATUS_CANCELLED, &p, &st).action, SC_RECONNECT_STOP);
    assert_int_equal(sc_reconnect_decide(SC_STATUS_OK, &p, &st).action, SC_RECONNECT_STOP);
    assert_int_equal(sc_reconnect_decide(SC_STATUS_INTERNAL, &p, &st).action,
                     SC_RECONNECT_RETRY_BACKOFF);
}

static void custom_retry_codes(void **state)
{
    (void)state;
    sc_reconnect_policy p = sc_reconnect_policy_default();
    p.retry_codes = SC_RECONNECT_CODE_BIT(SC_STATUS_ABORTED);
    sc_attempt_state st = {1, false};
    assert_int_equal(sc_reconnect_decide(SC_STATUS_ABORTED, &p, &st).action,
                     SC_RECONNECT_RETRY_BACKOFF);
    assert_int_equal(sc_reconnect_decide(SC_STATUS_UNAVAILABLE, &p, &st).action, SC_RECONNECT_STOP);
}

static void max_attempts_counts_every_attempt(void **state)
{
    (void)state;
    sc_reconnect_policy p = sc_reconnect_policy_default();
    p.max_attempts = 3;
    sc_attempt_state st = {2, false};
    assert_int_equal(sc_reconnect_decide(SC_STATUS_UNAVAILABLE, &p, &st).action,
                     SC_RECONNECT_RETRY_BACKOFF);
    st.attempts_done = 3;
    sc_reconnect_decision d = sc_reconnect_decide(SC_STATUS_UNAVAILABLE, &p, &st);
    assert_int_equal(d.action, SC_RECONNECT_STOP);
    assert_int_equal(d.reason, SC_RECONNECT_WHY_MAX_ATTEMPTS);
    p.max_attempts = 0; /* unlimited */
    st.attempts_done = 1000000;
    assert_int_equal(sc_reconnect_decide(SC_STATUS_UNAVAILABLE, &p, &st).action,
                     SC_RECONNECT_RETRY_BACKOFF);
}

static void delivered_message_resets_the_backoff(void **state)
{
    (void)state;
    sc_reconnect_policy p = sc_reconnect_policy_default();
    sc_backoff b;
    sc_backoff_init(&b, &p.backoff, half, NULL);
    sc_reconnect_decision d = decide(SC_STATUS_UNAVAILABLE, 1, false);
    assert_int_equal(sc_reconnect_wait_ms(&d, &p, &b), 1000);
    assert_int_equal(sc_reconnect_wait_ms(&d, &p, &b), 1600);
    assert_int_equal(sc_reconnect_wait_ms(&d, &p, &b), 2560);
    sc_reconnect_decision fed = decide(SC_STATUS_UNAVAILABLE, 4, true);
    assert_true(fed.reset_backoff);
    assert_int_equal(sc_reconnect_wait_ms(&fed, &p, &b), 1000);
    assert_int_equal(sc_reconnect_wait_ms(&d, &p, &b), 1600);
}

static void stop_waits_nothing(void **state)
{
    (void)state;
    sc_reconnect_policy p = sc_reconnect_policy_default();
    sc_backoff b;
    sc_backoff_init(&b, &p.backoff, half, NULL);
    sc_reconnect_decision d = decide(SC_STATUS_NOT_FOUND, 1, true);
    assert_int_equal(sc_reconnect_wait_ms(&d, &p, &b), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unavailable_and_deadline_back_off),
        cmocka_unit_test(resource_exhausted_waits_the_fixed_pause),
        cmocka_unit_test(cancelled_ok_and_others_stop),
        cmocka_unit_test(cancelled_stops_even_when_listed),
        cmocka_unit_test(custom_retry_codes),
        cmocka_unit_test(max_attempts_counts_every_attempt),
        cmocka_unit_test(delivered_message_resets_the_backoff),
        cmocka_unit_test(stop_waits_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
