#include "sc_relay.h"

static const char *const up_names[] = {SC_RELAY_UP_STATES(SC_FSM_NAME)};
static const uint32_t up_legal[] = {
    [SC_UP_SENDING] = SC_FSM_TO(SC_UP_IDLE) | SC_FSM_TO(SC_UP_DEAD),
    [SC_UP_IDLE] = SC_FSM_TO(SC_UP_HOLDING) | SC_FSM_TO(SC_UP_CLOSE_DUE),
    [SC_UP_HOLDING] = SC_FSM_TO(SC_UP_SENDING) | SC_FSM_TO(SC_UP_DEAD),
    [SC_UP_CLOSE_DUE] = SC_FSM_TO(SC_UP_CLOSING) | SC_FSM_TO(SC_UP_CLOSED),
    [SC_UP_CLOSING] = SC_FSM_TO(SC_UP_CLOSED) | SC_FSM_TO(SC_UP_DEAD),
    [SC_UP_CLOSED] = 0,
    [SC_UP_DEAD] = 0,
};
static const sc_fsm_def up_fsm = {"relay up", up_names, up_legal, SC_UP_STATE_COUNT};

static const char *const down_names[] = {SC_RELAY_DOWN_STATES(SC_FSM_NAME)};
static const uint32_t down_legal[] = {
    [SC_DOWN_WAIT_RIM] = SC_FSM_TO(SC_DOWN_IDLE) | SC_FSM_TO(SC_DOWN_DRAINED) |
                         SC_FSM_TO(SC_DOWN_ENDED),
    [SC_DOWN_IDLE] = SC_FSM_TO(SC_DOWN_READING) | SC_FSM_TO(SC_DOWN_SENDING),
    [SC_DOWN_READING] = SC_FSM_TO(SC_DOWN_HOLDING) | SC_FSM_TO(SC_DOWN_DRAINED),
    [SC_DOWN_HOLDING] = SC_FSM_TO(SC_DOWN_SENDING) | SC_FSM_TO(SC_DOWN_IDLE),
    [SC_DOWN_SENDING] = SC_FSM_TO(SC_DOWN_IDLE),
    [SC_DOWN_DRAINED] = SC_FSM_TO(SC_DOWN_ENDED),
    [SC_DOWN_ENDED] = 0,
};
static const sc_fsm_def down_fsm = {"relay down", down_names, down_legal, SC_DOWN_STATE_COUNT};

static void set_up(sc_relay *r, sc_relay_up_state to)
{
    sc_fsm_set(&up_fsm, r->id, &r->up, (int)to);
}

static void set_down(sc_relay *r, sc_relay_down_state to)
{
    sc_fsm_set(&down_fsm, r->id, &r->down, (int)to);
}

const char *sc_relay_up_name(int state)
{
    return sc_fsm_name(&up_fsm, state);
}

const char *sc_relay_down_name(int state)
{
    return sc_fsm_name(&down_fsm, state);
}

void sc_relay_init(sc_relay *r, uint64_t id, bool sending)
{
    *r = (sc_relay){.id = id, .up = sending ? SC_UP_SENDING : SC_UP_DEAD, .down = SC_DOWN_WAIT_RIM};
}

/* ---- client -> upstream ------------------------------------------------------------------ */

bool sc_relay_wants_client_read(const sc_relay *r)
{
    return r->up == SC_UP_IDLE && !r->client_gone;
}

void sc_relay_on_client_message(sc_relay *r)
{
    set_up(r, SC_UP_HOLDING);
}

void sc_relay_on_client_half_close(sc_relay *r)
{
    set_up(r, SC_UP_CLOSE_DUE);
}

sc_relay_up_action sc_relay_next_up(sc_relay *r)
{
    switch (r->up) {
    case SC_UP_HOLDING:
        return SC_RELAY_UP_SEND_MESSAGE;
    case SC_UP_CLOSE_DUE:
        return SC_RELAY_UP_SEND_CLOSE;
    default:
        return SC_RELAY_UP_NONE;
    }
}

void sc_relay_on_up_started(sc_relay *r, sc_relay_up_action a, bool ok)
{
    if (a == SC_RELAY_UP_SEND_MESSAGE)
        set_up(r, ok ? SC_UP_SENDING : SC_UP_DEAD);
    else if (a == SC_RELAY_UP_SEND_CLOSE)
        set_up(r, ok ? SC_UP_CLOSING : SC_UP_CLOSED);
}

void sc_relay_on_up_sent(sc_relay *r, bool ok)
{
    if (r->up == SC_UP_SENDING)
        set_up(r, ok ? SC_UP_IDLE : SC_UP_DEAD);
    else if (r->up == SC_UP_CLOSING)
        set_up(r, ok ? SC_UP_CLOSED : SC_UP_DEAD);
}

/* ---- upstream -> client ------------------------------------------------------------------ */

void sc_relay_on_rim(sc_relay *r, bool ok, bool has_metadata)
{
    r->rim_has_metadata = ok && has_metadata;
    if (r->down == SC_DOWN_WAIT_RIM)
        set_down(r, ok ? SC_DOWN_IDLE : SC_DOWN_DRAINED);
}

void sc_relay_on_up_read(sc_relay *r, bool message)
{
    if (r->down == SC_DOWN_READING)
        set_down(r, message ? SC_DOWN_HOLDING : SC_DOWN_DRAINED);
}

void sc_relay_on_up_status(sc_relay *r)
{
    r->status_known = true;
}

static sc_relay_down_action from_idle(sc_relay *r)
{
    if (!r->client_gone && !r->headers_sent && r->rim_has_metadata) {
        r->headers_sent = true;
        set_down(r, SC_DOWN_SENDING);
        return SC_RELAY_DOWN_SEND_HEADERS;
    }
    set_down(r, SC_DOWN_READING);
    return SC_RELAY_DOWN_READ_UPSTREAM;
}

sc_relay_down_action sc_relay_next_down(sc_relay *r)
{
    switch (r->down) {
    case SC_DOWN_HOLDING:
        if (r->client_gone) {
            set_down(r, SC_DOWN_IDLE);
            return SC_RELAY_DOWN_DROP;
        }
        r->headers_sent = true;
        set_down(r, SC_DOWN_SENDING);
        return SC_RELAY_DOWN_SEND_MESSAGE;
    case SC_DOWN_IDLE:
        return from_idle(r);
    case SC_DOWN_WAIT_RIM:
    case SC_DOWN_DRAINED:
        /* every upstream message went down (or none can come): the status follows */
        if (!r->status_known || r->client_gone)
            return SC_RELAY_DOWN_NONE;
        r->headers_sent = true;
        set_down(r, SC_DOWN_ENDED);
        return SC_RELAY_DOWN_SEND_STATUS;
    default:
        return SC_RELAY_DOWN_NONE;
    }
}

void sc_relay_on_down_refused(sc_relay *r, sc_relay_down_action a)
{
    if (a == SC_RELAY_DOWN_READ_UPSTREAM && r->down == SC_DOWN_READING)
        set_down(r, SC_DOWN_DRAINED);
}

void sc_relay_on_down_sent(sc_relay *r, bool ok)
{
    if (r->down == SC_DOWN_SENDING)
        set_down(r, SC_DOWN_IDLE);
    if (!ok)
        r->client_gone = true;
}

void sc_relay_on_closed(sc_relay *r)
{
    r->client_gone = true;
}

