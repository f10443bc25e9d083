/* sc_log: leveled diagnostics on stderr. stdout is reserved for machine-readable output
 * (ready lines, results), so nothing here ever writes to it. */
#ifndef SC_LOG_H
#define SC_LOG_H

typedef enum { SC_LOG_ERROR = 0, SC_LOG_WARN = 1, SC_LOG_INFO = 2, SC_LOG_DEBUG = 3 } sc_log_level;

/* Messages above this level are dropped. Default SC_LOG_INFO. Not thread-safe to change while
 * other threads log; set it once at start-up. */
void sc_log_set_level(sc_log_level level);
sc_log_level sc_log_get_level(void);

/* printf-style; a newline is appended. `component` is a short tag such as "server". */
void sc_log(sc_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
