/* sc_proxy_flow: the fault proxy's decisions for one connection, without I/O (sans-I/O core).
 *
 * The event loop (sc_proxy.c) owns the sockets and the buffers; it asks this module, passing the
 * current time in, what to do:
 *   - sc_proxy_flow_accept: right after accept, refuse / reset / close / blackhole it, or forward;
 *   - sc_proxy_flow_due: when bytes read now may be delivered (latency, jitter; order is kept);
 *   - sc_proxy_flow_allow: of the bytes that are due, how many one write may take now
 *     (bandwidth, slice, and the exact stop before an after_bytes threshold), or when to retry;
 *   - sc_proxy_flow_forwarded: bytes went out (counts, bandwidth and slice bookkeeping);
 *   - sc_proxy_flow_check: an action fault whose time or byte threshold has come;
 *   - sc_proxy_flow_next_ms: when a time trigger is next due (the loop's timer).
 * Every time is monotonic milliseconds on the caller's clock. Deterministic for a given seed.
 *
 * It also names the connection's states (common/sc_fsm.h, traced as "conn"):
 *
 *   CONNECTING --connected--> OPEN --close fault--> CLOSING (FIN both ways, linger) --> CLOSED
 *        |                     |  \--blackhole fault--> BLACKHOLE (read, drop) ------> CLOSED
 *        +-- a fault, as OPEN -+--- reset / refuse / an error / both directions shut --> CLOSED
 *
 * and the shutdown bitmask: each direction (client -> upstream, upstream -> client) is shut on
 * its own when its source's FIN has been passed on, as an HTTP/2 stream's two halves close
 * independently; the connection ends when both are. */
#ifndef SC_PROXY_FLOW_H
#define SC_PROXY_FLOW_H

#include "sc_fsm.h"
#include "sc_proxy_fault.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bandwidth: the burst a capped direction may send at once, as time at the capped rate. Small
 * enough that a cap shows within a few ms, large enough that a write is not one byte per wake. */
#define SC_PROXY_BURST_MS 20

typedef enum {
    SC_PROXY_ACT_NONE = 0,  /* forward */
    SC_PROXY_ACT_RESET,     /* RST both sides */
    SC_PROXY_ACT_CLOSE,     /* FIN both sides */
    SC_PROXY_ACT_BLACKHOLE, /* stop forwarding and answering */
    SC_PROXY_ACT_REFUSE,    /* (at accept only) reset without dialling the upstream */
} sc_proxy_action;

typedef struct {
    sc_proxy_action action;
    int fault; /* index into the fault list, -1 for none */
} sc_proxy_verdict;

#define SC_PROXY_CONN_STATES(X)                                                                    \
    X(SC_PROXY_CONN_, CONNECTING) /* dialling the upstream; client bytes are buffered */           \
    X(SC_PROXY_CONN_, OPEN)       /* forwarding */                                                 \
    X(SC_PROXY_CONN_, BLACKHOLE)  /* reading and dropping, never writing */                        \
    X(SC_PROXY_CONN_, CLOSING)    /* FIN sent both ways after a close fault; waiting for peers */  \
    X(SC_PROXY_CONN_, CLOSED)     /* both sockets closed; freed at the end of the loop turn */
typedef enum { SC_PROXY_CONN_STATES(SC_FSM_ENUM) SC_PROXY_CONN_STATE_COUNT } sc_proxy_conn_state;

/* The connection machine's names and legal changes. */
extern const sc_fsm_def sc_proxy_conn_fsm;

/* The state a fault's action takes a connection in `from` to: CLOSED for reset and refuse,
 * CLOSING for close, BLACKHOLE for blackhole; `from` for none. */
sc_proxy_conn_state sc_proxy_conn_after(sc_proxy_conn_state from, sc_proxy_action action);

/* Does a connection in this state forward bytes (and so check for faults)? */
bool sc_proxy_conn_forwarding(sc_proxy_conn_state st);

/* The shutdown bitmask: one bit per sc_proxy_dir, set once that direction's FIN was passed on. */
#define SC_PROXY_SHUT_BIT(d) (1u << (unsigned)(d))
#define SC_PROXY_SHUT_BOTH (SC_PROXY_SHUT_BIT(SC_PROXY_UP) | SC_PROXY_SHUT_BIT(SC_PROXY_DOWN))

typedef struct {
    const sc_proxy_faults *faults; /* borrowed */
    int64_t conn_no;               /* 1-based accept order */
    int64_t proxy_start_ms;
    int64_t start_ms; /* accept time */
    int64_t fwd[2];   /* bytes forwarded per sc_proxy_dir */
    int64_t last_due[2];
    uint64_t rng;
    bool applies[SC_PROXY_MAX_FAULTS];             /* on_connection matches this connection */
    bool triggered[SC_PROXY_MAX_FAULTS];           /* the trigger has been met (sticky) */
    bool acted[SC_PROXY_MAX_FAULTS];               /* an action fault has been returned */
    int64_t tat_us[SC_PROXY_MAX_FAULTS][2];        /* bandwidth: theoretical arrival time */
    int64_t next_slice_ms[SC_PROXY_MAX_FAULTS][2]; /* slice: earliest next write */
} sc_proxy_flow;

/* Start the state of connection number `conn_no` (1-based), accepted at `now_ms`. */
void sc_proxy_flow_init(sc_proxy_flow *f, const sc_proxy_faults *faults, int64_t conn_no,
                        int64_t proxy_start_ms, int64_t now_ms, uint64_t seed);

/* The decision at accept: the first action fault (in list order) that applies now, refuse
 * included; SC_PROXY_ACT_NONE to dial the upstream and forward. */
sc_proxy_verdict sc_proxy_flow_accept(sc_proxy_flow *f, int64_t now_ms);

/* The first action fault (reset, close, blackhole, cut_after_bytes) whose trigger is met and
 * that has not acted yet; marks it acted. Call after accept, after bytes were forwarded and when
 * the timer of sc_proxy_flow_next_ms passes. */
sc_proxy_verdict sc_proxy_flow_check(sc_proxy_flow *f, int64_t now_ms);

/* When bytes read in direction `d` at `now_ms` may be delivered: now plus every active latency
 * (each with its jitter), never before bytes read earlier in that direction. */
int64_t sc_proxy_flow_due(sc_proxy_flow *f, sc_proxy_dir d, int64_t now_ms);

/* Of `ready` due bytes in direction `d`, how many the next write may take now. 0 means wait:
 * *wake_ms (always set) is when to ask again (INT64_MAX: nothing to wait for here). */
size_t sc_proxy_flow_allow(sc_proxy_flow *f, sc_proxy_dir d, size_t ready, int64_t now_ms,
                           int64_t *wake_ms);

/* `n` bytes were written in direction `d` at `now_ms`. */
void sc_proxy_flow_forwarded(sc_proxy_flow *f, sc_proxy_dir d, size_t n, int64_t now_ms);

/* The earliest time trigger (at_ms, at_case_ms) not yet met, or INT64_MAX. */
int64_t sc_proxy_flow_next_ms(const sc_proxy_flow *f);

#endif
