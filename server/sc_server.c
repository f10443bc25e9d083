/* sc_server: the reference DataService server, a protocol object on server/sc_host. Each call's
 * decisions are sc_handler's (pure, see sc_handler.h); this file only translates between the
 * host's interface (raw byte buffers, milliseconds) and the handler's (protobuf-c messages,
 * sc_clock), and wakes Chat members the room delivered to. */
#include "sc_server.h"
#include "sc_wire_strings.h"
#include "sc_handler.h"
#include "sc_host.h"
#include "sc_json.h"
#include "sc_log.h"
#include "sc_md.h"
#include "sc_pb.h"
#include "sc_time.h"

#include <grpc/byte_buffer_reader.h>
#include <stdio.h>
#include <stdlib.h>

#include "sc_container.h"

/* Longest the loop sleeps in the completion queue without a timer due: a safety net only;
 * shutdown and every call event wake it earlier. */
#define SC_LOOP_MAX_WAIT_MS 1000

struct sc_server {
    sc_host *host;
    sc_handler_env env;
    sc_call_plan *plan; /* borrowed from the config, or NULL */
    bool log_requests;
};

/* One call: the handler, and the trailers of its status while the host copies them. */
typedef struct {
    sc_host_call *hc; /* borrowed from the host until release */
    sc_handler h;
    sc_md_list trailers;
    bool log_requests;    /* the server's --log-requests */
    bool first_seen;      /* a request message arrived */
    cJSON *first_request; /* the first request as JSON, until the host logs it (owned) */
} srv_call;

static sc_clock clock_at(int64_t now_ms)
{
    return (sc_clock){.mono_ms = now_ms, .wall_ns = sc_time_wall_ns()};
}

/* The Chat room delivered to this call's member: pump it after the current event. */
static void on_chat_delivery(sc_chat_member *m)
{
    srv_call *c = SC_CONTAINER_OF(m, srv_call, h.member);
    sc_host_call_kick(c->hc);
}

/* ---- the protocol object (sc_host_proto) ------------------------------------------------ */

static void *srv_open(void *ctx, sc_host_call *hc, const sc_host_call_info *info, int64_t now)
{
    sc_server *s = ctx;
    srv_call *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->hc = hc;
    c->log_requests = s->log_requests;
    if (info->method == SC_METHOD_UNKNOWN) {
        sc_handler_init_unknown(&c->h, &s->env, info->path);
    } else {
        /* With a call plan the plan's control keys stand for the client's metadata. */
        const sc_md_list *md = s->plan != NULL ? sc_call_plan_next(s->plan) : info->md;
        sc_handler_init(&c->h, info->method, &s->env, md, clock_at(now));
    }
    c->h.member.kick = on_chat_delivery;
    return c;
}

/* Most pieces (slices) of one UploadFile chunk handed to the handler without copying; a message
 * in more goes the general way (a 64 KiB chunk arrives in a handful). */
#define SC_SERVER_CHUNK_PIECES 64
/* Most bytes of an UploadRequest chunk's field header: its tag and a 64-bit varint length. */
#define SC_SERVER_CHUNK_HEADER_MAX 11

/* The length of the field header when `bb` is an UploadRequest holding a chunk and nothing else
 * (tag 2, length-delimited, its length running to the end of the message); 0 otherwise. */
static size_t chunk_only_header(const uint8_t *p, size_t avail, size_t total)
{
    if (avail < 2 || p[0] != (2 << 3 | 2))
        return 0;
    uint64_t len = 0;
    for (size_t i = 1; i < avail && i < SC_SERVER_CHUNK_HEADER_MAX; i++) {
        len |= (uint64_t)(p[i] & 0x7f) << (7 * (i - 1));
        if ((p[i] & 0x80) == 0)
            return len == total - (i + 1) ? i + 1 : 0;
    }
    return 0;
}

/* The chunk bytes of a lone-chunk UploadRequest in `reader`, as pieces of its slices (borrowed
 * while the reader lives). The number of pieces, or -1 when it is not one or has too many. */
static int chunk_pieces(grpc_byte_buffer_reader *reader, size_t total, sc_handler_piece *pieces)
{
    int n = 0;
    bool first = true;
    grpc_slice *slice;
    while (grpc_byte_buffer_reader_peek(reader, &slice)) {
        const uint8_t *p = GRPC_SLICE_START_PTR(*slice);
        size_t len = GRPC_SLICE_LENGTH(*slice), from = 0;
        if (first && (from = chunk_only_header(p, len, total)) == 0)
            return -1;
        first = false;
        if (from == len)
            continue;
        if (n == SC_SERVER_CHUNK_PIECES)
            return -1;
        pieces[n++] = (sc_handler_piece){p + from, len - from};
    }
    return first ? -1 : n;
}

/* UploadFile's chunks straight from the byte buffer's slices into the hash: no flatten, no
 * unpack (three copies of every chunk). False when `bb` is not a lone chunk: the general way. */
static bool upload_chunk_in_place(srv_call *c, grpc_byte_buffer *bb, int64_t now)
{
    grpc_byte_buffer_reader reader;
    if (c->h.method != SC_METHOD_UPLOAD || (c->log_requests && !c->first_seen) ||
        !grpc_byte_buffer_reader_init(&reader, bb))
        return false;
    sc_handler_piece pieces[SC_SERVER_CHUNK_PIECES];
    int n = chunk_pieces(&reader, grpc_byte_buffer_length(bb), pieces);
    if (n >= 0) {
        c->first_seen = true;
        sc_handler_on_upload_chunk(&c->h, pieces, (size_t)n, clock_at(now));
    }
    grpc_byte_buffer_reader_destroy(&reader);
    return n >= 0;
}

/* Unpack a request after checking its strings on the wire (sc_wire_strings): invalid UTF-8 is
 * a message that does not parse, as for grpc-go and the Python protobuf; a NUL inside a string,
 * which protobuf-c would cut, is refused by name. */
static int64_t srv_on_message(void *obj, grpc_byte_buffer *bb, int64_t now)
{
    srv_call *c = obj;
    if (upload_chunk_in_place(c, bb, now)) {
        grpc_byte_buffer_destroy(bb);
        return c->h.received;
    }
    const ProtobufCMessageDescriptor *desc = sc_method_request_desc(c->h.method);
    sc_pb_view v;
    char field[128];
    sc_wire_rc wrc = sc_pb_view_open(&v, bb) == 0
                         ? sc_wire_check_strings(desc, v.data, v.len, field, sizeof field)
                         : SC_WIRE_MALFORMED;
    ProtobufCMessage *msg =
        wrc == SC_WIRE_OK ? protobuf_c_message_unpack(desc, NULL, v.len, v.data) : NULL;
    sc_pb_view_close(&v);
    grpc_byte_buffer_destroy(bb);
    if (msg != NULL) {
        if (c->log_requests && !c->first_seen)
            c->first_request = sc_json_from_message(msg, NULL, 0);
        c->first_seen = true;
        sc_handler_on_message(&c->h, msg, clock_at(now));
        protobuf_c_message_free_unpacked(msg, NULL);
    } else if (wrc == SC_WIRE_NUL) {
        sc_handler_on_nul_string(&c->h, field, clock_at(now));
    } else {
        sc_handler_on_malformed(&c->h, clock_at(now));
    }
    return c->h.received;
}

static void srv_on_half_close(void *obj, int64_t now)
{
    sc_handler_on_half_close(&((srv_call *)obj)->h, clock_at(now));
}

static void srv_on_sent(void *obj, bool ok, int64_t now)
{
    sc_handler_on_sent(&((srv_call *)obj)->h, ok, clock_at(now));
}

static void srv_on_closed(void *obj, const sc_host_close *how, int64_t now)
{
    (void)how;
    sc_handler_on_closed(&((srv_call *)obj)->h, clock_at(now));
}

/* A byte buffer holding a copy of `len` wire bytes (the caller owns it). */
static grpc_byte_buffer *wire_buffer(const uint8_t *data, size_t len)
{
    grpc_slice slice = grpc_slice_from_copied_buffer((const char *)data, len);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    return bb;
}

static sc_host_out srv_next_output(void *obj, int64_t now)
{
    srv_call *c = obj;
    sc_out out = sc_handler_next_output(&c->h, clock_at(now));
    sc_host_out o = {.headers = sc_handler_initial_metadata(&c->h)};
    switch (out.kind) {
    case SC_OUT_HEADERS:
        o.kind = SC_HOST_OUT_HEADERS;
        break;
    case SC_OUT_MESSAGE:
        o.kind = SC_HOST_OUT_MESSAGE;
        o.message =
            out.message != NULL ? sc_pb_pack(out.message) : wire_buffer(out.wire, out.wire_len);
        o.buffer_hint = out.more_follows;
        /* one send at a time: this is response number h.sent (0-based) */
        o.no_compress = c->h.sent < SC_CONTROL_MAX_NO_COMPRESS &&
                        (c->h.ctl.no_compress_responses >> c->h.sent & 1u) != 0;
        if (out.message != NULL)
            protobuf_c_message_free_unpacked(out.message, NULL);
        break;
    case SC_OUT_STATUS:
        o.kind = SC_HOST_OUT_STATUS;
        o.code = out.code;
        o.status_message = out.status_message;
        sc_md_list_free(&c->trailers);
        if (sc_handler_trailing_metadata(&c->h, &c->trailers) != 0)
            sc_log(SC_LOG_WARN, "server", "call %llu: trailing metadata dropped (no memory)",
                   (unsigned long long)sc_host_call_id(c->hc));
        o.trailers = &c->trailers;
        break;
    case SC_OUT_NONE:
        o.kind = SC_HOST_OUT_NONE;
        break;
    }
    return o;
}

static bool srv_take_abort(void *obj, int64_t now, int *code, const char **message)
{
    return sc_handler_take_abort(&((srv_call *)obj)->h, code, message, clock_at(now));
}

static bool srv_wants_recv(void *obj)
{
    return sc_handler_wants_recv(&((srv_call *)obj)->h);
}

static int64_t srv_wake_at(void *obj)
{
    return sc_handler_wake_at(&((srv_call *)obj)->h);
}

static const char *srv_case_id(void *obj)
{
    return ((srv_call *)obj)->h.ctl.case_id;
}

/* With --log-requests the first message_received event carries the request ("message"). */
static cJSON *srv_message_fields(void *obj)
{
    srv_call *c = obj;
    if (c->first_request == NULL)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (o != NULL)
        cJSON_AddItemToObject(o, "message", c->first_request);
    else
        cJSON_Delete(c->first_request);
    c->first_request = NULL;
    return o;
}

static void srv_release(void *obj, int64_t now)
{
    srv_call *c = obj;
    cJSON_Delete(c->first_request);
    sc_handler_free(&c->h, clock_at(now));
    sc_md_list_free(&c->trailers);
    free(c);
}

static const sc_host_proto srv_proto = {
    .open = srv_open,
    .on_message = srv_on_message,
    .message_fields = srv_message_fields,
    .on_half_close = srv_on_half_close,
    .on_sent = srv_on_sent,
    .on_closed = srv_on_closed,
    .next_output = srv_next_output,
    .take_abort = srv_take_abort,
    .wants_recv = srv_wants_recv,
    .wake_at = srv_wake_at,
    .case_id = srv_case_id,
    .release = srv_release,
};

/* ---- the server ------------------------------------------------------------------------ */

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
    s->env.tick_ms = cfg->tick_ms;
    s->env.max_upload_bytes = cfg->max_upload_bytes;
    s->env.rng = cfg->seed ? cfg->seed : seed_from_clock();
    s->plan = cfg->plan;
    s->log_requests = cfg->log_requests;
    sc_host_config hc = {
        .name = "server",
        .listen = cfg->listen,
        .tls = cfg->tls,
        .max_receive_bytes = cfg->max_receive_bytes,
        .lifecycle = cfg->lifecycle,
        .shutdown_grace_ms = cfg->shutdown_grace_ms,
        .register_methods = true,
        .builtin_services = true,
        .tick_ms = SC_LOOP_MAX_WAIT_MS,
        .report_late_half_close = true,
        .events = cfg->events,
        .verbose = cfg->verbose,
        .proto = &srv_proto,
        .proto_ctx = s,
    };
    s->host = sc_host_create(&hc, err, errlen);
    if (s->host == NULL) {
        free(s);
        return NULL;
    }
    return s;
}

int sc_server_port(const sc_server *s)
{
    return sc_host_port(s->host);
}

int sc_server_run(sc_server *s)
{
    return sc_host_run(s->host);
}

void sc_server_shutdown(sc_server *s)
{
    sc_host_shutdown(s->host);
}

void sc_server_destroy(sc_server *s)
{
    if (s == NULL)
        return;
    sc_host_destroy(s->host);
    sc_case_calls_free(&s->env.case_calls);
    free(s);
}
