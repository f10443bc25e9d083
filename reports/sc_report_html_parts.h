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

/* "CLIENT-&gt;SERVER" of the matrix cell (r, c), escaped. */
void sc_html_pair(FILE *out, const sc_report_model *m, size_t r, size_t c);

#endif
