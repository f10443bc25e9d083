#include "sc_case_calls.h"

#include <stdlib.h>
#include <string.h>

static sc_case_calls_entry *find(sc_case_calls *t, const char *id)
{
    for (size_t i = 0; i < t->count; i++)
        if (strcmp(t->items[i].case_id, id) == 0)
            return &t->items[i];
    return NULL;
}

/* A slot for a new case: a free one, or the oldest when the table is full. */
static sc_case_calls_entry *new_slot(sc_case_calls *t)
{
    if (t->count < t->cap)
        return &t->items[t->count++];
    if (t->cap < SC_CASE_CALLS_MAX) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        if (cap > SC_CASE_CALLS_MAX)
            cap = SC_CASE_CALLS_MAX;
        sc_case_calls_entry *grown = realloc(t->items, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        t->items = grown;
        t->cap = cap;
        return &t->items[t->count++];
    }
    sc_case_calls_entry *e = &t->items[t->next_evict];
    t->next_evict = (t->next_evict + 1) % SC_CASE_CALLS_MAX;
    free(e->case_id);
    e->case_id = NULL;
    return e;
}

int64_t sc_case_calls_bump(sc_case_calls *t, const char *case_id)
{
    const char *id = case_id != NULL ? case_id : "";
    sc_case_calls_entry *e = find(t, id);
    if (e != NULL)
        return ++e->calls;
    char *copy = strdup(id);
    if (copy == NULL)
        return -1;
    e = new_slot(t);
    if (e == NULL) {
        free(copy);
        return -1;
    }
    e->case_id = copy;
    e->calls = 1;
    return 1;
}

void sc_case_calls_free(sc_case_calls *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->items[i].case_id);
    free(t->items);
    memset(t, 0, sizeof *t);
}
