/* `streamconform check` as a user runs it: against a server the test started (--target), against
 * a port where nothing listens, with bad arguments, and without --target (the reference server
 * started by check itself). Real processes on 127.0.0.1, every wait bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_run.h"
#include "sc_testproc.h"
#include "sc_time.h"

/* Bounds: the server is ready within a second on any machine; a check of a healthy local server
 * takes about 3 s (SubscribeData at the default 1 s tick); nothing bounds a run at more. */
#define READY_MS 10000
#define CHECK_MS 60000
#define STOP_MS 10000
/* The deadline given to check where nothing listens, and how long the whole check may take then:
 * the four methods fail at once (connection refused) or at worst each after its deadline plus
 * check's margin. */
#define DEAD_DEADLINE_MS "2000"
#define DEAD_CHECK_MS 20000

/* Run `streamconform check ARGS...` (NULL-terminated); returns the exit code, output in *p. */
static int check(client_proc *p, ...)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)sc_testproc_binary();
    argv[n++] = "check";
    va_list ap;
    va_start(ap, p);
    for (char *a = va_arg(ap, char *); a != NULL && n < 15; a = va_arg(ap, char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return client_run(p, argv, NULL, CHECK_MS);
}

/* The line of stdout that starts with `prefix`, or fail. */
static const char *line_starting(const client_proc *p, const char *prefix)
{
    static char line[4096];
    for (const char *s = p->out.data; s != NULL && *s != '\0';) {
        const char *nl = strchr(s, '\n');
        size_t len = nl != NULL ? (size_t)(nl - s) : strlen(s);
        if (strncmp(s, prefix, strlen(prefix)) == 0) {
            snprintf(line, sizeof line, "%.*s", (int)len, s);
            return line;
        }
        s = nl != NULL ? nl + 1 : NULL;
    }
    fail_msg("no line starting with \"%s\" in:\n%s", prefix, p->out.data);
    return NULL;
}

/* A port on 127.0.0.1 where nothing listens: bound by the OS, then released. */
static int dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* The C server started by the test, told nothing but its address: every method ok, exit 0. */
static void target_running_server_all_ok(void **state)
{
    (void)state;
    char *argv[] = {
        (char *)sc_testproc_binary(), "serve", "--listen", "127.0.0.1:0", "--quiet", NULL};
    sc_testproc server;
    assert_int_equal(sc_testproc_start(&server, argv, READY_MS), 0);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", server.port);
    client_proc p;
    int rc = check(&p, "--target", target, NULL);
    int st = sc_testproc_stop(&server, SIGTERM, STOP_MS);
    sc_testproc_cleanup(&server);
    if (rc != 0)
        fail_msg("exit %d\nstdout:\n%s\nstderr:\n%s", rc, p.out.data, p.err.data);
    assert_true(st == 0); /* the server was neither stopped nor upset by check */
    assert_non_null(strstr(line_starting(&p, "streamconform check: target "), target));
    assert_non_null(strstr(line_starting(&p, "  GetData        ok   "),
                           "OK \"\", 1 response: sequence 0, 3 data points (ids "
                           "check-0-0..check-0-2"));
    assert_non_null(strstr(line_starting(&p, "  SubscribeData  ok   "),
                           "3 responses (sequence 0,1,2), then cancelled by check"));
    assert_non_null(strstr(line_starting(&p, "  UploadFile     ok   "),
                           "bytes_received 197608 of 197608 sent"));
    assert_non_null(
        strstr(line_starting(&p, "  UploadFile     ok   "), "(the sha256 of the bytes sent)"));
    /* What bob receives depends on which join the server saw first: shown, not judged. */
    assert_non_null(strstr(line_starting(&p, "  Chat           ok   "), "bob: OK \"\""));
    assert_non_null(strstr(line_starting(&p, "  Chat           ok   "), "alice: OK \"\""));
    line_starting(&p, "streamconform check: all methods behaved");
    assert_null(strstr(p.out.data, "FAIL"));
}

/* Nothing listens: four FAIL lines naming UNAVAILABLE or DEADLINE_EXCEEDED, exit 1, quickly. */
static void target_nothing_listening_fails_fast(void **state)
{
    (void)state;
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", dead_port());
    client_proc p;
    int64_t start = sc_time_now_ms();
    int rc = check(&p, "--target", target, "--deadline-ms", DEAD_DEADLINE_MS, NULL);
    int64_t took = sc_time_now_ms() - start;
    if (rc != 1)
        fail_msg("exit %d\nstdout:\n%s\nstderr:\n%s", rc, p.out.data, p.err.data);
    if (took > DEAD_CHECK_MS)
        fail_msg("check took %lld ms", (long long)took);
    const char *methods[] = {"  GetData        FAIL ", "  SubscribeData  FAIL ",
                             "  UploadFile     FAIL ", "  Chat           FAIL "};
    for (size_t i = 0; i < 4; i++) {
        const char *l = line_starting(&p, methods[i]);
        if (strstr(l, "UNAVAILABLE") == NULL && strstr(l, "DEADLINE_EXCEEDED") == NULL)
            fail_msg("no UNAVAILABLE or DEADLINE_EXCEEDED in: %s", l);
    }
    line_starting(&p, "streamconform check: FAILED (4 of 4 methods)");
}

/* Usage errors: exit 2 with a message naming the problem, nothing run. */
static void bad_arguments_exit_2(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b, *message;
    } cases[] = {
        {"--target", NULL, "--target needs an address HOST:PORT"},
        {"--target=", NULL, "--target needs an address HOST:PORT"},
        {"--target", "localhost", "expected HOST:PORT"},
        {"--target", "127.0.0.1:", "expected HOST:PORT"},
        {"--target", ":50051", "expected HOST:PORT"},
        {"--target", "127.0.0.1:0", "the port must be a number from 1 to 65535"},
        {"--target", "127.0.0.1:70000", "the port must be a number from 1 to 65535"},
        {"--target", "127.0.0.1:5x", "the port must be a number from 1 to 65535"},
        {"--target", "::1:50051", "an IPv6 host goes in brackets"},
        {"--deadline-ms", "0", "--deadline-ms: expected a whole number from 1 to 600000"},
        {"--deadline-ms", "soon", "--deadline-ms: expected a whole number"},
        {"--deadline-ms", NULL, "--deadline-ms needs a number of ms"},
        {"--bogus", NULL, "unexpected argument \"--bogus\""},
        {"extra", NULL, "unexpected argument \"extra\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        client_proc p;
        int rc = check(&p, cases[i].a, cases[i].b, NULL);
        if (rc != 2 || strstr(p.err.data, cases[i].message) == NULL ||
            strstr(p.err.data, "streamconform check: ") != p.err.data)
            fail_msg("check %s %s: exit %d, stderr: %s (wanted \"%s\")", cases[i].a,
                     cases[i].b ? cases[i].b : "", rc, p.err.data, cases[i].message);
        assert_string_equal(p.out.data, "");
    }
}

static void help_documents_target(void **state)
{
    (void)state;
    client_proc p;
    assert_int_equal(check(&p, "--help", NULL), 0);
    assert_non_null(strstr(p.out.data, "usage: streamconform check [--target HOST:PORT]"));
    assert_non_null(strstr(p.out.data, "--deadline-ms N"));
}

/* Without --target: check starts the reference server itself; today's lines, word for word. */
static void without_target_checks_the_reference_server(void **state)
{
    (void)state;
    client_proc p;
    int rc = check(&p, NULL);
    if (rc != 0)
        fail_msg("exit %d\nstdout:\n%s\nstderr:\n%s", rc, p.out.data, p.err.data);
    line_starting(&p, "streamconform check: reference server ");
    line_starting(&p, "  GetData        ok   1 response: 3 data points, ids "
                      "check-0-0..check-0-2, topic events");
    line_starting(&p, "  SubscribeData  ok   3 batches (sequence 0,1,2), then OK \"\"");
    assert_non_null(strstr(line_starting(&p, "  UploadFile     ok   file-"),
                           ": 197608 bytes, sha256 f93f66a25483ed91... matches the local one"));
    line_starting(&p, "  Chat           ok   bob received [system: alice joined the chat] "
                      "[alice: hello bob]");
    line_starting(&p, "  empty topics   ok   GetData -> INVALID_ARGUMENT");
    line_starting(&p, "  shutdown       ok   SIGTERM: server exited 0");
    line_starting(&p, "streamconform check: all methods behaved");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(target_running_server_all_ok),
        cmocka_unit_test(target_nothing_listening_fails_fast),
        cmocka_unit_test(bad_arguments_exit_2),
        cmocka_unit_test(help_documents_target),
        cmocka_unit_test(without_target_checks_the_reference_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
