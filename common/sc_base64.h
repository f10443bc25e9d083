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

typedef enum {
    SC_BASE64_OK = 0,
    SC_BASE64_INVALID,  /* not base64 (or out of memory) */
    SC_BASE64_TOO_LONG, /* decodes to more than the limit */
} sc_base64_result;

/* sc_base64_decode for input from outside: text that would decode to more than `max` bytes is
 * refused before anything is decoded. On SC_BASE64_OK *out (caller frees) and *out_len are set;
 * `out` may be NULL to only check the text. */
sc_base64_result sc_base64_decode_max(const char *text, size_t max, unsigned char **out,
                                      size_t *out_len);

#endif
