/* sc_report_junit_parts: junit.xml pieces shared by the interop and the application suites. See
 * sc_report_junit_parts.h. */
#include "sc_report_junit_parts.h"

#include <stdlib.h>
#include <string.h>

void sc_report_junit_run_of(sc_report_junit_run *run, const cJSON *report)
{
    const char *started = sc_report_str(report, "started_at");
    run->timestamp = sc_report_junit_datetime_ok(started) ? started : "";
    run->hostname = sc_report_str(report, "hostname");
}

/* `n` ASCII digits at s as a number, or -1. */
static int sc_digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int sc_days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* The time zone suffix: "", "Z" or "+hh:mm" / "-hh:mm" (at most 14:00). */
static bool sc_tz_ok(const char *s)
{
    if (s[0] == '\0' || strcmp(s, "Z") == 0)
        return true;
    if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':')
        return false;
    int hh = sc_digits(s + 1, 2), mm = sc_digits(s + 4, 2);
    return hh >= 0 && mm >= 0 && mm < 60 && (hh < 14 || (hh == 14 && mm == 0));
}

/* YYYY-MM-DDThh:mm:ss: the separators in place and every field in its range. */
static bool date_and_time_ok(const char *s)
{
    /* YYYY-MM-DDThh:mm:ss is 19 characters */
    if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return false;
    int year = sc_digits(s, 4), month = sc_digits(s + 5, 2), day = sc_digits(s + 8, 2);
    bool date =
        year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= sc_days_in_month(year, month);
    int hour = sc_digits(s + 11, 2), minute = sc_digits(s + 14, 2), second = sc_digits(s + 17, 2);
    bool time =
        hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
    return date && time;
}

bool sc_report_junit_datetime_ok(const char *s)
{
    if (!date_and_time_ok(s))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return sc_tz_ok(p);
}

void sc_report_junit_seconds(FILE *out, double ms)
{
    fprintf(out, "%.3f", ms > 0 ? ms / 1000.0 : 0.0);
}

void sc_report_junit_suite_open(FILE *out, const char *prefix, const char *name,
                                const sc_report_counts *c, double ms,
                                const sc_report_junit_run *run, bool empty)
{
    fputs("  <testsuite name=\"", out);
    sc_report_xml_attr(out, prefix);
    sc_report_xml_attr(out, name);
    /* fail and stale are failures, error and unknown errors, every skip and known_failing
     * skipped: the only outcomes JUnit has */
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"",
            c->total, c->by_verdict[SC_VERDICT_FAIL] + c->by_verdict[SC_VERDICT_STALE],
            c->by_verdict[SC_VERDICT_ERROR] + c->by_verdict[SC_VERDICT_UNKNOWN],
            c->by_verdict[SC_VERDICT_SKIP] + c->by_verdict[SC_VERDICT_KNOWN_FAILING]);
    sc_report_junit_seconds(out, ms);
    fputc('"', out);
    if (run->timestamp[0]) {
        fputs(" timestamp=\"", out);
        sc_report_xml_attr(out, run->timestamp);
        fputc('"', out);
    }
    bool props = run->hostname[0] || c->replay_only;
    if (empty && !props) {
        fputs("/>\n", out);
        return;
    }
    fputs(">\n", out);
    if (props) {
        /* Surefire's schema has no hostname attribute (Jenkins xUnit's has): a property is valid
         * in both */
        fputs("    <properties>\n", out);
        if (run->hostname[0]) {
            fputs("      <property name=\"hostname\" value=\"", out);
            sc_report_xml_attr(out, run->hostname);
            fputs("\"/>\n", out);
        }
        if (c->replay_only)
            fprintf(out, "      <property name=\"replay_only\" value=\"%zu\"/>\n", c->replay_only);
        fputs("    </properties>\n", out);
    }
    if (empty)
        fputs("  </testsuite>\n", out);
}

void sc_junit_skipped(FILE *out, sc_report_verdict v, bool replay_only, const char *reason,
                      const char *body)
{
    fputs("      <skipped message=\"", out);
    if (v == SC_VERDICT_KNOWN_FAILING)
        sc_report_xml_attr(out, reason[0] ? "known failing: " : "known failing");
    else if (replay_only)
        sc_report_xml_attr(out, reason[0] ? "recorded, replay only: " : "recorded, replay only");
    else if (!reason[0])
        sc_report_xml_attr(out, "skipped");
    sc_report_xml_attr(out, reason);
    if (!body || !body[0]) {
        fputs("\"/>\n", out);
        return;
    }
    fputs("\">", out);
    sc_report_xml_text(out, body);
    fputs("</skipped>\n", out);
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

/* One rerun element. Surefire requires its <stackTrace> child (Jenkins xUnit allows it), and
 * Jenkins xUnit requires `type`. */
static void sc_junit_rerun(FILE *out, const char *tag, const char *type, const char *message,
                           const char *trace)
{
    fprintf(out, "      <%s type=\"%s\" message=\"", tag, type);
    sc_report_xml_attr(out, message);
    fputs("\"><stackTrace>", out);
    sc_report_xml_text(out, trace);
    fprintf(out, "</stackTrace></%s>\n", tag);
}

void sc_junit_reruns(FILE *out, sc_report_verdict v, long attempts, const char *message)
{
    if (attempts < 2)
        return;
    char text[160];
    for (long i = 2; i <= attempts; i++) {
        switch (v) {
        case SC_VERDICT_PASS:
            /* report.json keeps the passing attempt only: the earlier failures have no details */
            snprintf(text, sizeof text,
                     "attempt %ld of %ld failed; attempt %ld passed (retried: --known-flaky or "
                     "--retry-failed)",
                     i - 1, attempts, attempts);
            sc_junit_rerun(out, "flakyFailure", "flaky", "failed once, passed on the retry", text);
            break; /* one per failed attempt before the pass */
        case SC_VERDICT_FAIL:
            snprintf(text, sizeof text, "attempt %ld of %ld failed too", i, attempts);
            sc_junit_rerun(out, "rerunFailure", "fail", message[0] ? message : "failed again",
                           text);
            break;
        case SC_VERDICT_ERROR:
        case SC_VERDICT_UNKNOWN:
            snprintf(text, sizeof text, "attempt %ld of %ld ended in an error too", i, attempts);
            sc_junit_rerun(out, "rerunError", "error", message[0] ? message : "error again", text);
            break;
        default:
            return;
        }
    }
}

/* `text` capped at `max` bytes on a UTF-8 character boundary, as XML character data. */
static void sc_junit_text_capped(FILE *out, char *text, size_t max)
{
    size_t len = strlen(text);
    if (len <= max) {
        sc_report_xml_text(out, text);
        return;
    }
    size_t cut = max;
    while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
        cut--;
    char keep = text[cut];
    text[cut] = '\0';
    sc_report_xml_text(out, text);
    text[cut] = keep;
    fprintf(out, "\n[... %zu more bytes of the trace in report.json]", len - cut);
}

void sc_junit_trace_text(FILE *out, const cJSON *trace, bool after_text)
{
    char *text = cJSON_IsObject(trace) ? cJSON_Print(trace) : NULL;
    if (!text)
        return;
    fputs(after_text ? "\n--- trace (--trace) ---\n" : "--- trace (--trace) ---\n", out);
    sc_junit_text_capped(out, text, SC_REPORT_JUNIT_TRACE_MAX);
    free(text);
}

void sc_junit_trace_out(FILE *out, const char *note, const cJSON *trace)
{
    if (!note[0] && !cJSON_IsObject(trace))
        return;
    fputs("      <system-out>", out);
    sc_report_xml_text(out, note);
    sc_junit_trace_text(out, trace, note[0] != '\0');
    fputs("</system-out>\n", out);
}
