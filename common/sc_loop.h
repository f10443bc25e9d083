/* sc_loop: the one event loop on the gRPC C core — a completion queue whose tags are callbacks,
 * timers in a min-heap, check handles, members cancelled at destroy, and a wakeup.
 *
 * Everything that happens on a loop happens on the thread that runs it: batch completions, timer
 * callbacks, check handles and the poll hook. There is no thread per call; concurrency is many
 * calls on one CQ. The client, the reference server, the scripted server and the recorder all run
 * on it (servers through server/sc_host).
 *
 * A pending operation is identified by an sc_loop_tag embedded in its owner (a call, a request
 * for a new call, the server's shutdown notification); the owner recovers itself with
 * SC_CONTAINER_OF. Every tag handed to the core completes exactly once (on success, failure,
 * cancellation or shutdown), which is what lets owners free themselves safely.
 *
 * Ownership: the caller owns the loop (create/destroy). Tags, timers, checks and members are
 * memory of their owners, borrowed by the loop while armed / linked / pending. */
#ifndef SC_LOOP_H
#define SC_LOOP_H

#include <grpc/grpc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sc_container.h"

/* Longest the client loop blocks in the CQ before running its poll hook again: bounds how late a
 * signal flag or input on a file descriptor is noticed. */
#define SC_LOOP_CLIENT_TICK_MS 20
/* Bound on draining outstanding operations at destroy time; cancelled batches end far sooner. */
#define SC_LOOP_DRAIN_MS 10000

typedef struct sc_loop sc_loop;

typedef struct sc_loop_tag sc_loop_tag;
struct sc_loop_tag {
    void (*done)(sc_loop_tag *tag, bool ok); /* called once when the operation completes */
};

typedef struct sc_loop_timer sc_loop_timer;
struct sc_loop_timer {
    void (*fire)(sc_loop_timer *timer); /* set by the owner before arming */
    int64_t due_ms;                     /* monotonic ms (sc_time_now_ms) */
    size_t slot;                        /* loop-private: heap index + 1; 0 = not armed */
};

/* Run after every loop iteration (after completions and due timers): the place for work that
 * callbacks only queue, such as a server host pumping the calls they kicked. */
typedef struct sc_loop_check sc_loop_check;
struct sc_loop_check {
    void (*run)(sc_loop_check *check);
    sc_loop_check *next; /* loop-private */
    bool linked;         /* loop-private */
};

/* Something the loop cancels at destroy time (calls register themselves). */
typedef struct sc_loop_member sc_loop_member;
struct sc_loop_member {
    void (*cancel)(sc_loop_member *m);
    sc_loop_member *prev, *next; /* loop-private */
};

/* A new loop whose CQ wait is capped at `tick_ms` per iteration (the longest a wakeup or the poll
 * hook waits). Calls grpc_init (grpc_shutdown at destroy). Caller owns it; NULL on allocation
 * failure. */
sc_loop *sc_loop_create(int64_t tick_ms);

/* Cancel every member, wait (bounded) for all outstanding operations, shut the CQ down, free the
 * loop and call grpc_shutdown. Members must not be used afterwards except to free their memory. */
void sc_loop_destroy(sc_loop *loop);

/* The loop's CQ, for grpc_channel_create_call and grpc_server_register_completion_queue. Owned
 * by the loop. */
grpc_completion_queue *sc_loop_cq(sc_loop *loop);

/* Start a batch whose completion is dispatched to `tag`. Returns the core's result; on anything
 * but GRPC_CALL_OK the tag will never complete. */
grpc_call_error sc_loop_start_batch(sc_loop *loop, grpc_call *call, const grpc_op *ops,
                                    size_t nops, sc_loop_tag *tag);

/* Count a tag handed to the core by another API (grpc_server_request_call,
 * grpc_server_shutdown_and_notify): it completes once like a batch's. Thread-safe. */
void sc_loop_expect(sc_loop *loop);

/* Operations started and not yet completed. */
int sc_loop_pending(const sc_loop *loop);

void sc_loop_add_member(sc_loop *loop, sc_loop_member *m);
void sc_loop_remove_member(sc_loop *loop, sc_loop_member *m);

/* Arm (or re-arm) `timer` to fire at `due_ms`; the timer memory is borrowed until it fires or is
 * disarmed. 0, or -1 when the heap cannot grow (the timer is then not armed). Disarming an
 * unarmed timer is a no-op. O(log n) both. */
int sc_loop_timer_arm(sc_loop *loop, sc_loop_timer *timer, int64_t due_ms);
void sc_loop_timer_disarm(sc_loop *loop, sc_loop_timer *timer);
static inline bool sc_loop_timer_armed(const sc_loop_timer *timer)
{
    return timer->slot != 0;
}

/* Link a check handle (idempotent); unlink it before its memory goes. */
void sc_loop_check_start(sc_loop *loop, sc_loop_check *check);
void sc_loop_check_stop(sc_loop *loop, sc_loop_check *check);

/* Called on every loop iteration (at least every tick): the place to check signal flags and to
 * poll file descriptors without blocking. NULL removes the hook. */
void sc_loop_set_poll_hook(sc_loop *loop, void (*hook)(void *ctx), void *ctx);

/* Thread-safe (and async-signal-safe: one atomic store): ask the loop thread to run the wake
 * handler. It runs within one tick, on the loop thread. */
void sc_loop_wake(sc_loop *loop);
void sc_loop_set_wake_handler(sc_loop *loop, void (*handler)(void *ctx), void *ctx);

/* Wait at most `max_wait_ms` (capped by the tick and the next timer) for one completion, dispatch
 * it and any due timers, run the wake handler if woken, the checks and the poll hook. Returns the
 * number of callbacks run (tags and timers). */
int sc_loop_run_once(sc_loop *loop, int64_t max_wait_ms);

/* Run until done(ctx) returns true (checked before each iteration) or `timeout_ms` has passed
 * (< 0: no bound; only where a signal or a shutdown ends it). 0 when done, -1 on timeout. */
int sc_loop_run_until(sc_loop *loop, bool (*done)(void *ctx), void *ctx, int64_t timeout_ms);

#endif
