/* engine/sc_scenario_needs: what a scenario needs is worked out from its content, and a pair
 * that lacks a feature is refused with a reason naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sc_impl.h"
#include "sc_scenario.h"
#include "sc_scenario_needs.h"

#define B(f) SC_FEAT_BIT(SC_FEAT_##f)

/* The needs of the one scenario in `text`. */
static sc_needs needs_of(const char *text)
{
    sc_scenario_set set = {0};
    char err[1024] = "";
    if (sc_scenario_set_load_text(&set, "t.json", text, err, sizeof err) != 0)
        fail_msg("%s", err);
    sc_needs n = sc_scenario_needs(set.items[0]);
    sc_scenario_set_free(&set);
    return n;
}

static void plain_dataservice_needs_nothing(void **state)
{
    (void)state;
    sc_needs n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"client\": {\"requests\": "
                          "[{\"topics\": [\"t\"]}], \"timeout_ms\": 100, \"metadata\": {\"x-a\": "
                          "\"1\"}}, \"expect\": {\"status\": \"OK\", \"responses\": 1}}");
    assert_int_equal(n.server, 0);
    assert_int_equal(n.client, 0);
}

static void server_needs_from_content(void **state)
{
    (void)state;
    sc_needs n = needs_of("{\"name\": \"a\", \"method\": \"SubscribeData\", \"server\": "
                          "{\"max_responses\": 2}, \"expect\": {\"status\": \"OK\"}}");
    assert_int_equal(n.server, B(CONTROL));
    n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"client\": {\"metadata\": "
                 "{\"x-sc-fail-code\": \"BOGUS\"}}, \"expect\": {\"status\": "
                 "\"INVALID_ARGUMENT\"}}");
    assert_int_equal(n.server, B(CONTROL));
    n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"client\": {\"metadata\": "
                 "{\"x-grpc-test-echo-initial\": \"v\"}}, \"expect\": {\"status\": \"OK\"}}");
    assert_int_equal(n.server, B(CONTROL));
    n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"expect\": {\"status\": \"OK\", "
                 "\"server\": {\"calls\": 1}}}");
    assert_int_equal(n.server, B(EVENTS));
    n = needs_of("{\"name\": \"a\", \"method\": \"Chat\", \"expect\": {\"status\": \"OK\"}}");
    assert_int_equal(n.server, B(CHAT_ROOM));
}

/* A Chat-typed call on a path that is no DataService method never reaches the room; one whose path
 * names Chat (or a companion that calls Chat) does. */
static void chat_room_only_when_a_call_reaches_chat(void **state)
{
    (void)state;
    const char *paths[] = {"/streaming.DataService/Talk", "/other.streaming.DataService/Chat",
                           "/streaming.DataService/chat", "/streaming.DataService/GetData"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"name\": \"a\", \"method\": \"Chat\", \"client\": {\"path\": \"%s\", "
                 "\"requests\": [{\"userId\": \"u\"}], \"half_close\": false}, \"expect\": "
                 "{\"status\": \"UNIMPLEMENTED\"}}",
                 paths[i]);
        sc_needs n = needs_of(text);
        assert_int_equal(n.server, 0);
        assert_int_equal(n.client, B(PATH) | B(KEEP_OPEN));
    }
    sc_needs n = needs_of("{\"name\": \"a\", \"method\": \"Chat\", \"client\": {\"path\": "
                          "\"/streaming.DataService/Chat\"}, \"expect\": {\"status\": \"OK\"}}");
    assert_int_equal(n.server, B(CHAT_ROOM));
    /* unimplemented, but with expect.server: still needs the event log */
    n = needs_of("{\"name\": \"a\", \"method\": \"Chat\", \"client\": {\"path\": \"/x.Y/Z\"}, "
                 "\"expect\": {\"status\": \"UNIMPLEMENTED\", \"server\": {\"calls\": 0}}}");
    assert_int_equal(n.server, B(EVENTS));
    /* a companion without a path calls the scenario's method: Chat */
    n = needs_of("{\"name\": \"a\", \"method\": \"Chat\", \"client\": {\"path\": \"/x.Y/Z\"}, "
                 "\"companions\": [{\"client\": {\"requests\": [{\"userId\": \"v\"}]}, "
                 "\"expect\": {\"status\": \"OK\"}}], \"expect\": {\"status\": "
                 "\"UNIMPLEMENTED\"}}");
    assert_int_equal(n.server, B(CHAT_ROOM));
}

static void client_needs_from_the_instruction(void **state)
{
    (void)state;
    sc_needs n = needs_of(
        "{\"name\": \"a\", \"method\": \"SubscribeData\", \"client\": {\"cancel\": "
        "{\"after_ms\": 5}, \"reconnect\": {\"honor_pushback\": true}, \"path\": \"/a.B/C\", "
        "\"channel\": {\"bdp_probe\": false}, \"read_pause_ms\": 1, \"start_delay_ms\": 1, "
        "\"request_delay_ms\": 1, \"wait_for_ready\": true, \"half_close\": false, "
        "\"pingpong\": true}, \"expect\": {\"status\": \"CANCELLED\"}}");
    assert_int_equal(n.client, B(CANCEL) | B(RECONNECT) | B(PUSHBACK) | B(PATH) | B(CHANNEL) |
                                   B(READ_PAUSE) | B(START_DELAY) | B(REQUEST_DELAY) |
                                   B(WAIT_FOR_READY) | B(KEEP_OPEN) | B(PINGPONG));
    n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"client\": {\"read_pause_ms\": 0, "
                 "\"half_close\": true, \"wait_for_ready\": false, \"pingpong\": false, "
                 "\"reconnect\": true}, "
                 "\"expect\": {\"status\": \"OK\"}}");
    assert_int_equal(n.client, B(RECONNECT));
    /* service_config alone needs "service-config", not "channel" */
    n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"client\": {\"channel\": "
                 "{\"service_config\": {}}}, \"expect\": {\"status\": \"OK\"}}");
    assert_int_equal(n.client, B(SERVICE_CONFIG));
    n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"client\": {\"channel\": "
                 "{\"service_config\": {}, \"max_receive_bytes\": 9}}, \"expect\": {\"status\": "
                 "\"OK\"}}");
    assert_int_equal(n.client, B(SERVICE_CONFIG) | B(CHANNEL));
}

static void companions_add_their_needs(void **state)
{
    (void)state;
    sc_needs n = needs_of(
        "{\"name\": \"a\", \"method\": \"Chat\", \"client\": {\"requests\": [{\"userId\": "
        "\"u\"}]}, \"companions\": [{\"client\": {\"requests\": [{\"userId\": \"v\"}], "
        "\"start_delay_ms\": 10}, \"expect\": {\"status\": \"OK\"}}], \"expect\": {\"status\": "
        "\"OK\"}}");
    assert_int_equal(n.client, B(COMPANIONS) | B(START_DELAY));
    assert_int_equal(n.server, B(CHAT_ROOM));
}

static void scripted_scenarios_need_no_server_feature(void **state)
{
    (void)state;
    sc_needs n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"server\": {\"script\": "
                          "{\"status\": {\"code\": \"OK\"}}}, \"expect\": "
                          "{\"status\": \"OK\", \"server\": {\"calls\": 1}}}");
    assert_int_equal(n.server, 0);
}

/* Compression (issue 14): each part of client.compression is a client feature of its own;
 * compress_responses needs the server's "compression", what the log says of each message
 * "compression-events". */
static void compression_needs(void **state)
{
    (void)state;
    sc_scenario_set set = {0};
    char err[1024] = "";
    const char *text =
        "{\"scenarios\": ["
        "{\"name\": \"z/a\", \"method\": \"GetData\", \"client\": {\"compression\": "
        "{\"algorithm\": \"gzip\"}}, \"expect\": {\"status\": \"OK\"}},"
        "{\"name\": \"z/b\", \"method\": \"GetData\", \"client\": {\"compression\": "
        "{\"no_compress\": [0], \"accept\": [\"gzip\"]}}, \"server\": "
        "{\"compress_responses\": \"gzip\", \"no_compress_responses\": [1]}, \"expect\": "
        "{\"status\": \"OK\"}},"
        "{\"name\": \"z/c\", \"method\": \"GetData\", \"expect\": {\"status\": \"OK\", "
        "\"server\": {\"request_encoding\": \"gzip\"}, \"response_encoding\": \"gzip\"}}]}";
    assert_int_equal(sc_scenario_set_load_text(&set, "z.json", text, err, sizeof err), 0);
    sc_needs a = sc_scenario_needs(set.items[0]);
    assert_int_equal(a.client, B(CLIENT_COMPRESSION));
    assert_int_equal(a.server, 0);
    sc_needs b = sc_scenario_needs(set.items[1]);
    assert_int_equal(b.client, B(NO_COMPRESS) | B(ACCEPT_ENCODING));
    assert_int_equal(b.server, B(CONTROL) | B(SERVER_COMPRESSION) | B(NO_COMPRESS_RESPONSES));
    sc_needs c = sc_scenario_needs(set.items[2]);
    assert_int_equal(c.server, B(EVENTS) | B(COMPRESSION_EVENTS));
    assert_int_equal(c.client, B(RESPONSE_ENCODING));
    sc_scenario_set_free(&set);
}

static void skip_reasons_name_the_feature(void **state)
{
    (void)state;
    sc_needs n = {B(CONTROL), 0};
    char why[512];
    assert_false(sc_needs_met(&n, "mine", 0, "c", 0, why, sizeof why));
    assert_string_equal(why, "needs server feature 'control': mine declares none");
    n = (sc_needs){B(CONTROL) | B(EVENTS), B(CANCEL) | B(RECONNECT)};
    assert_false(sc_needs_met(&n, "mine", B(CHAT_ROOM), "drv", B(CHANNEL), why, sizeof why));
    assert_string_equal(why, "needs server features 'control', 'events': mine declares chat-room; "
                             "needs client features 'cancel', 'reconnect': drv declares channel");
    assert_false(sc_needs_met(&n, "s", B(CONTROL) | B(EVENTS), "drv", B(CANCEL), why, sizeof why));
    assert_string_equal(why, "needs client feature 'reconnect': drv declares cancel");
    assert_true(sc_needs_met(&n, "s", B(CONTROL) | B(EVENTS), "d", B(CANCEL) | B(RECONNECT), why,
                             sizeof why));
    assert_string_equal(why, "");
    assert_int_equal(sc_needs_missing(&n, SC_ROLE_SERVER, B(EVENTS)), B(CONTROL));
}

/* Every scenario of the library loads, and the built-in peers (every feature) run all of them. */
static void library_needs_are_met_by_every_feature(void **state)
{
    (void)state;
    sc_scenario_set set = {0};
    char err[1024] = "";
    assert_int_equal(sc_scenario_set_load(&set, SC_SCENARIO_LIBRARY, err, sizeof err), 0);
    size_t control = 0;
    for (size_t i = 0; i < set.count; i++) {
        sc_needs n = sc_scenario_needs(set.items[i]);
        char why[512];
        assert_true(sc_needs_met(&n, "s", sc_feature_all(SC_ROLE_SERVER), "c",
                                 sc_feature_all(SC_ROLE_CLIENT), why, sizeof why));
        control += (n.server & B(CONTROL)) != 0;
    }
    assert_true(control > 0 && control < set.count);
    sc_scenario_set_free(&set);
}

/* The built-in implementations file (peers/implementations.json, beside scenarios/) loads, and
 * declares c, python, go and node with every feature of both roles, so that the default matrix
 * runs every case, except what their library cannot do (issue 14, compression;
 * docs/peer-protocol.md "Compression"). */
/* server_options needs "lifecycle" of the server; channel.keepalive_* "keepalive" of the client
 * (and not "channel"). */
static void lifecycle_and_keepalive_needs(void **state)
{
    (void)state;
    sc_needs n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"server_options\": "
                          "{\"max_concurrent_streams\": 1}, \"expect\": {\"status\": \"OK\"}}");
    assert_int_equal(n.server, B(LIFECYCLE));
    assert_int_equal(n.client, 0);
    n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"client\": {\"channel\": "
                 "{\"keepalive_time_ms\": 100, \"keepalive_permit_without_calls\": true}}, "
                 "\"expect\": {\"status\": \"OK\"}}");
    assert_int_equal(n.server, 0);
    assert_int_equal(n.client, B(KEEPALIVE));
    n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"client\": {\"channel\": "
                 "{\"keepalive_time_ms\": 100, \"max_receive_bytes\": 10}}, "
                 "\"expect\": {\"status\": \"OK\"}}");
    assert_int_equal(n.client, B(KEEPALIVE) | B(CHANNEL));
    n = needs_of("{\"name\": \"a\", \"method\": \"GetData\", \"client\": {\"channel\": "
                 "{\"share\": \"c\"}}, \"expect\": {\"status\": \"OK\"}}");
    assert_int_equal(n.client, B(SHARE_CHANNEL));
}

static void builtin_file_declares_every_feature(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/../peers/implementations.json", SC_SCENARIO_LIBRARY);
    sc_impl_vars vars = {.build = "/b", .self = "/b/cli/streamconform", .core_version = "1"};
    sc_impl_book book = {0};
    char err[1024] = "";
    if (sc_impl_book_load(&book, path, &vars, err, sizeof err) != 0)
        fail_msg("%s", err);
    static const struct {
        const char *name;
        sc_feature_mask server_lacks, client_lacks;
    } peers[] = {
        {"c", 0, 0},
        /* grpcio: no incoming encoding nor per-message flag for a handler; no per-message write
         * flags in grpc.aio */
        {"python", B(COMPRESSION_EVENTS), B(NO_COMPRESS) | B(RESPONSE_ENCODING)},
        /* grpc-go: no per-message compression switch (either side); it advertises every registered
         * compressor */
        {"go", B(NO_COMPRESS_RESPONSES), B(NO_COMPRESS) | B(ACCEPT_ENCODING)},
        /* grpc-js 1.14: its server never compresses a response; it always advertises all three */
        {"node", B(SERVER_COMPRESSION) | B(COMPRESSION_EVENTS) | B(NO_COMPRESS_RESPONSES),
         B(ACCEPT_ENCODING) | B(RESPONSE_ENCODING)},
    };
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++) {
        const sc_impl_decl *d = sc_impl_book_find(&book, peers[i].name);
        assert_non_null(d);
        assert_true(d->description[0] != '\0');
        assert_non_null(d->server.argv);
        assert_int_equal(d->server.features,
                         sc_feature_all(SC_ROLE_SERVER) & ~peers[i].server_lacks);
        assert_int_equal(d->client.features,
                         sc_feature_all(SC_ROLE_CLIENT) & ~peers[i].client_lacks);
    }
    assert_string_equal(sc_impl_book_find(&book, "c")->server.argv[0], "/b/cli/streamconform");
    assert_string_equal(sc_impl_book_find(&book, "go")->client.argv[0], "/b/peers/go/peer-go");
    sc_impl_book_free(&book);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_dataservice_needs_nothing),
        cmocka_unit_test(server_needs_from_content),
        cmocka_unit_test(chat_room_only_when_a_call_reaches_chat),
        cmocka_unit_test(client_needs_from_the_instruction),
        cmocka_unit_test(companions_add_their_needs),
        cmocka_unit_test(scripted_scenarios_need_no_server_feature),
        cmocka_unit_test(skip_reasons_name_the_feature),
        cmocka_unit_test(compression_needs),
        cmocka_unit_test(library_needs_are_met_by_every_feature),
        cmocka_unit_test(builtin_file_declares_every_feature),
        cmocka_unit_test(lifecycle_and_keepalive_needs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
