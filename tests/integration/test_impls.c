/* Implementations as data (issue 12), as a user runs them: a server started by the test and given
 * to the engine only by its address, an address nobody answers on, a server command that never
 * becomes ready, a client driver given by --clients, bad implementations files, and the Go peer
 * plugged in under another name (when the peers are built). Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bound on the server the test starts printing its ready line. */
#define READY_MS 10000

#define IT_RUN_DIR_TEMPLATE "/tmp/sc-it-impls-XXXXXX"
#include "it_run.h"

static const cJSON *find_case(const cJSON *rep, const char *id)
{
    return find_in(rep, "cases", id);
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

static char *read_text(const char *file)
{
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    static char text[1024 * 1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

/* Scenarios: one a server without features can be judged on, one that needs control, one that
 * needs the event log, one that needs a client's cancel. */
static const char scenarios[] =
    "{\"scenarios\": [\n"
    "{\"name\": \"t/plain\", \"method\": \"GetData\", \"client\": {\"requests\": "
    "[{\"subscriptionId\": \"s\", \"topics\": [\"a\"], \"batchSize\": 3}], \"timeout_ms\": 5000}, "
    "\"expect\": {\"status\": \"OK\", \"responses\": 1}},\n"
    "{\"name\": \"t/invalid\", \"method\": \"GetData\", \"client\": {\"requests\": [{}], "
    "\"timeout_ms\": 5000}, \"expect\": {\"status\": \"INVALID_ARGUMENT\", \"message\": "
    "\"topics must not be empty\"}},\n"
    "{\"name\": \"t/control\", \"method\": \"GetData\", \"client\": {\"requests\": "
    "[{\"topics\": [\"a\"]}], \"timeout_ms\": 5000}, \"server\": {\"fail\": {\"code\": "
    "\"NOT_FOUND\"}}, \"expect\": {\"status\": \"NOT_FOUND\"}},\n"
    "{\"name\": \"t/events\", \"method\": \"GetData\", \"client\": {\"requests\": "
    "[{\"topics\": [\"a\"]}], \"timeout_ms\": 5000}, \"expect\": {\"status\": \"OK\", "
    "\"server\": {\"calls\": 1}}},\n"
    "{\"name\": \"t/cancel\", \"method\": \"SubscribeData\", \"client\": {\"requests\": "
    "[{\"topics\": [\"a\"]}], \"timeout_ms\": 5000, \"cancel\": {\"after_ms\": 50}}, "
    "\"expect\": {\"status\": \"CANCELLED\"}}\n"
    "]}\n";

/* ---- a server given by address ---------------------------------------------------------- */

/* scenarios/plain.json, what a server without features is judged on (docs/peer-protocol.md):
 * every one of its scenarios is a case against the server given by `def` (NAME=HOST:PORT), none
 * skipped, and each passes with the C client. */
static void assert_plain_scenarios_pass(const char *def)
{
    char file[600];
    snprintf(file, sizeof file, "%s/scenarios/plain.json", SC_SOURCE_DIR);
    cJSON *set = read_json(file);
    int want = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(set, "scenarios"));
    cJSON_Delete(set);
    assert_true(want >= 30);
    client_proc p;
    int rc = streamconform(&p, "run", file, "--clients", "c", "--servers", def, "--out",
                           path_in("out-plain"), NULL);
    if (rc != 0)
        fail_msg("plain scenarios against %s: exit %d\n%s%s", def, rc, p.out.data, p.err.data);
    cJSON *rep = read_report(path_in("out-plain"));
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rep, "cases"))
    {
        const char *id = field(c, "id");
        assert_int_equal(strncmp(id, "plain/", 6), 0);
        assert_non_null(strstr(id, "@c->mine"));
        if (strcmp(field(c, "verdict"), "pass") != 0)
            fail_msg("%s: %s %s", id, field(c, "verdict"), field(c, "reason"));
        n++;
    }
    assert_int_equal(n, want);
    cJSON_Delete(rep);
}

static void server_by_address_runs_what_applies_and_skips_the_rest(void **state)
{
    (void)state;
    write_file("set.json", scenarios);
    sc_testproc srv;
    char *argv[] = {
        (char *)sc_testproc_binary(), "serve", "--listen", "127.0.0.1:0", "--quiet", NULL};
    assert_int_equal(sc_testproc_start(&srv, argv, READY_MS), 0);
    char def[64];
    snprintf(def, sizeof def, "mine=127.0.0.1:%d", srv.port);
    client_proc p;
    int rc = streamconform(&p, "run", path_in("set.json"), "--clients", "c", "--servers", def,
                           "--out", path_in("out-addr"), NULL);
    /* the engine neither starts nor stops it: still serving after the run */
    assert_false(sc_proc_exited(&srv, &(int){0}));
    assert_plain_scenarios_pass(def);
    sc_testproc_stop(&srv, SIGTERM, 5000);
    sc_testproc_cleanup(&srv);
    assert_int_equal(rc, 0);
    assert_reports_written(path_in("out-addr"));
    cJSON *rep = read_report(path_in("out-addr"));
    assert_string_equal(field(find_case(rep, "t/plain@c->mine"), "verdict"), "pass");
    assert_string_equal(field(find_case(rep, "t/invalid@c->mine"), "verdict"), "pass");
    assert_string_equal(field(find_case(rep, "t/cancel@c->mine"), "verdict"), "pass");
    const cJSON *ctl = find_case(rep, "t/control@c->mine");
    assert_string_equal(field(ctl, "verdict"), "skip");
    assert_string_equal(field(ctl, "reason"), "needs server feature 'control': mine declares none");
    const cJSON *ev = find_case(rep, "t/events@c->mine");
    assert_string_equal(field(ev, "verdict"), "skip");
    assert_string_equal(field(ev, "reason"), "needs server feature 'events': mine declares none");
    const cJSON *mine = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(rep, "implementations"), "mine");
    assert_non_null(strstr(field(mine, "server"), "server at 127.0.0.1:"));
    assert_non_null(strstr(field(mine, "server_note"), "event log was not available"));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(mine, "server_event_log")));
    cJSON_Delete(rep);
    assert_non_null(
        strstr(read_text(path_in("out-addr/summary.md")), "event log was not available"));
    assert_non_null(
        strstr(read_text(path_in("out-addr/report.html")), "event log was not available"));
    /* list: what applies to it, and why the rest does not */
    rc = streamconform(&p, "list", path_in("set.json"), "--clients", "c", "--servers",
                       "mine=127.0.0.1:1", NULL);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(p.out.data, "t/plain@c->mine\n"));
    assert_non_null(strstr(p.out.data, "t/control@c->mine  [skip: needs server feature "
                                       "'control': mine declares none]\n"));
    assert_non_null(strstr(p.err.data, "server mine: 3 of 5 cases apply; skipped: 1 need server "
                                       "feature 'control', 1 need server feature 'events'"));
}

static void silent_address_gives_errors_not_a_hang(void **state)
{
    (void)state;
    write_file("set.json", scenarios);
    client_proc p;
    /* port 1 on the loopback: refused at once (nothing listens there in a test box) */
    int rc = streamconform(&p, "run", path_in("set.json"), "--clients", "c", "--servers",
                           "gone=127.0.0.1:1", "--out", path_in("out-gone"), NULL);
    assert_int_equal(rc, 1);
    assert_reports_written(path_in("out-gone"));
    cJSON *rep = read_report(path_in("out-gone"));
    const cJSON *c = find_case(rep, "t/plain@c->gone");
    assert_string_equal(field(c, "verdict"), "error");
    assert_non_null(strstr(field(c, "reason"), "gone server at 127.0.0.1:1 does not answer"));
    assert_string_equal(field(find_case(rep, "t/control@c->gone"), "verdict"), "skip");
    cJSON_Delete(rep);
}

/* ---- a server command that never becomes ready ----------------------------------------- */

/* It says so on stderr through its env ($SAY, with ${core_version} expanded), and sleeps. */
static void server_command_never_ready_gives_errors_and_reports(void **state)
{
    (void)state;
    write_file("set.json", scenarios);
    write_file("never.json",
               "{\"implementations\": [{\"name\": \"never\", \"description\": \"sleeps\",\n"
               " \"server\": {\"command\": [\"/bin/sh\", \"-c\", \"echo $SAY >&2; exec "
               "sleep 600\"], \"env\": {\"SAY\": \"never-${core_version}-ready\"},\n"
               "            \"features\": [\"control\", \"events\", \"chat-room\"],\n"
               "            \"ready_ms\": 500}}]}\n");
    client_proc p;
    int rc =
        streamconform(&p, "run", path_in("set.json"), "--impls", path_in("never.json"), "--clients",
                      "c", "--servers", "never,c", "--out", path_in("out-never"), NULL);
    assert_int_equal(rc, 1);
    assert_reports_written(path_in("out-never"));
    cJSON *rep = read_report(path_in("out-never"));
    const char *ids[] = {"t/plain@c->never", "t/control@c->never", "t/events@c->never"};
    for (size_t i = 0; i < 3; i++) {
        const cJSON *c = find_case(rep, ids[i]);
        assert_string_equal(field(c, "verdict"), "error");
        assert_non_null(
            strstr(field(c, "reason"), "never server gave no ready line within 500 ms"));
        /* its env (with a variable expanded) reached it */
        assert_non_null(strstr(field(c, "reason"), "never-"));
        assert_non_null(strstr(field(c, "reason"), "-ready"));
        assert_null(strstr(field(c, "reason"), "${"));
    }
    /* the other server's cases ran */
    assert_string_equal(field(find_case(rep, "t/control@c->c"), "verdict"), "pass");
    cJSON_Delete(rep);
}

/* ---- a client driver given by --clients ------------------------------------------------- */

static void client_command_shorthand_runs_without_features(void **state)
{
    (void)state;
    write_file("set.json", scenarios);
    char def[600];
    snprintf(def, sizeof def, "drv=cmd:%s peer-client", sc_testproc_binary());
    client_proc p;
    int rc = streamconform(&p, "run", path_in("set.json"), "--clients", def, "--servers", "c",
                           "--out", path_in("out-drv"), NULL);
    assert_int_equal(rc, 0);
    cJSON *rep = read_report(path_in("out-drv"));
    assert_string_equal(field(find_case(rep, "t/control@drv->c"), "verdict"), "pass");
    const cJSON *c = find_case(rep, "t/cancel@drv->c");
    assert_string_equal(field(c, "verdict"), "skip");
    assert_string_equal(field(c, "reason"), "needs client feature 'cancel': drv declares none");
    cJSON_Delete(rep);
}

/* A server command from --servers 'NAME=cmd:...' has no features: its stdout after the ready line
 * (here an event log) is not read as one, and the cases that need events are skipped. */
static void server_command_shorthand_runs_without_features(void **state)
{
    (void)state;
    write_file("set.json", scenarios);
    char def[600];
    snprintf(def, sizeof def, "cs=cmd:%s serve --listen 127.0.0.1:0 --events - --quiet",
             sc_testproc_binary());
    client_proc p;
    int rc = streamconform(&p, "run", path_in("set.json"), "--clients", "c", "--servers", def,
                           "--out", path_in("out-cs"), NULL);
    assert_int_equal(rc, 0);
    cJSON *rep = read_report(path_in("out-cs"));
    assert_string_equal(field(find_case(rep, "t/plain@c->cs"), "verdict"), "pass");
    assert_string_equal(field(find_case(rep, "t/cancel@c->cs"), "verdict"), "pass");
    const cJSON *c = find_case(rep, "t/events@c->cs");
    assert_string_equal(field(c, "verdict"), "skip");
    assert_string_equal(field(c, "reason"), "needs server feature 'events': cs declares none");
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(rep, "implementations"), "cs");
    assert_non_null(strstr(field(cs, "server_note"), "does not declare the feature \"events\""));
    cJSON_Delete(rep);
}

/* ---- bad input ------------------------------------------------------------------------- */

static void bad_implementations_exit_2_with_the_message(void **state)
{
    (void)state;
    write_file("set.json", scenarios);
    write_file("bad.json", "{\"implementations\": [{\"name\": \"x\", \"server\": {\"address\": "
                           "\"127.0.0.1:1\", \"features\": [\"contorl\"]}}]}\n");
    client_proc p;
    int rc = streamconform(&p, "run", path_in("set.json"), "--impls", path_in("bad.json"), "--out",
                           path_in("out-bad"), NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(p.err.data, path_in("bad.json")));
    assert_non_null(strstr(p.err.data,
                           "implementations[0].server.features[0]: unknown server "
                           "feature \"contorl\" (known: control, events, chat-room, tls, "
                           "compression, compression-events, no-compress-responses, lifecycle)"));
    rc = streamconform(&p, "list", path_in("set.json"), "--impls", path_in("no-such.json"), NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(p.err.data, "no-such.json: cannot open"));
    rc = streamconform(&p, "list", path_in("set.json"), "--servers", "rust", NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(p.err.data, "unknown implementation \"rust\" (known servers: c, "
                                       "python, go"));
    rc = streamconform(&p, "list", path_in("set.json"), "--clients", "mine=127.0.0.1:5", NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(p.err.data, "a client is a driver command"));
    rc = streamconform(&p, "list", path_in("set.json"), "--servers", "c=127.0.0.1:5", NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(p.err.data, "\"c\" is already an implementation"));
}

/* ---- the Go peer under another name ---------------------------------------------------- */

static void go_peer_under_another_name_gets_the_same_verdicts(void **state)
{
    (void)state;
    char bin[512], go[600];
    snprintf(bin, sizeof bin, "%s", sc_testproc_binary());
    snprintf(go, sizeof go, "%s/peers/go/peer-go", dirname(dirname(bin)));
    if (access(go, X_OK) != 0)
        skip(); /* built without the peers (-DSC_BUILD_PEERS=OFF) */
    char text[4096];
    snprintf(text, sizeof text,
             "{\"implementations\": [{\"name\": \"gopher\", \"description\": \"peer-go again\",\n"
             " \"server\": {\"command\": [\"%s\", \"server\", \"--listen\", \"127.0.0.1:0\", "
             "\"--events\", \"-\", \"--quiet\"], \"features\": [\"control\", \"events\", "
             "\"chat-room\"]},\n"
             " \"client\": {\"command\": [\"%s\", \"client\"], \"features\": [\"cancel\", "
             "\"reconnect\", \"pushback\", \"companions\", \"path\", \"channel\", \"read-pause\", "
             "\"start-delay\", \"request-delay\", \"wait-for-ready\", \"keep-open\", "
             "\"service-config\"]}}]}\n",
             go, go);
    write_file("gopher.json", text);
    char happy[600];
    snprintf(happy, sizeof happy, "%s/scenarios/happy.json", SC_SOURCE_DIR);
    client_proc p;
    int rc = streamconform(&p, "run", happy, path_in("set.json"), "--impls", path_in("gopher.json"),
                           "--clients", "go,gopher", "--servers", "go,gopher", "-j", "2", "--out",
                           path_in("out-gopher"), NULL);
    assert_true(rc == 0 || rc == 1);
    cJSON *rep = read_report(path_in("out-gopher"));
    size_t compared = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rep, "cases"))
    {
        if (strcmp(field(c, "client"), "go") != 0 || strcmp(field(c, "server"), "go") != 0)
            continue;
        char other[600];
        snprintf(other, sizeof other, "%s@gopher->gopher", field(c, "scenario"));
        const cJSON *o = find_case(rep, other);
        if (strcmp(field(c, "verdict"), field(o, "verdict")) != 0)
            fail_msg("%s: %s, but %s: %s", field(c, "id"), field(c, "verdict"), other,
                     field(o, "verdict"));
        compared++;
    }
    assert_true(compared >= 5);
    cJSON_Delete(rep);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_by_address_runs_what_applies_and_skips_the_rest),
        cmocka_unit_test(silent_address_gives_errors_not_a_hang),
        cmocka_unit_test(server_command_never_ready_gives_errors_and_reports),
        cmocka_unit_test(client_command_shorthand_runs_without_features),
        cmocka_unit_test(server_command_shorthand_runs_without_features),
        cmocka_unit_test(bad_implementations_exit_2_with_the_message),
        cmocka_unit_test(go_peer_under_another_name_gets_the_same_verdicts),
    };
    return cmocka_run_group_tests(tests, it_setup, it_teardown);
}
