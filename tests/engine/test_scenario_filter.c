/* Name patterns, --run/--skip/--tags filters (comma lists and @file) and the known lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sc_scenario.h"

static void single_star_stays_in_a_segment(void **state)
{
    (void)state;
    assert_true(sc_scenario_pattern_match("subscribe/cancel/*", "subscribe/cancel/before-send"));
    assert_false(sc_scenario_pattern_match("subscribe/*", "subscribe/cancel/before-send"));
    assert_true(sc_scenario_pattern_match("*/deadline/*", "get/deadline/sleeping-server"));
    assert_true(sc_scenario_pattern_match("get/deadline/*-server", "get/deadline/sleeping-server"));
    assert_true(sc_scenario_pattern_match("get/*line/s*", "get/deadline/sleeping-server"));
    assert_false(sc_scenario_pattern_match("get/*", "get"));
    assert_true(sc_scenario_pattern_match("get/*", "get/"));
    assert_true(sc_scenario_pattern_match("a/b", "a/b"));
    assert_false(sc_scenario_pattern_match("a/b", "a/bc"));
    assert_false(sc_scenario_pattern_match("a/b", "a"));
    assert_false(sc_scenario_pattern_match("", "a"));
    assert_false(sc_scenario_pattern_match(NULL, "a"));
}

static void double_star_crosses_segments(void **state)
{
    (void)state;
    assert_true(sc_scenario_pattern_match("**", "a/b/c"));
    assert_true(sc_scenario_pattern_match("a/**", "a/b/c"));
    assert_true(sc_scenario_pattern_match("a/**", "a"));
    assert_false(sc_scenario_pattern_match("a/**", "ab/c"));
    assert_true(sc_scenario_pattern_match("a/**/c", "a/c"));
    assert_true(sc_scenario_pattern_match("a/**/c", "a/b/x/c"));
    assert_false(sc_scenario_pattern_match("a/**/c", "a/b/x/d"));
    assert_true(sc_scenario_pattern_match("**/cancel/*", "subscribe/cancel/before-send"));
    assert_true(sc_scenario_pattern_match("**/cancel/*", "cancel/x"));
    assert_true(sc_scenario_pattern_match("**deadline**", "get/deadline/x"));
    /* pathological backtracking stays bounded */
    assert_false(sc_scenario_pattern_match("*a*a*a*a*a*a*a*a*a*a*a*a*b",
                                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

/* Edge cases pinned before glob() was split into its "*" and "**" parts (issue 11): empty
 * segments, "**" inside a segment, "***", several "**" segments and trailing slashes. */
static void glob_edge_cases_single_star(void **state)
{
    (void)state;
    assert_true(sc_scenario_pattern_match("a/*/c", "a//c"));
    assert_false(sc_scenario_pattern_match("*", "a/b"));
    assert_true(sc_scenario_pattern_match("*", ""));
    assert_true(sc_scenario_pattern_match("a*", "a"));
    assert_true(sc_scenario_pattern_match("*b", "ab"));
    assert_false(sc_scenario_pattern_match("*b", "a/b"));
    assert_true(sc_scenario_pattern_match("*/", "a/"));
    assert_false(sc_scenario_pattern_match("*/*", "a/b/c"));
}

static void glob_edge_cases_double_star(void **state)
{
    (void)state;
    assert_true(sc_scenario_pattern_match("a**", "ab/c"));
    assert_true(sc_scenario_pattern_match("a**c", "a/b/c"));
    assert_false(sc_scenario_pattern_match("a**c", "a/b/d"));
    assert_true(sc_scenario_pattern_match("**/c", "c"));
    assert_true(sc_scenario_pattern_match("**/c", "a/c"));
    assert_false(sc_scenario_pattern_match("**/c", "ac"));
    assert_true(sc_scenario_pattern_match("a/**b", "a/xb"));
    assert_true(sc_scenario_pattern_match("a/**b", "a/x/b"));
    assert_true(sc_scenario_pattern_match("a/**b", "a/b"));
    assert_true(sc_scenario_pattern_match("x**/c", "x/c"));
    assert_true(sc_scenario_pattern_match("x**/c", "xy/c"));
    assert_true(sc_scenario_pattern_match("a/**/**/c", "a/c"));
    assert_true(sc_scenario_pattern_match("a/**/b/**/c", "a/b/c"));
    assert_true(sc_scenario_pattern_match("a/**/b/**/c", "a/x/b/y/z/c"));
    assert_true(sc_scenario_pattern_match("a/**", "a/"));
    assert_false(sc_scenario_pattern_match("a/**", "ab"));
    assert_true(sc_scenario_pattern_match("/**", ""));
    assert_true(sc_scenario_pattern_match("/**", "/"));
    assert_true(sc_scenario_pattern_match("a/**/", "a/"));
    assert_true(sc_scenario_pattern_match("a/**/", "a/b/"));
    assert_false(sc_scenario_pattern_match("a/**/", "a"));
    assert_true(sc_scenario_pattern_match("**", ""));
    assert_true(sc_scenario_pattern_match("a/***", "a/b/c"));
    assert_false(sc_scenario_pattern_match("a/***/c", "a/c"));
    assert_true(sc_scenario_pattern_match("a/***/c", "a/b/c"));
    assert_true(sc_scenario_pattern_match("***", "a/b"));
    assert_false(sc_scenario_pattern_match("a/*/**", "a"));
    assert_true(sc_scenario_pattern_match("a/*/**", "a/b"));
    assert_false(sc_scenario_pattern_match("a/**/*", "a"));
    assert_true(sc_scenario_pattern_match("a/**/*", "a/b/c"));
    assert_true(sc_scenario_pattern_match("a/**x/c", "a/yx/c"));
    assert_true(sc_scenario_pattern_match("**a", "b/a"));
    assert_false(sc_scenario_pattern_match("**a", "b/ab"));
}

static void case_ids(void **state)
{
    (void)state;
    /* without '@' a pattern matches the scenario part of a case id */
    assert_true(sc_scenario_pattern_match("get/**", "get/deadline/x@c->python"));
    assert_false(sc_scenario_pattern_match("get/deadline", "get/deadline/x@c->python"));
    /* with '@' it matches the whole id */
    assert_true(sc_scenario_pattern_match("**@c->python", "get/deadline/x@c->python"));
    assert_true(sc_scenario_pattern_match("get/**@*->go", "get/deadline/x@python->go"));
    assert_false(sc_scenario_pattern_match("get/**@*->go", "get/deadline/x@python->c"));
    assert_true(sc_scenario_pattern_match("get/deadline/x@c->python", "get/deadline/x@c->python"));
}

static sc_scenario_set load_two(void)
{
    sc_scenario_set set = {0};
    char err[512];
    const char *text =
        "{\"scenarios\": [{\"name\": \"get/a\", \"tags\": [\"unary\", \"happy\"], \"method\": "
        "\"GetData\", \"expect\": {\"status\": \"OK\"}}, {\"name\": \"chat/b\", \"tags\": "
        "[\"bidi\"], \"method\": \"Chat\", \"expect\": {\"status\": \"OK\"}}]}";
    assert_int_equal(sc_scenario_set_load_text(&set, "f.json", text, err, sizeof err), 0);
    return set;
}

static void filters(void **state)
{
    (void)state;
    sc_scenario_set set = load_two();
    const sc_scenario *get = set.items[0], *chat = set.items[1];
    char err[256];
    sc_filter f = {0};
    assert_true(sc_filter_selects(&f, get, NULL)); /* nothing given: all */
    assert_int_equal(sc_filter_add_run(&f, "get/*, nothing/*,", err, sizeof err), 0);
    assert_int_equal(f.n_run, 2);
    assert_true(sc_filter_selects(&f, get, "get/a@c->c"));
    assert_false(sc_filter_selects(&f, chat, "chat/b@c->c"));
    assert_int_equal(sc_filter_add_skip(&f, "**@*->go", err, sizeof err), 0);
    assert_false(sc_filter_selects(&f, get, "get/a@c->go"));
    assert_true(sc_filter_selects(&f, get, "get/a@go->c"));
    sc_filter_free(&f);

    assert_int_equal(sc_filter_add_tags(&f, "bidi,nope", err, sizeof err), 0);
    assert_false(sc_filter_selects(&f, get, NULL));
    assert_true(sc_filter_selects(&f, chat, NULL));
    sc_filter_free(&f);
    assert_int_equal(f.n_tags, 0);
    sc_scenario_set_free(&set);
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/sc_filter_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void at_file(void **state)
{
    (void)state;
    sc_scenario_set set = load_two();
    char *path = write_temp("# cases to run\n\n  chat/*  \nget/zzz\n");
    char arg[300], err[512];
    snprintf(arg, sizeof arg, "@%s", path);
    sc_filter f = {0};
    assert_int_equal(sc_filter_add_run(&f, arg, err, sizeof err), 0);
    assert_int_equal(f.n_run, 2);
    assert_string_equal(f.run[0], "chat/*");
    assert_true(sc_filter_selects(&f, set.items[1], NULL));
    assert_false(sc_filter_selects(&f, set.items[0], NULL));
    sc_filter_free(&f);
    unlink(path);
    free(path);
    assert_int_equal(sc_filter_add_run(&f, "@/nonexistent/list", err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/list: No such file or directory");
    sc_filter_free(&f);
    sc_scenario_set_free(&set);
}

static void case_lists(void **state)
{
    (void)state;
    char *path = write_temp("# known failing\n"
                            "get/deadline/*@python->*   grpcio reports UNKNOWN here (#12)\n"
                            "\n"
                            "chat/**@go->c\n"
                            "   # indented comment\n");
    char err[512];
    sc_case_list l = {0};
    assert_int_equal(sc_case_list_load(&l, path, err, sizeof err), 0);
    assert_int_equal(l.count, 2);
    assert_string_equal(sc_case_list_match(&l, "get/deadline/x@python->c"),
                        "grpcio reports UNKNOWN here (#12)");
    assert_string_equal(sc_case_list_match(&l, "chat/a/b@go->c"), "");
    assert_null(sc_case_list_match(&l, "chat/a/b@c->c"));
    assert_null(sc_case_list_match(&l, "get/deadline/x@c->python"));
    sc_case_list_free(&l);
    assert_int_equal(l.count, 0);
    unlink(path);
    free(path);

    /* a line longer than the limit is an error naming the line */
    char *longline = malloc(3000);
    memset(longline, 'a', 2999);
    longline[2999] = '\0';
    path = write_temp(longline);
    free(longline);
    assert_int_equal(sc_case_list_load(&l, path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: line longer than 1024 bytes"));
    sc_case_list_free(&l);
    unlink(path);
    free(path);
    assert_int_equal(sc_case_list_load(&l, "/nonexistent/x", err, sizeof err), -1);
    sc_case_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_star_stays_in_a_segment),
        cmocka_unit_test(double_star_crosses_segments),
        cmocka_unit_test(glob_edge_cases_single_star),
        cmocka_unit_test(glob_edge_cases_double_star),
        cmocka_unit_test(case_ids),
        cmocka_unit_test(filters),
        cmocka_unit_test(at_file),
        cmocka_unit_test(case_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
