/* sc_md: a full list is told apart from no memory, so that a server answers "more than 1024
 * metadata entries" (RESOURCE_EXHAUSTED), not "server out of memory" (issue 15). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_md.h"
#include "sc_md_grpc.h"

static void the_entry_past_the_limit_is_full_not_no_memory(void **state)
{
    (void)state;
    sc_md_list md = {0};
    for (int i = 0; i < SC_MD_MAX_ENTRIES; i++)
        assert_int_equal(sc_md_list_add(&md, "k", "v", 1), 0);
    int rc = sc_md_list_add(&md, "k", "v", 1);
    assert_int_equal(rc, SC_MD_FULL);
    assert_int_not_equal(rc, -1);
    assert_int_equal(md.count, SC_MD_MAX_ENTRIES);
    sc_md_list_free(&md);
}

static void an_array_past_the_limit_is_full(void **state)
{
    (void)state;
    size_t n = SC_MD_MAX_ENTRIES + 10;
    grpc_metadata *items = calloc(n, sizeof *items);
    assert_non_null(items);
    for (size_t i = 0; i < n; i++) {
        items[i].key = grpc_slice_from_static_string("x-k");
        items[i].value = grpc_slice_from_static_string("v");
    }
    grpc_metadata_array arr = {.count = n, .capacity = n, .metadata = items};
    sc_md_list md = {0};
    assert_int_equal(sc_md_grpc_add_array(&md, &arr), SC_MD_FULL);
    assert_int_equal(md.count, SC_MD_MAX_ENTRIES);
    sc_md_list_free(&md);
    arr.count = SC_MD_MAX_ENTRIES;
    assert_int_equal(sc_md_grpc_add_array(&md, &arr), 0);
    sc_md_list_free(&md);
    free(items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_entry_past_the_limit_is_full_not_no_memory),
        cmocka_unit_test(an_array_past_the_limit_is_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
