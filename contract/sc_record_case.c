/* sc_record_case: the recorded call's data (see the header). */
#include "sc_record_case.h"

#include <stdlib.h>
#include <string.h>

int sc_record_md_add(sc_record_md *md, const char *key, const void *value, size_t value_len)
{
    if (md->count >= SC_RECORD_MAX_MD)
        return -1;
    if (md->count == md->cap) {
        size_t cap = md->cap ? md->cap * 2 : 8;
        sc_record_md_entry *items = realloc(md->items, cap * sizeof *items);
        if (items == NULL)
            return -1;
        md->items = items;
        md->cap = cap;
    }
    sc_record_md_entry *e = &md->items[md->count];
    e->key = strdup(key);
    e->value = malloc(value_len + 1);
    if (e->key == NULL || e->value == NULL) {
        free(e->key);
        free(e->value);
        return -1;
    }
    if (value_len > 0)
        memcpy(e->value, value, value_len);
    e->value[value_len] = '\0'; /* text values are read as strings */
    e->value_len = value_len;
    md->count++;
    return 0;
}

void sc_record_md_free(sc_record_md *md)
{
    for (size_t i = 0; i < md->count; i++) {
        free(md->items[i].key);
        free(md->items[i].value);
    }
    free(md->items);
    memset(md, 0, sizeof *md);
}

void sc_record_case_free(sc_record_case *c)
{
    for (size_t i = 0; i < c->n_requests; i++)
        free(c->requests[i].data);
    for (size_t i = 0; i < c->n_responses; i++)
        free(c->responses[i].data);
    free(c->requests);
    free(c->responses);
    free(c->path);
    free(c->status_message);
    sc_record_md_free(&c->client_md);
    sc_record_md_free(&c->headers);
    sc_record_md_free(&c->trailers);
    memset(c, 0, sizeof *c);
}

int sc_record_case_add(sc_record_case *c, bool request, const unsigned char *data, size_t len,
                       int64_t at_ms)
{
    sc_record_msg **list = request ? &c->requests : &c->responses;
    size_t *n = request ? &c->n_requests : &c->n_responses;
    size_t *cap = request ? &c->cap_requests : &c->cap_responses;
    size_t *dropped = request ? &c->dropped_requests : &c->dropped_responses;
    if (*n >= SC_RECORD_MAX_MESSAGES) {
        (*dropped)++;
        return 0;
    }
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        sc_record_msg *items = realloc(*list, ncap * sizeof *items);
        if (items == NULL)
            return -1;
        *list = items;
        *cap = ncap;
    }
    unsigned char *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        return -1;
    if (len > 0)
        memcpy(copy, data, len);
    (*list)[(*n)++] = (sc_record_msg){.data = copy, .len = len, .at_ms = at_ms};
    return 0;
}

bool sc_record_key_reserved(const char *key)
{
    static const char *const reserved[] = {"content-type", "te", "user-agent", "host", NULL};
    if (key[0] == ':' || key[0] == '\0')
        return true;
    for (const char *const *r = reserved; *r != NULL; r++)
        if (strcmp(key, *r) == 0)
            return true;
    return strncmp(key, "grpc-", 5) == 0 && strcmp(key, "grpc-retry-pushback-ms") != 0;
}
