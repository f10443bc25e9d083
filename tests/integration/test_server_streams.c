/* The reference server under many streams at once: 200 concurrent subscribers, a chat room with
 * a stalled member, and SIGTERM while streams are live. One client loop (one CQ) drives them all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sc_client_call.h"
#include "sc_client_channel.h"
#include "sc_loop.h"
#include "sc_pb.h"
#include "sc_status.h"
#include "sc_testproc.h"
#include "sc_time.h"
#include "streaming.pb-c.h"

#define READY_MS 10000
#define RUN_MS 60000 /* bound on any one test's loop; far above what they need */
#define N_SUBSCRIBERS 200
#define CHAT_FLOOD 4000        /* messages the talker sends: enough to overflow a stalled reader */
#define CHAT_FLOOD_BYTES 16384 /* content size of each (flow-control windows fill in MiBs) */
#define CHAT_WINDOW 256        /* talker's lead over the listener; well under the 1024 cap */

static sc_testproc server;
static char events_path[] = "/tmp/sc-it-streams-XXXXXX";
static grpc_channel *channel;
static sc_loop *loop;

static int start_server(sc_testproc *p, const char *events)
{
    char *argv[] = {(char *)sc_testproc_binary(),
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--quiet",
                    "--events",
                    (char *)events,
                    NULL};
    if (events == NULL)
        argv[5] = NULL;
    return sc_testproc_start(p, argv, READY_MS);
}

static grpc_channel *open_channel(int port)
{
    char t[64], err[256];
    snprintf(t, sizeof t, "127.0.0.1:%d", port);
    sc_client_channel_opts o = {.max_receive_bytes = 64 * 1024 * 1024};
    grpc_channel *ch = sc_client_channel_create(t, &o, err, sizeof err);
    assert_non_null(ch);
    return ch;
}

static int group_setup(void **state)
{
    (void)state;
    int fd = mkstemp(events_path);
    assert_true(fd >= 0);
    close(fd);
    loop = sc_loop_create(SC_LOOP_CLIENT_TICK_MS); /* calls grpc_init */
    assert_non_null(loop);
    assert_int_equal(start_server(&server, events_path), 0);
    channel = open_channel(server.port);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    grpc_channel_destroy(channel);
    sc_loop_destroy(loop);
    int st = sc_testproc_stop(&server, SIGTERM, 10000);
    sc_testproc_cleanup(&server);
    unlink(events_path);
    return (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

static sc_md_list metadata(const char *first, ...)
{
    sc_md_list md = {0};
    va_list ap;
    va_start(ap, first);
    for (const char *k = first; k != NULL; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        assert_int_equal(sc_md_list_add(&md, k, v, strlen(v)), 0);
    }
    va_end(ap);
    return md;
}

static sc_client_call *start(grpc_channel *ch, sc_method m, const sc_md_list *md,
                             const sc_client_call_handlers *h, void *user)
{
    sc_client_call_opts o = {.method = m, .metadata = md, .deadline_ms = RUN_MS};
    char err[256];
    sc_client_call *c = sc_client_call_start(loop, ch, &o, h, user, err, sizeof err);
    if (c == NULL)
        fail_msg("call start: %s", err);
    return c;
}

static bool file_has(const char *a, const char *b)
{
    FILE *f = fopen(events_path, "r");
    if (f == NULL)
        return false;
    char buf[8192];
    bool found = false;
    while (!found && fgets(buf, sizeof buf, f) != NULL)
        found = strstr(buf, a) != NULL && strstr(buf, b) != NULL;
    fclose(f);
    return found;
}

/* ---- 200 concurrent SubscribeData streams ---------------------------------------------- */

static sc_client_call *subs[N_SUBSCRIBERS];

static bool all_subs_done(void *ctx)
{
    (void)ctx;
    for (int i = 0; i < N_SUBSCRIBERS; i++)
        if (!sc_client_call_done(subs[i]))
            return false;
    return true;
}

static void two_hundred_concurrent_subscribers(void **state)
{
    (void)state;
    static char *topics[] = {"t"};
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.subscription_id = "many";
    req.topics = topics;
    req.n_topics = 1;
    sc_md_list md = metadata("x-sc-response-delay-ms", "20", "x-sc-max-responses", "3", NULL);
    sc_client_call_handlers none = {0};
    for (int i = 0; i < N_SUBSCRIBERS; i++) {
        subs[i] = start(channel, SC_METHOD_SUBSCRIBE, &md, &none, NULL);
        assert_int_equal(sc_client_call_send(subs[i], &req.base), 0);
        assert_int_equal(sc_client_call_close_send(subs[i]), 0);
    }
    assert_int_equal(sc_loop_run_until(loop, all_subs_done, NULL, RUN_MS), 0);
    for (int i = 0; i < N_SUBSCRIBERS; i++) {
        const sc_client_call_result *r = sc_client_call_result_get(subs[i]);
        if (r->code != 0 || r->responses != 3)
            fail_msg("subscriber %d: %s \"%s\" after %zu responses", i, sc_status_name(r->code),
                     r->message, r->responses);
        sc_client_call_release(subs[i]);
    }
    sc_md_list_free(&md);
}

/* ---- Chat: three users, one of them never reads ---------------------------------------- */

typedef struct {
    const char *name;
    sc_client_call *call;
    size_t from_talker; /* messages received from "talker" */
    bool saw_stalled_join, saw_stalled_left;
} chat_user;

static chat_user listener = {.name = "listener"}, talker = {.name = "talker"};
static char *flood_text;
static int flood_sent;

static void say(sc_client_call *c, const char *user, const char *text);

/* The talker stays at most CHAT_WINDOW messages ahead of what the listener has read: a reading
 * receiver never has more than that queued at the server, while the stalled one piles up. */
static void flood_more(void)
{
    while (flood_text != NULL && flood_sent < CHAT_FLOOD &&
           (size_t)flood_sent - listener.from_talker < CHAT_WINDOW) {
        say(talker.call, "talker", flood_text);
        flood_sent++;
    }
}

static void chat_on_message(sc_client_call *call, ProtobufCMessage *msg, void *user)
{
    (void)call;
    chat_user *u = user;
    Streaming__ChatMessage *m = (Streaming__ChatMessage *)msg;
    if (strcmp(m->user_id, "talker") == 0) {
        u->from_talker++;
        if (u == &listener)
            flood_more();
    }
    if (strcmp(m->content, "stalled joined the chat") == 0)
        u->saw_stalled_join = true;
    if (strcmp(m->content, "stalled left the chat") == 0)
        u->saw_stalled_left = true;
    protobuf_c_message_free_unpacked(msg, NULL);
}

static bool listener_saw_join(void *ctx)
{
    (void)ctx;
    return listener.saw_stalled_join && talker.saw_stalled_join;
}

static bool flood_delivered(void *ctx)
{
    (void)ctx;
    return listener.from_talker == CHAT_FLOOD && listener.saw_stalled_left;
}

static bool chat_done(void *ctx)
{
    (void)ctx;
    return sc_client_call_done(listener.call) && sc_client_call_done(talker.call);
}

static void say(sc_client_call *c, const char *user, const char *text)
{
    Streaming__ChatMessage m = STREAMING__CHAT_MESSAGE__INIT;
    m.user_id = (char *)user;
    m.content = (char *)text;
    m.timestamp = sc_time_wall_ns();
    assert_int_equal(sc_client_call_send(c, &m.base), 0);
}

/* A chat member that joins and then never reads: raw core call on its own connection. */
typedef struct {
    grpc_channel *ch;
    grpc_completion_queue *cq;
    grpc_call *call;
    grpc_byte_buffer *join;
    grpc_metadata md;
} stalled_member;

static void stalled_join(stalled_member *s, int port)
{
    char t[64];
    snprintf(t, sizeof t, "127.0.0.1:%d", port);
    /* its own subchannel pool: a connection of its own, so only its stream stalls */
    grpc_arg arg = {.type = GRPC_ARG_INTEGER,
                    .key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL,
                    .value.integer = 1};
    grpc_channel_args args = {.num_args = 1, .args = &arg};
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    s->ch = grpc_channel_create(t, creds, &args);
    grpc_channel_credentials_release(creds);
    s->cq = grpc_completion_queue_create_for_pluck(NULL);
    s->call = grpc_channel_create_call(s->ch, NULL, GRPC_PROPAGATE_DEFAULTS, s->cq,
                                       grpc_slice_from_static_string("/streaming.DataService/Chat"),
                                       NULL, sc_time_deadline_in_ms(RUN_MS), NULL);
    Streaming__ChatMessage m = STREAMING__CHAT_MESSAGE__INIT;
    m.user_id = "stalled";
    m.content = "";
    s->join = sc_pb_pack(&m.base);
    s->md.key = grpc_slice_from_static_string("x-sc-case");
    s->md.value = grpc_slice_from_static_string("it/chat-stalled");
    grpc_op ops[2] = {{.op = GRPC_OP_SEND_INITIAL_METADATA}, {.op = GRPC_OP_SEND_MESSAGE}};
    ops[0].data.send_initial_metadata.count = 1;
    ops[0].data.send_initial_metadata.metadata = &s->md;
    ops[1].data.send_message.send_message = s->join;
    int tag;
    assert_int_equal(grpc_call_start_batch(s->call, ops, 2, &tag, NULL), GRPC_CALL_OK);
    grpc_event ev = grpc_completion_queue_pluck(s->cq, &tag, sc_time_deadline_in_ms(10000), NULL);
    assert_int_equal(ev.type, GRPC_OP_COMPLETE);
}

static void stalled_cleanup(stalled_member *s)
{
    grpc_call_cancel(s->call, NULL);
    grpc_call_unref(s->call);
    grpc_byte_buffer_destroy(s->join);
    grpc_completion_queue_shutdown(s->cq);
    while (grpc_completion_queue_pluck(s->cq, NULL, sc_time_deadline_in_ms(5000), NULL).type !=
           GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(s->cq);
    grpc_channel_destroy(s->ch);
}

static void chat_stalled_member_does_not_stall_others(void **state)
{
    (void)state;
    sc_client_call_handlers h = {.on_message = chat_on_message};
    listener.call = start(channel, SC_METHOD_CHAT, NULL, &h, &listener);
    talker.call = start(channel, SC_METHOD_CHAT, NULL, &h, &talker);
    say(listener.call, "listener", "hello");
    say(talker.call, "talker", "hello");
    stalled_member stalled;
    stalled_join(&stalled, server.port);
    assert_int_equal(sc_loop_run_until(loop, listener_saw_join, NULL, RUN_MS), 0);

    flood_text = malloc(CHAT_FLOOD_BYTES + 1);
    memset(flood_text, 'z', CHAT_FLOOD_BYTES);
    flood_text[CHAT_FLOOD_BYTES] = '\0';
    flood_more();
    if (sc_loop_run_until(loop, flood_delivered, NULL, RUN_MS) != 0)
        fail_msg("listener got %zu of %d messages from talker (stalled left seen: %d; talker "
                 "queue %zu)",
                 listener.from_talker, CHAT_FLOOD, listener.saw_stalled_left,
                 sc_client_call_send_queued(talker.call));
    free(flood_text);
    flood_text = NULL;
    assert_int_equal(listener.from_talker, CHAT_FLOOD);
    assert_int_equal(talker.from_talker, 0); /* never echoed to the sender */
    assert_true(file_has("\"case\":\"it/chat-stalled\"", "\"code\":\"RESOURCE_EXHAUSTED\""));

    sc_client_call_close_send(listener.call);
    sc_client_call_close_send(talker.call);
    assert_int_equal(sc_loop_run_until(loop, chat_done, NULL, RUN_MS), 0);
    assert_int_equal(sc_client_call_result_get(listener.call)->code, 0);
    assert_int_equal(sc_client_call_result_get(talker.call)->code, 0);
    sc_client_call_release(listener.call);
    sc_client_call_release(talker.call);
    stalled_cleanup(&stalled);
}

/* ---- SIGTERM while streams are live ---------------------------------------------------- */

#define N_LIVE 5
static sc_client_call *live[N_LIVE];

static bool all_live_streaming(void *ctx)
{
    (void)ctx;
    for (int i = 0; i < N_LIVE; i++)
        if (sc_client_call_result_get(live[i])->responses < 1)
            return false;
    return true;
}

static bool all_live_done(void *ctx)
{
    (void)ctx;
    for (int i = 0; i < N_LIVE; i++)
        if (!sc_client_call_done(live[i]))
            return false;
    return true;
}

static void sigterm_ends_live_streams_unavailable(void **state)
{
    (void)state;
    sc_testproc p;
    assert_int_equal(start_server(&p, NULL), 0);
    grpc_channel *ch = open_channel(p.port);
    static char *topics[] = {"t"};
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.subscription_id = "live";
    req.topics = topics;
    req.n_topics = 1;
    sc_md_list md = metadata("x-sc-response-delay-ms", "10", NULL);
    sc_client_call_handlers none = {0};
    for (int i = 0; i < N_LIVE; i++) {
        live[i] = start(ch, SC_METHOD_SUBSCRIBE, &md, &none, NULL);
        sc_client_call_send(live[i], &req.base);
        sc_client_call_close_send(live[i]);
    }
    assert_int_equal(sc_loop_run_until(loop, all_live_streaming, NULL, RUN_MS), 0);
    kill(p.pid, SIGTERM);
    int64_t t0 = sc_time_now_ms();
    assert_int_equal(sc_loop_run_until(loop, all_live_done, NULL, 10000), 0);
    assert_true(sc_time_now_ms() - t0 < 5000);
    for (int i = 0; i < N_LIVE; i++) {
        const sc_client_call_result *r = sc_client_call_result_get(live[i]);
        if (r->code != SC_STATUS_UNAVAILABLE)
            fail_msg("stream %d ended %s \"%s\"", i, sc_status_name(r->code), r->message);
        sc_client_call_release(live[i]);
    }
    int st = sc_testproc_stop(&p, 0, 10000); /* already signalled: just reap */
    assert_true(st >= 0 && WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    sc_testproc_cleanup(&p);
    grpc_channel_destroy(ch);
    sc_md_list_free(&md);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_hundred_concurrent_subscribers),
        cmocka_unit_test(chat_stalled_member_does_not_stall_others),
        cmocka_unit_test(sigterm_ends_live_streams_unavailable),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
