/* The Chat room's per-member queue: bounded by count and by bytes, so one stalled receiver can
 * hold neither more messages nor more memory than its cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sc_chat.h"

static void deliver_text(sc_chat_member *m, size_t bytes)
{
    char *content = malloc(bytes + 1);
    assert_non_null(content);
    memset(content, 'x', bytes);
    content[bytes] = '\0';
    Streaming__ChatMessage msg = STREAMING__CHAT_MESSAGE__INIT;
    msg.user_id = "u";
    msg.content = content;
    sc_chat_deliver(m, &msg);
    free(content);
}

static void queue_is_capped_by_bytes(void **state)
{
    (void)state;
    sc_chat_member m = {0};
    const size_t four_mib = 4u * 1024 * 1024;
    for (int i = 0; i < 3; i++)
        deliver_text(&m, four_mib);
    assert_false(m.overflowed);
    assert_int_equal(m.len, 3);
    deliver_text(&m, four_mib); /* 16 MiB + 4 user-id bytes: over the cap */
    assert_true(m.overflowed);
    assert_int_equal(m.len, 3);
    sc_chat_member_clear(&m);
    assert_int_equal(m.queued_bytes, 0);
}

static void popping_gives_the_bytes_back(void **state)
{
    (void)state;
    sc_chat_member m = {0};
    deliver_text(&m, 100);
    deliver_text(&m, 50);
    assert_int_equal(m.queued_bytes, 152);
    sc_chat_message_free(sc_chat_member_pop(&m));
    assert_int_equal(m.queued_bytes, 51);
    sc_chat_member_clear(&m);
}

static void queue_is_capped_by_count(void **state)
{
    (void)state;
    sc_chat_member m = {0};
    for (int i = 0; i < SC_CHAT_QUEUE_CAP; i++)
        deliver_text(&m, 1);
    assert_false(m.overflowed);
    deliver_text(&m, 1);
    assert_true(m.overflowed);
    sc_chat_member_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queue_is_capped_by_bytes),
        cmocka_unit_test(popping_gives_the_bytes_back),
        cmocka_unit_test(queue_is_capped_by_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
