#include "sc_server.h"
#include "sc_handler.h"
#include "sc_log.h"
#include "sc_md.h"
#include "sc_pb.h"
#include "sc_status.h"
#include "sc_time.h"

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_container.h"
#include "sc_fsm.h"

/* Calls requested from the core ahead of time per method: lets bursts of new calls (e.g. 200
 * subscribers at once) be accepted without waiting a loop turn for each. */
#define SC_REQUESTS_PER_METHOD 8
/* Longest the loop sleeps in the completion queue without a timer due: a safety net only;
 * shutdown and every call event wake it earlier. */
#define SC_LOOP_MAX_WAIT_MS 1000

typedef enum { TAG_REQUEST, TAG_RECV, TAG_SEND, TAG_STATUS, TAG_CLOSE, TAG_SHUTDOWN } tag_kind;

typedef struct {
    tag_kind kind;
} sc_tag;

/* One outstanding grpc_server_request_registered_call, or for SC_METHOD_UNKNOWN a
 * grpc_server_request_call (any path nobody registered). */
typedef struct {
    sc_tag tag;
    sc_method method;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_call_details details; /* SC_METHOD_UNKNOWN only */
    grpc_metadata_array md;
    bool pending;
} srv_request;

/* A server call's life: OPEN until the final status is decided, then ENDING (the status batch is
 * queued behind the sends) or ABORTED (cancelled with the status: a send was stuck behind a
 * stalled receiver); CLOSED once RECV_CLOSE_ON_SERVER completed, from any of them (a client
 * cancel or the deadline closes an OPEN call). */
#define SRV_CALL_STATES(X) X(SRV_, OPEN) X(SRV_, ENDING) X(SRV_, ABORTED) X(SRV_, CLOSED)
typedef enum { SRV_CALL_STATES(SC_FSM_ENUM) SRV_STATE_COUNT } srv_state;
static const char *const srv_state_names[] = {SRV_CALL_STATES(SC_FSM_NAME)};
static const uint32_t srv_legal[] = {
    [SRV_OPEN] = SC_FSM_TO(SRV_ENDING) | SC_FSM_TO(SRV_ABORTED) | SC_FSM_TO(SRV_CLOSED),
    [SRV_ENDING] = SC_FSM_TO(SRV_CLOSED),
    [SRV_ABORTED] = SC_FSM_TO(SRV_CLOSED),
    [SRV_CLOSED] = 0,
};
static const sc_fsm_def srv_fsm = {"call", srv_state_names, srv_legal, SRV_STATE_COUNT};

typedef struct srv_call {
    sc_tag tag_recv, tag_send, tag_status, tag_close;
    struct srv_call *next, *prev;
    uint64_t id;
    grpc_call *call;
    gpr_timespec deadline;
    sc_handler h;
    int pending; /* batches started and not yet completed */
    int state; /* srv_state, changed by set_state only */
    bool recv_busy, send_busy;
    bool send_is_message;
    int cancelled; /* filled in by RECV_CLOSE_ON_SERVER */
    grpc_byte_buffer *recv_buf;
    grpc_byte_buffer *send_buf;
    grpc_metadata *md_out; /* initial or trailing metadata of the batch in flight */
    size_t md_out_n;
    grpc_metadata *trail_out;
    size_t trail_out_n;
    grpc_slice status_details;
    bool has_status_details;
} srv_call;

struct sc_server {
    sc_server_config cfg;
    grpc_server *server;
    grpc_completion_queue *cq;
    void *method_handles[SC_METHOD_COUNT];
    /* One row per method, the last for unregistered paths. */
    srv_request requests[SC_METHOD_COUNT + 1][SC_REQUESTS_PER_METHOD];
    srv_call *calls; /* live calls, doubly linked */
    size_t n_calls;
    uint64_t next_call_id;
    sc_handler_env env;
    sc_tag shutdown_tag;
    atomic_int shutdown_requested;
    bool shutdown_seen; /* the loop has reacted to the request */
    bool shutdown_done; /* the core's shutdown notification arrived */
    bool started;
    int port;
};

static sc_clock clock_now(void)
{
    return (sc_clock){.mono_ms = sc_time_now_ms(), .wall_ns = sc_time_wall_ns()};
}

/* ---- event log ------------------------------------------------------------------------- */

static void log_event(sc_server *s, const srv_call *c, const char *event, cJSON *extra)
{
    if (s->cfg.verbose)
        sc_log(SC_LOG_INFO, "server", "call %llu %s %s", (unsigned long long)c->id,
               sc_method_name(c->h.method), event);
    sc_events_call call = {
        .id = c->id, .case_id = c->h.ctl.case_id, .method = sc_method_name(c->h.method)};
    sc_events_call_emit(s->cfg.events, sc_time_now_ms(), &call, event, extra);
}

static void log_call_start(sc_server *s, srv_call *c, const sc_md_list *md)
{
    if (!sc_events_enabled(s->cfg.events) && !s->cfg.verbose)
        return;
    char *peer = grpc_call_get_peer(c->call);
    cJSON *o = sc_events_call_start_fields(peer, md, sc_time_ms_until(c->deadline));
    gpr_free(peer);
    log_event(s, c, "call_start", o);
}

static void log_count(sc_server *s, srv_call *c, const char *event, int64_t count)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)count);
    log_event(s, c, event, o);
}

static void log_status(sc_server *s, srv_call *c, int code, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", sc_status_name(code));
    cJSON_AddStringToObject(o, "message", message);
    log_event(s, c, "status_sent", o);
}

static void set_state(srv_call *c, srv_state to)
{
    sc_fsm_set(&srv_fsm, c->id, &c->state, (int)to);
}

/* ---- starting batches ------------------------------------------------------------------ */

static bool start_batch(srv_call *c, const grpc_op *ops, size_t n, sc_tag *tag)
{
    grpc_call_error e = grpc_call_start_batch(c->call, ops, n, tag, NULL);
    if (e != GRPC_CALL_OK) {
        /* A bug of ours (ops out of order): end the call rather than wait for a tag that will
         * never come. */
        sc_log(SC_LOG_ERROR, "server", "call %llu: grpc_call_start_batch failed (%d)",
               (unsigned long long)c->id, (int)e);
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_INTERNAL, "server batch error", NULL);
        return false;
    }
    c->pending++;
    return true;
}

static void start_recv(srv_call *c)
{
    grpc_op op = {.op = GRPC_OP_RECV_MESSAGE};
    op.data.recv_message.recv_message = &c->recv_buf;
    c->tag_recv.kind = TAG_RECV;
    if (start_batch(c, &op, 1, &c->tag_recv))
        c->recv_busy = true;
}

static void start_close(srv_call *c)
{
    grpc_op op = {.op = GRPC_OP_RECV_CLOSE_ON_SERVER};
    op.data.recv_close_on_server.cancelled = &c->cancelled;
    c->tag_close.kind = TAG_CLOSE;
    start_batch(c, &op, 1, &c->tag_close);
}

static void start_headers(srv_call *c)
{
    c->md_out = sc_md_list_to_grpc(sc_handler_initial_metadata(&c->h), &c->md_out_n);
    grpc_op op = {.op = GRPC_OP_SEND_INITIAL_METADATA};
    op.data.send_initial_metadata.count = c->md_out_n;
    op.data.send_initial_metadata.metadata = c->md_out;
    c->tag_send.kind = TAG_SEND;
    c->send_is_message = false;
    if (start_batch(c, &op, 1, &c->tag_send))
        c->send_busy = true;
}

static void start_message(srv_call *c, ProtobufCMessage *msg)
{
    c->send_buf = sc_pb_pack(msg);
    protobuf_c_message_free_unpacked(msg, NULL);
    grpc_op op = {.op = GRPC_OP_SEND_MESSAGE};
    op.data.send_message.send_message = c->send_buf;
    c->tag_send.kind = TAG_SEND;
    c->send_is_message = true;
    if (start_batch(c, &op, 1, &c->tag_send))
        c->send_busy = true;
}

static void start_status(sc_server *s, srv_call *c, int code, const char *message)
{
    sc_md_list trailers = {0};
    if (sc_handler_trailing_metadata(&c->h, &trailers) != 0)
        sc_log(SC_LOG_WARN, "server", "call %llu: trailing metadata dropped (no memory)",
               (unsigned long long)c->id);
    c->trail_out = sc_md_list_to_grpc(&trailers, &c->trail_out_n);
    sc_md_list_free(&trailers);
    c->status_details = grpc_slice_from_copied_string(message);
    c->has_status_details = true;
    grpc_op ops[2];
    size_t n = 0;
    if (!c->h.headers_out) {
        /* The core needs initial metadata before (or with) the status; in one batch it goes out
         * as a trailers-only response. */
        ops[n] = (grpc_op){.op = GRPC_OP_SEND_INITIAL_METADATA};
        n++;
    }
    ops[n] = (grpc_op){.op = GRPC_OP_SEND_STATUS_FROM_SERVER};
    ops[n].data.send_status_from_server.status = (grpc_status_code)code;
    ops[n].data.send_status_from_server.status_details = &c->status_details;
    ops[n].data.send_status_from_server.trailing_metadata_count = c->trail_out_n;
    ops[n].data.send_status_from_server.trailing_metadata = c->trail_out;
    n++;
    c->tag_status.kind = TAG_STATUS;
    set_state(c, SRV_ENDING);
    if (start_batch(c, ops, n, &c->tag_status))
        log_status(s, c, code, message);
}

/* ---- the per-call pump: ask the handler what to do, do it ------------------------------- */

static void pump(sc_server *s, srv_call *c, sc_clock now)
{
    if (c->state != SRV_OPEN)
        return;
    int code;
    const char *message;
    if (sc_handler_take_abort(&c->h, &code, &message, now)) {
        /* A send is stuck behind a stalled receiver, so the status cannot queue behind it. */
        set_state(c, SRV_ABORTED);
        grpc_call_cancel_with_status(c->call, (grpc_status_code)code, message, NULL);
        log_status(s, c, code, message);
        return;
    }
    if (!c->recv_busy && sc_handler_wants_recv(&c->h))
        start_recv(c);
    if (c->send_busy)
        return;
    sc_out out = sc_handler_next_output(&c->h, now);
    switch (out.kind) {
    case SC_OUT_HEADERS:
        start_headers(c);
        break;
    case SC_OUT_MESSAGE:
        start_message(c, out.message);
        break;
    case SC_OUT_STATUS:
        start_status(s, c, out.code, out.status_message);
        break;
    case SC_OUT_NONE:
        break;
    }
}

/* Chat deliveries touch other calls: pump every member that got something, until none did. */
static void pump_chat_members(sc_server *s, sc_clock now)
{
    bool again = true;
    while (again) {
        again = false;
        for (srv_call *c = s->calls; c != NULL; c = c->next) {
            if (c->h.method != SC_METHOD_CHAT || !c->h.member.dirty)
                continue;
            c->h.member.dirty = false;
            pump(s, c, now);
            again = true;
        }
    }
}

/* ---- call lifetime --------------------------------------------------------------------- */

static void free_call_if_done(sc_server *s, srv_call *c)
{
    if (c->state != SRV_CLOSED || c->pending > 0)
        return;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->calls = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->n_calls--;
    log_event(s, c, "call_end", NULL);
    sc_handler_free(&c->h, clock_now());
    grpc_call_unref(c->call);
    free(c);
}

static void request_call(sc_server *s, srv_request *r)
{
    grpc_metadata_array_init(&r->md);
    r->call = NULL;
    r->tag.kind = TAG_REQUEST;
    grpc_call_error e;
    if (r->method == SC_METHOD_UNKNOWN) {
        grpc_call_details_init(&r->details);
        e = grpc_server_request_call(s->server, &r->call, &r->details, &r->md, s->cq, s->cq,
                                     &r->tag);
    } else {
        e = grpc_server_request_registered_call(s->server, s->method_handles[r->method], &r->call,
                                                &r->deadline, &r->md, NULL, s->cq, s->cq, &r->tag);
    }
    r->pending = (e == GRPC_CALL_OK);
    if (e != GRPC_CALL_OK) {
        sc_log(SC_LOG_ERROR, "server", "requesting a call failed (%d)", (int)e);
        grpc_metadata_array_destroy(&r->md);
        if (r->method == SC_METHOD_UNKNOWN)
            grpc_call_details_destroy(&r->details);
    }
}

static void accept_call(sc_server *s, srv_request *r)
{
    srv_call *c = calloc(1, sizeof *c);
    sc_md_list md = {0};
    if (c == NULL || sc_md_list_add_array(&md, &r->md) != 0) {
        sc_log(SC_LOG_ERROR, "server", "out of memory accepting a call");
        grpc_call_cancel_with_status(r->call, GRPC_STATUS_RESOURCE_EXHAUSTED,
                                     "server out of memory", NULL);
        grpc_call_unref(r->call);
        free(c);
        sc_md_list_free(&md);
        return;
    }
    c->id = ++s->next_call_id;
    c->call = r->call;
    if (r->method == SC_METHOD_UNKNOWN) {
        c->deadline = r->details.deadline;
        char *path = grpc_slice_to_c_string(r->details.method);
        sc_handler_init_unknown(&c->h, &s->env, path);
        gpr_free(path);
    } else {
        c->deadline = r->deadline;
        sc_handler_init(&c->h, r->method, &s->env, &md, clock_now());
    }
    c->next = s->calls;
    if (s->calls != NULL)
        s->calls->prev = c;
    s->calls = c;
    s->n_calls++;
    log_call_start(s, c, &md);
    sc_md_list_free(&md);
    start_close(c);
    if (s->shutdown_seen)
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_UNAVAILABLE, "server shutting down",
                                     NULL);
    pump(s, c, clock_now());
    if (c->h.method == SC_METHOD_CHAT)
        pump_chat_members(s, clock_now());
}

/* ---- completions ----------------------------------------------------------------------- */

static void on_request_done(sc_server *s, srv_request *r, bool ok)
{
    r->pending = false;
    if (ok)
        accept_call(s, r);
    grpc_metadata_array_destroy(&r->md);
    if (r->method == SC_METHOD_UNKNOWN)
        grpc_call_details_destroy(&r->details);
    if (!atomic_load(&s->shutdown_requested))
        request_call(s, r);
}

static void on_recv_done(sc_server *s, srv_call *c, bool ok)
{
    sc_clock now = clock_now();
    c->recv_busy = false;
    if (!ok) {
        /* The call is going away; RECV_CLOSE_ON_SERVER reports how. */
    } else if (c->recv_buf == NULL) {
        log_event(s, c, "half_close", NULL);
        sc_handler_on_half_close(&c->h, now);
    } else {
        ProtobufCMessage *msg = sc_pb_unpack(sc_method_request_desc(c->h.method), c->recv_buf);
        int64_t before = c->h.received;
        if (msg != NULL) {
            sc_handler_on_message(&c->h, msg, now);
            protobuf_c_message_free_unpacked(msg, NULL);
        } else {
            sc_handler_on_malformed(&c->h, now);
        }
        if (c->h.received > before)
            log_count(s, c, "message_received", c->h.received);
    }
    if (c->recv_buf != NULL)
        grpc_byte_buffer_destroy(c->recv_buf);
    c->recv_buf = NULL;
}

static void on_send_done(sc_server *s, srv_call *c, bool ok)
{
    c->send_busy = false;
    if (c->send_buf != NULL)
        grpc_byte_buffer_destroy(c->send_buf);
    c->send_buf = NULL;
    sc_md_grpc_free(c->md_out, c->md_out_n);
    c->md_out = NULL;
    c->md_out_n = 0;
    sc_handler_on_sent(&c->h, ok, clock_now());
    if (ok && c->send_is_message)
        log_count(s, c, "message_sent", c->h.sent);
}

static void on_status_done(srv_call *c)
{
    sc_md_grpc_free(c->trail_out, c->trail_out_n);
    c->trail_out = NULL;
    c->trail_out_n = 0;
    if (c->has_status_details)
        grpc_slice_unref(c->status_details);
    c->has_status_details = false;
}

static void on_close_done(sc_server *s, srv_call *c)
{
    bool aborted = c->state == SRV_ABORTED;
    set_state(c, SRV_CLOSED);
    sc_handler_on_closed(&c->h, clock_now());
    /* `cancelled` is also set when we ended the call ourselves with cancel_with_status. */
    if (c->cancelled && !aborted && !s->shutdown_seen) {
        log_event(s, c, sc_events_cut_off_event(sc_time_ms_until(c->deadline)), NULL);
    } else if (c->cancelled && s->shutdown_seen && !aborted) {
        log_event(s, c, "cancelled", NULL);
    }
}

static void dispatch(sc_server *s, sc_tag *tag, bool ok)
{
    srv_call *c = NULL;
    switch (tag->kind) {
    case TAG_SHUTDOWN:
        s->shutdown_done = true;
        return;
    case TAG_REQUEST:
        on_request_done(s, SC_CONTAINER_OF(tag, srv_request, tag), ok);
        return;
    case TAG_RECV:
        c = SC_CONTAINER_OF(tag, srv_call, tag_recv);
        on_recv_done(s, c, ok);
        break;
    case TAG_SEND:
        c = SC_CONTAINER_OF(tag, srv_call, tag_send);
        on_send_done(s, c, ok);
        break;
    case TAG_STATUS:
        c = SC_CONTAINER_OF(tag, srv_call, tag_status);
        on_status_done(c);
        break;
    case TAG_CLOSE:
        c = SC_CONTAINER_OF(tag, srv_call, tag_close);
        on_close_done(s, c);
        break;
    }
    c->pending--;
    sc_clock now = clock_now();
    pump(s, c, now);
    if (c->h.method == SC_METHOD_CHAT)
        pump_chat_members(s, now);
    free_call_if_done(s, c);
}

/* ---- timers and the loop --------------------------------------------------------------- */

/* Pump every call whose wake time has come; return the earliest wake time still ahead, or -1. */
static int64_t fire_timers(sc_server *s)
{
    sc_clock now = clock_now();
    int64_t next = -1;
    bool chat = false;
    for (srv_call *c = s->calls; c != NULL; c = c->next) {
        int64_t w = sc_handler_wake_at(&c->h);
        if (w >= 0 && w <= now.mono_ms) {
            pump(s, c, now);
            chat |= c->h.method == SC_METHOD_CHAT;
            w = sc_handler_wake_at(&c->h);
        }
        if (w >= 0 && (next < 0 || w < next))
            next = w;
    }
    if (chat)
        pump_chat_members(s, now);
    return next;
}

static void react_to_shutdown(sc_server *s)
{
    s->shutdown_seen = true;
    for (srv_call *c = s->calls; c != NULL; c = c->next)
        if (c->state != SRV_CLOSED)
            grpc_call_cancel_with_status(c->call, GRPC_STATUS_UNAVAILABLE, "server shutting down",
                                         NULL);
}

static bool requests_pending(const sc_server *s)
{
    for (int m = 0; m <= SC_METHOD_COUNT; m++)
        for (int i = 0; i < SC_REQUESTS_PER_METHOD; i++)
            if (s->requests[m][i].pending)
                return true;
    return false;
}

int sc_server_run(sc_server *s)
{
    for (;;) {
        if (atomic_load(&s->shutdown_requested) && !s->shutdown_seen)
            react_to_shutdown(s);
        if (s->shutdown_done && s->calls == NULL && !requests_pending(s))
            break;
        int64_t next = fire_timers(s);
        int64_t now = sc_time_now_ms();
        int64_t wait = SC_LOOP_MAX_WAIT_MS;
        if (next >= 0 && next - now < wait)
            wait = next - now > 0 ? next - now : 0;
        grpc_event ev = grpc_completion_queue_next(s->cq, sc_time_deadline_in_ms(wait), NULL);
        if (ev.type == GRPC_OP_COMPLETE)
            dispatch(s, (sc_tag *)ev.tag, ev.success != 0);
        else if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
    }
    return 0;
}

void sc_server_shutdown(sc_server *s)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&s->shutdown_requested, &expected, 1))
        grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
}

/* ---- create / destroy ------------------------------------------------------------------ */

static uint64_t seed_from_clock(void)
{
    uint64_t x = (uint64_t)sc_time_wall_ns() ^ 0x9E3779B97F4A7C15ULL;
    return x ? x : 1;
}

sc_server *sc_server_create(const sc_server_config *cfg, char *err, size_t errlen)
{
    sc_server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->cfg.listen = NULL; /* only used here */
    s->env.tick_ms = cfg->tick_ms;
    s->env.max_upload_bytes = cfg->max_upload_bytes;
    s->env.rng = cfg->seed ? cfg->seed : seed_from_clock();
    s->shutdown_tag.kind = TAG_SHUTDOWN;
    atomic_init(&s->shutdown_requested, 0);

    grpc_arg args[2];
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = (int)cfg->max_receive_bytes;
    /* Two servers on one port would make tests lie about which one answered. */
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = (char *)GRPC_ARG_ALLOW_REUSEPORT;
    args[1].value.integer = 0;
    grpc_channel_args chargs = {.num_args = 2, .args = args};

    s->cq = grpc_completion_queue_create_for_next(NULL);
    s->server = grpc_server_create(&chargs, NULL);
    grpc_server_register_completion_queue(s->server, s->cq, NULL);
    for (int m = 0; m < SC_METHOD_COUNT; m++)
        s->method_handles[m] = grpc_server_register_method(s->server, sc_method_path((sc_method)m),
                                                           NULL, GRPC_SRM_PAYLOAD_NONE, 0);
    grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
    s->port = grpc_server_add_http2_port(s->server, cfg->listen, creds);
    grpc_server_credentials_release(creds);
    if (s->port == 0) {
        snprintf(err, errlen, "cannot listen on %s (address in use or invalid)", cfg->listen);
        sc_server_destroy(s);
        return NULL;
    }
    grpc_server_start(s->server);
    s->started = true;
    for (int m = 0; m <= SC_METHOD_COUNT; m++) {
        for (int i = 0; i < SC_REQUESTS_PER_METHOD; i++) {
            s->requests[m][i].method = (sc_method)m;
            request_call(s, &s->requests[m][i]);
        }
    }
    return s;
}

int sc_server_port(const sc_server *s)
{
    return s->port;
}

void sc_server_destroy(sc_server *s)
{
    if (s == NULL)
        return;
    if (s->started && !s->shutdown_done) {
        sc_server_shutdown(s);
        sc_server_run(s);
    }
    if (s->server != NULL)
        grpc_server_destroy(s->server);
    grpc_completion_queue_shutdown(s->cq);
    while (grpc_completion_queue_next(s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(s->cq);
    sc_case_calls_free(&s->env.case_calls);
    free(s);
}
