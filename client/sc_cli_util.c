#include "sc_cli_util.h"
#include "sc_base64.h"
#include "sc_status.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc_cli_exit_code(int status_code)
{
    if (status_code == SC_STATUS_OK)
        return SC_CLI_EXIT_OK;
    if (status_code > 0 && status_code < SC_STATUS_COUNT)
        return SC_CLI_EXIT_STATUS_BASE + status_code;
    return SC_CLI_EXIT_LOCAL;
}

static bool key_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* Lower-cased copy of arg[0..len) into key (size > len), validated. */
static int parse_key(const char *arg, size_t len, char *key, char *err, size_t errlen)
{
    if (len == 0) {
        snprintf(err, errlen, "-H %s: empty key (expected key:value)", arg);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        key[i] = (char)tolower((unsigned char)arg[i]);
        if (!key_char_ok(key[i])) {
            snprintf(err, errlen, "-H %.*s: key may only hold 0-9 a-z - _ .", (int)len, arg);
            return -1;
        }
    }
    key[len] = '\0';
    if (strncmp(key, "grpc-", 5) == 0) {
        snprintf(err, errlen, "-H %s: keys starting with grpc- are reserved", key);
        return -1;
    }
    return 0;
}

static int add_binary(sc_md_list *md, const char *key, const char *value, char *err, size_t errlen)
{
    size_t n = 0;
    unsigned char *raw = sc_base64_decode(value, &n);
    if (raw == NULL) {
        snprintf(err, errlen, "-H %s: a -bin value must be base64", key);
        return -1;
    }
    int rc = sc_md_list_add(md, key, raw, n);
    free(raw);
    if (rc != 0)
        snprintf(err, errlen, "-H %s: too many headers", key);
    return rc;
}

static int add_text(sc_md_list *md, const char *key, const char *value, char *err, size_t errlen)
{
    for (const char *p = value; *p != '\0'; p++) {
        if (*p < 0x20 || *p > 0x7e) {
            snprintf(err, errlen, "-H %s: value must be printable ASCII (use a -bin key)", key);
            return -1;
        }
    }
    if (sc_md_list_add(md, key, value, strlen(value)) != 0) {
        snprintf(err, errlen, "-H %s: too many headers", key);
        return -1;
    }
    return 0;
}

int sc_cli_parse_header(const char *arg, sc_md_list *md, char *err, size_t errlen)
{
    const char *colon = strchr(arg, ':');
    if (colon == NULL) {
        snprintf(err, errlen, "-H %s: expected key:value", arg);
        return -1;
    }
    size_t klen = (size_t)(colon - arg);
    const char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (klen >= SC_CLI_MAX_HEADER_TEXT || strlen(value) >= SC_CLI_MAX_HEADER_TEXT) {
        snprintf(err, errlen, "-H: key or value longer than %d bytes", SC_CLI_MAX_HEADER_TEXT);
        return -1;
    }
    char key[SC_CLI_MAX_HEADER_TEXT];
    if (parse_key(arg, klen, key, err, errlen) != 0)
        return -1;
    if (sc_md_key_is_binary(key))
        return add_binary(md, key, value, err, errlen);
    return add_text(md, key, value, err, errlen);
}

bool sc_cli_parse_int64(const char *text, int64_t min, int64_t max, int64_t *out)
{
    if (text == NULL || *text == '\0' || isspace((unsigned char)*text))
        return false;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool sc_cli_parse_double(const char *text, double min, double max, double *out)
{
    if (text == NULL || *text == '\0' || isspace((unsigned char)*text))
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
        return false;
    *out = v;
    return true;
}
