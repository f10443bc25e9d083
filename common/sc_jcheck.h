/* sc_jcheck: the one JSON object checker. A table per object says which keys it may have, the JSON
 * type of each, whether it is required, and the range of a number; sc_jcheck_object refuses
 * unknown keys, keys given twice (cJSON keeps both), wrong types, numbers out of range and numbers
 * that are not finite (cJSON reads 1e400 as inf). Every error names the JSON path of the value:
 *   client.reconnect.backoff_jitter: must be in 0..0.999
 * Used by every parser of harness JSON (scenario files, driver instructions, scripts, fault lists,
 * script books), so the same rules hold everywhere. Pure: no I/O; nothing kept between calls.
 * Lives in common/ because common/sc_script uses it (sc_contract builds on sc_common). */
#ifndef SC_JCHECK_H
#define SC_JCHECK_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest integer a double (a cJSON number) holds exactly: 2^53 - 1. */
#define SC_JCHECK_MAX_EXACT 9007199254740991.0
/* Keys of one object a "did you mean" compares against (every table has fewer). */
#define SC_JCHECK_MAX_HINT_KEYS 64
/* Longest JSON path the checker builds; longer paths are cut (messages stay readable). */
#define SC_JCHECK_MAX_PATH 512

/* JSON types a field may have (bits; 0 = any type). SC_JT_INT is a number with no fraction within
 * +-SC_JCHECK_MAX_EXACT; SC_JT_NUMBER any finite number. SC_JT_NULL: null is allowed and stands
 * for "absent" (a required field given as null is missing). */
enum {
    SC_JT_NULL = 1u << 0,
    SC_JT_BOOL = 1u << 1,
    SC_JT_INT = 1u << 2,
    SC_JT_NUMBER = 1u << 3,
    SC_JT_STRING = 1u << 4,
    SC_JT_OBJECT = 1u << 5,
    SC_JT_ARRAY = 1u << 6,
};

typedef struct {
    const char *key;
    unsigned types; /* SC_JT_* bits; 0 = any */
    bool required;
    bool ranged; /* numbers: min <= value <= max */
    double min, max;
    const char *why; /* replaces the type and range message of this field, or NULL */
} sc_jfield;

/* How type and range errors of numbers are worded. */
typedef enum {
    SC_JWORDS_MUST_BE_IN = 0, /* "expected an integer", "must be in 0..10" */
    SC_JWORDS_OUT_OF_RANGE,   /* "expected a whole number from 0 to 10", "11 is out of range
                                 (0 to 10)" (the fault list's wording) */
} sc_jwords;

typedef struct {
    const sc_jfield *fields; /* borrowed, static tables */
    size_t n_fields;
    bool open;               /* any key allowed (a map); duplicates are still refused */
    const char *unknown_why; /* NULL: "unknown field" */
    const char *not_object;  /* NULL: "expected an object" */
    sc_jwords words;
} sc_jspec;

/* A spec from a static table: SC_JSPEC(fields) */
#define SC_JSPEC(table)                                                                            \
    ((sc_jspec){.fields = (table), .n_fields = sizeof(table) / sizeof((table)[0])})

/* Check `obj` (an object) at `path` ("" for the root: messages then start with the key) against
 * `spec`: first every member (unknown, given twice) in order, then every field of the table in
 * table order (type, range, missing). 0, or -1 with "<path>.<key>: <reason>" in err. */
int sc_jcheck_object(const cJSON *obj, const char *path, const sc_jspec *spec, char *err,
                     size_t errlen);

/* Check one value against one field (`path` names the value itself). 0 or -1 as above. */
int sc_jcheck_value(const cJSON *v, const char *path, const sc_jfield *f, sc_jwords words,
                    char *err, size_t errlen);

/* Is `v` a number with no fraction that a double holds exactly? */
bool sc_jcheck_is_int(const cJSON *v);

/* Readers for checked objects: the member's value, or `dflt` when absent or null. */
int64_t sc_jget_int(const cJSON *obj, const char *key, int64_t dflt);
double sc_jget_number(const cJSON *obj, const char *key, double dflt);
bool sc_jget_bool(const cJSON *obj, const char *key, bool dflt);
const char *sc_jget_string(const cJSON *obj, const char *key); /* NULL when absent or null */
/* The member, NULL when absent or null. */
const cJSON *sc_jget(const cJSON *obj, const char *key);

/* path + "." + key ("key" alone when path is empty), cut to len. */
void sc_jpath_key(char *out, size_t len, const char *path, const char *key);
/* path + "[i]". */
void sc_jpath_index(char *out, size_t len, const char *path, size_t i);

#endif
