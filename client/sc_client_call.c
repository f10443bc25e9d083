#include "sc_client_call.h"
#include "sc_core_compress.h"
#include "sc_wire_strings.h"
#include "sc_md_grpc.h"
#include "sc_log.h"
#include "sc_pb.h"
#include "sc_status.h"
#include "sc_time.h"

#include <grpc/support/alloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sc_client_call {
    sc_loop *loop; /* borrowed */
    sc_loop_member member;
    grpc_call *call;  /* owned (one ref) */
    unsigned long id; /* for traces */
    sc_method method;
    sc_client_call_handlers handlers;
    void *user;

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

    grpc_byte_buffer **queue;   /* ring buffer of serialized requests (flow.queued of them) */
    size_t popped;              /* requests taken from the queue so far: the next one's index */
    const int64_t *no_compress; /* borrowed (opts): requests sent with GRPC_WRITE_NO_COMPRESS */
    size_t n_no_compress;
    size_t q_head, q_count, q_cap;
    grpc_byte_buffer *inflight;

    sc_client_flow flow; /* every decision: states, the two directions, the cancel plan */
    bool released;       /* the owner gave the call up: no callback, free once drained */
    sc_loop_timer wake;  /* the flow's next due time (cancel plan, end of the read pause) */
    sc_client_call_result result;
    size_t response_ms_cap; /* entries result.response_ms has room for */
};

static atomic_ulong sc_call_ids;

static int64_t since_start(const sc_client_call *c)
{
    return sc_time_now_ms() - c->result.start_ms;
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
    sc_loop_timer_disarm(c->loop, &c->wake);
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
    if (sc_client_flow_finish(&c->flow, c->pending) && !c->released &&
        c->handlers.on_done != NULL) {
        c->dispatch_depth++;
        c->handlers.on_done(c, c->user);
        c->dispatch_depth--;
    }
    if (c->released && c->pending == 0)
        call_free(c);
}

static bool start_batch(sc_client_call *c, const grpc_op *ops, size_t nops, sc_loop_tag *tag)
{
    if (sc_loop_start_batch(c->loop, c->call, ops, nops, tag) != GRPC_CALL_OK)
        return false;
    c->pending++;
    return true;
}

/* ---- carrying out the flow's decisions ---- */

static void do_cancel(sc_client_call *c)
{
    TRACE(c, "%s", "cancel");
    c->result.cancelled_locally = true;
    grpc_call_cancel(c->call, NULL);
}

void sc_client_call_cancel(sc_client_call *c)
{
    if (c->call != NULL && sc_client_flow_cancel(&c->flow))
        do_cancel(c);
}

/* Is request `index` one of the call's no-compress requests? */
static bool skip_compression(const sc_client_call *c, size_t index)
{
    for (size_t i = 0; i < c->n_no_compress; i++)
        if (c->no_compress[i] == (int64_t)index)
            return true;
    return false;
}

static grpc_byte_buffer *queue_pop(sc_client_call *c)
{
    grpc_byte_buffer *bb = c->queue[c->q_head];
    c->q_head = (c->q_head + 1) % c->q_cap;
    c->q_count--;
    return bb;
}

/* A send batch: the next queued request and/or the half-close, as the flow decided. */
static void start_send(sc_client_call *c, unsigned ops)
{
    grpc_op op[2];
    size_t n = 0;
    memset(op, 0, sizeof op);
    if (ops & SC_FLOW_DO_SEND_MESSAGE) {
        c->inflight = queue_pop(c);
        op[n].op = GRPC_OP_SEND_MESSAGE;
        op[n].data.send_message.send_message = c->inflight;
        op[n].flags = (ops & SC_FLOW_DO_BUFFER_HINT) ? GRPC_WRITE_BUFFER_HINT : 0;
        if (skip_compression(c, c->popped++))
            op[n].flags |= GRPC_WRITE_NO_COMPRESS;
        n++;
    }
    if (ops & SC_FLOW_DO_SEND_CLOSE)
        op[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    if (start_batch(c, op, n, &c->tag_send))
        return;
    if (c->inflight != NULL) {
        grpc_byte_buffer_destroy(c->inflight);
        c->inflight = NULL;
    }
    sc_client_flow_on_sent(&c->flow, false, sc_time_now_ms());
    free_queue(c);
    sc_client_call_cancel(c);
}

static void start_recv(sc_client_call *c)
{
    grpc_op op;
    memset(&op, 0, sizeof op);
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &c->recv_buf;
    if (!start_batch(c, &op, 1, &c->tag_recv))
        sc_client_flow_on_received(&c->flow, SC_FLOW_RECV_END);
}

/* Arm the wake timer for the flow's next due time; a call whose timer cannot be armed cannot
 * keep its plan. */
static void set_wake(sc_client_call *c, int64_t due_ms)
{
    if (due_ms < 0) {
        sc_loop_timer_disarm(c->loop, &c->wake);
        return;
    }
    if (sc_loop_timer_armed(&c->wake) && c->wake.due_ms == due_ms)
        return;
    if (sc_loop_timer_arm(c->loop, &c->wake, due_ms) != 0)
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_INTERNAL, "client: cannot arm a timer",
                                     NULL);
}

/* Ask the flow what is due now and do it. */
static void pump(sc_client_call *c)
{
    int64_t now = sc_time_now_ms();
    sc_client_flow_step step = sc_client_flow_next(&c->flow, now);
    if (step.ops & SC_FLOW_DO_CANCEL)
        do_cancel(c);
    if (step.ops & (SC_FLOW_DO_SEND_MESSAGE | SC_FLOW_DO_SEND_CLOSE))
        start_send(c, step.ops);
    if (step.ops & SC_FLOW_DO_RECV)
        start_recv(c);
    set_wake(c, step.wake_at_ms);
}

static void on_wake(sc_loop_timer *t)
{
    sc_client_call *c = SC_CONTAINER_OF(t, sc_client_call, wake);
    c->dispatch_depth++;
    pump(c);
    c->dispatch_depth--;
    settle(c);
}

static void on_member_cancel(sc_loop_member *m)
{
    sc_client_call_cancel(SC_CONTAINER_OF(m, sc_client_call, member));
}

/* ---- sending ---- */

static void on_send_done(sc_loop_tag *tag, bool ok)
{
    sc_client_call *c = SC_CONTAINER_OF(tag, sc_client_call, tag_send);
    c->pending--;
    c->dispatch_depth++;
    if (c->inflight != NULL) {
        grpc_byte_buffer_destroy(c->inflight);
        c->inflight = NULL;
        if (ok)
            c->result.requests_sent++;
    }
    int64_t now = sc_time_now_ms();
    if (sc_client_flow_on_sent(&c->flow, ok, now)) {
        c->result.close_send_ms = now;
        TRACE(c, "%s", "half-closed");
    }
    if (!ok)
        free_queue(c);
    pump(c);
    if (sc_client_flow_send_ready(&c->flow) && !c->released && c->handlers.on_send_ready != NULL)
        c->handlers.on_send_ready(c, c->user);
    c->dispatch_depth--;
    settle(c);
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
    if (!sc_client_flow_can_queue(&c->flow))
        return -1;
    grpc_byte_buffer *bb = sc_pb_pack(msg);
    if (bb == NULL || queue_push(c, bb) != 0) {
        if (bb != NULL)
            grpc_byte_buffer_destroy(bb);
        return -1;
    }
    sc_client_flow_queued(&c->flow);
    pump(c);
    return 0;
}

int sc_client_call_close_send(sc_client_call *c)
{
    if (!sc_client_flow_close_send(&c->flow))
        return -1;
    pump(c);
    return 0;
}

size_t sc_client_call_send_queued(const sc_client_call *c)
{
    return sc_client_flow_unsent(&c->flow);
}

/* ---- receiving ---- */

static void record_response_time(sc_client_call *c, int64_t now)
{
    sc_client_call_result *r = &c->result;
    if (r->response_ms_count >= SC_CLIENT_MAX_RESPONSE_TIMES)
        return;
    if (r->response_ms_count == c->response_ms_cap) { /* doubling: O(1) a response */
        size_t cap = c->response_ms_cap ? 2 * c->response_ms_cap : SC_CLIENT_RESPONSE_TIMES_FIRST;
        int64_t *grown = realloc(r->response_ms, cap * sizeof *grown);
        if (grown == NULL)
            return;
        r->response_ms = grown;
        c->response_ms_cap = cap;
    }
    r->response_ms[r->response_ms_count++] = now;
}

/* The response in `bb`, or NULL when it does not parse (the call is then ended INTERNAL). Its
 * string fields are checked on the wire first (common/sc_wire_strings): invalid UTF-8 is a
 * response that does not parse, as for grpc-go and the Python protobuf, and a NUL, which
 * protobuf-c would cut, is refused by name. */
static ProtobufCMessage *decode(sc_client_call *c, grpc_byte_buffer *bb)
{
    const ProtobufCMessageDescriptor *desc = sc_method_get(c->method)->response;
    sc_pb_view v;
    char field[128] = "";
    sc_wire_rc wrc = sc_pb_view_open(&v, bb) == 0
                         ? sc_wire_check_strings(desc, v.data, v.len, field, sizeof field)
                         : SC_WIRE_MALFORMED;
    ProtobufCMessage *msg =
        wrc == SC_WIRE_OK ? protobuf_c_message_unpack(desc, NULL, v.len, v.data) : NULL;
    sc_pb_view_close(&v);
    if (msg == NULL) {
        char why[256];
        if (wrc == SC_WIRE_BAD_UTF8 || wrc == SC_WIRE_NUL)
            snprintf(why, sizeof why, "client: response %zu: string field %s %s",
                     c->result.responses, field,
                     wrc == SC_WIRE_NUL ? "holds a NUL byte" : "is not valid UTF-8");
        else
            snprintf(why, sizeof why, "client: response %zu is not a valid %s", c->result.responses,
                     desc->name);
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_INTERNAL, why, NULL);
        return NULL;
    }
    c->result.responses++;
    record_response_time(c, sc_time_now_ms());
    TRACE(c, "response %zu (%zu bytes)", c->result.responses, sc_pb_buffer_length(bb));
    return msg;
}

static void on_recv_done(sc_loop_tag *tag, bool ok)
{
    sc_client_call *c = SC_CONTAINER_OF(tag, sc_client_call, tag_recv);
    c->pending--;
    c->dispatch_depth++;
    grpc_byte_buffer *bb = c->recv_buf;
    c->recv_buf = NULL;
    ProtobufCMessage *msg = NULL;
    sc_client_flow_recv what = SC_FLOW_RECV_END; /* end of stream, or the call failed */
    if (ok && bb != NULL) {
        msg = decode(c, bb);
        what = msg != NULL ? SC_FLOW_RECV_MESSAGE : SC_FLOW_RECV_INVALID;
    }
    if (bb != NULL)
        grpc_byte_buffer_destroy(bb);
    sc_client_flow_on_received(&c->flow, what);
    if (msg != NULL && !c->released && c->handlers.on_message != NULL)
        c->handlers.on_message(c, msg, c->user);
    else if (msg != NULL)
        protobuf_c_message_free_unpacked(msg, NULL);
    pump(c);
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
        c->result.response_encoding = (int)sc_core_incoming_encoding(c->call);
        sc_md_grpc_add_array(&c->result.headers, &c->recv_initial);
        TRACE(c, "headers (%zu entries)", c->result.headers.count);
        if (!c->released && c->handlers.on_headers != NULL)
            c->handlers.on_headers(c, c->user);
    }
    sc_client_flow_on_headers(&c->flow);
    pump(c);
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
    sc_md_grpc_add_array(&r->trailers, &c->recv_trailing);
    sc_client_flow_on_status(&c->flow);
    sc_loop_timer_disarm(c->loop, &c->wake);
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
        sc_client_flow_on_status(&c->flow); /* none will come: wait for the batches only */
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
    c->no_compress = opts->no_compress;
    c->n_no_compress = opts->n_no_compress;
    if (handlers != NULL)
        c->handlers = *handlers;
    c->user = user;
    c->tag_start.done = on_start_done;
    c->tag_headers.done = on_headers_done;
    c->tag_send.done = on_send_done;
    c->tag_recv.done = on_recv_done;
    c->tag_status.done = on_status_done;
    c->member.cancel = on_member_cancel;
    c->wake.fire = on_wake;
    c->details = grpc_empty_slice();
    grpc_metadata_array_init(&c->recv_initial);
    grpc_metadata_array_init(&c->recv_trailing);
    c->result.code = -1;
    c->result.start_ms = sc_time_now_ms();
    sc_client_flow_init(&c->flow, c->id, &opts->cancel, opts->read_pause_ms, c->result.start_ms);
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
        if (sc_client_flow_status_in(&c->flow)) { /* the status batch never started */
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
    pump(c); /* a cancel before any send; the wake timer for the plan or the read pause */
    return c;
}

bool sc_client_call_done(const sc_client_call *c)
{
    return c->flow.state == SC_FLOW_DONE;
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
