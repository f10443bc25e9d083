/* sc_script_server: the scripted server, a protocol object on server/sc_host. Each call plays
 * the book's script for its x-sc-case (or, in replay mode, the next recorded call of its method
 * or path) through sc_script_player; the client's messages are counted and handed to the
 * observer, not judged. */
#include "sc_script_server.h"
#include "sc_host.h"
#include "sc_log.h"
#include "sc_md.h"
#include "sc_pb.h"
#include "sc_script_player.h"
#include "sc_status.h"
#include "sc_time.h"

#include <grpc/byte_buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest the loop sleeps without a timer due: a safety net; every event wakes it earlier. */
#define SS_LOOP_MAX_WAIT_MS 1000
/* Longest x-sc-case kept (as the reference server's control text). */
#define SS_MAX_CASE 4096
/* Largest request message accepted: the client peers' own default limit. */
#define SS_MAX_RECEIVE (4 * 1024 * 1024)

/* One scripted call: what it plays and what the client did (for the observer). */
typedef struct {
    sc_script_server *server;
    uint64_t id;
    sc_method method;
    char *path;    /* owned; the path of an SC_METHOD_UNKNOWN call, else NULL */
    char *case_id; /* owned; NULL without x-sc-case */
    sc_script_player player;
    bool half_closed, cancelled;
    int64_t received;
} ss_call;

struct sc_script_server {
    sc_script_server_config cfg;
    sc_host *host;
    size_t *played; /* match_by_method: per method, entries taken so far */
    /* match_by_method: per path outside DataService, entries taken so far (indexed by the
     * path's first book entry) */
    size_t *played_path;
};

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

/* ---- the protocol object (sc_host_proto) ------------------------------------------------ */

static void *ss_open(void *ctx, sc_host_call *hc, const sc_host_call_info *info, int64_t now)
{
    (void)hc;
    (void)now;
    sc_script_server *s = ctx;
    ss_call *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->server = s;
    c->id = info->id;
    c->method = info->method;
    if (info->method == SC_METHOD_UNKNOWN && (c->path = strdup(info->path)) == NULL)
        goto oom;
    const sc_md_entry *id = sc_md_list_find(info->md, "x-sc-case");
    if (id != NULL && c->method != SC_METHOD_UNKNOWN) {
        c->case_id = strndup((const char *)id->value,
                             id->value_len < SS_MAX_CASE ? id->value_len : SS_MAX_CASE);
        if (c->case_id == NULL)
            goto oom;
    }
    choose_script(s, c);
    return c;
oom:
    free(c->path);
    free(c);
    return NULL;
}

static int64_t ss_on_message(void *obj, grpc_byte_buffer *msg, int64_t now)
{
    (void)now;
    ss_call *c = obj;
    const sc_script_observer *ob = c->server->cfg.observer;
    if (ob != NULL && ob->on_message != NULL) {
        size_t len = 0;
        unsigned char *data = sc_pb_buffer_flatten(msg, &len);
        if (data != NULL)
            ob->on_message(ob->ctx, c->id, c->received, data, len);
        free(data);
    }
    grpc_byte_buffer_destroy(msg);
    return ++c->received;
}

static void ss_on_half_close(void *obj, int64_t now)
{
    (void)now;
    ((ss_call *)obj)->half_closed = true;
}

static void ss_on_sent(void *obj, bool ok, int64_t now)
{
    sc_script_player_on_sent(&((ss_call *)obj)->player, ok, now);
}

static void ss_on_closed(void *obj, const sc_host_close *how, int64_t now)
{
    (void)now;
    ss_call *c = obj;
    c->cancelled = how->cancelled;
    sc_script_player_on_closed(&c->player);
}

static grpc_byte_buffer *message_bytes(const sc_play_out *out)
{
    if (out->message != NULL)
        return sc_pb_pack(out->message);
    /* a raw response: the bytes as recorded */
    grpc_slice bytes = grpc_slice_from_copied_buffer((const char *)out->raw, out->raw_len);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&bytes, 1);
    grpc_slice_unref(bytes);
    return bb;
}

static sc_host_out ss_next_output(void *obj, int64_t now)
{
    ss_call *c = obj;
    sc_play_out p = sc_script_player_next(&c->player, now);
    sc_host_out out = {.headers = sc_script_player_headers(&c->player)};
    switch (p.kind) {
    case SC_PLAY_HEADERS:
        out.kind = SC_HOST_OUT_HEADERS;
        break;
    case SC_PLAY_MESSAGE:
        out.kind = SC_HOST_OUT_MESSAGE;
        out.message = message_bytes(&p);
        break;
    case SC_PLAY_STATUS:
        out.kind = SC_HOST_OUT_STATUS;
        out.code = p.code;
        out.status_message = p.status_message;
        out.trailers = sc_script_player_trailers(&c->player);
        break;
    case SC_PLAY_NONE:
        out.kind = SC_HOST_OUT_NONE;
        break;
    }
    return out;
}

/* Keep reading the client's messages while the script plays (they are counted, not judged; a
 * call on another path is read only when it plays a script). */
static bool ss_wants_recv(void *obj)
{
    const ss_call *c = obj;
    return c->method != SC_METHOD_UNKNOWN || c->player.script != NULL;
}

static int64_t ss_wake_at(void *obj)
{
    return sc_script_player_wake_at(&((ss_call *)obj)->player);
}

static const char *ss_case_id(void *obj)
{
    return ((ss_call *)obj)->case_id;
}

static void ss_release(void *obj, int64_t now)
{
    (void)now;
    ss_call *c = obj;
    const sc_script_observer *ob = c->server->cfg.observer;
    if (ob != NULL && ob->on_end != NULL)
        ob->on_end(ob->ctx, c->id, c->received, c->half_closed, c->cancelled);
    free(c->case_id);
    free(c->path);
    free(c);
}

static const sc_host_proto ss_proto = {
    .open = ss_open,
    .on_message = ss_on_message,
    .on_half_close = ss_on_half_close,
    .on_sent = ss_on_sent,
    .on_closed = ss_on_closed,
    .next_output = ss_next_output,
    .wants_recv = ss_wants_recv,
    .wake_at = ss_wake_at,
    .case_id = ss_case_id,
    .release = ss_release,
};

/* ---- the server ------------------------------------------------------------------------ */

sc_script_server *sc_script_server_create(const sc_script_server_config *cfg, char *err,
                                          size_t errlen)
{
    sc_script_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        goto oom;
    s->cfg = *cfg;
    s->cfg.listen = NULL;
    s->cfg.tls = NULL; /* borrowed during create only */
    s->played = calloc(SC_METHOD_COUNT + 1, sizeof *s->played);
    s->played_path = calloc(cfg->book->count > 0 ? cfg->book->count : 1, sizeof *s->played_path);
    if (s->played == NULL || s->played_path == NULL)
        goto oom;
    sc_host_config hc = {
        .name = "script-server",
        .listen = cfg->listen,
        .tls = cfg->tls,
        .max_receive_bytes = SS_MAX_RECEIVE,
        .register_methods = true,
        .builtin_services = true,
        .tick_ms = SS_LOOP_MAX_WAIT_MS,
        .events = cfg->events,
        .verbose = cfg->verbose,
        .proto = &ss_proto,
        .proto_ctx = s,
    };
    s->host = sc_host_create(&hc, err, errlen);
    if (s->host == NULL) {
        sc_script_server_destroy(s);
        return NULL;
    }
    return s;
oom:
    if (s != NULL)
        sc_script_server_destroy(s);
    snprintf(err, errlen, "out of memory");
    return NULL;
}

int sc_script_server_port(const sc_script_server *s)
{
    return sc_host_port(s->host);
}

int sc_script_server_run(sc_script_server *s)
{
    return sc_host_run(s->host);
}

void sc_script_server_shutdown(sc_script_server *s)
{
    sc_host_shutdown(s->host);
}

void sc_script_server_destroy(sc_script_server *s)
{
    if (s == NULL)
        return;
    sc_host_destroy(s->host);
    free(s->played);
    free(s->played_path);
    free(s);
}
