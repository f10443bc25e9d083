/* sc_report_html_parts: the static parts of report.html (CSS, script) and the small output
 * helpers the HTML writer's files share. See sc_report_html_parts.h. */
#include "sc_report_html_parts.h"

#include <math.h>
#include <stdbool.h>

const char sc_html_css[] =
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
    "p.case-line{border-left:6px solid #bbb;margin:2px 0;padding:1px 8px}"
    "p.case-line .why{color:#555;font-size:12px}\n"
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
    "article.app-case{border:1px solid #ddd;border-left:6px solid #bbb;border-radius:4px;"
    "margin:10px 0;padding:2px 10px 8px}article.app-case h3{font-size:15px;margin:8px 0 4px}\n"
    ".rb-legend span.app-key-disruption{background:#7c3aed}"
    ".rb-legend span.app-key-exit{background:#111827}\n"
    "ul.app-findings{margin:4px 0;padding-left:20px}.app-exit{margin:4px 0}"
    "figure.app-figure{margin:8px 0}\n"
    "table.apps td,table.apps th{border:1px solid #ddd}\n"
    "ul.problems{margin:4px 0;padding-left:20px}\n";

const char sc_html_js[] =
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
    "    if(d){if(d.tagName==='DETAILS'){d.open=true;}d.scrollIntoView({block:'start'});}\n"
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
    "  else if(t&&t.closest('section.cell-cases')){show(t.closest('section').id,true);"
    "if(t.tagName==='DETAILS'){t.open=true;}t.scrollIntoView();}}\n"
    "})();\n";

#define H(s) sc_report_html(out, (s))

/* Pretty JSON of `v` in a <pre>; strings are shown as text. */
void sc_html_pre_json(FILE *out, const cJSON *v)
{
    fputs("<pre class=\"json\">", out);
    if (cJSON_IsString(v)) {
        H(v->valuestring);
    } else if (v == NULL) {
        H("null");
    } else {
        char *text = cJSON_Print(v);
        sc_report_html_text(out, text ? text : "(out of memory)");
        cJSON_free(text);
    }
    fputs("</pre>\n", out);
}

void sc_html_num(FILE *out, double v)
{
    if (!isfinite(v))
        v = 0;
    fprintf(out, "%.1f", v);
}

/* A "nice" step (1, 2 or 5 times a power of ten) giving about six ticks up to tmax (> 0). */
double sc_html_tick_step(double tmax)
{
    double raw = tmax / 6, mag = pow(10, floor(log10(raw)));
    return mag * (raw / mag < 1.5 ? 1 : raw / mag < 3.5 ? 2 : raw / mag < 7.5 ? 5 : 10);
}

void sc_html_pair(FILE *out, const sc_report_model *m, size_t r, size_t c)
{
    H(m->clients[r]);
    fputs("-&gt;", out);
    H(m->servers[c]);
}

/* Bytes of a case id kept as they are in its slug. */
static bool sc_slug_plain(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.';
}

void sc_html_slug(FILE *out, const char *id)
{
    for (const unsigned char *p = (const unsigned char *)(id ? id : ""); *p; p++) {
        if (sc_slug_plain(*p))
            fputc(*p, out);
        else if (*p == '/')
            fputc('~', out);
        else
            fprintf(out, "_%02X", (unsigned)*p);
    }
}
