#include "sc_control.h"
#include "sc_instr_compress.h"
#include "sc_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool sc_control_parse_count(const char *text, int64_t max, int64_t *out)
{
    if (text == NULL || *text == '\0')
        return false;
    int64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

static bool parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Value of `key` as text, or NULL. Values containing NUL bytes are treated as malformed text. */
static const char *text_value(const sc_md_list *md, const char *key, bool *has_nul)
{
    const sc_md_entry *e = sc_md_list_find(md, key);
    *has_nul = false;
    if (e == NULL)
        return NULL;
    if (strlen((const char *)e->value) != e->value_len)
        *has_nul = true;
    return (const char *)e->value;
}

static int parse_number_key(const sc_md_list *md, const char *key, int64_t max, int64_t *out,
                            char *err, size_t errlen)
{
    bool nul;
    const char *v = text_value(md, key, &nul);
    if (v == NULL)
        return 0;
    if (nul || !sc_control_parse_count(v, max, out)) {
        snprintf(err, errlen, "%s: expected a whole number from 0 to %lld, got \"%.64s\"", key,
                 (long long)max, v);
        return -1;
    }
    return 0;
}

static int copy_text_key(const sc_md_list *md, const char *key, char **out, char *err,
                         size_t errlen)
{
    const sc_md_entry *e = sc_md_list_find(md, key);
    if (e == NULL)
        return 0;
    if (e->value_len > SC_CONTROL_MAX_TEXT) {
        snprintf(err, errlen, "%s: longer than %d bytes", key, SC_CONTROL_MAX_TEXT);
        return -1;
    }
    *out = strndup((const char *)e->value, e->value_len);
    if (*out == NULL) {
        snprintf(err, errlen, "%s: out of memory", key);
        return -1;
    }
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode %XX escapes in place (as grpc-message does), so that an ASCII header can ask for a status
 * message with any UTF-8 text. A '%' not followed by two hex digits stays as it is. */
static void percent_decode(char *s)
{
    char *out = s;
    for (const char *p = s; *p; p++) {
        int hi, lo;
        if (p[0] == '%' && (hi = hex_digit(p[1])) >= 0 && (lo = hex_digit(p[2])) >= 0) {
            *out++ = (char)(hi * 16 + lo);
            p += 2;
        } else {
            *out++ = *p;
        }
    }
    *out = '\0';
}

static int parse_fail_code(const sc_md_list *md, sc_control *ctl, char *err, size_t errlen)
{
    bool nul;
    const char *v = text_value(md, SC_KEY_FAIL_CODE, &nul);
    if (v == NULL)
        return 0;
    if (nul || !sc_status_parse(v, &ctl->fail_code)) {
        snprintf(err, errlen,
                 "%s: unknown status code \"%.64s\" (use a name like UNAVAILABLE or 0-16)",
                 SC_KEY_FAIL_CODE, v);
        return -1;
    }
    ctl->fail = true;
    return 0;
}

static int parse_flag(const sc_md_list *md, const char *key, bool *out, char *err, size_t errlen)
{
    bool nul;
    const char *v = text_value(md, key, &nul);
    if (v == NULL)
        return 0;
    if (nul || !parse_bool(v, out)) {
        snprintf(err, errlen, "%s: expected true or false, got \"%.64s\"", key, v);
        return -1;
    }
    return 0;
}

/* Every entry of `key` goes to `out` (metadata keys may repeat). */
static int collect_echo(const sc_md_list *md, const char *key, sc_md_list *out, char *err,
                        size_t errlen)
{
    for (size_t i = 0; i < md->count; i++) {
        const sc_md_entry *e = &md->items[i];
        if (strcmp(e->key, key) != 0)
            continue;
        if (sc_md_list_add(out, e->key, e->value, e->value_len) != 0) {
            snprintf(err, errlen, "%s: out of memory", key);
            return -1;
        }
    }
    return 0;
}

/* x-sc-compress-responses: "gzip", "deflate" or "identity". */
static int parse_compress(const sc_md_list *md, sc_control *ctl, char *err, size_t errlen)
{
    const sc_md_entry *e = sc_md_list_find(md, SC_KEY_COMPRESS_RESPONSES);
    if (e == NULL)
        return 0;
    int enc = memchr(e->value, '\0', e->value_len) == NULL
                  ? sc_encoding_by_name((const char *)e->value)
                  : -1;
    if (enc < 0) {
        snprintf(err, errlen, "%s: expected gzip, deflate or identity, got \"%.64s\"",
                 SC_KEY_COMPRESS_RESPONSES, e->value);
        return -1;
    }
    ctl->compress_responses = enc;
    if (enc == SC_ENC_IDENTITY)
        return 0;
    const char *name = sc_encoding_name((sc_encoding)enc);
    if (sc_md_list_add(&ctl->echo_initial, SC_CORE_ENCODING_REQUEST_KEY, name, strlen(name)) != 0) {
        snprintf(err, errlen, "%s: out of memory", SC_KEY_COMPRESS_RESPONSES);
        return -1;
    }
    return 0;
}

/* x-sc-no-compress-responses: response indices "0,2" (each 0..63, comma-separated). */
static int parse_no_compress(const sc_md_list *md, sc_control *ctl, char *err, size_t errlen)
{
    const sc_md_entry *e = sc_md_list_find(md, SC_KEY_NO_COMPRESS_RESPONSES);
    if (e == NULL)
        return 0;
    const char *p = (const char *)e->value;
    bool ok = memchr(e->value, '\0', e->value_len) == NULL && *p != '\0';
    while (ok && *p != '\0') {
        char item[8];
        size_t n = strcspn(p, ",");
        int64_t idx = -1;
        ok = n > 0 && n < sizeof item;
        if (ok) {
            memcpy(item, p, n);
            item[n] = '\0';
            ok = sc_control_parse_count(item, SC_CONTROL_MAX_NO_COMPRESS - 1, &idx);
        }
        if (ok)
            ctl->no_compress_responses |= (uint64_t)1 << idx;
        p += n;
        if (ok && *p == ',')
            ok = *++p != '\0';
    }
    if (!ok) {
        snprintf(err, errlen,
                 "%s: expected response indices 0-63 separated by commas, got \"%.64s\"",
                 SC_KEY_NO_COMPRESS_RESPONSES, (const char *)e->value);
        return -1;
    }
    return 0;
}

int sc_control_parse(sc_control *ctl, const sc_md_list *md, char *err, size_t errlen)
{
    memset(ctl, 0, sizeof *ctl);
    ctl->response_delay_ms = -1;
    ctl->max_responses = -1;
    ctl->retry_pushback_ms = -1;

    if (copy_text_key(md, SC_KEY_CASE, &ctl->case_id, err, errlen) != 0 ||
        parse_number_key(md, SC_KEY_INITIAL_DELAY, SC_CONTROL_MAX_DELAY_MS, &ctl->initial_delay_ms,
                         err, errlen) != 0 ||
        parse_number_key(md, SC_KEY_RESPONSE_DELAY, SC_CONTROL_MAX_DELAY_MS,
                         &ctl->response_delay_ms, err, errlen) != 0 ||
        parse_number_key(md, SC_KEY_MAX_RESPONSES, SC_CONTROL_MAX_COUNT, &ctl->max_responses, err,
                         errlen) != 0 ||
        parse_fail_code(md, ctl, err, errlen) != 0 ||
        copy_text_key(md, SC_KEY_FAIL_MESSAGE, &ctl->fail_message, err, errlen) != 0 ||
        parse_number_key(md, SC_KEY_FAIL_AFTER, SC_CONTROL_MAX_COUNT, &ctl->fail_after, err,
                         errlen) != 0 ||
        parse_number_key(md, SC_KEY_FAIL_CALLS, SC_CONTROL_MAX_COUNT, &ctl->fail_calls, err,
                         errlen) != 0 ||
        parse_number_key(md, SC_KEY_RETRY_PUSHBACK, SC_CONTROL_MAX_DELAY_MS,
                         &ctl->retry_pushback_ms, err, errlen) != 0 ||
        parse_flag(md, SC_KEY_ECHO, &ctl->echo, err, errlen) != 0 ||
        parse_flag(md, SC_KEY_LAZY_HEADERS, &ctl->lazy_headers, err, errlen) != 0 ||
        collect_echo(md, SC_KEY_ECHO_INITIAL, &ctl->echo_initial, err, errlen) != 0 ||
        collect_echo(md, SC_KEY_ECHO_TRAILING, &ctl->echo_trailing, err, errlen) != 0 ||
        parse_compress(md, ctl, err, errlen) != 0 || parse_no_compress(md, ctl, err, errlen) != 0)
        goto fail;
    if (ctl->fail_message != NULL)
        percent_decode(ctl->fail_message);
    return 0;
fail:
    sc_control_free(ctl);
    return -1;
}

void sc_control_free(sc_control *ctl)
{
    free(ctl->case_id);
    free(ctl->fail_message);
    ctl->case_id = NULL;
    ctl->fail_message = NULL;
    sc_md_list_free(&ctl->echo_initial);
    sc_md_list_free(&ctl->echo_trailing);
}
