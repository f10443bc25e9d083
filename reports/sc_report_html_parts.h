/* sc_report_html_parts: what the files of the report.html writer share: the page's inline CSS
 * and script, and small output helpers (numbers for SVG attributes, "nice" axis steps, a
 * client -> server pair, pretty JSON in a <pre>). Pure; writes to the FILE given. */
#ifndef SC_REPORT_HTML_PARTS_H
#define SC_REPORT_HTML_PARTS_H

#include "sc_report_util.h"

#include <cjson/cJSON.h>
#include <stdio.h>

/* The page's <style> and <script> bodies (static text). */
extern const char sc_html_css[];
extern const char sc_html_js[];

/* Pretty JSON of `v` (may be NULL) in a <pre>; strings are shown as text. */
void sc_html_pre_json(FILE *out, const cJSON *v);

/* `v` with one decimal ("%.1f"); a non-finite value as 0.0. */
void sc_html_num(FILE *out, double v);

/* A "nice" step (1, 2 or 5 times a power of ten) giving about six ticks up to tmax (> 0). */
double sc_html_tick_step(double tmax);

/* The anchor slug of a case id: stable between runs (it depends on the id alone), distinct for
 * distinct ids, and safe as-is in an HTML attribute and a URL fragment. ASCII letters, digits,
 * '-' and '.' stay; '/' becomes '~'; every other byte (including '_' and '~') becomes '_' and two
 * upper-case hex digits: "get/a@c->go" -> "get~a_40c-_3Ego". */
void sc_html_slug(FILE *out, const char *id);

/* An interop case's element id, "case-" + slug, and an application case's, "app-" + slug. */
#define SC_HTML_CASE_PREFIX "case-"
#define SC_HTML_APP_PREFIX "app-"

/* "CLIENT-&gt;SERVER" of the matrix cell (r, c), escaped. */
void sc_html_pair(FILE *out, const sc_report_model *m, size_t r, size_t c);

#endif
