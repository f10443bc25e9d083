/* sc_health: which services are known, SERVING then NOT_SERVING, the message bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grpc/health/v1/health.pb-c.h"
#include "sc_health.h"

static void serving_until_shutdown(void **state)
{
    (void)state;
    sc_health h = {0};
    assert_int_equal(sc_health_status_of(&h, ""), SC_HEALTH_SERVING);
    assert_int_equal(sc_health_status_of(&h, "streaming.DataService"), SC_HEALTH_SERVING);
    assert_int_equal(sc_health_status_of(&h, "streaming.Other"), SC_HEALTH_SERVICE_UNKNOWN);
    h.shutting_down = true;
    assert_int_equal(sc_health_status_of(&h, ""), SC_HEALTH_NOT_SERVING);
    assert_int_equal(sc_health_status_of(&h, "streaming.DataService"), SC_HEALTH_NOT_SERVING);
    assert_int_equal(sc_health_status_of(&h, "x"), SC_HEALTH_SERVICE_UNKNOWN);
    assert_string_equal(sc_health_status_name(SC_HEALTH_NOT_SERVING), "NOT_SERVING");
}

static void request_and_response_bytes(void **state)
{
    (void)state;
    Grpc__Health__V1__HealthCheckRequest req = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    req.service = "streaming.DataService";
    uint8_t buf[64];
    size_t n = grpc__health__v1__health_check_request__pack(&req, buf);
    char *service = NULL;
    assert_true(sc_health_decode_request(buf, n, &service));
    assert_string_equal(service, "streaming.DataService");
    free(service);
    assert_true(sc_health_decode_request(buf, 0, &service)); /* empty: the server, "" */
    assert_string_equal(service, "");
    free(service);
    const uint8_t junk[] = {0x0a, 0x7f};
    assert_false(sc_health_decode_request(junk, sizeof junk, &service));

    uint8_t out[SC_HEALTH_RESPONSE_MAX];
    size_t len = sc_health_encode_response(SC_HEALTH_NOT_SERVING, out);
    assert_int_equal(len, 2);
    assert_int_equal(out[0], 0x08); /* field 1, varint */
    assert_int_equal(out[1], SC_HEALTH_NOT_SERVING);
    assert_int_equal(sc_health_encode_response(SC_HEALTH_UNKNOWN, out), 0); /* proto3 default */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serving_until_shutdown),
        cmocka_unit_test(request_and_response_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
