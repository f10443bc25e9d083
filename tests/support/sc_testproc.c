#include "sc_testproc.h"

#include <stdlib.h>

const char *sc_testproc_binary(void)
{
    const char *env = getenv("SC_STREAMCONFORM");
    return env != NULL ? env : SC_STREAMCONFORM_BINARY;
}
