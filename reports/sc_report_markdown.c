#include "sc_report_markdown.h"

#include "sc_report_apps_text.h"
#include "sc_report_util.h"

#include <stdlib.h>
#include <string.h>

/* Room kept for the closing note when the cap is reached. */
#define SC_MD_NOTE_RESERVE 1024

static void sc_md_cell(FILE *out, const sc_report_counts *c)
{
    size_t skipped = c->by_verdict[SC_VERDICT_SKIP];
    size_t judged = c->total - skipped;
    if (judged == 0) {
        /* a column of recorded scenarios only (the script server) says why it never ran */
        fputs(!skipped ? "–" : (c->replay_only == skipped ? "replay only" : "skipped"), out);
        return;
    }
    fprintf(out, "%zu/%zu", c->by_verdict[SC_VERDICT_PASS], judged);
    size_t bad = c->by_verdict[SC_VERDICT_FAIL] + c->by_verdict[SC_VERDICT_ERROR] +
                 c->by_verdict[SC_VERDICT_STALE] + c->by_verdict[SC_VERDICT_UNKNOWN];
    if (bad)
        fputs(" ✗", out);
    else if (c->by_verdict[SC_VERDICT_KNOWN_FAILING])
        fputs(" ⚠", out);
}

static void sc_md_matrix(FILE *out, const sc_report_model *m)
{
    if (m->nclients == 0 || m->nservers == 0) {
        fputs("No cases.\n\n", out);
        return;
    }
    fputs("| client ↓ server → |", out);
    for (size_t c = 0; c < m->nservers; c++) {
        fputc(' ', out);
        sc_report_md_inline(out, m->servers[c]);
        fputs(" |", out);
    }
    fputs("\n| --- |", out);
    for (size_t c = 0; c < m->nservers; c++)
        fputs(" --- |", out);
    fputc('\n', out);
    for (size_t r = 0; r < m->nclients; r++) {
        fputs("| **", out);
        sc_report_md_inline(out, m->clients[r]);
        fputs("** |", out);
        for (size_t c = 0; c < m->nservers; c++) {
            fputc(' ', out);
            sc_md_cell(out, &m->cell_counts[sc_report_cell(m, r, c)]);
            fputs(" |", out);
        }
        fputc('\n', out);
    }
    fputs("\nCells: passed/total (skipped cases not counted); ✗ has fail, error or stale cases; "
          "⚠ has known-failing cases; \"replay only\": recorded scenarios the client drivers "
          "cannot send (streamconform replay plays them).\n\n",
          out);
}

static void sc_md_totals(FILE *out, const sc_report_counts *t)
{
    fprintf(out, "**Totals:** %zu cases: %zu passed", t->total, t->by_verdict[SC_VERDICT_PASS]);
    if (t->flaky)
        fprintf(out, " (%zu flaky)", t->flaky);
    fprintf(out, ", %zu failed, %zu error%s, %zu skipped", t->by_verdict[SC_VERDICT_FAIL],
            t->by_verdict[SC_VERDICT_ERROR], t->by_verdict[SC_VERDICT_ERROR] == 1 ? "" : "s",
            sc_report_counts_plain_skips(t));
    if (t->replay_only)
        fprintf(out, ", %zu recorded (replay only)", t->replay_only);
    fprintf(out, ", %zu known failing, %zu stale", t->by_verdict[SC_VERDICT_KNOWN_FAILING],
            t->by_verdict[SC_VERDICT_STALE]);
    if (t->by_verdict[SC_VERDICT_UNKNOWN])
        fprintf(out, ", %zu without a valid verdict", t->by_verdict[SC_VERDICT_UNKNOWN]);
    fputs(".\n\n", out);
}

/* used[cell] = some drawn scenario has reconnect data for the pair of that cell: the table's
 * columns. */
static void sc_md_rc_used(const sc_report_model *m, const sc_report_reconnect_index *ix,
                          size_t ngroups, bool *used)
{
    for (size_t i = 0; i < ix->group_start[ngroups]; i++) {
        const sc_report_case *k = &m->cases[ix->cases[i]];
        used[sc_report_cell(m, k->row, k->col)] = true;
    }
}

/* The heading and the table's header rows: one column per used client->server pair. */
static void sc_md_rc_head(FILE *out, const sc_report_model *m, const bool *used, size_t ncells)
{
    fputs("## Reconnect and backoff by client\n\n| scenario |", out);
    for (size_t cell = 0; cell < ncells; cell++) {
        if (!used[cell])
            continue;
        fputc(' ', out);
        sc_report_md_inline(out, m->clients[cell / m->nservers]);
        fputs("->", out);
        sc_report_md_inline(out, m->servers[cell % m->nservers]);
        fputs(" |", out);
    }
    fputs("\n| --- |", out);
    for (size_t cell = 0; cell < ncells; cell++)
        if (used[cell])
            fputs(" --- |", out);
    fputc('\n', out);
}

/* One cell: the attempts of case `k` and how many gaps fell outside their window. */
static void sc_md_rc_cell(FILE *out, const sc_report_case *k)
{
    sc_report_reconnect_stats st;
    sc_report_reconnect_stats_of(sc_report_reconnect_attempts(k), 0, &st);
    fprintf(out, " %zu attempt%s", st.attempts, st.attempts == 1 ? "" : "s");
    if (st.gaps)
        fprintf(out, ", %zu out%s", st.out, st.out ? " ✗" : "");
    fputs(" |", out);
}

/* The row of scenario group `g`. */
static void sc_md_rc_row(FILE *out, const sc_report_model *m, const sc_report_reconnect_index *ix,
                         size_t g, const bool *used, size_t ncells)
{
    size_t first = ix->group_start[g], end = ix->group_start[g + 1];
    fputs("| ", out);
    sc_report_md_inline(out, m->cases[ix->cases[first]].scenario);
    fputs(" |", out);
    /* The scenario's cases are in cell order: walk both together (the first case of a
     * pair when it has several). */
    size_t i = first;
    for (size_t cell = 0; cell < ncells; cell++) {
        if (!used[cell])
            continue;
        while (i < end &&
               sc_report_cell(m, m->cases[ix->cases[i]].row, m->cases[ix->cases[i]].col) < cell)
            i++;
        const sc_report_case *k = i < end ? &m->cases[ix->cases[i]] : NULL;
        if (!k || sc_report_cell(m, k->row, k->col) != cell) {
            fputs(" – |", out);
            continue;
        }
        sc_md_rc_cell(out, k);
    }
    fputc('\n', out);
}

/* The table of the first `ngroups` scenarios of `ix` and its legend. Returns -1 when out of
 * memory. */
static int sc_md_rc_table(FILE *out, const sc_report_model *m, const sc_report_reconnect_index *ix,
                          size_t ngroups)
{
    size_t ncells = m->nclients * m->nservers;
    bool *used = calloc(ncells + 1, sizeof *used);
    if (!used)
        return -1;
    sc_md_rc_used(m, ix, ngroups, used);
    sc_md_rc_head(out, m, used, ncells);
    for (size_t g = 0; g < ngroups; g++)
        sc_md_rc_row(out, m, ix, g, used, ncells);
    fputs("\nCells: attempts made, then how many of the gaps between them fell outside the "
          "expected backoff window (✗); – no reconnect data (skipped or not run). report.html "
          "draws them.\n\n",
          out);
    free(used);
    return 0;
}

/* "Reconnect and backoff by client": scenario x client->server pair -> attempts and gaps out of
 * window, for the cases the HTML report draws (docs/report-format.md). Nothing without them. */
static int sc_md_reconnect(FILE *out, const sc_report_model *m)
{
    sc_report_reconnect_index ix;
    if (sc_report_reconnect_index_init(&ix, m) != 0)
        return -1;
    int rc = 0;
    size_t ngroups = ix.ngroups < SC_REPORT_RECONNECT_MAX_SCENARIOS
                         ? ix.ngroups
                         : SC_REPORT_RECONNECT_MAX_SCENARIOS;
    if (ix.ngroups > 0)
        rc = sc_md_rc_table(out, m, &ix, ngroups);
    if (rc == 0 && ix.ngroups > ngroups)
        fprintf(out, "%zu more scenarios with reconnect data not listed.\n\n",
                ix.ngroups - ngroups);
    sc_report_reconnect_index_free(&ix);
    return rc;
}

static void sc_md_json_block(FILE *out, const char *label, const cJSON *v)
{
    char *text = sc_report_text(v);
    fprintf(out, "%s:\n\n", label);
    sc_report_md_code_block(out, text[0] ? text : "null", cJSON_IsString(v) ? "text" : "json");
    fputc('\n', out);
    sc_report_text_free(text);
}

static void sc_md_failures_table(FILE *out, const cJSON *failures)
{
    fputs("| expectation | expected | actual |\n| --- | --- | --- |\n", out);
    const cJSON *f;
    cJSON_ArrayForEach(f, failures)
    {
        const cJSON *fo = cJSON_IsObject(f) ? f : NULL;
        char *exp = sc_report_text(fo ? cJSON_GetObjectItemCaseSensitive(fo, "expected") : NULL);
        char *act = sc_report_text(fo ? cJSON_GetObjectItemCaseSensitive(fo, "actual") : NULL);
        const char *path = fo ? sc_report_str(fo, "path") : "";
        char *whole = fo ? NULL : sc_report_text(f);
        fputs("| ", out);
        sc_report_md_inline(out, whole ? whole : path);
        fputs(" | ", out);
        sc_report_md_inline(out, exp);
        fputs(" | ", out);
        sc_report_md_inline(out, act);
        fputs(" |\n", out);
        if (whole)
            sc_report_text_free(whole);
        sc_report_text_free(exp);
        sc_report_text_free(act);
    }
    fputc('\n', out);
}

static void sc_md_labelled(FILE *out, const char *label, const char *text)
{
    fprintf(out, "%s: ", label);
    sc_report_md_inline(out, text);
    fputs("\n\n", out);
}

/* "### fail: SCENARIO (client->server)". */
static void sc_md_heading(FILE *out, const sc_report_case *k)
{
    fputs("### ", out);
    sc_report_md_inline(out, k->verdict == SC_VERDICT_UNKNOWN && k->verdict_text[0]
                                 ? k->verdict_text
                                 : sc_report_verdict_name(k->verdict));
    fputs(": ", out);
    sc_report_md_inline(out, k->scenario);
    fputs(" (", out);
    sc_report_md_inline(out, k->client);
    fputs("->", out);
    sc_report_md_inline(out, k->server);
    fputs(")\n\n", out);
}

static void sc_md_problem(FILE *out, const sc_report_case *k)
{
    sc_md_heading(out, k);
    const char *summary = sc_report_str(k->json, "summary");
    if (summary[0]) {
        sc_report_md_inline(out, summary);
        fputs("\n\n", out);
    }
    const cJSON *failures = sc_report_arr(k->json, "failures");
    const char *stderr_tail = sc_report_str(k->json, "stderr");
    switch (k->verdict) {
    case SC_VERDICT_FAIL:
        if (k->reason[0])
            sc_md_labelled(out, "Reason", k->reason);
        if (cJSON_GetArraySize(failures) > 0) {
            sc_md_failures_table(out, failures);
        } else {
            sc_md_json_block(out, "Expected",
                             cJSON_GetObjectItemCaseSensitive(k->json, "expected"));
            sc_md_json_block(out, "Actual", cJSON_GetObjectItemCaseSensitive(k->json, "actual"));
        }
        break;
    case SC_VERDICT_STALE:
        fputs("Listed in --known-failing but passed: the list is out of date.\n\n", out);
        if (k->reason[0])
            sc_md_labelled(out, "Known-failing reason", k->reason);
        break;
    default: /* error, unknown */
        if (k->verdict == SC_VERDICT_UNKNOWN)
            fputs(k->verdict_text[0] ? "Not a known verdict; counted as an error.\n\n"
                                     : "The case has no verdict; counted as an error.\n\n",
                  out);
        sc_md_labelled(out, "Reason", k->reason[0] ? k->reason : "(none given)");
        if (cJSON_GetArraySize(failures) > 0)
            sc_md_failures_table(out, failures);
        if (stderr_tail[0]) {
            fputs("stderr (tail):\n\n", out);
            sc_report_md_code_block(out, stderr_tail, "text");
            fputc('\n', out);
        }
        break;
    }
}

/* The title, the run line (version, start, duration) and the incomplete-run banner. */
static void sc_md_run(FILE *out, const cJSON *report)
{
    const char *tool = sc_report_str(report, "tool");
    fputs("# ", out);
    sc_report_md_inline(out, tool[0] ? tool : "streamconform");
    fputs(" interop summary\n\n", out);

    const char *version = sc_report_str(report, "version");
    const char *started = sc_report_str(report, "started_at");
    bool any = false;
    if (version[0]) {
        fputs("Version ", out);
        sc_report_md_inline(out, version);
        any = true;
    }
    if (started[0]) {
        fputs(any ? ", started " : "Started ", out);
        sc_report_md_inline(out, started);
        any = true;
    }
    if (sc_report_has_num(report, "duration_ms")) {
        char buf[64];
        sc_report_fmt_ms(buf, sizeof buf, sc_report_num(report, "duration_ms", 0));
        fprintf(out, "%s%s", any ? ", took " : "Took ", buf);
        any = true;
    }
    if (any)
        fputs(".\n\n", out);
    const cJSON *complete =
        cJSON_IsObject(report) ? cJSON_GetObjectItemCaseSensitive(report, "complete") : NULL;
    if (!cJSON_IsTrue(complete))
        fputs("**Incomplete run:** not every selected case finished; the counts cover the cases "
              "in the report.\n\n",
              out);
}

/* The implementations of the run with their descriptions (and why a server's event log was not
 * available); nothing for a report without them. */
static void sc_md_impls(FILE *out, const cJSON *report)
{
    const cJSON *impls = sc_report_obj(report, "implementations");
    if (cJSON_GetArraySize(impls) == 0)
        return;
    fputs("## Implementations\n\n", out);
    const cJSON *im;
    cJSON_ArrayForEach(im, impls)
    {
        fputs("- **", out);
        sc_report_md_inline(out, im->string);
        fputs("**", out);
        const char *keys[] = {"client", "server", "server_note"};
        const char *labels[] = {" client: ", " server: ", " — "};
        const char *sep = ":";
        for (size_t i = 0; i < 3; i++) {
            const char *v = sc_report_str(im, keys[i]);
            if (!v[0])
                continue;
            fprintf(out, "%s%s", i < 2 ? sep : "", labels[i]);
            sc_report_md_inline(out, v);
            sep = ";";
        }
        fputs("\n", out);
    }
    fputs("\n", out);
}

/* One bad case's section, or, when that is longer than SC_REPORT_MD_CASE_MAX, its heading with a
 * pointer to the full reports. Returns the malloc'd text (NULL when out of memory). */
static char *sc_md_problem_text(const sc_report_case *k, size_t *len)
{
    char *text = NULL;
    FILE *mem = open_memstream(&text, len);
    if (!mem)
        return NULL;
    sc_md_problem(mem, k);
    fclose(mem);
    if (*len <= SC_REPORT_MD_CASE_MAX)
        return text;
    free(text);
    text = NULL;
    mem = open_memstream(&text, len);
    if (!mem)
        return NULL;
    sc_md_heading(mem, k);
    fprintf(mem, "Details left out: longer than %d KiB here; see report.html or report.json.\n\n",
            SC_REPORT_MD_CASE_MAX / 1024);
    fclose(mem);
    return text;
}

/* "No failures." or the failures section, one entry per bad case while they fit in `budget`
 * bytes. Returns how many bad cases were not listed (-1 when out of memory). */
static long sc_md_failures(FILE *out, const sc_report_model *m, size_t bad_apps, size_t budget)
{
    size_t problems = 0, used = 0, listed = 0;
    for (size_t i = 0; i < m->ncases; i++)
        if (sc_report_verdict_is_bad(m->cases[i].verdict))
            problems++;
    if (problems == 0) {
        if (bad_apps == 0)
            fputs("No failures.\n", out);
        return 0;
    }
    used += (size_t)fprintf(out, "## Failures (%zu)\n\n", problems);
    for (size_t i = 0; i < m->ncases; i++) {
        if (!sc_report_verdict_is_bad(m->cases[i].verdict))
            continue;
        size_t len;
        char *text = sc_md_problem_text(&m->cases[i], &len);
        if (!text)
            return -1;
        bool fits = used + len <= budget;
        if (fits) {
            fwrite(text, 1, len, out);
            used += len;
            listed++;
        }
        free(text);
        if (!fits)
            break;
    }
    return (long)(problems - listed);
}

/* "## Flaky (N)": the cases that failed once and passed on the retry, interop then application
 * ones, at most SC_REPORT_MD_MAX_FLAKY. Nothing without any. */
static void sc_md_flaky(FILE *out, const sc_report_model *m, const sc_report_apps *apps,
                        size_t total)
{
    if (total == 0)
        return;
    fprintf(out, "## Flaky (%zu)\n\nFailed once, passed on the retry (--known-flaky):\n\n", total);
    size_t listed = 0;
    for (size_t i = 0; i < m->ncases && listed < SC_REPORT_MD_MAX_FLAKY; i++) {
        const sc_report_case *k = &m->cases[i];
        if (!k->flaky)
            continue;
        fputs("- ", out);
        sc_report_md_inline(out, k->scenario);
        fputs(" (", out);
        sc_report_md_inline(out, k->client);
        fputs("->", out);
        sc_report_md_inline(out, k->server);
        fputs(")\n", out);
        listed++;
    }
    for (size_t i = 0; i < apps->ncases && listed < SC_REPORT_MD_MAX_FLAKY; i++) {
        const sc_report_app_case *k = &apps->cases[i];
        if (k->verdict != SC_VERDICT_PASS || k->attempts < 2)
            continue;
        fputs("- ", out);
        sc_report_md_inline(out, k->scenario);
        fputs(" (app ", out);
        sc_report_md_inline(out, k->app);
        fputs(")\n", out);
        listed++;
    }
    if (total > listed)
        fprintf(out, "- (%zu more)\n", total - listed);
    fputc('\n', out);
}

/* Copy `text` to `out`, capped at SC_REPORT_MD_MAX_BYTES: when longer (a head too big already),
 * cut at a line end with room for a note saying so. Then the note on failing cases not listed. */
static void sc_md_emit(FILE *out, const char *text, size_t len, long not_listed, size_t problems)
{
    size_t room = SC_REPORT_MD_MAX_BYTES - SC_MD_NOTE_RESERVE;
    size_t cut = 0;
    if (len > room) {
        size_t end = room;
        while (end > 0 && text[end - 1] != '\n')
            end--;
        cut = len - end;
        len = end;
    }
    fwrite(text, 1, len, out);
    if (cut == 0 && not_listed <= 0)
        return;
    fprintf(out,
            "\n---\n\n**summary.md is capped at %d KiB** (GitHub job summaries take at most "
            "1 MiB).",
            SC_REPORT_MD_MAX_BYTES / 1024);
    if (not_listed > 0)
        fprintf(out, " %ld of %zu failing cases not listed.", not_listed, problems);
    if (cut)
        fprintf(out, " The last %zu bytes were cut.", cut);
    fputs(" report.html and report.json have every case.\n", out);
}

/* Everything up to the failures section. 0, or -1 when out of memory. */
static int sc_md_head(FILE *out, const cJSON *report, const sc_report_model *m,
                      const sc_report_apps *apps, const sc_report_counts *totals)
{
    sc_md_run(out, report);
    sc_md_matrix(out, m);
    sc_md_totals(out, totals);
    sc_md_flaky(out, m, apps, totals->flaky);
    sc_md_impls(out, report);
    if (sc_md_reconnect(out, m) != 0)
        return -1;
    sc_report_markdown_apps(out, apps);
    return 0;
}

int sc_report_write_markdown(const cJSON *report, FILE *out, char *err, size_t errlen)
{
    sc_report_model m;
    sc_report_apps apps;
    if (sc_report_model_init(&m, report, err, errlen) != 0)
        return -1;
    if (sc_report_apps_init(&apps, report, err, errlen) != 0) {
        sc_report_model_free(&m);
        return -1;
    }
    sc_report_counts totals = m.totals;
    sc_report_counts_merge(&totals, &apps.totals);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    int rc = mem ? sc_md_head(mem, report, &m, &apps, &totals) : -1;
    long not_listed = 0;
    if (rc == 0) {
        fflush(mem);
        size_t room = SC_REPORT_MD_MAX_BYTES - SC_MD_NOTE_RESERVE;
        not_listed =
            sc_md_failures(mem, &m, sc_report_apps_bad(&apps), len < room ? room - len : 0);
        rc = not_listed < 0 ? -1 : 0;
    }
    if (mem)
        fclose(mem);
    size_t problems = 0;
    for (size_t i = 0; i < m.ncases; i++)
        problems += sc_report_verdict_is_bad(m.cases[i].verdict);
    if (rc == 0)
        sc_md_emit(out, text, len, not_listed, problems);
    free(text);
    sc_report_model_free(&m);
    sc_report_apps_free(&apps);
    if (rc != 0) {
        if (err && errlen)
            snprintf(err, errlen, "summary.md: out of memory");
        return -1;
    }
    if (ferror(out)) {
        if (err && errlen)
            snprintf(err, errlen, "summary.md: write error");
        return -1;
    }
    return 0;
}
