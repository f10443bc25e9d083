#include "sc_report_junit.h"

#include "sc_report_apps_text.h"
#include "sc_report_util.h"

#include <stdlib.h>
#include <string.h>

void sc_report_junit_seconds(FILE *out, double ms)
{
    fprintf(out, "%.3f", ms > 0 ? ms / 1000.0 : 0.0);
}

/* "expect.status: expected CANCELLED, actual OK" for one entry of `failures`. */
void sc_junit_skipped(FILE *out, bool known_failing, const char *reason)
{
    fputs("      <skipped message=\"", out);
    if (known_failing)
        sc_report_xml_attr(out, reason[0] ? "known failing: " : "known failing");
    else if (!reason[0])
        sc_report_xml_attr(out, "skipped");
    sc_report_xml_attr(out, reason);
    fputs("\"/>\n", out);
}

void sc_junit_stale(FILE *out, const char *reason)
{
    fputs("      <failure type=\"stale\" message=\"stale known-failing entry\">", out);
    sc_report_xml_text(out, "listed in --known-failing but passed: the list is out of date");
    if (reason[0]) {
        fputc('\n', out);
        sc_report_xml_text(out, reason);
    }
    fputs("</failure>\n", out);
}

static void sc_junit_failure_line(FILE *out, const cJSON *f, bool attr)
{
    void (*esc)(FILE *, const char *) = attr ? sc_report_xml_attr : sc_report_xml_text;
    char *exp =
        sc_report_text(cJSON_IsObject(f) ? cJSON_GetObjectItemCaseSensitive(f, "expected") : NULL);
    char *act =
        sc_report_text(cJSON_IsObject(f) ? cJSON_GetObjectItemCaseSensitive(f, "actual") : NULL);
    const char *path = sc_report_str(f, "path");
    if (cJSON_IsString(f)) /* tolerate a plain string entry */
        esc(out, f->valuestring);
    else {
        esc(out, path[0] ? path : "(expectation)");
        esc(out, ": expected ");
        esc(out, exp);
        esc(out, ", actual ");
        esc(out, act);
    }
    sc_report_text_free(exp);
    sc_report_text_free(act);
}

static void sc_junit_fail(FILE *out, const sc_report_case *k)
{
    const cJSON *failures = sc_report_arr(k->json, "failures");
    int n = cJSON_GetArraySize(failures);
    fputs("      <failure type=\"fail\" message=\"", out);
    if (n > 0) {
        sc_junit_failure_line(out, cJSON_GetArrayItem(failures, 0), true);
        if (n > 1)
            fprintf(out, " (and %d more)", n - 1);
    } else {
        sc_report_xml_attr(out, k->reason[0] ? k->reason : "expectation failed");
    }
    fputs("\">", out);
    const cJSON *f;
    cJSON_ArrayForEach(f, failures)
    {
        sc_junit_failure_line(out, f, false);
        fputc('\n', out);
    }
    if (k->reason[0]) {
        sc_report_xml_text(out, k->reason);
        fputc('\n', out);
    }
    fputs("</failure>\n", out);
}

static void sc_junit_error(FILE *out, const sc_report_case *k)
{
    const char *stderr_tail = sc_report_str(k->json, "stderr");
    fputs("      <error type=\"error\" message=\"", out);
    if (k->verdict == SC_VERDICT_UNKNOWN) {
        if (k->verdict_text[0]) {
            sc_report_xml_attr(out, "unknown verdict \"");
            sc_report_xml_attr(out, k->verdict_text);
            sc_report_xml_attr(out, "\"");
        } else {
            sc_report_xml_attr(out, "no verdict");
        }
        if (k->reason[0])
            sc_report_xml_attr(out, ": ");
    }
    sc_report_xml_attr(out, k->reason[0] || k->verdict == SC_VERDICT_UNKNOWN ? k->reason : "error");
    fputs("\">", out);
    sc_report_xml_text(out, k->reason);
    if (stderr_tail[0]) {
        fputs("\n--- stderr ---\n", out);
        sc_report_xml_text(out, stderr_tail);
    }
    fputs("</error>\n", out);
}

static void sc_junit_case(FILE *out, const sc_report_case *k, const char *pair)
{
    fputs("    <testcase name=\"", out);
    sc_report_xml_attr(out, k->scenario);
    fputs("\" classname=\"", out);
    sc_report_xml_attr(out, pair);
    fputs("\" time=\"", out);
    sc_report_junit_seconds(out, k->duration_ms);
    fputs("\"", out);
    if (k->verdict == SC_VERDICT_PASS && k->attempts < 2) {
        fputs("/>\n", out);
        return;
    }
    fputs(">\n", out);
    switch (k->verdict) {
    case SC_VERDICT_PASS:
        fputs("      <system-out>failed once, passed on the retry (known flaky)</system-out>\n",
              out);
        break;
    case SC_VERDICT_FAIL:
        sc_junit_fail(out, k);
        break;
    case SC_VERDICT_STALE:
        sc_junit_stale(out, k->reason);
        break;
    case SC_VERDICT_SKIP:
    case SC_VERDICT_KNOWN_FAILING:
        sc_junit_skipped(out, k->verdict == SC_VERDICT_KNOWN_FAILING, k->reason);
        break;
    case SC_VERDICT_ERROR:
    case SC_VERDICT_UNKNOWN:
    default:
        sc_junit_error(out, k);
        break;
    }
    fputs("    </testcase>\n", out);
}

void sc_report_junit_counts(FILE *out, const sc_report_counts *c)
{
    fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"", c->total,
            c->by_verdict[SC_VERDICT_FAIL] + c->by_verdict[SC_VERDICT_STALE],
            c->by_verdict[SC_VERDICT_ERROR] + c->by_verdict[SC_VERDICT_UNKNOWN],
            c->by_verdict[SC_VERDICT_SKIP] + c->by_verdict[SC_VERDICT_KNOWN_FAILING]);
}

int sc_report_write_junit(const cJSON *report, FILE *out, char *err, size_t errlen)
{
    sc_report_model m;
    sc_report_apps apps;
    if (sc_report_model_init(&m, report, err, errlen) != 0)
        return -1;
    if (sc_report_apps_init(&apps, report, err, errlen) != 0) {
        sc_report_model_free(&m);
        return -1;
    }

    double total_ms = 0;
    for (size_t i = 0; i < m.ncases; i++)
        total_ms += m.cases[i].duration_ms;
    for (size_t i = 0; i < apps.ncases; i++)
        total_ms += apps.cases[i].duration_ms;
    sc_report_counts totals = m.totals;
    sc_report_counts_merge(&totals, &apps.totals);
    double run_ms = sc_report_num(report, "duration_ms", total_ms);

    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", out);
    const char *tool = sc_report_str(report, "tool");
    sc_report_xml_attr(out, tool[0] ? tool : "streamconform");
    fputc('"', out);
    sc_report_junit_counts(out, &totals);
    fputs(" time=\"", out);
    sc_report_junit_seconds(out, run_ms);
    fputs("\">\n", out);

    for (size_t r = 0; r < m.nclients; r++) {
        for (size_t c = 0; c < m.nservers; c++) {
            size_t cell = sc_report_cell(&m, r, c);
            size_t plen = strlen(m.clients[r]) + strlen(m.servers[c]) + 3;
            char *pair = malloc(plen);
            if (!pair) {
                sc_report_model_free(&m);
                sc_report_apps_free(&apps);
                if (err && errlen)
                    snprintf(err, errlen, "junit.xml: out of memory");
                return -1;
            }
            snprintf(pair, plen, "%s->%s", m.clients[r], m.servers[c]);
            double suite_ms = 0;
            for (size_t i = m.cell_start[cell]; i < m.cell_start[cell + 1]; i++)
                suite_ms += m.cases[i].duration_ms;

            fputs("  <testsuite name=\"", out);
            sc_report_xml_attr(out, pair);
            fputc('"', out);
            sc_report_junit_counts(out, &m.cell_counts[cell]);
            fputs(" time=\"", out);
            sc_report_junit_seconds(out, suite_ms);
            fputc('"', out);
            if (m.cell_start[cell] == m.cell_start[cell + 1]) {
                fputs("/>\n", out);
            } else {
                fputs(">\n", out);
                for (size_t i = m.cell_start[cell]; i < m.cell_start[cell + 1]; i++)
                    sc_junit_case(out, &m.cases[i], pair);
                fputs("  </testsuite>\n", out);
            }
            free(pair);
        }
    }
    sc_report_junit_apps(out, &apps);
    fputs("</testsuites>\n", out);
    sc_report_model_free(&m);
    sc_report_apps_free(&apps);
    if (ferror(out)) {
        if (err && errlen)
            snprintf(err, errlen, "junit.xml: write error");
        return -1;
    }
    return 0;
}
