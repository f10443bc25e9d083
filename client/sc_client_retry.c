#include "sc_client_retry.h"
#include "sc_status.h"
#include "sc_time.h"

#include <stdlib.h>
#include <string.h>

static void finish(sc_client_retry *r, int code)
{
    if (r->finished)
        return;
    r->finished = true;
    r->final_code = code;
    if (r->on_finished != NULL)
        r->on_finished(r, r->user);
}

static void record_start(sc_client_retry *r)
{
    r->count++;
    if (r->recorded >= SC_CLIENT_RETRY_MAX_RECORDS)
        return;
    if (r->recorded % 16 == 0) {
        sc_client_attempt *grown = realloc(r->attempts, (r->recorded + 16) * sizeof *grown);
        if (grown == NULL)
            return;
        r->attempts = grown;
    }
    sc_client_attempt *a = &r->attempts[r->recorded++];
    memset(a, 0, sizeof *a);
    a->start_ms = sc_time_now_ms();
    a->end_ms = a->wait_ms = -1;
    a->code = -1;
    a->pushback_ms = SC_RECONNECT_PUSHBACK_NONE;
}

/* The record of the running attempt, or NULL once recording stopped. */
static sc_client_attempt *current(sc_client_retry *r)
{
    return r->recorded == r->count ? &r->attempts[r->recorded - 1] : NULL;
}

static void start_next(sc_client_retry *r)
{
    record_start(r);
    r->running = true;
    if (r->start_attempt(r, r->user) != 0) {
        r->running = false;
        sc_client_attempt *a = current(r);
        if (a != NULL) {
            a->end_ms = sc_time_now_ms();
            a->code = SC_STATUS_INTERNAL;
        }
        finish(r, SC_STATUS_INTERNAL);
    }
}

static void on_timer(sc_loop_timer *t)
{
    sc_client_retry *r = SC_CONTAINER_OF(t, sc_client_retry, timer);
    r->waiting = false;
    start_next(r);
}

void sc_client_retry_init(sc_client_retry *r, sc_loop *loop, const sc_reconnect_policy *policy,
                          sc_backoff_random_fn random, void *random_ctx)
{
    memset(r, 0, sizeof *r);
    r->loop = loop;
    r->reconnect = policy != NULL;
    r->policy = policy != NULL ? *policy : sc_reconnect_policy_default();
    sc_backoff_init(&r->schedule, &r->policy.backoff, random, random_ctx);
    r->timer.fire = on_timer;
    r->final_code = -1;
}

void sc_client_retry_begin(sc_client_retry *r)
{
    start_next(r);
}

static int64_t decide_wait(sc_client_retry *r, int code, size_t responses, int64_t pushback_ms)
{
    if (!r->reconnect)
        return -1;
    sc_attempt_state st = {(int)r->count, responses > 0, pushback_ms};
    sc_reconnect_decision d = sc_reconnect_decide(code, &r->policy, &st);
    return sc_reconnect_wait_ms(&d, &r->policy, &r->schedule);
}

int64_t sc_client_retry_pushback(const sc_md_list *trailers)
{
    const sc_md_entry *e = sc_md_list_find(trailers, "grpc-retry-pushback-ms");
    if (e == NULL)
        return SC_RECONNECT_PUSHBACK_NONE;
    return sc_reconnect_parse_pushback((const char *)e->value, e->value_len);
}

void sc_client_retry_attempt_ended(sc_client_retry *r, int code, size_t responses,
                                   int64_t pushback_ms)
{
    r->running = false;
    int64_t wait = r->finished ? -1 : decide_wait(r, code, responses, pushback_ms);
    sc_client_attempt *a = current(r);
    sc_client_attempt copy = {0};
    if (a == NULL)
        a = &copy; /* past the record limit: still tell the owner */
    a->end_ms = sc_time_now_ms();
    a->code = code;
    a->responses = responses;
    a->wait_ms = wait;
    a->pushback_ms = pushback_ms;
    if (r->on_attempt != NULL)
        r->on_attempt(r, a, r->user);
    if (wait < 0) {
        finish(r, code);
        return;
    }
    if (sc_loop_timer_arm(r->loop, &r->timer, a->end_ms + wait) != 0) {
        finish(r, code); /* cannot wait for the next attempt: this one was the last */
        return;
    }
    r->waiting = true;
}

void sc_client_retry_stop(sc_client_retry *r)
{
    if (r->waiting) {
        sc_loop_timer_disarm(r->loop, &r->timer);
        r->waiting = false;
        finish(r, SC_STATUS_CANCELLED);
        return;
    }
    r->reconnect = false; /* the running attempt's end becomes the last */
}

void sc_client_retry_free(sc_client_retry *r)
{
    if (r->waiting)
        sc_loop_timer_disarm(r->loop, &r->timer);
    free(r->attempts);
    r->attempts = NULL;
    r->recorded = r->count = 0;
}
