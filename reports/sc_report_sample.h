/* sc_report_sample: the compact form of a case in report.json (docs/report-format.md, "Sampled
 * cases"). A case that passed (or was skipped) keeps its verdict, timings, counts and a bounded
 * sample of its responses: the first SC_REPORT_SAMPLE_HEAD and the last SC_REPORT_SAMPLE_TAIL,
 * each message itself bounded. Every other verdict, a flaky pass, and every case of `run --full`
 * keeps everything. Pure functions on cJSON trees; no I/O. */
#ifndef SC_REPORT_SAMPLE_H
#define SC_REPORT_SAMPLE_H

#include <cjson/cJSON.h>
#include <stdbool.h>

/* Responses kept from the start of a passing case's stream: how it began. */
#define SC_REPORT_SAMPLE_HEAD 3
/* Responses kept from the end of it: how it ended. */
#define SC_REPORT_SAMPLE_TAIL 3
/* In a kept message, an array longer than twice this keeps its first and last this many elements
 * (a batch of 10000 data points is one message): its ends, within the per-case budget. */
#define SC_REPORT_SAMPLE_ARRAY_KEEP 1
/* In a kept message, a longer string keeps its first this many bytes (whole UTF-8 characters):
 * enough to recognise a value, not a 64 KiB payload. */
#define SC_REPORT_SAMPLE_STRING_MAX 32
/* A kept message still longer than this (compact JSON bytes) after the cuts above is replaced by
 * {"$trimmed": BYTES}: a map of thousands of keys is not worth a sample. */
#define SC_REPORT_SAMPLE_MESSAGE_MAX 256

/* The key a cut message carries: the length of its whole compact JSON, in bytes. A proto3 JSON
 * field name cannot start with '$'. */
#define SC_REPORT_SAMPLE_TRIMMED_KEY "$trimmed"

/* Defaults a sampled case leaves out (a reader takes an absent member as these): a case run once,
 * and a response stream the server did not compress. An empty `reason`, an empty status
 * `message` and a null timing are left out too. */
#define SC_REPORT_DEFAULT_ATTEMPTS 1
#define SC_REPORT_DEFAULT_ENCODING "identity"

/* Does this CASE object of report.json keep everything? Yes with `full` (run --full), for a
 * flaky case, and for every verdict but "pass" and "skip" (a missing verdict keeps all). */
bool sc_report_case_keeps_all(const cJSON *c, bool full);

/* Does this CASE object keep everything but a sample of its responses? A known_failing case,
 * unless `full`: it fails in the documented way, and its failures, expectation, headers and trace
 * say how; the thousands of messages of a slow-receiver case add nothing to that. */
bool sc_report_case_samples_responses(const cJSON *c, bool full);

/* A bounded copy of one response message (owned by the caller; NULL when out of memory): arrays,
 * strings and the whole as the constants above say, plus SC_REPORT_SAMPLE_TRIMMED_KEY (the
 * original's compact length) on an object that lost anything. An uncut message is a plain copy.
 * A cut non-object becomes {"$trimmed": BYTES}. */
cJSON *sc_report_sample_message(const cJSON *msg);

/* Make a driver result (`actual`, or a companion's; modified in place) a sample: `responses`
 * keeps its first HEAD and last TAIL messages, each through sc_report_sample_message;
 * `timings.responses_ms` keeps the same indices; `responses_total` is added (the count the driver
 * reported); `case` (the case id again), `headers`, `trailers`, and `attempts` when it holds one
 * attempt (status and timings say the same) are dropped. Anything not an object is left alone.
 * Returns 0, or -1 when out of memory (the result may then be partly sampled). */
int sc_report_sample_result(cJSON *actual);

/* Make a CASE object (modified in place) the compact form: drop `summary`, `origin`, `tags`,
 * `method`, `expected` (the same for every pair, in the scenario file; a failing case of the same
 * scenario carries them), `trace`, `stderr`, an empty `failures`, a false `flaky`, and each
 * companion's `expected`; sample `actual` and each companion's `actual`; add "sampled": true.
 * Returns 0, or -1 when out of memory. */
int sc_report_sample_case(cJSON *c);

/* Sample only the responses of a CASE object (modified in place): `actual` and each companion's
 * `actual` keep their first HEAD and last TAIL responses (each message through
 * sc_report_sample_message), with `responses_total`; everything else stays. Adds
 * "sampled_responses": true. Returns 0, or -1 when out of memory. */
int sc_report_sample_case_responses(cJSON *c);

/* The form report.json writes a CASE object in (modified in place): sampled, responses sampled,
 * or whole, as the three functions above decide. Returns 0, or -1 when out of memory. */
int sc_report_compact_case(cJSON *c, bool full);

#endif
