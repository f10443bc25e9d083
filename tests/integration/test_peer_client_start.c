/* peer-client (issue 15): an instruction the driver cannot start (a metadata value gRPC cannot
 * carry, a target that is not HOST:PORT or a port out of range) gets an `error` result line, as
 * docs/peer-protocol.md "Client driver" says, not a status; the driver goes on with the next
 * line. No server is needed: nothing is sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "client_run.h"
#include "sc_testproc.h"

#define RUN_MS 20000

static client_proc proc;

/* One instruction line for `target` with metadata `md_json` (an object's inside, or ""). */
static void line(char *buf, size_t len, const char *case_id, const char *target,
                 const char *md_json)
{
    snprintf(buf, len,
             "{\"case\":\"%s\",\"target\":\"%s\",\"method\":\"GetData\",\"timeout_ms\":2000,"
             "\"requests\":[{\"subscriptionId\":\"s\",\"topics\":[\"t\"]}],\"metadata\":{%s}}\n",
             case_id, target, md_json);
}

/* Run the driver on `input`; the result line of `case_id` must be an `error` naming `path`. */
static void expect_error(const char *input, const char *case_id, const char *path)
{
    char *argv[] = {(char *)sc_testproc_binary(), "peer-client", NULL};
    assert_int_equal(client_run(&proc, argv, input, RUN_MS), 0);
    cJSON *obj = cJSON_Parse(proc.out.data);
    if (obj == NULL)
        fail_msg("not one JSON line: %s", proc.out.data);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, "case");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(obj, "error");
    assert_true(cJSON_IsString(c));
    assert_string_equal(c->valuestring, case_id);
    if (!cJSON_IsString(e) || cJSON_GetObjectItemCaseSensitive(obj, "status") != NULL)
        fail_msg("%s: want an error result, got %s", case_id, proc.out.data);
    if (strncmp(e->valuestring, path, strlen(path)) != 0)
        fail_msg("%s: the error does not start with \"%s\": %s", case_id, path, e->valuestring);
    cJSON_Delete(obj);
    client_cleanup(&proc);
}

static void bad_metadata_values_are_errors(void **state)
{
    (void)state;
    char in[1024];
    line(in, sizeof in, "md-utf8", "127.0.0.1:1", "\"x-bad\":\"caf\\u00e9\"");
    expect_error(in, "md-utf8", "metadata.x-bad:");
    line(in, sizeof in, "md-newline", "127.0.0.1:1", "\"x-bad\":\"a\\nb\"");
    expect_error(in, "md-newline", "metadata.x-bad:");
    line(in, sizeof in, "md-del", "127.0.0.1:1", "\"x-ok\":\"fine\",\"x-bad\":\"\\u007f\"");
    expect_error(in, "md-del", "metadata.x-bad:");
}

static void bad_targets_are_errors(void **state)
{
    (void)state;
    static const char *targets[] = {
        "127.0.0.1:99999", "127.0.0.1:0", "127.0.0.1:",    "127.0.0.1",   "[::1",
        "::1:50051",       ":50051",      "127.0.0.1:5x0", "127.0.0.1:-1"};
    char in[1024];
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        line(in, sizeof in, targets[i], targets[i], "");
        expect_error(in, targets[i], "target:");
    }
}

/* Targets the check lets through: HOST:PORT forms and URIs (the library resolves those). No host
 * name: resolving one goes through c-ares, whose 10-byte leak fails the sanitizer build. */
static void good_targets_are_calls(void **state)
{
    (void)state;
    static const char *targets[] = {"127.0.0.1:1", "[::1]:1", "ipv4:127.0.0.1:1",
                                    "dns:///127.0.0.1:1"};
    char in[1024];
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        line(in, sizeof in, targets[i], targets[i], "\"x-ok\":\"printable ~ text\"");
        char *argv[] = {(char *)sc_testproc_binary(), "peer-client", NULL};
        assert_int_equal(client_run(&proc, argv, in, RUN_MS), 0);
        if (strstr(proc.out.data, "\"status\":{\"code\":\"UNAVAILABLE\"") == NULL)
            fail_msg("%s: want UNAVAILABLE (nothing listens on port 1), got %s", targets[i],
                     proc.out.data);
        client_cleanup(&proc);
    }
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_metadata_values_are_errors),
        cmocka_unit_test(bad_targets_are_errors),
        cmocka_unit_test(good_targets_are_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
