/* sc_cli_bench_stats: the pure arithmetic of `streamconform bench` — a log-bucket latency
 * histogram with percentiles, the median and range of repeated measurements, and the parsing of
 * /proc/PID/stat for a server's CPU time. No clock, no I/O except sc_bench_proc_cpu_read.
 *
 * Ownership: every struct is the caller's (plain values, no heap). */
#ifndef SC_CLI_BENCH_STATS_H
#define SC_CLI_BENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sub-buckets per power of two: 2^5 = 32, so a bucket spans at most 1/32 of its value (a
 * percentile is off by at most ~3%). */
#define SC_BENCH_HIST_SUB_BITS 5
#define SC_BENCH_HIST_SUB (1 << SC_BENCH_HIST_SUB_BITS)
/* Largest recordable value is 2^40 ns (~18 minutes); larger values are counted in the top bucket.
 * No call of a bench lasts that long (every call has a deadline). */
#define SC_BENCH_HIST_MAX_EXP 40
#define SC_BENCH_HIST_BUCKETS                                                                      \
    ((SC_BENCH_HIST_MAX_EXP - SC_BENCH_HIST_SUB_BITS + 2) * SC_BENCH_HIST_SUB)
/* Most repeats of one measurement (bench --repeats bounds it). */
#define SC_BENCH_MAX_REPEATS 100

typedef struct {
    uint64_t counts[SC_BENCH_HIST_BUCKETS];
    uint64_t total;
    int64_t min, max; /* of the recorded values; meaningful when total > 0 */
    double sum;
} sc_bench_hist;

/* Bucket index of a value (negative values count as 0). */
size_t sc_bench_hist_bucket(int64_t value);
/* Smallest and largest value that falls into bucket `index`. */
int64_t sc_bench_hist_bucket_low(size_t index);
int64_t sc_bench_hist_bucket_high(size_t index);

void sc_bench_hist_reset(sc_bench_hist *h);
void sc_bench_hist_record(sc_bench_hist *h, int64_t value);
/* Add every count of `src` into `dst`. */
void sc_bench_hist_merge(sc_bench_hist *dst, const sc_bench_hist *src);
/* The value at percentile `p` (0 < p <= 100): the middle of the bucket holding the
 * ceil(p/100 * total)-th smallest value, clamped to [min, max]; p >= 100 gives the max. 0 when
 * empty. */
int64_t sc_bench_hist_percentile(const sc_bench_hist *h, double p);
double sc_bench_hist_mean(const sc_bench_hist *h);

/* Median (mean of the two middle values for an even count), min and max of `n` values. */
typedef struct {
    double median, min, max;
    size_t n;
} sc_bench_summary;

/* Summarise `values[0..n)` (the array is not modified; n <= SC_BENCH_MAX_REPEATS). n == 0 gives
 * all zeros. Returns -1 when n is too large. */
int sc_bench_summarize(const double *values, size_t n, sc_bench_summary *out);

/* CPU time of a process in clock ticks, from the text of /proc/PID/stat: fields 14 (utime) and 15
 * (stime), counted after the last ')' that ends the command name (which may hold spaces and
 * parentheses). Returns 0, or -1 when the text is malformed. */
int sc_bench_parse_proc_stat(const char *text, uint64_t *utime, uint64_t *stime);

/* Read /proc/<pid>/stat and return the process's user + system CPU time in seconds, or -1 when it
 * cannot be read or parsed. */
double sc_bench_proc_cpu_read(long pid);

#endif
