/* `streamconform bench WORKLOAD --target HOST:PORT`: a load client on one loop (many calls on one
 * completion queue), the figures as the median and min-max of repeated windows
 * (cli/sc_cli_bench_run.c runs them, cli/sc_cli_bench_out.c prints them). */
#include "sc_cli.h"
#include "sc_cli_bench_out.h"
#include "sc_cli_bench_run.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on options: a window of an hour is already far past any use; the warm-up likewise. */
#define SC_BENCH_MAX_WINDOW_MS 3600000
/* A call deadline beyond an hour would hide a stuck server. */
#define SC_BENCH_MAX_DEADLINE_MS 3600000
/* One upload at most 64 GiB: the servers cap uploads far below that anyway. */
#define SC_BENCH_MAX_UPLOAD (64LL << 30)
/* GetData / SubscribeData batch_size: the servers refuse more than 10000. */
#define SC_BENCH_MAX_BATCH 10000
/* A stream interval beyond a minute is no longer load. */
#define SC_BENCH_MAX_INTERVAL_MS 60000
/* Variants of one workload at most: stream has 2 batch sizes x 2 stream counts. */
#define SC_BENCH_MAX_VARIANTS 16

static const char bench_usage[] =
    "usage: streamconform bench WORKLOAD --target HOST:PORT [options]\n"
    "WORKLOAD: pingpong  Chat with x-sc-echo, one message in flight (latency percentiles)\n"
    "          stream    SubscribeData as fast as the server sends: batch 1 and 10, 1 and 4 "
    "streams\n"
    "          upload    UploadFile of --upload-bytes in --chunk-bytes chunks, back to back\n"
    "          unary     GetData with 1 and with 64 calls in flight\n"
    "          all       the four, one after the other\n"
    "  --target HOST:PORT     the server (required)\n"
    "  --server-pid PID       read the server's CPU time from /proc/PID/stat: figures per "
    "server CPU-second\n"
    "  --warmup-ms N          before measuring (default 1000)\n"
    "  --measure-ms N         one measuring window (default 3000)\n"
    "  --repeats N            windows per variant; the median and min-max are reported "
    "(default 3)\n"
    "  --batch N              only this batch size (stream, unary; default 1 and 10 / 1)\n"
    "  --concurrency N        only this many calls in flight (stream, unary, upload;\n"
    "                         pingpong is always one call)\n"
    "  --interval-ms N        stream: the server waits N ms between batches\n"
    "                         (x-sc-response-delay-ms; default 0: as fast as it sends)\n"
    "  --payload-bytes N      ping-pong message content (default 64)\n"
    "  --upload-bytes N       one upload (default 268435456 = 256 MiB)\n"
    "  --chunk-bytes N        one upload message (default 65536)\n"
    "  --deadline-ms N        deadline of each unary call and each upload (default 60000);\n"
    "                         streaming calls get the variant's length + 30 s\n"
    "  --json                 one JSON document on stdout instead of the table\n"
    "  --help                 this text\n"
    "Exit: 0 every variant ran, 1 a variant failed (its error is reported), 2 bad arguments.\n";

typedef struct {
    sc_bench_opts o;
    bool all;
    sc_bench_kind kind;
    int only_batch;       /* 0: the workload's defaults */
    int only_concurrency; /* 0: the workload's defaults */
    bool json;
} bench_args;

enum {
    O_TARGET = 256,
    O_PID,
    O_WARMUP,
    O_MEASURE,
    O_REPEATS,
    O_BATCH,
    O_CONC,
    O_INTERVAL,
    O_PAYLOAD,
    O_UPLOAD,
    O_CHUNK,
    O_DEADLINE,
    O_JSON
};

static const struct option bench_longopts[] = {
    {"target", required_argument, NULL, O_TARGET},
    {"server-pid", required_argument, NULL, O_PID},
    {"warmup-ms", required_argument, NULL, O_WARMUP},
    {"measure-ms", required_argument, NULL, O_MEASURE},
    {"repeats", required_argument, NULL, O_REPEATS},
    {"batch", required_argument, NULL, O_BATCH},
    {"concurrency", required_argument, NULL, O_CONC},
    {"interval-ms", required_argument, NULL, O_INTERVAL},
    {"payload-bytes", required_argument, NULL, O_PAYLOAD},
    {"upload-bytes", required_argument, NULL, O_UPLOAD},
    {"chunk-bytes", required_argument, NULL, O_CHUNK},
    {"deadline-ms", required_argument, NULL, O_DEADLINE},
    {"json", no_argument, NULL, O_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct {
    int opt;
    const char *name;
    int64_t min, max;
} bench_bound;

static const bench_bound bench_bounds[] = {
    {O_PID, "--server-pid", 1, INT32_MAX},
    {O_WARMUP, "--warmup-ms", 0, SC_BENCH_MAX_WINDOW_MS},
    {O_MEASURE, "--measure-ms", 1, SC_BENCH_MAX_WINDOW_MS},
    {O_REPEATS, "--repeats", 1, SC_BENCH_MAX_REPEATS},
    {O_BATCH, "--batch", 1, SC_BENCH_MAX_BATCH},
    {O_CONC, "--concurrency", 1, SC_BENCH_MAX_CONCURRENCY},
    {O_INTERVAL, "--interval-ms", 0, SC_BENCH_MAX_INTERVAL_MS},
    {O_PAYLOAD, "--payload-bytes", 0, SC_BENCH_MAX_PAYLOAD},
    {O_UPLOAD, "--upload-bytes", 1, SC_BENCH_MAX_UPLOAD},
    {O_CHUNK, "--chunk-bytes", 1, SC_BENCH_MAX_CHUNK},
    {O_DEADLINE, "--deadline-ms", 1, SC_BENCH_MAX_DEADLINE_MS},
};

/* Where the value of numeric option `opt` goes (NULL for the int-typed ones). */
static int64_t *number_field(int opt, bench_args *a)
{
    switch (opt) {
    case O_WARMUP:
        return &a->o.warmup_ms;
    case O_MEASURE:
        return &a->o.measure_ms;
    case O_INTERVAL:
        return &a->o.interval_ms;
    case O_PAYLOAD:
        return &a->o.payload_bytes;
    case O_UPLOAD:
        return &a->o.upload_bytes;
    case O_CHUNK:
        return &a->o.chunk_bytes;
    case O_DEADLINE:
        return &a->o.call_deadline_ms;
    default:
        return NULL;
    }
}

/* One numeric option into its field; false after printing the usage error. */
static bool parse_number(int opt, const char *text, bench_args *a)
{
    for (size_t i = 0; i < sizeof bench_bounds / sizeof bench_bounds[0]; i++) {
        const bench_bound *b = &bench_bounds[i];
        int64_t v = 0;
        if (b->opt != opt)
            continue;
        if (!sc_cli_parse_int("bench", b->name, text, b->min, b->max, &v))
            return false;
        int64_t *field = number_field(opt, a);
        if (field != NULL)
            *field = v;
        else if (opt == O_PID)
            a->o.server_pid = (long)v;
        else if (opt == O_REPEATS)
            a->o.repeats = (int)v;
        else if (opt == O_BATCH)
            a->only_batch = (int)v;
        else
            a->only_concurrency = (int)v;
        return true;
    }
    return false;
}

/* 0, -1 after --help, or SC_EXIT_USAGE. */
static int parse_bench_args(int argc, char **argv, bench_args *a)
{
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", bench_longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(bench_usage, stdout);
            return -1;
        } else if (opt == O_TARGET) {
            a->o.target = optarg;
        } else if (opt == O_JSON) {
            a->json = true;
        } else if (opt == '?' || opt == ':' || !parse_number(opt, optarg, a)) {
            if (opt == '?' || opt == ':')
                return sc_cli_bad_option("bench", bench_longopts, argv[optind - 1]);
            return SC_EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return sc_cli_usage_error("bench", "expected a WORKLOAD (pingpong, stream, upload, unary "
                                           "or all)");
    if (optind + 1 < argc)
        return sc_cli_usage_error("bench", "unexpected argument \"%s\"", argv[optind + 1]);
    a->all = strcmp(argv[optind], "all") == 0;
    if (!a->all && !sc_bench_kind_parse(argv[optind], &a->kind))
        return sc_cli_usage_error("bench", "unknown workload \"%s\"", argv[optind]);
    if (a->o.target == NULL || strchr(a->o.target, ':') == NULL)
        return sc_cli_usage_error("bench", "--target HOST:PORT is required");
    return 0;
}

/* The variants of one workload, narrowed by --batch / --concurrency. */
static size_t variants_of(const bench_args *a, sc_bench_kind kind, sc_bench_variant *out)
{
    static const int stream_batches[] = {1, 10}, stream_streams[] = {1, 4},
                     unary_inflight[] = {1, 64};
    size_t n = 0;
    int c = a->only_concurrency;
    switch (kind) {
    case SC_BENCH_STREAM:
        for (size_t i = 0; i < 2; i++)
            for (size_t j = 0; j < 2; j++)
                if ((a->only_batch == 0 || a->only_batch == stream_batches[i]) &&
                    (c == 0 || c == stream_streams[j]))
                    out[n++] = (sc_bench_variant){kind, stream_batches[i], stream_streams[j]};
        if (n == 0)
            out[n++] = (sc_bench_variant){kind, a->only_batch ? a->only_batch : 1, c ? c : 1};
        break;
    case SC_BENCH_UNARY:
        for (size_t j = 0; j < 2; j++)
            if (c == 0 || c == unary_inflight[j])
                out[n++] =
                    (sc_bench_variant){kind, a->only_batch ? a->only_batch : 1, unary_inflight[j]};
        if (n == 0)
            out[n++] = (sc_bench_variant){kind, a->only_batch ? a->only_batch : 1, c};
        break;
    case SC_BENCH_PINGPONG:
        /* one message in flight: a second member would also get every message relayed */
        out[n++] = (sc_bench_variant){kind, 0, 1};
        break;
    default:
        out[n++] = (sc_bench_variant){kind, 0, c ? c : 1};
        break;
    }
    return n;
}

static int run_all(const bench_args *a, sc_bench_result **results, size_t *n)
{
    int rc = 0;
    for (int k = 0; k < SC_BENCH_KIND_COUNT; k++) {
        if (!a->all && (sc_bench_kind)k != a->kind)
            continue;
        sc_bench_variant v[SC_BENCH_MAX_VARIANTS];
        size_t nv = variants_of(a, (sc_bench_kind)k, v);
        for (size_t i = 0; i < nv; i++) {
            sc_bench_result *r = sc_bench_result_new(a->o.repeats);
            if (r == NULL) {
                fprintf(stderr, "streamconform bench: out of memory\n");
                return 1;
            }
            results[(*n)++] = r;
            if (sc_bench_run_variant(&a->o, &v[i], r) != 0) {
                char name[96];
                sc_bench_variant_name(&a->o, &v[i], name, sizeof name);
                fprintf(stderr, "streamconform bench: %s: %s\n", name, r->error);
                rc = 1;
            }
        }
    }
    return rc;
}

int sc_cli_bench_main(int argc, char **argv)
{
    bench_args a = {.o = {.warmup_ms = 1000,
                          .measure_ms = 3000,
                          .repeats = 3,
                          .call_deadline_ms = 60000,
                          .payload_bytes = 64,
                          .upload_bytes = 256LL << 20,
                          .chunk_bytes = 64 << 10}};
    int rc = parse_bench_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    sc_bench_result *results[SC_BENCH_KIND_COUNT * SC_BENCH_MAX_VARIANTS];
    size_t n = 0;
    rc = run_all(&a, results, &n);
    if (a.json) {
        char *text = sc_bench_json(&a.o, results, n);
        if (text == NULL) {
            fprintf(stderr, "streamconform bench: out of memory\n");
            rc = 1;
        } else {
            printf("%s\n", text);
        }
        free(text);
    } else {
        sc_bench_print_table(stdout, &a.o, results, n);
    }
    fflush(stdout);
    for (size_t i = 0; i < n; i++)
        sc_bench_result_free(results[i]);
    return rc;
}
