/* sc_record: the recording proxy (see sc_record.h), a protocol object on server/sc_host.
 *
 * Per call, two C core calls: the server call (the client's, hosted by sc_host, which serves
 * every path as a generic call) and the upstream call `uc` on the host's loop (a child of the
 * client's: deadline and cancellation propagate). What to do next in each direction is
 * sc_relay's decision (pure logic, server/sc_relay.h); this file performs it and records what
 * passed (sc_record_case). */
#include "sc_log.h"
#include "sc_md.h"
#include "sc_md_grpc.h"
#include "sc_pb.h"
#include "sc_record.h"
#include "sc_host.h"
#include "sc_relay.h"
#include "sc_status.h"
#include "sc_time.h"

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_container.h"

/* Longest the loop sleeps: a safety net for the shutdown check; events wake it earlier. */
#define RC_LOOP_MAX_WAIT_MS 200
/* Messages either way: as large as the peers accept (the clients' own default limit). */
#define RC_MAX_MESSAGE (4 * 1024 * 1024)
/* At shutdown, live calls get this long to end on their own (a client that just cancelled, or
 * whose deadline just passed, has its end on the way) before the proxy cancels them. */
#define RC_SHUTDOWN_GRACE_MS 2000
/* A cut-off call ended within this of its deadline counts as deadline exceeded (sc_events). */
#define RC_DEADLINE_SLACK_MS 50

typedef struct rc_call {
    sc_loop_tag t_u_send, t_u_rim, t_u_recv, t_u_status;
    struct sc_recorder *r;
    sc_host_call *hc; /* borrowed from the host until release */
    uint64_t id;
    int64_t start_ms;
    gpr_timespec deadline;
    grpc_call *uc;
    int u_pending; /* upstream batches started and not completed */
    sc_relay relay;
    sc_record_case rec;
    int64_t received;
    /* client -> upstream */
    grpc_byte_buffer *up_buf; /* the client message held or in flight upstream */
    grpc_metadata *u_md;      /* initial metadata to the upstream (until its batch completed) */
    size_t u_md_n;
    /* upstream -> client */
    grpc_metadata_array u_rim;
    grpc_byte_buffer *u_recv_buf, *down_buf; /* read target; the message held for the client */
    bool sending_message;                    /* the client send in flight is a message */
    sc_md_list down_headers, down_trailers;  /* forwarded copies of the upstream's */
    /* status */
    grpc_metadata_array u_trailers;
    grpc_status_code u_code;
    grpc_slice u_details;
    bool u_status_done;
    bool cut_by_shutdown; /* the proxy cancelled it before its status went out: not recorded */
} rc_call;

struct sc_recorder {
    sc_recorder_config cfg;
    sc_host *host;
    grpc_channel *channel;
    int64_t finished;
    /* finished calls, by id order of completion; sorted by id when written */
    sc_record_case *done;
    uint64_t *done_ids;
    size_t n_done, cap_done;
};

/* ---- helpers ---------------------------------------------------------------------------- */

static bool u_start(rc_call *c, const grpc_op *ops, size_t n, sc_loop_tag *tag)
{
    grpc_call_error e = sc_loop_start_batch(sc_host_loop(c->r->host), c->uc, ops, n, tag);
    if (e != GRPC_CALL_OK) {
        sc_log(SC_LOG_ERROR, "record", "call %llu: grpc_call_start_batch failed (%d)",
               (unsigned long long)c->id, (int)e);
        return false;
    }
    c->u_pending++;
    return true;
}

/* Append the entries of `in` the other side may carry (reserved keys dropped) to `out`. */
static void forward_list(const sc_md_list *in, sc_md_list *out)
{
    for (size_t i = 0; i < in->count; i++)
        if (!sc_record_key_reserved(in->items[i].key))
            sc_md_list_add(out, in->items[i].key, in->items[i].value, in->items[i].value_len);
}

static void forward_array(const grpc_metadata_array *arr, sc_md_list *out)
{
    sc_md_list all = {0};
    sc_md_grpc_add_array(&all, arr);
    forward_list(&all, out);
    sc_md_list_free(&all);
}

/* The recording keeps its own copy of metadata (a list over the limit keeps its first entries). */
static void record_md_from_list(sc_md_list *out, const sc_md_list *in)
{
    for (size_t i = 0; i < in->count; i++)
        sc_md_list_add(out, in->items[i].key, in->items[i].value, in->items[i].value_len);
}

static void record_md_from_array(sc_md_list *out, const grpc_metadata_array *arr)
{
    sc_md_grpc_add_array(out, arr);
}

static int64_t since_start(const rc_call *c)
{
    return sc_time_now_ms() - c->start_ms;
}

static void drop(grpc_byte_buffer **bb)
{
    if (*bb != NULL)
        grpc_byte_buffer_destroy(*bb);
    *bb = NULL;
}

/* ---- client -> upstream ----------------------------------------------------------------- */

/* Forward what the relay says is due (a message, then the half-close), one batch at a time. */
static void pump_up(rc_call *c)
{
    sc_relay_up_action a = sc_relay_next_up(&c->relay);
    bool ok = true;
    if (a == SC_RELAY_UP_SEND_MESSAGE) {
        grpc_op op = {.op = GRPC_OP_SEND_MESSAGE};
        op.data.send_message.send_message = c->up_buf;
        ok = u_start(c, &op, 1, &c->t_u_send);
        if (!ok)
            drop(&c->up_buf);
    } else if (a == SC_RELAY_UP_SEND_CLOSE) {
        grpc_op op = {.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT};
        ok = u_start(c, &op, 1, &c->t_u_send);
    }
    if (a != SC_RELAY_UP_NONE)
        sc_relay_on_up_started(&c->relay, a, ok);
}

static void on_u_send(sc_loop_tag *tag, bool ok)
{
    rc_call *c = SC_CONTAINER_OF(tag, rc_call, t_u_send);
    c->u_pending--;
    drop(&c->up_buf);
    sc_md_grpc_free(c->u_md, c->u_md_n);
    c->u_md = NULL;
    c->u_md_n = 0;
    sc_relay_on_up_sent(&c->relay, ok);
    pump_up(c);
    sc_host_call_kick(c->hc); /* a client read may be due */
}

/* ---- upstream -> client ----------------------------------------------------------------- */

static void start_u_recv(rc_call *c)
{
    grpc_op op = {.op = GRPC_OP_RECV_MESSAGE};
    op.data.recv_message.recv_message = &c->u_recv_buf;
    if (!u_start(c, &op, 1, &c->t_u_recv))
        sc_relay_on_down_refused(&c->relay, SC_RELAY_DOWN_READ_UPSTREAM);
}

/* Run the relay's downward actions that need no send to the client (reads, drops); return the
 * first one that does, or NONE. */
static sc_relay_down_action run_down(rc_call *c)
{
    for (;;) {
        sc_relay_down_action a = sc_relay_next_down(&c->relay);
        if (a == SC_RELAY_DOWN_READ_UPSTREAM)
            start_u_recv(c);
        else if (a == SC_RELAY_DOWN_DROP)
            drop(&c->down_buf);
        else
            return a;
    }
}

/* Something changed for the downward direction: the host pumps the call (next_output); once the
 * client is gone the host no longer asks, so the upstream is read to its end from here. */
static void pump_down(rc_call *c)
{
    if (c->relay.client_gone)
        run_down(c);
    sc_host_call_kick(c->hc);
}

static void on_u_rim(sc_loop_tag *tag, bool ok)
{
    rc_call *c = SC_CONTAINER_OF(tag, rc_call, t_u_rim);
    c->u_pending--;
    if (ok) {
        c->rec.has_headers = true;
        c->rec.headers_ms = since_start(c);
        record_md_from_array(&c->rec.headers, &c->u_rim);
        forward_array(&c->u_rim, &c->down_headers);
    }
    sc_relay_on_rim(&c->relay, ok, c->u_rim.count > 0);
    pump_down(c);
}

static void on_u_recv(sc_loop_tag *tag, bool ok)
{
    rc_call *c = SC_CONTAINER_OF(tag, rc_call, t_u_recv);
    c->u_pending--;
    bool message = ok && c->u_recv_buf != NULL;
    if (message) {
        size_t len = 0;
        unsigned char *data = sc_pb_buffer_flatten(c->u_recv_buf, &len);
        if (data != NULL)
            sc_record_case_add(&c->rec, false, data, len, since_start(c));
        free(data);
        c->down_buf = c->u_recv_buf;
        c->u_recv_buf = NULL;
    }
    sc_relay_on_up_read(&c->relay, message);
    pump_down(c);
}

static void on_u_status(sc_loop_tag *tag, bool ok)
{
    (void)ok;
    rc_call *c = SC_CONTAINER_OF(tag, rc_call, t_u_status);
    c->u_pending--;
    c->u_status_done = true;
    c->rec.status_ms = since_start(c);
    c->rec.status_code = (int)c->u_code;
    c->rec.status_message = grpc_slice_to_c_string(c->u_details);
    record_md_from_array(&c->rec.trailers, &c->u_trailers);
    forward_array(&c->u_trailers, &c->down_trailers);
    /* The upstream's copy of the client's deadline (propagated) can fire a moment before the
     * client's own: the call still ended by the client's deadline, and is recorded so, whichever
     * side noticed first. */
    if (c->rec.end == SC_RECORD_END_STATUS && c->u_code == GRPC_STATUS_DEADLINE_EXCEEDED &&
        sc_time_ms_until(c->deadline) <= RC_DEADLINE_SLACK_MS) {
        c->rec.end = SC_RECORD_END_DEADLINE;
        c->rec.end_ms = c->rec.status_ms;
    }
    sc_relay_on_up_status(&c->relay);
    pump_down(c);
}

/* ---- call lifetime ---------------------------------------------------------------------- */

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

/* The upstream call, a child of the client's (its deadline, its cancellation), with its status,
 * initial metadata and first receive started. */
static void start_upstream(sc_recorder *r, rc_call *c, const sc_host_call_info *info)
{
    grpc_slice method = grpc_slice_from_copied_string(info->path);
    c->uc = grpc_channel_create_call(r->channel, sc_host_call_grpc(c->hc), GRPC_PROPAGATE_DEFAULTS,
                                     sc_loop_cq(sc_host_loop(r->host)), method, NULL, c->deadline,
                                     NULL);
    grpc_slice_unref(method);

    grpc_op st = {.op = GRPC_OP_RECV_STATUS_ON_CLIENT};
    st.data.recv_status_on_client.trailing_metadata = &c->u_trailers;
    st.data.recv_status_on_client.status = &c->u_code;
    st.data.recv_status_on_client.status_details = &c->u_details;
    bool status_started = u_start(c, &st, 1, &c->t_u_status);

    sc_md_list fwd = {0};
    forward_list(info->md, &fwd);
    c->u_md = sc_md_list_to_grpc(&fwd, &c->u_md_n);
    sc_md_list_free(&fwd);
    grpc_op im = {.op = GRPC_OP_SEND_INITIAL_METADATA};
    im.data.send_initial_metadata.count = c->u_md_n;
    im.data.send_initial_metadata.metadata = c->u_md;
    sc_relay_init(&c->relay, c->id, u_start(c, &im, 1, &c->t_u_send));

    grpc_op rim = {.op = GRPC_OP_RECV_INITIAL_METADATA};
    rim.data.recv_initial_metadata.recv_initial_metadata = &c->u_rim;
    if (!u_start(c, &rim, 1, &c->t_u_rim))
        sc_relay_on_rim(&c->relay, false, false);
    if (!status_started) {
        c->u_code = GRPC_STATUS_INTERNAL;
        c->u_status_done = true;
        sc_relay_on_up_status(&c->relay);
    }
}

static void *rc_open(void *ctx, sc_host_call *hc, const sc_host_call_info *info, int64_t now)
{
    sc_recorder *r = ctx;
    rc_call *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->r = r;
    c->hc = hc;
    c->id = info->id;
    c->start_ms = now;
    c->deadline = info->deadline;
    c->t_u_send.done = on_u_send;
    c->t_u_rim.done = on_u_rim;
    c->t_u_recv.done = on_u_recv;
    c->t_u_status.done = on_u_status;
    c->rec.path = strdup(info->path);
    if (c->rec.path == NULL) {
        free(c);
        return NULL;
    }
    c->rec.method = info->method;
    int64_t left = sc_time_ms_until(c->deadline);
    c->rec.timeout_ms = left == INT64_MAX ? -1 : left < 1 ? 1 : left;
    record_md_from_list(&c->rec.client_md, info->md);
    grpc_metadata_array_init(&c->u_rim);
    grpc_metadata_array_init(&c->u_trailers);
    c->u_details = grpc_empty_slice();
    start_upstream(r, c, info);
    return c;
}

static int64_t rc_on_message(void *obj, grpc_byte_buffer *msg, int64_t now)
{
    rc_call *c = obj;
    size_t len = 0;
    unsigned char *data = sc_pb_buffer_flatten(msg, &len);
    if (data != NULL)
        sc_record_case_add(&c->rec, true, data, len, now - c->start_ms);
    free(data);
    c->up_buf = msg;
    sc_relay_on_client_message(&c->relay);
    pump_up(c);
    return ++c->received;
}

/* Only the client's own half-close: the host leaves out the end of a read after our status. */
static void rc_on_half_close(void *obj, int64_t now)
{
    (void)now;
    rc_call *c = obj;
    c->rec.half_close = true;
    sc_relay_on_client_half_close(&c->relay);
    pump_up(c);
}

static bool rc_wants_recv(void *obj)
{
    return sc_relay_wants_client_read(&((rc_call *)obj)->relay);
}

static void rc_on_sent(void *obj, bool ok, int64_t now)
{
    (void)now;
    rc_call *c = obj;
    if (c->sending_message && ok)
        c->rec.delivered++;
    c->sending_message = false;
    sc_relay_on_down_sent(&c->relay, ok);
    pump_down(c);
}

static void rc_on_closed(void *obj, const sc_host_close *how, int64_t now)
{
    rc_call *c = obj;
    c->cut_by_shutdown = how->by_shutdown && c->relay.down != SC_DOWN_ENDED;
    if (how->cancelled && c->relay.down != SC_DOWN_ENDED) {
        c->rec.end = how->deadline_left_ms <= RC_DEADLINE_SLACK_MS ? SC_RECORD_END_DEADLINE
                                                                   : SC_RECORD_END_CANCELLED;
        c->rec.end_ms = now - c->start_ms;
        if (!c->u_status_done)
            grpc_call_cancel(c->uc, NULL); /* propagation does it too; be explicit */
    }
    sc_relay_on_closed(&c->relay);
    pump_down(c);
    pump_up(c);
}

static sc_host_out rc_next_output(void *obj, int64_t now)
{
    (void)now;
    rc_call *c = obj;
    sc_host_out out = {.kind = SC_HOST_OUT_NONE, .headers = &c->down_headers};
    switch (run_down(c)) {
    case SC_RELAY_DOWN_SEND_HEADERS:
        out.kind = SC_HOST_OUT_HEADERS;
        break;
    case SC_RELAY_DOWN_SEND_MESSAGE:
        out.kind = SC_HOST_OUT_MESSAGE;
        out.message = c->down_buf; /* the host's now */
        c->down_buf = NULL;
        c->sending_message = true;
        break;
    case SC_RELAY_DOWN_SEND_STATUS:
        out.kind = SC_HOST_OUT_STATUS;
        out.code = (int)c->u_code;
        out.status_message = c->rec.status_message;
        out.status_len = GRPC_SLICE_LENGTH(c->u_details);
        out.trailers = &c->down_trailers;
        break;
    default:
        break;
    }
    return out;
}

/* The upstream call still has batches out, or its status has not come: keep the call. */
static bool rc_busy(void *obj)
{
    const rc_call *c = obj;
    return c->u_pending > 0 || !c->u_status_done;
}

static void log_finished(const rc_call *c)
{
    sc_log(SC_LOG_INFO, "record", "call %llu %s: %zu requests, %zu responses, %s",
           (unsigned long long)c->id, c->rec.path, c->rec.n_requests, c->rec.n_responses,
           c->rec.end == SC_RECORD_END_CANCELLED  ? "CANCELLED (client)"
           : c->rec.end == SC_RECORD_END_DEADLINE ? "DEADLINE_EXCEEDED (client)"
                                                  : sc_status_name(c->rec.status_code));
}

static void rc_release(void *obj, int64_t now)
{
    (void)now;
    rc_call *c = obj;
    sc_recorder *r = c->r;
    if (r->cfg.verbose)
        log_finished(c);
    bool kept = !c->cut_by_shutdown;
    if (kept) {
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
    sc_md_list_free(&c->down_headers);
    sc_md_list_free(&c->down_trailers);
    drop(&c->down_buf);
    drop(&c->up_buf);
    sc_md_grpc_free(c->u_md, c->u_md_n);
    grpc_call_unref(c->uc);
    free(c);
    if (kept && r->cfg.on_recorded != NULL)
        r->cfg.on_recorded(r->cfg.ctx, r);
    if (r->cfg.max_calls > 0 && r->finished >= r->cfg.max_calls)
        sc_host_shutdown(r->host);
}

static const sc_host_proto rc_proto = {
    .open = rc_open,
    .on_message = rc_on_message,
    .on_half_close = rc_on_half_close,
    .on_sent = rc_on_sent,
    .on_closed = rc_on_closed,
    .next_output = rc_next_output,
    .wants_recv = rc_wants_recv,
    .busy = rc_busy,
    .release = rc_release,
};

/* ---- the recorder ----------------------------------------------------------------------- */

static grpc_channel *upstream_channel(const char *target)
{
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
    grpc_channel_args cargs = {.num_args = 3, .args = args};
    grpc_channel_credentials *cc = grpc_insecure_credentials_create();
    grpc_channel *ch = grpc_channel_create(target, cc, &cargs);
    grpc_channel_credentials_release(cc);
    return ch;
}

sc_recorder *sc_recorder_create(const sc_recorder_config *cfg, char *err, size_t errlen)
{
    sc_recorder *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    grpc_init(); /* the channel outlives the host's loop (and its grpc_init) */
    r->cfg = *cfg;
    r->cfg.listen = r->cfg.upstream = NULL;
    r->cfg.tls = NULL; /* borrowed during create only */
    sc_host_config hc = {
        .name = "record",
        .listen = cfg->listen,
        .tls = cfg->tls,
        .max_receive_bytes = RC_MAX_MESSAGE,
        .register_methods = false,
        .tick_ms = RC_LOOP_MAX_WAIT_MS,
        .shutdown_grace_ms = RC_SHUTDOWN_GRACE_MS,
        .proto = &rc_proto,
        .proto_ctx = r,
    };
    r->channel = upstream_channel(cfg->upstream);
    r->host = sc_host_create(&hc, err, errlen);
    if (r->host == NULL) {
        sc_recorder_destroy(r);
        return NULL;
    }
    return r;
}

int sc_recorder_port(const sc_recorder *r)
{
    return sc_host_port(r->host);
}

int sc_recorder_run(sc_recorder *r)
{
    return sc_host_run(r->host);
}

void sc_recorder_shutdown(sc_recorder *r)
{
    sc_host_shutdown(r->host);
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
        if (!sc_scenario_write_recordable(c, why, sizeof why)) {
            sc_log(SC_LOG_WARN, "record", "call forwarded but not recorded: %s", why);
            continue;
        }
        const sc_method_info *mi = sc_method_get(c->method);
        snprintf(name, sizeof name, "recorded/%s/%zu", mi != NULL ? mi->cli_name : "unknown",
                 ++per_method[c->method]);
        cJSON *s = sc_scenario_write(c, name, opts, err, errlen);
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
    sc_host_destroy(r->host); /* drains the live calls first, while the channel is up */
    if (r->channel != NULL)
        grpc_channel_destroy(r->channel);
    for (size_t i = 0; i < r->n_done; i++)
        sc_record_case_free(&r->done[i]);
    free(r->done);
    free(r->done_ids);
    free(r);
    grpc_shutdown();
}
