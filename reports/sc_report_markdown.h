/* sc_report_markdown: summary.md from a parsed report.json (docs/report-format.md,
 * "summary.md"): run line, the interop matrix (clients as rows, servers as columns, passed/total
 * per cell where total leaves out skipped cases; " ✗" marks a cell with fail/error/stale cases,
 * " ⚠" one whose only non-passing cases are known-failing), the totals (app cases included), the
 * implementations, the reconnect table, the "Applications" section (sc_report_apps_text.h), then
 * one section per fail, error, stale (or unknown-verdict) case with expected vs actual. A "Flaky"
 * section names the cases that passed on their retry; replay-only skips are counted apart. The
 * whole is capped at SC_REPORT_MD_MAX_BYTES, with a closing note of what was left out.
 * GitHub-flavoured Markdown that also reads well as plain text in a CI log. */
#ifndef SC_REPORT_MARKDOWN_H
#define SC_REPORT_MARKDOWN_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* The most summary.md holds. GitHub shows a job summary of at most 1 MiB per step; half of that
 * leaves room for what else a workflow appends in the same step, and more would not be read. The
 * failures are listed while they fit, then a note says how many were not. */
#define SC_REPORT_MD_MAX_BYTES (512 * 1024)
/* A failing case's section longer than this (a huge expected/actual) is shown as its heading with
 * a pointer to report.html: one case cannot crowd out the others. */
#define SC_REPORT_MD_CASE_MAX (32 * 1024)
/* Flaky cases named in the "Flaky" section; a note gives how many more. */
#define SC_REPORT_MD_MAX_FLAKY 50

/* Returns 0, or -1 with a message in `err`. `report` may be NULL or lack any field. */
int sc_report_write_markdown(const cJSON *report, FILE *out, char *err, size_t errlen);

#endif
