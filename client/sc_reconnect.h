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

/* Bit for one status code in sc_reconnect_policy.retry_codes. */
#define SC_RECONNECT_CODE_BIT(code) (1u << (unsigned)(code))

typedef struct {
    sc_backoff_policy backoff;
    int64_t exhausted_backoff_ms; /* fixed wait after RESOURCE_EXHAUSTED */
    int max_attempts;             /* total attempts including the first; 0 = unlimited */
    uint32_t retry_codes;         /* SC_RECONNECT_CODE_BIT set of codes that reconnect */
} sc_reconnect_policy;

typedef struct {
    int attempts_done;      /* attempts that have ended, including the one just ended */
    bool delivered_message; /* the attempt that just ended delivered at least one message */
} sc_attempt_state;

typedef enum {
    SC_RECONNECT_STOP = 0,        /* final: report the code and stop */
    SC_RECONNECT_RETRY_BACKOFF,   /* reconnect after the next backoff delay */
    SC_RECONNECT_RETRY_EXHAUSTED, /* reconnect after exhausted_backoff_ms */
} sc_reconnect_action;

typedef enum {
    SC_RECONNECT_WHY_FINAL_CODE = 0, /* OK, CANCELLED, or a code not in retry_codes */
    SC_RECONNECT_WHY_MAX_ATTEMPTS,   /* a retryable code, but max_attempts is used up */
    SC_RECONNECT_WHY_RETRYABLE,      /* a retryable code */
} sc_reconnect_reason;

typedef struct {
    sc_reconnect_action action;
    sc_reconnect_reason reason;
    bool reset_backoff; /* the schedule goes back to the initial delay before computing the wait */
} sc_reconnect_decision;

/* Defaults: sc_backoff_policy_default(), 30 s exhausted wait, unlimited attempts, retry codes
 * {UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED}. */
sc_reconnect_policy sc_reconnect_policy_default(void);

/* The decision after an attempt ended with `code`. CANCELLED and OK always stop (CANCELLED is the
 * caller's own doing; OK is the server ending the stream cleanly), whatever retry_codes says. */
sc_reconnect_decision sc_reconnect_decide(int code, const sc_reconnect_policy *policy,
                                          const sc_attempt_state *state);

/* Apply a decision to a backoff schedule: the wait in ms before the next attempt (reset first when
 * the decision says so), or -1 for SC_RECONNECT_STOP. */
int64_t sc_reconnect_wait_ms(const sc_reconnect_decision *d, const sc_reconnect_policy *policy,
                             sc_backoff *schedule);

#endif
