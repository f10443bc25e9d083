#include "sc_base64.h"

#include <stdlib.h>
#include <string.h>

static const char sc_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *sc_base64_encode(const unsigned char *data, size_t len)
{
    size_t out_len = 4 * ((len + 2) / 3);
    char *out = malloc(out_len + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)data[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        out[o++] = sc_b64_alphabet[(v >> 18) & 63];
        out[o++] = sc_b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? sc_b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? sc_b64_alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

/* Value of one base64 digit in either alphabet, or -1. */
static int b64_digit(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

unsigned char *sc_base64_decode(const char *text, size_t *out_len)
{
    size_t n = strlen(text);
    while (n > 0 && text[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return NULL; /* a single leftover digit carries fewer than 8 bits */
    unsigned char *out = malloc(n * 3 / 4 + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int d = b64_digit(text[i]);
        if (d < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((acc >> bits) & 0xFF);
        }
    }
    *out_len = o;
    return out;
}

sc_base64_result sc_base64_decode_max(const char *text, size_t max, unsigned char **out,
                                      size_t *out_len)
{
    /* 4 characters per 3 bytes; unpadded text may end in a short group, hence the second check */
    if (strlen(text) / 4 * 3 > max)
        return SC_BASE64_TOO_LONG;
    size_t n = 0;
    unsigned char *bytes = sc_base64_decode(text, &n);
    if (bytes == NULL)
        return SC_BASE64_INVALID;
    if (n > max) {
        free(bytes);
        return SC_BASE64_TOO_LONG;
    }
    if (out != NULL)
        *out = bytes;
    else
        free(bytes);
    if (out_len != NULL)
        *out_len = n;
    return SC_BASE64_OK;
}
