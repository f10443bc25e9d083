/* sc_handler: what the reference server does on one call, as pure logic (sans-I/O).
 *
 * The loop (sc_server.c) feeds events in (a message arrived, the client half-closed, a send
 * completed, the call closed) and asks what to do next (sc_handler_next_output,
 * sc_handler_wants_recv, sc_handler_take_abort, sc_handler_wake_at). Time comes in as an
 * sc_clock; nothing here reads a clock, touches the network or the C core. */
#ifndef SC_HANDLER_H
#define SC_HANDLER_H

#include "sc_batch_wire.h"
#include "sc_case_calls.h"
#include "sc_chat.h"
#include "sc_control.h"
#include "sc_md.h"
#include "sc_method.h"

#include <openssl/evp.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>

/* Largest batch_size a request may ask for: bounds one response to a few hundred KiB. */
#define SC_MAX_BATCH_SIZE 10000
/* Most bytes of ids and topics one batch may copy (batch_size x (subscription_id + longest topic)):
 * every point carries the id and a topic, and a batch is built on the loop thread that drives
 * every call, so this bounds the work of one response to a few ms of copying. A 1 MB id with
 * batch_size 10000 (10 GB) stalled every other call for 25 s (issue 15). Over it:
 * RESOURCE_EXHAUSTED. */
#define SC_MAX_BATCH_BYTES (16 * 1024 * 1024)
/* batch_size used when the request leaves it <= 0 (as the seed). */
#define SC_DEFAULT_BATCH_SIZE 10
/* Most SubscribeData messages in a row the host may hold back for the next one
 * (sc_out.more_follows, GRPC_WRITE_BUFFER_HINT): one write for many small messages, while a
 * reader waits at most this many messages' production time for a message already built. */
#define SC_MAX_HELD_MESSAGES 32
/* Longest status message we build ourselves (our messages are short; fail messages are capped
 * by SC_CONTROL_MAX_TEXT). */
#define SC_STATUS_MESSAGE_MAX (SC_CONTROL_MAX_TEXT + 64)
/* Default message of a failure injected with x-sc-fail-code and no x-sc-fail-message. */
#define SC_INJECTED_FAILURE_MESSAGE "injected failure"

typedef struct {
    int64_t mono_ms; /* for delays and ordering */
    int64_t wall_ns; /* for timestamps in messages */
} sc_clock;

/* Server-wide state the handlers share. Owned by the loop; outlives every handler. */
typedef struct {
    int64_t tick_ms;          /* SubscribeData interval when x-sc-response-delay-ms is absent */
    int64_t max_upload_bytes; /* UploadFile bytes above this -> RESOURCE_EXHAUSTED */
    sc_chat_room room;        /* the one Chat room */
    uint64_t rng;             /* xorshift state for data-point values; never 0 */
    uint64_t file_counter;    /* makes file ids unique within one server run */
    sc_case_calls case_calls; /* calls per x-sc-case, for x-sc-fail-calls */
} sc_handler_env;

typedef enum { SC_OUT_NONE = 0, SC_OUT_HEADERS, SC_OUT_MESSAGE, SC_OUT_STATUS } sc_out_kind;

typedef struct {
    sc_out_kind kind;
    /* SC_OUT_MESSAGE: either `message` (the caller owns it; free with
     * protobuf_c_message_free_unpacked(m, NULL)) or, when it is NULL, the message's wire bytes
     * `wire` / `wire_len` (GetData, SubscribeData; borrowed from the handler until the next call
     * into it). */
    ProtobufCMessage *message;
    const uint8_t *wire;
    size_t wire_len;
    /* SC_OUT_MESSAGE: the next message is due at once, so this one may wait in a buffer for it
     * (never set on the last message before a pause or the status). */
    bool more_follows;
    /* SC_OUT_STATUS: the code, and a message owned by the handler (valid until sc_handler_free). */
    int code;
    const char *status_message;
} sc_out;

typedef struct {
    sc_method method;
    sc_handler_env *env; /* not owned */
    sc_control ctl;      /* owned */
    bool ctl_ok;

    int64_t gate_ms;     /* nothing goes out before this (x-sc-initial-delay-ms) */
    int64_t ready_since; /* when the next message became sendable; -1 when none is */
    int64_t wake_ms;     /* next time the loop must call us; -1 for none */
    bool headers_out;
    bool status_out;
    bool closed;
    bool half_closed;
    bool finished; /* the final status is decided; it goes out once queued messages are sent */
    int final_code;
    bool final_is_injected; /* the final status is x-sc-fail-code's (adds retry pushback) */
    char final_message[SC_STATUS_MESSAGE_MAX];
    int64_t received;
    int64_t sent;

    /* GetData / SubscribeData */
    Streaming__StreamRequest *request; /* owned, from the client */
    bool unary_done;                   /* GetData: the response was handed out */
    sc_batch_wire wire;                /* owned: the last batch's bytes, reused */
    int held_run;                      /* messages in a row given more_follows */
    /* UploadFile */
    bool have_metadata;
    int64_t announced_size;
    int64_t bytes;
    EVP_MD_CTX *sha; /* owned */
    bool upload_response_due;
    /* Chat */
    sc_chat_member member;
    bool aborted;
} sc_handler;

/* Start handling a call. `md` is the request metadata (read, not kept). Never fails: bad control
 * metadata makes the first output an INVALID_ARGUMENT status naming the key. For
 * SC_METHOD_UNKNOWN use sc_handler_init_unknown. */
void sc_handler_init(sc_handler *h, sc_method method, sc_handler_env *env, const sc_md_list *md,
                     sc_clock now);
/* A call to a path we do not serve: the first output is UNIMPLEMENTED "unknown method <path>". */
void sc_handler_init_unknown(sc_handler *h, sc_handler_env *env, const char *path);
/* Release everything; leaves the chat room if still in it. */
void sc_handler_free(sc_handler *h, sc_clock now);

/* Should the loop have a receive pending? */
bool sc_handler_wants_recv(const sc_handler *h);
/* A message arrived (borrowed; the handler copies what it keeps). */
void sc_handler_on_message(sc_handler *h, const ProtobufCMessage *msg, sc_clock now);
/* One piece of a message's bytes (borrowed). */
typedef struct {
    const uint8_t *data;
    size_t len;
} sc_handler_piece;

/* UploadFile without copying: a message that is a chunk field and nothing else, its chunk bytes
 * given in `n` pieces (borrowed, in order). The same as sc_handler_on_message with that message
 * unpacked. */
void sc_handler_on_upload_chunk(sc_handler *h, const sc_handler_piece *pieces, size_t n,
                                sc_clock now);
/* A message arrived that did not parse as the method's request type. */
void sc_handler_on_malformed(sc_handler *h, sc_clock now);
/* A message arrived whose string `field` ("<Type>.<name>") holds a NUL byte: protobuf-c would cut
 * it there, so the call ends INVALID_ARGUMENT naming the field (docs/peer-protocol.md, Known
 * differences). */
void sc_handler_on_nul_string(sc_handler *h, const char *field, sc_clock now);
/* The client half-closed (end of its stream). */
void sc_handler_on_half_close(sc_handler *h, sc_clock now);
/* The last SC_OUT_HEADERS / SC_OUT_MESSAGE went out (ok) or failed to (!ok). */
void sc_handler_on_sent(sc_handler *h, bool ok, sc_clock now);
/* The call is over (cancelled, deadline, or after our status). Nothing more will be sent. */
void sc_handler_on_closed(sc_handler *h, sc_clock now);

/* What to send next, given that nothing is in flight. SC_OUT_NONE when nothing is due now; then
 * sc_handler_wake_at says when to ask again (besides after any event). */
sc_out sc_handler_next_output(sc_handler *h, sc_clock now);
int64_t sc_handler_wake_at(const sc_handler *h);

/* An end that cannot wait for in-flight sends (a stalled chat receiver): returns true once, with
 * the status to cancel the call with. */
bool sc_handler_take_abort(sc_handler *h, int *code, const char **message, sc_clock now);

/* Metadata for the SC_OUT_HEADERS / SC_OUT_STATUS batches. Borrowed from the handler. */
const sc_md_list *sc_handler_initial_metadata(const sc_handler *h);
/* Trailing metadata into `out` (caller frees with sc_md_list_free). 0 or -1 (no memory). */
int sc_handler_trailing_metadata(const sc_handler *h, sc_md_list *out);

/* Exposed for tests: the data points of one batch as a protobuf-c message, the reference the
 * wire bytes the handler hands out (sc_batch_wire) are checked against. Caller frees with
 * protobuf_c_message_free_unpacked(resp, NULL). */
Streaming__StreamResponse *sc_handler_make_batch(const Streaming__StreamRequest *req, int64_t seq,
                                                 uint64_t *rng, int64_t wall_ns);

#endif
