/* sc_sched: see sc_sched.h. */
#include "sc_sched.h"

#include <stdlib.h>

/* Stable merge sort of order[lo, hi) by expected_ms, longest first (ties keep plan order);
 * `tmp` has room for n entries. */
static void merge_sort(const int64_t *ms, size_t *order, size_t *tmp, size_t lo, size_t hi)
{
    if (hi - lo < 2)
        return;
    size_t mid = lo + (hi - lo) / 2;
    merge_sort(ms, order, tmp, lo, mid);
    merge_sort(ms, order, tmp, mid, hi);
    size_t a = lo, b = mid, k = lo;
    while (a < mid && b < hi)
        tmp[k++] = ms[order[b]] > ms[order[a]] ? order[b++] : order[a++];
    while (a < mid)
        tmp[k++] = order[a++];
    while (b < hi)
        tmp[k++] = order[b++];
    for (k = lo; k < hi; k++)
        order[k] = tmp[k];
}

int sc_sched_order(const int64_t *expected_ms, size_t n, size_t *order)
{
    size_t *tmp = malloc((n > 0 ? n : 1) * sizeof *tmp);
    if (tmp == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    merge_sort(expected_ms, order, tmp, 0, n);
    free(tmp);
    return 0;
}

bool sc_sched_is_busy(int64_t started_ms, int64_t now_ms)
{
    return now_ms - started_ms < SC_SCHED_BUSY_MS;
}

bool sc_sched_holds_busy(bool precise, int64_t started_ms, int64_t now_ms)
{
    return precise || sc_sched_is_busy(started_ms, now_ms);
}

int64_t sc_sched_busy_until(sc_sched_slots slots, int64_t started_ms)
{
    return slots.waiting > 0 ? started_ms + SC_SCHED_BUSY_MS : INT64_MAX;
}

bool sc_sched_may_start(sc_sched_slots slots, size_t n_busy, size_t n_flight)
{
    size_t busy = slots.busy > 0 ? (size_t)slots.busy : 1;
    size_t waiting = slots.waiting > 0 ? (size_t)slots.waiting : 0;
    if (waiting == 0) /* the classic -j: a case keeps its slot to its end */
        return n_flight < busy;
    return n_busy < busy && n_flight < busy + waiting;
}

double sc_sched_wall_ratio(int64_t wall_ms, int64_t sum_ms)
{
    return sum_ms > 0 ? (double)wall_ms / (double)sum_ms : 0.0;
}
