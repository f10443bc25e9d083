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
    sc_attempt_state st = {attempts_done, delivered, SC_RECONNECT_PUSHBACK_NONE};
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
    sc_attempt_state st = {1, false, SC_RECONNECT_PUSHBACK_NONE};
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
    sc_attempt_state st = {1, false, SC_RECONNECT_PUSHBACK_NONE};
    assert_int_equal(sc_reconnect_decide(SC_STATUS_ABORTED, &p, &st).action,
                     SC_RECONNECT_RETRY_BACKOFF);
    assert_int_equal(sc_reconnect_decide(SC_STATUS_UNAVAILABLE, &p, &st).action, SC_RECONNECT_STOP);
}

static void max_attempts_counts_every_attempt(void **state)
{
    (void)state;
    sc_reconnect_policy p = sc_reconnect_policy_default();
    p.max_attempts = 3;
    sc_attempt_state st = {2, false, SC_RECONNECT_PUSHBACK_NONE};
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

static sc_reconnect_decision decide_pushback(int code, int attempts_done, int64_t pushback,
                                             bool honor)
{
    sc_reconnect_policy p = sc_reconnect_policy_default();
    p.honor_pushback = honor;
    p.max_attempts = 3;
    sc_attempt_state st = {attempts_done, false, pushback};
    return sc_reconnect_decide(code, &p, &st);
}

static void pushback_parses_whole_ms_only(void **state)
{
    (void)state;
    assert_int_equal(sc_reconnect_parse_pushback("250", 3), 250);
    assert_int_equal(sc_reconnect_parse_pushback("0", 1), 0);
    assert_int_equal(sc_reconnect_parse_pushback("2147483647", 10), 2147483647LL);
    assert_int_equal(sc_reconnect_parse_pushback("2147483648", 10), SC_RECONNECT_PUSHBACK_INVALID);
    assert_int_equal(sc_reconnect_parse_pushback("-1", 2), SC_RECONNECT_PUSHBACK_INVALID);
    assert_int_equal(sc_reconnect_parse_pushback("1.5", 3), SC_RECONNECT_PUSHBACK_INVALID);
    assert_int_equal(sc_reconnect_parse_pushback(" 5", 2), SC_RECONNECT_PUSHBACK_INVALID);
    assert_int_equal(sc_reconnect_parse_pushback("", 0), SC_RECONNECT_PUSHBACK_INVALID);
    assert_int_equal(sc_reconnect_parse_pushback("99999999999999999999", 20),
                     SC_RECONNECT_PUSHBACK_INVALID);
    /* The length bounds the value: no NUL needed. */
    assert_int_equal(sc_reconnect_parse_pushback("12x", 2), 12);
}

static void honored_pushback_is_the_wait_and_restarts_the_backoff(void **state)
{
    (void)state;
    sc_reconnect_policy p = sc_reconnect_policy_default();
    p.honor_pushback = true;
    sc_backoff b;
    sc_backoff_init(&b, &p.backoff, half, NULL);
    sc_reconnect_decision plain = decide(SC_STATUS_UNAVAILABLE, 1, false);
    assert_int_equal(sc_reconnect_wait_ms(&plain, &p, &b), 1000);
    assert_int_equal(sc_reconnect_wait_ms(&plain, &p, &b), 1600);
    sc_reconnect_decision d = decide_pushback(SC_STATUS_UNAVAILABLE, 1, 250, true);
    assert_int_equal(d.action, SC_RECONNECT_RETRY_PUSHBACK);
    assert_int_equal(d.reason, SC_RECONNECT_WHY_RETRYABLE);
    assert_int_equal(sc_reconnect_wait_ms(&d, &p, &b), 250);
    /* After the pushback the schedule starts over at the initial backoff. */
    assert_int_equal(sc_reconnect_wait_ms(&plain, &p, &b), 1000);
    /* Pushback overrides the RESOURCE_EXHAUSTED pause too, and 0 means at once. */
    d = decide_pushback(SC_STATUS_RESOURCE_EXHAUSTED, 1, 0, true);
    assert_int_equal(d.action, SC_RECONNECT_RETRY_PUSHBACK);
    assert_int_equal(sc_reconnect_wait_ms(&d, &p, &b), 0);
}

static void malformed_pushback_stops_when_honored(void **state)
{
    (void)state;
    sc_reconnect_decision d =
        decide_pushback(SC_STATUS_UNAVAILABLE, 1, SC_RECONNECT_PUSHBACK_INVALID, true);
    assert_int_equal(d.action, SC_RECONNECT_STOP);
    assert_int_equal(d.reason, SC_RECONNECT_WHY_PUSHBACK_STOP);
    /* Ignored without honor_pushback: the usual backoff. */
    d = decide_pushback(SC_STATUS_UNAVAILABLE, 1, SC_RECONNECT_PUSHBACK_INVALID, false);
    assert_int_equal(d.action, SC_RECONNECT_RETRY_BACKOFF);
    d = decide_pushback(SC_STATUS_UNAVAILABLE, 1, 250, false);
    assert_int_equal(d.action, SC_RECONNECT_RETRY_BACKOFF);
}

static void pushback_never_revives_a_final_code(void **state)
{
    (void)state;
    /* Not retryable, or attempts used up: the pushback does not matter. */
    assert_int_equal(decide_pushback(SC_STATUS_INTERNAL, 1, 10, true).action, SC_RECONNECT_STOP);
    assert_int_equal(decide_pushback(SC_STATUS_CANCELLED, 1, 10, true).action, SC_RECONNECT_STOP);
    sc_reconnect_decision d = decide_pushback(SC_STATUS_UNAVAILABLE, 3, 10, true);
    assert_int_equal(d.action, SC_RECONNECT_STOP);
    assert_int_equal(d.reason, SC_RECONNECT_WHY_MAX_ATTEMPTS);
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
        cmocka_unit_test(pushback_parses_whole_ms_only),
        cmocka_unit_test(honored_pushback_is_the_wait_and_restarts_the_backoff),
        cmocka_unit_test(malformed_pushback_stops_when_honored),
        cmocka_unit_test(pushback_never_revives_a_final_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
