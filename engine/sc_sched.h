/* sc_sched: which queued case a run starts next, and whether one more may start now
 * (docs/performance.md, "Matrix speed"). Pure: no I/O, no clock (time is passed in).
 *
 * The cases of a matrix mostly wait: a call on the loopback does its work in its first moments,
 * and a case that runs longer waits on a timer (a deadline, a server delay, a backoff, keepalive,
 * a server's grace period). So a run has two kinds of slots, not one per core:
 *   - busy slots: a case is busy during its first SC_SCHED_BUSY_MS (starting its proxy or its
 *     dedicated server, connecting, exchanging its messages);
 *   - waiting slots: after that it only waits, and leaves its busy slot to the next case.
 * A case may start while fewer than `busy` running cases are busy and fewer than
 * busy + waiting are in flight. Cases start longest first (expected durations from an earlier
 * report, else from the scenario's bound), so that the long waits overlap everything else
 * instead of trailing at the end. */
#ifndef SC_SCHED_H
#define SC_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How long a case counts as busy after it starts: half the matrix's cases end within 30 ms and
 * 85% within 300 ms; a case still running after this is waiting on a timer (measured on the
 * main job's report.json, docs/performance.md). */
#define SC_SCHED_BUSY_MS 250
/* Default busy slots (-j): cases doing their work at once. The matrix is bound by round trips
 * through the peers, not by CPU (the whole main job used ~15% of one core per case in flight);
 * more than this raised the case durations on a loaded 2-core machine as much as it saved. */
#define SC_SCHED_DEFAULT_BUSY 4
/* Default waiting slots (--wait-jobs): cases past their busy time, waiting on a timer, at once.
 * Each holds its call (and a lifecycle case its dedicated server process) open; 16 lets the
 * longest scenarios (16-20 s keepalive and deadline waits) overlap the rest of the matrix. */
#define SC_SCHED_DEFAULT_WAITING 16
/* Largest --wait-jobs: every waiting case holds sockets and maybe a server process. */
#define SC_SCHED_MAX_WAITING 256

/* The slots of a run: busy >= 1, waiting >= 0 (0: a case keeps its slot to the end, the
 * classic -j behaviour). */
typedef struct {
    int busy;
    int waiting;
} sc_sched_slots;

/* The order to start n cases in: order[k] is the index of the k-th case, longest expected_ms
 * first, ties in plan order (index). `order` is the caller's (n entries). 0, or -1 when out of
 * memory. */
int sc_sched_order(const int64_t *expected_ms, size_t n, size_t *order);

/* Is a case that started at started_ms busy at now_ms? */
bool sc_sched_is_busy(int64_t started_ms, int64_t now_ms);

/* Does a running case hold a busy slot? During its busy time; and all along when it is `precise`:
 * its judgement times its own timers (a reconnect or connection-backoff schedule, the gaps
 * between a library's retries), so the waits are what is measured and a crowded machine makes
 * them late. */
bool sc_sched_holds_busy(bool precise, int64_t started_ms, int64_t now_ms);

/* When a case started at started_ms stops being busy: the moment a waiting slot may take it over
 * (the run wakes up then to start the next case). INT64_MAX without waiting slots. */
int64_t sc_sched_busy_until(sc_sched_slots slots, int64_t started_ms);

/* May one more case start, with n_busy of the n_flight cases in flight busy? */
bool sc_sched_may_start(sc_sched_slots slots, size_t n_busy, size_t n_flight);

/* The run's wall time over the sum of its case durations (report.json summary.busy_ratio): 1.0
 * for cases one after another, 0.25 for four at a time on average; 0 when the sum is 0. */
double sc_sched_wall_ratio(int64_t wall_ms, int64_t sum_ms);

#endif
