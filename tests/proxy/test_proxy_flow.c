/* The proxy's per-connection decisions with time passed in: every fault type and schedule kind,
 * thresholds exactly at the edge, the Nth connection, latency ordering, bandwidth over simulated
 * time. No sockets, no clocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sc_proxy_flow.h"

#define PROXY_START 10000 /* proxy start on the test's clock */
#define SEED 42

static sc_proxy_faults faults;
static sc_proxy_flow flow;

static void load(const char *json)
{
    char err[512];
    if (sc_proxy_faults_parse(json, &faults, err, sizeof err) != 0)
        fail_msg("%s", err);
}

/* Connection `no` accepted at proxy time `at` (ms after the proxy started). */
static sc_proxy_verdict accept_conn(int64_t no, int64_t at)
{
    sc_proxy_flow_init(&flow, &faults, no, PROXY_START, PROXY_START + at, SEED);
    return sc_proxy_flow_accept(&flow, PROXY_START + at);
}

static void assert_verdict(sc_proxy_verdict v, sc_proxy_action action, int fault)
{
    if (v.action != action || v.fault != fault)
        fail_msg("verdict %d (fault %d), want %d (fault %d)", v.action, v.fault, action, fault);
}

static const sc_proxy_verdict none = {SC_PROXY_ACT_NONE, -1};

/* Forward everything offered in direction d at `now`, as the loop would. */
static size_t forward(sc_proxy_dir d, size_t n, int64_t now)
{
    int64_t wake;
    size_t k = sc_proxy_flow_allow(&flow, d, n, now, &wake);
    sc_proxy_flow_forwarded(&flow, d, k, now);
    return k;
}

static void no_faults_forwards_everything(void **state)
{
    (void)state;
    load("[]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    int64_t now = PROXY_START, wake;
    assert_int_equal(sc_proxy_flow_allow(&flow, SC_PROXY_UP, 65536, now, &wake), 65536);
    assert_true(wake == INT64_MAX);
    assert_true(sc_proxy_flow_due(&flow, SC_PROXY_DOWN, now + 5) == now + 5);
    assert_true(sc_proxy_flow_next_ms(&flow) == INT64_MAX);
    sc_proxy_verdict v = sc_proxy_flow_check(&flow, now + 100000);
    assert_verdict(v, none.action, none.fault);
}

static void reset_at_ms_fires_at_the_ms(void **state)
{
    (void)state;
    load("[{\"type\":\"reset\",\"at_ms\":100}]");
    int64_t t0 = PROXY_START + 50;
    assert_verdict(accept_conn(1, 50), SC_PROXY_ACT_NONE, -1);
    assert_true(sc_proxy_flow_next_ms(&flow) == t0 + 100);
    assert_verdict(sc_proxy_flow_check(&flow, t0 + 99), SC_PROXY_ACT_NONE, -1);
    assert_verdict(sc_proxy_flow_check(&flow, t0 + 100), SC_PROXY_ACT_RESET, 0);
    /* once only */
    assert_verdict(sc_proxy_flow_check(&flow, t0 + 200), SC_PROXY_ACT_NONE, -1);
    assert_true(sc_proxy_flow_next_ms(&flow) == INT64_MAX);
    /* at_ms 0 acts at accept */
    load("[{\"type\":\"close\",\"at_ms\":0}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_CLOSE, 0);
}

static void at_case_ms_counts_from_the_proxy_start(void **state)
{
    (void)state;
    load("[{\"type\":\"blackhole\",\"at_case_ms\":500}]");
    assert_verdict(accept_conn(1, 100), SC_PROXY_ACT_NONE, -1);
    assert_true(sc_proxy_flow_next_ms(&flow) == PROXY_START + 500);
    assert_verdict(sc_proxy_flow_check(&flow, PROXY_START + 499), SC_PROXY_ACT_NONE, -1);
    assert_verdict(sc_proxy_flow_check(&flow, PROXY_START + 500), SC_PROXY_ACT_BLACKHOLE, 0);
    /* a connection accepted after the time is blackholed at accept */
    assert_verdict(accept_conn(2, 500), SC_PROXY_ACT_BLACKHOLE, 0);
    assert_verdict(accept_conn(3, 9000), SC_PROXY_ACT_BLACKHOLE, 0);
}

static void after_bytes_stops_exactly_at_the_threshold(void **state)
{
    (void)state;
    load("[{\"type\":\"reset\",\"after_bytes\":100,\"direction\":\"up\"}]");
    int64_t now = PROXY_START;
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    /* the other direction is not counted and not capped */
    assert_int_equal(forward(SC_PROXY_DOWN, 500, now), 500);
    assert_verdict(sc_proxy_flow_check(&flow, now), SC_PROXY_ACT_NONE, -1);
    assert_int_equal(forward(SC_PROXY_UP, 99, now), 99);
    assert_verdict(sc_proxy_flow_check(&flow, now), SC_PROXY_ACT_NONE, -1); /* 99: not yet */
    assert_int_equal(forward(SC_PROXY_UP, 150, now), 1);                    /* capped at 100 */
    assert_int_equal(flow.fwd[SC_PROXY_UP], 100);
    assert_verdict(sc_proxy_flow_check(&flow, now), SC_PROXY_ACT_RESET, 0); /* exactly 100 */

    /* one write that would cross the threshold is cut to land on it */
    assert_verdict(accept_conn(2, 0), SC_PROXY_ACT_NONE, -1);
    assert_int_equal(forward(SC_PROXY_UP, 65536, now), 100);
    assert_verdict(sc_proxy_flow_check(&flow, now), SC_PROXY_ACT_RESET, 0);

    /* after_bytes 0 acts at accept */
    load("[{\"type\":\"close\",\"after_bytes\":0}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_CLOSE, 0);
}

static void after_bytes_both_counts_the_sum(void **state)
{
    (void)state;
    load("[{\"type\":\"close\",\"after_bytes\":10}]");
    int64_t now = PROXY_START;
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    assert_int_equal(forward(SC_PROXY_UP, 6, now), 6);
    assert_int_equal(forward(SC_PROXY_DOWN, 6, now), 4);
    assert_verdict(sc_proxy_flow_check(&flow, now), SC_PROXY_ACT_CLOSE, 0);
}

static void cut_after_bytes_resets_after_n_in_its_direction(void **state)
{
    (void)state;
    load("[{\"type\":\"cut_after_bytes\",\"bytes\":1000,\"direction\":\"down\"}]");
    int64_t now = PROXY_START;
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    assert_int_equal(forward(SC_PROXY_UP, 5000, now), 5000);
    assert_int_equal(forward(SC_PROXY_DOWN, 600, now), 600);
    assert_verdict(sc_proxy_flow_check(&flow, now), SC_PROXY_ACT_NONE, -1);
    assert_int_equal(forward(SC_PROXY_DOWN, 600, now), 400);
    assert_verdict(sc_proxy_flow_check(&flow, now), SC_PROXY_ACT_RESET, 0);
    load("[{\"type\":\"cut_after_bytes\",\"bytes\":0,\"direction\":\"down\"}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_RESET, 0);
}

static void on_connection_picks_the_nth(void **state)
{
    (void)state;
    load("[{\"type\":\"reset\",\"on_connection\":2}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    assert_verdict(accept_conn(2, 0), SC_PROXY_ACT_RESET, 0);
    assert_verdict(accept_conn(3, 0), SC_PROXY_ACT_NONE, -1);

    load("[{\"type\":\"refuse\",\"on_connection\":{\"from\":1,\"to\":3}}]");
    for (int n = 1; n <= 3; n++)
        assert_verdict(accept_conn(n, 0), SC_PROXY_ACT_REFUSE, 0);
    assert_verdict(accept_conn(4, 0), SC_PROXY_ACT_NONE, -1);

    load("[{\"type\":\"close\",\"on_connection\":{\"from\":3},\"at_ms\":10}]");
    assert_verdict(accept_conn(2, 0), SC_PROXY_ACT_NONE, -1);
    assert_true(sc_proxy_flow_next_ms(&flow) == INT64_MAX); /* not this connection */
    assert_verdict(sc_proxy_flow_check(&flow, PROXY_START + 10), SC_PROXY_ACT_NONE, -1);
    assert_verdict(accept_conn(1000, 0), SC_PROXY_ACT_NONE, -1);
    assert_verdict(sc_proxy_flow_check(&flow, PROXY_START + 10), SC_PROXY_ACT_CLOSE, 0);
}

static void refuse_only_at_accept(void **state)
{
    (void)state;
    load("[{\"type\":\"refuse\",\"at_case_ms\":1000}]");
    /* accepted before the time: forwarded, and never refused later */
    assert_verdict(accept_conn(1, 999), SC_PROXY_ACT_NONE, -1);
    assert_verdict(sc_proxy_flow_check(&flow, PROXY_START + 5000), SC_PROXY_ACT_NONE, -1);
    assert_true(sc_proxy_flow_next_ms(&flow) == INT64_MAX);
    assert_verdict(accept_conn(2, 1000), SC_PROXY_ACT_REFUSE, 0);
}

static void first_fault_in_list_order_wins(void **state)
{
    (void)state;
    load("[{\"type\":\"latency\",\"ms\":5},{\"type\":\"close\",\"on_connection\":1},"
         "{\"type\":\"reset\"}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_CLOSE, 1);
    assert_verdict(accept_conn(2, 0), SC_PROXY_ACT_RESET, 2);
}

static void latency_delays_each_direction_asked(void **state)
{
    (void)state;
    load("[{\"type\":\"latency\",\"ms\":80,\"direction\":\"down\"}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    int64_t now = PROXY_START + 7;
    assert_true(sc_proxy_flow_due(&flow, SC_PROXY_DOWN, now) == now + 80);
    assert_true(sc_proxy_flow_due(&flow, SC_PROXY_UP, now) == now);

    /* two latency faults add up; at_ms makes the second start later */
    load("[{\"type\":\"latency\",\"ms\":10},{\"type\":\"latency\",\"ms\":20,\"at_ms\":100}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    assert_true(sc_proxy_flow_due(&flow, SC_PROXY_UP, PROXY_START + 99) == PROXY_START + 109);
    assert_true(sc_proxy_flow_next_ms(&flow) == PROXY_START + 100);
    assert_verdict(sc_proxy_flow_check(&flow, PROXY_START + 100), SC_PROXY_ACT_NONE, -1);
    /* the met trigger no longer asks for a wake-up (no busy loop) */
    assert_true(sc_proxy_flow_next_ms(&flow) == INT64_MAX);
    assert_true(sc_proxy_flow_due(&flow, SC_PROXY_UP, PROXY_START + 100) == PROXY_START + 130);
}

static void jitter_stays_in_range_and_keeps_order(void **state)
{
    (void)state;
    load("[{\"type\":\"latency\",\"ms\":50,\"jitter_ms\":40}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    /* reads far apart: each delay is ms + jitter, and the whole range is used */
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int i = 0; i < 2000; i++) {
        int64_t now = PROXY_START + 1000 * i;
        int64_t delay = sc_proxy_flow_due(&flow, SC_PROXY_UP, now) - now;
        assert_true(delay >= 10 && delay <= 90);
        lo = delay < lo ? delay : lo;
        hi = delay > hi ? delay : hi;
    }
    assert_true(lo < 15);
    assert_true(hi > 85);
    /* reads close together: never delivered before bytes read earlier (held back instead) */
    int64_t prev = INT64_MIN, t = PROXY_START + 1000 * 2000;
    bool held_back = false;
    for (int i = 0; i < 2000; i++) {
        int64_t now = t + i / 4;
        int64_t due = sc_proxy_flow_due(&flow, SC_PROXY_UP, now);
        assert_true(due >= prev);
        assert_true(due <= now + 90);
        held_back |= due == prev;
        prev = due;
    }
    assert_true(held_back);

    /* the same seed gives the same sequence */
    int64_t a[10], b[10];
    assert_verdict(accept_conn(7, 0), SC_PROXY_ACT_NONE, -1);
    for (int i = 0; i < 10; i++)
        a[i] = sc_proxy_flow_due(&flow, SC_PROXY_DOWN, PROXY_START + 100 * i);
    assert_verdict(accept_conn(7, 0), SC_PROXY_ACT_NONE, -1);
    for (int i = 0; i < 10; i++)
        b[i] = sc_proxy_flow_due(&flow, SC_PROXY_DOWN, PROXY_START + 100 * i);
    assert_memory_equal(a, b, sizeof a);
}

/* Send as fast as allowed for `ms` of simulated time; bytes sent. */
static int64_t saturate(sc_proxy_dir d, int64_t ms)
{
    int64_t now = PROXY_START, sent = 0;
    while (now < PROXY_START + ms) {
        int64_t wake;
        size_t n = sc_proxy_flow_allow(&flow, d, 16384, now, &wake);
        if (n == 0) {
            assert_true(wake > now); /* a wait always moves time forward */
            assert_true(wake != INT64_MAX);
            now = wake;
            continue;
        }
        sc_proxy_flow_forwarded(&flow, d, n, now);
        sent += (int64_t)n;
    }
    return sent;
}

static void bandwidth_caps_bytes_per_second(void **state)
{
    (void)state;
    load("[{\"type\":\"bandwidth\",\"bytes_per_s\":10000,\"direction\":\"up\"}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    int64_t sent = saturate(SC_PROXY_UP, 2000);
    /* 2 s at 10000 B/s, plus at most one burst */
    assert_true(sent >= 19800);
    assert_true(sent <= 20000 + 10000 * SC_PROXY_BURST_MS / 1000 + 1);
    /* the other direction is free */
    int64_t wake;
    assert_int_equal(sc_proxy_flow_allow(&flow, SC_PROXY_DOWN, 1 << 20, PROXY_START, &wake),
                     1 << 20);

    /* a tiny rate still moves (one byte at a time, never stuck) */
    load("[{\"type\":\"bandwidth\",\"bytes_per_s\":10}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    sent = saturate(SC_PROXY_DOWN, 1000);
    assert_true(sent >= 9 && sent <= 11);
}

static void slice_limits_each_write(void **state)
{
    (void)state;
    load("[{\"type\":\"slice\",\"bytes\":3}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    int64_t now = PROXY_START, wake;
    for (int i = 0; i < 5; i++)
        assert_int_equal(forward(SC_PROXY_UP, 100, now), 3);
    assert_int_equal(sc_proxy_flow_allow(&flow, SC_PROXY_DOWN, 2, now, &wake), 2);

    load("[{\"type\":\"slice\",\"bytes\":4,\"delay_ms\":10,\"direction\":\"down\"}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    assert_int_equal(forward(SC_PROXY_DOWN, 100, now), 4);
    assert_int_equal(sc_proxy_flow_allow(&flow, SC_PROXY_DOWN, 100, now + 9, &wake), 0);
    assert_true(wake == now + 10);
    assert_int_equal(forward(SC_PROXY_DOWN, 100, now + 10), 4);
    assert_int_equal(forward(SC_PROXY_UP, 100, now + 10), 100);
}

static void shaping_after_bytes_starts_at_the_threshold(void **state)
{
    (void)state;
    load("[{\"type\":\"slice\",\"bytes\":2,\"after_bytes\":10,\"direction\":\"up\"}]");
    assert_verdict(accept_conn(1, 0), SC_PROXY_ACT_NONE, -1);
    int64_t now = PROXY_START;
    assert_int_equal(forward(SC_PROXY_UP, 100, now), 10); /* up to the threshold unsliced */
    assert_int_equal(forward(SC_PROXY_UP, 100, now), 2);  /* then sliced */
    assert_verdict(sc_proxy_flow_check(&flow, now), SC_PROXY_ACT_NONE, -1);
}

/* ---- the connection's named states --------------------------------------------------------- */

static void conn_changes_follow_the_table(void **state)
{
    (void)state;
    const sc_fsm_def *f = &sc_proxy_conn_fsm;
    assert_string_equal(sc_fsm_name(f, SC_PROXY_CONN_BLACKHOLE), "BLACKHOLE");
    assert_true(sc_fsm_legal(f, SC_PROXY_CONN_CONNECTING, SC_PROXY_CONN_OPEN));
    assert_true(sc_fsm_legal(f, SC_PROXY_CONN_CONNECTING, SC_PROXY_CONN_CLOSING));
    assert_true(sc_fsm_legal(f, SC_PROXY_CONN_CONNECTING, SC_PROXY_CONN_CLOSED));
    assert_true(sc_fsm_legal(f, SC_PROXY_CONN_OPEN, SC_PROXY_CONN_BLACKHOLE));
    assert_true(sc_fsm_legal(f, SC_PROXY_CONN_OPEN, SC_PROXY_CONN_CLOSING));
    assert_true(sc_fsm_legal(f, SC_PROXY_CONN_BLACKHOLE, SC_PROXY_CONN_CLOSED));
    assert_true(sc_fsm_legal(f, SC_PROXY_CONN_CLOSING, SC_PROXY_CONN_CLOSED));
    /* no way back to forwarding, and nothing after CLOSED */
    assert_false(sc_fsm_legal(f, SC_PROXY_CONN_OPEN, SC_PROXY_CONN_CONNECTING));
    assert_false(sc_fsm_legal(f, SC_PROXY_CONN_BLACKHOLE, SC_PROXY_CONN_OPEN));
    assert_false(sc_fsm_legal(f, SC_PROXY_CONN_CLOSING, SC_PROXY_CONN_OPEN));
    assert_false(sc_fsm_legal(f, SC_PROXY_CONN_CLOSING, SC_PROXY_CONN_BLACKHOLE));
    assert_false(sc_fsm_legal(f, SC_PROXY_CONN_CLOSED, SC_PROXY_CONN_OPEN));
    assert_false(sc_fsm_legal(f, SC_PROXY_CONN_CLOSED, SC_PROXY_CONN_CLOSING));
}

static void actions_take_a_connection_to_their_state(void **state)
{
    (void)state;
    for (int from = SC_PROXY_CONN_CONNECTING; from <= SC_PROXY_CONN_OPEN; from++) {
        sc_proxy_conn_state st = (sc_proxy_conn_state)from;
        assert_int_equal(sc_proxy_conn_after(st, SC_PROXY_ACT_NONE), st);
        assert_int_equal(sc_proxy_conn_after(st, SC_PROXY_ACT_RESET), SC_PROXY_CONN_CLOSED);
        assert_int_equal(sc_proxy_conn_after(st, SC_PROXY_ACT_REFUSE), SC_PROXY_CONN_CLOSED);
        assert_int_equal(sc_proxy_conn_after(st, SC_PROXY_ACT_CLOSE), SC_PROXY_CONN_CLOSING);
        assert_int_equal(sc_proxy_conn_after(st, SC_PROXY_ACT_BLACKHOLE), SC_PROXY_CONN_BLACKHOLE);
        /* every change an action makes from a forwarding state is legal */
        for (int a = SC_PROXY_ACT_NONE; a <= SC_PROXY_ACT_REFUSE; a++)
            assert_true(sc_fsm_legal(&sc_proxy_conn_fsm, from,
                                     sc_proxy_conn_after(st, (sc_proxy_action)a)));
    }
    assert_true(sc_proxy_conn_forwarding(SC_PROXY_CONN_CONNECTING));
    assert_true(sc_proxy_conn_forwarding(SC_PROXY_CONN_OPEN));
    assert_false(sc_proxy_conn_forwarding(SC_PROXY_CONN_BLACKHOLE));
    assert_false(sc_proxy_conn_forwarding(SC_PROXY_CONN_CLOSING));
    assert_false(sc_proxy_conn_forwarding(SC_PROXY_CONN_CLOSED));
}

static void shutdown_bits_are_per_direction(void **state)
{
    (void)state;
    unsigned shut = 0;
    assert_int_not_equal(SC_PROXY_SHUT_BIT(SC_PROXY_UP), SC_PROXY_SHUT_BIT(SC_PROXY_DOWN));
    shut |= SC_PROXY_SHUT_BIT(SC_PROXY_DOWN); /* the upstream's FIN passed on first */
    assert_true(shut != SC_PROXY_SHUT_BOTH);
    assert_int_equal(shut & SC_PROXY_SHUT_BIT(SC_PROXY_UP), 0);
    shut |= SC_PROXY_SHUT_BIT(SC_PROXY_UP);
    assert_int_equal(shut, SC_PROXY_SHUT_BOTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conn_changes_follow_the_table),
        cmocka_unit_test(actions_take_a_connection_to_their_state),
        cmocka_unit_test(shutdown_bits_are_per_direction),
        cmocka_unit_test(no_faults_forwards_everything),
        cmocka_unit_test(reset_at_ms_fires_at_the_ms),
        cmocka_unit_test(at_case_ms_counts_from_the_proxy_start),
        cmocka_unit_test(after_bytes_stops_exactly_at_the_threshold),
        cmocka_unit_test(after_bytes_both_counts_the_sum),
        cmocka_unit_test(cut_after_bytes_resets_after_n_in_its_direction),
        cmocka_unit_test(on_connection_picks_the_nth),
        cmocka_unit_test(refuse_only_at_accept),
        cmocka_unit_test(first_fault_in_list_order_wins),
        cmocka_unit_test(latency_delays_each_direction_asked),
        cmocka_unit_test(jitter_stays_in_range_and_keeps_order),
        cmocka_unit_test(bandwidth_caps_bytes_per_second),
        cmocka_unit_test(slice_limits_each_write),
        cmocka_unit_test(shaping_after_bytes_starts_at_the_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
