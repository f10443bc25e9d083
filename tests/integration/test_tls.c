/* TLS and mTLS end to end (issue 14): `serve` with --tls-cert/--tls-key [--tls-client-ca] on
 * certificates made by common/sc_tls_certs, called with `call --tls-*` (right CA, wrong CA,
 * mTLS with and without a client certificate, the authority override), bad certificate files,
 * and `run --transport tls,mtls` with the C client and server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IT_RUN_DIR_TEMPLATE "/tmp/sc-it-tls-XXXXXX"
#include "it_run.h"
#include "sc_tls_certs.h"

/* Bounds: a server is up in well under a second; a call over loopback takes milliseconds. */
#define READY_MS 10000
#define CALL_MS 30000
/* `call`'s exit code for an RPC status: 64 + the code (14: UNAVAILABLE). */
#define EXIT_UNAVAILABLE (64 + 14)

static sc_tls_material tls;

static int setup(void **state)
{
    char err[512];
    if (it_setup(state) != 0 || sc_tls_certs_generate(it_dir, &tls, err, sizeof err) != 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    sc_tls_certs_remove(&tls);
    return it_teardown(state);
}

/* `serve` over TLS (mTLS with client_ca). */
static void start_server(sc_testproc *p, const char *client_ca)
{
    char *argv[] = {(char *)sc_testproc_binary(),
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--quiet",
                    "--tls-cert",
                    tls.server_cert,
                    "--tls-key",
                    tls.server_key,
                    client_ca ? "--tls-client-ca" : NULL,
                    (char *)client_ca,
                    NULL};
    memset(p, 0, sizeof *p);
    assert_int_equal(sc_testproc_start(p, argv, READY_MS), 0);
}

/* `call get` against port with the extra arguments (NULL-terminated); the exit code. */
static int call_get(client_proc *c, int port, ...)
{
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    char *argv[24] = {(char *)sc_testproc_binary(),
                      "call",
                      "get",
                      "--target",
                      target,
                      "--topic",
                      "a",
                      "--deadline-ms",
                      "5000"};
    int n = 9;
    va_list ap;
    va_start(ap, port);
    for (char *a = va_arg(ap, char *); a != NULL && n < 23; a = va_arg(ap, char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return client_run(c, argv, NULL, CALL_MS);
}

/* A call's exit code; on a surprise, the call's stderr says why. */
static void expect_rc(int rc, int want, const client_proc *c)
{
    if (rc != want)
        fail_msg("call: exit %d, want %d; stderr: %s", rc, want,
                 c->err.data != NULL ? c->err.data : "");
}

static void tls_right_ca_works_wrong_ca_is_unavailable(void **state)
{
    (void)state;
    sc_testproc s;
    start_server(&s, NULL);
    client_proc c;
    expect_rc(call_get(&c, s.port, "--tls-ca", tls.ca_cert, NULL), 0, &c);
    assert_non_null(strstr(c.out.data, "Received batch #0"));
    expect_rc(call_get(&c, s.port, "--tls-ca", tls.other_ca_cert, NULL), EXIT_UNAVAILABLE, &c);
    assert_non_null(strstr(c.err.data, "UNAVAILABLE"));
    assert_non_null(strstr(c.err.data, "certificate verify failed")); /* a readable reason */
    /* plaintext against a TLS server: no connection either */
    expect_rc(call_get(&c, s.port, NULL), EXIT_UNAVAILABLE, &c);
    sc_testproc_stop(&s, SIGTERM, 5000);
    sc_testproc_cleanup(&s);
}

static void authority_override(void **state)
{
    (void)state;
    sc_testproc s;
    start_server(&s, NULL);
    client_proc c;
    assert_int_equal(
        call_get(&c, s.port, "--tls-ca", tls.ca_cert, "--authority", "localhost", NULL), 0);
    assert_int_equal(
        call_get(&c, s.port, "--tls-ca", tls.ca_cert, "--authority", "wrong.example", NULL),
        EXIT_UNAVAILABLE);
    assert_non_null(strstr(c.err.data, "wrong.example"));
    sc_testproc_stop(&s, SIGTERM, 5000);
    sc_testproc_cleanup(&s);
}

static void mtls_needs_the_client_certificate(void **state)
{
    (void)state;
    sc_testproc s;
    start_server(&s, tls.ca_cert);
    client_proc c;
    expect_rc(call_get(&c, s.port, "--tls-ca", tls.ca_cert, NULL), EXIT_UNAVAILABLE, &c);
    int rc = call_get(&c, s.port, "--tls-ca", tls.ca_cert, "--tls-cert", tls.client_cert,
                      "--tls-key", tls.client_key, NULL);
    if (rc != 0) /* say why: a CI run once saw exit 1 here under ASan with -j2 */
        fail_msg("mTLS call with the client certificate: exit %d, stderr: %s", rc,
                 c.err.data != NULL ? c.err.data : "");
    assert_non_null(strstr(c.out.data, "Received batch #0"));
    /* a certificate the server's client CA did not sign: the server certificate as one */
    expect_rc(call_get(&c, s.port, "--tls-ca", tls.ca_cert, "--tls-cert", tls.server_cert,
                       "--tls-key", tls.server_key, NULL),
              EXIT_UNAVAILABLE, &c);
    sc_testproc_stop(&s, SIGTERM, 5000);
    sc_testproc_cleanup(&s);
}

/* A bad file: exit 1 with the option and the file named, never a crash. */
static void expect_serve_error(const char *cert, const char *key, const char *ca,
                               const char *needle)
{
    client_proc c;
    char *argv[] = {(char *)sc_testproc_binary(),
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--tls-cert",
                    (char *)cert,
                    "--tls-key",
                    (char *)key,
                    ca ? "--tls-client-ca" : NULL,
                    (char *)ca,
                    NULL};
    assert_int_equal(client_run(&c, argv, NULL, CALL_MS), 1);
    if (strstr(c.err.data, needle) == NULL)
        fail_msg("expected \"%s\" in: %s", needle, c.err.data);
}

static void bad_files_are_named(void **state)
{
    (void)state;
    expect_serve_error("/nonexistent.pem", tls.server_key, NULL, "--tls-cert /nonexistent.pem");
    expect_serve_error(tls.server_key, tls.server_key, NULL, "no PEM certificate");
    expect_serve_error(tls.server_cert, tls.server_cert, NULL, "no unencrypted PEM private key");
    expect_serve_error(tls.server_cert, tls.client_key, NULL, "does not belong");
    expect_serve_error(tls.server_cert, tls.server_key, "/etc/hostname", "--tls-client-ca");
    client_proc c;
    assert_int_equal(streamconform(&c, "serve", "--tls-cert", tls.server_cert, NULL), 2);
    assert_int_equal(streamconform(&c, "call", "get", "--tls-ca", "/nonexistent.pem", NULL), 1);
    assert_non_null(strstr(c.err.data, "--tls-ca: /nonexistent.pem"));
}

/* Entries left in the run's TMPDIR (the TLS material must be gone). */
static int tls_dirs_left(const char *parent)
{
    DIR *d = opendir(parent);
    int n = 0;
    for (struct dirent *e = d ? readdir(d) : NULL; e != NULL; e = readdir(d))
        n += strncmp(e->d_name, "streamconform-tls-", 18) == 0;
    if (d != NULL)
        closedir(d);
    return n;
}

static void run_over_tls_and_mtls(void **state)
{
    (void)state;
    const char *tmp = path_in("runtmp");
    assert_int_equal(mkdir(tmp, 0700), 0);
    setenv("TMPDIR", tmp, 1);
    client_proc c;
    int rc = streamconform(
        &c, "run", SC_SOURCE_DIR "/scenarios/tls", SC_SOURCE_DIR "/scenarios/happy.json", "--run",
        "tls/**", "--run", "mtls/**", "--run", "get/happy/**", "--transport", "plaintext,tls,mtls",
        "--clients", "c", "--servers", "c", "--out", path_in("out"), "-j", "2", NULL);
    unsetenv("TMPDIR");
    if (rc != 0)
        fail_msg("run: %d\n%s\n%s", rc, c.out.data, c.err.data);
    assert_int_equal(tls_dirs_left(tmp), 0);
    cJSON *rep = read_report(path_in("out"));
    assert_string_equal(field(find_in(rep, "cases", "get/happy/basic@c->c"), "verdict"), "pass");
    assert_string_equal(field(find_in(rep, "cases", "get/happy/basic@c->c+tls"), "verdict"),
                        "pass");
    assert_string_equal(field(find_in(rep, "cases", "get/happy/basic@c->c+mtls"), "verdict"),
                        "pass");
    const cJSON *wrong = find_in(rep, "cases", "tls/wrong-ca/unary@c->c+tls");
    assert_string_equal(field(wrong, "verdict"), "pass");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(wrong, "actual"), "status");
    assert_non_null(strstr(field(st, "message"), "certificate verify failed"));
    assert_string_equal(
        field(find_in(rep, "cases", "mtls/missing-client-cert/unary@c->c+mtls"), "verdict"),
        "pass");
    const cJSON *col = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(rep, "implementations"), "c+mtls");
    assert_string_equal(field(col, "server_transport"), "mtls");
    cJSON_Delete(rep);
}

/* The C driver: a TLS file it cannot read is an error result naming the field; a good one calls. */
static void peer_client_channel_tls(void **state)
{
    (void)state;
    sc_testproc s;
    start_server(&s, tls.ca_cert);
    char input[2048];
    snprintf(input, sizeof input,
             "{\"case\":\"bad\",\"target\":\"127.0.0.1:%d\",\"method\":\"GetData\","
             "\"requests\":[{\"topics\":[\"a\"]}],\"channel\":{\"tls\":{\"ca_file\":"
             "\"/nonexistent.pem\"}}}\n"
             "{\"case\":\"good\",\"target\":\"127.0.0.1:%d\",\"method\":\"GetData\","
             "\"requests\":[{\"topics\":[\"a\"]}],\"channel\":{\"tls\":{\"ca_file\":\"%s\","
             "\"cert_file\":\"%s\",\"key_file\":\"%s\",\"authority\":\"localhost\"}}}\n",
             s.port, s.port, tls.ca_cert, tls.client_cert, tls.client_key);
    client_proc c;
    char *argv[] = {(char *)sc_testproc_binary(), "peer-client", NULL};
    assert_int_equal(client_run(&c, argv, input, CALL_MS), 0);
    if (strstr(c.out.data, "\"error\":\"channel.tls.ca_file: /nonexistent.pem: cannot open") ==
            NULL ||
        strstr(c.out.data, "\"case\":\"good\",\"status\":{\"code\":\"OK\"") == NULL)
        fail_msg("peer-client results:\n%s\n%s", c.out.data, c.err.data);
    sc_testproc_stop(&s, SIGTERM, 5000);
    sc_testproc_cleanup(&s);
}

static void bad_scenario_tls_is_refused_by_path(void **state)
{
    (void)state;
    write_file("bad.json", "{\"name\": \"t/bad\", \"method\": \"GetData\",\n"
                           " \"client\": {\"channel\": {\"tls\": {\"ca\": \"mine\"}}},\n"
                           " \"expect\": {\"status\": \"OK\"}}\n");
    client_proc c;
    assert_int_equal(streamconform(&c, "list", path_in("bad.json"), NULL), 2);
    assert_non_null(strstr(c.err.data, "client.channel.tls.ca"));
    write_file("bad2.json", "{\"name\": \"t/bad\", \"method\": \"GetData\",\n"
                            " \"transports\": [\"plaintext\", \"tls\"],\n"
                            " \"client\": {\"channel\": {\"tls\": {}}},\n"
                            " \"expect\": {\"status\": \"OK\"}}\n");
    assert_int_equal(streamconform(&c, "list", path_in("bad2.json"), NULL), 2);
    assert_non_null(strstr(c.err.data, "transports"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls_right_ca_works_wrong_ca_is_unavailable),
        cmocka_unit_test(authority_override),
        cmocka_unit_test(mtls_needs_the_client_certificate),
        cmocka_unit_test(bad_files_are_named),
        cmocka_unit_test(bad_scenario_tls_is_refused_by_path),
        cmocka_unit_test(peer_client_channel_tls),
        cmocka_unit_test(run_over_tls_and_mtls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
