/* client_run: run a client CLI process (`streamconform call|peer-client`) for an integration
 * test: stdin, stdout and stderr are pipes; every wait is bounded; the child is always reaped
 * (SIGKILLed first when it overstays). Header-only (static inline) so each test file stays one
 * translation unit; servers are started with tests/support/sc_testproc instead. */
#ifndef CLIENT_RUN_H
#define CLIENT_RUN_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sc_time.h"

/* Captured output per stream: the tests' outputs are far smaller (50 results ~ 100 KiB). */
#define CLIENT_RUN_CAP (4 * 1024 * 1024)
/* Longest poll slice while waiting for a reaped exit after the pipes closed. */
#define CLIENT_RUN_REAP_SLICE_MS 10

typedef struct {
    char *data; /* CLIENT_RUN_CAP + 1 bytes, NUL-terminated */
    size_t len;
    size_t pos; /* start of the next unread line */
    int fd;
} client_stream;

typedef struct {
    pid_t pid; /* 0 once reaped */
    int in_fd;
    client_stream out, err;
    int status; /* exit code, 128 + signal, or -1 */
} client_proc;

static inline void client_stream_init(client_stream *s, int fd)
{
    static char bufs[4][CLIENT_RUN_CAP + 1]; /* at most two live procs per test */
    static int next;
    s->data = bufs[next++ % 4];
    s->data[0] = '\0';
    s->len = s->pos = 0;
    s->fd = fd;
}

/* Start argv (argv[0] a path). Returns 0, or -1 when fork/pipe failed. */
static inline int client_spawn(client_proc *p, char *const argv[])
{
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    p->pid = pid;
    p->in_fd = in[1];
    p->status = -1;
    client_stream_init(&p->out, out[0]);
    client_stream_init(&p->err, err[0]);
    return 0;
}

/* Read whatever is available on stdout/stderr, waiting at most wait_ms for something. */
static inline void client_pump(client_proc *p, int64_t wait_ms)
{
    struct pollfd fds[2] = {{p->out.fd, POLLIN, 0}, {p->err.fd, POLLIN, 0}};
    if (poll(fds, 2, (int)(wait_ms < 0 ? 0 : wait_ms)) <= 0)
        return;
    client_stream *s[2] = {&p->out, &p->err};
    for (int i = 0; i < 2; i++) {
        if (s[i]->fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        ssize_t n = read(s[i]->fd, s[i]->data + s[i]->len, CLIENT_RUN_CAP - s[i]->len);
        if (n <= 0) {
            close(s[i]->fd);
            s[i]->fd = -1;
            continue;
        }
        s[i]->len += (size_t)n;
        s[i]->data[s[i]->len] = '\0';
    }
}

/* Next complete line of `s` into line. 1 on a line, 0 at EOF, -1 on timeout. */
static inline int client_read_line(client_proc *p, client_stream *s, char *line, size_t len,
                                   int64_t timeout_ms)
{
    int64_t end = sc_time_now_ms() + timeout_ms;
    for (;;) {
        char *nl = memchr(s->data + s->pos, '\n', s->len - s->pos);
        if (nl != NULL) {
            size_t n = (size_t)(nl - (s->data + s->pos));
            snprintf(line, len, "%.*s", (int)n, s->data + s->pos);
            s->pos += n + 1;
            return 1;
        }
        if (s->fd < 0)
            return 0;
        int64_t left = end - sc_time_now_ms();
        if (left <= 0)
            return -1;
        client_pump(p, left);
    }
}

static inline int client_write(client_proc *p, const char *text)
{
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(p->in_fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

static inline void client_close_stdin(client_proc *p)
{
    if (p->in_fd >= 0)
        close(p->in_fd);
    p->in_fd = -1;
}

static inline int decode_status(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Collect output until both pipes close and reap. Returns the exit status, or -1 when the child
 * overstayed timeout_ms (it is then SIGKILLed and reaped). */
static inline int client_wait(client_proc *p, int64_t timeout_ms)
{
    int64_t end = sc_time_now_ms() + timeout_ms;
    client_close_stdin(p);
    while (p->pid > 0) {
        int st = 0;
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid) {
            p->pid = 0;
            p->status = decode_status(st);
            break;
        }
        int64_t left = end - sc_time_now_ms();
        if (left <= 0) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &st, 0);
            p->pid = 0;
            p->status = -1;
            break;
        }
        client_pump(p, p->out.fd < 0 && p->err.fd < 0 ? CLIENT_RUN_REAP_SLICE_MS : left);
    }
    while (p->out.fd >= 0 || p->err.fd >= 0)
        client_pump(p, CLIENT_RUN_REAP_SLICE_MS); /* the rest; the writer is gone */
    return p->status;
}

/* Kill (if running), reap and close everything. Safe to call twice. */
static inline void client_cleanup(client_proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
    client_close_stdin(p);
    if (p->out.fd >= 0)
        close(p->out.fd);
    if (p->err.fd >= 0)
        close(p->err.fd);
    p->out.fd = p->err.fd = -1;
}

/* Spawn, feed `input` (may be NULL), close stdin and wait. Returns the exit status or -1. */
static inline int client_run(client_proc *p, char *const argv[], const char *input,
                             int64_t timeout_ms)
{
    if (client_spawn(p, argv) != 0)
        return -1;
    if (input != NULL)
        client_write(p, input);
    int rc = client_wait(p, timeout_ms);
    client_cleanup(p);
    return rc;
}

#endif
