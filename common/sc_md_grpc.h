/* sc_md_grpc: an sc_md_list to and from the C core's grpc_metadata arrays. */
#ifndef SC_MD_GRPC_H
#define SC_MD_GRPC_H

#include "sc_md.h"

#include <grpc/grpc.h>

/* Append a copy of every entry of a C core metadata array. Returns 0, SC_MD_FULL or -1. */
int sc_md_grpc_add_array(sc_md_list *list, const grpc_metadata_array *arr);

/* First value of `key` in a C core array as a malloc'd NUL-terminated string (caller frees),
 * or NULL when absent. Embedded NULs truncate; use for text keys only. */
char *sc_md_array_get_string(const grpc_metadata_array *arr, const char *key);

/* A grpc_metadata array whose slices reference fresh copies of the list's data. The caller owns it
 * and must release it with sc_md_grpc_free(md, count) after the batch using it has completed. */
grpc_metadata *sc_md_list_to_grpc(const sc_md_list *list, size_t *count);
void sc_md_grpc_free(grpc_metadata *md, size_t count);

#endif
