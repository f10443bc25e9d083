#include "sc_loop.h"
#include "sc_log.h"
#include "sc_time.h"

#include <stdatomic.h>
#include <stdlib.h>

/* First size of the timer heap; it doubles as needed (a few timers per live call). */
#define SC_LOOP_HEAP_INITIAL 16

struct sc_loop {
    grpc_completion_queue *cq;
    int64_t tick_ms;
    atomic_int pending; /* sc_loop_expect may be called from another thread (shutdown) */
    sc_loop_timer **heap; /* min-heap on due_ms; timer->slot is its index + 1 */
    size_t n_heap, cap_heap;
    sc_loop_check *checks;  /* singly linked, run in link order */
    sc_loop_member members; /* sentinel of a circular list */
    void (*hook)(void *ctx);
    void *hook_ctx;
    void (*wake_handler)(void *ctx);
    void *wake_ctx;
    atomic_int woken;
    bool draining; /* destroy in progress: timers and checks no longer run */
};

sc_loop *sc_loop_create(int64_t tick_ms)
{
    sc_loop *loop = calloc(1, sizeof *loop);
    if (loop == NULL)
        return NULL;
    grpc_init();
    loop->cq = grpc_completion_queue_create_for_next(NULL);
    loop->tick_ms = tick_ms > 0 ? tick_ms : SC_LOOP_CLIENT_TICK_MS;
    loop->members.prev = loop->members.next = &loop->members;
    atomic_init(&loop->woken, 0);
    atomic_init(&loop->pending, 0);
    return loop;
}

grpc_completion_queue *sc_loop_cq(sc_loop *loop)
{
    return loop->cq;
}

int sc_loop_pending(const sc_loop *loop)
{
    return atomic_load(&loop->pending);
}

void sc_loop_expect(sc_loop *loop)
{
    atomic_fetch_add(&loop->pending, 1);
}

grpc_call_error sc_loop_start_batch(sc_loop *loop, grpc_call *call, const grpc_op *ops,
                                    size_t nops, sc_loop_tag *tag)
{
    grpc_call_error rc = grpc_call_start_batch(call, ops, nops, tag, NULL);
    if (rc == GRPC_CALL_OK)
        atomic_fetch_add(&loop->pending, 1);
    else
        sc_log(SC_LOG_ERROR, "loop", "grpc_call_start_batch failed: %d", (int)rc);
    return rc;
}

/* ---- members ---------------------------------------------------------------------------- */

void sc_loop_add_member(sc_loop *loop, sc_loop_member *m)
{
    m->next = loop->members.next;
    m->prev = &loop->members;
    loop->members.next->prev = m;
    loop->members.next = m;
}

void sc_loop_remove_member(sc_loop *loop, sc_loop_member *m)
{
    (void)loop;
    if (m->prev == NULL)
        return;
    m->prev->next = m->next;
    m->next->prev = m->prev;
    m->prev = m->next = NULL;
}

/* ---- the timer heap --------------------------------------------------------------------- */

static void heap_place(sc_loop *loop, size_t i, sc_loop_timer *t)
{
    loop->heap[i] = t;
    t->slot = i + 1;
}

static void heap_up(sc_loop *loop, size_t i)
{
    sc_loop_timer *t = loop->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (loop->heap[parent]->due_ms <= t->due_ms)
            break;
        heap_place(loop, i, loop->heap[parent]);
        i = parent;
    }
    heap_place(loop, i, t);
}

static void heap_down(sc_loop *loop, size_t i)
{
    sc_loop_timer *t = loop->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= loop->n_heap)
            break;
        if (child + 1 < loop->n_heap && loop->heap[child + 1]->due_ms < loop->heap[child]->due_ms)
            child++;
        if (t->due_ms <= loop->heap[child]->due_ms)
            break;
        heap_place(loop, i, loop->heap[child]);
        i = child;
    }
    heap_place(loop, i, t);
}

void sc_loop_timer_disarm(sc_loop *loop, sc_loop_timer *timer)
{
    if (timer->slot == 0)
        return;
    size_t i = timer->slot - 1;
    timer->slot = 0;
    sc_loop_timer *last = loop->heap[--loop->n_heap];
    if (i == loop->n_heap)
        return;
    heap_place(loop, i, last);
    heap_up(loop, i);
    heap_down(loop, last->slot - 1);
}

int sc_loop_timer_arm(sc_loop *loop, sc_loop_timer *timer, int64_t due_ms)
{
    sc_loop_timer_disarm(loop, timer);
    if (loop->n_heap == loop->cap_heap) {
        size_t cap = loop->cap_heap ? loop->cap_heap * 2 : SC_LOOP_HEAP_INITIAL;
        sc_loop_timer **h = realloc(loop->heap, cap * sizeof *h);
        if (h == NULL) {
            sc_log(SC_LOG_ERROR, "loop", "out of memory arming a timer");
            return -1;
        }
        loop->heap = h;
        loop->cap_heap = cap;
    }
    timer->due_ms = due_ms;
    heap_place(loop, loop->n_heap++, timer);
    heap_up(loop, loop->n_heap - 1);
    return 0;
}

/* Fire one due timer at a time: a callback may arm or disarm others. */
static int fire_due_timers(sc_loop *loop)
{
    int fired = 0;
    while (!loop->draining && loop->n_heap > 0) {
        sc_loop_timer *due = loop->heap[0];
        if (due->due_ms > sc_time_now_ms())
            break;
        sc_loop_timer_disarm(loop, due);
        due->fire(due);
        fired++;
    }
    return fired;
}

/* ---- checks, hooks, wakeups ------------------------------------------------------------- */

void sc_loop_check_start(sc_loop *loop, sc_loop_check *check)
{
    if (check->linked)
        return;
    check->next = loop->checks;
    check->linked = true;
    loop->checks = check;
}

void sc_loop_check_stop(sc_loop *loop, sc_loop_check *check)
{
    for (sc_loop_check **p = &loop->checks; *p != NULL; p = &(*p)->next) {
        if (*p == check) {
            *p = check->next;
            break;
        }
    }
    check->linked = false;
    check->next = NULL;
}

static void run_checks(sc_loop *loop)
{
    sc_loop_check *c = loop->checks;
    while (c != NULL && !loop->draining) {
        sc_loop_check *next = c->next; /* a check may stop itself */
        c->run(c);
        c = next;
    }
}

void sc_loop_set_poll_hook(sc_loop *loop, void (*hook)(void *ctx), void *ctx)
{
    loop->hook = hook;
    loop->hook_ctx = ctx;
}

void sc_loop_wake(sc_loop *loop)
{
    atomic_store(&loop->woken, 1);
}

void sc_loop_set_wake_handler(sc_loop *loop, void (*handler)(void *ctx), void *ctx)
{
    loop->wake_handler = handler;
    loop->wake_ctx = ctx;
}

static void run_wake_handler(sc_loop *loop)
{
    if (atomic_exchange(&loop->woken, 0) && loop->wake_handler != NULL)
        loop->wake_handler(loop->wake_ctx);
}

/* ---- running ---------------------------------------------------------------------------- */

static int64_t wait_budget(const sc_loop *loop, int64_t max_wait_ms)
{
    int64_t wait = max_wait_ms < loop->tick_ms ? max_wait_ms : loop->tick_ms;
    if (loop->n_heap > 0 && !loop->draining) {
        int64_t until = loop->heap[0]->due_ms - sc_time_now_ms();
        if (until < wait)
            wait = until;
    }
    return wait < 0 ? 0 : wait;
}

static void dispatch(sc_loop *loop, grpc_event ev)
{
    sc_loop_tag *tag = ev.tag;
    atomic_fetch_sub(&loop->pending, 1);
    tag->done(tag, ev.success != 0);
}

int sc_loop_run_once(sc_loop *loop, int64_t max_wait_ms)
{
    run_wake_handler(loop);
    int ran = fire_due_timers(loop);
    int64_t wait = ran > 0 ? 0 : wait_budget(loop, max_wait_ms);
    grpc_event ev = grpc_completion_queue_next(loop->cq, sc_time_deadline_in_ms(wait), NULL);
    if (ev.type == GRPC_OP_COMPLETE) {
        dispatch(loop, ev);
        ran++;
    }
    ran += fire_due_timers(loop);
    run_wake_handler(loop);
    run_checks(loop);
    if (loop->hook != NULL)
        loop->hook(loop->hook_ctx);
    return ran;
}

int sc_loop_run_until(sc_loop *loop, bool (*done)(void *ctx), void *ctx, int64_t timeout_ms)
{
    int64_t end = timeout_ms < 0 ? INT64_MAX : sc_time_now_ms() + timeout_ms;
    while (!done(ctx)) {
        int64_t left = end == INT64_MAX ? loop->tick_ms : end - sc_time_now_ms();
        if (left <= 0)
            return -1;
        sc_loop_run_once(loop, left);
    }
    return 0;
}

static bool nothing_pending(void *ctx)
{
    return sc_loop_pending(ctx) == 0;
}

static void cancel_members(sc_loop *loop)
{
    sc_loop_member *m = loop->members.next;
    while (m != &loop->members) {
        sc_loop_member *next = m->next;
        m->cancel(m);
        m = next;
    }
}

void sc_loop_destroy(sc_loop *loop)
{
    if (loop == NULL)
        return;
    loop->draining = true; /* owners are going away; no timer or check may run during the drain */
    cancel_members(loop);
    loop->hook = NULL;
    loop->wake_handler = NULL;
    if (sc_loop_run_until(loop, nothing_pending, loop, SC_LOOP_DRAIN_MS) != 0)
        sc_log(SC_LOG_ERROR, "loop", "%d operations still pending at loop destroy", sc_loop_pending(loop));
    grpc_completion_queue_shutdown(loop->cq);
    for (;;) {
        grpc_event ev =
            grpc_completion_queue_next(loop->cq, sc_time_deadline_in_ms(SC_LOOP_DRAIN_MS), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN || ev.type == GRPC_QUEUE_TIMEOUT)
            break;
        if (ev.type == GRPC_OP_COMPLETE) {
            atomic_fetch_sub(&loop->pending, 1);
            ((sc_loop_tag *)ev.tag)->done(ev.tag, false);
        }
    }
    grpc_completion_queue_destroy(loop->cq);
    free(loop->heap);
    free(loop);
    grpc_shutdown();
}
