/* sc_report_html: report.html from a parsed report.json (docs/report-format.md, "report.html"):
 * one self-contained page (inline CSS, inline vanilla JS, inline SVG; no external asset, no
 * network). Header with run info and implementations; the matrix with one <td data-cell=
 * "CLIENT->SERVER"> per client x server pair (the only elements carrying data-cell), coloured
 * green (all cases pass), red (any fail/error/stale/unknown), amber (no bad case but some
 * known_failing or skip), grey (no case); clicking a cell shows its cases; each case is a
 * <details> with failures, expected and actual (pretty JSON), trace, stderr, and an SVG timeline
 * when the case has a trace or a `reconnect` section. The report itself is embedded as JSON in
 * <script type="application/json" id="sc-report-data"> (with '<', '>', '&', U+2028 and U+2029
 * escaped) so the page alone carries everything; a button saves it as report.json. */
#ifndef SC_REPORT_HTML_H
#define SC_REPORT_HTML_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* Returns 0, or -1 with a message in `err`. `report` may be NULL or lack any field. */
int sc_report_write_html(const cJSON *report, FILE *out, char *err, size_t errlen);

#endif
