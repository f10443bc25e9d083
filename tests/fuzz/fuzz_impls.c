/* libFuzzer target: the implementations-file parser (contract/sc_impl) with every variable
 * defined, and the call plan of `serve --call-plan` (server/sc_call_plan) on the same text. */
#include "fuzz_util.h"
#include "sc_call_plan.h"
#include "sc_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (text == NULL)
        return 0;
    sc_impl_vars vars = {.build = "/b", .here = "/h", .self = "/s", .core_version = "1.51"};
    sc_impl_book book = {0};
    char err[1024];
    sc_impl_book_load_text(&book, "impls.json", text, &vars, err, sizeof err);
    sc_impl_book_free(&book);
    sc_call_plan plan;
    if (sc_call_plan_parse(&plan, "plan.json", text, err, sizeof err) == 0) {
        for (int k = 0; k < 3; k++)
            sc_call_plan_next(&plan);
        sc_call_plan_free(&plan);
    }
    free(text);
    return 0;
}
