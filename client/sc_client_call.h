/* sc_client_call: one client RPC on an sc_loop, carrying out the decisions of its sc_client_flow
 * (client/sc_client_flow.h: states, the two directions, the cancel plan, the read pause).
 *
 * A call starts with its initial metadata, a status batch and a headers batch in flight; it reads
 * every response as soon as it arrives (handed to on_message) and sends queued requests one batch
 * at a time (GRPC_WRITE_BUFFER_HINT while more are queued behind, the last one merged with the
 * half-close). Each of its five batch kinds has its own tag embedded in the call.
 *
 * Callbacks run on the loop's thread. on_done runs exactly once, after the status arrived and
 * every batch of the call has completed; after it the call only holds its result.
 *
 * Ownership: the caller owns the call from sc_client_call_start until sc_client_call_release.
 * Releasing an unfinished call cancels it; the memory is freed once its batches drained (at the
 * latest in sc_loop_destroy). No callback runs after release. Release every call before
 * destroying its loop. */
#ifndef SC_CLIENT_CALL_H
#define SC_CLIENT_CALL_H

#include "sc_client_flow.h"
#include "sc_loop.h"
#include "sc_method.h"
#include "sc_md.h"

#include <grpc/grpc.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most requests queued ahead of the wire: a producer further ahead is not respecting flow control
 * (sc_client_call_send_queued tells it how far ahead it is). */
#define SC_CLIENT_SEND_QUEUE_MAX 4096
/* Most per-response timestamps kept; counts go on past it, the timings are for assertions. */
#define SC_CLIENT_MAX_RESPONSE_TIMES 100000
/* Response timestamps the first allocation has room for (then doubled up to the max). */
#define SC_CLIENT_RESPONSE_TIMES_FIRST 64

typedef struct sc_client_call sc_client_call;

typedef struct {
    sc_method method;
    /* Wire path to call instead of the method's own (messages keep the method's types), for
     * calls to methods or services a server does not have; NULL = the method's path. Borrowed
     * during sc_client_call_start only. */
    const char *path;
    const sc_md_list *metadata; /* borrowed during sc_client_call_start only; may be NULL */
    int64_t deadline_ms;        /* from the start of the call; <= 0 means no deadline */
    bool wait_for_ready;        /* GRPC_INITIAL_METADATA_WAIT_FOR_READY */
    int64_t read_pause_ms; /* no response is read before this long after the start (0: at once) */
    sc_client_cancel_plan cancel;
    /* Borrowed for the call's life: the indices (in sending order, from 0) of the requests sent
     * with GRPC_WRITE_NO_COMPRESS (issue 14: per-message no-compress), or NULL. */
    const int64_t *no_compress;
    size_t n_no_compress;
} sc_client_call_opts;

typedef struct {
    void (*on_headers)(sc_client_call *call, void *user);
    /* `msg` is owned by the callee (protobuf_c_message_free_unpacked(msg, NULL)). */
    void (*on_message)(sc_client_call *call, ProtobufCMessage *msg, void *user);
    /* The send queue has drained (and no half-close is pending): room for a producer. */
    void (*on_send_ready)(sc_client_call *call, void *user);
    void (*on_done)(sc_client_call *call, void *user);
} sc_client_call_handlers; /* any member may be NULL */

/* Times are monotonic ms (sc_time_now_ms); -1 when the event has not happened. */
typedef struct {
    int code;            /* final status code (valid once done) */
    char *message;       /* final status message, never NULL once done; owned by the call */
    sc_md_list headers;  /* initial metadata; -bin values decoded; owned by the call */
    sc_md_list trailers; /* trailing metadata; -bin values decoded; owned by the call */
    bool headers_received;
    /* the responses' grpc-encoding (grpc_compression_algorithm: 0 identity, 1 deflate, 2 gzip),
     * from the core once the headers arrived (common/sc_core_compress); 0 without headers */
    int response_encoding;
    bool cancelled_locally; /* this side cancelled (plan, sc_client_call_cancel or release) */
    size_t requests_sent;   /* request messages the core accepted */
    size_t responses;       /* response messages delivered */
    int64_t start_ms;
    int64_t headers_ms;
    int64_t close_send_ms;
    int64_t status_ms;
    int64_t *response_ms; /* response_ms[i]: arrival of response i (owned by the call) */
    size_t response_ms_count;
} sc_client_call_result;

/* Start `opts->method` on `channel` (borrowed; must outlive the call). Returns the call or NULL
 * with a one-line reason in `err`. `handlers` is copied; `user` is passed back to them. */
sc_client_call *sc_client_call_start(sc_loop *loop, grpc_channel *channel,
                                     const sc_client_call_opts *opts,
                                     const sc_client_call_handlers *handlers, void *user, char *err,
                                     size_t errlen);

/* Queue one request (serialized at once; `msg` stays the caller's). Returns 0, or -1 when the
 * call has half-closed, finished, or the queue is full. */
int sc_client_call_send(sc_client_call *call, const ProtobufCMessage *msg);

/* Half-close after the queued requests. Idempotent. Returns -1 once the call finished. */
int sc_client_call_close_send(sc_client_call *call);

/* Cancel now (any state; no-op once the status arrived). on_done still follows. */
void sc_client_call_cancel(sc_client_call *call);

/* Requests queued or in flight. */
size_t sc_client_call_send_queued(const sc_client_call *call);

/* True once on_done has run. */
bool sc_client_call_done(const sc_client_call *call);

/* The result so far; final once done. Owned by the call. */
const sc_client_call_result *sc_client_call_result_get(const sc_client_call *call);

/* The method the call was started with. */
sc_method sc_client_call_method(const sc_client_call *call);

/* Give the call up (see the ownership note above). NULL is a no-op. */
void sc_client_call_release(sc_client_call *call);

#endif
