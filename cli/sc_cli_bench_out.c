/* sc_cli_bench_out: figures, table and JSON of a bench run (see the header). */
#include "sc_cli_bench_out.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* What one figure is computed from: a sample gives one value, or a negative one when it has none
 * (no server CPU time). */
typedef double (*sc_bench_value_fn)(const sc_bench_sample *s);

typedef struct {
    const char *name;
    const char *unit;
    sc_bench_value_fn fn;
} sc_bench_metric_def;

static double per_cpu(double count, const sc_bench_sample *s)
{
    return s->server_cpu_s > 0 ? count / s->server_cpu_s : -1;
}

static double ops_rate(const sc_bench_sample *s)
{
    return s->seconds > 0 ? (double)s->ops / s->seconds : 0;
}
static double items_rate(const sc_bench_sample *s)
{
    return s->seconds > 0 ? (double)s->items / s->seconds : 0;
}
static double mb_rate(const sc_bench_sample *s)
{
    return items_rate(s) / 1e6;
}
static double ops_cpu(const sc_bench_sample *s)
{
    return per_cpu((double)s->ops, s);
}
static double items_cpu(const sc_bench_sample *s)
{
    return per_cpu((double)s->items, s);
}
static double mb_cpu(const sc_bench_sample *s)
{
    return per_cpu((double)s->items / 1e6, s);
}
static double cpu_cores(const sc_bench_sample *s)
{
    return s->server_cpu_s >= 0 && s->seconds > 0 ? s->server_cpu_s / s->seconds : -1;
}
static double client_cores(const sc_bench_sample *s)
{
    return s->client_cpu_s >= 0 && s->seconds > 0 ? s->client_cpu_s / s->seconds : -1;
}
static double p50(const sc_bench_sample *s)
{
    return (double)sc_bench_hist_percentile(&s->lat, 50) / 1e3;
}
static double p90(const sc_bench_sample *s)
{
    return (double)sc_bench_hist_percentile(&s->lat, 90) / 1e3;
}
static double p99(const sc_bench_sample *s)
{
    return (double)sc_bench_hist_percentile(&s->lat, 99) / 1e3;
}
static double p999(const sc_bench_sample *s)
{
    return (double)sc_bench_hist_percentile(&s->lat, 99.9) / 1e3;
}

#define SC_BENCH_LATENCIES                                                                         \
    {"p50_us", "us", p50}, {"p90_us", "us", p90}, {"p99_us", "us", p99},                           \
    {                                                                                              \
        "p999_us", "us", p999                                                                      \
    }

static const sc_bench_metric_def pingpong_defs[] = {
    {"round_trips_per_s", "rt/s", ops_rate},        SC_BENCH_LATENCIES,
    {"round_trips_per_cpu_s", "rt/cpu-s", ops_cpu}, {"server_cpu_cores", "cores", cpu_cores},
    {"client_cpu_cores", "cores", client_cores},    {NULL, NULL, NULL}};
static const sc_bench_metric_def stream_defs[] = {{"msgs_per_s", "msg/s", ops_rate},
                                                  {"points_per_s", "pt/s", items_rate},
                                                  {"msgs_per_cpu_s", "msg/cpu-s", ops_cpu},
                                                  {"points_per_cpu_s", "pt/cpu-s", items_cpu},
                                                  {"server_cpu_cores", "cores", cpu_cores},
                                                  {"client_cpu_cores", "cores", client_cores},
                                                  {NULL, NULL, NULL}};
static const sc_bench_metric_def upload_defs[] = {{"mb_per_s", "MB/s", mb_rate},
                                                  {"mb_per_cpu_s", "MB/cpu-s", mb_cpu},
                                                  {"server_cpu_cores", "cores", cpu_cores},
                                                  {"client_cpu_cores", "cores", client_cores},
                                                  {NULL, NULL, NULL}};
static const sc_bench_metric_def unary_defs[] = {
    {"calls_per_s", "call/s", ops_rate},         SC_BENCH_LATENCIES,
    {"calls_per_cpu_s", "call/cpu-s", ops_cpu},  {"server_cpu_cores", "cores", cpu_cores},
    {"client_cpu_cores", "cores", client_cores}, {NULL, NULL, NULL}};

static const sc_bench_metric_def *const defs_of[SC_BENCH_KIND_COUNT] = {pingpong_defs, stream_defs,
                                                                        upload_defs, unary_defs};

size_t sc_bench_metrics(const sc_bench_result *r, sc_bench_metric out[SC_BENCH_MAX_METRICS])
{
    const sc_bench_metric_def *defs = defs_of[r->variant.kind];
    size_t n = 0;
    for (size_t d = 0; defs[d].name != NULL && n < SC_BENCH_MAX_METRICS; d++) {
        double values[SC_BENCH_MAX_REPEATS];
        size_t k = 0;
        for (size_t i = 0; i < r->n_samples && k < SC_BENCH_MAX_REPEATS; i++) {
            double v = defs[d].fn(&r->samples[i]);
            if (v >= 0)
                values[k++] = v;
        }
        if (k == 0 && r->n_samples > 0)
            continue; /* a per-CPU figure without --server-pid */
        out[n].name = defs[d].name;
        out[n].unit = defs[d].unit;
        sc_bench_summarize(values, k, &out[n].summary);
        n++;
    }
    return n;
}

void sc_bench_variant_name(const sc_bench_opts *o, const sc_bench_variant *v, char *out,
                           size_t outlen)
{
    switch (v->kind) {
    case SC_BENCH_PINGPONG:
        snprintf(out, outlen, "pingpong/%lldB", (long long)o->payload_bytes);
        break;
    case SC_BENCH_STREAM:
        snprintf(out, outlen, "stream/batch=%d/streams=%d", v->batch, v->concurrency);
        break;
    case SC_BENCH_UPLOAD:
        snprintf(out, outlen, "upload/%lldMiB/chunk=%lldKiB", (long long)(o->upload_bytes >> 20),
                 (long long)(o->chunk_bytes >> 10));
        break;
    default:
        snprintf(out, outlen, "unary/inflight=%d", v->concurrency);
        break;
    }
}

void sc_bench_print_table(FILE *f, const sc_bench_opts *o, sc_bench_result *const *results,
                          size_t n)
{
    fprintf(f, "streamconform bench: %s, warm-up %lld ms, %d x %lld ms measured", o->target,
            (long long)o->warmup_ms, o->repeats, (long long)o->measure_ms);
    if (o->server_pid > 0)
        fprintf(f, ", server pid %ld", o->server_pid);
    fprintf(f, "\n\n%-34s %-22s %14s %27s\n", "variant", "figure", "median", "min - max");
    for (size_t i = 0; i < n; i++) {
        char name[96];
        sc_bench_variant_name(o, &results[i]->variant, name, sizeof name);
        if (results[i]->failed) {
            fprintf(f, "%-34s FAILED: %s\n", name, results[i]->error);
            continue;
        }
        sc_bench_metric m[SC_BENCH_MAX_METRICS];
        size_t k = sc_bench_metrics(results[i], m);
        for (size_t j = 0; j < k; j++)
            fprintf(f, "%-34s %-22s %14.1f %12.1f - %-12.1f %s\n", j == 0 ? name : "", m[j].name,
                    m[j].summary.median, m[j].summary.min, m[j].summary.max, m[j].unit);
    }
}

static cJSON *samples_json(const sc_bench_result *r)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && i < r->n_samples; i++) {
        const sc_bench_sample *s = &r->samples[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        cJSON_AddNumberToObject(o, "seconds", s->seconds);
        if (s->server_cpu_s >= 0)
            cJSON_AddNumberToObject(o, "server_cpu_s", s->server_cpu_s);
        if (s->client_cpu_s >= 0)
            cJSON_AddNumberToObject(o, "client_cpu_s", s->client_cpu_s);
        cJSON_AddNumberToObject(o, "ops", (double)s->ops);
        cJSON_AddNumberToObject(o, "items", (double)s->items);
        if (s->lat.total > 0)
            cJSON_AddNumberToObject(o, "latencies", (double)s->lat.total);
    }
    return arr;
}

static cJSON *result_json(const sc_bench_opts *o, const sc_bench_result *r)
{
    char name[96];
    sc_bench_variant_name(o, &r->variant, name, sizeof name);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "name", name);
    cJSON_AddStringToObject(j, "workload", sc_bench_kind_name(r->variant.kind));
    cJSON_AddNumberToObject(j, "batch", r->variant.batch);
    cJSON_AddNumberToObject(j, "concurrency", r->variant.concurrency);
    cJSON_AddBoolToObject(j, "ok", !r->failed);
    if (r->failed)
        cJSON_AddStringToObject(j, "error", r->error);
    cJSON *figs = cJSON_AddObjectToObject(j, "figures");
    sc_bench_metric m[SC_BENCH_MAX_METRICS];
    size_t k = r->failed ? 0 : sc_bench_metrics(r, m);
    for (size_t i = 0; i < k; i++) {
        cJSON *f = cJSON_AddObjectToObject(figs, m[i].name);
        cJSON_AddNumberToObject(f, "median", m[i].summary.median);
        cJSON_AddNumberToObject(f, "min", m[i].summary.min);
        cJSON_AddNumberToObject(f, "max", m[i].summary.max);
        cJSON_AddStringToObject(f, "unit", m[i].unit);
    }
    cJSON_AddItemToObject(j, "samples", samples_json(r));
    return j;
}

char *sc_bench_json(const sc_bench_opts *o, sc_bench_result *const *results, size_t n)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "target", o->target);
    if (o->server_pid > 0)
        cJSON_AddNumberToObject(root, "server_pid", (double)o->server_pid);
    cJSON_AddNumberToObject(root, "warmup_ms", (double)o->warmup_ms);
    cJSON_AddNumberToObject(root, "measure_ms", (double)o->measure_ms);
    cJSON_AddNumberToObject(root, "repeats", o->repeats);
    cJSON_AddNumberToObject(root, "payload_bytes", (double)o->payload_bytes);
    cJSON_AddNumberToObject(root, "interval_ms", (double)o->interval_ms);
    cJSON_AddNumberToObject(root, "upload_bytes", (double)o->upload_bytes);
    cJSON_AddNumberToObject(root, "chunk_bytes", (double)o->chunk_bytes);
    cJSON *arr = cJSON_AddArrayToObject(root, "results");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, result_json(o, results[i]));
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}
