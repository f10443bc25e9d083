/* contract/sc_impl (implementations files) and contract/sc_feature: every bad file is refused
 * with a message naming the file and the JSON path; variables, overrides and shorthands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sc_feature.h"
#include "sc_impl.h"

static const sc_impl_vars vars = {
    .build = "/b", .here = "/h", .self = "/b/cli/streamconform", .core_version = "29.0.0"};

static const char good[] =
    "{\"$comment\": \"x\", \"implementations\": [\n"
    " {\"name\": \"go\", \"description\": \"peer-go (core ${core_version})\",\n"
    "  \"server\": {\"command\": [\"${build}/peers/go/peer-go\", \"server\"],\n"
    "             \"env\": {\"GODEBUG\": \"x=${here}\"}, \"features\": [\"control\", \"events\"],\n"
    "             \"ready_ms\": 500},\n"
    "  \"client\": {\"command\": [\"${self}\", \"peer-client\"], \"features\": [\"cancel\"]}},\n"
    " {\"name\": \"mine\", \"server\": {\"address\": \"127.0.0.1:50051\"}}]}\n";

static void good_file_loads_with_variables(void **state)
{
    (void)state;
    sc_impl_book b = {0};
    char err[1024] = "";
    assert_int_equal(sc_impl_book_load_text(&b, "f.json", good, &vars, err, sizeof err), 0);
    assert_int_equal(b.count, 2);
    const sc_impl_decl *go = sc_impl_book_find(&b, "go");
    assert_non_null(go);
    assert_string_equal(go->description, "peer-go (core 29.0.0)");
    assert_string_equal(go->server.argv[0], "/b/peers/go/peer-go");
    assert_string_equal(go->server.argv[1], "server");
    assert_null(go->server.argv[2]);
    assert_string_equal(go->server.env[0], "GODEBUG=x=/h");
    assert_int_equal(go->server.ready_ms, 500);
    assert_int_equal(go->server.features,
                     SC_FEAT_BIT(SC_FEAT_CONTROL) | SC_FEAT_BIT(SC_FEAT_EVENTS));
    assert_string_equal(go->client.argv[0], "/b/cli/streamconform");
    assert_int_equal(go->client.features, SC_FEAT_BIT(SC_FEAT_CANCEL));
    const sc_impl_decl *mine = sc_impl_book_find(&b, "mine");
    assert_true(mine->server.given);
    assert_false(mine->client.given);
    assert_string_equal(mine->server.address, "127.0.0.1:50051");
    assert_null(mine->server.argv);
    assert_int_equal(mine->server.features, 0);
    char names[256];
    sc_impl_book_names(&b, SC_ROLE_SERVER, names, sizeof names);
    assert_string_equal(names, "go, mine");
    sc_impl_book_names(&b, SC_ROLE_CLIENT, names, sizeof names);
    assert_string_equal(names, "go");
    sc_impl_book_free(&b);
}

static void later_entries_replace_earlier_ones(void **state)
{
    (void)state;
    sc_impl_book b = {0};
    char err[1024] = "";
    assert_int_equal(sc_impl_book_load_text(&b, "a.json", good, &vars, err, sizeof err), 0);
    assert_int_equal(sc_impl_book_load_text(&b, "b.json",
                                            "{\"implementations\": [{\"name\": \"go\", "
                                            "\"client\": {\"command\": [\"/x\"]}}]}",
                                            &vars, err, sizeof err),
                     0);
    assert_int_equal(b.count, 2);
    const sc_impl_decl *go = sc_impl_book_find(&b, "go");
    assert_string_equal(go->origin, "b.json");
    assert_false(go->server.given);
    assert_string_equal(go->client.argv[0], "/x");
    sc_impl_book_free(&b);
}

/* Each bad file: the message names the file and the JSON path, and holds `want`. */
static void assert_refused(const char *text, const char *want)
{
    sc_impl_book b = {0};
    char err[1024] = "";
    int rc = sc_impl_book_load_text(&b, "bad.json", text, &vars, err, sizeof err);
    if (rc == 0 || strncmp(err, "bad.json: ", 10) != 0 || strstr(err, want) == NULL)
        fail_msg("for %s\n got rc %d \"%s\"\n want \"bad.json: ...%s...\"", text, rc, err, want);
    assert_int_equal(b.count, 0);
    sc_impl_book_free(&b);
}

static void bad_files_name_file_and_path(void **state)
{
    (void)state;
    assert_refused("{\"implementations\": [",
                   "invalid JSON at line 1, column 22, at the end of input");
    assert_refused("[]", "expected an object");
    assert_refused("{}", "implementations: ");
    assert_refused("{\"implementations\": [], \"extra\": 1}", "extra: unknown field");
    assert_refused("{\"implementations\": [{\"name\": \"x\"}]}",
                   "implementations[0]: needs \"server\", \"client\" or both");
    assert_refused("{\"implementations\": [{\"name\": \"X Y\", \"client\": {\"command\": "
                   "[\"/x\"]}}]}",
                   "implementations[0].name: \"X Y\": a name is lower-case");
    assert_refused("{\"implementations\": [{\"name\": \"script\", \"client\": {\"command\": "
                   "[\"/x\"]}}]}",
                   "implementations[0].name: \"script\"");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"server\": {\"command\": [\"/x\"], "
                   "\"address\": \"h:1\"}}]}",
                   "implementations[0].server: give either \"command\" or \"address\"");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"server\": {}}]}",
                   "implementations[0].server: give either");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"server\": {\"address\": "
                   "\"nohost\"}}]}",
                   "implementations[0].server.address: expected HOST:PORT");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"server\": {\"address\": "
                   "\"h:70000\"}}]}",
                   "implementations[0].server.address: expected HOST:PORT");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"server\": {\"address\": "
                   "\"h:1\", \"features\": [\"events\"]}}]}",
                   "implementations[0].server: feature \"events\" needs a \"command\"");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"client\": {\"address\": "
                   "\"h:1\"}}]}",
                   "implementations[0].client.address: unknown field");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"client\": {\"command\": []}}]}",
                   "implementations[0].client.command: expected 1 to 64 arguments");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"client\": {\"command\": [\"/x\", "
                   "3]}}]}",
                   "implementations[0].client.command[1]: expected a string");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"client\": {\"command\": "
                   "[\"${nope}/x\"]}}]}",
                   "implementations[0].client.command[0]: unknown variable");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"client\": {\"command\": [\"/x\"], "
                   "\"features\": [\"control\"]}}]}",
                   "implementations[0].client.features[0]: unknown client feature \"control\" "
                   "(known: cancel,");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"server\": {\"command\": [\"/x\"], "
                   "\"features\": [\"events\", \"events\"]}}]}",
                   "implementations[0].server.features[1]: \"events\" is given twice");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"server\": {\"command\": [\"/x\"], "
                   "\"env\": {\"A\": 1}}}]}",
                   "implementations[0].server.env.A: expected a string");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"server\": {\"command\": [\"/x\"], "
                   "\"ready_ms\": 0}}]}",
                   "implementations[0].server.ready_ms: must be in 1..600000");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"client\": {\"command\": [\"/x\"]}},"
                   " {\"name\": \"a\", \"client\": {\"command\": [\"/y\"]}}]}",
                   "implementations[1]: the name \"a\" is given twice (also implementations[0])");
    assert_refused("{\"implementations\": [{\"name\": \"a\", \"name\": \"b\", \"client\": "
                   "{\"command\": [\"/x\"]}}]}",
                   "implementations[0].name: ");
}

static void missing_file_is_named(void **state)
{
    (void)state;
    sc_impl_book b = {0};
    char err[1024] = "";
    assert_int_equal(sc_impl_book_load(&b, "/nonexistent/impls.json", &vars, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/impls.json: cannot open"));
}

static void here_is_the_files_folder(void **state)
{
    (void)state;
    char path[] = "/tmp/sc-impl-XXXXXX";
    assert_non_null(mkdtemp(path));
    char file[64];
    snprintf(file, sizeof file, "%s/i.json", path);
    FILE *f = fopen(file, "w");
    fputs(
        "{\"implementations\": [{\"name\": \"a\", \"client\": {\"command\": [\"${here}/drv\"]}}]}",
        f);
    fclose(f);
    sc_impl_book b = {0};
    char err[1024] = "";
    assert_int_equal(sc_impl_book_load(&b, file, &vars, err, sizeof err), 0);
    char want[80];
    snprintf(want, sizeof want, "%s/drv", path);
    assert_string_equal(b.items[0].client.argv[0], want);
    sc_impl_book_free(&b);
    unlink(file);
    rmdir(path);
}

static void shorthands(void **state)
{
    (void)state;
    sc_impl_book b = {0};
    char err[1024] = "";
    assert_int_equal(
        sc_impl_book_add_address(&b, "mine", "[::1]:8080", "--servers", err, sizeof err), 0);
    assert_int_equal(sc_impl_book_add_command(&b, SC_ROLE_CLIENT, "drv", "${build}/d  --x y",
                                              "--clients", &vars, err, sizeof err),
                     0);
    const sc_impl_decl *drv = sc_impl_book_find(&b, "drv");
    assert_string_equal(drv->client.argv[0], "/b/d");
    assert_string_equal(drv->client.argv[1], "--x");
    assert_string_equal(drv->client.argv[2], "y");
    assert_null(drv->client.argv[3]);
    assert_int_equal(drv->client.features, 0);
    assert_int_equal(sc_impl_book_add_address(&b, "mine", "h:1", "--servers", err, sizeof err), -1);
    assert_non_null(strstr(err, "\"mine\" is already an implementation"));
    assert_int_equal(sc_impl_book_add_address(&b, "x", "h:0", "--servers", err, sizeof err), -1);
    assert_non_null(strstr(err, "expected HOST:PORT"));
    assert_int_equal(sc_impl_book_add_command(&b, SC_ROLE_CLIENT, "e", "   ", "--clients", &vars,
                                              err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "an empty command"));
    sc_impl_book_free(&b);
}

static void addresses(void **state)
{
    (void)state;
    char host[64];
    int port = 0;
    assert_true(sc_impl_address_ok("localhost:50051", host, sizeof host, &port));
    assert_string_equal(host, "localhost");
    assert_int_equal(port, 50051);
    assert_true(sc_impl_address_ok("[::1]:1", host, sizeof host, &port));
    assert_string_equal(host, "::1");
    assert_false(sc_impl_address_ok("::1:1", NULL, 0, NULL));
    assert_false(sc_impl_address_ok(":1", NULL, 0, NULL));
    assert_false(sc_impl_address_ok("h:", NULL, 0, NULL));
    assert_false(sc_impl_address_ok("h:1x", NULL, 0, NULL));
    assert_false(sc_impl_address_ok("h:65536", NULL, 0, NULL));
}

static void feature_vocabulary(void **state)
{
    (void)state;
    assert_int_equal(sc_feature_by_name(SC_ROLE_SERVER, "control"), SC_FEAT_CONTROL);
    assert_int_equal(sc_feature_by_name(SC_ROLE_CLIENT, "control"), -1);
    assert_int_equal(sc_feature_by_name(SC_ROLE_CLIENT, "read-pause"), SC_FEAT_READ_PAUSE);
    assert_int_equal(sc_feature_role(SC_FEAT_KEEP_OPEN), SC_ROLE_CLIENT);
    char list[256];
    sc_feature_known(SC_ROLE_SERVER, list, sizeof list);
    assert_string_equal(list, "control, events, chat-room, tls, compression, compression-events, "
                              "no-compress-responses, lifecycle");
    assert_int_equal(sc_feature_by_name(SC_ROLE_CLIENT, "compression"), SC_FEAT_CLIENT_COMPRESSION);
    assert_int_equal(sc_feature_by_name(SC_ROLE_SERVER, "compression"), SC_FEAT_SERVER_COMPRESSION);
    sc_feature_list(0, list, sizeof list);
    assert_string_equal(list, "none");
    for (int f = 0; f < SC_FEAT_COUNT; f++) {
        assert_true(strlen(sc_feature_meaning((sc_feature)f)) > 0);
        assert_int_equal(
            sc_feature_by_name(sc_feature_role((sc_feature)f), sc_feature_name((sc_feature)f)), f);
    }
    assert_true(SC_FEAT_COUNT <= 32); /* a mask is 32 bits */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_file_loads_with_variables),
        cmocka_unit_test(later_entries_replace_earlier_ones),
        cmocka_unit_test(bad_files_name_file_and_path),
        cmocka_unit_test(missing_file_is_named),
        cmocka_unit_test(here_is_the_files_folder),
        cmocka_unit_test(shorthands),
        cmocka_unit_test(addresses),
        cmocka_unit_test(feature_vocabulary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
