/* sc_pem: read the PEM files of TLS credentials (a certificate chain, a private key, a CA bundle)
 * and check them with OpenSSL before the gRPC core gets them, so that a wrong file is refused at
 * start with a sentence naming the file, instead of a handshake that fails later without one.
 * Shared by the server host (serve, script-server) and the client channel (call, peer-client).
 * No gRPC include. */
#ifndef SC_PEM_H
#define SC_PEM_H

#include <stdbool.h>
#include <stddef.h>

/* Largest PEM file read: a certificate chain or a CA bundle of a few dozen certificates is well
 * under it; a bigger file is a mistake (a wrong path), not credentials. */
#define SC_PEM_MAX_BYTES (1024 * 1024)

typedef enum {
    SC_PEM_CERTS = 0, /* one or more certificates (a chain, a CA bundle) */
    SC_PEM_KEY        /* one private key (any type OpenSSL reads, unencrypted) */
} sc_pem_kind;

/* Read `path` and check that it holds `kind`. Returns the text (caller frees; NUL-terminated)
 * or NULL with "<path>: <reason>" in err (cannot open, too large, no certificate, ...). */
char *sc_pem_read(const char *path, sc_pem_kind kind, char *err, size_t errlen);

/* Does the private key (PEM text) belong to the first certificate of `cert_pem`? Both texts
 * borrowed. false with a reason in err. */
bool sc_pem_key_matches(const char *cert_pem, const char *key_pem, char *err, size_t errlen);

#endif
