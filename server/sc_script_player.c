#include "sc_script_player.h"

#include <stdio.h>
#include <string.h>

static const sc_md_list empty_md;

/* A script delay at the player's speed. */
static int64_t scaled(const sc_script_player *p, int64_t ms)
{
    return p->speed > 0 && p->speed != 1 ? (int64_t)((double)ms / p->speed) : ms;
}

void sc_script_player_init_speed(sc_script_player *p, const sc_script *script, int64_t start_ms,
                                 double speed)
{
    memset(p, 0, sizeof *p);
    p->script = script;
    p->speed = speed > 0 ? speed : 1;
    p->gate_ms = start_ms + scaled(p, script->initial_delay_ms);
    p->last_ms = p->gate_ms;
    p->wake_ms = -1;
}

void sc_script_player_init(sc_script_player *p, const sc_script *script, int64_t start_ms)
{
    sc_script_player_init_speed(p, script, start_ms, 1);
}

void sc_script_player_init_fail(sc_script_player *p, int code, const char *message)
{
    memset(p, 0, sizeof *p);
    p->wake_ms = -1;
    p->fail_code = code;
    snprintf(p->fail_message, sizeof p->fail_message, "%s", message);
}

/* Due at `due`: true when it is time; otherwise remember when to wake. */
static bool due(sc_script_player *p, int64_t due_ms, int64_t now_ms)
{
    if (now_ms >= due_ms)
        return true;
    p->wake_ms = due_ms;
    return false;
}

static sc_play_out status_out(sc_script_player *p, int code, const char *message)
{
    p->status_out = true;
    p->in_flight = true;
    return (sc_play_out){.kind = SC_PLAY_STATUS, .code = code, .status_message = message};
}

sc_play_out sc_script_player_next(sc_script_player *p, int64_t now_ms)
{
    sc_play_out none = {.kind = SC_PLAY_NONE};
    p->wake_ms = -1;
    if (p->in_flight || p->status_out || p->closed)
        return none;
    const sc_script *s = p->script;
    if (s == NULL)
        return status_out(p, p->fail_code, p->fail_message);
    if (!p->headers_out && sc_script_sends_headers(s)) {
        if (!due(p, p->gate_ms, now_ms))
            return none;
        p->in_flight = true;
        return (sc_play_out){.kind = SC_PLAY_HEADERS};
    }
    if (p->next < s->n_responses) {
        const sc_script_response *r = &s->responses[p->next];
        if (!due(p, p->last_ms + scaled(p, r->delay_ms), now_ms))
            return none;
        p->in_flight = true;
        return (sc_play_out){.kind = SC_PLAY_MESSAGE,
                             .index = p->next,
                             .message = r->message,
                             .raw = r->raw,
                             .raw_len = r->raw_len};
    }
    if (!due(p, p->last_ms + scaled(p, s->status_delay_ms), now_ms))
        return none;
    return status_out(p, s->status_code, s->status_message);
}

void sc_script_player_on_sent(sc_script_player *p, bool ok, int64_t now_ms)
{
    if (!p->in_flight || p->status_out)
        return;
    p->in_flight = false;
    if (!ok) {
        p->closed = true; /* the call is going away */
        return;
    }
    p->last_ms = now_ms;
    if (!p->headers_out && p->script != NULL && sc_script_sends_headers(p->script))
        p->headers_out = true;
    else
        p->next++;
}

void sc_script_player_on_closed(sc_script_player *p)
{
    p->closed = true;
    p->wake_ms = -1;
}

int64_t sc_script_player_wake_at(const sc_script_player *p)
{
    return p->wake_ms;
}

bool sc_script_player_done(const sc_script_player *p)
{
    return p->status_out;
}

const sc_md_list *sc_script_player_headers(const sc_script_player *p)
{
    return p->script != NULL ? &p->script->headers : &empty_md;
}

const sc_md_list *sc_script_player_trailers(const sc_script_player *p)
{
    return p->script != NULL ? &p->script->trailers : &empty_md;
}
