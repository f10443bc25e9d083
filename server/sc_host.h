/* sc_host: the one server host on the gRPC C core. Every server of ours (the reference server,
 * the scripted server, the recorder's downstream side) is a per-call protocol object hosted here.
 *
 * The host owns:
 * - listening (address, message size limit, no port reuse) and the server's sc_loop;
 * - the registered DataService methods and the catch-all for any other path, with calls
 *   requested ahead of time per method;
 * - accepting calls, every batch on them (one receive and one send at a time, the status, the
 *   close), deadlines and cancellation;
 * - the call's named states (OPEN, ENDING, ABORTED, CLOSED) through sc_fsm;
 * - the event log of each call (docs/peer-protocol.md, "Event log");
 * - shutdown: graceful first (stop accepting; with a grace period, live calls get it to end on
 *   their own), then forced (live calls end with UNAVAILABLE "server shutting down").
 *
 * The protocol object decides; the host performs. It is driven through sc_host_proto below with
 * the time passed in, so the decisions (sc_handler, sc_script_player, the recorder) stay
 * testable without a network. */
#ifndef SC_HOST_H
#define SC_HOST_H

#include "sc_events.h"
#include "sc_host_lifecycle.h"
#include "sc_host_tls.h"
#include "sc_loop.h"
#include "sc_md.h"
#include "sc_method.h"

#include <grpc/grpc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Calls requested from the core ahead of time per registered method: lets bursts of new calls
 * (e.g. 200 subscribers at once) be accepted without waiting a loop turn for each. */
#define SC_HOST_REQUESTS_PER_METHOD 8
/* Calls requested ahead of time on the catch-all when it is the only door (the recorder). */
#define SC_HOST_REQUESTS_CATCH_ALL 16

typedef struct sc_host sc_host;
typedef struct sc_host_call sc_host_call;

/* What a new call is, for the protocol object's open. Borrowed during open. */
typedef struct {
    uint64_t id;           /* 1, 2, ... in accept order */
    sc_method method;      /* SC_METHOD_UNKNOWN for any other path */
    const char *path;      /* the call's path, "/streaming.DataService/Chat" */
    const sc_md_list *md;  /* the client's metadata */
    gpr_timespec deadline; /* the client's deadline (gpr_inf_future when none) */
} sc_host_call_info;

typedef enum {
    SC_HOST_OUT_NONE = 0, /* nothing due now: ask again at wake_at or after an event */
    SC_HOST_OUT_HEADERS,  /* send the initial metadata */
    SC_HOST_OUT_MESSAGE,  /* send a message (with the initial metadata first if none went out) */
    SC_HOST_OUT_STATUS    /* queue the final status behind the sends (trailers-only when no
                             headers went out) */
} sc_host_out_kind;

typedef struct {
    sc_host_out_kind kind;
    /* HEADERS, or MESSAGE while no headers went out: the initial metadata (NULL for none).
     * Borrowed during next_output's return (the host copies it). */
    const sc_md_list *headers;
    grpc_byte_buffer *message; /* MESSAGE: ownership passes to the host */
    bool no_compress;          /* MESSAGE: sent with GRPC_WRITE_NO_COMPRESS */
    /* MESSAGE: another message or the status follows at once, so this one may wait in the
     * transport's buffer for it (GRPC_WRITE_BUFFER_HINT: the send completes without a write;
     * not taken when the initial metadata go in the same batch). Never on the last message
     * before a pause: it would stay buffered until the next write. */
    bool buffer_hint;
    int code;                   /* STATUS */
    const char *status_message; /* STATUS: borrowed (copied by the host), NUL-terminated */
    size_t status_len;          /* its length in bytes (0: strlen; it may hold NULs) */
    const sc_md_list *trailers; /* STATUS: borrowed (copied by the host); NULL for none */
} sc_host_out;

/* How the call closed (RECV_CLOSE_ON_SERVER). */
typedef struct {
    bool cancelled;           /* the call did not end by our status (or we aborted it) */
    bool by_shutdown;         /* the host cancelled it for the shutdown */
    int64_t deadline_left_ms; /* until the client's deadline when it closed (< 0: passed) */
} sc_host_close;

/* The per-call protocol object's interface. `obj` is what open returned; every call happens on
 * the loop thread with `now_ms` the monotonic time. Only open, next_output and release are
 * required. */
typedef struct {
    /* A new call: return its object, or NULL (out of memory: the call ends RESOURCE_EXHAUSTED).
     * `hc` stays valid until release. */
    void *(*open)(void *ctx, sc_host_call *hc, const sc_host_call_info *info, int64_t now_ms);
    /* A message arrived; `msg` is now the object's. Returns the number of client messages
     * counted so far (the event log says message_received when it grew). */
    int64_t (*on_message)(void *obj, grpc_byte_buffer *msg, int64_t now_ms);
    /* Extra fields of the message_received event just logged (the caller owns the object), or
     * NULL for none. NULL: never. */
    cJSON *(*message_fields)(void *obj);
    /* The client half-closed. */
    void (*on_half_close)(void *obj, int64_t now_ms);
    /* The last HEADERS / MESSAGE went out (ok) or failed to (the call is going away). */
    void (*on_sent)(void *obj, bool ok, int64_t now_ms);
    /* The call closed; nothing more goes out. */
    void (*on_closed)(void *obj, const sc_host_close *how, int64_t now_ms);
    /* What to send next, given that nothing is in flight. */
    sc_host_out (*next_output)(void *obj, int64_t now_ms);
    /* Must the call end now, without waiting for the send in flight (a stalled receiver)? Asked
     * first on every pump; true once, with the status the call is cancelled with (the message
     * borrowed, copied by the host). NULL: never. */
    bool (*take_abort)(void *obj, int64_t now_ms, int *code, const char **message);
    /* Should a receive be pending? NULL: always, until the client's stream ended. */
    bool (*wants_recv)(void *obj);
    /* When to ask next_output again besides after events; -1 for never. NULL: never. */
    int64_t (*wake_at)(void *obj);
    /* The x-sc-case the event log names (NULL for none). NULL: none. */
    const char *(*case_id)(void *obj);
    /* Work of its own still pending (e.g. the recorder's upstream call): the host keeps the
     * call until it says no. NULL: never. */
    bool (*busy)(void *obj);
    /* The call is over: free the object. */
    void (*release)(void *obj, int64_t now_ms);
} sc_host_proto;

typedef struct {
    const char *name;          /* log component: "server", "script-server", "record" */
    const char *listen;        /* "HOST:PORT"; port 0 = any. Borrowed during create. */
    const sc_host_tls *tls;    /* TLS (mTLS with a client CA); NULL: plaintext. Borrowed during
                                  create (the files are read then). */
    int64_t max_receive_bytes; /* largest message accepted */
    /* Server-wide connection options (max connection age, ping policy, max concurrent
     * streams); NULL: the core's defaults. Borrowed during create. */
    const sc_host_lifecycle *lifecycle;
    bool register_methods; /* DataService methods registered and the catch-all; false: the
                              catch-all only (every path a generic call) */
    bool builtin_services; /* health and reflection (sc_builtin) on their paths, in front of
                              proto; false: every path goes to proto (the recorder) */
    int64_t tick_ms;       /* longest the loop sleeps without an event (a safety net) */
    /* Shutdown: live calls get this long to end on their own before the forced stage. With a
     * grace, the forced stage cancels only calls whose status is not decided yet. */
    int64_t shutdown_grace_ms;
    /* The core ends a read pending when our status went out as if the client half-closed: log
     * it and tell the object anyway (the reference server's historical behaviour), or not. */
    bool report_late_half_close;
    sc_events *events;          /* borrowed, may be NULL; must outlive the host */
    int verbose;                /* log each call's events at info level */
    const sc_host_proto *proto; /* borrowed; must outlive the host */
    void *proto_ctx;            /* passed to open */
} sc_host_config;

/* Bind and start; NULL with a message naming what failed. Caller owns it. */
sc_host *sc_host_create(const sc_host_config *cfg, char *err, size_t errlen);
int sc_host_port(const sc_host *h);
/* The host's loop, for the objects' own operations (the recorder's upstream calls). */
sc_loop *sc_host_loop(sc_host *h);
/* Serve until sc_host_shutdown and every call ended; returns 0. One thread. */
int sc_host_run(sc_host *h);
/* Thread-safe, idempotent: stop accepting, then end live calls (see sc_host_config). */
void sc_host_shutdown(sc_host *h);
/* Shuts down and drains first if still running. */
void sc_host_destroy(sc_host *h);

/* The object's call asks to be pumped again (something it waits on happened outside its own
 * events: a chat delivery, an upstream completion). Runs after the current event. */
void sc_host_call_kick(sc_host_call *hc);
/* The C core call (as a parent for propagation). Borrowed. */
grpc_call *sc_host_call_grpc(sc_host_call *hc);
/* Has the final status been queued or the call aborted (ENDING, ABORTED), or is it closed? */
bool sc_host_call_status_queued(const sc_host_call *hc);
bool sc_host_call_closed(const sc_host_call *hc);
uint64_t sc_host_call_id(const sc_host_call *hc);

#endif
