/* sc_relay: the recording proxy's decisions per direction, without a network. Each test plays
 * one kind of call as the events the I/O side reports and checks the actions asked for. */
#include "sc_relay.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static sc_relay started(void)
{
    sc_relay r;
    sc_relay_init(&r, 1, true);
    return r;
}

static void client_messages_go_up_one_at_a_time(void **state)
{
    (void)state;
    sc_relay r = started();
    /* no client read before the initial metadata went up */
    assert_false(sc_relay_wants_client_read(&r));
    assert_int_equal(sc_relay_next_up(&r), SC_RELAY_UP_NONE);
    sc_relay_on_up_sent(&r, true);
    assert_true(sc_relay_wants_client_read(&r));
    sc_relay_on_client_message(&r);
    assert_false(sc_relay_wants_client_read(&r)); /* held: flow control end to end */
    assert_int_equal(sc_relay_next_up(&r), SC_RELAY_UP_SEND_MESSAGE);
    sc_relay_on_up_started(&r, SC_RELAY_UP_SEND_MESSAGE, true);
    assert_int_equal(r.up, SC_UP_SENDING);
    assert_false(sc_relay_wants_client_read(&r));
    sc_relay_on_up_sent(&r, true);
    assert_true(sc_relay_wants_client_read(&r));
    sc_relay_on_client_half_close(&r);
    assert_int_equal(sc_relay_next_up(&r), SC_RELAY_UP_SEND_CLOSE);
    sc_relay_on_up_started(&r, SC_RELAY_UP_SEND_CLOSE, true);
    assert_int_equal(r.up, SC_UP_CLOSING);
    sc_relay_on_up_sent(&r, true);
    assert_int_equal(r.up, SC_UP_CLOSED);
    assert_false(sc_relay_wants_client_read(&r));
    assert_int_equal(sc_relay_next_up(&r), SC_RELAY_UP_NONE);
}

static void a_failed_upstream_send_stops_client_reads(void **state)
{
    (void)state;
    sc_relay r = started();
    sc_relay_on_up_sent(&r, true);
    sc_relay_on_client_message(&r);
    sc_relay_on_up_started(&r, sc_relay_next_up(&r), true);
    sc_relay_on_up_sent(&r, false);
    assert_int_equal(r.up, SC_UP_DEAD);
    assert_false(sc_relay_wants_client_read(&r));
    /* refused at start: the same */
    sc_relay q = started();
    sc_relay_on_up_sent(&q, true);
    sc_relay_on_client_message(&q);
    sc_relay_on_up_started(&q, sc_relay_next_up(&q), false);
    assert_int_equal(q.up, SC_UP_DEAD);
    /* initial metadata refused */
    sc_relay d;
    sc_relay_init(&d, 2, false);
    assert_false(sc_relay_wants_client_read(&d));
}

static void headers_go_first_then_messages_then_the_status(void **state)
{
    (void)state;
    sc_relay r = started();
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_NONE); /* waiting for RIM */
    sc_relay_on_rim(&r, true, true);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_SEND_HEADERS);
    assert_true(r.headers_sent);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_NONE); /* headers in flight */
    sc_relay_on_down_sent(&r, true);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_READ_UPSTREAM);
    sc_relay_on_up_status(&r); /* the status arrives early: it waits for the messages */
    sc_relay_on_up_read(&r, true);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_SEND_MESSAGE);
    sc_relay_on_down_sent(&r, true);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_READ_UPSTREAM);
    sc_relay_on_up_read(&r, false);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_SEND_STATUS);
    assert_int_equal(r.down, SC_DOWN_ENDED);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_NONE);
}

static void empty_initial_metadata_goes_with_the_first_message(void **state)
{
    (void)state;
    sc_relay r = started();
    sc_relay_on_rim(&r, true, false);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_READ_UPSTREAM);
    assert_false(r.headers_sent);
    sc_relay_on_up_read(&r, true);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_SEND_MESSAGE);
    assert_true(r.headers_sent); /* the caller adds them to the message's batch */
}

static void trailers_only_stays_trailers_only(void **state)
{
    (void)state;
    sc_relay r = started();
    sc_relay_on_rim(&r, true, false);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_READ_UPSTREAM);
    sc_relay_on_up_read(&r, false);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_NONE); /* no status yet */
    assert_false(r.headers_sent);
    sc_relay_on_up_status(&r);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_SEND_STATUS);
    /* an upstream that failed before its initial metadata: straight to the status */
    sc_relay q = started();
    sc_relay_on_rim(&q, false, false);
    sc_relay_on_up_status(&q);
    assert_int_equal(sc_relay_next_down(&q), SC_RELAY_DOWN_SEND_STATUS);
}

static void a_refused_upstream_read_ends_the_messages(void **state)
{
    (void)state;
    sc_relay r = started();
    sc_relay_on_rim(&r, true, false);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_READ_UPSTREAM);
    sc_relay_on_down_refused(&r, SC_RELAY_DOWN_READ_UPSTREAM);
    assert_int_equal(r.down, SC_DOWN_DRAINED);
    sc_relay_on_up_status(&r);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_SEND_STATUS);
}

static void once_the_client_is_gone_the_upstream_is_read_to_its_end(void **state)
{
    (void)state;
    sc_relay r = started();
    sc_relay_on_up_sent(&r, true);
    sc_relay_on_rim(&r, true, true);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_SEND_HEADERS);
    sc_relay_on_down_sent(&r, true);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_READ_UPSTREAM);
    sc_relay_on_closed(&r); /* the client cancelled while a read was out */
    assert_false(sc_relay_wants_client_read(&r));
    sc_relay_on_up_read(&r, true);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_DROP); /* recorded, not sent */
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_READ_UPSTREAM);
    sc_relay_on_up_read(&r, false);
    sc_relay_on_up_status(&r);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_NONE); /* no status to a gone client */
}

static void a_failed_send_to_the_client_counts_as_gone(void **state)
{
    (void)state;
    sc_relay r = started();
    sc_relay_on_rim(&r, true, false);
    sc_relay_next_down(&r);
    sc_relay_on_up_read(&r, true);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_SEND_MESSAGE);
    sc_relay_on_down_sent(&r, false);
    assert_true(r.client_gone);
    assert_int_equal(r.down, SC_DOWN_IDLE);
    assert_int_equal(sc_relay_next_down(&r), SC_RELAY_DOWN_READ_UPSTREAM);
}

static void state_names_come_from_the_x_macro(void **state)
{
    (void)state;
    assert_string_equal(sc_relay_up_name(SC_UP_CLOSE_DUE), "CLOSE_DUE");
    assert_string_equal(sc_relay_down_name(SC_DOWN_WAIT_RIM), "WAIT_RIM");
    assert_string_equal(sc_relay_down_name(SC_DOWN_STATE_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(client_messages_go_up_one_at_a_time),
        cmocka_unit_test(a_failed_upstream_send_stops_client_reads),
        cmocka_unit_test(headers_go_first_then_messages_then_the_status),
        cmocka_unit_test(empty_initial_metadata_goes_with_the_first_message),
        cmocka_unit_test(trailers_only_stays_trailers_only),
        cmocka_unit_test(a_refused_upstream_read_ends_the_messages),
        cmocka_unit_test(once_the_client_is_gone_the_upstream_is_read_to_its_end),
        cmocka_unit_test(a_failed_send_to_the_client_counts_as_gone),
        cmocka_unit_test(state_names_come_from_the_x_macro),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
