/* sc_host_tls: the server host's TLS credentials from PEM files (serve and script-server
 * --tls-cert/--tls-key [--tls-client-ca]; docs/peer-protocol.md, "Starting a server peer").
 * The files are read and checked (common/sc_pem) before the core sees them, so a wrong file is
 * an error at start naming the option and the file. */
#ifndef SC_HOST_TLS_H
#define SC_HOST_TLS_H

#include <grpc/grpc_security.h>
#include <stddef.h>

/* Paths, borrowed. cert_file and key_file are required; client_ca_file NULL means TLS without
 * client certificates, non-NULL means mTLS (a client certificate signed by it is required). */
typedef struct {
    const char *cert_file;      /* the server's certificate chain (PEM) */
    const char *key_file;       /* its private key (PEM, unencrypted) */
    const char *client_ca_file; /* CA bundle that client certificates must chain to, or NULL */
} sc_host_tls;

/* New server credentials, insecure (plaintext) when `tls` is NULL; the caller releases them
 * (grpc_server_credentials_release). NULL with "--tls-cert FILE: reason" (or --tls-key,
 * --tls-client-ca) in err. */
grpc_server_credentials *sc_host_tls_credentials(const sc_host_tls *tls, char *err, size_t errlen);

#endif
