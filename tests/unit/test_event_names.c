/* sc_event_names: the C table of event-log names, and the Python, Go and Node peers' constant files
 * (read from the source tree, so the peers need not be built) list the same names in the same
 * order. */
#include "sc_event_names.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#ifndef SC_SOURCE_DIR
#error "SC_SOURCE_DIR: the source tree (tests/CMakeLists.txt defines it)"
#endif

/* Longest line of a constants file we read; the files hold short assignments only. */
#define LINE_MAX_LEN 512
/* Longest event name (the longest today is 17 bytes). */
#define NAME_MAX_LEN 64

/* The quoted values of the lines of `path` that look like `<Ident> = "<value>"` (Python at the
 * start of a line, Go indented inside its const block) or `<IDENT>: '<value>',` (the Node
 * peer's frozen object), in file order. Returns how many, or -1
 * when the file cannot be read or holds more than `max`. */
static int read_constants(const char *path, char names[][NAME_MAX_LEN], int max)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    char line[LINE_MAX_LEN];
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char ident[NAME_MAX_LEN], value[NAME_MAX_LEN];
        if (sscanf(line, " %63[A-Za-z_] = \"%63[^\"]\"", ident, value) != 2 &&
            sscanf(line, " %63[A-Z_] : '%63[^']'", ident, value) != 2)
            continue;
        if (n == max) {
            n = -1;
            break;
        }
        snprintf(names[n++], NAME_MAX_LEN, "%s", value);
    }
    fclose(f);
    return n;
}

static void expect_same_list(const char *path)
{
    char names[SC_EVENT_COUNT + 1][NAME_MAX_LEN];
    int n = read_constants(path, names, SC_EVENT_COUNT + 1);
    if (n != SC_EVENT_COUNT)
        fprintf(stderr, "%s: %d names, the C table has %d\n", path, n, SC_EVENT_COUNT);
    assert_int_equal(n, SC_EVENT_COUNT);
    for (int i = 0; i < SC_EVENT_COUNT; i++)
        assert_string_equal(names[i], sc_event_name((sc_event)i));
}

static void table_names_and_lookup(void **state)
{
    (void)state;
    assert_int_equal(SC_EVENT_COUNT, 8);
    assert_string_equal(sc_event_name(SC_EVENT_CALL_START), "call_start");
    assert_string_equal(sc_event_name(SC_EVENT_DEADLINE_EXCEEDED), "deadline_exceeded");
    assert_string_equal(sc_event_name(SC_EVENT_CALL_END), "call_end");
    assert_string_equal(sc_event_name(SC_EVENT_COUNT), "?");
    assert_string_equal(sc_event_name((sc_event)-1), "?");
    for (int i = 0; i < SC_EVENT_COUNT; i++)
        assert_int_equal(sc_event_from_name(sc_event_name((sc_event)i)), i);
    assert_int_equal(sc_event_from_name("call_begin"), -1);
    assert_int_equal(sc_event_from_name(""), -1);
    assert_int_equal(sc_event_from_name(NULL), -1);
}

static void python_peer_has_the_same_names(void **state)
{
    (void)state;
    expect_same_list(SC_SOURCE_DIR "/peers/python/streamconform_peer/event_names.py");
}

static void go_peer_has_the_same_names(void **state)
{
    (void)state;
    expect_same_list(SC_SOURCE_DIR "/peers/go/internal/events/names.go");
}

static void node_peer_has_the_same_names(void **state)
{
    (void)state;
    expect_same_list(SC_SOURCE_DIR "/peers/node/lib/event_names.js");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_names_and_lookup),
        cmocka_unit_test(python_peer_has_the_same_names),
        cmocka_unit_test(go_peer_has_the_same_names),
        cmocka_unit_test(node_peer_has_the_same_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
