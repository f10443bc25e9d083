/* libFuzzer target: the driver-instruction parser (contract/sc_instr) on one line. */
#include "fuzz_util.h"
#include "sc_instr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (text == NULL)
        return 0;
    sc_instr in;
    char err[1024];
    sc_instr_parse(text, &in, err, sizeof err);
    sc_instr_free(&in); /* released on failure too (the parser's contract) */
    free(text);
    return 0;
}
