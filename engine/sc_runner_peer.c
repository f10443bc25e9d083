/* sc_runner_peer: one peer process of a run and its pipes. See sc_runner_peer.h. */
#include "sc_runner_peer.h"
#include "sc_tcp_probe.h"

#include "sc_time.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
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

/* A server someone else runs: check that it accepts connections, and aim the cases at it. */
static int start_external(sc_peer *p, char *err, size_t errlen)
{
    char host[256], why[512];
    int port = 0;
    const char *addr = p->impl->address;
    if (strlen(addr) >= sizeof p->target || !sc_impl_address_ok(addr, host, sizeof host, &port)) {
        snprintf(err, errlen, "%s server: bad address \"%.200s\"", p->impl->name, addr);
        return -1;
    }
    if (sc_tcp_probe(host, port, SC_RUNNER_PROBE_MS, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s server at %s does not answer (TCP connect, %d ms bound): %s",
                 p->impl->name, addr, SC_RUNNER_PROBE_MS, why);
        return -1;
    }
    snprintf(p->target, sizeof p->target, "%s", addr);
    p->external = true;
    p->up = true;
    return 0;
}

void sc_peer_env_apply(char *const *env, char **saved)
{
    for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
        const char *eq = strchr(env[i], '=');
        char *key = strndup(env[i], (size_t)(eq - env[i]));
        const char *old = key != NULL ? getenv(key) : NULL;
        saved[i] = old != NULL ? strdup(old) : NULL;
        if (key != NULL)
            setenv(key, eq + 1, 1);
        free(key);
    }
}

void sc_peer_env_restore(char *const *env, char **saved)
{
    for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
        const char *eq = strchr(env[i], '=');
        char *key = strndup(env[i], (size_t)(eq - env[i]));
        if (key != NULL && saved[i] != NULL)
            setenv(key, saved[i], 1);
        else if (key != NULL)
            unsetenv(key);
        free(key);
        free(saved[i]);
    }
}

/* Spawn the peer's command (a server's with the run's TLS arguments). 0, or -1 with a message. */
static int spawn_command(sc_peer *p, char *err, size_t errlen)
{
    char *argv[SC_IMPL_MAX_ARGV + SC_TRANSPORT_MAX_ARGS + 1];
    size_t n = 0;
    for (; p->impl->argv[n] != NULL && n < SC_IMPL_MAX_ARGV; n++)
        argv[n] = p->impl->argv[n];
    if (p->is_server && p->tls != NULL) {
        const char *extra[SC_TRANSPORT_MAX_ARGS];
        size_t k = sc_transport_server_args(p->impl->transport, p->tls, extra);
        for (size_t i = 0; i < k; i++)
            argv[n++] = (char *)extra[i]; /* exec copies; nothing writes through them */
    }
    argv[n] = NULL;
    argv[0] = p->impl->program;
    char *saved[SC_IMPL_MAX_ENV + 1] = {0};
    int flags = SC_PROC_STDERR | (p->is_server ? 0 : SC_PROC_STDIN);
    sc_peer_env_apply(p->impl->env, saved);
    int rc = sc_proc_spawn(&p->proc, argv, flags);
    sc_peer_env_restore(p->impl->env, saved);
    if (rc != 0)
        snprintf(err, errlen, "cannot start %s %s", p->impl->program, argv[1] ? argv[1] : "");
    return rc;
}

static long ready_bound_ms(const sc_peer *p)
{
    return p->impl->ready_ms > 0 ? p->impl->ready_ms : SC_RUNNER_READY_MS;
}

/* The server gave no ready line: the message with its stderr, and the process reaped. */
static void ready_failed(sc_peer *p, char *err, size_t errlen)
{
    sc_peer_drain_stderr(p);
    char *tail = sc_peer_stderr_tail(p);
    snprintf(err, errlen, "%s server gave no ready line within %ld ms%s%.1000s", p->impl->name,
             ready_bound_ms(p), tail && *tail ? "; stderr: " : "", tail ? tail : "");
    free(tail);
    sc_proc_cleanup(&p->proc);
}

static void now_up(sc_peer *p)
{
    snprintf(p->target, sizeof p->target, "127.0.0.1:%d", p->proc.port);
    p->up = true;
}

int sc_peer_start(sc_peer *p, char *err, size_t errlen)
{
    if (p->is_server && p->impl->address != NULL)
        return start_external(p, err, errlen);
    if (spawn_command(p, err, errlen) != 0)
        return -1;
    if (p->is_server && sc_proc_wait_ready(&p->proc, ready_bound_ms(p)) != 0) {
        ready_failed(p, err, errlen);
        return -1;
    }
    now_up(p);
    return 0;
}

int sc_peer_start_step(sc_peer *p, int64_t now)
{
    char err[2048];
    if (!p->starting) {
        free(p->start_error);
        p->start_error = NULL;
        if (spawn_command(p, err, sizeof err) != 0) {
            p->start_error = strdup(err);
            return -1;
        }
        p->starting = true;
        p->since_ms = now;
    }
    sc_peer_drain_stderr(p);
    int open = sc_proc_fill(&p->proc);
    char *line = sc_proc_take_line(&p->proc);
    bool said = line != NULL;
    int port = said ? sc_proc_parse_ready(line) : -1;
    free(line);
    if (port > 0) {
        p->proc.port = port;
        p->starting = false;
        now_up(p);
        return 1;
    }
    if (!said && open && now - p->since_ms <= ready_bound_ms(p))
        return 0;
    ready_failed(p, err, sizeof err);
    p->starting = false;
    p->start_error = strdup(err);
    return -1;
}

void sc_peer_stop_begin(sc_peer *p, int sig)
{
    if (!p->up || p->external)
        return;
    if (p->proc.pid > 0)
        kill(p->proc.pid, sig);
    p->up = false;
    p->stopping = true;
    p->since_ms = -1;
}

bool sc_peer_stop_step(sc_peer *p, int64_t now)
{
    if (!p->stopping)
        return true;
    if (p->since_ms < 0)
        p->since_ms = now;
    sc_peer_drain_stderr(p);
    sc_proc_fill(&p->proc);
    p->proc.buf_len = 0; /* its last event lines: the case they belong to is done */
    int status = 0;
    if (!sc_proc_exited(&p->proc, &status) && now - p->since_ms < SC_RUNNER_STOP_MS)
        return false;
    sc_proc_cleanup(&p->proc); /* SIGKILLs it if it is still there */
    p->stopping = false;
    return true;
}

void sc_peer_stop(sc_peer *p, int sig)
{
    if (p->external) {
        p->up = false; /* someone else's server: the engine neither starts nor stops it */
        p->external = false;
        return;
    }
    if (p->starting || p->stopping) {
        sc_proc_cleanup(&p->proc);
        p->starting = p->stopping = false;
    }
    free(p->start_error);
    p->start_error = NULL;
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
