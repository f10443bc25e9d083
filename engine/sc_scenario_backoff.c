#include "sc_scenario_backoff.h"
#include "sc_status.h"

#include <math.h>

/* Walks the schedule up to gap i; returns the nominal wait and whether it is a fixed one (the
 * exhausted pause or a pushback: no jitter). A negative wait means no attempt may follow. */
static double nominal(const sc_sched_policy *p, const sc_sched_attempt *a, size_t i,
                      bool *exhausted)
{
    double current = (double)p->initial_ms;
    double wait = 0;
    for (size_t k = 0; k <= i; k++) {
        if (a[k].delivered)
            current = (double)p->initial_ms;
        if (p->honor_pushback && a[k].has_pushback) {
            wait = a[k].pushback_ms < 0 ? -1.0 : (double)a[k].pushback_ms;
            *exhausted = true;
            current = (double)p->initial_ms;
            continue;
        }
        if (a[k].code == SC_STATUS_RESOURCE_EXHAUSTED) {
            wait = (double)p->exhausted_ms;
            *exhausted = true;
            continue;
        }
        *exhausted = false;
        wait = current;
        double grown = current * p->multiplier;
        current = grown > (double)p->max_ms ? (double)p->max_ms : grown;
    }
    return wait;
}

double sc_sched_nominal_wait(const sc_sched_policy *policy, const sc_sched_attempt *attempts,
                             size_t n, size_t i)
{
    if (i + 1 >= n)
        return -1;
    bool exhausted = false;
    return nominal(policy, attempts, i, &exhausted);
}

size_t sc_sched_check(const sc_sched_policy *p, const sc_sched_attempt *a, size_t n,
                      sc_sched_gap *gaps)
{
    size_t bad = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        bool exhausted = false;
        double wait = nominal(p, a, i, &exhausted);
        if (wait < 0) {
            sc_sched_gap never = {a[i + 1].start_ms - a[i].end_ms, -1, -1, false};
            bad++;
            if (gaps != NULL)
                gaps[i] = never;
            continue;
        }
        double lo = exhausted ? wait : wait * (1.0 - p->jitter);
        double hi = exhausted ? wait : wait * (1.0 + p->jitter);
        /* The epsilon keeps 200 * 1.1 = 220.00000000000003 from widening the window by 1. */
        int64_t min = (int64_t)floor(lo + 1e-6) - p->tolerance_ms - 1;
        int64_t max = (int64_t)ceil(hi - 1e-6) + p->tolerance_ms + 1;
        sc_sched_gap g = {a[i + 1].start_ms - a[i].end_ms, min < 0 ? 0 : min, max, false};
        g.ok = g.gap_ms >= g.expected_min_ms && g.gap_ms <= g.expected_max_ms;
        if (!g.ok)
            bad++;
        if (gaps != NULL)
            gaps[i] = g;
    }
    return bad;
}
