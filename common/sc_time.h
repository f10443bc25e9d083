/* sc_time: the only place that reads clocks. Logic modules take `now` as a parameter. */
#ifndef SC_TIME_H
#define SC_TIME_H

#include <stdint.h>
#include <grpc/support/time.h>

/* Monotonic milliseconds since an arbitrary origin. */
int64_t sc_time_now_ms(void);

/* Monotonic nanoseconds, same origin as sc_time_now_ms (for latencies of a few microseconds). */
int64_t sc_time_now_ns(void);

/* Wall-clock nanoseconds since the Unix epoch (for data-point timestamps). */
int64_t sc_time_wall_ns(void);

/* A gpr_timespec (GPR_CLOCK_MONOTONIC) that lies `ms` milliseconds from now. */
gpr_timespec sc_time_deadline_in_ms(int64_t ms);

/* Milliseconds from now until `deadline` (any clock); negative if it has passed,
 * INT64_MAX for an infinite deadline. */
int64_t sc_time_ms_until(gpr_timespec deadline);

#endif
