/* libFuzzer target: the script parser (common/sc_script) for each method (the first byte picks
 * it), and the scripted server's script book (server/sc_script_book) on the same text as a
 * --scripts line. */
#include "fuzz_util.h"
#include "sc_script.h"
#include "sc_script_book.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = fuzz_text(data + 1, size - 1);
    if (text == NULL)
        return 0;
    char err[1024];
    cJSON *json = cJSON_Parse(text);
    if (json != NULL) {
        sc_script s;
        if (sc_script_parse(&s, (sc_method)(data[0] % SC_METHOD_COUNT), json, "script", err,
                            sizeof err) == 0)
            sc_script_free(&s);
        cJSON_Delete(json);
    }
    sc_script_book book = {0};
    sc_script_book_add_line(&book, text, "fuzz:1", err, sizeof err);
    sc_script_book_free(&book);
    free(text);
    return 0;
}
