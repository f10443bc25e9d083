/* sc_client_sync: a small blocking layer over sc_client_call for the CLI and tests.
 *
 * Each sc_client_sync owns a private sc_loop and one call; every blocking function takes a
 * bound in ms and returns SC_SYNC_TIMEOUT when it passes (the call is left as it was, so the caller
 * may wait again or cancel). No threads are created. */
#ifndef SC_CLIENT_SYNC_H
#define SC_CLIENT_SYNC_H

#include "sc_client_call.h"

#include <grpc/grpc.h>
#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

typedef enum {
    SC_SYNC_OK = 0,       /* the operation completed */
    SC_SYNC_END = 1,      /* sc_client_sync_recv: no more responses (the status is available) */
    SC_SYNC_TIMEOUT = -1, /* the bound passed first */
    SC_SYNC_FAILED = -2,  /* the call is finished or broken; read the status */
} sc_sync_rc;

typedef struct sc_client_sync sc_client_sync;

/* Start a call on `channel` (borrowed; must outlive the sync object). The caller owns the result
 * and frees it with sc_client_sync_free. NULL with a reason in `err` on failure. */
sc_client_sync *sc_client_sync_start(grpc_channel *channel, const sc_client_call_opts *opts,
                                     char *err, size_t errlen);

/* Queue `msg` (caller keeps it) and wait until the core has taken it. */
sc_sync_rc sc_client_sync_send(sc_client_sync *s, const ProtobufCMessage *msg, int64_t timeout_ms);

/* Half-close and wait until it went out. */
sc_sync_rc sc_client_sync_close_send(sc_client_sync *s, int64_t timeout_ms);

/* Next response into *out (caller frees with protobuf_c_message_free_unpacked(*out, NULL)). */
sc_sync_rc sc_client_sync_recv(sc_client_sync *s, ProtobufCMessage **out, int64_t timeout_ms);

/* Wait for the final status. Responses not yet read stay readable with sc_client_sync_recv. */
sc_sync_rc sc_client_sync_finish(sc_client_sync *s, int64_t timeout_ms);

/* Cancel now; sc_client_sync_finish then returns promptly. */
void sc_client_sync_cancel(sc_client_sync *s);

/* The call's result (final after sc_client_sync_finish returned SC_SYNC_OK). Owned by `s`. */
const sc_client_call_result *sc_client_sync_result(const sc_client_sync *s);

/* Cancel if unfinished, drain (bounded by SC_LOOP_DRAIN_MS) and free. NULL is a no-op. */
void sc_client_sync_free(sc_client_sync *s);

/* One unary call: send `req`, half-close, wait for the response and the status within
 * `timeout_ms`. *resp gets the response (caller frees) or NULL. Returns the status code, or -1 with
 * `err` set when the call could not start or the bound passed (the call is then cancelled). */
int sc_client_sync_unary(grpc_channel *channel, const sc_client_call_opts *opts,
                         const ProtobufCMessage *req, ProtobufCMessage **resp, int64_t timeout_ms,
                         char *err, size_t errlen);

#endif
