/* sc_cli_bench_out: what `streamconform bench` prints — the figures of each variant (rates,
 * latency percentiles, per server CPU-second) as the median with the min-max of the repeats, in a
 * human table or as one JSON document.
 *
 * Ownership: results and options stay the caller's; the JSON text is the caller's (free). */
#ifndef SC_CLI_BENCH_OUT_H
#define SC_CLI_BENCH_OUT_H

#include "sc_cli_bench_run.h"

#include <stdio.h>

/* Most figures one variant yields (rates, percentiles, their per-CPU forms). */
#define SC_BENCH_MAX_METRICS 16

typedef struct {
    const char *name; /* "msgs_per_s", static */
    const char *unit; /* "msg/s", static */
    sc_bench_summary summary;
} sc_bench_metric;

/* The figures of `r` (one per repeat, summarised); returns how many were written to out[]. */
size_t sc_bench_metrics(const sc_bench_result *r, sc_bench_metric out[SC_BENCH_MAX_METRICS]);

/* "stream/batch=10/streams=4" and the like. */
void sc_bench_variant_name(const sc_bench_opts *o, const sc_bench_variant *v, char *out,
                           size_t outlen);

void sc_bench_print_table(FILE *f, const sc_bench_opts *o, sc_bench_result *const *results,
                          size_t n);

/* The whole run as JSON text (caller frees), NULL on allocation failure. */
char *sc_bench_json(const sc_bench_opts *o, sc_bench_result *const *results, size_t n);

#endif
