#include "sc_fault.h"
#include "sc_suggest.h"
#include "sc_jcheck.h"

#include <stdio.h>
#include <string.h>

/* Longest JSON path in a message: "faults[31].on_connection.from" and a caller's prefix. */
#define SC_FAULT_PATH_MAX 256

static const char *const type_names[] = {
    [SC_FAULT_RESET] = "reset",         [SC_FAULT_CLOSE] = "close",
    [SC_FAULT_BLACKHOLE] = "blackhole", [SC_FAULT_REFUSE] = "refuse",
    [SC_FAULT_LATENCY] = "latency",     [SC_FAULT_BANDWIDTH] = "bandwidth",
    [SC_FAULT_SLICE] = "slice",         [SC_FAULT_CUT_AFTER_BYTES] = "cut_after_bytes",
};
#define N_TYPES (sizeof type_names / sizeof type_names[0])

/* Each type's parameters (every fault also has the type and its schedule). */
static const char *const type_fields[N_TYPES][3] = {
    [SC_FAULT_LATENCY] = {"ms", "jitter_ms"},
    [SC_FAULT_BANDWIDTH] = {"bytes_per_s"},
    [SC_FAULT_SLICE] = {"bytes", "delay_ms"},
    [SC_FAULT_CUT_AFTER_BYTES] = {"bytes"},
};

const char *sc_fault_type_name(sc_fault_type type)
{
    return (size_t)type < N_TYPES ? type_names[type] : "?";
}

bool sc_fault_is_action(sc_fault_type type)
{
    return type != SC_FAULT_LATENCY && type != SC_FAULT_BANDWIDTH && type != SC_FAULT_SLICE;
}

/* Largest connection number: what a JSON number holds exactly. */
#define SC_FAULT_MAX_CONN SC_FAULT_MAX_BYTES

#define WHOLE(name, lo, hi)                                                                        \
    {                                                                                              \
        .key = name, .types = SC_JT_INT, .ranged = true, .min = lo, .max = (double)(hi)            \
    }

/* Every field a fault may have, in the order their values are reported: the type and the
 * schedule, then each type's parameters (which of them a type takes: type_fields). */
static const sc_jfield fault_fields[] = {
    {.key = "type", .types = SC_JT_STRING, .required = true},
    WHOLE("at_ms", 0, SC_FAULT_MAX_MS),
    WHOLE("at_case_ms", 0, SC_FAULT_MAX_MS),
    WHOLE("after_bytes", 0, SC_FAULT_MAX_BYTES),
    {.key = "on_connection"},
    {.key = "direction"},
    WHOLE("ms", 0, SC_FAULT_MAX_MS),
    WHOLE("jitter_ms", 0, SC_FAULT_MAX_MS),
    WHOLE("bytes_per_s", 1, SC_FAULT_MAX_BYTES),
    WHOLE("bytes", 0, SC_FAULT_MAX_BYTES),
    WHOLE("delay_ms", 0, SC_FAULT_MAX_MS),
};
#define N_COMMON_FIELDS 6
static const sc_jfield conn_fields[] = {
    WHOLE("from", 1, SC_FAULT_MAX_CONN),
    WHOLE("to", 1, SC_FAULT_MAX_CONN),
};

static const sc_jfield *field_named(const char *name)
{
    for (size_t i = 0; i < sizeof fault_fields / sizeof fault_fields[0]; i++)
        if (strcmp(fault_fields[i].key, name) == 0)
            return &fault_fields[i];
    return NULL;
}

/* The table of a fault of type t: the common fields and the type's own. */
static size_t fields_of(sc_fault_type t, sc_jfield *out)
{
    size_t n = 0;
    for (; n < N_COMMON_FIELDS; n++)
        out[n] = fault_fields[n];
    for (size_t i = 0; i < 3 && type_fields[t][i] != NULL; i++)
        out[n++] = *field_named(type_fields[t][i]);
    return n;
}

/* An optional (checked) integer member: 1 when present, 0 when absent. */
static int member_int(const cJSON *obj, const char *name, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (v == NULL)
        return 0;
    *out = (int64_t)v->valuedouble;
    return 1;
}

static int parse_on_connection(const cJSON *v, const char *base, sc_fault *f, char *err,
                               size_t errlen)
{
    char path[SC_FAULT_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s.on_connection", base);
    if (cJSON_IsNumber(v)) {
        if (sc_jcheck_value(v, path, &conn_fields[0], SC_JWORDS_OUT_OF_RANGE, err, errlen) != 0)
            return -1;
        f->conn_from = f->conn_to = (int64_t)v->valuedouble;
        return 0;
    }
    sc_jspec spec = SC_JSPEC(conn_fields);
    spec.words = SC_JWORDS_OUT_OF_RANGE;
    spec.unknown_why = "unknown field (use from, to)";
    spec.not_object = "expected a connection number (1-based) or {\"from\":N,\"to\":M}";
    if (sc_jcheck_object(v, path, &spec, err, errlen) != 0)
        return -1;
    f->conn_from = 1;
    f->conn_to = INT64_MAX;
    member_int(v, "from", &f->conn_from);
    member_int(v, "to", &f->conn_to);
    if (f->conn_to < f->conn_from) {
        snprintf(err, errlen, "%s: \"to\" (%lld) is before \"from\" (%lld)", path,
                 (long long)f->conn_to, (long long)f->conn_from);
        return -1;
    }
    return 0;
}

static int parse_direction(const cJSON *v, const char *base, int *dirs, char *err, size_t errlen)
{
    const char *s = cJSON_GetStringValue(v);
    if (s != NULL && strcmp(s, "up") == 0)
        *dirs = SC_FAULT_DIR_UP;
    else if (s != NULL && strcmp(s, "down") == 0)
        *dirs = SC_FAULT_DIR_DOWN;
    else if (s != NULL && strcmp(s, "both") == 0)
        *dirs = SC_FAULT_DIR_BOTH;
    else {
        snprintf(err, errlen, "%s.direction: expected \"up\", \"down\" or \"both\"", base);
        return -1;
    }
    return 0;
}

static int parse_type(const cJSON *obj, const char *base, sc_fault_type *t, char *err,
                      size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "type");
    if (v == NULL || !cJSON_IsString(v)) {
        sc_jspec spec = {.fields = fault_fields, .n_fields = 1, .open = true};
        return sc_jcheck_object(obj, base, &spec, err, errlen);
    }
    for (size_t i = 0; i < N_TYPES; i++)
        if (strcmp(v->valuestring, type_names[i]) == 0) {
            *t = (sc_fault_type)i;
            return 0;
        }
    snprintf(err, errlen,
             "%s.type: unknown fault \"%.64s\" (reset, close, blackhole, refuse, latency, "
             "bandwidth, slice, cut_after_bytes)",
             base, v->valuestring);
    return -1;
}

/* The schedule: at most one of at_ms / at_case_ms / after_bytes, plus on_connection. */
static int parse_schedule(const cJSON *obj, const char *base, sc_fault *f, char *err, size_t errlen)
{
    static const char *const keys[] = {"at_ms", "at_case_ms", "after_bytes"};
    static const sc_fault_trigger kinds[] = {SC_FAULT_TRIGGER_AT_MS, SC_FAULT_TRIGGER_AT_CASE_MS,
                                             SC_FAULT_TRIGGER_AFTER_BYTES};
    const char *given = NULL;
    for (size_t i = 0; i < 3; i++) {
        if (member_int(obj, keys[i], &f->trigger_value) == 0)
            continue;
        if (given != NULL) {
            snprintf(err, errlen, "%s.%s: only one of at_ms, at_case_ms, after_bytes (%s given)",
                     base, keys[i], given);
            return -1;
        }
        given = keys[i];
        f->trigger = kinds[i];
    }
    const cJSON *conn = cJSON_GetObjectItemCaseSensitive(obj, "on_connection");
    if (conn != NULL && parse_on_connection(conn, base, f, err, errlen) != 0)
        return -1;
    return 0;
}

/* Each type's parameters and the schedules it allows: 1 when its required parameter is there,
 * 0 when it is missing, -1 on another error (in err). The values were checked (sc_jcheck). */
static int type_params(const cJSON *obj, const char *base, sc_fault *f, bool has_dir, char *err,
                       size_t errlen)
{
    int rc = 1;
    switch (f->type) {
    case SC_FAULT_LATENCY:
        rc = member_int(obj, "ms", &f->ms);
        member_int(obj, "jitter_ms", &f->jitter_ms);
        break;
    case SC_FAULT_BANDWIDTH:
        rc = member_int(obj, "bytes_per_s", &f->bytes_per_s);
        break;
    case SC_FAULT_SLICE:
        rc = member_int(obj, "bytes", &f->bytes);
        if (rc > 0 && f->bytes < 1) {
            snprintf(err, errlen, "%s.bytes: %lld is out of range (1 to %lld)", base,
                     (long long)f->bytes, (long long)SC_FAULT_MAX_BYTES);
            return -1;
        }
        member_int(obj, "delay_ms", &f->delay_ms);
        break;
    case SC_FAULT_CUT_AFTER_BYTES:
        if (f->trigger != SC_FAULT_TRIGGER_NONE) {
            snprintf(err, errlen,
                     "%s: cut_after_bytes is its own schedule (bytes, direction); at_ms, "
                     "at_case_ms and after_bytes do not apply",
                     base);
            return -1;
        }
        rc = member_int(obj, "bytes", &f->bytes);
        f->trigger = SC_FAULT_TRIGGER_AFTER_BYTES;
        f->trigger_value = f->bytes;
        break;
    case SC_FAULT_REFUSE:
        if (f->trigger == SC_FAULT_TRIGGER_AT_MS || f->trigger == SC_FAULT_TRIGGER_AFTER_BYTES) {
            snprintf(err, errlen,
                     "%s.%s: refuse happens at accept; use at_case_ms or on_connection", base,
                     f->trigger == SC_FAULT_TRIGGER_AT_MS ? "at_ms" : "after_bytes");
            return -1;
        }
        if (has_dir) {
            snprintf(err, errlen, "%s.direction: a refused connection has no direction", base);
            return -1;
        }
        break;
    default: /* reset, close, blackhole */
        if (has_dir && f->trigger != SC_FAULT_TRIGGER_AFTER_BYTES) {
            snprintf(err, errlen, "%s.direction: for a %s fault only with after_bytes", base,
                     type_names[f->type]);
            return -1;
        }
        break;
    }
    return rc;
}

static int parse_fault(const cJSON *obj, const char *base, sc_fault *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->conn_from = 1;
    f->conn_to = INT64_MAX;
    f->dirs = SC_FAULT_DIR_BOTH;
    if (!cJSON_IsObject(obj)) {
        snprintf(err, errlen, "%s: expected an object with a \"type\"", base);
        return -1;
    }
    if (parse_type(obj, base, &f->type, err, errlen) != 0)
        return -1;
    const char *tname = type_names[f->type];
    char unknown[64];
    snprintf(unknown, sizeof unknown, "unknown field for a %s fault", tname);
    sc_jfield fields[N_COMMON_FIELDS + 3];
    sc_jspec spec = {.fields = fields,
                     .n_fields = fields_of(f->type, fields),
                     .unknown_why = unknown,
                     .words = SC_JWORDS_OUT_OF_RANGE};
    if (sc_jcheck_object(obj, base, &spec, err, errlen) != 0)
        return -1;
    if (parse_schedule(obj, base, f, err, errlen) != 0)
        return -1;
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(obj, "direction");
    if (dir != NULL && parse_direction(dir, base, &f->dirs, err, errlen) != 0)
        return -1;
    int rc = type_params(obj, base, f, dir != NULL, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        snprintf(err, errlen, "%s.%s: missing (required for %s)", base, type_fields[f->type][0],
                 tname);
        return -1;
    }
    return 0;
}

int sc_fault_list_from_json(const cJSON *json, const char *path, sc_fault_list *out, char *err,
                            size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsArray(json)) {
        snprintf(err, errlen, "%s: expected an array of faults", path);
        return -1;
    }
    size_t i = 0;
    for (const cJSON *f = json->child; f != NULL; f = f->next, i++) {
        if (i >= SC_FAULT_MAX_FAULTS) {
            snprintf(err, errlen, "%s: more than %d faults", path, SC_FAULT_MAX_FAULTS);
            memset(out, 0, sizeof *out);
            return -1;
        }
        char base[SC_FAULT_PATH_MAX];
        snprintf(base, sizeof base, "%s[%zu]", path, i);
        if (parse_fault(f, base, &out->items[i], err, errlen) != 0) {
            memset(out, 0, sizeof *out);
            return -1;
        }
        out->count = i + 1;
    }
    return 0;
}

int sc_fault_list_parse(const char *text, sc_fault_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (text == NULL || strlen(text) > SC_FAULT_MAX_TEXT) {
        snprintf(err, errlen, "faults: empty or longer than %d bytes", SC_FAULT_MAX_TEXT);
        return -1;
    }
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithOpts(text, &end, 1);
    if (json == NULL) {
        char at[128];
        sc_json_position(text, end, at, sizeof at);
        snprintf(err, errlen, "faults: invalid JSON at %s", at);
        return -1;
    }
    int rc = sc_fault_list_from_json(json, "faults", out, err, errlen);
    cJSON_Delete(json);
    return rc;
}
