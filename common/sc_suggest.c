/* sc_suggest: typo suggestions and JSON error positions. See sc_suggest.h. */
#include "sc_suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Characters of the JSON text an error position shows. */
#define SC_SUGGEST_CONTEXT 24

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal string alignment distance, case-insensitive, bounded by SC_SUGGEST_MAX_NAME. */
static size_t distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > SC_SUGGEST_MAX_NAME || m > SC_SUGGEST_MAX_NAME)
        return (size_t)-1;
    size_t d[SC_SUGGEST_MAX_NAME + 1][SC_SUGGEST_MAX_NAME + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t cost = ca == cb ? 0 : 1;
            d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < d[i][j])
                d[i][j] = d[i - 2][j - 2] + 1; /* two neighbours swapped */
        }
    }
    return d[n][m];
}

static size_t typo_limit(const char *word)
{
    size_t n = strlen(word);
    return n <= 4 ? 1 : n <= 8 ? 2 : 3;
}

const char *sc_suggest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = typo_limit(word) + 1;
    for (size_t i = 0; word != NULL && i < n; i++) {
        if (names[i] == NULL)
            continue;
        if (strcmp(word, names[i]) == 0)
            return NULL;
        size_t d = distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best;
}

void sc_suggest_hint(const char *word, const char *const *names, size_t n, char *out, size_t len)
{
    const char *s = sc_suggest(word, names, n);
    if (len == 0)
        return;
    out[0] = '\0';
    if (s != NULL)
        snprintf(out, len, " (did you mean \"%s\"?)", s);
}

void sc_json_position(const char *text, const char *at, char *out, size_t len)
{
    size_t total = strlen(text);
    if (at == NULL || at < text || at > text + total)
        at = text + total;
    size_t line = 1, col = 1;
    for (const char *p = text; p < at; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char near[SC_SUGGEST_CONTEXT + 1];
    size_t k = 0;
    for (const char *p = at; *p != '\0' && k < SC_SUGGEST_CONTEXT; p++)
        near[k++] = (unsigned char)*p < 0x20 ? ' ' : *p;
    near[k] = '\0';
    if (k == 0)
        snprintf(out, len, "line %zu, column %zu, at the end of input", line, col);
    else
        snprintf(out, len, "line %zu, column %zu, at '%s'", line, col, near);
}
