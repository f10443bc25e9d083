/* sc_md: an owned list of gRPC metadata entries, and its JSON form. No gRPC include: the
 * conversions to and from the C core's grpc_metadata arrays are in sc_md_grpc.h. */
#ifndef SC_MD_H
#define SC_MD_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Most entries one list will hold: a peer sending more is misbehaving, not interesting (the C
 * core's default 8 KiB header list already stops a peer at ~240 small entries; grpc-go allows
 * 16 MiB). Over it a server answers RESOURCE_EXHAUSTED, as the core does for a header list over
 * its limit. */
#define SC_MD_MAX_ENTRIES 1024
/* sc_md_list_add / sc_md_grpc_add_array: the list already holds SC_MD_MAX_ENTRIES (-1 is "no
 * memory"). */
#define SC_MD_FULL (-2)

typedef struct {
    char *key;            /* owned, NUL-terminated, lower-case as on the wire */
    unsigned char *value; /* owned; raw bytes (binary -bin values already decoded) */
    size_t value_len;
} sc_md_entry;

typedef struct {
    sc_md_entry *items; /* owned array */
    size_t count;
    size_t cap;
} sc_md_list;

/* Zero-initialise with `sc_md_list l = {0};`. */
void sc_md_list_free(sc_md_list *list);

/* Append a copy of key/value. Returns 0, SC_MD_FULL when full, or -1 on allocation failure. */
int sc_md_list_add(sc_md_list *list, const char *key, const void *value, size_t value_len);

/* First entry with `key` (exact match), or NULL. The pointer is into the list. */
const sc_md_entry *sc_md_list_find(const sc_md_list *list, const char *key);

/* True for keys whose values are binary ("-bin" suffix). */
bool sc_md_key_is_binary(const char *key);

/* {"key": "value", ...}: binary values as base64, repeated keys joined with "," (as HTTP/2 would
 * fold them). Caller owns the cJSON. NULL on allocation failure. */
cJSON *sc_md_list_to_json(const sc_md_list *list);

#endif
