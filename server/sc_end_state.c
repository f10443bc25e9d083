#include "sc_end_state.h"

const char *const sc_end_state_names[SC_END_STATE_COUNT] = {SC_END_STATES(SC_FSM_NAME)};

const uint32_t sc_end_state_legal[SC_END_STATE_COUNT] = {
    [SC_END_OPEN] = SC_FSM_TO(SC_END_ENDING) | SC_FSM_TO(SC_END_CUT),
    [SC_END_ENDING] = SC_FSM_TO(SC_END_DONE),
    [SC_END_DONE] = 0,
    [SC_END_CUT] = 0,
};
