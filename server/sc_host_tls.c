#include "sc_host_tls.h"
#include "sc_pem.h"

#include <stdio.h>
#include <stdlib.h>

/* Read one file, prefixing a failure with the option that named it. */
static char *read_option(const char *option, const char *path, sc_pem_kind kind, char *err,
                         size_t errlen)
{
    char why[512];
    char *text = sc_pem_read(path, kind, why, sizeof why);
    if (text == NULL)
        snprintf(err, errlen, "%s %s", option, why);
    return text;
}

grpc_server_credentials *sc_host_tls_credentials(const sc_host_tls *tls, char *err, size_t errlen)
{
    grpc_server_credentials *creds = NULL;
    char *cert = NULL, *key = NULL, *ca = NULL;
    if (tls == NULL)
        return grpc_insecure_server_credentials_create();
    if (tls->cert_file == NULL || tls->key_file == NULL) {
        snprintf(err, errlen, "--tls-cert and --tls-key go together");
        goto cleanup;
    }
    cert = read_option("--tls-cert", tls->cert_file, SC_PEM_CERTS, err, errlen);
    key = cert ? read_option("--tls-key", tls->key_file, SC_PEM_KEY, err, errlen) : NULL;
    if (key == NULL)
        goto cleanup;
    char why[256];
    if (!sc_pem_key_matches(cert, key, why, sizeof why)) {
        snprintf(err, errlen, "--tls-key %s: %s %s", tls->key_file, why, tls->cert_file);
        goto cleanup;
    }
    if (tls->client_ca_file != NULL) {
        ca = read_option("--tls-client-ca", tls->client_ca_file, SC_PEM_CERTS, err, errlen);
        if (ca == NULL)
            goto cleanup;
    }
    grpc_ssl_pem_key_cert_pair pair = {.private_key = key, .cert_chain = cert};
    grpc_ssl_client_certificate_request_type req =
        ca != NULL ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                   : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
    creds = grpc_ssl_server_credentials_create_ex(ca, &pair, 1, req, NULL);
    if (creds == NULL)
        snprintf(err, errlen, "--tls-cert %s: the gRPC core refused the credentials",
                 tls->cert_file);
cleanup:
    free(cert);
    free(key);
    free(ca);
    return creds;
}
