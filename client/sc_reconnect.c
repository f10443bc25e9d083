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

sc_reconnect_decision sc_reconnect_decide(int code, const sc_reconnect_policy *policy,
                                          const sc_attempt_state *state)
{
    sc_reconnect_decision d = {SC_RECONNECT_STOP, SC_RECONNECT_WHY_FINAL_CODE,
                               state->delivered_message};
    if (!code_is_retryable(code, policy))
        return d;
    if (policy->max_attempts > 0 && state->attempts_done >= policy->max_attempts) {
        d.reason = SC_RECONNECT_WHY_MAX_ATTEMPTS;
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
    case SC_RECONNECT_STOP:
    default:
        return -1;
    }
}
