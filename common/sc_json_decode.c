/* sc_json_decode: cJSON tree -> protobuf-c message laid out as protobuf-c's unpacker would (see
 * sc_json.h for what is accepted and sc_json_decode.h for the entry points). */
#include "sc_json_decode.h"

#include "sc_base64.h"
#include "sc_json_field.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* 2^53 - 1: beyond it a JSON number may already have been rounded when cJSON read it as a double,
 * so larger 64-bit integers must come as quoted decimal strings. */
#define SC_JSON_MAX_SAFE_INTEGER 9007199254740991.0
/* 2^64 as a double: every integral double below it fits a uint64_t magnitude. */
#define SC_JSON_TWO_POW_64 18446744073709551616.0
/* FLT_MAX plus half a float ulp: doubles at or beyond it round to infinity as a float. */
#define SC_JSON_FLOAT_OVERFLOW ((double)FLT_MAX + 0x1p103)

bool sc_json_fail_oom(sc_json_ctx *ctx)
{
    sc_json_fail(ctx, "out of memory");
    return false;
}

/* A new message laid out exactly as protobuf-c's unpacker would (plain malloc, init'd). */
ProtobufCMessage *sc_json_new_message(const ProtobufCMessageDescriptor *desc)
{
    ProtobufCMessage *msg = calloc(1, desc->sizeof_message);
    if (msg != NULL)
        protobuf_c_message_init(desc, msg);
    return msg;
}

/* proto2 / proto3-optional scalars record presence in their has_ flag. */
static void mark_present(const ProtobufCFieldDescriptor *f, ProtobufCMessage *msg)
{
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0)
        return; /* a proto2 oneof's quantifier is its case, set by claim_oneof */
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && !sc_json_is_pointer_type(f->type))
        *(protobuf_c_boolean *)sc_json_member(msg, f->quantifier_offset) = 1;
}

static bool check_int_range(sc_json_ctx *ctx, bool neg, uint64_t mag, const char *shown,
                            sc_json_int_limits lim)
{
    bool ok = neg && mag != 0 ? lim.is_signed && mag - 1 <= lim.max : mag <= lim.max;
    if (!ok)
        sc_json_fail(ctx, "%s is out of range for %s", shown, lim.name);
    return ok;
}

/* An integral value read as a double (a JSON number, or a string in exponent/fraction form). */
static bool integer_from_double(sc_json_ctx *ctx, double d, const char *shown,
                                sc_json_int_limits lim, bool *neg, uint64_t *mag)
{
    if (!isfinite(d) || fabs(d) >= SC_JSON_TWO_POW_64) {
        sc_json_fail(ctx, "%s is out of range for %s", shown, lim.name);
        return false;
    }
    if (floor(d) != d) {
        sc_json_fail(ctx, "%s is not an integer", shown);
        return false;
    }
    *neg = d < 0;
    *mag = (uint64_t)fabs(d);
    if (!check_int_range(ctx, *neg, *mag, shown, lim))
        return false;
    if (fabs(d) > SC_JSON_MAX_SAFE_INTEGER) {
        sc_json_fail(ctx,
                     "%s is beyond 2^53 and may have been rounded; give it as a quoted decimal "
                     "integer",
                     shown);
        return false;
    }
    return true;
}

/* An integer written as text: plain decimal digits are read exactly, other number forms via
 * integer_from_double. */
static bool integer_from_text(sc_json_ctx *ctx, const char *s, const char *shown,
                              sc_json_int_limits lim, bool *neg, uint64_t *mag)
{
    bool has_frac_exp;
    if (!sc_json_scan_number(s, &has_frac_exp)) {
        sc_json_fail(ctx, "%s is not an integer", shown);
        return false;
    }
    if (has_frac_exp)
        return integer_from_double(ctx, strtod(s, NULL), shown, lim, neg, mag);
    *neg = s[0] == '-';
    *mag = 0;
    for (const char *p = s + (*neg ? 1 : 0); *p != '\0'; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (*mag > (UINT64_MAX - digit) / 10) {
            sc_json_fail(ctx, "%s is out of range for %s", shown, lim.name);
            return false;
        }
        *mag = *mag * 10 + digit;
    }
    return check_int_range(ctx, *neg, *mag, shown, lim);
}

static int64_t signed_value(bool neg, uint64_t mag)
{
    if (!neg || mag == 0)
        return (int64_t)mag;
    return -(int64_t)(mag - 1) - 1; /* reaches INT64_MIN without overflow */
}

static void store_integer(ProtobufCType type, bool neg, uint64_t mag, void *member)
{
    switch (type) {
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        *(uint32_t *)member = (uint32_t)mag;
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        *(int64_t *)member = signed_value(neg, mag);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        *(uint64_t *)member = mag;
        break;
    default: /* int32, sint32, sfixed32, enum: range already checked */
        *(int32_t *)member = (int32_t)signed_value(neg, mag);
        break;
    }
}

/* Any integer type (and enum numbers): a JSON number or a numeric string, range-checked. */
static bool decode_integer(sc_json_ctx *ctx, ProtobufCType type, const cJSON *item, void *member)
{
    sc_json_int_limits lim = sc_json_int_limits_of(type);
    char shown[SC_JSON_SCRATCH];
    bool neg = false;
    uint64_t mag = 0;
    bool ok;
    if (cJSON_IsNumber(item)) {
        sc_json_format_double(item->valuedouble, shown, sizeof shown);
        ok = integer_from_double(ctx, item->valuedouble, shown, lim, &neg, &mag);
    } else if ((cJSON_IsString(item) || cJSON_IsRaw(item)) && item->valuestring != NULL) {
        sc_json_describe(item, shown, sizeof shown);
        ok = integer_from_text(ctx, item->valuestring, shown, lim, &neg, &mag);
    } else {
        sc_json_fail(ctx, "expected an integer (number or string), got %s",
                     sc_json_describe(item, shown, sizeof shown));
        ok = false;
    }
    if (ok)
        store_integer(type, neg, mag, member);
    return ok;
}

/* float/double: a JSON number, a numeric string, or "NaN" / "Infinity" / "-Infinity". */
static bool decode_floating(sc_json_ctx *ctx, const cJSON *item, bool is_float, double *out)
{
    char shown[SC_JSON_SCRATCH];
    double d;
    if (cJSON_IsNumber(item)) {
        d = item->valuedouble;
    } else if ((cJSON_IsString(item) || cJSON_IsRaw(item)) && item->valuestring != NULL) {
        const char *s = item->valuestring;
        bool has_frac_exp;
        if (strcmp(s, "NaN") == 0) {
            *out = NAN;
            return true;
        }
        if (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0) {
            *out = s[0] == '-' ? -INFINITY : INFINITY;
            return true;
        }
        if (!sc_json_scan_number(s, &has_frac_exp)) {
            sc_json_fail(ctx, "%s is not a number", sc_json_describe(item, shown, sizeof shown));
            return false;
        }
        d = strtod(s, NULL);
    } else {
        sc_json_fail(ctx, "expected a number or \"NaN\", \"Infinity\", \"-Infinity\", got %s",
                     sc_json_describe(item, shown, sizeof shown));
        return false;
    }
    if (!isfinite(d) || (is_float && fabs(d) >= SC_JSON_FLOAT_OVERFLOW)) {
        sc_json_fail(ctx, "%s is out of range for %s", sc_json_describe(item, shown, sizeof shown),
                     is_float ? "float" : "double");
        return false;
    }
    *out = d;
    return true;
}

static bool decode_bool(sc_json_ctx *ctx, const cJSON *item, protobuf_c_boolean *out)
{
    char shown[SC_JSON_SCRATCH];
    if (!cJSON_IsBool(item)) {
        sc_json_fail(ctx, "expected true or false, got %s",
                     sc_json_describe(item, shown, sizeof shown));
        return false;
    }
    *out = cJSON_IsTrue(item) ? 1 : 0;
    return true;
}

/* An enum by value name, or by number (as a number or numeric string; unknown numbers are kept,
 * as proto3 enums are open). */
static bool decode_enum(sc_json_ctx *ctx, const ProtobufCEnumDescriptor *desc, const cJSON *item,
                        void *member)
{
    char shown[SC_JSON_SCRATCH];
    if (cJSON_IsString(item) && item->valuestring != NULL) {
        const ProtobufCEnumValue *ev =
            desc != NULL ? protobuf_c_enum_descriptor_get_value_by_name(desc, item->valuestring)
                         : NULL;
        bool numeric;
        if (ev != NULL) {
            *(int32_t *)member = ev->value;
            return true;
        }
        if (!sc_json_scan_number(item->valuestring, &numeric)) {
            sc_json_fail(ctx, "unknown value %s for enum %s",
                         sc_json_describe(item, shown, sizeof shown),
                         desc != NULL ? desc->name : "?");
            return false;
        }
    } else if (!cJSON_IsNumber(item) && !cJSON_IsRaw(item)) {
        sc_json_fail(ctx, "expected an enum name or number, got %s",
                     sc_json_describe(item, shown, sizeof shown));
        return false;
    }
    return decode_integer(ctx, PROTOBUF_C_TYPE_ENUM, item, member);
}

static bool decode_string(sc_json_ctx *ctx, const cJSON *item, char **slot)
{
    char shown[SC_JSON_SCRATCH];
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        sc_json_fail(ctx, "expected a string, got %s", sc_json_describe(item, shown, sizeof shown));
        return false;
    }
    if (!sc_json_utf8_valid(item->valuestring)) {
        sc_json_fail(ctx, "string is not valid UTF-8");
        return false;
    }
    char *copy = sc_json_strdup(item->valuestring);
    if (copy == NULL)
        return sc_json_fail_oom(ctx);
    *slot = copy;
    return true;
}

static bool decode_bytes(sc_json_ctx *ctx, const cJSON *item, ProtobufCBinaryData *bd)
{
    char shown[SC_JSON_SCRATCH];
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        sc_json_fail(ctx, "expected a base64 string, got %s",
                     sc_json_describe(item, shown, sizeof shown));
        return false;
    }
    size_t len = 0;
    unsigned char *data = sc_base64_decode(item->valuestring, &len);
    if (data == NULL) {
        sc_json_fail(ctx, "%s is not valid base64", sc_json_describe(item, shown, sizeof shown));
        return false;
    }
    if (len == 0) { /* like protobuf-c's unpacker: empty bytes have no buffer */
        free(data);
        data = NULL;
    }
    bd->len = len;
    bd->data = data;
    return true;
}

/* A nested message: allocated and linked into *slot first, so the caller's cleanup frees it. */
static bool decode_submessage(sc_json_ctx *ctx, const ProtobufCMessageDescriptor *desc,
                              const cJSON *item, ProtobufCMessage **slot)
{
    ProtobufCMessage *sub = sc_json_new_message(desc);
    if (sub == NULL)
        return sc_json_fail_oom(ctx);
    *slot = sub;
    return sc_json_decode_message(ctx, desc, item, sub);
}

/* One non-null value of f's type into `member` (a singular field, an array slot or a map value). */
static bool decode_value(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *f, const cJSON *item,
                         void *member)
{
    double d;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return decode_integer(ctx, f->type, item, member);
    case PROTOBUF_C_TYPE_FLOAT:
        if (!decode_floating(ctx, item, true, &d))
            return false;
        *(float *)member = (float)d; /* in range: checked against SC_JSON_FLOAT_OVERFLOW */
        return true;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!decode_floating(ctx, item, false, &d))
            return false;
        *(double *)member = d;
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        return decode_bool(ctx, item, member);
    case PROTOBUF_C_TYPE_ENUM:
        return decode_enum(ctx, f->descriptor, item, member);
    case PROTOBUF_C_TYPE_STRING:
        return decode_string(ctx, item, member);
    case PROTOBUF_C_TYPE_BYTES:
        return decode_bytes(ctx, item, member);
    case PROTOBUF_C_TYPE_MESSAGE:
        return decode_submessage(ctx, f->descriptor, item, member);
    }
    sc_json_fail(ctx, "unsupported field type %d", (int)f->type);
    return false;
}

/* A repeated field. The array is linked into the message (zero-filled, full count) before any
 * element is decoded, so on failure protobuf_c_message_free_unpacked frees what was built. */
static bool decode_array(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *f, const cJSON *item,
                         ProtobufCMessage *msg)
{
    char shown[SC_JSON_SCRATCH];
    if (!cJSON_IsArray(item)) {
        sc_json_fail(ctx, "expected an array, got %s", sc_json_describe(item, shown, sizeof shown));
        return false;
    }
    int count = cJSON_GetArraySize(item);
    if (count <= 0)
        return true;
    size_t n = (size_t)count;
    size_t elt = sc_json_value_size(f->type);
    char *arr = calloc(n, elt);
    if (arr == NULL)
        return sc_json_fail_oom(ctx);
    *(void **)sc_json_member(msg, f->offset) = arr;
    *(size_t *)sc_json_member(msg, f->quantifier_offset) = n;
    size_t i = 0;
    const cJSON *el;
    cJSON_ArrayForEach(el, item)
    {
        size_t saved = sc_json_path_push(ctx, "[%zu]", i);
        bool ok;
        if (cJSON_IsNull(el)) {
            sc_json_fail(ctx, "null is not allowed in a repeated field");
            ok = false;
        } else {
            ok = decode_value(ctx, f, el, arr + i * elt);
        }
        sc_json_path_pop(ctx, saved);
        if (!ok)
            return false;
        i++;
    }
    return true;
}

/* JSON objects may repeat a key (cJSON keeps both); for a map that is an error. */
static bool check_unique_keys(sc_json_ctx *ctx, const cJSON *obj, size_t n)
{
    sc_json_key_ref *refs = malloc(n * sizeof *refs);
    if (refs == NULL)
        return sc_json_fail_oom(ctx);
    size_t i = 0;
    const cJSON *el;
    cJSON_ArrayForEach(el, obj)
    {
        refs[i] = (sc_json_key_ref){el->string != NULL ? el->string : "", i};
        i++;
    }
    qsort(refs, n, sizeof *refs, sc_json_key_ref_compare);
    bool ok = true;
    for (size_t j = 0; ok && j + 1 < n; j++) {
        if (strcmp(refs[j].key, refs[j + 1].key) == 0) {
            size_t saved = sc_json_path_push(ctx, "[\"%s\"]", refs[j].key);
            sc_json_fail(ctx, "map key given more than once");
            sc_json_path_pop(ctx, saved);
            ok = false;
        }
    }
    free(refs);
    return ok;
}

/* A map key arrives as JSON object key text; convert it to the key field's type. */
static bool decode_map_key(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *kf, const char *key,
                           void *member)
{
    cJSON text_item;
    memset(&text_item, 0, sizeof text_item);
    text_item.type = cJSON_String;
    text_item.valuestring = (char *)key;
    switch (kf->type) {
    case PROTOBUF_C_TYPE_STRING:
        return decode_string(ctx, &text_item, member);
    case PROTOBUF_C_TYPE_BOOL:
        if (strcmp(key, "true") != 0 && strcmp(key, "false") != 0) {
            sc_json_fail(ctx, "map key must be \"true\" or \"false\"");
            return false;
        }
        *(protobuf_c_boolean *)member = key[0] == 't';
        return true;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return decode_integer(ctx, kf->type, &text_item, member);
    default:
        sc_json_fail(ctx, "map key type %s is not supported", sc_json_type_name(kf->type));
        return false;
    }
}

/* One map entry: the entry message is linked into *slot before its key and value are decoded. */
static bool decode_map_entry(sc_json_ctx *ctx, const ProtobufCMessageDescriptor *entry_desc,
                             const cJSON *el, ProtobufCMessage **slot)
{
    const ProtobufCFieldDescriptor *kf = &entry_desc->fields[0];
    const ProtobufCFieldDescriptor *vf = &entry_desc->fields[1];
    ProtobufCMessage *entry = sc_json_new_message(entry_desc);
    if (entry == NULL)
        return sc_json_fail_oom(ctx);
    *slot = entry;
    if (!decode_map_key(ctx, kf, el->string, sc_json_member(entry, kf->offset)))
        return false;
    mark_present(kf, entry);
    if (cJSON_IsNull(el)) {
        sc_json_fail(ctx, "null is not allowed as a map value");
        return false;
    }
    if (!decode_value(ctx, vf, el, sc_json_member(entry, vf->offset)))
        return false;
    mark_present(vf, entry);
    return true;
}

static bool decode_map(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *f, const cJSON *item,
                       ProtobufCMessage *msg)
{
    char shown[SC_JSON_SCRATCH];
    if (!cJSON_IsObject(item)) {
        sc_json_fail(ctx, "expected an object (map), got %s",
                     sc_json_describe(item, shown, sizeof shown));
        return false;
    }
    int count = cJSON_GetArraySize(item);
    if (count <= 0)
        return true;
    size_t n = (size_t)count;
    if (!check_unique_keys(ctx, item, n))
        return false;
    ProtobufCMessage **entries = calloc(n, sizeof *entries);
    if (entries == NULL)
        return sc_json_fail_oom(ctx);
    *(ProtobufCMessage ***)sc_json_member(msg, f->offset) = entries;
    *(size_t *)sc_json_member(msg, f->quantifier_offset) = n;
    size_t i = 0;
    const cJSON *el;
    cJSON_ArrayForEach(el, item)
    {
        size_t saved = sc_json_path_push(ctx, "[\"%s\"]", el->string != NULL ? el->string : "");
        bool ok = decode_map_entry(ctx, f->descriptor, el, &entries[i]);
        sc_json_path_pop(ctx, saved);
        if (!ok)
            return false;
        i++;
    }
    return true;
}

/* Set a oneof's case, refusing a second member of the same oneof. */
static bool claim_oneof(sc_json_ctx *ctx, const ProtobufCMessageDescriptor *desc,
                        const ProtobufCFieldDescriptor *f, ProtobufCMessage *msg)
{
    uint32_t *oneof_case = sc_json_member(msg, f->quantifier_offset);
    if (*oneof_case != 0) {
        const ProtobufCFieldDescriptor *other = sc_json_find_field_by_id(desc, *oneof_case);
        char *other_name = sc_json_name_dup(other != NULL ? other->name : "?");
        sc_json_fail(ctx, "cannot be set together with %s (both belong to the same oneof)",
                     other_name != NULL ? other_name : "another member");
        free(other_name);
        return false;
    }
    *oneof_case = f->id;
    return true;
}

/* A field's non-null JSON value into msg. */
static bool decode_field(sc_json_ctx *ctx, const ProtobufCMessageDescriptor *desc,
                         const ProtobufCFieldDescriptor *f, const cJSON *item,
                         ProtobufCMessage *msg)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        if (sc_json_field_is_map(desc, f))
            return decode_map(ctx, f, item, msg);
        return decode_array(ctx, f, item, msg);
    }
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0 && !claim_oneof(ctx, desc, f, msg))
        return false;
    mark_present(f, msg);
    return decode_value(ctx, f, item, sc_json_member(msg, f->offset));
}

/* One "name": value member of a JSON object being decoded as a message of type desc. */
static bool decode_member(sc_json_ctx *ctx, const ProtobufCMessageDescriptor *desc,
                          const cJSON *item, ProtobufCMessage *msg, bool *seen)
{
    if (item->string == NULL) {
        sc_json_fail(ctx, "object member without a name");
        return false;
    }
    size_t saved = sc_json_path_push_field(ctx, item->string);
    bool ok = false;
    const ProtobufCFieldDescriptor *f = sc_json_find_field(desc, item->string);
    if (f == NULL) {
        sc_json_fail(ctx, "no such field in %s", desc->name);
        goto done;
    }
    size_t index = (size_t)(f - desc->fields);
    if (seen[index]) {
        sc_json_fail(ctx, "field %s given more than once", f->name);
        goto done;
    }
    seen[index] = true;
    ok = cJSON_IsNull(item) || decode_field(ctx, desc, f, item, msg); /* null: keep default */
done:
    sc_json_path_pop(ctx, saved);
    return ok;
}

bool sc_json_decode_message(sc_json_ctx *ctx, const ProtobufCMessageDescriptor *desc,
                            const cJSON *json, ProtobufCMessage *msg)
{
    char shown[SC_JSON_SCRATCH];
    if (!cJSON_IsObject(json)) {
        sc_json_fail(ctx, "expected an object for %s, got %s", desc->name,
                     sc_json_describe(json, shown, sizeof shown));
        return false;
    }
    if (ctx->depth >= SC_JSON_MAX_DEPTH) {
        sc_json_fail(ctx, "messages nested deeper than %d levels", SC_JSON_MAX_DEPTH);
        return false;
    }
    bool *seen = calloc(desc->n_fields > 0 ? desc->n_fields : 1, sizeof *seen);
    if (seen == NULL)
        return sc_json_fail_oom(ctx);
    ctx->depth++;
    bool ok = true;
    const cJSON *item;
    cJSON_ArrayForEach(item, json)
    {
        if (!decode_member(ctx, desc, item, msg, seen)) {
            ok = false;
            break;
        }
    }
    ctx->depth--;
    free(seen);
    return ok;
}
