#include "sc_report_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const sc_verdict_names[SC_VERDICT_COUNT] = {
    "pass", "fail", "error", "skip", "known_failing", "stale", "unknown",
};

const char *sc_report_verdict_name(sc_report_verdict v)
{
    return (unsigned)v < SC_VERDICT_COUNT ? sc_verdict_names[v] : "unknown";
}

sc_report_verdict sc_report_verdict_parse(const char *text)
{
    if (text)
        for (int v = 0; v < SC_VERDICT_UNKNOWN; v++)
            if (strcmp(text, sc_verdict_names[v]) == 0)
                return (sc_report_verdict)v;
    return SC_VERDICT_UNKNOWN;
}

bool sc_report_verdict_is_bad(sc_report_verdict v)
{
    return v == SC_VERDICT_FAIL || v == SC_VERDICT_ERROR || v == SC_VERDICT_STALE ||
           v == SC_VERDICT_UNKNOWN;
}

/* ---- field access ------------------------------------------------------------------------- */

static const cJSON *sc_field(const cJSON *obj, const char *key)
{
    if (!cJSON_IsObject(obj))
        return NULL;
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

const char *sc_report_str(const cJSON *obj, const char *key)
{
    const cJSON *v = sc_field(obj, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

static bool sc_num_value(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
    } else if (cJSON_IsRaw(v) && v->valuestring) {
        char *end = NULL;
        *out = strtod(v->valuestring, &end);
        if (end == v->valuestring || *end != '\0')
            return false;
    } else {
        return false;
    }
    return isfinite(*out);
}

double sc_report_num(const cJSON *obj, const char *key, double def)
{
    double d;
    return sc_num_value(sc_field(obj, key), &d) ? d : def;
}

bool sc_report_has_num(const cJSON *obj, const char *key)
{
    double d;
    return sc_num_value(sc_field(obj, key), &d);
}

const cJSON *sc_report_obj(const cJSON *obj, const char *key)
{
    const cJSON *v = sc_field(obj, key);
    return cJSON_IsObject(v) ? v : NULL;
}

const cJSON *sc_report_arr(const cJSON *obj, const char *key)
{
    const cJSON *v = sc_field(obj, key);
    return cJSON_IsArray(v) ? v : NULL;
}

static char sc_empty_text[1] = "";

char *sc_report_text(const cJSON *v)
{
    char *s = NULL;
    if (v == NULL || cJSON_IsNull(v))
        return sc_empty_text;
    if (cJSON_IsString(v))
        s = strdup(v->valuestring ? v->valuestring : "");
    else
        s = cJSON_PrintUnformatted(v);
    return s ? s : sc_empty_text;
}

void sc_report_text_free(char *s)
{
    if (s != sc_empty_text)
        free(s);
}

void sc_report_fmt_ms(char *buf, size_t len, double ms)
{
    if (!isfinite(ms) || ms < 0)
        ms = 0;
    if (ms >= 10000)
        snprintf(buf, len, "%.1f s", ms / 1000.0);
    else if (ms >= 1000)
        snprintf(buf, len, "%.2f s", ms / 1000.0);
    else if (ms == floor(ms))
        snprintf(buf, len, "%.0f ms", ms);
    else
        snprintf(buf, len, "%.1f ms", ms);
}

/* ---- model -------------------------------------------------------------------------------- */

static void sc_set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

size_t sc_report_name_index(const char **names, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    names[*n] = name;
    return (*n)++;
}

static int sc_case_cmp(const void *a, const void *b)
{
    const sc_report_case *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    int c = strcmp(x->scenario, y->scenario);
    if (c != 0)
        return c;
    return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

void sc_report_counts_add(sc_report_counts *c, const sc_report_case *k)
{
    c->by_verdict[k->verdict]++;
    c->total++;
    if (k->flaky)
        c->flaky++;
    if (k->replay_only)
        c->replay_only++;
}

static const char *sc_name_or_none(const char *s)
{
    return s[0] ? s : "(none)";
}

/* One case of report.json into the model (its matrix row and column are set by the caller). */
static void read_case(sc_report_case *k, const cJSON *it, size_t order)
{
    k->json = it;
    k->order = order;
    k->id = sc_report_str(it, "id");
    k->scenario = sc_report_str(it, "scenario");
    if (!k->scenario[0])
        k->scenario = k->id[0] ? k->id : "(unnamed)";
    k->client = sc_name_or_none(sc_report_str(it, "client"));
    k->server = sc_name_or_none(sc_report_str(it, "server"));
    k->verdict_text = sc_report_str(it, "verdict");
    k->verdict = sc_report_verdict_parse(k->verdict_text);
    k->reason = sc_report_str(it, "reason");
    double d = sc_report_num(it, "duration_ms", 0);
    k->duration_ms = d > 0 ? d : 0;
    double a = sc_report_num(it, "attempts", 1);
    k->attempts = a >= 0 && a < 1e9 ? (long)a : 0;
    k->flaky = k->verdict == SC_VERDICT_PASS &&
               (k->attempts >= 2 || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "flaky")));
    k->replay_only = k->verdict == SC_VERDICT_SKIP &&
                     cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "replay_only"));
}

int sc_report_model_init(sc_report_model *m, const cJSON *report, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    const cJSON *clients = sc_report_arr(report, "clients");
    const cJSON *servers = sc_report_arr(report, "servers");
    const cJSON *cases = sc_report_arr(report, "cases");
    size_t ncases = (size_t)cJSON_GetArraySize(cases);
    size_t maxc = (size_t)cJSON_GetArraySize(clients) + ncases;
    size_t maxs = (size_t)cJSON_GetArraySize(servers) + ncases;

    m->clients = calloc(maxc + 1, sizeof *m->clients);
    m->servers = calloc(maxs + 1, sizeof *m->servers);
    m->cases = calloc(ncases + 1, sizeof *m->cases);
    if (!m->clients || !m->servers || !m->cases)
        goto oom;

    const cJSON *it;
    cJSON_ArrayForEach(it, clients)
    {
        if (cJSON_IsString(it) && it->valuestring)
            sc_report_name_index(m->clients, &m->nclients, it->valuestring);
    }
    cJSON_ArrayForEach(it, servers)
    {
        if (cJSON_IsString(it) && it->valuestring)
            sc_report_name_index(m->servers, &m->nservers, it->valuestring);
    }

    size_t order = 0;
    cJSON_ArrayForEach(it, cases)
    {
        sc_report_case *k = &m->cases[m->ncases++];
        read_case(k, it, order++);
        k->row = sc_report_name_index(m->clients, &m->nclients, k->client);
        k->col = sc_report_name_index(m->servers, &m->nservers, k->server);
    }
    if (m->ncases > 1)
        qsort(m->cases, m->ncases, sizeof *m->cases, sc_case_cmp);

    size_t ncells = m->nclients * m->nservers;
    m->cell_start = calloc(ncells + 1, sizeof *m->cell_start);
    m->cell_counts = calloc(ncells + 1, sizeof *m->cell_counts);
    if (!m->cell_start || !m->cell_counts)
        goto oom;
    size_t k = 0;
    for (size_t cell = 0; cell < ncells; cell++) {
        m->cell_start[cell] = k;
        while (k < m->ncases && sc_report_cell(m, m->cases[k].row, m->cases[k].col) == cell) {
            sc_report_counts_add(&m->cell_counts[cell], &m->cases[k]);
            sc_report_counts_add(&m->totals, &m->cases[k]);
            k++;
        }
    }
    m->cell_start[ncells] = k;
    return 0;

oom:
    sc_report_model_free(m);
    sc_set_err(err, errlen, "report: out of memory");
    return -1;
}

void sc_report_model_free(sc_report_model *m)
{
    free(m->clients);
    free(m->servers);
    free(m->cases);
    free(m->cell_start);
    free(m->cell_counts);
    memset(m, 0, sizeof *m);
}

/* ---- UTF-8 -------------------------------------------------------------------------------- */

size_t sc_report_utf8_next(const unsigned char *s, size_t n, uint32_t *cp, bool *valid)
{
    unsigned char b = s[0];
    size_t len;
    uint32_t c, min;
    *valid = true;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        len = 2, c = b & 0x1F, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3, c = b & 0x0F, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4, c = b & 0x07, min = 0x10000;
    } else {
        goto bad;
    }
    if (n < len)
        goto bad;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            goto bad;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto bad;
    *cp = c;
    return len;
bad:
    *valid = false;
    *cp = 0xFFFD;
    return 1;
}

bool sc_report_char_ok(uint32_t cp)
{
    if (cp == 0x09 || cp == 0x0A || cp == 0x0D)
        return true;
    if (cp < 0x20)
        return false;
    if (cp >= 0x7F && cp <= 0x9F)
        return false;
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return false;
    if (cp == 0xFFFE || cp == 0xFFFF)
        return false;
    return cp <= 0x10FFFF;
}

void sc_report_put_utf8(FILE *out, uint32_t cp)
{
    if (cp < 0x80) {
        fputc((int)cp, out);
    } else if (cp < 0x800) {
        fputc((int)(0xC0 | (cp >> 6)), out);
        fputc((int)(0x80 | (cp & 0x3F)), out);
    } else if (cp < 0x10000) {
        fputc((int)(0xE0 | (cp >> 12)), out);
        fputc((int)(0x80 | ((cp >> 6) & 0x3F)), out);
        fputc((int)(0x80 | (cp & 0x3F)), out);
    } else {
        fputc((int)(0xF0 | (cp >> 18)), out);
        fputc((int)(0x80 | ((cp >> 12) & 0x3F)), out);
        fputc((int)(0x80 | ((cp >> 6) & 0x3F)), out);
        fputc((int)(0x80 | (cp & 0x3F)), out);
    }
}

/* Walk `s` character by character, sanitised; `emit` returns nonzero when it wrote the
 * character itself, else the character is written as UTF-8. */
typedef int (*sc_emit_fn)(FILE *out, uint32_t cp, const unsigned char *s, size_t i, size_t n);

static void sc_walk(FILE *out, const char *text, sc_emit_fn emit)
{
    if (!text)
        return;
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        bool valid;
        size_t len = sc_report_utf8_next(s + i, n - i, &cp, &valid);
        if (!sc_report_char_ok(cp))
            cp = 0xFFFD;
        if (!emit || !emit(out, cp, s, i, n))
            sc_report_put_utf8(out, cp);
        i += len;
    }
}

/* ---- XML / HTML --------------------------------------------------------------------------- */

static int sc_emit_xml_text(FILE *out, uint32_t cp, const unsigned char *s, size_t i, size_t n)
{
    (void)s, (void)i, (void)n;
    switch (cp) {
    case '&':
        fputs("&amp;", out);
        return 1;
    case '<':
        fputs("&lt;", out);
        return 1;
    case '>':
        fputs("&gt;", out);
        return 1;
    case '\r':
        fputs("&#13;", out);
        return 1;
    default:
        return 0;
    }
}

static int sc_emit_xml_attr(FILE *out, uint32_t cp, const unsigned char *s, size_t i, size_t n)
{
    switch (cp) {
    case '"':
        fputs("&quot;", out);
        return 1;
    case '\'':
        fputs("&apos;", out);
        return 1;
    case '\t':
        fputs("&#9;", out);
        return 1;
    case '\n':
        fputs("&#10;", out);
        return 1;
    default:
        return sc_emit_xml_text(out, cp, s, i, n);
    }
}

static int sc_emit_html(FILE *out, uint32_t cp, const unsigned char *s, size_t i, size_t n)
{
    (void)s, (void)i, (void)n;
    switch (cp) {
    case '&':
        fputs("&amp;", out);
        return 1;
    case '<':
        fputs("&lt;", out);
        return 1;
    case '>':
        fputs("&gt;", out);
        return 1;
    case '"':
        fputs("&quot;", out);
        return 1;
    case '\'':
        fputs("&#39;", out);
        return 1;
    default:
        return 0;
    }
}

void sc_report_xml_text(FILE *out, const char *s)
{
    sc_walk(out, s, sc_emit_xml_text);
}

void sc_report_xml_attr(FILE *out, const char *s)
{
    sc_walk(out, s, sc_emit_xml_attr);
}

void sc_report_html(FILE *out, const char *s)
{
    sc_walk(out, s, sc_emit_html);
}

/* Element text only: quotes need no escape there (half the bytes of a JSON dump). */
static int sc_emit_html_text(FILE *out, uint32_t cp, const unsigned char *s, size_t i, size_t n)
{
    return cp == '"' || cp == '\'' ? 0 : sc_emit_html(out, cp, s, i, n);
}

void sc_report_html_text(FILE *out, const char *s)
{
    sc_walk(out, s, sc_emit_html_text);
}

/* ---- Markdown ----------------------------------------------------------------------------- */

static bool sc_is_alnum_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80;
}

/* ASCII punctuation that could start Markdown syntax inside a table cell or a line: written
 * with a backslash. */
static const char sc_md_escaped[] = "\\`*[]<|&~#";

static bool sc_md_is_escaped(uint32_t cp)
{
    return cp != 0 && cp < 0x80 && strchr(sc_md_escaped, (int)cp) != NULL;
}

static int sc_emit_md_underscore(FILE *out, const unsigned char *s, size_t i, size_t n)
{
    /* Intraword underscores never open or close emphasis (CommonMark): keep names such as
     * known_failing readable. */
    if (i > 0 && i + 1 < n && sc_is_alnum_byte(s[i - 1]) && sc_is_alnum_byte(s[i + 1]))
        return 0;
    fputs("\\_", out);
    return 1;
}

static int sc_emit_md_inline(FILE *out, uint32_t cp, const unsigned char *s, size_t i, size_t n)
{
    switch (cp) {
    case '\r':
        if (i + 1 < n && s[i + 1] == '\n')
            return 1; /* the LF that follows writes the break */
        fputs("<br>", out);
        return 1;
    case '\n':
        fputs("<br>", out);
        return 1;
    case '\t':
        fputc(' ', out);
        return 1;
    case '_':
        return sc_emit_md_underscore(out, s, i, n);
    default:
        if (!sc_md_is_escaped(cp))
            return 0;
        fputc('\\', out);
        fputc((int)cp, out);
        return 1;
    }
}

void sc_report_md_inline(FILE *out, const char *s)
{
    sc_walk(out, s, sc_emit_md_inline);
}

static int sc_emit_md_block(FILE *out, uint32_t cp, const unsigned char *s, size_t i, size_t n)
{
    if (cp != '\r')
        return 0;
    if (!(i + 1 < n && s[i + 1] == '\n'))
        fputc('\n', out);
    return 1;
}

void sc_report_md_code_block(FILE *out, const char *s, const char *info)
{
    if (!s)
        s = "";
    size_t longest = 0, run = 0;
    for (const char *p = s; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    size_t fence = longest + 1 > 3 ? longest + 1 : 3;
    for (size_t i = 0; i < fence; i++)
        fputc('`', out);
    fputs(info ? info : "", out);
    fputc('\n', out);
    sc_walk(out, s, sc_emit_md_block);
    size_t len = strlen(s);
    if (len > 0 && s[len - 1] != '\n' && s[len - 1] != '\r')
        fputc('\n', out);
    for (size_t i = 0; i < fence; i++)
        fputc('`', out);
    fputc('\n', out);
}

/* ---- JSON in <script> --------------------------------------------------------------------- */

int sc_report_json_for_script(FILE *out, const cJSON *v)
{
    char *text = v ? cJSON_PrintUnformatted(v) : NULL;
    if (v && !text)
        return -1;
    if (!text) {
        fputs("null", out);
        return 0;
    }
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        bool valid;
        size_t len = sc_report_utf8_next(s + i, n - i, &cp, &valid);
        if (!valid || !sc_report_char_ok(cp) || cp == '<' || cp == '>' || cp == '&' ||
            cp == 0x2028 || cp == 0x2029)
            fprintf(out, "\\u%04x", (unsigned)cp);
        else
            fwrite(s + i, 1, len, out);
        i += len;
    }
    cJSON_free(text);
    return 0;
}

/* ---- reconnect comparison ----------------------------------------------------------------- */

const cJSON *sc_report_reconnect_attempts(const sc_report_case *k)
{
    if (k->verdict == SC_VERDICT_SKIP)
        return NULL;
    const cJSON *attempts = sc_report_arr(sc_report_obj(k->json, "reconnect"), "attempts");
    const cJSON *it;
    cJSON_ArrayForEach(it, attempts)
    {
        if (cJSON_IsObject(it))
            return attempts;
    }
    return NULL;
}

sc_report_gap sc_report_reconnect_gap(const cJSON *a, double prev_end, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (!cJSON_IsObject(a))
        return SC_REPORT_GAP_NONE;
    bool window =
        sc_report_has_num(a, "expected_min_ms") && sc_report_has_num(a, "expected_max_ms");
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(a, "ok");
    bool has_gap = sc_report_has_num(a, "gap_ms");
    if (window) {
        double anchor = prev_end;
        if (has_gap && sc_report_has_num(a, "start_ms"))
            anchor = sc_report_num(a, "start_ms", 0) - sc_report_num(a, "gap_ms", 0);
        *lo = anchor + sc_report_num(a, "expected_min_ms", 0);
        *hi = anchor + sc_report_num(a, "expected_max_ms", 0);
    }
    if (cJSON_IsBool(ok))
        return cJSON_IsTrue(ok) ? SC_REPORT_GAP_IN : SC_REPORT_GAP_OUT;
    if (!window || !has_gap)
        return SC_REPORT_GAP_NONE;
    double gap = sc_report_num(a, "gap_ms", 0);
    return gap < sc_report_num(a, "expected_min_ms", 0) ||
                   gap > sc_report_num(a, "expected_max_ms", 0)
               ? SC_REPORT_GAP_OUT
               : SC_REPORT_GAP_IN;
}

static void sc_max_finite(double *m, double v)
{
    if (isfinite(v) && v > *m)
        *m = v;
}

void sc_report_reconnect_stats_of(const cJSON *attempts, size_t limit,
                                  sc_report_reconnect_stats *st)
{
    memset(st, 0, sizeof *st);
    const cJSON *it, *list = cJSON_IsArray(attempts) ? attempts : NULL;
    double prev_end = 0;
    cJSON_ArrayForEach(it, list)
    {
        if (!cJSON_IsObject(it))
            continue;
        double lo, hi;
        sc_report_gap g = sc_report_reconnect_gap(it, prev_end, &lo, &hi);
        if (st->attempts < limit) {
            sc_max_finite(&st->tmax, sc_report_num(it, "start_ms", 0));
            sc_max_finite(&st->tmax, sc_report_num(it, "end_ms", 0));
            sc_max_finite(&st->tmax, hi);
        }
        st->attempts++;
        st->gaps += g != SC_REPORT_GAP_NONE;
        st->out += g == SC_REPORT_GAP_OUT;
        prev_end = sc_report_num(it, "end_ms", prev_end);
    }
}

typedef struct {
    const char *scenario;
    size_t index;
} sc_rc_entry;

static int sc_rc_entry_cmp(const void *a, const void *b)
{
    const sc_rc_entry *x = a, *y = b;
    int c = strcmp(x->scenario, y->scenario);
    if (c != 0)
        return c;
    return x->index < y->index ? -1 : (x->index > y->index ? 1 : 0);
}

int sc_report_reconnect_index_init(sc_report_reconnect_index *ix, const sc_report_model *m)
{
    memset(ix, 0, sizeof *ix);
    sc_rc_entry *e = calloc(m->ncases + 1, sizeof *e);
    ix->cases = calloc(m->ncases + 1, sizeof *ix->cases);
    ix->group_start = calloc(m->ncases + 1, sizeof *ix->group_start);
    if (!e || !ix->cases || !ix->group_start) {
        free(e);
        sc_report_reconnect_index_free(ix);
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->ncases; i++)
        if (sc_report_reconnect_attempts(&m->cases[i]))
            e[n++] = (sc_rc_entry){m->cases[i].scenario, i};
    /* model.cases is sorted by cell first, so the index breaks ties in cell order. */
    if (n > 1)
        qsort(e, n, sizeof *e, sc_rc_entry_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(e[i].scenario, e[i - 1].scenario) != 0)
            ix->group_start[ix->ngroups++] = i;
        ix->cases[i] = e[i].index;
    }
    ix->ncases = n;
    ix->group_start[ix->ngroups] = n;
    free(e);
    return 0;
}

void sc_report_reconnect_index_free(sc_report_reconnect_index *ix)
{
    free(ix->cases);
    free(ix->group_start);
    memset(ix, 0, sizeof *ix);
}
