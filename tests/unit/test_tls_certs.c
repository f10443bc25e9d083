/* common/sc_tls_certs: the TLS material of a run, read back with OpenSSL: every file parses, the
 * server certificate names 127.0.0.1 and localhost (subjectAltName) and is signed by the run's
 * CA, the client certificate too, the other CA signs neither; the directory is private and
 * removed. common/sc_pem: the checks the server and the client make on these files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sc_pem.h"
#include "sc_tls_certs.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static X509 *load_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

/* Does `ca_path` verify `cert_path` (the purpose checked too)? */
static bool verifies(const char *ca_path, const char *cert_path, int purpose)
{
    X509 *ca = load_cert(ca_path), *x = load_cert(cert_path);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_add_cert(store, ca);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, x, NULL);
    X509_STORE_CTX_set_purpose(ctx, purpose);
    bool ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(ca);
    X509_free(x);
    return ok;
}

static void generated_material_parses_and_chains(void **state)
{
    (void)state;
    sc_tls_material m;
    char err[256];
    assert_int_equal(sc_tls_certs_generate(NULL, &m, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(m.dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(m.server_key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    X509 *srv = load_cert(m.server_cert);
    assert_int_equal(X509_check_ip_asc(srv, "127.0.0.1", 0), 1);
    assert_int_equal(X509_check_host(srv, "localhost", 0, 0, NULL), 1);
    assert_int_not_equal(X509_check_host(srv, "wrong.example", 0, 0, NULL), 1);
    X509_free(srv);

    assert_true(verifies(m.ca_cert, m.server_cert, X509_PURPOSE_SSL_SERVER));
    assert_true(verifies(m.ca_cert, m.client_cert, X509_PURPOSE_SSL_CLIENT));
    assert_false(verifies(m.other_ca_cert, m.server_cert, X509_PURPOSE_SSL_SERVER));
    assert_false(verifies(m.other_ca_cert, m.client_cert, X509_PURPOSE_SSL_CLIENT));
    /* the client certificate is not one a server may use, and the reverse */
    assert_false(verifies(m.ca_cert, m.client_cert, X509_PURPOSE_SSL_SERVER));

    char *cert = sc_pem_read(m.server_cert, SC_PEM_CERTS, err, sizeof err);
    char *key = sc_pem_read(m.server_key, SC_PEM_KEY, err, sizeof err);
    char *other_key = sc_pem_read(m.client_key, SC_PEM_KEY, err, sizeof err);
    assert_non_null(cert);
    assert_non_null(key);
    assert_true(sc_pem_key_matches(cert, key, err, sizeof err));
    assert_false(sc_pem_key_matches(cert, other_key, err, sizeof err));
    assert_non_null(strstr(err, "does not belong"));
    free(cert);
    free(key);
    free(other_key);

    char dir[SC_TLS_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", m.dir);
    sc_tls_certs_remove(&m);
    assert_int_not_equal(access(dir, F_OK), 0);
    sc_tls_certs_remove(&m); /* idempotent */
}

static void two_runs_get_different_material(void **state)
{
    (void)state;
    sc_tls_material a, b;
    char err[256];
    assert_int_equal(sc_tls_certs_generate(NULL, &a, err, sizeof err), 0);
    assert_int_equal(sc_tls_certs_generate(NULL, &b, err, sizeof err), 0);
    assert_string_not_equal(a.dir, b.dir);
    assert_false(verifies(a.ca_cert, b.server_cert, X509_PURPOSE_SSL_SERVER));
    sc_tls_certs_remove(&a);
    sc_tls_certs_remove(&b);
}

static void generate_in_a_missing_parent_fails_cleanly(void **state)
{
    (void)state;
    sc_tls_material m;
    char err[256] = "";
    assert_int_equal(sc_tls_certs_generate("/nonexistent/dir", &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/dir"));
    assert_string_equal(m.dir, "");
}

static void pem_read_names_the_file(void **state)
{
    (void)state;
    char err[512];
    assert_null(sc_pem_read("/nonexistent.pem", SC_PEM_CERTS, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent.pem: cannot open"));
    char path[] = "/tmp/sc-pem-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "not pem\n", 8), 8);
    close(fd);
    assert_null(sc_pem_read(path, SC_PEM_CERTS, err, sizeof err));
    assert_non_null(strstr(err, "no PEM certificate"));
    assert_null(sc_pem_read(path, SC_PEM_KEY, err, sizeof err));
    assert_non_null(strstr(err, "no unencrypted PEM private key"));
    truncate(path, 0);
    assert_null(sc_pem_read(path, SC_PEM_CERTS, err, sizeof err));
    assert_non_null(strstr(err, "empty file"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generated_material_parses_and_chains),
        cmocka_unit_test(two_runs_get_different_material),
        cmocka_unit_test(generate_in_a_missing_parent_fails_cleanly),
        cmocka_unit_test(pem_read_names_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
