/* sc_json_encode: protobuf-c message -> cJSON tree, canonical proto3 JSON (see sc_json.h for
 * the mapping and sc_json_encode.h for the entry point). */
#include "sc_json_encode.h"

#include "sc_base64.h"
#include "sc_json_field.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Proto3 implicit presence, as protobuf-c's packer decides it (so -0.0 counts as default). */
static bool is_zero_value(const ProtobufCFieldDescriptor *f, const void *member)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_BOOL:
        return *(const protobuf_c_boolean *)member == 0;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        return *(const uint32_t *)member == 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return *(const uint64_t *)member == 0;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)member == 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)member == 0;
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)member;
        return s == NULL || s[0] == '\0';
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)member)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(const ProtobufCMessage *const *)member == NULL;
    }
    return true;
}

/* Would protobuf-c's packer write this field? Mirrors its rules for each label. */
static bool field_is_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    const void *member = sc_json_cmember(msg, f->offset);
    const void *quantifier = sc_json_cmember(msg, f->quantifier_offset);
    bool pointer_unset = false;
    if (sc_json_is_pointer_type(f->type)) {
        const void *ptr = *(const void *const *)member;
        pointer_unset = ptr == NULL || ptr == f->default_value;
    }
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0)
        return *(const uint32_t *)quantifier == f->id && !pointer_unset;
    switch (f->label) {
    case PROTOBUF_C_LABEL_REPEATED:
        return *(const size_t *)quantifier > 0;
    case PROTOBUF_C_LABEL_OPTIONAL:
        if (sc_json_is_pointer_type(f->type))
            return !pointer_unset;
        return *(const protobuf_c_boolean *)quantifier != 0;
    case PROTOBUF_C_LABEL_REQUIRED:
        return !(f->type == PROTOBUF_C_TYPE_MESSAGE && *(const void *const *)member == NULL);
    case PROTOBUF_C_LABEL_NONE:
        return !is_zero_value(f, member);
    }
    return false;
}

static cJSON *encode_oom(sc_json_ctx *ctx)
{
    sc_json_fail(ctx, "out of memory");
    return NULL;
}

/* A float/double as a raw JSON number holding its exact shortest text (see sc_json.h). */
static cJSON *make_raw_number(sc_json_ctx *ctx, const char *text, double d)
{
    cJSON *item = cJSON_CreateRaw(text);
    if (item == NULL)
        return encode_oom(ctx);
    item->valuedouble = d;
    item->valueint = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
    return item;
}

static cJSON *make_string(sc_json_ctx *ctx, const char *text)
{
    cJSON *item = cJSON_CreateString(text);
    return item != NULL ? item : encode_oom(ctx);
}

static cJSON *encode_double(sc_json_ctx *ctx, double d)
{
    char buf[SC_JSON_SCRATCH];
    sc_json_format_double(d, buf, sizeof buf);
    if (!isfinite(d))
        return make_string(ctx, buf);
    return make_raw_number(ctx, buf, d);
}

static cJSON *encode_float(sc_json_ctx *ctx, float f)
{
    char buf[SC_JSON_SCRATCH];
    if (!isfinite(f)) {
        sc_json_format_double((double)f, buf, sizeof buf);
        return make_string(ctx, buf);
    }
    sc_json_format_float(f, buf, sizeof buf);
    return make_raw_number(ctx, buf, (double)f);
}

static cJSON *encode_number(sc_json_ctx *ctx, double d)
{
    cJSON *item = cJSON_CreateNumber(d);
    return item != NULL ? item : encode_oom(ctx);
}

static cJSON *encode_int64(sc_json_ctx *ctx, int64_t v)
{
    char buf[SC_JSON_SCRATCH];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return make_string(ctx, buf);
}

static cJSON *encode_uint64(sc_json_ctx *ctx, uint64_t v)
{
    char buf[SC_JSON_SCRATCH];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return make_string(ctx, buf);
}

static cJSON *encode_enum(sc_json_ctx *ctx, const ProtobufCEnumDescriptor *desc, int value)
{
    const ProtobufCEnumValue *ev =
        desc != NULL ? protobuf_c_enum_descriptor_get_value(desc, value) : NULL;
    if (ev != NULL)
        return make_string(ctx, ev->name);
    return encode_number(ctx, (double)value);
}

static cJSON *encode_string(sc_json_ctx *ctx, const char *s)
{
    if (s == NULL)
        s = ""; /* protobuf-c packs a NULL string as empty */
    if (!sc_json_utf8_valid(s)) {
        sc_json_fail(ctx, "string is not valid UTF-8");
        return NULL;
    }
    return make_string(ctx, s);
}

static cJSON *encode_bytes(sc_json_ctx *ctx, const ProtobufCBinaryData *bd)
{
    if (bd->len > 0 && bd->data == NULL) {
        sc_json_fail(ctx, "bytes field has length %zu but no data", bd->len);
        return NULL;
    }
    char *text = sc_base64_encode(bd->data, bd->len);
    if (text == NULL)
        return encode_oom(ctx);
    cJSON *item = make_string(ctx, text);
    free(text);
    return item;
}

/* The integer types: 32-bit ones as JSON numbers, 64-bit ones as decimal strings. */
static cJSON *encode_integer(sc_json_ctx *ctx, ProtobufCType type, const void *member)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return encode_number(ctx, (double)*(const int32_t *)member);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return encode_number(ctx, (double)*(const uint32_t *)member);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return encode_int64(ctx, *(const int64_t *)member);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return encode_uint64(ctx, *(const uint64_t *)member);
    default:
        break;
    }
    sc_json_fail(ctx, "unsupported field type %d", (int)type);
    return NULL;
}

/* A message value; NULL only reaches here as a map value, where absent means empty. */
static cJSON *encode_submessage(sc_json_ctx *ctx, const ProtobufCMessage *sub)
{
    if (sub == NULL) {
        cJSON *empty = cJSON_CreateObject();
        return empty != NULL ? empty : encode_oom(ctx);
    }
    return sc_json_encode_message(ctx, sub);
}

/* One value of f's type stored at `member` (a singular field, an array element or a map value). */
static cJSON *encode_value(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *f, const void *member)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_FLOAT:
        return encode_float(ctx, *(const float *)member);
    case PROTOBUF_C_TYPE_DOUBLE:
        return encode_double(ctx, *(const double *)member);
    case PROTOBUF_C_TYPE_BOOL: {
        cJSON *item = cJSON_CreateBool(*(const protobuf_c_boolean *)member != 0);
        return item != NULL ? item : encode_oom(ctx);
    }
    case PROTOBUF_C_TYPE_ENUM:
        return encode_enum(ctx, f->descriptor, *(const int32_t *)member);
    case PROTOBUF_C_TYPE_STRING:
        return encode_string(ctx, *(const char *const *)member);
    case PROTOBUF_C_TYPE_BYTES:
        return encode_bytes(ctx, member);
    case PROTOBUF_C_TYPE_MESSAGE:
        return encode_submessage(ctx, *(const ProtobufCMessage *const *)member);
    default: /* the integer types, and the error for anything else */
        return encode_integer(ctx, f->type, member);
    }
}

static cJSON *encode_array(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *f, const void *arr,
                           size_t n)
{
    cJSON *array = cJSON_CreateArray();
    if (array == NULL)
        return encode_oom(ctx);
    size_t elt = sc_json_value_size(f->type);
    for (size_t i = 0; i < n; i++) {
        const void *member = (const char *)arr + i * elt;
        size_t saved = sc_json_path_push(ctx, "[%zu]", i);
        cJSON *item = NULL;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && *(const void *const *)member == NULL)
            sc_json_fail(ctx, "repeated message element is NULL");
        else
            item = encode_value(ctx, f, member);
        if (item != NULL && !cJSON_AddItemToArray(array, item)) {
            cJSON_Delete(item);
            item = encode_oom(ctx);
        }
        sc_json_path_pop(ctx, saved);
        if (item == NULL)
            goto fail;
    }
    return array;
fail:
    cJSON_Delete(array);
    return NULL;
}

/* A map key as JSON object key text (malloc'd): strings as-is, integers in decimal, bools as
 * "true"/"false". */
static char *map_key_text(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *kf, const void *member)
{
    char buf[SC_JSON_SCRATCH];
    const char *text = buf;
    switch (kf->type) {
    case PROTOBUF_C_TYPE_STRING:
        text = *(const char *const *)member;
        if (text == NULL)
            text = "";
        if (!sc_json_utf8_valid(text)) {
            sc_json_fail(ctx, "map key is not valid UTF-8");
            return NULL;
        }
        break;
    case PROTOBUF_C_TYPE_BOOL:
        text = *(const protobuf_c_boolean *)member ? "true" : "false";
        break;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        snprintf(buf, sizeof buf, "%" PRId32, *(const int32_t *)member);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        snprintf(buf, sizeof buf, "%" PRIu32, *(const uint32_t *)member);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        snprintf(buf, sizeof buf, "%" PRId64, *(const int64_t *)member);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        snprintf(buf, sizeof buf, "%" PRIu64, *(const uint64_t *)member);
        break;
    default:
        sc_json_fail(ctx, "map key type %s is not supported", sc_json_type_name(kf->type));
        return NULL;
    }
    char *copy = sc_json_strdup(text);
    if (copy == NULL)
        sc_json_fail(ctx, "out of memory");
    return copy;
}

/* keep[i] = entry i is the last one with its key (protobuf: the last duplicate wins). */
static bool mark_last_occurrences(sc_json_ctx *ctx, char *const *keys, size_t n, bool *keep)
{
    sc_json_key_ref *refs = malloc(n * sizeof *refs);
    if (refs == NULL) {
        sc_json_fail(ctx, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        refs[i] = (sc_json_key_ref){keys[i], i};
    qsort(refs, n, sizeof *refs, sc_json_key_ref_compare);
    for (size_t j = 0; j < n; j++)
        keep[refs[j].index] = j + 1 == n || strcmp(refs[j].key, refs[j + 1].key) != 0;
    free(refs);
    return true;
}

/* keys[i] = the JSON key text of entry i (all NULL entries are errors). */
static bool render_map_keys(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *kf,
                            const ProtobufCMessage *const *entries, size_t n, char **keys)
{
    for (size_t i = 0; i < n; i++) {
        if (entries[i] == NULL) {
            size_t saved = sc_json_path_push(ctx, "[%zu]", i);
            sc_json_fail(ctx, "map entry is NULL");
            sc_json_path_pop(ctx, saved);
            return false;
        }
        keys[i] = map_key_text(ctx, kf, sc_json_cmember(entries[i], kf->offset));
        if (keys[i] == NULL)
            return false;
    }
    return true;
}

/* The JSON object for the kept entries, in their original order. */
static cJSON *encode_map_entries(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *vf,
                                 const ProtobufCMessage *const *entries, size_t n,
                                 char *const *keys, const bool *keep)
{
    cJSON *obj = cJSON_CreateObject();
    if (obj == NULL)
        return encode_oom(ctx);
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        size_t saved = sc_json_path_push(ctx, "[\"%s\"]", keys[i]);
        cJSON *item = encode_value(ctx, vf, sc_json_cmember(entries[i], vf->offset));
        if (item != NULL && !cJSON_AddItemToObject(obj, keys[i], item)) {
            cJSON_Delete(item);
            item = encode_oom(ctx);
        }
        sc_json_path_pop(ctx, saved);
        if (item == NULL) {
            cJSON_Delete(obj);
            return NULL;
        }
    }
    return obj;
}

static cJSON *encode_map(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *f, const void *arr,
                         size_t n)
{
    const ProtobufCMessageDescriptor *entry_desc = f->descriptor;
    const ProtobufCMessage *const *entries = arr;
    cJSON *obj = NULL;
    char **keys = calloc(n, sizeof *keys);
    bool *keep = calloc(n, sizeof *keep);
    if (keys == NULL || keep == NULL) {
        sc_json_fail(ctx, "out of memory");
        goto cleanup;
    }
    if (!render_map_keys(ctx, &entry_desc->fields[0], entries, n, keys) ||
        !mark_last_occurrences(ctx, keys, n, keep))
        goto cleanup;
    obj = encode_map_entries(ctx, &entry_desc->fields[1], entries, n, keys, keep);
cleanup:
    if (keys != NULL) {
        for (size_t i = 0; i < n; i++)
            free(keys[i]);
    }
    free(keys);
    free(keep);
    return obj;
}

/* Add one present field of `msg` to `obj` under its JSON name. */
static bool encode_field(sc_json_ctx *ctx, const ProtobufCMessage *msg,
                         const ProtobufCFieldDescriptor *f, cJSON *obj)
{
    char *name = sc_json_name_dup(f->name);
    if (name == NULL) {
        sc_json_fail(ctx, "out of memory");
        return false;
    }
    size_t saved = sc_json_path_push_field(ctx, name);
    const void *member = sc_json_cmember(msg, f->offset);
    cJSON *item = NULL;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = *(const size_t *)sc_json_cmember(msg, f->quantifier_offset);
        const void *arr = *(const void *const *)member;
        if (arr == NULL)
            sc_json_fail(ctx, "repeated field has %zu elements but no array", n);
        else if (sc_json_field_is_map(msg->descriptor, f))
            item = encode_map(ctx, f, arr, n);
        else
            item = encode_array(ctx, f, arr, n);
    } else {
        item = encode_value(ctx, f, member);
    }
    if (item != NULL && !cJSON_AddItemToObject(obj, name, item)) {
        cJSON_Delete(item);
        item = encode_oom(ctx);
    }
    sc_json_path_pop(ctx, saved);
    free(name);
    return item != NULL;
}

cJSON *sc_json_encode_message(sc_json_ctx *ctx, const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    if (desc == NULL || desc->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC) {
        sc_json_fail(ctx, "not an initialised protobuf-c message");
        return NULL;
    }
    if (ctx->depth >= SC_JSON_MAX_DEPTH) {
        sc_json_fail(ctx, "messages nested deeper than %d levels", SC_JSON_MAX_DEPTH);
        return NULL;
    }
    cJSON *obj = cJSON_CreateObject();
    if (obj == NULL)
        return encode_oom(ctx);
    ctx->depth++;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (field_is_present(msg, f) && !encode_field(ctx, msg, f, obj))
            goto fail;
    }
    ctx->depth--;
    return obj;
fail:
    ctx->depth--;
    cJSON_Delete(obj);
    return NULL;
}
