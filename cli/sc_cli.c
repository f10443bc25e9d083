#include "sc_cli.h"
#include "sc_cli_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

bool sc_cli_parse_int(const char *cmd, const char *name, const char *text, int64_t min, int64_t max,
                      int64_t *out)
{
    if (sc_cli_parse_int64(text, min, max, out))
        return true;
    sc_cli_usage_error(cmd, "%s: expected a whole number from %lld to %lld, got \"%s\"", name,
                       (long long)min, (long long)max, text);
    return false;
}

int sc_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "streamconform %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see: streamconform %s --help)\n", cmd);
    return SC_EXIT_USAGE;
}
