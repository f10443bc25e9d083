/* sc_report_html: report.html from a parsed report.json (docs/report-format.md, "report.html"):
 * one self-contained page (inline CSS, inline vanilla JS, inline SVG; no external asset, no
 * network). Header with run info and implementations; the matrix with one <td data-cell=
 * "CLIENT->SERVER"> per client x server pair (the only elements carrying data-cell), coloured
 * green (all cases pass), red (any fail/error/stale/unknown), amber (no bad case but some
 * known_failing or skip), grey (no case); clicking a cell shows its cases; each case is a
 * <details> with failures, expected and actual (pretty JSON), trace, stderr, and an SVG timeline
 * when the case has a trace or a `reconnect` section. The report itself is embedded as JSON in
 * <script type="application/json" id="sc-report-data"> (with '<', '>', '&', U+2028 and U+2029
 * escaped) so the page alone carries everything; a button saves it as report.json. A report over
 * SC_REPORT_HTML_EMBED_MAX is not embedded (the header says so). A sampled case (report.json
 * "sampled", docs/report-format.md: a pass or a skip) is one <p class="case-line">. Case elements
 * have id "case-" + the slug of the case id (sc_html_slug): a link to one survives between runs.
 *
 * After the matrix (and the failures list), the section "Reconnect and backoff by client"
 * (<section id="reconnect">, linked from the header's nav) compares the reconnect data of every
 * client x server pair: one <figure class="rb-figure"> per scenario with a `reconnect` block in a
 * case that is not skipped, holding one inline <svg class="rb-chart"> with one
 * <g class="rb-row" data-pair="CLIENT->SERVER"> per such case, expected windows
 * (class "rb-window") and attempt start marks (class "rb-mark" plus rb-in / rb-out / rb-first /
 * rb-unchecked) on a time axis shared by the rows. Absent when no case has reconnect data.
 *
 * After it, when the report has `applications`, the section "Applications"
 * (<section id="applications">, linked from the nav; sc_report_html_apps.h): a verdict table and
 * one <article class="app-case" id="app-N"> per app case that is not skipped, with its calls drawn
 * against the policy's windows by the same code. The header's totals and the failures list
 * include the app cases. */
#ifndef SC_REPORT_HTML_H
#define SC_REPORT_HTML_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* Bounds of the reconnect comparison (figures: SC_REPORT_RECONNECT_MAX_SCENARIOS in
 * sc_report_util.h); the page notes what it left out. */
#define SC_REPORT_HTML_RECONNECT_MAX_ROWS 64      /* rows (cases) drawn per figure */
#define SC_REPORT_HTML_RECONNECT_MAX_ATTEMPTS 200 /* attempts drawn per row */
/* A report.json longer than this (compact bytes) is not copied into the page: it would double
 * the page's size and its opening time, and it sits next to report.html anyway. */
#define SC_REPORT_HTML_EMBED_MAX (1024 * 1024)

/* Returns 0, or -1 with a message in `err`. `report` may be NULL or lack any field. */
int sc_report_write_html(const cJSON *report, FILE *out, char *err, size_t errlen);

#endif
