/* handler_test_support: what the sc_handler unit tests share (tests/unit/test_handler.c,
 * test_handler_send.c): the environment, an injected clock and helpers that drive a handler by
 * hand and check its outputs. Not a test of its own (the unit test glob takes test_*.c only). */
#ifndef HANDLER_TEST_SUPPORT_H
#define HANDLER_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_handler.h"
#include "sc_status.h"

static sc_handler_env env;

static inline int setup(void **state)
{
    (void)state;
    memset(&env, 0, sizeof env);
    env.tick_ms = 1000;
    env.max_upload_bytes = 1 << 20;
    env.rng = 42;
    return 0;
}

static inline sc_clock at(int64_t ms)
{
    return (sc_clock){.mono_ms = ms, .wall_ns = 1700000000000000000LL + ms * 1000000};
}

/* Start a handler with metadata given as "key", "value", ..., NULL. */
static inline void start(sc_handler *h, sc_method m, int64_t now, ...)
{
    sc_md_list md = {0};
    va_list ap;
    va_start(ap, now);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        assert_int_equal(sc_md_list_add(&md, k, v, strlen(v)), 0);
    }
    va_end(ap);
    sc_handler_init(h, m, &env, &md, at(now));
    sc_md_list_free(&md);
}

/* GetData without a delay: nothing goes out before the request (its headers go with the
 * response). */
static inline void expect_nothing_yet(sc_handler *h, int64_t now)
{
    assert_int_equal(sc_handler_next_output(h, at(now)).kind, SC_OUT_NONE);
    assert_int_equal(sc_handler_wake_at(h), -1);
}

/* Expect the headers now and acknowledge them. */
static inline void expect_headers(sc_handler *h, int64_t now)
{
    sc_out o = sc_handler_next_output(h, at(now));
    assert_int_equal(o.kind, SC_OUT_HEADERS);
    sc_handler_on_sent(h, true, at(now));
}

static inline void expect_status(sc_handler *h, int64_t now, int code, const char *message)
{
    sc_out o = sc_handler_next_output(h, at(now));
    assert_int_equal(o.kind, SC_OUT_STATUS);
    assert_string_equal(sc_status_name(o.code), sc_status_name(code));
    if (message != NULL)
        assert_string_equal(o.status_message, message);
    assert_int_equal(sc_handler_next_output(h, at(now)).kind, SC_OUT_NONE);
}

/* The message of an SC_OUT_MESSAGE (caller frees): a StreamResponse given as wire bytes is
 * unpacked, which also checks the bytes parse. */
static inline ProtobufCMessage *out_message(const sc_out *o)
{
    if (o->message != NULL)
        return o->message;
    assert_non_null(o->wire);
    ProtobufCMessage *m = protobuf_c_message_unpack(&streaming__stream_response__descriptor, NULL,
                                                    o->wire_len, o->wire);
    assert_non_null(m);
    return m;
}

/* Expect a message now; returns it (caller frees) after acknowledging it. */
static inline ProtobufCMessage *expect_message(sc_handler *h, int64_t now)
{
    sc_out o = sc_handler_next_output(h, at(now));
    assert_int_equal(o.kind, SC_OUT_MESSAGE);
    ProtobufCMessage *m = out_message(&o);
    sc_handler_on_sent(h, true, at(now));
    return m;
}

static inline void send_request(sc_handler *h, const char *sub, int batch, int64_t now, int ntopics,
                                ...)
{
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    char *topics[8];
    va_list ap;
    va_start(ap, ntopics);
    for (int i = 0; i < ntopics; i++)
        topics[i] = va_arg(ap, char *);
    va_end(ap);
    req.subscription_id = (char *)sub;
    req.batch_size = batch;
    req.topics = topics;
    req.n_topics = (size_t)ntopics;
    assert_true(sc_handler_wants_recv(h));
    sc_handler_on_message(h, &req.base, at(now));
}

static inline void free_msg(ProtobufCMessage *m)
{
    protobuf_c_message_free_unpacked(m, NULL);
}

#endif
