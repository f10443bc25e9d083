/* sc_reconnect: the `--reconnect` policy as a pure function of (status code, policy, attempt
 * state). The seed's robust consumer, done properly: reconnect with backoff on UNAVAILABLE and
 * DEADLINE_EXCEEDED, wait a fixed long pause on RESOURCE_EXHAUSTED, stop on CANCELLED, OK and
 * anything else. No clocks, no I/O, no owned pointers. */
#ifndef SC_RECONNECT_H
#define SC_RECONNECT_H

#include "sc_backoff.h"

#include <stdbool.h>
#include <stdint.h>

/* The seed's rate-limit pause (time.Sleep(30 * time.Second) on ResourceExhausted). */
#define SC_RECONNECT_DEFAULT_EXHAUSTED_MS 30000

/* Values of sc_attempt_state.pushback_ms other than a wait (gRPC A6: a negative or unparseable
 * grpc-retry-pushback-ms means "do not retry"). */
#define SC_RECONNECT_PUSHBACK_NONE (-1)    /* the attempt's trailers had no pushback */
#define SC_RECONNECT_PUSHBACK_INVALID (-2) /* present, but not a whole number of ms */

/* Largest pushback we take as a wait (the trailer is server input): INT32_MAX ms, as the gRPC
 * libraries read it into an int. */
#define SC_RECONNECT_PUSHBACK_MAX_MS 2147483647LL

/* Bit for one status code in sc_reconnect_policy.retry_codes. */
#define SC_RECONNECT_CODE_BIT(code) (1u << (unsigned)(code))

typedef struct {
    sc_backoff_policy backoff;
    int64_t exhausted_backoff_ms; /* fixed wait after RESOURCE_EXHAUSTED */
    int max_attempts;             /* total attempts including the first; 0 = unlimited */
    uint32_t retry_codes;         /* SC_RECONNECT_CODE_BIT set of codes that reconnect */
    bool honor_pushback; /* a retryable failure's grpc-retry-pushback-ms decides the wait */
} sc_reconnect_policy;

typedef struct {
    int attempts_done;      /* attempts that have ended, including the one just ended */
    bool delivered_message; /* the attempt that just ended delivered at least one message */
    int64_t pushback_ms;    /* its grpc-retry-pushback-ms, or SC_RECONNECT_PUSHBACK_NONE/INVALID */
} sc_attempt_state;

typedef enum {
    SC_RECONNECT_STOP = 0,        /* final: report the code and stop */
    SC_RECONNECT_RETRY_BACKOFF,   /* reconnect after the next backoff delay */
    SC_RECONNECT_RETRY_EXHAUSTED, /* reconnect after exhausted_backoff_ms */
    SC_RECONNECT_RETRY_PUSHBACK,  /* reconnect after the server's pushback, then start the
                                     backoff over (as gRPC retries do) */
} sc_reconnect_action;

typedef enum {
    SC_RECONNECT_WHY_FINAL_CODE = 0, /* OK, CANCELLED, or a code not in retry_codes */
    SC_RECONNECT_WHY_MAX_ATTEMPTS,   /* a retryable code, but max_attempts is used up */
    SC_RECONNECT_WHY_RETRYABLE,      /* a retryable code */
    SC_RECONNECT_WHY_PUSHBACK_STOP,  /* a retryable code, but the server's pushback says stop */
} sc_reconnect_reason;

typedef struct {
    sc_reconnect_action action;
    sc_reconnect_reason reason;
    bool reset_backoff;  /* the schedule goes back to the initial delay before computing the wait */
    int64_t pushback_ms; /* the wait of SC_RECONNECT_RETRY_PUSHBACK */
} sc_reconnect_decision;

/* Defaults: sc_backoff_policy_default(), 30 s exhausted wait, unlimited attempts, retry codes
 * {UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED}, pushback ignored (the seed's consumer). */
sc_reconnect_policy sc_reconnect_policy_default(void);

/* A grpc-retry-pushback-ms value (not NUL-terminated): the wait in ms when it is a plain decimal
 * whole number up to SC_RECONNECT_PUSHBACK_MAX_MS, SC_RECONNECT_PUSHBACK_INVALID otherwise. */
int64_t sc_reconnect_parse_pushback(const char *value, size_t len);

/* The decision after an attempt ended with `code`. CANCELLED and OK always stop (CANCELLED is the
 * caller's own doing; OK is the server ending the stream cleanly), whatever retry_codes says.
 * With honor_pushback, a retryable code with attempts left follows the attempt's pushback: a
 * valid one is the wait (RETRY_PUSHBACK), an invalid one stops (WHY_PUSHBACK_STOP). */
sc_reconnect_decision sc_reconnect_decide(int code, const sc_reconnect_policy *policy,
                                          const sc_attempt_state *state);

/* Apply a decision to a backoff schedule: the wait in ms before the next attempt (reset first when
 * the decision says so), or -1 for SC_RECONNECT_STOP. */
int64_t sc_reconnect_wait_ms(const sc_reconnect_decision *d, const sc_reconnect_policy *policy,
                             sc_backoff *schedule);

#endif
