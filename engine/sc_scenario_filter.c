/* sc_scenario_filter: name patterns, --run/--skip/--tags filters and the known-failing/flaky lists.
 * Pure except for reading the @FILE / list files. */
#include "sc_scenario_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest pattern or list line: case ids are a scenario name plus two implementation names. */
#define SC_FILTER_MAX_LINE 1024
/* Patterns one filter may hold: a list file names cases, not a database. */
#define SC_FILTER_MAX_PATTERNS 10000
/* Backtracking budget of one match: bounds the cost of pathological patterns ("*a*a*a*..."). */
#define SC_FILTER_MAX_STEPS 100000

static bool glob(const char *p, const char *s, const char *pat_start, long *steps);

/* `p` points at "**": try the rest of the pattern at every position of `s`, '/' included. A whole
 * "**" segment followed by '/' may also stand for zero segments ("a/ ** /b" matches "a/b"). */
static bool glob_double_star(const char *p, const char *s, const char *pat_start, long *steps)
{
    const char *rest = p + 2;
    bool whole = (p == pat_start || p[-1] == '/') && (*rest == '/' || *rest == '\0');
    if (whole && *rest == '/' && glob(rest + 1, s, pat_start, steps))
        return true; /* zero segments */
    for (const char *t = s;; t++) {
        if (glob(rest, t, pat_start, steps))
            return true;
        if (*t == '\0')
            return false;
    }
}

/* `p` points at a single "*": try the rest of the pattern at every position up to the end of
 * the current segment. */
static bool glob_star(const char *p, const char *s, const char *pat_start, long *steps)
{
    for (const char *t = s;; t++) {
        if (glob(p + 1, t, pat_start, steps))
            return true;
        if (*t == '\0' || *t == '/')
            return false;
    }
}

/* Is `p` a trailing "/ **", which also matches the end of the name ("a/ **" matches "a")? */
static bool trailing_double_star(const char *p)
{
    return p[0] == '/' && p[1] == '*' && p[2] == '*' && p[3] == '\0';
}

/* Glob with segments: "*" matches within a segment (never '/'), "**" any run of characters,
 * '/' included; "a/ ** /b" (a whole "**" segment) also matches "a/b" (zero segments). Every call
 * counts one step against SC_FILTER_MAX_STEPS. */
static bool glob(const char *p, const char *s, const char *pat_start, long *steps)
{
    if (++*steps > SC_FILTER_MAX_STEPS)
        return false;
    while (*p != '\0') {
        if (p[0] == '*' && p[1] == '*')
            return glob_double_star(p, s, pat_start, steps);
        if (*p == '*')
            return glob_star(p, s, pat_start, steps);
        if (trailing_double_star(p) && *s == '\0')
            return true;
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    return *s == '\0';
}

bool sc_scenario_pattern_match(const char *pattern, const char *name)
{
    if (pattern == NULL || name == NULL)
        return false;
    long steps = 0;
    if (strchr(pattern, '@') != NULL)
        return glob(pattern, name, pattern, &steps);
    /* A plain pattern matches the scenario part of a case id. */
    const char *at = strchr(name, '@');
    if (at == NULL)
        return glob(pattern, name, pattern, &steps);
    size_t n = (size_t)(at - name);
    char buf[SC_FILTER_MAX_LINE];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, name, n);
    buf[n] = '\0';
    return glob(pattern, buf, pattern, &steps);
}

/* ---- string lists ---- */

static int push(char ***list, size_t *n, const char *text, size_t len, char *err, size_t errlen)
{
    if (*n >= SC_FILTER_MAX_PATTERNS) {
        snprintf(err, errlen, "more than %d patterns", SC_FILTER_MAX_PATTERNS);
        return -1;
    }
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (l == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *list = l;
    l[*n] = strndup(text, len);
    if (l[*n] == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    (*n)++;
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Calls `line` for every non-blank, non-comment line of `path` (trimmed). */
typedef int (*line_fn)(void *ctx, const char *line, char *err, size_t errlen);

static int read_lines(const char *path, line_fn fn, void *ctx, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[SC_FILTER_MAX_LINE + 2];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n' && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line longer than %d bytes", path, lineno,
                     SC_FILTER_MAX_LINE);
            rc = -1;
            break;
        }
        while (n > 0 && is_space(line[n - 1]))
            line[--n] = '\0';
        const char *p = line;
        while (is_space(*p))
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        char why[256];
        if (fn(ctx, p, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            rc = -1;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    fclose(f);
    return rc;
}

typedef struct {
    char ***list;
    size_t *n;
} list_ctx;

static int add_line(void *ctx, const char *line, char *err, size_t errlen)
{
    list_ctx *lc = ctx;
    return push(lc->list, lc->n, line, strlen(line), err, errlen);
}

/* "a,b,c" or "@FILE". Empty items are ignored. */
static int add_arg(char ***list, size_t *n, const char *arg, char *err, size_t errlen)
{
    if (arg == NULL) {
        snprintf(err, errlen, "missing argument");
        return -1;
    }
    if (arg[0] == '@') {
        list_ctx lc = {list, n};
        return read_lines(arg + 1, add_line, &lc, err, errlen);
    }
    const char *p = arg;
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        const char *s = p;
        size_t l = len;
        while (l > 0 && is_space(*s)) {
            s++;
            l--;
        }
        while (l > 0 && is_space(s[l - 1]))
            l--;
        if (l > SC_FILTER_MAX_LINE) {
            snprintf(err, errlen, "pattern longer than %d bytes", SC_FILTER_MAX_LINE);
            return -1;
        }
        if (l > 0 && push(list, n, s, l, err, errlen) != 0)
            return -1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

int sc_filter_add_run(sc_filter *f, const char *arg, char *err, size_t errlen)
{
    return add_arg(&f->run, &f->n_run, arg, err, errlen);
}

int sc_filter_add_skip(sc_filter *f, const char *arg, char *err, size_t errlen)
{
    return add_arg(&f->skip, &f->n_skip, arg, err, errlen);
}

int sc_filter_add_tags(sc_filter *f, const char *arg, char *err, size_t errlen)
{
    return add_arg(&f->tags, &f->n_tags, arg, err, errlen);
}

static bool any_match(char *const *patterns, size_t n, const sc_scenario *s, const char *case_id)
{
    for (size_t i = 0; i < n; i++) {
        const char *target = case_id != NULL ? case_id : sc_scenario_name(s);
        if (sc_scenario_pattern_match(patterns[i], target))
            return true;
    }
    return false;
}

bool sc_filter_selects(const sc_filter *f, const sc_scenario *s, const char *case_id)
{
    if (f->n_run > 0 && !any_match(f->run, f->n_run, s, case_id))
        return false;
    if (any_match(f->skip, f->n_skip, s, case_id))
        return false;
    if (f->n_tags == 0)
        return true;
    for (size_t i = 0; i < f->n_tags; i++)
        for (size_t k = 0; k < sc_scenario_tag_count(s); k++)
            if (strcmp(f->tags[i], sc_scenario_tag(s, k)) == 0)
                return true;
    return false;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

void sc_filter_free(sc_filter *f)
{
    if (f == NULL)
        return;
    free_list(f->run, f->n_run);
    free_list(f->skip, f->n_skip);
    free_list(f->tags, f->n_tags);
    memset(f, 0, sizeof *f);
}

/* ---- known-failing / known-flaky lists ---- */

static int add_case_line(void *ctx, const char *line, char *err, size_t errlen)
{
    sc_case_list *l = ctx;
    size_t plen = strcspn(line, " \t");
    const char *reason = line + plen;
    while (is_space(*reason))
        reason++;
    size_t n = l->count;
    if (push(&l->patterns, &n, line, plen, err, errlen) != 0)
        return -1;
    char **r = realloc(l->reasons, (l->count + 1) * sizeof *r);
    if (r == NULL) {
        free(l->patterns[l->count]);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->reasons = r;
    r[l->count] = strdup(reason);
    if (r[l->count] == NULL) {
        free(l->patterns[l->count]);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->count++;
    return 0;
}

int sc_case_list_load(sc_case_list *l, const char *path, char *err, size_t errlen)
{
    if (path == NULL) {
        snprintf(err, errlen, "missing file name");
        return -1;
    }
    return read_lines(path, add_case_line, l, err, errlen);
}

const char *sc_case_list_match(const sc_case_list *l, const char *case_id)
{
    for (size_t i = 0; i < l->count; i++)
        if (sc_scenario_pattern_match(l->patterns[i], case_id))
            return l->reasons[i];
    return NULL;
}

void sc_case_list_free(sc_case_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++) {
        free(l->patterns[i]);
        free(l->reasons[i]);
    }
    free(l->patterns);
    free(l->reasons);
    memset(l, 0, sizeof *l);
}
