/* sc_report_markdown: summary.md from a parsed report.json (docs/report-format.md,
 * "summary.md"): run line, the interop matrix (clients as rows, servers as columns, passed/total
 * per cell where total leaves out skipped cases; " ✗" marks a cell with fail/error/stale cases,
 * " ⚠" one whose only non-passing cases are known-failing), the totals (app cases included), the
 * implementations, the reconnect table, the "Applications" section (sc_report_apps_text.h), then
 * one section per fail, error, stale (or unknown-verdict) case with expected vs actual.
 * GitHub-flavoured Markdown that also reads well as plain text in a CI log. */
#ifndef SC_REPORT_MARKDOWN_H
#define SC_REPORT_MARKDOWN_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* Returns 0, or -1 with a message in `err`. `report` may be NULL or lack any field. */
int sc_report_write_markdown(const cJSON *report, FILE *out, char *err, size_t errlen);

#endif
