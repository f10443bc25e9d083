/* Unit tests for sc_jcheck: the one table-driven JSON object checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sc_jcheck.h"

#include <string.h>

static const sc_jfield fields[] = {
    {.key = "name", .types = SC_JT_STRING, .required = true},
    {.key = "count", .types = SC_JT_INT, .ranged = true, .min = 1, .max = 10},
    {.key = "ratio", .types = SC_JT_NUMBER, .ranged = true, .min = 0, .max = 0.999},
    {.key = "on", .types = SC_JT_BOOL | SC_JT_NULL},
    {.key = "any"},
    {.key = "sub", .types = SC_JT_OBJECT, .why = "expected {\"x\": N}"},
};

/* The checker's answer for `text` against `fields` at path "top" ("" when root). */
static int check(const char *text, const char *path, sc_jwords words, char *err, size_t errlen)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    sc_jspec spec = SC_JSPEC(fields);
    spec.words = words;
    err[0] = '\0';
    int rc = sc_jcheck_object(j, path, &spec, err, errlen);
    cJSON_Delete(j);
    return rc;
}

static void rejects(const char *text, const char *want)
{
    char err[256];
    if (check(text, "top", SC_JWORDS_MUST_BE_IN, err, sizeof err) != -1 || strcmp(err, want) != 0)
        fail_msg("%s\n got: %s\nwant: %s", text, err, want);
}

static void accepts_valid_objects(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(check("{\"name\":\"a\"}", "top", 0, err, sizeof err), 0);
    assert_int_equal(check("{\"name\":\"a\",\"count\":10,\"ratio\":0.5,\"on\":null,\"any\":[1],"
                           "\"sub\":{}}",
                           "top", 0, err, sizeof err),
                     0);
    assert_int_equal(check("{\"name\":\"a\",\"on\":true,\"count\":1.0}", "", 0, err, sizeof err),
                     0);
}

static void rejects_unknown_and_duplicate_keys(void **state)
{
    (void)state;
    rejects("{\"name\":\"a\",\"nmae\":1}", "top.nmae: unknown field (did you mean \"name\"?)");
    rejects("{\"name\":\"a\",\"zzzzz\":1}", "top.zzzzz: unknown field");
    rejects("{\"name\":\"a\",\"name\":\"b\"}", "top.name: given twice");
    rejects("{\"name\":\"a\",\"on\":true,\"on\":false}", "top.on: given twice");
    rejects("[]", "top: expected an object");
}

static void rejects_types_ranges_and_missing(void **state)
{
    (void)state;
    rejects("{}", "top.name: missing");
    rejects("{\"name\":7}", "top.name: expected a string");
    rejects("{\"name\":\"a\",\"count\":1.5}", "top.count: expected an integer");
    rejects("{\"name\":\"a\",\"count\":\"3\"}", "top.count: expected an integer");
    rejects("{\"name\":\"a\",\"count\":11}", "top.count: must be in 1..10");
    rejects("{\"name\":\"a\",\"count\":0}", "top.count: must be in 1..10");
    rejects("{\"name\":\"a\",\"ratio\":1}", "top.ratio: must be in 0..0.999");
    rejects("{\"name\":\"a\",\"on\":1}", "top.on: expected true or false");
    rejects("{\"name\":\"a\",\"sub\":[]}", "top.sub: expected {\"x\": N}");
    rejects("{\"name\":null}", "top.name: expected a string");
}

/* cJSON reads 1e400 as infinity: never a number the harness accepts. */
static void rejects_non_finite_numbers(void **state)
{
    (void)state;
    rejects("{\"name\":\"a\",\"count\":1e400}", "top.count: expected an integer");
    rejects("{\"name\":\"a\",\"ratio\":-1e400}", "top.ratio: expected a number");
    rejects("{\"name\":\"a\",\"any\":1e400}", "top.any: expected a finite number");
    rejects("{\"name\":\"a\",\"count\":9007199254740993}", "top.count: expected an integer");
}

static void root_path_and_other_words(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(check("{\"name\":\"a\",\"x\":1}", "", 0, err, sizeof err), -1);
    assert_string_equal(err, "x: unknown field");
    assert_int_equal(
        check("{\"name\":\"a\",\"count\":-1}", "f", SC_JWORDS_OUT_OF_RANGE, err, sizeof err), -1);
    assert_string_equal(err, "f.count: -1 is out of range (1 to 10)");
    assert_int_equal(
        check("{\"name\":\"a\",\"count\":0.5}", "f", SC_JWORDS_OUT_OF_RANGE, err, sizeof err), -1);
    assert_string_equal(err, "f.count: expected a whole number from 1 to 10");
}

static void open_objects_and_readers(void **state)
{
    (void)state;
    sc_jspec spec = {.open = true, .unknown_why = "x"};
    char err[256];
    cJSON *j = cJSON_Parse("{\"a\":1,\"b\":2.5,\"c\":true,\"d\":\"s\",\"e\":null}");
    assert_int_equal(sc_jcheck_object(j, "m", &spec, err, sizeof err), 0);
    assert_int_equal(sc_jget_int(j, "a", 9), 1);
    assert_int_equal(sc_jget_int(j, "b", 9), 9);
    assert_true(sc_jget_number(j, "b", 0) == 2.5);
    assert_true(sc_jget_bool(j, "c", false));
    assert_string_equal(sc_jget_string(j, "d"), "s");
    assert_null(sc_jget(j, "e"));
    assert_null(sc_jget_string(j, "zz"));
    cJSON_Delete(j);
    j = cJSON_Parse("{\"a\":1,\"a\":2}");
    assert_int_equal(sc_jcheck_object(j, "m", &spec, err, sizeof err), -1);
    assert_string_equal(err, "m.a: given twice");
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_valid_objects),
        cmocka_unit_test(rejects_unknown_and_duplicate_keys),
        cmocka_unit_test(rejects_types_ranges_and_missing),
        cmocka_unit_test(rejects_non_finite_numbers),
        cmocka_unit_test(root_path_and_other_words),
        cmocka_unit_test(open_objects_and_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
