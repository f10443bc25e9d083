#include "sc_client_call.h"
#include "sc_fsm.h"
#include "sc_log.h"
#include "sc_pb.h"
#include "sc_status.h"
#include "sc_time.h"

#include <grpc/support/alloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A call's life: OPEN until the status arrives, CANCELLED once this side cancelled it (plan,
 * sc_client_call_cancel or release) and the status is still to come, STATUS once the status is in
 * while batches still drain, DONE once on_done was reported. */
#define CLIENT_CALL_STATES(X) X(CC_, OPEN) X(CC_, CANCELLED) X(CC_, STATUS) X(CC_, DONE)
typedef enum { CLIENT_CALL_STATES(SC_FSM_ENUM) CC_STATE_COUNT } cc_state;
static const char *const cc_state_names[] = {CLIENT_CALL_STATES(SC_FSM_NAME)};
static const uint32_t cc_legal[] = {
    [CC_OPEN] = SC_FSM_TO(CC_CANCELLED) | SC_FSM_TO(CC_STATUS),
    [CC_CANCELLED] = SC_FSM_TO(CC_STATUS),
    [CC_STATUS] = SC_FSM_TO(CC_DONE),
    [CC_DONE] = 0,
};
static const sc_fsm_def cc_fsm = {"client", cc_state_names, cc_legal, CC_STATE_COUNT};

/* The two directions close independently (as nghttp2's SHUT_RD / SHUT_WR): */
enum {
    CC_SHUT_WR_ASKED = 1u << 0, /* half-close asked for: no request is accepted any more */
    CC_SHUT_WR = 1u << 1,       /* send side done: half-close completed, or a send failed */
    CC_SHUT_RD = 1u << 2,       /* receive side done: end of stream, a failed or invalid read */
};

/* Batches of the two directions in flight (one at a time each). */
enum {
    CC_BUSY_SEND = 1u << 0,  /* a SEND_MESSAGE and/or SEND_CLOSE_FROM_CLIENT batch */
    CC_BUSY_CLOSE = 1u << 1, /* ... and it carries the half-close */
    CC_BUSY_RECV = 1u << 2,  /* a RECV_MESSAGE batch */
};

struct sc_client_call {
    sc_loop *loop; /* borrowed */
    sc_loop_member member;
    grpc_call *call;  /* owned (one ref) */
    unsigned long id; /* for traces */
    sc_method method;
    sc_client_call_handlers handlers;
    void *user;
    sc_client_cancel_plan cancel;

    sc_loop_tag tag_start;   /* SEND_INITIAL_METADATA */
    sc_loop_tag tag_headers; /* RECV_INITIAL_METADATA */
    sc_loop_tag tag_send;    /* SEND_MESSAGE and/or SEND_CLOSE_FROM_CLIENT */
    sc_loop_tag tag_recv;    /* RECV_MESSAGE */
    sc_loop_tag tag_status;  /* RECV_STATUS_ON_CLIENT */
    int pending;             /* this call's batches in flight */
    int dispatch_depth;      /* >0 while one of our callbacks runs: defers freeing */

    grpc_metadata *send_md;
    size_t send_md_count;
    grpc_metadata_array recv_initial;
    grpc_metadata_array recv_trailing;
    grpc_byte_buffer *recv_buf;
    grpc_status_code status;
    grpc_slice details;
    const char *error_string; /* gpr_free */

    grpc_byte_buffer **queue; /* ring buffer of serialized requests */
    size_t q_head, q_count, q_cap;
    grpc_byte_buffer *inflight;
    int state;     /* cc_state, changed by set_state only */
    unsigned shut; /* CC_SHUT_* */
    unsigned busy; /* CC_BUSY_* */
    bool released; /* the owner gave the call up: no callback, free once drained */

    sc_loop_timer cancel_timer;
    sc_loop_timer read_timer; /* ends read_pause_ms */
    int64_t read_from_ms;     /* no RECV_MESSAGE before this (read_pause_ms) */
    sc_client_call_result result;
};

static atomic_ulong sc_call_ids;

static int64_t since_start(const sc_client_call *c)
{
    return sc_time_now_ms() - c->result.start_ms;
}

static void set_state(sc_client_call *c, cc_state to)
{
    sc_fsm_set(&cc_fsm, c->id, &c->state, (int)to);
}

static bool status_in(const sc_client_call *c)
{
    return c->state == CC_STATUS || c->state == CC_DONE;
}

#define TRACE(c, fmt, ...)                                                                         \
    sc_log(SC_LOG_DEBUG, "client", "call#%lu %s +%lldms " fmt, (c)->id,                            \
           sc_method_get((c)->method)->rpc_name, (long long)since_start(c), __VA_ARGS__)

/* ---- freeing ---- */

static void free_queue(sc_client_call *c)
{
    while (c->q_count > 0) {
        grpc_byte_buffer_destroy(c->queue[c->q_head]);
        c->q_head = (c->q_head + 1) % c->q_cap;
        c->q_count--;
    }
}

static void call_free(sc_client_call *c)
{
    sc_loop_timer_disarm(c->loop, &c->cancel_timer);
    sc_loop_timer_disarm(c->loop, &c->read_timer);
    sc_loop_remove_member(c->loop, &c->member);
    free_queue(c);
    free(c->queue);
    if (c->inflight != NULL)
        grpc_byte_buffer_destroy(c->inflight);
    if (c->recv_buf != NULL)
        grpc_byte_buffer_destroy(c->recv_buf);
    sc_md_grpc_free(c->send_md, c->send_md_count);
    grpc_metadata_array_destroy(&c->recv_initial);
    grpc_metadata_array_destroy(&c->recv_trailing);
    grpc_slice_unref(c->details);
    gpr_free((void *)c->error_string);
    if (c->call != NULL)
        grpc_call_unref(c->call);
    free(c->result.message);
    sc_md_list_free(&c->result.headers);
    sc_md_list_free(&c->result.trailers);
    free(c->result.response_ms);
    free(c);
}

/* Report on_done once everything has drained; free a released call once nothing references it. */
static void settle(sc_client_call *c)
{
    if (c->dispatch_depth > 0)
        return;
    if (c->state == CC_STATUS && c->pending == 0) {
        set_state(c, CC_DONE);
        if (!c->released && c->handlers.on_done != NULL) {
            c->dispatch_depth++;
            c->handlers.on_done(c, c->user);
            c->dispatch_depth--;
        }
    }
    if (c->released && c->pending == 0)
        call_free(c);
}

/* Arm one of the call's timers; a call whose timer cannot be armed cannot keep its plan. */
static void arm_timer(sc_client_call *c, sc_loop_timer *t, int64_t due_ms)
{
    if (sc_loop_timer_arm(c->loop, t, due_ms) != 0)
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_INTERNAL, "client: cannot arm a timer",
                                     NULL);
}

static bool start_batch(sc_client_call *c, const grpc_op *ops, size_t nops, sc_loop_tag *tag)
{
    if (sc_loop_start_batch(c->loop, c->call, ops, nops, tag) != GRPC_CALL_OK)
        return false;
    c->pending++;
    return true;
}

/* ---- cancellation ---- */

void sc_client_call_cancel(sc_client_call *c)
{
    if (status_in(c) || c->call == NULL)
        return;
    if (c->state == CC_OPEN)
        TRACE(c, "%s", "cancel");
    set_state(c, CC_CANCELLED);
    c->result.cancelled_locally = true;
    grpc_call_cancel(c->call, NULL);
}

static void on_cancel_timer(sc_loop_timer *t)
{
    sc_client_call *c = SC_CONTAINER_OF(t, sc_client_call, cancel_timer);
    sc_client_call_cancel(c);
}

static void on_member_cancel(sc_loop_member *m)
{
    sc_client_call_cancel(SC_CONTAINER_OF(m, sc_client_call, member));
}

/* ---- sending ---- */

static void pump_send(sc_client_call *c);

static void on_send_done(sc_loop_tag *tag, bool ok)
{
    sc_client_call *c = SC_CONTAINER_OF(tag, sc_client_call, tag_send);
    c->pending--;
    c->dispatch_depth++;
    bool had_close = (c->busy & CC_BUSY_CLOSE) != 0;
    c->busy &= ~(CC_BUSY_SEND | CC_BUSY_CLOSE);
    if (c->inflight != NULL) {
        grpc_byte_buffer_destroy(c->inflight);
        c->inflight = NULL;
        if (ok)
            c->result.requests_sent++;
    }
    if (!ok) {
        c->shut |= CC_SHUT_WR; /* the stream is gone; the status will say why */
        free_queue(c);
    } else if (had_close) {
        c->shut |= CC_SHUT_WR;
        c->result.close_send_ms = sc_time_now_ms();
        TRACE(c, "%s", "half-closed");
        if (c->cancel.kind == SC_CANCEL_AFTER_CLOSE_SEND_MS)
            arm_timer(c, &c->cancel_timer, c->result.close_send_ms + c->cancel.n);
    }
    pump_send(c);
    bool ready = !(c->busy & CC_BUSY_SEND) && c->q_count == 0 &&
                 !(c->shut & (CC_SHUT_WR_ASKED | CC_SHUT_WR)) && !status_in(c);
    if (ready && !c->released && c->handlers.on_send_ready != NULL)
        c->handlers.on_send_ready(c, c->user);
    c->dispatch_depth--;
    settle(c);
}

static grpc_byte_buffer *queue_pop(sc_client_call *c)
{
    grpc_byte_buffer *bb = c->queue[c->q_head];
    c->q_head = (c->q_head + 1) % c->q_cap;
    c->q_count--;
    return bb;
}

static void pump_send(sc_client_call *c)
{
    if ((c->busy & CC_BUSY_SEND) || (c->shut & CC_SHUT_WR) || status_in(c))
        return;
    if (c->cancel.kind == SC_CANCEL_BEFORE_SEND)
        return; /* the plan is to send nothing at all */
    grpc_op ops[2];
    size_t n = 0;
    memset(ops, 0, sizeof ops);
    if (c->q_count > 0) {
        c->inflight = queue_pop(c);
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n].data.send_message.send_message = c->inflight;
        /* More already queued behind: let the transport coalesce them. */
        ops[n].flags = c->q_count > 0 ? GRPC_WRITE_BUFFER_HINT : 0;
        n++;
    }
    bool with_close = (c->shut & CC_SHUT_WR_ASKED) && c->q_count == 0;
    if (with_close)
        ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    if (n == 0)
        return;
    c->busy |= CC_BUSY_SEND | (with_close ? CC_BUSY_CLOSE : 0);
    if (!start_batch(c, ops, n, &c->tag_send)) {
        c->busy &= ~(CC_BUSY_SEND | CC_BUSY_CLOSE);
        c->shut |= CC_SHUT_WR;
        sc_client_call_cancel(c);
    }
}

static int queue_push(sc_client_call *c, grpc_byte_buffer *bb)
{
    if (c->q_count == c->q_cap) {
        if (c->q_cap >= SC_CLIENT_SEND_QUEUE_MAX)
            return -1;
        size_t cap = c->q_cap ? c->q_cap * 2 : 8;
        grpc_byte_buffer **q = malloc(cap * sizeof *q);
        if (q == NULL)
            return -1;
        for (size_t i = 0; i < c->q_count; i++)
            q[i] = c->queue[(c->q_head + i) % c->q_cap];
        free(c->queue);
        c->queue = q;
        c->q_head = 0;
        c->q_cap = cap;
    }
    c->queue[(c->q_head + c->q_count) % c->q_cap] = bb;
    c->q_count++;
    return 0;
}

int sc_client_call_send(sc_client_call *c, const ProtobufCMessage *msg)
{
    if ((c->shut & (CC_SHUT_WR_ASKED | CC_SHUT_WR)) || status_in(c))
        return -1;
    grpc_byte_buffer *bb = sc_pb_pack(msg);
    if (bb == NULL || queue_push(c, bb) != 0) {
        if (bb != NULL)
            grpc_byte_buffer_destroy(bb);
        return -1;
    }
    pump_send(c);
    return 0;
}

int sc_client_call_close_send(sc_client_call *c)
{
    if (status_in(c))
        return -1;
    c->shut |= CC_SHUT_WR_ASKED;
    pump_send(c);
    return 0;
}

size_t sc_client_call_send_queued(const sc_client_call *c)
{
    return c->q_count + ((c->busy & CC_BUSY_SEND) ? 1 : 0);
}

/* ---- receiving ---- */

static void start_recv(sc_client_call *c)
{
    if ((c->busy & CC_BUSY_RECV) || (c->shut & CC_SHUT_RD) || c->state != CC_OPEN ||
        sc_time_now_ms() < c->read_from_ms)
        return;
    grpc_op op;
    memset(&op, 0, sizeof op);
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &c->recv_buf;
    if (start_batch(c, &op, 1, &c->tag_recv))
        c->busy |= CC_BUSY_RECV;
    else
        c->shut |= CC_SHUT_RD;
}

static void record_response_time(sc_client_call *c, int64_t now)
{
    sc_client_call_result *r = &c->result;
    if (r->response_ms_count >= SC_CLIENT_MAX_RESPONSE_TIMES)
        return;
    if (r->response_ms_count % 64 == 0) {
        int64_t *grown = realloc(r->response_ms, (r->response_ms_count + 64) * sizeof *grown);
        if (grown == NULL)
            return;
        r->response_ms = grown;
    }
    r->response_ms[r->response_ms_count++] = now;
}

static void deliver(sc_client_call *c, grpc_byte_buffer *bb)
{
    const ProtobufCMessageDescriptor *desc = sc_method_get(c->method)->response;
    ProtobufCMessage *msg = sc_pb_unpack(desc, bb);
    if (msg == NULL) {
        char why[128];
        snprintf(why, sizeof why, "client: response %zu is not a valid %s", c->result.responses,
                 desc->name);
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_INTERNAL, why, NULL);
        c->shut |= CC_SHUT_RD;
        return;
    }
    c->result.responses++;
    record_response_time(c, sc_time_now_ms());
    TRACE(c, "response %zu (%zu bytes)", c->result.responses, sc_pb_buffer_length(bb));
    if (!c->released && c->handlers.on_message != NULL)
        c->handlers.on_message(c, msg, c->user);
    else
        protobuf_c_message_free_unpacked(msg, NULL);
    if (c->cancel.kind == SC_CANCEL_AFTER_RESPONSES && (int64_t)c->result.responses >= c->cancel.n)
        sc_client_call_cancel(c);
}

static void on_recv_done(sc_loop_tag *tag, bool ok)
{
    sc_client_call *c = SC_CONTAINER_OF(tag, sc_client_call, tag_recv);
    c->pending--;
    c->dispatch_depth++;
    c->busy &= ~CC_BUSY_RECV;
    grpc_byte_buffer *bb = c->recv_buf;
    c->recv_buf = NULL;
    if (ok && bb != NULL)
        deliver(c, bb);
    else
        c->shut |= CC_SHUT_RD; /* end of stream, or the call failed */
    if (bb != NULL)
        grpc_byte_buffer_destroy(bb);
    start_recv(c);
    c->dispatch_depth--;
    settle(c);
}

/* The read pause is over: what waited in flow control comes in now. */
static void on_read_timer(sc_loop_timer *t)
{
    sc_client_call *c = SC_CONTAINER_OF(t, sc_client_call, read_timer);
    TRACE(c, "%s", "reading starts");
    c->dispatch_depth++;
    start_recv(c);
    c->dispatch_depth--;
    settle(c);
}

static void on_headers_done(sc_loop_tag *tag, bool ok)
{
    sc_client_call *c = SC_CONTAINER_OF(tag, sc_client_call, tag_headers);
    c->pending--;
    c->dispatch_depth++;
    if (ok) {
        c->result.headers_ms = sc_time_now_ms();
        c->result.headers_received = true;
        sc_md_list_add_array(&c->result.headers, &c->recv_initial);
        TRACE(c, "headers (%zu entries)", c->result.headers.count);
        if (!c->released && c->handlers.on_headers != NULL)
            c->handlers.on_headers(c, c->user);
    }
    start_recv(c);
    c->dispatch_depth--;
    settle(c);
}

/* ---- start and status ---- */

static void on_start_done(sc_loop_tag *tag, bool ok)
{
    sc_client_call *c = SC_CONTAINER_OF(tag, sc_client_call, tag_start);
    c->pending--;
    sc_md_grpc_free(c->send_md, c->send_md_count);
    c->send_md = NULL;
    c->send_md_count = 0;
    if (!ok)
        TRACE(c, "%s", "initial metadata not sent");
    settle(c);
}

static void on_status_done(sc_loop_tag *tag, bool ok)
{
    sc_client_call *c = SC_CONTAINER_OF(tag, sc_client_call, tag_status);
    c->pending--;
    sc_client_call_result *r = &c->result;
    r->status_ms = sc_time_now_ms();
    r->code = ok ? (int)c->status : SC_STATUS_INTERNAL;
    r->message = grpc_slice_to_c_string(c->details);
    /* grpc_slice_to_c_string allocates with gpr_malloc; keep the result malloc-owned. */
    char *copy = strdup(r->message != NULL ? r->message : "");
    gpr_free(r->message);
    r->message = copy;
    sc_md_list_add_array(&r->trailers, &c->recv_trailing);
    set_state(c, CC_STATUS);
    sc_loop_timer_disarm(c->loop, &c->cancel_timer);
    sc_loop_timer_disarm(c->loop, &c->read_timer);
    TRACE(c, "status %s \"%s\"%s%s", sc_status_name(r->code) ? sc_status_name(r->code) : "?",
          r->message ? r->message : "", c->error_string ? " debug: " : "",
          c->error_string ? c->error_string : "");
    settle(c);
}

static bool start_initial_batches(sc_client_call *c, const sc_client_call_opts *opts)
{
    grpc_op op;
    memset(&op, 0, sizeof op);
    op.op = GRPC_OP_SEND_INITIAL_METADATA;
    op.data.send_initial_metadata.count = c->send_md_count;
    op.data.send_initial_metadata.metadata = c->send_md;
    op.flags = opts->wait_for_ready ? GRPC_INITIAL_METADATA_WAIT_FOR_READY |
                                          GRPC_INITIAL_METADATA_WAIT_FOR_READY_EXPLICITLY_SET
                                    : 0;
    if (!start_batch(c, &op, 1, &c->tag_start))
        return false;

    memset(&op, 0, sizeof op);
    op.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    op.data.recv_status_on_client.trailing_metadata = &c->recv_trailing;
    op.data.recv_status_on_client.status = &c->status;
    op.data.recv_status_on_client.status_details = &c->details;
    op.data.recv_status_on_client.error_string = &c->error_string;
    if (!start_batch(c, &op, 1, &c->tag_status)) {
        set_state(c, CC_STATUS); /* no status will come: nothing to wait for but the batches */
        return false;
    }

    memset(&op, 0, sizeof op);
    op.op = GRPC_OP_RECV_INITIAL_METADATA;
    op.data.recv_initial_metadata.recv_initial_metadata = &c->recv_initial;
    return start_batch(c, &op, 1, &c->tag_headers);
}

static sc_client_call *call_alloc(sc_loop *loop, const sc_client_call_opts *opts,
                                  const sc_client_call_handlers *handlers, void *user)
{
    sc_client_call *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->loop = loop;
    c->id = atomic_fetch_add(&sc_call_ids, 1) + 1;
    c->method = opts->method;
    if (handlers != NULL)
        c->handlers = *handlers;
    c->user = user;
    c->cancel = opts->cancel;
    c->tag_start.done = on_start_done;
    c->tag_headers.done = on_headers_done;
    c->tag_send.done = on_send_done;
    c->tag_recv.done = on_recv_done;
    c->tag_status.done = on_status_done;
    c->member.cancel = on_member_cancel;
    c->cancel_timer.fire = on_cancel_timer;
    c->read_timer.fire = on_read_timer;
    c->state = CC_OPEN;
    c->details = grpc_empty_slice();
    grpc_metadata_array_init(&c->recv_initial);
    grpc_metadata_array_init(&c->recv_trailing);
    c->result.code = -1;
    c->result.start_ms = sc_time_now_ms();
    c->read_from_ms = c->result.start_ms + (opts->read_pause_ms > 0 ? opts->read_pause_ms : 0);
    c->result.headers_ms = c->result.close_send_ms = c->result.status_ms = -1;
    return c;
}

static bool make_grpc_call(sc_client_call *c, grpc_channel *channel, const sc_client_call_opts *o)
{
    gpr_timespec deadline = o->deadline_ms > 0 ? sc_time_deadline_in_ms(o->deadline_ms)
                                               : gpr_inf_future(GPR_CLOCK_MONOTONIC);
    /* The core keeps its own reference to the path for the call's life. */
    grpc_slice path = o->path != NULL
                          ? grpc_slice_from_copied_string(o->path)
                          : grpc_slice_from_static_string(sc_method_get(o->method)->path);
    c->call = grpc_channel_create_call(channel, NULL, GRPC_PROPAGATE_DEFAULTS, sc_loop_cq(c->loop),
                                       path, NULL, deadline, NULL);
    grpc_slice_unref(path);
    return c->call != NULL;
}

sc_client_call *sc_client_call_start(sc_loop *loop, grpc_channel *channel,
                                     const sc_client_call_opts *opts,
                                     const sc_client_call_handlers *handlers, void *user, char *err,
                                     size_t errlen)
{
    if (sc_method_get(opts->method) == NULL) {
        snprintf(err, errlen, "method: unknown");
        return NULL;
    }
    sc_client_call *c = call_alloc(loop, opts, handlers, user);
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    static const sc_md_list no_md = {0};
    c->send_md = sc_md_list_to_grpc(opts->metadata ? opts->metadata : &no_md, &c->send_md_count);
    if (c->send_md == NULL || !make_grpc_call(c, channel, opts)) {
        snprintf(err, errlen, "cannot create the call");
        call_free(c);
        return NULL;
    }
    sc_loop_add_member(loop, &c->member);
    TRACE(c, "start deadline=%lldms wait_for_ready=%d", (long long)opts->deadline_ms,
          (int)opts->wait_for_ready);
    if (!start_initial_batches(c, opts)) {
        /* Some batches may be in flight: cancel, and let them drain into on_done. */
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_INTERNAL, "client: batch failed", NULL);
        if (c->state == CC_STATUS) { /* the status batch never started */
            snprintf(err, errlen, "cannot start the call");
            c->released = true; /* nobody will see it: free it once its batches drained */
            settle(c);
            return NULL;
        }
        if (c->pending == 0) {
            snprintf(err, errlen, "cannot start the call");
            call_free(c);
            return NULL;
        }
    }
    if (opts->read_pause_ms > 0)
        arm_timer(c, &c->read_timer, c->result.start_ms + opts->read_pause_ms);
    if (c->cancel.kind == SC_CANCEL_BEFORE_SEND)
        sc_client_call_cancel(c);
    else if (c->cancel.kind == SC_CANCEL_AFTER_MS)
        arm_timer(c, &c->cancel_timer, c->result.start_ms + c->cancel.n);
    return c;
}

bool sc_client_call_done(const sc_client_call *c)
{
    return c->state == CC_DONE;
}

const sc_client_call_result *sc_client_call_result_get(const sc_client_call *c)
{
    return &c->result;
}

sc_method sc_client_call_method(const sc_client_call *c)
{
    return c->method;
}

void sc_client_call_release(sc_client_call *c)
{
    if (c == NULL)
        return;
    c->released = true;
    sc_client_call_cancel(c);
    settle(c);
}
