/* sc_relay: what the recording proxy does on one call, as pure logic (sans-I/O).
 *
 * A proxied call has two directions that end independently (like an nghttp2 stream's two
 * halves), each with a named state changed through sc_fsm:
 * - up (client -> upstream): one client message at a time is read, held, and sent upstream
 *   before the next is read (flow control end to end); the client's half-close is forwarded
 *   as SEND_CLOSE_FROM_CLIENT;
 * - down (upstream -> client): the upstream's initial metadata, then one upstream message at a
 *   time is read, held and sent to the client; the upstream's status goes to the client once
 *   every message was forwarded. Initial metadata goes to the client as soon as the upstream
 *   sent any, or with the first message, or with the status (a trailers-only response stays
 *   trailers-only).
 *
 * The I/O side (server/sc_record.c) reports events and asks for the next action of each
 * direction; nothing here touches the network, the C core or a clock (times come in). */
#ifndef SC_RELAY_H
#define SC_RELAY_H

#include "sc_fsm.h"

#include <stdbool.h>
#include <stdint.h>

/* up: SENDING (initial metadata or a message in flight to the upstream) -> IDLE (a client read
 * may be pending) -> HOLDING (a client message waits to go up) -> SENDING ...; IDLE ->
 * CLOSE_DUE (the client half-closed) -> CLOSING -> CLOSED; a failed upstream send -> DEAD. */
#define SC_RELAY_UP_STATES(X)                                                                      \
    X(SC_UP_, SENDING) X(SC_UP_, IDLE) X(SC_UP_, HOLDING) X(SC_UP_, CLOSE_DUE) X(SC_UP_, CLOSING)  \
    X(SC_UP_, CLOSED) X(SC_UP_, DEAD)
typedef enum { SC_RELAY_UP_STATES(SC_FSM_ENUM) SC_UP_STATE_COUNT } sc_relay_up_state;

/* down: WAIT_RIM (the upstream's initial metadata pending) -> IDLE -> READING (an upstream read
 * in flight) -> HOLDING (an upstream message waits to go down) -> SENDING -> IDLE ...; the
 * upstream's end of messages -> DRAINED -> ENDED (the status handed out). Once the client is
 * gone (its call closed, or a send to it failed: sc_relay.client_gone) the upstream is still
 * read to its end, so what it sent is recorded, and its messages are dropped (HOLDING -> IDLE). */
#define SC_RELAY_DOWN_STATES(X)                                                                    \
    X(SC_DOWN_, WAIT_RIM) X(SC_DOWN_, IDLE) X(SC_DOWN_, READING) X(SC_DOWN_, HOLDING)              \
    X(SC_DOWN_, SENDING) X(SC_DOWN_, DRAINED) X(SC_DOWN_, ENDED)
typedef enum { SC_RELAY_DOWN_STATES(SC_FSM_ENUM) SC_DOWN_STATE_COUNT } sc_relay_down_state;

typedef enum {
    SC_RELAY_UP_NONE = 0,
    SC_RELAY_UP_SEND_MESSAGE, /* send the held client message upstream */
    SC_RELAY_UP_SEND_CLOSE    /* forward the client's half-close */
} sc_relay_up_action;

typedef enum {
    SC_RELAY_DOWN_NONE = 0,
    SC_RELAY_DOWN_SEND_HEADERS, /* the upstream's initial metadata, alone */
    SC_RELAY_DOWN_SEND_MESSAGE, /* the held upstream message (with the initial metadata when
                                   none went out: sc_relay.headers_sent tells) */
    SC_RELAY_DOWN_READ_UPSTREAM,
    SC_RELAY_DOWN_SEND_STATUS, /* the upstream's status (trailers-only when no headers went out) */
    SC_RELAY_DOWN_DROP         /* the client is gone: drop the held upstream message */
} sc_relay_down_action;

typedef struct {
    uint64_t id; /* for traces */
    int up;      /* sc_relay_up_state */
    int down;    /* sc_relay_down_state */
    bool rim_has_metadata; /* the upstream's initial metadata has entries to forward */
    bool headers_sent;     /* initial metadata went (or is going) to the client */
    bool status_known;     /* the upstream's status arrived */
    bool client_gone;      /* the client's call closed or a send to it failed */
} sc_relay;

/* A new call whose initial metadata is on its way upstream (`sending`), or failed to start. */
void sc_relay_init(sc_relay *r, uint64_t id, bool sending);

/* ---- client -> upstream ---- */
/* Should a client read be pending? */
bool sc_relay_wants_client_read(const sc_relay *r);
void sc_relay_on_client_message(sc_relay *r);
void sc_relay_on_client_half_close(sc_relay *r);
/* What to do upward now (the caller performs it, then reports sc_relay_on_up_started). */
sc_relay_up_action sc_relay_next_up(sc_relay *r);
/* The batch of the last action was started (ok) or refused by the core. */
void sc_relay_on_up_started(sc_relay *r, sc_relay_up_action a, bool ok);
/* The upstream send in flight completed. */
void sc_relay_on_up_sent(sc_relay *r, bool ok);

/* ---- upstream -> client ---- */
/* The upstream's initial metadata arrived (ok, with entries or not) or the call failed first. */
void sc_relay_on_rim(sc_relay *r, bool ok, bool has_metadata);
/* The upstream read ended with a message (true) or the end of the upstream's messages. */
void sc_relay_on_up_read(sc_relay *r, bool message);
void sc_relay_on_up_status(sc_relay *r);
/* What to do downward now, given that no send to the client is in flight (the state changes as
 * if the action was done; a READ_UPSTREAM the core refuses is reported with on_down_refused). */
sc_relay_down_action sc_relay_next_down(sc_relay *r);
/* The last action's batch could not be started. */
void sc_relay_on_down_refused(sc_relay *r, sc_relay_down_action a);
/* The send to the client in flight completed. */
void sc_relay_on_down_sent(sc_relay *r, bool ok);
/* The client's call closed: nothing more goes down. */
void sc_relay_on_closed(sc_relay *r);

const char *sc_relay_up_name(int state);
const char *sc_relay_down_name(int state);

#endif
