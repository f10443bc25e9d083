/* sc_runner_report: where the runner's report tree becomes files. */
#include "sc_runner.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Write `text` to dir/name via dir/.name.tmp and a rename. */
static int write_atomically(const char *dir, const char *name, const char *text, char *err,
                            size_t errlen)
{
    char tmp[4096], final[4096];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(final, sizeof final, "%s/%s", dir, name);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    bool ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, final) != 0) {
        snprintf(err, errlen, "%s: %s", final, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

int sc_runner_write_reports(const cJSON *report, const char *dir, char *err, size_t errlen)
{
    char *text = cJSON_Print(report);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory printing report.json");
        return -1;
    }
    int rc = write_atomically(dir, "report.json", text, err, errlen);
    free(text);
    return rc;
}
