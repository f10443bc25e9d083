/* sc_report_apps_text: the application cases (sc_report_apps.h) in the text reports
 * (docs/report-format.md): junit.xml's "app:NAME" suites and summary.md's "Applications" section.
 * Pure; writes to the FILE given. */
#ifndef SC_REPORT_APPS_TEXT_H
#define SC_REPORT_APPS_TEXT_H

#include "sc_report_apps.h"
#include "sc_report_junit_parts.h"

#include <stdio.h>

/* Rows (scenarios), columns (applications) and listed bad cases of summary.md's "Applications"
 * section; the section notes how many more there were. */
#define SC_REPORT_APPS_MAX_SCENARIOS 100
#define SC_REPORT_APPS_MAX_COLUMNS 20 /* a table wider than this is unreadable in a CI log */
#define SC_REPORT_APPS_MAX_LISTED 50

/* One <testsuite name="app:NAME"> per application, with one <testcase classname="app:NAME"
 * name="SCENARIO"> per case: fail -> <failure message="FIRST SENTENCE"> with every sentence as
 * text; error (and an unknown verdict) -> <error>; skip and known_failing -> <skipped>; stale ->
 * <failure message="stale known-failing entry">; a retried case adds flakyFailure, rerunFailure or
 * rerunError (sc_report_junit_parts.h). The output tail goes in <system-out>. Each suite has the
 * run's timestamp and hostname (`run`). Nothing when `a` has no case. */
void sc_report_junit_apps(FILE *out, const sc_report_apps *a, const sc_report_junit_run *run);

/* "## Applications": a table with one row per scenario and one column per application, each cell
 * the verdict with the matrix's marks (✗ bad, ⚠ known failing, – not run), then each fail,
 * error and stale case by id with its sentences as a list. Nothing when `a` has no case. */
void sc_report_markdown_apps(FILE *out, const sc_report_apps *a);

/* How many cases are fail, error, stale or without a valid verdict. */
size_t sc_report_apps_bad(const sc_report_apps *a);

#endif
