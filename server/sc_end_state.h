/* sc_end_state: how the server side of a call ends, the machine shared by the scripted call and
 * the recorder's client side (sc_fsm). OPEN while the call plays or forwards; ENDING once its
 * status batch is queued; DONE when RECV_CLOSE_ON_SERVER completed after that; CUT when it
 * completed first (a client cancel, the deadline, shutdown). Each user builds its sc_fsm_def from
 * the names and table here with its own trace kind. */
#ifndef SC_END_STATE_H
#define SC_END_STATE_H

#include "sc_fsm.h"

#include <stdbool.h>
#include <stdint.h>

#define SC_END_STATES(X) X(SC_END_, OPEN) X(SC_END_, ENDING) X(SC_END_, DONE) X(SC_END_, CUT)
typedef enum { SC_END_STATES(SC_FSM_ENUM) SC_END_STATE_COUNT } sc_end_state;

extern const char *const sc_end_state_names[SC_END_STATE_COUNT];
extern const uint32_t sc_end_state_legal[SC_END_STATE_COUNT];

/* The status went (or is going) out. */
static inline bool sc_end_status_queued(int state)
{
    return state == SC_END_ENDING || state == SC_END_DONE;
}

/* RECV_CLOSE_ON_SERVER completed: nothing more reaches the client. */
static inline bool sc_end_closed(int state)
{
    return state == SC_END_DONE || state == SC_END_CUT;
}

/* The state RECV_CLOSE_ON_SERVER's completion moves `state` to. */
static inline sc_end_state sc_end_on_close(int state)
{
    return sc_end_status_queued(state) ? SC_END_DONE : SC_END_CUT;
}

#endif
