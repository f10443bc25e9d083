#include "sc_instr_compress.h"

#include "sc_jcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[SC_ENC_COUNT] = {"identity", "deflate", "gzip"};

const char *sc_encoding_name(sc_encoding enc)
{
    return (unsigned)enc < SC_ENC_COUNT ? names[enc] : NULL;
}

int sc_encoding_by_name(const char *name)
{
    for (int i = 0; name != NULL && i < SC_ENC_COUNT; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static int fail(char *err, size_t errlen, const char *member, const char *why)
{
    snprintf(err, errlen, "compression%s%s: %s", member[0] ? "." : "", member, why);
    return -1;
}

static int parse_accept(const cJSON *arr, sc_instr_compression *out, char *err, size_t errlen)
{
    if (arr == NULL || cJSON_IsNull(arr))
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(err, errlen, "accept",
                    "expected an array of \"identity\", \"deflate\", \"gzip\"");
    out->has_accept = true;
    out->accept = SC_ENC_BIT(SC_ENC_IDENTITY);
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, arr)
    {
        int enc = cJSON_IsString(v) ? sc_encoding_by_name(v->valuestring) : -1;
        if (enc < 0)
            return fail(err, errlen, "accept",
                        "expected an array of \"identity\", \"deflate\", \"gzip\"");
        out->accept |= SC_ENC_BIT(enc);
    }
    return 0;
}

static int parse_no_compress(const cJSON *arr, sc_instr_compression *out, char *err, size_t errlen)
{
    if (arr == NULL || cJSON_IsNull(arr))
        return 0;
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
    if (n < 0 || n > SC_INSTR_MAX_NO_COMPRESS)
        return fail(err, errlen, "no_compress",
                    "expected an array of request indices (at most 1024)");
    out->no_compress = calloc((size_t)n + 1, sizeof *out->no_compress);
    if (out->no_compress == NULL)
        return fail(err, errlen, "no_compress", "out of memory");
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, arr)
    {
        double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
        if (d < 0 || d > 100000 || d != (double)(int64_t)d)
            return fail(err, errlen, "no_compress",
                        "expected an array of request indices (whole numbers from 0)");
        out->no_compress[out->n_no_compress++] = (int64_t)d;
    }
    return 0;
}

int sc_instr_compression_parse(const cJSON *root, sc_instr_compression *out, char *err,
                               size_t errlen)
{
    static const sc_jfield fields[] = {
        {.key = "algorithm", .types = SC_JT_STRING | SC_JT_NULL},
        {.key = "no_compress"},
        {.key = "accept"},
    };
    memset(out, 0, sizeof *out);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "compression");
    if (c == NULL || cJSON_IsNull(c))
        return 0;
    if (!cJSON_IsObject(c))
        return fail(err, errlen, "", "expected an object");
    sc_jspec spec = SC_JSPEC(fields);
    if (sc_jcheck_object(c, "compression", &spec, err, errlen) != 0)
        return -1;
    out->given = true;
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(c, "algorithm");
    if (alg != NULL && !cJSON_IsNull(alg)) {
        int enc = sc_encoding_by_name(alg->valuestring);
        if (enc < 0)
            return fail(err, errlen, "algorithm", "expected \"identity\", \"deflate\" or \"gzip\"");
        out->algorithm = (sc_encoding)enc;
    }
    if (parse_accept(cJSON_GetObjectItemCaseSensitive(c, "accept"), out, err, errlen) != 0)
        return -1;
    return parse_no_compress(cJSON_GetObjectItemCaseSensitive(c, "no_compress"), out, err, errlen);
}

bool sc_instr_compression_skip(const sc_instr_compression *c, size_t index)
{
    for (size_t i = 0; i < c->n_no_compress; i++)
        if (c->no_compress[i] == (int64_t)index)
            return true;
    return false;
}

void sc_instr_compression_free(sc_instr_compression *c)
{
    free(c->no_compress);
    memset(c, 0, sizeof *c);
}
