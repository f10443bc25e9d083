#include "sc_client_loop.h"
#include "sc_log.h"
#include "sc_time.h"

#include <stdlib.h>

struct sc_client_loop {
    grpc_completion_queue *cq;
    int pending;
    sc_client_timer *timers;       /* unsorted singly-linked list; a handful at most per call */
    sc_client_loop_member members; /* sentinel of a circular list */
    void (*hook)(void *ctx);
    void *hook_ctx;
    bool draining; /* destroy in progress: timers no longer fire */
};

sc_client_loop *sc_client_loop_create(void)
{
    sc_client_loop *loop = calloc(1, sizeof *loop);
    if (loop == NULL)
        return NULL;
    grpc_init();
    loop->cq = grpc_completion_queue_create_for_next(NULL);
    loop->members.prev = loop->members.next = &loop->members;
    return loop;
}

grpc_completion_queue *sc_client_loop_cq(sc_client_loop *loop)
{
    return loop->cq;
}

int sc_client_loop_pending(const sc_client_loop *loop)
{
    return loop->pending;
}

grpc_call_error sc_client_loop_start_batch(sc_client_loop *loop, grpc_call *call,
                                           const grpc_op *ops, size_t nops, sc_client_tag *tag)
{
    grpc_call_error rc = grpc_call_start_batch(call, ops, nops, tag, NULL);
    if (rc == GRPC_CALL_OK)
        loop->pending++;
    else
        sc_log(SC_LOG_ERROR, "client", "grpc_call_start_batch failed: %d", (int)rc);
    return rc;
}

void sc_client_loop_add_member(sc_client_loop *loop, sc_client_loop_member *m)
{
    m->next = loop->members.next;
    m->prev = &loop->members;
    loop->members.next->prev = m;
    loop->members.next = m;
}

void sc_client_loop_remove_member(sc_client_loop *loop, sc_client_loop_member *m)
{
    (void)loop;
    if (m->prev == NULL)
        return;
    m->prev->next = m->next;
    m->next->prev = m->prev;
    m->prev = m->next = NULL;
}

void sc_client_timer_disarm(sc_client_loop *loop, sc_client_timer *timer)
{
    if (!timer->armed)
        return;
    for (sc_client_timer **p = &loop->timers; *p != NULL; p = &(*p)->next) {
        if (*p == timer) {
            *p = timer->next;
            break;
        }
    }
    timer->armed = false;
    timer->next = NULL;
}

void sc_client_timer_arm(sc_client_loop *loop, sc_client_timer *timer, int64_t due_ms)
{
    sc_client_timer_disarm(loop, timer);
    timer->due_ms = due_ms;
    timer->armed = true;
    timer->next = loop->timers;
    loop->timers = timer;
}

void sc_client_loop_set_poll_hook(sc_client_loop *loop, void (*hook)(void *ctx), void *ctx)
{
    loop->hook = hook;
    loop->hook_ctx = ctx;
}

/* Earliest due time of an armed timer, or INT64_MAX. */
static int64_t next_due(const sc_client_loop *loop)
{
    int64_t due = INT64_MAX;
    for (const sc_client_timer *t = loop->timers; t != NULL; t = t->next)
        if (t->due_ms < due)
            due = t->due_ms;
    return due;
}

/* Fire one due timer at a time: a callback may arm or disarm others, so rescan after each. */
static int fire_due_timers(sc_client_loop *loop)
{
    int fired = 0;
    while (!loop->draining) {
        int64_t now = sc_time_now_ms();
        sc_client_timer *due = NULL;
        for (sc_client_timer *t = loop->timers; t != NULL; t = t->next)
            if (t->due_ms <= now && (due == NULL || t->due_ms < due->due_ms))
                due = t;
        if (due == NULL)
            return fired;
        sc_client_timer_disarm(loop, due);
        due->fire(due);
        fired++;
    }
    return fired;
}

static int64_t wait_budget(const sc_client_loop *loop, int64_t max_wait_ms)
{
    int64_t wait = max_wait_ms < SC_CLIENT_LOOP_TICK_MS ? max_wait_ms : SC_CLIENT_LOOP_TICK_MS;
    int64_t due = next_due(loop);
    if (due != INT64_MAX) {
        int64_t until = due - sc_time_now_ms();
        if (until < wait)
            wait = until;
    }
    return wait < 0 ? 0 : wait;
}

int sc_client_loop_run_once(sc_client_loop *loop, int64_t max_wait_ms)
{
    int ran = fire_due_timers(loop);
    int64_t wait = ran > 0 ? 0 : wait_budget(loop, max_wait_ms);
    grpc_event ev = grpc_completion_queue_next(loop->cq, sc_time_deadline_in_ms(wait), NULL);
    if (ev.type == GRPC_OP_COMPLETE) {
        sc_client_tag *tag = ev.tag;
        loop->pending--;
        tag->done(tag, ev.success != 0);
        ran++;
    }
    ran += fire_due_timers(loop);
    if (loop->hook != NULL)
        loop->hook(loop->hook_ctx);
    return ran;
}

int sc_client_loop_run_until(sc_client_loop *loop, bool (*done)(void *ctx), void *ctx,
                             int64_t timeout_ms)
{
    int64_t end = timeout_ms < 0 ? INT64_MAX : sc_time_now_ms() + timeout_ms;
    while (!done(ctx)) {
        int64_t left = end == INT64_MAX ? SC_CLIENT_LOOP_TICK_MS : end - sc_time_now_ms();
        if (left <= 0)
            return -1;
        sc_client_loop_run_once(loop, left);
    }
    return 0;
}

static bool nothing_pending(void *ctx)
{
    return ((sc_client_loop *)ctx)->pending == 0;
}

static void cancel_members(sc_client_loop *loop)
{
    sc_client_loop_member *m = loop->members.next;
    while (m != &loop->members) {
        sc_client_loop_member *next = m->next;
        m->cancel(m);
        m = next;
    }
}

void sc_client_loop_destroy(sc_client_loop *loop)
{
    if (loop == NULL)
        return;
    loop->draining = true; /* owners are going away; no timer may fire during the drain */
    cancel_members(loop);
    loop->hook = NULL;
    if (sc_client_loop_run_until(loop, nothing_pending, loop, SC_CLIENT_LOOP_DRAIN_MS) != 0)
        sc_log(SC_LOG_ERROR, "client", "%d batches still pending at loop destroy", loop->pending);
    grpc_completion_queue_shutdown(loop->cq);
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(
            loop->cq, sc_time_deadline_in_ms(SC_CLIENT_LOOP_DRAIN_MS), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN || ev.type == GRPC_QUEUE_TIMEOUT)
            break;
        if (ev.type == GRPC_OP_COMPLETE) {
            loop->pending--;
            ((sc_client_tag *)ev.tag)->done(ev.tag, false);
        }
    }
    grpc_completion_queue_destroy(loop->cq);
    free(loop);
    grpc_shutdown();
}
