/* sc_tcp_probe: does anything accept TCP connections at host:port? See sc_tcp_probe.h. */
#include "sc_tcp_probe.h"
#include "sc_time.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sc_tcp_probe(const char *host, int port, int64_t bound_ms, char *why, size_t len)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0) {
        snprintf(why, len, "cannot resolve %.100s: %s", host, gai_strerror(gai));
        return -1;
    }
    int rc = -1;
    snprintf(why, len, "no address");
    int64_t deadline = sc_time_now_ms() + bound_ms;
    for (struct addrinfo *a = res; a != NULL && rc != 0; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int e = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
        if (e == EINPROGRESS) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            int64_t left = deadline - sc_time_now_ms();
            int ready = left > 0 ? poll(&pfd, 1, (int)left) : 0;
            socklen_t sl = sizeof e;
            if (ready <= 0)
                e = ETIMEDOUT;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
                e = errno;
        }
        close(fd);
        rc = e == 0 ? 0 : -1;
        if (e != 0)
            snprintf(why, len, "%s",
                     e == ETIMEDOUT ? "no answer within the probe's bound" : strerror(e));
    }
    freeaddrinfo(res);
    return rc;
}
