/* sc_shard: cut a run's cases into N deterministic slices balanced by expected duration (run
 * --shard K/N, docs/ci.md). Pure: no I/O, no clock, no hash seeds. The same items give the same
 * slices on any machine: units are ordered by duration (longest first), ties by their smallest
 * case id (strcmp), and each goes to the currently lightest slice, ties to the lowest index
 * (greedy longest-processing-time: the slices differ by at most one unit's duration). */
#ifndef SC_SHARD_H
#define SC_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most slices of one run: far more than any CI runs jobs of one pipeline. */
#define SC_SHARD_MAX_COUNT 1000

/* One case to place. Items with the same non-NULL `unit` stay in one slice (the cases of an
 * exclusive scenario); a NULL unit is a unit of its own. Strings borrowed. */
typedef struct {
    const char *id;   /* the case id */
    const char *unit; /* the unit key, or NULL */
    int64_t ms;       /* expected duration; <= 0: unknown (each such case weighs the same) */
} sc_shard_item;

/* Parse "K/N" (1 <= K <= N <= SC_SHARD_MAX_COUNT) into *index (K, from 1) and *count. true when
 * valid. */
bool sc_shard_parse(const char *text, size_t *index, size_t *count);

/* Place every item: slice_of[i] in 0..count-1 for items[i]. `slice_of` is the caller's (n
 * entries). 0, or -1 when out of memory (or count == 0). */
int sc_shard_assign(const sc_shard_item *items, size_t n, size_t count, size_t *slice_of);

#endif
