/* sc_shard: see sc_shard.h. */
#include "sc_shard.h"

#include <stdlib.h>
#include <string.h>

/* The weight of a case without a duration: the same for each, so that the slices fall back to
 * counting cases. */
#define SC_SHARD_UNKNOWN_MS 1

/* One unit to place: its items' total duration and its smallest id (the tie-break). */
typedef struct {
    const char *key; /* the unit's smallest case id */
    const char *unit;
    int64_t ms;
    size_t slice;
} shard_unit;

bool sc_shard_parse(const char *text, size_t *index, size_t *count)
{
    if (text == NULL)
        return false;
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9')
        return false;
    unsigned long k = strtoul(text, &end, 10);
    if (*end != '/' || end[1] < '0' || end[1] > '9')
        return false;
    unsigned long n = strtoul(end + 1, &end, 10);
    if (*end != '\0' || k < 1 || n < 1 || k > n || n > SC_SHARD_MAX_COUNT)
        return false;
    *index = k;
    *count = n;
    return true;
}

/* qsort on pointers to units: longest first, ties by the smallest case id. */
static int unit_cmp(const void *pa, const void *pb)
{
    const shard_unit *a = *(shard_unit *const *)pa, *b = *(shard_unit *const *)pb;
    if (a->ms != b->ms)
        return a->ms > b->ms ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* The unit of item i among units[0..n): its index, or n when it has none yet. */
static size_t find_unit(const shard_unit *units, size_t n, const sc_shard_item *it)
{
    for (size_t u = 0; it->unit != NULL && u < n; u++)
        if (units[u].unit != NULL && strcmp(units[u].unit, it->unit) == 0)
            return u;
    return n;
}

int sc_shard_assign(const sc_shard_item *items, size_t n, size_t count, size_t *slice_of)
{
    if (count == 0)
        return -1;
    shard_unit *units = calloc(n ? n : 1, sizeof *units);
    size_t *unit_of = calloc(n ? n : 1, sizeof *unit_of);
    int64_t *load = calloc(count, sizeof *load);
    shard_unit **order = NULL;
    int rc = -1;
    if (units == NULL || unit_of == NULL || load == NULL)
        goto cleanup;
    size_t nu = 0;
    for (size_t i = 0; i < n; i++) {
        size_t u = find_unit(units, nu, &items[i]);
        if (u == nu)
            units[nu++] = (shard_unit){.key = items[i].id, .unit = items[i].unit};
        if (strcmp(items[i].id, units[u].key) < 0)
            units[u].key = items[i].id;
        units[u].ms += items[i].ms > 0 ? items[i].ms : SC_SHARD_UNKNOWN_MS;
        unit_of[i] = u;
    }
    order = calloc(nu ? nu : 1, sizeof *order);
    if (order == NULL)
        goto cleanup;
    for (size_t u = 0; u < nu; u++)
        order[u] = &units[u];
    qsort(order, nu, sizeof *order, unit_cmp);
    for (size_t s = 0; s < nu; s++) {
        size_t best = 0;
        for (size_t k = 1; k < count; k++)
            if (load[k] < load[best])
                best = k;
        load[best] += order[s]->ms;
        order[s]->slice = best;
    }
    for (size_t i = 0; i < n; i++)
        slice_of[i] = units[unit_of[i]].slice;
    rc = 0;
cleanup:
    free(order);
    free(units);
    free(unit_of);
    free(load);
    return rc;
}
