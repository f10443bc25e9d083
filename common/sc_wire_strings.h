/* sc_wire_strings: what protobuf-c does not check in a request's strings, checked on the wire
 * bytes before they are unpacked.
 *
 * proto3 `string` fields must hold valid UTF-8: grpc-go and the Python protobuf refuse the message
 * otherwise (the servers answer INTERNAL), while protobuf-c takes any bytes. And protobuf-c gives a
 * string as a NUL-terminated char *, so a NUL inside one would silently cut it. This walks the
 * message's fields by its descriptor (nested messages and map entries too) and names the first
 * string that is not valid UTF-8 or holds a NUL. Pure: no allocation, no I/O. */
#ifndef SC_WIRE_STRINGS_H
#define SC_WIRE_STRINGS_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting walked: our messages nest two levels; deeper input is left to the unpacker
 * (whose own limit then refuses it). */
#define SC_WIRE_MAX_DEPTH 32

typedef enum {
    SC_WIRE_OK = 0,
    SC_WIRE_BAD_UTF8, /* a string field is not valid UTF-8 */
    SC_WIRE_NUL,      /* a string field holds a NUL byte (valid UTF-8 protobuf-c cannot keep) */
    SC_WIRE_MALFORMED /* the bytes are not a message (the unpacker would refuse them too) */
} sc_wire_rc;

/* Check the serialized message `data`/`len` of type `desc`. On a finding, `field` gets
 * "<Type>.<field>" of the string (truncated to fieldlen). */
sc_wire_rc sc_wire_check_strings(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                                 size_t len, char *field, size_t fieldlen);

/* Strict UTF-8 over `len` bytes: no overlong forms, no surrogates, nothing above U+10FFFF. */
int sc_wire_utf8_valid(const uint8_t *s, size_t len);

#endif
