/* `streamconform run | list | show` as a user runs them: real peers on 127.0.0.1 (and fake ones
 * that crash or hang), small scenario sets written by the test, the reports read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client_run.h"
#include "sc_testproc.h"

/* Bounds: a run of a few cases takes well under a second; the hung-driver case waits out the
 * scenario's own case bound (its timeout plus the engine's margin). */
#define RUN_MS 60000

static char dir[] = "/tmp/sc-it-run-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *path_in(const char *name)
{
    static char bufs[8][512];
    static int next;
    char *p = bufs[next++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static void write_file(const char *name, const char *text, bool executable)
{
    FILE *f = fopen(path_in(name), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    if (executable)
        chmod(path_in(name), 0755);
}

/* Scenarios used below: one that passes and one whose expectation fails on purpose. */
static const char passing[] =
    "{\"name\": \"t/pass\", \"method\": \"GetData\",\n"
    " \"client\": {\"requests\": [{\"subscriptionId\": \"s\", \"topics\": [\"a\"]}],\n"
    "            \"timeout_ms\": 5000},\n"
    " \"expect\": {\"status\": \"OK\", \"responses\": 1}}\n";
static const char failing[] =
    "{\"name\": \"t/fail\", \"method\": \"GetData\",\n"
    " \"client\": {\"requests\": [{\"subscriptionId\": \"s\", \"topics\": [\"a\"]}],\n"
    "            \"timeout_ms\": 5000},\n"
    " \"server\": {\"fail\": {\"code\": \"NOT_FOUND\"}},\n"
    " \"expect\": {\"status\": \"OK\"}}\n";

/* Run `streamconform ARGS...` (NULL-terminated); returns the exit code, output in *p. */
static int streamconform(client_proc *p, ...)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)sc_testproc_binary();
    va_list ap;
    va_start(ap, p);
    for (char *a = va_arg(ap, char *); a != NULL && n < 31; a = va_arg(ap, char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return client_run(p, argv, NULL, RUN_MS);
}

static cJSON *read_report(const char *out_dir)
{
    char file[600];
    snprintf(file, sizeof file, "%s/report.json", out_dir);
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    static char text[4 * 1024 * 1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    cJSON *rep = cJSON_Parse(text);
    assert_non_null(rep);
    return rep;
}

static const cJSON *find_case(const cJSON *rep, const char *id)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rep, "cases"))
    {
        const cJSON *cid = cJSON_GetObjectItemCaseSensitive(c, "id");
        if (cJSON_IsString(cid) && strcmp(cid->valuestring, id) == 0)
            return c;
    }
    fail_msg("no case %s in the report", id);
    return NULL;
}

static const char *field(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void assert_reports_written(const char *out_dir)
{
    const char *names[] = {"report.json", "junit.xml", "summary.md", "report.html"};
    for (size_t i = 0; i < 4; i++) {
        char file[600];
        snprintf(file, sizeof file, "%s/%s", out_dir, names[i]);
        struct stat st;
        if (stat(file, &st) != 0 || st.st_size == 0)
            fail_msg("%s missing or empty", file);
    }
}

/* ---- companions and exclusive cases ------------------------------------------------------ */

/* Two chat users in one case: the main call says hello after the companion joined; the companion
 * must see it (its filter names the main user), and a wrong companion expectation fails the case
 * under companions[0]. Plus an exclusive scenario that must not overlap the others. */
static void companions_are_run_and_judged_and_exclusive_runs_alone(void **state)
{
    (void)state;
    write_file(
        "room.json",
        "{\"scenarios\": [\n"
        "{\"name\": \"t/room\", \"method\": \"Chat\",\n"
        " \"client\": {\"start_delay_ms\": 200, \"requests\": [{\"userId\": {\"$per_case\": "
        "\"main\"}}, {\"userId\": {\"$per_case\": \"main\"}, \"content\": \"hello\"}], "
        "\"timeout_ms\": 5000},\n"
        " \"expect\": {\"status\": \"OK\"},\n"
        " \"companions\": [{\"client\": {\"requests\": [{\"userId\": {\"$per_case\": \"other\"}}, "
        "{\"userId\": {\"$per_case\": \"other\"}}], \"request_delay_ms\": 600, \"timeout_ms\": "
        "5000}, \"expect\": {\"status\": \"OK\", \"response_filter\": {\"userId\": "
        "{\"$per_case\": \"main\"}}, \"responses\": 1, \"response_contents\": [{\"content\": "
        "\"hello\"}]}}]},\n"
        "{\"name\": \"t/room-wrong\", \"method\": \"Chat\",\n"
        " \"client\": {\"requests\": [{\"userId\": {\"$per_case\": \"a\"}}], \"timeout_ms\": "
        "5000},\n"
        " \"expect\": {\"status\": \"OK\"},\n"
        " \"companions\": [{\"client\": {\"requests\": [{\"userId\": {\"$per_case\": \"b\"}}], "
        "\"timeout_ms\": 5000}, \"expect\": {\"status\": \"CANCELLED\"}}]},\n"
        "{\"name\": \"t/alone\", \"method\": \"GetData\", \"exclusive\": true,\n"
        " \"client\": {\"requests\": [{\"topics\": [\"a\"]}], \"timeout_ms\": 5000},\n"
        " \"server\": {\"initial_delay_ms\": 300}, \"expect\": {\"status\": \"OK\"}},\n"
        "{\"name\": \"t/slow-a\", \"method\": \"GetData\",\n"
        " \"client\": {\"requests\": [{\"topics\": [\"a\"]}], \"timeout_ms\": 5000},\n"
        " \"server\": {\"initial_delay_ms\": 300}, \"expect\": {\"status\": \"OK\"}},\n"
        "{\"name\": \"t/slow-b\", \"method\": \"GetData\",\n"
        " \"client\": {\"requests\": [{\"topics\": [\"a\"]}], \"timeout_ms\": 5000},\n"
        " \"server\": {\"initial_delay_ms\": 300}, \"expect\": {\"status\": \"OK\"}}\n"
        "]}\n",
        false);
    client_proc p;
    int rc = streamconform(&p, "run", path_in("room.json"), "--clients", "c", "--servers", "c",
                           "-j", "4", "--out", path_in("out-room"), NULL);
    assert_int_equal(rc, 1); /* t/room-wrong fails on purpose */
    cJSON *rep = read_report(path_in("out-room"));
    const cJSON *room = find_case(rep, "t/room@c->c");
    assert_string_equal(field(room, "verdict"), "pass");
    const cJSON *comp = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(room, "companions"), 0);
    assert_string_equal(field(comp, "case"), "t/room@c->c#1");
    const cJSON *actual = cJSON_GetObjectItemCaseSensitive(comp, "actual");
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(actual, "responses")) >= 1);
    const cJSON *wrong = find_case(rep, "t/room-wrong@c->c");
    assert_string_equal(field(wrong, "verdict"), "fail");
    const cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(wrong, "failures"), 0);
    assert_string_equal(field(f0, "path"), "companions[0].expect.status");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(wrong, "failures")), 1);
    /* the exclusive case's run does not overlap any other case's */
    const cJSON *alone = find_case(rep, "t/alone@c->c");
    double a0 = cJSON_GetObjectItemCaseSensitive(alone, "start_ms")->valuedouble;
    double a1 = a0 + cJSON_GetObjectItemCaseSensitive(alone, "duration_ms")->valuedouble;
    assert_true(a1 - a0 >= 300);
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rep, "cases"))
    {
        if (c == alone)
            continue;
        double b0 = cJSON_GetObjectItemCaseSensitive(c, "start_ms")->valuedouble;
        double b1 = b0 + cJSON_GetObjectItemCaseSensitive(c, "duration_ms")->valuedouble;
        if (b0 < a1 && a0 < b1)
            fail_msg("%s [%.0f, %.0f] overlaps the exclusive case [%.0f, %.0f]", field(c, "id"), b0,
                     b1, a0, a1);
    }
    cJSON_Delete(rep);
}

/* ---- verdicts and exit codes ----------------------------------------------------------- */

static void passing_run_exits_0_and_writes_reports(void **state)
{
    (void)state;
    write_file("pass.json", passing, false);
    client_proc p;
    int rc = streamconform(&p, "run", path_in("pass.json"), "--clients", "c", "--servers", "c",
                           "--out", path_in("out-pass"), NULL);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(p.out.data, "pass          t/pass@c->c"));
    assert_reports_written(path_in("out-pass"));
    cJSON *rep = read_report(path_in("out-pass"));
    assert_string_equal(field(find_case(rep, "t/pass@c->c"), "verdict"), "pass");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "complete")));
    cJSON_Delete(rep);
}

static void failing_case_exits_1_with_its_failure(void **state)
{
    (void)state;
    write_file("fail.json", failing, false);
    client_proc p;
    int rc = streamconform(&p, "run", path_in("fail.json"), "--clients", "c", "--servers", "c",
                           "--out", path_in("out-fail"), "--trace", NULL);
    assert_int_equal(rc, 1);
    cJSON *rep = read_report(path_in("out-fail"));
    const cJSON *c = find_case(rep, "t/fail@c->c");
    assert_string_equal(field(c, "verdict"), "fail");
    const cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "failures"), 0);
    assert_string_equal(field(f0, "path"), "expect.status");
    assert_non_null(strstr(field(f0, "actual"), "NOT_FOUND"));
    /* --trace: the failing case carries both sides' timelines */
    const cJSON *trace = cJSON_GetObjectItemCaseSensitive(c, "trace");
    assert_true(cJSON_IsObject(trace));
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(trace, "server_events")) >= 2);
    cJSON_Delete(rep);
}

/* What a run prints in a pipe: a line per case (a failing one with its first failure), the
 * totals line, no colour; -q leaves the passes out; a filter that selects nothing exits 2 with a
 * "did you mean". */
static void output_lines_totals_and_empty_filters(void **state)
{
    (void)state;
    write_file("both-pass.json", passing, false);
    write_file("both-fail.json", failing, false);
    client_proc p;
    int rc = streamconform(&p, "run", path_in("both-pass.json"), path_in("both-fail.json"),
                           "--clients", "c", "--servers", "c", "--out", path_in("out-both"), NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(p.out.data, "pass          t/pass@c->c"));
    assert_non_null(strstr(p.out.data, "fail          t/fail@c->c"));
    assert_non_null(strstr(p.out.data, " - expect.status: expected OK, got NOT_FOUND"));
    assert_non_null(strstr(p.out.data, "2 cases: 1 passed, 1 failed, 0 errors, 0 skipped, "
                                       "0 recorded (replay only), 0 known failing, 0 stale, "
                                       "0 flaky"));
    assert_null(strchr(p.out.data, '\033')); /* no colour in a pipe */
    rc = streamconform(&p, "run", path_in("both-pass.json"), path_in("both-fail.json"), "--clients",
                       "c", "--servers", "c", "--out", path_in("out-both"), "-q", NULL);
    assert_int_equal(rc, 1);
    assert_null(strstr(p.out.data, "t/pass@c->c"));
    assert_non_null(strstr(p.out.data, "fail          t/fail@c->c"));
    rc = streamconform(&p, "run", path_in("both-pass.json"), "--run", "tt/**", "--clients", "c",
                       "--servers", "c", "--out", path_in("out-none"), NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(p.err.data, "no case matches --run 'tt/**' (did you mean 't/**'?)"));
}

static void known_failing_and_stale(void **state)
{
    (void)state;
    write_file(
        "both.json",
        "{\"scenarios\": [\n"
        "{\"name\": \"t/pass\", \"method\": \"GetData\", \"client\": {\"requests\": "
        "[{\"topics\": [\"a\"]}], \"timeout_ms\": 5000}, \"expect\": {\"status\": \"OK\"}},\n"
        "{\"name\": \"t/fail\", \"method\": \"GetData\", \"client\": {\"requests\": "
        "[{\"topics\": [\"a\"]}], \"timeout_ms\": 5000}, \"server\": {\"fail\": {\"code\": "
        "\"NOT_FOUND\"}}, \"expect\": {\"status\": \"OK\"}}]}\n",
        false);
    write_file("kf-ok.txt", "# only the failing one\nt/fail   server fails on purpose\n", false);
    client_proc p;
    int rc =
        streamconform(&p, "run", path_in("both.json"), "--clients", "c", "--servers", "c",
                      "--known-failing", path_in("kf-ok.txt"), "--out", path_in("out-kf"), NULL);
    assert_int_equal(rc, 0);
    cJSON *rep = read_report(path_in("out-kf"));
    const cJSON *c = find_case(rep, "t/fail@c->c");
    assert_string_equal(field(c, "verdict"), "known_failing");
    assert_string_equal(field(c, "reason"), "server fails on purpose");
    cJSON_Delete(rep);

    write_file("kf-stale.txt", "t/fail\nt/pass@c->c   was broken once\n", false);
    rc = streamconform(&p, "run", path_in("both.json"), "--clients", "c", "--servers", "c",
                       "--known-failing", path_in("kf-stale.txt"), "--out", path_in("out-stale"),
                       NULL);
    assert_int_equal(rc, 1);
    rep = read_report(path_in("out-stale"));
    assert_string_equal(field(find_case(rep, "t/pass@c->c"), "verdict"), "stale");
    cJSON_Delete(rep);
}

static void known_flaky_is_retried_once(void **state)
{
    (void)state;
    write_file("flaky.json", failing, false);
    write_file("flaky.txt", "t/*@c->c  fails on purpose\n", false);
    client_proc p;
    int rc =
        streamconform(&p, "run", path_in("flaky.json"), "--clients", "c", "--servers", "c",
                      "--known-flaky", path_in("flaky.txt"), "--out", path_in("out-flaky"), NULL);
    assert_int_equal(rc, 1); /* failed both tries: the run fails */
    cJSON *rep = read_report(path_in("out-flaky"));
    const cJSON *c = find_case(rep, "t/fail@c->c");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(c, "attempts")->valueint, 2);
    assert_string_equal(field(c, "verdict"), "fail");
    cJSON_Delete(rep);

    /* --retry-failed retries every failing case the same way, without a list */
    rc = streamconform(&p, "run", path_in("flaky.json"), "--clients", "c", "--servers", "c",
                       "--retry-failed", "--out", path_in("out-retry"), NULL);
    assert_int_equal(rc, 1);
    rep = read_report(path_in("out-retry"));
    c = find_case(rep, "t/fail@c->c");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(c, "attempts")->valueint, 2);
    assert_null(cJSON_GetObjectItemCaseSensitive(c, "known_flaky")); /* not on a list */
    cJSON_Delete(rep);
}

/* ---- bad input ------------------------------------------------------------------------- */

static void bad_input_exits_2_naming_file_and_field(void **state)
{
    (void)state;
    write_file("typo.json",
               "{\"name\": \"t/typo\", \"method\": \"GetData\", \"client\": {}, "
               "\"expect\": {\"status\": \"RESOURCE_EXAUSTED\"}}\n",
               false);
    client_proc p;
    int rc = streamconform(&p, "run", path_in("typo.json"), "--clients", "c", "--servers", "c",
                           "--out", path_in("out-typo"), NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(p.err.data, "typo.json: expect.status: unknown code"));
    assert_non_null(strstr(p.err.data, "RESOURCE_EXAUSTED"));

    write_file("garbage.json", "{\"name\": [1, 2", false);
    rc = streamconform(&p, "run", path_in("garbage.json"), "--out", path_in("out-g"), NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(p.err.data, "garbage.json"));

    write_file("pass.json", passing, false);
    rc = streamconform(&p, "run", path_in("pass.json"), "--clients", "c,rust", NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(p.err.data, "unknown implementation \"rust\""));
    rc = streamconform(&p, "run", path_in("pass.json"), "-j", "0", NULL);
    assert_int_equal(rc, 2);
    rc = streamconform(&p, "run", path_in("no-such-dir"), NULL);
    assert_int_equal(rc, 2);
}

/* ---- misbehaving peers ----------------------------------------------------------------- */

/* An implementations file `file` (docs/implementations.md) that declares `name` with one side,
 * `role` ("server" or "client"): the program `program` given the verb `role`, with every feature
 * of the role. It replaces the built-in entry of that name for the run. */
static void write_impls(const char *file, const char *name, const char *role, const char *program)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"implementations\": [{\"name\": \"%s\", \"description\": \"test double\",\n"
             "  \"%s\": {\"command\": [\"%s\", \"%s\"], \"features\": %s}}]}\n",
             name, role, program, role,
             strcmp(role, "server") == 0
                 ? "[\"control\", \"events\", \"chat-room\"]"
                 : "[\"cancel\", \"reconnect\", \"pushback\", \"companions\", \"path\", "
                   "\"channel\", \"read-pause\", \"start-delay\", \"request-delay\", "
                   "\"wait-for-ready\", \"keep-open\", \"service-config\"]");
    write_file(file, text, false);
}

/* A "python" server that is the real C server for two seconds, then dies. */
static void write_crashing_server(void)
{
    char text[2048];
    snprintf(text, sizeof text,
             "#!/bin/sh\n"
             "[ \"$1\" = server ] || exit 64\n"
             "echo 'crashing-server: starting' >&2\n"
             "'%s' serve --listen 127.0.0.1:0 --events - --quiet &\n"
             "child=$!\n"
             "sleep 2\n"
             "kill -9 $child\n"
             "echo 'crashing-server: boom' >&2\n"
             "exit 1\n",
             sc_testproc_binary());
    write_file("crashing-server", text, true);
}

static void crashed_server_is_an_error_and_the_run_goes_on(void **state)
{
    (void)state;
    write_crashing_server();
    write_file("crash.json",
               "{\"scenarios\": [\n"
               "{\"name\": \"t/a-slow\", \"method\": \"GetData\", \"client\": {\"requests\": "
               "[{\"topics\": [\"a\"]}], \"timeout_ms\": 5000}, \"server\": "
               "{\"initial_delay_ms\": 3000}, \"expect\": {\"status\": \"OK\"}},\n"
               "{\"name\": \"t/b-quick\", \"method\": \"GetData\", \"client\": {\"requests\": "
               "[{\"topics\": [\"a\"]}], \"timeout_ms\": 5000}, \"expect\": {\"status\": "
               "\"OK\"}}]}\n",
               false);
    write_impls("crash-impls.json", "python", "server", path_in("crashing-server"));
    client_proc p;
    int rc = streamconform(&p, "run", path_in("crash.json"), "--impls", path_in("crash-impls.json"),
                           "--clients", "c", "--servers", "python", "-j", "1", "--out",
                           path_in("out-crash"), NULL);
    assert_int_equal(rc, 1);
    assert_reports_written(path_in("out-crash"));
    cJSON *rep = read_report(path_in("out-crash"));
    const cJSON *slow = find_case(rep, "t/a-slow@c->python");
    assert_string_equal(field(slow, "verdict"), "error");
    assert_non_null(strstr(field(slow, "reason"), "python server"));
    assert_non_null(strstr(field(slow, "stderr"), "crashing-server: boom"));
    /* the server was restarted for the next case */
    assert_string_equal(field(find_case(rep, "t/b-quick@c->python"), "verdict"), "pass");
    cJSON_Delete(rep);
}

static void hung_driver_times_out_as_an_error(void **state)
{
    (void)state;
    write_file("hung-driver",
               "#!/bin/sh\n"
               "[ \"$1\" = client ] || exit 64\n"
               "echo 'hung-driver: never answering' >&2\n"
               "exec sleep 600\n",
               true);
    write_file("hang.json",
               "{\"name\": \"t/hang\", \"method\": \"GetData\", \"client\": {\"requests\": "
               "[{\"topics\": [\"a\"]}], \"timeout_ms\": 100}, \"expect\": {\"status\": \"OK\"}}\n",
               false);
    write_impls("hang-impls.json", "go", "client", path_in("hung-driver"));
    client_proc p;
    int rc = streamconform(&p, "run", path_in("hang.json"), "--impls", path_in("hang-impls.json"),
                           "--clients", "go", "--servers", "c", "--out", path_in("out-hang"), NULL);
    assert_int_equal(rc, 1);
    cJSON *rep = read_report(path_in("out-hang"));
    const cJSON *c = find_case(rep, "t/hang@go->c");
    assert_string_equal(field(c, "verdict"), "error");
    assert_non_null(strstr(field(c, "reason"), "no result from the go client driver"));
    assert_non_null(strstr(field(c, "stderr"), "hung-driver: never answering"));
    cJSON_Delete(rep);
}

/* Wait (bounded) until `file` exists. */
static bool wait_for_file(const char *file, int64_t timeout_ms)
{
    int64_t deadline = sc_time_now_ms() + timeout_ms;
    while (sc_time_now_ms() < deadline) {
        if (access(file, F_OK) == 0)
            return true;
        usleep(10 * 1000); /* polling for a condition, bounded by `deadline` */
    }
    return false;
}

static void interrupted_run_still_writes_reports(void **state)
{
    (void)state;
    /* a "python" server that is the C server, and says (with a file) that it was started: the
     * runner starts servers only after its signal handlers are in place */
    char text[1024];
    snprintf(text, sizeof text,
             "#!/bin/sh\n"
             "[ \"$1\" = server ] || exit 64\n"
             "touch '%s'\n"
             "exec '%s' serve --listen 127.0.0.1:0 --events - --quiet\n",
             path_in("server-started"), sc_testproc_binary());
    write_file("marking-server", text, true);
    write_file("slow.json",
               "{\"name\": \"t/slow\", \"method\": \"GetData\", \"client\": {\"requests\": "
               "[{\"topics\": [\"a\"]}], \"timeout_ms\": 20000}, \"server\": "
               "{\"initial_delay_ms\": 10000}, \"expect\": {\"status\": \"OK\"}}\n",
               false);
    write_impls("int-impls.json", "python", "server", path_in("marking-server"));
    char *argv[] = {(char *)sc_testproc_binary(),
                    "run",
                    (char *)path_in("slow.json"),
                    "--impls",
                    (char *)path_in("int-impls.json"),
                    "--clients",
                    "c",
                    "--servers",
                    "python",
                    "--out",
                    (char *)path_in("out-int"),
                    NULL};
    client_proc p;
    assert_int_equal(client_spawn(&p, argv), 0);
    assert_true(wait_for_file(path_in("server-started"), RUN_MS));
    kill(p.pid, SIGINT);
    int rc = client_wait(&p, RUN_MS);
    client_cleanup(&p);
    assert_int_equal(rc, 1);
    assert_reports_written(path_in("out-int"));
    cJSON *rep = read_report(path_in("out-int"));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(rep, "complete")));
    const cJSON *c = find_case(rep, "t/slow@c->python");
    assert_string_equal(field(c, "verdict"), "error");
    assert_non_null(strstr(field(c, "reason"), "interrupted"));
    cJSON_Delete(rep);
}

/* ---- list / show ----------------------------------------------------------------------- */

static void list_and_show(void **state)
{
    (void)state;
    write_file("pass.json", passing, false);
    client_proc p;
    int rc = streamconform(&p, "list", path_in("pass.json"), "--clients", "c,go", "--servers", "c",
                           NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(p.out.data, "t/pass@c->c\nt/pass@go->c\n");
    rc = streamconform(&p, "show", "t/pass@go->c", path_in("pass.json"), NULL);
    assert_int_equal(rc, 0);
    /* the instruction on one line, as the driver reads it */
    assert_non_null(strstr(p.out.data, "\n{\"case\":\"t/pass@go->c\",\"target\":"));
    assert_non_null(strstr(p.out.data, "x-sc-case"));
    assert_non_null(strstr(p.out.data, "peer-go client"));
    rc = streamconform(&p, "show", "t/nope@c->c", path_in("pass.json"), NULL);
    assert_int_equal(rc, 2);
    rc = streamconform(&p, "show", "no-at-sign", path_in("pass.json"), NULL);
    assert_int_equal(rc, 2);
}

/* server_options (sc_runner_dedicated): "t/drain" gets a server of its own started with
 * --shutdown-grace-ms and SIGTERMed 300 ms in, and its stream still ends OK within the grace;
 * "t/cut" gets one without a grace, cut at once (UNAVAILABLE), and its exit is no error; the
 * shared server of "t/pass" is neither (it passes after both). */
static void server_options_get_a_dedicated_server(void **state)
{
    (void)state;
    write_file("dedicated.json",
               "{\"scenarios\": [\n"
               " {\"name\": \"t/drain\", \"method\": \"SubscribeData\",\n"
               "  \"server\": {\"max_responses\": 3, \"response_delay_ms\": 300},\n"
               "  \"server_options\": {\"shutdown_grace_ms\": 3000, \"shutdown_at_ms\": 300},\n"
               "  \"client\": {\"requests\": [{\"topics\": [\"a\"]}], \"timeout_ms\": 8000},\n"
               "  \"expect\": {\"status\": \"OK\", \"responses\": 3}},\n"
               " {\"name\": \"t/cut\", \"method\": \"SubscribeData\",\n"
               "  \"server\": {\"response_delay_ms\": 100},\n"
               "  \"server_options\": {\"shutdown_at_ms\": 500},\n"
               "  \"client\": {\"requests\": [{\"topics\": [\"a\"]}], \"timeout_ms\": 8000},\n"
               "  \"expect\": {\"status\": \"UNAVAILABLE\", \"responses\": {\"min\": 2},\n"
               "             \"timing\": {\"elapsed_ms\": {\"max\": 2500}}}},\n"
               " {\"name\": \"t/pass\", \"method\": \"GetData\",\n"
               "  \"client\": {\"requests\": [{\"topics\": [\"a\"]}], \"start_delay_ms\": 1500},\n"
               "  \"expect\": {\"status\": \"OK\", \"responses\": 1}}]}\n",
               false);
    client_proc p;
    int rc = streamconform(&p, "run", path_in("dedicated.json"), "--clients", "c", "--servers", "c",
                           "--out", path_in("out-dedicated"), NULL);
    cJSON *rep = read_report(path_in("out-dedicated"));
    const char *ids[] = {"t/drain@c->c", "t/cut@c->c", "t/pass@c->c"};
    for (size_t i = 0; i < 3; i++) {
        const cJSON *c = find_case(rep, ids[i]);
        if (strcmp(field(c, "verdict"), "pass") != 0)
            fail_msg("%s: %s\n%s", ids[i], field(c, "verdict"), p.out.data);
    }
    assert_int_equal(rc, 0);
    cJSON_Delete(rep);
}

/* serve's lifecycle options are checked like its others: 1..2147483647, exit 2 naming the option.
 */
static void serve_lifecycle_options_are_checked(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"--max-concurrent-streams", "0", "--max-concurrent-streams: expected a whole number"},
        {"--max-connection-age-ms", "x", "--max-connection-age-ms: expected a whole number"},
        {"--shutdown-grace-ms", "2147483648", "--shutdown-grace-ms: expected a whole number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        client_proc p;
        int rc =
            streamconform(&p, "serve", "--listen", "127.0.0.1:0", cases[i][0], cases[i][1], NULL);
        assert_int_equal(rc, 2);
        if (strstr(p.err.data, cases[i][2]) == NULL)
            fail_msg("%s %s: %s", cases[i][0], cases[i][1], p.err.data);
    }
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(passing_run_exits_0_and_writes_reports),
        cmocka_unit_test(failing_case_exits_1_with_its_failure),
        cmocka_unit_test(output_lines_totals_and_empty_filters),
        cmocka_unit_test(known_failing_and_stale),
        cmocka_unit_test(known_flaky_is_retried_once),
        cmocka_unit_test(bad_input_exits_2_naming_file_and_field),
        cmocka_unit_test(crashed_server_is_an_error_and_the_run_goes_on),
        cmocka_unit_test(hung_driver_times_out_as_an_error),
        cmocka_unit_test(interrupted_run_still_writes_reports),
        cmocka_unit_test(list_and_show),
        cmocka_unit_test(companions_are_run_and_judged_and_exclusive_runs_alone),
        cmocka_unit_test(server_options_get_a_dedicated_server),
        cmocka_unit_test(serve_lifecycle_options_are_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
