/* sc_runner_dedicated: the dedicated servers of scenarios with "server_options"
 * (docs/scenario-format.md): server-wide options (max connection age, ping policy, max
 * concurrent streams, shutdown grace) cannot be set per call, so such a scenario's cases run
 * against a server process of their own, started with the options appended to the server
 * column's command. One server per scenario and server column, shared by the clients' cases;
 * one per case when the scenario has "shutdown_at_ms" (the engine sends that server SIGTERM
 * that long into the case, and its exit is then no failure). Started when its first case is due
 * to start, stopped once its last case is done; neither waits (the server's ready line and its
 * exit are read by the run's loop), so that starting a Python server for one case never holds
 * up the timing of the others (a shutdown_at_ms SIGTERM, a result line). */
#ifndef SC_RUNNER_DEDICATED_H
#define SC_RUNNER_DEDICATED_H

#include "sc_runner_peer.h"
#include "sc_scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How often the run looks at a dedicated server that starts or stops (its ready line, its exit)
 * when nothing else wakes it: a case waits at most this long after its server is ready. */
#define SC_RUNNER_ASYNC_POLL_MS 20

typedef struct {
    const sc_scenario *scenario; /* borrowed */
    size_t column;               /* the server column it copies */
    size_t client;               /* the client of its one case, or SIZE_MAX: shared */
    sc_impl impl;                /* the column's implementation with argv extended */
    char **argv;                 /* owned array (strings borrowed), impl.argv */
    sc_peer peer;
    size_t cases_left;  /* its cases not done yet */
    bool shutdown_sent; /* the SIGTERM of shutdown_at_ms went out: its exit is expected */
} sc_dedicated;

#endif
