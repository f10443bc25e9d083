#include "sc_case.h"
#include "sc_event_names.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const case_names[] = {SC_CASE_STATES(SC_FSM_NAME)};
static const uint32_t case_legal[] = {
    /* skipped at plan time, or an error before it went out */
    [SC_CASE_QUEUED] = SC_FSM_TO(SC_CASE_RUNNING) | SC_FSM_TO(SC_CASE_DONE),
    /* results in; an error or timeout; requeued (another case's driver restarted) or a
     * known-flaky retry concluded from here */
    [SC_CASE_RUNNING] =
        SC_FSM_TO(SC_CASE_SETTLING) | SC_FSM_TO(SC_CASE_DONE) | SC_FSM_TO(SC_CASE_QUEUED),
    /* judged; or a known-flaky first failure runs again */
    [SC_CASE_SETTLING] = SC_FSM_TO(SC_CASE_DONE) | SC_FSM_TO(SC_CASE_QUEUED),
    /* a known-flaky first error runs again; a finished case started again runs afresh */
    [SC_CASE_DONE] = SC_FSM_TO(SC_CASE_QUEUED) | SC_FSM_TO(SC_CASE_RUNNING),
};
const sc_fsm_def sc_case_fsm = {"case", case_names, case_legal, SC_CASE_STATE_COUNT};

static const char *const log_names[] = {SC_CASE_LOG_STATES(SC_FSM_NAME)};
static const uint32_t log_legal[] = {
    /* CALLS_ENDED at once: a call_end read before its call_start (counts cancel out) */
    [SC_CASE_LOG_NO_CALL] = SC_FSM_TO(SC_CASE_LOG_CALLS_OPEN) | SC_FSM_TO(SC_CASE_LOG_CALLS_ENDED),
    [SC_CASE_LOG_CALLS_OPEN] = SC_FSM_TO(SC_CASE_LOG_CALLS_ENDED),
    /* another call of the case (a reconnect, a retry) */
    [SC_CASE_LOG_CALLS_ENDED] = SC_FSM_TO(SC_CASE_LOG_CALLS_OPEN),
};
const sc_fsm_def sc_case_log_fsm = {"caselog", log_names, log_legal, SC_CASE_LOG_STATE_COUNT};

static void set_state(sc_case *c, sc_case_state to)
{
    sc_fsm_set(&sc_case_fsm, c->serial, &c->state, (int)to);
}

static void set_log(sc_case *c, sc_case_log_state to)
{
    sc_fsm_set(&sc_case_log_fsm, c->serial, &c->log, (int)to);
}

/* Traces name cases by a number: case ids are long texts, and sc_fsm takes a number. */
static atomic_uint_fast64_t case_serials;

const char *sc_verdict_name(sc_verdict v)
{
    static const char *const names[] = {"none", "pass",          "fail", "error",
                                        "skip", "known_failing", "stale"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "none";
}

int sc_case_init(sc_case *c, const sc_scenario *s, const char *id, int client, int server)
{
    memset(c, 0, sizeof *c);
    c->serial = atomic_fetch_add(&case_serials, 1) + 1;
    c->state = SC_CASE_QUEUED;
    c->log = SC_CASE_LOG_NO_CALL;
    c->scenario = s;
    c->client = client;
    c->server = server;
    c->id = strdup(id);
    c->events = cJSON_CreateArray();
    c->n_companions = sc_scenario_companion_count(s);
    c->expects_call = sc_scenario_expects_server_call(s);
    if (c->n_companions > 0)
        c->companion_results = calloc(c->n_companions, sizeof *c->companion_results);
    return c->id != NULL && c->events != NULL &&
                   (c->n_companions == 0 || c->companion_results != NULL)
               ? 0
               : -1;
}

static void drop_run_state(sc_case *c)
{
    cJSON_Delete(c->result);
    c->result = NULL;
    for (size_t i = 0; c->companion_results != NULL && i < c->n_companions; i++) {
        cJSON_Delete(c->companion_results[i]);
        c->companion_results[i] = NULL;
    }
    c->companions_in = 0;
    cJSON_Delete(c->events);
    c->events = cJSON_CreateArray();
    sc_judgement_free(&c->judgement);
    memset(&c->judgement, 0, sizeof c->judgement);
    free(c->reason);
    c->reason = NULL;
    free(c->stderr_tail);
    c->stderr_tail = NULL;
    c->open_calls = 0;
    c->log = SC_CASE_LOG_NO_CALL; /* a new run's log: not a change of the old run's */
}

void sc_case_free(sc_case *c)
{
    drop_run_state(c);
    cJSON_Delete(c->events);
    free(c->companion_results);
    free(c->id);
    memset(c, 0, sizeof *c);
}

void sc_case_start(sc_case *c, int64_t now_ms)
{
    drop_run_state(c);
    set_state(c, SC_CASE_RUNNING);
    c->verdict = SC_VERDICT_NONE;
    c->attempts++;
    c->started_ms = now_ms;
    c->timeout_ms = sc_scenario_case_timeout_ms(c->scenario);
}

void sc_case_requeue(sc_case *c)
{
    set_state(c, SC_CASE_QUEUED);
    c->attempts--;
}

/* Count the calls the log opened and closed; the log state follows the count. */
static void track_calls(sc_case *c, const cJSON *event)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(event, "event");
    if (!cJSON_IsString(name))
        return;
    int ev = sc_event_from_name(name->valuestring);
    bool start = ev == SC_EVENT_CALL_START;
    if (start)
        c->open_calls++;
    else if (ev == SC_EVENT_CALL_END)
        c->open_calls--;
    else
        return;
    if (c->open_calls > 0)
        set_log(c, SC_CASE_LOG_CALLS_OPEN);
    else if (start || c->log != SC_CASE_LOG_NO_CALL)
        set_log(c, SC_CASE_LOG_CALLS_ENDED);
}

void sc_case_on_server_event(sc_case *c, cJSON *event)
{
    if (c->state != SC_CASE_RUNNING && c->state != SC_CASE_SETTLING) {
        cJSON_Delete(event);
        return;
    }
    track_calls(c, event);
    if (cJSON_GetArraySize(c->events) < SC_CASE_MAX_EVENTS)
        cJSON_AddItemToArray(c->events, event);
    else
        cJSON_Delete(event);
}

/* Every call of the case has reported: wait for the server's log to catch up. */
static void maybe_settle(sc_case *c, int64_t now_ms)
{
    if (c->result == NULL || c->companions_in < c->n_companions)
        return;
    set_state(c, SC_CASE_SETTLING);
    c->settle_from_ms = now_ms;
}

void sc_case_on_result(sc_case *c, cJSON *result, int64_t now_ms)
{
    if (c->state != SC_CASE_RUNNING) {
        cJSON_Delete(result);
        return;
    }
    cJSON_Delete(c->result); /* a driver answering twice: the last line counts */
    c->result = result;
    maybe_settle(c, now_ms);
}

void sc_case_on_companion_result(sc_case *c, size_t i, cJSON *result, int64_t now_ms)
{
    if (c->state != SC_CASE_RUNNING || i >= c->n_companions) {
        cJSON_Delete(result);
        return;
    }
    if (c->companion_results[i] == NULL)
        c->companions_in++;
    cJSON_Delete(c->companion_results[i]);
    c->companion_results[i] = result;
    maybe_settle(c, now_ms);
}

bool sc_case_settled(const sc_case *c, int64_t now_ms)
{
    if (c->state != SC_CASE_SETTLING)
        return false;
    int64_t waited = now_ms - c->settle_from_ms;
    if (waited >= SC_CASE_SETTLE_MAX_MS)
        return true;
    if (c->log == SC_CASE_LOG_NO_CALL)
        return !c->expects_call && waited >= SC_CASE_SETTLE_NO_CALL_MS;
    return c->log == SC_CASE_LOG_CALLS_ENDED;
}

bool sc_case_timed_out(const sc_case *c, int64_t now_ms)
{
    return c->state == SC_CASE_RUNNING && now_ms - c->started_ms > c->timeout_ms;
}

int64_t sc_case_next_deadline(const sc_case *c)
{
    switch (c->state) {
    case SC_CASE_RUNNING:
        return c->started_ms + c->timeout_ms + 1;
    case SC_CASE_SETTLING:
        return c->settle_from_ms + (c->log != SC_CASE_LOG_NO_CALL || c->expects_call
                                        ? SC_CASE_SETTLE_MAX_MS
                                        : SC_CASE_SETTLE_NO_CALL_MS);
    default:
        return INT64_MAX;
    }
}

static void finish(sc_case *c, sc_verdict v, int64_t now_ms)
{
    c->verdict = v;
    set_state(c, SC_CASE_DONE);
    c->finished_ms = now_ms;
    c->duration_ms = now_ms - c->started_ms;
}

void sc_case_error(sc_case *c, const char *reason, const char *stderr_tail, int64_t now_ms)
{
    free(c->reason);
    free(c->stderr_tail);
    c->reason = strdup(reason);
    c->stderr_tail = stderr_tail ? strdup(stderr_tail) : NULL;
    finish(c, SC_VERDICT_ERROR, now_ms);
}

static bool retry_flaky(sc_case *c)
{
    if (!c->retry_on_failure || c->attempts > 1)
        return false;
    set_state(c, SC_CASE_QUEUED);
    return true;
}

/* Each companion on its own (no server events: those are the main call's), its failures added to
 * the case's with the path prefix "companions[i].". */
static int judge_companions(sc_case *c)
{
    static const cJSON no_events = {.type = cJSON_Array};
    for (size_t i = 0; i < c->n_companions; i++) {
        sc_judgement j;
        if (sc_scenario_judge(sc_scenario_companion(c->scenario, i), c->companion_results[i],
                              &no_events, &j) != 0)
            return -1;
        char prefix[48];
        snprintf(prefix, sizeof prefix, "companions[%zu].", i);
        int rc = sc_judgement_append(&c->judgement, &j, prefix);
        sc_judgement_free(&j);
        if (rc != 0)
            return -1;
    }
    return 0;
}

bool sc_known_failing_is_sometimes(const char *reason)
{
    return reason != NULL &&
           strncmp(reason, SC_KNOWN_SOMETIMES, sizeof SC_KNOWN_SOMETIMES - 1) == 0;
}

bool sc_case_conclude(sc_case *c, int64_t now_ms)
{
    if (c->state == SC_CASE_DONE && c->verdict == SC_VERDICT_ERROR) {
        /* errors reach here only to apply the flaky retry */
        return retry_flaky(c);
    }
    if (sc_scenario_judge(c->scenario, c->result, c->events, &c->judgement) != 0 ||
        judge_companions(c) != 0) {
        sc_case_error(c, "out of memory judging the case", NULL, now_ms);
        return false;
    }
    if (c->judgement.passed) {
        c->flaky = c->attempts > 1;
        if (c->known_failing != NULL && !sc_known_failing_is_sometimes(c->known_failing)) {
            c->reason = strdup("listed in --known-failing but passed");
            finish(c, SC_VERDICT_STALE, now_ms);
        } else {
            finish(c, SC_VERDICT_PASS, now_ms);
        }
        return false;
    }
    /* A listed case failing is what the list expects: no second try (under run --retry-failed a
     * "sometimes:" race would otherwise pass on its retry and read as flaky, not as itself). */
    if (c->known_failing == NULL && retry_flaky(c))
        return true;
    if (c->known_failing != NULL) {
        c->reason = strdup(c->known_failing);
        finish(c, SC_VERDICT_KNOWN_FAILING, now_ms);
    } else {
        finish(c, SC_VERDICT_FAIL, now_ms);
    }
    return false;
}

void sc_case_skip(sc_case *c, const char *reason)
{
    free(c->reason);
    c->reason = strdup(reason ? reason : "");
    c->verdict = SC_VERDICT_SKIP;
    set_state(c, SC_CASE_DONE);
}

/* A known-flaky case reaching a failing verdict failed its retry too: a race that loses twice
 * in a row is a failure to look at, as with Bazel's `flaky` or Surefire's reruns. */
bool sc_case_fails_run(const sc_case *c)
{
    return c->verdict == SC_VERDICT_FAIL || c->verdict == SC_VERDICT_ERROR ||
           c->verdict == SC_VERDICT_STALE;
}
