/* sc_report_junit: junit.xml from a parsed report.json (docs/report-format.md, "junit.xml").
 * One <testsuite> per client x server pair of the matrix (name and classname "c->python"), one
 * <testcase> per case (name = scenario, time in seconds): fail -> <failure>, stale -> <failure
 * message="stale known-failing entry">, error (and an absent or unknown verdict) -> <error> with
 * the reason and stderr, skip and known_failing -> <skipped>. A case that passed on its retry
 * gets <flakyFailure> and a <system-out> note, a retried fail or error <rerunFailure> or
 * <rerunError>; a case's `trace` goes in its <system-out>. Each suite has the run's timestamp and
 * a hostname property. Then one <testsuite name="app:NAME"> per application of the report's
 * `applications` (sc_report_apps_text.h); the root's totals count them too. Valid against
 * tests/data/junit.xsd, Surefire's and Jenkins xUnit's schemas for any input tree
 * (sc_report_junit_parts.h). */
#ifndef SC_REPORT_JUNIT_H
#define SC_REPORT_JUNIT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* Write the XML document to `out`. Returns 0, or -1 with a message in `err` (allocation or write
 * failure). `report` may be NULL or lack any field (absent reads as empty). */
int sc_report_write_junit(const cJSON *report, FILE *out, char *err, size_t errlen);

#endif
