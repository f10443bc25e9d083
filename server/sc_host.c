#include "sc_host.h"
#include "sc_host_internal.h"
#include "sc_builtin.h"
#include "sc_host_compress.h"
#include "sc_md_grpc.h"
#include "sc_fsm.h"
#include "sc_log.h"
#include "sc_status.h"
#include "sc_time.h"

#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const hc_state_names[] = {HOST_CALL_STATES(SC_FSM_NAME)};
static const uint32_t hc_legal[] = {
    [HC_OPEN] = SC_FSM_TO(HC_ENDING) | SC_FSM_TO(HC_ABORTED) | SC_FSM_TO(HC_CLOSED),
    [HC_ENDING] = SC_FSM_TO(HC_CLOSED),
    [HC_ABORTED] = SC_FSM_TO(HC_CLOSED),
    [HC_CLOSED] = 0,
};
static const sc_fsm_def hc_fsm = {"call", hc_state_names, hc_legal, HC_STATE_COUNT};

static void set_state(sc_host_call *c, hc_state to)
{
    sc_fsm_set(&hc_fsm, c->id, &c->state, (int)to);
}

/* ---- event log ------------------------------------------------------------------------- */

static void log_event(const sc_host_call *c, sc_event event, cJSON *extra)
{
    const sc_host *h = c->host;
    const char *method = sc_method_name(c->method); /* "unknown" for any other path */
    if (sc_host_builtin_call(c)) {
        cJSON_Delete(extra);
        return;
    }
    if (h->cfg.verbose)
        sc_log(SC_LOG_INFO, h->cfg.name, "call %llu %s %s", (unsigned long long)c->id,
               c->method == SC_METHOD_UNKNOWN ? c->path : method, sc_event_name(event));
    if (!sc_events_enabled(h->cfg.events)) {
        cJSON_Delete(extra);
        return;
    }
    const char *case_id = h->cfg.proto->case_id != NULL ? h->cfg.proto->case_id(c->obj) : NULL;
    sc_events_call call = {.id = c->id, .case_id = case_id, .method = method};
    sc_events_call_emit(h->cfg.events, sc_time_now_ms(), &call, event, extra);
}

/* Does a call event go anywhere (the event log, or --verbose)? Builtin calls log nothing. */
static bool logging(const sc_host_call *c)
{
    return (sc_events_enabled(c->host->cfg.events) || c->host->cfg.verbose) &&
           !sc_host_builtin_call(c);
}

static void log_status(const sc_host_call *c, int code, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", sc_status_name(code));
    cJSON_AddStringToObject(o, "message", message);
    log_event(c, SC_EVENT_STATUS_SENT, o);
}

static void log_call_start(const sc_host_call *c, const sc_md_list *md)
{
    if (!sc_events_enabled(c->host->cfg.events) && !c->host->cfg.verbose)
        return;
    char *peer = grpc_call_get_peer(c->call);
    cJSON *o = sc_events_call_start_fields(peer, md, sc_time_ms_until(c->deadline));
    gpr_free(peer);
    if (o != NULL) /* issue 14: what the core took out of the metadata */
        cJSON_AddStringToObject(o, "encoding",
                                sc_encoding_name(sc_host_compress_incoming(c->call)));
    log_event(c, SC_EVENT_CALL_START, o);
}

/* ---- batches --------------------------------------------------------------------------- */

static bool start_batch(sc_host_call *c, const grpc_op *ops, size_t n, sc_loop_tag *tag)
{
    grpc_call_error e = sc_loop_start_batch(c->host->loop, c->call, ops, n, tag);
    if (e != GRPC_CALL_OK) {
        /* A bug of ours (ops out of order): end the call rather than wait for a tag that will
         * never come. */
        sc_log(SC_LOG_ERROR, c->host->cfg.name, "call %llu: grpc_call_start_batch failed (%d)",
               (unsigned long long)c->id, (int)e);
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_INTERNAL, "server batch error", NULL);
        return false;
    }
    c->pending++;
    return true;
}

static void start_recv(sc_host_call *c)
{
    grpc_op op = {.op = GRPC_OP_RECV_MESSAGE};
    op.data.recv_message.recv_message = &c->recv_buf;
    if (start_batch(c, &op, 1, &c->t_recv))
        c->recv_busy = true;
    else
        c->recv_over = true;
}

static void start_close(sc_host_call *c)
{
    grpc_op op = {.op = GRPC_OP_RECV_CLOSE_ON_SERVER};
    op.data.recv_close_on_server.cancelled = &c->cancelled;
    start_batch(c, &op, 1, &c->t_close);
}

/* The initial-metadata op of a send, with `md` (NULL: none) converted into c->md_out. */
static grpc_op initial_metadata_op(sc_host_call *c, const sc_md_list *md)
{
    grpc_op op = {.op = GRPC_OP_SEND_INITIAL_METADATA};
    if (md != NULL) {
        c->md_out = sc_md_list_to_grpc(md, &c->md_out_n);
        op.data.send_initial_metadata.count = c->md_out_n;
        op.data.send_initial_metadata.metadata = c->md_out;
        c->send_enc = sc_host_compress_requested(c->md_out, c->md_out_n);
    }
    c->headers_out = true;
    return op;
}

static void start_headers(sc_host_call *c, const sc_host_out *out)
{
    grpc_op op = initial_metadata_op(c, out->headers);
    c->send_is_message = false;
    if (start_batch(c, &op, 1, &c->t_send))
        c->send_busy = true;
}

static void start_message(sc_host_call *c, const sc_host_out *out)
{
    grpc_op ops[2];
    size_t n = 0;
    /* Initial metadata in the batch completes only once written: with the hint nothing would
     * write them, so a batch carrying them never takes it. */
    bool hint = out->buffer_hint && c->headers_out;
    if (!c->headers_out)
        ops[n++] = initial_metadata_op(c, out->headers);
    c->send_buf = out->message;
    ops[n] = (grpc_op){.op = GRPC_OP_SEND_MESSAGE,
                       .flags = (out->no_compress ? GRPC_WRITE_NO_COMPRESS : 0u) |
                                (hint ? GRPC_WRITE_BUFFER_HINT : 0u)};
    ops[n++].data.send_message.send_message = c->send_buf;
    c->send_plain = out->no_compress;
    c->send_is_message = true;
    if (start_batch(c, ops, n, &c->t_send))
        c->send_busy = true;
}

static void start_status(sc_host_call *c, const sc_host_out *out)
{
    const char *msg = out->status_message != NULL ? out->status_message : "";
    size_t len = out->status_len > 0 ? out->status_len : strlen(msg);
    if (out->trailers != NULL)
        c->trail_out = sc_md_list_to_grpc(out->trailers, &c->trail_out_n);
    c->status_details = grpc_slice_from_copied_buffer(msg, len);
    c->has_status_details = true;
    grpc_op ops[2];
    size_t n = 0;
    if (!c->headers_out) /* trailers-only: empty initial metadata in the same batch */
        ops[n++] = (grpc_op){.op = GRPC_OP_SEND_INITIAL_METADATA};
    c->headers_out = true;
    ops[n] = (grpc_op){.op = GRPC_OP_SEND_STATUS_FROM_SERVER};
    ops[n].data.send_status_from_server.status = (grpc_status_code)out->code;
    ops[n].data.send_status_from_server.status_details = &c->status_details;
    ops[n].data.send_status_from_server.trailing_metadata_count = c->trail_out_n;
    ops[n].data.send_status_from_server.trailing_metadata = c->trail_out;
    n++;
    set_state(c, HC_ENDING);
    if (start_batch(c, ops, n, &c->t_status))
        log_status(c, out->code, msg);
}

/* ---- the per-call pump: ask the object what to do, do it -------------------------------- */

static void rearm_wake(sc_host_call *c)
{
    const sc_host_proto *p = c->host->cfg.proto;
    int64_t at = c->state == HC_OPEN && p->wake_at != NULL ? p->wake_at(c->obj) : -1;
    if (at < 0)
        sc_loop_timer_disarm(c->host->loop, &c->wake);
    else if (!sc_loop_timer_armed(&c->wake) || c->wake.due_ms != at)
        sc_loop_timer_arm(c->host->loop, &c->wake, at);
}

/* The object ends the call now (a send stuck behind a stalled receiver): cancel with its status. */
static bool abort_if_asked(sc_host_call *c, int64_t now)
{
    const sc_host_proto *p = c->host->cfg.proto;
    int code;
    const char *message;
    if (p->take_abort == NULL || !p->take_abort(c->obj, now, &code, &message))
        return false;
    set_state(c, HC_ABORTED);
    grpc_call_cancel_with_status(c->call, (grpc_status_code)code, message, NULL);
    log_status(c, code, message);
    return true;
}

static void pump(sc_host_call *c, int64_t now)
{
    const sc_host_proto *p = c->host->cfg.proto;
    if (c->state != HC_OPEN || abort_if_asked(c, now)) {
        rearm_wake(c);
        return;
    }
    bool recv = !c->recv_busy && !c->recv_over && (p->wants_recv == NULL || p->wants_recv(c->obj));
    sc_host_out out = {.kind = SC_HOST_OUT_NONE};
    if (!c->send_busy)
        out = p->next_output(c->obj, now);
    /* The receive goes second: re-arming it makes the core write a stream WINDOW_UPDATE at once
     * (C core 1.51), which would otherwise go out before a reply and wake the client for it
     * alone. Before a status it stays first, as it always was. */
    if (recv && out.kind == SC_HOST_OUT_STATUS)
        start_recv(c);
    switch (out.kind) {
    case SC_HOST_OUT_HEADERS:
        start_headers(c, &out);
        break;
    case SC_HOST_OUT_MESSAGE:
        start_message(c, &out);
        break;
    case SC_HOST_OUT_STATUS:
        start_status(c, &out);
        break;
    case SC_HOST_OUT_NONE:
        break;
    }
    if (recv && out.kind != SC_HOST_OUT_STATUS)
        start_recv(c);
    rearm_wake(c);
}

/* ---- call lifetime --------------------------------------------------------------------- */

static void free_call_if_done(sc_host_call *c)
{
    sc_host *h = c->host;
    const sc_host_proto *p = h->cfg.proto;
    if (c->state != HC_CLOSED || c->pending > 0 || c->ready || (p->busy != NULL && p->busy(c->obj)))
        return;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        h->calls = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    sc_loop_timer_disarm(h->loop, &c->wake);
    log_event(c, SC_EVENT_CALL_END, NULL);
    p->release(c->obj, sc_time_now_ms());
    grpc_call_unref(c->call);
    free(c->path);
    free(c);
}

/* Pump every kicked call (pumping may kick others: until none is left), all at `now`: one
 * clock read for the whole drain, which takes microseconds. */
static void drain_ready_at(sc_host *h, int64_t now)
{
    while (h->ready != NULL) {
        sc_host_call *c = h->ready;
        h->ready = c->ready_next;
        c->ready = false;
        c->ready_next = NULL;
        pump(c, now);
        free_call_if_done(c);
    }
}

void sc_host_drain_ready(sc_host *h)
{
    if (h->ready != NULL)
        drain_ready_at(h, sc_time_now_ms());
}

static void on_drain_check(sc_loop_check *check)
{
    sc_host_drain_ready(SC_CONTAINER_OF(check, sc_host, drain));
}

void sc_host_call_kick(sc_host_call *hc)
{
    if (hc->ready)
        return;
    hc->ready = true;
    hc->ready_next = hc->host->ready;
    hc->host->ready = hc;
}

/* After any event of `c` (at `now`): pump it, then whatever it kicked, freeing each that is over
 * (`c` may be gone on return). */
static void after_event(sc_host_call *c, int64_t now)
{
    sc_host_call_kick(c); /* first in line: the ready list is LIFO */
    drain_ready_at(c->host, now);
}

static void on_request_done(sc_loop_tag *tag, bool ok);

static void request_call(sc_host *h, host_request *r)
{
    grpc_completion_queue *cq = sc_loop_cq(h->loop);
    grpc_metadata_array_init(&r->md);
    r->call = NULL;
    r->tag.done = on_request_done;
    grpc_call_error e;
    if (r->method == SC_METHOD_UNKNOWN) {
        grpc_call_details_init(&r->details);
        e = grpc_server_request_call(h->server, &r->call, &r->details, &r->md, cq, cq, &r->tag);
    } else {
        e = grpc_server_request_registered_call(h->server, h->method_handles[r->method], &r->call,
                                                &r->deadline, &r->md, NULL, cq, cq, &r->tag);
    }
    r->pending = (e == GRPC_CALL_OK);
    if (r->pending) {
        sc_loop_expect(h->loop);
        h->requests_pending++;
        return;
    }
    sc_log(SC_LOG_ERROR, h->cfg.name, "requesting a call failed (%d)", (int)e);
    grpc_metadata_array_destroy(&r->md);
    if (r->method == SC_METHOD_UNKNOWN)
        grpc_call_details_destroy(&r->details);
}

static void on_recv_done(sc_loop_tag *tag, bool ok);
static void on_send_done(sc_loop_tag *tag, bool ok);
static void on_status_done(sc_loop_tag *tag, bool ok);
static void on_close_done(sc_loop_tag *tag, bool ok);
static void on_wake(sc_loop_timer *t);

static sc_host_call *new_call(sc_host *h, host_request *r)
{
    sc_host_call *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->host = h;
    c->id = ++h->next_call_id;
    c->call = r->call;
    c->method = r->method;
    c->t_recv.done = on_recv_done;
    c->t_send.done = on_send_done;
    c->t_status.done = on_status_done;
    c->t_close.done = on_close_done;
    c->wake.fire = on_wake;
    if (r->method == SC_METHOD_UNKNOWN) {
        c->deadline = r->details.deadline;
        char *path = grpc_slice_to_c_string(r->details.method);
        c->path = strdup(path);
        gpr_free(path);
        /* the catch-all alone also serves DataService paths (the recorder) */
        if (c->path != NULL && !h->cfg.register_methods && !sc_method_parse(c->path, &c->method))
            c->method = SC_METHOD_UNKNOWN;
        if (c->path != NULL && c->path[0] != '/')
            c->method = SC_METHOD_UNKNOWN;
    } else {
        c->deadline = r->deadline;
        c->path = strdup(sc_method_path(r->method));
    }
    if (c->path == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

/* A call we cannot take: more metadata entries than SC_MD_MAX_ENTRIES (md_rc SC_MD_FULL), or no
 * memory. */
static void reject_call(sc_host *h, grpc_call *call, int md_rc)
{
    char why[96];
    if (md_rc == SC_MD_FULL) {
        snprintf(why, sizeof why, "more than %d metadata entries", SC_MD_MAX_ENTRIES);
        sc_log(SC_LOG_WARN, h->cfg.name, "call refused: %s", why);
    } else {
        snprintf(why, sizeof why, "server out of memory");
        sc_log(SC_LOG_ERROR, h->cfg.name, "out of memory accepting a call");
    }
    grpc_call_cancel_with_status(call, GRPC_STATUS_RESOURCE_EXHAUSTED, why, NULL);
    grpc_call_unref(call);
}

/* Calls accepted once the forced stage of a shutdown began end at once. */
static bool refuse_new_calls(const sc_host *h)
{
    return h->shutdown_seen && (h->cfg.shutdown_grace_ms <= 0 || h->forced);
}

static void accept_call(sc_host *h, host_request *r)
{
    sc_md_list md = {0};
    int md_rc = -1;
    sc_host_call *c = new_call(h, r);
    if (c == NULL || (md_rc = sc_md_grpc_add_array(&md, &r->md)) != 0)
        goto fail;
    sc_host_call_info info = {
        .id = c->id, .method = c->method, .path = c->path, .md = &md, .deadline = c->deadline};
    int64_t now = sc_time_now_ms();
    c->obj = h->cfg.proto->open(h->cfg.proto_ctx, c, &info, now);
    if (c->obj == NULL) {
        md_rc = -1;
        goto fail;
    }
    c->next = h->calls;
    if (h->calls != NULL)
        h->calls->prev = c;
    h->calls = c;
    log_call_start(c, &md);
    sc_md_list_free(&md);
    start_close(c);
    if (refuse_new_calls(h)) {
        c->shutdown_cancelled = true;
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_UNAVAILABLE, "server shutting down",
                                     NULL);
    }
    after_event(c, now);
    return;
fail:
    sc_md_list_free(&md);
    if (c != NULL) {
        free(c->path);
        free(c);
    }
    reject_call(h, r->call, md_rc);
}

/* ---- completions ----------------------------------------------------------------------- */

static void on_request_done(sc_loop_tag *tag, bool ok)
{
    host_request *r = SC_CONTAINER_OF(tag, host_request, tag);
    sc_host *h = r->host;
    r->pending = false;
    h->requests_pending--;
    if (ok)
        accept_call(h, r);
    grpc_metadata_array_destroy(&r->md);
    if (r->method == SC_METHOD_UNKNOWN)
        grpc_call_details_destroy(&r->details);
    if (!atomic_load(&h->shutdown_requested))
        request_call(h, r);
}

/* The compressed flag without a grpc-encoding (gRPC doc/compression.md: INTERNAL). C core 1.51
 * passes such a message on as it is; the host ends the call the way the spec says. */
static bool refuse_unencoded(sc_host_call *c, grpc_byte_buffer *msg)
{
    static const char why[] = "compressed flag set without grpc-encoding";
    if (!sc_host_compress_flag_without_encoding(c->call))
        return false;
    grpc_byte_buffer_destroy(msg);
    c->recv_over = true;
    set_state(c, HC_ABORTED);
    grpc_call_cancel_with_status(c->call, GRPC_STATUS_INTERNAL, why, NULL);
    log_status(c, GRPC_STATUS_INTERNAL, why);
    return true;
}

static void deliver_message(sc_host_call *c, int64_t now)
{
    const sc_host_proto *p = c->host->cfg.proto;
    grpc_byte_buffer *msg = c->recv_buf;
    c->recv_buf = NULL;
    if (p->on_message == NULL) {
        grpc_byte_buffer_destroy(msg);
        return;
    }
    if (refuse_unencoded(c, msg))
        return;
    bool compressed = sc_host_compress_last_compressed(c->call);
    int64_t counted = p->on_message(c->obj, msg, now);
    if (counted <= c->received)
        return;
    c->received = counted;
    if (!logging(c))
        return; /* no event to build (a --log-requests request is freed with the call) */
    cJSON *extra = p->message_fields != NULL ? p->message_fields(c->obj) : NULL;
    log_event(c, SC_EVENT_MESSAGE_RECEIVED, sc_host_compress_count(extra, counted, compressed));
}

static void deliver_half_close(sc_host_call *c, int64_t now)
{
    const sc_host_proto *p = c->host->cfg.proto;
    c->recv_over = true;
    /* Once our status went out the core ends a pending read the same way: that is not the
     * client's half-close unless the host is told to report it anyway. */
    if (c->state != HC_OPEN && !c->host->cfg.report_late_half_close)
        return;
    log_event(c, SC_EVENT_HALF_CLOSE, NULL);
    if (p->on_half_close != NULL)
        p->on_half_close(c->obj, now);
}

static void on_recv_done(sc_loop_tag *tag, bool ok)
{
    sc_host_call *c = SC_CONTAINER_OF(tag, sc_host_call, t_recv);
    int64_t now = sc_time_now_ms();
    c->pending--;
    c->recv_busy = false;
    if (!ok) {
        c->recv_over = true; /* the call is going away; RECV_CLOSE_ON_SERVER says how */
        if (c->recv_buf != NULL)
            grpc_byte_buffer_destroy(c->recv_buf);
        c->recv_buf = NULL;
    } else if (c->recv_buf == NULL) {
        deliver_half_close(c, now);
    } else {
        deliver_message(c, now);
    }
    after_event(c, now);
}

static void on_send_done(sc_loop_tag *tag, bool ok)
{
    sc_host_call *c = SC_CONTAINER_OF(tag, sc_host_call, t_send);
    const sc_host_proto *p = c->host->cfg.proto;
    c->pending--;
    c->send_busy = false;
    if (c->send_buf != NULL)
        grpc_byte_buffer_destroy(c->send_buf);
    c->send_buf = NULL;
    sc_md_grpc_free(c->md_out, c->md_out_n);
    c->md_out = NULL;
    c->md_out_n = 0;
    int64_t now = sc_time_now_ms();
    if (p->on_sent != NULL)
        p->on_sent(c->obj, ok, now);
    if (ok && c->send_is_message)
        c->sent++;
    if (ok && c->send_is_message && logging(c))
        log_event(c, SC_EVENT_MESSAGE_SENT,
                  sc_host_compress_count(NULL, c->sent,
                                         c->send_enc != SC_ENC_IDENTITY && !c->send_plain));
    after_event(c, now);
}

static void on_status_done(sc_loop_tag *tag, bool ok)
{
    (void)ok;
    sc_host_call *c = SC_CONTAINER_OF(tag, sc_host_call, t_status);
    c->pending--;
    sc_md_grpc_free(c->trail_out, c->trail_out_n);
    c->trail_out = NULL;
    c->trail_out_n = 0;
    if (c->has_status_details)
        grpc_slice_unref(c->status_details);
    c->has_status_details = false;
    after_event(c, sc_time_now_ms());
}

static void on_close_done(sc_loop_tag *tag, bool ok)
{
    (void)ok;
    sc_host_call *c = SC_CONTAINER_OF(tag, sc_host_call, t_close);
    sc_host *h = c->host;
    c->pending--;
    bool aborted = c->state == HC_ABORTED;
    set_state(c, HC_CLOSED);
    sc_host_close how = {.cancelled = c->cancelled != 0,
                         .by_shutdown = c->shutdown_cancelled,
                         .deadline_left_ms = sc_time_ms_until(c->deadline)};
    int64_t now = sc_time_now_ms();
    if (h->cfg.proto->on_closed != NULL)
        h->cfg.proto->on_closed(c->obj, &how, now);
    /* `cancelled` is also set when we ended the call ourselves with cancel_with_status. */
    if (c->cancelled && !aborted)
        log_event(c,
                  h->shutdown_seen ? SC_EVENT_CANCELLED
                                   : sc_events_cut_off_event(how.deadline_left_ms),
                  NULL);
    after_event(c, now);
}

static void on_wake(sc_loop_timer *t)
{
    after_event(SC_CONTAINER_OF(t, sc_host_call, wake), sc_time_now_ms());
}

/* ---- create / destroy ------------------------------------------------------------------ */

static grpc_server *create_server(const sc_host_config *cfg)
{
    grpc_arg args[2 + SC_HOST_LIFECYCLE_MAX_ARGS];
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = (int)cfg->max_receive_bytes;
    /* Two servers on one port would make tests lie about which one answered. */
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = (char *)GRPC_ARG_ALLOW_REUSEPORT;
    args[1].value.integer = 0;
    size_t n = 2 + sc_host_lifecycle_args(cfg->lifecycle, args + 2);
    grpc_channel_args chargs = {.num_args = n, .args = args};
    return grpc_server_create(&chargs, NULL);
}

static void request_all(sc_host *h)
{
    int first = h->cfg.register_methods ? 0 : SC_METHOD_UNKNOWN;
    int per_row =
        h->cfg.register_methods ? SC_HOST_REQUESTS_PER_METHOD : SC_HOST_REQUESTS_CATCH_ALL;
    for (int m = first; m < HOST_ROWS; m++) {
        for (int i = 0; i < per_row; i++) {
            host_request *r = &h->requests[m][i];
            r->host = h;
            r->method = (sc_method)m;
            request_call(h, r);
        }
    }
}

sc_host *sc_host_create(const sc_host_config *cfg, char *err, size_t errlen)
{
    sc_host *h = calloc(1, sizeof *h);
    if (h == NULL)
        goto oom;
    h->cfg = *cfg;
    h->cfg.listen = NULL; /* borrowed during create only */
    h->cfg.tls = NULL;
    if (cfg->builtin_services && (h->builtin = sc_builtin_wrap(&h->cfg)) == NULL)
        goto oom;
    h->shutdown_tag.done = sc_host_on_shutdown_done;
    h->drain.run = on_drain_check;
    h->grace.fire = sc_host_on_grace_over;
    atomic_init(&h->shutdown_requested, 0);
    h->loop = sc_loop_create(cfg->tick_ms);
    if (h->loop == NULL)
        goto oom;
    sc_loop_check_start(h->loop, &h->drain);
    sc_loop_set_wake_handler(h->loop, sc_host_on_wake, h);
    h->server = create_server(cfg);
    grpc_server_register_completion_queue(h->server, sc_loop_cq(h->loop), NULL);
    for (int m = 0; cfg->register_methods && m < SC_METHOD_COUNT; m++)
        h->method_handles[m] = grpc_server_register_method(h->server, sc_method_path((sc_method)m),
                                                           NULL, GRPC_SRM_PAYLOAD_NONE, 0);
    grpc_server_credentials *creds = sc_host_tls_credentials(cfg->tls, err, errlen);
    if (creds == NULL) {
        sc_host_destroy(h);
        return NULL;
    }
    h->port = grpc_server_add_http2_port(h->server, cfg->listen, creds);
    grpc_server_credentials_release(creds);
    if (h->port == 0) {
        snprintf(err, errlen, "cannot listen on %s (address in use or invalid)", cfg->listen);
        sc_host_destroy(h);
        return NULL;
    }
    grpc_server_start(h->server);
    h->started = true;
    request_all(h);
    return h;
oom:
    if (h != NULL)
        sc_builtin_free(h->builtin);
    free(h);
    snprintf(err, errlen, "out of memory");
    return NULL;
}

int sc_host_port(const sc_host *h)
{
    return h->port;
}

sc_loop *sc_host_loop(sc_host *h)
{
    return h->loop;
}

void sc_host_destroy(sc_host *h)
{
    if (h == NULL)
        return;
    if (h->started && !h->shutdown_done) {
        sc_host_shutdown(h);
        sc_host_run(h);
    }
    if (h->server != NULL)
        grpc_server_destroy(h->server);
    sc_loop_check_stop(h->loop, &h->drain);
    sc_loop_timer_disarm(h->loop, &h->grace);
    sc_loop_destroy(h->loop);
    sc_builtin_free(h->builtin);
    free(h);
}

grpc_call *sc_host_call_grpc(sc_host_call *hc)
{
    return hc->call;
}

bool sc_host_call_status_queued(const sc_host_call *hc)
{
    return hc->state == HC_ENDING || hc->state == HC_ABORTED;
}

bool sc_host_call_closed(const sc_host_call *hc)
{
    return hc->state == HC_CLOSED;
}

uint64_t sc_host_call_id(const sc_host_call *hc)
{
    return hc->id;
}
