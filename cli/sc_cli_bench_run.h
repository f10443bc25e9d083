/* sc_cli_bench_run: the workloads of `streamconform bench` on one sc_loop — many calls on one
 * channel and one completion queue (client/sc_client_call), no thread per call.
 *
 * A variant (one workload with its batch size and concurrency) keeps its calls running for a
 * warm-up, then for `repeats` measuring windows of `measure_ms` each; every window is one sample:
 * its length, the counters it saw, the server's CPU time it used (/proc/PID/stat) and the
 * latencies recorded in it.
 *
 * Ownership: options and variants are the caller's; a result is the caller's (allocated with
 * sc_bench_result_new, freed with sc_bench_result_free). */
#ifndef SC_CLI_BENCH_RUN_H
#define SC_CLI_BENCH_RUN_H

#include "sc_cli_bench_stats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most calls in flight in one variant (bench --concurrency bounds what a user asks for). */
#define SC_BENCH_MAX_CONCURRENCY 1024
/* Largest ping-pong payload: one message in flight, this keeps it a small-message benchmark. */
#define SC_BENCH_MAX_PAYLOAD (1 << 20)
/* Largest upload chunk: the servers' default receive limit is 4 MiB per message. */
#define SC_BENCH_MAX_CHUNK (4 << 20)

typedef enum {
    SC_BENCH_PINGPONG = 0, /* Chat with x-sc-echo, one message in flight per call */
    SC_BENCH_STREAM, /* SubscribeData as fast as the server sends (x-sc-response-delay-ms 0) */
    SC_BENCH_UPLOAD, /* UploadFile of upload_bytes in chunk_bytes chunks, back to back */
    SC_BENCH_UNARY,  /* GetData, `concurrency` calls in flight */
    SC_BENCH_KIND_COUNT
} sc_bench_kind;

/* "pingpong", "stream", "upload", "unary". */
const char *sc_bench_kind_name(sc_bench_kind kind);
bool sc_bench_kind_parse(const char *text, sc_bench_kind *out);

typedef struct {
    const char *target; /* host:port, borrowed */
    long server_pid;    /* 0: the server's CPU time is not measured */
    int64_t warmup_ms;
    int64_t measure_ms;
    int repeats;              /* 1..SC_BENCH_MAX_REPEATS */
    int64_t call_deadline_ms; /* deadline of each unary call and each upload */
    int64_t payload_bytes;    /* ping-pong message content */
    int64_t interval_ms;      /* stream: the server's wait between batches (0: back to back) */
    int64_t upload_bytes;     /* one upload */
    int64_t chunk_bytes;      /* one upload message */
} sc_bench_opts;

typedef struct {
    sc_bench_kind kind;
    int batch;       /* stream: batch_size; unary: batch_size; else 0 */
    int concurrency; /* calls in flight */
} sc_bench_variant;

typedef struct {
    double seconds;      /* length of the window */
    double server_cpu_s; /* server CPU time used in it; < 0 when unknown */
    double client_cpu_s; /* this process's CPU time used in it (all its threads); < 0 unknown */
    uint64_t ops;   /* round trips (pingpong), messages (stream), calls (unary), chunks (upload) */
    uint64_t items; /* data points (stream, unary), bytes (upload), payload bytes (pingpong) */
    sc_bench_hist lat; /* latencies in ns (pingpong, unary) */
} sc_bench_sample;

typedef struct {
    sc_bench_variant variant;
    size_t n_samples;
    sc_bench_sample *samples; /* owned, `repeats` of them */
    bool failed;
    char error[256]; /* what failed, when failed */
} sc_bench_result;

sc_bench_result *sc_bench_result_new(int repeats);
void sc_bench_result_free(sc_bench_result *r);

/* Run one variant against opts->target. Returns 0 with every sample filled, or -1 with
 * out->failed and out->error set (a call that could not start or ended with a status other than
 * the expected one, or the server's CPU time unreadable). */
int sc_bench_run_variant(const sc_bench_opts *opts, const sc_bench_variant *v,
                         sc_bench_result *out);

#endif
