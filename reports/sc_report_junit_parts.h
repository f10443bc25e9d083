/* sc_report_junit_parts: the pieces of junit.xml shared by the matrix's suites
 * (sc_report_junit.c) and the applications' (sc_report_apps_text.c). Everything written here is
 * valid against both schemas the tests check (docs/report-format.md, "junit.xml"): Maven
 * Surefire's surefire-test-report.xsd (3.0.2) and the Jenkins xUnit plugin's junit-10.xsd. That
 * fixes the order of a <testcase>'s children (Surefire's sequence): failure, rerunFailure,
 * flakyFailure, skipped, error, rerunError, system-out. Not in sc_report_junit.h, which the engine
 * includes beside its own verdict enum. */
#ifndef SC_REPORT_JUNIT_PARTS_H
#define SC_REPORT_JUNIT_PARTS_H

#include "sc_report_util.h"

#include <stdbool.h>
#include <stdio.h>

/* At most this much of a case's `trace` (pretty JSON) goes into its <system-out>: enough for the
 * client timings and a few hundred server events; report.json keeps it whole. */
#define SC_REPORT_JUNIT_TRACE_MAX (64 * 1024)

/* What every <testsuite> of the run carries. Strings are never NULL ("" = leave out). */
typedef struct {
    const char *timestamp; /* report.json `started_at`, only when it is a valid xs:dateTime */
    const char *hostname;  /* report.json `hostname` */
} sc_report_junit_run;

/* Read the run's fields from `report` (which must outlive `run`). */
void sc_report_junit_run_of(sc_report_junit_run *run, const cJSON *report);

/* Is `s` an xs:dateTime (YYYY-MM-DDThh:mm:ss[.fff][Z|+hh:mm])? Surefire types the timestamp so,
 * and a broken report must not make the file invalid. */
bool sc_report_junit_datetime_ok(const char *s);

/* Milliseconds as JUnit seconds ("4.123"). */
void sc_report_junit_seconds(FILE *out, double ms);

/* `  <testsuite name="PREFIXNAME" tests=.. failures=.. errors=.. skipped=.. time=.. timestamp=..>`
 * then its <properties>: `hostname` and, when some are, `replay_only` (the recorded, replay-only
 * skips among `skipped`). With `empty`, the element is closed and nothing else is needed; else
 * the caller writes the test cases and "  </testsuite>\n". */
void sc_report_junit_suite_open(FILE *out, const char *prefix, const char *name,
                                const sc_report_counts *c, double ms,
                                const sc_report_junit_run *run, bool empty);

/* <skipped> for a skip ("recorded, replay only: REASON" when replay_only) or a known-failing
 * case ("known failing: REASON"); `body` (may be NULL) is written as its text. */
void sc_junit_skipped(FILE *out, sc_report_verdict v, bool replay_only, const char *reason,
                      const char *body);

/* <failure type="stale"> for a known-failing entry that passed. */
void sc_junit_stale(FILE *out, const char *reason);

/* The retry elements of a case that ran `attempts` times: a pass after a failure gets
 * <flakyFailure> (flaky true), a fail <rerunFailure> and an error <rerunError>, one per retry.
 * `message` (may be "") is the outcome's message. Nothing when attempts < 2 or for another
 * verdict. Call it right after the <failure> (fail) or <error> (error, unknown), or first for a
 * flaky pass. */
void sc_junit_reruns(FILE *out, sc_report_verdict v, long attempts, const char *message);

/* <system-out> with `note` (may be "") then the case's `trace` object (sc_junit_trace_text).
 * Nothing when both are empty. */
void sc_junit_trace_out(FILE *out, const char *note, const cJSON *trace);

/* A case's `trace` object as character data under a "--- trace (--trace) ---" line (preceded by
 * a newline when `after_text`): pretty JSON of at most SC_REPORT_JUNIT_TRACE_MAX bytes, with a
 * note of what was left out. Nothing when `trace` is not an object. */
void sc_junit_trace_text(FILE *out, const cJSON *trace, bool after_text);

#endif
