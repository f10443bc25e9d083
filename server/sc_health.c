#include "sc_health.h"

#include "grpc/health/v1/health.pb-c.h"

#include <stdlib.h>
#include <string.h>

sc_health_status sc_health_status_of(const sc_health *h, const char *service)
{
    if (strcmp(service, SC_HEALTH_SERVER) != 0 && strcmp(service, SC_HEALTH_DATA_SERVICE) != 0)
        return SC_HEALTH_SERVICE_UNKNOWN;
    return h->shutting_down ? SC_HEALTH_NOT_SERVING : SC_HEALTH_SERVING;
}

bool sc_health_decode_request(const uint8_t *bytes, size_t len, char **service)
{
    Grpc__Health__V1__HealthCheckRequest *req =
        grpc__health__v1__health_check_request__unpack(NULL, len, bytes);
    if (req == NULL)
        return false;
    *service = strdup(req->service != NULL ? req->service : "");
    grpc__health__v1__health_check_request__free_unpacked(req, NULL);
    return *service != NULL;
}

size_t sc_health_encode_response(sc_health_status status, uint8_t *out)
{
    Grpc__Health__V1__HealthCheckResponse resp = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
    resp.status = (Grpc__Health__V1__HealthCheckResponse__ServingStatus)status;
    return grpc__health__v1__health_check_response__pack(&resp, out);
}

const char *sc_health_status_name(sc_health_status status)
{
    switch (status) {
    case SC_HEALTH_SERVING:
        return "SERVING";
    case SC_HEALTH_NOT_SERVING:
        return "NOT_SERVING";
    case SC_HEALTH_SERVICE_UNKNOWN:
        return "SERVICE_UNKNOWN";
    default:
        return "UNKNOWN";
    }
}
