#include "sc_proc.h"
#include "sc_time.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Polling interval while waiting for a child to exit: short, since callers wait on it. */
#define SC_PROC_REAP_POLL_MS 5
/* Bytes read from a pipe at a time. */
#define SC_PROC_READ_CHUNK 65536

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void set_nonblocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Child side: die with the parent. A child must not outlive the engine that started it (a
 * `serve` left listening after kill -9 of `run`, issue 15). The kernel sends SIGKILL when the
 * parent's thread that forked exits; sc_proc is used from the thread that runs the processes
 * for their whole life. If the parent died before prctl, nobody will send the signal: the
 * parent's pid (taken before the fork) is no longer ours, so stop here. */
static void die_with_parent(pid_t parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127);
}

/* Child side: wire the pipes to 0/1/2 and exec. Never returns. */
static void exec_child(char *const argv[], int in[2], int out[2], int err[2], pid_t parent)
{
    die_with_parent(parent);
    if (in[0] >= 0)
        dup2(in[0], STDIN_FILENO);
    else {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
    }
    dup2(out[1], STDOUT_FILENO);
    if (err[1] >= 0)
        dup2(err[1], STDERR_FILENO);
    /* Its own process group, so that stopping it reaches whatever it starts (a wrapper script's
     * server, a peer's helpers) and nothing outlives it. */
    setpgid(0, 0);
    /* Undo the parent's signal setup: the child starts with default dispositions. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int sc_proc_spawn(sc_proc *p, char *const argv[], int flags)
{
    memset(p, 0, sizeof *p);
    p->in_fd = p->out_fd = p->err_fd = -1;
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0 || ((flags & SC_PROC_STDIN) && pipe2(in, O_CLOEXEC) != 0) ||
        ((flags & SC_PROC_STDERR) && pipe2(err, O_CLOEXEC) != 0))
        goto fail;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        goto fail;
    if (pid == 0)
        exec_child(argv, in, out, err, parent);
    setpgid(pid, pid); /* as the child does: whichever runs first, the group exists */
    p->pid = pid;
    p->pgid = pid;
    close_fd(&out[1]);
    close_fd(&in[0]);
    close_fd(&err[1]);
    p->out_fd = out[0];
    p->in_fd = in[1];
    p->err_fd = err[0];
    set_nonblocking(p->out_fd);
    if (p->in_fd >= 0)
        set_nonblocking(p->in_fd);
    if (p->err_fd >= 0)
        set_nonblocking(p->err_fd);
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&in[i]);
        close_fd(&out[i]);
        close_fd(&err[i]);
    }
    return -1;
}

int sc_proc_parse_ready(const char *line)
{
    int port = 0;
    if (sscanf(line, "{\"ready\":true,\"port\":%d}", &port) == 1 && port > 0)
        return port;
    return -1;
}

int sc_proc_wait_ready(sc_proc *p, int64_t ready_ms)
{
    char line[256];
    if (sc_proc_read_line(p, line, sizeof line, ready_ms) != 1)
        return -1;
    p->port = sc_proc_parse_ready(line);
    return p->port > 0 ? 0 : -1;
}

int sc_proc_start(sc_proc *p, char *const argv[], int64_t ready_ms)
{
    if (sc_proc_spawn(p, argv, 0) != 0)
        return -1;
    if (sc_proc_wait_ready(p, ready_ms) != 0) {
        fprintf(stderr, "%s gave no ready line within %lld ms\n", argv[0], (long long)ready_ms);
        sc_proc_cleanup(p);
        return -1;
    }
    return 0;
}

/* Append `n` bytes, dropping lines that grow past SC_PROC_MAX_LINE. */
static void buffer_append(sc_proc *p, const char *data, size_t n)
{
    if (p->skipping) {
        const char *nl = memchr(data, '\n', n);
        if (nl == NULL)
            return;
        p->skipping = false;
        n -= (size_t)(nl + 1 - data);
        data = nl + 1;
    }
    if (p->buf_len + n > SC_PROC_MAX_LINE && memchr(data, '\n', n) == NULL) {
        p->buf_len = 0; /* an overlong line: drop it up to its newline */
        p->skipping = true;
        p->dropped_lines++;
        return;
    }
    if (p->buf_len + n > p->buf_cap) {
        size_t cap = p->buf_cap ? p->buf_cap : 4096;
        while (cap < p->buf_len + n)
            cap *= 2;
        char *nb = realloc(p->buf, cap);
        if (nb == NULL)
            return;
        p->buf = nb;
        p->buf_cap = cap;
    }
    memcpy(p->buf + p->buf_len, data, n);
    p->buf_len += n;
}

int sc_proc_fill(sc_proc *p)
{
    char chunk[SC_PROC_READ_CHUNK];
    while (p->out_fd >= 0) {
        ssize_t got = read(p->out_fd, chunk, sizeof chunk);
        if (got > 0) {
            buffer_append(p, chunk, (size_t)got);
            continue;
        }
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 1;
        close_fd(&p->out_fd); /* EOF or a real error */
    }
    return 0;
}

char *sc_proc_take_line(sc_proc *p)
{
    char *nl = p->buf_len ? memchr(p->buf, '\n', p->buf_len) : NULL;
    if (nl == NULL)
        return NULL;
    size_t n = (size_t)(nl - p->buf);
    char *line = malloc(n + 1);
    if (line != NULL) {
        memcpy(line, p->buf, n);
        line[n] = '\0';
    }
    memmove(p->buf, nl + 1, p->buf_len - n - 1);
    p->buf_len -= n + 1;
    return line;
}

int sc_proc_read_line(sc_proc *p, char *line, size_t len, int64_t timeout_ms)
{
    int64_t deadline = sc_time_now_ms() + timeout_ms;
    for (;;) {
        char *got = sc_proc_take_line(p);
        if (got != NULL) {
            snprintf(line, len, "%s", got);
            free(got);
            return 1;
        }
        if (p->out_fd < 0)
            return 0;
        int64_t left = deadline - sc_time_now_ms();
        if (left <= 0)
            return -1;
        struct pollfd pfd = {.fd = p->out_fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) > 0)
            sc_proc_fill(p);
    }
}

/* The leader is gone: whatever it left in its group goes too (a crashed wrapper's server). */
static void kill_group_leftovers(sc_proc *p)
{
    if (p->pgid > 0)
        kill(-p->pgid, SIGKILL); /* ESRCH when the group is empty: nothing to do */
    p->pgid = 0;
}

/* A signal to the whole group, or to the process alone when it has no group of its own. */
static void signal_group(const sc_proc *p, int sig)
{
    if (p->pgid <= 0 || kill(-p->pgid, sig) != 0)
        kill(p->pid, sig);
}

bool sc_proc_exited(sc_proc *p, int *status)
{
    if (p->pid <= 0)
        return true;
    int st = 0;
    if (waitpid(p->pid, &st, WNOHANG) != p->pid)
        return false;
    p->pid = 0;
    kill_group_leftovers(p);
    if (status != NULL)
        *status = st;
    return true;
}

int sc_proc_stop(sc_proc *p, int sig, int64_t timeout_ms)
{
    if (p->pid <= 0)
        return -1;
    if (sig != 0)
        signal_group(p, sig);
    int64_t deadline = sc_time_now_ms() + timeout_ms;
    for (;;) {
        int status = 0;
        if (sc_proc_exited(p, &status))
            return status;
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
        signal_group(p, SIGKILL);
        waitpid(p->pid, NULL, 0); /* SIGKILL cannot be ignored: this returns */
        p->pid = 0;
    }
    kill_group_leftovers(p);
    close_fd(&p->in_fd);
    close_fd(&p->out_fd);
    close_fd(&p->err_fd);
    free(p->buf);
    p->buf = NULL;
    p->buf_len = p->buf_cap = 0;
}
