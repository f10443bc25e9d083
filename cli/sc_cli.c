#include "sc_cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

bool sc_cli_parse_int(const char *cmd, const char *name, const char *text, int64_t min, int64_t max,
                      int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
        sc_cli_usage_error(cmd, "%s: expected a whole number from %lld to %lld, got \"%s\"", name,
                           (long long)min, (long long)max, text);
        return false;
    }
    *out = v;
    return true;
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
