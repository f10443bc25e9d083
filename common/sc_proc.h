/* sc_proc: start a peer process (a server that prints a ready line), read its stdout lines, stop
 * and reap it. Every wait is bounded; a process that will not stop is SIGKILLed and reaped.
 * The caller owns the sc_proc struct; sc_proc_cleanup releases what it holds. */
#ifndef SC_PROC_H
#define SC_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;  /* 0 once reaped */
    int out_fd; /* read end of the child's stdout; -1 when closed */
    int port;   /* from the ready line */
    char buf[65536];
    size_t buf_len;
} sc_proc;

/* Fork/exec argv (argv[0] a path). The child's stdout is a pipe read by sc_proc_read_line;
 * stderr is inherited. Waits up to `ready_ms` for the ready line
 * {"ready":true,"port":N}. 0 on success; -1 (child killed and reaped) otherwise. */
int sc_proc_start(sc_proc *p, char *const argv[], int64_t ready_ms);

/* Next stdout line (without the newline) into `line`, waiting at most `timeout_ms`.
 * 1 on a line, 0 on EOF, -1 on timeout. */
int sc_proc_read_line(sc_proc *p, char *line, size_t len, int64_t timeout_ms);

/* Send `sig` and wait up to `timeout_ms` for the exit. Returns the exit status as from waitpid
 * (use WIFEXITED/WEXITSTATUS), or -1 when it did not exit in time (then it was SIGKILLed). */
int sc_proc_stop(sc_proc *p, int sig, int64_t timeout_ms);

/* Kill (if running), reap, close pipes. Safe to call twice. */
void sc_proc_cleanup(sc_proc *p);

#endif
