/* sc_client_flow: the decisions of one client call without a network. Each test plays the events
 * the executor (client/sc_client_call.c) reports, with the time passed in, and checks the actions
 * asked for: send batches (buffer hint, half-close merged), receives (after the headers, after the
 * read pause), each cancel plan, the end of the call, and the request feed of the peer driver. */
#include "sc_client_flow.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define T0 1000 /* the call starts at 1000 ms (monotonic, any origin) */

static const unsigned SEND_OPS =
    SC_FLOW_DO_SEND_MESSAGE | SC_FLOW_DO_BUFFER_HINT | SC_FLOW_DO_SEND_CLOSE;

static sc_client_flow started(sc_client_cancel_kind kind, int64_t n, int64_t read_pause_ms)
{
    sc_client_flow f;
    sc_client_cancel_plan plan = {kind, n};
    sc_client_flow_init(&f, 7, &plan, read_pause_ms, T0);
    return f;
}

static void queue(sc_client_flow *f, int n)
{
    for (int i = 0; i < n; i++) {
        assert_true(sc_client_flow_can_queue(f));
        sc_client_flow_queued(f);
    }
}

static void sends_one_batch_at_a_time_with_the_hint_while_more_wait(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_NONE, 0, 0);
    queue(&f, 3);
    assert_int_equal(sc_client_flow_unsent(&f), 3);
    sc_client_flow_step s = sc_client_flow_next(&f, T0);
    assert_int_equal(s.ops & SEND_OPS, SC_FLOW_DO_SEND_MESSAGE | SC_FLOW_DO_BUFFER_HINT);
    assert_int_equal(sc_client_flow_next(&f, T0).ops & SEND_OPS, 0); /* one batch in flight */
    assert_int_equal(sc_client_flow_unsent(&f), 3);
    assert_false(sc_client_flow_on_sent(&f, true, T0 + 1));
    assert_int_equal(sc_client_flow_next(&f, T0 + 1).ops & SEND_OPS,
                     SC_FLOW_DO_SEND_MESSAGE | SC_FLOW_DO_BUFFER_HINT);
    sc_client_flow_on_sent(&f, true, T0 + 2);
    /* the last one goes without the hint */
    assert_int_equal(sc_client_flow_next(&f, T0 + 2).ops & SEND_OPS, SC_FLOW_DO_SEND_MESSAGE);
    assert_false(sc_client_flow_send_ready(&f));
    sc_client_flow_on_sent(&f, true, T0 + 3);
    assert_true(sc_client_flow_send_ready(&f)); /* room for a producer */
    assert_int_equal(sc_client_flow_unsent(&f), 0);
    assert_int_equal(sc_client_flow_next(&f, T0 + 3).ops & SEND_OPS, 0);
}

static void after_earlier_sends_the_half_close_goes_alone(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_NONE, 0, 0);
    queue(&f, 2);
    sc_client_flow_next(&f, T0); /* request 1 in flight */
    assert_true(sc_client_flow_close_send(&f));
    assert_false(sc_client_flow_can_queue(&f)); /* no request after the half-close was asked */
    assert_true(sc_client_flow_close_send(&f)); /* idempotent */
    assert_false(sc_client_flow_on_sent(&f, true, T0 + 1));
    /* the last request alone: libgrpc 1.51's retries lose a replayed request+half-close batch */
    assert_int_equal(sc_client_flow_next(&f, T0 + 1).ops & SEND_OPS, SC_FLOW_DO_SEND_MESSAGE);
    assert_false(sc_client_flow_on_sent(&f, true, T0 + 2)); /* not the half-close yet */
    assert_int_equal(sc_client_flow_next(&f, T0 + 2).ops & SEND_OPS, SC_FLOW_DO_SEND_CLOSE);
    assert_false(sc_client_flow_send_ready(&f));
    assert_true(sc_client_flow_on_sent(&f, true, T0 + 3)); /* that completed the half-close */
    assert_true(f.shut & SC_FLOW_SHUT_WR);
    assert_false(f.shut & SC_FLOW_SHUT_RD); /* the receive side is still open */
    assert_int_equal(sc_client_flow_next(&f, T0 + 3).ops & SEND_OPS, 0);
}

static void the_half_close_rides_with_a_single_request(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_NONE, 0, 0);
    queue(&f, 1);
    assert_true(sc_client_flow_close_send(&f));
    /* the unary shape: one batch with the request and the half-close */
    assert_int_equal(sc_client_flow_next(&f, T0).ops & SEND_OPS,
                     SC_FLOW_DO_SEND_MESSAGE | SC_FLOW_DO_SEND_CLOSE);
    assert_true(sc_client_flow_on_sent(&f, true, T0 + 1));
    assert_true(f.shut & SC_FLOW_SHUT_WR);
}

static void a_half_close_alone_when_nothing_is_queued(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_NONE, 0, 0);
    sc_client_flow_close_send(&f);
    assert_int_equal(sc_client_flow_next(&f, T0).ops & SEND_OPS, SC_FLOW_DO_SEND_CLOSE);
    assert_int_equal(sc_client_flow_unsent(&f), 1); /* the close batch is in flight */
    assert_true(sc_client_flow_on_sent(&f, true, T0 + 5));
}

static void a_failed_send_ends_the_send_side_only(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_NONE, 0, 0);
    queue(&f, 3);
    sc_client_flow_next(&f, T0);
    assert_false(sc_client_flow_on_sent(&f, false, T0 + 1));
    assert_true(f.shut & SC_FLOW_SHUT_WR);
    assert_int_equal(sc_client_flow_unsent(&f), 0); /* the queue is dropped */
    assert_false(sc_client_flow_can_queue(&f));
    assert_false(sc_client_flow_send_ready(&f));
    assert_int_equal(sc_client_flow_next(&f, T0 + 1).ops & SEND_OPS, 0);
    /* responses are still read */
    sc_client_flow_on_headers(&f);
    assert_true(sc_client_flow_next(&f, T0 + 1).ops & SC_FLOW_DO_RECV);
}

static void reads_start_after_the_headers_one_at_a_time(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_NONE, 0, 0);
    assert_false(sc_client_flow_next(&f, T0).ops & SC_FLOW_DO_RECV);
    sc_client_flow_on_headers(&f);
    assert_true(sc_client_flow_next(&f, T0).ops & SC_FLOW_DO_RECV);
    assert_false(sc_client_flow_next(&f, T0).ops & SC_FLOW_DO_RECV); /* one in flight */
    sc_client_flow_on_received(&f, SC_FLOW_RECV_MESSAGE);
    assert_int_equal(f.responses, 1);
    assert_true(sc_client_flow_next(&f, T0).ops & SC_FLOW_DO_RECV);
    sc_client_flow_on_received(&f, SC_FLOW_RECV_END);
    assert_true(f.shut & SC_FLOW_SHUT_RD);
    assert_false(f.shut & SC_FLOW_SHUT_WR); /* the send side is still open */
    assert_true(sc_client_flow_can_queue(&f));
    assert_false(sc_client_flow_next(&f, T0).ops & SC_FLOW_DO_RECV);
}

static void an_invalid_response_ends_the_receive_side(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_AFTER_RESPONSES, 1, 0);
    sc_client_flow_on_headers(&f);
    sc_client_flow_next(&f, T0);
    sc_client_flow_on_received(&f, SC_FLOW_RECV_INVALID);
    assert_true(f.shut & SC_FLOW_SHUT_RD);
    assert_int_equal(f.responses, 0); /* not delivered: does not count for the plan */
    assert_int_equal(sc_client_flow_next(&f, T0).ops, 0);
}

static void the_read_pause_holds_reads_and_wakes_at_its_end(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_NONE, 0, 300);
    sc_client_flow_on_headers(&f);
    sc_client_flow_step s = sc_client_flow_next(&f, T0 + 10);
    assert_false(s.ops & SC_FLOW_DO_RECV);
    assert_int_equal(s.wake_at_ms, T0 + 300);
    s = sc_client_flow_next(&f, T0 + 299);
    assert_false(s.ops & SC_FLOW_DO_RECV);
    s = sc_client_flow_next(&f, T0 + 300);
    assert_true(s.ops & SC_FLOW_DO_RECV);
    assert_int_equal(s.wake_at_ms, -1);
}

static void cancel_before_send_cancels_at_once_and_sends_nothing(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_BEFORE_SEND, 0, 0);
    queue(&f, 1);
    sc_client_flow_close_send(&f);
    sc_client_flow_step s = sc_client_flow_next(&f, T0);
    assert_int_equal(s.ops, SC_FLOW_DO_CANCEL);
    assert_int_equal(f.state, SC_FLOW_CANCELLED);
    sc_client_flow_on_headers(&f);
    assert_int_equal(sc_client_flow_next(&f, T0 + 1).ops, 0); /* no send, no read, no 2nd cancel */
    assert_false(sc_client_flow_cancel(&f));                  /* already cancelled */
}

static void cancel_after_n_responses(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_AFTER_RESPONSES, 2, 0);
    sc_client_flow_on_headers(&f);
    sc_client_flow_next(&f, T0);
    sc_client_flow_on_received(&f, SC_FLOW_RECV_MESSAGE);
    sc_client_flow_step s = sc_client_flow_next(&f, T0 + 1);
    assert_int_equal(s.ops, SC_FLOW_DO_RECV);
    sc_client_flow_on_received(&f, SC_FLOW_RECV_MESSAGE);
    s = sc_client_flow_next(&f, T0 + 2);
    assert_int_equal(s.ops, SC_FLOW_DO_CANCEL); /* and no further read */
    assert_int_equal(sc_client_flow_next(&f, T0 + 3).ops, 0);
}

static void cancel_after_ms_from_the_start(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_AFTER_MS, 250, 0);
    sc_client_flow_step s = sc_client_flow_next(&f, T0);
    assert_int_equal(s.ops, 0);
    assert_int_equal(s.wake_at_ms, T0 + 250);
    assert_int_equal(sc_client_flow_next(&f, T0 + 249).ops, 0);
    s = sc_client_flow_next(&f, T0 + 250);
    assert_int_equal(s.ops, SC_FLOW_DO_CANCEL);
    assert_int_equal(s.wake_at_ms, -1);
    assert_int_equal(sc_client_flow_next(&f, T0 + 400).ops, 0); /* once */
}

static void cancel_after_the_half_close_completed(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_AFTER_CLOSE_SEND_MS, 100, 0);
    sc_client_flow_close_send(&f);
    sc_client_flow_step s = sc_client_flow_next(&f, T0);
    assert_int_equal(s.ops, SC_FLOW_DO_SEND_CLOSE);
    assert_int_equal(s.wake_at_ms, -1); /* not planned before the half-close completes */
    assert_true(sc_client_flow_on_sent(&f, true, T0 + 40));
    s = sc_client_flow_next(&f, T0 + 40);
    assert_int_equal(s.wake_at_ms, T0 + 140);
    assert_int_equal(sc_client_flow_next(&f, T0 + 140).ops, SC_FLOW_DO_CANCEL);
}

static void an_own_cancel_once_and_never_after_the_status(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_NONE, 0, 0);
    assert_true(sc_client_flow_cancel(&f));
    assert_false(sc_client_flow_cancel(&f));
    sc_client_flow_on_status(&f);
    assert_false(sc_client_flow_cancel(&f));

    sc_client_flow g = started(SC_CANCEL_AFTER_MS, 50, 0);
    sc_client_flow_on_status(&g);
    assert_false(sc_client_flow_cancel(&g));
    sc_client_flow_step s = sc_client_flow_next(&g, T0 + 60);
    assert_int_equal(s.ops, 0); /* the plan is moot once the status is in */
    assert_int_equal(s.wake_at_ms, -1);
    assert_false(sc_client_flow_can_queue(&g));
    assert_false(sc_client_flow_close_send(&g));
}

static void the_call_finishes_once_when_status_in_and_nothing_pending(void **state)
{
    (void)state;
    sc_client_flow f = started(SC_CANCEL_NONE, 0, 0);
    assert_false(sc_client_flow_finish(&f, 0)); /* no status yet */
    sc_client_flow_on_status(&f);
    assert_true(sc_client_flow_status_in(&f));
    assert_false(sc_client_flow_finish(&f, 2)); /* batches still draining */
    assert_true(sc_client_flow_finish(&f, 0));
    assert_int_equal(f.state, SC_FLOW_DONE);
    assert_false(sc_client_flow_finish(&f, 0)); /* exactly once */
    assert_int_equal(sc_fsm_illegal_count(), 0);
}

static void feed_without_delay_fills_the_window(void **state)
{
    (void)state;
    const sc_client_feed_plan p = {10, 0, true, 4, false, 0};
    sc_client_feed_step s = sc_client_flow_feed(&p, 0, 0, T0, T0);
    assert_int_equal(s.send, 4);
    assert_false(s.close);
    assert_int_equal(s.wake_at_ms, -1); /* send-ready refills */
    s = sc_client_flow_feed(&p, 4, 3, T0, T0 + 1);
    assert_int_equal(s.send, 1);
    s = sc_client_flow_feed(&p, 8, 0, T0, T0 + 2);
    assert_int_equal(s.send, 2);
    assert_true(s.close); /* after the last one */
    s = sc_client_flow_feed(&p, 10, 0, T0, T0 + 3);
    assert_int_equal(s.send, 0);
    assert_true(s.close);
}

static void feed_with_a_delay_sends_request_i_at_i_times_delay(void **state)
{
    (void)state;
    const sc_client_feed_plan p = {3, 100, true, 4, false, 0};
    sc_client_feed_step s = sc_client_flow_feed(&p, 0, 0, T0, T0);
    assert_int_equal(s.send, 1); /* request 0 is due at the start */
    assert_false(s.close);
    assert_int_equal(s.wake_at_ms, T0 + 100);
    s = sc_client_flow_feed(&p, 1, 1, T0, T0 + 99);
    assert_int_equal(s.send, 0);
    assert_int_equal(s.wake_at_ms, T0 + 100);
    s = sc_client_flow_feed(&p, 1, 0, T0, T0 + 250); /* late: requests 1 and 2 are both due */
    assert_int_equal(s.send, 2);
    assert_true(s.close);
    assert_int_equal(s.wake_at_ms, -1);
}

static void feed_without_half_close_never_closes(void **state)
{
    (void)state;
    const sc_client_feed_plan p = {2, 0, false, 64, false, 0};
    sc_client_feed_step s = sc_client_flow_feed(&p, 0, 0, T0, T0);
    assert_int_equal(s.send, 2);
    assert_false(s.close);
    const sc_client_feed_plan none = {0, 0, true, 64, false, 0};
    s = sc_client_flow_feed(&none, 0, 0, T0, T0);
    assert_int_equal(s.send, 0);
    assert_true(s.close); /* no request at all: half-close at once */
}

static void feed_lock_step_waits_for_each_reply(void **state)
{
    (void)state;
    sc_client_feed_plan p = {3, 0, true, 64, true, 0};
    sc_client_feed_step s = sc_client_flow_feed(&p, 0, 0, T0, T0);
    assert_int_equal(s.send, 1); /* request 0 needs no reply */
    assert_false(s.close);
    assert_int_equal(s.wake_at_ms, -1); /* the reply wakes the feed, not a timer */
    s = sc_client_flow_feed(&p, 1, 0, T0, T0 + 500);
    assert_int_equal(s.send, 0); /* no reply yet, however long */
    p.replies = 1;
    s = sc_client_flow_feed(&p, 1, 0, T0, T0 + 501);
    assert_int_equal(s.send, 1);
    assert_false(s.close);
    p.replies = 3; /* more replies than requests (a chat room's others): never ahead of the list */
    s = sc_client_flow_feed(&p, 2, 0, T0, T0 + 502);
    assert_int_equal(s.send, 1);
    assert_true(s.close); /* after the last one */
}

static void feed_lock_step_with_a_delay_waits_for_both(void **state)
{
    (void)state;
    sc_client_feed_plan p = {3, 100, true, 64, true, 1};
    sc_client_feed_step s = sc_client_flow_feed(&p, 1, 0, T0, T0 + 50);
    assert_int_equal(s.send, 0); /* the reply is in, request 1 is not due yet */
    assert_int_equal(s.wake_at_ms, T0 + 100);
    s = sc_client_flow_feed(&p, 1, 0, T0, T0 + 250); /* 1 and 2 are due, one reply allows 1 */
    assert_int_equal(s.send, 1);
    assert_false(s.close);
    assert_int_equal(s.wake_at_ms, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sends_one_batch_at_a_time_with_the_hint_while_more_wait),
        cmocka_unit_test(after_earlier_sends_the_half_close_goes_alone),
        cmocka_unit_test(the_half_close_rides_with_a_single_request),
        cmocka_unit_test(a_half_close_alone_when_nothing_is_queued),
        cmocka_unit_test(a_failed_send_ends_the_send_side_only),
        cmocka_unit_test(reads_start_after_the_headers_one_at_a_time),
        cmocka_unit_test(an_invalid_response_ends_the_receive_side),
        cmocka_unit_test(the_read_pause_holds_reads_and_wakes_at_its_end),
        cmocka_unit_test(cancel_before_send_cancels_at_once_and_sends_nothing),
        cmocka_unit_test(cancel_after_n_responses),
        cmocka_unit_test(cancel_after_ms_from_the_start),
        cmocka_unit_test(cancel_after_the_half_close_completed),
        cmocka_unit_test(an_own_cancel_once_and_never_after_the_status),
        cmocka_unit_test(the_call_finishes_once_when_status_in_and_nothing_pending),
        cmocka_unit_test(feed_without_delay_fills_the_window),
        cmocka_unit_test(feed_with_a_delay_sends_request_i_at_i_times_delay),
        cmocka_unit_test(feed_without_half_close_never_closes),
        cmocka_unit_test(feed_lock_step_waits_for_each_reply),
        cmocka_unit_test(feed_lock_step_with_a_delay_waits_for_both),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
