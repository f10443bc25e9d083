/* sc_runner_output: what `run` prints while it runs and at the end (docs/report-format.md has
 * the files). In a pipe: one line per finished case (passes left out with -q; skips shown with
 * -v), each failing line with its reason. On a terminal: one status line updated in place, then
 * the failing cases each with its first failure. Always a totals line at the end. Colour only on
 * a terminal and without NO_COLOR (the CLI decides: cfg->color). */
#include "sc_runner_internal.h"
#include "sc_time.h"

#include <stdio.h>
#include <string.h>

/* Failing cases listed at the end on a terminal (the reports have them all). */
#define SC_OUT_MAX_LISTED 50

static const char *colour_of(sc_verdict v)
{
    switch (v) {
    case SC_VERDICT_PASS:
        return "\033[32m"; /* green */
    case SC_VERDICT_FAIL:
    case SC_VERDICT_ERROR:
    case SC_VERDICT_STALE:
        return "\033[31m"; /* red */
    case SC_VERDICT_KNOWN_FAILING:
        return "\033[33m"; /* yellow */
    default:
        return "\033[2m"; /* dim */
    }
}

static bool failing(sc_verdict v)
{
    return v == SC_VERDICT_FAIL || v == SC_VERDICT_ERROR || v == SC_VERDICT_STALE;
}

/* The first failure of a matrix case as one line: its reason, else its first expectation. */
void sc_run_out_first_failure(const sc_case *c, char *out, size_t len)
{
    if (c->reason != NULL && c->reason[0] != '\0') {
        snprintf(out, len, "%s", c->reason);
        return;
    }
    if (c->judgement.n_failures > 0) {
        const sc_check_failure *f = &c->judgement.failures[0];
        snprintf(out, len, "%s: expected %s, got %s", f->path, f->expected, f->actual);
        return;
    }
    out[0] = '\0';
}

void sc_run_out_case(const sc_run *r, const char *id, sc_verdict v, int64_t ms, const char *why)
{
    const sc_run_config *cfg = r->cfg;
    if (cfg->live_progress) {
        size_t done = r->done + r->apps.done, total = r->n_cases + r->apps.n_cases;
        fprintf(stderr, "\r[%zu/%zu] %zu failing   ", done, total, r->failing + r->apps.failing);
        fflush(stderr);
        return;
    }
    if ((v == SC_VERDICT_SKIP && cfg->verbosity <= 0) ||
        (v == SC_VERDICT_PASS && cfg->verbosity < 0))
        return;
    const char *on = cfg->color ? colour_of(v) : "", *off = cfg->color ? "\033[0m" : "";
    printf("%s%-13s%s %s (%lld ms)%s%s\n", on, sc_verdict_name(v), off, id, (long long)ms,
           why != NULL && *why ? " - " : "", why != NULL ? why : "");
    fflush(stdout);
}

typedef struct {
    size_t total, by[SC_VERDICT_STALE + 1], flaky, replay_only;
} totals;

static void count(totals *t, sc_verdict v, bool flaky)
{
    t->total++;
    t->by[v <= SC_VERDICT_STALE ? v : SC_VERDICT_ERROR]++;
    t->flaky += flaky;
}

/* On a terminal: the failing cases, each with its first failure. */
static void list_failing(const sc_run *r)
{
    size_t listed = 0, more = 0;
    char why[512];
    for (size_t i = 0; i < r->n_cases; i++) {
        const sc_case *c = &r->cases[i];
        if (!failing(c->verdict))
            continue;
        if (listed++ == SC_OUT_MAX_LISTED) {
            more++;
            continue;
        }
        sc_run_out_first_failure(c, why, sizeof why);
        printf("%s%-6s%s %s\n       %s\n", r->cfg->color ? "\033[31m" : "",
               sc_verdict_name(c->verdict), r->cfg->color ? "\033[0m" : "", c->id, why);
    }
    for (size_t i = 0; i < r->apps.n_cases; i++) {
        const sc_app_case *c = &r->apps.cases[i];
        if (!failing(c->verdict) || listed++ >= SC_OUT_MAX_LISTED) {
            more += failing(c->verdict);
            continue;
        }
        printf("%s%-6s%s %s\n       %s\n", r->cfg->color ? "\033[31m" : "",
               sc_verdict_name(c->verdict), r->cfg->color ? "\033[0m" : "", c->id,
               c->reason ? c->reason : "");
    }
    if (more > 0)
        printf("... and %zu more failing cases (report.json, summary.md)\n", more);
}

void sc_run_out_summary(const sc_run *r)
{
    totals t = {0};
    for (size_t i = 0; i < r->n_cases; i++) {
        count(&t, r->cases[i].state == SC_CASE_DONE ? r->cases[i].verdict : SC_VERDICT_ERROR,
              r->cases[i].flaky);
        t.replay_only += sc_run_case_replay_only(r, &r->cases[i]);
    }
    for (size_t i = 0; i < r->apps.n_cases; i++)
        count(&t, r->apps.cases[i].verdict, false);
    if (r->cfg->live_progress) {
        fputc('\n', stderr);
        list_failing(r);
    }
    int64_t s = (sc_time_now_ms() - r->started_ms) / 1000;
    size_t bad = t.by[SC_VERDICT_FAIL] + t.by[SC_VERDICT_ERROR] + t.by[SC_VERDICT_STALE];
    const char *on = r->cfg->color ? (bad > 0 ? "\033[31m" : "\033[32m") : "";
    int64_t sum = sc_run_case_time_ms(r);
    printf("%s%zu cases: %zu passed, %zu failed, %zu errors, %zu skipped, %zu recorded (replay "
           "only), %zu known failing, %zu stale, %zu flaky%s (%lldm%02llds, %lld%% of %llds of "
           "case time)%s\n",
           on, t.total, t.by[SC_VERDICT_PASS], t.by[SC_VERDICT_FAIL], t.by[SC_VERDICT_ERROR],
           t.by[SC_VERDICT_SKIP] - t.replay_only, t.replay_only, t.by[SC_VERDICT_KNOWN_FAILING],
           t.by[SC_VERDICT_STALE], t.flaky, r->complete ? "" : ", interrupted", (long long)(s / 60),
           (long long)(s % 60),
           (long long)(sc_sched_wall_ratio(sc_time_now_ms() - r->started_ms, sum) * 100 + 0.5),
           (long long)(sum / 1000), r->cfg->color ? "\033[0m" : "");
    fflush(stdout);
}
