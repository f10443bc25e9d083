/* sc_call_plan: the server side of each call in arrival order, for `serve --call-plan FILE`
 * (docs/app-check.md). An application under test sends no control metadata; the engine gives
 * its case's server a plan instead: call 1 is served as if it had carried calls[0]'s control
 * keys, call 2 calls[1]'s, and every call after the list `then`'s. Each entry is a JSON object
 * of control keys (docs/scenario-format.md, "server": x-sc-fail-code, x-sc-case, ...) with string
 * values. Pure: parsing text, handing out entries; no I/O.
 *
 *   {"calls": [{"x-sc-case": "c1", "x-sc-fail-code": "UNAVAILABLE"}], "then": {"x-sc-case": "c1"}}
 *
 * Ownership: the plan owns its lists (sc_call_plan_free). */
#ifndef SC_CALL_PLAN_H
#define SC_CALL_PLAN_H

#include "sc_md.h"

#include <stddef.h>

/* A plan is written by the engine from one scenario: at most this many listed calls (the
 * scenario format's own limit). */
#define SC_CALL_PLAN_MAX_CALLS 1000
/* Control keys per entry: the server section has about a dozen. */
#define SC_CALL_PLAN_MAX_KEYS 32
/* A plan file: 1000 entries of a few hundred bytes. */
#define SC_CALL_PLAN_MAX_BYTES (1024 * 1024)

typedef struct {
    sc_md_list *calls; /* owned, n_calls entries */
    size_t n_calls;
    sc_md_list then; /* every call after the list */
    size_t next;     /* index of the next call to arrive */
} sc_call_plan;

/* Parse `text` (from `origin`, named in errors with the JSON path). 0, or -1 with a message. */
int sc_call_plan_parse(sc_call_plan *plan, const char *origin, const char *text, char *err,
                       size_t errlen);

/* The control keys of the next call to arrive (borrowed from the plan; advances it). */
const sc_md_list *sc_call_plan_next(sc_call_plan *plan);

void sc_call_plan_free(sc_call_plan *plan);

#endif
