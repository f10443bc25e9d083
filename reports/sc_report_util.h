/* sc_report_util: what the report writers share: a read-only model of a parsed report.json
 * (docs/report-format.md) arranged as the interop matrix, and the escapers for XML, HTML,
 * Markdown and JSON-in-<script>.
 *
 * Robustness: a report from a crashed run may lack any field, or hold a field of the wrong type.
 * Every accessor here treats an absent or mistyped field as empty ("" / 0 / no items); nothing
 * here crashes on any cJSON tree (NULL included).
 *
 * Text policy, shared by every writer: input strings are treated as UTF-8. Invalid UTF-8 (stray,
 * truncated, overlong, surrogate or out-of-range sequences) and characters that XML 1.0 forbids
 * or discourages (C0 controls other than TAB, LF, CR; DEL; C1 controls; U+FFFE/U+FFFF) are each
 * replaced by U+FFFD, one per offending byte or character. Everything else passes through. */
#ifndef SC_REPORT_UTIL_H
#define SC_REPORT_UTIL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    SC_VERDICT_PASS = 0,
    SC_VERDICT_FAIL,
    SC_VERDICT_ERROR,
    SC_VERDICT_SKIP,
    SC_VERDICT_KNOWN_FAILING,
    SC_VERDICT_STALE,
    SC_VERDICT_UNKNOWN, /* absent or not one of the above: judged like `error` */
    SC_VERDICT_COUNT
} sc_report_verdict;

/* "pass", "fail", ..., "unknown". */
const char *sc_report_verdict_name(sc_report_verdict v);
sc_report_verdict sc_report_verdict_parse(const char *text);
/* fail, error, stale or unknown: the case makes its cell red and the run fail. */
bool sc_report_verdict_is_bad(sc_report_verdict v);

/* One case of report.json, with its fields read once. Strings point into the cJSON tree or to
 * static "" (never NULL). */
typedef struct {
    const cJSON *json; /* the case object (may be a non-object in a broken report) */
    const char *id;
    const char *scenario; /* falls back to `id`, then "(unnamed)" */
    const char *client;   /* "(none)" when absent */
    const char *server;   /* "(none)" when absent */
    const char *verdict_text;
    const char *reason;
    sc_report_verdict verdict;
    double duration_ms; /* >= 0, finite */
    long attempts;      /* >= 0 */
    bool flaky;         /* passed on its retry: `flaky` true, or a pass with attempts >= 2 */
    bool replay_only;   /* a `skip` with "replay_only": true (recorded raw messages: the drivers
                           cannot send them; streamconform replay plays them) */
    size_t row, col;    /* position in the matrix */
    size_t order;       /* index in the report's `cases` array */
} sc_report_case;

typedef struct {
    size_t by_verdict[SC_VERDICT_COUNT];
    size_t total;       /* every case */
    size_t flaky;       /* passed on a retry (attempts >= 2) */
    size_t replay_only; /* of by_verdict[SC_VERDICT_SKIP], the recorded, replay-only ones: the
                           writers show them apart from the plain skips */
} sc_report_counts;

/* Plain skips: by_verdict[SC_VERDICT_SKIP] without the replay-only ones. */
static inline size_t sc_report_counts_plain_skips(const sc_report_counts *c)
{
    return c->by_verdict[SC_VERDICT_SKIP] - c->replay_only;
}

/* The matrix: `clients` are the rows, `servers` the columns, in report order (de-duplicated),
 * followed by any name that appears only in the cases. Cases are sorted by cell (row-major), then
 * by scenario name, then by report order; the cases of cell (r, c) are
 * cases[cell_start[r * nservers + c] .. cell_start[r * nservers + c + 1]). */
typedef struct {
    const char **clients;
    size_t nclients;
    const char **servers;
    size_t nservers;
    sc_report_case *cases;
    size_t ncases;
    size_t *cell_start; /* nclients * nservers + 1 entries */
    sc_report_counts *cell_counts;
    sc_report_counts totals;
} sc_report_model;

/* Build the model from `report` (which must outlive it). Returns 0, or -1 (allocation failure
 * only) with a message in `err`. */
int sc_report_model_init(sc_report_model *m, const cJSON *report, char *err, size_t errlen);
void sc_report_model_free(sc_report_model *m);

static inline size_t sc_report_cell(const sc_report_model *m, size_t row, size_t col)
{
    return row * m->nservers + col;
}

void sc_report_counts_add(sc_report_counts *c, const sc_report_case *k);

/* Field access: a string field or "" (absent, null, not a string); a number field (plain or
 * cJSON_Raw number) or `def`; the item itself only when it is an object / array. */
/* Index of `name` in names[0..*n), appending it when absent (the caller gives the room). The
 * array borrows `name`. */
size_t sc_report_name_index(const char **names, size_t *n, const char *name);

const char *sc_report_str(const cJSON *obj, const char *key);
double sc_report_num(const cJSON *obj, const char *key, double def);
bool sc_report_has_num(const cJSON *obj, const char *key);
const cJSON *sc_report_obj(const cJSON *obj, const char *key);
const cJSON *sc_report_arr(const cJSON *obj, const char *key);
/* Any JSON value as short text: a string as itself, null/absent as "", anything else as compact
 * JSON. Returns a malloc'd string (never NULL: "" on allocation failure is a static empty string
 * that must still be passed to sc_report_text_free). */
char *sc_report_text(const cJSON *v);
void sc_report_text_free(char *s);
/* Milliseconds as text: "41 ms", "1.5 ms", "8.12 s". */
void sc_report_fmt_ms(char *buf, size_t len, double ms);

/* UTF-8: decode one character at s (n >= 1 bytes available). Returns the bytes consumed (>= 1)
 * and sets *cp; an invalid sequence consumes one byte and sets *cp = 0xFFFD and *valid = false. */
size_t sc_report_utf8_next(const unsigned char *s, size_t n, uint32_t *cp, bool *valid);
/* Is `cp` allowed in our output text (see the policy above)? */
bool sc_report_char_ok(uint32_t cp);
void sc_report_put_utf8(FILE *out, uint32_t cp);

/* XML 1.0 character data: & < > escaped, CR as &#13;. */
void sc_report_xml_text(FILE *out, const char *s);
/* XML attribute value (for "..."): & < > " ' escaped, TAB/LF/CR as character references. */
void sc_report_xml_attr(FILE *out, const char *s);
/* HTML text and attribute values (either quote): & < > " ' escaped. */
void sc_report_html(FILE *out, const char *s);
/* HTML element text (not for attributes): & < > escaped, quotes left as they are. */
void sc_report_html_text(FILE *out, const char *s);
/* Markdown inline text, safe inside a GFM table cell or a heading: Markdown punctuation escaped
 * with a backslash (an intraword '_' is left alone), '|' as "\|", a newline as "<br>", TAB as a
 * space. */
void sc_report_md_inline(FILE *out, const char *s);
/* A fenced Markdown code block holding `s` verbatim (sanitised): the fence is one backtick longer
 * than the longest backtick run in `s` (at least 3). CR LF and lone CR become LF. */
void sc_report_md_code_block(FILE *out, const char *s, const char *info);
/* `v` as compact JSON safe to embed in an HTML <script> element: '<', '>', '&', U+2028, U+2029
 * and invalid UTF-8 bytes are written as \u escapes (inside JSON strings, where alone they can
 * occur). Returns 0, or -1 on allocation failure. */
int sc_report_json_for_script(FILE *out, const cJSON *v);

/* ---- reconnect comparison (docs/report-format.md, "Reconnect and backoff by client") ------ */

/* At most this many scenarios are compared (figures in report.html, rows in summary.md); the
 * writers say how many more there were. */
#define SC_REPORT_RECONNECT_MAX_SCENARIOS 100

/* How one entry of a case's `reconnect.attempts` compares with its expected backoff window. */
typedef enum {
    SC_REPORT_GAP_NONE = 0, /* no gap checked (the first attempt, or no window data) */
    SC_REPORT_GAP_IN,       /* the attempt started inside its window */
    SC_REPORT_GAP_OUT /* outside it (`ok` false, or without `ok`: gap_ms outside the bounds) */
} sc_report_gap;

/* The case's `reconnect.attempts` when the case belongs in the comparison: not skipped, and the
 * array holds at least one object. Else NULL. */
const cJSON *sc_report_reconnect_attempts(const sc_report_case *k);

/* The gap state of attempt `a` (an element of `reconnect.attempts`; anything else is NONE) and
 * its expected window [*lo, *hi] in ms since the case start, or NAN for both when the attempt
 * has no `expected_min_ms`/`expected_max_ms`. The window is anchored where the gap was measured
 * from: `start_ms - gap_ms` (the previous attempt's end for client reconnects, its start for
 * connection backoff at the fault proxy), or `prev_end` (the previous attempt's end_ms) when the
 * attempt has no gap_ms. */
sc_report_gap sc_report_reconnect_gap(const cJSON *a, double prev_end, double *lo, double *hi);

typedef struct {
    size_t attempts; /* objects in the array */
    size_t gaps;     /* of those, gaps checked (state IN or OUT) */
    size_t out;      /* of those, outside the window */
    double tmax;     /* latest start, end or window end among the first `limit` attempts, >= 0 */
} sc_report_reconnect_stats;

/* Counts over a `reconnect.attempts` array (NULL or a non-array: all zero). */
void sc_report_reconnect_stats_of(const cJSON *attempts, size_t limit,
                                  sc_report_reconnect_stats *st);

/* The cases of a model that belong in the comparison, grouped by scenario: `cases` holds indexes
 * into model.cases, sorted by scenario name, then matrix cell, then report order; scenario g has
 * cases[group_start[g] .. group_start[g + 1]). */
typedef struct {
    size_t *cases;
    size_t ncases;
    size_t *group_start; /* ngroups + 1 entries */
    size_t ngroups;
} sc_report_reconnect_index;

/* Returns 0, or -1 on allocation failure (then the index is empty). */
int sc_report_reconnect_index_init(sc_report_reconnect_index *ix, const sc_report_model *m);
void sc_report_reconnect_index_free(sc_report_reconnect_index *ix);

#endif
