/* sc_report_html_timeline: the <svg class="timeline"> of one case in report.html: a client row
 * (attempts, headers, half-close, responses, status), a reconnect row (each attempt against the
 * window it was expected to start in) and a server row (its events on its own clock), over a
 * time axis in ms. Pure; writes to the FILE given. */
#ifndef SC_REPORT_HTML_TIMELINE_H
#define SC_REPORT_HTML_TIMELINE_H

#include "sc_report_util.h"

#include <stdio.h>

/* The "Timeline" heading and figure of case `k`, or nothing when it has no timing data. */
void sc_html_timeline(FILE *out, const sc_report_case *k);

#endif
