/* sc_json_field: what sc_json reads from protobuf-c descriptors (field types, sizes, JSON
 * names, map detection, lookups). See sc_json_field.h. */
#include "sc_json_field.h"

#include <stdlib.h>
#include <string.h>

void *sc_json_member(void *msg, unsigned offset)
{
    return (char *)msg + offset;
}

const void *sc_json_cmember(const void *msg, unsigned offset)
{
    return (const char *)msg + offset;
}

static char ascii_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

const char *sc_json_type_name(ProtobufCType type)
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

sc_json_int_limits sc_json_int_limits_of(ProtobufCType type)
{
    sc_json_int_limits lim = {sc_json_type_name(type), true, INT32_MAX};
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
size_t sc_json_value_size(ProtobufCType type)
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
char *sc_json_name_dup(const char *proto_name)
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
bool sc_json_name_equals(const char *proto_name, const char *key)
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
bool sc_json_field_is_map(const ProtobufCMessageDescriptor *parent,
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

const ProtobufCFieldDescriptor *sc_json_find_field(const ProtobufCMessageDescriptor *desc,
                                                   const char *key)
{
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (sc_json_name_equals(f->name, key) || strcmp(f->name, key) == 0)
            return f;
    }
    return NULL;
}

const ProtobufCFieldDescriptor *sc_json_find_field_by_id(const ProtobufCMessageDescriptor *desc,
                                                         uint32_t id)
{
    for (unsigned i = 0; i < desc->n_fields; i++) {
        if (desc->fields[i].id == id)
            return &desc->fields[i];
    }
    return NULL;
}

bool sc_json_is_pointer_type(ProtobufCType type)
{
    return type == PROTOBUF_C_TYPE_STRING || type == PROTOBUF_C_TYPE_MESSAGE;
}

int sc_json_key_ref_compare(const void *a, const void *b)
{
    const sc_json_key_ref *x = a;
    const sc_json_key_ref *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}
