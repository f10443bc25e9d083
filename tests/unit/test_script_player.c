/* The scripted server's pure logic: script parsing (common/sc_script), the script book and the
 * player (server/sc_script_player), with time passed in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_script.h"
#include "sc_script_book.h"
#include "sc_script_player.h"
#include "sc_status.h"
#include "streaming.pb-c.h"

static int parse(sc_script *s, sc_method m, const char *text, char *err, size_t errlen)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    int rc = sc_script_parse(s, m, j, "script", err, errlen);
    cJSON_Delete(j);
    return rc;
}

static void expect_parse_error(sc_method m, const char *text, const char *want)
{
    sc_script s;
    char err[1024];
    assert_int_equal(parse(&s, m, text, err, sizeof err), -1);
    assert_string_equal(err, want);
    sc_script_free(&s);
}

static void parse_full_script(void **state)
{
    (void)state;
    sc_script s;
    char err[1024];
    assert_int_equal(
        parse(&s, SC_METHOD_SUBSCRIBE,
              "{\"initial_delay_ms\": 5, \"headers\": {\"x-a\": [\"1\", \"2\"], \"x-b-bin\": "
              "\"AAEC\"}, \"responses\": [{\"delay_ms\": 10, \"message\": {\"sequenceNumber\": "
              "\"4\"}}, {\"message\": {}}], \"trailers\": {\"grpc-retry-pushback-ms\": \"9\"}, "
              "\"status\": {\"code\": \"UNAVAILABLE\", \"message\": \"m\", \"delay_ms\": 7}}",
              err, sizeof err),
        0);
    assert_int_equal(s.initial_delay_ms, 5);
    assert_true(s.has_headers);
    assert_int_equal(s.headers.count, 3);
    assert_string_equal(s.headers.items[1].key, "x-a");
    assert_int_equal(s.headers.items[2].value_len, 3);
    assert_int_equal(s.headers.items[2].value[2], 2);
    assert_int_equal(s.n_responses, 2);
    assert_int_equal(s.responses[0].delay_ms, 10);
    assert_int_equal(((Streaming__StreamResponse *)s.responses[0].message)->sequence_number, 4);
    assert_int_equal(s.trailers.count, 1);
    assert_int_equal(s.status_code, SC_STATUS_UNAVAILABLE);
    assert_string_equal(s.status_message, "m");
    assert_int_equal(s.status_delay_ms, 7);
    assert_int_equal(sc_script_total_delay_ms(&s), 22);
    sc_script_free(&s);
}

static void parse_errors(void **state)
{
    (void)state;
    expect_parse_error(SC_METHOD_GET, "[]", "script: expected an object");
    expect_parse_error(SC_METHOD_GET, "{}", "script.status: missing");
    expect_parse_error(SC_METHOD_GET, "{\"status\": {\"code\": \"OK\"}, \"extra\": 1}",
                       "script.extra: unknown field");
    expect_parse_error(SC_METHOD_GET, "{\"status\": {\"code\": \"ok\"}}",
                       "script.status.code: unknown code \"ok\"");
    expect_parse_error(SC_METHOD_GET, "{\"status\": {\"code\": \"OK\", \"delay_ms\": 1.5}}",
                       "script.status.delay_ms: expected an integer from 0 to 3600000");
    expect_parse_error(SC_METHOD_CHAT,
                       "{\"responses\": [{\"message\": {\"userId\": 3}}], \"status\": "
                       "{\"code\": \"OK\"}}",
                       "script.responses[0].message.userId: expected a string, got 3");
    expect_parse_error(SC_METHOD_GET, "{\"responses\": [{}], \"status\": {\"code\": \"OK\"}}",
                       "script.responses[0].message: missing");
    expect_parse_error(SC_METHOD_GET,
                       "{\"headers\": {\"Upper\": \"x\"}, \"status\": {\"code\": \"OK\"}}",
                       "script.headers.Upper: key must be lower-case [0-9a-z_.-], not grpc-* (but "
                       "grpc-retry-pushback-ms) nor a transport header");
    expect_parse_error(SC_METHOD_GET,
                       "{\"trailers\": {\"x-t\": \"caf\\u00e9\"}, \"status\": {\"code\": \"OK\"}}",
                       "script.trailers.x-t: a header value must be printable ASCII (use a -bin "
                       "key)");
    expect_parse_error(SC_METHOD_GET,
                       "{\"trailers\": {\"x-t-bin\": [\"!!\"]}, \"status\": {\"code\": \"OK\"}}",
                       "script.trailers.x-t-bin[0]: a -bin value must be base64");
    expect_parse_error(SC_METHOD_GET,
                       "{\"status\": {\"code\": \"OK\"}, \"status\": {\"code\": \"OK\"}}",
                       "script.status: given twice");
}

/* "raw" responses: base64 of the bytes to send, kept as given (no type check), bounded. */
static void raw_responses(void **state)
{
    (void)state;
    sc_script s;
    char err[1024];
    assert_int_equal(
        parse(&s, SC_METHOD_CHAT,
              "{\"responses\": [{\"delay_ms\": 3, \"raw\": \"CmR4\"}, {\"raw\": \"\"}, "
              "{\"message\": {\"userId\": \"u\"}}], \"status\": {\"code\": "
              "\"UNIMPLEMENTED\"}}",
              err, sizeof err),
        0);
    assert_int_equal(s.n_responses, 3);
    assert_null(s.responses[0].message);
    assert_int_equal(s.responses[0].delay_ms, 3);
    assert_int_equal(s.responses[0].raw_len, 3);
    assert_memory_equal(s.responses[0].raw, "\x0a\x64x", 3); /* not a ChatMessage: as given */
    assert_null(s.responses[1].message);
    assert_non_null(s.responses[1].raw); /* an empty message is a message */
    assert_int_equal(s.responses[1].raw_len, 0);
    assert_non_null(s.responses[2].message);
    assert_null(s.responses[2].raw);
    /* the player hands the bytes out */
    sc_script_player p;
    sc_script_player_init(&p, &s, 0);
    assert_int_equal(sc_script_player_next(&p, 0).kind, SC_PLAY_HEADERS);
    sc_script_player_on_sent(&p, true, 0);
    sc_play_out o = sc_script_player_next(&p, 3);
    assert_int_equal(o.kind, SC_PLAY_MESSAGE);
    assert_null(o.message);
    assert_ptr_equal(o.raw, s.responses[0].raw);
    assert_int_equal(o.raw_len, 3);
    sc_script_free(&s);

    expect_parse_error(SC_METHOD_GET,
                       "{\"responses\": [{\"raw\": \"!!\"}], \"status\": {\"code\": \"OK\"}}",
                       "script.responses[0].raw: expected base64");
    expect_parse_error(SC_METHOD_GET,
                       "{\"responses\": [{\"raw\": 3}], \"status\": {\"code\": \"OK\"}}",
                       "script.responses[0].raw: expected a base64 string");
    expect_parse_error(SC_METHOD_GET,
                       "{\"responses\": [{\"raw\": \"AA==\", \"message\": {}}], \"status\": "
                       "{\"code\": \"OK\"}}",
                       "script.responses[0]: \"message\" and \"raw\" both given (one of them)");
    /* larger than SC_SCRIPT_MAX_RAW */
    size_t n = (size_t)SC_SCRIPT_MAX_RAW / 3 * 4 + 8;
    char *big = malloc(n + 128);
    assert_non_null(big);
    int k = snprintf(big, 128, "{\"responses\": [{\"raw\": \"");
    memset(big + k, 'A', n);
    snprintf(big + k + n, 128, "\"}], \"status\": {\"code\": \"OK\"}}");
    char want[128];
    snprintf(want, sizeof want, "script.responses[0].raw: longer than %d bytes", SC_SCRIPT_MAX_RAW);
    expect_parse_error(SC_METHOD_GET, big, want);
    free(big);
}

static sc_script load(sc_method m, const char *text)
{
    sc_script s;
    char err[1024];
    if (parse(&s, m, text, err, sizeof err) != 0)
        fail_msg("%s", err);
    return s;
}

/* Headers at the gate; each response delay_ms after the previous output went out; the status
 * after its own delay, after every message. */
static void plays_in_order_with_relative_delays(void **state)
{
    (void)state;
    sc_script s = load(SC_METHOD_SUBSCRIBE,
                       "{\"initial_delay_ms\": 100, \"responses\": [{\"delay_ms\": 10, "
                       "\"message\": {}}, {\"delay_ms\": 50, \"message\": {\"sequenceNumber\": "
                       "\"1\"}}], \"status\": {\"code\": \"DATA_LOSS\", \"message\": \"x\", "
                       "\"delay_ms\": 30}}");
    sc_script_player p;
    sc_script_player_init(&p, &s, 1000);
    assert_int_equal(sc_script_player_next(&p, 1000).kind, SC_PLAY_NONE);
    assert_int_equal(sc_script_player_wake_at(&p), 1100);
    assert_int_equal(sc_script_player_next(&p, 1099).kind, SC_PLAY_NONE);
    assert_int_equal(sc_script_player_next(&p, 1100).kind, SC_PLAY_HEADERS);
    /* nothing while the headers are in flight */
    assert_int_equal(sc_script_player_next(&p, 5000).kind, SC_PLAY_NONE);
    assert_int_equal(sc_script_player_wake_at(&p), -1);
    sc_script_player_on_sent(&p, true, 1102);
    assert_int_equal(sc_script_player_next(&p, 1102).kind, SC_PLAY_NONE);
    assert_int_equal(sc_script_player_wake_at(&p), 1112);
    sc_play_out o = sc_script_player_next(&p, 1112);
    assert_int_equal(o.kind, SC_PLAY_MESSAGE);
    assert_int_equal(o.index, 0);
    assert_ptr_equal(o.message, s.responses[0].message);
    /* a slow send pushes the rest of the script back */
    sc_script_player_on_sent(&p, true, 1200);
    assert_int_equal(sc_script_player_next(&p, 1240).kind, SC_PLAY_NONE);
    assert_int_equal(sc_script_player_wake_at(&p), 1250);
    o = sc_script_player_next(&p, 1250);
    assert_int_equal(o.kind, SC_PLAY_MESSAGE);
    assert_int_equal(o.index, 1);
    assert_false(sc_script_player_done(&p));
    sc_script_player_on_sent(&p, true, 1251);
    assert_int_equal(sc_script_player_next(&p, 1280).kind, SC_PLAY_NONE);
    assert_int_equal(sc_script_player_wake_at(&p), 1281);
    o = sc_script_player_next(&p, 1281);
    assert_int_equal(o.kind, SC_PLAY_STATUS);
    assert_int_equal(o.code, SC_STATUS_DATA_LOSS);
    assert_string_equal(o.status_message, "x");
    assert_true(p.headers_out);
    assert_true(sc_script_player_done(&p));
    assert_int_equal(sc_script_player_next(&p, 9999).kind, SC_PLAY_NONE);
    sc_script_free(&s);
}

/* No headers and no responses: the status alone (trailers-only), after both delays. */
static void trailers_only_status(void **state)
{
    (void)state;
    sc_script s = load(SC_METHOD_UPLOAD, "{\"initial_delay_ms\": 20, \"trailers\": {\"x-t\": "
                                         "\"v\"}, \"status\": {\"code\": \"ABORTED\", "
                                         "\"delay_ms\": 5}}");
    sc_script_player p;
    sc_script_player_init(&p, &s, 0);
    assert_int_equal(sc_script_player_next(&p, 0).kind, SC_PLAY_NONE);
    assert_int_equal(sc_script_player_wake_at(&p), 25);
    sc_play_out o = sc_script_player_next(&p, 25);
    assert_int_equal(o.kind, SC_PLAY_STATUS);
    assert_false(p.headers_out);
    assert_string_equal(o.status_message, "");
    assert_int_equal(sc_script_player_trailers(&p)->count, 1);
    sc_script_free(&s);

    /* "headers": {} asks for headers on their own before the status */
    s = load(SC_METHOD_UPLOAD, "{\"headers\": {}, \"status\": {\"code\": \"OK\"}}");
    sc_script_player_init(&p, &s, 0);
    assert_int_equal(sc_script_player_next(&p, 0).kind, SC_PLAY_HEADERS);
    sc_script_player_on_sent(&p, true, 3);
    assert_int_equal(sc_script_player_next(&p, 3).kind, SC_PLAY_STATUS);
    assert_true(p.headers_out);
    sc_script_free(&s);
}

/* A failed send or a closed call stops the script: no status after a cancel. */
static void stops_when_the_call_goes_away(void **state)
{
    (void)state;
    sc_script s = load(SC_METHOD_CHAT, "{\"responses\": [{\"message\": {}}, {\"message\": {}}], "
                                       "\"status\": {\"code\": \"OK\"}}");
    sc_script_player p;
    sc_script_player_init(&p, &s, 0);
    assert_int_equal(sc_script_player_next(&p, 0).kind, SC_PLAY_HEADERS);
    sc_script_player_on_sent(&p, true, 0);
    assert_int_equal(sc_script_player_next(&p, 0).kind, SC_PLAY_MESSAGE);
    sc_script_player_on_sent(&p, false, 1);
    assert_int_equal(sc_script_player_next(&p, 100).kind, SC_PLAY_NONE);
    assert_int_equal(sc_script_player_wake_at(&p), -1);

    sc_script_player_init(&p, &s, 0);
    assert_int_equal(sc_script_player_next(&p, 0).kind, SC_PLAY_HEADERS);
    sc_script_player_on_sent(&p, true, 0);
    sc_script_player_on_closed(&p);
    assert_int_equal(sc_script_player_next(&p, 100).kind, SC_PLAY_NONE);
    assert_false(sc_script_player_done(&p));
    sc_script_free(&s);
}

static void no_script_fails_at_once(void **state)
{
    (void)state;
    sc_script_player p;
    sc_script_player_init_fail(&p, SC_STATUS_FAILED_PRECONDITION, "no script for case k");
    sc_play_out o = sc_script_player_next(&p, 0);
    assert_int_equal(o.kind, SC_PLAY_STATUS);
    assert_int_equal(o.code, SC_STATUS_FAILED_PRECONDITION);
    assert_string_equal(o.status_message, "no script for case k");
    assert_false(p.headers_out);
    assert_int_equal(sc_script_player_headers(&p)->count, 0);
    assert_int_equal(sc_script_player_trailers(&p)->count, 0);
    assert_int_equal(sc_script_player_next(&p, 1).kind, SC_PLAY_NONE);
}

static void book_lines(void **state)
{
    (void)state;
    sc_script_book b = {0};
    char err[1024];
    const char *status = "\"script\": {\"status\": {\"code\": \"OK\"}}}";
    char line[512];
    snprintf(line, sizeof line, "{\"case\": \"a\", \"method\": \"SubscribeData\", %s", status);
    assert_int_equal(sc_script_book_add_line(&b, line, "f:1", err, sizeof err), 0);
    snprintf(line, sizeof line, "{\"case\": \"a\", \"method\": \"chat\", %s", status);
    assert_int_equal(sc_script_book_add_line(&b, line, "f:2", err, sizeof err), 0);
    assert_int_equal(sc_script_book_add_line(&b, "  \n", "f:3", err, sizeof err), 0);
    snprintf(line, sizeof line, "{\"case\": \"a\", \"method\": \"Chat\", %s", status);
    assert_int_equal(sc_script_book_add_line(&b, line, "f:4", err, sizeof err), -1);
    assert_string_equal(err, "f:4: case: a second script for \"a\" on Chat");
    assert_int_equal(sc_script_book_add_line(&b, "{\"case\": \"b\", \"method\": \"Get\"}", "f:5",
                                             err, sizeof err),
                     -1);
    assert_string_equal(err, "f:5: method: expected GetData, SubscribeData, UploadFile or Chat");
    assert_int_equal(sc_script_book_add_line(&b,
                                             "{\"case\": \"b\", \"method\": \"GetData\", "
                                             "\"script\": {}}",
                                             "f:6", err, sizeof err),
                     -1);
    assert_string_equal(err, "f:6: script.status: missing");
    assert_int_equal(sc_script_book_add_line(&b, "not json", "f:7", err, sizeof err), -1);
    assert_string_equal(err, "f:7: not a JSON object");
    assert_int_equal(b.count, 2);
    assert_non_null(sc_script_book_find(&b, "a", SC_METHOD_SUBSCRIBE));
    assert_non_null(sc_script_book_find(&b, "a", SC_METHOD_CHAT));
    assert_null(sc_script_book_find(&b, "a", SC_METHOD_GET));
    assert_null(sc_script_book_find(&b, "b", SC_METHOD_CHAT));
    assert_null(sc_script_book_find(&b, NULL, SC_METHOD_CHAT));
    /* a script on a path outside DataService: found by path only (the server's replay mode) */
    snprintf(line, sizeof line, "{\"case\": \"p\", \"method\": \"Chat\", \"path\": \"/x.Y/Z\", %s",
             status);
    assert_int_equal(sc_script_book_add_line(&b, line, "f:8", err, sizeof err), 0);
    assert_string_equal(b.items[2].path, "/x.Y/Z");
    assert_null(b.items[0].path);
    assert_null(sc_script_book_find(&b, "p", SC_METHOD_CHAT));
    assert_int_equal(sc_script_book_add_line(&b, line, "f:9", err, sizeof err), -1);
    assert_string_equal(err, "f:9: case: a second script for \"p\" on /x.Y/Z");
    snprintf(line, sizeof line, "{\"case\": \"q\", \"method\": \"Chat\", \"path\": 3, %s", status);
    assert_int_equal(sc_script_book_add_line(&b, line, "f:10", err, sizeof err), -1);
    assert_string_equal(err, "f:10: path: expected \"/package.Service/Method\" (at most 256 "
                             "characters)");
    sc_script_book_free(&b);

    const char *text = "{\"case\": \"x\", \"method\": \"GetData\", \"script\": {\"status\": "
                       "{\"code\": \"OK\"}}}\n\n{\"case\": \"y\", \"method\": \"GetData\", "
                       "\"script\": {\"status\": {\"code\": \"NOPE\"}}}\n";
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_int_equal(sc_script_book_load(&b, f, "s.jsonl", err, sizeof err), -1);
    fclose(f);
    assert_string_equal(err, "s.jsonl:3: script.status.code: unknown code \"NOPE\"");
    sc_script_book_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_full_script),
        cmocka_unit_test(parse_errors),
        cmocka_unit_test(raw_responses),
        cmocka_unit_test(plays_in_order_with_relative_delays),
        cmocka_unit_test(trailers_only_status),
        cmocka_unit_test(stops_when_the_call_goes_away),
        cmocka_unit_test(no_script_fails_at_once),
        cmocka_unit_test(book_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
