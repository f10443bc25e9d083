/* sc_host_lifecycle: the server-wide connection options of issue 14 part 3 (serve
 * --max-connection-age-ms, --max-connection-age-grace-ms, --keepalive-min-time-ms,
 * --permit-keepalive-without-calls, --max-concurrent-streams; docs/peer-protocol.md, "Connection
 * lifecycle") as C core channel arguments. Pure: no gRPC call, only the argument array. */
#ifndef SC_HOST_LIFECYCLE_H
#define SC_HOST_LIFECYCLE_H

#include <grpc/grpc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Each option as given; 0 (or false) means "not given: the library's default". */
typedef struct {
    int64_t max_connection_age_ms;       /* GRPC_ARG_MAX_CONNECTION_AGE_MS */
    int64_t max_connection_age_grace_ms; /* GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS */
    int64_t keepalive_min_time_ms;       /* GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS */
    bool permit_keepalive_without_calls; /* GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS */
    int64_t max_concurrent_streams;      /* GRPC_ARG_MAX_CONCURRENT_STREAMS */
} sc_host_lifecycle;

/* Most channel arguments sc_host_lifecycle_args writes. */
#define SC_HOST_LIFECYCLE_MAX_ARGS 6
/* Largest millisecond or stream count an option takes (the core's arguments are int). */
#define SC_HOST_LIFECYCLE_MAX_VALUE 2147483647LL

/* Write the arguments `lc` asks for into args[0..SC_HOST_LIFECYCLE_MAX_ARGS) (keys are the
 * core's static strings); the count. `lc` NULL: 0. */
size_t sc_host_lifecycle_args(const sc_host_lifecycle *lc, grpc_arg *args);

#endif
