#include "sc_script_server.h"
#include "sc_log.h"
#include "sc_md.h"
#include "sc_pb.h"
#include "sc_script_player.h"
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
#include "sc_end_state.h"

/* Calls requested from the core ahead of time per method (as the reference server). */
#define SS_REQUESTS_PER_METHOD 8
/* Longest the loop sleeps without a timer due: a safety net; every event wakes it earlier. */
#define SS_LOOP_MAX_WAIT_MS 1000
/* Longest x-sc-case kept (as the reference server's control text). */
#define SS_MAX_CASE 4096
/* Largest request message accepted: the client peers' own default limit. */
#define SS_MAX_RECEIVE (4 * 1024 * 1024)

typedef enum { TAG_REQUEST, TAG_RECV, TAG_SEND, TAG_STATUS, TAG_CLOSE, TAG_SHUTDOWN } tag_kind;

typedef struct {
    tag_kind kind;
} ss_tag;

/* One outstanding request for a new call: registered per method, or any other path. */
typedef struct {
    ss_tag tag;
    sc_method method;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_call_details details; /* SC_METHOD_UNKNOWN only */
    grpc_metadata_array md;
    bool pending;
} ss_request;

/* A scripted call's life: sc_end_state (OPEN, ENDING, DONE, CUT). */
static const sc_fsm_def ss_fsm = {"script", sc_end_state_names, sc_end_state_legal,
                                  SC_END_STATE_COUNT};

typedef struct ss_call {
    ss_tag tag_recv, tag_send, tag_status, tag_close;
    struct ss_call *next, *prev;
    uint64_t id;
    grpc_call *call;
    gpr_timespec deadline;
    sc_method method;
    char *path;    /* owned; the path of an SC_METHOD_UNKNOWN call, else NULL */
    char *case_id; /* owned; NULL without x-sc-case */
    sc_script_player player;
    int pending; /* batches started and not yet completed */
    int state; /* sc_end_state, changed by set_state only */
    bool recv_busy, recv_over, send_busy, send_is_message;
    bool half_closed;
    int cancelled; /* filled in by RECV_CLOSE_ON_SERVER */
    int64_t received, sent;
    grpc_byte_buffer *recv_buf, *send_buf;
    grpc_metadata *md_out; /* initial or trailing metadata of the batch in flight */
    size_t md_out_n;
    grpc_slice status_details;
    bool has_status_details;
} ss_call;

struct sc_script_server {
    sc_script_server_config cfg;
    grpc_server *server;
    grpc_completion_queue *cq;
    void *method_handles[SC_METHOD_COUNT];
    ss_request requests[SC_METHOD_COUNT + 1][SS_REQUESTS_PER_METHOD];
    ss_call *calls;
    uint64_t next_call_id;
    ss_tag shutdown_tag;
    atomic_int shutdown_requested;
    bool shutdown_seen, shutdown_done, started;
    int port;
    size_t *played; /* match_by_method: per method, entries taken so far */
    /* match_by_method: per path outside DataService, entries taken so far (indexed by the
     * path's first book entry) */
    size_t *played_path;
};

/* ---- event log ------------------------------------------------------------------------- */

static void log_event(sc_script_server *s, const ss_call *c, const char *event, cJSON *extra)
{
    if (s->cfg.verbose)
        sc_log(SC_LOG_INFO, "script-server", "call %llu %s %s", (unsigned long long)c->id,
               c->path != NULL ? c->path : sc_method_name(c->method), event);
    /* "unknown" for any other path, as the reference server's log */
    sc_events_call call = {.id = c->id, .case_id = c->case_id, .method = sc_method_name(c->method)};
    sc_events_call_emit(s->cfg.events, sc_time_now_ms(), &call, event, extra);
}

static void log_count(sc_script_server *s, const ss_call *c, const char *event, int64_t count)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)count);
    log_event(s, c, event, o);
}

static void set_state(ss_call *c, sc_end_state to)
{
    sc_fsm_set(&ss_fsm, c->id, &c->state, (int)to);
}

/* ---- batches --------------------------------------------------------------------------- */

static bool start_batch(ss_call *c, const grpc_op *ops, size_t n, ss_tag *tag, tag_kind kind)
{
    tag->kind = kind;
    grpc_call_error e = grpc_call_start_batch(c->call, ops, n, tag, NULL);
    if (e != GRPC_CALL_OK) {
        sc_log(SC_LOG_ERROR, "script-server", "call %llu: grpc_call_start_batch failed (%d)",
               (unsigned long long)c->id, (int)e);
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_INTERNAL, "server batch error", NULL);
        return false;
    }
    c->pending++;
    return true;
}

static void start_close(ss_call *c)
{
    grpc_op op = {.op = GRPC_OP_RECV_CLOSE_ON_SERVER};
    op.data.recv_close_on_server.cancelled = &c->cancelled;
    start_batch(c, &op, 1, &c->tag_close, TAG_CLOSE);
}

static void start_recv(ss_call *c)
{
    grpc_op op = {.op = GRPC_OP_RECV_MESSAGE};
    op.data.recv_message.recv_message = &c->recv_buf;
    if (start_batch(c, &op, 1, &c->tag_recv, TAG_RECV))
        c->recv_busy = true;
    else
        c->recv_over = true;
}

static void start_headers(ss_call *c)
{
    c->md_out = sc_md_list_to_grpc(sc_script_player_headers(&c->player), &c->md_out_n);
    grpc_op op = {.op = GRPC_OP_SEND_INITIAL_METADATA};
    op.data.send_initial_metadata.count = c->md_out_n;
    op.data.send_initial_metadata.metadata = c->md_out;
    c->send_is_message = false;
    if (start_batch(c, &op, 1, &c->tag_send, TAG_SEND))
        c->send_busy = true;
}

static void start_message(ss_call *c, const sc_play_out *out)
{
    if (out->message != NULL) {
        c->send_buf = sc_pb_pack(out->message);
    } else {
        /* a raw response: the bytes as recorded */
        grpc_slice bytes = grpc_slice_from_copied_buffer((const char *)out->raw, out->raw_len);
        c->send_buf = grpc_raw_byte_buffer_create(&bytes, 1);
        grpc_slice_unref(bytes);
    }
    grpc_op op = {.op = GRPC_OP_SEND_MESSAGE};
    op.data.send_message.send_message = c->send_buf;
    c->send_is_message = true;
    if (start_batch(c, &op, 1, &c->tag_send, TAG_SEND))
        c->send_busy = true;
}

static void start_status(sc_script_server *s, ss_call *c, int code, const char *message)
{
    c->md_out = sc_md_list_to_grpc(sc_script_player_trailers(&c->player), &c->md_out_n);
    c->status_details = grpc_slice_from_copied_string(message);
    c->has_status_details = true;
    grpc_op ops[2];
    size_t n = 0;
    if (!c->player.headers_out) /* trailers-only: initial metadata in the same batch */
        ops[n++] = (grpc_op){.op = GRPC_OP_SEND_INITIAL_METADATA};
    ops[n] = (grpc_op){.op = GRPC_OP_SEND_STATUS_FROM_SERVER};
    ops[n].data.send_status_from_server.status = (grpc_status_code)code;
    ops[n].data.send_status_from_server.status_details = &c->status_details;
    ops[n].data.send_status_from_server.trailing_metadata_count = c->md_out_n;
    ops[n].data.send_status_from_server.trailing_metadata = c->md_out;
    n++;
    set_state(c, SC_END_ENDING);
    if (start_batch(c, ops, n, &c->tag_status, TAG_STATUS)) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "code", sc_status_name(code));
        cJSON_AddStringToObject(o, "message", message);
        log_event(s, c, "status_sent", o);
    }
}

/* ---- the per-call pump ----------------------------------------------------------------- */

static void pump(sc_script_server *s, ss_call *c, int64_t now)
{
    if (c->state != SC_END_OPEN)
        return;
    /* Keep reading the client's messages while the script plays (they are counted, not judged;
     * a call on another path is read only when it plays a script). */
    if (!c->recv_busy && !c->recv_over &&
        (c->method != SC_METHOD_UNKNOWN || c->player.script != NULL))
        start_recv(c);
    if (c->send_busy)
        return;
    sc_play_out out = sc_script_player_next(&c->player, now);
    switch (out.kind) {
    case SC_PLAY_HEADERS:
        start_headers(c);
        break;
    case SC_PLAY_MESSAGE:
        start_message(c, &out);
        break;
    case SC_PLAY_STATUS:
        start_status(s, c, out.code, out.status_message);
        break;
    case SC_PLAY_NONE:
        break;
    }
}

/* ---- call lifetime --------------------------------------------------------------------- */

static void free_call_if_done(sc_script_server *s, ss_call *c)
{
    if (!sc_end_closed(c->state) || c->pending > 0)
        return;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->calls = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    log_event(s, c, "call_end", NULL);
    const sc_script_observer *ob = s->cfg.observer;
    if (ob != NULL && ob->on_end != NULL)
        ob->on_end(ob->ctx, c->id, c->received, c->half_closed, c->cancelled != 0);
    grpc_call_unref(c->call);
    free(c->case_id);
    free(c->path);
    free(c);
}

static void request_call(sc_script_server *s, ss_request *r)
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
        sc_log(SC_LOG_ERROR, "script-server", "requesting a call failed (%d)", (int)e);
        grpc_metadata_array_destroy(&r->md);
        if (r->method == SC_METHOD_UNKNOWN)
            grpc_call_details_destroy(&r->details);
    }
}

/* Replay mode: the book entry the call plays (the method's next, cycling), or -1 when the book
 * has none for the method. The call's case id becomes the entry's. */
static long next_by_method(sc_script_server *s, ss_call *c)
{
    const sc_script_book *b = s->cfg.book;
    size_t n = 0;
    for (size_t i = 0; i < b->count; i++)
        n += b->items[i].path == NULL && b->items[i].script.method == c->method;
    if (n == 0)
        return -1;
    size_t want = s->played[c->method]++ % n;
    for (size_t i = 0; i < b->count; i++) {
        if (b->items[i].path != NULL || b->items[i].script.method != c->method || want-- > 0)
            continue;
        free(c->case_id);
        c->case_id = strdup(b->items[i].case_id);
        return (long)i;
    }
    return -1;
}

/* Replay mode, a call on a path outside DataService: the book entry recorded on that path the
 * call plays (the path's next, cycling), or -1 when there is none. */
static long next_by_path(sc_script_server *s, ss_call *c)
{
    const sc_script_book *b = s->cfg.book;
    size_t n = 0, first = 0;
    for (size_t i = b->count; i > 0; i--) {
        if (b->items[i - 1].path != NULL && strcmp(b->items[i - 1].path, c->path) == 0) {
            n++;
            first = i - 1;
        }
    }
    if (n == 0)
        return -1;
    size_t want = s->played_path[first]++ % n;
    for (size_t i = first; i < b->count; i++) {
        if (b->items[i].path == NULL || strcmp(b->items[i].path, c->path) != 0 || want-- > 0)
            continue;
        free(c->case_id);
        c->case_id = strdup(b->items[i].case_id);
        return (long)i;
    }
    return -1;
}

/* Which script the call plays, or why none. */
static void choose_script(sc_script_server *s, ss_call *c)
{
    char msg[SC_SCRIPT_PLAYER_MESSAGE_MAX];
    const sc_script_observer *ob = s->cfg.observer;
    if (c->method == SC_METHOD_UNKNOWN) {
        long entry = s->cfg.match_by_method && c->path != NULL ? next_by_path(s, c) : -1;
        if (entry >= 0) {
            if (ob != NULL && ob->on_start != NULL)
                ob->on_start(ob->ctx, c->id, entry);
            sc_script_player_init_speed(&c->player, &s->cfg.book->items[entry].script,
                                        sc_time_now_ms(), s->cfg.speed);
            return;
        }
        snprintf(msg, sizeof msg, "unknown method %s", c->path != NULL ? c->path : "");
        sc_script_player_init_fail(&c->player, SC_STATUS_UNIMPLEMENTED, msg);
        return;
    }
    const sc_script *script = NULL;
    long entry = -1;
    if (s->cfg.match_by_method)
        entry = next_by_method(s, c);
    else
        script = sc_script_book_find(s->cfg.book, c->case_id, c->method);
    if (entry >= 0)
        script = &s->cfg.book->items[entry].script;
    if (ob != NULL && ob->on_start != NULL)
        ob->on_start(ob->ctx, c->id, entry);
    if (script != NULL) {
        sc_script_player_init_speed(&c->player, script, sc_time_now_ms(), s->cfg.speed);
        return;
    }
    if (s->cfg.match_by_method) {
        snprintf(msg, sizeof msg, "no recorded call of %s", sc_method_name(c->method));
        sc_script_player_init_fail(&c->player, SC_STATUS_FAILED_PRECONDITION, msg);
        return;
    }
    if (c->case_id != NULL)
        snprintf(msg, sizeof msg, "no script for case %.*s", SS_MAX_CASE, c->case_id);
    else
        snprintf(msg, sizeof msg, "no script for this call: no x-sc-case metadata");
    sc_script_player_init_fail(&c->player, SC_STATUS_FAILED_PRECONDITION, msg);
}

static void accept_call(sc_script_server *s, ss_request *r)
{
    ss_call *c = calloc(1, sizeof *c);
    sc_md_list md = {0};
    if (c == NULL || sc_md_list_add_array(&md, &r->md) != 0) {
        sc_log(SC_LOG_ERROR, "script-server", "out of memory accepting a call");
        grpc_call_cancel_with_status(r->call, GRPC_STATUS_RESOURCE_EXHAUSTED,
                                     "server out of memory", NULL);
        grpc_call_unref(r->call);
        free(c);
        sc_md_list_free(&md);
        return;
    }
    c->id = ++s->next_call_id;
    c->call = r->call;
    c->method = r->method;
    c->deadline = r->method == SC_METHOD_UNKNOWN ? r->details.deadline : r->deadline;
    if (r->method == SC_METHOD_UNKNOWN) {
        char *path = grpc_slice_to_c_string(r->details.method);
        c->path = strdup(path);
        gpr_free(path);
    }
    const sc_md_entry *id = sc_md_list_find(&md, "x-sc-case");
    if (id != NULL && c->method != SC_METHOD_UNKNOWN)
        c->case_id = strndup((const char *)id->value,
                             id->value_len < SS_MAX_CASE ? id->value_len : SS_MAX_CASE);
    choose_script(s, c);
    c->next = s->calls;
    if (s->calls != NULL)
        s->calls->prev = c;
    s->calls = c;
    if (sc_events_enabled(s->cfg.events) || s->cfg.verbose) {
        char *peer = grpc_call_get_peer(c->call);
        log_event(s, c, "call_start",
                  sc_events_call_start_fields(peer, &md, sc_time_ms_until(c->deadline)));
        gpr_free(peer);
    }
    sc_md_list_free(&md);
    start_close(c);
    if (s->shutdown_seen)
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_UNAVAILABLE, "server shutting down",
                                     NULL);
    pump(s, c, sc_time_now_ms());
}

/* ---- completions ----------------------------------------------------------------------- */

static void on_request_done(sc_script_server *s, ss_request *r, bool ok)
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

static void on_recv_done(sc_script_server *s, ss_call *c, bool ok)
{
    c->recv_busy = false;
    if (!ok) {
        c->recv_over = true; /* the call is going away; RECV_CLOSE_ON_SERVER says how */
    } else if (c->recv_buf == NULL) {
        c->recv_over = true;
        /* Once our status went out the core ends a pending read the same way: that is not the
         * client's half-close (replay judges whether the client half-closed). */
        if (!sc_end_status_queued(c->state)) {
            c->half_closed = true;
            log_event(s, c, "half_close", NULL);
        }
    } else {
        const sc_script_observer *ob = s->cfg.observer;
        if (ob != NULL && ob->on_message != NULL) {
            size_t len = 0;
            unsigned char *data = sc_pb_buffer_flatten(c->recv_buf, &len);
            if (data != NULL)
                ob->on_message(ob->ctx, c->id, c->received, data, len);
            free(data);
        }
        c->received++;
        log_count(s, c, "message_received", c->received);
        grpc_byte_buffer_destroy(c->recv_buf);
        c->recv_buf = NULL;
    }
}

static void on_send_done(sc_script_server *s, ss_call *c, bool ok)
{
    c->send_busy = false;
    if (c->send_buf != NULL)
        grpc_byte_buffer_destroy(c->send_buf);
    c->send_buf = NULL;
    sc_md_grpc_free(c->md_out, c->md_out_n);
    c->md_out = NULL;
    c->md_out_n = 0;
    sc_script_player_on_sent(&c->player, ok, sc_time_now_ms());
    if (ok && c->send_is_message)
        log_count(s, c, "message_sent", ++c->sent);
}

static void on_status_done(ss_call *c)
{
    sc_md_grpc_free(c->md_out, c->md_out_n);
    c->md_out = NULL;
    c->md_out_n = 0;
    if (c->has_status_details)
        grpc_slice_unref(c->status_details);
    c->has_status_details = false;
}

static void on_close_done(sc_script_server *s, ss_call *c)
{
    set_state(c, sc_end_on_close(c->state));
    sc_script_player_on_closed(&c->player);
    if (!c->cancelled)
        return;
    if (s->shutdown_seen)
        log_event(s, c, "cancelled", NULL);
    else
        log_event(s, c, sc_events_cut_off_event(sc_time_ms_until(c->deadline)), NULL);
}

static void dispatch(sc_script_server *s, ss_tag *tag, bool ok)
{
    ss_call *c = NULL;
    switch (tag->kind) {
    case TAG_SHUTDOWN:
        s->shutdown_done = true;
        return;
    case TAG_REQUEST:
        on_request_done(s, SC_CONTAINER_OF(tag, ss_request, tag), ok);
        return;
    case TAG_RECV:
        c = SC_CONTAINER_OF(tag, ss_call, tag_recv);
        on_recv_done(s, c, ok);
        break;
    case TAG_SEND:
        c = SC_CONTAINER_OF(tag, ss_call, tag_send);
        on_send_done(s, c, ok);
        break;
    case TAG_STATUS:
        c = SC_CONTAINER_OF(tag, ss_call, tag_status);
        on_status_done(c);
        break;
    case TAG_CLOSE:
        c = SC_CONTAINER_OF(tag, ss_call, tag_close);
        on_close_done(s, c);
        break;
    }
    c->pending--;
    pump(s, c, sc_time_now_ms());
    free_call_if_done(s, c);
}

/* ---- timers and the loop --------------------------------------------------------------- */

/* Pump every call whose wake time has come; return the earliest wake time ahead, or -1. */
static int64_t fire_timers(sc_script_server *s)
{
    int64_t now = sc_time_now_ms();
    int64_t next = -1;
    for (ss_call *c = s->calls; c != NULL; c = c->next) {
        int64_t w = sc_script_player_wake_at(&c->player);
        if (w >= 0 && w <= now) {
            pump(s, c, now);
            w = sc_script_player_wake_at(&c->player);
        }
        if (w >= 0 && (next < 0 || w < next))
            next = w;
    }
    return next;
}

static bool requests_pending(const sc_script_server *s)
{
    for (int m = 0; m <= SC_METHOD_COUNT; m++)
        for (int i = 0; i < SS_REQUESTS_PER_METHOD; i++)
            if (s->requests[m][i].pending)
                return true;
    return false;
}

int sc_script_server_run(sc_script_server *s)
{
    for (;;) {
        if (atomic_load(&s->shutdown_requested) && !s->shutdown_seen) {
            s->shutdown_seen = true;
            for (ss_call *c = s->calls; c != NULL; c = c->next)
                if (!sc_end_closed(c->state))
                    grpc_call_cancel_with_status(c->call, GRPC_STATUS_UNAVAILABLE,
                                                 "server shutting down", NULL);
        }
        if (s->shutdown_done && s->calls == NULL && !requests_pending(s))
            break;
        int64_t next = fire_timers(s);
        int64_t now = sc_time_now_ms();
        int64_t wait = SS_LOOP_MAX_WAIT_MS;
        if (next >= 0 && next - now < wait)
            wait = next - now > 0 ? next - now : 0;
        grpc_event ev = grpc_completion_queue_next(s->cq, sc_time_deadline_in_ms(wait), NULL);
        if (ev.type == GRPC_OP_COMPLETE)
            dispatch(s, (ss_tag *)ev.tag, ev.success != 0);
        else if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
    }
    return 0;
}

void sc_script_server_shutdown(sc_script_server *s)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&s->shutdown_requested, &expected, 1))
        grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
}

/* ---- create / destroy ------------------------------------------------------------------ */

sc_script_server *sc_script_server_create(const sc_script_server_config *cfg, char *err,
                                          size_t errlen)
{
    sc_script_server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->cfg.listen = NULL;
    s->shutdown_tag.kind = TAG_SHUTDOWN;
    s->played = calloc(SC_METHOD_COUNT + 1, sizeof *s->played);
    s->played_path = calloc(cfg->book->count > 0 ? cfg->book->count : 1, sizeof *s->played_path);
    if (s->played == NULL || s->played_path == NULL) {
        free(s->played);
        free(s->played_path);
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    atomic_init(&s->shutdown_requested, 0);

    grpc_arg args[2];
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = SS_MAX_RECEIVE;
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
        sc_script_server_destroy(s);
        return NULL;
    }
    grpc_server_start(s->server);
    s->started = true;
    for (int m = 0; m <= SC_METHOD_COUNT; m++) {
        for (int i = 0; i < SS_REQUESTS_PER_METHOD; i++) {
            s->requests[m][i].method = (sc_method)m;
            request_call(s, &s->requests[m][i]);
        }
    }
    return s;
}

int sc_script_server_port(const sc_script_server *s)
{
    return s->port;
}

void sc_script_server_destroy(sc_script_server *s)
{
    if (s == NULL)
        return;
    if (s->started && !s->shutdown_done) {
        sc_script_server_shutdown(s);
        sc_script_server_run(s);
    }
    if (s->server != NULL)
        grpc_server_destroy(s->server);
    grpc_completion_queue_shutdown(s->cq);
    while (grpc_completion_queue_next(s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(s->cq);
    free(s->played);
    free(s->played_path);
    free(s);
}
