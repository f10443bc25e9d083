/* sc_report_html_reconnect: the "Reconnect and backoff by client" section of report.html. See
 * sc_report_html_reconnect.h. */
#include "sc_report_html_reconnect.h"

#include "sc_report_html.h"
#include "sc_report_html_parts.h"

#include <math.h>

#define H(s) sc_report_html(out, (s))

/* "Reconnect and backoff by client": one figure per scenario with reconnect data (at most
 * SC_REPORT_RECONNECT_MAX_SCENARIOS), one row per client x server pair on a shared time axis. */
#define SC_RB_MAX_ROWS SC_REPORT_HTML_RECONNECT_MAX_ROWS
#define SC_RB_MAX_ATTEMPTS SC_REPORT_HTML_RECONNECT_MAX_ATTEMPTS
#define SC_RB_W SC_HTML_RB_W
#define SC_RB_LEFT SC_HTML_RB_LEFT
#define SC_RB_RIGHT SC_HTML_RB_RIGHT
#define SC_RB_ROW SC_HTML_RB_ROW
#define SC_RB_TOP SC_HTML_RB_TOP
#define SC_RB_AXIS SC_HTML_RB_AXIS

double sc_html_rb_x(double tmax, double t)
{
    if (!isfinite(t) || t < 0)
        t = 0;
    if (t > tmax)
        t = tmax;
    return SC_RB_LEFT + t / tmax * (SC_RB_W - SC_RB_LEFT - SC_RB_RIGHT);
}

void sc_html_rb_vline(FILE *out, double x, double y0, double y1, const char *cls,
                      const char *stroke, int width)
{
    fprintf(out, "<line class=\"%s\" x1=\"", cls);
    sc_html_num(out, x);
    fputs("\" x2=\"", out);
    sc_html_num(out, x);
    fputs("\" y1=\"", out);
    sc_html_num(out, y0);
    fputs("\" y2=\"", out);
    sc_html_num(out, y1);
    fprintf(out, "\" stroke=\"%s\" stroke-width=\"%d\"", stroke, width);
}

/* Room for one <title> text: an attempt's numbers and its status code from the report. */
#define SC_RB_TITLE 512

/* The row's background stripe (every other row) and its pair label, linked to the case. */
static void sc_rb_row_label(FILE *out, const sc_report_model *m, size_t index, size_t rowno,
                            double y)
{
    const sc_report_case *k = &m->cases[index];
    if (rowno % 2) {
        fputs("<rect x=\"0\" y=\"", out);
        sc_html_num(out, y);
        fprintf(out, "\" width=\"%d\" height=\"%d\" fill=\"#f3f4f6\"/>", SC_RB_W, SC_RB_ROW);
    }
    fputs("<a href=\"#" SC_HTML_CASE_PREFIX, out);
    sc_html_slug(out, k->id);
    fprintf(out, "\" data-open=\"cell-%zu-%zu\"><text x=\"6\" y=\"", k->row, k->col);
    sc_html_num(out, y + 15);
    fputs("\">", out);
    sc_html_pair(out, m, k->row, k->col);
    fputs("</text></a>", out);
}

/* The window attempt `n` was expected to start in, when it has one. A negative expected_max_ms
 * (no call allowed there: hi < lo) has no window to draw; its mark says so. */
static void sc_rb_window(FILE *out, const char *noun, double tmax, double y, size_t n, double lo,
                         double hi)
{
    char title[SC_RB_TITLE];
    if (!isfinite(lo) || !isfinite(hi) || hi < lo)
        return;
    double x0 = sc_html_rb_x(tmax, lo), x1 = sc_html_rb_x(tmax, hi);
    fputs("<rect class=\"rb-window\" x=\"", out);
    sc_html_num(out, x0);
    fputs("\" y=\"", out);
    sc_html_num(out, y + 3);
    fputs("\" width=\"", out);
    sc_html_num(out, x1 - x0 < 2 ? 2 : x1 - x0);
    fprintf(out, "\" height=\"%d\" fill=\"#f59e0b\" fill-opacity=\"0.3\"><title>", SC_RB_ROW - 6);
    snprintf(title, sizeof title, "%s %zu expected to start between %.0f and %.0f ms", noun, n, lo,
             hi);
    H(title);
    fputs("</title></rect>", out);
}

/* The expected windows of a row's attempts (drawn first, behind the marks). */
static void sc_rb_windows(FILE *out, const cJSON *attempts, const char *noun, double tmax, double y)
{
    const cJSON *it;
    double prev_end = 0;
    size_t n = 0;
    cJSON_ArrayForEach(it, attempts)
    {
        if (!cJSON_IsObject(it))
            continue;
        if (n++ >= SC_RB_MAX_ATTEMPTS)
            break;
        double lo, hi;
        sc_report_reconnect_gap(it, prev_end, &lo, &hi);
        prev_end = sc_report_num(it, "end_ms", prev_end);
        sc_rb_window(out, noun, tmax, y, n, lo, hi);
    }
}

/* The grey bar of an attempt that ran for a while. */
static void sc_rb_run(FILE *out, double tmax, double y, double s, double e)
{
    if (!(e > s))
        return;
    double x0 = sc_html_rb_x(tmax, s), x1 = sc_html_rb_x(tmax, e);
    fputs("<rect class=\"rb-run\" x=\"", out);
    sc_html_num(out, x0);
    fputs("\" y=\"", out);
    sc_html_num(out, y + SC_RB_ROW / 2.0 - 2);
    fputs("\" width=\"", out);
    sc_html_num(out, x1 - x0);
    fputs("\" height=\"4\" fill=\"#9ca3af\"/>", out);
}

/* How an attempt's start mark looks: in its window, outside it, the first attempt (no gap), or
 * a gap the judge did not check. */
typedef struct {
    const char *cls, *stroke;
    int width;
} sc_rb_mark_style;

static sc_rb_mark_style sc_rb_mark_style_of(sc_report_gap g, size_t n)
{
    if (g == SC_REPORT_GAP_OUT)
        return (sc_rb_mark_style){"rb-mark rb-out", "#dc2626", 3};
    if (g == SC_REPORT_GAP_IN)
        return (sc_rb_mark_style){"rb-mark rb-in", "#15803d", 2};
    if (n == 1)
        return (sc_rb_mark_style){"rb-mark rb-first", "#2563eb", 2};
    return (sc_rb_mark_style){"rb-mark rb-unchecked", "#6b7280", 2};
}

/* "gap 308 ms, expected 78-242 ms, outside its window" (or "no call allowed here") after the
 * first `len` characters of `title`. */
static void sc_rb_gap_title(char *title, size_t size, int len, const cJSON *it, sc_report_gap g)
{
    if (len <= 0 || (size_t)len >= size || !sc_report_has_num(it, "gap_ms"))
        return;
    double max = sc_report_num(it, "expected_max_ms", 0);
    if (sc_report_has_num(it, "expected_max_ms") && max < 0) {
        snprintf(title + len, size - (size_t)len, ": gap %.0f ms, no call allowed here",
                 sc_report_num(it, "gap_ms", 0));
        return;
    }
    snprintf(title + len, size - (size_t)len, ": gap %.0f ms, expected %.0f-%.0f ms%s",
             sc_report_num(it, "gap_ms", 0), sc_report_num(it, "expected_min_ms", 0), max,
             g == SC_REPORT_GAP_OUT ? ", outside its window" : "");
}

/* The start mark of attempt `n` (1-based) with its numbers as the title. */
static void sc_rb_mark(FILE *out, const cJSON *it, const char *noun, sc_report_gap g, size_t n,
                       double tmax, double y)
{
    char title[SC_RB_TITLE];
    double s = sc_report_num(it, "start_ms", 0);
    sc_rb_mark_style style = sc_rb_mark_style_of(g, n);
    sc_html_rb_vline(out, sc_html_rb_x(tmax, s), y + 2, y + SC_RB_ROW - 2, style.cls, style.stroke,
                     style.width);
    const char *code = sc_report_str(it, "code");
    int len = snprintf(title, sizeof title, "%s %zu at %.0f ms%s%s%s", noun, n, s,
                       code[0] ? " (" : "", code, code[0] ? ")" : "");
    sc_rb_gap_title(title, sizeof title, len, it, g);
    fputs("><title>", out);
    H(title);
    fputs("</title></line>", out);
}

/* A row's attempts: how long each ran, and its start mark. */
static void sc_rb_attempts(FILE *out, const cJSON *attempts, const char *noun, double tmax,
                           double y)
{
    const cJSON *it;
    double prev_end = 0;
    size_t n = 0;
    cJSON_ArrayForEach(it, attempts)
    {
        if (!cJSON_IsObject(it))
            continue;
        if (n++ >= SC_RB_MAX_ATTEMPTS)
            break;
        double lo, hi;
        sc_report_gap g = sc_report_reconnect_gap(it, prev_end, &lo, &hi);
        prev_end = sc_report_num(it, "end_ms", prev_end);
        double s = sc_report_num(it, "start_ms", 0), e = sc_report_num(it, "end_ms", s);
        sc_rb_run(out, tmax, y, s, e);
        sc_rb_mark(out, it, noun, g, n, tmax, y);
    }
}

void sc_html_rb_attempts_row(FILE *out, const cJSON *attempts, const char *noun, double tmax,
                             double y)
{
    sc_rb_windows(out, attempts, noun, tmax, y);
    sc_rb_attempts(out, attempts, noun, tmax, y);
}

void sc_html_rb_grid(FILE *out, double tmax, double axis_y)
{
    double step = sc_html_tick_step(tmax);
    for (int i = 0; i <= 12 && i * step <= tmax; i++) {
        double x = sc_html_rb_x(tmax, i * step);
        sc_html_rb_vline(out, x, SC_RB_TOP, axis_y, "rb-grid", "#e5e7eb", 1);
        fputs("/><text x=\"", out);
        sc_html_num(out, x - 4);
        fputs("\" y=\"", out);
        sc_html_num(out, axis_y + 14);
        fprintf(out, "\">%g</text>", i * step);
    }
}

void sc_html_rb_axis(FILE *out, double axis_y)
{
    fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"", SC_RB_LEFT, SC_RB_W - SC_RB_RIGHT);
    sc_html_num(out, axis_y);
    fputs("\" y2=\"", out);
    sc_html_num(out, axis_y);
    fprintf(out, "\" stroke=\"#999\"/><text x=\"%d\" y=\"", SC_RB_W - SC_RB_RIGHT + 40);
    sc_html_num(out, axis_y + 14);
    fputs("\">ms since the case start</text>", out);
}

/* The row in words, right of the chart. */
static void sc_rb_row_text(FILE *out, const sc_report_case *k, const sc_report_reconnect_stats *st,
                           double y)
{
    fprintf(out, "<text class=\"rb-text\" x=\"%d\" y=\"", SC_RB_W - SC_RB_RIGHT + 10);
    sc_html_num(out, y + 15);
    fprintf(out, "\">%zu attempt%s, ", st->attempts, st->attempts == 1 ? "" : "s");
    if (st->gaps == 0)
        fputs("no gap checked", out);
    else
        fprintf(out, "%zu of %zu gap%s out of window", st->out, st->gaps, st->gaps == 1 ? "" : "s");
    if (k->verdict != SC_VERDICT_PASS) {
        fputs(", ", out);
        H(k->verdict == SC_VERDICT_UNKNOWN && k->verdict_text[0]
              ? k->verdict_text
              : sc_report_verdict_name(k->verdict));
    }
    if (st->attempts > SC_RB_MAX_ATTEMPTS)
        fprintf(out, " (first %d drawn)", SC_RB_MAX_ATTEMPTS);
}

static void sc_rb_row(FILE *out, const sc_report_model *m, size_t index, size_t rowno, double tmax)
{
    const sc_report_case *k = &m->cases[index];
    const cJSON *attempts = sc_report_reconnect_attempts(k);
    sc_report_reconnect_stats st;
    sc_report_reconnect_stats_of(attempts, SC_RB_MAX_ATTEMPTS, &st);
    double y = SC_RB_TOP + (double)rowno * SC_RB_ROW;

    fputs("<g class=\"rb-row\" data-pair=\"", out);
    sc_html_pair(out, m, k->row, k->col);
    fputs("\">", out);
    sc_rb_row_label(out, m, index, rowno, y);
    sc_html_rb_attempts_row(out, attempts, "attempt", tmax, y);
    sc_rb_row_text(out, k, &st, y);
    fputs("</text></g>", out);
}

bool sc_html_rb_policy_numbers(FILE *out, const cJSON *policy)
{
    static const struct {
        const char *key, *label, *unit;
    } fields[] = {{"backoff_initial_ms", "initial", " ms"},
                  {"backoff_multiplier", "multiplier", ""},
                  {"backoff_jitter", "jitter", ""},
                  {"backoff_max_ms", "max", " ms"},
                  {"exhausted_backoff_ms", "after RESOURCE_EXHAUSTED", " ms"},
                  {"max_attempts", "max attempts", ""},
                  {"tolerance_ms", "tolerance", " ms"}};
    bool first = true;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (!sc_report_has_num(policy, fields[i].key))
            continue;
        fprintf(out, "%s%s %g%s", first ? ": backoff " : ", ", fields[i].label,
                sc_report_num(policy, fields[i].key, 0), fields[i].unit);
        first = false;
    }
    return !first;
}

static void sc_rb_policy(FILE *out, const cJSON *policy)
{
    sc_html_rb_policy_numbers(out, policy);
    const char *source = sc_report_str(policy, "source");
    fputs("; times from ", out);
    H(source[0] ? source : "the client driver's attempts");
}

static void sc_rb_figure(FILE *out, const sc_report_model *m, const sc_report_reconnect_index *ix,
                         size_t g)
{
    size_t first = ix->group_start[g], end = ix->group_start[g + 1];
    size_t nrows = end - first, drawn = nrows < SC_RB_MAX_ROWS ? nrows : SC_RB_MAX_ROWS;
    const sc_report_case *k0 = &m->cases[ix->cases[first]];
    double tmax = 0;
    for (size_t i = first; i < first + drawn; i++) {
        sc_report_reconnect_stats st;
        sc_report_reconnect_stats_of(sc_report_reconnect_attempts(&m->cases[ix->cases[i]]),
                                     SC_RB_MAX_ATTEMPTS, &st);
        if (st.tmax > tmax)
            tmax = st.tmax;
    }
    if (tmax <= 0)
        tmax = 1;
    tmax *= 1.04; /* room for the last mark */

    fputs("<figure class=\"rb-figure\" data-scenario=\"", out);
    H(k0->scenario);
    fputs("\">\n<figcaption><strong>", out);
    H(k0->scenario);
    fputs("</strong>", out);
    sc_rb_policy(out, sc_report_obj(sc_report_obj(k0->json, "reconnect"), "policy"));
    fputs("</figcaption>\n", out);

    double axis_y = SC_RB_TOP + (double)drawn * SC_RB_ROW + 2;
    int height = SC_RB_TOP + (int)drawn * SC_RB_ROW + SC_RB_AXIS;
    fprintf(out,
            "<svg class=\"rb-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
            SC_RB_W, height, SC_RB_W, height);
    fputs("reconnect attempts of ", out);
    H(k0->scenario);
    fputs(" by client and server\">", out);

    /* Grid and time axis (ms since the case start), behind the rows. */
    sc_html_rb_grid(out, tmax, axis_y);
    for (size_t i = first; i < first + drawn; i++)
        sc_rb_row(out, m, ix->cases[i], i - first, tmax);
    sc_html_rb_axis(out, axis_y);
    fputs("</svg>\n", out);
    if (nrows > drawn)
        fprintf(out,
                "<p class=\"rb-note\">%zu more case%s of this scenario not drawn (at most %d "
                "rows per figure).</p>\n",
                nrows - drawn, nrows - drawn == 1 ? "" : "s", SC_RB_MAX_ROWS);
    fputs("</figure>\n", out);
}

void sc_html_reconnect(FILE *out, const sc_report_model *m, const sc_report_reconnect_index *ix)
{
    if (ix->ngroups == 0)
        return;
    fputs("<section id=\"reconnect\" class=\"reconnect\">\n<h2>Reconnect and backoff by client"
          "</h2>\n<p>Each scenario with reconnect data as one figure: one row per client -&gt; "
          "server pair (skipped cases left out), all on the same time axis in ms since the case "
          "start. Each band is the window in which an attempt was expected to start: measured "
          "from the end of the previous attempt for a client's reconnects, from its start for "
          "connection backoff seen at the fault proxy. Hover a mark for its numbers; click a "
          "pair for the case.</p>\n"
          "<p class=\"legend rb-legend\"><span class=\"rb-key-window\"></span>expected window"
          "<span class=\"rb-key-in\"></span>attempt started in its window"
          "<span class=\"rb-key-out\"></span>outside its window"
          "<span class=\"rb-key-first\"></span>first attempt (no gap)"
          "<span class=\"rb-key-unchecked\"></span>gap not checked"
          "<span class=\"rb-key-run\"></span>attempt running</p>\n",
          out);
    size_t ngroups = ix->ngroups < SC_REPORT_RECONNECT_MAX_SCENARIOS
                         ? ix->ngroups
                         : SC_REPORT_RECONNECT_MAX_SCENARIOS;
    for (size_t g = 0; g < ngroups; g++)
        sc_rb_figure(out, m, ix, g);
    if (ix->ngroups > ngroups)
        fprintf(out,
                "<p class=\"rb-note\">%zu more scenario%s with reconnect data not drawn (at most "
                "%d figures).</p>\n",
                ix->ngroups - ngroups, ix->ngroups - ngroups == 1 ? "" : "s",
                SC_REPORT_RECONNECT_MAX_SCENARIOS);
    fputs("</section>\n", out);
}
