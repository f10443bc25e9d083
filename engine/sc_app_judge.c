/* sc_app_judge: the judge of one app case (see the header for the windows and the sentences). */
#include "sc_app_judge.h"
#include "sc_status.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A wait listed by the "backoff" sentence as constant stays within this fraction of the mean. */
#define SC_APP_CONSTANT_SPREAD 0.1
/* ... plus this much, for the server's whole-millisecond timestamps. */
#define SC_APP_CONSTANT_SLACK_MS 1.0
/* "no backoff": this share of the waits is shorter than the policy's first wait can be. */
#define SC_APP_NO_BACKOFF_SHARE 0.9
/* More than this many waits before a schedule is called "no backoff" (two short waits can be
 * a coincidence). */
#define SC_APP_NO_BACKOFF_MIN_GAPS 2
/* At least this many waits before a schedule is called "constant". */
#define SC_APP_CONSTANT_MIN_GAPS 3
/* An exit before this, without a call, is reported even when the exit rule is "any". */
#define SC_APP_EARLY_EXIT_MS 1000
/* Characters of a first request quoted by the same_request sentence. */
#define SC_APP_QUOTED_REQUEST 120
/* Refused connection attempts "no backoff" at this many times what the policy allows. */
#define SC_APP_HAMMER_FACTOR 2
/* Keeps 200 * 1.1 = 220.00000000000003 from widening a window by 1 ms. */
#define SC_APP_ROUND_EPSILON 1e-6

/* ---- sentences ---- */

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
} sbuf;

static void sb_init(sbuf *s, char *buf, size_t cap)
{
    s->buf = buf;
    s->cap = cap;
    s->len = 0;
    if (cap > 0)
        buf[0] = '\0';
}

/* Appends; a sentence that does not fit is cut (sentences are bounded by construction). */
__attribute__((format(printf, 2, 3))) static void sb_add(sbuf *s, const char *fmt, ...)
{
    if (s->len + 1 >= s->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    s->len += (size_t)n;
    if (s->len >= s->cap)
        s->len = s->cap - 1;
}

/* A duration in seconds with as many decimals (1 to 3) as it needs to be exact: 500 -> "0.5",
 * 128 -> "0.128", 2560 -> "2.56", 1000 -> "1.0". Windows and waits are whole milliseconds, so
 * a wait and the window it misses never print the same. */
static void sb_secs(sbuf *s, int64_t ms)
{
    const char *sign = ms < 0 ? "-" : "";
    long long a = ms < 0 ? -(long long)ms : (long long)ms;
    long long whole = a / 1000, frac = a % 1000;
    if (frac % 100 == 0)
        sb_add(s, "%s%lld.%lld", sign, whole, frac / 100);
    else if (frac % 10 == 0)
        sb_add(s, "%s%lld.%02lld", sign, whole, frac / 10);
    else
        sb_add(s, "%s%lld.%03lld", sign, whole, frac);
}

static void sb_wait(sbuf *s, int64_t ms)
{
    sb_secs(s, ms);
    sb_add(s, " s");
}

static void sb_range(sbuf *s, int64_t lo, int64_t hi)
{
    sb_secs(s, lo);
    sb_add(s, "-");
    sb_wait(s, hi);
}

/* A point on the case's clock, or a span: one decimal is enough for context. */
static void sb_at(sbuf *s, int64_t ms)
{
    sb_add(s, "%.1f s", (double)ms / 1000.0);
}

static void sb_code(sbuf *s, int code)
{
    const char *name = sc_status_name(code);
    if (name != NULL)
        sb_add(s, "%s", name);
    else
        sb_add(s, "code %d", code);
}

static void sb_policy(sbuf *s, const sc_app_policy *p)
{
    sb_wait(s, p->waits.initial_ms);
    sb_add(s, " x%g up to ", p->waits.multiplier);
    sb_wait(s, p->waits.max_ms);
    sb_add(s, " (+-%.0f%%)", p->waits.jitter * 100.0);
}

void sc_app_policy_describe(const sc_app_policy *p, char *out, size_t len)
{
    sbuf s;
    sb_init(&s, out, len);
    sb_policy(&s, p);
}

sc_app_policy sc_app_policy_default(void)
{
    sc_app_policy p = {{1000, 1.6, 0.2, 120000, 30000, 50, false},
                       SC_APP_CODE_BIT(SC_STATUS_UNAVAILABLE) |
                           SC_APP_CODE_BIT(SC_STATUS_DEADLINE_EXCEEDED) |
                           SC_APP_CODE_BIT(SC_STATUS_RESOURCE_EXHAUSTED),
                       0};
    return p;
}

/* ---- findings ---- */

static sc_app_finding *finding(sc_app_verdict *v, const char *check, sbuf *s)
{
    if (v->n_findings >= SC_APP_MAX_FINDINGS) {
        v->findings_over_cap++;
        return NULL;
    }
    sc_app_finding *f = &v->findings[v->n_findings++];
    snprintf(f->check, sizeof f->check, "%s", check);
    sb_init(s, f->sentence, sizeof f->sentence);
    return f;
}

/* ---- windows ---- */

typedef enum {
    W_BACKOFF,   /* a retryable failure or no status: the growing backoff */
    W_CLEAN,     /* OK: the backoff window, without advancing */
    W_EXHAUSTED, /* RESOURCE_EXHAUSTED without an honoured pushback */
    W_PUSHBACK,  /* an honoured grpc-retry-pushback-ms */
    W_STOP,      /* a code outside retry_codes: no call may follow */
} wkind;

typedef struct {
    wkind kind;
    int64_t min_ms; /* relative to the call's end */
    int64_t max_ms; /* -1 for W_STOP */
} window;

static bool code_retried(const sc_app_policy *p, int code)
{
    if (code < 0)
        return true; /* no status: the application saw UNAVAILABLE */
    return code < SC_STATUS_COUNT && (p->retry_codes & SC_APP_CODE_BIT(code)) != 0;
}

static window jittered(const sc_sched_policy *w, wkind kind, double nominal, double lo_factor)
{
    int64_t lo = (int64_t)floor(nominal * lo_factor + SC_APP_ROUND_EPSILON) - w->tolerance_ms;
    int64_t hi =
        (int64_t)ceil(nominal * (1.0 + w->jitter) - SC_APP_ROUND_EPSILON) + w->tolerance_ms;
    window r = {kind, lo < 0 ? 0 : lo, hi < 0 ? 0 : hi};
    return r;
}

/* The window after call `c`; `current` is the backoff's un-jittered wait, advanced here. */
static window next_window(const sc_app_policy *p, double *current, const sc_app_call *c)
{
    const sc_sched_policy *w = &p->waits;
    if (c->code > 0 && !code_retried(p, c->code)) {
        window stop = {W_STOP, -1, -1};
        return stop;
    }
    if (c->responses > 0)
        *current = (double)w->initial_ms;
    if (w->honor_pushback && c->pushback_ms >= 0) {
        *current = (double)w->initial_ms;
        return jittered(w, W_PUSHBACK, (double)c->pushback_ms, 1.0);
    }
    if (c->code == SC_STATUS_RESOURCE_EXHAUSTED)
        return jittered(w, W_EXHAUSTED, (double)w->exhausted_ms, 1.0 - w->jitter);
    if (c->code == SC_STATUS_OK)
        return jittered(w, W_CLEAN, *current, 1.0 - w->jitter);
    window r = jittered(w, W_BACKOFF, *current, 1.0 - w->jitter);
    double grown = *current * w->multiplier;
    *current = grown > (double)w->max_ms ? (double)w->max_ms : grown;
    return r;
}

static int64_t call_end(const sc_app_call *c)
{
    return c->end_ms >= 0 ? c->end_ms : c->start_ms;
}

/* Walks the calls' windows in order. */
typedef struct {
    const sc_app_policy *p;
    const sc_app_observed *o;
    double current;
    size_t i; /* the call whose window comes next */
} walker;

static walker walk(const sc_app_policy *p, const sc_app_observed *o)
{
    walker w = {p, o, (double)p->waits.initial_ms, 0};
    return w;
}

/* The gap after call w->i, or false after the last gap. */
static bool next_gap(walker *w, window *win, sc_sched_gap *g)
{
    if (w->o->calls == NULL || w->i + 1 >= w->o->n_calls)
        return false;
    const sc_app_call *c = &w->o->calls[w->i++];
    *win = next_window(w->p, &w->current, c);
    g->gap_ms = w->o->calls[w->i].start_ms - call_end(c);
    g->expected_min_ms = win->min_ms;
    g->expected_max_ms = win->max_ms;
    g->ok = win->kind != W_STOP && g->gap_ms >= win->min_ms && g->gap_ms <= win->max_ms;
    return true;
}

static void fill_gaps(const sc_app_policy *p, const sc_app_observed *o, sc_app_verdict *v)
{
    walker w = walk(p, o);
    window win;
    sc_sched_gap g;
    while (next_gap(&w, &win, &g)) {
        if (v->gaps != NULL)
            v->gaps[v->n_gaps] = g;
        v->n_gaps++;
    }
}

static size_t total_calls(const sc_app_observed *o)
{
    return o->n_calls + o->calls_over_cap;
}

static void sb_calls(sbuf *s, const sc_app_observed *o)
{
    sb_add(s, "made %s%zu call%s", o->calls_over_cap > 0 ? "at least " : "", total_calls(o),
           total_calls(o) == 1 ? "" : "s");
}

/* ---- backoff ---- */

typedef struct {
    size_t n;
    size_t first_bad; /* index among the judged waits; n when none */
    sc_sched_gap bad;
    int64_t lowest_min;
    double sum;
} backoff_stats;

static bool judged_by_backoff(wkind k)
{
    return k == W_BACKOFF || k == W_CLEAN;
}

static backoff_stats backoff_scan(const sc_app_expect *e, const sc_app_observed *o)
{
    backoff_stats st = {0, 0, {0, 0, 0, true}, INT64_MAX, 0};
    walker w = walk(&e->policy, o);
    window win;
    sc_sched_gap g;
    bool found = false;
    while (next_gap(&w, &win, &g)) {
        if (!judged_by_backoff(win.kind))
            continue;
        if (!g.ok && !found) {
            found = true;
            st.first_bad = st.n;
            st.bad = g;
        }
        if (g.expected_min_ms < st.lowest_min)
            st.lowest_min = g.expected_min_ms;
        st.sum += (double)g.gap_ms;
        st.n++;
    }
    if (!found)
        st.first_bad = st.n;
    return st;
}

/* Every judged wait passes `pred` against `ref`. */
typedef bool (*gap_pred)(int64_t gap, double ref);

/* How many judged waits pass `pred` against `ref`, of `*n`. */
static size_t count_gaps(const sc_app_expect *e, const sc_app_observed *o, gap_pred pred,
                         double ref, size_t *n)
{
    walker w = walk(&e->policy, o);
    window win;
    sc_sched_gap g;
    size_t yes = 0;
    *n = 0;
    while (next_gap(&w, &win, &g)) {
        if (!judged_by_backoff(win.kind))
            continue;
        (*n)++;
        yes += pred(g.gap_ms, ref);
    }
    return yes;
}

static bool all_gaps(const sc_app_expect *e, const sc_app_observed *o, gap_pred pred, double ref)
{
    size_t n = 0;
    return count_gaps(e, o, pred, ref, &n) == n;
}

/* At least SC_APP_NO_BACKOFF_SHARE of the judged waits pass `pred`. */
static bool most_gaps(const sc_app_expect *e, const sc_app_observed *o, gap_pred pred, double ref)
{
    size_t n = 0;
    size_t yes = count_gaps(e, o, pred, ref, &n);
    return n > 0 && (double)yes >= SC_APP_NO_BACKOFF_SHARE * (double)n;
}

static bool below(int64_t gap, double ref)
{
    return (double)gap < ref;
}

static bool near_mean(int64_t gap, double mean)
{
    return fabs((double)gap - mean) <= mean * SC_APP_CONSTANT_SPREAD + SC_APP_CONSTANT_SLACK_MS;
}

static void sb_listed_waits(sbuf *s, const sc_app_expect *e, const sc_app_observed *o)
{
    walker w = walk(&e->policy, o);
    window win;
    sc_sched_gap g;
    size_t listed = 0;
    sb_add(s, "waited ");
    while (next_gap(&w, &win, &g)) {
        if (!judged_by_backoff(win.kind))
            continue;
        if (listed == SC_APP_LISTED_GAPS) {
            sb_add(s, ", ...");
            break;
        }
        if (listed++ > 0)
            sb_add(s, ", ");
        sb_wait(s, g.gap_ms);
    }
    sb_add(s, " between calls");
}

static void check_backoff(const sc_app_expect *e, const sc_app_observed *o, sc_app_verdict *v)
{
    backoff_stats st = backoff_scan(e, o);
    if (st.first_bad == st.n)
        return;
    sbuf s;
    if (finding(v, "backoff", &s) == NULL)
        return;
    /* No backoff: (nearly) every wait is shorter than the policy's very first one can be
     * (jitter taken off), so the waits never grew; a few slow process starts in a flood do not
     * hide it. */
    double first = (double)e->policy.waits.initial_ms * (1.0 - e->policy.waits.jitter);
    if (st.n > SC_APP_NO_BACKOFF_MIN_GAPS && first > 0 && most_gaps(e, o, below, first)) {
        sb_calls(&s, o);
        sb_add(&s, " in ");
        sb_at(&s, o->calls[o->n_calls - 1].start_ms - o->calls[0].start_ms);
        sb_add(&s, ": no backoff");
        return;
    }
    sb_listed_waits(&s, e, o);
    if (st.n >= SC_APP_CONSTANT_MIN_GAPS && all_gaps(e, o, near_mean, st.sum / (double)st.n)) {
        sb_add(&s, ": constant; expected ");
        sb_policy(&s, &e->policy);
        return;
    }
    sb_add(&s, "; expected ");
    sb_policy(&s, &e->policy);
    sb_add(&s, ": wait %zu (", st.first_bad + 1);
    sb_secs(&s, st.bad.gap_ms);
    sb_add(&s, " s) is outside ");
    sb_range(&s, st.bad.expected_min_ms, st.bad.expected_max_ms);
}

/* ---- exhausted and pushback ---- */

/* The first failure (not OK) judged by the backoff whose wait was at least `gap`; -2: none. */
static int longer_wait_code(const sc_app_expect *e, const sc_app_observed *o, int64_t gap)
{
    walker w = walk(&e->policy, o);
    window win;
    sc_sched_gap g;
    while (next_gap(&w, &win, &g))
        if (win.kind == W_BACKOFF && g.gap_ms >= gap)
            return o->calls[w.i - 1].code;
    return -2;
}

static void sb_after(sbuf *s, int code)
{
    if (code < 0)
        sb_add(s, "a broken connection");
    else
        sb_code(s, code);
}

static void exhausted_sentence(const sc_app_expect *e, const sc_app_observed *o, sbuf *s,
                               const sc_sched_gap *g)
{
    sb_add(s, "waited ");
    sb_wait(s, g->gap_ms);
    sb_add(s, " after RESOURCE_EXHAUSTED");
    if (g->gap_ms < g->expected_min_ms) {
        int code = longer_wait_code(e, o, g->gap_ms);
        if (code != -2) {
            sb_add(s, ", no longer than after ");
            sb_after(s, code);
        }
    }
    sb_add(s, "; expected ");
    sb_wait(s, e->policy.waits.exhausted_ms);
    sb_add(s, " (+-%.0f%%)", e->policy.waits.jitter * 100.0);
}

static void pushback_sentence(const sc_app_call *c, sbuf *s, const sc_sched_gap *g)
{
    sb_add(s, "waited ");
    sb_wait(s, g->gap_ms);
    sb_add(s, " after ");
    sb_code(s, c->code);
    sb_add(s, " with grpc-retry-pushback-ms %lld: pushback not honoured (expected ",
           (long long)c->pushback_ms);
    sb_wait(s, c->pushback_ms);
    sb_add(s, ")");
}

/* One finding each for the first RESOURCE_EXHAUSTED wait and the first pushback wait that
 * miss their window. */
static void check_fixed_waits(const sc_app_expect *e, const sc_app_observed *o, sc_app_verdict *v)
{
    walker w = walk(&e->policy, o);
    window win;
    sc_sched_gap g;
    bool exhausted = false, pushback = false;
    sbuf s;
    while (next_gap(&w, &win, &g)) {
        if (g.ok)
            continue;
        if (win.kind == W_EXHAUSTED && !exhausted) {
            exhausted = true;
            if (finding(v, "exhausted", &s) != NULL)
                exhausted_sentence(e, o, &s, &g);
        } else if (win.kind == W_PUSHBACK && !pushback) {
            pushback = true;
            if (finding(v, "pushback", &s) != NULL)
                pushback_sentence(&o->calls[w.i - 1], &s, &g);
        }
    }
}

/* ---- stops ---- */

static void check_stops(const sc_app_expect *e, const sc_app_observed *o, sc_app_verdict *v)
{
    bool seen[SC_STATUS_COUNT + 1] = {false}; /* the last slot: codes outside the table */
    int order[SC_STATUS_COUNT + 1];
    size_t n_codes = 0;
    for (size_t i = 0; o->calls != NULL && i + 1 < o->n_calls; i++) {
        int code = o->calls[i].code;
        if (code <= 0 || code_retried(&e->policy, code))
            continue;
        size_t slot = code < SC_STATUS_COUNT ? (size_t)code : SC_STATUS_COUNT;
        if (!seen[slot]) {
            seen[slot] = true;
            order[n_codes++] = code;
        }
    }
    int max = e->policy.max_attempts;
    bool too_many = max > 0 && total_calls(o) > (size_t)max;
    sbuf s;
    if ((n_codes == 0 && !too_many) || finding(v, "stops", &s) == NULL)
        return;
    for (size_t k = 0; k < n_codes; k++) {
        sb_add(&s, k == 0 ? "retried after " : ", ");
        sb_code(&s, order[k]);
    }
    if (n_codes > 0)
        sb_add(&s, " (not retryable)%s", too_many ? "; " : "");
    if (too_many) {
        sb_calls(&s, o);
        sb_add(&s, "; expected it to give up after %d", max);
    }
}

/* ---- retries ---- */

static void check_retries(const sc_app_expect *e, const sc_app_observed *o, sc_app_verdict *v)
{
    if (o->calls == NULL || o->n_calls == 0 || o->calls_over_cap > 0)
        return;
    int max = e->policy.max_attempts;
    if (max > 0 && o->n_calls >= (size_t)max)
        return; /* it gave up, as it should */
    double current = (double)e->policy.waits.initial_ms;
    window win = {W_STOP, -1, -1};
    for (size_t i = 0; i < o->n_calls; i++)
        win = next_window(&e->policy, &current, &o->calls[i]);
    const sc_app_call *last = &o->calls[o->n_calls - 1];
    if (win.kind == W_STOP || win.kind == W_CLEAN || last->end_ms < 0)
        return;
    if (last->end_ms + win.max_ms >= o->end_ms)
        return; /* the case ended before the window closed */
    sbuf s;
    if (finding(v, "retries", &s) == NULL)
        return;
    sb_add(&s, "made no call after ");
    if (last->code < 0)
        sb_add(&s, "the connection broke");
    else
        sb_code(&s, last->code);
    sb_add(&s, " at ");
    sb_at(&s, last->end_ms);
    sb_add(&s, "; expected one within ");
    sb_range(&s, win.min_ms, win.max_ms);
}

/* ---- same_request ---- */

static void sb_quoted(sbuf *s, const char *json)
{
    size_t n = strlen(json);
    if (n <= SC_APP_QUOTED_REQUEST)
        sb_add(s, "%s", json);
    else
        sb_add(s, "%.*s...", SC_APP_QUOTED_REQUEST, json);
}

static void check_same_request(const sc_app_observed *o, sc_app_verdict *v)
{
    if (o->calls == NULL || o->n_calls < 2 || o->calls[0].first_request == NULL)
        return;
    const char *first = o->calls[0].first_request;
    for (size_t i = 1; i < o->n_calls; i++) {
        const char *r = o->calls[i].first_request;
        if (r == NULL || strcmp(r, first) == 0)
            continue;
        sbuf s;
        if (finding(v, "same_request", &s) == NULL)
            return;
        sb_add(&s, "call %zu asked for ", i + 1);
        sb_quoted(&s, r);
        sb_add(&s, "; call 1 asked for ");
        sb_quoted(&s, first);
        sb_add(&s, ": not the same subscription");
        return;
    }
}

/* ---- calls ---- */

static bool exited_early_without_call(const sc_app_observed *o)
{
    return o->exited && total_calls(o) == 0 && o->end_ms < SC_APP_EARLY_EXIT_MS;
}

static void check_calls(const sc_app_expect *e, const sc_app_observed *o, sc_app_verdict *v)
{
    size_t n = total_calls(o);
    sbuf s;
    if (n == 0 && o->n_conns == 0) {
        /* Not connecting at all says more than any count; an early exit says it better. */
        if (exited_early_without_call(o) || finding(v, "calls", &s) == NULL)
            return;
        sb_add(&s, "made %sno call in ", o->conns != NULL ? "no connection and " : "");
        sb_at(&s, o->end_ms);
        sb_add(&s, ": does it use the target it is given ({target} or SC_TARGET)?");
        return;
    }
    bool few = e->min_calls >= 0 && n < (size_t)e->min_calls;
    bool many = e->max_calls >= 0 && n > (size_t)e->max_calls;
    if ((!few && !many) || finding(v, "calls", &s) == NULL)
        return;
    sb_calls(&s, o);
    sb_add(&s, "; expected at %s %d", few ? "least" : "most", few ? e->min_calls : e->max_calls);
}

/* ---- connections ---- */

/* How many attempts the policy's shortest waits fit in `span_ms` (the first one included). */
static size_t allowed_attempts(const sc_sched_policy *w, int64_t span_ms)
{
    double current = (double)w->initial_ms, t = 0;
    size_t n = 1;
    for (;;) {
        double wait = current * (1.0 - w->jitter) - (double)w->tolerance_ms;
        t += wait < 1.0 ? 1.0 : wait;
        if (t > (double)span_ms)
            return n;
        n++;
        double grown = current * w->multiplier;
        current = grown > (double)w->max_ms ? (double)w->max_ms : grown;
    }
}

static void check_connections(const sc_app_expect *e, const sc_app_observed *o, sc_app_verdict *v)
{
    size_t refused = 0, allowed = 0;
    int64_t first = -1, last = -1, run_start = -1;
    for (size_t i = 0; o->conns != NULL && i < o->n_conns; i++) {
        const sc_app_conn *c = &o->conns[i];
        if (!c->refused) {
            run_start = -1; /* a connection got through: the backoff starts over */
            continue;
        }
        if (run_start < 0) {
            run_start = c->t_ms;
            allowed++; /* this run's first attempt; the rest by the run's span below */
        }
        /* At a run's last attempt, add what the policy's waits allow over the run's span. */
        bool run_ends = i + 1 == o->n_conns || !o->conns[i + 1].refused;
        if (run_ends)
            allowed += allowed_attempts(&e->policy.waits, c->t_ms - run_start) - 1;
        if (first < 0)
            first = c->t_ms;
        last = c->t_ms;
        refused++;
    }
    sbuf s;
    if (refused <= allowed || finding(v, "connections", &s) == NULL)
        return;
    sb_add(&s, "connected %zu times in ", refused);
    sb_at(&s, last - first);
    sb_add(&s, " while connections were refused: %s (the policy allows at most %zu)",
           refused >= allowed * SC_APP_HAMMER_FACTOR ? "no backoff" : "too often", allowed);
}

/* ---- exit ---- */

static void sb_end(sbuf *s, const sc_app_observed *o)
{
    if (o->exit_signal > 0 || o->exit_code < 0)
        sb_add(s, "was killed by signal %d at ", o->exit_signal);
    else
        sb_add(s, "exited with code %d at ", o->exit_code);
    sb_at(s, o->end_ms);
}

/* What the rule expected of an application that exited; NULL when it is satisfied. */
static const char *exit_expectation(sc_app_exit_rule rule, const sc_app_observed *o)
{
    bool killed = o->exit_signal > 0 || o->exit_code < 0;
    if (rule == SC_APP_EXIT_RUNNING)
        return "expected it to keep running";
    if (rule == SC_APP_EXIT_ZERO && (killed || o->exit_code != 0))
        return "expected 0";
    if (rule == SC_APP_EXIT_NONZERO && killed)
        return "expected it to exit with a non-zero code";
    if (rule == SC_APP_EXIT_NONZERO && o->exit_code == 0)
        return "expected a non-zero code (it gave up)";
    return NULL;
}

static void check_exit(const sc_app_expect *e, const sc_app_observed *o, sc_app_verdict *v)
{
    sbuf s;
    if (!o->exited) {
        if (e->exit == SC_APP_EXIT_ANY || e->exit == SC_APP_EXIT_RUNNING ||
            finding(v, "exit", &s) == NULL)
            return;
        sb_add(&s, "still running when stopped at ");
        sb_at(&s, o->end_ms);
        if (e->policy.max_attempts > 0)
            sb_add(&s, "; expected it to give up after %d call%s", e->policy.max_attempts,
                   e->policy.max_attempts == 1 ? "" : "s");
        else
            sb_add(&s, "; expected it to give up and exit");
        return;
    }
    const char *expected = exit_expectation(e->exit, o);
    bool early = exited_early_without_call(o);
    if ((expected == NULL && !early) || finding(v, "exit", &s) == NULL)
        return;
    sb_end(&s, o);
    if (early)
        sb_add(&s, " without a call");
    if (expected != NULL)
        sb_add(&s, "; %s", expected);
}

/* ---- the judge ---- */

size_t sc_app_judge(const sc_app_expect *e, const sc_app_observed *o, sc_app_verdict *out)
{
    sc_sched_gap *gaps = out->gaps;
    memset(out, 0, sizeof *out);
    out->gaps = gaps;
    fill_gaps(&e->policy, o, out);
    sbuf s;
    if (!o->started) {
        if (finding(out, "start", &s) != NULL)
            sb_add(&s, "did not start: %s",
                   o->start_error != NULL ? o->start_error : "no reason given");
        goto done;
    }
    /* The most actionable finding first (it becomes the case's reason): what the application
     * did between calls, then how many calls, then how it ended; an application that exited
     * without a call says so first. */
    bool exited_without_call = o->exited && o->n_calls == 0;
    if (exited_without_call)
        check_exit(e, o, out);
    if (e->stops)
        check_stops(e, o, out);
    if (e->backoff) {
        check_backoff(e, o, out);
        check_fixed_waits(e, o, out);
    }
    if (e->retries)
        check_retries(e, o, out);
    if (e->same_request)
        check_same_request(o, out);
    if (e->connections)
        check_connections(e, o, out);
    check_calls(e, o, out);
    if (!exited_without_call)
        check_exit(e, o, out);
done:
    out->passed = out->n_findings + out->findings_over_cap == 0;
    return out->n_findings + out->findings_over_cap;
}
