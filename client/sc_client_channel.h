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
    /* TLS (channel.tls of the driver instruction, `call --tls-*`): paths borrowed during
     * sc_client_channel_create, which reads and checks the files. tls_ca_file NULL: plaintext.
     * tls_cert_file and tls_key_file: the client certificate for mTLS (both or neither). */
    const char *tls_ca_file;
    const char *tls_cert_file;
    const char *tls_key_file;
    /* Borrowed, NULL: the target's host. The :authority (GRPC_ARG_DEFAULT_AUTHORITY) and, with
     * TLS, the name checked against the server certificate (GRPC_SSL_TARGET_NAME_OVERRIDE_ARG). */
    const char *authority;
    /* Errors about the TLS files name the call options (--tls-ca, ...) instead of the
     * instruction's fields (channel.tls.ca_file, ...). */
    bool tls_option_names;
    /* Compression (issue 14; the sc_encoding values of contract/sc_instr_compress.h): the
     * channel's default request encoding (GRPC_COMPRESSION_CHANNEL_DEFAULT_ALGORITHM), or 0 for
     * none; accept_encodings: the algorithms enabled on the channel (SC_ENC_BIT set,
     * GRPC_COMPRESSION_CHANNEL_ENABLED_ALGORITHMS_BITSET: what grpc-accept-encoding advertises),
     * 0 for the core's default (all). A zero-initialized struct asks for nothing. */
    int compression;
    unsigned accept_encodings;
    /* Keepalive pings (channel.keepalive_*): GRPC_ARG_KEEPALIVE_TIME_MS,
     * GRPC_ARG_KEEPALIVE_TIMEOUT_MS (0 = core default), GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS. */
    int keepalive_time_ms;
    int keepalive_timeout_ms;
    bool keepalive_permit_without_calls;
} sc_client_channel_opts;

/* A new channel to `target` ("host:port" or any gRPC URI). The caller owns it and releases it with
 * grpc_channel_destroy() after every call on it has been unreffed. grpc_init() must have been
 * called (sc_loop_create does). Returns NULL with a reason in `err` on failure. `opts` may
 * be NULL for all defaults. */
grpc_channel *sc_client_channel_create(const char *target, const sc_client_channel_opts *opts,
                                       char *err, size_t errlen);

#endif
