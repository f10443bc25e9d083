#include "sc_wire_strings.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Length of the UTF-8 sequence starting at s[0] (of `left` bytes), 0 when it is not valid. */
static size_t utf8_seq(const uint8_t *s, size_t left)
{
    uint8_t c = s[0];
    size_t n;
    uint8_t lo = 0x80, hi = 0xbf; /* the range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80; /* no overlong forms */
        hi = c == 0xed ? 0x9f : 0xbf; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf; /* nothing above U+10FFFF */
    } else
        return 0;
    if (left < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

int sc_wire_utf8_valid(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(s + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

/* A varint at *pos; false when truncated or longer than 10 bytes. */
static bool read_varint(const uint8_t *data, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70 && *pos < len; shift += 7) {
        uint8_t b = data[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Skip a field of wire type `wt` (not length-delimited). */
static bool skip_field(const uint8_t *data, size_t len, size_t *pos, unsigned wt)
{
    uint64_t v;
    size_t width = wt == 1 ? 8 : wt == 5 ? 4 : 0;
    if (wt == 0)
        return read_varint(data, len, pos, &v);
    if (width == 0 || len - *pos < width)
        return false; /* groups (3, 4) and unknown types: protobuf-c refuses them as well */
    *pos += width;
    return true;
}

static sc_wire_rc check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                        char *field, size_t fieldlen, int depth);

/* One length-delimited field's bytes: a string to check, a message to walk, or neither. */
static sc_wire_rc check_delimited(const ProtobufCMessageDescriptor *desc, uint32_t number,
                                  const uint8_t *p, size_t n, char *field, size_t fieldlen,
                                  int depth)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(desc, number);
    if (f == NULL) /* an unknown field: kept as bytes, never read as a string */
        return SC_WIRE_OK;
    if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth < SC_WIRE_MAX_DEPTH)
        return check(f->descriptor, p, n, field, fieldlen, depth + 1);
    if (f->type != PROTOBUF_C_TYPE_STRING)
        return SC_WIRE_OK;
    sc_wire_rc rc = !sc_wire_utf8_valid(p, n)    ? SC_WIRE_BAD_UTF8
                    : memchr(p, '\0', n) != NULL ? SC_WIRE_NUL
                                                 : SC_WIRE_OK;
    if (rc != SC_WIRE_OK)
        snprintf(field, fieldlen, "%s.%s", desc->short_name, f->name);
    return rc;
}

static sc_wire_rc check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                        char *field, size_t fieldlen, int depth)
{
    size_t pos = 0;
    while (pos < len) {
        uint64_t key, n;
        if (!read_varint(data, len, &pos, &key) || key >> 3 == 0 || key >> 3 > UINT32_MAX)
            return SC_WIRE_MALFORMED;
        unsigned wt = (unsigned)(key & 7);
        if (wt != 2) {
            if (!skip_field(data, len, &pos, wt))
                return SC_WIRE_MALFORMED;
            continue;
        }
        if (!read_varint(data, len, &pos, &n) || n > len - pos)
            return SC_WIRE_MALFORMED;
        sc_wire_rc rc = check_delimited(desc, (uint32_t)(key >> 3), data + pos, (size_t)n, field,
                                        fieldlen, depth);
        if (rc != SC_WIRE_OK)
            return rc;
        pos += (size_t)n;
    }
    return SC_WIRE_OK;
}

sc_wire_rc sc_wire_check_strings(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                                 size_t len, char *field, size_t fieldlen)
{
    if (fieldlen > 0)
        field[0] = '\0';
    return check(desc, data, len, field, fieldlen, 0);
}
