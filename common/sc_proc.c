#include "sc_proc.h"
#include "sc_time.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Polling interval while waiting for a child to exit: short, since callers wait on it. */
#define SC_PROC_REAP_POLL_MS 5

static int parse_ready(const char *line)
{
    int port = 0;
    if (sscanf(line, "{\"ready\":true,\"port\":%d}", &port) == 1 && port > 0)
        return port;
    return -1;
}

int sc_proc_start(sc_proc *p, char *const argv[], int64_t ready_ms)
{
    memset(p, 0, sizeof *p);
    p->out_fd = -1;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    p->pid = pid;
    p->out_fd = fds[0];
    char line[256];
    if (sc_proc_read_line(p, line, sizeof line, ready_ms) != 1 ||
        (p->port = parse_ready(line)) < 0) {
        fprintf(stderr, "%s gave no ready line within %lld ms\n", argv[0], (long long)ready_ms);
        sc_proc_cleanup(p);
        return -1;
    }
    return 0;
}

/* Take one line out of the buffer if there is one. */
static bool take_line(sc_proc *p, char *line, size_t len)
{
    char *nl = memchr(p->buf, '\n', p->buf_len);
    if (nl == NULL)
        return false;
    size_t n = (size_t)(nl - p->buf);
    size_t copy = n < len - 1 ? n : len - 1;
    memcpy(line, p->buf, copy);
    line[copy] = '\0';
    memmove(p->buf, nl + 1, p->buf_len - n - 1);
    p->buf_len -= n + 1;
    return true;
}

int sc_proc_read_line(sc_proc *p, char *line, size_t len, int64_t timeout_ms)
{
    int64_t deadline = sc_time_now_ms() + timeout_ms;
    for (;;) {
        if (take_line(p, line, len))
            return 1;
        if (p->out_fd < 0)
            return 0;
        int64_t left = deadline - sc_time_now_ms();
        if (left <= 0)
            return -1;
        struct pollfd pfd = {.fd = p->out_fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;                    /* re-check the deadline */
        if (p->buf_len == sizeof p->buf) /* an overlong line: drop what we have */
            p->buf_len = 0;
        ssize_t got = read(p->out_fd, p->buf + p->buf_len, sizeof p->buf - p->buf_len);
        if (got > 0) {
            p->buf_len += (size_t)got;
        } else if (got == 0 || errno != EINTR) {
            close(p->out_fd);
            p->out_fd = -1;
        }
    }
}

int sc_proc_stop(sc_proc *p, int sig, int64_t timeout_ms)
{
    if (p->pid <= 0)
        return -1;
    kill(p->pid, sig);
    int64_t deadline = sc_time_now_ms() + timeout_ms;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(p->pid, &status, WNOHANG);
        if (r == p->pid) {
            p->pid = 0;
            return status;
        }
        if (sc_time_now_ms() >= deadline) {
            sc_proc_cleanup(p);
            return -1;
        }
        usleep(SC_PROC_REAP_POLL_MS * 1000);
    }
}

void sc_proc_cleanup(sc_proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0); /* SIGKILL cannot be ignored: this returns */
        p->pid = 0;
    }
    if (p->out_fd >= 0)
        close(p->out_fd);
    p->out_fd = -1;
}
