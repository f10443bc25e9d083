#include "sc_client_channel.h"
#include "sc_pem.h"

#include <grpc/grpc_security.h>
#include <stdio.h>
#include <stdlib.h>

/* Room for every arg this module sets. */
#define SC_CHANNEL_MAX_ARGS 19

static void add_string_arg(grpc_arg *args, size_t *n, const char *key, const char *value)
{
    args[*n].type = GRPC_ARG_STRING;
    args[*n].key = (char *)key; /* the core copies keys and values */
    args[*n].value.string = (char *)value;
    (*n)++;
}

/* One TLS file, read and checked; a failure names the field or option that gave it. */
static char *read_tls_file(const sc_client_channel_opts *o, int which, sc_pem_kind kind,
                           const char *path, char *err, size_t errlen)
{
    static const char *const fields[] = {"channel.tls.ca_file", "channel.tls.cert_file",
                                         "channel.tls.key_file"};
    static const char *const options[] = {"--tls-ca", "--tls-cert", "--tls-key"};
    char why[512];
    char *text = sc_pem_read(path, kind, why, sizeof why);
    if (text == NULL)
        snprintf(err, errlen, "%s: %s", o->tls_option_names ? options[which] : fields[which], why);
    return text;
}

/* The channel credentials of opts->tls_*: SSL credentials, or NULL with err set. */
static grpc_channel_credentials *tls_credentials(const sc_client_channel_opts *o, char *err,
                                                 size_t errlen)
{
    grpc_channel_credentials *creds = NULL;
    char *ca = read_tls_file(o, 0, SC_PEM_CERTS, o->tls_ca_file, err, errlen);
    char *cert = NULL, *key = NULL;
    if (ca == NULL)
        goto cleanup;
    if (o->tls_cert_file != NULL && o->tls_key_file != NULL) {
        cert = read_tls_file(o, 1, SC_PEM_CERTS, o->tls_cert_file, err, errlen);
        key = cert ? read_tls_file(o, 2, SC_PEM_KEY, o->tls_key_file, err, errlen) : NULL;
        char why[256];
        if (key == NULL)
            goto cleanup;
        if (!sc_pem_key_matches(cert, key, why, sizeof why)) {
            snprintf(err, errlen, "%s: %s: %s",
                     o->tls_option_names ? "--tls-key" : "channel.tls.key_file", o->tls_key_file,
                     why);
            goto cleanup;
        }
    }
    grpc_ssl_pem_key_cert_pair pair = {.private_key = key, .cert_chain = cert};
    creds = grpc_ssl_credentials_create(ca, cert != NULL ? &pair : NULL, NULL, NULL);
    if (creds == NULL)
        snprintf(err, errlen, "%s: the gRPC core refused the credentials",
                 o->tls_option_names ? "--tls-ca" : "channel.tls");
cleanup:
    free(ca);
    free(cert);
    free(key);
    return creds;
}

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

/* The request encoding and the accepted encodings (issue 14). The sc_encoding values are the
 * core's grpc_compression_algorithm values (identity 0, deflate 1, gzip 2), and an accept set's
 * bits are the core's bitset bits. */
static void add_compression_args(grpc_arg *args, size_t *n, const sc_client_channel_opts *opts)
{
    _Static_assert(GRPC_COMPRESS_DEFLATE == 1 && GRPC_COMPRESS_GZIP == 2,
                   "sc_encoding values are the core's");
    if (opts->compression > 0)
        add_int_arg(args, n, GRPC_COMPRESSION_CHANNEL_DEFAULT_ALGORITHM, opts->compression);
    if (opts->accept_encodings != 0)
        add_int_arg(args, n, GRPC_COMPRESSION_CHANNEL_ENABLED_ALGORITHMS_BITSET,
                    (int)(opts->accept_encodings | 1u));
}

/* Keepalive: a ping after keepalive_time_ms without activity, the connection closed when it is
 * unanswered after keepalive_timeout_ms. The core also sends pings with no data in between only
 * up to GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA (default 2): 0 lifts that, so that a blackholed
 * connection with a quiet stream is still probed. */
static void add_keepalive_args(grpc_arg *args, size_t *n, const sc_client_channel_opts *opts)
{
    if (opts->keepalive_time_ms <= 0)
        return;
    add_int_arg(args, n, GRPC_ARG_KEEPALIVE_TIME_MS, opts->keepalive_time_ms);
    add_int_arg(args, n, GRPC_ARG_KEEPALIVE_TIMEOUT_MS, opts->keepalive_timeout_ms);
    if (opts->keepalive_permit_without_calls)
        add_int_arg(args, n, GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    args[*n].type = GRPC_ARG_INTEGER;
    args[*n].key = (char *)GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA;
    args[*n].value.integer = 0;
    (*n)++;
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
    add_compression_args(items, &n, opts);
    if (opts->no_bdp_probe) {
        items[n].type = GRPC_ARG_INTEGER;
        items[n].key = (char *)GRPC_ARG_HTTP2_BDP_PROBE;
        items[n].value.integer = 0;
        n++;
    }
    add_service_config(items, &n, opts->service_config);
    add_keepalive_args(items, &n, opts);
    if (opts->authority != NULL) {
        add_string_arg(items, &n, GRPC_ARG_DEFAULT_AUTHORITY, opts->authority);
        if (opts->tls_ca_file != NULL)
            add_string_arg(items, &n, GRPC_SSL_TARGET_NAME_OVERRIDE_ARG, opts->authority);
    }
    grpc_channel_args args = {n, items};

    grpc_channel_credentials *creds = opts->tls_ca_file != NULL
                                          ? tls_credentials(opts, err, errlen)
                                          : grpc_insecure_credentials_create();
    if (creds == NULL)
        return NULL;
    grpc_channel *ch = grpc_channel_create(target, creds, &args);
    grpc_channel_credentials_release(creds);
    if (ch == NULL)
        snprintf(err, errlen, "target: cannot create a channel to '%s'", target);
    return ch;
}
