/* contract/sc_record_diff.c: replay's JSON diff (sc_record_diff) and its check of the end of the
 * client stream (sc_record_end_diff). Pure logic: no process, no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_record_diff.h"

/* Lines asked of sc_record_diff where the cap is not under test. */
#define DIFF_MAX 64

/* ---- helpers ------------------------------------------------------------------------------ */

static cJSON *parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    if (j == NULL)
        fail_msg("not JSON: %s", text);
    return j;
}

/* Diff two JSON texts; the lines end up in *lines (caller deletes). */
static size_t diff_text(const char *expected, const char *actual, size_t max, cJSON **lines)
{
    cJSON *e = parse(expected), *a = parse(actual);
    *lines = cJSON_CreateArray();
    size_t n = sc_record_diff(e, a, "", *lines, max);
    cJSON_Delete(e);
    cJSON_Delete(a);
    return n;
}

static const char *line_at(const cJSON *lines, int i)
{
    const cJSON *l = cJSON_GetArrayItem(lines, i);
    assert_non_null(l);
    assert_true(cJSON_IsString(l));
    return l->valuestring;
}

/* ---- sc_record_diff ----------------------------------------------------------------------- */

static void diff_identical_is_empty(void **state)
{
    (void)state;
    cJSON *lines = NULL;
    assert_int_equal(
        diff_text("{\"subscriptionId\":\"s\",\"topics\":[\"a\",\"b\"],\"batchSize\":3}",
                  "{\"batchSize\":3,\"topics\":[\"a\",\"b\"],\"subscriptionId\":\"s\"}", DIFF_MAX,
                  &lines),
        0);
    assert_int_equal(cJSON_GetArraySize(lines), 0);
    cJSON_Delete(lines);
}

static void diff_different_field(void **state)
{
    (void)state;
    cJSON *lines = NULL;
    assert_int_equal(diff_text("{\"subscriptionId\":\"orig\",\"batchSize\":3}",
                               "{\"subscriptionId\":\"other\",\"batchSize\":4}", DIFF_MAX, &lines),
                     2);
    assert_int_equal(cJSON_GetArraySize(lines), 2);
    assert_string_equal(line_at(lines, 0), "subscriptionId: expected \"orig\", actual \"other\"");
    assert_string_equal(line_at(lines, 1), "batchSize: expected 3, actual 4");
    cJSON_Delete(lines);
}

static void diff_missing_and_extra_fields(void **state)
{
    (void)state;
    cJSON *lines = NULL;
    assert_int_equal(diff_text("{\"userId\":\"a\",\"content\":\"hi\"}",
                               "{\"userId\":\"a\",\"timestamp\":\"5\"}", DIFF_MAX, &lines),
                     2);
    /* expected fields first (the recording's order), then the client's extra ones */
    assert_string_equal(line_at(lines, 0), "content: expected \"hi\", actual (absent)");
    assert_string_equal(line_at(lines, 1), "timestamp: expected (absent), actual \"5\"");
    cJSON_Delete(lines);
}

static void diff_absent_equals_proto3_default(void **state)
{
    (void)state;
    cJSON *lines = NULL;
    /* proto3 JSON omits defaults: 0, "0" (int64), "", false, null, [], {} all equal absence */
    assert_int_equal(diff_text("{\"a\":0,\"b\":\"0\",\"c\":\"\",\"d\":false,\"e\":[],\"f\":{},"
                               "\"g\":null}",
                               "{}", DIFF_MAX, &lines),
                     0);
    cJSON_Delete(lines);
    assert_int_equal(diff_text("{}", "{\"a\":0,\"e\":[]}", DIFF_MAX, &lines), 0);
    cJSON_Delete(lines);
    assert_int_equal(diff_text("{}", "{\"a\":\"1\"}", DIFF_MAX, &lines), 1);
    assert_string_equal(line_at(lines, 0), "a: expected (absent), actual \"1\"");
    cJSON_Delete(lines);
}

static void diff_array_lengths(void **state)
{
    (void)state;
    cJSON *lines = NULL;
    assert_int_equal(
        diff_text("{\"topics\":[\"a\",\"b\",\"c\"]}", "{\"topics\":[\"a\"]}", DIFF_MAX, &lines), 2);
    assert_string_equal(line_at(lines, 0), "topics[1]: expected \"b\", actual (absent)");
    assert_string_equal(line_at(lines, 1), "topics[2]: expected \"c\", actual (absent)");
    cJSON_Delete(lines);
    assert_int_equal(
        diff_text("{\"topics\":[\"a\"]}", "{\"topics\":[\"a\",\"x\"]}", DIFF_MAX, &lines), 1);
    assert_string_equal(line_at(lines, 0), "topics[1]: expected (absent), actual \"x\"");
    cJSON_Delete(lines);
    /* an absent repeated field is an empty one: every element of the other side differs */
    assert_int_equal(diff_text("{}", "{\"topics\":[\"a\"]}", DIFF_MAX, &lines), 1);
    assert_string_equal(line_at(lines, 0), "topics: expected (absent), actual [\"a\"]");
    cJSON_Delete(lines);
}

static void diff_nested_paths(void **state)
{
    (void)state;
    cJSON *lines = NULL;
    assert_int_equal(
        diff_text(
            "{\"dataPoints\":[{\"id\":\"p0\"},{\"id\":\"p1\",\"metadata\":{\"topic\":\"c\"}}]}",
            "{\"dataPoints\":[{\"id\":\"p0\"},{\"id\":\"p1\",\"metadata\":{\"topic\":\"b\"}}]}",
            DIFF_MAX, &lines),
        1);
    assert_string_equal(line_at(lines, 0),
                        "dataPoints[1].metadata.topic: expected \"c\", actual \"b\"");
    cJSON_Delete(lines);
    /* a prefix path is kept in front of every line */
    cJSON *e = parse("{\"a\":{\"b\":1}}"), *a = parse("{\"a\":{\"b\":2}}");
    lines = cJSON_CreateArray();
    assert_int_equal(sc_record_diff(e, a, "message[3]", lines, DIFF_MAX), 1);
    assert_string_equal(line_at(lines, 0), "message[3].a.b: expected 1, actual 2");
    cJSON_Delete(lines);
    cJSON_Delete(e);
    cJSON_Delete(a);
}

static void diff_types_and_numbers(void **state)
{
    (void)state;
    cJSON *lines = NULL;
    /* a number and a string of it differ (canonical JSON has one form per type) */
    assert_int_equal(diff_text("{\"n\":1}", "{\"n\":\"1\"}", DIFF_MAX, &lines), 1);
    assert_string_equal(line_at(lines, 0), "n: expected 1, actual \"1\"");
    cJSON_Delete(lines);
    /* an object where a scalar was recorded */
    assert_int_equal(diff_text("{\"n\":\"x\"}", "{\"n\":{\"y\":1}}", DIFF_MAX, &lines), 1);
    assert_string_equal(line_at(lines, 0), "n: expected \"x\", actual {\"y\":1}");
    cJSON_Delete(lines);
    /* raw numbers (sc_json's floats) compare by value with plain numbers */
    cJSON *e = cJSON_CreateObject(), *a = cJSON_CreateObject();
    cJSON_AddRawToObject(e, "value", "0.5");
    cJSON_AddNumberToObject(a, "value", 0.5);
    assert_int_equal(sc_record_diff(e, a, "", NULL, DIFF_MAX), 0);
    cJSON_ReplaceItemInObjectCaseSensitive(a, "value", cJSON_CreateRaw("0.25"));
    lines = cJSON_CreateArray();
    assert_int_equal(sc_record_diff(e, a, "", lines, DIFF_MAX), 1);
    assert_string_equal(line_at(lines, 0), "value: expected 0.5, actual 0.25");
    cJSON_Delete(lines);
    cJSON_Delete(e);
    cJSON_Delete(a);
    /* whole values at the top level are named "(message)" */
    assert_int_equal(diff_text("\"a\"", "\"b\"", DIFF_MAX, &lines), 1);
    assert_string_equal(line_at(lines, 0), "(message): expected \"a\", actual \"b\"");
    cJSON_Delete(lines);
}

static void diff_max_caps_lines_not_the_count(void **state)
{
    (void)state;
    const char *e = "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}";
    const char *a = "{\"a\":9,\"b\":9,\"c\":9,\"d\":9,\"e\":9}";
    cJSON *lines = NULL;
    assert_int_equal(diff_text(e, a, 2, &lines), 5);
    assert_int_equal(cJSON_GetArraySize(lines), 2);
    assert_string_equal(line_at(lines, 0), "a: expected 1, actual 9");
    assert_string_equal(line_at(lines, 1), "b: expected 2, actual 9");
    cJSON_Delete(lines);
    assert_int_equal(diff_text(e, a, 0, &lines), 5);
    assert_int_equal(cJSON_GetArraySize(lines), 0);
    cJSON_Delete(lines);
    /* no output array: only counted */
    cJSON *je = parse(e), *ja = parse(a);
    assert_int_equal(sc_record_diff(je, ja, "", NULL, DIFF_MAX), 5);
    cJSON_Delete(je);
    cJSON_Delete(ja);
}

static void diff_long_values_are_shortened(void **state)
{
    (void)state;
    char big[400], e[512];
    memset(big, 'x', 300);
    big[300] = '\0';
    snprintf(e, sizeof e, "{\"content\":\"%s\"}", big);
    cJSON *lines = NULL;
    assert_int_equal(diff_text(e, "{\"content\":\"y\"}", DIFF_MAX, &lines), 1);
    const char *l = line_at(lines, 0);
    /* 117 characters of the value's JSON text, then "..." */
    char want[200];
    snprintf(want, sizeof want, "content: expected \"%.116s..., actual \"y\"", big);
    assert_string_equal(l, want);
    cJSON_Delete(lines);
}

/* ---- the end of the client stream (replay) ----------------------------------------------- */

static void end_diff_line(size_t recorded, bool recorded_hc, size_t received, bool hc, bool cut,
                          const char *want)
{
    char line[160] = "";
    bool differs = sc_record_end_diff(recorded, recorded_hc, received, hc, cut, line, sizeof line);
    if (want == NULL) {
        if (differs)
            fail_msg("no difference expected, got \"%s\"", line);
        return;
    }
    if (!differs)
        fail_msg("expected \"%s\", no difference reported", want);
    assert_string_equal(line, want);
}

static void end_diff_half_close(void **state)
{
    (void)state;
    /* as recorded */
    end_diff_line(2, true, 2, true, false, NULL);
    end_diff_line(2, false, 2, false, false, NULL);
    end_diff_line(0, true, 0, true, false, NULL);
    /* the live client never half-closed before the status */
    end_diff_line(2, true, 2, false, false,
                  "no half-close before the status went out (2 messages received); the recording "
                  "half-closed after 2");
    end_diff_line(3, true, 1, false, false,
                  "no half-close before the status went out (1 message received); the recording "
                  "half-closed after 3");
    /* earlier, later */
    end_diff_line(2, true, 1, true, false,
                  "half-close after 1 message; the recording half-closed after 2");
    end_diff_line(2, true, 3, true, false,
                  "half-close after 3 messages; the recording half-closed after 2");
    end_diff_line(1, true, 0, true, false,
                  "half-close after 0 messages; the recording half-closed after 1");
    /* a half-close the recording does not have */
    end_diff_line(2, false, 2, true, false,
                  "half-close after 2 messages; the recording did not half-close (2 messages "
                  "sent)");
    /* neither half-closed: the status came before every recorded message */
    end_diff_line(3, false, 1, false, false,
                  "received 1 of 3 recorded messages before the status went out");
    /* extra messages without a half-close are the message check's */
    end_diff_line(1, false, 4, false, false, NULL);
}

static void end_diff_of_a_cut_off_call(void **state)
{
    (void)state;
    /* a cancel or deadline ends the stream without a half-close: not judged by its absence */
    end_diff_line(2, true, 2, false, true, NULL);
    end_diff_line(2, true, 0, false, true, NULL);
    end_diff_line(2, false, 1, false, true, NULL);
    /* a half-close it did send still counts */
    end_diff_line(2, true, 2, true, true, NULL);
    end_diff_line(2, true, 1, true, true,
                  "half-close after 1 message; the recording half-closed after 2");
    end_diff_line(1, false, 1, true, true,
                  "half-close after 1 message; the recording did not half-close (1 message sent)");
    /* the line is cut to the buffer */
    char small[12];
    assert_true(sc_record_end_diff(2, true, 1, true, false, small, sizeof small));
    assert_string_equal(small, "half-close ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(diff_identical_is_empty),
        cmocka_unit_test(diff_different_field),
        cmocka_unit_test(diff_missing_and_extra_fields),
        cmocka_unit_test(diff_absent_equals_proto3_default),
        cmocka_unit_test(diff_array_lengths),
        cmocka_unit_test(diff_nested_paths),
        cmocka_unit_test(diff_types_and_numbers),
        cmocka_unit_test(diff_max_caps_lines_not_the_count),
        cmocka_unit_test(diff_long_values_are_shortened),
        cmocka_unit_test(end_diff_half_close),
        cmocka_unit_test(end_diff_of_a_cut_off_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
