/* sc_server: the reference server's completion-queue loop, the only server module that talks to
 * the gRPC C core. One loop thread, one completion queue, one state machine per call (sc_handler
 * decides, this module carries out). Every batch has its own tag inside the call struct,
 * recovered with container_of, and completes exactly once. */
#ifndef SC_SERVER_H
#define SC_SERVER_H

#include "sc_call_plan.h"
#include "sc_events.h"
#include "sc_host_lifecycle.h"
#include "sc_host_tls.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *listen;        /* "HOST:PORT"; port 0 = OS-assigned. Borrowed during create. */
    const sc_host_tls *tls;    /* NULL: plaintext. Borrowed during create. */
    int64_t tick_ms;           /* SubscribeData interval */
    int64_t max_receive_bytes; /* largest request message accepted */
    int64_t max_upload_bytes;  /* largest upload accepted */
    sc_events *events;         /* borrowed, may be NULL; must outlive the server */
    uint64_t seed;             /* data-value randomness; 0 = from the clock */
    int verbose;               /* log each call's events at info level */
    /* serve --call-plan: each call's control keys in arrival order, in place of the client's
     * metadata (an application under test sends none). Borrowed, NULL: none; advanced by the
     * loop thread only, so it must outlive the server. */
    sc_call_plan *plan;
    bool log_requests; /* the event log's first message_received carries the request as JSON */
    /* Server-wide connection options (serve --max-connection-age-ms ...); NULL: defaults.
     * Borrowed during create. */
    const sc_host_lifecycle *lifecycle;
    /* SIGTERM: live calls get this long to end on their own before they are cancelled
     * (serve --shutdown-grace-ms); 0: cancelled at once. */
    int64_t shutdown_grace_ms;
} sc_server_config;

typedef struct sc_server sc_server;

/* Bind and start. grpc_init() must have been called. NULL with a message naming what failed. */
sc_server *sc_server_create(const sc_server_config *cfg, char *err, size_t errlen);

/* The bound port (the OS's choice when asked for 0). */
int sc_server_port(const sc_server *s);

/* Serve until sc_server_shutdown; then end live calls (UNAVAILABLE), drain everything and
 * return 0. Call from one thread only. */
int sc_server_run(sc_server *s);

/* Ask the loop to stop. Thread-safe, idempotent; safe from a signal-waiting thread. */
void sc_server_shutdown(sc_server *s);

/* Free a server whose sc_server_run has returned (or that never ran). */
void sc_server_destroy(sc_server *s);

#endif
