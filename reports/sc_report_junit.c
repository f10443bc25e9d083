#include "sc_report_junit.h"

#include "sc_report_apps_text.h"
#include "sc_report_junit_parts.h"
#include "sc_report_util.h"

#include <stdlib.h>
#include <string.h>

typedef void (*sc_junit_put)(FILE *, const char *);

/* Plain text, for a body escaped later. */
static void sc_junit_put_plain(FILE *out, const char *s)
{
    fputs(s, out);
}

/* "expect.status: expected CANCELLED, actual OK" for one entry of `failures`, through `esc`. */
static void sc_junit_failure_line(FILE *out, const cJSON *f, sc_junit_put esc)
{
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

/* The message of a fail: the first failure line and how many more, else the reason. */
static void sc_junit_fail_message(FILE *out, const sc_report_case *k)
{
    const cJSON *failures = sc_report_arr(k->json, "failures");
    int n = cJSON_GetArraySize(failures);
    if (n > 0) {
        sc_junit_failure_line(out, cJSON_GetArrayItem(failures, 0), sc_report_xml_attr);
        if (n > 1)
            fprintf(out, " (and %d more)", n - 1);
    } else {
        sc_report_xml_attr(out, k->reason[0] ? k->reason : "expectation failed");
    }
}

/* Every failure line, then the reason, as character data. */
static void sc_junit_fail_body(FILE *out, const sc_report_case *k)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, sc_report_arr(k->json, "failures"))
    {
        sc_junit_failure_line(out, f, sc_report_xml_text);
        fputc('\n', out);
    }
    if (k->reason[0]) {
        sc_report_xml_text(out, k->reason);
        fputc('\n', out);
    }
}

static void sc_junit_fail(FILE *out, const sc_report_case *k)
{
    fputs("      <failure type=\"fail\" message=\"", out);
    sc_junit_fail_message(out, k);
    fputs("\">", out);
    sc_junit_fail_body(out, k);
    fputs("</failure>\n", out);
    sc_junit_reruns(out, k->verdict, k->attempts, "failed again on the retry");
}

/* A known-failing case: <skipped message="known failing: REASON"> (as pytest writes an xfail),
 * with the failures that were expected as its text. */
static void sc_junit_known_failing(FILE *out, const sc_report_case *k)
{
    char *body = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&body, &len);
    if (mem) {
        const cJSON *f;
        cJSON_ArrayForEach(f, sc_report_arr(k->json, "failures"))
        {
            sc_junit_failure_line(mem, f, sc_junit_put_plain);
            fputc('\n', mem);
        }
        fclose(mem);
    }
    sc_junit_skipped(out, k->verdict, false, k->reason, body);
    free(body);
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
    sc_junit_reruns(out, k->verdict, k->attempts, k->reason);
}

/* A passing case without retries or trace is an empty <testcase/>. */
static bool sc_junit_case_empty(const sc_report_case *k)
{
    return k->verdict == SC_VERDICT_PASS && !k->flaky &&
           !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(k->json, "trace"));
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
    if (sc_junit_case_empty(k)) {
        fputs("/>\n", out);
        return;
    }
    fputs(">\n", out);
    switch (k->verdict) {
    case SC_VERDICT_PASS:
        if (k->flaky)
            sc_junit_reruns(out, k->verdict, k->attempts < 2 ? 2 : k->attempts, "");
        break;
    case SC_VERDICT_FAIL:
        sc_junit_fail(out, k);
        break;
    case SC_VERDICT_STALE:
        sc_junit_stale(out, k->reason);
        break;
    case SC_VERDICT_SKIP:
        sc_junit_skipped(out, k->verdict, k->replay_only, k->reason, NULL);
        break;
    case SC_VERDICT_KNOWN_FAILING:
        sc_junit_known_failing(out, k);
        break;
    case SC_VERDICT_ERROR:
    case SC_VERDICT_UNKNOWN:
    default:
        sc_junit_error(out, k);
        break;
    }
    sc_junit_trace_out(out, k->flaky ? "failed once, passed on the retry (known flaky)" : "",
                       cJSON_GetObjectItemCaseSensitive(k->json, "trace"));
    fputs("    </testcase>\n", out);
}

/* The suite of one client x server cell. Returns -1 when out of memory. */
static int sc_junit_cell(FILE *out, const sc_report_model *m, size_t r, size_t c,
                         const sc_report_junit_run *run)
{
    size_t cell = sc_report_cell(m, r, c);
    size_t plen = strlen(m->clients[r]) + strlen(m->servers[c]) + 3;
    char *pair = malloc(plen);
    if (!pair)
        return -1;
    snprintf(pair, plen, "%s->%s", m->clients[r], m->servers[c]);
    double suite_ms = 0;
    for (size_t i = m->cell_start[cell]; i < m->cell_start[cell + 1]; i++)
        suite_ms += m->cases[i].duration_ms;
    bool empty = m->cell_start[cell] == m->cell_start[cell + 1];
    sc_report_junit_suite_open(out, "", pair, &m->cell_counts[cell], suite_ms, run, empty);
    if (!empty) {
        for (size_t i = m->cell_start[cell]; i < m->cell_start[cell + 1]; i++)
            sc_junit_case(out, &m->cases[i], pair);
        fputs("  </testsuite>\n", out);
    }
    free(pair);
    return 0;
}

/* The root element. Jenkins xUnit's schema allows name, time, tests, failures and errors on it
 * (no skipped). */
static void sc_junit_root(FILE *out, const cJSON *report, const sc_report_counts *t, double ms)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", out);
    const char *tool = sc_report_str(report, "tool");
    sc_report_xml_attr(out, tool[0] ? tool : "streamconform");
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"", t->total,
            t->by_verdict[SC_VERDICT_FAIL] + t->by_verdict[SC_VERDICT_STALE],
            t->by_verdict[SC_VERDICT_ERROR] + t->by_verdict[SC_VERDICT_UNKNOWN]);
    sc_report_junit_seconds(out, ms);
    fputs("\">\n", out);
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
    sc_report_junit_run run;
    sc_report_junit_run_of(&run, report);
    sc_junit_root(out, report, &totals, sc_report_num(report, "duration_ms", total_ms));

    int rc = 0;
    for (size_t r = 0; rc == 0 && r < m.nclients; r++)
        for (size_t c = 0; rc == 0 && c < m.nservers; c++)
            rc = sc_junit_cell(out, &m, r, c, &run);
    if (rc == 0) {
        sc_report_junit_apps(out, &apps, &run);
        fputs("</testsuites>\n", out);
    }
    sc_report_model_free(&m);
    sc_report_apps_free(&apps);
    if (rc != 0 || ferror(out)) {
        if (err && errlen)
            snprintf(err, errlen, rc != 0 ? "junit.xml: out of memory" : "junit.xml: write error");
        return -1;
    }
    return 0;
}
