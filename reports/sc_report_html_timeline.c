/* sc_report_html_timeline: the SVG timeline of one case in report.html (client attempts and
 * marks, the reconnect schedule against its windows, the server's events). See
 * sc_report_html_timeline.h. */
#include "sc_report_html_timeline.h"

#include "sc_event_names.h"
#include "sc_report_html_parts.h"

#include <math.h>
#include <string.h>

enum { SC_TL_W = 860, SC_TL_LEFT = 150, SC_TL_RIGHT = 24, SC_TL_ROW = 36, SC_TL_TOP = 8 };
/* Marks drawn per row (responses, server events): a huge case stays a readable page. */
#define SC_TL_MAX_MARKS 2000

typedef struct {
    FILE *out;
    double tmax;
} sc_tl;

static double sc_tl_x(const sc_tl *tl, double t)
{
    if (!isfinite(t) || t < 0)
        t = 0;
    return SC_TL_LEFT + t / tl->tmax * (SC_TL_W - SC_TL_LEFT - SC_TL_RIGHT);
}

static void sc_tl_max(double *m, double v)
{
    if (isfinite(v) && v > *m)
        *m = v;
}

static void sc_tl_rect(sc_tl *tl, double t0, double t1, double y, double h, const char *fill,
                       const char *title)
{
    double x0 = sc_tl_x(tl, t0), x1 = sc_tl_x(tl, t1);
    double w = x1 - x0 < 3 ? 3 : x1 - x0;
    fputs("<rect x=\"", tl->out);
    sc_html_num(tl->out, x0);
    fputs("\" y=\"", tl->out);
    sc_html_num(tl->out, y);
    fputs("\" width=\"", tl->out);
    sc_html_num(tl->out, w);
    fputs("\" height=\"", tl->out);
    sc_html_num(tl->out, h);
    fprintf(tl->out, "\" fill=\"%s\"><title>", fill);
    sc_report_html(tl->out, title);
    fputs("</title></rect>", tl->out);
}

static void sc_tl_tick(sc_tl *tl, double t, double y, double h, const char *stroke, int width,
                       const char *title)
{
    double x = sc_tl_x(tl, t);
    fputs("<line x1=\"", tl->out);
    sc_html_num(tl->out, x);
    fputs("\" x2=\"", tl->out);
    sc_html_num(tl->out, x);
    fputs("\" y1=\"", tl->out);
    sc_html_num(tl->out, y);
    fputs("\" y2=\"", tl->out);
    sc_html_num(tl->out, y + h);
    fprintf(tl->out, "\" stroke=\"%s\" stroke-width=\"%d\"><title>", stroke, width);
    sc_report_html(tl->out, title);
    fputs("</title></line>", tl->out);
}

static void sc_tl_label(sc_tl *tl, double y, const char *text)
{
    fputs("<text x=\"6\" y=\"", tl->out);
    sc_html_num(tl->out, y);
    fputs("\">", tl->out);
    sc_report_html(tl->out, text);
    fputs("</text>", tl->out);
}

static const char *sc_event_colour(const char *ev)
{
    switch (sc_event_from_name(ev)) {
    case SC_EVENT_CANCELLED:
    case SC_EVENT_DEADLINE_EXCEEDED:
        return "#d33";
    case SC_EVENT_CALL_START:
        return "#2563eb";
    case SC_EVENT_STATUS_SENT:
    case SC_EVENT_CALL_END:
        return "#111";
    default:
        return "#888";
    }
}

/* What a case's timeline is drawn from, read once from its report entry (any may be NULL). */
typedef struct {
    const cJSON *timings;   /* trace.client.timings, or trace.client itself */
    const cJSON *actual;    /* for the status code */
    const cJSON *attempts;  /* the client's attempts (trace, else actual) */
    const cJSON *events;    /* trace.server_events */
    const cJSON *rattempts; /* reconnect.attempts */
} sc_tl_data;

/* The client's single-time marks, in the order the extent reads them. */
static const char *const sc_tl_timing_names[] = {"headers_ms", "first_response_ms", "close_send_ms",
                                                 "status_ms"};
#define SC_TL_NTIMINGS (sizeof sc_tl_timing_names / sizeof sc_tl_timing_names[0])

/* Room for one <title> text: a mark's numbers and a status code from the report. */
#define SC_TL_TITLE 512

static sc_tl_data sc_tl_read(const sc_report_case *k)
{
    sc_tl_data d;
    const cJSON *trace = sc_report_obj(k->json, "trace");
    const cJSON *tclient = sc_report_obj(trace, "client");
    d.timings = sc_report_obj(tclient, "timings");
    if (!d.timings)
        d.timings = tclient;
    d.actual = sc_report_obj(k->json, "actual");
    d.attempts = sc_report_arr(tclient, "attempts");
    if (!d.attempts && trace)
        d.attempts = sc_report_arr(d.actual, "attempts");
    d.events = sc_report_arr(trace, "server_events");
    d.rattempts = sc_report_arr(sc_report_obj(k->json, "reconnect"), "attempts");
    return d;
}

static bool sc_tl_has_client(const sc_tl_data *d)
{
    bool has_client = cJSON_GetArraySize(d->attempts) > 0 ||
                      cJSON_GetArraySize(sc_report_arr(d->timings, "responses_ms")) > 0;
    for (size_t i = 0; i < SC_TL_NTIMINGS; i++)
        has_client = has_client || sc_report_has_num(d->timings, sc_tl_timing_names[i]);
    return has_client;
}

/* The server's events are drawn on its own clock, from its earliest event. */
static double sc_tl_server_t0(const cJSON *events)
{
    double t0_server = INFINITY;
    const cJSON *it;
    cJSON_ArrayForEach(it, events)
    {
        double t = sc_report_num(it, "t_ms", NAN);
        if (isfinite(t) && t < t0_server)
            t0_server = t;
    }
    return isfinite(t0_server) ? t0_server : 0;
}

/* Latest time the client row draws. */
static void sc_tl_client_extent(const sc_tl_data *d, double *tmax)
{
    const cJSON *it;
    for (size_t i = 0; i < SC_TL_NTIMINGS; i++)
        sc_tl_max(tmax, sc_report_num(d->timings, sc_tl_timing_names[i], 0));
    cJSON_ArrayForEach(it, sc_report_arr(d->timings, "responses_ms"))
    {
        if (cJSON_IsNumber(it))
            sc_tl_max(tmax, it->valuedouble);
    }
    cJSON_ArrayForEach(it, d->attempts)
    {
        sc_tl_max(tmax, sc_report_num(it, "end_ms", 0));
        sc_tl_max(tmax, sc_report_num(it, "start_ms", 0));
    }
}

/* Extent of the time axis: the latest mark of any row, plus room for the last mark. */
static double sc_tl_extent(const sc_tl_data *d, double t0_server)
{
    double tmax = 0;
    const cJSON *it;
    sc_tl_client_extent(d, &tmax);
    cJSON_ArrayForEach(it, d->events)
    {
        sc_tl_max(&tmax, sc_report_num(it, "t_ms", t0_server) - t0_server);
    }
    double prev_end = 0;
    cJSON_ArrayForEach(it, d->rattempts)
    {
        double lo, hi;
        sc_report_reconnect_gap(it, prev_end, &lo, &hi);
        sc_tl_max(&tmax, sc_report_num(it, "end_ms", 0));
        sc_tl_max(&tmax, sc_report_num(it, "start_ms", 0));
        sc_tl_max(&tmax, hi);
        prev_end = sc_report_num(it, "end_ms", prev_end);
    }
    if (tmax <= 0)
        tmax = 1;
    return tmax * 1.04; /* room for the last mark */
}

/* The client's attempts as bars. */
static void sc_tl_client_attempts(sc_tl *tl, const cJSON *attempts, double y)
{
    char title[SC_TL_TITLE];
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, attempts)
    {
        const char *code = sc_report_str(it, "code");
        snprintf(title, sizeof title, "attempt %d: %.0f-%.0f ms %s", i + 1,
                 sc_report_num(it, "start_ms", 0), sc_report_num(it, "end_ms", 0), code);
        sc_tl_rect(tl, sc_report_num(it, "start_ms", 0), sc_report_num(it, "end_ms", 0), y + 10, 14,
                   "#cfd8e3", title);
        i++;
    }
}

/* One tick "<what> at <t> ms" when `timings` has `key`. */
static void sc_tl_timing_tick(sc_tl *tl, const cJSON *timings, const char *key, const char *what,
                              double y, const char *stroke)
{
    char title[SC_TL_TITLE];
    if (!sc_report_has_num(timings, key))
        return;
    double t = sc_report_num(timings, key, 0);
    snprintf(title, sizeof title, "%s at %.1f ms", what, t);
    sc_tl_tick(tl, t, y + 4, 26, stroke, 2, title);
}

/* The responses as dots (at most SC_TL_MAX_MARKS). */
static void sc_tl_responses(sc_tl *tl, const cJSON *timings, double y)
{
    const cJSON *it;
    int n = 0;
    cJSON_ArrayForEach(it, sc_report_arr(timings, "responses_ms"))
    {
        if (!cJSON_IsNumber(it) || n >= SC_TL_MAX_MARKS)
            continue;
        n++;
        fputs("<circle cx=\"", tl->out);
        sc_html_num(tl->out, sc_tl_x(tl, it->valuedouble));
        fputs("\" cy=\"", tl->out);
        sc_html_num(tl->out, y + 17);
        fprintf(tl->out,
                "\" r=\"3.5\" fill=\"#16a34a\"><title>response %d at %.1f ms</title>"
                "</circle>",
                n, it->valuedouble);
    }
}

static void sc_tl_client_row(sc_tl *tl, const sc_tl_data *d, double y)
{
    char title[SC_TL_TITLE];
    sc_tl_label(tl, y + 20, "client");
    sc_tl_client_attempts(tl, d->attempts, y);
    sc_tl_timing_tick(tl, d->timings, "headers_ms", "headers", y, "#2563eb");
    sc_tl_timing_tick(tl, d->timings, "close_send_ms", "half-close", y, "#9333ea");
    sc_tl_responses(tl, d->timings, y);
    if (sc_report_has_num(d->timings, "status_ms")) {
        double t = sc_report_num(d->timings, "status_ms", 0);
        const char *code = sc_report_str(sc_report_obj(d->actual, "status"), "code");
        snprintf(title, sizeof title, "status %s at %.1f ms", code[0] ? code : "?", t);
        sc_tl_tick(tl, t, y + 2, 30, "#111", 3, title);
    }
}

/* The window each reconnect attempt after the first was expected to start in. */
static void sc_tl_backoff_windows(sc_tl *tl, const cJSON *rattempts, double y)
{
    char title[SC_TL_TITLE];
    const cJSON *it;
    double prev_end = 0;
    int i = 0;
    cJSON_ArrayForEach(it, rattempts)
    {
        double lo, hi;
        sc_report_reconnect_gap(it, prev_end, &lo, &hi);
        if (i > 0 && isfinite(lo) && isfinite(hi)) {
            snprintf(title, sizeof title, "attempt %d expected to start between %.1f and %.1f ms",
                     i + 1, lo, hi);
            sc_tl_rect(tl, lo, hi, y + 4, 26, "rgba(245,158,11,0.35)", title);
        }
        i++;
        prev_end = sc_report_num(it, "end_ms", prev_end);
    }
}

/* The reconnect attempts as bars: red when the judge found one outside its window. */
static void sc_tl_backoff_attempts(sc_tl *tl, const cJSON *rattempts, double y)
{
    char title[SC_TL_TITLE];
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, rattempts)
    {
        const cJSON *ok = cJSON_GetObjectItemCaseSensitive(it, "ok");
        bool failed = cJSON_IsFalse(ok);
        double s = sc_report_num(it, "start_ms", 0);
        if (sc_report_has_num(it, "gap_ms"))
            snprintf(title, sizeof title,
                     "attempt %d at %.1f ms: %s, gap %.1f ms (expected %.1f-%.1f)%s", i + 1, s,
                     sc_report_str(it, "code"), sc_report_num(it, "gap_ms", 0),
                     sc_report_num(it, "expected_min_ms", 0),
                     sc_report_num(it, "expected_max_ms", 0), failed ? ": OUTSIDE THE WINDOW" : "");
        else
            snprintf(title, sizeof title, "attempt %d at %.1f ms: %s", i + 1, s,
                     sc_report_str(it, "code"));
        sc_tl_rect(tl, s, sc_report_num(it, "end_ms", s), y + 9, 16, failed ? "#dc2626" : "#15803d",
                   title);
        i++;
    }
}

static void sc_tl_backoff_row(sc_tl *tl, const sc_tl_data *d, double y)
{
    sc_tl_label(tl, y + 20, "reconnect");
    sc_tl_backoff_windows(tl, d->rattempts, y);
    sc_tl_backoff_attempts(tl, d->rattempts, y);
}

static void sc_tl_server_row(sc_tl *tl, const sc_tl_data *d, double t0_server, double y)
{
    char title[SC_TL_TITLE];
    sc_tl_label(tl, y + 14, "server");
    sc_tl_label(tl, y + 27, "(own clock)");
    const cJSON *it;
    int n = 0;
    cJSON_ArrayForEach(it, d->events)
    {
        if (n++ >= SC_TL_MAX_MARKS)
            break;
        const char *ev = sc_report_str(it, "event");
        double t = sc_report_num(it, "t_ms", t0_server) - t0_server;
        snprintf(title, sizeof title, "%s at +%.1f ms (call %.0f)", ev[0] ? ev : "event", t,
                 sc_report_num(it, "call", 0));
        sc_tl_tick(tl, t, y + 6, 24, sc_event_colour(ev), 2, title);
    }
}

/* Time axis with "nice" ticks below the rows, and the end of the figure. */
static void sc_tl_axis(sc_tl *tl, double y)
{
    FILE *out = tl->out;
    fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"", SC_TL_LEFT, SC_TL_W - SC_TL_RIGHT);
    sc_html_num(out, y + 2);
    fputs("\" y2=\"", out);
    sc_html_num(out, y + 2);
    fputs("\" stroke=\"#999\"/>", out);
    double step = sc_html_tick_step(tl->tmax);
    for (int i = 0; i <= 12 && i * step <= tl->tmax; i++) {
        double x = sc_tl_x(tl, i * step);
        fputs("<text x=\"", out);
        sc_html_num(out, x - 4);
        fputs("\" y=\"", out);
        sc_html_num(out, y + 16);
        fprintf(out, "\">%g</text>", i * step);
    }
    fputs("<text x=\"6\" y=\"", out);
    sc_html_num(out, y + 16);
    fputs("\">ms</text></svg>\n", out);
}

void sc_html_timeline(FILE *out, const sc_report_case *k)
{
    sc_tl_data d = sc_tl_read(k);
    bool has_client = sc_tl_has_client(&d);
    bool has_server = cJSON_GetArraySize(d.events) > 0;
    bool has_backoff = cJSON_GetArraySize(d.rattempts) > 0;
    int rows = has_client + has_server + has_backoff;
    if (rows == 0)
        return;
    double t0_server = sc_tl_server_t0(d.events);
    sc_tl tl = {out, sc_tl_extent(&d, t0_server)};
    fputs("<h4>Timeline</h4>\n", out);
    int height = SC_TL_TOP + rows * SC_TL_ROW + 26;
    fprintf(out,
            "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"timeline\">",
            SC_TL_W, height, SC_TL_W, height);
    double y = SC_TL_TOP;
    if (has_client) {
        sc_tl_client_row(&tl, &d, y);
        y += SC_TL_ROW;
    }
    if (has_backoff) {
        sc_tl_backoff_row(&tl, &d, y);
        y += SC_TL_ROW;
    }
    if (has_server) {
        sc_tl_server_row(&tl, &d, t0_server, y);
        y += SC_TL_ROW;
    }
    sc_tl_axis(&tl, y);
}
