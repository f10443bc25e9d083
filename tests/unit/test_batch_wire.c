/* sc_batch_wire: the direct encoder writes exactly the bytes protobuf-c packs for the message
 * sc_handler_make_batch builds from the same request, sequence number, random state and time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sc_batch_wire.h"
#include "sc_handler.h"

/* Build batch `seq` of `req` both ways from one random state and compare the bytes and the
 * state each leaves. `w` is reused across calls on purpose. */
static void same_bytes(sc_batch_wire *w, const Streaming__StreamRequest *req, int64_t seq,
                       int64_t wall_ns)
{
    uint64_t rng_ref = 0x1234567887654321ULL, rng_wire = rng_ref;
    Streaming__StreamResponse *ref = sc_handler_make_batch(req, seq, &rng_ref, wall_ns);
    assert_non_null(ref);
    size_t len = protobuf_c_message_get_packed_size(&ref->base);
    uint8_t *packed = malloc(len ? len : 1);
    assert_non_null(packed);
    protobuf_c_message_pack(&ref->base, packed);
    assert_int_equal(sc_batch_wire_build(w, req, seq, SC_DEFAULT_BATCH_SIZE, &rng_wire, wall_ns),
                     0);
    assert_int_equal(w->len, len);
    assert_memory_equal(w->data, packed, len);
    assert_true(rng_ref == rng_wire);
    free(packed);
    protobuf_c_message_free_unpacked(&ref->base, NULL);
}

static Streaming__StreamRequest request(char *sub, char **topics, size_t n_topics, int batch)
{
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.subscription_id = sub;
    req.topics = topics;
    req.n_topics = n_topics;
    req.batch_size = batch;
    return req;
}

static void bench_batch_of_one(void **state)
{
    (void)state;
    sc_batch_wire w = {0};
    char *topics[] = {"bench"};
    Streaming__StreamRequest req = request("bench", topics, 1, 1);
    same_bytes(&w, &req, 0, 1700000000000000000LL);
    same_bytes(&w, &req, 1, 1700000000000000001LL);
    same_bytes(&w, &req, 123456789012LL, 1700000000000000002LL);
    sc_batch_wire_free(&w);
}

static void many_points_and_topics(void **state)
{
    (void)state;
    sc_batch_wire w = {0};
    char *topics[] = {"a", "",
                      "a-much-longer-topic-name-than-the-others-of-this-request-0123456789"
                      "0123456789012345678901234567890123456789012345678901234567890123"};
    Streaming__StreamRequest req = request("sub", topics, 3, 300);
    same_bytes(&w, &req, 7, 1700000000000000000LL);
    req.batch_size = 0; /* the default batch size */
    same_bytes(&w, &req, 8, 1700000000000000000LL);
    req.batch_size = 2; /* smaller than the last: the buffer is reused */
    same_bytes(&w, &req, 9, 1700000000000000000LL);
    sc_batch_wire_free(&w);
}

static void empty_fields_and_odd_times(void **state)
{
    (void)state;
    sc_batch_wire w = {0};
    char *topics[] = {""};
    Streaming__StreamRequest req = request("", topics, 1, 3);
    same_bytes(&w, &req, 0, 0);  /* no timestamp field at all */
    same_bytes(&w, &req, 5, -1); /* a negative int64: ten varint bytes */
    char long_id[300];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    req = request(long_id, topics, 1, 2); /* ids over 127 bytes: two-byte lengths */
    same_bytes(&w, &req, INT64_MAX, INT64_MAX);
    sc_batch_wire_free(&w);
}

static void refuses_what_the_handler_never_asks(void **state)
{
    (void)state;
    sc_batch_wire w = {0};
    uint64_t rng = 1;
    char *topics[] = {"t"};
    Streaming__StreamRequest req = request("s", topics, 0, 1);
    assert_int_equal(sc_batch_wire_build(&w, &req, 0, 10, &rng, 1), -1); /* no topics */
    req = request("s", topics, 1, 1);
    assert_int_equal(sc_batch_wire_build(&w, &req, -1, 10, &rng, 1), -1); /* negative seq */
    sc_batch_wire_free(&w);
    assert_null(w.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bench_batch_of_one),
        cmocka_unit_test(many_points_and_topics),
        cmocka_unit_test(empty_fields_and_odd_times),
        cmocka_unit_test(refuses_what_the_handler_never_asks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
