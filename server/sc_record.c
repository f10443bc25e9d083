/* sc_record: the recording proxy's loop (see sc_record.h). Per call, two C core calls: the
 * server call `sc` (the client's) and the upstream call `uc` (a child of sc: deadline and
 * cancellation propagate). Client -> upstream: one RECV_MESSAGE on sc at a time, forwarded with
 * SEND_MESSAGE on uc before the next is read (flow control end to end); half-close as
 * SEND_CLOSE_FROM_CLIENT. Upstream -> client: RECV_INITIAL_METADATA on uc, then one RECV_MESSAGE
 * at a time forwarded with SEND_MESSAGE on sc; the upstream's status goes out once every message
 * was forwarded. Initial metadata goes to the client as soon as the upstream sent any, or with the
 * first message, or with the status (keeping a trailers-only response trailers-only). */
#include "sc_log.h"
#include "sc_md.h"
#include "sc_pb.h"
#include "sc_record.h"
#include "sc_status.h"
#include "sc_time.h"

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_container.h"
#include "sc_end_state.h"

/* Calls requested from the core ahead of time. */
#define RC_REQUESTS 16
/* Longest the loop sleeps: a safety net for the shutdown check; events wake it earlier. */
#define RC_LOOP_MAX_WAIT_MS 200
/* Messages either way: as large as the peers accept (the clients' own default limit). */
#define RC_MAX_MESSAGE (4 * 1024 * 1024)
/* At shutdown, live calls get this long to end on their own (a client that just cancelled, or
 * whose deadline just passed, has its end on the way) before the proxy cancels them. */
#define RC_SHUTDOWN_GRACE_MS 2000
/* A cut-off call ended within this of its deadline counts as deadline exceeded (sc_events). */
#define RC_DEADLINE_SLACK_MS 50

typedef enum {
    T_REQUEST,
    T_S_RECV,
    T_S_SEND,
    T_S_STATUS,
    T_S_CLOSE,
    T_U_SEND,
    T_U_RIM,
    T_U_RECV,
    T_U_STATUS,
    T_SHUTDOWN
} tag_kind;

typedef struct {
    tag_kind kind;
} rc_tag;

typedef struct {
    rc_tag tag;
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array md;
    bool pending;
} rc_request;

/* The client side of a proxied call: sc_end_state (OPEN while it forwards, ENDING once the
 * upstream's status is queued to the client, DONE or CUT once RECV_CLOSE_ON_SERVER completed). */
static const sc_fsm_def rc_fsm = {"record", sc_end_state_names, sc_end_state_legal,
                                  SC_END_STATE_COUNT};

typedef struct rc_call {
    rc_tag t_s_recv, t_s_send, t_s_status, t_s_close, t_u_send, t_u_rim, t_u_recv, t_u_status;
    struct rc_call *next, *prev;
    uint64_t id;
    int64_t start_ms;
    gpr_timespec deadline;
    grpc_call *sc, *uc;
    int pending;
    sc_record_case rec;
    /* client -> upstream */
    grpc_byte_buffer *s_recv_buf, *up_buf;
    bool s_recv_busy, s_recv_over, u_send_busy, u_dead, up_close_pending, up_closed;
    grpc_metadata *u_md; /* initial metadata to the upstream (until its batch completed) */
    size_t u_md_n;
    /* upstream -> client */
    grpc_metadata_array u_rim;
    grpc_byte_buffer *u_recv_buf, *down_buf;
    bool rim_done, u_recv_busy, u_recv_over, s_send_busy, s_dead, headers_sent;
    grpc_metadata *s_md; /* metadata of the send in flight */
    size_t s_md_n;
    /* status */
    grpc_metadata_array u_trailers;
    grpc_status_code u_code;
    grpc_slice u_details;
    bool u_status_done;
    int state; /* sc_end_state of the client side, changed by set_state only */
    bool cut_by_shutdown; /* the proxy cancelled it before its status went out: not recorded */
    int cancelled;
    grpc_slice s_details;
    bool has_s_details;
} rc_call;

struct sc_recorder {
    sc_recorder_config cfg;
    grpc_server *server;
    grpc_channel *channel;
    grpc_completion_queue *cq;
    rc_request requests[RC_REQUESTS];
    rc_call *calls;
    uint64_t next_id;
    rc_tag shutdown_tag;
    atomic_int shutdown_requested;
    bool shutdown_seen, shutdown_done, started, grace_over;
    int64_t grace_deadline_ms;
    int port;
    int64_t finished;
    /* finished calls, by id order of completion; sorted by id when written */
    sc_record_case *done;
    uint64_t *done_ids;
    size_t n_done, cap_done;
};

static void set_state(rc_call *c, sc_end_state to)
{
    sc_fsm_set(&rc_fsm, c->id, &c->state, (int)to);
}

/* ---- helpers ---------------------------------------------------------------------------- */

static bool start_batch(rc_call *c, grpc_call *call, const grpc_op *ops, size_t n, rc_tag *tag,
                        tag_kind kind)
{
    tag->kind = kind;
    grpc_call_error e = grpc_call_start_batch(call, ops, n, tag, NULL);
    if (e != GRPC_CALL_OK) {
        sc_log(SC_LOG_ERROR, "record", "call %llu: grpc_call_start_batch failed (%d)",
               (unsigned long long)c->id, (int)e);
        return false;
    }
    c->pending++;
    return true;
}

/* A copy of the array's entries the other side may carry (reserved keys dropped). */
static grpc_metadata *forward_md(const grpc_metadata_array *arr, size_t *n)
{
    sc_md_list l = {0};
    for (size_t i = 0; i < arr->count; i++) {
        char *key = grpc_slice_to_c_string(arr->metadata[i].key);
        if (!sc_record_key_reserved(key))
            sc_md_list_add(&l, key, GRPC_SLICE_START_PTR(arr->metadata[i].value),
                           GRPC_SLICE_LENGTH(arr->metadata[i].value));
        gpr_free(key);
    }
    grpc_metadata *md = sc_md_list_to_grpc(&l, n);
    sc_md_list_free(&l);
    return md;
}

static void free_s_md(rc_call *c)
{
    sc_md_grpc_free(c->s_md, c->s_md_n);
    c->s_md = NULL;
    c->s_md_n = 0;
}

static int64_t since_start(const rc_call *c)
{
    return sc_time_now_ms() - c->start_ms;
}

/* ---- client -> upstream ----------------------------------------------------------------- */

static void start_s_recv(rc_call *c)
{
    grpc_op op = {.op = GRPC_OP_RECV_MESSAGE};
    op.data.recv_message.recv_message = &c->s_recv_buf;
    c->s_recv_busy = start_batch(c, c->sc, &op, 1, &c->t_s_recv, T_S_RECV);
    if (!c->s_recv_busy)
        c->s_recv_over = true;
}

/* Forward what is waiting (a message, then the half-close), one batch at a time. */
static void pump_up(rc_call *c)
{
    if (c->u_send_busy)
        return;
    if (c->u_dead) {
        if (c->up_buf != NULL)
            grpc_byte_buffer_destroy(c->up_buf);
        c->up_buf = NULL;
        c->up_close_pending = false;
    }
    if (c->up_buf != NULL) {
        grpc_op op = {.op = GRPC_OP_SEND_MESSAGE};
        op.data.send_message.send_message = c->up_buf;
        c->u_send_busy = start_batch(c, c->uc, &op, 1, &c->t_u_send, T_U_SEND);
        if (!c->u_send_busy) {
            grpc_byte_buffer_destroy(c->up_buf);
            c->up_buf = NULL;
            c->u_dead = true;
        }
        return;
    }
    if (c->up_close_pending) {
        c->up_close_pending = false;
        c->up_closed = true;
        grpc_op op = {.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT};
        c->u_send_busy = start_batch(c, c->uc, &op, 1, &c->t_u_send, T_U_SEND);
        return;
    }
    if (!c->s_recv_busy && !c->s_recv_over && !c->up_closed && !c->u_dead && !c->s_dead)
        start_s_recv(c);
}

static void on_s_recv(rc_call *c, bool ok)
{
    c->s_recv_busy = false;
    if (!ok) {
        c->s_recv_over = true;
    } else if (c->s_recv_buf == NULL) {
        c->s_recv_over = true;
        /* Once the status went out to the client the core ends a pending read the same way: that
         * is not the client's half-close, and the upstream call is over anyway. */
        if (!sc_end_status_queued(c->state)) {
            c->rec.half_close = true;
            c->up_close_pending = true;
        }
    } else {
        size_t len = 0;
        unsigned char *data = sc_pb_buffer_flatten(c->s_recv_buf, &len);
        if (data != NULL)
            sc_record_case_add(&c->rec, true, data, len, since_start(c));
        free(data);
        c->up_buf = c->s_recv_buf;
        c->s_recv_buf = NULL;
    }
    pump_up(c);
}

static void on_u_send(rc_call *c, bool ok)
{
    c->u_send_busy = false;
    if (c->up_buf != NULL)
        grpc_byte_buffer_destroy(c->up_buf);
    c->up_buf = NULL;
    sc_md_grpc_free(c->u_md, c->u_md_n);
    c->u_md = NULL;
    c->u_md_n = 0;
    if (!ok)
        c->u_dead = true;
    pump_up(c);
}

/* ---- upstream -> client ----------------------------------------------------------------- */

static void start_u_recv(rc_call *c)
{
    grpc_op op = {.op = GRPC_OP_RECV_MESSAGE};
    op.data.recv_message.recv_message = &c->u_recv_buf;
    c->u_recv_busy = start_batch(c, c->uc, &op, 1, &c->t_u_recv, T_U_RECV);
    if (!c->u_recv_busy)
        c->u_recv_over = true;
}

static void start_s_status(rc_call *c)
{
    set_state(c, SC_END_ENDING);
    free_s_md(c);
    c->s_md = forward_md(&c->u_trailers, &c->s_md_n);
    grpc_op ops[2];
    size_t n = 0;
    if (!c->headers_sent) {
        ops[n++] = (grpc_op){.op = GRPC_OP_SEND_INITIAL_METADATA};
        c->headers_sent = true;
    }
    c->s_details = grpc_slice_ref(c->u_details);
    c->has_s_details = true;
    ops[n] = (grpc_op){.op = GRPC_OP_SEND_STATUS_FROM_SERVER};
    ops[n].data.send_status_from_server.status = c->u_code;
    ops[n].data.send_status_from_server.status_details = &c->s_details;
    ops[n].data.send_status_from_server.trailing_metadata_count = c->s_md_n;
    ops[n].data.send_status_from_server.trailing_metadata = c->s_md;
    n++;
    start_batch(c, c->sc, ops, n, &c->t_s_status, T_S_STATUS);
}

/* Send what is due to the client, one batch at a time: headers, a message, the status. */
static void pump_down(rc_call *c)
{
    if (c->s_send_busy || sc_end_status_queued(c->state))
        return;
    if (c->s_dead || sc_end_closed(c->state)) {
        if (c->down_buf != NULL)
            grpc_byte_buffer_destroy(c->down_buf);
        c->down_buf = NULL;
    }
    if (c->down_buf != NULL) {
        grpc_op ops[2];
        size_t n = 0;
        free_s_md(c);
        if (!c->headers_sent) {
            c->s_md = forward_md(&c->u_rim, &c->s_md_n);
            ops[n] = (grpc_op){.op = GRPC_OP_SEND_INITIAL_METADATA};
            ops[n].data.send_initial_metadata.count = c->s_md_n;
            ops[n].data.send_initial_metadata.metadata = c->s_md;
            n++;
            c->headers_sent = true;
        }
        ops[n] = (grpc_op){.op = GRPC_OP_SEND_MESSAGE};
        ops[n].data.send_message.send_message = c->down_buf;
        n++;
        c->s_send_busy = start_batch(c, c->sc, ops, n, &c->t_s_send, T_S_SEND);
        if (!c->s_send_busy) {
            grpc_byte_buffer_destroy(c->down_buf);
            c->down_buf = NULL;
            c->s_dead = true;
        }
        return;
    }
    if (c->rim_done && !c->headers_sent && c->u_rim.count > 0 && !c->s_dead &&
        !sc_end_closed(c->state)) {
        free_s_md(c);
        c->s_md = forward_md(&c->u_rim, &c->s_md_n);
        grpc_op op = {.op = GRPC_OP_SEND_INITIAL_METADATA};
        op.data.send_initial_metadata.count = c->s_md_n;
        op.data.send_initial_metadata.metadata = c->s_md;
        c->headers_sent = true;
        c->s_send_busy = start_batch(c, c->sc, &op, 1, &c->t_s_send, T_S_SEND);
        return;
    }
    if (c->rim_done && !c->u_recv_busy && !c->u_recv_over) {
        start_u_recv(c);
        return;
    }
    if (c->u_status_done && (c->u_recv_over || !c->rim_done) && !sc_end_closed(c->state) &&
        !c->s_dead)
        start_s_status(c);
}

static void on_u_rim(rc_call *c, bool ok)
{
    c->rim_done = true;
    if (ok) {
        c->rec.has_headers = true;
        c->rec.headers_ms = since_start(c);
        sc_md_list_add_array(&c->rec.headers, &c->u_rim);
    } else {
        c->u_recv_over = true;
    }
    pump_down(c);
}

static void on_u_recv(rc_call *c, bool ok)
{
    c->u_recv_busy = false;
    if (!ok || c->u_recv_buf == NULL) {
        c->u_recv_over = true;
    } else {
        size_t len = 0;
        unsigned char *data = sc_pb_buffer_flatten(c->u_recv_buf, &len);
        if (data != NULL)
            sc_record_case_add(&c->rec, false, data, len, since_start(c));
        free(data);
        c->down_buf = c->u_recv_buf;
        c->u_recv_buf = NULL;
    }
    pump_down(c);
}

static void on_s_send(rc_call *c, bool ok)
{
    c->s_send_busy = false;
    free_s_md(c);
    if (c->down_buf != NULL) {
        grpc_byte_buffer_destroy(c->down_buf);
        c->down_buf = NULL;
        if (ok)
            c->rec.delivered++;
    }
    if (!ok)
        c->s_dead = true;
    pump_down(c);
}

static void on_u_status(rc_call *c)
{
    c->u_status_done = true;
    c->rec.status_ms = since_start(c);
    c->rec.status_code = (int)c->u_code;
    c->rec.status_message = grpc_slice_to_c_string(c->u_details);
    sc_md_list_add_array(&c->rec.trailers, &c->u_trailers);
    /* The upstream's copy of the client's deadline (propagated) can fire a moment before the
     * client's own: the call still ended by the client's deadline, and is recorded so, whichever
     * side noticed first. */
    if (c->rec.end == SC_RECORD_END_STATUS && c->u_code == GRPC_STATUS_DEADLINE_EXCEEDED &&
        sc_time_ms_until(c->deadline) <= RC_DEADLINE_SLACK_MS) {
        c->rec.end = SC_RECORD_END_DEADLINE;
        c->rec.end_ms = c->rec.status_ms;
    }
    pump_down(c);
}

static void on_s_close(rc_call *c)
{
    set_state(c, sc_end_on_close(c->state));
    if (c->cancelled && !sc_end_status_queued(c->state)) {
        int64_t left = sc_time_ms_until(c->deadline);
        c->rec.end =
            left <= RC_DEADLINE_SLACK_MS ? SC_RECORD_END_DEADLINE : SC_RECORD_END_CANCELLED;
        c->rec.end_ms = since_start(c);
        if (!c->u_status_done)
            grpc_call_cancel(c->uc, NULL); /* propagation does it too; be explicit */
    }
    pump_down(c);
    pump_up(c);
}

/* ---- call lifetime ---------------------------------------------------------------------- */

static void request_call(sc_recorder *r, rc_request *q)
{
    grpc_metadata_array_init(&q->md);
    grpc_call_details_init(&q->details);
    q->call = NULL;
    q->tag.kind = T_REQUEST;
    grpc_call_error e =
        grpc_server_request_call(r->server, &q->call, &q->details, &q->md, r->cq, r->cq, &q->tag);
    q->pending = e == GRPC_CALL_OK;
    if (!q->pending) {
        sc_log(SC_LOG_ERROR, "record", "requesting a call failed (%d)", (int)e);
        grpc_metadata_array_destroy(&q->md);
        grpc_call_details_destroy(&q->details);
    }
}

static void keep_record(sc_recorder *r, rc_call *c)
{
    if (r->n_done == r->cap_done) {
        size_t cap = r->cap_done ? r->cap_done * 2 : 16;
        sc_record_case *d = realloc(r->done, cap * sizeof *d);
        if (d == NULL)
            return;
        r->done = d;
        uint64_t *ids = realloc(r->done_ids, cap * sizeof *ids);
        if (ids == NULL)
            return;
        r->done_ids = ids;
        r->cap_done = cap;
    }
    /* in start order: insert by id */
    size_t i = r->n_done;
    while (i > 0 && r->done_ids[i - 1] > c->id) {
        r->done[i] = r->done[i - 1];
        r->done_ids[i] = r->done_ids[i - 1];
        i--;
    }
    r->done[i] = c->rec;
    r->done_ids[i] = c->id;
    r->n_done++;
    memset(&c->rec, 0, sizeof c->rec);
}

static void free_call_if_done(sc_recorder *r, rc_call *c)
{
    if (!sc_end_closed(c->state) || !c->u_status_done || c->pending > 0)
        return;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        r->calls = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    if (r->cfg.verbose)
        sc_log(SC_LOG_INFO, "record", "call %llu %s: %zu requests, %zu responses, %s",
               (unsigned long long)c->id, c->rec.path, c->rec.n_requests, c->rec.n_responses,
               c->rec.end == SC_RECORD_END_CANCELLED  ? "CANCELLED (client)"
               : c->rec.end == SC_RECORD_END_DEADLINE ? "DEADLINE_EXCEEDED (client)"
                                                      : sc_status_name(c->rec.status_code));
    if (!c->cut_by_shutdown) {
        keep_record(r, c);
        r->finished++;
    } else {
        sc_log(SC_LOG_WARN, "record", "call %llu %s was cut off by the shutdown: not recorded",
               (unsigned long long)c->id, c->rec.path);
    }
    sc_record_case_free(&c->rec);
    grpc_metadata_array_destroy(&c->u_rim);
    grpc_metadata_array_destroy(&c->u_trailers);
    grpc_slice_unref(c->u_details);
    if (c->has_s_details)
        grpc_slice_unref(c->s_details);
    free_s_md(c);
    sc_md_grpc_free(c->u_md, c->u_md_n);
    grpc_call_unref(c->uc);
    grpc_call_unref(c->sc);
    free(c);
    if (r->cfg.max_calls > 0 && r->finished >= r->cfg.max_calls)
        sc_recorder_shutdown(r);
}

static void accept_call(sc_recorder *r, rc_request *q)
{
    rc_call *c = calloc(1, sizeof *c);
    if (c == NULL) {
        grpc_call_cancel_with_status(q->call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory",
                                     NULL);
        grpc_call_unref(q->call);
        return;
    }
    c->id = ++r->next_id;
    c->start_ms = sc_time_now_ms();
    c->sc = q->call;
    c->deadline = q->details.deadline;
    c->rec.path = grpc_slice_to_c_string(q->details.method);
    if (!sc_method_parse(c->rec.path, &c->rec.method) || c->rec.path[0] != '/')
        c->rec.method = SC_METHOD_UNKNOWN;
    int64_t left = sc_time_ms_until(c->deadline);
    c->rec.timeout_ms = left == INT64_MAX ? -1 : left < 1 ? 1 : left;
    sc_md_list_add_array(&c->rec.client_md, &q->md);
    grpc_metadata_array_init(&c->u_rim);
    grpc_metadata_array_init(&c->u_trailers);
    c->u_details = grpc_empty_slice();
    c->next = r->calls;
    if (r->calls != NULL)
        r->calls->prev = c;
    r->calls = c;

    /* The upstream call: a child of the client's call (its deadline, its cancellation). */
    c->uc = grpc_channel_create_call(r->channel, c->sc, GRPC_PROPAGATE_DEFAULTS, r->cq,
                                     q->details.method, NULL, c->deadline, NULL);

    grpc_op op = {.op = GRPC_OP_RECV_CLOSE_ON_SERVER};
    op.data.recv_close_on_server.cancelled = &c->cancelled;
    start_batch(c, c->sc, &op, 1, &c->t_s_close, T_S_CLOSE);

    grpc_op st = {.op = GRPC_OP_RECV_STATUS_ON_CLIENT};
    st.data.recv_status_on_client.trailing_metadata = &c->u_trailers;
    st.data.recv_status_on_client.status = &c->u_code;
    st.data.recv_status_on_client.status_details = &c->u_details;
    if (!start_batch(c, c->uc, &st, 1, &c->t_u_status, T_U_STATUS)) {
        c->u_code = GRPC_STATUS_INTERNAL;
        c->u_status_done = true;
    }

    c->u_md = forward_md(&q->md, &c->u_md_n);
    grpc_op im = {.op = GRPC_OP_SEND_INITIAL_METADATA};
    im.data.send_initial_metadata.count = c->u_md_n;
    im.data.send_initial_metadata.metadata = c->u_md;
    c->u_send_busy = start_batch(c, c->uc, &im, 1, &c->t_u_send, T_U_SEND);
    if (!c->u_send_busy)
        c->u_dead = true;

    grpc_op rim = {.op = GRPC_OP_RECV_INITIAL_METADATA};
    rim.data.recv_initial_metadata.recv_initial_metadata = &c->u_rim;
    if (!start_batch(c, c->uc, &rim, 1, &c->t_u_rim, T_U_RIM)) {
        c->rim_done = true;
        c->u_recv_over = true;
    }
    if (r->grace_over) {
        c->cut_by_shutdown = true;
        grpc_call_cancel_with_status(c->sc, GRPC_STATUS_UNAVAILABLE, "server shutting down", NULL);
    }
    pump_up(c);
}

static void on_request(sc_recorder *r, rc_request *q, bool ok)
{
    q->pending = false;
    if (ok)
        accept_call(r, q);
    grpc_metadata_array_destroy(&q->md);
    grpc_call_details_destroy(&q->details);
    if (!atomic_load(&r->shutdown_requested))
        request_call(r, q);
}

static void dispatch(sc_recorder *r, rc_tag *tag, bool ok)
{
    rc_call *c = NULL;
    switch (tag->kind) {
    case T_SHUTDOWN:
        r->shutdown_done = true;
        return;
    case T_REQUEST:
        on_request(r, SC_CONTAINER_OF(tag, rc_request, tag), ok);
        return;
    case T_S_RECV:
        c = SC_CONTAINER_OF(tag, rc_call, t_s_recv);
        c->pending--;
        on_s_recv(c, ok);
        break;
    case T_S_SEND:
        c = SC_CONTAINER_OF(tag, rc_call, t_s_send);
        c->pending--;
        on_s_send(c, ok);
        break;
    case T_S_STATUS:
        c = SC_CONTAINER_OF(tag, rc_call, t_s_status);
        c->pending--;
        free_s_md(c);
        break;
    case T_S_CLOSE:
        c = SC_CONTAINER_OF(tag, rc_call, t_s_close);
        c->pending--;
        on_s_close(c);
        break;
    case T_U_SEND:
        c = SC_CONTAINER_OF(tag, rc_call, t_u_send);
        c->pending--;
        on_u_send(c, ok);
        break;
    case T_U_RIM:
        c = SC_CONTAINER_OF(tag, rc_call, t_u_rim);
        c->pending--;
        on_u_rim(c, ok);
        break;
    case T_U_RECV:
        c = SC_CONTAINER_OF(tag, rc_call, t_u_recv);
        c->pending--;
        on_u_recv(c, ok);
        break;
    case T_U_STATUS:
        c = SC_CONTAINER_OF(tag, rc_call, t_u_status);
        c->pending--;
        on_u_status(c);
        break;
    }
    free_call_if_done(r, c);
}

static bool requests_pending(const sc_recorder *r)
{
    for (int i = 0; i < RC_REQUESTS; i++)
        if (r->requests[i].pending)
            return true;
    return false;
}

int sc_recorder_run(sc_recorder *r)
{
    for (;;) {
        if (atomic_load(&r->shutdown_requested) && !r->shutdown_seen) {
            r->shutdown_seen = true;
            r->grace_deadline_ms = sc_time_now_ms() + RC_SHUTDOWN_GRACE_MS;
        }
        if (r->shutdown_seen && !r->grace_over &&
            (r->calls == NULL || sc_time_now_ms() >= r->grace_deadline_ms)) {
            r->grace_over = true;
            for (rc_call *c = r->calls; c != NULL; c = c->next) {
                if (c->state != SC_END_OPEN)
                    continue;
                c->cut_by_shutdown = true;
                grpc_call_cancel_with_status(c->sc, GRPC_STATUS_UNAVAILABLE, "server shutting down",
                                             NULL);
            }
        }
        if (r->shutdown_done && r->calls == NULL && !requests_pending(r))
            break;
        grpc_event ev =
            grpc_completion_queue_next(r->cq, sc_time_deadline_in_ms(RC_LOOP_MAX_WAIT_MS), NULL);
        if (ev.type == GRPC_OP_COMPLETE)
            dispatch(r, (rc_tag *)ev.tag, ev.success != 0);
        else if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
    }
    return 0;
}

void sc_recorder_shutdown(sc_recorder *r)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&r->shutdown_requested, &expected, 1))
        grpc_server_shutdown_and_notify(r->server, r->cq, &r->shutdown_tag);
}

/* ---- create / destroy ------------------------------------------------------------------- */

sc_recorder *sc_recorder_create(const sc_recorder_config *cfg, char *err, size_t errlen)
{
    sc_recorder *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->cfg = *cfg;
    r->cfg.listen = r->cfg.upstream = NULL;
    r->shutdown_tag.kind = T_SHUTDOWN;
    atomic_init(&r->shutdown_requested, 0);

    grpc_arg args[3];
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = RC_MAX_MESSAGE;
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = (char *)GRPC_ARG_ALLOW_REUSEPORT;
    args[1].value.integer = 0;
    args[2].type = GRPC_ARG_INTEGER;
    args[2].key = (char *)GRPC_ARG_ENABLE_RETRIES;
    args[2].value.integer = 0; /* one upstream attempt per client call: what it did is recorded */
    grpc_channel_args sargs = {.num_args = 2, .args = args};
    grpc_channel_args cargs = {.num_args = 3, .args = args};

    r->cq = grpc_completion_queue_create_for_next(NULL);
    grpc_channel_credentials *cc = grpc_insecure_credentials_create();
    r->channel = grpc_channel_create(cfg->upstream, cc, &cargs);
    grpc_channel_credentials_release(cc);
    r->server = grpc_server_create(&sargs, NULL);
    grpc_server_register_completion_queue(r->server, r->cq, NULL);
    grpc_server_credentials *sc = grpc_insecure_server_credentials_create();
    r->port = grpc_server_add_http2_port(r->server, cfg->listen, sc);
    grpc_server_credentials_release(sc);
    if (r->port == 0) {
        snprintf(err, errlen, "cannot listen on %s (address in use or invalid)", cfg->listen);
        sc_recorder_destroy(r);
        return NULL;
    }
    grpc_server_start(r->server);
    r->started = true;
    for (int i = 0; i < RC_REQUESTS; i++)
        request_call(r, &r->requests[i]);
    return r;
}

int sc_recorder_port(const sc_recorder *r)
{
    return r->port;
}

size_t sc_recorder_count(const sc_recorder *r)
{
    return r->n_done;
}

const sc_record_case *sc_recorder_case(const sc_recorder *r, size_t i)
{
    return i < r->n_done ? &r->done[i] : NULL;
}

cJSON *sc_recorder_scenarios(const sc_recorder *r, const sc_record_opts *opts, char *err,
                             size_t errlen)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(root, "scenarios");
    if (list == NULL) {
        cJSON_Delete(root);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t per_method[SC_METHOD_COUNT + 1] = {0};
    for (size_t i = 0; i < r->n_done; i++) {
        const sc_record_case *c = &r->done[i];
        char name[128], why[512];
        if (!sc_record_case_recordable(c, why, sizeof why)) {
            sc_log(SC_LOG_WARN, "record", "call forwarded but not recorded: %s", why);
            continue;
        }
        const sc_method_info *mi = sc_method_get(c->method);
        snprintf(name, sizeof name, "recorded/%s/%zu", mi != NULL ? mi->cli_name : "unknown",
                 ++per_method[c->method]);
        cJSON *s = sc_record_case_scenario(c, name, opts, err, errlen);
        if (s == NULL) {
            cJSON_Delete(root);
            return NULL;
        }
        cJSON_AddItemToArray(list, s);
    }
    return root;
}

void sc_recorder_destroy(sc_recorder *r)
{
    if (r == NULL)
        return;
    if (r->started && !r->shutdown_done) {
        sc_recorder_shutdown(r);
        sc_recorder_run(r);
    }
    if (r->server != NULL)
        grpc_server_destroy(r->server);
    if (r->channel != NULL)
        grpc_channel_destroy(r->channel);
    grpc_completion_queue_shutdown(r->cq);
    while (grpc_completion_queue_next(r->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(r->cq);
    for (size_t i = 0; i < r->n_done; i++)
        sc_record_case_free(&r->done[i]);
    free(r->done);
    free(r->done_ids);
    free(r);
}
