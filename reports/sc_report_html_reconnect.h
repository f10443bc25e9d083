/* sc_report_html_reconnect: the "Reconnect and backoff by client" section of report.html
 * (<section id="reconnect">): one figure per scenario with reconnect data, one row per
 * client x server pair, expected windows and attempt marks on a shared time axis (see
 * sc_report_html.h for the classes the page promises). Pure; writes to the FILE given.
 *
 * The drawing of one row's attempts block (a `reconnect.attempts` array, docs/report-format.md)
 * and of the time axis is shared with the Applications figures (sc_report_html_apps.h). */
#ifndef SC_REPORT_HTML_RECONNECT_H
#define SC_REPORT_HTML_RECONNECT_H

#include "sc_report_util.h"

#include <cjson/cJSON.h>
#include <stdio.h>

/* The whole section, or nothing when `ix` has no scenario. */
void sc_html_reconnect(FILE *out, const sc_report_model *m, const sc_report_reconnect_index *ix);

/* Geometry of the figures (SVG user units): the chart runs from x = LEFT to W - RIGHT (labels
 * left of it, the row text right of it); rows are ROW high from y = TOP; the axis takes AXIS
 * below the last row. */
enum {
    SC_HTML_RB_W = 1000,
    SC_HTML_RB_LEFT = 112,
    SC_HTML_RB_RIGHT = 272,
    SC_HTML_RB_ROW = 22,
    SC_HTML_RB_TOP = 6,
    SC_HTML_RB_AXIS = 34
};

/* The x of time `t` (ms, clamped to [0, tmax]) on a chart whose axis ends at `tmax` (> 0). */
double sc_html_rb_x(double tmax, double t);

/* An open vertical `<line class=cls ...` from y0 to y1: the caller ends it with "/>" or with
 * "><title>...</title></line>". */
void sc_html_rb_vline(FILE *out, double x, double y0, double y1, const char *cls,
                      const char *stroke, int width);

/* One row's attempts block at row top `y`: each attempt's expected window (rect.rb-window; none
 * for a negative expected_max_ms, where no attempt was allowed), then its run bar (rect.rb-run)
 * and start mark (line.rb-mark rb-in/rb-out/rb-first/rb-unchecked) titled "NOUN n at T ms...".
 * At most SC_REPORT_HTML_RECONNECT_MAX_ATTEMPTS attempts; non-objects are skipped. */
void sc_html_rb_attempts_row(FILE *out, const cJSON *attempts, const char *noun, double tmax,
                             double y);

/* The vertical grid lines and tick labels from SC_HTML_RB_TOP down to `axis_y`. */
void sc_html_rb_grid(FILE *out, double tmax, double axis_y);

/* The numbers of a reconnect block's policy a caption lists: ": backoff initial 100 ms,
 * multiplier 1.6, ..." (only the fields present). True when it wrote any. */
bool sc_html_rb_policy_numbers(FILE *out, const cJSON *policy);

/* The axis line at `axis_y` and its caption "ms since the case start". */
void sc_html_rb_axis(FILE *out, double axis_y);

#endif
