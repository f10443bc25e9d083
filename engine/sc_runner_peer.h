/* sc_runner_peer: one process of a run (a server peer, a client driver or a case's fault proxy)
 * and its pipes: starting it (a server waits for its ready line), stopping it, the last bytes of
 * its stderr, and the driver's stdin lines not yet written (written as the pipe takes them, so
 * the runner's poll() loop never blocks on a slow driver). */
#ifndef SC_RUNNER_PEER_H
#define SC_RUNNER_PEER_H

#include "sc_proc.h"
#include "sc_runner.h"

#include <stdbool.h>
#include <stddef.h>

/* Bound on stopping a peer with SIGTERM before it is SIGKILLed. */
#define SC_RUNNER_STOP_MS 5000

/* Longest target a case's instruction names ("127.0.0.1:PORT" or a server's address). */
#define SC_RUNNER_MAX_TARGET 300

typedef struct {
    const sc_impl *impl; /* borrowed from the run's configuration */
    /* The run's TLS files (borrowed; a server column over TLS adds them to its command). */
    const sc_tls_material *tls;
    bool is_server;
    bool external; /* a server given by address: no process, nothing to read or stop */
    char target[SC_RUNNER_MAX_TARGET]; /* where a server answers, once up */
    sc_proc proc;
    bool up;
    int restarts;
    bool given_up;
    char err_tail[SC_RUNNER_STDERR_TAIL]; /* ring of the last stderr bytes */
    size_t err_len, err_pos;
    char *pending; /* driver stdin bytes not yet written (owned) */
    size_t pending_len;
    /* A dedicated server starts and stops without blocking the run (sc_peer_start_step,
     * sc_peer_stop_begin): the run's other cases keep their timing meanwhile. */
    bool start_async;
    bool starting, stopping; /* spawned, no ready line yet; sent its signal, not reaped yet */
    int64_t since_ms;        /* when it started starting or stopping (-1: not yet noted) */
    char *start_error;       /* why an asynchronous start failed (owned), or NULL */
} sc_peer;

/* The stderr tail as a string (caller frees), or NULL when out of memory. */
char *sc_peer_stderr_tail(const sc_peer *p);

/* Read what the peer wrote to stderr so far into its tail (non-blocking pipe). */
void sc_peer_drain_stderr(sc_peer *p);

/* Start the peer: a server command (waiting for its ready line; the target is 127.0.0.1:PORT), a
 * client driver command (with the implementation's env added to the environment), or, for a
 * server given by address, a bounded TCP connect probe (SC_RUNNER_PROBE_MS; the target is the
 * address). 0, or -1 with a message (and the server's stderr) in `err`. */
int sc_peer_start(sc_peer *p, char *err, size_t errlen);

/* One step of a server command started without waiting (start_async): the first call spawns
 * it, later ones read its ready line without blocking. 1 when it is up (the target set), 0 while
 * it starts, -1 when it could not start, exited, wrote something else or gave no ready line
 * within its bound (the process reaped, the message in p->start_error). `now`: the run's clock. */
int sc_peer_start_step(sc_peer *p, int64_t now);

/* Send `sig` to a server that is up without waiting for it to exit (its stdin closed): it is
 * `stopping` until sc_peer_stop_step reaps it. */
void sc_peer_stop_begin(sc_peer *p, int sig);

/* One step of a stopping peer: reads and drops its output, reaps it once it exited, SIGKILLs it
 * SC_RUNNER_STOP_MS after the first step. true when it is gone. */
bool sc_peer_stop_step(sc_peer *p, int64_t now);

/* Stop a peer that is up: close a driver's stdin, send `sig`, SIGKILL after SC_RUNNER_STOP_MS;
 * drops its unwritten stdin lines. A starting or stopping peer is killed and reaped at once. */
void sc_peer_stop(sc_peer *p, int sig);

/* Set "KEY=VALUE" entries in this process around a spawn (the child inherits them); `saved`
 * (one slot per entry) gets the previous values, which sc_peer_env_restore puts back. The runner
 * is single-threaded. */
void sc_peer_env_apply(char *const *env, char **saved);
void sc_peer_env_restore(char *const *env, char **saved);

/* Queue `line` plus a newline for the peer's stdin. 0, or -1 when out of memory. */
int sc_peer_write(sc_peer *p, const char *line);

/* Write as much of the queued stdin as the pipe takes now. */
void sc_peer_flush(sc_peer *p);

#endif
