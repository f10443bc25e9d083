/* sc_report_html_apps: the "Applications" section of report.html. See sc_report_html_apps.h. */
#include "sc_report_html_apps.h"

#include "sc_report_html.h"
#include "sc_report_html_parts.h"
#include "sc_report_html_reconnect.h"

#include <math.h>
#include <string.h>

#define H(s) sc_report_html(out, (s))

#define SC_APP_MAX_MARKS SC_REPORT_HTML_RECONNECT_MAX_ATTEMPTS /* calls, connections per row */
#define SC_APP_TEXT 512                                        /* a <title> or a row's text */
#define SC_APP_EXIT 160 /* an exit line ("exited with code 3 at 2.3 s") */

enum { SC_APP_ROW = SC_HTML_RB_ROW, SC_APP_TOP = SC_HTML_RB_TOP };

/* ---- the figure --------------------------------------------------------------------------- */

/* What a case's figure shows: calls (row 0), connections (row 1, when there are any), and the
 * disruptions and the exit as lines across the rows. */
typedef struct {
    const cJSON *calls, *connections, *disruptions, *exit;
    size_t nrows;
    double tmax, axis_y;
} sc_app_fig;

static void sc_app_tmax(double *m, double v)
{
    if (isfinite(v) && v > *m)
        *m = v;
}

/* The latest `key` among the first SC_APP_MAX_MARKS objects of `list`. */
static void sc_app_list_tmax(double *m, const cJSON *list, const char *key)
{
    const cJSON *it;
    size_t n = 0;
    cJSON_ArrayForEach(it, list)
    {
        if (n++ >= SC_APP_MAX_MARKS)
            break;
        sc_app_tmax(m, sc_report_num(it, key, 0));
    }
}

static void sc_app_fig_init(sc_app_fig *f, const sc_report_app_case *k)
{
    memset(f, 0, sizeof *f);
    f->calls = sc_report_app_attempts(k);
    f->connections = sc_report_arr(k->json, "connections");
    f->disruptions = sc_report_arr(k->json, "disruptions");
    f->exit = sc_report_obj(k->json, "exit");
    f->nrows = cJSON_GetArraySize(f->connections) > 0 ? 2 : 1;
    sc_report_reconnect_stats st;
    sc_report_reconnect_stats_of(f->calls, SC_APP_MAX_MARKS, &st);
    f->tmax = st.tmax;
    sc_app_list_tmax(&f->tmax, f->connections, "t_ms");
    sc_app_list_tmax(&f->tmax, f->disruptions, "t_ms");
    sc_app_tmax(&f->tmax, sc_report_num(f->exit, "at_ms", 0));
    sc_app_tmax(&f->tmax, k->duration_ms);
    if (f->tmax <= 0)
        f->tmax = 1;
    f->tmax *= 1.04; /* room for the last mark */
    f->axis_y = SC_APP_TOP + (double)f->nrows * SC_APP_ROW + 2;
}

static void sc_app_row_label(FILE *out, double y, const char *label)
{
    fputs("<text x=\"6\" y=\"", out);
    sc_html_num(out, y + 15);
    fprintf(out, "\">%s</text>", label);
}

static void sc_app_row_text(FILE *out, double y, const char *text)
{
    fprintf(out, "<text class=\"rb-text\" x=\"%d\" y=\"", SC_HTML_RB_W - SC_HTML_RB_RIGHT + 10);
    sc_html_num(out, y + 15);
    fputs("\">", out);
    H(text);
    fputs("</text>", out);
}

/* Row 0: the calls against their windows, and "5 calls, 1 of 4 gaps out of window". */
static void sc_app_calls_row(FILE *out, const sc_app_fig *f)
{
    char text[SC_APP_TEXT];
    sc_report_reconnect_stats st;
    sc_report_reconnect_stats_of(f->calls, SC_APP_MAX_MARKS, &st);
    double y = SC_APP_TOP;
    fputs("<g class=\"rb-row app-calls-row\">", out);
    sc_app_row_label(out, y, "calls");
    sc_html_rb_attempts_row(out, f->calls, "call", f->tmax, y);
    int len = snprintf(text, sizeof text, "%zu call%s, ", st.attempts, st.attempts == 1 ? "" : "s");
    if (st.gaps == 0)
        snprintf(text + len, sizeof text - (size_t)len, "no gap checked");
    else
        snprintf(text + len, sizeof text - (size_t)len, "%zu of %zu gap%s out of window", st.out,
                 st.gaps, st.gaps == 1 ? "" : "s");
    sc_app_row_text(out, y, text);
    fputs("</g>", out);
}

/* One connection's mark: refused (red) or accepted (blue), with its time and how it ended. */
static void sc_app_connection(FILE *out, const cJSON *c, double tmax, double y)
{
    char title[SC_APP_TEXT];
    bool refused = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "refused"));
    double t = sc_report_num(c, "t_ms", 0);
    const char *how = sc_report_str(c, "how");
    sc_html_rb_vline(out, sc_html_rb_x(tmax, t), y + 4, y + SC_APP_ROW - 4,
                     refused ? "app-conn app-conn-refused" : "app-conn",
                     refused ? "#dc2626" : "#2563eb", 2);
    snprintf(title, sizeof title, "connection at %.0f ms%s%s%s", t, refused ? ", refused" : "",
             how[0] ? ": " : "", how);
    fputs("><title>", out);
    H(title);
    fputs("</title></line>", out);
}

/* Row 1: the connection attempts the fault proxy saw. */
static void sc_app_connections_row(FILE *out, const sc_app_fig *f)
{
    char text[SC_APP_TEXT];
    double y = SC_APP_TOP + SC_APP_ROW;
    size_t n = 0, refused = 0;
    const cJSON *c;
    fputs("<g class=\"rb-row app-connections-row\">", out);
    fputs("<rect x=\"0\" y=\"", out);
    sc_html_num(out, y);
    fprintf(out, "\" width=\"%d\" height=\"%d\" fill=\"#f3f4f6\"/>", SC_HTML_RB_W, SC_APP_ROW);
    sc_app_row_label(out, y, "connections");
    cJSON_ArrayForEach(c, f->connections)
    {
        refused += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "refused"));
        if (cJSON_IsObject(c) && n++ < SC_APP_MAX_MARKS)
            sc_app_connection(out, c, f->tmax, y);
    }
    snprintf(text, sizeof text, "%zu connection%s, %zu refused", n, n == 1 ? "" : "s", refused);
    sc_app_row_text(out, y, text);
    fputs("</g>", out);
}

/* A line across every row at `t`, with a title. */
static void sc_app_across(FILE *out, const sc_app_fig *f, double t, const char *cls,
                          const char *stroke, const char *title)
{
    sc_html_rb_vline(out, sc_html_rb_x(f->tmax, t), SC_APP_TOP, f->axis_y, cls, stroke, 2);
    fputs(" stroke-dasharray=\"4 3\"><title>", out);
    H(title);
    fputs("</title></line>", out);
}

/* The disruptions (server restarts, proxy faults) and the exit, across the rows. */
static void sc_app_events(FILE *out, const sc_report_app_case *k, const sc_app_fig *f)
{
    char title[SC_APP_TEXT];
    const cJSON *d;
    size_t n = 0;
    cJSON_ArrayForEach(d, f->disruptions)
    {
        if (!cJSON_IsObject(d) || n++ >= SC_APP_MAX_MARKS)
            continue;
        double t = sc_report_num(d, "t_ms", 0);
        const char *what = sc_report_str(d, "what");
        snprintf(title, sizeof title, "%s at %.0f ms", what[0] ? what : "disruption", t);
        sc_app_across(out, f, t, "app-disruption", "#7c3aed", title);
    }
    if (f->exit && sc_report_has_num(f->exit, "at_ms")) {
        char text[SC_APP_EXIT];
        sc_report_app_exit_text(k, text, sizeof text);
        snprintf(title, sizeof title, "exit: %s", text);
        sc_app_across(out, f, sc_report_num(f->exit, "at_ms", 0), "app-exit", "#111827", title);
    }
}

/* The caption's policy: "backoff initial 100 ms, multiplier 1.6, ...". */
static void sc_app_policy(FILE *out, const cJSON *policy)
{
    bool first = !sc_html_rb_policy_numbers(out, policy);
    const cJSON *codes = sc_report_arr(policy, "retry_codes"), *c;
    bool any = false;
    cJSON_ArrayForEach(c, codes)
    {
        if (!cJSON_IsString(c) || !c->valuestring)
            continue;
        fputs(any ? ", " : (first ? ": retries after " : "; retries after "), out);
        H(c->valuestring);
        any = first = false;
    }
    if (cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(policy, "honor_pushback")))
        fputs(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(policy, "honor_pushback"))
                  ? "; honours pushback"
                  : "; ignores pushback",
              out);
}

static void sc_app_figure(FILE *out, const sc_report_app_case *k)
{
    sc_app_fig f;
    sc_app_fig_init(&f, k);
    const cJSON *policy = sc_report_obj(k->json, "policy");
    if (!policy)
        policy = sc_report_obj(sc_report_obj(k->json, "reconnect"), "policy");
    fputs("<figure class=\"app-figure\">\n<figcaption>Calls of ", out);
    H(k->app);
    fputs(" against the policy", out);
    sc_app_policy(out, policy);
    fputs("</figcaption>\n", out);
    int height = SC_APP_TOP + (int)f.nrows * SC_APP_ROW + SC_HTML_RB_AXIS;
    fprintf(out,
            "<svg class=\"rb-chart app-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"calls of ",
            SC_HTML_RB_W, height, SC_HTML_RB_W, height);
    H(k->app);
    fputs(" in ", out);
    H(k->scenario);
    fputs("\">", out);
    sc_html_rb_grid(out, f.tmax, f.axis_y);
    sc_app_calls_row(out, &f);
    if (f.nrows > 1)
        sc_app_connections_row(out, &f);
    sc_app_events(out, k, &f);
    sc_html_rb_axis(out, f.axis_y);
    fputs("</svg>\n</figure>\n", out);
}

/* ---- the case ----------------------------------------------------------------------------- */

static void sc_app_findings(FILE *out, const sc_report_app_case *k)
{
    size_t n = sc_report_app_sentence_count(k);
    if (n == 0)
        return;
    fputs("<ul class=\"app-findings\">\n", out);
    for (size_t i = 0; i < n; i++) {
        fputs("<li>", out);
        H(sc_report_app_sentence(k, i));
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
}

/* The command line, each argument escaped, one with a space or a quote in single quotes. */
static void sc_app_command(FILE *out, const sc_report_app_case *k)
{
    const cJSON *cmd = sc_report_arr(k->json, "command"), *arg;
    if (cJSON_GetArraySize(cmd) == 0)
        return;
    fputs("<p class=\"app-command\">command: <code>", out);
    bool first = true;
    cJSON_ArrayForEach(arg, cmd)
    {
        char *text = sc_report_text(arg);
        bool quote = strpbrk(text, " \t'\"") != NULL || !text[0];
        fputs(first ? "" : " ", out);
        fputs(quote ? "'" : "", out);
        H(text);
        fputs(quote ? "'" : "", out);
        sc_report_text_free(text);
        first = false;
    }
    fputs("</code></p>\n", out);
}

/* One call's row in the calls table: a number field, or "–". */
static void sc_app_call_num(FILE *out, const cJSON *call, const char *key)
{
    fputs("<td>", out);
    if (sc_report_has_num(call, key))
        fprintf(out, "%.0f", sc_report_num(call, key, 0));
    else
        fputs("–", out);
    fputs("</td>", out);
}

static void sc_app_calls_table(FILE *out, const sc_report_app_case *k)
{
    const cJSON *calls = sc_report_arr(k->json, "calls"), *c;
    size_t n = (size_t)cJSON_GetArraySize(calls), i = 0;
    if (n == 0)
        return;
    fprintf(out,
            "<details class=\"app-calls\"><summary>%zu call%s the server saw</summary>\n"
            "<table class=\"failures\"><tr><th>n</th><th>method</th><th>start ms</th><th>end ms"
            "</th><th>status</th><th>pushback ms</th><th>responses</th><th>requests</th></tr>\n",
            n, n == 1 ? "" : "s");
    cJSON_ArrayForEach(c, calls)
    {
        if (i++ >= SC_APP_MAX_MARKS)
            break;
        const char *code = sc_report_str(c, "code");
        fputs("<tr>", out);
        sc_app_call_num(out, c, "n");
        fputs("<td>", out);
        H(sc_report_str(c, "method"));
        fputs("</td>", out);
        sc_app_call_num(out, c, "start_ms");
        sc_app_call_num(out, c, "end_ms");
        fputs("<td>", out);
        H(code[0] ? code : "(none reached the app)");
        fputs("</td>", out);
        sc_app_call_num(out, c, "pushback_ms");
        sc_app_call_num(out, c, "responses");
        sc_app_call_num(out, c, "requests");
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
    if (n > SC_APP_MAX_MARKS)
        fprintf(out, "<p class=\"rb-note\">first %d of %zu calls shown.</p>\n", SC_APP_MAX_MARKS,
                n);
    fputs("</details>\n", out);
}

static void sc_app_output(FILE *out, const sc_report_app_case *k)
{
    bool cut;
    const char *tail = sc_report_app_output_tail(k, &cut);
    fputs("<details class=\"app-output\"><summary>", out);
    if (!tail[0]) {
        fputs("no output</summary></details>\n", out);
        return;
    }
    fprintf(out, "output (%s%zu bytes)</summary>\n<pre>", cut ? "last " : "", strlen(tail));
    H(tail);
    fputs("</pre></details>\n", out);
}

/* The verdict badge: the verdict's name, or the report's own text for an unknown one. */
static void sc_app_badge(FILE *out, const sc_report_app_case *k)
{
    const char *vname = sc_report_verdict_name(k->verdict);
    fprintf(out, "<span class=\"badge v-%s\">", vname);
    H(k->verdict == SC_VERDICT_UNKNOWN && k->verdict_text[0] ? k->verdict_text : vname);
    fputs("</span>", out);
}

void sc_html_app_anchor(FILE *out, const sc_report_app_case *k)
{
    fputs(SC_HTML_APP_PREFIX, out);
    sc_html_slug(out, k->id);
}

static void sc_app_case(FILE *out, const sc_report_app_case *k)
{
    char text[SC_APP_TEXT];
    fprintf(out, "<article class=\"app-case vc-%s\" id=\"", sc_report_verdict_name(k->verdict));
    sc_html_app_anchor(out, k);
    fputs("\" data-case=\"", out);
    H(k->id);
    fputs("\">\n<h3>", out);
    sc_app_badge(out, k);
    H(k->scenario);
    fputs(" <span class=\"dur\">", out);
    H(k->app);
    sc_report_fmt_ms(text, sizeof text, k->duration_ms);
    fprintf(out, ", %s%s</span></h3>\n", text, k->attempts >= 2 ? ", 2 attempts" : "");
    const char *summary = sc_report_str(k->json, "summary");
    if (summary[0]) {
        fputs("<p class=\"app-summary\">", out);
        H(summary);
        fputs("</p>\n", out);
    }
    sc_app_command(out, k);
    sc_app_figure(out, k);
    sc_app_findings(out, k);
    sc_report_app_exit_text(k, text, sizeof text);
    if (text[0])
        fprintf(out, "<p class=\"app-exit\">Exit: %s.</p>\n", text);
    if (k->reason[0]) {
        fputs("<p class=\"app-reason\">reason: ", out);
        H(k->reason);
        fputs("</p>\n", out);
    }
    sc_app_calls_table(out, k);
    sc_app_output(out, k);
    fputs("</article>\n", out);
}

/* ---- the section -------------------------------------------------------------------------- */

/* Is case i drawn (an article with its anchor)? Not skipped, and within the figure bound. */
static bool sc_app_drawn(const sc_report_apps *a, size_t i, size_t *drawn_before)
{
    if (a->cases[i].verdict == SC_VERDICT_SKIP)
        return false;
    return (*drawn_before)++ < SC_REPORT_HTML_APPS_MAX_FIGURES;
}

static void sc_app_table_row(FILE *out, const sc_report_app_case *k, bool drawn)
{
    char dur[64];
    fputs("<tr><td>", out);
    H(k->app);
    fputs("</td><td>", out);
    if (drawn) {
        fputs("<a href=\"#", out);
        sc_html_app_anchor(out, k);
        fputs("\">", out);
    }
    H(k->scenario);
    fputs(drawn ? "</a></td><td>" : "</td><td>", out);
    sc_app_badge(out, k);
    sc_report_fmt_ms(dur, sizeof dur, k->duration_ms);
    fprintf(out, "</td><td>%s</td><td>", dur);
    const char *first = sc_report_app_sentence(k, 0);
    H(first[0] ? first : k->reason);
    size_t n = sc_report_app_sentence_count(k);
    if (n > 1)
        fprintf(out, " (and %zu more)", n - 1);
    fputs("</td></tr>\n", out);
}

static void sc_app_table(FILE *out, const sc_report_apps *a)
{
    fputs("<table class=\"apps\"><tr><th>application</th><th>scenario</th><th>verdict"
          "</th><th>duration</th><th>findings</th></tr>\n",
          out);
    size_t drawn = 0, rows = a->ncases < SC_REPORT_HTML_APPS_MAX_ROWS
                                 ? a->ncases
                                 : SC_REPORT_HTML_APPS_MAX_ROWS;
    for (size_t i = 0; i < rows; i++)
        sc_app_table_row(out, &a->cases[i], sc_app_drawn(a, i, &drawn));
    fputs("</table>\n", out);
    if (a->ncases > rows)
        fprintf(out,
                "<p class=\"rb-note\">%zu more application cases not listed (at most %d "
                "rows).</p>\n",
                a->ncases - rows, SC_REPORT_HTML_APPS_MAX_ROWS);
}

void sc_html_apps(FILE *out, const sc_report_apps *a)
{
    if (a->ncases == 0)
        return;
    fputs("<section id=\"applications\" class=\"applications\">\n<h2>Applications</h2>\n"
          "<p>Each client application checked against the app scenarios: the engine served its "
          "calls, stood between with its fault proxy and judged the waits between the calls "
          "against the policy. Each case not skipped is drawn below: its calls on a time axis in "
          "ms since the case start, with the window in which each call was expected to start, "
          "then what the judge found.</p>\n",
          out);
    sc_app_table(out, a);
    fputs("<p class=\"legend rb-legend\"><span class=\"rb-key-window\"></span>expected window"
          "<span class=\"rb-key-in\"></span>call started in its window"
          "<span class=\"rb-key-out\"></span>outside it (or not allowed)"
          "<span class=\"rb-key-first\"></span>first call"
          "<span class=\"rb-key-unchecked\"></span>not checked"
          "<span class=\"rb-key-run\"></span>call running"
          "<span class=\"app-key-disruption\"></span>disruption"
          "<span class=\"app-key-exit\"></span>exit</p>\n",
          out);
    size_t drawn = 0, total = 0;
    for (size_t i = 0; i < a->ncases; i++) {
        total += a->cases[i].verdict != SC_VERDICT_SKIP;
        if (sc_app_drawn(a, i, &drawn))
            sc_app_case(out, &a->cases[i]);
    }
    if (total > SC_REPORT_HTML_APPS_MAX_FIGURES)
        fprintf(out,
                "<p class=\"rb-note\">%zu more application cases not drawn (at most %d).</p>\n",
                total - SC_REPORT_HTML_APPS_MAX_FIGURES, SC_REPORT_HTML_APPS_MAX_FIGURES);
    fputs("</section>\n", out);
}
