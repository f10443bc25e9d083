/* sc_report_apps_text: application cases in junit.xml and summary.md. See sc_report_apps_text.h. */
#include "sc_report_apps_text.h"

#include "sc_report_junit_parts.h"

#include <string.h>

/* Room for an exit line ("exited with code 3 at 2.3 s"). */
#define SC_APPS_EXIT_TEXT 160

size_t sc_report_apps_bad(const sc_report_apps *a)
{
    size_t n = 0;
    for (size_t i = 0; i < a->ncases; i++)
        n += sc_report_verdict_is_bad(a->cases[i].verdict);
    return n;
}

/* ---- junit.xml ---------------------------------------------------------------------------- */

/* The body of a <failure> or <error>: the sentences, one a line (at most
 * SC_REPORT_APP_MAX_SENTENCES), the reason, the exit line. */
static void sc_junit_app_details(FILE *out, const sc_report_app_case *k)
{
    size_t n = sc_report_app_sentence_count(k);
    for (size_t i = 0; i < n && i < SC_REPORT_APP_MAX_SENTENCES; i++) {
        sc_report_xml_text(out, sc_report_app_sentence(k, i));
        fputc('\n', out);
    }
    if (n > SC_REPORT_APP_MAX_SENTENCES)
        fprintf(out, "(%zu more findings in report.json)\n", n - SC_REPORT_APP_MAX_SENTENCES);
    if (k->reason[0]) {
        sc_report_xml_text(out, k->reason);
        fputc('\n', out);
    }
    char exit_text[SC_APPS_EXIT_TEXT];
    sc_report_app_exit_text(k, exit_text, sizeof exit_text);
    if (exit_text[0]) {
        sc_report_xml_text(out, "exit: ");
        sc_report_xml_text(out, exit_text);
        fputc('\n', out);
    }
}

/* <failure> (fail) or <error> (error, unknown verdict): the message is the first sentence, else
 * the reason, else `fallback`. */
static void sc_junit_app_problem(FILE *out, const sc_report_app_case *k, const char *tag,
                                 const char *fallback)
{
    const char *message = sc_report_app_sentence(k, 0);
    if (!message[0])
        message = k->reason[0] ? k->reason : fallback;
    fprintf(out, "      <%s type=\"%s\" message=\"", tag, tag[0] == 'f' ? "fail" : "error");
    sc_report_xml_attr(out, message);
    fputs("\">", out);
    sc_junit_app_details(out, k);
    fprintf(out, "</%s>\n", tag);
    sc_junit_reruns(out, k->verdict, k->attempts, message);
}

static void sc_junit_app_outcome(FILE *out, const sc_report_app_case *k)
{
    switch (k->verdict) {
    case SC_VERDICT_PASS:
        sc_junit_reruns(out, k->verdict, k->attempts, "");
        break;
    case SC_VERDICT_FAIL:
        sc_junit_app_problem(out, k, "failure", "expectation failed");
        break;
    case SC_VERDICT_STALE:
        sc_junit_stale(out, k->reason);
        break;
    case SC_VERDICT_SKIP:
    case SC_VERDICT_KNOWN_FAILING:
        sc_junit_skipped(out, k->verdict, false, k->reason, NULL);
        break;
    default: /* error, unknown */
        sc_junit_app_problem(out, k, "error",
                             k->verdict_text[0] && k->verdict == SC_VERDICT_UNKNOWN
                                 ? "unknown verdict"
                                 : (k->verdict == SC_VERDICT_UNKNOWN ? "no verdict" : "error"));
        break;
    }
}

/* <system-out>: the retry note of a flaky pass, the output tail, then the trace. */
static void sc_junit_app_output(FILE *out, const sc_report_app_case *k)
{
    bool cut, flaky = k->verdict == SC_VERDICT_PASS && k->attempts >= 2;
    const char *tail = sc_report_app_output_tail(k, &cut);
    const cJSON *trace = cJSON_GetObjectItemCaseSensitive(k->json, "trace");
    if (!flaky && !tail[0] && !cJSON_IsObject(trace))
        return;
    fputs("      <system-out>", out);
    if (flaky)
        sc_report_xml_text(out, "failed once, passed on the retry (known flaky)\n");
    if (cut)
        sc_report_xml_text(out, "[... earlier output left out]\n");
    sc_report_xml_text(out, tail);
    sc_junit_trace_text(out, trace, flaky || tail[0]);
    fputs("</system-out>\n", out);
}

static void sc_junit_app_case(FILE *out, const sc_report_app_case *k)
{
    fputs("    <testcase name=\"", out);
    sc_report_xml_attr(out, k->scenario);
    fputs("\" classname=\"app:", out);
    sc_report_xml_attr(out, k->app);
    fputs("\" time=\"", out);
    sc_report_junit_seconds(out, k->duration_ms);
    fputc('"', out);
    bool cut;
    bool flaky = k->verdict == SC_VERDICT_PASS && k->attempts >= 2;
    if (k->verdict == SC_VERDICT_PASS && !flaky && !sc_report_app_output_tail(k, &cut)[0] &&
        !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(k->json, "trace"))) {
        fputs("/>\n", out);
        return;
    }
    fputs(">\n", out);
    sc_junit_app_outcome(out, k);
    sc_junit_app_output(out, k);
    fputs("    </testcase>\n", out);
}

void sc_report_junit_apps(FILE *out, const sc_report_apps *a, const sc_report_junit_run *run)
{
    for (size_t app = 0; app < a->napps; app++) {
        double ms = 0;
        for (size_t i = a->app_start[app]; i < a->app_start[app + 1]; i++)
            ms += a->cases[i].duration_ms;
        sc_report_junit_suite_open(out, "app:", a->apps[app], &a->app_counts[app], ms, run, false);
        for (size_t i = a->app_start[app]; i < a->app_start[app + 1]; i++)
            sc_junit_app_case(out, &a->cases[i]);
        fputs("  </testsuite>\n", out);
    }
}

/* ---- summary.md --------------------------------------------------------------------------- */

/* A cell: the verdict with the matrix's marks. */
static void sc_md_app_cell(FILE *out, const sc_report_app_case *k)
{
    switch (k ? k->verdict : SC_VERDICT_COUNT) {
    case SC_VERDICT_PASS:
        fputs(k->attempts >= 2 ? "pass (flaky)" : "pass", out);
        break;
    case SC_VERDICT_FAIL:
        fputs("fail ✗", out);
        break;
    case SC_VERDICT_ERROR:
        fputs("error ✗", out);
        break;
    case SC_VERDICT_STALE:
        fputs("stale ✗", out);
        break;
    case SC_VERDICT_SKIP:
        fputs("skipped", out);
        break;
    case SC_VERDICT_KNOWN_FAILING:
        fputs("known failing ⚠", out);
        break;
    case SC_VERDICT_UNKNOWN:
        fputs("no verdict ✗", out);
        break;
    default:
        fputs("–", out);
        break;
    }
}

static void sc_md_apps_table(FILE *out, const sc_report_apps *a, size_t ncols, size_t nrows)
{
    fputs("| scenario ↓ application → |", out);
    for (size_t c = 0; c < ncols; c++) {
        fputc(' ', out);
        sc_report_md_inline(out, a->apps[c]);
        fputs(" |", out);
    }
    fputs("\n| --- |", out);
    for (size_t c = 0; c < ncols; c++)
        fputs(" --- |", out);
    fputc('\n', out);
    for (size_t r = 0; r < nrows; r++) {
        fputs("| ", out);
        sc_report_md_inline(out, a->scenarios[r]);
        fputs(" |", out);
        for (size_t c = 0; c < ncols; c++) {
            fputc(' ', out);
            sc_md_app_cell(out, sc_report_apps_find(a, c, r));
            fputs(" |", out);
        }
        fputc('\n', out);
    }
    fputs("\nCells: the verdict of the application in the scenario; ✗ fail, error or stale; ⚠ "
          "known failing; – not run. report.html draws each case's calls against the policy's "
          "windows.\n\n",
          out);
}

/* "### fail: ID", the sentences as a list, the reason and the exit line. */
static void sc_md_app_problem(FILE *out, const sc_report_app_case *k)
{
    fputs("### ", out);
    sc_report_md_inline(out, k->verdict == SC_VERDICT_UNKNOWN && k->verdict_text[0]
                                 ? k->verdict_text
                                 : sc_report_verdict_name(k->verdict));
    fputs(": ", out);
    if (k->id[0]) {
        sc_report_md_inline(out, k->id);
    } else {
        sc_report_md_inline(out, k->scenario);
        fputc('@', out);
        sc_report_md_inline(out, k->app);
    }
    fputs("\n\n", out);
    size_t n = sc_report_app_sentence_count(k);
    for (size_t i = 0; i < n && i < SC_REPORT_APP_MAX_SENTENCES; i++) {
        fputs("- ", out);
        sc_report_md_inline(out, sc_report_app_sentence(k, i));
        fputc('\n', out);
    }
    if (n > SC_REPORT_APP_MAX_SENTENCES)
        fprintf(out, "- (%zu more findings in report.json)\n", n - SC_REPORT_APP_MAX_SENTENCES);
    if (n)
        fputc('\n', out);
    if (k->verdict == SC_VERDICT_STALE)
        fputs("Listed in --known-failing but passed: the list is out of date.\n\n", out);
    if (k->reason[0]) {
        fputs("Reason: ", out);
        sc_report_md_inline(out, k->reason);
        fputs("\n\n", out);
    }
    char exit_text[SC_APPS_EXIT_TEXT];
    sc_report_app_exit_text(k, exit_text, sizeof exit_text);
    if (exit_text[0])
        fprintf(out, "Exit: %s.\n\n", exit_text);
}

static void sc_md_apps_problems(FILE *out, const sc_report_apps *a)
{
    size_t listed = 0, bad = sc_report_apps_bad(a);
    for (size_t i = 0; i < a->ncases && listed < SC_REPORT_APPS_MAX_LISTED; i++) {
        if (!sc_report_verdict_is_bad(a->cases[i].verdict))
            continue;
        sc_md_app_problem(out, &a->cases[i]);
        listed++;
    }
    if (bad > listed)
        fprintf(out, "%zu more failing application cases not listed (see report.json).\n\n",
                bad - listed);
}

void sc_report_markdown_apps(FILE *out, const sc_report_apps *a)
{
    if (a->ncases == 0)
        return;
    size_t ncols = a->napps < SC_REPORT_APPS_MAX_COLUMNS ? a->napps : SC_REPORT_APPS_MAX_COLUMNS;
    size_t nrows =
        a->nscenarios < SC_REPORT_APPS_MAX_SCENARIOS ? a->nscenarios : SC_REPORT_APPS_MAX_SCENARIOS;
    fputs("## Applications\n\n", out);
    sc_md_apps_table(out, a, ncols, nrows);
    if (a->nscenarios > nrows)
        fprintf(out, "%zu more app scenarios not listed.\n\n", a->nscenarios - nrows);
    if (a->napps > ncols)
        fprintf(out, "%zu more applications not listed.\n\n", a->napps - ncols);
    sc_md_apps_problems(out, a);
}
