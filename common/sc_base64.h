/* sc_base64: RFC 4648 base64, used for bytes fields in canonical JSON and -bin metadata. */
#ifndef SC_BASE64_H
#define SC_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Encode `len` bytes with the standard alphabet and '=' padding. Returns a malloc'd NUL-terminated
 * string (caller frees), or NULL on allocation failure. */
char *sc_base64_encode(const unsigned char *data, size_t len);

/* Decode standard or URL-safe base64, padding optional (as protobuf's JSON parsers accept).
 * Returns a malloc'd buffer (caller frees; never NULL on success, even for empty output) and sets
 * *out_len; NULL for invalid input or allocation failure. */
unsigned char *sc_base64_decode(const char *text, size_t *out_len);

#endif
