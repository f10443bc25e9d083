/* sc_md_grpc: conversions between sc_md_list and the C core's metadata (see the header). */
#include "sc_md_grpc.h"

#include <grpc/support/alloc.h>
#include <stdlib.h>
#include <string.h>

int sc_md_grpc_add_array(sc_md_list *list, const grpc_metadata_array *arr)
{
    for (size_t i = 0; i < arr->count; i++) {
        const grpc_metadata *m = &arr->metadata[i];
        char *key = grpc_slice_to_c_string(m->key);
        int rc =
            sc_md_list_add(list, key, GRPC_SLICE_START_PTR(m->value), GRPC_SLICE_LENGTH(m->value));
        gpr_free(key);
        if (rc != 0)
            return rc;
    }
    return 0;
}

char *sc_md_array_get_string(const grpc_metadata_array *arr, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < arr->count; i++) {
        const grpc_metadata *m = &arr->metadata[i];
        if (GRPC_SLICE_LENGTH(m->key) == klen &&
            memcmp(GRPC_SLICE_START_PTR(m->key), key, klen) == 0) {
            size_t n = GRPC_SLICE_LENGTH(m->value);
            char *out = malloc(n + 1);
            if (out == NULL)
                return NULL;
            memcpy(out, GRPC_SLICE_START_PTR(m->value), n);
            out[n] = '\0';
            return out;
        }
    }
    return NULL;
}

grpc_metadata *sc_md_list_to_grpc(const sc_md_list *list, size_t *count)
{
    *count = 0;
    grpc_metadata *md = calloc(list->count ? list->count : 1, sizeof *md);
    if (md == NULL)
        return NULL;
    for (size_t i = 0; i < list->count; i++) {
        md[i].key = grpc_slice_from_copied_string(list->items[i].key);
        md[i].value = grpc_slice_from_copied_buffer((const char *)list->items[i].value,
                                                    list->items[i].value_len);
    }
    *count = list->count;
    return md;
}

void sc_md_grpc_free(grpc_metadata *md, size_t count)
{
    if (md == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        grpc_slice_unref(md[i].key);
        grpc_slice_unref(md[i].value);
    }
    free(md);
}
