/* sc_report_html_apps: the "Applications" section of report.html (<section id="applications">,
 * docs/report-format.md): a table with one row per application x app scenario and its verdict,
 * then for each case that is not skipped an <article class="app-case" id="app-N"> with the
 * application's calls drawn on a timeline against the windows of the policy (the reconnect
 * figure's drawing, sc_report_html_reconnect.h), its connections, the disruptions and its exit;
 * the findings as a list of sentences, the exit line, the calls as a table and the output tail,
 * both in collapsed <details>. All text is HTML-escaped. Pure; writes to the FILE given. */
#ifndef SC_REPORT_HTML_APPS_H
#define SC_REPORT_HTML_APPS_H

#include "sc_report_apps.h"

#include <stdio.h>

/* Bounds of the section; the page notes what it left out. */
#define SC_REPORT_HTML_APPS_MAX_ROWS 1000   /* rows of the verdict table */
#define SC_REPORT_HTML_APPS_MAX_FIGURES 200 /* cases drawn (articles) */

/* The anchor of app case `k`: "app-" and the slug of its id (sc_html_slug), stable between runs. */
void sc_html_app_anchor(FILE *out, const sc_report_app_case *k);

/* The whole section, or nothing when `a` has no case. */
void sc_html_apps(FILE *out, const sc_report_apps *a);

#endif
