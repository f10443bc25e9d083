#include "sc_reconnect.h"
#include "sc_status.h"

sc_reconnect_policy sc_reconnect_policy_default(void)
{
    sc_reconnect_policy p = {
        .backoff = sc_backoff_policy_default(),
        .exhausted_backoff_ms = SC_RECONNECT_DEFAULT_EXHAUSTED_MS,
        .max_attempts = 0,
        .retry_codes = SC_RECONNECT_CODE_BIT(SC_STATUS_UNAVAILABLE) |
                       SC_RECONNECT_CODE_BIT(SC_STATUS_DEADLINE_EXCEEDED) |
                       SC_RECONNECT_CODE_BIT(SC_STATUS_RESOURCE_EXHAUSTED),
    };
    return p;
}

static bool code_is_retryable(int code, const sc_reconnect_policy *policy)
{
    if (code == SC_STATUS_OK || code == SC_STATUS_CANCELLED)
        return false;
    if (code < 0 || code >= SC_STATUS_COUNT)
        return false;
    return (policy->retry_codes & SC_RECONNECT_CODE_BIT(code)) != 0;
}

int64_t sc_reconnect_parse_pushback(const char *value, size_t len)
{
    if (value == NULL || len == 0)
        return SC_RECONNECT_PUSHBACK_INVALID;
    int64_t ms = 0;
    for (size_t i = 0; i < len; i++) {
        if (value[i] < '0' || value[i] > '9')
            return SC_RECONNECT_PUSHBACK_INVALID;
        ms = ms * 10 + (value[i] - '0');
        if (ms > SC_RECONNECT_PUSHBACK_MAX_MS)
            return SC_RECONNECT_PUSHBACK_INVALID;
    }
    return ms;
}

sc_reconnect_decision sc_reconnect_decide(int code, const sc_reconnect_policy *policy,
                                          const sc_attempt_state *state)
{
    sc_reconnect_decision d = {SC_RECONNECT_STOP, SC_RECONNECT_WHY_FINAL_CODE,
                               state->delivered_message, 0};
    if (!code_is_retryable(code, policy))
        return d;
    if (policy->max_attempts > 0 && state->attempts_done >= policy->max_attempts) {
        d.reason = SC_RECONNECT_WHY_MAX_ATTEMPTS;
        return d;
    }
    if (policy->honor_pushback && state->pushback_ms != SC_RECONNECT_PUSHBACK_NONE) {
        if (state->pushback_ms < 0) {
            d.reason = SC_RECONNECT_WHY_PUSHBACK_STOP;
            return d;
        }
        d.reason = SC_RECONNECT_WHY_RETRYABLE;
        d.action = SC_RECONNECT_RETRY_PUSHBACK;
        d.pushback_ms = state->pushback_ms;
        return d;
    }
    d.reason = SC_RECONNECT_WHY_RETRYABLE;
    d.action = code == SC_STATUS_RESOURCE_EXHAUSTED ? SC_RECONNECT_RETRY_EXHAUSTED
                                                    : SC_RECONNECT_RETRY_BACKOFF;
    return d;
}

int64_t sc_reconnect_wait_ms(const sc_reconnect_decision *d, const sc_reconnect_policy *policy,
                             sc_backoff *schedule)
{
    if (d->reset_backoff)
        sc_backoff_reset(schedule);
    switch (d->action) {
    case SC_RECONNECT_RETRY_BACKOFF:
        return sc_backoff_next_delay_ms(schedule);
    case SC_RECONNECT_RETRY_EXHAUSTED:
        return policy->exhausted_backoff_ms;
    case SC_RECONNECT_RETRY_PUSHBACK:
        sc_backoff_reset(schedule); /* gRPC A6: after a pushback the backoff starts over */
        return d->pushback_ms;
    case SC_RECONNECT_STOP:
    default:
        return -1;
    }
}
