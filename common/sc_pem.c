#include "sc_pem.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file as text, at most SC_PEM_MAX_BYTES. */
static char *slurp(const char *path, char *err, size_t errlen)
{
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open (%s)", path, strerror(errno));
        return NULL;
    }
    buf = malloc(SC_PEM_MAX_BYTES + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto cleanup;
    }
    size_t n = fread(buf, 1, SC_PEM_MAX_BYTES + 1, f);
    if (ferror(f) || n > SC_PEM_MAX_BYTES || n == 0) {
        snprintf(err, errlen, "%s: %s", path,
                 ferror(f) ? "cannot read"
                 : n == 0  ? "empty file"
                           : "larger than 1 MiB: not a PEM file");
        free(buf);
        buf = NULL;
        goto cleanup;
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n) != NULL) {
        snprintf(err, errlen, "%s: binary data: expected PEM text", path);
        free(buf);
        buf = NULL;
    }
cleanup:
    fclose(f);
    return buf;
}

/* How many certificates the text holds (0: none parsed). */
static int count_certs(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    int n = 0;
    X509 *x = NULL;
    while (bio != NULL && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        X509_free(x);
        n++;
    }
    BIO_free(bio);
    ERR_clear_error(); /* the read that ended the loop left an "no start line" error */
    return n;
}

static EVP_PKEY *parse_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    /* An empty passphrase callback result: an encrypted key is refused, not prompted for. */
    EVP_PKEY *k = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"") : NULL;
    BIO_free(bio);
    ERR_clear_error();
    return k;
}

char *sc_pem_read(const char *path, sc_pem_kind kind, char *err, size_t errlen)
{
    char *text = slurp(path, err, errlen);
    if (text == NULL)
        return NULL;
    if (kind == SC_PEM_CERTS && count_certs(text) == 0) {
        snprintf(err, errlen, "%s: no PEM certificate in it", path);
        goto bad;
    }
    if (kind == SC_PEM_KEY) {
        EVP_PKEY *k = parse_key(text);
        if (k == NULL) {
            snprintf(err, errlen, "%s: no unencrypted PEM private key in it", path);
            goto bad;
        }
        EVP_PKEY_free(k);
    }
    return text;
bad:
    free(text);
    return NULL;
}

bool sc_pem_key_matches(const char *cert_pem, const char *key_pem, char *err, size_t errlen)
{
    bool ok = false;
    BIO *bio = BIO_new_mem_buf(cert_pem, -1);
    X509 *x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    EVP_PKEY *k = parse_key(key_pem);
    if (x == NULL || k == NULL) {
        snprintf(err, errlen, "cannot parse the certificate or the key");
        goto cleanup;
    }
    ok = X509_check_private_key(x, k) == 1;
    if (!ok)
        snprintf(err, errlen, "the private key does not belong to the certificate");
cleanup:
    X509_free(x);
    EVP_PKEY_free(k);
    BIO_free(bio);
    ERR_clear_error();
    return ok;
}
