#include "sc_json.h"

#include "sc_base64.h"
#include "streaming.pb-c.h"

#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deepest message nesting handled in either direction: streaming.proto nests 3 deep, so 32 is
 * generous while bounding recursion for self-referencing message types and hostile input. */
#define SC_JSON_MAX_DEPTH 32
/* Longest JSON path quoted in an error message; longer paths are cut short. */
#define SC_JSON_PATH_MAX 256
/* Characters of an offending string value quoted in an error message. */
#define SC_JSON_SHOWN_STRING_MAX 40
/* Scratch text: any "%.17g" double, a decimal 64-bit integer, or a quoted, shortened string. */
#define SC_JSON_SCRATCH 64
/* 2^53 - 1: beyond it a JSON number may already have been rounded when cJSON read it as a double,
 * so larger 64-bit integers must come as quoted decimal strings. */
#define SC_JSON_MAX_SAFE_INTEGER 9007199254740991.0
/* 2^64 as a double: every integral double below it fits a uint64_t magnitude. */
#define SC_JSON_TWO_POW_64 18446744073709551616.0
/* FLT_MAX plus half a float ulp: doubles at or beyond it round to infinity as a float. */
#define SC_JSON_FLOAT_OVERFLOW ((double)FLT_MAX + 0x1p103)

/* State shared by one encode or decode call: where we are (for error messages) and how deep. */
typedef struct {
    char *err;
    size_t errlen;
    bool failed;
    unsigned depth;
    size_t path_len;
    char path[SC_JSON_PATH_MAX];
} sc_json_ctx;

/* A map key and where it came from, for sorting keys to find duplicates. */
typedef struct {
    const char *key;
    size_t index;
} sc_key_ref;

/* Range of an integer field type: negatives allowed down to -(max + 1) when is_signed. */
typedef struct {
    const char *name;
    bool is_signed;
    uint64_t max;
} sc_int_limits;

static cJSON *encode_message(sc_json_ctx *ctx, const ProtobufCMessage *msg);
static bool decode_message(sc_json_ctx *ctx, const ProtobufCMessageDescriptor *desc,
                           const cJSON *json, ProtobufCMessage *msg);

/* ---- context: error text and JSON path ---- */

static void ctx_init(sc_json_ctx *ctx, char *err, size_t errlen)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->err = err;
    ctx->errlen = errlen;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
}

static void ctx_fail(sc_json_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first error as "<path>: <message>"; later errors (from unwinding) are ignored. */
static void ctx_fail(sc_json_ctx *ctx, const char *fmt, ...)
{
    if (ctx->failed)
        return;
    ctx->failed = true;
    if (ctx->err == NULL || ctx->errlen == 0)
        return;
    int n = snprintf(ctx->err, ctx->errlen, "%s: ", ctx->path_len > 0 ? ctx->path : "(root)");
    if (n < 0 || (size_t)n >= ctx->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->err + n, ctx->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static size_t path_push(sc_json_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append to the path (cut short when full). Returns the old length, for path_pop. */
static size_t path_push(sc_json_ctx *ctx, const char *fmt, ...)
{
    size_t saved = ctx->path_len;
    size_t room = sizeof ctx->path - ctx->path_len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(ctx->path + ctx->path_len, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        ctx->path_len += (size_t)n < room ? (size_t)n : room - 1;
    return saved;
}

static size_t path_push_field(sc_json_ctx *ctx, const char *name)
{
    if (ctx->path_len == 0)
        return path_push(ctx, "%s", name);
    return path_push(ctx, ".%s", name);
}

static void path_pop(sc_json_ctx *ctx, size_t saved)
{
    ctx->path_len = saved;
    ctx->path[saved] = '\0';
}

/* ---- small helpers ---- */

static char *str_dup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);
    if (copy != NULL)
        memcpy(copy, s, len);
    return copy;
}

static void *member_ptr(void *msg, unsigned offset)
{
    return (char *)msg + offset;
}

static const void *member_cptr(const void *msg, unsigned offset)
{
    return (const char *)msg + offset;
}

static char ascii_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != 0) {
        unsigned c = *p;
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false; /* also stops at the terminating NUL */
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
            return false;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += len;
    }
    return true;
}

/* Shortest "%.<p>g" text that strtod reads back as exactly `d` (finite d). */
static void format_double(double d, char *buf, size_t size)
{
    if (isnan(d)) {
        snprintf(buf, size, "NaN");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, "%s", d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    for (int prec = 1; prec <= DBL_DECIMAL_DIG; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

/* Shortest "%.<p>g" text that strtof reads back as exactly `f` (finite f). */
static void format_float(float f, char *buf, size_t size)
{
    for (int prec = 1; prec <= FLT_DECIMAL_DIG; prec++) {
        snprintf(buf, size, "%.*g", prec, (double)f);
        if (strtof(buf, NULL) == f)
            return;
    }
}

/* `s` in double quotes, shortened to SC_JSON_SHOWN_STRING_MAX bytes, for error messages. */
static void quote_string(const char *s, char *buf, size_t size)
{
    int shown = 0;
    while (shown < SC_JSON_SHOWN_STRING_MAX && s[shown] != '\0')
        shown++;
    snprintf(buf, size, "\"%.*s%s\"", shown, s, s[shown] != '\0' ? "..." : "");
}

/* Short description of a JSON value for "got ..." in error messages. */
static const char *describe_json(const cJSON *v, char *buf, size_t size)
{
    if (v == NULL)
        return "nothing";
    if (cJSON_IsFalse(v))
        return "false";
    if (cJSON_IsTrue(v))
        return "true";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    if (cJSON_IsNumber(v)) {
        format_double(v->valuedouble, buf, size);
        return buf;
    }
    if (cJSON_IsString(v) && v->valuestring != NULL) {
        quote_string(v->valuestring, buf, size);
        return buf;
    }
    if (cJSON_IsRaw(v) && v->valuestring != NULL) {
        snprintf(buf, size, "%.*s", SC_JSON_SHOWN_STRING_MAX, v->valuestring);
        return buf;
    }
    return "an invalid cJSON item";
}

/* Does `s` match the JSON number grammar exactly? *has_frac_exp tells whether it has a fraction
 * or an exponent (so it is not a plain integer literal). */
static bool scan_json_number(const char *s, bool *has_frac_exp)
{
    const char *p = s;
    *has_frac_exp = false;
    if (*p == '-')
        p++;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (*p >= '0' && *p <= '9')
            p++;
    } else {
        return false;
    }
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
        *has_frac_exp = true;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
        *has_frac_exp = true;
    }
    return *p == '\0';
}

/* ---- descriptors ---- */

static const char *type_name(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
        return "int32";
    case PROTOBUF_C_TYPE_SINT32:
        return "sint32";
    case PROTOBUF_C_TYPE_SFIXED32:
        return "sfixed32";
    case PROTOBUF_C_TYPE_INT64:
        return "int64";
    case PROTOBUF_C_TYPE_SINT64:
        return "sint64";
    case PROTOBUF_C_TYPE_SFIXED64:
        return "sfixed64";
    case PROTOBUF_C_TYPE_UINT32:
        return "uint32";
    case PROTOBUF_C_TYPE_FIXED32:
        return "fixed32";
    case PROTOBUF_C_TYPE_UINT64:
        return "uint64";
    case PROTOBUF_C_TYPE_FIXED64:
        return "fixed64";
    case PROTOBUF_C_TYPE_FLOAT:
        return "float";
    case PROTOBUF_C_TYPE_DOUBLE:
        return "double";
    case PROTOBUF_C_TYPE_BOOL:
        return "bool";
    case PROTOBUF_C_TYPE_ENUM:
        return "enum";
    case PROTOBUF_C_TYPE_STRING:
        return "string";
    case PROTOBUF_C_TYPE_BYTES:
        return "bytes";
    case PROTOBUF_C_TYPE_MESSAGE:
        return "message";
    }
    return "unknown type";
}

static sc_int_limits int_limits(ProtobufCType type)
{
    sc_int_limits lim = {type_name(type), true, INT32_MAX};
    switch (type) {
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        lim.is_signed = false;
        lim.max = UINT32_MAX;
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        lim.max = INT64_MAX;
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        lim.is_signed = false;
        lim.max = UINT64_MAX;
        break;
    default: /* int32, sint32, sfixed32, enum */
        break;
    }
    return lim;
}

/* Size of one element of a repeated field of this type in protobuf-c's C structures. */
static size_t value_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int32_t);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return sizeof(int64_t);
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* protoc's json_name rule: drop each '_' and upper-case the character after it. */
static char *json_name_dup(const char *proto_name)
{
    char *out = malloc(strlen(proto_name) + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    bool upper = false;
    for (const char *p = proto_name; *p != '\0'; p++) {
        if (*p == '_') {
            upper = true;
            continue;
        }
        out[o++] = upper ? ascii_upper(*p) : *p;
        upper = false;
    }
    out[o] = '\0';
    return out;
}

/* Is `key` the json_name of the field called `proto_name`? */
static bool json_name_equals(const char *proto_name, const char *key)
{
    bool upper = false;
    for (const char *p = proto_name; *p != '\0'; p++) {
        if (*p == '_') {
            upper = true;
            continue;
        }
        if (*key++ != (upper ? ascii_upper(*p) : *p))
            return false;
        upper = false;
    }
    return *key == '\0';
}

/* protoc names a map field's entry type <FieldInUpperCamelCase>Entry, nested in the message. */
static bool map_entry_name_matches(const char *field_name, const char *entry_short_name)
{
    const char *e = entry_short_name;
    bool upper = true;
    for (const char *p = field_name; *p != '\0'; p++) {
        if (*p == '_') {
            upper = true;
            continue;
        }
        if (*e++ != (upper ? ascii_upper(*p) : *p))
            return false;
        upper = false;
    }
    return strcmp(e, "Entry") == 0;
}

/* protobuf-c has no map flag: a map is a repeated field of protoc's synthetic entry type, which
 * is <Parent>.<Field>Entry with exactly key = 1 and value = 2. */
static bool field_is_map(const ProtobufCMessageDescriptor *parent,
                         const ProtobufCFieldDescriptor *field)
{
    if (field->label != PROTOBUF_C_LABEL_REPEATED || field->type != PROTOBUF_C_TYPE_MESSAGE)
        return false;
    const ProtobufCMessageDescriptor *entry = field->descriptor;
    if (entry == NULL || entry->n_fields != 2 || entry->fields[0].id != 1 ||
        entry->fields[1].id != 2 || strcmp(entry->fields[0].name, "key") != 0 ||
        strcmp(entry->fields[1].name, "value") != 0)
        return false;
    size_t plen = strlen(parent->name);
    if (strncmp(entry->name, parent->name, plen) != 0 || entry->name[plen] != '.')
        return false;
    return map_entry_name_matches(field->name, entry->name + plen + 1);
}

static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *desc,
                                                  const char *key)
{
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (json_name_equals(f->name, key) || strcmp(f->name, key) == 0)
            return f;
    }
    return NULL;
}

static const ProtobufCFieldDescriptor *find_field_by_id(const ProtobufCMessageDescriptor *desc,
                                                        uint32_t id)
{
    for (unsigned i = 0; i < desc->n_fields; i++) {
        if (desc->fields[i].id == id)
            return &desc->fields[i];
    }
    return NULL;
}

static bool is_pointer_type(ProtobufCType type)
{
    return type == PROTOBUF_C_TYPE_STRING || type == PROTOBUF_C_TYPE_MESSAGE;
}

static int key_ref_compare(const void *a, const void *b)
{
    const sc_key_ref *x = a;
    const sc_key_ref *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

/* ---- encoding: message -> JSON ---- */

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
    const void *member = member_cptr(msg, f->offset);
    const void *quantifier = member_cptr(msg, f->quantifier_offset);
    bool pointer_unset = false;
    if (is_pointer_type(f->type)) {
        const void *ptr = *(const void *const *)member;
        pointer_unset = ptr == NULL || ptr == f->default_value;
    }
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0)
        return *(const uint32_t *)quantifier == f->id && !pointer_unset;
    switch (f->label) {
    case PROTOBUF_C_LABEL_REPEATED:
        return *(const size_t *)quantifier > 0;
    case PROTOBUF_C_LABEL_OPTIONAL:
        if (is_pointer_type(f->type))
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
    ctx_fail(ctx, "out of memory");
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
    format_double(d, buf, sizeof buf);
    if (!isfinite(d))
        return make_string(ctx, buf);
    return make_raw_number(ctx, buf, d);
}

static cJSON *encode_float(sc_json_ctx *ctx, float f)
{
    char buf[SC_JSON_SCRATCH];
    if (!isfinite(f)) {
        format_double((double)f, buf, sizeof buf);
        return make_string(ctx, buf);
    }
    format_float(f, buf, sizeof buf);
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
    if (!utf8_valid(s)) {
        ctx_fail(ctx, "string is not valid UTF-8");
        return NULL;
    }
    return make_string(ctx, s);
}

static cJSON *encode_bytes(sc_json_ctx *ctx, const ProtobufCBinaryData *bd)
{
    if (bd->len > 0 && bd->data == NULL) {
        ctx_fail(ctx, "bytes field has length %zu but no data", bd->len);
        return NULL;
    }
    char *text = sc_base64_encode(bd->data, bd->len);
    if (text == NULL)
        return encode_oom(ctx);
    cJSON *item = make_string(ctx, text);
    free(text);
    return item;
}

/* One value of f's type stored at `member` (a singular field, an array element or a map value). */
static cJSON *encode_value(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *f, const void *member)
{
    switch (f->type) {
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
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)member;
        if (sub == NULL) { /* only a map value can get here: absent means empty */
            cJSON *empty = cJSON_CreateObject();
            return empty != NULL ? empty : encode_oom(ctx);
        }
        return encode_message(ctx, sub);
    }
    }
    ctx_fail(ctx, "unsupported field type %d", (int)f->type);
    return NULL;
}

static cJSON *encode_array(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *f, const void *arr,
                           size_t n)
{
    cJSON *array = cJSON_CreateArray();
    if (array == NULL)
        return encode_oom(ctx);
    size_t elt = value_size(f->type);
    for (size_t i = 0; i < n; i++) {
        const void *member = (const char *)arr + i * elt;
        size_t saved = path_push(ctx, "[%zu]", i);
        cJSON *item = NULL;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && *(const void *const *)member == NULL)
            ctx_fail(ctx, "repeated message element is NULL");
        else
            item = encode_value(ctx, f, member);
        if (item != NULL && !cJSON_AddItemToArray(array, item)) {
            cJSON_Delete(item);
            item = encode_oom(ctx);
        }
        path_pop(ctx, saved);
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
        if (!utf8_valid(text)) {
            ctx_fail(ctx, "map key is not valid UTF-8");
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
        ctx_fail(ctx, "map key type %s is not supported", type_name(kf->type));
        return NULL;
    }
    char *copy = str_dup(text);
    if (copy == NULL)
        ctx_fail(ctx, "out of memory");
    return copy;
}

/* keep[i] = entry i is the last one with its key (protobuf: the last duplicate wins). */
static bool mark_last_occurrences(sc_json_ctx *ctx, char *const *keys, size_t n, bool *keep)
{
    sc_key_ref *refs = malloc(n * sizeof *refs);
    if (refs == NULL) {
        ctx_fail(ctx, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        refs[i] = (sc_key_ref){keys[i], i};
    qsort(refs, n, sizeof *refs, key_ref_compare);
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
            size_t saved = path_push(ctx, "[%zu]", i);
            ctx_fail(ctx, "map entry is NULL");
            path_pop(ctx, saved);
            return false;
        }
        keys[i] = map_key_text(ctx, kf, member_cptr(entries[i], kf->offset));
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
        size_t saved = path_push(ctx, "[\"%s\"]", keys[i]);
        cJSON *item = encode_value(ctx, vf, member_cptr(entries[i], vf->offset));
        if (item != NULL && !cJSON_AddItemToObject(obj, keys[i], item)) {
            cJSON_Delete(item);
            item = encode_oom(ctx);
        }
        path_pop(ctx, saved);
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
        ctx_fail(ctx, "out of memory");
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
    char *name = json_name_dup(f->name);
    if (name == NULL) {
        ctx_fail(ctx, "out of memory");
        return false;
    }
    size_t saved = path_push_field(ctx, name);
    const void *member = member_cptr(msg, f->offset);
    cJSON *item = NULL;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = *(const size_t *)member_cptr(msg, f->quantifier_offset);
        const void *arr = *(const void *const *)member;
        if (arr == NULL)
            ctx_fail(ctx, "repeated field has %zu elements but no array", n);
        else if (field_is_map(msg->descriptor, f))
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
    path_pop(ctx, saved);
    free(name);
    return item != NULL;
}

static cJSON *encode_message(sc_json_ctx *ctx, const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    if (desc == NULL || desc->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC) {
        ctx_fail(ctx, "not an initialised protobuf-c message");
        return NULL;
    }
    if (ctx->depth >= SC_JSON_MAX_DEPTH) {
        ctx_fail(ctx, "messages nested deeper than %d levels", SC_JSON_MAX_DEPTH);
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

/* ---- decoding: JSON -> message ---- */

static bool decode_oom(sc_json_ctx *ctx)
{
    ctx_fail(ctx, "out of memory");
    return false;
}

/* A new message laid out exactly as protobuf-c's unpacker would (plain malloc, init'd). */
static ProtobufCMessage *new_message(const ProtobufCMessageDescriptor *desc)
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
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && !is_pointer_type(f->type))
        *(protobuf_c_boolean *)member_ptr(msg, f->quantifier_offset) = 1;
}

static bool check_int_range(sc_json_ctx *ctx, bool neg, uint64_t mag, const char *shown,
                            sc_int_limits lim)
{
    bool ok = neg && mag != 0 ? lim.is_signed && mag - 1 <= lim.max : mag <= lim.max;
    if (!ok)
        ctx_fail(ctx, "%s is out of range for %s", shown, lim.name);
    return ok;
}

/* An integral value read as a double (a JSON number, or a string in exponent/fraction form). */
static bool integer_from_double(sc_json_ctx *ctx, double d, const char *shown, sc_int_limits lim,
                                bool *neg, uint64_t *mag)
{
    if (!isfinite(d) || fabs(d) >= SC_JSON_TWO_POW_64) {
        ctx_fail(ctx, "%s is out of range for %s", shown, lim.name);
        return false;
    }
    if (floor(d) != d) {
        ctx_fail(ctx, "%s is not an integer", shown);
        return false;
    }
    *neg = d < 0;
    *mag = (uint64_t)fabs(d);
    if (!check_int_range(ctx, *neg, *mag, shown, lim))
        return false;
    if (fabs(d) > SC_JSON_MAX_SAFE_INTEGER) {
        ctx_fail(ctx,
                 "%s is beyond 2^53 and may have been rounded; give it as a quoted decimal "
                 "integer",
                 shown);
        return false;
    }
    return true;
}

/* An integer written as text: plain decimal digits are read exactly, other number forms via
 * integer_from_double. */
static bool integer_from_text(sc_json_ctx *ctx, const char *s, const char *shown, sc_int_limits lim,
                              bool *neg, uint64_t *mag)
{
    bool has_frac_exp;
    if (!scan_json_number(s, &has_frac_exp)) {
        ctx_fail(ctx, "%s is not an integer", shown);
        return false;
    }
    if (has_frac_exp)
        return integer_from_double(ctx, strtod(s, NULL), shown, lim, neg, mag);
    *neg = s[0] == '-';
    *mag = 0;
    for (const char *p = s + (*neg ? 1 : 0); *p != '\0'; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (*mag > (UINT64_MAX - digit) / 10) {
            ctx_fail(ctx, "%s is out of range for %s", shown, lim.name);
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
    sc_int_limits lim = int_limits(type);
    char shown[SC_JSON_SCRATCH];
    bool neg = false;
    uint64_t mag = 0;
    bool ok;
    if (cJSON_IsNumber(item)) {
        format_double(item->valuedouble, shown, sizeof shown);
        ok = integer_from_double(ctx, item->valuedouble, shown, lim, &neg, &mag);
    } else if ((cJSON_IsString(item) || cJSON_IsRaw(item)) && item->valuestring != NULL) {
        describe_json(item, shown, sizeof shown);
        ok = integer_from_text(ctx, item->valuestring, shown, lim, &neg, &mag);
    } else {
        ctx_fail(ctx, "expected an integer (number or string), got %s",
                 describe_json(item, shown, sizeof shown));
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
        if (!scan_json_number(s, &has_frac_exp)) {
            ctx_fail(ctx, "%s is not a number", describe_json(item, shown, sizeof shown));
            return false;
        }
        d = strtod(s, NULL);
    } else {
        ctx_fail(ctx, "expected a number or \"NaN\", \"Infinity\", \"-Infinity\", got %s",
                 describe_json(item, shown, sizeof shown));
        return false;
    }
    if (!isfinite(d) || (is_float && fabs(d) >= SC_JSON_FLOAT_OVERFLOW)) {
        ctx_fail(ctx, "%s is out of range for %s", describe_json(item, shown, sizeof shown),
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
        ctx_fail(ctx, "expected true or false, got %s", describe_json(item, shown, sizeof shown));
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
        if (!scan_json_number(item->valuestring, &numeric)) {
            ctx_fail(ctx, "unknown value %s for enum %s", describe_json(item, shown, sizeof shown),
                     desc != NULL ? desc->name : "?");
            return false;
        }
    } else if (!cJSON_IsNumber(item) && !cJSON_IsRaw(item)) {
        ctx_fail(ctx, "expected an enum name or number, got %s",
                 describe_json(item, shown, sizeof shown));
        return false;
    }
    return decode_integer(ctx, PROTOBUF_C_TYPE_ENUM, item, member);
}

static bool decode_string(sc_json_ctx *ctx, const cJSON *item, char **slot)
{
    char shown[SC_JSON_SCRATCH];
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        ctx_fail(ctx, "expected a string, got %s", describe_json(item, shown, sizeof shown));
        return false;
    }
    if (!utf8_valid(item->valuestring)) {
        ctx_fail(ctx, "string is not valid UTF-8");
        return false;
    }
    char *copy = str_dup(item->valuestring);
    if (copy == NULL)
        return decode_oom(ctx);
    *slot = copy;
    return true;
}

static bool decode_bytes(sc_json_ctx *ctx, const cJSON *item, ProtobufCBinaryData *bd)
{
    char shown[SC_JSON_SCRATCH];
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        ctx_fail(ctx, "expected a base64 string, got %s", describe_json(item, shown, sizeof shown));
        return false;
    }
    size_t len = 0;
    unsigned char *data = sc_base64_decode(item->valuestring, &len);
    if (data == NULL) {
        ctx_fail(ctx, "%s is not valid base64", describe_json(item, shown, sizeof shown));
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
    ProtobufCMessage *sub = new_message(desc);
    if (sub == NULL)
        return decode_oom(ctx);
    *slot = sub;
    return decode_message(ctx, desc, item, sub);
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
    ctx_fail(ctx, "unsupported field type %d", (int)f->type);
    return false;
}

/* A repeated field. The array is linked into the message (zero-filled, full count) before any
 * element is decoded, so on failure protobuf_c_message_free_unpacked frees what was built. */
static bool decode_array(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *f, const cJSON *item,
                         ProtobufCMessage *msg)
{
    char shown[SC_JSON_SCRATCH];
    if (!cJSON_IsArray(item)) {
        ctx_fail(ctx, "expected an array, got %s", describe_json(item, shown, sizeof shown));
        return false;
    }
    int count = cJSON_GetArraySize(item);
    if (count <= 0)
        return true;
    size_t n = (size_t)count;
    size_t elt = value_size(f->type);
    char *arr = calloc(n, elt);
    if (arr == NULL)
        return decode_oom(ctx);
    *(void **)member_ptr(msg, f->offset) = arr;
    *(size_t *)member_ptr(msg, f->quantifier_offset) = n;
    size_t i = 0;
    const cJSON *el;
    cJSON_ArrayForEach(el, item)
    {
        size_t saved = path_push(ctx, "[%zu]", i);
        bool ok;
        if (cJSON_IsNull(el)) {
            ctx_fail(ctx, "null is not allowed in a repeated field");
            ok = false;
        } else {
            ok = decode_value(ctx, f, el, arr + i * elt);
        }
        path_pop(ctx, saved);
        if (!ok)
            return false;
        i++;
    }
    return true;
}

/* JSON objects may repeat a key (cJSON keeps both); for a map that is an error. */
static bool check_unique_keys(sc_json_ctx *ctx, const cJSON *obj, size_t n)
{
    sc_key_ref *refs = malloc(n * sizeof *refs);
    if (refs == NULL)
        return decode_oom(ctx);
    size_t i = 0;
    const cJSON *el;
    cJSON_ArrayForEach(el, obj)
    {
        refs[i] = (sc_key_ref){el->string != NULL ? el->string : "", i};
        i++;
    }
    qsort(refs, n, sizeof *refs, key_ref_compare);
    bool ok = true;
    for (size_t j = 0; ok && j + 1 < n; j++) {
        if (strcmp(refs[j].key, refs[j + 1].key) == 0) {
            size_t saved = path_push(ctx, "[\"%s\"]", refs[j].key);
            ctx_fail(ctx, "map key given more than once");
            path_pop(ctx, saved);
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
            ctx_fail(ctx, "map key must be \"true\" or \"false\"");
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
        ctx_fail(ctx, "map key type %s is not supported", type_name(kf->type));
        return false;
    }
}

/* One map entry: the entry message is linked into *slot before its key and value are decoded. */
static bool decode_map_entry(sc_json_ctx *ctx, const ProtobufCMessageDescriptor *entry_desc,
                             const cJSON *el, ProtobufCMessage **slot)
{
    const ProtobufCFieldDescriptor *kf = &entry_desc->fields[0];
    const ProtobufCFieldDescriptor *vf = &entry_desc->fields[1];
    ProtobufCMessage *entry = new_message(entry_desc);
    if (entry == NULL)
        return decode_oom(ctx);
    *slot = entry;
    if (!decode_map_key(ctx, kf, el->string, member_ptr(entry, kf->offset)))
        return false;
    mark_present(kf, entry);
    if (cJSON_IsNull(el)) {
        ctx_fail(ctx, "null is not allowed as a map value");
        return false;
    }
    if (!decode_value(ctx, vf, el, member_ptr(entry, vf->offset)))
        return false;
    mark_present(vf, entry);
    return true;
}

static bool decode_map(sc_json_ctx *ctx, const ProtobufCFieldDescriptor *f, const cJSON *item,
                       ProtobufCMessage *msg)
{
    char shown[SC_JSON_SCRATCH];
    if (!cJSON_IsObject(item)) {
        ctx_fail(ctx, "expected an object (map), got %s", describe_json(item, shown, sizeof shown));
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
        return decode_oom(ctx);
    *(ProtobufCMessage ***)member_ptr(msg, f->offset) = entries;
    *(size_t *)member_ptr(msg, f->quantifier_offset) = n;
    size_t i = 0;
    const cJSON *el;
    cJSON_ArrayForEach(el, item)
    {
        size_t saved = path_push(ctx, "[\"%s\"]", el->string != NULL ? el->string : "");
        bool ok = decode_map_entry(ctx, f->descriptor, el, &entries[i]);
        path_pop(ctx, saved);
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
    uint32_t *oneof_case = member_ptr(msg, f->quantifier_offset);
    if (*oneof_case != 0) {
        const ProtobufCFieldDescriptor *other = find_field_by_id(desc, *oneof_case);
        char *other_name = json_name_dup(other != NULL ? other->name : "?");
        ctx_fail(ctx, "cannot be set together with %s (both belong to the same oneof)",
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
        if (field_is_map(desc, f))
            return decode_map(ctx, f, item, msg);
        return decode_array(ctx, f, item, msg);
    }
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0 && !claim_oneof(ctx, desc, f, msg))
        return false;
    mark_present(f, msg);
    return decode_value(ctx, f, item, member_ptr(msg, f->offset));
}

/* One "name": value member of a JSON object being decoded as a message of type desc. */
static bool decode_member(sc_json_ctx *ctx, const ProtobufCMessageDescriptor *desc,
                          const cJSON *item, ProtobufCMessage *msg, bool *seen)
{
    if (item->string == NULL) {
        ctx_fail(ctx, "object member without a name");
        return false;
    }
    size_t saved = path_push_field(ctx, item->string);
    bool ok = false;
    const ProtobufCFieldDescriptor *f = find_field(desc, item->string);
    if (f == NULL) {
        ctx_fail(ctx, "no such field in %s", desc->name);
        goto done;
    }
    size_t index = (size_t)(f - desc->fields);
    if (seen[index]) {
        ctx_fail(ctx, "field %s given more than once", f->name);
        goto done;
    }
    seen[index] = true;
    ok = cJSON_IsNull(item) || decode_field(ctx, desc, f, item, msg); /* null: keep default */
done:
    path_pop(ctx, saved);
    return ok;
}

static bool decode_message(sc_json_ctx *ctx, const ProtobufCMessageDescriptor *desc,
                           const cJSON *json, ProtobufCMessage *msg)
{
    char shown[SC_JSON_SCRATCH];
    if (!cJSON_IsObject(json)) {
        ctx_fail(ctx, "expected an object for %s, got %s", desc->name,
                 describe_json(json, shown, sizeof shown));
        return false;
    }
    if (ctx->depth >= SC_JSON_MAX_DEPTH) {
        ctx_fail(ctx, "messages nested deeper than %d levels", SC_JSON_MAX_DEPTH);
        return false;
    }
    bool *seen = calloc(desc->n_fields > 0 ? desc->n_fields : 1, sizeof *seen);
    if (seen == NULL)
        return decode_oom(ctx);
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

/* ---- public API ---- */

cJSON *sc_json_from_message(const ProtobufCMessage *msg, char *err, size_t errlen)
{
    sc_json_ctx ctx;
    ctx_init(&ctx, err, errlen);
    if (msg == NULL) {
        ctx_fail(&ctx, "no message given");
        return NULL;
    }
    return encode_message(&ctx, msg);
}

ProtobufCMessage *sc_json_to_message(const ProtobufCMessageDescriptor *desc, const cJSON *json,
                                     char *err, size_t errlen)
{
    sc_json_ctx ctx;
    ctx_init(&ctx, err, errlen);
    if (desc == NULL || desc->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC) {
        ctx_fail(&ctx, "no valid message descriptor given");
        return NULL;
    }
    ProtobufCMessage *msg = new_message(desc);
    if (msg == NULL) {
        decode_oom(&ctx);
        return NULL;
    }
    if (!decode_message(&ctx, desc, json, msg)) {
        protobuf_c_message_free_unpacked(msg, NULL);
        return NULL;
    }
    return msg;
}

char *sc_json_message_to_string(const ProtobufCMessage *msg, char *err, size_t errlen)
{
    cJSON *json = sc_json_from_message(msg, err, errlen);
    if (json == NULL)
        return NULL;
    char *printed = cJSON_PrintUnformatted(json);
    cJSON_Delete(json);
    /* Copy so the caller can use free() whatever allocator hooks cJSON was given. */
    char *text = printed != NULL ? str_dup(printed) : NULL;
    cJSON_free(printed);
    if (text == NULL) {
        sc_json_ctx ctx;
        ctx_init(&ctx, err, errlen);
        decode_oom(&ctx);
    }
    return text;
}

ProtobufCMessage *sc_json_message_from_string(const ProtobufCMessageDescriptor *desc,
                                              const char *text, char *err, size_t errlen)
{
    sc_json_ctx ctx;
    ctx_init(&ctx, err, errlen);
    if (text == NULL) {
        ctx_fail(&ctx, "no JSON text given");
        return NULL;
    }
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithOpts(text, &end, 1);
    if (json == NULL) {
        ctx_fail(&ctx, "invalid JSON (parsing stopped at byte %zu)",
                 end != NULL && end >= text ? (size_t)(end - text) : (size_t)0);
        return NULL;
    }
    ProtobufCMessage *msg = sc_json_to_message(desc, json, err, errlen);
    cJSON_Delete(json);
    return msg;
}

const ProtobufCMessageDescriptor *sc_json_find_descriptor(const char *name)
{
    static const ProtobufCMessageDescriptor *const descriptors[] = {
        &streaming__data_point__descriptor,      &streaming__stream_request__descriptor,
        &streaming__stream_response__descriptor, &streaming__upload_request__descriptor,
        &streaming__file_metadata__descriptor,   &streaming__upload_response__descriptor,
        &streaming__chat_message__descriptor,
    };
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof descriptors / sizeof descriptors[0]; i++) {
        if (strcmp(descriptors[i]->name, name) == 0 ||
            strcmp(descriptors[i]->short_name, name) == 0)
            return descriptors[i];
    }
    return NULL;
}
