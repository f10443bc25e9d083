#include "sc_backoff.h"

#include <math.h>
#include <stdio.h>

sc_backoff_policy sc_backoff_policy_default(void)
{
    sc_backoff_policy p = {
        .initial_ms = SC_BACKOFF_DEFAULT_INITIAL_MS,
        .multiplier = SC_BACKOFF_DEFAULT_MULTIPLIER,
        .jitter = SC_BACKOFF_DEFAULT_JITTER,
        .max_ms = SC_BACKOFF_DEFAULT_MAX_MS,
    };
    return p;
}

int sc_backoff_policy_check(const sc_backoff_policy *p, char *err, size_t errlen)
{
    const char *why = NULL;
    if (p->initial_ms <= 0 || p->initial_ms > SC_BACKOFF_LIMIT_MS)
        why = "initial_ms must be in 1..86400000";
    else if (!(p->multiplier >= 1.0) || p->multiplier > 100.0)
        why = "multiplier must be in 1..100";
    else if (!(p->jitter >= 0.0) || p->jitter >= 1.0)
        why = "jitter must be in [0, 1)";
    else if (p->max_ms < p->initial_ms || p->max_ms > SC_BACKOFF_LIMIT_MS)
        why = "max_ms must be in initial_ms..86400000";
    if (why == NULL)
        return 0;
    snprintf(err, errlen, "%s", why);
    return -1;
}

void sc_backoff_init(sc_backoff *b, const sc_backoff_policy *policy, sc_backoff_random_fn random,
                     void *random_ctx)
{
    b->policy = *policy;
    b->current_ms = (double)policy->initial_ms;
    b->random = random;
    b->random_ctx = random_ctx;
}

int64_t sc_backoff_next_delay_ms(sc_backoff *b)
{
    double u = b->random(b->random_ctx);
    if (!(u >= 0.0) || u >= 1.0)
        u = 0.5; /* a broken source must not produce a negative or runaway delay */
    double delay = b->current_ms * (1.0 + b->policy.jitter * (2.0 * u - 1.0));
    double grown = b->current_ms * b->policy.multiplier;
    b->current_ms = grown > (double)b->policy.max_ms ? (double)b->policy.max_ms : grown;
    return (int64_t)llround(delay);
}

int64_t sc_backoff_next_at(sc_backoff *b, int64_t now_ms)
{
    return now_ms + sc_backoff_next_delay_ms(b);
}

void sc_backoff_reset(sc_backoff *b)
{
    b->current_ms = (double)b->policy.initial_ms;
}

void sc_backoff_xorshift_seed(sc_backoff_xorshift *x, uint64_t seed)
{
    x->state = seed != 0 ? seed : 0x9E3779B97F4A7C15ULL; /* xorshift must never hold 0 */
}

double sc_backoff_xorshift_next(void *ctx)
{
    sc_backoff_xorshift *x = ctx;
    x->state ^= x->state >> 12;
    x->state ^= x->state << 25;
    x->state ^= x->state >> 27;
    uint64_t r = x->state * 0x2545F4914F6CDD1DULL;
    return (double)(r >> 11) / 9007199254740992.0; /* 53 random bits -> [0, 1) */
}
