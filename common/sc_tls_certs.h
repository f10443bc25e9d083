/* sc_tls_certs: the TLS material of one `run --transport tls|mtls` (issue 14), generated with
 * OpenSSL's libcrypto into a private temporary directory (0700, files 0600) that the caller
 * removes after the run: no key is ever committed or reused.
 *
 * It holds a CA, a server certificate signed by it for 127.0.0.1 and localhost (subjectAltName
 * IP and DNS), a client certificate signed by it (for mTLS), and a second, unrelated CA (the
 * wrong-CA scenarios trust it instead). Keys are ECDSA P-256: fast to make, and every gRPC
 * library takes them. */
#ifndef SC_TLS_CERTS_H
#define SC_TLS_CERTS_H

#include <stddef.h>

/* Longest path of a generated file: the directory (mkdtemp under TMPDIR) plus a short name. */
#define SC_TLS_PATH_MAX 512
/* How long the certificates are valid: longer than any run; they are deleted after it. They
 * start an hour in the past so that a clock a little behind does not refuse them. */
#define SC_TLS_VALID_DAYS 2
#define SC_TLS_BACKDATE_S 3600

/* The paths of the files (NUL-terminated, inside dir). */
typedef struct {
    char dir[SC_TLS_PATH_MAX];           /* "" when nothing was made */
    char ca_cert[SC_TLS_PATH_MAX];       /* ca.pem: the run's CA */
    char server_cert[SC_TLS_PATH_MAX];   /* server.pem: 127.0.0.1 and localhost, by the CA */
    char server_key[SC_TLS_PATH_MAX];    /* server.key */
    char client_cert[SC_TLS_PATH_MAX];   /* client.pem: by the CA, for client authentication */
    char client_key[SC_TLS_PATH_MAX];    /* client.key */
    char other_ca_cert[SC_TLS_PATH_MAX]; /* other-ca.pem: an unrelated CA (its key is thrown
                                            away) */
} sc_tls_material;

/* Make the directory under `parent` (NULL: $TMPDIR, else /tmp) and every file. 0, or -1 with a
 * reason in err (and nothing left behind). */
int sc_tls_certs_generate(const char *parent, sc_tls_material *out, char *err, size_t errlen);

/* Remove the files and the directory (idempotent; safe on a zeroed struct). */
void sc_tls_certs_remove(sc_tls_material *m);

#endif
