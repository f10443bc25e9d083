/* sc_client_retry: runs attempts of one logical call on an sc_loop under an
 * sc_reconnect_policy, waiting on a loop timer between attempts and recording each attempt.
 *
 * The runner does not start calls itself: start_attempt (the owner's code) starts one and must
 * later report its end with sc_client_retry_attempt_ended. Decisions come from sc_reconnect_decide
 * and the waits from an sc_backoff schedule, so the runner only adds the timer and the record. */
#ifndef SC_CLIENT_RETRY_H
#define SC_CLIENT_RETRY_H

#include "sc_loop.h"
#include "sc_md.h"
#include "sc_reconnect.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most attempts recorded; an unlimited reconnect loop keeps running but stops recording. */
#define SC_CLIENT_RETRY_MAX_RECORDS 10000

typedef struct {
    int64_t start_ms; /* monotonic ms */
    int64_t end_ms;
    int code;
    size_t responses;
    int64_t wait_ms;     /* wait before the next attempt; -1 when this was the last */
    int64_t pushback_ms; /* its trailers' grpc-retry-pushback-ms, or SC_RECONNECT_PUSHBACK_* */
} sc_client_attempt;

typedef struct sc_client_retry sc_client_retry;
struct sc_client_retry {
    sc_loop *loop;  /* borrowed */
    bool reconnect; /* false: exactly one attempt */
    sc_reconnect_policy policy;
    sc_backoff schedule;
    /* Start one attempt; return 0 when started (its end must be reported), -1 otherwise. */
    int (*start_attempt)(sc_client_retry *r, void *user);
    /* Called once when no further attempt will start; final_code is the last attempt's code. */
    void (*on_finished)(sc_client_retry *r, void *user);
    /* Optional: called after each attempt ended, once its wait is known. */
    void (*on_attempt)(sc_client_retry *r, const sc_client_attempt *a, void *user);
    void *user;

    sc_loop_timer timer;
    sc_client_attempt *attempts; /* owned */
    size_t count;                /* attempts started */
    size_t recorded;
    bool running; /* an attempt is in progress */
    bool waiting; /* the timer is armed */
    bool finished;
    int final_code;
};

/* Prepare a runner. `policy` NULL means no reconnect (one attempt). `random` feeds the backoff
 * jitter (borrowed, as is random_ctx). Callbacks and `user` are set by the caller afterwards. */
void sc_client_retry_init(sc_client_retry *r, sc_loop *loop, const sc_reconnect_policy *policy,
                          sc_backoff_random_fn random, void *random_ctx);

/* Start the first attempt. When start_attempt fails the runner finishes at once (on_finished runs
 * before this returns). on_finished may free the memory holding the runner, so the caller must not
 * touch `r` after this call unless it knows on_finished does not free it. */
void sc_client_retry_begin(sc_client_retry *r);

/* The running attempt ended with `code` after delivering `responses` messages, its trailers
 * carrying `pushback_ms` (sc_client_retry_pushback): record it and either arm the wait for the
 * next attempt or finish. */
void sc_client_retry_attempt_ended(sc_client_retry *r, int code, size_t responses,
                                   int64_t pushback_ms);

/* The grpc-retry-pushback-ms of an attempt's trailers (borrowed): the wait in ms,
 * SC_RECONNECT_PUSHBACK_NONE when absent, SC_RECONNECT_PUSHBACK_INVALID when not a whole number. */
int64_t sc_client_retry_pushback(const sc_md_list *trailers);

/* Stop reconnecting: a pending wait is abandoned and the runner finishes with CANCELLED; a running
 * attempt still reports its end (the owner should cancel its call), after which it finishes. */
void sc_client_retry_stop(sc_client_retry *r);

/* Release the record. The runner must not be waiting on the loop any more (finished, or the loop
 * is being destroyed). */
void sc_client_retry_free(sc_client_retry *r);

#endif
