/* sc_json_ctx: internal to sc_json. The state of one encode or decode call (first error text,
 * the JSON path it names, nesting depth) and the text helpers both directions share (UTF-8
 * check, shortest float/double text, JSON number grammar, "got ..." descriptions).
 * Nothing here keeps state between calls; every buffer is the caller's. */
#ifndef SC_JSON_CTX_H
#define SC_JSON_CTX_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Deepest message nesting handled in either direction: streaming.proto nests 3 deep, so 32 is
 * generous while bounding recursion for self-referencing message types and hostile input. */
#define SC_JSON_MAX_DEPTH 32
/* Longest JSON path quoted in an error message; longer paths are cut short. */
#define SC_JSON_PATH_MAX 256
/* Scratch text: any "%.17g" double, a decimal 64-bit integer, or a quoted, shortened string. */
#define SC_JSON_SCRATCH 64

/* State shared by one encode or decode call: where we are (for error messages) and how deep.
 * `err` is the caller's buffer (may be NULL), borrowed for the call. */
typedef struct {
    char *err;
    size_t errlen;
    bool failed;
    unsigned depth;
    size_t path_len;
    char path[SC_JSON_PATH_MAX];
} sc_json_ctx;

/* Start a call: empty path, no error; clears `err` when there is one. */
void sc_json_ctx_init(sc_json_ctx *ctx, char *err, size_t errlen);

/* Record the first error as "<path>: <message>" ("(root)" for an empty path); later errors (from
 * unwinding) are ignored. */
void sc_json_fail(sc_json_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append to the path (cut short when full). Returns the old length, for sc_json_path_pop. */
size_t sc_json_path_push(sc_json_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append ".name" (or "name" at the root). Returns the old length. */
size_t sc_json_path_push_field(sc_json_ctx *ctx, const char *name);

/* Go back to the length a push returned. */
void sc_json_path_pop(sc_json_ctx *ctx, size_t saved);

/* malloc'd copy of `s` (caller frees), or NULL when out of memory. */
char *sc_json_strdup(const char *s);

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
bool sc_json_utf8_valid(const char *s);

/* Shortest "%.<p>g" text that strtod reads back as exactly `d`; "NaN", "Infinity", "-Infinity"
 * for the non-finite values. */
void sc_json_format_double(double d, char *buf, size_t size);

/* Shortest "%.<p>g" text that strtof reads back as exactly `f` (finite f). */
void sc_json_format_float(float f, char *buf, size_t size);

/* Short description of a JSON value for "got ..." in error messages: a constant string or
 * `buf` (SC_JSON_SCRATCH bytes is enough). */
const char *sc_json_describe(const cJSON *v, char *buf, size_t size);

/* Does `s` match the JSON number grammar exactly? *has_frac_exp tells whether it has a fraction
 * or an exponent (so it is not a plain integer literal). */
bool sc_json_scan_number(const char *s, bool *has_frac_exp);

#endif
