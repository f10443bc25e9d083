#include "sc_script_book.h"
#include "sc_jcheck.h"

#include <stdlib.h>
#include <string.h>

/* One line of the book; each value is checked below, in the order of its messages. */
static const sc_jfield line_fields[] = {
    {.key = "case"}, {.key = "method"}, {.key = "script"}, {.key = "path"}};

static int fail(char *err, size_t errlen, const char *where, const char *msg)
{
    snprintf(err, errlen, "%s: %s", where, msg);
    return -1;
}

/* The line's fields, checked; borrowed from the parsed line. */
typedef struct {
    const char *case_id;
    sc_method method;
    const cJSON *script;
    const char *path; /* NULL: the method's own path */
} book_line;

/* Check the fields of one parsed line into `out`. 0, or -1 with "<field>: <reason>" in msg. */
static int read_line_fields(const cJSON *root, book_line *out, char *msg, size_t msglen)
{
    sc_jspec spec = SC_JSPEC(line_fields);
    if (sc_jcheck_object(root, "", &spec, msg, msglen) != 0)
        return -1;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "case");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(root, "method");
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(root, "path");
    out->script = cJSON_GetObjectItemCaseSensitive(root, "script");
    if (!cJSON_IsString(id) || id->valuestring[0] == '\0') {
        snprintf(msg, msglen, "case: expected a non-empty string");
        return -1;
    }
    if (!cJSON_IsString(method) || !sc_method_parse(method->valuestring, &out->method)) {
        snprintf(msg, msglen, "method: expected GetData, SubscribeData, UploadFile or Chat");
        return -1;
    }
    if (out->script == NULL) {
        snprintf(msg, msglen, "script: missing");
        return -1;
    }
    if (path != NULL && (!cJSON_IsString(path) || path->valuestring[0] != '/' ||
                         strlen(path->valuestring) > SC_SCRIPT_BOOK_MAX_PATH)) {
        snprintf(msg, msglen, "path: expected \"/package.Service/Method\" (at most %d characters)",
                 SC_SCRIPT_BOOK_MAX_PATH);
        return -1;
    }
    out->case_id = id->valuestring;
    out->path = path != NULL ? path->valuestring : NULL;
    return 0;
}

/* Does the book already have a script for this line's case on its method (or its path)? */
static bool book_has(const sc_script_book *b, const book_line *l)
{
    if (l->path == NULL)
        return sc_script_book_find(b, l->case_id, l->method) != NULL;
    for (size_t i = 0; i < b->count; i++) {
        if (b->items[i].path != NULL && strcmp(b->items[i].path, l->path) == 0 &&
            strcmp(b->items[i].case_id, l->case_id) == 0)
            return true;
    }
    return false;
}

/* Append an entry taking `s` (freed on failure). 0, or -1 when memory runs out. */
static int book_append(sc_script_book *b, const book_line *l, sc_script *s)
{
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        sc_script_entry *items = realloc(b->items, cap * sizeof *items);
        if (items == NULL)
            goto fail;
        b->items = items;
        b->cap = cap;
    }
    char *case_id = strdup(l->case_id);
    char *path_copy = l->path != NULL ? strdup(l->path) : NULL;
    if (case_id == NULL || (l->path != NULL && path_copy == NULL)) {
        free(case_id);
        free(path_copy);
        goto fail;
    }
    b->items[b->count++] = (sc_script_entry){.case_id = case_id, .path = path_copy, .script = *s};
    return 0;
fail:
    sc_script_free(s);
    return -1;
}

static bool is_blank(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return *p == '\0';
}

int sc_script_book_add_line(sc_script_book *b, const char *line, const char *where, char *err,
                            size_t errlen)
{
    if (is_blank(line))
        return 0;
    if (b->count >= SC_SCRIPT_BOOK_MAX_ENTRIES)
        return fail(err, errlen, where, "too many scripts");
    cJSON *root = cJSON_ParseWithOpts(line, NULL, true);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return fail(err, errlen, where, "not a JSON object");
    }
    char msg[1024];
    int rc = -1;
    book_line l;
    sc_script s;
    if (read_line_fields(root, &l, msg, sizeof msg) != 0) {
        fail(err, errlen, where, msg);
        goto out;
    }
    if (book_has(b, &l)) {
        snprintf(msg, sizeof msg, "case: a second script for \"%.200s\" on %.300s", l.case_id,
                 l.path != NULL ? l.path : sc_method_name(l.method));
        fail(err, errlen, where, msg);
        goto out;
    }
    if (sc_script_parse(&s, l.method, l.script, "script", msg, sizeof msg) != 0) {
        fail(err, errlen, where, msg);
        goto out;
    }
    if (book_append(b, &l, &s) != 0) {
        fail(err, errlen, where, "out of memory");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

int sc_script_book_load(sc_script_book *b, FILE *in, const char *origin, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    size_t lineno = 0;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, in)) >= 0) {
        char where[512];
        snprintf(where, sizeof where, "%s:%zu", origin, ++lineno);
        if ((size_t)n > SC_SCRIPT_BOOK_MAX_LINE)
            rc = fail(err, errlen, where, "line too long");
        else if (strlen(line) != (size_t)n)
            rc = fail(err, errlen, where, "NUL byte in the line");
        else
            rc = sc_script_book_add_line(b, line, where, err, errlen);
    }
    if (rc == 0 && ferror(in))
        rc = fail(err, errlen, origin, "read error");
    free(line);
    return rc;
}

const sc_script *sc_script_book_find(const sc_script_book *b, const char *case_id, sc_method m)
{
    if (case_id == NULL)
        return NULL;
    for (size_t i = 0; i < b->count; i++)
        if (b->items[i].path == NULL && b->items[i].script.method == m &&
            strcmp(b->items[i].case_id, case_id) == 0)
            return &b->items[i].script;
    return NULL;
}

void sc_script_book_free(sc_script_book *b)
{
    for (size_t i = 0; i < b->count; i++) {
        free(b->items[i].case_id);
        free(b->items[i].path);
        sc_script_free(&b->items[i].script);
    }
    free(b->items);
    memset(b, 0, sizeof *b);
}
