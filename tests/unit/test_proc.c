/* sc_proc: a child leads its own process group, so that stopping it, or its exit, leaves nothing
 * it started behind (a wrapper script's server, for example). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sc_proc.h"
#include "sc_time.h"

/* Bounds: a shell starts and answers in milliseconds; a killed process is gone at once. */
#define LINE_MS 5000
#define GONE_MS 5000

/* Gone, or a zombie nobody reaps (a container's pid 1 may not reap orphans). */
static bool gone(pid_t pid)
{
    if (kill(pid, 0) != 0)
        return errno == ESRCH;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return true;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')');
    return close_paren != NULL && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

static bool gone_within(pid_t pid, int64_t ms)
{
    int64_t until = sc_time_now_ms() + ms;
    while (!gone(pid)) {
        if (sc_time_now_ms() >= until)
            return false;
        usleep(10 * 1000);
    }
    return true;
}

/* Start `script` with sh; its first stdout line is a pid it started in the background. */
static pid_t spawn_with_grandchild(sc_proc *p, const char *script)
{
    char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
    assert_int_equal(sc_proc_spawn(p, argv, 0), 0);
    char line[64];
    assert_int_equal(sc_proc_read_line(p, line, sizeof line, LINE_MS), 1);
    pid_t grandchild = (pid_t)atoi(line);
    assert_true(grandchild > 0);
    assert_false(gone(grandchild));
    return grandchild;
}

static void stop_reaches_the_whole_group(void **state)
{
    (void)state;
    sc_proc p;
    pid_t grandchild = spawn_with_grandchild(&p, "sleep 30 & echo $!; wait");
    assert_true(sc_proc_stop(&p, SIGTERM, GONE_MS) >= 0);
    assert_true(gone_within(grandchild, GONE_MS));
    sc_proc_cleanup(&p);
}

static void an_exited_leader_leaves_nothing_behind(void **state)
{
    (void)state;
    sc_proc p;
    pid_t grandchild = spawn_with_grandchild(&p, "sleep 30 & echo $!");
    int64_t until = sc_time_now_ms() + GONE_MS;
    int status = 0;
    while (!sc_proc_exited(&p, &status)) {
        assert_true(sc_time_now_ms() < until);
        usleep(10 * 1000);
    }
    assert_true(gone_within(grandchild, GONE_MS));
    sc_proc_cleanup(&p);
}

static void cleanup_kills_the_group(void **state)
{
    (void)state;
    sc_proc p;
    pid_t grandchild = spawn_with_grandchild(&p, "trap '' TERM; sleep 30 & echo $!; wait");
    sc_proc_cleanup(&p);
    assert_true(gone_within(grandchild, GONE_MS));
}

/* kill -9 of the process that started a child (the engine) takes the child along
 * (PR_SET_PDEATHSIG): an orphaned `serve` stayed listening before (issue 15). */
static void a_killed_parent_takes_its_child_along(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t parent = fork();
    assert_true(parent >= 0);
    if (parent == 0) { /* the "engine": start a child, tell its pid, wait to be killed */
        close(fds[0]);
        sc_proc p;
        char *argv[] = {"/bin/sleep", "30", NULL};
        pid_t child = sc_proc_spawn(&p, argv, 0) == 0 ? p.pid : -1;
        if (write(fds[1], &child, sizeof child) != sizeof child)
            _exit(1);
        for (;;)
            pause();
    }
    close(fds[1]);
    pid_t child = -1;
    assert_int_equal(read(fds[0], &child, sizeof child), sizeof child);
    close(fds[0]);
    assert_true(child > 0);
    assert_false(gone(child));
    kill(parent, SIGKILL);
    int status;
    assert_int_equal(waitpid(parent, &status, 0), parent);
    bool went = gone_within(child, GONE_MS);
    kill(child, SIGKILL); /* whatever happened, leave nothing behind */
    if (!went)
        fail_msg("the child %d outlived its SIGKILLed parent by %d ms", (int)child, GONE_MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stop_reaches_the_whole_group),
        cmocka_unit_test(an_exited_leader_leaves_nothing_behind),
        cmocka_unit_test(cleanup_kills_the_group),
        cmocka_unit_test(a_killed_parent_takes_its_child_along),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
