#include "sc_fsm.h"
#include "sc_log.h"

#include <stdatomic.h>
#include <stdlib.h>

static atomic_uint_fast64_t illegal_changes;

const char *sc_fsm_name(const sc_fsm_def *def, int state)
{
    if (state < 0 || state >= def->count)
        return "?";
    return def->names[state];
}

bool sc_fsm_legal(const sc_fsm_def *def, int from, int to)
{
    if (from < 0 || from >= def->count || to < 0 || to >= def->count)
        return false;
    return from == to || (def->legal[from] & SC_FSM_TO(to)) != 0;
}

bool sc_fsm_set(const sc_fsm_def *def, uint64_t id, int *state, int to)
{
    int from = *state;
    if (from == to)
        return true;
    if (!sc_fsm_legal(def, from, to)) {
        atomic_fetch_add(&illegal_changes, 1);
        sc_log(SC_LOG_ERROR, def->kind, "[%s %llu] illegal state change %s -> %s", def->kind,
               (unsigned long long)id, sc_fsm_name(def, from), sc_fsm_name(def, to));
#ifndef NDEBUG
        abort();
#endif
        return false;
    }
    *state = to;
    if (sc_log_get_level() >= SC_LOG_DEBUG)
        sc_log(SC_LOG_DEBUG, def->kind, "[%s %llu] %s -> %s", def->kind, (unsigned long long)id,
               sc_fsm_name(def, from), sc_fsm_name(def, to));
    return true;
}

uint64_t sc_fsm_illegal_count(void)
{
    return atomic_load(&illegal_changes);
}
