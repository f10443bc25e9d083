#include "sc_chat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Streaming__ChatMessage *sc_chat_message_new(const char *user_id, const char *content,
                                            int64_t timestamp)
{
    Streaming__ChatMessage *msg = malloc(sizeof *msg);
    if (msg == NULL)
        return NULL;
    streaming__chat_message__init(msg);
    msg->user_id = strdup(user_id ? user_id : "");
    msg->content = strdup(content ? content : "");
    msg->timestamp = timestamp;
    if (msg->user_id == NULL || msg->content == NULL) {
        sc_chat_message_free(msg);
        return NULL;
    }
    return msg;
}

void sc_chat_message_free(Streaming__ChatMessage *msg)
{
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
}

void sc_chat_deliver(sc_chat_member *m, const Streaming__ChatMessage *msg)
{
    if (m->kick != NULL)
        m->kick(m);
    if (m->overflowed)
        return;
    size_t bytes =
        strlen(msg->user_id ? msg->user_id : "") + strlen(msg->content ? msg->content : "");
    if (m->len == SC_CHAT_QUEUE_CAP || m->queued_bytes + bytes > SC_CHAT_QUEUE_MAX_BYTES) {
        m->overflowed = true;
        return;
    }
    Streaming__ChatMessage *copy = sc_chat_message_new(msg->user_id, msg->content, msg->timestamp);
    if (copy == NULL) {
        m->overflowed = true; /* out of memory: treat like a full queue, end that stream */
        return;
    }
    m->queue[(m->head + m->len) % SC_CHAT_QUEUE_CAP] = copy;
    m->len++;
    m->queued_bytes += bytes;
}

Streaming__ChatMessage *sc_chat_member_pop(sc_chat_member *m)
{
    if (m->len == 0)
        return NULL;
    Streaming__ChatMessage *msg = m->queue[m->head];
    m->head = (m->head + 1) % SC_CHAT_QUEUE_CAP;
    m->len--;
    size_t bytes =
        strlen(msg->user_id ? msg->user_id : "") + strlen(msg->content ? msg->content : "");
    m->queued_bytes -= bytes < m->queued_bytes ? bytes : m->queued_bytes;
    return msg;
}

void sc_chat_member_clear(sc_chat_member *m)
{
    Streaming__ChatMessage *msg;
    while ((msg = sc_chat_member_pop(m)) != NULL)
        sc_chat_message_free(msg);
    free(m->user_id);
    m->user_id = NULL;
}

void sc_chat_broadcast(sc_chat_room *room, const sc_chat_member *from,
                       const Streaming__ChatMessage *msg, bool echo_to_sender)
{
    for (sc_chat_member *m = room->first; m != NULL; m = m->next)
        if (m != from || echo_to_sender)
            sc_chat_deliver(m, msg);
}

static sc_chat_member *find_member(const sc_chat_room *room, const char *user_id)
{
    for (sc_chat_member *m = room->first; m != NULL; m = m->next)
        if (strcmp(m->user_id, user_id) == 0)
            return m;
    return NULL;
}

/* "<user> joined the chat" / "... left the chat" to everyone else, the name whole (it was cut at
 * 511 bytes; grpc-go and Python send it whole). A notice that cannot be allocated is not sent. */
static void announce(sc_chat_room *room, const sc_chat_member *about, const char *verb,
                     int64_t wall_ns)
{
    size_t len = strlen(about->user_id) + strlen(verb) + sizeof "  the chat";
    char *text = malloc(len);
    if (text == NULL)
        return;
    snprintf(text, len, "%s %s the chat", about->user_id, verb);
    Streaming__ChatMessage notice = STREAMING__CHAT_MESSAGE__INIT;
    notice.user_id = (char *)SC_CHAT_SYSTEM_USER;
    notice.content = text;
    notice.timestamp = wall_ns;
    sc_chat_broadcast(room, about, &notice, false);
    free(text);
}

sc_chat_result sc_chat_join(sc_chat_room *room, sc_chat_member *m, const char *user_id,
                            int64_t wall_ns)
{
    if (find_member(room, user_id) != NULL)
        return SC_CHAT_DUPLICATE;
    m->user_id = strdup(user_id);
    if (m->user_id == NULL)
        return SC_CHAT_NOMEM;
    m->prev = NULL;
    m->next = room->first;
    if (room->first != NULL)
        room->first->prev = m;
    room->first = m;
    room->count++;
    m->joined = true;
    announce(room, m, "joined", wall_ns);
    return SC_CHAT_OK;
}

void sc_chat_leave(sc_chat_room *room, sc_chat_member *m, int64_t wall_ns)
{
    if (!m->joined)
        return;
    if (m->prev != NULL)
        m->prev->next = m->next;
    else
        room->first = m->next;
    if (m->next != NULL)
        m->next->prev = m->prev;
    m->next = m->prev = NULL;
    m->joined = false;
    room->count--;
    announce(room, m, "left", wall_ns);
}
