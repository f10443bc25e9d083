#include "sc_cli_peer_share.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sc_peer_share {
    char *name;          /* owned */
    grpc_channel *ch;    /* owned */
    size_t refs;         /* instructions using it */
    sc_peer_share *next; /* in sc_peer_shares */
};

grpc_channel *sc_peer_share_take(sc_peer_shares *s, const char *name, const char *target,
                                 const sc_client_channel_opts *opts, sc_peer_share **out, char *err,
                                 size_t errlen)
{
    for (sc_peer_share *e = s->first; e != NULL; e = e->next) {
        if (strcmp(e->name, name) == 0) {
            e->refs++;
            *out = e;
            return e->ch;
        }
    }
    sc_peer_share *e = calloc(1, sizeof *e);
    if (e == NULL || (e->name = strdup(name)) == NULL) {
        free(e);
        snprintf(err, errlen, "channel.share: out of memory");
        return NULL;
    }
    e->ch = sc_client_channel_create(target, opts, err, errlen);
    if (e->ch == NULL) {
        free(e->name);
        free(e);
        return NULL;
    }
    e->refs = 1;
    e->next = s->first;
    s->first = e;
    *out = e;
    return e->ch;
}

void sc_peer_share_release(sc_peer_shares *s, sc_peer_share *entry)
{
    if (entry == NULL || --entry->refs > 0)
        return;
    for (sc_peer_share **p = &s->first; *p != NULL; p = &(*p)->next) {
        if (*p == entry) {
            *p = entry->next;
            break;
        }
    }
    grpc_channel_destroy(entry->ch);
    free(entry->name);
    free(entry);
}
