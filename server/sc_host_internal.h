/* sc_host_internal: the server host's structures, shared by its files (sc_host.c: calls,
 * batches, completions, create/destroy; sc_host_shutdown.c: the shutdown). Private to server/. */
#ifndef SC_HOST_INTERNAL_H
#define SC_HOST_INTERNAL_H

#include "sc_builtin.h"
#include "sc_fsm.h"
#include "sc_host.h"
#include "sc_host_compress.h"
#include "sc_loop.h"

#include <grpc/grpc.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Rows of requested calls: one per DataService method, the last for any other path. */
#define HOST_ROWS (SC_METHOD_COUNT + 1)
#define HOST_ROW_CAP                                                                               \
    (SC_HOST_REQUESTS_CATCH_ALL > SC_HOST_REQUESTS_PER_METHOD ? SC_HOST_REQUESTS_CATCH_ALL         \
                                                              : SC_HOST_REQUESTS_PER_METHOD)

/* A hosted call's life: OPEN until the final status is decided, then ENDING (the status batch is
 * queued behind the sends) or ABORTED (cancelled with the status: a send was stuck behind a
 * stalled receiver); CLOSED once RECV_CLOSE_ON_SERVER completed, from any of them (a client
 * cancel, the deadline or the shutdown closes an OPEN call). */
#define HOST_CALL_STATES(X) X(HC_, OPEN) X(HC_, ENDING) X(HC_, ABORTED) X(HC_, CLOSED)
typedef enum { HOST_CALL_STATES(SC_FSM_ENUM) HC_STATE_COUNT } hc_state;

/* One outstanding request for a new call: a registered method's, or the catch-all's. */
typedef struct {
    sc_loop_tag tag;
    sc_host *host;
    sc_method method; /* SC_METHOD_UNKNOWN: the catch-all */
    grpc_call *call;
    gpr_timespec deadline;
    grpc_call_details details; /* the catch-all only */
    grpc_metadata_array md;
    bool pending;
} host_request;

struct sc_host_call {
    sc_loop_tag t_recv, t_send, t_status, t_close;
    sc_loop_timer wake;
    sc_host *host;
    struct sc_host_call *next, *prev; /* live calls */
    struct sc_host_call *ready_next;  /* kicked calls, to pump after the current event */
    bool ready;
    uint64_t id;
    sc_method method;
    char *path; /* owned */
    grpc_call *call;
    gpr_timespec deadline;
    void *obj;   /* the protocol object */
    int pending; /* batches started and not yet completed */
    int state;   /* hc_state, changed by set_state only */
    bool recv_busy, recv_over, send_busy, send_is_message, headers_out;
    bool shutdown_cancelled;
    int cancelled; /* filled in by RECV_CLOSE_ON_SERVER */
    int64_t received, sent;
    grpc_byte_buffer *recv_buf, *send_buf;
    grpc_metadata *md_out; /* initial metadata of the send in flight */
    size_t md_out_n;
    grpc_metadata *trail_out;
    size_t trail_out_n;
    grpc_slice status_details;
    bool has_status_details;
    sc_encoding send_enc; /* the response encoding the initial metadata asked the core for */
    bool send_plain;      /* the message in flight goes with GRPC_WRITE_NO_COMPRESS */
};

struct sc_host {
    sc_host_config cfg;
    sc_loop *loop;
    grpc_server *server;
    void *method_handles[SC_METHOD_COUNT];
    host_request requests[HOST_ROWS][HOST_ROW_CAP];
    int requests_pending;
    sc_host_call *calls; /* live calls, doubly linked */
    sc_host_call *ready; /* kicked calls (LIFO; order among them does not matter) */
    uint64_t next_call_id;
    sc_loop_tag shutdown_tag;
    sc_loop_check drain;
    sc_loop_timer grace;
    atomic_int shutdown_requested;
    bool shutdown_seen; /* the loop has reacted to the request */
    bool forced;        /* the forced stage ran: live calls were cancelled */
    bool shutdown_done; /* the core's shutdown notification arrived */
    bool started;
    int port;
    sc_builtin *builtin; /* the built-in services in front of cfg.proto; NULL: none */
};

/* A built-in call (health, reflection): not a case's, so not in the event log; it ends on its
 * own at shutdown. */
static inline bool sc_host_builtin_call(const sc_host_call *c)
{
    return c->host->builtin != NULL && sc_builtin_owns(c->obj);
}

/* sc_host.c: pump the kicked calls now. */
void sc_host_drain_ready(sc_host *h);

/* sc_host_shutdown.c: the loop's wakeup handler (a shutdown request), the grace timer, the core's
 * shutdown notification. */
void sc_host_on_wake(void *ctx);
void sc_host_on_grace_over(sc_loop_timer *t);
void sc_host_on_shutdown_done(sc_loop_tag *tag, bool ok);

#endif
