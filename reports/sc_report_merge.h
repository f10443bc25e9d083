/* sc_report_merge: `streamconform merge`: the report.json trees of the shards of one run
 * (run --shard K/N) combined into the report.json one run would have written
 * (docs/report-format.md, "shard"; docs/ci.md). Pure: trees in, tree out; reading the files is
 * sc_report_read_json's. */
#ifndef SC_REPORT_MERGE_H
#define SC_REPORT_MERGE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Longest report.json read: a full matrix with traces is a few megabytes. */
#define SC_REPORT_MERGE_MAX_BYTES (256 * 1024 * 1024)

/* The JSON file at `path` (a new tree the caller deletes), or NULL with a message. */
cJSON *sc_report_read_json(const char *path, char *err, size_t errlen);

/* Merge the shard reports shards[0..n) (borrowed; `names[i]` names shards[i] in messages, e.g.
 * its folder). They must be every shard of one run, each once: the same "version", the same
 * shard count and whole-run case list ("shard".case_ids), no index missing or given twice, no
 * case in two shards. Returns the merged report (a new tree the caller deletes): the cases and
 * applications of every shard in the run's case order, the summary recounted, "complete" only
 * when every shard was, the earliest started_at and the longest duration_ms, and "shard"
 * replaced by {"count": N, "merged": true}. NULL with the problem in `err` otherwise. */
cJSON *sc_report_merge(const cJSON *const *shards, const char *const *names, size_t n, char *err,
                       size_t errlen);

/* Does the report fail the run by run's rules: not complete, or a case or application whose
 * verdict is fail, error or stale (a case with "known_flaky" excepted)? */
bool sc_report_fails_run(const cJSON *report);

#endif
