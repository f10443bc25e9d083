/* sc_report_html_reconnect: the "Reconnect and backoff by client" section of report.html
 * (<section id="reconnect">): one figure per scenario with reconnect data, one row per
 * client x server pair, expected windows and attempt marks on a shared time axis (see
 * sc_report_html.h for the classes the page promises). Pure; writes to the FILE given. */
#ifndef SC_REPORT_HTML_RECONNECT_H
#define SC_REPORT_HTML_RECONNECT_H

#include "sc_report_util.h"

#include <stdio.h>

/* The whole section, or nothing when `ix` has no scenario. */
void sc_html_reconnect(FILE *out, const sc_report_model *m, const sc_report_reconnect_index *ix);

#endif
