/* sc_events: the server's event log, one JSON object per line (docs/peer-protocol.md,
 * "Event log"). Used from the loop thread only. */
#ifndef SC_EVENTS_H
#define SC_EVENTS_H

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

/* Write `obj` (consumed) as one line with "t_ms" and "event" first. */
void sc_events_emit(sc_events *ev, int64_t now_ms, const char *event, cJSON *obj);

static inline bool sc_events_enabled(const sc_events *ev)
{
    return ev != NULL && ev->out != NULL;
}

#endif
