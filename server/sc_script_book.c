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

int sc_script_book_add_line(sc_script_book *b, const char *line, const char *where, char *err,
                            size_t errlen)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (*p == '\0')
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
    sc_jspec spec = SC_JSPEC(line_fields);
    if (sc_jcheck_object(root, "", &spec, msg, sizeof msg) != 0) {
        fail(err, errlen, where, msg);
        goto out;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "case");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(root, "method");
    const cJSON *script = cJSON_GetObjectItemCaseSensitive(root, "script");
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(root, "path");
    sc_method m;
    if (!cJSON_IsString(id) || id->valuestring[0] == '\0') {
        fail(err, errlen, where, "case: expected a non-empty string");
        goto out;
    }
    if (!cJSON_IsString(method) || !sc_method_parse(method->valuestring, &m)) {
        fail(err, errlen, where, "method: expected GetData, SubscribeData, UploadFile or Chat");
        goto out;
    }
    if (script == NULL) {
        fail(err, errlen, where, "script: missing");
        goto out;
    }
    if (path != NULL && (!cJSON_IsString(path) || path->valuestring[0] != '/' ||
                         strlen(path->valuestring) > SC_SCRIPT_BOOK_MAX_PATH)) {
        snprintf(msg, sizeof msg,
                 "path: expected \"/package.Service/Method\" (at most %d characters)",
                 SC_SCRIPT_BOOK_MAX_PATH);
        fail(err, errlen, where, msg);
        goto out;
    }
    bool twice = path == NULL && sc_script_book_find(b, id->valuestring, m) != NULL;
    for (size_t i = 0; path != NULL && i < b->count && !twice; i++)
        twice = b->items[i].path != NULL && strcmp(b->items[i].path, path->valuestring) == 0 &&
                strcmp(b->items[i].case_id, id->valuestring) == 0;
    if (twice) {
        snprintf(msg, sizeof msg, "case: a second script for \"%.200s\" on %.300s", id->valuestring,
                 path != NULL ? path->valuestring : sc_method_name(m));
        fail(err, errlen, where, msg);
        goto out;
    }
    sc_script s;
    if (sc_script_parse(&s, m, script, "script", msg, sizeof msg) != 0) {
        fail(err, errlen, where, msg);
        goto out;
    }
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        sc_script_entry *items = realloc(b->items, cap * sizeof *items);
        if (items == NULL) {
            sc_script_free(&s);
            fail(err, errlen, where, "out of memory");
            goto out;
        }
        b->items = items;
        b->cap = cap;
    }
    char *case_id = strdup(id->valuestring);
    char *path_copy = path != NULL ? strdup(path->valuestring) : NULL;
    if (case_id == NULL || (path != NULL && path_copy == NULL)) {
        free(case_id);
        free(path_copy);
        sc_script_free(&s);
        fail(err, errlen, where, "out of memory");
        goto out;
    }
    b->items[b->count++] = (sc_script_entry){.case_id = case_id, .path = path_copy, .script = s};
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
