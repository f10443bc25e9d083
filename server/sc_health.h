/* sc_health: the logic of grpc.health.v1.Health for the host's built-in services: which services
 * are known, their status (SERVING until the host shuts down, then NOT_SERVING), and the
 * request/response bytes. Pure; server/sc_builtin runs it on calls. */
#ifndef SC_HEALTH_H
#define SC_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* grpc.health.v1.HealthCheckResponse.ServingStatus */
typedef enum {
    SC_HEALTH_UNKNOWN = 0,
    SC_HEALTH_SERVING = 1,
    SC_HEALTH_NOT_SERVING = 2,
    SC_HEALTH_SERVICE_UNKNOWN = 3 /* Watch only: Check answers NOT_FOUND instead */
} sc_health_status;

/* The service name of the whole server (the gRPC health convention) and the one it hosts. */
#define SC_HEALTH_SERVER ""
#define SC_HEALTH_DATA_SERVICE "streaming.DataService"

typedef struct {
    bool shutting_down; /* set once, by the host's shutdown */
} sc_health;

/* The status of `service` (SC_HEALTH_SERVICE_UNKNOWN for a name the server does not serve). */
sc_health_status sc_health_status_of(const sc_health *h, const char *service);

/* Decode a HealthCheckRequest: its service name, malloc'd (the caller frees it). false: not a
 * HealthCheckRequest, or no memory. */
bool sc_health_decode_request(const uint8_t *bytes, size_t len, char **service);
/* Encode a HealthCheckResponse into `out` (SC_HEALTH_RESPONSE_MAX bytes); returns its length. */
#define SC_HEALTH_RESPONSE_MAX 8 /* a tag and a small varint */
size_t sc_health_encode_response(sc_health_status status, uint8_t *out);
/* The name of a status ("SERVING"). */
const char *sc_health_status_name(sc_health_status status);

#endif
