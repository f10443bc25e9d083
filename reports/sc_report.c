#include "sc_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*sc_writer_fn)(const cJSON *report, FILE *out, char *err, size_t errlen);

/* Print `v` compact; -1 when out of memory. */
static int sc_put_compact(const cJSON *v, FILE *out)
{
    char *text = cJSON_PrintUnformatted(v);
    if (text == NULL)
        return -1;
    fputs(text, out);
    cJSON_free(text);
    return 0;
}

/* A top-level array: one element per line. */
static int sc_put_lines(const cJSON *list, FILE *out)
{
    const cJSON *item;
    int rc = 0;
    fputs("[", out);
    cJSON_ArrayForEach(item, list)
    {
        fputs(item != list->child ? ",\n" : "\n", out);
        rc |= sc_put_compact(item, out);
    }
    fputs(list->child != NULL ? "\n]" : "]", out);
    return rc;
}

/* report.json: compact JSON with one top-level member per line and each element of a top-level
 * array (`cases`, `applications`) on a line of its own, so that a diff or grep shows whole cases
 * and a report of thousands of cases stays small (docs/report-format.md). */
static int sc_write_json(const cJSON *report, FILE *out, char *err, size_t errlen)
{
    int rc = 0;
    if (!cJSON_IsObject(report)) {
        rc = report ? sc_put_compact(report, out) : (fputs("{}", out), 0);
    } else {
        const cJSON *m;
        fputs("{", out);
        cJSON_ArrayForEach(m, report)
        {
            cJSON key = {.type = cJSON_String, .valuestring = m->string};
            fputs(m != report->child ? ",\n" : "\n", out);
            rc |= sc_put_compact(&key, out);
            fputs(": ", out);
            rc |= cJSON_IsArray(m) ? sc_put_lines(m, out) : sc_put_compact(m, out);
        }
        fputs(report->child != NULL ? "\n}" : "}", out);
    }
    fputc('\n', out);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

/* mkdir -p */
static int sc_mkdirs(const char *dir, char *err, size_t errlen)
{
    char *path = strdup(dir);
    if (!path) {
        snprintf(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
            free(path);
            return -1;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    free(path);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return -1;
    }
    return 0;
}

/* Write `dir`/`name` through a temporary file in `dir` and an atomic rename. */
static int sc_write_file(const cJSON *report, const char *dir, const char *name, sc_writer_fn fn,
                         char *err, size_t errlen)
{
    size_t len = strlen(dir) + strlen(name) + 16;
    char *final = malloc(len), *tmp = malloc(len);
    char why[512] = "";
    int rc = -1;
    FILE *f = NULL;
    if (!final || !tmp) {
        snprintf(err, errlen, "%s: out of memory", name);
        goto done;
    }
    snprintf(final, len, "%s/%s", dir, name);
    snprintf(tmp, len, "%s/.%s.XXXXXX", dir, name);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary file: %s", final, strerror(errno));
        tmp[0] = '\0';
        goto done;
    }
    (void)fchmod(fd, 0644);
    f = fdopen(fd, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", final, strerror(errno));
        close(fd);
        goto done;
    }
    if (fn(report, f, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", final, why);
        goto done;
    }
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
        snprintf(err, errlen, "%s: write error: %s", final, strerror(errno));
        goto done;
    }
    int closed = fclose(f);
    f = NULL;
    if (closed != 0) {
        snprintf(err, errlen, "%s: write error: %s", final, strerror(errno));
        goto done;
    }
    if (rename(tmp, final) != 0) {
        snprintf(err, errlen, "%s: cannot rename into place: %s", final, strerror(errno));
        goto done;
    }
    tmp[0] = '\0';
    rc = 0;
done:
    if (f)
        fclose(f);
    if (tmp && tmp[0])
        unlink(tmp);
    free(final);
    free(tmp);
    return rc;
}

int sc_report_write_all(const cJSON *report, const char *dir, char *err, size_t errlen)
{
    char first[1024] = "", why[1024];
    if (!dir || !dir[0])
        dir = ".";
    if (sc_mkdirs(dir, why, sizeof why) != 0) {
        if (err && errlen)
            snprintf(err, errlen, "%s", why);
        return -1;
    }
    static const struct {
        const char *name;
        sc_writer_fn fn;
    } files[] = {
        {"report.json", sc_write_json},
        {"junit.xml", sc_report_write_junit},
        {"summary.md", sc_report_write_markdown},
        {"report.html", sc_report_write_html},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (sc_write_file(report, dir, files[i].name, files[i].fn, why, sizeof why) != 0) {
            if (rc == 0)
                snprintf(first, sizeof first, "%s", why);
            rc = -1;
        }
    }
    if (rc != 0 && err && errlen)
        snprintf(err, errlen, "%s", first);
    return rc;
}
