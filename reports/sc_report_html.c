#include "sc_report_html.h"

#include "sc_report_html_apps.h"
#include "sc_report_html_parts.h"
#include "sc_report_html_reconnect.h"
#include "sc_report_html_timeline.h"
#include "sc_report_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------------------ */

#define H(s) sc_report_html(out, (s))

static const char *sc_cell_state(const sc_report_counts *c)
{
    size_t bad = c->by_verdict[SC_VERDICT_FAIL] + c->by_verdict[SC_VERDICT_ERROR] +
                 c->by_verdict[SC_VERDICT_STALE] + c->by_verdict[SC_VERDICT_UNKNOWN];
    if (bad)
        return "bad";
    /* Skipped cases (not applicable to the pair) say nothing about it: only known failures
     * colour a cell amber. */
    if (c->by_verdict[SC_VERDICT_KNOWN_FAILING])
        return "warn";
    if (c->by_verdict[SC_VERDICT_PASS])
        return "pass";
    return "empty";
}

/* ---- sections ----------------------------------------------------------------------------- */

static void sc_html_failures(FILE *out, const cJSON *failures)
{
    fputs("<h4>Failures</h4>\n<table class=\"failures\"><tr><th>expectation</th><th>expected"
          "</th><th>actual</th></tr>\n",
          out);
    const cJSON *f;
    cJSON_ArrayForEach(f, failures)
    {
        const cJSON *fo = cJSON_IsObject(f) ? f : NULL;
        char *exp = sc_report_text(fo ? cJSON_GetObjectItemCaseSensitive(fo, "expected") : NULL);
        char *act = sc_report_text(fo ? cJSON_GetObjectItemCaseSensitive(fo, "actual") : NULL);
        char *whole = fo ? NULL : sc_report_text(f);
        fputs("<tr><td>", out);
        H(whole ? whole : sc_report_str(fo, "path"));
        fputs("</td><td>", out);
        H(exp);
        fputs("</td><td>", out);
        H(act);
        fputs("</td></tr>\n", out);
        if (whole)
            sc_report_text_free(whole);
        sc_report_text_free(exp);
        sc_report_text_free(act);
    }
    fputs("</table>\n", out);
}

static void sc_html_meta_row(FILE *out, const char *label, const char *value)
{
    if (!value[0])
        return;
    fprintf(out, "<dt>%s</dt><dd>", label);
    H(value);
    fputs("</dd>", out);
}

/* The counts and timings of a sampled case's `actual`: ", OK, 10000 responses, status at 40 ms". */
static void sc_html_sample_facts(FILE *out, const cJSON *actual)
{
    const char *code = sc_report_str(sc_report_obj(actual, "status"), "code");
    if (code[0]) {
        fputs(", ", out);
        H(code);
    }
    if (sc_report_has_num(actual, "responses_total")) {
        double n = sc_report_num(actual, "responses_total", 0);
        fprintf(out, ", %.0f response%s", n, n == 1 ? "" : "s");
    }
    const cJSON *t = sc_report_obj(actual, "timings");
    if (sc_report_has_num(t, "status_ms")) {
        char ms[64];
        sc_report_fmt_ms(ms, sizeof ms, sc_report_num(t, "status_ms", 0));
        fprintf(out, ", status at %s", ms);
    }
}

/* A sampled case (report.json "sampled": a pass or skip) as one line:
 * verdict, scenario, duration, status, counts; a skip's reason. report.json holds its sample. */
static void sc_html_case_line(FILE *out, const sc_report_case *k)
{
    char dur[64];
    sc_report_fmt_ms(dur, sizeof dur, k->duration_ms);
    const char *vname = sc_report_verdict_name(k->verdict);
    fprintf(out, "<p class=\"case-line vc-%s\" id=\"" SC_HTML_CASE_PREFIX, vname);
    sc_html_slug(out, k->id);
    fputs("\">", out);
    if (k->verdict != SC_VERDICT_PASS) /* the line's colour says pass */
        fprintf(out, "<span class=\"badge v-%s\">%s</span>", vname, vname);
    H(k->scenario);
    fprintf(out, "<span class=\"dur\">%s", dur);
    sc_html_sample_facts(out, sc_report_obj(k->json, "actual"));
    fputs("</span>", out);
    if (k->reason[0]) {
        fputs(" <span class=\"why\">", out);
        H(k->reason);
        fputs("</span>", out);
    }
    fputs("</p>\n", out);
}

static bool sc_html_sampled(const sc_report_case *k)
{
    return cJSON_IsObject(k->json) &&
           cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(k->json, "sampled"));
}

/* The case's facts as a <dl>: summary, id, method, origin, tags, reason, notes. */
static void sc_html_case_meta(FILE *out, const sc_report_case *k)
{
    const cJSON *j = k->json;
    fputs("<dl class=\"meta\">", out);
    sc_html_meta_row(out, "summary", sc_report_str(j, "summary"));
    sc_html_meta_row(out, "case", k->id);
    sc_html_meta_row(out, "method", sc_report_str(j, "method"));
    sc_html_meta_row(out, "origin", sc_report_str(j, "origin"));
    const cJSON *tags = sc_report_arr(j, "tags");
    if (cJSON_GetArraySize(tags) > 0) {
        fputs("<dt>tags</dt><dd>", out);
        const cJSON *t;
        bool first = true;
        cJSON_ArrayForEach(t, tags)
        {
            if (!cJSON_IsString(t))
                continue;
            if (!first)
                fputs(", ", out);
            H(t->valuestring);
            first = false;
        }
        fputs("</dd>", out);
    }
    sc_html_meta_row(out, "reason", k->reason);
    if (k->verdict == SC_VERDICT_STALE)
        sc_html_meta_row(out, "note",
                         "listed in --known-failing but passed: the list is out of date");
    fputs("</dl>\n", out);
}

/* Expected, actual, reconnect and trace as pretty JSON. */
static void sc_html_case_dumps(FILE *out, const cJSON *j)
{
    fputs("<h4>Expected</h4>\n", out);
    sc_html_pre_json(out, cJSON_GetObjectItemCaseSensitive(j, "expected"));
    fputs("<h4>Actual</h4>\n", out);
    sc_html_pre_json(out, cJSON_GetObjectItemCaseSensitive(j, "actual"));
    const cJSON *rec = sc_report_obj(j, "reconnect");
    if (rec) {
        fputs("<h4>Reconnect</h4>\n", out);
        sc_html_pre_json(out, rec);
    }
    const cJSON *trace = sc_report_obj(j, "trace");
    if (trace) {
        fputs("<h4>Trace</h4>\n", out);
        sc_html_pre_json(out, trace);
    }
}

/* A case as a <details> with everything: facts, failures, timeline, stderr, the JSON of expected
 * and actual. A sampled case (a pass or a skip) is one line instead. */
static void sc_html_case(FILE *out, const sc_report_case *k)
{
    const cJSON *j = k->json;
    if (sc_html_sampled(k)) { /* a reconnect case's attempts are drawn in the reconnect section */
        sc_html_case_line(out, k);
        return;
    }
    char dur[64];
    sc_report_fmt_ms(dur, sizeof dur, k->duration_ms);
    const char *vname = sc_report_verdict_name(k->verdict);
    fprintf(out, "<details class=\"case vc-%s\" id=\"" SC_HTML_CASE_PREFIX, vname);
    sc_html_slug(out, k->id);
    fputs("\" data-case=\"", out);
    H(k->id);
    fprintf(out, "\"><summary><span class=\"badge v-%s\">", vname);
    H(k->verdict == SC_VERDICT_UNKNOWN && k->verdict_text[0] ? k->verdict_text : vname);
    fputs("</span>", out);
    H(k->scenario);
    fprintf(out, "<span class=\"dur\">%s%s", dur, k->attempts >= 2 ? ", 2 attempts" : "");
    fputs("</span></summary>\n<div class=\"case-body\">\n", out);
    sc_html_case_meta(out, k);
    const cJSON *failures = sc_report_arr(j, "failures");
    if (cJSON_GetArraySize(failures) > 0)
        sc_html_failures(out, failures);
    if (sc_report_obj(j, "trace") || sc_report_obj(j, "reconnect"))
        sc_html_timeline(out, k);
    const char *stderr_tail = sc_report_str(j, "stderr");
    if (stderr_tail[0]) {
        fputs("<h4>stderr</h4>\n<pre>", out);
        H(stderr_tail);
        fputs("</pre>\n", out);
    }
    sc_html_case_dumps(out, j);
    fputs("</div></details>\n", out);
}

/* One "<tr><th>label</th><td>text</td></tr>" of the info table, when `text` is not empty. */
static void sc_html_info_row(FILE *out, const char *label, const char *text)
{
    if (!text[0])
        return;
    fprintf(out, "<tr><th>%s</th><td>", label);
    H(text);
    fputs("</td></tr>\n", out);
}

/* One implementation: its client and server versions, or whatever the report holds. */
static void sc_html_impl_row(FILE *out, const cJSON *im)
{
    fputs("<tr><th>", out);
    H(im->string);
    fputs("</th><td>", out);
    if (cJSON_IsObject(im)) {
        const char *cl = sc_report_str(im, "client"), *sv = sc_report_str(im, "server");
        if (cl[0]) {
            fputs("client: ", out);
            H(cl);
        }
        if (cl[0] && sv[0])
            fputs("<br>", out);
        if (sv[0]) {
            fputs("server: ", out);
            H(sv);
        }
        const char *note = sc_report_str(im, "server_note");
        if (note[0]) {
            fputs(" <em>(", out);
            H(note);
            fputs(")</em>", out);
        }
    } else {
        char *text = sc_report_text(im);
        H(text);
        sc_report_text_free(text);
    }
    fputs("</td></tr>\n", out);
}

/* Version, start, duration and the implementations. */
static void sc_html_info(FILE *out, const cJSON *report)
{
    fputs("<table class=\"info\">\n", out);
    sc_html_info_row(out, "version", sc_report_str(report, "version"));
    sc_html_info_row(out, "started", sc_report_str(report, "started_at"));
    if (sc_report_has_num(report, "duration_ms")) {
        char buf[64];
        sc_report_fmt_ms(buf, sizeof buf, sc_report_num(report, "duration_ms", 0));
        fprintf(out, "<tr><th>duration</th><td>%s</td></tr>\n", buf);
    }
    const cJSON *impls = sc_report_obj(report, "implementations");
    const cJSON *im;
    cJSON_ArrayForEach(im, impls)
    {
        sc_html_impl_row(out, im);
    }
    fputs("</table>\n", out);
}

/* The totals by verdict and the save button. */
static void sc_html_totals(FILE *out, const sc_report_counts *t, size_t not_embedded)
{
    fprintf(out,
            "<p class=\"totals\"><span><strong>%zu</strong> cases</span>"
            "<span class=\"badge v-pass\">%zu passed</span>"
            "<span class=\"badge v-fail\">%zu failed</span>"
            "<span class=\"badge v-error\">%zu errors</span>"
            "<span class=\"badge v-stale\">%zu stale</span>"
            "<span class=\"badge v-known_failing\">%zu known failing</span>"
            "<span class=\"badge v-skip\">%zu skipped</span>",
            t->total, t->by_verdict[SC_VERDICT_PASS], t->by_verdict[SC_VERDICT_FAIL],
            t->by_verdict[SC_VERDICT_ERROR] + t->by_verdict[SC_VERDICT_UNKNOWN],
            t->by_verdict[SC_VERDICT_STALE], t->by_verdict[SC_VERDICT_KNOWN_FAILING],
            sc_report_counts_plain_skips(t));
    if (t->replay_only) /* recorded raw messages: streamconform replay plays them */
        fprintf(out, "<span class=\"badge v-skip replay-only\">%zu recorded (replay only)</span>",
                t->replay_only);
    if (t->flaky)
        fprintf(out, "<span>%zu flaky (passed on retry)</span>", t->flaky);
    if (not_embedded == 0)
        fputs("<button type=\"button\" id=\"save-json\">Save report.json</button></p>\n", out);
    else /* too big to copy into the page: it sits next to it */
        fprintf(out,
                "<span class=\"note\">report.json (%.1f MB) is in the same folder; it is not "
                "embedded in this page</span></p>\n",
                (double)not_embedded / 1e6);
}

/* Fail, error, stale and unknown cases, interop and application. */
static size_t sc_html_bad(const sc_report_model *m, const sc_report_apps *apps)
{
    size_t bad = 0;
    for (size_t i = 0; i < m->ncases; i++)
        bad += sc_report_verdict_is_bad(m->cases[i].verdict);
    for (size_t i = 0; i < apps->ncases; i++)
        bad += sc_report_verdict_is_bad(apps->cases[i].verdict);
    return bad;
}

static void sc_html_header(FILE *out, const cJSON *report, const sc_report_model *m,
                           const sc_report_apps *apps, bool has_reconnect, size_t not_embedded)
{
    const char *tool = sc_report_str(report, "tool");
    fputs("<header>\n<h1>", out);
    H(tool[0] ? tool : "streamconform");
    fputs(" interop report</h1>\n", out);
    if (!cJSON_IsTrue(cJSON_IsObject(report) ? cJSON_GetObjectItemCaseSensitive(report, "complete")
                                             : NULL))
        fputs("<p class=\"banner\"><strong>Incomplete run:</strong> not every selected case "
              "finished; this page shows the cases in the report.</p>\n",
              out);
    sc_html_info(out, report);
    sc_report_counts totals = m->totals;
    sc_report_counts_merge(&totals, &apps->totals);
    sc_html_totals(out, &totals, not_embedded);
    fputs("<nav class=\"toc\"><a href=\"#matrix\">Interop matrix</a>", out);
    if (sc_html_bad(m, apps))
        fputs("<a href=\"#failures\">Failures</a>", out);
    if (has_reconnect)
        fputs("<a href=\"#reconnect\">Reconnect and backoff by client</a>", out);
    if (apps->ncases)
        fputs("<a href=\"#applications\">Applications</a>", out);
    fputs("</nav>\n</header>\n", out);
}

static void sc_html_matrix(FILE *out, const sc_report_model *m)
{
    fputs("<h2 id=\"matrix\">Interop matrix</h2>\n", out);
    if (m->nclients == 0 || m->nservers == 0) {
        fputs("<p>No cases.</p>\n", out);
        return;
    }
    fputs("<table class=\"matrix\"><thead><tr><th>client &#8595; server &#8594;</th>", out);
    for (size_t c = 0; c < m->nservers; c++) {
        fputs("<th scope=\"col\">", out);
        H(m->servers[c]);
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    static const struct {
        sc_report_verdict v;
        const char *label;
    } details[] = {{SC_VERDICT_FAIL, "fail"},
                   {SC_VERDICT_ERROR, "error"},
                   {SC_VERDICT_STALE, "stale"},
                   {SC_VERDICT_UNKNOWN, "no verdict"},
                   {SC_VERDICT_KNOWN_FAILING, "known failing"},
                   {SC_VERDICT_SKIP, "skip"}};
    for (size_t r = 0; r < m->nclients; r++) {
        fputs("<tr><th scope=\"row\">", out);
        H(m->clients[r]);
        fputs("</th>", out);
        for (size_t c = 0; c < m->nservers; c++) {
            const sc_report_counts *k = &m->cell_counts[sc_report_cell(m, r, c)];
            size_t judged = k->total - k->by_verdict[SC_VERDICT_SKIP];
            fprintf(out, "<td class=\"cell st-%s\" tabindex=\"0\" role=\"button\" data-cell=\"",
                    sc_cell_state(k));
            sc_html_pair(out, m, r, c);
            fprintf(out, "\" data-target=\"cell-%zu-%zu\" title=\"", r, c);
            sc_html_pair(out, m, r, c);
            fprintf(out,
                    ": %zu cases\"><span class=\"ratio\">%zu/%zu</span><span "
                    "class=\"detail\">",
                    k->total, k->by_verdict[SC_VERDICT_PASS], judged);
            bool first = true;
            for (size_t d = 0; d < sizeof details / sizeof details[0]; d++) {
                if (!k->by_verdict[details[d].v])
                    continue;
                fprintf(out, "%s%zu %s", first ? "" : " &#183; ", k->by_verdict[details[d].v],
                        details[d].label);
                first = false;
            }
            if (k->total == 0)
                fputs("no cases", out);
            fputs("</span></td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n<p class=\"legend\">passed/total (skipped cases not counted)"
          "<span class=\"st-pass\"></span>all pass<span class=\"st-bad\"></span>fail, error or "
          "stale<span class=\"st-warn\"></span>known failing"
          "<span class=\"st-empty\"></span>no cases. Click a cell for its cases.</p>\n",
          out);
}

/* A bad application case in the failures list, linked to its article when it has one. */
static void sc_html_app_problem(FILE *out, const sc_report_apps *apps, size_t i, size_t drawn)
{
    const sc_report_app_case *k = &apps->cases[i];
    if (drawn < SC_REPORT_HTML_APPS_MAX_FIGURES) {
        fputs("<li><a href=\"#", out);
        sc_html_app_anchor(out, k);
        fputs("\">", out);
    } else
        fputs("<li><a href=\"#applications\">", out);
    fprintf(out, "<span class=\"badge v-%s\">%s</span>", sc_report_verdict_name(k->verdict),
            sc_report_verdict_name(k->verdict));
    H(k->scenario);
    fputs(" (application ", out);
    H(k->app);
    fputs(")</a></li>\n", out);
}

static void sc_html_problems(FILE *out, const sc_report_model *m, const sc_report_apps *apps)
{
    size_t n = sc_html_bad(m, apps);
    if (n == 0)
        return;
    fprintf(out, "<h2 id=\"failures\">Failures (%zu)</h2>\n<ul class=\"problems\">\n", n);
    for (size_t i = 0; i < m->ncases; i++) {
        const sc_report_case *k = &m->cases[i];
        if (!sc_report_verdict_is_bad(k->verdict))
            continue;
        fputs("<li><a href=\"#" SC_HTML_CASE_PREFIX, out);
        sc_html_slug(out, k->id);
        fprintf(out, "\" data-open=\"cell-%zu-%zu\">", k->row, k->col);
        fprintf(out, "<span class=\"badge v-%s\">%s</span>", sc_report_verdict_name(k->verdict),
                sc_report_verdict_name(k->verdict));
        H(k->scenario);
        fputs(" (", out);
        sc_html_pair(out, m, k->row, k->col);
        fputs(")</a></li>\n", out);
    }
    /* Application cases keep their article's anchor: count the drawn (not skipped) ones. */
    for (size_t i = 0, drawn = 0; i < apps->ncases; i++) {
        if (sc_report_verdict_is_bad(apps->cases[i].verdict))
            sc_html_app_problem(out, apps, i, drawn);
        drawn += apps->cases[i].verdict != SC_VERDICT_SKIP;
    }
    fputs("</ul>\n", out);
}

/* Every cell's cases, in a hidden <section> the matrix opens. */
static void sc_html_cells(FILE *out, const sc_report_model *m)
{
    for (size_t r = 0; r < m->nclients; r++) {
        for (size_t c = 0; c < m->nservers; c++) {
            size_t cell = sc_report_cell(m, r, c);
            fprintf(out, "<section class=\"cell-cases\" id=\"cell-%zu-%zu\" hidden>\n<h2>", r, c);
            sc_html_pair(out, m, r, c);
            fprintf(out, ": %zu cases</h2>\n", m->cell_counts[cell].total);
            if (m->cell_counts[cell].total)
                fputs("<button type=\"button\" data-expand=\"1\">Expand all</button>"
                      "<button type=\"button\" data-expand=\"0\">Collapse all</button>\n",
                      out);
            for (size_t i = m->cell_start[cell]; i < m->cell_start[cell + 1]; i++)
                sc_html_case(out, &m->cases[i]);
            fputs("</section>\n", out);
        }
    }
}

/* The length of the report as compact JSON (SIZE_MAX when out of memory). */
static size_t sc_html_json_len(const cJSON *report)
{
    char *text = cJSON_PrintUnformatted(report);
    size_t n = text ? strlen(text) : SIZE_MAX;
    cJSON_free(text);
    return n;
}

int sc_report_write_html(const cJSON *report, FILE *out, char *err, size_t errlen)
{
    sc_report_model m;
    if (sc_report_model_init(&m, report, err, errlen) != 0)
        return -1;
    sc_report_reconnect_index rix;
    sc_report_apps apps;
    if (sc_report_apps_init(&apps, report, err, errlen) != 0) {
        sc_report_model_free(&m);
        return -1;
    }
    if (sc_report_reconnect_index_init(&rix, &m) != 0) {
        sc_report_model_free(&m);
        sc_report_apps_free(&apps);
        if (err && errlen)
            snprintf(err, errlen, "report.html: out of memory");
        return -1;
    }
    const char *tool = sc_report_str(report, "tool");
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n<title>",
          out);
    H(tool[0] ? tool : "streamconform");
    fputs(" report</title>\n<style>\n", out);
    fputs(sc_html_css, out);
    fputs("</style>\n<noscript><style>section.cell-cases{display:block!important}</style>"
          "</noscript>\n</head>\n<body>\n",
          out);
    size_t json_len = sc_html_json_len(report);
    sc_html_header(out, report, &m, &apps, rix.ngroups > 0,
                   json_len <= SC_REPORT_HTML_EMBED_MAX ? 0 : json_len);
    fputs("<main>\n", out);
    sc_html_matrix(out, &m);
    sc_html_problems(out, &m, &apps);
    sc_html_reconnect(out, &m, &rix);
    sc_html_apps(out, &apps);
    sc_html_cells(out, &m);
    fputs("</main>\n", out);
    int rc = 0;
    if (json_len <= SC_REPORT_HTML_EMBED_MAX) {
        fputs("<script type=\"application/json\" id=\"sc-report-data\">", out);
        rc = sc_report_json_for_script(out, report);
        fputs("</script>\n", out);
    }
    fputs("<script>\n", out);
    fputs(sc_html_js, out);
    fputs("</script>\n</body>\n</html>\n", out);
    sc_report_reconnect_index_free(&rix);
    sc_report_model_free(&m);
    sc_report_apps_free(&apps);
    if (rc != 0) {
        if (err && errlen)
            snprintf(err, errlen, "report.html: out of memory");
        return -1;
    }
    if (ferror(out)) {
        if (err && errlen)
            snprintf(err, errlen, "report.html: write error");
        return -1;
    }
    return 0;
}
