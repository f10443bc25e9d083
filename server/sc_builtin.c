#include "sc_builtin.h"
#include "sc_health.h"
#include "sc_pb.h"
#include "sc_reflection.h"

#include <grpc/byte_buffer.h>
#include <stdlib.h>
#include <string.h>

/* The embedded FileDescriptorSet (proto/embed_bytes.cmake). */
extern const unsigned char sc_builtin_descriptor_set[];
extern const size_t sc_builtin_descriptor_set_len;

#define PATH_CHECK "/grpc.health.v1.Health/Check"
#define PATH_WATCH "/grpc.health.v1.Health/Watch"
#define PATH_REFLECTION_V1 "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
#define PATH_REFLECTION_V1ALPHA "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
#define SHUTDOWN_MESSAGE "server shutting down"

typedef enum { BK_HOSTED, BK_CHECK, BK_WATCH, BK_REFLECTION } bk_kind;

/* A call's object: the hosted one's wrapper, or a built-in call. */
typedef struct bcall {
    bk_kind kind;
    sc_builtin *b;
    void *inner; /* BK_HOSTED: the hosted object */
    sc_host_call *hc;
    struct bcall *next, *prev; /* live built-in calls */
    int64_t received;
    char *service; /* health: the request's service, owned (NULL until it came) */
    bool half_closed, bad_request, answered;
    sc_health_status sent; /* Watch: last status sent */
    bool sent_any;
    grpc_byte_buffer **queue; /* reflection: answers to send, owned */
    size_t queued, queue_cap;
} bcall;

struct sc_builtin {
    const sc_host_proto *inner;
    void *inner_ctx;
    sc_health health;
    sc_reflection *reflection;
    bcall *calls;
    int64_t shutdown_at; /* 0: not shutting down */
};

bool sc_builtin_is_path(const char *path)
{
    return strcmp(path, PATH_CHECK) == 0 || strcmp(path, PATH_WATCH) == 0 ||
           strcmp(path, PATH_REFLECTION_V1) == 0 || strcmp(path, PATH_REFLECTION_V1ALPHA) == 0;
}

bool sc_builtin_owns(const void *obj)
{
    return obj != NULL && ((const bcall *)obj)->kind != BK_HOSTED;
}

sc_builtin *sc_builtin_create(const sc_host_proto *inner, void *inner_ctx)
{
    sc_builtin *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->inner = inner;
    b->inner_ctx = inner_ctx;
    b->reflection = sc_reflection_create(sc_builtin_descriptor_set, sc_builtin_descriptor_set_len);
    if (b->reflection == NULL) {
        free(b);
        return NULL;
    }
    return b;
}

void sc_builtin_free(sc_builtin *b)
{
    if (b == NULL)
        return;
    sc_reflection_free(b->reflection);
    free(b);
}

void sc_builtin_shutdown(sc_builtin *b, int64_t now_ms)
{
    if (b->shutdown_at != 0)
        return;
    b->shutdown_at = now_ms > 0 ? now_ms : 1;
    b->health.shutting_down = true;
    for (bcall *c = b->calls; c != NULL; c = c->next)
        sc_host_call_kick(c->hc);
}

/* ---- built-in calls ---------------------------------------------------------------------- */

static bk_kind kind_of(const char *path)
{
    if (strcmp(path, PATH_CHECK) == 0)
        return BK_CHECK;
    if (strcmp(path, PATH_WATCH) == 0)
        return BK_WATCH;
    return BK_REFLECTION;
}

static bool enqueue(bcall *c, grpc_byte_buffer *bb)
{
    if (c->queued == c->queue_cap) {
        size_t cap = c->queue_cap ? c->queue_cap * 2 : 4;
        grpc_byte_buffer **q = realloc(c->queue, cap * sizeof *q);
        if (q == NULL)
            return false;
        c->queue = q;
        c->queue_cap = cap;
    }
    c->queue[c->queued++] = bb;
    return true;
}

static grpc_byte_buffer *bytes_buffer(const uint8_t *bytes, size_t len)
{
    grpc_slice s = grpc_slice_from_copied_buffer((const char *)bytes, len);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    return bb;
}

static void builtin_message(bcall *c, grpc_byte_buffer *msg)
{
    size_t len = 0;
    uint8_t *bytes = sc_pb_buffer_flatten(msg, &len);
    grpc_byte_buffer_destroy(msg);
    if (bytes == NULL) {
        c->bad_request = true;
        return;
    }
    if (c->kind == BK_REFLECTION) {
        uint8_t *out = NULL;
        size_t out_len = 0;
        if (sc_reflection_answer(c->b->reflection, bytes, len, &out, &out_len))
            c->bad_request = !enqueue(c, bytes_buffer(out, out_len));
        else
            c->bad_request = true;
        free(out);
    } else if (c->service == NULL) { /* health: the one request */
        c->bad_request = !sc_health_decode_request(bytes, len, &c->service);
    }
    free(bytes);
}

static sc_host_out status_out(int code, const char *message)
{
    return (sc_host_out){.kind = SC_HOST_OUT_STATUS, .code = code, .status_message = message};
}

static sc_host_out health_message(sc_health_status st)
{
    uint8_t buf[SC_HEALTH_RESPONSE_MAX];
    size_t n = sc_health_encode_response(st, buf);
    return (sc_host_out){.kind = SC_HOST_OUT_MESSAGE, .message = bytes_buffer(buf, n)};
}

static sc_host_out check_output(bcall *c)
{
    if (c->answered)
        return status_out(GRPC_STATUS_OK, "");
    sc_health_status st = sc_health_status_of(&c->b->health, c->service);
    if (st == SC_HEALTH_SERVICE_UNKNOWN)
        return status_out(GRPC_STATUS_NOT_FOUND, "unknown service");
    c->answered = true;
    return health_message(st);
}

static sc_host_out watch_output(bcall *c)
{
    sc_health_status st = sc_health_status_of(&c->b->health, c->service);
    if (!c->sent_any || st != c->sent) {
        c->sent_any = true;
        c->sent = st;
        return health_message(st);
    }
    if (c->b->shutdown_at != 0) /* NOT_SERVING went out: the stream ends */
        return status_out(GRPC_STATUS_UNAVAILABLE, SHUTDOWN_MESSAGE);
    return (sc_host_out){.kind = SC_HOST_OUT_NONE};
}

static sc_host_out builtin_output(bcall *c)
{
    if (c->bad_request)
        return status_out(GRPC_STATUS_INVALID_ARGUMENT, "malformed request message");
    if (c->kind == BK_REFLECTION) {
        if (c->queued > 0) {
            sc_host_out out = {.kind = SC_HOST_OUT_MESSAGE, .message = c->queue[0]};
            memmove(c->queue, c->queue + 1, --c->queued * sizeof *c->queue);
            return out;
        }
        if (c->half_closed)
            return status_out(GRPC_STATUS_OK, "");
        if (c->b->shutdown_at != 0)
            return status_out(GRPC_STATUS_UNAVAILABLE, SHUTDOWN_MESSAGE);
        return (sc_host_out){.kind = SC_HOST_OUT_NONE};
    }
    if (c->service == NULL) /* health: the request has not come */
        return c->half_closed ? status_out(GRPC_STATUS_INVALID_ARGUMENT, "no request message")
                              : (sc_host_out){.kind = SC_HOST_OUT_NONE};
    return c->kind == BK_CHECK ? check_output(c) : watch_output(c);
}

static void builtin_release(bcall *c)
{
    sc_builtin *b = c->b;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        b->calls = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    for (size_t i = 0; i < c->queued; i++)
        grpc_byte_buffer_destroy(c->queue[i]);
    free(c->queue);
    free(c->service);
}

/* ---- the protocol object: built-in calls here, every other call passed through ------------ */

#define INNER(c) ((c)->b->inner)

static void *bi_open(void *ctx, sc_host_call *hc, const sc_host_call_info *info, int64_t now_ms)
{
    sc_builtin *b = ctx;
    bcall *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->b = b;
    c->hc = hc;
    if (!sc_builtin_is_path(info->path)) {
        c->kind = BK_HOSTED;
        c->inner = b->inner->open(b->inner_ctx, hc, info, now_ms);
        if (c->inner == NULL) {
            free(c);
            return NULL;
        }
        return c;
    }
    c->kind = kind_of(info->path);
    c->next = b->calls;
    if (b->calls != NULL)
        b->calls->prev = c;
    b->calls = c;
    return c;
}

static int64_t bi_on_message(void *obj, grpc_byte_buffer *msg, int64_t now_ms)
{
    bcall *c = obj;
    if (c->kind != BK_HOSTED) {
        builtin_message(c, msg);
        return ++c->received;
    }
    if (INNER(c)->on_message == NULL) {
        grpc_byte_buffer_destroy(msg);
        return 0;
    }
    return INNER(c)->on_message(c->inner, msg, now_ms);
}

static cJSON *bi_message_fields(void *obj)
{
    bcall *c = obj;
    return c->kind == BK_HOSTED && INNER(c)->message_fields != NULL
               ? INNER(c)->message_fields(c->inner)
               : NULL;
}

static void bi_on_half_close(void *obj, int64_t now_ms)
{
    bcall *c = obj;
    if (c->kind != BK_HOSTED)
        c->half_closed = true;
    else if (INNER(c)->on_half_close != NULL)
        INNER(c)->on_half_close(c->inner, now_ms);
}

static void bi_on_sent(void *obj, bool ok, int64_t now_ms)
{
    bcall *c = obj;
    if (c->kind == BK_HOSTED && INNER(c)->on_sent != NULL)
        INNER(c)->on_sent(c->inner, ok, now_ms);
}

static void bi_on_closed(void *obj, const sc_host_close *how, int64_t now_ms)
{
    bcall *c = obj;
    if (c->kind == BK_HOSTED && INNER(c)->on_closed != NULL)
        INNER(c)->on_closed(c->inner, how, now_ms);
}

static sc_host_out bi_next_output(void *obj, int64_t now_ms)
{
    bcall *c = obj;
    return c->kind == BK_HOSTED ? INNER(c)->next_output(c->inner, now_ms) : builtin_output(c);
}

static bool bi_take_abort(void *obj, int64_t now_ms, int *code, const char **message)
{
    bcall *c = obj;
    if (c->kind == BK_HOSTED)
        return INNER(c)->take_abort != NULL &&
               INNER(c)->take_abort(c->inner, now_ms, code, message);
    /* A built-in call still open this long after the shutdown began is not being read. */
    if (c->b->shutdown_at == 0 || now_ms < c->b->shutdown_at + SC_BUILTIN_SHUTDOWN_MS)
        return false;
    *code = GRPC_STATUS_UNAVAILABLE;
    *message = SHUTDOWN_MESSAGE;
    return true;
}

static bool bi_wants_recv(void *obj)
{
    bcall *c = obj;
    return c->kind != BK_HOSTED || INNER(c)->wants_recv == NULL || INNER(c)->wants_recv(c->inner);
}

static int64_t bi_wake_at(void *obj)
{
    bcall *c = obj;
    if (c->kind != BK_HOSTED)
        return c->b->shutdown_at != 0 ? c->b->shutdown_at + SC_BUILTIN_SHUTDOWN_MS : -1;
    return INNER(c)->wake_at != NULL ? INNER(c)->wake_at(c->inner) : -1;
}

static const char *bi_case_id(void *obj)
{
    bcall *c = obj;
    return c->kind == BK_HOSTED && INNER(c)->case_id != NULL ? INNER(c)->case_id(c->inner) : NULL;
}

static bool bi_busy(void *obj)
{
    bcall *c = obj;
    return c->kind == BK_HOSTED && INNER(c)->busy != NULL && INNER(c)->busy(c->inner);
}

static void bi_release(void *obj, int64_t now_ms)
{
    bcall *c = obj;
    if (c->kind == BK_HOSTED)
        INNER(c)->release(c->inner, now_ms);
    else
        builtin_release(c);
    free(c);
}

static const sc_host_proto builtin_proto = {
    .open = bi_open,
    .on_message = bi_on_message,
    .message_fields = bi_message_fields,
    .on_half_close = bi_on_half_close,
    .on_sent = bi_on_sent,
    .on_closed = bi_on_closed,
    .next_output = bi_next_output,
    .take_abort = bi_take_abort,
    .wants_recv = bi_wants_recv,
    .wake_at = bi_wake_at,
    .case_id = bi_case_id,
    .busy = bi_busy,
    .release = bi_release,
};

const sc_host_proto *sc_builtin_proto(void)
{
    return &builtin_proto;
}

sc_builtin *sc_builtin_wrap(sc_host_config *cfg)
{
    sc_builtin *b = sc_builtin_create(cfg->proto, cfg->proto_ctx);
    if (b != NULL) {
        cfg->proto = &builtin_proto;
        cfg->proto_ctx = b;
    }
    return b;
}
