#include "sc_proxy_flow.h"

#include <math.h>
#include <string.h>

static bool has_dir(const sc_proxy_fault *fault, sc_proxy_dir d)
{
    return (fault->dirs & (1 << d)) != 0;
}

/* Bytes an after_bytes trigger counts: one direction, or both together. */
static int64_t counted(const sc_proxy_flow *f, const sc_proxy_fault *fault)
{
    int64_t n = 0;
    if (has_dir(fault, SC_PROXY_UP))
        n += f->fwd[SC_PROXY_UP];
    if (has_dir(fault, SC_PROXY_DOWN))
        n += f->fwd[SC_PROXY_DOWN];
    return n;
}

/* Has fault i's trigger been met by now? Sticky once met. */
static bool active(sc_proxy_flow *f, size_t i, int64_t now_ms)
{
    if (!f->applies[i])
        return false;
    if (f->triggered[i])
        return true;
    const sc_proxy_fault *fault = &f->faults->items[i];
    bool met = false;
    switch (fault->trigger) {
    case SC_TRIGGER_NONE:
        met = true;
        break;
    case SC_TRIGGER_AT_MS:
        met = now_ms >= f->start_ms + fault->trigger_value;
        break;
    case SC_TRIGGER_AT_CASE_MS:
        met = now_ms >= f->proxy_start_ms + fault->trigger_value;
        break;
    case SC_TRIGGER_AFTER_BYTES:
        met = counted(f, fault) >= fault->trigger_value;
        break;
    }
    f->triggered[i] = met;
    return met;
}

/* xorshift64*: enough randomness for jitter, reproducible from the seed. */
static uint64_t next_random(sc_proxy_flow *f)
{
    uint64_t x = f->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    f->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

void sc_proxy_flow_init(sc_proxy_flow *f, const sc_proxy_faults *faults, int64_t conn_no,
                        int64_t proxy_start_ms, int64_t now_ms, uint64_t seed)
{
    memset(f, 0, sizeof *f);
    f->faults = faults;
    f->conn_no = conn_no;
    f->proxy_start_ms = proxy_start_ms;
    f->start_ms = now_ms;
    f->last_due[0] = f->last_due[1] = INT64_MIN;
    /* Mix the connection number in so that connections do not share a jitter sequence; never 0
     * (xorshift's fixed point). */
    f->rng = (seed ^ ((uint64_t)conn_no * 0x9E3779B97F4A7C15ULL)) | 1;
    for (size_t i = 0; i < faults->count; i++) {
        const sc_proxy_fault *fault = &faults->items[i];
        f->applies[i] = conn_no >= fault->conn_from && conn_no <= fault->conn_to;
        f->tat_us[i][0] = f->tat_us[i][1] = INT64_MIN;
        f->next_slice_ms[i][0] = f->next_slice_ms[i][1] = INT64_MIN;
    }
}

static sc_proxy_action action_of(sc_proxy_fault_type t)
{
    switch (t) {
    case SC_FAULT_CLOSE:
        return SC_PROXY_ACT_CLOSE;
    case SC_FAULT_BLACKHOLE:
        return SC_PROXY_ACT_BLACKHOLE;
    case SC_FAULT_REFUSE:
        return SC_PROXY_ACT_REFUSE;
    default: /* reset, cut_after_bytes */
        return SC_PROXY_ACT_RESET;
    }
}

static sc_proxy_verdict first_action(sc_proxy_flow *f, int64_t now_ms, bool at_accept)
{
    for (size_t i = 0; i < f->faults->count; i++) {
        sc_proxy_fault_type t = f->faults->items[i].type;
        if (!sc_proxy_fault_is_action(t) || f->acted[i])
            continue;
        if (t == SC_FAULT_REFUSE && !at_accept)
            continue;
        if (!active(f, i, now_ms))
            continue;
        f->acted[i] = true;
        return (sc_proxy_verdict){action_of(t), (int)i};
    }
    return (sc_proxy_verdict){SC_PROXY_ACT_NONE, -1};
}

sc_proxy_verdict sc_proxy_flow_accept(sc_proxy_flow *f, int64_t now_ms)
{
    sc_proxy_verdict v = first_action(f, now_ms, true);
    /* A refuse that did not apply at accept never applies to this connection. */
    for (size_t i = 0; i < f->faults->count; i++)
        if (f->faults->items[i].type == SC_FAULT_REFUSE)
            f->acted[i] = true;
    return v;
}

sc_proxy_verdict sc_proxy_flow_check(sc_proxy_flow *f, int64_t now_ms)
{
    /* Bring every trigger up to date, so that sc_proxy_flow_next_ms moves past met times. */
    for (size_t i = 0; i < f->faults->count; i++)
        active(f, i, now_ms);
    return first_action(f, now_ms, false);
}

int64_t sc_proxy_flow_due(sc_proxy_flow *f, sc_proxy_dir d, int64_t now_ms)
{
    int64_t delay = 0;
    for (size_t i = 0; i < f->faults->count; i++) {
        const sc_proxy_fault *fault = &f->faults->items[i];
        if (fault->type != SC_FAULT_LATENCY || !has_dir(fault, d) || !active(f, i, now_ms))
            continue;
        int64_t ms = fault->ms;
        if (fault->jitter_ms > 0) {
            uint64_t span = 2 * (uint64_t)fault->jitter_ms + 1;
            ms += (int64_t)(next_random(f) % span) - fault->jitter_ms;
        }
        delay += ms > 0 ? ms : 0;
    }
    int64_t due = now_ms + delay;
    if (due < f->last_due[d])
        due = f->last_due[d]; /* jitter never reorders bytes */
    f->last_due[d] = due;
    return due;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Bandwidth as a virtual scheduling (GCRA) in microseconds: tat is when the bytes sent so far
 * would have finished at the capped rate; a write may start SC_PROXY_BURST_MS ahead of it. */
static size_t bandwidth_allow(const sc_proxy_fault *fault, int64_t tat_us, size_t want,
                              int64_t now_ms, int64_t *wake_ms)
{
    double rate = (double)fault->bytes_per_s; /* bytes per second */
    int64_t now_us = now_ms * 1000;
    int64_t start = tat_us > now_us ? tat_us : now_us;
    double room_us = (double)(now_us + SC_PROXY_BURST_MS * 1000 - start);
    double allowed = room_us * rate / 1e6;
    if (tat_us <= now_us && allowed < 1)
        allowed = 1; /* an idle direction may always send one byte */
    if (allowed >= 1)
        return allowed >= (double)want ? want : (size_t)allowed;
    /* Wait until a burst's worth (or what is waiting, if less) is allowed. */
    double burst = rate * SC_PROXY_BURST_MS / 1000.0;
    double need = (double)want < burst ? (double)want : burst;
    if (need < 1)
        need = 1;
    double at_us = (double)start - SC_PROXY_BURST_MS * 1000.0 + need * 1e6 / rate;
    if (at_us > (double)start)
        at_us = (double)start; /* a rate below one byte per burst: the idle rule's byte */
    *wake_ms = min64(*wake_ms, (int64_t)ceil(at_us / 1000.0));
    return 0;
}

size_t sc_proxy_flow_allow(sc_proxy_flow *f, sc_proxy_dir d, size_t ready, int64_t now_ms,
                           int64_t *wake_ms)
{
    *wake_ms = INT64_MAX;
    size_t n = ready;
    for (size_t i = 0; i < f->faults->count && n > 0; i++) {
        const sc_proxy_fault *fault = &f->faults->items[i];
        if (!has_dir(fault, d) || !f->applies[i])
            continue;
        if (!active(f, i, now_ms)) {
            /* Stop exactly at a byte threshold, so that what fires there sees exactly N. */
            if (fault->trigger == SC_TRIGGER_AFTER_BYTES) {
                int64_t left = fault->trigger_value - counted(f, fault);
                if (left >= 0 && (uint64_t)left < n)
                    n = (size_t)left;
            }
            continue;
        }
        if (fault->type == SC_FAULT_SLICE) {
            if (now_ms < f->next_slice_ms[i][d]) {
                *wake_ms = min64(*wake_ms, f->next_slice_ms[i][d]);
                n = 0;
            } else if ((uint64_t)fault->bytes < n) {
                n = (size_t)fault->bytes;
            }
        } else if (fault->type == SC_FAULT_BANDWIDTH) {
            n = bandwidth_allow(fault, f->tat_us[i][d], n, now_ms, wake_ms);
        }
    }
    return n;
}

void sc_proxy_flow_forwarded(sc_proxy_flow *f, sc_proxy_dir d, size_t n, int64_t now_ms)
{
    f->fwd[d] += (int64_t)n;
    for (size_t i = 0; i < f->faults->count; i++) {
        const sc_proxy_fault *fault = &f->faults->items[i];
        if (!has_dir(fault, d) || !f->applies[i] || !f->triggered[i])
            continue;
        if (fault->type == SC_FAULT_BANDWIDTH) {
            int64_t now_us = now_ms * 1000;
            int64_t start = f->tat_us[i][d] > now_us ? f->tat_us[i][d] : now_us;
            f->tat_us[i][d] = start + (int64_t)((double)n * 1e6 / (double)fault->bytes_per_s);
        } else if (fault->type == SC_FAULT_SLICE) {
            f->next_slice_ms[i][d] = now_ms + fault->delay_ms;
        }
    }
}

int64_t sc_proxy_flow_next_ms(const sc_proxy_flow *f)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < f->faults->count; i++) {
        const sc_proxy_fault *fault = &f->faults->items[i];
        if (!f->applies[i] || f->triggered[i] || f->acted[i])
            continue;
        if (fault->trigger == SC_TRIGGER_AT_MS)
            next = min64(next, f->start_ms + fault->trigger_value);
        else if (fault->trigger == SC_TRIGGER_AT_CASE_MS)
            next = min64(next, f->proxy_start_ms + fault->trigger_value);
    }
    return next;
}

/* ---- the connection's states ---------------------------------------------------------------- */

static const char *const conn_names[] = {SC_PROXY_CONN_STATES(SC_FSM_NAME)};
static const uint32_t conn_legal[] = {
    /* connected; a fault, as OPEN; an error dialling */
    [SC_PROXY_CONN_CONNECTING] = SC_FSM_TO(SC_PROXY_CONN_OPEN) |
                                 SC_FSM_TO(SC_PROXY_CONN_BLACKHOLE) |
                                 SC_FSM_TO(SC_PROXY_CONN_CLOSING) | SC_FSM_TO(SC_PROXY_CONN_CLOSED),
    /* a fault; a reset, both directions shut, the proxy stopping */
    [SC_PROXY_CONN_OPEN] = SC_FSM_TO(SC_PROXY_CONN_BLACKHOLE) | SC_FSM_TO(SC_PROXY_CONN_CLOSING) |
                           SC_FSM_TO(SC_PROXY_CONN_CLOSED),
    /* a peer left, or the proxy stopped */
    [SC_PROXY_CONN_BLACKHOLE] = SC_FSM_TO(SC_PROXY_CONN_CLOSED),
    /* both peers left, the linger ran out, or the proxy stopped */
    [SC_PROXY_CONN_CLOSING] = SC_FSM_TO(SC_PROXY_CONN_CLOSED),
    [SC_PROXY_CONN_CLOSED] = 0,
};
const sc_fsm_def sc_proxy_conn_fsm = {"conn", conn_names, conn_legal, SC_PROXY_CONN_STATE_COUNT};

sc_proxy_conn_state sc_proxy_conn_after(sc_proxy_conn_state from, sc_proxy_action action)
{
    switch (action) {
    case SC_PROXY_ACT_RESET:
    case SC_PROXY_ACT_REFUSE:
        return SC_PROXY_CONN_CLOSED;
    case SC_PROXY_ACT_CLOSE:
        return SC_PROXY_CONN_CLOSING;
    case SC_PROXY_ACT_BLACKHOLE:
        return SC_PROXY_CONN_BLACKHOLE;
    case SC_PROXY_ACT_NONE:
        break;
    }
    return from;
}

bool sc_proxy_conn_forwarding(sc_proxy_conn_state st)
{
    return st == SC_PROXY_CONN_CONNECTING || st == SC_PROXY_CONN_OPEN;
}
