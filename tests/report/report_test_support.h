/* Helpers shared by the report unit tests: capture a writer's output in memory, load fixtures. */
#ifndef REPORT_TEST_SUPPORT_H
#define REPORT_TEST_SUPPORT_H

/* cmocka and what it needs first, for rt_parse and rt_assert_clean_text */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sc_report_util.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An in-memory output stream: rt_open, write to cap.out, rt_close returns the text (malloc'd,
 * NUL-terminated). */
typedef struct {
    char *buf;
    size_t len;
    FILE *out;
} rt_cap;

static inline FILE *rt_open(rt_cap *c)
{
    c->buf = NULL;
    c->len = 0;
    c->out = open_memstream(&c->buf, &c->len);
    return c->out;
}

static inline char *rt_close(rt_cap *c)
{
    fclose(c->out);
    return c->buf;
}

typedef int (*rt_writer)(const cJSON *report, FILE *out, char *err, size_t errlen);

/* Run a writer on `report` into memory; returns its return code and the text in *text. */
static inline int rt_render(rt_writer fn, const cJSON *report, char **text)
{
    rt_cap c;
    char err[256] = "";
    rt_open(&c);
    int rc = fn(report, c.out, err, sizeof err);
    *text = rt_close(&c);
    return rc;
}

static inline char *rt_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(f);
    fclose(mem);
    return buf;
}

static inline cJSON *rt_load_fixture(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", SC_REPORT_DATA, name);
    char *text = rt_read_file(path);
    if (!text)
        return NULL;
    cJSON *j = cJSON_Parse(text);
    free(text);
    return j;
}

static inline size_t rt_count(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}

/* Parse a JSON fixture written in a test (it must be valid). The caller deletes it. */
static inline cJSON *rt_parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    return j;
}

/* Every byte sequence is valid UTF-8 and every character allowed by the text policy. */
static inline void rt_assert_clean_text(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        bool valid;
        size_t len = sc_report_utf8_next((const unsigned char *)s + i, n - i, &cp, &valid);
        if (!valid || !sc_report_char_ok(cp))
            fail_msg("bad character U+%04X at byte %zu", (unsigned)cp, i);
        i += len;
    }
}

/* Two clients x two servers with every verdict that fits in a small report. */
static const char rt_small_report[] =
    "{\"tool\":\"streamconform\",\"version\":\"0.1.0\",\"started_at\":\"2026-11-23T19:10:00Z\","
    "\"duration_ms\":1500,\"complete\":true,\"clients\":[\"c\",\"go\"],\"servers\":[\"c\",\"go\"],"
    "\"cases\":["
    "{\"id\":\"get/happy@c->c\",\"scenario\":\"get/happy\",\"client\":\"c\",\"server\":\"c\","
    "\"verdict\":\"pass\",\"duration_ms\":12,\"attempts\":1},"
    "{\"id\":\"subscribe/cancel@c->go\",\"scenario\":\"subscribe/cancel\",\"client\":\"c\","
    "\"server\":\"go\",\"verdict\":\"fail\",\"duration_ms\":41,\"summary\":\"client cancels | "
    "early\",\"failures\":[{\"path\":\"expect.status\",\"expected\":\"CANCELLED\",\"actual\":"
    "\"OK\"}]},"
    "{\"id\":\"chat/slow@c->go\",\"scenario\":\"chat/slow\",\"client\":\"c\",\"server\":\"go\","
    "\"verdict\":\"known_failing\",\"reason\":\"grpc-go differs\",\"duration_ms\":9},"
    "{\"id\":\"get/happy@go->c\",\"scenario\":\"get/happy\",\"client\":\"go\",\"server\":\"c\","
    "\"verdict\":\"pass\",\"attempts\":2,\"duration_ms\":30},"
    "{\"id\":\"replay/script@go->c\",\"scenario\":\"replay/script\",\"client\":\"go\","
    "\"server\":\"c\",\"verdict\":\"skip\",\"reason\":\"C engine only\"},"
    "{\"id\":\"deadline/sleep@go->go\",\"scenario\":\"deadline/sleep\",\"client\":\"go\","
    "\"server\":\"go\",\"verdict\":\"error\",\"reason\":\"peer crashed\",\"stderr\":\"boom\\n\","
    "\"duration_ms\":5000},"
    "{\"id\":\"list/stale@go->go\",\"scenario\":\"list/stale\",\"client\":\"go\","
    "\"server\":\"go\",\"verdict\":\"stale\",\"reason\":\"was issue 9\",\"duration_ms\":1}"
    "]}";

#endif
