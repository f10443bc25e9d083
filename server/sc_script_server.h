/* sc_script_server: the engine's scripted server (`streamconform script-server`): serves every
 * DataService method and plays, per call, the script of the call's x-sc-case from a script book
 * (sc_script_book). Same architecture as the reference server (sc_server.h): one loop thread, one
 * completion queue, one state machine per call with a tag per batch (container_of); the per-call
 * decisions are sc_script_player's. The event log is the reference server's (sc_events). */
#ifndef SC_SCRIPT_SERVER_H
#define SC_SCRIPT_SERVER_H

#include "sc_events.h"
#include "sc_host_tls.h"
#include "sc_script_book.h"

#include <stdbool.h>
#include <stdint.h>

/* What a replaying caller learns about each call (`streamconform replay`); every callback runs
 * on the loop thread and may be NULL. `entry` is the book entry the call plays (-1: none). */
typedef struct {
    void *ctx;
    void (*on_start)(void *ctx, uint64_t call, long entry);
    /* Client message `index` (0-based), its bytes as received. */
    void (*on_message)(void *ctx, uint64_t call, int64_t index, const unsigned char *data,
                       size_t len);
    void (*on_end)(void *ctx, uint64_t call, int64_t received, bool half_close, bool cancelled);
} sc_script_observer;

typedef struct {
    const char *listen;         /* "HOST:PORT"; port 0 = OS-assigned. Borrowed during create. */
    const sc_host_tls *tls;     /* NULL: plaintext. Borrowed during create. */
    const sc_script_book *book; /* borrowed; must outlive the server */
    sc_events *events;          /* borrowed, may be NULL; must outlive the server */
    int verbose;                /* log each call's events at info level */
    /* Replay mode: a call plays the first book entry of its method not played yet (book order;
     * after the last, from the first again), whatever its x-sc-case; a call on a path outside
     * DataService the same way among the entries with that "path" (none: UNIMPLEMENTED, and no
     * observer callback). Entries with a path are played on their path only. */
    bool match_by_method;
    double speed;                       /* delays are divided by this; 0 means 1 */
    const sc_script_observer *observer; /* borrowed, may be NULL */
} sc_script_server_config;

typedef struct sc_script_server sc_script_server;

/* Bind and start. grpc_init() must have been called. NULL with a message naming what failed. */
sc_script_server *sc_script_server_create(const sc_script_server_config *cfg, char *err,
                                          size_t errlen);
int sc_script_server_port(const sc_script_server *s);
/* Serve until sc_script_server_shutdown; then end live calls (UNAVAILABLE "server shutting
 * down"), drain and return 0. One thread only. */
int sc_script_server_run(sc_script_server *s);
/* Ask the loop to stop. Thread-safe, idempotent. */
void sc_script_server_shutdown(sc_script_server *s);
void sc_script_server_destroy(sc_script_server *s);

#endif
