/* The proxy's event loop in-process on 127.0.0.1 with raw sockets: many connections forward
 * bytes both ways; after a run nothing is left open (/proc/self/fd counted before and after);
 * byte-exact faults (cut_after_bytes, close after_bytes) and refuse as the sockets see them.
 * Every wait is bounded (socket timeouts, poll). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include "sc_fsm.h"
#include "sc_proxy.h"

/* Bound of every socket wait in this file. */
#define WAIT_MS 5000
/* Connections of the many-connections test (two descriptors each in the proxy, two here). */
#define MANY 200

typedef struct {
    sc_proxy *proxy;
    pthread_t thread;
    char *records;
    size_t records_len;
    FILE *records_file;
    int upstream; /* the test's listening "server" socket */
    int upstream_port;
    int control[2]; /* the proxy's control pipe (read end given to it), or -1 */
} harness;

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static void set_timeouts(int fd)
{
    struct timeval tv = {.tv_sec = WAIT_MS / 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int listen_any(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 1024), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    set_timeouts(fd);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Accept one upstream connection, waiting at most WAIT_MS. */
static int accept_upstream(harness *h)
{
    struct pollfd pfd = {.fd = h->upstream, .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
    int fd = accept4(h->upstream, NULL, NULL, SOCK_CLOEXEC);
    assert_true(fd >= 0);
    set_timeouts(fd);
    return fd;
}

static void *run_proxy(void *arg)
{
    harness *h = arg;
    sc_proxy_run(h->proxy);
    return NULL;
}

static void start(harness *h, const char *faults_json)
{
    memset(h, 0, sizeof *h);
    assert_int_equal(pipe(h->control), 0);
    h->upstream = listen_any(&h->upstream_port);
    static sc_proxy_faults faults;
    char err[256];
    if (sc_proxy_faults_parse(faults_json, &faults, err, sizeof err) != 0)
        fail_msg("%s", err);
    h->records_file = open_memstream(&h->records, &h->records_len);
    char upstream[64];
    snprintf(upstream, sizeof upstream, "127.0.0.1:%d", h->upstream_port);
    sc_proxy_config cfg = {.listen = "127.0.0.1:0",
                           .upstream = upstream,
                           .faults = &faults,
                           .records = h->records_file,
                           .seed = 1,
                           .control_fd = h->control[0]};
    h->proxy = sc_proxy_create(&cfg, err, sizeof err);
    if (h->proxy == NULL)
        fail_msg("%s", err);
    assert_int_equal(pthread_create(&h->thread, NULL, run_proxy, h), 0);
}

/* Stop the loop, write the remaining records, free. h->records then holds every record. No
 * connection state change was refused. */
static void stop(harness *h)
{
    sc_proxy_stop(h->proxy);
    pthread_join(h->thread, NULL);
    sc_proxy_destroy(h->proxy);
    fclose(h->records_file);
    close(h->upstream);
    close(h->control[0]);
    close(h->control[1]);
    assert_int_equal(sc_fsm_illegal_count(), 0); /* every connection moved by its table */
}

static int count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Read until EOF or error; bytes read. *reset: the read ended with ECONNRESET. */
static size_t read_all(int fd, char *buf, size_t cap, bool *reset)
{
    size_t n = 0;
    *reset = false;
    for (;;) {
        ssize_t r = recv(fd, buf + n, cap - n, 0);
        if (r > 0) {
            n += (size_t)r;
            if (n == cap)
                return n;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        assert_false(r < 0 && errno == EAGAIN); /* the bound passed */
        *reset = r < 0 && errno == ECONNRESET;
        return n;
    }
}

static void many_connections_forward_and_leave_no_fds(void **state)
{
    (void)state;
    int before = count_fds();
    harness h;
    start(&h, "[]");
    int port = sc_proxy_port(h.proxy);
    int *cl = calloc(MANY, sizeof *cl), *up = calloc(MANY, sizeof *up);
    for (int i = 0; i < MANY; i++)
        cl[i] = connect_to(port);
    for (int i = 0; i < MANY; i++)
        up[i] = accept_upstream(&h);
    /* up: each client says who it is; the server side echoes it back with a mark */
    for (int i = 0; i < MANY; i++) {
        char msg[16];
        snprintf(msg, sizeof msg, "c%07d", i);
        assert_int_equal(send(cl[i], msg, 8, 0), 8);
    }
    for (int i = 0; i < MANY; i++) {
        char msg[9] = {0};
        assert_int_equal(recv(up[i], msg, 8, MSG_WAITALL), 8);
        msg[0] = 's';
        assert_int_equal(send(up[i], msg, 8, 0), 8);
    }
    for (int i = 0; i < MANY; i++) {
        char msg[9] = {0}, want[16];
        assert_int_equal(recv(cl[i], msg, 8, MSG_WAITALL), 8);
        snprintf(want, sizeof want, "s%07d", i);
        assert_string_equal(msg, want);
    }
    /* half of the clients close: the proxy passes the FIN on, the server side closes too */
    for (int i = 0; i < MANY / 2; i++) {
        close(cl[i]);
        char c;
        assert_int_equal(recv(up[i], &c, 1, 0), 0);
        close(up[i]);
    }
    /* the other half are still open when the proxy stops */
    stop(&h);
    for (int i = MANY / 2; i < MANY; i++) {
        close(cl[i]);
        close(up[i]);
    }
    free(cl);
    free(up);
    assert_int_equal(count_fds(), before);
    assert_int_equal(count_lines_with(h.records, "\"event\":\"accept\""), MANY);
    assert_int_equal(count_lines_with(h.records, "\"event\":\"end\""), MANY);
    assert_int_equal(count_lines_with(h.records, "\"bytes_up\":8,\"bytes_down\":8"), MANY);
    assert_int_equal(count_lines_with(h.records, "\"how\":\"proxy_stopped\""), MANY / 2);
    assert_true(count_lines_with(h.records, "\"how\":\"client_closed\"") >= 1);
    free(h.records);
}

static void cut_after_bytes_passes_exactly_n_then_resets(void **state)
{
    (void)state;
    harness h;
    start(&h, "[{\"type\":\"cut_after_bytes\",\"bytes\":10,\"direction\":\"up\"}]");
    int cl = connect_to(sc_proxy_port(h.proxy));
    int up = accept_upstream(&h);
    char data[100];
    memset(data, 'x', sizeof data);
    assert_int_equal(send(cl, data, sizeof data, 0), (ssize_t)sizeof data);
    char got[200];
    bool reset;
    assert_int_equal(read_all(up, got, sizeof got, &reset), 10);
    assert_true(reset);
    assert_int_equal(read_all(cl, got, sizeof got, &reset), 0);
    assert_true(reset);
    close(cl);
    close(up);
    stop(&h);
    assert_non_null(strstr(h.records, "\"bytes_up\":10,\"bytes_down\":0,\"how\":\"reset_by_fault\","
                                      "\"fault\":0"));
    free(h.records);
}

static void close_after_bytes_sends_a_fin(void **state)
{
    (void)state;
    harness h;
    start(&h, "[{\"type\":\"close\",\"after_bytes\":5,\"direction\":\"down\"}]");
    int cl = connect_to(sc_proxy_port(h.proxy));
    int up = accept_upstream(&h);
    assert_int_equal(send(up, "0123456789", 10, 0), 10);
    char got[64];
    bool reset;
    assert_int_equal(read_all(cl, got, sizeof got, &reset), 5);
    assert_false(reset); /* a FIN, not a RST */
    assert_memory_equal(got, "01234", 5);
    close(cl);
    close(up);
    stop(&h);
    assert_non_null(
        strstr(h.records, "\"bytes_up\":0,\"bytes_down\":5,\"how\":\"closed_by_fault\""));
    free(h.records);
}

/* The two directions shut on their own (the shutdown bitmask): the client's FIN reaches the
 * upstream while the upstream still answers; the connection ends once the upstream's FIN is
 * passed on too, recorded as the client's close (it closed first). */
static void directions_shut_independently(void **state)
{
    (void)state;
    harness h;
    start(&h, "[]");
    int cl = connect_to(sc_proxy_port(h.proxy));
    int up = accept_upstream(&h);
    assert_int_equal(send(cl, "ask", 3, 0), 3);
    assert_int_equal(shutdown(cl, SHUT_WR), 0);
    char got[64];
    bool reset;
    assert_int_equal(read_all(up, got, sizeof got, &reset), 3); /* the bytes, then the FIN */
    assert_false(reset);
    assert_memory_equal(got, "ask", 3);
    /* half-closed up: the down direction still forwards, more than once */
    assert_int_equal(send(up, "answer", 6, 0), 6);
    assert_int_equal(recv(cl, got, 6, MSG_WAITALL), 6);
    assert_memory_equal(got, "answer", 6);
    assert_int_equal(send(up, "+more", 5, 0), 5);
    assert_int_equal(shutdown(up, SHUT_WR), 0);
    assert_int_equal(read_all(cl, got, sizeof got, &reset), 5);
    assert_false(reset);
    assert_memory_equal(got, "+more", 5);
    close(cl);
    close(up);
    stop(&h);
    assert_non_null(
        strstr(h.records, "\"bytes_up\":3,\"bytes_down\":11,\"how\":\"client_closed\""));
    free(h.records);
}

static void slice_delivers_every_byte_in_order(void **state)
{
    (void)state;
    harness h;
    start(&h, "[{\"type\":\"slice\",\"bytes\":7}]");
    int cl = connect_to(sc_proxy_port(h.proxy));
    int up = accept_upstream(&h);
    static char data[100000], got[100001];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 31 + 7);
    assert_int_equal(send(cl, data, sizeof data, 0), (ssize_t)sizeof data);
    shutdown(cl, SHUT_WR);
    bool reset;
    assert_int_equal(read_all(up, got, sizeof got, &reset), sizeof data);
    assert_false(reset);
    assert_memory_equal(got, data, sizeof data);
    close(cl);
    close(up);
    stop(&h);
    free(h.records);
}

static void refuse_never_dials_the_upstream(void **state)
{
    (void)state;
    harness h;
    start(&h, "[{\"type\":\"refuse\",\"on_connection\":{\"from\":1,\"to\":3}}]");
    for (int i = 0; i < 3; i++) {
        int cl = connect_to(sc_proxy_port(h.proxy));
        char c;
        bool reset;
        assert_int_equal(read_all(cl, &c, 1, &reset), 0);
        assert_true(reset);
        close(cl);
    }
    /* the fourth goes through */
    int cl = connect_to(sc_proxy_port(h.proxy));
    int up = accept_upstream(&h);
    assert_int_equal(send(cl, "ok", 2, 0), 2);
    char got[2];
    assert_int_equal(recv(up, got, 2, MSG_WAITALL), 2);
    /* the upstream saw exactly that one connection (the refused ones were never dialled) */
    fcntl(h.upstream, F_SETFL, fcntl(h.upstream, F_GETFL) | O_NONBLOCK);
    assert_int_equal(accept4(h.upstream, NULL, NULL, 0), -1);
    assert_int_equal(errno, EAGAIN);
    close(cl);
    close(up);
    stop(&h);
    assert_int_equal(count_lines_with(h.records, "\"how\":\"refused\",\"fault\":0"), 3);
    assert_int_equal(count_lines_with(h.records, "\"event\":\"accept\""), 4);
    free(h.records);
}

/* A control line moves the upstream: connections accepted after it go to the new server; a bad
 * line changes nothing. */
static void control_line_moves_the_upstream(void **state)
{
    (void)state;
    harness h;
    start(&h, "[]");
    int port = sc_proxy_port(h.proxy);
    int second_port = 0;
    int second = listen_any(&second_port);
    const char *bad = "{\"upstream\": 5}\nnot json\n";
    assert_int_equal(write(h.control[1], bad, strlen(bad)), (ssize_t)strlen(bad));
    int c1 = connect_to(port);
    int u1 = accept_upstream(&h); /* still the first server */
    char line[64];
    int n = snprintf(line, sizeof line, "{\"upstream\": \"127.0.0.1:%d\"}\n", second_port);
    assert_int_equal(write(h.control[1], line, (size_t)n), n);
    /* the line is read on the proxy's next turn: retry the connect until it lands there */
    int u2 = -1;
    for (int i = 0; i < 50 && u2 < 0; i++) {
        int c2 = connect_to(port);
        struct pollfd pfd = {.fd = second, .events = POLLIN};
        if (poll(&pfd, 1, 100) == 1)
            u2 = accept4(second, NULL, NULL, SOCK_CLOEXEC);
        close(c2);
    }
    assert_true(u2 >= 0);
    close(u2);
    close(u1);
    close(c1);
    close(second);
    stop(&h);
    assert_int_equal(count_lines_with(h.records, "\"how\":\"error\""), 0);
    free(h.records);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_connections_forward_and_leave_no_fds),
        cmocka_unit_test(cut_after_bytes_passes_exactly_n_then_resets),
        cmocka_unit_test(close_after_bytes_sends_a_fin),
        cmocka_unit_test(slice_delivers_every_byte_in_order),
        cmocka_unit_test(directions_shut_independently),
        cmocka_unit_test(refuse_never_dials_the_upstream),
        cmocka_unit_test(control_line_moves_the_upstream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
