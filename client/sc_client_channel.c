#include "sc_client_channel.h"

#include <grpc/grpc_security.h>
#include <stdio.h>

/* Room for every arg this module sets. */
#define SC_CHANNEL_MAX_ARGS 9

static void add_int_arg(grpc_arg *args, size_t *n, const char *key, int value)
{
    if (value <= 0)
        return;
    args[*n].type = GRPC_ARG_INTEGER;
    args[*n].key = (char *)key; /* the core copies keys and never writes through them */
    args[*n].value.integer = value;
    (*n)++;
}

/* The service config (the library's own retries, gRFC A6) and the switch that lets the core
 * apply its retryPolicy / hedgingPolicy (on by default in 1.51, set so that it stays on). */
static void add_service_config(grpc_arg *args, size_t *n, const char *json)
{
    if (json == NULL)
        return;
    args[*n].type = GRPC_ARG_STRING;
    args[*n].key = (char *)GRPC_ARG_SERVICE_CONFIG;
    args[*n].value.string = (char *)json; /* copied by the core, never written through */
    (*n)++;
    add_int_arg(args, n, GRPC_ARG_ENABLE_RETRIES, 1);
}

/* The send-side message limit: the core fails a call whose request is larger with
 * RESOURCE_EXHAUSTED before it reaches the wire. Its own function: channel creation is shared. */
static void add_send_limit_arg(grpc_arg *args, size_t *n, const sc_client_channel_opts *opts)
{
    add_int_arg(args, n, GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, opts->max_send_bytes);
}

grpc_channel *sc_client_channel_create(const char *target, const sc_client_channel_opts *opts,
                                       char *err, size_t errlen)
{
    static const sc_client_channel_opts defaults = {0};
    if (opts == NULL)
        opts = &defaults;
    if (target == NULL || *target == '\0') {
        snprintf(err, errlen, "target: empty");
        return NULL;
    }
    grpc_arg items[SC_CHANNEL_MAX_ARGS];
    size_t n = 0;
    add_int_arg(items, &n, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, opts->max_receive_bytes);
    add_send_limit_arg(items, &n, opts);
    add_int_arg(items, &n, GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                opts->initial_reconnect_backoff_ms);
    add_int_arg(items, &n, GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, opts->min_reconnect_backoff_ms);
    add_int_arg(items, &n, GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, opts->max_reconnect_backoff_ms);
    /* The core shares subchannels (connections) process-wide between channels with equal args;
     * a channel of our own must mean a connection of its own, so that a reconnect attempt is a
     * real new connection and concurrent cases on one driver do not queue behind each other. */
    add_int_arg(items, &n, GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    if (opts->no_bdp_probe) {
        items[n].type = GRPC_ARG_INTEGER;
        items[n].key = (char *)GRPC_ARG_HTTP2_BDP_PROBE;
        items[n].value.integer = 0;
        n++;
    }
    add_service_config(items, &n, opts->service_config);
    grpc_channel_args args = {n, items};

    grpc_channel_credentials *creds = opts->credentials;
    grpc_channel_credentials *own = NULL;
    if (creds == NULL)
        creds = own = grpc_insecure_credentials_create();
    grpc_channel *ch = grpc_channel_create(target, creds, &args);
    if (own != NULL)
        grpc_channel_credentials_release(own);
    if (ch == NULL)
        snprintf(err, errlen, "target: cannot create a channel to '%s'", target);
    return ch;
}
