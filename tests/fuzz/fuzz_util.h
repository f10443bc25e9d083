/* fuzz_util: what every libFuzzer target of tests/fuzz shares: the input as a NUL-terminated
 * string (the parsers take text), and a cap on input size (a parser's own limits are above the
 * sizes worth mutating). Header-only; each target includes it once. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Inputs above this are skipped: the parsers' limits (MiB) are tested by unit tests; mutating
 * megabytes only slows the search. */
#define FUZZ_MAX_INPUT (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A copy of the input with a NUL after it (caller frees), or NULL when too large. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return NULL;
    char *t = malloc(size + 1);
    if (t == NULL)
        return NULL;
    memcpy(t, data, size);
    t[size] = '\0';
    return t;
}

#endif
