/* sc_proxy: the fault proxy's event loop (docs/fault-proxy.md). One thread, one epoll set,
 * non-blocking sockets, many connections; every decision about a connection's bytes is taken by
 * sc_proxy_flow (no I/O there), this module only moves bytes and sockets. Each accepted
 * connection gets its own upstream connection; per direction at most SC_PROXY_BUF bytes are held
 * (then the proxy stops reading and TCP pushes back on the sender).
 *
 * Records (one JSON object per line, flushed at once), t_ms since the proxy started (monotonic):
 *   {"event":"accept","conn":1,"t_ms":12}
 *   {"event":"end","conn":1,"t_ms":40,"bytes_up":310,"bytes_down":95,"how":"client_closed",
 *    "fault":null}
 * how: client_closed | server_closed | reset_by_fault | closed_by_fault | refused | blackholed |
 * error | proxy_stopped; an "error" end also has "error":"<text>". */
#ifndef SC_PROXY_H
#define SC_PROXY_H

#include "sc_proxy_fault.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Bytes buffered per connection and direction: one HTTP/2 default flow-control window (65535)
 * fits, so a gRPC stream is never held up by the proxy alone; more than that waits in the
 * kernel's buffers and then on the sender (TCP backpressure). 200 connections hold 25 MiB. */
#define SC_PROXY_BUF (64 * 1024)
/* Delivery-time marks per connection and direction (one per read, merged when already due):
 * bounds the bookkeeping latency adds; when full the proxy stops reading that side. */
#define SC_PROXY_MARKS 512
/* Longest epoll wait with nothing due: a safety net, timers and events wake the loop earlier. */
#define SC_PROXY_MAX_WAIT_MS 1000
/* After a `close` fault: how long the proxy waits for the peers to close their side after its
 * FIN before it closes anyway (closing with unread bytes would send a RST instead of a FIN). */
#define SC_PROXY_CLOSE_LINGER_MS 2000
/* After accept() failed for lack of descriptors or memory: pause accepting this long. */
#define SC_PROXY_ACCEPT_PAUSE_MS 100
/* Longest control line: {"upstream": "HOST:PORT"} with a host name. */
#define SC_PROXY_CONTROL_LINE 512

/* Connections accepted per loop turn, so that a connect storm does not starve live ones. */
#define SC_PROXY_ACCEPT_BATCH 64

typedef struct sc_proxy sc_proxy;

typedef struct {
    const char *listen;            /* "HOST:PORT"; port 0 = any */
    const char *upstream;          /* "HOST:PORT" of the server */
    const sc_proxy_faults *faults; /* copied; NULL = none */
    FILE *records;                 /* borrowed; NULL = no records */
    uint64_t seed;                 /* jitter; 0 = from the clock */
    /* CLOCK_MONOTONIC ms that records' t_ms and at_case_ms count from; 0 = when the proxy
     * starts (the engine passes its case's start, so that every time is on one clock) */
    int64_t origin_ms;
    /* Descriptor of control lines (> 0; 0 = none, so that a zeroed config has none; cli:
     * --control - passes a copy of stdin). A line
     * {"upstream": "HOST:PORT"} sends every connection accepted from then on to that server
     * (the engine's app cases restart their server on a new port behind the same proxy). */
    int control_fd;
} sc_proxy_config;

/* Resolve the addresses and listen. NULL with a message on failure. */
sc_proxy *sc_proxy_create(const sc_proxy_config *cfg, char *err, size_t errlen);

/* The port the proxy listens on. */
int sc_proxy_port(const sc_proxy *p);

/* Serve until sc_proxy_stop. 0, or -1 when epoll itself failed. */
int sc_proxy_run(sc_proxy *p);

/* Make sc_proxy_run return soon. Async-signal-safe; may be called from any thread. */
void sc_proxy_stop(sc_proxy *p);

/* Connections accepted so far (for tests; read it from the loop's thread or after run). */
int64_t sc_proxy_accepted(const sc_proxy *p);

/* Close every connection (writing its end record, how "proxy_stopped") and the listener, free.
 * NULL is a no-op. */
void sc_proxy_destroy(sc_proxy *p);

#endif
