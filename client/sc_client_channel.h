/* sc_client_channel: open a channel with the caller's channel args. */
#ifndef SC_CLIENT_CHANNEL_H
#define SC_CLIENT_CHANNEL_H

#include <grpc/grpc.h>
#include <stdbool.h>

typedef struct {
    int max_receive_bytes; /* grpc.max_receive_message_length; 0 = core default (4 MiB) */
    int max_send_bytes;    /* grpc.max_send_message_length; 0 = core default (no limit) */
    int initial_reconnect_backoff_ms; /* grpc.initial_reconnect_backoff_ms; 0 = core default */
    int min_reconnect_backoff_ms;     /* grpc.min_reconnect_backoff_ms; 0 = core default */
    int max_reconnect_backoff_ms;     /* grpc.max_reconnect_backoff_ms; 0 = core default */
    /* grpc.http2.bdp_probe 0: the receive windows stay at HTTP/2's 64 KiB instead of growing with
     * the measured bandwidth (what a slow receiver can buffer before the sender waits). */
    bool no_bdp_probe;
    /* Borrowed; the gRPC service config as JSON text (GRPC_ARG_SERVICE_CONFIG, with retries
     * switched on: GRPC_ARG_ENABLE_RETRIES), or NULL for none. The core copies it. */
    const char *service_config;
    /* Borrowed; NULL means insecure (plaintext). The channel takes its own reference, so the
     * caller may release its credentials right after sc_client_channel_create returns. This is
     * where TLS credentials (grpc_ssl_credentials_create) plug in. */
    grpc_channel_credentials *credentials;
} sc_client_channel_opts;

/* A new channel to `target` ("host:port" or any gRPC URI). The caller owns it and releases it with
 * grpc_channel_destroy() after every call on it has been unreffed. grpc_init() must have been
 * called (sc_loop_create does). Returns NULL with a reason in `err` on failure. `opts` may
 * be NULL for all defaults. */
grpc_channel *sc_client_channel_create(const char *target, const sc_client_channel_opts *opts,
                                       char *err, size_t errlen);

#endif
