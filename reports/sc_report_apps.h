/* sc_report_apps: a read-only model of report.json's `applications` array (docs/report-format.md,
 * "APPLICATION"; docs/app-check.md): one entry per application x app scenario, as the three
 * writers show it (report.html's "Applications" section, junit.xml's "app:NAME" suites and
 * summary.md's "Applications" table). Like sc_report_util.h, every accessor treats an absent or
 * mistyped field as empty, and nothing here crashes on any cJSON tree (NULL included). */
#ifndef SC_REPORT_APPS_H
#define SC_REPORT_APPS_H

#include "sc_report_util.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* The output tail shown per case (bytes, the end kept): the engine keeps 16 KiB
 * (SC_APP_OUTPUT_MAX); a report from elsewhere may hold more, and the pages stay bounded. */
#define SC_REPORT_APP_OUTPUT_MAX 16384

/* Sentences listed per case in summary.md and junit.xml (report.html lists them all): a judge
 * that found the same fault a hundred times still makes a readable log. */
#define SC_REPORT_APP_MAX_SENTENCES 20

/* One element of `applications`, with its fields read once. Strings point into the cJSON tree
 * or to static text (never NULL). */
typedef struct {
    const cJSON *json;    /* the element (may be a non-object in a broken report) */
    const char *id;       /* "" when absent */
    const char *scenario; /* falls back to `id`, then "(unnamed)" */
    const char *app;      /* "(none)" when absent */
    const char *verdict_text;
    const char *reason;
    sc_report_verdict verdict;
    double duration_ms; /* >= 0, finite */
    long attempts;      /* >= 0 */
    size_t app_index;   /* index into apps[] */
    size_t scen_index;  /* index into scenarios[] */
    size_t order;       /* index in the report's `applications` array */
} sc_report_app_case;

/* The applications in order of first appearance, the scenarios sorted by name, the cases
 * sorted by application, then scenario, then report order: application a has cases
 * [app_start[a], app_start[a + 1]). */
typedef struct {
    const char **apps;
    size_t napps;
    const char **scenarios;
    size_t nscenarios;
    sc_report_app_case *cases;
    size_t ncases;
    size_t *app_start;            /* napps + 1 entries */
    sc_report_counts *app_counts; /* napps entries */
    sc_report_counts totals;
} sc_report_apps;

/* Build the model from `report` (which must outlive it). Returns 0, or -1 (allocation failure
 * only) with a message in `err`. No `applications` (or an empty one) gives ncases == 0. */
int sc_report_apps_init(sc_report_apps *a, const cJSON *report, char *err, size_t errlen);
void sc_report_apps_free(sc_report_apps *a);

/* The case of application `app` and scenario `scen`, or NULL (the first in report order when
 * the report holds several). */
const sc_report_app_case *sc_report_apps_find(const sc_report_apps *a, size_t app, size_t scen);

/* dst += src, verdict by verdict. */
void sc_report_counts_merge(sc_report_counts *dst, const sc_report_counts *src);

/* The case's sentences: each `findings[i].sentence` (or a plain string element); when no
 * finding has one, each string `failures[i].actual`. Count, and the i-th ("" past the end). */
size_t sc_report_app_sentence_count(const sc_report_app_case *k);
const char *sc_report_app_sentence(const sc_report_app_case *k, size_t i);

/* How the application ended, from `exit`, into buf: "exited with code 3 at 2.3 s", "killed by
 * signal 9 at 1.2 s", "stopped by the engine at 4.0 s", "did not exit"; "" when the case has no
 * `exit` object. */
void sc_report_app_exit_text(const sc_report_app_case *k, char *buf, size_t len);

/* The last SC_REPORT_APP_OUTPUT_MAX bytes of `output`, starting at a UTF-8 character boundary
 * (points into the tree, or ""); *cut is set when bytes were left out. */
const char *sc_report_app_output_tail(const sc_report_app_case *k, bool *cut);

/* Milliseconds as the exit line writes them: "350 ms" below a second, else "2.3 s". */
void sc_report_app_fmt_time(char *buf, size_t len, double ms);

/* The calls drawn for the case: `reconnect.attempts` when it holds an object, else `calls`
 * (drawn without windows), else NULL. */
const cJSON *sc_report_app_attempts(const sc_report_app_case *k);

#endif
