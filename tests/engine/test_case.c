/* The case state machine (engine/sc_case): settling, timeouts, verdicts, known lists. No network;
 * time is passed in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sc_case.h"
#include "sc_fsm.h"
#include "sc_scenario.h"

static sc_scenario_set set;

static int setup(void **state)
{
    (void)state;
    char err[512];
    const char *text =
        "{\"name\": \"t/ok\", \"method\": \"GetData\", \"client\": {\"requests\": "
        "[{\"topics\": [\"a\"]}], \"timeout_ms\": 1000}, \"expect\": {\"status\": \"OK\"}}";
    memset(&set, 0, sizeof set);
    if (sc_scenario_set_load_text(&set, "test", text, err, sizeof err) != 0) {
        print_error("%s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sc_scenario_set_free(&set);
    return 0;
}

static cJSON *result(const char *code)
{
    char text[256];
    snprintf(text, sizeof text,
             "{\"case\":\"t/ok@c->c\",\"status\":{\"code\":\"%s\",\"message\":\"\"},"
             "\"headers\":{},\"trailers\":{},\"responses\":[],\"attempts\":[],\"timings\":{}}",
             code);
    return cJSON_Parse(text);
}

static cJSON *event(const char *name)
{
    char text[128];
    snprintf(text, sizeof text, "{\"event\":\"%s\",\"case\":\"t/ok@c->c\"}", name);
    return cJSON_Parse(text);
}

static void start(sc_case *c, int64_t now)
{
    assert_int_equal(sc_case_init(c, set.items[0], "t/ok@c->c", 0, 0), 0);
    assert_int_equal(c->state, SC_CASE_QUEUED);
    sc_case_start(c, now);
    assert_int_equal(c->state, SC_CASE_RUNNING);
}

static void settles_when_the_server_logged_the_end(void **state)
{
    (void)state;
    sc_case c;
    start(&c, 1000);
    sc_case_on_server_event(&c, event("call_start"));
    sc_case_on_result(&c, result("OK"), 1010);
    assert_int_equal(c.state, SC_CASE_SETTLING);
    assert_false(sc_case_settled(&c, 1010 + SC_CASE_SETTLE_NO_CALL_MS + 1)); /* call still open */
    sc_case_on_server_event(&c, event("status_sent"));
    sc_case_on_server_event(&c, event("call_end"));
    assert_true(sc_case_settled(&c, 1011));
    assert_false(sc_case_conclude(&c, 1011));
    assert_int_equal(c.verdict, SC_VERDICT_PASS);
    assert_int_equal(c.duration_ms, 11);
    assert_int_equal(cJSON_GetArraySize(c.events), 3);
    assert_false(sc_case_fails_run(&c));
    sc_case_on_server_event(&c, event("call_end")); /* late lines are dropped */
    assert_int_equal(cJSON_GetArraySize(c.events), 3);
    sc_case_free(&c);
}

static cJSON *result_for(const char *id, const char *code)
{
    char text[256];
    snprintf(text, sizeof text,
             "{\"case\":\"%s\",\"status\":{\"code\":\"%s\",\"message\":\"\"},"
             "\"responses\":[],\"attempts\":[],\"timings\":{}}",
             id, code);
    return cJSON_Parse(text);
}

static void companions_settle_together_and_fail_with_their_path(void **state)
{
    (void)state;
    char err[512];
    sc_scenario_set two = {0};
    const char *text =
        "{\"name\": \"t/room\", \"method\": \"Chat\", \"expect\": {\"status\": \"OK\"}, "
        "\"companions\": [{\"expect\": {\"status\": \"OK\"}}, {\"expect\": {\"status\": "
        "\"CANCELLED\"}}]}";
    assert_int_equal(sc_scenario_set_load_text(&two, "test", text, err, sizeof err), 0);
    sc_case c;
    assert_int_equal(sc_case_init(&c, two.items[0], "t/room@c->c", 0, 0), 0);
    assert_int_equal(c.n_companions, 2);
    sc_case_start(&c, 0);
    sc_case_on_companion_result(&c, 1, result_for("t/room@c->c#2", "OK"), 5);
    sc_case_on_result(&c, result_for("t/room@c->c", "OK"), 6);
    assert_int_equal(c.state, SC_CASE_RUNNING); /* companion 1 still out */
    sc_case_on_companion_result(&c, 5, result_for("t/room@c->c#6", "OK"), 7); /* no such one */
    assert_int_equal(c.state, SC_CASE_RUNNING);
    sc_case_on_companion_result(&c, 0, result_for("t/room@c->c#1", "OK"), 8);
    assert_int_equal(c.state, SC_CASE_SETTLING);
    assert_true(sc_case_settled(&c, 8 + SC_CASE_SETTLE_NO_CALL_MS));
    assert_false(sc_case_conclude(&c, 200));
    assert_int_equal(c.verdict, SC_VERDICT_FAIL);
    assert_int_equal(c.judgement.n_failures, 1);
    assert_string_equal(c.judgement.failures[0].path, "companions[1].expect.status");
    assert_string_equal(c.judgement.failures[0].expected, "CANCELLED");
    /* a new run starts with no companion results */
    sc_case_start(&c, 300);
    assert_int_equal(c.companions_in, 0);
    assert_null(c.companion_results[0]);
    sc_case_free(&c);
    sc_scenario_set_free(&two);
}

static void settles_after_a_grace_without_a_call_or_at_the_cap(void **state)
{
    (void)state;
    sc_case c;
    start(&c, 0);
    sc_case_on_result(&c, result("OK"), 5);
    assert_false(sc_case_settled(&c, 5 + SC_CASE_SETTLE_NO_CALL_MS - 1));
    assert_int_equal(sc_case_next_deadline(&c), 5 + SC_CASE_SETTLE_NO_CALL_MS);
    assert_true(sc_case_settled(&c, 5 + SC_CASE_SETTLE_NO_CALL_MS));
    sc_case_free(&c);

    start(&c, 0);
    sc_case_on_server_event(&c, event("call_start"));
    sc_case_on_result(&c, result("OK"), 5);
    assert_false(sc_case_settled(&c, 5 + SC_CASE_SETTLE_MAX_MS - 1));
    assert_true(sc_case_settled(&c, 5 + SC_CASE_SETTLE_MAX_MS));
    sc_case_free(&c);
}

/* A scenario that expects the call at the server: no short grace while its log says nothing (a
 * busy server logs after the client's result); it waits for the log, at most the cap. */
static void waits_for_an_expected_call_up_to_the_cap(void **state)
{
    (void)state;
    char err[512];
    sc_scenario_set one = {0};
    const char *text =
        "{\"name\": \"t/srv\", \"method\": \"GetData\", \"client\": {\"requests\": "
        "[{\"topics\": [\"a\"]}], \"timeout_ms\": 1000}, \"expect\": {\"status\": \"OK\", "
        "\"server\": {\"messages_received\": 1}}}";
    assert_int_equal(sc_scenario_set_load_text(&one, "test", text, err, sizeof err), 0);
    assert_true(sc_scenario_expects_server_call(one.items[0]));
    assert_false(sc_scenario_expects_server_call(set.items[0]));
    sc_case c;
    assert_int_equal(sc_case_init(&c, one.items[0], "t/srv@c->c", 0, 0), 0);
    sc_case_start(&c, 0);
    sc_case_on_result(&c, result("OK"), 5);
    assert_false(sc_case_settled(&c, 5 + SC_CASE_SETTLE_NO_CALL_MS));
    assert_int_equal(sc_case_next_deadline(&c), 5 + SC_CASE_SETTLE_MAX_MS);
    sc_case_on_server_event(&c, event("call_start"));
    sc_case_on_server_event(&c, event("call_end"));
    assert_true(sc_case_settled(&c, 5 + SC_CASE_SETTLE_NO_CALL_MS + 1));
    sc_case_free(&c);
    assert_int_equal(sc_case_init(&c, one.items[0], "t/srv@c->c", 0, 0), 0);
    sc_case_start(&c, 0);
    sc_case_on_result(&c, result("OK"), 5);
    assert_false(sc_case_settled(&c, 5 + SC_CASE_SETTLE_MAX_MS - 1));
    assert_true(sc_case_settled(&c, 5 + SC_CASE_SETTLE_MAX_MS));
    sc_case_free(&c);
    sc_scenario_set_free(&one);
}

static void times_out_only_while_running(void **state)
{
    (void)state;
    sc_case c;
    start(&c, 100);
    int64_t bound = sc_scenario_case_timeout_ms(set.items[0]);
    assert_true(bound >= 1000);
    assert_false(sc_case_timed_out(&c, 100 + bound));
    assert_true(sc_case_timed_out(&c, 100 + bound + 1));
    assert_int_equal(sc_case_next_deadline(&c), 100 + bound + 1);
    sc_case_error(&c, "no result", "stderr text", 100 + bound + 1);
    assert_int_equal(c.verdict, SC_VERDICT_ERROR);
    assert_string_equal(c.stderr_tail, "stderr text");
    assert_false(sc_case_timed_out(&c, 100 + bound + 5));
    assert_true(sc_case_fails_run(&c));
    sc_case_free(&c);
}

static void failing_verdicts_and_known_lists(void **state)
{
    (void)state;
    sc_case c;
    start(&c, 0);
    sc_case_on_result(&c, result("NOT_FOUND"), 1);
    assert_false(sc_case_conclude(&c, 200));
    assert_int_equal(c.verdict, SC_VERDICT_FAIL);
    assert_true(c.judgement.n_failures >= 1);
    assert_true(sc_case_fails_run(&c));
    sc_case_free(&c);

    start(&c, 0);
    c.known_failing = "broken on purpose";
    sc_case_on_result(&c, result("NOT_FOUND"), 1);
    sc_case_conclude(&c, 200);
    assert_int_equal(c.verdict, SC_VERDICT_KNOWN_FAILING);
    assert_string_equal(c.reason, "broken on purpose");
    assert_false(sc_case_fails_run(&c));
    sc_case_free(&c);

    start(&c, 0);
    c.known_failing = "";
    sc_case_on_result(&c, result("OK"), 1);
    sc_case_conclude(&c, 200);
    assert_int_equal(c.verdict, SC_VERDICT_STALE);
    assert_true(sc_case_fails_run(&c));
    sc_case_free(&c);
}

/* A "sometimes:" entry: a timing race of a library; the failure is known_failing, a pass a pass. */
static void known_failing_sometimes_may_pass(void **state)
{
    (void)state;
    sc_case c;
    start(&c, 0);
    c.known_failing = "sometimes: races the reset";
    sc_case_on_result(&c, result("OK"), 1);
    sc_case_conclude(&c, 200);
    assert_int_equal(c.verdict, SC_VERDICT_PASS);
    assert_false(sc_case_fails_run(&c));
    sc_case_free(&c);

    start(&c, 0);
    c.known_failing = "sometimes: races the reset";
    sc_case_on_result(&c, result("NOT_FOUND"), 1);
    sc_case_conclude(&c, 200);
    assert_int_equal(c.verdict, SC_VERDICT_KNOWN_FAILING);
    assert_string_equal(c.reason, "sometimes: races the reset");
    assert_false(sc_case_fails_run(&c));
    sc_case_free(&c);

    /* Under run --retry-failed a listed failure is not run again: it is what the list says. */
    start(&c, 0);
    c.known_failing = "sometimes: races the reset";
    c.retry_on_failure = true;
    sc_case_on_result(&c, result("NOT_FOUND"), 1);
    assert_false(sc_case_conclude(&c, 200));
    assert_int_equal(c.verdict, SC_VERDICT_KNOWN_FAILING);
    assert_int_equal(c.attempts, 1);
    assert_false(c.flaky);
    sc_case_free(&c);

    assert_true(sc_known_failing_is_sometimes("sometimes: x"));
    assert_false(sc_known_failing_is_sometimes("always broken; sometimes: no"));
    assert_false(sc_known_failing_is_sometimes(NULL));
}

static void known_flaky_runs_once_more(void **state)
{
    (void)state;
    sc_case c;
    start(&c, 0);
    c.known_flaky = c.retry_on_failure = true;
    sc_case_on_result(&c, result("UNAVAILABLE"), 1);
    assert_true(sc_case_conclude(&c, 200)); /* run it again */
    assert_int_equal(c.state, SC_CASE_QUEUED);
    sc_case_start(&c, 300);
    assert_int_equal(c.attempts, 2);
    assert_null(c.result); /* the first run's data is gone */
    sc_case_on_result(&c, result("OK"), 301);
    assert_false(sc_case_conclude(&c, 500));
    assert_int_equal(c.verdict, SC_VERDICT_PASS);
    assert_true(c.flaky);
    sc_case_free(&c);

    start(&c, 0);
    c.known_flaky = c.retry_on_failure = true;
    sc_case_error(&c, "driver died", NULL, 5);
    assert_true(sc_case_conclude(&c, 5)); /* an error is retried too */
    sc_case_start(&c, 10);
    sc_case_error(&c, "driver died again", NULL, 20);
    assert_false(sc_case_conclude(&c, 20));
    assert_int_equal(c.verdict, SC_VERDICT_ERROR);
    assert_true(sc_case_fails_run(&c)); /* failed its retry too: the run fails */
    sc_case_free(&c);
}

static void skip_and_names(void **state)
{
    (void)state;
    sc_case c;
    assert_int_equal(sc_case_init(&c, set.items[0], "t/ok@c->go", 0, 1), 0);
    sc_case_skip(&c, "not for this pair");
    assert_int_equal(c.state, SC_CASE_DONE);
    assert_string_equal(sc_verdict_name(c.verdict), "skip");
    assert_false(sc_case_fails_run(&c));
    assert_int_equal(sc_case_next_deadline(&c), INT64_MAX);
    sc_case_free(&c);
    assert_string_equal(sc_verdict_name(SC_VERDICT_KNOWN_FAILING), "known_failing");
    assert_string_equal(sc_verdict_name((sc_verdict)99), "none");
}

/* ---- named states ------------------------------------------------------------------------- */

static void case_changes_follow_the_table(void **state)
{
    (void)state;
    const sc_fsm_def *f = &sc_case_fsm;
    assert_string_equal(sc_fsm_name(f, SC_CASE_SETTLING), "SETTLING");
    assert_true(sc_fsm_legal(f, SC_CASE_QUEUED, SC_CASE_RUNNING));
    assert_true(sc_fsm_legal(f, SC_CASE_QUEUED, SC_CASE_DONE));       /* skip */
    assert_true(sc_fsm_legal(f, SC_CASE_RUNNING, SC_CASE_SETTLING));  /* results in */
    assert_true(sc_fsm_legal(f, SC_CASE_RUNNING, SC_CASE_DONE));      /* error, timeout */
    assert_true(sc_fsm_legal(f, SC_CASE_RUNNING, SC_CASE_QUEUED));    /* requeue */
    assert_true(sc_fsm_legal(f, SC_CASE_SETTLING, SC_CASE_DONE));     /* judged */
    assert_true(sc_fsm_legal(f, SC_CASE_SETTLING, SC_CASE_QUEUED));   /* flaky retry */
    assert_true(sc_fsm_legal(f, SC_CASE_DONE, SC_CASE_QUEUED));       /* flaky retry of an error */
    assert_false(sc_fsm_legal(f, SC_CASE_QUEUED, SC_CASE_SETTLING));  /* no results without a run */
    assert_false(sc_fsm_legal(f, SC_CASE_SETTLING, SC_CASE_RUNNING)); /* results never go back */
    assert_true(sc_fsm_legal(f, SC_CASE_DONE, SC_CASE_RUNNING));      /* started again */
    assert_false(sc_fsm_legal(f, SC_CASE_DONE, SC_CASE_SETTLING));
}

static void log_state_follows_the_calls(void **state)
{
    (void)state;
    sc_case c;
    start(&c, 0);
    assert_int_equal(c.log, SC_CASE_LOG_NO_CALL);
    sc_case_on_server_event(&c, event("call_start"));
    assert_int_equal(c.log, SC_CASE_LOG_CALLS_OPEN);
    sc_case_on_server_event(&c, event("message_received"));
    assert_int_equal(c.log, SC_CASE_LOG_CALLS_OPEN);
    sc_case_on_server_event(&c, event("call_start")); /* a second call of the case */
    sc_case_on_server_event(&c, event("call_end"));
    assert_int_equal(c.log, SC_CASE_LOG_CALLS_OPEN); /* one still open */
    sc_case_on_server_event(&c, event("call_end"));
    assert_int_equal(c.log, SC_CASE_LOG_CALLS_ENDED);
    sc_case_on_server_event(&c, event("call_start")); /* a reconnect */
    assert_int_equal(c.log, SC_CASE_LOG_CALLS_OPEN);
    sc_case_on_result(&c, result("OK"), 10);
    assert_false(sc_case_settled(&c, 11));
    sc_case_on_server_event(&c, event("call_end"));
    assert_int_equal(c.log, SC_CASE_LOG_CALLS_ENDED);
    assert_true(sc_case_settled(&c, 11));
    assert_false(sc_case_conclude(&c, 12));
    assert_int_equal(c.state, SC_CASE_DONE);
    sc_case_free(&c);

    /* a call_end read before its call_start: no call until the start arrives, then both ended */
    start(&c, 0);
    sc_case_on_server_event(&c, event("call_end"));
    assert_int_equal(c.log, SC_CASE_LOG_NO_CALL);
    sc_case_on_result(&c, result("OK"), 1);
    assert_int_equal(sc_case_next_deadline(&c), 1 + SC_CASE_SETTLE_NO_CALL_MS);
    sc_case_on_server_event(&c, event("call_start"));
    assert_int_equal(c.log, SC_CASE_LOG_CALLS_ENDED);
    assert_int_equal(sc_case_next_deadline(&c), 1 + SC_CASE_SETTLE_MAX_MS);
    assert_true(sc_case_settled(&c, 2));
    sc_case_free(&c);
    assert_int_equal(sc_fsm_illegal_count(), 0);
}

static void requeue_and_retry_reset_the_run(void **state)
{
    (void)state;
    sc_case c;
    start(&c, 0);
    sc_case_on_server_event(&c, event("call_start"));
    sc_case_requeue(&c); /* another case's driver restarted: not this case's attempt */
    assert_int_equal(c.state, SC_CASE_QUEUED);
    assert_int_equal(c.attempts, 0);
    sc_case_start(&c, 50);
    assert_int_equal(c.state, SC_CASE_RUNNING);
    assert_int_equal(c.attempts, 1);
    assert_int_equal(c.log, SC_CASE_LOG_NO_CALL); /* the earlier run's call is forgotten */
    assert_int_equal(c.open_calls, 0);
    /* a known-flaky failure from SETTLING goes back to QUEUED, then runs afresh */
    c.known_flaky = c.retry_on_failure = true;
    sc_case_on_server_event(&c, event("call_start"));
    sc_case_on_result(&c, result("NOT_FOUND"), 60);
    assert_int_equal(c.state, SC_CASE_SETTLING);
    assert_true(sc_case_conclude(&c, 70));
    assert_int_equal(c.state, SC_CASE_QUEUED);
    sc_case_start(&c, 80);
    assert_int_equal(c.log, SC_CASE_LOG_NO_CALL);
    assert_int_equal(c.attempts, 2);
    /* results for a case not running are dropped, and change nothing */
    sc_case_error(&c, "driver died", NULL, 90);
    assert_int_equal(c.state, SC_CASE_DONE);
    sc_case_on_result(&c, result("OK"), 91);
    sc_case_on_server_event(&c, event("call_start"));
    assert_int_equal(c.state, SC_CASE_DONE);
    assert_int_equal(c.log, SC_CASE_LOG_NO_CALL);
    assert_null(c.result);
    sc_case_free(&c);
    assert_int_equal(sc_fsm_illegal_count(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(settles_when_the_server_logged_the_end),
        cmocka_unit_test(companions_settle_together_and_fail_with_their_path),
        cmocka_unit_test(settles_after_a_grace_without_a_call_or_at_the_cap),
        cmocka_unit_test(waits_for_an_expected_call_up_to_the_cap),
        cmocka_unit_test(times_out_only_while_running),
        cmocka_unit_test(failing_verdicts_and_known_lists),
        cmocka_unit_test(known_flaky_runs_once_more),
        cmocka_unit_test(known_failing_sometimes_may_pass),
        cmocka_unit_test(skip_and_names),
        cmocka_unit_test(case_changes_follow_the_table),
        cmocka_unit_test(log_state_follows_the_calls),
        cmocka_unit_test(requeue_and_retry_reset_the_run),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
