/* The app judge: the windows of every gap, and each check passing and failing with its exact
 * sentence. Policy of most tests: 100 ms x1.6 up to 1000 ms, jitter 0.2, tolerance 50 ms,
 * 1000 ms after RESOURCE_EXHAUSTED; windows 30-170, 78-242, 154-358, 277-542, 474-837,
 * 750-1250 ms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sc_app_judge.h"
#include "sc_status.h"

#include <stdio.h>
#include <string.h>

enum {
    UNAV = SC_STATUS_UNAVAILABLE,
    REX = SC_STATUS_RESOURCE_EXHAUSTED,
    INVAL = SC_STATUS_INVALID_ARGUMENT,
    DENIED = SC_STATUS_PERMISSION_DENIED,
    NONE = -1,
    MAXC = 64,
};

/* Calls of 20 ms each, separated by the given gaps; no responses, no pushback. */
typedef struct {
    sc_app_call calls[MAXC];
    sc_app_expect e;
    sc_app_observed o;
    sc_app_verdict v;
    sc_sched_gap gaps[MAXC];
} fixture;

static void setup_case(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->e.policy.waits = (sc_sched_policy){100, 1.6, 0.2, 1000, 1000, 50, false};
    f->e.policy.retry_codes =
        SC_APP_CODE_BIT(UNAV) | SC_APP_CODE_BIT(REX) | SC_APP_CODE_BIT(SC_STATUS_DEADLINE_EXCEEDED);
    f->e.min_calls = -1;
    f->e.max_calls = -1;
    f->o.started = true;
    f->o.calls = f->calls;
    f->o.end_ms = 4000;
    f->o.run_ms = 4000;
    f->v.gaps = f->gaps;
}

static void calls(fixture *f, const int *codes, const int64_t *gaps, size_t n)
{
    int64_t t = 0;
    for (size_t i = 0; i < n; i++) {
        sc_app_call c = {t, t + 20, "SubscribeData", codes[i], -1, 0, 1, "{\"topic\":\"a\"}"};
        f->calls[i] = c;
        if (i + 1 < n)
            t = c.end_ms + gaps[i];
    }
    f->o.n_calls = n;
}

/* `n` calls, all ending `code`, with the gaps given. */
static void same_code(fixture *f, int code, const int64_t *gaps, size_t n)
{
    int codes[MAXC];
    for (size_t i = 0; i < n; i++)
        codes[i] = code;
    calls(f, codes, gaps, n);
}

static size_t judge(fixture *f)
{
    return sc_app_judge(&f->e, &f->o, &f->v);
}

static void assert_one(fixture *f, const char *check, const char *sentence)
{
    assert_int_equal(judge(f), 1);
    assert_false(f->v.passed);
    assert_string_equal(f->v.findings[0].check, check);
    assert_string_equal(f->v.findings[0].sentence, sentence);
}

static void assert_passes(fixture *f)
{
    size_t n = judge(f);
    if (n > 0)
        print_message("unexpected: %s: %s\n", f->v.findings[0].check, f->v.findings[0].sentence);
    assert_int_equal(n, 0);
    assert_true(f->v.passed);
}

static void policy_text(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    char buf[128];
    sc_app_policy_describe(&f.e.policy, buf, sizeof buf);
    assert_string_equal(buf, "0.1 s x1.6 up to 1.0 s (+-20%)");
    sc_app_policy d = sc_app_policy_default();
    sc_app_policy_describe(&d, buf, sizeof buf);
    assert_string_equal(buf, "1.0 s x1.6 up to 120.0 s (+-20%)");
    assert_true(d.retry_codes & SC_APP_CODE_BIT(UNAV));
    assert_false(d.retry_codes & SC_APP_CODE_BIT(INVAL));
}

static void windows_in_gaps(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    int codes[] = {UNAV, UNAV, REX, UNAV, SC_STATUS_OK, NONE, INVAL, UNAV};
    int64_t gaps[] = {100, 160, 1000, 256, 410, 400, 5};
    calls(&f, codes, gaps, 8);
    f.calls[3].responses = 2; /* the stream was up: current starts over */
    judge(&f);
    assert_int_equal(f.v.n_gaps, 7);
    int64_t want[][2] = {{30, 170},   /* UNAV: 100 */
                         {78, 242},   /* UNAV: 160 */
                         {750, 1250}, /* REX: 1000 +- 20% + 50, current stays 256 */
                         {30, 170},   /* UNAV after responses: 100 again */
                         {78, 242},   /* OK: current (160), not advanced */
                         {78, 242},   /* no status: 160 */
                         {-1, -1}};   /* INVALID_ARGUMENT: no call allowed */
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(f.gaps[i].gap_ms, gaps[i]);
        assert_int_equal(f.gaps[i].expected_min_ms, want[i][0]);
        assert_int_equal(f.gaps[i].expected_max_ms, want[i][1]);
    }
    assert_true(f.gaps[0].ok);
    assert_false(f.gaps[3].ok); /* 256 after a reset window of 30-170 */
    assert_false(f.gaps[6].ok);
}

static void windows_pushback_and_open_call(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.policy.waits.honor_pushback = true;
    int codes[] = {REX, UNAV, UNAV};
    int64_t gaps[] = {310, 40};
    calls(&f, codes, gaps, 3);
    f.calls[0].pushback_ms = 300;
    f.calls[1].end_ms = -1; /* gap counts from its start */
    judge(&f);
    assert_int_equal(f.gaps[0].expected_min_ms, 250);
    assert_int_equal(f.gaps[0].expected_max_ms, 410);
    assert_int_equal(f.gaps[1].gap_ms, 60);
    assert_int_equal(f.gaps[1].expected_min_ms, 30); /* pushback restarted the backoff */
    f.v.gaps = NULL;
    judge(&f);
    assert_int_equal(f.v.n_gaps, 2);
}

static void backoff_exponential_passes(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.backoff = f.e.retries = f.e.stops = true;
    int64_t gaps[] = {100, 160, 256, 410, 655, 1000, 1000};
    same_code(&f, UNAV, gaps, 8);
    f.o.end_ms = f.calls[7].end_ms + 100; /* its window is still open */
    assert_passes(&f);
}

/* A flood of process starts: 30-40 ms apart, with a slow start now and then (a loaded machine);
 * still below the policy's first wait (80 ms at the least) nearly everywhere. */
static void backoff_flood_with_a_slow_start_fails(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.backoff = true;
    int64_t gaps[MAXC];
    for (size_t i = 0; i < MAXC; i++)
        gaps[i] = i == 17 ? 120 : 30 + (int64_t)(i % 4) * 3;
    same_code(&f, UNAV, gaps, 40);
    assert_int_equal(judge(&f), 1);
    assert_string_equal(f.v.findings[0].check, "backoff");
    assert_non_null(strstr(f.v.findings[0].sentence, ": no backoff"));
}

static void backoff_constant_fails(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.backoff = true;
    int64_t gaps[] = {500, 500, 502, 500, 499, 500, 500};
    same_code(&f, UNAV, gaps, 8);
    assert_one(&f, "backoff",
               "waited 0.5 s, 0.5 s, 0.502 s, 0.5 s, 0.499 s, 0.5 s, ... between calls: "
               "constant; expected 0.1 s x1.6 up to 1.0 s (+-20%)");
}

static void backoff_flood_fails(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.backoff = true;
    int64_t gaps[MAXC];
    for (size_t i = 0; i < MAXC; i++)
        gaps[i] = (int64_t)(i % 3) * 4 + 1; /* 1, 5, 9 ms: not constant, below 15 */
    same_code(&f, UNAV, gaps, 40);
    char want[64];
    snprintf(want, sizeof want, "made 40 calls in %.1f s: no backoff",
             (double)f.calls[39].start_ms / 1000.0);
    assert_one(&f, "backoff", want);
    assert_string_equal(want, "made 40 calls in 1.0 s: no backoff");
}

static void backoff_listed_fails(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.backoff = true;
    int64_t gaps[] = {100, 100, 900};
    same_code(&f, UNAV, gaps, 4);
    assert_one(&f, "backoff",
               "waited 0.1 s, 0.1 s, 0.9 s between calls; expected 0.1 s x1.6 up to 1.0 s "
               "(+-20%): wait 3 (0.9 s) is outside 0.154-0.358 s");
}

static void backoff_ignores_fixed_waits(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.backoff = true;
    int codes[] = {UNAV, REX, UNAV};
    int64_t gaps[] = {100, 1000};
    calls(&f, codes, gaps, 3);
    assert_passes(&f);
}

static void exhausted_too_short(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.backoff = true;
    int codes[] = {UNAV, REX, UNAV};
    int64_t gaps[] = {150, 100};
    calls(&f, codes, gaps, 3);
    assert_one(&f, "exhausted",
               "waited 0.1 s after RESOURCE_EXHAUSTED, no longer than after UNAVAILABLE; "
               "expected 1.0 s (+-20%)");
    int64_t longer[] = {150, 400};
    calls(&f, codes, longer, 3);
    assert_one(&f, "exhausted", "waited 0.4 s after RESOURCE_EXHAUSTED; expected 1.0 s (+-20%)");
    int64_t way_longer[] = {150, 5000};
    calls(&f, codes, way_longer, 3);
    assert_one(&f, "exhausted", "waited 5.0 s after RESOURCE_EXHAUSTED; expected 1.0 s (+-20%)");
    int64_t right[] = {150, 1100};
    calls(&f, codes, right, 3);
    assert_passes(&f);
}

static void pushback_honoured_or_not(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.backoff = true;
    f.e.policy.waits.honor_pushback = true;
    int codes[] = {REX, UNAV};
    int64_t early[] = {100};
    calls(&f, codes, early, 2);
    f.calls[0].pushback_ms = 300;
    assert_one(&f, "pushback",
               "waited 0.1 s after RESOURCE_EXHAUSTED with grpc-retry-pushback-ms 300: "
               "pushback not honoured (expected 0.3 s)");
    int64_t right[] = {310};
    calls(&f, codes, right, 2);
    f.calls[0].pushback_ms = 300;
    assert_passes(&f);
    /* Not honoured by policy: the same wait is judged as RESOURCE_EXHAUSTED's. */
    f.e.policy.waits.honor_pushback = false;
    assert_int_equal(judge(&f), 1);
    assert_string_equal(f.v.findings[0].check, "exhausted");
}

static void stops_not_retryable(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.stops = true;
    int codes[] = {INVAL, UNAV};
    int64_t gaps[] = {100};
    calls(&f, codes, gaps, 2);
    assert_one(&f, "stops", "retried after INVALID_ARGUMENT (not retryable)");
    int two[] = {INVAL, DENIED, INVAL, UNAV};
    int64_t three[] = {100, 100, 100};
    calls(&f, two, three, 4);
    assert_one(&f, "stops", "retried after INVALID_ARGUMENT, PERMISSION_DENIED (not retryable)");
    int last[] = {UNAV, INVAL};
    calls(&f, last, gaps, 2);
    assert_passes(&f);
    int clean[] = {SC_STATUS_OK, UNAV};
    calls(&f, clean, gaps, 2);
    assert_passes(&f); /* OK is never judged by stops */
}

static void stops_max_attempts(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.stops = true;
    f.e.policy.max_attempts = 5;
    int64_t gaps[MAXC] = {0};
    same_code(&f, UNAV, gaps, 9);
    assert_one(&f, "stops", "made 9 calls; expected it to give up after 5");
    same_code(&f, UNAV, gaps, 5);
    assert_passes(&f);
    int codes[] = {INVAL, UNAV, UNAV, UNAV, UNAV, UNAV};
    calls(&f, codes, gaps, 6);
    assert_one(&f, "stops",
               "retried after INVALID_ARGUMENT (not retryable); made 6 calls; expected it to "
               "give up after 5");
}

static void retries_missing(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.retries = true;
    int codes[] = {UNAV};
    calls(&f, codes, NULL, 1);
    f.calls[0].start_ms = 1000;
    f.calls[0].end_ms = 1200;
    assert_one(&f, "retries",
               "made no call after UNAVAILABLE at 1.2 s; expected one within 0.03-0.17 s");
    f.calls[0].code = NONE;
    assert_one(&f, "retries",
               "made no call after the connection broke at 1.2 s; expected one within "
               "0.03-0.17 s");
    f.o.end_ms = 1250; /* the case ended before the window closed */
    assert_passes(&f);
    /* The engine stopped it at 2.5 s and the call it had open ended on the way out (2.554 s,
     * no status: the app cancelled it): its shutdown, not a break to retry. */
    f.o.end_ms = 2500;
    f.calls[0].end_ms = 2554;
    assert_passes(&f);
    f.calls[0].end_ms = 1200;
    f.o.end_ms = 4000;
    f.calls[0].code = INVAL; /* not retryable: no call expected */
    assert_passes(&f);
    f.calls[0].code = UNAV;
    f.e.policy.max_attempts = 1; /* it gave up, as it should */
    assert_passes(&f);
}

static void same_request_differs(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.same_request = true;
    int64_t gaps[] = {100, 160};
    same_code(&f, UNAV, gaps, 3);
    assert_passes(&f);
    f.calls[2].first_request = "{\"topic\":\"b\"}";
    assert_one(&f, "same_request",
               "call 3 asked for {\"topic\":\"b\"}; call 1 asked for {\"topic\":\"a\"}: not the "
               "same subscription");
    char longreq[300];
    memset(longreq, 'x', sizeof longreq - 1);
    longreq[sizeof longreq - 1] = '\0';
    f.calls[2].first_request = longreq;
    judge(&f);
    assert_non_null(strstr(f.v.findings[0].sentence, "xxx...; call 1"));
    f.calls[2].first_request = NULL; /* no request came: nothing to compare */
    assert_passes(&f);
}

static void calls_bounds(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.min_calls = 4;
    f.e.max_calls = 5;
    int64_t gaps[MAXC] = {0};
    same_code(&f, UNAV, gaps, 2);
    assert_one(&f, "calls", "made 2 calls; expected at least 4");
    same_code(&f, UNAV, gaps, 4);
    assert_passes(&f);
    same_code(&f, UNAV, gaps, 6);
    assert_one(&f, "calls", "made 6 calls; expected at most 5");
    f.o.calls_over_cap = 100;
    assert_one(&f, "calls", "made at least 106 calls; expected at most 5");
}

static void never_connected(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.min_calls = 4;
    f.e.retries = f.e.backoff = f.e.connections = true;
    f.e.exit = SC_APP_EXIT_RUNNING;
    sc_app_conn none[1];
    f.o.conns = none;
    assert_one(&f, "calls",
               "made no connection and no call in 4.0 s: does it use the target it is given "
               "({target} or SC_TARGET)?");
    f.o.conns = NULL; /* no proxy: connections unknown */
    assert_one(&f, "calls",
               "made no call in 4.0 s: does it use the target it is given ({target} or "
               "SC_TARGET)?");
}

static void connections_hammering(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.connections = true;
    sc_app_conn conns[41];
    for (size_t i = 0; i < 40; i++)
        conns[i] = (sc_app_conn){(int64_t)i * 2000 / 39, true};
    f.o.conns = conns;
    f.o.n_conns = 40;
    int64_t gaps[] = {100};
    same_code(&f, UNAV, gaps, 2);
    /* Shortest waits 30, 78, 154.8, 277.7, 474.3, 750: 7 attempts fit in 2.0 s. */
    assert_one(&f, "connections",
               "connected 40 times in 2.0 s while connections were refused: no backoff (the "
               "policy allows at most 7)");
    int64_t spaced[] = {0, 100, 300, 600, 1100, 1900};
    for (size_t i = 0; i < 6; i++)
        conns[i] = (sc_app_conn){spaced[i], true};
    f.o.n_conns = 6;
    assert_passes(&f);
    /* An accepted connection starts the backoff over: two runs of 3 quick attempts pass. */
    int64_t runs[] = {0, 30, 110, 200, 400, 430, 510};
    for (size_t i = 0; i < 7; i++)
        conns[i] = (sc_app_conn){runs[i], i != 3};
    f.o.n_conns = 7;
    assert_passes(&f);
    conns[3].refused = true; /* one run of 7 in 0.51 s: 4 allowed */
    assert_one(&f, "connections",
               "connected 7 times in 0.5 s while connections were refused: too often (the "
               "policy allows at most 4)");
}

static void exit_running(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.exit = SC_APP_EXIT_RUNNING;
    int64_t gaps[] = {100};
    same_code(&f, UNAV, gaps, 2);
    assert_passes(&f);
    f.o.exited = true;
    f.o.exit_code = 1;
    f.o.end_ms = 2300;
    assert_one(&f, "exit", "exited with code 1 at 2.3 s; expected it to keep running");
    f.o.exit_code = -1;
    f.o.exit_signal = 11;
    assert_one(&f, "exit", "was killed by signal 11 at 2.3 s; expected it to keep running");
}

static void exit_gives_up(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    int64_t gaps[] = {100};
    same_code(&f, UNAV, gaps, 2);
    f.e.exit = SC_APP_EXIT_EXITED;
    assert_one(&f, "exit", "still running when stopped at 4.0 s; expected it to give up and exit");
    f.e.policy.max_attempts = 5;
    f.e.exit = SC_APP_EXIT_NONZERO;
    assert_one(&f, "exit",
               "still running when stopped at 4.0 s; expected it to give up after 5 calls");
    f.o.exited = true;
    f.o.end_ms = 1500;
    f.o.exit_code = 3;
    assert_passes(&f);
    f.o.exit_code = 0;
    assert_one(&f, "exit", "exited with code 0 at 1.5 s; expected a non-zero code (it gave up)");
    f.e.exit = SC_APP_EXIT_ZERO;
    assert_passes(&f);
    f.o.exit_code = 2;
    assert_one(&f, "exit", "exited with code 2 at 1.5 s; expected 0");
    f.e.exit = SC_APP_EXIT_EXITED;
    assert_passes(&f);
}

static void exit_early_without_call(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.min_calls = 1;
    f.o.exited = true;
    f.o.exit_code = 1;
    f.o.end_ms = 100;
    /* The exit says it; no "does it use the target" guess, no count. */
    assert_int_equal(judge(&f), 1);
    assert_string_equal(f.v.findings[0].check, "exit");
    assert_string_equal(f.v.findings[0].sentence, "exited with code 1 at 0.1 s without a call");
    f.e.exit = SC_APP_EXIT_RUNNING;
    assert_one(&f, "exit",
               "exited with code 1 at 0.1 s without a call; expected it to keep running");
}

static void not_started(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    f.e.exit = SC_APP_EXIT_RUNNING;
    f.e.min_calls = 3;
    f.o.started = false;
    f.o.start_error = "execvp: No such file or directory";
    assert_one(&f, "start", "did not start: execvp: No such file or directory");
}

/* Several checks failing at once: one finding each, in the judge's order. */
static void several_findings(void **state)
{
    (void)state;
    fixture f;
    setup_case(&f);
    int64_t gaps[] = {100};
    same_code(&f, UNAV, gaps, 2);
    f.e.min_calls = 5;
    f.e.exit = SC_APP_EXIT_ZERO;
    f.e.stops = true;
    f.e.policy.max_attempts = 1;
    assert_int_equal(judge(&f), 3);
    assert_int_equal(f.v.findings_over_cap, 0);
    assert_false(f.v.passed);
    /* what it did between calls first, then the count, then how it ended */
    assert_string_equal(f.v.findings[0].check, "stops");
    assert_string_equal(f.v.findings[0].sentence, "made 2 calls; expected it to give up after 1");
    assert_string_equal(f.v.findings[1].check, "calls");
    assert_string_equal(f.v.findings[2].check, "exit");
    assert_string_equal(f.v.findings[2].sentence,
                        "still running when stopped at 4.0 s; expected it to give up after 1 call");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_text),
        cmocka_unit_test(windows_in_gaps),
        cmocka_unit_test(windows_pushback_and_open_call),
        cmocka_unit_test(backoff_exponential_passes),
        cmocka_unit_test(backoff_constant_fails),
        cmocka_unit_test(backoff_flood_fails),
        cmocka_unit_test(backoff_flood_with_a_slow_start_fails),
        cmocka_unit_test(backoff_listed_fails),
        cmocka_unit_test(backoff_ignores_fixed_waits),
        cmocka_unit_test(exhausted_too_short),
        cmocka_unit_test(pushback_honoured_or_not),
        cmocka_unit_test(stops_not_retryable),
        cmocka_unit_test(stops_max_attempts),
        cmocka_unit_test(retries_missing),
        cmocka_unit_test(same_request_differs),
        cmocka_unit_test(calls_bounds),
        cmocka_unit_test(never_connected),
        cmocka_unit_test(connections_hammering),
        cmocka_unit_test(exit_running),
        cmocka_unit_test(exit_gives_up),
        cmocka_unit_test(exit_early_without_call),
        cmocka_unit_test(not_started),
        cmocka_unit_test(several_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
