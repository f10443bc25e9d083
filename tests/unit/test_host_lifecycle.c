/* server/sc_host_lifecycle: the serve --max-connection-age-ms ... options as C core channel
 * arguments (only those given, with the core's keys). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sc_host_lifecycle.h"

static int value_of(const grpc_arg *args, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(args[i].key, key) == 0) {
            assert_int_equal(args[i].type, GRPC_ARG_INTEGER);
            return args[i].value.integer;
        }
    return -1;
}

static void none_given_means_no_argument(void **state)
{
    (void)state;
    grpc_arg args[SC_HOST_LIFECYCLE_MAX_ARGS];
    sc_host_lifecycle lc = {0};
    assert_int_equal(sc_host_lifecycle_args(&lc, args), 0);
    assert_int_equal(sc_host_lifecycle_args(NULL, args), 0);
}

static void every_option_maps_to_its_core_argument(void **state)
{
    (void)state;
    grpc_arg args[SC_HOST_LIFECYCLE_MAX_ARGS];
    sc_host_lifecycle lc = {.max_connection_age_ms = 1000,
                            .max_connection_age_grace_ms = 500,
                            .keepalive_min_time_ms = 60000,
                            .permit_keepalive_without_calls = true,
                            .max_concurrent_streams = 2};
    size_t n = sc_host_lifecycle_args(&lc, args);
    assert_int_equal(n, 5);
    assert_int_equal(value_of(args, n, GRPC_ARG_MAX_CONNECTION_AGE_MS), 1000);
    assert_int_equal(value_of(args, n, GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS), 500);
    assert_int_equal(value_of(args, n, GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS),
                     60000);
    assert_int_equal(value_of(args, n, GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS), 1);
    assert_int_equal(value_of(args, n, GRPC_ARG_MAX_CONCURRENT_STREAMS), 2);
    sc_host_lifecycle only = {.max_concurrent_streams = 1};
    n = sc_host_lifecycle_args(&only, args);
    assert_int_equal(n, 1);
    assert_int_equal(value_of(args, n, GRPC_ARG_MAX_CONNECTION_AGE_MS), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(none_given_means_no_argument),
        cmocka_unit_test(every_option_maps_to_its_core_argument),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
