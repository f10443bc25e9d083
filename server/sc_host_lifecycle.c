#include "sc_host_lifecycle.h"

static size_t put_int(grpc_arg *args, size_t n, const char *key, int64_t value)
{
    args[n].type = GRPC_ARG_INTEGER;
    args[n].key = (char *)key;
    args[n].value.integer = (int)value;
    return n + 1;
}

size_t sc_host_lifecycle_args(const sc_host_lifecycle *lc, grpc_arg *args)
{
    size_t n = 0;
    if (lc == NULL)
        return 0;
    if (lc->max_connection_age_ms > 0)
        n = put_int(args, n, GRPC_ARG_MAX_CONNECTION_AGE_MS, lc->max_connection_age_ms);
    if (lc->max_connection_age_grace_ms > 0)
        n = put_int(args, n, GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, lc->max_connection_age_grace_ms);
    if (lc->keepalive_min_time_ms > 0) {
        /* The core's ping policy: a client ping sooner than this after the last one (with no
         * data between) is a strike; too many strikes end the connection with GOAWAY
         * ENHANCE_YOUR_CALM "too_many_pings". The default allows 2 strikes. */
        n = put_int(args, n, GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                    lc->keepalive_min_time_ms);
    }
    if (lc->permit_keepalive_without_calls)
        n = put_int(args, n, GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    if (lc->max_concurrent_streams > 0)
        n = put_int(args, n, GRPC_ARG_MAX_CONCURRENT_STREAMS, lc->max_concurrent_streams);
    return n;
}
