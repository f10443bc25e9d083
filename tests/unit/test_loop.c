/* sc_loop: timers fire in due order from the heap (arm, re-arm, disarm in any order), a timer
 * re-armed from its own callback fires again, checks run after each iteration, the poll hook runs
 * at least every tick, a wakeup runs the wake handler on the loop thread, members are cancelled at
 * destroy (and no timer fires during the drain), and the pending count follows expect/complete.
 * No network: the CQ has no calls. */
#include "sc_loop.h"
#include "sc_time.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>

#define N_TIMERS 64

typedef struct {
    sc_loop_timer t;
    int id;
    int *order;
    int *n;
} rec_timer;

static void record_fire(sc_loop_timer *t)
{
    rec_timer *r = SC_CONTAINER_OF(t, rec_timer, t);
    r->order[(*r->n)++] = r->id;
}

static bool fired_all(void *ctx)
{
    return *(int *)ctx >= N_TIMERS / 2;
}

static void timers_fire_in_due_order(void **state)
{
    (void)state;
    sc_loop *loop = sc_loop_create(5);
    assert_non_null(loop);
    rec_timer timers[N_TIMERS];
    int order[N_TIMERS], n = 0;
    int64_t base = sc_time_now_ms();
    /* due times in a scrambled order; every odd one disarmed again, a few re-armed later */
    for (int i = 0; i < N_TIMERS; i++) {
        timers[i] = (rec_timer){.t.fire = record_fire, .id = i, .order = order, .n = &n};
        int slot = (i * 37) % N_TIMERS;
        assert_int_equal(sc_loop_timer_arm(loop, &timers[i].t, base + 10 + slot), 0);
    }
    for (int i = 1; i < N_TIMERS; i += 2)
        sc_loop_timer_disarm(loop, &timers[i].t);
    for (int i = 0; i < N_TIMERS; i += 8) /* re-arm: moves within the heap */
        assert_int_equal(sc_loop_timer_arm(loop, &timers[i].t, base + 10 + (i * 37) % N_TIMERS), 0);
    assert_int_equal(sc_loop_run_until(loop, fired_all, &n, 5000), 0);
    assert_int_equal(n, N_TIMERS / 2);
    for (int k = 1; k < n; k++) {
        int64_t prev = timers[order[k - 1]].t.due_ms, cur = timers[order[k]].t.due_ms;
        assert_true(prev <= cur);
        assert_int_equal(order[k] % 2, 0);
    }
    for (int i = 0; i < N_TIMERS; i++)
        assert_false(sc_loop_timer_armed(&timers[i].t));
    sc_loop_destroy(loop);
}

typedef struct {
    sc_loop_check check;
    int runs;
} counting_check;

static void count_run(sc_loop_check *c)
{
    SC_CONTAINER_OF(c, counting_check, check)->runs++;
}

static void checks_run_after_each_iteration(void **state)
{
    (void)state;
    sc_loop *loop = sc_loop_create(5);
    counting_check cc = {.check.run = count_run};
    sc_loop_check_start(loop, &cc.check);
    sc_loop_check_start(loop, &cc.check); /* idempotent */
    sc_loop_run_once(loop, 0);
    sc_loop_run_once(loop, 0);
    assert_int_equal(cc.runs, 2);
    sc_loop_check_stop(loop, &cc.check);
    sc_loop_run_once(loop, 0);
    assert_int_equal(cc.runs, 2);
    sc_loop_destroy(loop);
}

typedef struct {
    sc_loop *loop;
    pthread_t loop_thread;
    bool ran_on_loop_thread;
    int woken;
} wake_ctx;

static void on_wake(void *ctx)
{
    wake_ctx *w = ctx;
    w->woken++;
    w->ran_on_loop_thread = pthread_equal(pthread_self(), w->loop_thread);
}

static void *wake_from_thread(void *arg)
{
    sc_loop_wake(((wake_ctx *)arg)->loop);
    return NULL;
}

static bool woken(void *ctx)
{
    return ((wake_ctx *)ctx)->woken > 0;
}

static void a_wakeup_runs_the_handler_on_the_loop_thread(void **state)
{
    (void)state;
    wake_ctx w = {.loop = sc_loop_create(5), .loop_thread = pthread_self()};
    sc_loop_set_wake_handler(w.loop, on_wake, &w);
    sc_loop_run_once(w.loop, 0);
    assert_int_equal(w.woken, 0); /* not woken: the handler does not run */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wake_from_thread, &w), 0);
    pthread_join(t, NULL);
    assert_int_equal(sc_loop_run_until(w.loop, woken, &w, 2000), 0);
    assert_int_equal(w.woken, 1);
    assert_true(w.ran_on_loop_thread);
    sc_loop_destroy(w.loop);
}

static bool never(void *ctx)
{
    (void)ctx;
    return false;
}

static void run_until_is_bounded(void **state)
{
    (void)state;
    sc_loop *loop = sc_loop_create(5);
    int64_t t0 = sc_time_now_ms();
    assert_int_equal(sc_loop_run_until(loop, never, NULL, 50), -1);
    assert_true(sc_time_now_ms() - t0 >= 50);
    assert_int_equal(sc_loop_pending(loop), 0);
    sc_loop_destroy(loop);
}

/* A producer pacing itself (the client's request_delay_ms): the timer re-arms itself. */
typedef struct {
    sc_loop_timer t;
    sc_loop *loop;
    int fired;
} self_timer;

static void rearm_fire(sc_loop_timer *t)
{
    self_timer *s = SC_CONTAINER_OF(t, self_timer, t);
    if (++s->fired < 3)
        assert_int_equal(sc_loop_timer_arm(s->loop, t, sc_time_now_ms() + 2), 0);
}

static bool fired_three(void *ctx)
{
    return ((self_timer *)ctx)->fired >= 3;
}

static void a_timer_rearmed_in_its_callback_fires_again(void **state)
{
    (void)state;
    self_timer s = {.t.fire = rearm_fire};
    s.loop = sc_loop_create(5);
    assert_int_equal(sc_loop_timer_arm(s.loop, &s.t, sc_time_now_ms()), 0);
    assert_int_equal(sc_loop_run_until(s.loop, fired_three, &s, 2000), 0);
    assert_int_equal(s.fired, 3);
    assert_false(sc_loop_timer_armed(&s.t));
    sc_loop_destroy(s.loop);
}

static void count_poll(void *ctx)
{
    (*(int *)ctx)++;
}

static void the_poll_hook_runs_at_least_every_tick(void **state)
{
    (void)state;
    int polls = 0;
    sc_loop *loop = sc_loop_create(5);
    sc_loop_set_poll_hook(loop, count_poll, &polls);
    assert_int_equal(sc_loop_run_until(loop, never, NULL, 60), -1);
    /* Nothing happens on the CQ: only the tick ends each wait (5 ms; generous for slow CI). */
    assert_true(polls >= 4);
    sc_loop_set_poll_hook(loop, NULL, NULL);
    int before = polls;
    sc_loop_run_once(loop, 5);
    assert_int_equal(polls, before);
    sc_loop_destroy(loop);
}

typedef struct {
    sc_loop_member m;
    int cancelled;
} rec_member;

static void member_cancel(sc_loop_member *m)
{
    SC_CONTAINER_OF(m, rec_member, m)->cancelled++;
}

static void never_fire(sc_loop_timer *t)
{
    (void)t;
    fail_msg("a timer fired during the destroy drain");
}

static void members_are_cancelled_at_destroy(void **state)
{
    (void)state;
    sc_loop *loop = sc_loop_create(5);
    rec_member a = {.m.cancel = member_cancel}, b = {.m.cancel = member_cancel};
    rec_member c = {.m.cancel = member_cancel};
    sc_loop_add_member(loop, &a.m);
    sc_loop_add_member(loop, &b.m);
    sc_loop_add_member(loop, &c.m);
    sc_loop_remove_member(loop, &b.m); /* a call freed before the loop */
    sc_loop_remove_member(loop, &b.m); /* removing twice is a no-op */
    sc_loop_timer t = {.fire = never_fire};
    assert_int_equal(sc_loop_timer_arm(loop, &t, sc_time_now_ms()), 0);
    sc_loop_destroy(loop);
    assert_int_equal(a.cancelled, 1);
    assert_int_equal(b.cancelled, 0);
    assert_int_equal(c.cancelled, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timers_fire_in_due_order),
        cmocka_unit_test(checks_run_after_each_iteration),
        cmocka_unit_test(a_wakeup_runs_the_handler_on_the_loop_thread),
        cmocka_unit_test(run_until_is_bounded),
        cmocka_unit_test(a_timer_rearmed_in_its_callback_fires_again),
        cmocka_unit_test(the_poll_hook_runs_at_least_every_tick),
        cmocka_unit_test(members_are_cancelled_at_destroy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
