#include "sc_client_sync.h"
#include "sc_loop.h"

#include <stdio.h>
#include <stdlib.h>

/* One received response waiting to be read. */
typedef struct sc_sync_msg {
    ProtobufCMessage *msg; /* owned */
    struct sc_sync_msg *next;
} sc_sync_msg;

struct sc_client_sync {
    sc_loop *loop;        /* owned */
    sc_client_call *call; /* owned */
    sc_sync_msg *head, *tail;
};

static void on_message(sc_client_call *call, ProtobufCMessage *msg, void *user)
{
    (void)call;
    sc_client_sync *s = user;
    sc_sync_msg *m = malloc(sizeof *m);
    if (m == NULL) {
        protobuf_c_message_free_unpacked(msg, NULL);
        sc_client_call_cancel(s->call); /* losing a response silently would lie to the caller */
        return;
    }
    m->msg = msg;
    m->next = NULL;
    if (s->tail != NULL)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
}

sc_client_sync *sc_client_sync_start(grpc_channel *channel, const sc_client_call_opts *opts,
                                     char *err, size_t errlen)
{
    sc_client_sync *s = calloc(1, sizeof *s);
    if (s == NULL)
        goto oom;
    s->loop = sc_loop_create(SC_LOOP_CLIENT_TICK_MS);
    if (s->loop == NULL)
        goto oom;
    static const sc_client_call_handlers handlers = {
        .on_message = on_message,
    };
    s->call = sc_client_call_start(s->loop, channel, opts, &handlers, s, err, errlen);
    if (s->call == NULL) {
        sc_client_sync_free(s);
        return NULL;
    }
    return s;
oom:
    snprintf(err, errlen, "out of memory");
    sc_client_sync_free(s);
    return NULL;
}

static bool is_done(void *ctx)
{
    return sc_client_call_done(((sc_client_sync *)ctx)->call);
}

static bool sent_or_done(void *ctx)
{
    sc_client_sync *s = ctx;
    return sc_client_call_send_queued(s->call) == 0 || sc_client_call_done(s->call);
}

static bool closed_or_done(void *ctx)
{
    sc_client_sync *s = ctx;
    return sc_client_call_result_get(s->call)->close_send_ms >= 0 || sc_client_call_done(s->call);
}

static bool message_or_done(void *ctx)
{
    sc_client_sync *s = ctx;
    return s->head != NULL || sc_client_call_done(s->call);
}

sc_sync_rc sc_client_sync_send(sc_client_sync *s, const ProtobufCMessage *msg, int64_t timeout_ms)
{
    if (sc_client_call_send(s->call, msg) != 0)
        return SC_SYNC_FAILED;
    if (sc_loop_run_until(s->loop, sent_or_done, s, timeout_ms) != 0)
        return SC_SYNC_TIMEOUT;
    return sc_client_call_done(s->call) ? SC_SYNC_FAILED : SC_SYNC_OK;
}

sc_sync_rc sc_client_sync_close_send(sc_client_sync *s, int64_t timeout_ms)
{
    if (sc_client_call_close_send(s->call) != 0)
        return SC_SYNC_FAILED;
    if (sc_loop_run_until(s->loop, closed_or_done, s, timeout_ms) != 0)
        return SC_SYNC_TIMEOUT;
    return sc_client_call_result_get(s->call)->close_send_ms >= 0 ? SC_SYNC_OK : SC_SYNC_FAILED;
}

sc_sync_rc sc_client_sync_recv(sc_client_sync *s, ProtobufCMessage **out, int64_t timeout_ms)
{
    *out = NULL;
    if (sc_loop_run_until(s->loop, message_or_done, s, timeout_ms) != 0)
        return SC_SYNC_TIMEOUT;
    if (s->head == NULL)
        return SC_SYNC_END;
    sc_sync_msg *m = s->head;
    s->head = m->next;
    if (s->head == NULL)
        s->tail = NULL;
    *out = m->msg;
    free(m);
    return SC_SYNC_OK;
}

sc_sync_rc sc_client_sync_finish(sc_client_sync *s, int64_t timeout_ms)
{
    if (sc_loop_run_until(s->loop, is_done, s, timeout_ms) != 0)
        return SC_SYNC_TIMEOUT;
    return SC_SYNC_OK;
}

void sc_client_sync_cancel(sc_client_sync *s)
{
    sc_client_call_cancel(s->call);
}

const sc_client_call_result *sc_client_sync_result(const sc_client_sync *s)
{
    return sc_client_call_result_get(s->call);
}

void sc_client_sync_free(sc_client_sync *s)
{
    if (s == NULL)
        return;
    sc_client_call_release(s->call);
    sc_loop_destroy(s->loop); /* drains the released call, which frees it */
    while (s->head != NULL) {
        sc_sync_msg *m = s->head;
        s->head = m->next;
        protobuf_c_message_free_unpacked(m->msg, NULL);
        free(m);
    }
    free(s);
}

int sc_client_sync_unary(grpc_channel *channel, const sc_client_call_opts *opts,
                         const ProtobufCMessage *req, ProtobufCMessage **resp, int64_t timeout_ms,
                         char *err, size_t errlen)
{
    *resp = NULL;
    sc_client_sync *s = sc_client_sync_start(channel, opts, err, errlen);
    if (s == NULL)
        return -1;
    int code = -1;
    if (sc_client_call_send(s->call, req) != 0 || sc_client_call_close_send(s->call) != 0) {
        snprintf(err, errlen, "cannot queue the request");
        goto cleanup;
    }
    if (sc_client_sync_finish(s, timeout_ms) != SC_SYNC_OK) {
        snprintf(err, errlen, "no status within %lld ms", (long long)timeout_ms);
        goto cleanup;
    }
    code = sc_client_sync_result(s)->code;
    if (sc_client_sync_recv(s, resp, 0) != SC_SYNC_OK)
        *resp = NULL;
cleanup:
    sc_client_sync_free(s);
    return code;
}
