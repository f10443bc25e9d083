/* sc_client_flow: the decisions of one client call, without I/O (sans-I/O): events and the time
 * in, actions out. No gRPC include; client/sc_client_call.c carries the actions out on the loop.
 *
 * What it decides: when the next send batch starts and what it carries (the next queued request,
 * GRPC_WRITE_BUFFER_HINT while more are queued behind, the half-close merged with the request
 * only when it is the call's one request, else in a batch of its own),
 * when a receive starts (after the headers batch, not before read_pause_ms), when the cancel plan
 * cancels (before any send / after N responses / N ms after the start / N ms after the
 * half-close), when the call is finished (status in and nothing in flight), and for a planned
 * list of requests (the peer driver's) how many are due now given request_delay_ms and when the
 * half-close follows (sc_client_flow_feed).
 *
 * The call's life is a named machine through sc_fsm (OPEN -> CANCELLED -> STATUS -> DONE, or
 * OPEN -> STATUS), traced as "[client 12] OPEN -> CANCELLED"; its two directions close
 * independently, as nghttp2 streams do: a shutdown bitmask (SC_FLOW_SHUT_*).
 *
 * Times are monotonic ms (sc_time_now_ms in the executor, anything in tests). Ownership: the
 * struct is the caller's (usually embedded in the call); it holds no pointers. */
#ifndef SC_CLIENT_FLOW_H
#define SC_CLIENT_FLOW_H

#include "sc_fsm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    SC_CANCEL_NONE = 0,
    SC_CANCEL_BEFORE_SEND,        /* right after the call starts, before any request is sent */
    SC_CANCEL_AFTER_RESPONSES,    /* when response number n has been delivered */
    SC_CANCEL_AFTER_MS,           /* n ms after the call started */
    SC_CANCEL_AFTER_CLOSE_SEND_MS /* n ms after the half-close completed */
} sc_client_cancel_kind;

typedef struct {
    sc_client_cancel_kind kind;
    int64_t n;
} sc_client_cancel_plan;

/* A call's life: OPEN until the status arrives; CANCELLED once this side cancelled it and the
 * status is still to come; STATUS once the status is in while batches still drain; DONE once the
 * owner was told (nothing in flight any more). */
#define SC_CLIENT_FLOW_STATES(X)                                                                   \
    X(SC_FLOW_, OPEN) X(SC_FLOW_, CANCELLED) X(SC_FLOW_, STATUS) X(SC_FLOW_, DONE)
typedef enum { SC_CLIENT_FLOW_STATES(SC_FSM_ENUM) SC_FLOW_STATE_COUNT } sc_client_flow_state;

/* The two directions close independently. */
enum {
    SC_FLOW_SHUT_WR_ASKED = 1u << 0, /* half-close asked for: no request is accepted any more */
    SC_FLOW_SHUT_WR = 1u << 1,       /* send side done: half-close completed, or a send failed */
    SC_FLOW_SHUT_RD = 1u << 2,       /* receive side done: end of stream, failed/invalid read */
};

/* Batches in flight (each direction one at a time). */
enum {
    SC_FLOW_BUSY_SEND = 1u << 0,    /* a send batch (message and/or half-close) */
    SC_FLOW_BUSY_CLOSE = 1u << 1,   /* ... and it carries the half-close */
    SC_FLOW_BUSY_RECV = 1u << 2,    /* a RECV_MESSAGE batch */
    SC_FLOW_BUSY_HEADERS = 1u << 3, /* the RECV_INITIAL_METADATA batch */
};

/* What the executor does now, in this order. */
enum {
    SC_FLOW_DO_CANCEL = 1u << 0,       /* cancel the call (the plan is due) */
    SC_FLOW_DO_SEND_MESSAGE = 1u << 1, /* a send batch with the next queued request ... */
    SC_FLOW_DO_BUFFER_HINT = 1u << 2,  /* ... flagged GRPC_WRITE_BUFFER_HINT (more behind) ... */
    SC_FLOW_DO_SEND_CLOSE = 1u << 3,   /* ... and/or the half-close (same batch: first only) */
    SC_FLOW_DO_RECV = 1u << 4,         /* a RECV_MESSAGE batch */
};

typedef struct {
    unsigned ops;       /* SC_FLOW_DO_* */
    int64_t wake_at_ms; /* call sc_client_flow_next again then; -1: only on the next event */
} sc_client_flow_step;

/* What a receive batch brought. */
typedef enum {
    SC_FLOW_RECV_MESSAGE, /* a response, delivered */
    SC_FLOW_RECV_END,     /* no message: end of stream, or the call failed (or could not start) */
    SC_FLOW_RECV_INVALID  /* a message that does not parse (the executor ends the call) */
} sc_client_flow_recv;

typedef struct {
    uint64_t id; /* names the machine in traces */
    int state;   /* sc_client_flow_state; changed through sc_fsm_set only */
    unsigned shut;
    unsigned busy;
    sc_client_cancel_plan cancel;
    int64_t start_ms;
    int64_t read_from_ms; /* no receive before this (start + read_pause_ms) */
    int64_t cancel_at_ms; /* the plan cancels at this time; -1: not (yet) planned */
    size_t queued;        /* requests queued, not yet in a send batch */
    size_t sends;         /* send batches with a request started so far */
    size_t responses;     /* responses delivered */
} sc_client_flow;

/* A new call started at now_ms with its headers batch in flight. */
void sc_client_flow_init(sc_client_flow *f, uint64_t id, const sc_client_cancel_plan *cancel,
                         int64_t read_pause_ms, int64_t now_ms);

/* ---- what the application does --------------------------------------------------------- */

/* May one more request be queued? (Not after the half-close was asked for, the send side ended
 * or the status arrived.) */
bool sc_client_flow_can_queue(const sc_client_flow *f);
void sc_client_flow_queued(sc_client_flow *f);
/* Ask for the half-close after the queued requests; false once the status is in. Idempotent. */
bool sc_client_flow_close_send(sc_client_flow *f);
/* Cancel now: true when the executor must cancel the call (the first time, status not in). */
bool sc_client_flow_cancel(sc_client_flow *f);

/* ---- what the wire did ----------------------------------------------------------------- */

void sc_client_flow_on_headers(sc_client_flow *f);
/* The send batch completed (ok = false: the stream is gone; the queue is dropped, the executor
 * frees it). True when it completed the half-close. */
bool sc_client_flow_on_sent(sc_client_flow *f, bool ok, int64_t now_ms);
void sc_client_flow_on_received(sc_client_flow *f, sc_client_flow_recv what);
/* The status arrived (or will never come: its batch could not start). */
void sc_client_flow_on_status(sc_client_flow *f);

/* ---- decisions ------------------------------------------------------------------------- */

/* The batches to start and the cancel to do now; the flow counts the batches it hands out as in
 * flight, so the executor must report each one's end (on_sent / on_received), also when it could
 * not start it. */
sc_client_flow_step sc_client_flow_next(sc_client_flow *f, int64_t now_ms);

/* Room for a producer: nothing queued or in flight and the send side still open. */
bool sc_client_flow_send_ready(const sc_client_flow *f);

/* Requests queued or in flight. */
size_t sc_client_flow_unsent(const sc_client_flow *f);

bool sc_client_flow_status_in(const sc_client_flow *f);

/* With `pending` batches of the call in flight: true exactly once, when the call is over (status
 * in and nothing pending); the flow is then DONE. */
bool sc_client_flow_finish(sc_client_flow *f, int pending);

/* ---- a planned list of requests (the peer driver's instruction) ------------------------ */

typedef struct {
    size_t n;         /* requests in the list */
    int64_t delay_ms; /* request i is due i * delay_ms after the attempt started; 0: at once */
    bool half_close;  /* half-close after the last one */
    size_t ahead;     /* without a delay: most requests queued or in flight at a time */
    bool lock_step;   /* ping-pong: request i (i >= 1) only once `replies` >= i */
    size_t replies;   /* responses the attempt has received so far (read with lock_step) */
} sc_client_feed_plan;

typedef struct {
    size_t send;        /* queue this many now (the next ones of the list) */
    bool close;         /* then ask for the half-close */
    int64_t wake_at_ms; /* feed again then (the next request is due); -1: on send-ready only */
} sc_client_feed_step;

/* Given the index of the next request, the requests still queued or in flight and the attempt's
 * start: what to send now. Without a delay the window `ahead` refills on send-ready. With
 * lock_step a request held back for a reply sets no wake time: the caller feeds again on each
 * response. */
sc_client_feed_step sc_client_flow_feed(const sc_client_feed_plan *p, size_t next, size_t unsent,
                                        int64_t attempt_start_ms, int64_t now_ms);

#endif
