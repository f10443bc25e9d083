/* sc_record_diff: what `streamconform replay` checks of a replayed call against its recording:
 * canonical JSON compared field by field (the client's messages), and the end of the client
 * stream (half-close after how many messages). Pure; no gRPC include. */
#ifndef SC_RECORD_DIFF_H
#define SC_RECORD_DIFF_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Compare two canonical JSON values (sc_json output; numbers may be raw items). Appends at most
 * `max` lines "<path>: expected <e>, actual <a>" (path "" + field names, [i] for arrays, e.g.
 * "dataPoints[1].metadata.topic") to *out (a cJSON array of strings; NULL: count only). Returns
 * the number of differences found (all of them, even past max). */
size_t sc_record_diff(const cJSON *expected, const cJSON *actual, const char *path, cJSON *out,
                      size_t max);

/* How a replayed call's end of the client stream compares with the recording's: the recorded
 * client sent `recorded` messages and half-closed (`recorded_half_close`) or not; the live one sent
 * `received` and half-closed before the replayed status went out (`half_close`) or not, or cut the
 * call off (`cut`: cancel, deadline). Writes one line and returns true when they differ:
 * - a half-close after a different number of messages, or one the recording does not have;
 * - no half-close (the call not cut off) where the recording has one;
 * - fewer messages than recorded when the status went out (neither side half-closed).
 * Messages past the recorded ones are each reported by the message check; a cut-off call is
 * only judged by the half-close it did send. */
bool sc_record_end_diff(size_t recorded, bool recorded_half_close, size_t received, bool half_close,
                        bool cut, char *line, size_t linelen);

#endif
