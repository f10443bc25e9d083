/* sc_fsm: legal changes are made and traced, illegal ones refused (and abort in a debug build),
 * names come from the X-macro. */
#include "sc_fsm.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define T_STATES(X) X(T_, IDLE) X(T_, BUSY) X(T_, DONE)
typedef enum { T_STATES(SC_FSM_ENUM) T_STATE_COUNT } t_state;
static const char *const t_names[] = {T_STATES(SC_FSM_NAME)};
static const uint32_t t_legal[] = {
    [T_IDLE] = SC_FSM_TO(T_BUSY) | SC_FSM_TO(T_DONE),
    [T_BUSY] = SC_FSM_TO(T_DONE),
    [T_DONE] = 0,
};
static const sc_fsm_def t_fsm = {"test", t_names, t_legal, T_STATE_COUNT};

static void names_come_from_the_x_macro(void **state)
{
    (void)state;
    assert_int_equal(T_STATE_COUNT, 3);
    assert_string_equal(sc_fsm_name(&t_fsm, T_IDLE), "IDLE");
    assert_string_equal(sc_fsm_name(&t_fsm, T_DONE), "DONE");
    assert_string_equal(sc_fsm_name(&t_fsm, 7), "?");
    assert_string_equal(sc_fsm_name(&t_fsm, -1), "?");
}

static void legal_changes_are_made(void **state)
{
    (void)state;
    int s = T_IDLE;
    assert_true(sc_fsm_set(&t_fsm, 1, &s, T_BUSY));
    assert_int_equal(s, T_BUSY);
    assert_true(sc_fsm_set(&t_fsm, 1, &s, T_BUSY)); /* same state: allowed, no change */
    assert_true(sc_fsm_set(&t_fsm, 1, &s, T_DONE));
    assert_int_equal(s, T_DONE);
    assert_int_equal(sc_fsm_illegal_count(), 0);
}

static void legality_follows_the_table(void **state)
{
    (void)state;
    assert_true(sc_fsm_legal(&t_fsm, T_IDLE, T_DONE));
    assert_false(sc_fsm_legal(&t_fsm, T_BUSY, T_IDLE));
    assert_false(sc_fsm_legal(&t_fsm, T_DONE, T_BUSY));
    assert_true(sc_fsm_legal(&t_fsm, T_DONE, T_DONE));
    assert_false(sc_fsm_legal(&t_fsm, T_IDLE, 9));
    assert_false(sc_fsm_legal(&t_fsm, -2, T_IDLE));
}

/* In a child: a release build refuses and counts the change, a debug build aborts. */
static void illegal_changes_are_refused(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int s = T_DONE;
        bool ok = sc_fsm_set(&t_fsm, 2, &s, T_BUSY);
        _exit(!ok && s == T_DONE && sc_fsm_illegal_count() == 1 ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
#ifdef NDEBUG
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
#else
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
#endif
    assert_int_equal(sc_fsm_illegal_count(), 0); /* the parent made none */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_come_from_the_x_macro),
        cmocka_unit_test(legal_changes_are_made),
        cmocka_unit_test(legality_follows_the_table),
        cmocka_unit_test(illegal_changes_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
