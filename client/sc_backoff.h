/* sc_backoff: the gRPC connection-backoff schedule (doc/connection-backoff.md), sans-I/O.
 *
 * The schedule never reads a clock or a global random generator: the caller injects a random source
 * and passes `now`, so tests can replay an exact schedule. No pointers are owned by this module. */
#ifndef SC_BACKOFF_H
#define SC_BACKOFF_H

#include <stddef.h>
#include <stdint.h>

/* The gRPC connection-backoff defaults (INITIAL_BACKOFF, MULTIPLIER, JITTER, MAX_BACKOFF). */
#define SC_BACKOFF_DEFAULT_INITIAL_MS 1000
#define SC_BACKOFF_DEFAULT_MULTIPLIER 1.6
#define SC_BACKOFF_DEFAULT_JITTER 0.2
#define SC_BACKOFF_DEFAULT_MAX_MS 120000

/* Largest delay we accept from a caller: a day is far beyond any useful reconnect wait. */
#define SC_BACKOFF_LIMIT_MS (24LL * 3600 * 1000)

typedef struct {
    int64_t initial_ms; /* first delay, > 0 */
    double multiplier;  /* growth per failed attempt, >= 1 */
    double jitter;      /* each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter] */
    int64_t max_ms;     /* cap on the un-jittered delay, >= initial_ms */
} sc_backoff_policy;

/* A uniform random number in [0, 1). `ctx` is whatever the caller passed along with it. */
typedef double (*sc_backoff_random_fn)(void *ctx);

typedef struct {
    sc_backoff_policy policy;
    double current_ms;           /* un-jittered delay the next failure will use */
    sc_backoff_random_fn random; /* borrowed */
    void *random_ctx;            /* borrowed */
} sc_backoff;

/* The defaults above. */
sc_backoff_policy sc_backoff_policy_default(void);

/* 0 when the policy is usable; otherwise -1 and a one-line reason naming the bad field in `err`. */
int sc_backoff_policy_check(const sc_backoff_policy *policy, char *err, size_t errlen);

/* Start a schedule (the next delay is the initial one). `random` must not be NULL. */
void sc_backoff_init(sc_backoff *b, const sc_backoff_policy *policy, sc_backoff_random_fn random,
                     void *random_ctx);

/* Delay before the next attempt after a failure, then grow the schedule:
 *   delay = current * (1 + jitter * (2u - 1)), current = min(current * multiplier, max). */
int64_t sc_backoff_next_delay_ms(sc_backoff *b);

/* Absolute time of the next attempt: now_ms + sc_backoff_next_delay_ms(b). */
int64_t sc_backoff_next_at(sc_backoff *b, int64_t now_ms);

/* Back to the initial delay (after a stream delivered a message). */
void sc_backoff_reset(sc_backoff *b);

/* A small xorshift64* generator usable as a random source; seed it with any non-zero value. */
typedef struct {
    uint64_t state;
} sc_backoff_xorshift;
void sc_backoff_xorshift_seed(sc_backoff_xorshift *x, uint64_t seed);
double sc_backoff_xorshift_next(void *ctx); /* ctx is an sc_backoff_xorshift* */

#endif
