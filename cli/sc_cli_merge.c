/* sc_cli_merge: `streamconform merge DIR... --out DIR`: the report.json of every shard of a run
 * (run --shard K/N) merged by sc_report_merge into one run's four reports. Exit as `run`: 0, 1
 * when a case fails the run (or a shard was incomplete), 2 when the shards do not fit together. */
#include "sc_cli.h"
#include "sc_report.h"
#include "sc_report_merge.h"
#include "sc_shard.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char merge_usage[] =
    "usage: streamconform merge DIR... --out DIR\n"
    "Merges the reports of the shards of one run (run --shard K/N --out DIR, one DIR per shard)\n"
    "into the reports one run would have written: report.json, junit.xml, summary.md,\n"
    "report.html in --out. Refuses (exit 2) shards of different runs (version, case list, N),\n"
    "a missing or repeated shard, and a case in two shards. Exit: 0 all cases passed, 1\n"
    "failures (as run), 2 bad input.\n";

enum { O_OUT = 256 };

static const struct option merge_longopts[] = {
    {"out", required_argument, NULL, O_OUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Read DIR/report.json of every shard folder into reports[] (names[]: the folders). 0, or 2 with
 * the error printed. */
static int read_shards(char **dirs, size_t n, cJSON **reports)
{
    for (size_t i = 0; i < n; i++) {
        char path[4096], err[1024];
        snprintf(path, sizeof path, "%s/report.json", dirs[i]);
        reports[i] = sc_report_read_json(path, err, sizeof err);
        if (reports[i] == NULL) {
            fprintf(stderr, "streamconform merge: %s\n", err);
            return SC_EXIT_USAGE;
        }
    }
    return 0;
}

/* Merge and write. 0 / 1 as run, or 2 with the error printed. */
static int merge(char **dirs, size_t n, const char *out)
{
    cJSON **reports = calloc(n, sizeof *reports);
    char err[1024] = "";
    int rc = reports != NULL ? read_shards(dirs, n, reports) : SC_EXIT_USAGE;
    cJSON *merged = NULL;
    if (rc == 0) {
        merged = sc_report_merge((const cJSON *const *)reports, (const char *const *)dirs, n, err,
                                 sizeof err);
        if (merged == NULL || sc_report_write_all(merged, out, err, sizeof err) != 0) {
            fprintf(stderr, "streamconform merge: %s\n", err);
            rc = SC_EXIT_USAGE;
        }
    }
    if (rc == 0) {
        printf("streamconform merge: %zu shards; reports in %s/ (report.json, junit.xml, "
               "summary.md, report.html)\n",
               n, out);
        rc = sc_report_fails_run(merged) ? 1 : 0;
    }
    cJSON_Delete(merged);
    for (size_t i = 0; reports != NULL && i < n; i++)
        cJSON_Delete(reports[i]);
    free(reports);
    return rc;
}

int sc_cli_merge_main(int argc, char **argv)
{
    const char *out = NULL;
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", merge_longopts, NULL)) != -1) {
        if (opt == O_OUT) {
            out = optarg;
        } else if (opt == 'h') {
            fputs(merge_usage, stdout);
            return 0;
        } else {
            return sc_cli_bad_option("merge", merge_longopts, argv[optind - 1]);
        }
    }
    size_t n = (size_t)(argc - optind);
    if (out == NULL)
        return sc_cli_usage_error("merge", "--out DIR is required");
    if (n == 0)
        return sc_cli_usage_error("merge", "give the folders of the shards (run --shard --out)");
    if (n > SC_SHARD_MAX_COUNT)
        return sc_cli_usage_error("merge", "more than %d shard folders", SC_SHARD_MAX_COUNT);
    return merge(argv + optind, n, out);
}
