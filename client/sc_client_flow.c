#include "sc_client_flow.h"

#include <stdint.h>

static const char *const flow_state_names[] = {SC_CLIENT_FLOW_STATES(SC_FSM_NAME)};
static const uint32_t flow_legal[] = {
    [SC_FLOW_OPEN] = SC_FSM_TO(SC_FLOW_CANCELLED) | SC_FSM_TO(SC_FLOW_STATUS),
    [SC_FLOW_CANCELLED] = SC_FSM_TO(SC_FLOW_STATUS),
    [SC_FLOW_STATUS] = SC_FSM_TO(SC_FLOW_DONE),
    [SC_FLOW_DONE] = 0,
};
static const sc_fsm_def flow_fsm = {"client", flow_state_names, flow_legal, SC_FLOW_STATE_COUNT};

static void set_state(sc_client_flow *f, sc_client_flow_state to)
{
    sc_fsm_set(&flow_fsm, f->id, &f->state, (int)to);
}

void sc_client_flow_init(sc_client_flow *f, uint64_t id, const sc_client_cancel_plan *cancel,
                         int64_t read_pause_ms, int64_t now_ms)
{
    *f = (sc_client_flow){0};
    f->id = id;
    f->state = SC_FLOW_OPEN;
    f->busy = SC_FLOW_BUSY_HEADERS;
    if (cancel != NULL)
        f->cancel = *cancel;
    f->start_ms = now_ms;
    f->read_from_ms = now_ms + (read_pause_ms > 0 ? read_pause_ms : 0);
    f->cancel_at_ms = -1;
    if (f->cancel.kind == SC_CANCEL_BEFORE_SEND)
        f->cancel_at_ms = now_ms;
    else if (f->cancel.kind == SC_CANCEL_AFTER_MS)
        f->cancel_at_ms = now_ms + f->cancel.n;
}

bool sc_client_flow_status_in(const sc_client_flow *f)
{
    return f->state == SC_FLOW_STATUS || f->state == SC_FLOW_DONE;
}

/* ---- the application -------------------------------------------------------------------- */

bool sc_client_flow_can_queue(const sc_client_flow *f)
{
    return !(f->shut & (SC_FLOW_SHUT_WR_ASKED | SC_FLOW_SHUT_WR)) && !sc_client_flow_status_in(f);
}

void sc_client_flow_queued(sc_client_flow *f)
{
    f->queued++;
}

bool sc_client_flow_close_send(sc_client_flow *f)
{
    if (sc_client_flow_status_in(f))
        return false;
    f->shut |= SC_FLOW_SHUT_WR_ASKED;
    return true;
}

bool sc_client_flow_cancel(sc_client_flow *f)
{
    if (f->state != SC_FLOW_OPEN)
        return false;
    set_state(f, SC_FLOW_CANCELLED);
    return true;
}

/* ---- the wire --------------------------------------------------------------------------- */

void sc_client_flow_on_headers(sc_client_flow *f)
{
    f->busy &= ~SC_FLOW_BUSY_HEADERS;
}

bool sc_client_flow_on_sent(sc_client_flow *f, bool ok, int64_t now_ms)
{
    bool had_close = (f->busy & SC_FLOW_BUSY_CLOSE) != 0;
    f->busy &= ~(SC_FLOW_BUSY_SEND | SC_FLOW_BUSY_CLOSE);
    if (!ok) {
        f->shut |= SC_FLOW_SHUT_WR; /* the stream is gone; the status will say why */
        f->queued = 0;
        return false;
    }
    if (!had_close)
        return false;
    f->shut |= SC_FLOW_SHUT_WR;
    if (f->cancel.kind == SC_CANCEL_AFTER_CLOSE_SEND_MS)
        f->cancel_at_ms = now_ms + f->cancel.n;
    return true;
}

void sc_client_flow_on_received(sc_client_flow *f, sc_client_flow_recv what)
{
    f->busy &= ~SC_FLOW_BUSY_RECV;
    if (what != SC_FLOW_RECV_MESSAGE) {
        f->shut |= SC_FLOW_SHUT_RD;
        return;
    }
    f->responses++;
    if (f->cancel.kind == SC_CANCEL_AFTER_RESPONSES && (int64_t)f->responses >= f->cancel.n)
        f->cancel_at_ms = f->start_ms; /* due now */
}

void sc_client_flow_on_status(sc_client_flow *f)
{
    set_state(f, SC_FLOW_STATUS);
    f->cancel_at_ms = -1;
}

/* ---- decisions -------------------------------------------------------------------------- */

static unsigned next_send(sc_client_flow *f)
{
    if ((f->busy & SC_FLOW_BUSY_SEND) || (f->shut & SC_FLOW_SHUT_WR) || sc_client_flow_status_in(f))
        return 0;
    if (f->cancel.kind == SC_CANCEL_BEFORE_SEND)
        return 0; /* the plan is to send nothing at all */
    unsigned ops = 0;
    if (f->queued > 0) {
        f->queued--;
        ops |= SC_FLOW_DO_SEND_MESSAGE;
        if (f->queued > 0) /* more already queued behind: let the transport coalesce them */
            ops |= SC_FLOW_DO_BUFFER_HINT;
    }
    /* The half-close rides with a request only when it is the call's first (the unary shape).
     * After earlier sends it goes alone: with libgrpc 1.51's retries (gRFC A6, and transparent
     * retries, on by default) a batch of the last request plus the half-close, replayed on a
     * later attempt, lost the request or stalled the call in about 1 of 200 client streams;
     * with the half-close on its own, none in 2400 (docs/peer-protocol.md, "Known
     * differences"). */
    bool close_now = (f->shut & SC_FLOW_SHUT_WR_ASKED) && f->queued == 0;
    if (close_now && (ops == 0 || f->sends == 0))
        ops |= SC_FLOW_DO_SEND_CLOSE;
    if (ops & SC_FLOW_DO_SEND_MESSAGE)
        f->sends++;
    if (ops != 0)
        f->busy |= SC_FLOW_BUSY_SEND | ((ops & SC_FLOW_DO_SEND_CLOSE) ? SC_FLOW_BUSY_CLOSE : 0);
    return ops;
}

/* One receive at a time, after the headers, while the call is open and the pause is over. */
static unsigned next_recv(sc_client_flow *f, int64_t now_ms)
{
    if ((f->busy & (SC_FLOW_BUSY_RECV | SC_FLOW_BUSY_HEADERS)) || (f->shut & SC_FLOW_SHUT_RD) ||
        f->state != SC_FLOW_OPEN || now_ms < f->read_from_ms)
        return 0;
    f->busy |= SC_FLOW_BUSY_RECV;
    return SC_FLOW_DO_RECV;
}

static int64_t earliest(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    return b < 0 || a < b ? a : b;
}

sc_client_flow_step sc_client_flow_next(sc_client_flow *f, int64_t now_ms)
{
    sc_client_flow_step step = {0, -1};
    if (f->state == SC_FLOW_OPEN && f->cancel_at_ms >= 0 && now_ms >= f->cancel_at_ms) {
        set_state(f, SC_FLOW_CANCELLED);
        step.ops |= SC_FLOW_DO_CANCEL;
    }
    step.ops |= next_send(f);
    step.ops |= next_recv(f, now_ms);
    if (f->state == SC_FLOW_OPEN) {
        step.wake_at_ms = f->cancel_at_ms;
        if (now_ms < f->read_from_ms && !(f->shut & SC_FLOW_SHUT_RD))
            step.wake_at_ms = earliest(step.wake_at_ms, f->read_from_ms);
    }
    return step;
}

bool sc_client_flow_send_ready(const sc_client_flow *f)
{
    return !(f->busy & SC_FLOW_BUSY_SEND) && f->queued == 0 && sc_client_flow_can_queue(f);
}

size_t sc_client_flow_unsent(const sc_client_flow *f)
{
    return f->queued + ((f->busy & SC_FLOW_BUSY_SEND) ? 1 : 0);
}

bool sc_client_flow_finish(sc_client_flow *f, int pending)
{
    if (f->state != SC_FLOW_STATUS || pending > 0)
        return false;
    set_state(f, SC_FLOW_DONE);
    return true;
}

/* ---- a planned list of requests --------------------------------------------------------- */

/* How many more requests lock-step allows: request i goes once i replies are in. */
static size_t lock_step_room(const sc_client_feed_plan *p, size_t next)
{
    if (!p->lock_step)
        return SIZE_MAX;
    return p->replies + 1 > next ? p->replies + 1 - next : 0;
}

sc_client_feed_step sc_client_flow_feed(const sc_client_feed_plan *p, size_t next, size_t unsent,
                                        int64_t attempt_start_ms, int64_t now_ms)
{
    sc_client_feed_step step = {0, false, -1};
    size_t left = next < p->n ? p->n - next : 0;
    if (p->delay_ms <= 0) {
        size_t room = unsent < p->ahead ? p->ahead - unsent : 0;
        step.send = left < room ? left : room;
    } else {
        /* Request i is due at start + i * delay: those up to (now - start) / delay are due. */
        int64_t since = now_ms - attempt_start_ms;
        size_t due = since < 0 ? 0 : (size_t)(since / p->delay_ms) + 1;
        step.send = due > next ? due - next : 0;
        if (step.send > left)
            step.send = left;
        if (step.send < left)
            step.wake_at_ms = attempt_start_ms + (int64_t)(next + step.send) * p->delay_ms;
    }
    size_t room = lock_step_room(p, next);
    if (step.send >= room && room < left) {
        step.send = room;
        step.wake_at_ms = -1; /* the next request waits for a reply, not for a time */
    }
    step.close = p->half_close && step.send == left;
    return step;
}
