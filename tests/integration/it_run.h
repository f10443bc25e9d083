/* it_run: helpers of integration tests that run `streamconform` commands in a temporary folder
 * and read their reports. Header-only (static functions): include it from one test file. The
 * including file defines IT_RUN_DIR_TEMPLATE ("/tmp/sc-it-NAME-XXXXXX") before the include. */
#ifndef IT_RUN_H
#define IT_RUN_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_run.h"
#include "sc_testproc.h"

/* Bound of one `streamconform` command: the runs of these tests take seconds to a minute. */
#define IT_RUN_MS 300000

static char it_dir[] = IT_RUN_DIR_TEMPLATE;

__attribute__((unused)) static int it_setup(void **state)
{
    (void)state;
    return mkdtemp(it_dir) != NULL ? 0 : -1;
}

__attribute__((unused)) static int it_teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", it_dir);
    return system(cmd) == 0 ? 0 : -1;
}

__attribute__((unused)) static const char *path_in(const char *name)
{
    static char bufs[8][512];
    static int next;
    char *p = bufs[next++ % 8];
    snprintf(p, 512, "%s/%s", it_dir, name);
    return p;
}

__attribute__((unused)) static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(path_in(name), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Run `streamconform ARGS...` (NULL-terminated); returns the exit code, output in *p. */
__attribute__((unused)) static int streamconform(client_proc *p, ...)
{
    char *argv[40];
    int n = 0;
    argv[n++] = (char *)sc_testproc_binary();
    va_list ap;
    va_start(ap, p);
    for (char *a = va_arg(ap, char *); a != NULL && n < 39; a = va_arg(ap, char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return client_run(p, argv, NULL, IT_RUN_MS);
}

__attribute__((unused)) static cJSON *read_json(const char *file)
{
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    static char text[8 * 1024 * 1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    cJSON *v = cJSON_Parse(text);
    assert_non_null(v);
    return v;
}

__attribute__((unused)) static cJSON *read_report(const char *out_dir)
{
    char file[600];
    snprintf(file, sizeof file, "%s/report.json", out_dir);
    return read_json(file);
}

/* The entry of `list` ("cases" or "applications") whose id is `id`; fails the test if none. */
__attribute__((unused)) static const cJSON *find_in(const cJSON *rep, const char *list,
                                                    const char *id)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(rep, list))
    {
        const cJSON *cid = cJSON_GetObjectItemCaseSensitive(c, "id");
        if (cJSON_IsString(cid) && strcmp(cid->valuestring, id) == 0)
            return c;
    }
    fail_msg("no %s entry %s in the report", list, id);
    return NULL;
}

__attribute__((unused)) static const char *field(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

#endif
