/* report_tool: test helper. `report_tool [--sample] REPORT.json OUTDIR` reads a report.json and
 * writes the four report files into OUTDIR with sc_report_write_all. With --sample, each case is
 * first made compact as `run` does without --full (sc_report_sample): an old whole report then
 * shows what today's run would write (tests/tools/report_size.py). Exit 0 on success, 1 on
 * failure. */
#include "sc_report.h"
#include "sc_report_sample.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *bigger = realloc(buf, cap * 2 + 1);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    bool sample = argc == 4 && strcmp(argv[1], "--sample") == 0;
    if (argc != 3 && !sample) {
        fprintf(stderr, "usage: report_tool [--sample] REPORT.json OUTDIR\n");
        return 2;
    }
    argv += sample;
    char *text = read_all(argv[1]);
    if (!text) {
        fprintf(stderr, "report_tool: cannot read %s\n", argv[1]);
        return 1;
    }
    cJSON *report = cJSON_Parse(text);
    free(text);
    if (!report) {
        fprintf(stderr, "report_tool: %s: not valid JSON\n", argv[1]);
        return 1;
    }
    cJSON *c, *cases = sample ? cJSON_GetObjectItemCaseSensitive(report, "cases") : NULL;
    cJSON_ArrayForEach(c, cases)
    {
        if (sc_report_compact_case(c, false) != 0) {
            fprintf(stderr, "report_tool: out of memory\n");
            cJSON_Delete(report);
            return 1;
        }
    }
    char err[1024];
    int rc = sc_report_write_all(report, argv[2], err, sizeof err);
    cJSON_Delete(report);
    if (rc != 0) {
        fprintf(stderr, "report_tool: %s\n", err);
        return 1;
    }
    return 0;
}
