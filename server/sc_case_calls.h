/* sc_case_calls: how many calls each x-sc-case has made on one server run, so that
 * x-sc-fail-calls can fail only a case's first N calls (a reconnect scenario's "UNAVAILABLE N
 * times, then success"). Pure bookkeeping: no I/O, no clock.
 *
 * The table is bounded: when SC_CASE_CALLS_MAX cases are known, the oldest entry makes room (a
 * case that old has long finished in any run we drive). */
#ifndef SC_CASE_CALLS_H
#define SC_CASE_CALLS_H

#include <stddef.h>
#include <stdint.h>

/* Distinct cases remembered: a full matrix run has about a thousand cases per server. */
#define SC_CASE_CALLS_MAX 4096

typedef struct {
    char *case_id; /* owned */
    int64_t calls;
} sc_case_calls_entry;

typedef struct {
    sc_case_calls_entry *items; /* owned; grows up to SC_CASE_CALLS_MAX */
    size_t count, cap;
    size_t next_evict; /* when full: the oldest entry, replaced next */
} sc_case_calls;

/* A zeroed sc_case_calls is an empty table; nothing else to initialise. */

/* Count one more call of `case_id` (borrowed; NULL counts as ""). Returns its number, 1 for the
 * first call, or -1 when memory ran out. */
int64_t sc_case_calls_bump(sc_case_calls *t, const char *case_id);

/* Release the table; it is empty (and usable) afterwards. */
void sc_case_calls_free(sc_case_calls *t);

#endif
