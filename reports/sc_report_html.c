#include "sc_report_html.h"

#include "sc_report_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- static parts ------------------------------------------------------------------------- */

static const char sc_html_css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 24px 48px;"
    "color:#1d1d1f;background:#fff}\n"
    "h1{font-size:22px;margin:18px 0 6px}h2{font-size:18px;margin:22px 0 8px}"
    "h4{margin:12px 0 4px;font-size:13px}\n"
    "table{border-collapse:collapse}td,th{padding:4px 8px;text-align:left;vertical-align:top}\n"
    "table.info th{color:#555;font-weight:600;padding-left:0}\n"
    ".banner{background:#fde3a7;border:1px solid #e0b040;padding:6px 10px;border-radius:4px}\n"
    ".totals span{display:inline-block;margin-right:12px}\n"
    "table.matrix th,table.matrix td{border:1px solid #bbb;text-align:center;padding:8px 14px;"
    "vertical-align:middle}\n"
    "table.matrix thead th,table.matrix tbody th{background:#f2f2f2}\n"
    "td.cell{cursor:pointer;min-width:96px}td.cell:hover,td.cell:focus{outline:2px solid #555}\n"
    "td.cell.selected{outline:3px solid #1d1d1f}\n"
    "td.cell .ratio{font-size:16px;font-weight:600;display:block}"
    "td.cell .detail{font-size:11px;color:#333}\n"
    ".st-pass{background:#bfe8c3}.st-bad{background:#f3aeae}.st-warn{background:#fbdb8f}"
    ".st-empty{background:#eee;color:#888}\n"
    ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;"
    "vertical-align:middle;border:1px solid #999}\n"
    ".badge{display:inline-block;min-width:86px;text-align:center;border-radius:3px;"
    "padding:0 6px;margin-right:8px;font-size:12px;font-weight:600}\n"
    ".v-pass{background:#bfe8c3}.v-fail,.v-error,.v-stale,.v-unknown{background:#f3aeae}"
    ".v-skip,.v-known_failing{background:#fbdb8f}\n"
    "details.case{border:1px solid #ddd;border-left:6px solid #bbb;border-radius:4px;"
    "margin:4px 0;padding:4px 8px}\n"
    ".vc-pass{border-left-color:#3fae52!important}.vc-fail,.vc-error,.vc-stale,.vc-unknown"
    "{border-left-color:#d33!important}.vc-skip,.vc-known_failing"
    "{border-left-color:#e5a50a!important}\n"
    "details.case>summary{cursor:pointer}details.case[open]>summary{margin-bottom:6px}\n"
    ".dur{color:#666;margin-left:8px;font-size:12px}\n"
    "pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:6px 8px;overflow:auto;"
    "max-height:420px;tab-size:2;white-space:pre-wrap;word-break:break-word}\n"
    "table.failures td,table.failures th{border:1px solid #ddd;font-family:monospace}\n"
    "dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:0}"
    "dl.meta dt{color:#555}dl.meta dd{margin:0}\n"
    "svg.timeline{display:block;margin:6px 0;background:#fcfcfc;border:1px solid #e3e3e3}\n"
    "svg.timeline text{font:11px system-ui,sans-serif;fill:#333}\n"
    "button{font:inherit;font-size:12px;margin:0 6px 6px 0}\n"
    "nav.toc{margin:6px 0}nav.toc a{margin-right:14px}\n"
    "figure.rb-figure{margin:10px 0 18px}figure.rb-figure figcaption{margin-bottom:4px}\n"
    "svg.rb-chart{display:block;background:#fcfcfc;border:1px solid #e3e3e3;max-width:100%;"
    "height:auto}\n"
    "svg.rb-chart text{font:11px system-ui,sans-serif;fill:#333}svg.rb-chart a text{fill:#1d4ed8}\n"
    ".rb-legend span.rb-key-window{background:rgba(245,158,11,0.3)}"
    ".rb-legend span.rb-key-in{background:#15803d}.rb-legend span.rb-key-out{background:#dc2626}"
    ".rb-legend span.rb-key-first{background:#2563eb}"
    ".rb-legend span.rb-key-unchecked{background:#6b7280}"
    ".rb-legend span.rb-key-run{background:#9ca3af;height:4px}\n"
    ".rb-note{color:#555;font-style:italic}\n"
    "ul.problems{margin:4px 0;padding-left:20px}\n";

static const char sc_html_js[] =
    "(function(){\n"
    "'use strict';\n"
    "var cells=Array.prototype.slice.call(document.querySelectorAll('td.cell'));\n"
    "function show(id,quiet){\n"
    "  var secs=document.querySelectorAll('section.cell-cases');\n"
    "  for(var i=0;i<secs.length;i++){secs[i].hidden=(secs[i].id!==id);}\n"
    "  cells.forEach(function(c){c.classList.toggle('selected',c.getAttribute('data-target')"
    "===id);});\n"
    "  var s=document.getElementById(id);\n"
    "  if(s&&!quiet){s.scrollIntoView({block:'start'});}\n"
    "}\n"
    "cells.forEach(function(c){\n"
    "  c.addEventListener('click',function(){show(c.getAttribute('data-target'));});\n"
    "  c.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){"
    "e.preventDefault();show(c.getAttribute('data-target'));}});\n"
    "});\n"
    "document.querySelectorAll('a[data-open]').forEach(function(a){\n"
    "  a.addEventListener('click',function(e){\n"
    "    e.preventDefault();show(a.getAttribute('data-open'),true);\n"
    "    var d=document.getElementById(a.getAttribute('href').slice(1));\n"
    "    if(d){d.open=true;d.scrollIntoView({block:'start'});}\n"
    "  });\n"
    "});\n"
    "document.querySelectorAll('button[data-expand]').forEach(function(b){\n"
    "  b.addEventListener('click',function(){\n"
    "    var open=b.getAttribute('data-expand')==='1';\n"
    "    b.closest('section').querySelectorAll('details.case').forEach(function(d){"
    "d.open=open;});\n"
    "  });\n"
    "});\n"
    "var save=document.getElementById('save-json');\n"
    "if(save){save.addEventListener('click',function(){\n"
    "  var text=document.getElementById('sc-report-data').textContent;\n"
    "  var obj;try{obj=JSON.parse(text);}catch(e){obj=null;}\n"
    "  var blob=new Blob([obj===null?text:JSON.stringify(obj,null,2)],"
    "{type:'application/json'});\n"
    "  var a=document.createElement('a');a.href=URL.createObjectURL(blob);"
    "a.download='report.json';\n"
    "  document.body.appendChild(a);a.click();a.remove();\n"
    "});}\n"
    "var h=location.hash.slice(1);\n"
    "if(h){var t=document.getElementById(h);\n"
    "  if(t&&t.classList.contains('cell-cases')){show(h);}\n"
    "  else if(t&&t.tagName==='DETAILS'){var sec=t.closest('section');"
    "if(sec){show(sec.id,true);}t.open=true;t.scrollIntoView();}}\n"
    "})();\n";

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

/* Pretty JSON of `v` in a <pre>; strings are shown as text. */
static void sc_html_pre_json(FILE *out, const cJSON *v)
{
    fputs("<pre class=\"json\">", out);
    if (cJSON_IsString(v)) {
        H(v->valuestring);
    } else if (v == NULL) {
        H("null");
    } else {
        char *text = cJSON_Print(v);
        H(text ? text : "(out of memory)");
        cJSON_free(text);
    }
    fputs("</pre>\n", out);
}

static void sc_html_num(FILE *out, double v)
{
    if (!isfinite(v))
        v = 0;
    fprintf(out, "%.1f", v);
}

/* A "nice" step (1, 2 or 5 times a power of ten) giving about six ticks up to tmax (> 0). */
static double sc_tick_step(double tmax)
{
    double raw = tmax / 6, mag = pow(10, floor(log10(raw)));
    return mag * (raw / mag < 1.5 ? 1 : raw / mag < 3.5 ? 2 : raw / mag < 7.5 ? 5 : 10);
}

/* ---- timeline ----------------------------------------------------------------------------- */

enum { SC_TL_W = 860, SC_TL_LEFT = 150, SC_TL_RIGHT = 24, SC_TL_ROW = 36, SC_TL_TOP = 8 };
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
    if (strcmp(ev, "cancelled") == 0 || strcmp(ev, "deadline_exceeded") == 0)
        return "#d33";
    if (strcmp(ev, "call_start") == 0)
        return "#2563eb";
    if (strcmp(ev, "status_sent") == 0 || strcmp(ev, "call_end") == 0)
        return "#111";
    return "#888";
}

static void sc_html_timeline(FILE *out, const sc_report_case *k)
{
    const cJSON *trace = sc_report_obj(k->json, "trace");
    const cJSON *tclient = sc_report_obj(trace, "client");
    const cJSON *timings = sc_report_obj(tclient, "timings");
    if (!timings)
        timings = tclient;
    const cJSON *actual = sc_report_obj(k->json, "actual");
    const cJSON *attempts = sc_report_arr(tclient, "attempts");
    if (!attempts && trace)
        attempts = sc_report_arr(actual, "attempts");
    const cJSON *events = sc_report_arr(trace, "server_events");
    const cJSON *rec = sc_report_obj(k->json, "reconnect");
    const cJSON *rattempts = sc_report_arr(rec, "attempts");

    const char *tnames[] = {"headers_ms", "first_response_ms", "close_send_ms", "status_ms"};
    bool has_client = cJSON_GetArraySize(attempts) > 0 ||
                      cJSON_GetArraySize(sc_report_arr(timings, "responses_ms")) > 0;
    for (size_t i = 0; i < sizeof tnames / sizeof tnames[0]; i++)
        has_client = has_client || sc_report_has_num(timings, tnames[i]);
    bool has_server = cJSON_GetArraySize(events) > 0;
    bool has_backoff = cJSON_GetArraySize(rattempts) > 0;
    int rows = has_client + has_server + has_backoff;
    if (rows == 0)
        return;

    /* Extent of the time axis. */
    double tmax = 0, t0_server = INFINITY;
    const cJSON *it;
    for (size_t i = 0; i < sizeof tnames / sizeof tnames[0]; i++)
        sc_tl_max(&tmax, sc_report_num(timings, tnames[i], 0));
    cJSON_ArrayForEach(it, sc_report_arr(timings, "responses_ms"))
    {
        if (cJSON_IsNumber(it))
            sc_tl_max(&tmax, it->valuedouble);
    }
    cJSON_ArrayForEach(it, attempts)
    {
        sc_tl_max(&tmax, sc_report_num(it, "end_ms", 0));
        sc_tl_max(&tmax, sc_report_num(it, "start_ms", 0));
    }
    cJSON_ArrayForEach(it, events)
    {
        double t = sc_report_num(it, "t_ms", NAN);
        if (isfinite(t) && t < t0_server)
            t0_server = t;
    }
    if (!isfinite(t0_server))
        t0_server = 0;
    cJSON_ArrayForEach(it, events)
    {
        sc_tl_max(&tmax, sc_report_num(it, "t_ms", t0_server) - t0_server);
    }
    double prev_end = 0;
    cJSON_ArrayForEach(it, rattempts)
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
    tmax *= 1.04; /* room for the last mark */
    sc_tl tl = {out, tmax};
    fputs("<h4>Timeline</h4>\n", out);
    int height = SC_TL_TOP + rows * SC_TL_ROW + 26;

    fprintf(out,
            "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"timeline\">",
            SC_TL_W, height, SC_TL_W, height);
    char title[512];
    double y = SC_TL_TOP;

    if (has_client) {
        sc_tl_label(&tl, y + 20, "client");
        int i = 0;
        cJSON_ArrayForEach(it, attempts)
        {
            const char *code = sc_report_str(it, "code");
            snprintf(title, sizeof title, "attempt %d: %.0f-%.0f ms %s", i + 1,
                     sc_report_num(it, "start_ms", 0), sc_report_num(it, "end_ms", 0), code);
            sc_tl_rect(&tl, sc_report_num(it, "start_ms", 0), sc_report_num(it, "end_ms", 0),
                       y + 10, 14, "#cfd8e3", title);
            i++;
        }
        if (sc_report_has_num(timings, "headers_ms")) {
            double t = sc_report_num(timings, "headers_ms", 0);
            snprintf(title, sizeof title, "headers at %.1f ms", t);
            sc_tl_tick(&tl, t, y + 4, 26, "#2563eb", 2, title);
        }
        if (sc_report_has_num(timings, "close_send_ms")) {
            double t = sc_report_num(timings, "close_send_ms", 0);
            snprintf(title, sizeof title, "half-close at %.1f ms", t);
            sc_tl_tick(&tl, t, y + 4, 26, "#9333ea", 2, title);
        }
        int n = 0;
        cJSON_ArrayForEach(it, sc_report_arr(timings, "responses_ms"))
        {
            if (!cJSON_IsNumber(it) || n >= SC_TL_MAX_MARKS)
                continue;
            n++;
            fputs("<circle cx=\"", out);
            sc_html_num(out, sc_tl_x(&tl, it->valuedouble));
            fputs("\" cy=\"", out);
            sc_html_num(out, y + 17);
            fprintf(out,
                    "\" r=\"3.5\" fill=\"#16a34a\"><title>response %d at %.1f ms</title>"
                    "</circle>",
                    n, it->valuedouble);
        }
        if (sc_report_has_num(timings, "status_ms")) {
            double t = sc_report_num(timings, "status_ms", 0);
            const char *code = sc_report_str(sc_report_obj(actual, "status"), "code");
            snprintf(title, sizeof title, "status %s at %.1f ms", code[0] ? code : "?", t);
            sc_tl_tick(&tl, t, y + 2, 30, "#111", 3, title);
        }
        y += SC_TL_ROW;
    }

    if (has_backoff) {
        sc_tl_label(&tl, y + 20, "reconnect");
        prev_end = 0;
        int i = 0;
        cJSON_ArrayForEach(it, rattempts)
        {
            double lo, hi;
            sc_report_reconnect_gap(it, prev_end, &lo, &hi);
            if (i > 0 && isfinite(lo) && isfinite(hi)) {
                snprintf(title, sizeof title,
                         "attempt %d expected to start between %.1f and %.1f ms", i + 1, lo, hi);
                sc_tl_rect(&tl, lo, hi, y + 4, 26, "rgba(245,158,11,0.35)", title);
            }
            i++;
            prev_end = sc_report_num(it, "end_ms", prev_end);
        }
        i = 0;
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
                         sc_report_num(it, "expected_max_ms", 0),
                         failed ? ": OUTSIDE THE WINDOW" : "");
            else
                snprintf(title, sizeof title, "attempt %d at %.1f ms: %s", i + 1, s,
                         sc_report_str(it, "code"));
            sc_tl_rect(&tl, s, sc_report_num(it, "end_ms", s), y + 9, 16,
                       failed ? "#dc2626" : "#15803d", title);
            i++;
        }
        y += SC_TL_ROW;
    }

    if (has_server) {
        sc_tl_label(&tl, y + 14, "server");
        sc_tl_label(&tl, y + 27, "(own clock)");
        int n = 0;
        cJSON_ArrayForEach(it, events)
        {
            if (n++ >= SC_TL_MAX_MARKS)
                break;
            const char *ev = sc_report_str(it, "event");
            double t = sc_report_num(it, "t_ms", t0_server) - t0_server;
            snprintf(title, sizeof title, "%s at +%.1f ms (call %.0f)", ev[0] ? ev : "event", t,
                     sc_report_num(it, "call", 0));
            sc_tl_tick(&tl, t, y + 6, 24, sc_event_colour(ev), 2, title);
        }
        y += SC_TL_ROW;
    }

    /* Time axis with "nice" ticks. */
    fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"", SC_TL_LEFT, SC_TL_W - SC_TL_RIGHT);
    sc_html_num(out, y + 2);
    fputs("\" y2=\"", out);
    sc_html_num(out, y + 2);
    fputs("\" stroke=\"#999\"/>", out);
    double step = sc_tick_step(tmax);
    for (int i = 0; i <= 12 && i * step <= tmax; i++) {
        double x = sc_tl_x(&tl, i * step);
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

static void sc_html_case(FILE *out, const sc_report_case *k, size_t index)
{
    const cJSON *j = k->json;
    char dur[64];
    sc_report_fmt_ms(dur, sizeof dur, k->duration_ms);
    const char *vname = sc_report_verdict_name(k->verdict);
    fprintf(out, "<details class=\"case vc-%s\" id=\"case-%zu\" data-case=\"", vname, index);
    H(k->id);
    fprintf(out, "\"><summary><span class=\"badge v-%s\">", vname);
    H(k->verdict == SC_VERDICT_UNKNOWN && k->verdict_text[0] ? k->verdict_text : vname);
    fputs("</span>", out);
    H(k->scenario);
    fprintf(out, "<span class=\"dur\">%s%s</span></summary>\n<div class=\"case-body\">\n", dur,
            k->attempts >= 2 ? ", 2 attempts" : "");

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

    const cJSON *failures = sc_report_arr(j, "failures");
    if (cJSON_GetArraySize(failures) > 0)
        sc_html_failures(out, failures);
    const cJSON *trace = sc_report_obj(j, "trace");
    const cJSON *rec = sc_report_obj(j, "reconnect");
    if (trace || rec)
        sc_html_timeline(out, k);
    const char *stderr_tail = sc_report_str(j, "stderr");
    if (stderr_tail[0]) {
        fputs("<h4>stderr</h4>\n<pre>", out);
        H(stderr_tail);
        fputs("</pre>\n", out);
    }
    fputs("<h4>Expected</h4>\n", out);
    sc_html_pre_json(out, cJSON_GetObjectItemCaseSensitive(j, "expected"));
    fputs("<h4>Actual</h4>\n", out);
    sc_html_pre_json(out, cJSON_GetObjectItemCaseSensitive(j, "actual"));
    if (rec) {
        fputs("<h4>Reconnect</h4>\n", out);
        sc_html_pre_json(out, rec);
    }
    if (trace) {
        fputs("<h4>Trace</h4>\n", out);
        sc_html_pre_json(out, trace);
    }
    fputs("</div></details>\n", out);
}

static void sc_html_pair(FILE *out, const sc_report_model *m, size_t r, size_t c)
{
    H(m->clients[r]);
    fputs("-&gt;", out);
    H(m->servers[c]);
}

static void sc_html_header(FILE *out, const cJSON *report, const sc_report_model *m,
                           bool has_reconnect)
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
    fputs("<table class=\"info\">\n", out);
    const char *version = sc_report_str(report, "version");
    if (version[0]) {
        fputs("<tr><th>version</th><td>", out);
        H(version);
        fputs("</td></tr>\n", out);
    }
    const char *started = sc_report_str(report, "started_at");
    if (started[0]) {
        fputs("<tr><th>started</th><td>", out);
        H(started);
        fputs("</td></tr>\n", out);
    }
    if (sc_report_has_num(report, "duration_ms")) {
        char buf[64];
        sc_report_fmt_ms(buf, sizeof buf, sc_report_num(report, "duration_ms", 0));
        fprintf(out, "<tr><th>duration</th><td>%s</td></tr>\n", buf);
    }
    const cJSON *impls = sc_report_obj(report, "implementations");
    const cJSON *im;
    cJSON_ArrayForEach(im, impls)
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
        } else {
            char *text = sc_report_text(im);
            H(text);
            sc_report_text_free(text);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
    const sc_report_counts *t = &m->totals;
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
            t->by_verdict[SC_VERDICT_SKIP]);
    if (t->flaky)
        fprintf(out, "<span>%zu flaky (passed on retry)</span>", t->flaky);
    fputs("<button type=\"button\" id=\"save-json\">Save report.json</button></p>\n", out);
    size_t bad = 0;
    for (size_t i = 0; i < m->ncases; i++)
        bad += sc_report_verdict_is_bad(m->cases[i].verdict);
    fputs("<nav class=\"toc\"><a href=\"#matrix\">Interop matrix</a>", out);
    if (bad)
        fputs("<a href=\"#failures\">Failures</a>", out);
    if (has_reconnect)
        fputs("<a href=\"#reconnect\">Reconnect and backoff by client</a>", out);
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

static void sc_html_problems(FILE *out, const sc_report_model *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->ncases; i++)
        n += sc_report_verdict_is_bad(m->cases[i].verdict);
    if (n == 0)
        return;
    fprintf(out, "<h2 id=\"failures\">Failures (%zu)</h2>\n<ul class=\"problems\">\n", n);
    for (size_t i = 0; i < m->ncases; i++) {
        const sc_report_case *k = &m->cases[i];
        if (!sc_report_verdict_is_bad(k->verdict))
            continue;
        fprintf(out, "<li><a href=\"#case-%zu\" data-open=\"cell-%zu-%zu\">", i, k->row, k->col);
        fprintf(out, "<span class=\"badge v-%s\">%s</span>", sc_report_verdict_name(k->verdict),
                sc_report_verdict_name(k->verdict));
        H(k->scenario);
        fputs(" (", out);
        sc_html_pair(out, m, k->row, k->col);
        fputs(")</a></li>\n", out);
    }
    fputs("</ul>\n", out);
}

/* ---- reconnect comparison ----------------------------------------------------------------- */

/* "Reconnect and backoff by client": one figure per scenario with reconnect data (at most
 * SC_REPORT_RECONNECT_MAX_SCENARIOS), one row per client x server pair on a shared time axis. */
#define SC_RB_MAX_ROWS SC_REPORT_HTML_RECONNECT_MAX_ROWS
#define SC_RB_MAX_ATTEMPTS SC_REPORT_HTML_RECONNECT_MAX_ATTEMPTS

enum {
    SC_RB_W = 1000,    /* figure width */
    SC_RB_LEFT = 112,  /* the pair labels */
    SC_RB_RIGHT = 272, /* the per-row text */
    SC_RB_ROW = 22,
    SC_RB_TOP = 6,
    SC_RB_AXIS = 34
};

static double sc_rb_x(double tmax, double t)
{
    if (!isfinite(t) || t < 0)
        t = 0;
    if (t > tmax)
        t = tmax;
    return SC_RB_LEFT + t / tmax * (SC_RB_W - SC_RB_LEFT - SC_RB_RIGHT);
}

static void sc_rb_vline(FILE *out, double x, double y0, double y1, const char *cls,
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

static void sc_rb_row(FILE *out, const sc_report_model *m, size_t index, size_t rowno, double tmax)
{
    const sc_report_case *k = &m->cases[index];
    const cJSON *attempts = sc_report_reconnect_attempts(k);
    sc_report_reconnect_stats st;
    sc_report_reconnect_stats_of(attempts, SC_RB_MAX_ATTEMPTS, &st);
    double y = SC_RB_TOP + (double)rowno * SC_RB_ROW;
    char title[512];

    fputs("<g class=\"rb-row\" data-pair=\"", out);
    sc_html_pair(out, m, k->row, k->col);
    fputs("\">", out);
    if (rowno % 2) {
        fputs("<rect x=\"0\" y=\"", out);
        sc_html_num(out, y);
        fprintf(out, "\" width=\"%d\" height=\"%d\" fill=\"#f3f4f6\"/>", SC_RB_W, SC_RB_ROW);
    }
    fprintf(out, "<a href=\"#case-%zu\" data-open=\"cell-%zu-%zu\"><text x=\"6\" y=\"", index,
            k->row, k->col);
    sc_html_num(out, y + 15);
    fputs("\">", out);
    sc_html_pair(out, m, k->row, k->col);
    fputs("</text></a>", out);

    /* The expected windows first (behind), then the attempts and their start marks. */
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
        if (!isfinite(lo) || !isfinite(hi))
            continue;
        double x0 = sc_rb_x(tmax, lo), x1 = sc_rb_x(tmax, hi);
        fputs("<rect class=\"rb-window\" x=\"", out);
        sc_html_num(out, x0);
        fputs("\" y=\"", out);
        sc_html_num(out, y + 3);
        fputs("\" width=\"", out);
        sc_html_num(out, x1 - x0 < 2 ? 2 : x1 - x0);
        fprintf(out, "\" height=\"%d\" fill=\"#f59e0b\" fill-opacity=\"0.3\"><title>",
                SC_RB_ROW - 6);
        snprintf(title, sizeof title, "attempt %zu expected to start between %.0f and %.0f ms", n,
                 lo, hi);
        H(title);
        fputs("</title></rect>", out);
    }
    prev_end = 0;
    n = 0;
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
        if (e > s) {
            double x0 = sc_rb_x(tmax, s), x1 = sc_rb_x(tmax, e);
            fputs("<rect class=\"rb-run\" x=\"", out);
            sc_html_num(out, x0);
            fputs("\" y=\"", out);
            sc_html_num(out, y + SC_RB_ROW / 2.0 - 2);
            fputs("\" width=\"", out);
            sc_html_num(out, x1 - x0);
            fputs("\" height=\"4\" fill=\"#9ca3af\"/>", out);
        }
        const char *cls = g == SC_REPORT_GAP_OUT  ? "rb-mark rb-out"
                          : g == SC_REPORT_GAP_IN ? "rb-mark rb-in"
                          : n == 1                ? "rb-mark rb-first"
                                                  : "rb-mark rb-unchecked";
        const char *stroke = g == SC_REPORT_GAP_OUT  ? "#dc2626"
                             : g == SC_REPORT_GAP_IN ? "#15803d"
                             : n == 1                ? "#2563eb"
                                                     : "#6b7280";
        sc_rb_vline(out, sc_rb_x(tmax, s), y + 2, y + SC_RB_ROW - 2, cls, stroke,
                    g == SC_REPORT_GAP_OUT ? 3 : 2);
        const char *code = sc_report_str(it, "code");
        int len = snprintf(title, sizeof title, "attempt %zu at %.0f ms%s%s%s", n, s,
                           code[0] ? " (" : "", code, code[0] ? ")" : "");
        if (len > 0 && (size_t)len < sizeof title && sc_report_has_num(it, "gap_ms"))
            snprintf(title + len, sizeof title - (size_t)len,
                     ": gap %.0f ms, expected %.0f-%.0f ms%s", sc_report_num(it, "gap_ms", 0),
                     sc_report_num(it, "expected_min_ms", 0),
                     sc_report_num(it, "expected_max_ms", 0),
                     g == SC_REPORT_GAP_OUT ? ", outside its window" : "");
        fputs("><title>", out);
        H(title);
        fputs("</title></line>", out);
    }

    /* The row in words. */
    fprintf(out, "<text class=\"rb-text\" x=\"%d\" y=\"", SC_RB_W - SC_RB_RIGHT + 10);
    sc_html_num(out, y + 15);
    fprintf(out, "\">%zu attempt%s, ", st.attempts, st.attempts == 1 ? "" : "s");
    if (st.gaps == 0)
        fputs("no gap checked", out);
    else
        fprintf(out, "%zu of %zu gap%s out of window", st.out, st.gaps, st.gaps == 1 ? "" : "s");
    if (k->verdict != SC_VERDICT_PASS) {
        fputs(", ", out);
        H(k->verdict == SC_VERDICT_UNKNOWN && k->verdict_text[0]
              ? k->verdict_text
              : sc_report_verdict_name(k->verdict));
    }
    if (st.attempts > SC_RB_MAX_ATTEMPTS)
        fprintf(out, " (first %d drawn)", SC_RB_MAX_ATTEMPTS);
    fputs("</text></g>", out);
}

static void sc_rb_policy(FILE *out, const cJSON *policy)
{
    static const struct {
        const char *key, *label, *unit;
    } fields[] = {{"backoff_initial_ms", "initial", " ms"},
                  {"backoff_multiplier", "multiplier", ""},
                  {"backoff_jitter", "jitter", ""},
                  {"backoff_max_ms", "max", " ms"},
                  {"tolerance_ms", "tolerance", " ms"}};
    bool first = true;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (!sc_report_has_num(policy, fields[i].key))
            continue;
        fprintf(out, "%s%s %g%s", first ? ": backoff " : ", ", fields[i].label,
                sc_report_num(policy, fields[i].key, 0), fields[i].unit);
        first = false;
    }
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
    double step = sc_tick_step(tmax);
    for (int i = 0; i <= 12 && i * step <= tmax; i++) {
        double x = sc_rb_x(tmax, i * step);
        sc_rb_vline(out, x, SC_RB_TOP, axis_y, "rb-grid", "#e5e7eb", 1);
        fputs("/><text x=\"", out);
        sc_html_num(out, x - 4);
        fputs("\" y=\"", out);
        sc_html_num(out, axis_y + 14);
        fprintf(out, "\">%g</text>", i * step);
    }
    for (size_t i = first; i < first + drawn; i++)
        sc_rb_row(out, m, ix->cases[i], i - first, tmax);
    fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"", SC_RB_LEFT, SC_RB_W - SC_RB_RIGHT);
    sc_html_num(out, axis_y);
    fputs("\" y2=\"", out);
    sc_html_num(out, axis_y);
    fprintf(out, "\" stroke=\"#999\"/><text x=\"%d\" y=\"", SC_RB_W - SC_RB_RIGHT + 40);
    sc_html_num(out, axis_y + 14);
    fputs("\">ms since the case start</text></svg>\n", out);
    if (nrows > drawn)
        fprintf(out,
                "<p class=\"rb-note\">%zu more case%s of this scenario not drawn (at most %d "
                "rows per figure).</p>\n",
                nrows - drawn, nrows - drawn == 1 ? "" : "s", SC_RB_MAX_ROWS);
    fputs("</figure>\n", out);
}

static void sc_html_reconnect(FILE *out, const sc_report_model *m,
                              const sc_report_reconnect_index *ix)
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

int sc_report_write_html(const cJSON *report, FILE *out, char *err, size_t errlen)
{
    sc_report_model m;
    if (sc_report_model_init(&m, report, err, errlen) != 0)
        return -1;
    sc_report_reconnect_index rix;
    if (sc_report_reconnect_index_init(&rix, &m) != 0) {
        sc_report_model_free(&m);
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
    sc_html_header(out, report, &m, rix.ngroups > 0);
    fputs("<main>\n", out);
    sc_html_matrix(out, &m);
    sc_html_problems(out, &m);
    sc_html_reconnect(out, &m, &rix);
    for (size_t r = 0; r < m.nclients; r++) {
        for (size_t c = 0; c < m.nservers; c++) {
            size_t cell = sc_report_cell(&m, r, c);
            fprintf(out, "<section class=\"cell-cases\" id=\"cell-%zu-%zu\" hidden>\n<h2>", r, c);
            sc_html_pair(out, &m, r, c);
            fprintf(out, ": %zu cases</h2>\n", m.cell_counts[cell].total);
            if (m.cell_counts[cell].total)
                fputs("<button type=\"button\" data-expand=\"1\">Expand all</button>"
                      "<button type=\"button\" data-expand=\"0\">Collapse all</button>\n",
                      out);
            for (size_t i = m.cell_start[cell]; i < m.cell_start[cell + 1]; i++)
                sc_html_case(out, &m.cases[i], i);
            fputs("</section>\n", out);
        }
    }
    fputs("</main>\n<script type=\"application/json\" id=\"sc-report-data\">", out);
    int rc = sc_report_json_for_script(out, report);
    fputs("</script>\n<script>\n", out);
    fputs(sc_html_js, out);
    fputs("</script>\n</body>\n</html>\n", out);
    sc_report_reconnect_index_free(&rix);
    sc_report_model_free(&m);
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
