/* sc_report: every report file of a run at once (docs/report-format.md). The single writers are
 * in sc_report_junit.h, sc_report_markdown.h and sc_report_html.h. */
#ifndef SC_REPORT_H
#define SC_REPORT_H

#include "sc_report_html.h"
#include "sc_report_junit.h"
#include "sc_report_markdown.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* Write report.json (`report` as compact JSON, one member and one case per line), junit.xml,
 * summary.md and report.html into `dir`, creating it (and its parents) when needed. Each file is
 * written to a temporary file in `dir`, flushed to disk and renamed over the final name, so a
 * reader (or a crash) never sees a half file. Every file is attempted even when an earlier one
 * fails. Returns 0, or -1 with the first failure in `err` (naming the file). `report` may be NULL
 * or lack any field. */
int sc_report_write_all(const cJSON *report, const char *dir, char *err, size_t errlen);

#endif
