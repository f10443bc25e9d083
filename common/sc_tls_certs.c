#include "sc_tls_certs.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bits of a certificate serial number: random, so two runs' certificates never collide. */
#define SC_TLS_SERIAL_BITS 64
/* Seconds per day, for the validity period. */
#define SC_TLS_DAY_S (24L * 3600)

typedef struct {
    const char *cn;      /* subject and issuer common name */
    const char *exts[5]; /* extension "name=value" pairs (X509V3_EXT_conf syntax), NULL-ended */
} cert_spec;

static EVP_PKEY *new_key(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int add_ext(X509 *cert, X509 *issuer, const char *pair)
{
    char name[64];
    const char *eq = strchr(pair, '=');
    size_t n = eq != NULL ? (size_t)(eq - pair) : 0;
    if (n == 0 || n >= sizeof name)
        return -1;
    memcpy(name, pair, n);
    name[n] = '\0';
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf(NULL, &ctx, name, eq + 1);
    int rc = ext != NULL && X509_add_ext(cert, ext, -1) == 1 ? 0 : -1;
    X509_EXTENSION_free(ext);
    return rc;
}

static int set_serial(X509 *cert)
{
    BIGNUM *bn = BN_new();
    int rc = -1;
    if (bn != NULL && BN_rand(bn, SC_TLS_SERIAL_BITS, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL)
        rc = 0;
    BN_free(bn);
    return rc;
}

/* A certificate for `key` by `issuer` (NULL: self-signed) signed with `issuer_key`. */
static X509 *make_cert(const cert_spec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
    X509 *c = X509_new();
    if (c == NULL || X509_set_version(c, 2) != 1 || set_serial(c) != 0 ||
        X509_gmtime_adj(X509_getm_notBefore(c), -SC_TLS_BACKDATE_S) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(c), SC_TLS_VALID_DAYS * SC_TLS_DAY_S) == NULL ||
        X509_set_pubkey(c, key) != 1)
        goto fail;
    X509_NAME *name = X509_get_subject_name(c);
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"streamconform",
                                   -1, -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1,
                                   0) != 1)
        goto fail;
    X509 *signer = issuer != NULL ? issuer : c;
    if (X509_set_issuer_name(c, X509_get_subject_name(signer)) != 1)
        goto fail;
    for (size_t i = 0; s->exts[i] != NULL; i++)
        if (add_ext(c, signer, s->exts[i]) != 0)
            goto fail;
    if (X509_sign(c, issuer_key, EVP_sha256()) == 0)
        goto fail;
    return c;
fail:
    X509_free(c);
    return NULL;
}

/* Write through a new 0600 file (O_EXCL: the directory is ours alone). */
static int write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return -1;
    }
    int ok = cert != NULL ? PEM_write_X509(f, cert)
                          : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    int closed = fclose(f);
    return ok == 1 && closed == 0 ? 0 : -1;
}

static void join(char *out, const char *dir, const char *name)
{
    /* The directory was checked to leave room for every name. */
    if (snprintf(out, SC_TLS_PATH_MAX, "%s/%s", dir, name) >= SC_TLS_PATH_MAX)
        out[0] = '\0';
}

static const cert_spec ca_spec = {"streamconform test CA",
                                  {"basicConstraints=critical,CA:TRUE",
                                   "keyUsage=critical,keyCertSign,cRLSign",
                                   "subjectKeyIdentifier=hash", NULL}};
static const cert_spec other_ca_spec = {"streamconform unrelated CA",
                                        {"basicConstraints=critical,CA:TRUE",
                                         "keyUsage=critical,keyCertSign,cRLSign",
                                         "subjectKeyIdentifier=hash", NULL}};
static const cert_spec server_spec = {
    "localhost",
    {"basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature",
     "extendedKeyUsage=serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost", NULL}};
static const cert_spec client_spec = {"streamconform client",
                                      {"basicConstraints=critical,CA:FALSE",
                                       "keyUsage=critical,digitalSignature",
                                       "extendedKeyUsage=clientAuth", NULL}};

/* Everything but the directory: keys and certificates into m's paths. */
static int make_files(sc_tls_material *m)
{
    int rc = -1;
    EVP_PKEY *ca_key = new_key(), *other_key = new_key(), *srv_key = new_key(),
             *cli_key = new_key();
    X509 *ca = NULL, *other = NULL, *srv = NULL, *cli = NULL;
    if (ca_key == NULL || other_key == NULL || srv_key == NULL || cli_key == NULL)
        goto cleanup;
    ca = make_cert(&ca_spec, ca_key, NULL, ca_key);
    other = make_cert(&other_ca_spec, other_key, NULL, other_key);
    srv = ca != NULL ? make_cert(&server_spec, srv_key, ca, ca_key) : NULL;
    cli = ca != NULL ? make_cert(&client_spec, cli_key, ca, ca_key) : NULL;
    if (other == NULL || srv == NULL || cli == NULL)
        goto cleanup;
    if (write_pem(m->ca_cert, ca, NULL) != 0 || write_pem(m->other_ca_cert, other, NULL) != 0 ||
        write_pem(m->server_cert, srv, NULL) != 0 || write_pem(m->server_key, NULL, srv_key) != 0 ||
        write_pem(m->client_cert, cli, NULL) != 0 || write_pem(m->client_key, NULL, cli_key) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    X509_free(ca);
    X509_free(other);
    X509_free(srv);
    X509_free(cli);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(other_key);
    EVP_PKEY_free(srv_key);
    EVP_PKEY_free(cli_key);
    return rc;
}

int sc_tls_certs_generate(const char *parent, sc_tls_material *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (parent == NULL)
        parent = getenv("TMPDIR");
    if (parent == NULL || *parent == '\0')
        parent = "/tmp";
    int n = snprintf(out->dir, sizeof out->dir, "%s/streamconform-tls-XXXXXX", parent);
    if (n < 0 || (size_t)n >= sizeof out->dir - 32) {
        snprintf(err, errlen, "TLS material: the temporary directory path is too long");
        out->dir[0] = '\0';
        return -1;
    }
    if (mkdtemp(out->dir) == NULL) { /* mkdtemp makes it 0700 */
        snprintf(err, errlen, "TLS material: cannot make a directory in %s (%s)", parent,
                 strerror(errno));
        out->dir[0] = '\0';
        return -1;
    }
    join(out->ca_cert, out->dir, "ca.pem");
    join(out->server_cert, out->dir, "server.pem");
    join(out->server_key, out->dir, "server.key");
    join(out->client_cert, out->dir, "client.pem");
    join(out->client_key, out->dir, "client.key");
    join(out->other_ca_cert, out->dir, "other-ca.pem");
    if (make_files(out) != 0) {
        unsigned long e = ERR_get_error();
        snprintf(err, errlen, "TLS material: generating the certificates failed (%s)",
                 e != 0 ? ERR_reason_error_string(e) : "cannot write a file");
        ERR_clear_error();
        sc_tls_certs_remove(out);
        return -1;
    }
    return 0;
}

void sc_tls_certs_remove(sc_tls_material *m)
{
    if (m->dir[0] == '\0')
        return;
    const char *files[] = {m->ca_cert,     m->server_cert, m->server_key,
                           m->client_cert, m->client_key,  m->other_ca_cert};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (files[i][0] != '\0')
            unlink(files[i]);
    rmdir(m->dir);
    memset(m, 0, sizeof *m);
}
