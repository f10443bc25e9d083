#include "sc_jcheck.h"
#include "sc_suggest.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, const char *path,
                                                      const char *fmt, ...)
{
    char msg[SC_JCHECK_MAX_PATH];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s: %s", path, msg);
    return -1;
}

void sc_jpath_key(char *out, size_t len, const char *path, const char *key)
{
    if (path == NULL || *path == '\0')
        snprintf(out, len, "%s", key);
    else
        snprintf(out, len, "%s.%s", path, key);
}

void sc_jpath_index(char *out, size_t len, const char *path, size_t i)
{
    snprintf(out, len, "%s[%zu]", path, i);
}

bool sc_jcheck_is_int(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
           v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) <= SC_JCHECK_MAX_EXACT;
}

static bool type_ok(const cJSON *v, unsigned types)
{
    if (types == 0)
        return !cJSON_IsNumber(v) || isfinite(v->valuedouble);
    return ((types & SC_JT_NULL) && cJSON_IsNull(v)) || ((types & SC_JT_BOOL) && cJSON_IsBool(v)) ||
           ((types & SC_JT_INT) && sc_jcheck_is_int(v)) ||
           ((types & SC_JT_NUMBER) && cJSON_IsNumber(v) && isfinite(v->valuedouble)) ||
           ((types & SC_JT_STRING) && cJSON_IsString(v)) ||
           ((types & SC_JT_OBJECT) && cJSON_IsObject(v)) ||
           ((types & SC_JT_ARRAY) && cJSON_IsArray(v));
}

/* The default words for a value of the wrong type. */
static const char *type_words(unsigned types)
{
    types &= ~(unsigned)SC_JT_NULL;
    if (types == 0)
        return "expected a finite number";
    if (types == SC_JT_INT)
        return "expected an integer";
    if (types == SC_JT_NUMBER || types == (SC_JT_NUMBER | SC_JT_INT))
        return "expected a number";
    if (types == SC_JT_BOOL)
        return "expected true or false";
    if (types == SC_JT_STRING)
        return "expected a string";
    if (types == SC_JT_OBJECT)
        return "expected an object";
    if (types == SC_JT_ARRAY)
        return "expected an array";
    return "wrong JSON type";
}

static int type_error(const sc_jfield *f, sc_jwords words, const char *path, char *err,
                      size_t errlen)
{
    if (f->why != NULL)
        return fail(err, errlen, path, "%s", f->why);
    if (words == SC_JWORDS_OUT_OF_RANGE && f->ranged && (f->types & SC_JT_INT))
        return fail(err, errlen, path, "expected a whole number from %.0f to %.0f", f->min, f->max);
    return fail(err, errlen, path, "%s", type_words(f->types));
}

static int range_error(const sc_jfield *f, sc_jwords words, double v, const char *path, char *err,
                       size_t errlen)
{
    if (f->why != NULL)
        return fail(err, errlen, path, "%s", f->why);
    if (words == SC_JWORDS_OUT_OF_RANGE)
        return fail(err, errlen, path, "%.0f is out of range (%.0f to %.0f)", v, f->min, f->max);
    if ((f->types & SC_JT_NUMBER) == 0)
        return fail(err, errlen, path, "must be in %lld..%lld", (long long)f->min,
                    (long long)f->max);
    return fail(err, errlen, path, "must be in %g..%g", f->min, f->max);
}

int sc_jcheck_value(const cJSON *v, const char *path, const sc_jfield *f, sc_jwords words,
                    char *err, size_t errlen)
{
    if (!type_ok(v, f->types))
        return type_error(f, words, path, err, errlen);
    if (f->ranged && cJSON_IsNumber(v) && (v->valuedouble < f->min || v->valuedouble > f->max))
        return range_error(f, words, v->valuedouble, path, err, errlen);
    return 0;
}

static const sc_jfield *find_field(const sc_jspec *spec, const char *key)
{
    for (size_t i = 0; i < spec->n_fields; i++)
        if (strcmp(spec->fields[i].key, key) == 0)
            return &spec->fields[i];
    return NULL;
}

/* " (did you mean "KEY"?)" when `key` is a typo of one of the spec's keys, else "". */
static void key_hint(const sc_jspec *spec, const char *key, char *out, size_t len)
{
    const char *names[SC_JCHECK_MAX_HINT_KEYS];
    size_t n = 0;
    for (size_t i = 0; i < spec->n_fields && n < SC_JCHECK_MAX_HINT_KEYS; i++)
        names[n++] = spec->fields[i].key;
    sc_suggest_hint(key, names, n, out, len);
}

/* Every member: known (unless the object is open) and not given twice. */
static int check_members(const cJSON *obj, const char *path, const sc_jspec *spec, char *err,
                         size_t errlen)
{
    for (const cJSON *m = obj->child; m != NULL; m = m->next) {
        char p[SC_JCHECK_MAX_PATH];
        sc_jpath_key(p, sizeof p, path, m->string);
        if (!spec->open && find_field(spec, m->string) == NULL) {
            char hint[SC_SUGGEST_MAX_NAME + 32];
            key_hint(spec, m->string, hint, sizeof hint);
            return fail(err, errlen, p, "%s%s",
                        spec->unknown_why != NULL ? spec->unknown_why : "unknown field", hint);
        }
        for (const cJSON *o = obj->child; o != m; o = o->next)
            if (strcmp(o->string, m->string) == 0)
                return fail(err, errlen, p, "given twice");
    }
    return 0;
}

int sc_jcheck_object(const cJSON *obj, const char *path, const sc_jspec *spec, char *err,
                     size_t errlen)
{
    if (!cJSON_IsObject(obj))
        return fail(err, errlen, path != NULL && *path != '\0' ? path : "(root)", "%s",
                    spec->not_object != NULL ? spec->not_object : "expected an object");
    if (check_members(obj, path, spec, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < spec->n_fields; i++) {
        const sc_jfield *f = &spec->fields[i];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, f->key);
        char p[SC_JCHECK_MAX_PATH];
        sc_jpath_key(p, sizeof p, path, f->key);
        bool absent = v == NULL || ((f->types & SC_JT_NULL) && cJSON_IsNull(v));
        if (absent && f->required)
            return fail(err, errlen, p, "missing");
        if (v != NULL && sc_jcheck_value(v, p, f, spec->words, err, errlen) != 0)
            return -1;
    }
    return 0;
}

const cJSON *sc_jget(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    return v != NULL && !cJSON_IsNull(v) ? v : NULL;
}

int64_t sc_jget_int(const cJSON *obj, const char *key, int64_t dflt)
{
    const cJSON *v = sc_jget(obj, key);
    return sc_jcheck_is_int(v) ? (int64_t)v->valuedouble : dflt;
}

double sc_jget_number(const cJSON *obj, const char *key, double dflt)
{
    const cJSON *v = sc_jget(obj, key);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : dflt;
}

bool sc_jget_bool(const cJSON *obj, const char *key, bool dflt)
{
    const cJSON *v = sc_jget(obj, key);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

const char *sc_jget_string(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(sc_jget(obj, key));
}
