/* sc_pb_view: a one-slice buffer is read in place, any other is flattened into a copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <grpc/byte_buffer.h>
#include <grpc/slice.h>
#include <string.h>

#include "sc_pb.h"

static void one_slice_is_read_in_place(void **state)
{
    (void)state;
    grpc_slice s = grpc_slice_from_copied_buffer("hello, view", 11);
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
    sc_pb_view v;
    assert_int_equal(sc_pb_view_open(&v, bb), 0);
    assert_null(v.owned);
    assert_ptr_equal(v.data, GRPC_SLICE_START_PTR(bb->data.raw.slice_buffer.slices[0]));
    assert_int_equal(v.len, 11);
    assert_memory_equal(v.data, "hello, view", 11);
    sc_pb_view_close(&v);
    grpc_byte_buffer_destroy(bb);
    grpc_slice_unref(s);
}

/* Slices longer than the core's inline size (small ones are merged into one when added). */
static void several_slices_are_copied_in_order(void **state)
{
    (void)state;
    char a[40], b[50];
    memset(a, 'a', sizeof a);
    memset(b, 'b', sizeof b);
    grpc_slice s[2] = {grpc_slice_from_copied_buffer(a, sizeof a),
                       grpc_slice_from_copied_buffer(b, sizeof b)};
    grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(s, 2);
    sc_pb_view v;
    assert_int_equal(sc_pb_view_open(&v, bb), 0);
    assert_non_null(v.owned);
    assert_int_equal(v.len, sizeof a + sizeof b);
    assert_memory_equal(v.data, a, sizeof a);
    assert_memory_equal(v.data + sizeof a, b, sizeof b);
    sc_pb_view_close(&v);
    assert_null(v.owned);
    grpc_byte_buffer_destroy(bb);
    for (int i = 0; i < 2; i++)
        grpc_slice_unref(s[i]);
    assert_int_equal(sc_pb_view_open(&v, NULL), -1);
    sc_pb_view_close(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_slice_is_read_in_place),
        cmocka_unit_test(several_slices_are_copied_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
