#include "sc_md.h"
#include "sc_base64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sc_md_list_free(sc_md_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].key);
        free(list->items[i].value);
    }
    free(list->items);
    list->items = NULL;
    list->count = list->cap = 0;
}

int sc_md_list_add(sc_md_list *list, const char *key, const void *value, size_t value_len)
{
    if (list->count >= SC_MD_MAX_ENTRIES)
        return SC_MD_FULL;
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 8;
        sc_md_entry *items = realloc(list->items, cap * sizeof *items);
        if (items == NULL)
            return -1;
        list->items = items;
        list->cap = cap;
    }
    sc_md_entry *e = &list->items[list->count];
    e->key = strdup(key);
    e->value = malloc(value_len + 1);
    if (e->key == NULL || e->value == NULL) {
        free(e->key);
        free(e->value);
        return -1;
    }
    if (value_len > 0)
        memcpy(e->value, value, value_len);
    e->value[value_len] = '\0'; /* convenience for text values */
    e->value_len = value_len;
    list->count++;
    return 0;
}

const sc_md_entry *sc_md_list_find(const sc_md_list *list, const char *key)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i].key, key) == 0)
            return &list->items[i];
    return NULL;
}

bool sc_md_key_is_binary(const char *key)
{
    size_t n = strlen(key);
    return n >= 4 && strcmp(key + n - 4, "-bin") == 0;
}

/* The value as JSON text: base64 for binary keys, else the bytes as they are. */
static char *md_value_text(const sc_md_entry *e)
{
    if (sc_md_key_is_binary(e->key))
        return sc_base64_encode(e->value, e->value_len);
    return strndup((const char *)e->value, e->value_len);
}

cJSON *sc_md_list_to_json(const sc_md_list *list)
{
    cJSON *obj = cJSON_CreateObject();
    if (obj == NULL)
        return NULL;
    for (size_t i = 0; i < list->count; i++) {
        const sc_md_entry *e = &list->items[i];
        char *text = md_value_text(e);
        if (text == NULL)
            goto fail;
        cJSON *prev = cJSON_GetObjectItemCaseSensitive(obj, e->key);
        if (prev != NULL) {
            size_t n = strlen(prev->valuestring) + 1 + strlen(text) + 1;
            char *joined = malloc(n);
            if (joined == NULL) {
                free(text);
                goto fail;
            }
            snprintf(joined, n, "%s,%s", prev->valuestring, text);
            cJSON_ReplaceItemInObjectCaseSensitive(obj, e->key, cJSON_CreateString(joined));
            free(joined);
        } else {
            cJSON_AddStringToObject(obj, e->key, text);
        }
        free(text);
    }
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}
