/* sc_json_field: internal to sc_json. What the encoder and the decoder read from protobuf-c
 * descriptors: member addresses, type names and integer ranges, element sizes, protoc's JSON
 * names, map detection (protobuf-c has no map flag) and field lookups. Pure; descriptors are
 * only read; pointers returned point into the descriptors or the message given. */
#ifndef SC_JSON_FIELD_H
#define SC_JSON_FIELD_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A map key and where it came from, for sorting keys to find duplicates (key is borrowed). */
typedef struct {
    const char *key;
    size_t index;
} sc_json_key_ref;

/* Range of an integer field type: negatives allowed down to -(max + 1) when is_signed. */
typedef struct {
    const char *name;
    bool is_signed;
    uint64_t max;
} sc_json_int_limits;

/* The member at byte `offset` of a message. */
void *sc_json_member(void *msg, unsigned offset);
const void *sc_json_cmember(const void *msg, unsigned offset);

/* "int32", "bytes", ... (static text). */
const char *sc_json_type_name(ProtobufCType type);

/* Range of an integer type (int32, sint32, sfixed32 and enum share the int32 range). */
sc_json_int_limits sc_json_int_limits_of(ProtobufCType type);

/* Size of one element of a repeated field of this type in protobuf-c's C structures. */
size_t sc_json_value_size(ProtobufCType type);

/* protoc's json_name rule: drop each '_' and upper-case the character after it. malloc'd (the
 * caller frees), NULL when out of memory. */
char *sc_json_name_dup(const char *proto_name);

/* Is `key` the json_name of the field called `proto_name`? */
bool sc_json_name_equals(const char *proto_name, const char *key);

/* Is `field` of `parent` a map (a repeated field of protoc's synthetic <Field>Entry type)? */
bool sc_json_field_is_map(const ProtobufCMessageDescriptor *parent,
                          const ProtobufCFieldDescriptor *field);

/* The field whose JSON name or proto name is `key`, or NULL. */
const ProtobufCFieldDescriptor *sc_json_find_field(const ProtobufCMessageDescriptor *desc,
                                                   const char *key);

/* The field with number `id`, or NULL. */
const ProtobufCFieldDescriptor *sc_json_find_field_by_id(const ProtobufCMessageDescriptor *desc,
                                                         uint32_t id);

/* Strings and messages are stored as pointers (NULL or a default when unset). */
bool sc_json_is_pointer_type(ProtobufCType type);

/* qsort comparator for sc_json_key_ref: by key, then by index. */
int sc_json_key_ref_compare(const void *a, const void *b);

#endif
