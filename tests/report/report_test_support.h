/* Helpers shared by the report unit tests: capture a writer's output in memory, load fixtures. */
#ifndef REPORT_TEST_SUPPORT_H
#define REPORT_TEST_SUPPORT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An in-memory output stream: rt_open, write to cap.out, rt_close returns the text (malloc'd,
 * NUL-terminated). */
typedef struct {
    char *buf;
    size_t len;
    FILE *out;
} rt_cap;

static inline FILE *rt_open(rt_cap *c)
{
    c->buf = NULL;
    c->len = 0;
    c->out = open_memstream(&c->buf, &c->len);
    return c->out;
}

static inline char *rt_close(rt_cap *c)
{
    fclose(c->out);
    return c->buf;
}

typedef int (*rt_writer)(const cJSON *report, FILE *out, char *err, size_t errlen);

/* Run a writer on `report` into memory; returns its return code and the text in *text. */
static inline int rt_render(rt_writer fn, const cJSON *report, char **text)
{
    rt_cap c;
    char err[256] = "";
    rt_open(&c);
    int rc = fn(report, c.out, err, sizeof err);
    *text = rt_close(&c);
    return rc;
}

static inline char *rt_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(f);
    fclose(mem);
    return buf;
}

static inline cJSON *rt_load_fixture(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", SC_REPORT_DATA, name);
    char *text = rt_read_file(path);
    if (!text)
        return NULL;
    cJSON *j = cJSON_Parse(text);
    free(text);
    return j;
}

static inline size_t rt_count(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}

#endif
