/* sc_proc: start a peer process, talk to it over pipes (stdin, stdout lines, stderr), stop and
 * reap it. Every wait is bounded; a process that will not stop is SIGKILLed and reaped.
 * A child dies with its parent (PR_SET_PDEATHSIG SIGKILL): spawn from the thread that stays for
 * the child's whole life (the kernel tells the death of the forking thread).
 * The caller owns the sc_proc struct; sc_proc_cleanup releases what it holds. */
#ifndef SC_PROC_H
#define SC_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Longest stdout line kept: a driver result carries every response of a case as JSON (a
 * 10000-point batch is ~1 MiB); anything longer is dropped and counted in `dropped_lines`. */
#define SC_PROC_MAX_LINE (64u * 1024 * 1024)

enum {
    SC_PROC_STDIN = 1,  /* give the child a stdin pipe (in_fd) instead of /dev/null */
    SC_PROC_STDERR = 2, /* pipe the child's stderr (err_fd) instead of inheriting it */
};

typedef struct {
    pid_t pid;  /* 0 once reaped */
    pid_t pgid; /* its process group (the child leads its own); 0 once the group was cleared */
    int in_fd;  /* write end of the child's stdin, or -1 */
    int out_fd; /* read end of the child's stdout; -1 once closed (EOF) */
    int err_fd; /* read end of the child's stderr, or -1 */
    int port;   /* from the ready line (sc_proc_wait_ready) */
    char *buf;  /* stdout bytes not yet returned as lines (owned) */
    size_t buf_len, buf_cap;
    bool skipping;        /* inside an overlong line being dropped */
    size_t dropped_lines; /* lines longer than SC_PROC_MAX_LINE */
} sc_proc;

/* Fork/exec argv (argv[0] a path) with stdout piped, plus stdin/stderr per `flags`. The parent's
 * ends are close-on-exec and non-blocking. 0, or -1 when the process could not be started. */
int sc_proc_spawn(sc_proc *p, char *const argv[], int flags);

/* Wait up to `ready_ms` for the first stdout line to be {"ready":true,"port":N}; sets p->port.
 * 0 on success, -1 otherwise (the process is left running; call sc_proc_cleanup). */
int sc_proc_wait_ready(sc_proc *p, int64_t ready_ms);

/* The port of a ready line {"ready":true,"port":N}, or -1 when `line` is not one. */
int sc_proc_parse_ready(const char *line);

/* sc_proc_spawn (stdout only) + sc_proc_wait_ready; on failure the child is killed and reaped. */
int sc_proc_start(sc_proc *p, char *const argv[], int64_t ready_ms);

/* Read what stdout has now, without blocking. 1 when the pipe is still open, 0 at EOF. */
int sc_proc_fill(sc_proc *p);

/* Take the next complete stdout line out of the buffer (without the newline): a malloc'd string
 * the caller frees, or NULL when no complete line is buffered. */
char *sc_proc_take_line(sc_proc *p);

/* Next stdout line (without the newline) into `line` (truncated to len - 1), waiting at most
 * `timeout_ms`. 1 on a line, 0 on EOF, -1 on timeout. */
int sc_proc_read_line(sc_proc *p, char *line, size_t len, int64_t timeout_ms);

/* Has the process exited? Reaps it if so (non-blocking) and stores the status in *status. */
bool sc_proc_exited(sc_proc *p, int *status);

/* Send `sig` and wait up to `timeout_ms` for the exit. Returns the exit status as from waitpid
 * (use WIFEXITED/WEXITSTATUS), or -1 when it did not exit in time (then it was SIGKILLed). */
int sc_proc_stop(sc_proc *p, int sig, int64_t timeout_ms);

/* Kill (if running), reap, close pipes, free buffers. Safe to call twice. */
void sc_proc_cleanup(sc_proc *p);

#endif
