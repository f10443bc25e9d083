/* sc_report_apps: the model of report.json's `applications` array. See sc_report_apps.h. */
#include "sc_report_apps.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sc_apps_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* By application (first-appearance order), then scenario name, then report order. */
static int sc_apps_case_cmp(const void *a, const void *b)
{
    const sc_report_app_case *x = a, *y = b;
    if (x->app_index != y->app_index)
        return x->app_index < y->app_index ? -1 : 1;
    int c = strcmp(x->scenario, y->scenario);
    if (c != 0)
        return c;
    return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

/* The fields of element `it` (number `order` of the array). */
static void sc_apps_read(sc_report_app_case *k, const cJSON *it, size_t order)
{
    k->json = it;
    k->order = order;
    k->id = sc_report_str(it, "id");
    k->scenario = sc_report_str(it, "scenario");
    if (!k->scenario[0])
        k->scenario = k->id[0] ? k->id : "(unnamed)";
    k->app = sc_report_str(it, "app");
    if (!k->app[0])
        k->app = "(none)";
    k->verdict_text = sc_report_str(it, "verdict");
    k->verdict = sc_report_verdict_parse(k->verdict_text);
    k->reason = sc_report_str(it, "reason");
    double d = sc_report_num(it, "duration_ms", 0);
    k->duration_ms = d > 0 ? d : 0;
    double n = sc_report_num(it, "attempts", 1);
    k->attempts = n >= 0 && n < 1e9 ? (long)n : 0;
}

static void sc_apps_count(sc_report_counts *c, const sc_report_app_case *k)
{
    c->by_verdict[k->verdict]++;
    c->total++;
    if (k->verdict == SC_VERDICT_PASS && k->attempts >= 2)
        c->flaky++;
}

void sc_report_counts_merge(sc_report_counts *dst, const sc_report_counts *src)
{
    for (size_t v = 0; v < SC_VERDICT_COUNT; v++)
        dst->by_verdict[v] += src->by_verdict[v];
    dst->total += src->total;
    dst->flaky += src->flaky;
    dst->replay_only += src->replay_only;
}

/* Scenario names sorted (de-duplicated), then each case's scen_index. */
static void sc_apps_index_scenarios(sc_report_apps *a)
{
    for (size_t i = 0; i < a->ncases; i++)
        a->scenarios[a->nscenarios++] = a->cases[i].scenario;
    if (a->nscenarios > 1)
        qsort(a->scenarios, a->nscenarios, sizeof *a->scenarios, sc_apps_str_cmp);
    size_t n = 0;
    for (size_t i = 0; i < a->nscenarios; i++)
        if (n == 0 || strcmp(a->scenarios[n - 1], a->scenarios[i]) != 0)
            a->scenarios[n++] = a->scenarios[i];
    a->nscenarios = n;
    for (size_t i = 0; i < a->ncases; i++) {
        const char **hit = bsearch(&a->cases[i].scenario, a->scenarios, a->nscenarios,
                                   sizeof *a->scenarios, sc_apps_str_cmp);
        a->cases[i].scen_index = hit ? (size_t)(hit - a->scenarios) : 0;
    }
}

int sc_report_apps_init(sc_report_apps *a, const cJSON *report, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    const cJSON *list = sc_report_arr(report, "applications");
    size_t n = (size_t)cJSON_GetArraySize(list);
    a->apps = calloc(n + 1, sizeof *a->apps);
    a->scenarios = calloc(n + 1, sizeof *a->scenarios);
    a->cases = calloc(n + 1, sizeof *a->cases);
    a->app_start = calloc(n + 2, sizeof *a->app_start);
    a->app_counts = calloc(n + 1, sizeof *a->app_counts);
    if (!a->apps || !a->scenarios || !a->cases || !a->app_start || !a->app_counts) {
        sc_report_apps_free(a);
        if (err && errlen)
            snprintf(err, errlen, "report: out of memory");
        return -1;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        sc_report_app_case *k = &a->cases[a->ncases];
        sc_apps_read(k, it, a->ncases++);
        k->app_index = sc_report_name_index(a->apps, &a->napps, k->app);
    }
    if (a->ncases > 1)
        qsort(a->cases, a->ncases, sizeof *a->cases, sc_apps_case_cmp);
    sc_apps_index_scenarios(a);
    size_t k = 0;
    for (size_t app = 0; app < a->napps; app++) {
        a->app_start[app] = k;
        for (; k < a->ncases && a->cases[k].app_index == app; k++) {
            sc_apps_count(&a->app_counts[app], &a->cases[k]);
            sc_apps_count(&a->totals, &a->cases[k]);
        }
    }
    a->app_start[a->napps] = k;
    return 0;
}

void sc_report_apps_free(sc_report_apps *a)
{
    free(a->apps);
    free(a->scenarios);
    free(a->cases);
    free(a->app_start);
    free(a->app_counts);
    memset(a, 0, sizeof *a);
}

const sc_report_app_case *sc_report_apps_find(const sc_report_apps *a, size_t app, size_t scen)
{
    if (app >= a->napps)
        return NULL;
    for (size_t i = a->app_start[app]; i < a->app_start[app + 1]; i++)
        if (a->cases[i].scen_index == scen)
            return &a->cases[i];
    return NULL;
}

/* ---- sentences ---------------------------------------------------------------------------- */

static const char *sc_apps_finding_sentence(const cJSON *f)
{
    if (cJSON_IsString(f) && f->valuestring)
        return f->valuestring;
    return sc_report_str(f, "sentence");
}

/* The list the sentences come from (findings, else failures) and how to read one. */
static const cJSON *sc_apps_sentence_source(const sc_report_app_case *k, bool *from_findings)
{
    const cJSON *findings = sc_report_arr(k->json, "findings"), *f;
    cJSON_ArrayForEach(f, findings)
    {
        if (sc_apps_finding_sentence(f)[0]) {
            *from_findings = true;
            return findings;
        }
    }
    *from_findings = false;
    return sc_report_arr(k->json, "failures");
}

static const char *sc_apps_sentence_of(const cJSON *item, bool from_findings)
{
    return from_findings ? sc_apps_finding_sentence(item) : sc_report_str(item, "actual");
}

size_t sc_report_app_sentence_count(const sc_report_app_case *k)
{
    bool from_findings;
    const cJSON *list = sc_apps_sentence_source(k, &from_findings), *it;
    size_t n = 0;
    cJSON_ArrayForEach(it, list)
    {
        n += sc_apps_sentence_of(it, from_findings)[0] != '\0';
    }
    return n;
}

const char *sc_report_app_sentence(const sc_report_app_case *k, size_t i)
{
    bool from_findings;
    const cJSON *list = sc_apps_sentence_source(k, &from_findings), *it;
    size_t n = 0;
    cJSON_ArrayForEach(it, list)
    {
        const char *s = sc_apps_sentence_of(it, from_findings);
        if (s[0] && n++ == i)
            return s;
    }
    return "";
}

/* ---- exit, output, times ------------------------------------------------------------------ */

void sc_report_app_fmt_time(char *buf, size_t len, double ms)
{
    if (!isfinite(ms) || ms < 0)
        ms = 0;
    if (ms < 1000)
        snprintf(buf, len, "%.0f ms", ms);
    else
        snprintf(buf, len, "%.1f s", ms / 1000.0);
}

/* " at 2.3 s" when `exit` has at_ms, else "". */
static void sc_apps_at(const cJSON *ex, char *buf, size_t len)
{
    char t[64];
    buf[0] = '\0';
    if (!sc_report_has_num(ex, "at_ms"))
        return;
    sc_report_app_fmt_time(t, sizeof t, sc_report_num(ex, "at_ms", 0));
    snprintf(buf, len, " at %s", t);
}

void sc_report_app_exit_text(const sc_report_app_case *k, char *buf, size_t len)
{
    const cJSON *ex = sc_report_obj(k->json, "exit");
    char at[80];
    buf[0] = '\0';
    if (!ex)
        return;
    sc_apps_at(ex, at, sizeof at);
    const cJSON *signal = cJSON_GetObjectItemCaseSensitive(ex, "signal");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ex, "stopped_by_engine")))
        snprintf(buf, len, "stopped by the engine%s", at);
    else if (sc_report_has_num(ex, "code"))
        snprintf(buf, len, "exited with code %.0f%s", sc_report_num(ex, "code", 0), at);
    else if (sc_report_has_num(ex, "signal"))
        snprintf(buf, len, "killed by signal %.0f%s", sc_report_num(ex, "signal", 0), at);
    else if (cJSON_IsString(signal) && signal->valuestring && signal->valuestring[0])
        snprintf(buf, len, "killed by signal %s%s", signal->valuestring, at);
    else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ex, "exited")))
        snprintf(buf, len, "exited%s", at);
    else
        snprintf(buf, len, "did not exit");
}

const char *sc_report_app_output_tail(const sc_report_app_case *k, bool *cut)
{
    const char *s = sc_report_str(k->json, "output");
    size_t n = strlen(s);
    *cut = n > SC_REPORT_APP_OUTPUT_MAX;
    if (!*cut)
        return s;
    s += n - SC_REPORT_APP_OUTPUT_MAX;
    /* Skip continuation bytes, so the tail starts with a whole character (at most 3). */
    for (int i = 0; i < 3 && ((unsigned char)*s & 0xC0) == 0x80; i++)
        s++;
    return s;
}

const cJSON *sc_report_app_attempts(const sc_report_app_case *k)
{
    const cJSON *lists[] = {
        sc_report_arr(sc_report_obj(k->json, "reconnect"), "attempts"),
        sc_report_arr(k->json, "calls"),
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        const cJSON *it;
        cJSON_ArrayForEach(it, lists[i])
        {
            if (cJSON_IsObject(it))
                return lists[i];
        }
    }
    return NULL;
}
