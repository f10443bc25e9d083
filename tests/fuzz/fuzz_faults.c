/* libFuzzer target: the fault-list parser (contract/sc_fault) on a --faults text. */
#include "fuzz_util.h"
#include "sc_fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (text == NULL)
        return 0;
    sc_fault_list faults;
    char err[512];
    sc_fault_list_parse(text, &faults, err, sizeof err);
    free(text);
    return 0;
}
