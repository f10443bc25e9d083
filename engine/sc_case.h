/* sc_case: one case (a scenario on one client x server pair) as a state machine, pure logic.
 *
 *   QUEUED --start--> RUNNING --driver results--> SETTLING --server quiet--> DONE
 *     ^                  |  |                        |                        ^  |
 *     |                  |  +--timeout / peer died / driver error-------------+  |
 *     +--requeue---------+   (and a known-flaky retry from RUNNING, SETTLING, DONE)
 *
 * Two named machines (common/sc_fsm.h, traced as "case" and "caselog"): the case's `state` above,
 * and `log`, what the server's event log said of the case's calls:
 *
 *   NO_CALL --call_start--> CALLS_OPEN --last call_end--> CALLS_ENDED --call_start--> CALLS_OPEN
 *
 * SETTLING waits for the log to catch up with the call(s) the client made: until CALLS_ENDED, or,
 * while NO_CALL (no call reached the server at all), a short grace period unless the scenario
 * expects the call at the server (its log may lag behind the client's result on a busy machine);
 * at most SC_CASE_SETTLE_MAX_MS. Time is passed in; nothing here reads a clock or does I/O. */
#ifndef SC_CASE_H
#define SC_CASE_H

#include "sc_fsm.h"
#include "sc_scenario.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/* How long a finished case waits for a server log line of a call the server may never have seen
 * (a cancel before sending, a refused connection). */
#define SC_CASE_SETTLE_NO_CALL_MS 150
/* How long a finished case waits at most for the server to log the end of its calls. */
#define SC_CASE_SETTLE_MAX_MS 3000
/* Most server events kept per case: a reconnect case makes a handful of calls of a few events. */
#define SC_CASE_MAX_EVENTS 4096

#define SC_CASE_STATES(X)                                                                          \
    X(SC_CASE_, QUEUED) X(SC_CASE_, RUNNING) X(SC_CASE_, SETTLING) X(SC_CASE_, DONE)
typedef enum { SC_CASE_STATES(SC_FSM_ENUM) SC_CASE_STATE_COUNT } sc_case_state;

/* What the server's event log said of the case's calls so far (see the diagram above). */
#define SC_CASE_LOG_STATES(X)                                                                      \
    X(SC_CASE_LOG_, NO_CALL) X(SC_CASE_LOG_, CALLS_OPEN) X(SC_CASE_LOG_, CALLS_ENDED)
typedef enum { SC_CASE_LOG_STATES(SC_FSM_ENUM) SC_CASE_LOG_STATE_COUNT } sc_case_log_state;

/* The two machines' definitions (names, legal changes), for traces and tests. */
extern const sc_fsm_def sc_case_fsm;
extern const sc_fsm_def sc_case_log_fsm;

typedef enum {
    SC_VERDICT_NONE = 0,
    SC_VERDICT_PASS,
    SC_VERDICT_FAIL,
    SC_VERDICT_ERROR,
    SC_VERDICT_SKIP,
    SC_VERDICT_KNOWN_FAILING,
    SC_VERDICT_STALE,
} sc_verdict;

/* "pass", "fail", ... as in docs/report-format.md. */
const char *sc_verdict_name(sc_verdict v);

typedef struct {
    char *id;                    /* "<scenario>@<client>-><server>", owned */
    const sc_scenario *scenario; /* borrowed from the run's scenario set */
    int client, server;          /* indices into the run's implementation lists */
    uint64_t serial;             /* names the case in state traces: "[case 7] RUNNING -> DONE" */
    int state;                   /* sc_case_state; changed through sc_fsm_set only */
    sc_verdict verdict;
    char *reason;              /* owned; why skip / error / known_failing */
    const char *known_failing; /* reason from --known-failing, or NULL (borrowed) */
    bool known_flaky;          /* listed in --known-flaky */
    bool retry_on_failure;     /* known_flaky, or run --retry-failed: one retry on failure */
    bool expects_call;         /* sc_scenario_expects_server_call: no NO_CALL grace */
    bool flaky;                /* failed once, passed on the retry */
    int attempts;              /* runs started (2 after a flaky retry) */
    int64_t started_ms, timeout_ms, settle_from_ms, finished_ms;
    int64_t duration_ms;
    cJSON *result;             /* the driver's result line (owned), NULL until it arrived */
    cJSON **companion_results; /* owned; one per companion of the scenario, NULL until it came */
    size_t n_companions;
    size_t companions_in; /* companion results arrived */
    cJSON *events;        /* JSON array of this case's server events (owned) */
    int open_calls;       /* call_start seen minus call_end seen */
    int log;              /* sc_case_log_state; changed through sc_fsm_set only */
    sc_judgement judgement;
    char *stderr_tail; /* owned; peer stderr for errors */
} sc_case;

/* A --known-failing entry whose reason starts with this fails in some runs only (a timing race of
 * a library, measured): its failure is `known_failing`, its pass a pass (not `stale`). */
#define SC_KNOWN_SOMETIMES "sometimes:"
bool sc_known_failing_is_sometimes(const char *reason);

/* Initialise a queued case. `id` is copied. */
int sc_case_init(sc_case *c, const sc_scenario *s, const char *id, int client, int server);
void sc_case_free(sc_case *c);

/* The case goes out now (again, on a retry): results of an earlier run are dropped. */
void sc_case_start(sc_case *c, int64_t now_ms);

/* A RUNNING case back in the queue through no fault of its own (its driver is restarted because
 * of another case): this attempt does not count. */
void sc_case_requeue(sc_case *c);

/* A server event-log object whose "case" is this case's id (consumed). */
void sc_case_on_server_event(sc_case *c, cJSON *event);

/* The driver's result line for this case (consumed). The case settles once its main result and
 * every companion's are in. */
void sc_case_on_result(sc_case *c, cJSON *result, int64_t now_ms);

/* The result line of companion `i` (its id is "<case id>#<i+1>"; consumed). */
void sc_case_on_companion_result(sc_case *c, size_t i, cJSON *result, int64_t now_ms);

/* Is the case ready to be judged (SETTLING and the server has caught up or the grace ran out)? */
bool sc_case_settled(const sc_case *c, int64_t now_ms);

/* RUNNING past its scenario's bound? */
bool sc_case_timed_out(const sc_case *c, int64_t now_ms);

/* The next time this case needs a look (a settle or timeout deadline); INT64_MAX for none. */
int64_t sc_case_next_deadline(const sc_case *c);

/* End the case with an error (timeout, peer crash); `stderr_tail` may be NULL. */
void sc_case_error(sc_case *c, const char *reason, const char *stderr_tail, int64_t now_ms);

/* Judge a settled case and set its verdict, applying the known-failing / known-flaky lists.
 * Returns true when the case must run again (a known-flaky first failure): it is QUEUED again. */
bool sc_case_conclude(sc_case *c, int64_t now_ms);

/* Mark a case that does not apply or is filtered out. */
void sc_case_skip(sc_case *c, const char *reason);

/* Does the verdict fail the run? (fail, error, stale; a known-flaky case only gets here after
 * failing its retry too) */
bool sc_case_fails_run(const sc_case *c);

#endif
