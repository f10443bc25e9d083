/* sc_scenario_backoff: check a reconnect attempt schedule against the policy of the driver
 * protocol (docs/peer-protocol.md, "reconnect"). Pure: no clocks, no I/O, no owned pointers.
 *
 * For each gap between attempt i's end and attempt i+1's start the expected window is
 *   - after RESOURCE_EXHAUSTED: exhausted_ms +- tolerance_ms (the backoff does not advance);
 *   - otherwise: current * (1 - jitter) - tolerance_ms .. current * (1 + jitter) + tolerance_ms,
 *     then current = min(current * multiplier, max_ms), current starting at initial_ms;
 * and when attempt i delivered at least one response, current starts over at initial_ms first.
 * With honor_pushback, an attempt whose trailers carried a valid grpc-retry-pushback-ms is followed
 * by exactly that wait +- tolerance_ms, and current starts over at initial_ms (gRPC A6); after an
 * invalid one no further attempt may follow (its gap is never within a window).
 * Bounds are widened by 1 ms each side for the driver's rounding and never go below 0. */
#ifndef SC_SCENARIO_BACKOFF_H
#define SC_SCENARIO_BACKOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t initial_ms;
    double multiplier;
    double jitter;
    int64_t max_ms;       /* cap of the un-jittered wait */
    int64_t exhausted_ms; /* fixed wait after RESOURCE_EXHAUSTED */
    int64_t tolerance_ms; /* slack for timers and scheduling, each side */
    bool honor_pushback;  /* the client follows the server's grpc-retry-pushback-ms */
} sc_sched_policy;

typedef struct {
    int64_t start_ms;
    int64_t end_ms;
    int code;            /* status code the attempt ended with */
    bool delivered;      /* the attempt delivered at least one response */
    bool has_pushback;   /* its trailers carried grpc-retry-pushback-ms */
    int64_t pushback_ms; /* that value; < 0 when it was not a whole number (means "stop") */
} sc_sched_attempt;

typedef struct {
    int64_t gap_ms; /* next start - this end */
    int64_t expected_min_ms;
    int64_t expected_max_ms;
    bool ok;
} sc_sched_gap;

/* Check the n - 1 gaps of `attempts`; gaps[i] (caller-provided, n - 1 entries, may be NULL when
 * n < 2) describes the gap after attempt i. Returns the number of gaps outside their window. */
size_t sc_sched_check(const sc_sched_policy *policy, const sc_sched_attempt *attempts, size_t n,
                      sc_sched_gap *gaps);

/* The un-jittered wait after attempt `i` ended (ms, before jitter), following the same rules;
 * -1 when i is out of range. Exposed for reports and tests. */
double sc_sched_nominal_wait(const sc_sched_policy *policy, const sc_sched_attempt *attempts,
                             size_t n, size_t i);

#endif
