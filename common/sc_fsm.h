/* sc_fsm: named states for the per-call machines (server call, scripted call, recorder call,
 * client call, case, proxy connection), in the style of curl's multi_state(): every state change
 * goes through sc_fsm_set, which checks the change against the machine's table of legal moves and
 * writes a trace line at debug level, "[call 12] RECEIVING -> HALF_CLOSED".
 *
 * A machine declares its states once with an X-macro and gets the enum and the names from it:
 *
 *     #define SC_FOO_STATES(X) X(SC_FOO_, IDLE) X(SC_FOO_, BUSY) X(SC_FOO_, DONE)
 *     typedef enum { SC_FOO_STATES(SC_FSM_ENUM) SC_FOO_STATE_COUNT } sc_foo_state;
 *     static const char *const foo_names[] = {SC_FOO_STATES(SC_FSM_NAME)};
 *     static const uint32_t foo_legal[] = {
 *         [SC_FOO_IDLE] = SC_FSM_TO(SC_FOO_BUSY), [SC_FOO_BUSY] = SC_FSM_TO(SC_FOO_DONE)};
 *     static const sc_fsm_def foo_fsm = {"foo", foo_names, foo_legal, SC_FOO_STATE_COUNT};
 *
 * An illegal change is a bug of ours: it is logged as an error and not made; in a build without
 * NDEBUG (the sanitizer build the tests run) it aborts, so a test that reaches it fails. */
#ifndef SC_FSM_H
#define SC_FSM_H

#include <stdbool.h>
#include <stdint.h>

/* Most states one machine may have: legal moves are a 32-bit mask per state. */
#define SC_FSM_MAX_STATES 32

#define SC_FSM_ENUM(prefix, name) prefix##name,
#define SC_FSM_NAME(prefix, name) #name,
#define SC_FSM_TO(state) (UINT32_C(1) << (state))

typedef struct {
    const char *kind;         /* trace tag: "call", "script", "record", "client", "case", "conn" */
    const char *const *names; /* names[state] */
    const uint32_t *legal;    /* legal[from]: mask of the states `from` may change to */
    int count;                /* number of states (<= SC_FSM_MAX_STATES) */
} sc_fsm_def;

/* Change *state to `to` when the table allows it (a change to the same state is always allowed
 * and not traced). Returns true when the state is now `to`. `id` names the machine in traces. */
bool sc_fsm_set(const sc_fsm_def *def, uint64_t id, int *state, int to);

/* May `from` change to `to`? (Same state: true.) For tests and for code that must not try. */
bool sc_fsm_legal(const sc_fsm_def *def, int from, int to);

/* The state's name, "?" when out of range. */
const char *sc_fsm_name(const sc_fsm_def *def, int state);

/* Illegal changes refused so far in this process (tests assert it stays 0). */
uint64_t sc_fsm_illegal_count(void);

#endif
