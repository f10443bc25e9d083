/* "Did you mean" for typed names, and JSON error positions (common/sc_suggest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "sc_suggest.h"

static const char *const codes[] = {"OK",
                                    "CANCELLED",
                                    "UNAVAILABLE",
                                    "RESOURCE_EXHAUSTED",
                                    "INVALID_ARGUMENT",
                                    "DEADLINE_EXCEEDED"};
#define N_CODES (sizeof codes / sizeof codes[0])

static void typos_get_the_closest_name(void **state)
{
    (void)state;
    assert_string_equal(sc_suggest("UNAVAILBLE", codes, N_CODES), "UNAVAILABLE");
    assert_string_equal(sc_suggest("unavailable", codes, N_CODES), "UNAVAILABLE"); /* case */
    assert_string_equal(sc_suggest("RESOURCE_EXAUSTED", codes, N_CODES), "RESOURCE_EXHAUSTED");
    assert_string_equal(sc_suggest("CANCELED", codes, N_CODES), "CANCELLED");
    assert_string_equal(sc_suggest("KO", codes, N_CODES), "OK"); /* two letters swapped */
}

static void far_or_exact_words_get_none(void **state)
{
    (void)state;
    assert_null(sc_suggest("UNAVAILABLE", codes, N_CODES)); /* known */
    assert_null(sc_suggest("TIMEOUT", codes, N_CODES));
    assert_null(sc_suggest("X", codes, N_CODES));
    char longword[200];
    memset(longword, 'A', sizeof longword - 1);
    longword[sizeof longword - 1] = '\0';
    assert_null(sc_suggest(longword, codes, N_CODES));
    char hint[96];
    sc_suggest_hint("TIMEOUT", codes, N_CODES, hint, sizeof hint);
    assert_string_equal(hint, "");
    sc_suggest_hint("UNAVAILBLE", codes, N_CODES, hint, sizeof hint);
    assert_string_equal(hint, " (did you mean \"UNAVAILABLE\"?)");
}

static void json_positions_give_line_column_and_text(void **state)
{
    (void)state;
    const char *text = "{\n  \"a\": 1,\n  \"b\" 2\n}";
    char out[128];
    sc_json_position(text, strstr(text, "2"), out, sizeof out);
    assert_string_equal(out, "line 3, column 7, at '2 }'");
    sc_json_position(text, NULL, out, sizeof out);
    assert_string_equal(out, "line 4, column 2, at the end of input");
    sc_json_position("", "", out, sizeof out);
    assert_string_equal(out, "line 1, column 1, at the end of input");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(typos_get_the_closest_name),
        cmocka_unit_test(far_or_exact_words_get_none),
        cmocka_unit_test(json_positions_give_line_column_and_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
