/* sc_app_judge: what a client application did in one app case (docs/app-check.md), judged
 * against the retry policy the user states. Pure: the calls the engine's server saw, the
 * connections its fault proxy saw and how the application ended come in as plain data, with
 * times already on the case's clock (ms since the application was started); nothing here reads
 * a clock, does I/O or allocates.
 *
 * Every finding is one sentence a developer can act on, for example
 *   "waited 0.5 s, 0.5 s, 0.5 s between calls: constant; expected 0.1 s x1.6 up to 1.0 s (+-20%)"
 *   "retried after INVALID_ARGUMENT (not retryable)"
 *   "made 40 calls in 2.0 s: no backoff"
 *
 * The waits of the policy (each gap = a call's start - the previous call's end, as the server
 * saw them):
 *   - after a call that ended with a retryable code other than RESOURCE_EXHAUSTED, or with no
 *     status at all (a reset connection, a server that went away: the application sees
 *     UNAVAILABLE): current * (1 - jitter) - tolerance .. current * (1 + jitter) + tolerance,
 *     then current = min(current * multiplier, max); current starts at initial, and starts over
 *     at initial after a call that delivered at least one response (the stream was up);
 *   - after RESOURCE_EXHAUSTED: exhausted_ms with the same jitter and tolerance (current does not
 *     advance);
 *   - with honor_pushback, after a call whose trailers carried grpc-retry-pushback-ms: that wait
 *     - tolerance .. that wait * (1 + jitter) + tolerance, and current starts over at initial;
 *   - after a code outside retry_codes: no call may follow (the "stops" check says so);
 *   - after OK (the server ended the stream cleanly): a consumer may subscribe again, so OK is
 *     never judged by "stops" nor "retries" (whatever retry_codes says), and the next call's
 *     window is the current backoff window, without advancing it (the "backoff" check judges it).
 * Bounds never go below 0; windows are whole ms (lower bound floored, upper ceiled). A gap
 * after a call still open (end_ms -1) counts from that call's start.
 *
 * The checks and their sentences (check name: sentence). Waits and windows are printed in
 * seconds with the 1 to 3 decimals they need to be exact ("0.5 s", "0.128 s", "0.154-0.358 s");
 * points in time and spans with one decimal ("at 1.2 s", "in 2.0 s"). Each failing check adds
 * one finding; the policy reads as sc_app_policy_describe prints it:
 *   start:        "did not start: <start_error>" (nothing else is judged)
 *   exit:         "exited with code 1 at 0.3 s; expected it to keep running" ("was killed by
 *                 signal 11 at 0.3 s; ..."), "still running when stopped at 4.0 s; expected it
 *                 to give up and exit" (with max_attempts: "...; expected it to give up after 5
 *                 calls"), "exited with code 2 at 0.3 s; expected 0", "exited with code 0 at
 *                 0.3 s; expected a non-zero code (it gave up)", "was killed by signal 11 at
 *                 0.3 s; expected it to exit with a non-zero code"; whatever the rule, an exit
 *                 before 1 s without a call: "exited with code 1 at 0.1 s without a call" (joined
 *                 with the rule's "; expected ..." when both apply)
 *   calls:        "made 2 calls; expected at least 4" / "at most"; "made at least N calls"
 *                 when calls_over_cap > 0; no call and no connection (and no early exit):
 *                 "made no connection and no call in 4.0 s: does it use the target it is given
 *                 ({target} or SC_TARGET)?" ("made no call in ..." without a proxy)
 *   stops:        "retried after INVALID_ARGUMENT, PERMISSION_DENIED (not retryable)",
 *                 "made 9 calls; expected it to give up after 5" (both joined by "; ")
 *   backoff:      the waits after retryable failures and OK only:
 *                 "made 40 calls in 2.0 s: no backoff" (more than 2 waits, all shorter than
 *                 the policy's first wait can be: initial * (1 - jitter)); "waited 0.5 s,
 *                 0.5 s, 0.5 s between calls: constant; expected 0.1 s x1.6 up to 1.0 s
 *                 (+-20%)" (3 or more waits, all within 10% + 1 ms of their mean); else
 *                 "waited 0.1 s, 0.1 s, 0.9 s between calls; expected 0.1 s x1.6 up to 1.0 s
 *                 (+-20%): wait 3 (0.9 s) is outside 0.154-0.358 s" (at most
 *                 SC_APP_LISTED_GAPS waits, then ", ...")
 *   exhausted:    (with backoff) "waited 0.1 s after RESOURCE_EXHAUSTED, no longer than after
 *                 UNAVAILABLE; expected 1.0 s (+-20%)" (that clause when an earlier backoff
 *                 wait was at least as long), else "waited 5.0 s after RESOURCE_EXHAUSTED;
 *                 expected 1.0 s (+-20%)"
 *   pushback:     (with backoff and honor_pushback) "waited 0.1 s after RESOURCE_EXHAUSTED with
 *                 grpc-retry-pushback-ms 300: pushback not honoured (expected 0.3 s)"
 *   retries:      "made no call after UNAVAILABLE at 1.2 s; expected one within 0.03-0.17 s"
 *                 ("after the connection broke" for no status); not judged once max_attempts
 *                 calls were made
 *   same_request: "call 3 asked for {...}; call 1 asked for {...}: not the same subscription"
 *                 (each request cut at 120 characters, then "...")
 *   connections:  "connected 40 times in 2.0 s while connections were refused: no backoff (the
 *                 policy allows at most 7)" ("too often" below twice the allowance); the
 *                 allowance: for each run of refused attempts (a connection that got through
 *                 starts the backoff over), how many fit in the run's span with the shortest
 *                 waits (current * (1 - jitter) - tolerance, at least 1 ms).
 * The disruptions are not judged here (they are for the report's timeline).
 *
 * Ownership: the caller owns every input and the output struct; pointers in the inputs are
 * borrowed for the call only. */
#ifndef SC_APP_JUDGE_H
#define SC_APP_JUDGE_H

#include "sc_scenario_backoff.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Findings kept per case: a reviewer reads a handful; the rest are counted. */
#define SC_APP_MAX_FINDINGS 16
/* One finding's sentence, with the observed waits it lists (at most SC_APP_LISTED_GAPS). */
#define SC_APP_SENTENCE_MAX 512
/* Waits a sentence lists before "..." ("waited 0.5 s, 0.5 s, 0.5 s, ... between calls"). */
#define SC_APP_LISTED_GAPS 6
/* A check name ("backoff", "stops", ...). */
#define SC_APP_CHECK_MAX 24

/* Bit of status code `code` (0..16) in sc_app_policy.retry_codes. */
#define SC_APP_CODE_BIT(code) (1u << (unsigned)(code))

typedef struct {
    /* initial_ms, multiplier, jitter, max_ms, exhausted_ms, tolerance_ms, honor_pushback */
    sc_sched_policy waits;
    uint32_t retry_codes; /* SC_APP_CODE_BIT set: the codes after which the app calls again */
    int max_attempts;     /* 0: never gives up; N: the app makes at most N calls, then stops */
} sc_app_policy;

/* How the application must have ended by the end of the case. */
typedef enum {
    SC_APP_EXIT_ANY = 0, /* not judged */
    SC_APP_EXIT_RUNNING, /* still running when the engine stopped it (a consumer keeps going) */
    SC_APP_EXIT_EXITED,  /* exited on its own, any code */
    SC_APP_EXIT_ZERO,    /* exited on its own with 0 */
    SC_APP_EXIT_NONZERO, /* exited on its own with a non-zero code (gave up, reported the error) */
} sc_app_exit_rule;

/* Which checks a scenario asks for (its expect.app), and the policy they use. */
typedef struct {
    sc_app_policy policy;
    bool backoff;      /* every gap within its window */
    bool stops;        /* no call after a call that ended with a code outside retry_codes, and
                          none after max_attempts calls */
    bool retries;      /* after a retryable failure another call comes, unless the case ended
                          before that call's window closed */
    bool same_request; /* every call's first request equals call 1's (a resumed subscription) */
    bool connections;  /* refused connection attempts are spaced by the policy: no hammering */
    int min_calls;     /* at least this many calls; -1: no bound */
    int max_calls;     /* at most; -1: no bound */
    sc_app_exit_rule exit;
} sc_app_expect;

typedef struct {
    int64_t start_ms;          /* call_start */
    int64_t end_ms;            /* status sent or the call dropped; -1: open when the case ended */
    const char *method;        /* "SubscribeData", ...; never NULL */
    int code;                  /* status the server sent; -1: none reached the app (the client
                                  cancelled, the connection dropped, the server went away) */
    int64_t pushback_ms;       /* grpc-retry-pushback-ms sent with the status; -1: none */
    int64_t responses;         /* messages the server sent */
    int64_t requests;          /* messages it received */
    const char *first_request; /* canonical JSON of the first request; NULL when none came */
} sc_app_call;

typedef struct {
    int64_t t_ms; /* when the proxy accepted it */
    bool refused; /* the proxy refused it (a refuse fault) or could not reach the server */
} sc_app_conn;

typedef struct {
    const sc_app_call *calls; /* in start order */
    size_t n_calls;
    size_t calls_over_cap;    /* calls the engine counted but did not keep (a flood) */
    const sc_app_conn *conns; /* in accept order; NULL when no proxy was in the path */
    size_t n_conns;
    bool started;               /* the process was started (false: start_error says why) */
    const char *start_error;    /* NULL when started */
    bool exited;                /* it exited on its own before the engine stopped it */
    int exit_code;              /* when exited: its code, or -1 when a signal killed it */
    int exit_signal;            /* when exited by a signal: the signal; else 0 */
    int64_t end_ms;             /* when it exited on its own, or when the engine told it to
                                   stop (SIGTERM): calls ending later are its shutdown */
    int64_t run_ms;             /* how long the case lets it run (the scenario's bound) */
    const int64_t *disruptions; /* times of injected breaks (a reset, a server restart) */
    size_t n_disruptions;
} sc_app_observed;

typedef struct {
    char check[SC_APP_CHECK_MAX]; /* "backoff", "stops", "retries", "exhausted", "pushback",
                                     "same_request", "connections", "calls", "exit", "start" */
    char sentence[SC_APP_SENTENCE_MAX];
} sc_app_finding;

typedef struct {
    bool passed;
    sc_app_finding findings[SC_APP_MAX_FINDINGS];
    size_t n_findings;
    size_t findings_over_cap; /* findings not kept */
    /* The window of each gap, for the report's timeline: gaps[i] is the gap before call i + 1
     * (caller-provided array of at least n_calls - 1 entries, or NULL). expected_max_ms < 0:
     * no call was allowed there (after a code that is not retried). */
    sc_sched_gap *gaps;
    size_t n_gaps;
} sc_app_verdict;

/* The waits of the gRPC connection-backoff spec (initial 1 s, multiplier 1.6, jitter 0.2, max
 * 120 s), 30 s after RESOURCE_EXHAUSTED, tolerance 50 ms; retry codes UNAVAILABLE,
 * DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED (the seed's robust consumer); pushback not followed;
 * never gives up. The same defaults as the client drivers' `reconnect` policy. */
sc_app_policy sc_app_policy_default(void);

/* Judge `o` against `e`. `out->gaps` must be set by the caller (or NULL); the rest is filled.
 * Returns the number of findings (0: passed). */
size_t sc_app_judge(const sc_app_expect *e, const sc_app_observed *o, sc_app_verdict *out);

/* "0.1 s x1.6 up to 1.0 s (+-20%)": the policy as the sentences state it. */
void sc_app_policy_describe(const sc_app_policy *p, char *out, size_t len);

#endif
