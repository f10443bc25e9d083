/* sc_chat: the Chat room as pure logic. Members are caller-owned (embedded in the per-call
 * handler); the room only links them. Delivering is enqueueing on a bounded per-member queue, so
 * one slow receiver never stalls the others: a member whose queue overflows is flagged and its
 * call is ended by the caller with RESOURCE_EXHAUSTED. */
#ifndef SC_CHAT_H
#define SC_CHAT_H

#include "streaming.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Messages one member may have waiting: ~1 s of a busy room; more means the receiver stalled. */
#define SC_CHAT_QUEUE_CAP 1024
/* Bytes of text (user ids and contents) one member may have waiting: 1024 messages of 4 MiB
 * would be 4 GiB held for one stalled receiver; 16 MiB is seconds of any real room. */
#define SC_CHAT_QUEUE_MAX_BYTES (16u * 1024 * 1024)
/* The sender name of join/leave notices (as in the seed). */
#define SC_CHAT_SYSTEM_USER "system"

typedef struct sc_chat_member {
    char *user_id; /* owned; NULL until joined */
    struct sc_chat_member *next, *prev;
    Streaming__ChatMessage *queue[SC_CHAT_QUEUE_CAP]; /* ring of owned messages */
    size_t head, len;
    size_t queued_bytes; /* text bytes of the queued messages */
    bool joined;
    bool overflowed; /* set when a delivery found the queue full; never cleared */
    /* Called on every delivery (NULL: nobody to tell): the owner's call has something to send. */
    void (*kick)(struct sc_chat_member *m);
} sc_chat_member;

typedef struct {
    sc_chat_member *first; /* not owned */
    size_t count;
} sc_chat_room;

typedef enum { SC_CHAT_OK = 0, SC_CHAT_DUPLICATE = 1, SC_CHAT_NOMEM = 2 } sc_chat_result;

/* Zero-initialise both with `= {0}`. */

/* Add `m` under `user_id` (copied) and tell everybody else "<user> joined the chat".
 * SC_CHAT_DUPLICATE when a joined member already has that name. */
sc_chat_result sc_chat_join(sc_chat_room *room, sc_chat_member *m, const char *user_id,
                            int64_t wall_ns);

/* Remove `m` (no-op when not joined) and tell everybody left "<user> left the chat". Its queue
 * is kept for sc_chat_member_clear. */
void sc_chat_leave(sc_chat_room *room, sc_chat_member *m, int64_t wall_ns);

/* Deliver a copy of `msg` to every joined member except `from` (and to `from` too when
 * `echo_to_sender`). `from` may be NULL (a system notice). */
void sc_chat_broadcast(sc_chat_room *room, const sc_chat_member *from,
                       const Streaming__ChatMessage *msg, bool echo_to_sender);

/* Deliver a copy of `msg` to `m` alone (used for x-sc-echo before joining completes). */
void sc_chat_deliver(sc_chat_member *m, const Streaming__ChatMessage *msg);

/* Oldest waiting message (caller owns it; free with sc_chat_message_free), or NULL. */
Streaming__ChatMessage *sc_chat_member_pop(sc_chat_member *m);

/* Drop all waiting messages and the user name. */
void sc_chat_member_clear(sc_chat_member *m);

/* Deep copy / free of a ChatMessage built by this module (or by protobuf-c's unpacker). */
Streaming__ChatMessage *sc_chat_message_new(const char *user_id, const char *content,
                                            int64_t timestamp);
void sc_chat_message_free(Streaming__ChatMessage *msg);

#endif
