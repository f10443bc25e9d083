/* sc_runner_report: where the runner's report tree becomes files (reports/ does the writing). */
#include "sc_report.h"
#include "sc_runner.h"

int sc_runner_write_reports(const cJSON *report, const char *dir, char *err, size_t errlen)
{
    return sc_report_write_all(report, dir, err, errlen);
}
