/* sc_json_ctx: the state of one encode or decode call (error text, JSON path, depth) and the
 * text helpers both directions share. See sc_json_ctx.h. */
#include "sc_json_ctx.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Characters of an offending string value quoted in an error message. */
#define SC_JSON_SHOWN_STRING_MAX 40

void sc_json_ctx_init(sc_json_ctx *ctx, char *err, size_t errlen)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->err = err;
    ctx->errlen = errlen;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
}

/* Record the first error as "<path>: <message>"; later errors (from unwinding) are ignored. */
void sc_json_fail(sc_json_ctx *ctx, const char *fmt, ...)
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

/* Append to the path (cut short when full). Returns the old length, for sc_json_path_pop. */
size_t sc_json_path_push(sc_json_ctx *ctx, const char *fmt, ...)
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

size_t sc_json_path_push_field(sc_json_ctx *ctx, const char *name)
{
    if (ctx->path_len == 0)
        return sc_json_path_push(ctx, "%s", name);
    return sc_json_path_push(ctx, ".%s", name);
}

void sc_json_path_pop(sc_json_ctx *ctx, size_t saved)
{
    ctx->path_len = saved;
    ctx->path[saved] = '\0';
}

char *sc_json_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);
    if (copy != NULL)
        memcpy(copy, s, len);
    return copy;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
bool sc_json_utf8_valid(const char *s)
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
void sc_json_format_double(double d, char *buf, size_t size)
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
void sc_json_format_float(float f, char *buf, size_t size)
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
const char *sc_json_describe(const cJSON *v, char *buf, size_t size)
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
        sc_json_format_double(v->valuedouble, buf, size);
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
bool sc_json_scan_number(const char *s, bool *has_frac_exp)
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
