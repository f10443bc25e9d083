/* sc_event_names: the names of the server event log (docs/peer-protocol.md, "Event log") as one
 * X-macro table: the C server writes them through it, the engine reads them through it, and the
 * Python, Go and Node peers keep the same list (peers/python/streamconform_peer/event_names.py,
 * peers/go/internal/events/names.go, peers/node/lib/event_names.js; tests/unit/test_event_names.c
 * checks all four agree).
 * No gRPC include. */
#ifndef SC_EVENT_NAMES_H
#define SC_EVENT_NAMES_H

/* X(ENUM_SUFFIX, "wire name"), in the order the events can happen for one call. The names are the
 * peer protocol: never rename one. */
#define SC_EVENT_NAMES(X)                                                                          \
    X(CALL_START, "call_start")                                                                    \
    X(MESSAGE_RECEIVED, "message_received")                                                        \
    X(HALF_CLOSE, "half_close")                                                                    \
    X(MESSAGE_SENT, "message_sent")                                                                \
    X(STATUS_SENT, "status_sent")                                                                  \
    X(CANCELLED, "cancelled")                                                                      \
    X(DEADLINE_EXCEEDED, "deadline_exceeded")                                                      \
    X(CALL_END, "call_end")

typedef enum {
#define SC_EVENT_ENUM(id, name) SC_EVENT_##id,
    SC_EVENT_NAMES(SC_EVENT_ENUM)
#undef SC_EVENT_ENUM
        SC_EVENT_COUNT
} sc_event;

/* The wire name of `ev` (a static string), "?" when out of range. */
const char *sc_event_name(sc_event ev);

/* The event named `name`, or -1 when `name` is NULL or not an event name. */
int sc_event_from_name(const char *name);

#endif
