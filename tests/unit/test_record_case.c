/* contract/sc_record_case.c: the recorded call's data: metadata lists, messages, the keys the
 * recorder keeps. Pure logic: no process, no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_record_case.h"

/* ---- metadata keys ------------------------------------------------------------------------ */

static void reserved_keys(void **state)
{
    (void)state;
    const char *reserved[] = {"grpc-timeout",
                              "grpc-encoding",
                              "grpc-status",
                              "grpc-message",
                              "content-type",
                              "te",
                              "user-agent",
                              "host",
                              ":path",
                              ":authority",
                              ""};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (!sc_record_key_reserved(reserved[i]))
            fail_msg("%s should be reserved", reserved[i]);
    const char *kept[] = {
        "grpc-retry-pushback-ms", "x-app", "authorization", "x-token-bin", "x-sc-case", "grpc"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        if (sc_record_key_reserved(kept[i]))
            fail_msg("%s should be kept", kept[i]);
}

/* ---- metadata lists ------------------------------------------------------------------------ */

static void md_list_copies_and_terminates(void **state)
{
    (void)state;
    sc_md_list md = {0};
    char key[] = "x-app", value[] = "v1";
    assert_int_equal(sc_md_list_add(&md, key, value, 2), 0);
    key[0] = 'y';
    value[0] = 'w'; /* copies: the caller's buffers may change */
    const unsigned char bin[] = {0x00, 0xff, 0x10};
    assert_int_equal(sc_md_list_add(&md, "x-b-bin", bin, sizeof bin), 0);
    assert_int_equal(sc_md_list_add(&md, "x-empty", NULL, 0), 0);
    assert_int_equal(md.count, 3);
    assert_string_equal(md.items[0].key, "x-app");
    assert_string_equal((const char *)md.items[0].value, "v1");
    assert_int_equal(md.items[0].value_len, 2);
    assert_memory_equal(md.items[1].value, bin, sizeof bin);
    assert_int_equal(md.items[1].value[sizeof bin], '\0');
    assert_string_equal((const char *)md.items[2].value, "");
    sc_md_list_free(&md);
    assert_null(md.items);
    assert_int_equal(md.count, 0);
}

static void md_list_is_capped(void **state)
{
    (void)state;
    sc_md_list md = {0};
    for (int i = 0; i < SC_MD_MAX_ENTRIES; i++)
        assert_int_equal(sc_md_list_add(&md, "x-k", "v", 1), 0);
    assert_int_equal(sc_md_list_add(&md, "x-k", "v", 1), SC_MD_FULL);
    assert_int_equal(md.count, SC_MD_MAX_ENTRIES);
    sc_md_list_free(&md);
}

static void case_free_releases_everything(void **state)
{
    (void)state;
    sc_record_case c = {0};
    c.path = strdup("/streaming.DataService/Chat");
    c.status_message = strdup("done");
    assert_int_equal(sc_md_list_add(&c.client_md, "x-a", "1", 1), 0);
    assert_int_equal(sc_md_list_add(&c.headers, "x-h", "2", 1), 0);
    assert_int_equal(sc_md_list_add(&c.trailers, "x-t", "3", 1), 0);
    assert_int_equal(sc_record_case_add(&c, true, (const unsigned char *)"ab", 2, 1), 0);
    assert_int_equal(sc_record_case_add(&c, false, (const unsigned char *)"c", 1, 2), 0);
    assert_int_equal(c.n_requests, 1);
    assert_int_equal(c.n_responses, 1);
    assert_int_equal(c.responses[0].at_ms, 2);
    sc_record_case_free(&c); /* ASan: no leak */
    assert_null(c.path);
    assert_int_equal(c.client_md.count, 0);
    assert_int_equal(c.n_requests, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reserved_keys),
        cmocka_unit_test(md_list_copies_and_terminates),
        cmocka_unit_test(md_list_is_capped),
        cmocka_unit_test(case_free_releases_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
