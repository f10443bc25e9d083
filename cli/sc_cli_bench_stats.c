/* sc_cli_bench_stats: histogram, percentiles, summaries, /proc/PID/stat (see the header). */
#include "sc_cli_bench_stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Largest /proc/PID/stat we read: the kernel's line is a few hundred bytes plus a comm of at most
 * 64 bytes. */
#define SC_BENCH_PROC_STAT_MAX 4096
/* Fields between the command name (field 2) and utime (field 14): state(3) .. cmajflt(13). */
#define SC_BENCH_STAT_FIELDS_BEFORE_UTIME 11

size_t sc_bench_hist_bucket(int64_t value)
{
    if (value < SC_BENCH_HIST_SUB)
        return value < 0 ? 0 : (size_t)value;
    uint64_t v = (uint64_t)value;
    int exp = 63 - __builtin_clzll(v); /* >= SC_BENCH_HIST_SUB_BITS */
    if (exp > SC_BENCH_HIST_MAX_EXP)
        return SC_BENCH_HIST_BUCKETS - 1;
    size_t mantissa = (size_t)((v >> (exp - SC_BENCH_HIST_SUB_BITS)) & (SC_BENCH_HIST_SUB - 1));
    return (size_t)(exp - SC_BENCH_HIST_SUB_BITS + 1) * SC_BENCH_HIST_SUB + mantissa;
}

int64_t sc_bench_hist_bucket_low(size_t index)
{
    if (index < SC_BENCH_HIST_SUB)
        return (int64_t)index;
    size_t exp = index / SC_BENCH_HIST_SUB + SC_BENCH_HIST_SUB_BITS - 1;
    size_t mantissa = index % SC_BENCH_HIST_SUB;
    return (int64_t)((SC_BENCH_HIST_SUB + mantissa) << (exp - SC_BENCH_HIST_SUB_BITS));
}

int64_t sc_bench_hist_bucket_high(size_t index)
{
    if (index + 1 >= SC_BENCH_HIST_BUCKETS)
        return INT64_MAX;
    return sc_bench_hist_bucket_low(index + 1) - 1;
}

void sc_bench_hist_reset(sc_bench_hist *h)
{
    memset(h, 0, sizeof *h);
}

void sc_bench_hist_record(sc_bench_hist *h, int64_t value)
{
    if (value < 0)
        value = 0;
    h->counts[sc_bench_hist_bucket(value)]++;
    if (h->total == 0 || value < h->min)
        h->min = value;
    if (h->total == 0 || value > h->max)
        h->max = value;
    h->total++;
    h->sum += (double)value;
}

void sc_bench_hist_merge(sc_bench_hist *dst, const sc_bench_hist *src)
{
    if (src->total == 0)
        return;
    for (size_t i = 0; i < SC_BENCH_HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    if (dst->total == 0 || src->min < dst->min)
        dst->min = src->min;
    if (dst->total == 0 || src->max > dst->max)
        dst->max = src->max;
    dst->total += src->total;
    dst->sum += src->sum;
}

int64_t sc_bench_hist_percentile(const sc_bench_hist *h, double p)
{
    if (h->total == 0 || !(p > 0))
        return 0;
    if (p >= 100)
        return h->max;
    double want = p / 100.0 * (double)h->total;
    uint64_t rank = (uint64_t)want;
    if ((double)rank < want) /* ceil without libm */
        rank++;
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    size_t i = 0;
    for (; i < SC_BENCH_HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank)
            break;
    }
    int64_t low = sc_bench_hist_bucket_low(i);
    int64_t high = sc_bench_hist_bucket_high(i);
    if (high == INT64_MAX)
        high = h->max;
    int64_t mid = low + (high - low) / 2;
    if (mid < h->min)
        mid = h->min;
    if (mid > h->max)
        mid = h->max;
    return mid;
}

double sc_bench_hist_mean(const sc_bench_hist *h)
{
    return h->total == 0 ? 0.0 : h->sum / (double)h->total;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int sc_bench_summarize(const double *values, size_t n, sc_bench_summary *out)
{
    memset(out, 0, sizeof *out);
    if (n > SC_BENCH_MAX_REPEATS)
        return -1;
    if (n == 0)
        return 0;
    double sorted[SC_BENCH_MAX_REPEATS];
    memcpy(sorted, values, n * sizeof *values);
    qsort(sorted, n, sizeof *sorted, cmp_double);
    out->n = n;
    out->min = sorted[0];
    out->max = sorted[n - 1];
    out->median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    return 0;
}

/* Skip the spaces and one space-separated token at *p; false at the end of the text. */
static bool skip_token(const char **p)
{
    const char *s = *p;
    while (*s == ' ')
        s++;
    if (*s == '\0' || *s == '\n')
        return false;
    while (*s != ' ' && *s != '\0' && *s != '\n')
        s++;
    *p = s;
    return true;
}

/* Parse one unsigned decimal token at *p (after its spaces); advances *p. */
static bool parse_u64_token(const char **p, uint64_t *out)
{
    const char *s = *p;
    while (*s == ' ')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || (*end != ' ' && *end != '\n' && *end != '\0'))
        return false;
    *out = v;
    *p = end;
    return true;
}

int sc_bench_parse_proc_stat(const char *text, uint64_t *utime, uint64_t *stime)
{
    if (text == NULL)
        return -1;
    const char *open = strchr(text, '(');
    const char *close = strrchr(text, ')');
    if (open == NULL || close == NULL || close < open || close[1] != ' ')
        return -1;
    const char *p = close + 1;
    /* fields 3 (state) to 13 (cmajflt); some may be negative (tty_nr, tpgid) */
    for (int i = 0; i < SC_BENCH_STAT_FIELDS_BEFORE_UTIME; i++)
        if (!skip_token(&p))
            return -1;
    uint64_t u = 0, s = 0;
    if (!parse_u64_token(&p, &u) || !parse_u64_token(&p, &s))
        return -1;
    *utime = u;
    *stime = s;
    return 0;
}

double sc_bench_proc_cpu_read(long pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char buf[SC_BENCH_PROC_STAT_MAX];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    uint64_t u = 0, s = 0;
    long hz = sysconf(_SC_CLK_TCK);
    if (n == 0 || hz <= 0 || sc_bench_parse_proc_stat(buf, &u, &s) != 0)
        return -1;
    return (double)(u + s) / (double)hz;
}
