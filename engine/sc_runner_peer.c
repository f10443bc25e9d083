/* sc_runner_peer: one peer process of a run and its pipes. See sc_runner_peer.h. */
#include "sc_runner_peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void tail_append(sc_peer *p, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p->err_tail[p->err_pos] = data[i];
        p->err_pos = (p->err_pos + 1) % SC_RUNNER_STDERR_TAIL;
        if (p->err_len < SC_RUNNER_STDERR_TAIL)
            p->err_len++;
    }
}

/* The stderr tail as a string (caller frees). */
char *sc_peer_stderr_tail(const sc_peer *p)
{
    char *out = malloc(p->err_len + 1);
    if (out == NULL)
        return NULL;
    size_t start = (p->err_pos + SC_RUNNER_STDERR_TAIL - p->err_len) % SC_RUNNER_STDERR_TAIL;
    for (size_t i = 0; i < p->err_len; i++)
        out[i] = p->err_tail[(start + i) % SC_RUNNER_STDERR_TAIL];
    out[p->err_len] = '\0';
    return out;
}

void sc_peer_drain_stderr(sc_peer *p)
{
    char buf[4096];
    ssize_t got;
    while (p->proc.err_fd >= 0 && (got = read(p->proc.err_fd, buf, sizeof buf)) > 0)
        tail_append(p, buf, (size_t)got);
}

int sc_peer_start(sc_peer *p, char *err, size_t errlen)
{
    char *argv[10];
    int n = 0;
    argv[n++] = p->impl->program;
    argv[n++] = (char *)(p->is_server ? p->impl->server_verb : p->impl->client_verb);
    if (p->is_server) {
        argv[n++] = "--listen";
        argv[n++] = "127.0.0.1:0";
        argv[n++] = "--events";
        argv[n++] = "-";
        argv[n++] = "--quiet";
        if (p->impl->scripts != NULL) {
            argv[n++] = "--scripts";
            argv[n++] = (char *)p->impl->scripts;
        }
    }
    argv[n] = NULL;
    int flags = SC_PROC_STDERR | (p->is_server ? 0 : SC_PROC_STDIN);
    if (sc_proc_spawn(&p->proc, argv, flags) != 0) {
        snprintf(err, errlen, "cannot start %s %s", p->impl->program, argv[1]);
        return -1;
    }
    if (p->is_server && sc_proc_wait_ready(&p->proc, SC_RUNNER_READY_MS) != 0) {
        sc_peer_drain_stderr(p);
        char *tail = sc_peer_stderr_tail(p);
        snprintf(err, errlen, "%s server gave no ready line within %d ms%s%.1000s", p->impl->name,
                 SC_RUNNER_READY_MS, tail && *tail ? "; stderr: " : "", tail ? tail : "");
        free(tail);
        sc_proc_cleanup(&p->proc);
        return -1;
    }
    p->up = true;
    return 0;
}

void sc_peer_stop(sc_peer *p, int sig)
{
    if (!p->up)
        return;
    if (p->proc.in_fd >= 0) { /* a driver finishes its work at EOF */
        close(p->proc.in_fd);
        p->proc.in_fd = -1;
    }
    sc_proc_stop(&p->proc, sig, SC_RUNNER_STOP_MS);
    sc_peer_drain_stderr(p);
    sc_proc_cleanup(&p->proc);
    p->up = false;
    free(p->pending);
    p->pending = NULL;
    p->pending_len = 0;
}

int sc_peer_write(sc_peer *p, const char *line)
{
    size_t n = strlen(line);
    char *nb = realloc(p->pending, p->pending_len + n + 1);
    if (nb == NULL)
        return -1;
    memcpy(nb + p->pending_len, line, n);
    nb[p->pending_len + n] = '\n';
    p->pending = nb;
    p->pending_len += n + 1;
    return 0;
}

void sc_peer_flush(sc_peer *p)
{
    while (p->pending_len > 0 && p->proc.in_fd >= 0) {
        ssize_t w = write(p->proc.in_fd, p->pending, p->pending_len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* EAGAIN: wait for POLLOUT; EPIPE: the exit is noticed on stdout */
        memmove(p->pending, p->pending + w, p->pending_len - (size_t)w);
        p->pending_len -= (size_t)w;
    }
}
