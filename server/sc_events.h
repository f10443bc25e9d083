/* sc_events: the server's event log, one JSON object per line (docs/peer-protocol.md,
 * "Event log"). Used from the loop thread only. */
#ifndef SC_EVENTS_H
#define SC_EVENTS_H

#include "sc_event_names.h"
#include "sc_md.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    FILE *out;         /* NULL: events are dropped */
    bool owns_out;     /* we opened it (a file), so we close it */
    int64_t origin_ms; /* t_ms is measured from here (server start) */
} sc_events;

/* `path` is a file name (truncated), "-" for stdout, or NULL for no log. */
int sc_events_open(sc_events *ev, const char *path, int64_t origin_ms, char *err, size_t errlen);
void sc_events_close(sc_events *ev);

/* Write `obj` (consumed) as one line with "t_ms" and "event" (sc_event_name) first. */
void sc_events_emit(sc_events *ev, int64_t now_ms, sc_event event, cJSON *obj);

/* A call cut off this close to its deadline is logged deadline_exceeded: the client resets the
 * stream at its own deadline, which can reach the server just before its own timer
 * (docs/peer-protocol.md, "Event log"). */
#define SC_EVENTS_DEADLINE_SLACK_MS 50

/* What every line of one call carries: "call", "case" (null when absent) and "method". */
typedef struct {
    uint64_t id;
    const char *case_id; /* NULL: no x-sc-case */
    const char *method;  /* "GetData", ... */
} sc_events_call;

/* Write one event of a call: the call's fields, then `extra`'s members (consumed; may be NULL). */
void sc_events_call_emit(sc_events *ev, int64_t now_ms, const sc_events_call *call, sc_event event,
                         cJSON *extra);

/* The extra fields of call_start: "peer", "metadata" (sc_md_list_to_json), "deadline_ms"
 * (`deadline_left_ms`, null when INT64_MAX: no deadline). Caller owns the result. */
cJSON *sc_events_call_start_fields(const char *peer, const sc_md_list *md,
                                   int64_t deadline_left_ms);

/* The event of a call that ended without our status reaching the client, `deadline_left_ms`
 * before its deadline (negative: passed): SC_EVENT_DEADLINE_EXCEEDED within the slack, else
 * SC_EVENT_CANCELLED. */
sc_event sc_events_cut_off_event(int64_t deadline_left_ms);

static inline bool sc_events_enabled(const sc_events *ev)
{
    return ev != NULL && ev->out != NULL;
}

#endif
