#include "sc_log.h"
#include "sc_time.h"

#include <stdarg.h>
#include <stdio.h>

static sc_log_level sc_log_threshold = SC_LOG_INFO;
static const char *const sc_log_level_names[] = {"error", "warn", "info", "debug"};

void sc_log_set_level(sc_log_level level)
{
    sc_log_threshold = level;
}

sc_log_level sc_log_get_level(void)
{
    return sc_log_threshold;
}

void sc_log(sc_log_level level, const char *component, const char *fmt, ...)
{
    if (level > sc_log_threshold)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fprintf per line so that lines from different threads do not interleave. */
    fprintf(stderr, "[%lld %s %s] %s\n", (long long)sc_time_now_ms(), sc_log_level_names[level],
            component, line);
}
