/* sc_client_loop: one completion queue, timers and the dispatch of completed batches.
 *
 * Everything that happens on a loop happens on the thread that runs it: batch completions, timer
 * callbacks and the poll hook. There is no thread per call; concurrency is many calls on one CQ.
 *
 * A pending batch is identified by an sc_client_tag embedded in its owner; the owner recovers
 * itself with SC_CONTAINER_OF. Every started batch completes exactly once (on success, failure,
 * cancellation or loop shutdown), which is what lets owners free themselves safely. */
#ifndef SC_CLIENT_LOOP_H
#define SC_CLIENT_LOOP_H

#include <grpc/grpc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sc_container.h"

/* Longest the loop blocks in the CQ before running the poll hook again: bounds how late a signal
 * flag or input on a file descriptor is noticed. */
#define SC_CLIENT_LOOP_TICK_MS 20
/* Bound on draining outstanding batches at destroy time; cancelled batches finish in far less. */
#define SC_CLIENT_LOOP_DRAIN_MS 10000

typedef struct sc_client_loop sc_client_loop;

typedef struct sc_client_tag sc_client_tag;
struct sc_client_tag {
    void (*done)(sc_client_tag *tag, bool ok); /* called once when the batch completes */
};

typedef struct sc_client_timer sc_client_timer;
struct sc_client_timer {
    void (*fire)(sc_client_timer *timer); /* set by the owner before arming */
    int64_t due_ms;                       /* monotonic ms (sc_time_now_ms) */
    bool armed;
    sc_client_timer *next; /* loop-private */
};

/* Something the loop cancels at destroy time (calls register themselves). */
typedef struct sc_client_loop_member sc_client_loop_member;
struct sc_client_loop_member {
    void (*cancel)(sc_client_loop_member *m);
    sc_client_loop_member *prev, *next; /* loop-private */
};

/* A new loop (calls grpc_init). The caller owns it; NULL on allocation failure. */
sc_client_loop *sc_client_loop_create(void);

/* Cancel every member, wait (bounded) for all outstanding batches, shut the CQ down, free the loop
 * and call grpc_shutdown. Members must not be used afterwards except to free their own memory. */
void sc_client_loop_destroy(sc_client_loop *loop);

/* The loop's CQ, for grpc_channel_create_call. Owned by the loop. */
grpc_completion_queue *sc_client_loop_cq(sc_client_loop *loop);

/* Start a batch whose completion will be dispatched to `tag`. Returns the core's result; on
 * anything but GRPC_CALL_OK the tag will never complete. */
grpc_call_error sc_client_loop_start_batch(sc_client_loop *loop, grpc_call *call,
                                           const grpc_op *ops, size_t nops, sc_client_tag *tag);

/* Number of batches started and not yet completed. */
int sc_client_loop_pending(const sc_client_loop *loop);

void sc_client_loop_add_member(sc_client_loop *loop, sc_client_loop_member *m);
void sc_client_loop_remove_member(sc_client_loop *loop, sc_client_loop_member *m);

/* Arm (or re-arm) `timer` to fire at `due_ms`; the timer memory is borrowed until it fires or is
 * disarmed. Disarming an unarmed timer is a no-op. */
void sc_client_timer_arm(sc_client_loop *loop, sc_client_timer *timer, int64_t due_ms);
void sc_client_timer_disarm(sc_client_loop *loop, sc_client_timer *timer);

/* Called on every loop iteration (at least every SC_CLIENT_LOOP_TICK_MS): the place to check
 * signal flags and to poll file descriptors without blocking. NULL removes the hook. */
void sc_client_loop_set_poll_hook(sc_client_loop *loop, void (*hook)(void *ctx), void *ctx);

/* Wait at most `max_wait_ms` (capped by the tick and the next timer) for one completion, dispatch
 * it and any due timers, run the poll hook. Returns the number of callbacks run. */
int sc_client_loop_run_once(sc_client_loop *loop, int64_t max_wait_ms);

/* Run until done(ctx) returns true (checked before each iteration) or `timeout_ms` has passed
 * (< 0: no bound; only for interactive use where a signal ends it). Returns 0 when done, -1 on
 * timeout. */
int sc_client_loop_run_until(sc_client_loop *loop, bool (*done)(void *ctx), void *ctx,
                             int64_t timeout_ms);

#endif
