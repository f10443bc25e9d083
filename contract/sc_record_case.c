/* sc_record_case: the recorded call's data (see the header). */
#include "sc_record_case.h"

#include <stdlib.h>
#include <string.h>

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
    sc_md_list_free(&c->client_md);
    sc_md_list_free(&c->headers);
    sc_md_list_free(&c->trailers);
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
